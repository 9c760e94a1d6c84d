//! A member's address book: recipient, mobile number, region (the shipping
//! templates' list) and street address, one of them the default.
//!
//! Mobile numbers, by region:
//! - mainland China (`CN-*` but Hong Kong, Macau, Taiwan): `1` then 10 digits;
//! - Hong Kong (`CN-HK`) and Macau (`CN-MO`): 8 digits;
//! - Taiwan (`CN-TW`): `09` then 8 digits;
//! - the rest of the world (`world`): an international number, `+` then 7 to 15 digits.
//!
//! Spaces and hyphens people type are dropped before the check.

use carmine_commerce::regions;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{ADDRESS_DETAIL_CHARS_MAX, ADDRESSES_MAX, RECIPIENT_CHARS_MAX};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::orders::{self as rows, AddressRecord, AddressRow};
use carmine_store::users;

use crate::Orders;

/// An address as a member writes it.
#[derive(Clone, Debug, Default)]
pub struct AddressInput {
    pub recipient: String,
    pub phone: String,
    pub region: String,
    pub detail: String,
    /// Make it the default (the first address always is).
    pub is_default: bool,
}

pub(crate) struct ValidAddress {
    pub(crate) recipient: String,
    pub(crate) phone: String,
    pub(crate) region: &'static str,
    pub(crate) detail: String,
}

impl ValidAddress {
    fn row(&self) -> AddressRow<'_> {
        AddressRow { recipient: &self.recipient, phone: &self.phone, region: self.region, detail: &self.detail }
    }
}

/// The mobile number in canonical form, if it fits the region's rule.
pub fn valid_phone(region: &str, raw: &str) -> Option<String> {
    let phone: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits =
        |s: &str, n: std::ops::RangeInclusive<usize>| n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match region {
        "world" => phone.strip_prefix('+').is_some_and(|rest| digits(rest, 7..=15)),
        "CN-HK" | "CN-MO" => digits(&phone, 8..=8),
        "CN-TW" => phone.starts_with("09") && digits(&phone, 10..=10),
        _ => phone.starts_with('1') && digits(&phone, 11..=11),
    };
    ok.then_some(phone)
}

pub(crate) fn valid(input: &AddressInput) -> Result<ValidAddress> {
    let recipient = bounded_text("recipient", &input.recipient, 1, RECIPIENT_CHARS_MAX, false)?;
    let region = regions::parse(&input.region)
        .ok_or_else(|| Error::invalid_field("region", "an ISO 3166-2:CN code (CN-BJ…) or \"world\""))?;
    let phone = valid_phone(region, &input.phone).ok_or_else(|| {
        let international = input.phone.trim_start().starts_with('+');
        let (rule, hint) = match region {
            "world" => ("an international number: + then 7 to 15 digits", "phone-world"),
            _ if international => ("an international number needs the region \"world\"", "phone-needs-world"),
            "CN-HK" | "CN-MO" => ("8 digits", "phone-hk-mo"),
            "CN-TW" => ("09 then 8 digits", "phone-tw"),
            _ => ("1 then 10 digits", "phone-mainland"),
        };
        Error::invalid_field("phone", rule).with_hint(hint)
    })?;
    let detail = bounded_text("detail", &input.detail, 2, ADDRESS_DETAIL_CHARS_MAX, false)?;
    Ok(ValidAddress { recipient, phone, region, detail })
}

impl Orders {
    /// The member's addresses, the default first.
    pub async fn addresses(&self, user: Id) -> Result<Vec<AddressRecord>> {
        Ok(rows::addresses(&mut *self.db.reader().await?, user).await?)
    }

    /// One of the member's addresses (`address_not_found` for anyone else's).
    pub async fn address(&self, user: Id, id: Id) -> Result<AddressRecord> {
        Ok(rows::get_address(&mut *self.db.reader().await?, user, id).await?.ok_or(ErrorCode::AddressNotFound)?)
    }

    pub async fn add_address(&self, user: Id, input: &AddressInput) -> Result<AddressRecord> {
        let address = valid(input)?;
        let mut tx = self.db.begin().await?;
        users::lock(&mut tx, user).await?;
        let existing = rows::addresses(tx.conn(), user).await?;
        if existing.len() as i64 >= ADDRESSES_MAX {
            return Err(
                Error::new(ErrorCode::AddressBookFull).with_details(serde_json::json!({ "max": ADDRESSES_MAX }))
            );
        }
        let id = rows::insert_address(&mut tx, user, &address.row()).await?;
        if input.is_default || existing.is_empty() {
            rows::set_default_address(&mut tx, user, id).await?;
        }
        tx.emit(DomainEvent::AddressChanged { address_id: id, user_id: user }).await?;
        tx.commit().await?;
        self.address(user, id).await
    }

    pub async fn update_address(&self, user: Id, id: Id, input: &AddressInput) -> Result<AddressRecord> {
        let address = valid(input)?;
        let mut tx = self.db.begin().await?;
        if !rows::update_address(&mut tx, user, id, &address.row()).await? {
            return Err(Error::new(ErrorCode::AddressNotFound));
        }
        if input.is_default {
            rows::set_default_address(&mut tx, user, id).await?;
        }
        tx.emit(DomainEvent::AddressChanged { address_id: id, user_id: user }).await?;
        tx.commit().await?;
        self.address(user, id).await
    }

    /// Removes an address (orders keep their own copy); the newest left becomes the
    /// default if this one was.
    pub async fn remove_address(&self, user: Id, id: Id) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let was_default = rows::get_address(tx.conn(), user, id).await?.ok_or(ErrorCode::AddressNotFound)?.is_default;
        if !rows::remove_address(&mut tx, user, id).await? {
            return Err(Error::new(ErrorCode::AddressNotFound));
        }
        if was_default && let Some(next) = rows::addresses(tx.conn(), user).await?.first() {
            rows::set_default_address(&mut tx, user, next.id).await?;
        }
        tx.emit(DomainEvent::AddressChanged { address_id: id, user_id: user }).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::valid_phone;

    #[test]
    fn mobile_numbers_follow_their_regions_rule() {
        assert_eq!(valid_phone("CN-BJ", "138 0013 8000").as_deref(), Some("13800138000"));
        assert_eq!(valid_phone("CN-SH", "23800138000"), None, "mainland numbers start with 1");
        assert_eq!(valid_phone("CN-SH", "1380013800"), None, "ten digits are too few");
        assert_eq!(valid_phone("CN-HK", "9123-4567").as_deref(), Some("91234567"));
        assert_eq!(valid_phone("CN-TW", "0912345678").as_deref(), Some("0912345678"));
        assert_eq!(valid_phone("CN-TW", "13800138000"), None);
        assert_eq!(valid_phone("world", "+44 20 7946 0958").as_deref(), Some("+442079460958"));
        assert_eq!(valid_phone("world", "02079460958"), None, "abroad needs the country code");
        assert_eq!(valid_phone("CN-BJ", "１３８００１３８０００"), None, "full-width digits are not accepted");
    }
}

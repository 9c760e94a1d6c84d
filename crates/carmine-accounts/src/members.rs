//! A member's own account: profile (with consented demographics), password change,
//! data export and erasure.

use carmine_core::event::DomainEvent;
use carmine_core::limits::{AVATAR_URL_CHARS_MAX, BIO_CHARS_MAX, CITY_CHARS_MAX};
use carmine_core::text::{bounded_text, check_new_password};
use carmine_core::{Error, ErrorCode, Result, Timestamp};
use carmine_store::users::{self, Demographics, ProfileUpdate, UserRecord};
use carmine_store::{orgs, sessions, tokens};
use serde_json::{Value, json};

use crate::{Accounts, Caller};

/// The genders a member may state; anything else is refused.
pub const GENDERS: &[&str] = &["female", "male", "nonbinary", "other"];

/// Demographics as a member gives them (or a dataset carries them). Stored only when `consent` is true;
/// withdrawing consent deletes them.
#[derive(Clone, Debug, Default)]
pub struct DemographicsInput {
    pub consent: bool,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub city: Option<String>,
}

/// A partial profile change: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    /// `Some("")` clears the avatar.
    pub avatar_url: Option<String>,
    pub demographics: Option<DemographicsInput>,
}

impl Accounts {
    pub async fn profile(&self, caller: &Caller) -> Result<UserRecord> {
        users::get(&mut *self.db.reader().await?, caller.user_id)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::UserNotFound))
    }

    pub async fn update_profile(&self, caller: &Caller, change: &ProfileChange) -> Result<UserRecord> {
        let mut tx = self.db.begin().await?;
        let current =
            users::get(tx.conn(), caller.user_id).await?.ok_or_else(|| Error::new(ErrorCode::UserNotFound))?;
        let display_name = match &change.display_name {
            Some(name) => carmine_core::text::display_name(name, 1)?,
            None => current.display_name.clone(),
        };
        let bio = match &change.bio {
            Some(bio) => bounded_text("bio", bio, 0, BIO_CHARS_MAX, true)?,
            None => current.bio.clone(),
        };
        let avatar_url = match &change.avatar_url {
            Some(url) => parse_avatar_url(url)?,
            None => current.avatar_url.clone(),
        };
        let demographics = match &change.demographics {
            Some(input) => parse_demographics(input, tx.now())?,
            None => current.demographics.clone(),
        };
        users::update_profile(
            &mut tx,
            caller.user_id,
            &ProfileUpdate { display_name: &display_name, bio: &bio, avatar_url: avatar_url.as_deref(), demographics },
        )
        .await?;
        tx.emit(DomainEvent::ProfileUpdated { user_id: caller.user_id }).await?;
        let updated =
            users::get(tx.conn(), caller.user_id).await?.ok_or_else(|| Error::new(ErrorCode::UserNotFound))?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Sets the member's interface language (`None`: follow the browser).
    pub async fn set_locale(&self, caller: &Caller, locale: Option<&str>) -> Result<()> {
        if let Some(locale) = locale
            && !carmine_core::text::INTERFACE_LOCALES.contains(&locale)
        {
            return Err(Error::invalid_field("locale", "choose en or zh-CN"));
        }
        let mut tx = self.db.begin().await?;
        users::set_locale(&mut tx, caller.user_id, locale).await?;
        tx.emit(DomainEvent::ProfileUpdated { user_id: caller.user_id }).await?;
        Ok(tx.commit().await?)
    }

    /// Changes the password after checking the current one, and ends every other
    /// session of the member (the one making the change stays logged in).
    pub async fn change_password(&self, caller: &Caller, current: &str, new: &str) -> Result<u64> {
        let user = self.profile(caller).await?;
        if !self.hasher.verify(user.password_hash.as_deref(), current).await? {
            return Err(Error::new(ErrorCode::WrongPassword)
                .with_details(json!({ "field": "current_password", "reason": "does not match" })));
        }
        check_new_password(new, &caller.username)?;
        let hash = self.hasher.hash(new).await?;
        let mut tx = self.db.begin().await?;
        users::set_password_hash(&mut tx, caller.user_id, &hash).await?;
        let ended = sessions::delete_for_user(&mut tx, caller.user_id, caller.session_id()).await?;
        tx.emit(DomainEvent::PasswordChanged { user_id: caller.user_id, sessions_ended: ended }).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Everything Carmine holds about the member, as one JSON document.
    pub async fn export_data(&self, caller: &Caller) -> Result<Value> {
        let mut conn = self.db.reader().await?;
        let user = users::get(&mut conn, caller.user_id).await?.ok_or_else(|| Error::new(ErrorCode::UserNotFound))?;
        let sessions = sessions::list_for_user(&mut conn, caller.user_id).await?;
        let tokens = tokens::list_active(&mut conn, caller.user_id).await?;
        let memberships = orgs::list_for_user(&mut conn, caller.user_id).await?;
        let invitations = orgs::list_pending_invitations_for_user(&mut conn, caller.user_id, self.db.now()).await?;
        drop(conn);
        let export = json!({
            "format": "carmine-member-export",
            "version": 1,
            "exported_at": self.db.now(),
            "profile": {
                "id": user.id,
                "username": user.username,
                "display_name": user.display_name,
                "bio": user.bio,
                "avatar_url": user.avatar_url,
                "demographics": user.demographics.as_ref().map(|d| json!({
                    "birth_year": d.birth_year, "gender": d.gender, "city": d.city, "consented_at": d.consented_at,
                })),
                "is_admin": user.is_admin,
                "created_at": user.created_at,
            },
            "sessions": sessions.iter().map(|s| json!({
                "id": s.id, "created_at": s.created_at, "last_seen_at": s.last_seen_at,
                "expires_at": s.expires_at, "user_agent": s.user_agent, "ip": s.ip,
            })).collect::<Vec<_>>(),
            "api_tokens": tokens.iter().map(|t| json!({
                "id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at, "last_used_at": t.last_used_at,
            })).collect::<Vec<_>>(),
            "organizations": memberships.iter().map(|(o, role)| json!({
                "id": o.id, "handle": o.handle, "name": o.name, "role": role,
            })).collect::<Vec<_>>(),
            "pending_invitations": invitations.iter().map(|i| json!({
                "id": i.id, "org": i.org_handle, "role": i.role, "expires_at": i.expires_at,
            })).collect::<Vec<_>>(),
        });
        let mut tx = self.db.begin().await?;
        tx.emit(DomainEvent::UserDataExported { user_id: caller.user_id }).await?;
        tx.commit().await?;
        Ok(export)
    }

    /// Checks the password before an erasure (`wrong_password` otherwise).
    pub async fn confirm_password(&self, caller: &Caller, password: &str) -> Result<()> {
        let user = self.profile(caller).await?;
        if !self.hasher.verify(user.password_hash.as_deref(), password).await? {
            return Err(Error::new(ErrorCode::WrongPassword)
                .with_details(json!({ "field": "password", "reason": "does not match" })));
        }
        Ok(())
    }

    /// The accounts part of an erasure, inside its transaction: personal data purged,
    /// all sessions and tokens ended, memberships removed, the id kept as a tombstone.
    /// Refused (`sole_owner_must_hand_over`) while the member is the only owner of an
    /// organization: they hand it over or close it first. The caller composes the
    /// other contexts' parts in the same transaction (`Services::erase_account`).
    pub async fn erase_in(&self, tx: &mut carmine_store::Tx, caller: &Caller) -> Result<()> {
        for (org, role) in orgs::list_for_user(tx.conn(), caller.user_id).await? {
            orgs::lock(tx, org.id).await?;
            if role == "owner" && orgs::count_owners(tx.conn(), org.id).await? == 1 {
                return Err(Error::new(ErrorCode::SoleOwnerMustHandOver)
                    .with_message(format!(
                        "you are the only owner of @{}: make someone else an owner, or close it, first",
                        org.handle
                    ))
                    .with_details(json!({ "org": org.handle })));
            }
        }
        orgs::delete_all_memberships(tx, caller.user_id).await?;
        sessions::delete_for_user(tx, caller.user_id, None).await?;
        tokens::revoke_all(tx, caller.user_id).await?;
        users::erase(tx, caller.user_id).await?;
        tx.emit(DomainEvent::UserDeleted { user_id: caller.user_id }).await?;
        Ok(())
    }
}

fn parse_avatar_url(raw: &str) -> Result<Option<String>> {
    let url = bounded_text("avatar_url", raw, 0, AVATAR_URL_CHARS_MAX, false)?;
    if url.is_empty() {
        return Ok(None);
    }
    // Until media uploads land: an absolute https URL or a path on this site.
    if !(url.starts_with("https://") || (url.starts_with('/') && !url.starts_with("//")))
        || url.contains(['"', '<', '>', ' '])
    {
        return Err(Error::invalid_field("avatar_url", "must be an https:// URL or a path on this site"));
    }
    Ok(Some(url))
}

pub fn parse_demographics(input: &DemographicsInput, now: Timestamp) -> Result<Option<Demographics>> {
    if !input.consent {
        return Ok(None);
    }
    let this_year = 1970 + now.micros() / 1_000_000 / 31_556_952;
    if let Some(year) = input.birth_year
        && !(1900..=this_year - 13).contains(&year)
    {
        return Err(Error::invalid_field("birth_year", format!("must be between 1900 and {}", this_year - 13)));
    }
    if let Some(gender) = &input.gender
        && !GENDERS.contains(&gender.as_str())
    {
        return Err(Error::invalid_field("gender", format!("must be one of {}", GENDERS.join(", "))));
    }
    let city = match &input.city {
        Some(city) => Some(bounded_text("city", city, 1, CITY_CHARS_MAX, false)?),
        None => None,
    };
    Ok(Some(Demographics { birth_year: input.birth_year, gender: input.gender.clone(), city, consented_at: now }))
}

/// What anyone may see of a member besides their handle and name.
#[derive(Clone, Debug)]
pub struct PublicProfile {
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
}

impl Accounts {
    pub async fn public_profile(&self, user_id: carmine_core::Id) -> Result<PublicProfile> {
        let user = users::get(&mut *self.db.reader().await?, user_id)
            .await?
            .filter(|u| u.deleted_at.is_none())
            .ok_or_else(|| Error::new(ErrorCode::UserNotFound))?;
        Ok(PublicProfile { display_name: user.display_name, bio: user.bio, avatar_url: user.avatar_url })
    }
}

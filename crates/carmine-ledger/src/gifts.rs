//! Gifts: a member sends coins to a creator (on a note, later in a live room). The
//! coins' value is split between the creator's earnings and the platform's
//! live-gift revenue by the configured share; the platform absorbs rounding.

use carmine_core::event::DomainEvent;
use carmine_core::limits::GIFT_COINS_MAX;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::{safety, users};
use serde_json::json;

use crate::accounts::{AccountKind, AccountRef, Owner, Stream};
use crate::idempotency::{IdempotencyKey, Outcome, Prior};
use crate::posting::{Header, split};
use crate::{Ledger, LedgerConfig, Transfer};

pub struct Gift {
    pub from: Id,
    pub to: Id,
    pub coins: i64,
    /// The note it was sent on, if any.
    pub note: Option<Id>,
}

/// How a gift's value divides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GiftSplit {
    pub gross: i64,
    pub creator: i64,
    pub platform: i64,
}

impl LedgerConfig {
    pub fn gift_split(&self, coins: i64) -> GiftSplit {
        let gross = coins * self.coin_minor;
        let parts = split(gross, &[self.gift_creator_share_bps]);
        GiftSplit { gross, creator: parts[0], platform: parts[1] }
    }
}

/// The transfer a gift makes: the sender's coins to the creator's earnings and the
/// platform's live-gift revenue, linked to the note (or the creator).
pub fn transfer_for(config: &LedgerConfig, gift: &Gift) -> Transfer {
    let currency = config.currency;
    let split = config.gift_split(gift.coins);
    let mut legs = vec![
        (AccountRef::new(Owner::User(gift.from), AccountKind::Coins, currency), -split.gross),
        (AccountRef::new(Owner::User(gift.to), AccountKind::Earnings, currency), split.creator),
        (AccountRef::platform(AccountKind::Revenue(Stream::LiveGifts), currency), split.platform),
    ];
    legs.retain(|(_, amount)| *amount != 0);
    let (reference_kind, reference_id) = match gift.note {
        Some(note) => ("note", note),
        None => ("user", gift.to),
    };
    let sent = DomainEvent::GiftSent { from: gift.from, to: gift.to, coins: gift.coins, note_id: gift.note };
    let header = Header::new("gift", reference_kind, reference_id, format!("{} coins", gift.coins)).announcing(sent);
    Transfer { header, legs }
}

impl Ledger {
    /// Sends a gift under an idempotency key; answers the ledger transaction.
    pub async fn send_gift(&self, gift: &Gift, key: &IdempotencyKey) -> Result<Id> {
        let _guard = match self.idempotency().begin(key).await? {
            Prior::Done(Outcome::Made(id)) => return Ok(id),
            Prior::Done(Outcome::Refused(error)) => return Err(error),
            Prior::Fresh(guard) | Prior::Interrupted { guard, .. } => guard,
        };
        if !(1..=GIFT_COINS_MAX).contains(&gift.coins) {
            return Err(Error::new(ErrorCode::InvalidAmount)
                .with_details(json!({ "field": "coins", "min": 1, "max": GIFT_COINS_MAX })));
        }
        if gift.from == gift.to {
            return Err(Error::new(ErrorCode::CannotGiftSelf));
        }
        {
            let mut conn = self.db().reader().await?;
            let recipient = users::get(&mut conn, gift.to).await?;
            if !recipient.is_some_and(|r| r.deleted_at.is_none() && r.suspended_at.is_none()) {
                return Err(Error::new(ErrorCode::UserNotFound));
            }
            if safety::blocked_either_way(&mut conn, gift.from, gift.to).await? {
                return Err(Error::new(ErrorCode::Blocked));
            }
        }
        self.transfer(transfer_for(self.config(), gift), Some(key)).await
    }
}

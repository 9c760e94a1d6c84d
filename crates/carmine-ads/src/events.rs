//! Events on served ads: a viewable impression (at least half the card on screen for
//! a second, reported by the page) and a click (through `/ads/click/{token}`). Each
//! is recorded, billed or refused with its reason:
//!
//! - a forged or expired token is refused before anything (`ad_token_invalid`,
//!   `ad_token_expired`), recorded without an ad when forged;
//! - a token used for the same kind again is `replayed` (the unique index over
//!   accepted events decides, so concurrent replays bill once);
//! - not billed, recorded with the reason: a token served to another viewer
//!   (`viewer_mismatch`), a known bot user agent (`bot`), a suspended member
//!   (`suspended`), the advertiser or its staff (`own_staff`), a viewer clicking more
//!   than `CLICKS_PER_MINUTE_MAX` times a minute (`rate_limited`), a second click on
//!   the same ad within 30 seconds (`double_click`);
//! - an accepted event bills its price when it is the kind the ad pays for (a click
//!   for CPC, a viewable impression for CPM: the price ÷ 1,000), from the campaign's
//!   chunk (`billing`); when budgets or the balance are spent it is kept, unbilled.

use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::ads::{self as rows, EventRow};
use carmine_store::{orgs, users};

use crate::Ads;
use crate::billing::Unbilled;
use crate::structure::Pricing;
use crate::tokens::{self, TokenRefusal};

/// Clicks one viewer may make on ads in a minute before the rest are not billed.
pub const CLICKS_PER_MINUTE_MAX: i64 = 10;
/// A second click on the same ad within this many seconds is not billed.
pub const DOUBLE_CLICK_SECONDS: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Viewable,
    Click,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Viewable => "viewable",
            EventKind::Click => "click",
        }
    }

    pub fn parse(raw: &str) -> Result<EventKind> {
        match raw {
            "viewable" => Ok(EventKind::Viewable),
            "click" => Ok(EventKind::Click),
            _ => Err(Error::invalid_field("kind", "viewable or click")),
        }
    }
}

/// An event as a request brings it.
#[derive(Clone, Debug)]
pub struct EventInput<'a> {
    pub token: &'a str,
    pub kind: EventKind,
    /// The signed-in member, if any.
    pub member: Option<Id>,
    /// `m{member id}` or `v{visitor key}`: who sent it.
    pub viewer: &'a str,
    pub user_agent: &'a str,
}

/// What became of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub ad_id: Id,
    pub note_id: Id,
    /// Thousandths of a minor unit billed (0: not billed).
    pub cost_millis: i64,
    /// Why it was refused or not billed (`None`: accepted, and billed if it was the
    /// kind the ad pays for).
    pub reason: Option<&'static str>,
}

/// User agents of crawlers, scripts and headless browsers.
pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    ua.trim().is_empty()
        || [
            "bot",
            "crawl",
            "spider",
            "slurp",
            "curl",
            "wget",
            "python",
            "java/",
            "go-http",
            "httpclient",
            "libwww",
            "scrapy",
            "headless",
            "phantomjs",
            "okhttp",
            "axios",
            "node-fetch",
        ]
        .iter()
        .any(|sign| ua.contains(sign))
}

/// Whether a refusal says the click was not a real person's interest (a bot, another
/// viewer's token, a suspended member, the advertiser's own staff, a click farm):
/// what follows it is not the ad's doing.
pub fn is_invalid_reason(reason: &str) -> bool {
    matches!(reason, "bot" | "viewer_mismatch" | "suspended" | "own_staff" | "rate_limited")
}

/// How long after its token expires what a viewer does with the note an ad brought
/// them to still counts as paid.
pub const PAID_WINDOW_SECONDS: i64 = 60 * 60;

impl Ads {
    /// The instance's signature of what was served.
    pub fn sign_token(&self, data: &tokens::TokenData) -> String {
        tokens::sign(&self.token_secret, data)
    }

    /// The note a genuine token (expired or not) was served for.
    pub async fn note_of_token(&self, token: &str) -> Option<Id> {
        let data = tokens::verify(&self.token_secret, token, carmine_core::Timestamp(i64::MIN)).ok()?;
        let mut conn = self.db.reader().await.ok()?;
        rows::get_ad(&mut conn, data.ad_id).await.ok().flatten().map(|ad| ad.note_id)
    }

    /// The ad, and its note, whose sponsored card brought `viewer` there, if `token`
    /// is genuine, was served to this viewer and is at most [`PAID_WINDOW_SECONDS`]
    /// past its expiry: what the viewer does with that note is paid engagement
    /// (counted for the note and the ad, kept out of the note's organic reach).
    pub async fn brought(&self, token: &str, viewer: &str) -> Option<(Id, Id)> {
        let window = self.db.now().micros() - PAID_WINDOW_SECONDS * 1_000_000;
        let data = tokens::verify(&self.token_secret, token, carmine_core::Timestamp(window)).ok()?;
        if data.viewer != viewer {
            return None;
        }
        let mut conn = self.db.reader().await.ok()?;
        rows::get_ad(&mut conn, data.ad_id).await.ok().flatten().map(|ad| (ad.id, ad.note_id))
    }

    /// Records an event on a served ad and bills it if it should be.
    pub async fn record_event(&self, input: &EventInput<'_>) -> Result<Recorded> {
        let digest = tokens::digest(input.token);
        let now = self.db.now();
        let token = match tokens::verify(&self.token_secret, input.token, now) {
            Ok(token) => token,
            Err(refusal) => {
                let (reason, code) = match refusal {
                    TokenRefusal::Forged => ("forged", ErrorCode::AdTokenInvalid),
                    TokenRefusal::Expired => ("expired", ErrorCode::AdTokenExpired),
                };
                self.refuse(&digest, input, None, reason).await?;
                return Err(Error::new(code));
            }
        };
        let mut conn = self.db.reader().await?;
        if rows::accepted(&mut conn, &digest, input.kind.as_str()).await? {
            drop(conn);
            self.refuse(&digest, input, Some(&token), "replayed").await?;
            return Err(Error::new(ErrorCode::AdEventReplayed));
        }
        let ad = rows::get_ad(&mut conn, token.ad_id).await?.ok_or(ErrorCode::AdTokenInvalid)?;
        let campaign = rows::get_campaign(&mut conn, ad.campaign_id).await?.ok_or(ErrorCode::AdTokenInvalid)?;
        let reason = if token.viewer != input.viewer {
            Some("viewer_mismatch")
        } else if is_bot(input.user_agent) {
            Some("bot")
        } else if let Some(member) = input.member {
            let user = users::get(&mut conn, member).await?;
            let own = campaign.advertiser_id == member
                || orgs::member_role(&mut conn, campaign.advertiser_id, member).await?.is_some();
            if user.is_some_and(|u| u.suspended_at.is_some()) {
                Some("suspended")
            } else if own {
                Some("own_staff")
            } else {
                None
            }
        } else {
            None
        };
        let reason = match (reason, input.kind) {
            (None, EventKind::Click) => {
                let minute = now.plus_seconds(-60).micros();
                let (_, all) = rows::recent_clicks(&mut conn, input.viewer, ad.id, minute).await?;
                let double = now.plus_seconds(-DOUBLE_CLICK_SECONDS).micros();
                let (recent_on_ad, _) = rows::recent_clicks(&mut conn, input.viewer, ad.id, double).await?;
                if all >= CLICKS_PER_MINUTE_MAX {
                    Some("rate_limited")
                } else if recent_on_ad > 0 {
                    Some("double_click")
                } else {
                    None
                }
            }
            (reason, _) => reason,
        };
        drop(conn);
        let recorded = |cost_millis, reason| Recorded { ad_id: ad.id, note_id: ad.note_id, cost_millis, reason };
        if let Some(reason) = reason {
            self.refuse(&digest, input, Some(&token), reason).await?;
            return Ok(recorded(0, Some(reason)));
        }
        let cost = match (token.pricing, input.kind) {
            (Pricing::Cpc, EventKind::Click) => token.price_minor * 1_000,
            (Pricing::Cpm, EventKind::Viewable) => token.price_minor,
            _ => 0,
        };
        let mut tx = self.db.begin().await?;
        let row = EventRow {
            token_hash: &digest,
            kind: input.kind.as_str(),
            ad_id: Some(ad.id),
            campaign_id: Some(ad.campaign_id),
            placement: Some(token.placement.as_str()),
            slot: Some(token.slot),
            viewer: input.viewer,
            user_id: input.member,
            cost_millis: cost,
            reason: None,
        };
        let event_id = match rows::insert_event(&mut tx, &row).await {
            Ok(id) => id,
            Err(e) if e.is_unique_on("ad_events", "token_hash") => {
                drop(tx);
                self.refuse(&digest, input, Some(&token), "replayed").await?;
                return Err(Error::new(ErrorCode::AdEventReplayed));
            }
            Err(e) => return Err(e.into()),
        };
        // What the predicted click-through rate learns from.
        match input.kind {
            EventKind::Viewable => {
                let weight = (crate::auction::position_factor(token.slot.max(0) as usize) * 1_000.0) as i64;
                rows::add_stats(&mut tx, ad.id, token.placement.as_str(), weight, 0).await?;
            }
            EventKind::Click => rows::add_stats(&mut tx, ad.id, token.placement.as_str(), 0, 1).await?,
        }
        let unbilled = if cost > 0 { self.bill(&mut tx, &campaign, cost).await? } else { None };
        if unbilled.is_some() {
            rows::unbill_event(&mut tx, event_id).await?;
        }
        tx.commit().await?;
        Ok(recorded(if unbilled.is_some() { 0 } else { cost }, unbilled.map(Unbilled::as_str)))
    }

    /// Records a refused event with its reason.
    async fn refuse(
        &self,
        digest: &str,
        input: &EventInput<'_>,
        token: Option<&tokens::TokenData>,
        reason: &str,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let ad = match token {
            Some(t) => rows::get_ad(tx.conn(), t.ad_id).await?,
            None => None,
        };
        let row = EventRow {
            token_hash: digest,
            kind: input.kind.as_str(),
            ad_id: ad.as_ref().map(|a| a.id),
            campaign_id: ad.as_ref().map(|a| a.campaign_id),
            placement: token.map(|t| t.placement.as_str()),
            slot: token.map(|t| t.slot),
            viewer: if tokens::valid_viewer(input.viewer) { input.viewer } else { "v" },
            user_id: input.member,
            cost_millis: 0,
            reason: Some(reason),
        };
        rows::insert_event(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_and_scripts_are_known_by_their_user_agent() {
        for bot in
            ["Googlebot/2.1", "curl/8.5", "python-requests/2.31", "Mozilla/5.0 HeadlessChrome/120", "", "Baiduspider"]
        {
            assert!(is_bot(bot), "{bot}");
        }
        let phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
        assert!(!is_bot(phone));
    }
}

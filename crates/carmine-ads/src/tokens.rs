//! Served ads' tokens: what was served to whom, where and at what price, signed with
//! the instance's ad secret (HMAC-SHA-256) and expiring, so an event can be billed
//! from the token alone and nobody can forge a price, an ad or a viewer. A token is
//! used once per event kind (the database's unique index over accepted events).
//!
//! Format: `v1.{ad}.{placement}.{slot}.{pricing}.{price}.{expires}.{viewer}.{sig}`,
//! every field URL-safe (the viewer is `m{member id}` or `v{visitor key}`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carmine_core::secret::{constant_time_eq, hmac_sha256};
use carmine_core::{Id, Timestamp};

use crate::structure::{Placement, Pricing};

/// How long a served ad's token stays usable.
pub const TOKEN_SECONDS: i64 = 30 * 60;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenData {
    pub ad_id: Id,
    pub placement: Placement,
    pub slot: i64,
    pub pricing: Pricing,
    /// Per click (CPC) or per thousand impressions (CPM), in minor units.
    pub price_minor: i64,
    pub expires_at: Timestamp,
    /// `m{member id}` or `v{visitor key}`.
    pub viewer: String,
}

/// Why a token is not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRefusal {
    Forged,
    Expired,
}

/// Whether a viewer key is one we hand out (a member id or a visitor's random key).
pub fn valid_viewer(viewer: &str) -> bool {
    (2..=64).contains(&viewer.len())
        && (viewer.starts_with('m') || viewer.starts_with('v'))
        && viewer[1..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn payload(d: &TokenData) -> String {
    format!(
        "v1.{}.{}.{}.{}.{}.{}.{}",
        d.ad_id,
        d.placement.as_str(),
        d.slot,
        d.pricing.as_str(),
        d.price_minor,
        d.expires_at.micros() / 1_000_000,
        d.viewer
    )
}

/// The token for `data`.
pub fn sign(secret: &[u8], data: &TokenData) -> String {
    let payload = payload(data);
    let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, payload.as_bytes()));
    format!("{payload}.{sig}")
}

/// What a token says, if it is ours and still valid at `now`.
pub fn verify(secret: &[u8], token: &str, now: Timestamp) -> Result<TokenData, TokenRefusal> {
    if token.len() > 300 {
        return Err(TokenRefusal::Forged);
    }
    let (payload, sig) = token.rsplit_once('.').ok_or(TokenRefusal::Forged)?;
    let expected = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, payload.as_bytes()));
    if !constant_time_eq(expected.as_bytes(), sig.as_bytes()) {
        return Err(TokenRefusal::Forged);
    }
    let fields: Vec<&str> = payload.split('.').collect();
    let [version, ad, placement, slot, pricing, price, expires, viewer] = fields.as_slice() else {
        return Err(TokenRefusal::Forged);
    };
    let parsed = (|| {
        Some(TokenData {
            ad_id: ad.parse().ok()?,
            placement: Placement::parse("placement", placement).ok()?,
            slot: slot.parse().ok()?,
            pricing: Pricing::parse("pricing", pricing).ok()?,
            price_minor: price.parse().ok()?,
            expires_at: Timestamp(expires.parse::<i64>().ok()?.checked_mul(1_000_000)?),
            viewer: (*viewer).to_owned(),
        })
    })();
    let data = parsed.filter(|_| *version == "v1").ok_or(TokenRefusal::Forged)?;
    if data.expires_at <= now {
        return Err(TokenRefusal::Expired);
    }
    Ok(data)
}

/// A token's digest, as events are keyed by (never the token itself).
pub fn digest(token: &str) -> String {
    carmine_core::secret::sha256_hex(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> TokenData {
        TokenData {
            ad_id: Id::from_i64(42),
            placement: Placement::Feed,
            slot: 5,
            pricing: Pricing::Cpc,
            price_minor: 126,
            expires_at: Timestamp(2_000_000_000_000_000),
            viewer: "m77".into(),
        }
    }

    #[test]
    fn a_token_says_what_was_served_until_it_expires() {
        let secret = b"an ad secret of enough length....";
        let token = sign(secret, &data());
        assert_eq!(verify(secret, &token, Timestamp(1_000_000_000_000_000)), Ok(data()));
        assert_eq!(verify(secret, &token, Timestamp(2_000_000_000_000_000)), Err(TokenRefusal::Expired));
        assert_eq!(verify(b"another secret", &token, Timestamp(0)), Err(TokenRefusal::Forged));
        let cheaper = token.replace(".126.", ".1.");
        assert_eq!(verify(secret, &cheaper, Timestamp(0)), Err(TokenRefusal::Forged), "the price is signed");
        let other_viewer = token.replace(".m77.", ".m78.");
        assert_eq!(verify(secret, &other_viewer, Timestamp(0)), Err(TokenRefusal::Forged));
        for junk in ["", ".", "v1", "a.b.c.d.e.f.g.h.i", &"x".repeat(400)] {
            assert_eq!(verify(secret, junk, Timestamp(0)), Err(TokenRefusal::Forged), "{junk}");
        }
        assert!(
            valid_viewer("m77")
                && valid_viewer("vAbc-_9")
                && !valid_viewer("x1")
                && !valid_viewer("m")
                && !valid_viewer("m.1")
        );
    }
}

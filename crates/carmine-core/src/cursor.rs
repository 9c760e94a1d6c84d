//! Opaque, tamper-evident pagination cursors and clamped page limits.
//!
//! A cursor is `base64url(payload) . base64url(hmac[..16])`, signed with the
//! instance's cursor key. Clients cannot read meaning into it or forge one: a
//! changed byte gives `invalid_cursor`. Lists take `?limit=` which is clamped to
//! [`PAGE_LIMIT_MAX`], never refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorCode};
use crate::secret::{constant_time_eq, hmac_sha256};

pub const PAGE_LIMIT_DEFAULT: u32 = 20;
pub const PAGE_LIMIT_MAX: u32 = 100;
const CURSOR_TEXT_MAX: usize = 512;
const MAC_LEN: usize = 16;

/// The number of items a list returns: the default when absent, clamped to 1..=max.
pub fn clamp_limit(requested: Option<i64>) -> u32 {
    match requested {
        None => PAGE_LIMIT_DEFAULT,
        Some(n) => n.clamp(1, i64::from(PAGE_LIMIT_MAX)) as u32,
    }
}

/// Signs and verifies cursors with the instance key.
#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
}

impl CursorCodec {
    pub fn new(key: &[u8]) -> Self {
        assert!(key.len() >= 16, "cursor key too short");
        CursorCodec { key: key.to_vec() }
    }

    pub fn encode<T: Serialize>(&self, position: &T) -> String {
        let payload = serde_json::to_vec(position).expect("cursor positions serialize");
        let mac = hmac_sha256(&self.key, &payload);
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(&mac[..MAC_LEN]))
    }

    pub fn decode<T: DeserializeOwned>(&self, cursor: &str) -> Result<T, Error> {
        let invalid = || Error::new(ErrorCode::InvalidCursor);
        if cursor.len() > CURSOR_TEXT_MAX {
            return Err(invalid());
        }
        let (payload, mac) = cursor.split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| invalid())?;
        let expected = hmac_sha256(&self.key, &payload);
        if !constant_time_eq(&mac, &expected[..MAC_LEN]) {
            return Err(invalid());
        }
        serde_json::from_slice(&payload).map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_clamped_never_refused() {
        assert_eq!(clamp_limit(None), 20);
        assert_eq!(clamp_limit(Some(0)), 1);
        assert_eq!(clamp_limit(Some(-3)), 1);
        assert_eq!(clamp_limit(Some(50)), 50);
        assert_eq!(clamp_limit(Some(1_000_000)), 100);
    }

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let codec = CursorCodec::new(b"0123456789abcdef0123");
        let cursor = codec.encode(&(42_i64, 7_i64));
        assert_eq!(codec.decode::<(i64, i64)>(&cursor).unwrap(), (42, 7));

        let forged = CursorCodec::new(b"another key of enough length").encode(&(42_i64, 7_i64));
        assert_eq!(codec.decode::<(i64, i64)>(&forged).unwrap_err().code, ErrorCode::InvalidCursor);
        let mut flipped = cursor.clone().into_bytes();
        flipped[1] ^= 1;
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(codec.decode::<(i64, i64)>(&flipped).unwrap_err().code, ErrorCode::InvalidCursor);
        for junk in ["", ".", "abc", "a.b.c", &"x".repeat(600)] {
            assert_eq!(codec.decode::<(i64, i64)>(junk).unwrap_err().code, ErrorCode::InvalidCursor);
        }
    }
}

//! Time as `i64` microseconds since the Unix epoch (UTC), and the clock that reads it.
//!
//! Services never call the system clock directly: they ask the [`Clock`] handed to
//! them, so tests can move time forward (session expiry, throttling windows).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Microseconds since 1970-01-01T00:00:00Z. Stored as-is; rendered as RFC 3339 in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

pub const MICROS_PER_SECOND: i64 = 1_000_000;

impl Timestamp {
    pub const fn micros(self) -> i64 {
        self.0
    }

    pub fn plus_seconds(self, seconds: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(seconds.saturating_mul(MICROS_PER_SECOND)))
    }

    /// Parses an RFC 3339 time with an offset (`2026-11-25T20:00:00Z`, `…+08:00`).
    pub fn parse_rfc3339(raw: &str) -> Option<Timestamp> {
        raw.parse::<jiff::Timestamp>().ok().map(|ts| Timestamp(ts.as_microsecond()))
    }

    /// Parses a form's `datetime-local` value (`2026-11-25T20:00`, seconds optional),
    /// read as local time `offset_minutes` east of UTC.
    pub fn parse_local(raw: &str, offset_minutes: i64) -> Option<Timestamp> {
        let civil: jiff::civil::DateTime = raw.trim().parse().ok()?;
        let offset = jiff::tz::Offset::from_seconds((offset_minutes.clamp(-18 * 60, 18 * 60) * 60) as i32).ok()?;
        Some(Timestamp(offset.to_timestamp(civil).ok()?.as_microsecond()))
    }

    pub fn to_rfc3339(self) -> String {
        match jiff::Timestamp::from_microsecond(self.0) {
            Ok(ts) => format!("{ts:.0}"),
            Err(_) => String::from("invalid-time"),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&raw)
            .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 time such as 2026-11-25T20:00:00Z"))
    }
}

/// The source of "now". `System` in production; `Manual` in tests.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start: Timestamp) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(start.0)))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp(jiff::Timestamp::now().as_microsecond()),
            Clock::Manual(micros) => Timestamp(micros.load(Ordering::SeqCst)),
        }
    }

    /// Sets a manual clock; a no-op on the system clock.
    pub fn set(&self, to: Timestamp) {
        if let Clock::Manual(micros) = self {
            micros.store(to.0, Ordering::SeqCst);
        }
    }

    /// Moves a manual clock forward; a no-op on the system clock.
    pub fn advance_seconds(&self, seconds: i64) {
        if let Clock::Manual(micros) = self {
            micros.fetch_add(seconds * MICROS_PER_SECOND, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_rfc3339_with_offsets() {
        let utc = Timestamp::parse_rfc3339("2026-11-25T20:00:00Z").unwrap();
        assert_eq!(Timestamp::parse_rfc3339("2026-11-26T04:00:00+08:00"), Some(utc));
        assert_eq!(utc.to_rfc3339(), "2026-11-25T20:00:00Z");
        assert_eq!(Timestamp::parse_rfc3339("2026-11-25 20:00"), None);
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
        assert_eq!(Timestamp::parse_local("2026-11-26T04:00", 8 * 60), Some(utc), "Beijing time");
        assert_eq!(Timestamp::parse_local("2026-11-25T20:00", 0), Some(utc));
        assert_eq!(Timestamp::parse_local("tomorrow", 0), None);
    }

    #[test]
    fn timestamps_render_as_rfc3339_utc() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(1_700_000_000_123_456).to_rfc3339(), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = Clock::manual(Timestamp(10));
        assert_eq!(clock.now(), Timestamp(10));
        clock.advance_seconds(2);
        assert_eq!(clock.now(), Timestamp(2_000_010));
    }
}

//! Time as `i64` microseconds since the Unix epoch (UTC), the clock that reads it,
//! and the instance's time zone.
//!
//! Services never call the system clock directly: they ask the [`Clock`] handed to
//! them, so tests can move time forward (session expiry, throttling windows).
//!
//! Timers are durations and need no zone; days do — the day a page shows, a
//! statement's days. They are the instance's: one time zone for the whole instance
//! (`--time-zone`, default Asia/Shanghai), set once at startup.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

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

    /// Parses a form's `datetime-local` value read in the instance's time zone — the
    /// zone such fields are filled in (`local_datetime`), so what is shown reads back
    /// unchanged whatever the browser's zone.
    pub fn parse_instance_local(raw: &str) -> Option<Timestamp> {
        let civil: jiff::civil::DateTime = raw.trim().parse().ok()?;
        Some(Timestamp(instance_zone().to_ambiguous_timestamp(civil).compatible().ok()?.as_microsecond()))
    }

    /// The day this is in the instance's time zone.
    pub fn local_date(self) -> jiff::civil::Date {
        match jiff::Timestamp::from_microsecond(self.0) {
            Ok(ts) => instance_zone().to_datetime(ts).date(),
            Err(_) => jiff::civil::Date::ZERO,
        }
    }

    /// The date and time of day in the instance's time zone.
    pub fn local_datetime(self) -> jiff::civil::DateTime {
        match jiff::Timestamp::from_microsecond(self.0) {
            Ok(ts) => instance_zone().to_datetime(ts),
            Err(_) => jiff::civil::DateTime::ZERO,
        }
    }

    /// Midnight starting `date` in the instance's time zone.
    pub fn local_midnight(date: jiff::civil::Date) -> Option<Timestamp> {
        let midnight = instance_zone().to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()));
        Some(Timestamp(midnight.compatible().ok()?.as_microsecond()))
    }

    pub fn to_rfc3339(self) -> String {
        match jiff::Timestamp::from_microsecond(self.0) {
            Ok(ts) => format!("{ts:.0}"),
            Err(_) => String::from("invalid-time"),
        }
    }
}

/// The instance's time zone when none is set.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

static INSTANCE_ZONE: OnceLock<(String, jiff::tz::TimeZone)> = OnceLock::new();

/// A time zone by IANA name (from the system's zone files), `UTC`, or a fixed offset
/// such as `+08:00`. China's zones (UTC+8 without daylight saving since 1991) are
/// known even where the system has no zone files.
pub fn time_zone_named(name: &str) -> Option<jiff::tz::TimeZone> {
    if let Ok(zone) = jiff::tz::TimeZone::get(name) {
        return Some(zone);
    }
    match name {
        "UTC" | "Etc/UTC" => Some(jiff::tz::TimeZone::UTC),
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Urumqi" | "PRC" => {
            Some(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
        }
        _ => {
            let (sign, rest) = match name.as_bytes().first()? {
                b'+' => (1, &name[1..]),
                b'-' => (-1, &name[1..]),
                _ => return None,
            };
            let (hours, minutes) = rest.split_once(':')?;
            let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
            if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
                return None;
            }
            let offset = jiff::tz::Offset::from_seconds(sign * (hours * 3_600 + minutes * 60)).ok()?;
            Some(jiff::tz::TimeZone::fixed(offset))
        }
    }
}

/// Sets the instance's time zone, once, at startup (setting the same one again is
/// fine; another is refused).
pub fn set_instance_zone(name: &str) -> Result<(), String> {
    let zone = time_zone_named(name).ok_or_else(|| format!("unknown time zone {name:?}"))?;
    let set = INSTANCE_ZONE.get_or_init(|| (name.to_owned(), zone));
    if set.0 != name {
        return Err(format!("the time zone is already {}", set.0));
    }
    Ok(())
}

/// The instance's time zone (Asia/Shanghai unless set).
pub fn instance_zone() -> &'static jiff::tz::TimeZone {
    &INSTANCE_ZONE
        .get_or_init(|| {
            let zone = time_zone_named(DEFAULT_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
            (DEFAULT_TIME_ZONE.to_owned(), zone)
        })
        .1
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
    fn days_are_the_instance_zones() {
        let offset = |name: &str| {
            let zone = time_zone_named(name).unwrap();
            zone.to_offset(jiff::Timestamp::from_second(1_780_000_000).unwrap()).seconds()
        };
        assert_eq!(offset("Asia/Shanghai"), 8 * 3_600);
        assert_eq!(offset("UTC"), 0);
        assert_eq!(offset("+05:30"), 5 * 3_600 + 1_800);
        assert_eq!(offset("-03:00"), -3 * 3_600);
        for bad in ["Mars/Olympus", "+15:00", "+08:60", "08:00", ""] {
            assert!(time_zone_named(bad).is_none(), "{bad}");
        }
        // 20:00 UTC on New Year's Day is already the 2nd in Shanghai (the default).
        let evening = Timestamp::parse_rfc3339("2026-01-01T20:00:00Z").unwrap();
        assert_eq!(evening.local_date(), jiff::civil::date(2026, 1, 2));
        let midnight = Timestamp::local_midnight(jiff::civil::date(2026, 1, 2)).unwrap();
        assert_eq!(midnight, Timestamp::parse_rfc3339("2026-01-01T16:00:00Z").unwrap());
        assert!(set_instance_zone("Asia/Shanghai").is_ok());
        assert!(set_instance_zone("Europe/Berlin").is_err(), "one zone per instance");
    }

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

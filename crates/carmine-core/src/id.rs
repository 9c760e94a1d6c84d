//! Application-generated, time-ordered 64-bit ids (snowflake layout).
//!
//! Layout, most significant first: 1 zero bit, 41 bits of milliseconds since
//! [`EPOCH_MS`], 10 bits of node id, 12 bits of per-millisecond sequence. Ids sort by
//! creation time, are unique across nodes that use distinct node ids, and survive
//! export/import unchanged. JSON carries them as decimal strings.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// 2024-01-01T00:00:00Z in Unix milliseconds.
pub const EPOCH_MS: i64 = 1_704_067_200_000;
const NODE_BITS: u32 = 10;
const SEQUENCE_BITS: u32 = 12;
pub const NODE_ID_MAX: u16 = (1 << NODE_BITS) - 1;
const SEQUENCE_MAX: i64 = (1 << SEQUENCE_BITS) - 1;

/// A Carmine object id. Positive, time-ordered, a decimal string in JSON.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(i64);

impl Id {
    pub const fn from_i64(raw: i64) -> Self {
        Id(raw)
    }

    pub const fn as_i64(self) -> i64 {
        self.0
    }

    /// The smallest id generated at or after `unix_ms`: a lower bound for rows made
    /// since then (an id is never older than the clock that made it).
    pub fn lowest_at(unix_ms: i64) -> Id {
        Id((unix_ms - EPOCH_MS).max(0) << (NODE_BITS + SEQUENCE_BITS))
    }

    /// Milliseconds since the Unix epoch at which this id was generated.
    pub fn unix_ms(self) -> i64 {
        (self.0 >> (NODE_BITS + SEQUENCE_BITS)) + EPOCH_MS
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Id {
    type Err = InvalidId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Only canonical decimal: no sign, no leading zeros, no whitespace.
        if s.is_empty() || s.len() > 19 || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidId);
        }
        s.parse::<i64>().map(Id).map_err(|_| InvalidId)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct InvalidId;

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Generates ids for one process. Distinct processes writing to one database must
/// use distinct node ids (see `--node-id`); a collision would be caught by the
/// primary key, never silently merged.
#[derive(Debug)]
pub struct IdGenerator {
    node: i64,
    state: Mutex<(i64, i64)>, // (last millisecond, last sequence)
}

impl IdGenerator {
    pub fn new(node: u16) -> Self {
        assert!(node <= NODE_ID_MAX, "node id {node} exceeds {NODE_ID_MAX}");
        IdGenerator { node: i64::from(node), state: Mutex::new((0, 0)) }
    }

    /// A generator with a random node id, for single-process tools and tests.
    pub fn with_random_node() -> Self {
        let mut bytes = [0u8; 2];
        getrandom::fill(&mut bytes).expect("operating system random source");
        Self::new(u16::from_le_bytes(bytes) & NODE_ID_MAX)
    }

    pub fn next_id(&self, now_ms: i64) -> Id {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (last_ms, last_seq) = *state;
        // A clock that steps backwards keeps issuing from the last millisecond seen.
        let mut ms = now_ms.max(last_ms);
        let seq = if ms == last_ms { last_seq + 1 } else { 0 };
        let seq = if seq > SEQUENCE_MAX {
            ms += 1; // borrow the next millisecond rather than repeat
            0
        } else {
            seq
        };
        *state = (ms, seq);
        let raw = ((ms - EPOCH_MS) << (NODE_BITS + SEQUENCE_BITS)) | (self.node << SEQUENCE_BITS) | seq;
        debug_assert!(raw > 0);
        Id(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowest_id_at_a_time_bounds_every_id_made_then_or_later() {
        let generator = IdGenerator::new(1_023);
        let at = EPOCH_MS + 86_400_000;
        assert!(generator.next_id(at) >= Id::lowest_at(at));
        assert!(generator.next_id(at + 1) > Id::lowest_at(at));
        assert!(Id::lowest_at(at + 1) > IdGenerator::new(1_023).next_id(at));
        assert_eq!(Id::lowest_at(0).as_i64(), 0);
    }

    #[test]
    fn ids_are_strictly_increasing_within_and_across_milliseconds() {
        let ids = IdGenerator::new(7);
        let mut last = ids.next_id(EPOCH_MS + 1_000);
        for step in 0..10_000 {
            let next = ids.next_id(EPOCH_MS + 1_000 + step / 5_000);
            assert!(next > last, "{next} after {last}");
            last = next;
        }
    }

    #[test]
    fn a_clock_stepping_backwards_never_repeats_an_id() {
        let ids = IdGenerator::new(1);
        let a = ids.next_id(EPOCH_MS + 5_000);
        let b = ids.next_id(EPOCH_MS + 4_000);
        assert!(b > a);
    }

    #[test]
    fn id_text_form_is_canonical_decimal() {
        let id = IdGenerator::new(3).next_id(EPOCH_MS + 42);
        assert_eq!(id.to_string().parse::<Id>(), Ok(id));
        assert_eq!(id.unix_ms(), EPOCH_MS + 42);
        for bad in ["", "0", "-5", "007", " 5", "5 ", "abc", "99999999999999999999"] {
            assert_eq!(bad.parse::<Id>(), Err(InvalidId), "{bad:?}");
        }
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
    }
}

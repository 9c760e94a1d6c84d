//! The notes about a product, ranked, kept in memory for a minute: the ranking reads
//! up to `NOTES_ABOUT_RANKED_MAX` tagged notes with their statistics, which costs
//! milliseconds on a product in thousands of notes — too much for every page view of
//! a popular product. The list is not personalised (each page is visibility-checked
//! for its viewer when it is shown), so one ranking serves every reader.
//!
//! - A first page reuses a ranking made less than `FRESH_SECONDS` ago; a cursor
//!   names the time its ranking was made, so later pages reuse the same one (or
//!   rebuild it as of that time), and pages never reshuffle.
//! - A note tagged or untagged in this process drops the products' rankings at once;
//!   other processes see it within `FRESH_SECONDS`.
//! - At most `PRODUCTS_MAX` products are kept; when full, the oldest ranking goes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use carmine_core::{Id, Timestamp};

/// How long a first page may reuse a ranking.
pub const FRESH_SECONDS: i64 = 60;
/// Products whose rankings are kept at once (each at most 2,000 note ids).
pub const PRODUCTS_MAX: usize = 2_000;

/// Note ids, best first, as of `at`.
#[derive(Debug)]
pub struct Ranking {
    pub at: Timestamp,
    pub notes: Vec<Id>,
}

#[derive(Clone, Default)]
pub struct Rankings {
    kept: Arc<Mutex<HashMap<Id, Arc<Ranking>>>>,
}

impl Rankings {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Arc<Ranking>>> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A ranking of `product_id` made at most `FRESH_SECONDS` before `now`.
    pub fn fresh(&self, product_id: Id, now: Timestamp) -> Option<Arc<Ranking>> {
        let kept = self.lock().get(&product_id).cloned()?;
        let age = now.micros() - kept.at.micros();
        (0..=FRESH_SECONDS * 1_000_000).contains(&age).then_some(kept)
    }

    /// The ranking of `product_id` made at exactly `at`, if it is kept.
    pub fn at(&self, product_id: Id, at: Timestamp) -> Option<Arc<Ranking>> {
        self.lock().get(&product_id).filter(|r| r.at == at).cloned()
    }

    /// Keeps `ranking` (unless a newer one is kept) and returns it.
    pub fn keep(&self, product_id: Id, ranking: Ranking) -> Arc<Ranking> {
        let ranking = Arc::new(ranking);
        let mut kept = self.lock();
        if kept.get(&product_id).is_some_and(|r| r.at > ranking.at) {
            return ranking;
        }
        if kept.len() >= PRODUCTS_MAX && !kept.contains_key(&product_id) {
            let oldest = kept.iter().min_by_key(|(_, r)| r.at).map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                kept.remove(&oldest);
            }
        }
        kept.insert(product_id, Arc::clone(&ranking));
        ranking
    }

    pub fn forget(&self, product_id: Id) {
        self.lock().remove(&product_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranking(at: i64) -> Ranking {
        Ranking { at: Timestamp(at * 1_000_000), notes: vec![Id::from_i64(at)] }
    }

    #[test]
    fn a_ranking_is_fresh_for_a_minute_and_found_by_its_time() {
        let rankings = Rankings::default();
        let product = Id::from_i64(7);
        rankings.keep(product, ranking(100));
        assert!(rankings.fresh(product, Timestamp(130 * 1_000_000)).is_some());
        assert!(rankings.fresh(product, Timestamp(161 * 1_000_000)).is_none(), "older than a minute");
        assert!(rankings.at(product, Timestamp(100 * 1_000_000)).is_some());
        assert!(rankings.at(product, Timestamp(99 * 1_000_000)).is_none());
        rankings.keep(product, ranking(90));
        assert_eq!(rankings.at(product, Timestamp(100 * 1_000_000)).unwrap().notes, [Id::from_i64(100)], "newer kept");
        rankings.forget(product);
        assert!(rankings.fresh(product, Timestamp(100 * 1_000_000)).is_none());
    }

    #[test]
    fn the_oldest_ranking_makes_room() {
        let rankings = Rankings::default();
        for n in 0..PRODUCTS_MAX as i64 {
            rankings.keep(Id::from_i64(n), ranking(1_000 + n));
        }
        rankings.keep(Id::from_i64(-1), ranking(5_000));
        assert!(rankings.at(Id::from_i64(0), Timestamp(1_000 * 1_000_000)).is_none(), "the oldest went");
        assert!(rankings.at(Id::from_i64(-1), Timestamp(5_000 * 1_000_000)).is_some());
        assert_eq!(rankings.lock().len(), PRODUCTS_MAX);
    }
}

//! The auction: one pure function for every placement, used by live serving and by
//! the simulator (`/api/v1/ads/auction/simulate`) alike. No I/O.
//!
//! Every score is an eCPM (minor units per thousand impressions). A candidate's
//! *rate* turns its bid into a score: a CPC bid pays per click, so its rate is its
//! predicted click-through rate × 1,000; a CPM bid pays per thousand impressions, so
//! its rate is 1. `score = bid × rate`.
//!
//! 1. Candidates scoring under the placement's reserve are out; of two candidates of
//!    one note, or of one ad group, only the better stays (a note is never shown
//!    twice on a page, and an advertiser's group never bids against itself).
//! 2. Rank by score, ties to the older ad group (then the lower ids): deterministic.
//! 3. Fill the slots in order: each takes the best-ranked candidate left whose
//!    predicted engagement is at least α × that of the organic note it would displace
//!    (the relevance floor); a slot no candidate passes stays organic — never
//!    force-filled.
//! 4. Generalised second price: a winner pays the least whole minor unit that keeps
//!    its rank, `min(bid, max(reserve, ⌊next score ÷ own rate⌋ + 1))`, where `next` is
//!    the candidate that would take its slot without it — the next ranked below it,
//!    not placed in an earlier slot, passing this slot's floor — and `reserve` the
//!    placement's reserve in the winner's own bid units (rounded up); with none, the
//!    reserve.

use std::cmp::Ordering;

use carmine_core::{Id, Timestamp};

use crate::structure::Pricing;

/// One ad competing for a page's slots.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub ad_id: Id,
    pub group_id: Id,
    pub note_id: Id,
    pub pricing: Pricing,
    /// Per click (CPC) or per thousand impressions (CPM), in minor units.
    pub bid_minor: i64,
    /// Predicted click-through rate at the top slot, in (0, 1].
    pub ctr: f64,
    /// Predicted engagement of the ad's note (the same measure as the organic notes').
    pub engagement: f64,
    /// When its ad group was created: the older wins a tie.
    pub group_created_at: Timestamp,
}

impl Candidate {
    /// What one unit of the bid buys per thousand impressions.
    pub fn rate(&self) -> f64 {
        match self.pricing {
            Pricing::Cpc => self.ctr.clamp(0.0, 1.0) * 1_000.0,
            Pricing::Cpm => 1.0,
        }
    }

    /// The candidate's eCPM.
    pub fn score(&self) -> f64 {
        self.bid_minor as f64 * self.rate()
    }
}

/// A slot on the page: where it is and what organic note it would displace.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slot {
    /// The slot's position among the page's ad slots (0: the first).
    pub index: usize,
    /// Predicted engagement of the organic note the ad would displace (0: none).
    pub organic_engagement: f64,
}

/// How the auction is run on one placement (operator settings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rules {
    /// The lowest eCPM a winner may score, in minor units per thousand impressions.
    pub reserve_ecpm: f64,
    /// The relevance floor's α.
    pub relevance_floor: f64,
}

/// A slot's winner and what it pays per unit of its pricing (a click or a thousand
/// impressions), in whole minor units.
#[derive(Clone, Debug, PartialEq)]
pub struct Winner {
    pub slot: usize,
    pub candidate: Candidate,
    pub price_minor: i64,
}

/// How much less likely a click is at ad slot `index` than at the first: the
/// position-bias correction serving learns CTRs with, and VCG's position factors.
pub fn position_factor(index: usize) -> f64 {
    1.0 / (1.0 + 0.25 * index as f64)
}

/// The ranking order: score, then the older group, then the lower ids.
fn by_rank(a: &Candidate, b: &Candidate) -> Ordering {
    b.score()
        .total_cmp(&a.score())
        .then(a.group_created_at.cmp(&b.group_created_at))
        .then(a.group_id.cmp(&b.group_id))
        .then(a.ad_id.cmp(&b.ad_id))
}

/// The reserve in a candidate's own bid units, rounded up to a whole minor unit.
pub fn reserve_for(candidate: &Candidate, rules: &Rules) -> i64 {
    let rate = candidate.rate();
    if rate <= 0.0 { i64::MAX } else { (rules.reserve_ecpm / rate).ceil().max(1.0) as i64 }
}

/// The eligible candidates in rank order: above the reserve, one per note and one per
/// ad group (an advertiser's ads of one group never bid against each other).
pub fn ranked(mut candidates: Vec<Candidate>, rules: &Rules) -> Vec<Candidate> {
    candidates.retain(|c| c.bid_minor > 0 && c.rate() > 0.0 && c.score() >= rules.reserve_ecpm);
    candidates.sort_by(by_rank);
    let mut notes = std::collections::HashSet::with_capacity(candidates.len());
    let mut groups = std::collections::HashSet::with_capacity(candidates.len());
    candidates.retain(|c| notes.insert(c.note_id) && groups.insert(c.group_id));
    candidates
}

/// Whether `candidate` may take `slot` (the relevance floor).
fn fits(candidate: &Candidate, slot: &Slot, rules: &Rules) -> bool {
    candidate.engagement >= rules.relevance_floor * slot.organic_engagement
}

/// Runs the auction for `slots` (in page order).
pub fn run(candidates: Vec<Candidate>, slots: &[Slot], rules: &Rules) -> Vec<Winner> {
    let ranked = ranked(candidates, rules);
    let mut taken = vec![false; ranked.len()];
    let mut winners = Vec::new();
    for slot in slots {
        let pick = (0..ranked.len()).find(|&i| !taken[i] && fits(&ranked[i], slot, rules));
        let Some(i) = pick else { continue };
        taken[i] = true;
        let winner = &ranked[i];
        let reserve = reserve_for(winner, rules);
        // The price keeps it above the candidate that would take this slot without it:
        // the next one below it not placed already and passing this slot's floor.
        let next = (i + 1..ranked.len()).find(|&j| !taken[j] && fits(&ranked[j], slot, rules));
        let price = match next.map(|j| &ranked[j]) {
            Some(next) => ((next.score() / winner.rate()).floor() as i64).saturating_add(1).max(reserve),
            None => reserve,
        };
        winners.push(Winner { slot: slot.index, candidate: winner.clone(), price_minor: price.min(winner.bid_minor) });
    }
    winners
}

/// A candidate as the simulator takes it: a label, and what the live auction knows.
#[derive(Clone, Debug)]
pub struct Simulated {
    pub label: String,
    pub pricing: Pricing,
    pub bid_minor: i64,
    pub ctr: f64,
    pub engagement: f64,
    pub group_created_at: Timestamp,
}

impl Simulated {
    /// As a live candidate whose ad, group and note are all `id`.
    pub fn candidate(&self, id: Id) -> Candidate {
        Candidate {
            ad_id: id,
            group_id: id,
            note_id: id,
            pricing: self.pricing,
            bid_minor: self.bid_minor,
            ctr: self.ctr,
            engagement: self.engagement,
            group_created_at: self.group_created_at,
        }
    }
}

/// The simulator's answer: the winners by label, and every eligible candidate's rank.
#[derive(Clone, Debug)]
pub struct Simulation {
    pub winners: Vec<(String, Winner)>,
    /// (label, score) of the eligible candidates in rank order.
    pub ranked: Vec<(String, f64)>,
}

/// Runs the live auction on labelled candidates (each its own note and group, numbered
/// in the order given) for `slots`.
pub fn simulate(candidates: &[Simulated], slots: &[Slot], rules: &Rules) -> Simulation {
    let as_candidates: Vec<Candidate> =
        candidates.iter().enumerate().map(|(n, s)| s.candidate(Id::from_i64(n as i64 + 1))).collect();
    let label = |id: Id| candidates[(id.as_i64() - 1) as usize].label.clone();
    let ranked = ranked(as_candidates.clone(), rules).iter().map(|c| (label(c.ad_id), c.score())).collect();
    let winners = run(as_candidates, slots, rules).into_iter().map(|w| (label(w.candidate.ad_id), w)).collect();
    Simulation { winners, ranked }
}

/// What the winners pay in expectation per thousand page views, weighting each slot
/// by its position factor (the model GSP and VCG are compared in).
pub fn expected_revenue(winners: &[Winner]) -> f64 {
    winners.iter().map(|w| position_factor(w.slot) * w.price_minor as f64 * w.candidate.rate()).sum()
}

/// VCG on the same ranking, slots and reserve (no relevance floor): each winner pays
/// the value the others lose by its presence — Σ over the slots from its own down of
/// (factor(k) − factor(k+1)) × the score ranked right below slot k, the reserve
/// standing in below the last candidate. For the property tests.
pub fn vcg_revenue(candidates: Vec<Candidate>, slot_count: usize, rules: &Rules) -> f64 {
    let ranked = ranked(candidates, rules);
    let winners = ranked.len().min(slot_count);
    let score_below = |k: usize| ranked.get(k + 1).map_or(rules.reserve_ecpm, Candidate::score).max(rules.reserve_ecpm);
    let factor = |k: usize| if k < winners { position_factor(k) } else { 0.0 };
    (0..winners).map(|j| (j..winners).map(|k| (factor(k) - factor(k + 1)) * score_below(k)).sum::<f64>()).sum()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn cpc(id: i64, bid: i64, ctr: f64, created: i64) -> Candidate {
        Candidate {
            ad_id: Id::from_i64(id),
            group_id: Id::from_i64(100 + id),
            note_id: Id::from_i64(1_000 + id),
            pricing: Pricing::Cpc,
            bid_minor: bid,
            ctr,
            engagement: 1.0,
            group_created_at: Timestamp(created),
        }
    }

    fn slots(n: usize) -> Vec<Slot> {
        (0..n).map(|index| Slot { index, organic_engagement: 0.0 }).collect()
    }

    const RULES: Rules = Rules { reserve_ecpm: 500.0, relevance_floor: 0.5 };

    #[test]
    fn the_worked_example_of_the_design_notes() {
        // A: ¥2.00 a click at 3 % (eCPM 6,000); B: ¥1.50 at 2 % (3,000); C: CPM ¥25 (2,500).
        let b = cpc(2, 150, 0.02, 1);
        let c = Candidate { pricing: Pricing::Cpm, bid_minor: 2_500, ctr: 0.0, ..cpc(3, 0, 0.0, 1) };
        let winners = run(vec![c, b, cpc(1, 200, 0.03, 1)], &slots(2), &RULES);
        let prices: Vec<(i64, i64)> = winners.iter().map(|w| (w.candidate.ad_id.as_i64(), w.price_minor)).collect();
        // A keeps its rank above 3,000 at ⌊3,000 ÷ 30⌋ + 1 = 101; B above 2,500 at ⌊2,500 ÷ 20⌋ + 1 = 126.
        assert_eq!(prices, [(1, 101), (2, 126)]);
        // Alone, a winner pays the reserve in its own units: ⌈500 ÷ 30⌉ = 17.
        assert_eq!(run(vec![cpc(1, 200, 0.03, 1)], &slots(1), &RULES)[0].price_minor, 17);
        // Under the reserve, nobody wins.
        assert!(run(vec![cpc(1, 1, 0.01, 1)], &slots(1), &RULES).is_empty());
    }

    #[test]
    fn ties_go_to_the_older_group_and_one_note_shows_once() {
        let older = cpc(1, 100, 0.02, 10);
        let newer = cpc(2, 100, 0.02, 20);
        let winners = run(vec![newer.clone(), older.clone()], &slots(1), &RULES);
        assert_eq!(winners[0].candidate.ad_id, older.ad_id);
        let same_note = Candidate { note_id: older.note_id, ..cpc(3, 300, 0.02, 30) };
        let winners = run(vec![older, same_note.clone(), newer], &slots(3), &RULES);
        let ads: Vec<i64> = winners.iter().map(|w| w.candidate.ad_id.as_i64()).collect();
        assert_eq!(ads, [3, 2], "the note's better ad only");
    }

    #[test]
    fn a_winner_never_pays_by_a_rival_placed_above_it_nor_by_its_own_group() {
        // A ranks first but fails the first slot's floor; B takes it; A takes the
        // second. A's rival for the second slot is C — not B, already placed above.
        let a = Candidate { engagement: 0.6, ..cpc(1, 500, 0.02, 1) };
        let b = cpc(2, 477, 0.02, 1);
        let c = cpc(3, 30, 0.02, 1);
        let page = [Slot { index: 0, organic_engagement: 2.0 }, Slot { index: 1, organic_engagement: 1.0 }];
        let winners = run(vec![a, b, c], &page, &RULES);
        let prices: Vec<(i64, i64)> = winners.iter().map(|w| (w.candidate.ad_id.as_i64(), w.price_minor)).collect();
        // Both keep above C's eCPM of 600: ⌊600 ÷ 20⌋ + 1 = 31 (not 478 for A, above B).
        assert_eq!(prices, [(2, 31), (1, 31)]);
        // Two ads of one group: only the better competes; it pays the reserve alone.
        let sibling = Candidate { group_id: Id::from_i64(101), ..cpc(4, 400, 0.02, 1) };
        let winners = run(vec![cpc(1, 500, 0.02, 1), sibling], &slots(2), &RULES);
        assert_eq!(winners.len(), 1);
        assert_eq!(winners[0].price_minor, 25, "the reserve, not its sibling's bid");
    }

    #[test]
    fn an_ad_much_worse_than_the_organic_note_is_not_shown() {
        let weak = Candidate { engagement: 0.2, ..cpc(1, 500, 0.05, 1) };
        let fine = Candidate { engagement: 0.6, ..cpc(2, 100, 0.02, 1) };
        let slot = [Slot { index: 0, organic_engagement: 1.0 }];
        let winners = run(vec![weak.clone(), fine], &slot, &RULES);
        assert_eq!(winners[0].candidate.ad_id.as_i64(), 2, "the floor skips the higher bid");
        assert!(run(vec![weak], &slot, &RULES).is_empty(), "never force-filled");
    }

    fn candidate() -> impl Strategy<Value = Candidate> {
        (1i64..6, 1i64..100_000, 0.0005f64..0.3, any::<bool>(), 0.0f64..2.0, 0i64..5).prop_map(
            |(id, bid, ctr, per_mille, engagement, created)| Candidate {
                ad_id: Id::from_i64(id),
                group_id: Id::from_i64(id % 4),
                note_id: Id::from_i64(id),
                pricing: if per_mille { Pricing::Cpm } else { Pricing::Cpc },
                bid_minor: bid,
                ctr,
                engagement,
                group_created_at: Timestamp(created),
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn prices_keep_rank_and_stay_between_reserve_and_bid(
            mut candidates in proptest::collection::vec(candidate(), 0..12),
            slot_count in 1usize..5,
            reserve in 0.0f64..5_000.0,
            floor in 0.0f64..1.0,
            organic in proptest::collection::vec(0.0f64..2.0, 5),
        ) {
            for (n, c) in candidates.iter_mut().enumerate() {
                c.ad_id = Id::from_i64(n as i64);
                c.note_id = Id::from_i64(n as i64 % 7);
            }
            let rules = Rules { reserve_ecpm: reserve, relevance_floor: floor };
            let page: Vec<Slot> = (0..slot_count).map(|i| Slot { index: i, organic_engagement: organic[i] }).collect();
            let winners = run(candidates.clone(), &page, &rules);
            let order = ranked(candidates.clone(), &rules);
            for (k, w) in winners.iter().enumerate() {
                let c = &w.candidate;
                prop_assert!(reserve_for(c, &rules).min(c.bid_minor) <= w.price_minor && w.price_minor <= c.bid_minor,
                    "reserve ≤ price ≤ bid: {w:?}");
                prop_assert!(c.engagement >= floor * organic[w.slot], "the relevance floor holds");
                // Its rival for this slot: the next below it that no earlier slot took
                // and that passes this slot's floor.
                let at = order.iter().position(|o| o.ad_id == c.ad_id).unwrap();
                let earlier: Vec<Id> = winners[..k].iter().map(|e| e.candidate.ad_id).collect();
                let rival = order[at + 1..]
                    .iter()
                    .find(|o| !earlier.contains(&o.ad_id) && o.engagement >= floor * organic[w.slot]);
                if let Some(next) = rival {
                    let paid = w.price_minor as f64 * c.rate();
                    prop_assert!(paid > next.score() || (w.price_minor == c.bid_minor && by_rank(c, next) == Ordering::Less),
                        "at its price it still beats the next: {w:?} vs {next:?}");
                }
            }
            let notes: Vec<Id> = winners.iter().map(|w| w.candidate.note_id).collect();
            let mut unique = notes.clone();
            unique.dedup();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(unique.len(), notes.len(), "a note once per page");
            let mut groups: Vec<Id> = winners.iter().map(|w| w.candidate.group_id).collect();
            groups.sort();
            groups.dedup();
            prop_assert_eq!(groups.len(), winners.len(), "an ad group once per page");
            // The same candidates in another order: the same outcome.
            let mut reversed = candidates.clone();
            reversed.reverse();
            prop_assert_eq!(run(reversed, &page, &rules), winners);
        }

        #[test]
        fn gsp_revenue_is_at_least_vcg_on_the_same_bids(
            mut candidates in proptest::collection::vec(candidate(), 0..10),
            slot_count in 1usize..5,
            reserve in 0.0f64..3_000.0,
        ) {
            for (n, c) in candidates.iter_mut().enumerate() {
                c.ad_id = Id::from_i64(n as i64);
                c.note_id = Id::from_i64(n as i64);
            }
            let rules = Rules { reserve_ecpm: reserve, relevance_floor: 0.0 };
            let page: Vec<Slot> = (0..slot_count).map(|i| Slot { index: i, organic_engagement: 0.0 }).collect();
            let gsp = expected_revenue(&run(candidates.clone(), &page, &rules));
            let vcg = vcg_revenue(candidates, slot_count, &rules);
            prop_assert!(gsp + 1e-6 >= vcg, "GSP {gsp} < VCG {vcg}");
        }
    }
}

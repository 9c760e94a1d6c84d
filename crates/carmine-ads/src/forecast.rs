//! The ads manager's bid forecast: what an ad group would win on one page of each of
//! its placements at a few bids, answered by the production auction
//! (`auction::simulate`, the simulator's code) run against the ads that may serve now
//! (`serving`), each with the click-through rate serving predicts for it.
//!
//! It is an upper bound on competition: every competing ad is taken to want the same
//! viewer (targeting, frequency caps, budgets and pacing only ever remove
//! competitors), and every ad slot displaces an average organic note. The advertiser
//! learns how many ads compete and what their own bid would win and pay — never a
//! competitor's bid. Reads only.

use std::collections::HashMap;

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::{Id, Result, Timestamp};
use carmine_store::ads as rows;

use crate::Ads;
use crate::auction::{self, Simulated, Slot};
use crate::ctr::{CtrPrior, CtrStats, predicted_ctr};
use crate::structure::{Placement, Pricing, placements_of};

/// The page the forecast fills: this many organic notes, with the placement's ad load.
pub const FORECAST_PAGE_NOTES: usize = 20;
/// The bids tried, as fractions of the group's own bid.
const BID_STEPS: [f64; 5] = [0.5, 0.75, 1.0, 1.5, 2.0];
/// The group's label among the simulator's candidates.
const OWN: &str = "own";

/// What one bid would win.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastLine {
    pub bid_minor: i64,
    /// The group's own bid.
    pub current: bool,
    /// The ad slot won (0: the first on the page); `None`: not shown.
    pub slot: Option<usize>,
    /// What it would pay per click (CPC) or per thousand impressions (CPM).
    pub price_minor: Option<i64>,
}

/// The forecast on one placement.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacementForecast {
    pub placement: Placement,
    /// Ads of other groups that may serve there now.
    pub competitors: usize,
    /// Ad slots on a page of `FORECAST_PAGE_NOTES` notes.
    pub slots: usize,
    /// The group's predicted top-slot click-through rate there.
    pub ctr: f64,
    pub lines: Vec<ForecastLine>,
    /// The least bid (within the instance's limit) that takes the first slot.
    pub top_bid_minor: Option<i64>,
    /// The group's notes engage too little for the relevance floor: no bid shows them.
    pub below_floor: bool,
}

/// The group's side of the forecast: its candidate before its bid is set.
#[derive(Clone, Copy, Debug)]
pub struct OwnCandidate {
    pub pricing: Pricing,
    pub ctr: f64,
    pub engagement: f64,
    pub group_created_at: Timestamp,
}

impl OwnCandidate {
    fn at(&self, bid_minor: i64) -> Simulated {
        Simulated {
            label: OWN.to_owned(),
            pricing: self.pricing,
            bid_minor,
            ctr: self.ctr,
            engagement: self.engagement,
            group_created_at: self.group_created_at,
        }
    }
}

/// What `own` at `bid_minor` wins against `others` on `slots`.
fn line(
    others: &[Simulated],
    own: &OwnCandidate,
    bid_minor: i64,
    slots: &[Slot],
    rules: &auction::Rules,
) -> ForecastLine {
    let mut candidates = others.to_vec();
    candidates.push(own.at(bid_minor));
    let simulation = auction::simulate(&candidates, slots, rules);
    let won = simulation.winners.iter().find(|(label, _)| label == OWN).map(|(_, w)| w);
    ForecastLine { bid_minor, current: false, slot: won.map(|w| w.slot), price_minor: won.map(|w| w.price_minor) }
}

/// The forecast for `own` bidding `bid_minor` (at most `max_bid_minor`) against
/// `others`. Pure: the tests run it on their own candidates.
pub fn forecast(
    others: &[Simulated],
    own: &OwnCandidate,
    bid_minor: i64,
    max_bid_minor: i64,
    slots: &[Slot],
    rules: &auction::Rules,
) -> (Vec<ForecastLine>, Option<i64>) {
    let mut bids: Vec<i64> =
        BID_STEPS.iter().map(|f| ((bid_minor as f64 * f).round() as i64).clamp(1, max_bid_minor)).collect();
    bids.dedup();
    let lines = bids
        .into_iter()
        .map(|bid| ForecastLine { current: bid == bid_minor, ..line(others, own, bid, slots, rules) })
        .collect();
    // The first slot goes to the best score: beat the best competitor's by a minor unit.
    let none = Id::from_i64(0);
    let probe = own.at(1).candidate(none);
    let best = others.iter().map(|o| o.candidate(none).score()).fold(0.0_f64, f64::max);
    let needed = ((best / probe.rate()).floor() as i64 + 1).max(auction::reserve_for(&probe, rules));
    let top_bid = (needed <= max_bid_minor && !slots.is_empty())
        .then(|| line(others, own, needed, slots, rules))
        .filter(|l| l.slot == Some(0))
        .map(|l| l.bid_minor);
    (lines, top_bid)
}

impl Ads {
    /// The bid forecast of ad group `group_id`, one per placement it targets.
    pub async fn forecast(&self, caller: &Caller, group_id: Id) -> Result<Vec<PlacementForecast>> {
        let (_, group) = self.group(caller, group_id, OrgAction::ViewAds).await?;
        let pricing = Pricing::parse("pricing", &group.pricing)?;
        let max_bid = match pricing {
            Pricing::Cpc => self.config.limits.cpc_bid_max_minor,
            Pricing::Cpm => self.config.limits.cpm_bid_max_minor,
        };
        let servable = self.servable().await?;
        let mut conn = self.db.reader().await?;
        let own_ads = rows::ads_of(&mut conn, group_id, false, carmine_core::limits::ADS_PER_GROUP_MAX as u32).await?;
        let mut out = Vec::new();
        for placement in placements_of(&group.placements) {
            let rivals: Vec<_> =
                servable.iter().filter(|s| s.row.group_id != group_id && s.placements.contains(&placement)).collect();
            let mut ids: Vec<Id> = rivals.iter().map(|s| s.row.ad_id).collect();
            ids.extend(own_ads.iter().map(|a| a.id));
            let stats: HashMap<Id, CtrStats> = rows::stats(&mut conn, &ids, placement.as_str())
                .await?
                .into_iter()
                .map(|(ad, weighted, clicks)| {
                    (ad, CtrStats { weighted_impressions: weighted as f64 / 1_000.0, clicks })
                })
                .collect();
            let prior = CtrPrior::of(placement);
            let ctr_of = |ad: Id| predicted_ctr(&stats.get(&ad).copied().unwrap_or_default(), &prior);
            let quality = |note: Id| self.feed.note_quality(note).unwrap_or(1.0);
            let others: Vec<Simulated> = rivals
                .iter()
                .map(|s| Simulated {
                    label: s.row.ad_id.to_string(),
                    pricing: s.pricing,
                    bid_minor: s.row.bid_minor,
                    ctr: ctr_of(s.row.ad_id),
                    engagement: quality(s.row.note_id),
                    group_created_at: s.row.group_created_at,
                })
                .collect();
            // The group's best ad speaks for it (serving keeps one per note, the best).
            let own = OwnCandidate {
                pricing,
                ctr: own_ads.iter().map(|a| ctr_of(a.id)).reduce(f64::max).unwrap_or(prior.rate),
                engagement: own_ads.iter().map(|a| quality(a.note_id)).reduce(f64::max).unwrap_or(1.0),
                group_created_at: group.created_at,
            };
            let slots: Vec<Slot> = self
                .config
                .load(placement)
                .positions(FORECAST_PAGE_NOTES)
                .iter()
                .enumerate()
                .map(|(index, _)| Slot { index, organic_engagement: 1.0 })
                .collect();
            let rules = self.config.rules(placement);
            let (lines, top_bid_minor) = forecast(&others, &own, group.bid_minor, max_bid, &slots, &rules);
            out.push(PlacementForecast {
                placement,
                competitors: others.len(),
                slots: slots.len(),
                ctr: own.ctr,
                lines,
                top_bid_minor,
                below_floor: own.engagement < rules.relevance_floor,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> auction::Rules {
        auction::Rules { reserve_ecpm: 500.0, relevance_floor: 0.5 }
    }

    fn slots(n: usize) -> Vec<Slot> {
        (0..n).map(|index| Slot { index, organic_engagement: 1.0 }).collect()
    }

    fn rival(label: &str, bid_minor: i64, ctr: f64) -> Simulated {
        Simulated {
            label: label.into(),
            pricing: Pricing::Cpc,
            bid_minor,
            ctr,
            engagement: 1.0,
            group_created_at: Timestamp(0),
        }
    }

    fn own(ctr: f64, engagement: f64) -> OwnCandidate {
        OwnCandidate { pricing: Pricing::Cpc, ctr, engagement, group_created_at: Timestamp(1) }
    }

    #[test]
    fn alone_a_group_takes_the_first_slot_at_the_reserve() {
        let (lines, top) = forecast(&[], &own(0.02, 1.0), 100, 100_000, &slots(2), &rules());
        let current = lines.iter().find(|l| l.current).expect("the group's own bid is a line");
        assert_eq!((current.slot, current.price_minor), (Some(0), Some(25)), "reserve 500 eCPM ÷ 20 = 25 fen a click");
        assert_eq!(top, Some(25), "the reserve is the least bid that takes the first slot");
        let below = lines.iter().find(|l| l.bid_minor == 50).expect("half the bid");
        assert_eq!(below.slot, Some(0));
    }

    #[test]
    fn higher_bids_win_higher_slots_and_the_top_bid_is_the_least_that_does() {
        let rivals = [rival("a", 300, 0.02), rival("b", 150, 0.02)];
        let mine = own(0.02, 1.0);
        let (lines, top) = forecast(&rivals, &mine, 200, 100_000, &slots(2), &rules());
        let bids: Vec<i64> = lines.iter().map(|l| l.bid_minor).collect();
        assert_eq!(bids, [100, 150, 200, 300, 400]);
        let slot_of = |bid: i64| lines.iter().find(|l| l.bid_minor == bid).and_then(|l| l.slot);
        assert_eq!(slot_of(100), None, "below both rivals on two slots: not shown");
        assert_eq!(slot_of(150), None, "a tie goes to the older group");
        assert_eq!(slot_of(200), Some(1));
        assert_eq!(slot_of(400), Some(0));
        for l in &lines {
            if let Some(price) = l.price_minor {
                assert!(price <= l.bid_minor, "never pays above its bid: {l:?}");
            }
        }
        assert_eq!(
            lines.iter().find(|l| l.bid_minor == 200).and_then(|l| l.price_minor),
            Some(151),
            "GSP: b's 150 + 1"
        );
        assert_eq!(top, Some(301), "one fen above the best rival's score at the same CTR");
        let (just_below, _) = forecast(&rivals, &mine, 300, 100_000, &slots(2), &rules());
        assert_eq!(just_below.iter().find(|l| l.current).and_then(|l| l.slot), Some(1), "300 ties a and loses");
    }

    #[test]
    fn notes_below_the_relevance_floor_are_never_shown_and_bids_stay_within_the_limit() {
        let (lines, top) = forecast(&[], &own(0.02, 0.3), 100, 100_000, &slots(2), &rules());
        assert!(lines.iter().all(|l| l.slot.is_none()), "{lines:?}");
        assert_eq!(top, None);
        let (lines, top) = forecast(&[rival("a", 90_000, 0.05)], &own(0.02, 1.0), 80_000, 100_000, &slots(1), &rules());
        assert!(lines.iter().all(|l| l.bid_minor <= 100_000), "{lines:?}");
        assert_eq!(top, None, "the first slot would need more than the instance allows");
        let (_, top) = forecast(&[], &own(0.02, 1.0), 100, 100_000, &[], &rules());
        assert_eq!(top, None, "a page without ad slots");
    }
}

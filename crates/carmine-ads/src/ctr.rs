//! Predicted click-through rates, learned online from each ad's impressions and
//! clicks: a smoothed prior per placement (so a new ad starts at the placement's
//! typical rate and one lucky click does not make it a star), and impressions counted
//! by their slot's position factor (an impression at a lower slot, where clicks are
//! rarer, counts for less), so the rate is the one the ad would have at the top slot.

use crate::auction::position_factor;
use crate::structure::Placement;

/// What an ad has been shown and clicked on one placement.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CtrStats {
    /// Σ over its impressions of their slot's position factor.
    pub weighted_impressions: f64,
    pub clicks: i64,
}

impl CtrStats {
    /// Counts an impression at ad slot `slot`.
    pub fn shown(&mut self, slot: usize) {
        self.weighted_impressions += position_factor(slot);
    }
}

/// The rate an ad starts from on a placement, and how many (top-slot) impressions
/// that prior weighs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CtrPrior {
    pub rate: f64,
    pub strength: f64,
}

impl CtrPrior {
    /// Typical rates: search answers intent, related notes are read deep in a page.
    pub fn of(placement: Placement) -> CtrPrior {
        let rate = match placement {
            Placement::Feed => 0.02,
            Placement::Search => 0.04,
            Placement::Related => 0.015,
        };
        CtrPrior { rate, strength: 500.0 }
    }
}

/// The predicted top-slot click-through rate.
pub fn predicted_ctr(stats: &CtrStats, prior: &CtrPrior) -> f64 {
    (stats.clicks as f64 + prior.rate * prior.strength) / (stats.weighted_impressions + prior.strength)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_ad_starts_at_the_prior_and_learns_with_position_in_mind() {
        let prior = CtrPrior::of(Placement::Feed);
        assert_eq!(predicted_ctr(&CtrStats::default(), &prior), 0.02);
        let lucky = CtrStats { weighted_impressions: 1.0, clicks: 1 };
        assert!(predicted_ctr(&lucky, &prior) < 0.03, "one click moves it a little");
        let (mut top, mut low) = (CtrStats::default(), CtrStats::default());
        for _ in 0..10_000 {
            top.shown(0);
            low.shown(3);
        }
        top.clicks = 500;
        low.clicks = 500;
        let (at_top, at_low) = (predicted_ctr(&top, &prior), predicted_ctr(&low, &prior));
        assert!((at_top - 0.05).abs() < 0.002, "{at_top}");
        assert!(at_low > at_top, "the same clicks from lower slots mean a better ad: {at_low}");
    }
}

//! The feed's operator settings: traffic pools, CES weights, smoothing, freshness,
//! diversity caps and the small-creator floor. Defaults follow
//! `../shared/design/domain.md`; `carmine serve` takes each as a flag.

use carmine_events::CesWeights;

/// One traffic pool: a note in it is shown to up to `audience` members likely to care;
/// once it has had them, it graduates if its smoothed CES per impression reaches `bar`
/// and stalls otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pool {
    pub audience: u32,
    pub bar: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FeedSettings {
    /// The pools in order; a note that passes the last one is open to everyone.
    pub pools: Vec<Pool>,
    pub ces: CesWeights,
    /// Smoothing of CES per impression: every note starts as if it had had
    /// `prior_impressions` impressions at `prior_rate` (so 3 impressions cannot win).
    pub prior_impressions: f64,
    pub prior_rate: f64,
    /// Freshness falls by e every this many hours after publishing.
    pub freshness_hours: f64,
    /// A member's interest in a topic halves every this many days without engagement.
    pub interest_half_life_days: f64,
    /// At most this many notes of one author, and of one topic, per page.
    pub author_cap: usize,
    pub topic_cap: usize,
    /// Creators with fewer followers than this are "small".
    pub small_creator_followers: u32,
    /// The least share of each page that goes to small creators when such notes
    /// are among the candidates (0 turns the floor off).
    pub small_creator_floor: f64,
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            pools: vec![
                Pool { audience: 300, bar: 0.04 },
                Pool { audience: 2_000, bar: 0.06 },
                Pool { audience: 10_000, bar: 0.08 },
                Pool { audience: 50_000, bar: 0.10 },
            ],
            ces: CesWeights::default(),
            prior_impressions: 50.0,
            prior_rate: 0.03,
            freshness_hours: 18.0,
            interest_half_life_days: 14.0,
            author_cap: 2,
            topic_cap: 5,
            small_creator_followers: 1_000,
            small_creator_floor: 0.5,
        }
    }
}

impl FeedSettings {
    /// Parses pools written as `audience:bar,audience:bar,…` (the `--feed-pools` flag).
    pub fn parse_pools(raw: &str) -> Result<Vec<Pool>, String> {
        let mut pools = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (audience, bar) = part.split_once(':').ok_or_else(|| format!("`{part}` is not audience:bar"))?;
            let audience: u32 = audience.trim().parse().map_err(|_| format!("`{audience}` is not an audience size"))?;
            let bar: f64 = bar.trim().parse().map_err(|_| format!("`{bar}` is not a bar"))?;
            if audience == 0 || !(0.0..=100.0).contains(&bar) {
                return Err(format!("`{part}`: the audience must be positive and the bar between 0 and 100"));
            }
            if pools.last().is_some_and(|p: &Pool| p.audience >= audience) {
                return Err("pools must grow".to_owned());
            }
            pools.push(Pool { audience, bar });
        }
        if pools.is_empty() {
            return Err("at least one pool".to_owned());
        }
        Ok(pools)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_parse_and_must_grow() {
        assert_eq!(
            FeedSettings::parse_pools("5:0.1, 20:0.2").unwrap(),
            vec![Pool { audience: 5, bar: 0.1 }, Pool { audience: 20, bar: 0.2 }]
        );
        assert!(FeedSettings::parse_pools("20:0.1,5:0.2").is_err());
        assert!(FeedSettings::parse_pools("20").is_err());
        assert!(FeedSettings::parse_pools("").is_err());
        assert!(FeedSettings::parse_pools("0:0.1").is_err());
    }
}

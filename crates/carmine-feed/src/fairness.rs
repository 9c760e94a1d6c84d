//! Is reach earned by quality rather than follower count? Computed from the
//! impressions the behaviour log recorded: the share going to creators under the
//! small-creator line, and the rank correlation (Spearman) of each note's reach with
//! its quality (smoothed CES per impression — never shown to members) and with its
//! creator's follower count.

use crate::model::FeedModel;

#[derive(Clone, Debug, PartialEq)]
pub struct Fairness {
    pub impressions: i64,
    pub small_creator_impressions: i64,
    /// 0 when there were no impressions.
    pub small_creator_share: f64,
    /// Notes with at least one impression (the correlations are over these).
    pub notes_seen: usize,
    pub reach_vs_quality: f64,
    pub reach_vs_followers: f64,
    /// The settings in force.
    pub small_creator_followers: u32,
    pub small_creator_floor: f64,
}

pub fn fairness(model: &FeedModel) -> Fairness {
    let line = model.settings().small_creator_followers;
    let mut reach = Vec::new();
    let mut quality = Vec::new();
    let mut followers = Vec::new();
    let (mut impressions, mut small) = (0i64, 0i64);
    for note in model.notes.values().filter(|n| n.counts.impressions > 0) {
        let count = model.followers_of(note.author);
        impressions += note.counts.impressions;
        if count < line {
            small += note.counts.impressions;
        }
        reach.push(note.counts.impressions as f64);
        quality.push(model.quality(note));
        followers.push(f64::from(count));
    }
    Fairness {
        impressions,
        small_creator_impressions: small,
        small_creator_share: if impressions > 0 { small as f64 / impressions as f64 } else { 0.0 },
        notes_seen: reach.len(),
        reach_vs_quality: spearman(&reach, &quality),
        reach_vs_followers: spearman(&reach, &followers),
        small_creator_followers: line,
        small_creator_floor: model.settings().small_creator_floor,
    }
}

/// Ranks with ties given their mean rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0;
        for &k in &order[i..=j] {
            ranks[k] = mean;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman's rank correlation; 0 when either side is constant or there are fewer
/// than two values.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < 2 || a.len() != b.len() {
        return 0.0;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        cov += (x - ma) * (y - mb);
        va += (x - ma).powi(2);
        vb += (y - mb).powi(2);
    }
    if va == 0.0 || vb == 0.0 { 0.0 } else { cov / (va * vb).sqrt() }
}

#[cfg(test)]
mod tests {
    use super::spearman;

    #[test]
    fn spearman_sees_order_not_scale() {
        assert!((spearman(&[1.0, 2.0, 3.0, 4.0], &[10.0, 20.0, 300.0, 4000.0]) - 1.0).abs() < 1e-9);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-9);
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), 0.0);
        assert_eq!(spearman(&[1.0], &[1.0]), 0.0);
    }
}

//! Invalid traffic found after the fact, and credited back. `ads.invalid_traffic`
//! runs hourly over the last three hours of billed events and marks as invalid:
//!
//! - **click bursts**: a viewer's clicks when six or more fall within ten minutes (the
//!   per-minute rate limit stops faster ones as they come);
//! - **new-account clusters**: clicks on one ad within an hour by five or more members
//!   whose accounts were under a day old;
//! - **improbable click-through**: a viewer's clicks on a campaign beyond the
//!   impressions of it they were served that day (more clicks than ads seen).
//!
//! What was billed for them is credited back to the advertiser: the campaign's chunk
//! is closed (so its spend is posted), then a credit posting moves the whole minor
//! units from advertising revenue back to the ad balance, and the campaign's spend
//! totals go down by as much (budgets are not used up by invalid traffic).

use std::collections::{BTreeMap, HashMap};

use carmine_core::{Id, Result};
use carmine_ledger::posting::{self, Header, Leg};
use carmine_ledger::{AccountKind, AccountRef, Stream};
use carmine_store::Tx;
use carmine_store::ads::{self as rows, BilledEvent};

use crate::Ads;
use crate::billing::day_of;

/// How far back each run looks.
pub const WINDOW_HOURS: i64 = 3;
const BURST_CLICKS: usize = 6;
const BURST_SECONDS: i64 = 600;
const CLUSTER_ACCOUNTS: usize = 5;
const NEW_ACCOUNT_SECONDS: i64 = 86_400;

/// Which billed events are invalid, and why. `served` is how many impressions of a
/// campaign a viewer was served on the day of an event.
pub fn find(events: &[BilledEvent], served: &HashMap<(Id, String, String), i64>) -> BTreeMap<Id, &'static str> {
    let mut found = BTreeMap::new();
    let clicks: Vec<&BilledEvent> = events.iter().filter(|e| e.kind == "click").collect();
    // Bursts, per viewer.
    let mut by_viewer: HashMap<&str, Vec<&BilledEvent>> = HashMap::new();
    for click in &clicks {
        by_viewer.entry(click.viewer.as_str()).or_default().push(click);
    }
    for list in by_viewer.values() {
        for (i, click) in list.iter().enumerate() {
            let window: Vec<&&BilledEvent> = list[..=i]
                .iter()
                .filter(|c| click.created_at.micros() - c.created_at.micros() <= BURST_SECONDS * 1_000_000)
                .collect();
            if window.len() >= BURST_CLICKS {
                for c in window {
                    found.entry(c.id).or_insert("click_burst");
                }
            }
        }
    }
    // New accounts clustering on one ad within an hour.
    let mut by_ad: HashMap<Id, Vec<&BilledEvent>> = HashMap::new();
    for click in &clicks {
        let new_account = click
            .account_created_at
            .is_some_and(|made| click.created_at.micros() - made.micros() < NEW_ACCOUNT_SECONDS * 1_000_000);
        if new_account {
            by_ad.entry(click.ad_id).or_default().push(click);
        }
    }
    for list in by_ad.values() {
        for click in list {
            let hour: Vec<&&BilledEvent> = list
                .iter()
                .filter(|c| (click.created_at.micros() - c.created_at.micros()).abs() <= 3_600_000_000)
                .collect();
            let mut members: Vec<Id> = hour.iter().filter_map(|c| c.user_id).collect();
            members.sort_unstable();
            members.dedup();
            if members.len() >= CLUSTER_ACCOUNTS {
                for c in hour {
                    found.entry(c.id).or_insert("new_account_cluster");
                }
            }
        }
    }
    // More clicks than impressions served.
    let mut per_viewer_day: HashMap<(Id, String, String), Vec<&BilledEvent>> = HashMap::new();
    for click in &clicks {
        per_viewer_day
            .entry((click.campaign_id, click.viewer.clone(), day_of(click.created_at)))
            .or_default()
            .push(click);
    }
    for (key, list) in per_viewer_day {
        let seen = served.get(&key).copied().unwrap_or(0).max(0) as usize;
        for click in list.iter().skip(seen) {
            found.entry(click.id).or_insert("improbable_ctr");
        }
    }
    found
}

impl Ads {
    /// Finds invalid traffic of the last hours and credits it back, in `tx`.
    pub async fn credit_invalid_in(&self, tx: &mut Tx) -> Result<usize> {
        let since = tx.now().plus_seconds(-WINDOW_HOURS * 3_600);
        let events = rows::billed_since(tx.conn(), since, 100_000).await?;
        let mut served = HashMap::new();
        for e in events.iter().filter(|e| e.kind == "click") {
            let key = (e.campaign_id, e.viewer.clone(), day_of(e.created_at));
            if let std::collections::hash_map::Entry::Vacant(slot) = served.entry(key) {
                let count = rows::served_to(tx.conn(), e.campaign_id, &e.viewer, &slot.key().2).await?;
                slot.insert(count);
            }
        }
        let found = find(&events, &served);
        let mut credit: BTreeMap<Id, i64> = BTreeMap::new();
        for event in events.iter().filter(|e| found.contains_key(&e.id)) {
            if rows::mark_invalid(tx, event.id, found[&event.id]).await? {
                *credit.entry(event.campaign_id).or_default() += event.cost_millis;
            }
        }
        let today = day_of(tx.now());
        for (campaign_id, millis) in &credit {
            let Some(campaign) = rows::get_campaign(tx.conn(), *campaign_id).await? else { continue };
            let spend = rows::lock_spend(tx, *campaign_id, &today).await?;
            let posted = self.close_chunk(tx, &campaign, &spend).await?;
            let fen = (millis / 1_000).min(posted);
            if fen <= 0 {
                continue;
            }
            let funding = self.funding_account(tx, campaign.advertiser_id).await?;
            let funding_id = carmine_ledger::account_in(tx, funding).await?;
            let revenue = carmine_ledger::account_in(
                tx,
                AccountRef::platform(AccountKind::Revenue(Stream::Advertising), self.currency),
            )
            .await?;
            let legs = [
                Leg { account_id: revenue, currency: self.currency, amount: -fen },
                Leg { account_id: funding_id, currency: self.currency, amount: fen },
            ];
            let header = Header::new("ad_credit", "ad_campaign", campaign.id, "invalid ad traffic credited");
            posting::post(tx, &header, &legs).await?;
            let same_day = events.iter().any(|e| e.campaign_id == *campaign_id && day_of(e.created_at) == today);
            rows::credit_spend(tx, *campaign_id, fen, &today, same_day).await?;
            // A boost already settled has given its unspent coins back: the credit
            // follows them.
            if campaign.settled_at.is_some() {
                self.to_coins(tx, &campaign, fen, "ad_credit").await?;
            }
        }
        // Reports up to now are final (ADR 0033).
        let now = tx.now();
        rows::set_checked_through(tx, now).await?;
        Ok(found.len())
    }
}

#[cfg(test)]
mod tests {
    use carmine_core::Timestamp;

    use super::*;

    fn click(id: i64, viewer: &str, ad: i64, at_seconds: i64, account_age: Option<i64>) -> BilledEvent {
        BilledEvent {
            id: Id::from_i64(id),
            kind: "click".into(),
            ad_id: Id::from_i64(ad),
            campaign_id: Id::from_i64(1),
            viewer: viewer.into(),
            user_id: account_age.map(|_| Id::from_i64(1_000 + id)),
            account_created_at: account_age.map(|age| Timestamp((at_seconds - age) * 1_000_000)),
            cost_millis: 100_000,
            created_at: Timestamp(at_seconds * 1_000_000),
        }
    }

    #[test]
    fn bursts_clusters_and_more_clicks_than_ads_seen_are_found() {
        let day = day_of(Timestamp(0));
        let mut events = Vec::new();
        // A viewer clicking six times in five minutes.
        for n in 0..6 {
            events.push(click(n, "vburst", 1, n * 50, None));
        }
        // Five new accounts on one ad within the hour, one old account beside them.
        for n in 0..5 {
            events.push(click(10 + n, &format!("m{n}"), 2, 1_000 + n * 300, Some(3_600)));
        }
        events.push(click(20, "mold", 2, 1_200, Some(90 * 86_400)));
        // A viewer served one impression who clicked twice (a minute apart).
        events.push(click(30, "vtwice", 3, 5_000, None));
        events.push(click(31, "vtwice", 3, 5_060, None));
        let mut served = HashMap::new();
        for e in &events {
            served.insert((e.campaign_id, e.viewer.clone(), day.clone()), 1);
        }
        served.insert((Id::from_i64(1), "vburst".into(), day.clone()), 6);
        let found = find(&events, &served);
        for n in 0..6 {
            assert_eq!(found.get(&Id::from_i64(n)), Some(&"click_burst"));
        }
        for n in 10..15 {
            assert_eq!(found.get(&Id::from_i64(n)), Some(&"new_account_cluster"));
        }
        assert_eq!(found.get(&Id::from_i64(20)), None, "an old account is not part of it");
        assert_eq!(found.get(&Id::from_i64(30)), None, "one click per impression seen is fine");
        assert_eq!(found.get(&Id::from_i64(31)), Some(&"improbable_ctr"));
    }
}

//! Advertisers' reports (ADR 0033): a campaign's delivery and results over local
//! days, broken down by day, placement, ad, keyword, search term, age band or gender.
//!
//! Read from what was recorded, never estimated: `ad_impressions` (one per served
//! token: impressions, reach, frequency, and what the token's events are attributed
//! to), accepted `ad_events` (viewable impressions, clicks, their cost: gross, the part
//! found invalid later, net), `ad_engagements` (what members who came through an ad
//! did) and the advertiser's store's paid orders (a conversion is an order by a member
//! within 7 days after they clicked, attributed to their latest click before it).
//! Cells of age band, gender and search term with fewer than `report_cell_min`
//! members are left out (and counted); totals include them. A report is preliminary
//! until `ads.invalid_traffic` has looked past the end of its last day.

use std::collections::{BTreeMap, HashMap, HashSet};

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::{Error, Id, Result, Timestamp};
use carmine_store::ads::{self as rows, CampaignRecord, ImpressionRecord, ReportEvent};

use crate::Ads;
use crate::billing::day_of;
use crate::targeting::age_band;

/// The longest report, in days.
pub const REPORT_DAYS_MAX: i64 = 92;

/// The most impressions or events one report reads.
const REPORT_ROWS_MAX: u32 = 500_000;

/// How long after a click an order counts as its conversion.
pub const CONVERSION_DAYS: i64 = 7;

/// What a report is broken down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breakdown {
    Day,
    Placement,
    Ad,
    Keyword,
    SearchTerm,
    AgeBand,
    Gender,
}

impl Breakdown {
    pub const ALL: [Breakdown; 7] = [
        Breakdown::Day,
        Breakdown::Placement,
        Breakdown::Ad,
        Breakdown::Keyword,
        Breakdown::SearchTerm,
        Breakdown::AgeBand,
        Breakdown::Gender,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Breakdown::Day => "day",
            Breakdown::Placement => "placement",
            Breakdown::Ad => "ad",
            Breakdown::Keyword => "keyword",
            Breakdown::SearchTerm => "search_term",
            Breakdown::AgeBand => "age_band",
            Breakdown::Gender => "gender",
        }
    }

    pub fn parse(raw: &str) -> Result<Breakdown> {
        Breakdown::ALL
            .into_iter()
            .find(|b| b.as_str() == raw)
            .ok_or_else(|| Error::invalid_field("by", "day, placement, ad, keyword, search_term, age_band or gender"))
    }

    /// Whether its cells are groups of members, suppressed under the threshold.
    pub fn suppresses(self) -> bool {
        matches!(self, Breakdown::SearchTerm | Breakdown::AgeBand | Breakdown::Gender)
    }
}

/// The key of a cell nothing identifies (no keyword, demographics not shared).
pub const UNKNOWN: &str = "";

/// One row of a report (or its total).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    pub key: String,
    pub impressions: i64,
    /// Distinct viewers served.
    pub reach: i64,
    /// Distinct signed-in members served (what suppression counts).
    pub members: i64,
    pub viewable: i64,
    pub clicks: i64,
    /// Billed, in thousandths of a minor unit; `invalid_millis` of it credited back.
    pub gross_millis: i64,
    pub invalid_millis: i64,
    pub engagements: i64,
    pub conversions: i64,
    /// What the conversions' orders came to (net of refunds), in minor units.
    pub revenue_minor: i64,
    /// Not final: invalid traffic has not been looked for past its end.
    pub preliminary: bool,
}

impl Cell {
    pub fn net_millis(&self) -> i64 {
        self.gross_millis - self.invalid_millis
    }

    /// Impressions per viewer reached.
    pub fn frequency(&self) -> f64 {
        if self.reach == 0 { 0.0 } else { self.impressions as f64 / self.reach as f64 }
    }

    /// Clicks per impression served (the same count the predicted CTR learns from;
    /// viewability depends on the page reporting it, serving does not).
    pub fn ctr(&self) -> f64 {
        if self.impressions == 0 { 0.0 } else { self.clicks as f64 / self.impressions as f64 }
    }

    /// Net cost per click, per thousand impressions served and per engagement, in
    /// minor units (`None` without any).
    pub fn cpc_minor(&self) -> Option<i64> {
        (self.clicks > 0).then(|| self.net_millis() / 1_000 / self.clicks)
    }

    pub fn cpm_minor(&self) -> Option<i64> {
        (self.impressions > 0).then(|| self.net_millis() / self.impressions)
    }

    pub fn cost_per_engagement_minor(&self) -> Option<i64> {
        (self.engagements > 0).then(|| self.net_millis() / 1_000 / self.engagements)
    }

    /// Revenue per unit of net spend.
    pub fn roas(&self) -> Option<f64> {
        (self.net_millis() > 0).then(|| self.revenue_minor as f64 * 1_000.0 / self.net_millis() as f64)
    }
}

/// A campaign's report.
#[derive(Clone, Debug)]
pub struct Report {
    pub campaign: CampaignRecord,
    pub breakdown: Breakdown,
    /// Local days, inclusive.
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub rows: Vec<Cell>,
    pub total: Cell,
    /// Cells left out for having fewer members than the threshold.
    pub suppressed: usize,
    pub cell_min: usize,
    pub preliminary: bool,
}

/// Everything a report is made from (read by [`Ads::report`]; pure from here on).
pub struct Facts {
    pub impressions: Vec<ImpressionRecord>,
    pub events: Vec<ReportEvent>,
    /// (ad, member, kind, when).
    pub engagements: Vec<(Id, Option<Id>, String, Timestamp)>,
    /// (order, buyer, net total, when) of the advertiser's store.
    pub orders: Vec<(Id, Id, i64, Timestamp)>,
    /// Consenting members' (birth year, gender).
    pub demographics: HashMap<Id, (Option<i64>, Option<String>)>,
    /// The year age bands are counted in.
    pub year: i16,
    /// How far invalid traffic has been looked for.
    pub checked_through: Option<Timestamp>,
}

#[derive(Default)]
struct Acc {
    cell: Cell,
    viewers: HashSet<String>,
    members: HashSet<Id>,
}

/// The rows (ordered by key), the total and how many cells were suppressed.
pub fn aggregate(breakdown: Breakdown, facts: &Facts, cell_min: usize) -> (Vec<Cell>, Cell, usize) {
    let member_key = |member: Option<Id>| -> String {
        let shared = member.and_then(|m| facts.demographics.get(&m));
        match (breakdown, shared) {
            (Breakdown::AgeBand, Some((Some(born), _))) => {
                age_band(i64::from(facts.year) - born).unwrap_or(UNKNOWN).to_owned()
            }
            (Breakdown::Gender, Some((_, Some(gender)))) => gender.clone(),
            _ => UNKNOWN.to_owned(),
        }
    };
    let impression_key = |i: &ImpressionRecord| -> String {
        match breakdown {
            Breakdown::Day => i.day.clone(),
            Breakdown::Placement => i.placement.clone(),
            Breakdown::Ad => i.ad_id.to_string(),
            Breakdown::Keyword => i.keyword.clone().unwrap_or_default(),
            Breakdown::SearchTerm => i.search_term.clone().unwrap_or_default(),
            Breakdown::AgeBand | Breakdown::Gender => member_key(i.user_id),
        }
    };
    let by_token: HashMap<&str, &ImpressionRecord> =
        facts.impressions.iter().map(|i| (i.token_hash.as_str(), i)).collect();
    let event_key = |e: &ReportEvent| -> String {
        match (by_token.get(e.token_hash.as_str()), breakdown) {
            (Some(i), _) => impression_key(i),
            (None, Breakdown::Day) => day_of(e.created_at),
            (None, Breakdown::Placement) => e.placement.clone(),
            (None, Breakdown::Ad) => e.ad_id.to_string(),
            (None, Breakdown::AgeBand | Breakdown::Gender) => member_key(e.user_id),
            (None, _) => UNKNOWN.to_owned(),
        }
    };
    let mut cells: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    for i in &facts.impressions {
        for acc in [cells.entry(impression_key(i)).or_default(), &mut total] {
            acc.cell.impressions += 1;
            acc.viewers.insert(i.viewer.clone());
            if let Some(member) = i.user_id {
                acc.members.insert(member);
            }
        }
    }
    // Clicks by member, in time order: what engagements and orders are attributed to.
    let mut clicks: Vec<&ReportEvent> = Vec::new();
    for e in &facts.events {
        let key = event_key(e);
        for acc in [cells.entry(key).or_default(), &mut total] {
            match e.kind.as_str() {
                "viewable" => acc.cell.viewable += 1,
                "click" => acc.cell.clicks += 1,
                _ => {}
            }
            acc.cell.gross_millis += e.cost_millis;
            if e.invalid {
                acc.cell.invalid_millis += e.cost_millis;
            }
        }
        if e.kind == "click" && !e.invalid && e.user_id.is_some() {
            clicks.push(e);
        }
    }
    let last_click = |member: Id, ad: Option<Id>, at: Timestamp| {
        clicks
            .iter()
            .rev()
            .find(|c| c.user_id == Some(member) && ad.is_none_or(|ad| c.ad_id == ad) && c.created_at <= at)
            .copied()
    };
    for (ad, member, _, at) in &facts.engagements {
        let key = match (breakdown, member) {
            (Breakdown::Day, _) => day_of(*at),
            (Breakdown::Ad, _) => ad.to_string(),
            (Breakdown::AgeBand | Breakdown::Gender, _) => member_key(*member),
            (_, Some(member)) => last_click(*member, Some(*ad), *at).map_or(UNKNOWN.to_owned(), &event_key),
            (_, None) => UNKNOWN.to_owned(),
        };
        for acc in [cells.entry(key).or_default(), &mut total] {
            acc.cell.engagements += 1;
        }
    }
    let window = CONVERSION_DAYS * 86_400 * 1_000_000;
    for (_, buyer, amount, at) in &facts.orders {
        let Some(click) = last_click(*buyer, None, *at).filter(|c| at.micros() - c.created_at.micros() <= window)
        else {
            continue;
        };
        for acc in [cells.entry(event_key(click)).or_default(), &mut total] {
            acc.cell.conversions += 1;
            acc.cell.revenue_minor += amount;
        }
    }
    let final_through = |day: &str| -> bool {
        let end =
            day.parse::<jiff::civil::Date>().ok().and_then(|d| d.tomorrow().ok()).and_then(Timestamp::local_midnight);
        matches!((end, facts.checked_through), (Some(end), Some(checked)) if checked >= end)
    };
    let finish = |key: String, acc: Acc| -> Cell {
        let preliminary = match breakdown {
            Breakdown::Day => !final_through(&key),
            _ => false,
        };
        Cell { key, reach: acc.viewers.len() as i64, members: acc.members.len() as i64, preliminary, ..acc.cell }
    };
    let mut suppressed = 0;
    let mut out = Vec::new();
    for (key, acc) in cells {
        if breakdown.suppresses() && acc.members.len() < cell_min {
            suppressed += 1;
            continue;
        }
        out.push(finish(key, acc));
    }
    (out, finish(String::new(), total), suppressed)
}

impl Ads {
    /// A campaign's report over the local days `from..=to` (at most
    /// [`REPORT_DAYS_MAX`]), for anyone of the advertiser who may view ads.
    pub async fn report(
        &self,
        caller: &Caller,
        campaign_id: Id,
        breakdown: Breakdown,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Report> {
        let campaign = self.campaign(caller, campaign_id, OrgAction::ViewAds).await?;
        let days = from.until(to).map_or(-1, |span| i64::from(span.get_days()));
        if !(0..REPORT_DAYS_MAX).contains(&days) {
            return Err(Error::invalid_field(
                "to",
                format!("on or after the start date, at most {REPORT_DAYS_MAX} days"),
            )
            .with_hint_args("ads-report-range", &[("days", REPORT_DAYS_MAX.to_string())]));
        }
        let start = Timestamp::local_midnight(from).ok_or_else(|| Error::invalid_field("from", "a date"))?;
        let end = to
            .tomorrow()
            .ok()
            .and_then(Timestamp::local_midnight)
            .ok_or_else(|| Error::invalid_field("to", "a date"))?;
        let mut conn = self.db.reader().await?;
        let (from_day, to_day) = (from.to_string(), to.to_string());
        let impressions = rows::impressions_of(&mut conn, campaign_id, &from_day, &to_day, REPORT_ROWS_MAX).await?;
        let events = rows::report_events(&mut conn, campaign_id, start, end, REPORT_ROWS_MAX).await?;
        let engagements = rows::engagements_between(&mut conn, campaign_id, start, end, REPORT_ROWS_MAX).await?;
        let store = carmine_store::stores::get_by_org(&mut conn, campaign.advertiser_id).await?;
        let orders = match store {
            Some(store) => {
                let until = end.plus_seconds(CONVERSION_DAYS * 86_400);
                rows::paid_orders_between(&mut conn, store.id, start, until, REPORT_ROWS_MAX).await?
            }
            None => Vec::new(),
        };
        let mut members: Vec<Id> = impressions.iter().filter_map(|i| i.user_id).collect();
        members.extend(events.iter().filter_map(|e| e.user_id));
        members.extend(engagements.iter().filter_map(|e| e.1));
        members.sort_unstable();
        members.dedup();
        let demographics = if matches!(breakdown, Breakdown::AgeBand | Breakdown::Gender) {
            rows::consented_demographics(&mut conn, &members)
                .await?
                .into_iter()
                .map(|(id, born, gender)| (id, (born, gender)))
                .collect()
        } else {
            HashMap::new()
        };
        let checked_through = rows::checked_through(&mut conn).await?;
        drop(conn);
        let facts = Facts {
            impressions,
            events,
            engagements,
            orders,
            demographics,
            year: self.db.now().local_date().year(),
            checked_through,
        };
        let cell_min = self.config.report_cell_min;
        let (rows, total, suppressed) = aggregate(breakdown, &facts, cell_min);
        let preliminary = checked_through.is_none_or(|checked| checked < end);
        Ok(Report { campaign, breakdown, from, to, rows, total, suppressed, cell_min, preliminary })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impression(
        n: i64,
        viewer: &str,
        member: Option<i64>,
        placement: &str,
        keyword: Option<&str>,
    ) -> ImpressionRecord {
        ImpressionRecord {
            token_hash: format!("t{n}"),
            ad_id: Id::from_i64(1),
            campaign_id: Id::from_i64(9),
            placement: placement.into(),
            slot: 0,
            viewer: viewer.into(),
            user_id: member.map(Id::from_i64),
            keyword: keyword.map(str::to_owned),
            search_term: keyword.map(|k| format!("{k} 推荐")),
            day: "2026-01-01".into(),
            created_at: Timestamp(1_000_000 * n),
        }
    }

    fn event(n: i64, kind: &str, member: Option<i64>, cost: i64, invalid: bool) -> ReportEvent {
        ReportEvent {
            token_hash: format!("t{n}"),
            ad_id: Id::from_i64(1),
            kind: kind.into(),
            placement: "feed".into(),
            user_id: member.map(Id::from_i64),
            cost_millis: cost,
            invalid,
            created_at: Timestamp(1_000_000 * n + 10),
        }
    }

    fn facts() -> Facts {
        Facts {
            impressions: vec![
                impression(1, "m1", Some(1), "feed", None),
                impression(2, "m1", Some(1), "feed", None),
                impression(3, "m2", Some(2), "search", Some("防晒")),
                impression(4, "vabc", None, "search", Some("sunscreen")),
            ],
            events: vec![
                event(1, "click", Some(1), 120_000, false),
                event(3, "click", Some(2), 150_000, false),
                event(4, "click", None, 150_000, true),
            ],
            engagements: vec![(Id::from_i64(1), Some(Id::from_i64(2)), "like".into(), Timestamp(3_000_100))],
            orders: vec![
                (Id::from_i64(70), Id::from_i64(2), 19_900, Timestamp(4_000_000)),
                // Eight days after the click: not a conversion.
                (Id::from_i64(71), Id::from_i64(1), 5_000, Timestamp(1_000_010 + 8 * 86_400_000_000)),
            ],
            demographics: HashMap::from([(Id::from_i64(2), (Some(1995), Some("female".to_owned())))]),
            year: 2026,
            checked_through: None,
        }
    }

    #[test]
    fn a_report_counts_what_was_recorded_and_attributes_it_by_token() {
        let (rows, total, suppressed) = aggregate(Breakdown::Placement, &facts(), 0);
        assert_eq!(suppressed, 0);
        assert_eq!((total.impressions, total.reach, total.clicks), (4, 3, 3));
        assert_eq!((total.gross_millis, total.invalid_millis, total.net_millis()), (420_000, 150_000, 270_000));
        assert_eq!((total.conversions, total.revenue_minor, total.engagements), (1, 19_900, 1));
        assert_eq!(total.cpc_minor(), Some(90), "net ¥2.70 over three clicks");
        let feed = rows.iter().find(|r| r.key == "feed").unwrap();
        assert_eq!((feed.impressions, feed.reach, feed.clicks, feed.frequency()), (2, 1, 1, 2.0));
        let search = rows.iter().find(|r| r.key == "search").unwrap();
        assert_eq!((search.clicks, search.conversions, search.engagements), (2, 1, 1), "the order follows its click");
        assert!((search.roas().unwrap() - 19_900.0 / 150.0).abs() < 1e-9, "revenue over net spend");

        let (keywords, _, _) = aggregate(Breakdown::Keyword, &facts(), 0);
        let keys: Vec<&str> = keywords.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, [UNKNOWN, "sunscreen", "防晒"]);
        let (days, total, _) = aggregate(Breakdown::Day, &facts(), 0);
        assert!(days[0].preliminary, "invalid traffic not looked for yet");
        assert_eq!(total.impressions, 4);
    }

    #[test]
    fn rates_are_per_impression_served_whatever_the_page_reported_viewable() {
        // Nine served, one seen long enough to count, one click at ¥0.25.
        let cell = Cell { impressions: 9, viewable: 1, clicks: 1, gross_millis: 25_000, ..Cell::default() };
        assert!((cell.ctr() - 1.0 / 9.0).abs() < 1e-9, "not 100 %: {}", cell.ctr());
        assert_eq!(cell.cpm_minor(), Some(2_777), "¥27.77 per thousand served");
        assert_eq!(cell.cpc_minor(), Some(25));
        assert_eq!((Cell::default().ctr(), Cell::default().cpm_minor()), (0.0, None));
    }

    #[test]
    fn small_groups_of_members_are_left_out_but_counted_in_the_total() {
        let (rows, total, suppressed) = aggregate(Breakdown::Gender, &facts(), 2);
        // Member 2 shared "female"; member 1 and the visitor did not: two cells, each
        // under two members.
        assert_eq!((rows.len(), suppressed), (0, 2));
        assert_eq!(total.impressions, 4, "the total keeps them");
        let (rows, _, suppressed) = aggregate(Breakdown::AgeBand, &facts(), 1);
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!((keys, suppressed), (vec![UNKNOWN, "25-34"], 0));
        let (rows, _, suppressed) = aggregate(Breakdown::Day, &facts(), 1_000);
        assert_eq!(suppressed, 0, "days are the advertiser's own traffic: never suppressed");
        assert_eq!(rows.iter().map(|r| r.impressions).sum::<i64>(), 4);
    }
}

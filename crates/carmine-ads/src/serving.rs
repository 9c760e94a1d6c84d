//! Serving: the sponsored cards a page gets. The feed, search and related-notes pages
//! call [`Ads::fill`] with the organic notes they are about to show; it answers which
//! ads go where, each with its signed token. Nothing here changes organic order.
//!
//! For each page: the placement's ad load gives the positions (the feed's 6th card,
//! then every 10th…); the ads that may serve now (approved, active, running — kept
//! in memory a few seconds, dropped at once by this node's own writes) are narrowed
//! to those whose group targets this placement and this viewer (targeting, lookalike
//! audience), whose note is not on the page, whose campaign this viewer has seen
//! fewer times today than the group's frequency cap, whose spend so far is within
//! pacing's allowance and its budgets, and whose advertiser has money left; the
//! auction (`auction::run`) picks and prices them against the organic notes at those
//! positions; each winner's note is checked again (the database disposes); each
//! impression served counts toward the frequency cap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use carmine_core::{Id, Result, Timestamp};
use carmine_ledger::{AccountKind, Owner};
use carmine_store::ads::{self as rows, ImpressionRecord, ServingRow};
use carmine_store::{actors, ledger};

use crate::Ads;
use crate::auction::{self, Candidate, Slot};
use crate::billing::day_of;
use crate::ctr::{CtrPrior, CtrStats, predicted_ctr};
use crate::review::check_creative;
use crate::structure::{Placement, Pricing, placements_of};
use crate::targeting::{Query, Targeting, Viewer};
use crate::tokens::{self, TOKEN_SECONDS, TokenData};

/// How long a node keeps the ads that may serve before reading them again.
const SERVING_SECONDS: i64 = 5;
/// The viewer's strongest interests targeting looks at.
const VIEWER_INTERESTS: usize = 10;

/// An ad ready to compete, read once per few seconds.
#[derive(Clone, Debug)]
pub struct Servable {
    pub row: ServingRow,
    pub targeting: Targeting,
    pub placements: Vec<Placement>,
    pub pricing: Pricing,
}

/// The ads that may serve, as this node last read them.
#[derive(Default)]
pub struct ServingCache {
    loaded_at: Option<Timestamp>,
    ads: Arc<Vec<Servable>>,
}

pub type SharedServing = Arc<Mutex<ServingCache>>;

/// A page asking for sponsored cards.
#[derive(Clone, Debug)]
pub struct FillRequest<'a> {
    pub placement: Placement,
    pub member: Option<Id>,
    /// `m{member id}` or `v{visitor key}`.
    pub viewer_key: &'a str,
    /// The organic notes of the page, in order.
    pub page_notes: &'a [Id],
    /// Topics of what the page is about (the note related notes are under).
    pub context_topics: Vec<String>,
    /// The search, on the search placement.
    pub query: Option<&'a str>,
}

/// A sponsored card for a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sponsored {
    pub ad_id: Id,
    pub note_id: Id,
    /// Where in the page's list it goes (0-based, counting the sponsored cards before it).
    pub position: usize,
    pub token: String,
    /// `true` for a member's boost ("promoted"), `false` for an advertiser's ad ("sponsored").
    pub boost: bool,
}

impl Ads {
    /// Forgets the ads kept for serving (after a write of this node).
    pub(crate) fn invalidate(&self) {
        if let Ok(mut cache) = self.serving.lock() {
            cache.loaded_at = None;
        }
    }

    /// The ads that may serve now.
    pub(crate) async fn servable(&self) -> Result<Arc<Vec<Servable>>> {
        let now = self.db.now();
        if let Ok(cache) = self.serving.lock()
            && let Some(at) = cache.loaded_at
            && now.micros() - at.micros() < SERVING_SECONDS * 1_000_000
            && at <= now
        {
            return Ok(cache.ads.clone());
        }
        let rows = rows::serving(&mut *self.db.reader().await?, now).await?;
        let ads: Vec<Servable> = rows
            .into_iter()
            .filter_map(|row| {
                let pricing = Pricing::parse("pricing", &row.pricing).ok()?;
                Some(Servable {
                    targeting: Targeting::from_stored(&row.targeting),
                    placements: placements_of(&row.placements),
                    pricing,
                    row,
                })
            })
            .collect();
        let ads = Arc::new(ads);
        if let Ok(mut cache) = self.serving.lock() {
            *cache = ServingCache { loaded_at: Some(now), ads: ads.clone() };
        }
        Ok(ads)
    }

    /// The sponsored cards for a page (none when no ad may serve there).
    pub async fn fill(&self, request: &FillRequest<'_>) -> Result<Vec<Sponsored>> {
        let positions = self.config.load(request.placement).positions(request.page_notes.len());
        if positions.is_empty() {
            return Ok(Vec::new());
        }
        let servable = self.servable().await?;
        if servable.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.db.now();
        let day = day_of(now);
        let mut conn = self.db.reader().await?;
        let viewer = Viewer {
            member: request.member,
            interests: request.member.map(|m| self.feed.top_interests(m, VIEWER_INTERESTS)).unwrap_or_default(),
            context_topics: request.context_topics.clone(),
            demographics: match request.member {
                Some(member) => rows::member_demographics(&mut conn, member).await?,
                None => None,
            },
            query: request.query.map(|q| Query::new(&self.analyzer, q)),
            year: now.local_date().year(),
        };
        let seen: HashMap<Id, i64> = rows::frequency(&mut conn, request.viewer_key, &day).await?.into_iter().collect();
        let mut targeted: Vec<&Servable> = Vec::new();
        for ad in servable.iter() {
            if !ad.placements.contains(&request.placement)
                || request.page_notes.contains(&ad.row.note_id)
                || seen.get(&ad.row.campaign_id).copied().unwrap_or(0) >= ad.row.frequency_cap
            {
                continue;
            }
            let in_audience = match (&ad.targeting.lookalike, request.member) {
                (Some(_), Some(member)) => rows::in_audience(&mut conn, ad.row.group_id, member).await?,
                _ => false,
            };
            if ad.targeting.admits(request.placement, &viewer, in_audience) {
                targeted.push(ad);
            }
        }
        if targeted.is_empty() {
            return Ok(Vec::new());
        }
        // Budgets, pacing and money left.
        let mut campaigns: Vec<Id> = targeted.iter().map(|a| a.row.campaign_id).collect();
        campaigns.sort_unstable();
        campaigns.dedup();
        let spends: HashMap<Id, rows::SpendRecord> =
            rows::spends(&mut conn, &campaigns).await?.into_iter().map(|s| (s.campaign_id, s)).collect();
        let mut funded: HashMap<Id, bool> = HashMap::new();
        let mut candidates = Vec::new();
        let ids: Vec<Id> = targeted.iter().map(|a| a.row.ad_id).collect();
        let stats: HashMap<Id, (i64, i64)> = rows::stats(&mut conn, &ids, request.placement.as_str())
            .await?
            .into_iter()
            .map(|(ad, weighted, clicks)| (ad, (weighted, clicks)))
            .collect();
        for ad in targeted {
            let row = &ad.row;
            let (today, total) = match spends.get(&row.campaign_id) {
                Some(s) => (if s.day == day { s.spent_today_millis } else { 0 }, s.spent_total_millis),
                None => (0, 0),
            };
            let daily = row.daily_budget_minor * 1_000;
            let paced_out = match (row.boost, row.total_budget_minor, row.ends_at) {
                // A boost spreads its money over its own window.
                (true, Some(budget), Some(ends_at)) => {
                    total >= crate::pacing::window_allowance(budget * 1_000, row.starts_at, ends_at, now)
                }
                _ => today >= daily.min(crate::pacing::allowance(daily, now)),
            };
            if paced_out || row.total_budget_minor.is_some_and(|t| total >= t * 1_000) {
                continue;
            }
            // Money left: in the chunk the campaign holds, or on the advertiser's balance.
            let in_chunk = spends
                .get(&row.campaign_id)
                .is_some_and(|s| s.hold_id.is_some() && s.chunk_used_millis < s.chunk_minor * 1_000);
            let has_money = in_chunk
                || match funded.get(&row.advertiser_id) {
                    Some(has) => *has,
                    None => {
                        let has = self.has_money(&mut conn, row.advertiser_id).await?;
                        funded.insert(row.advertiser_id, has);
                        has
                    }
                };
            if !has_money {
                continue;
            }
            let (weighted, clicks) = stats.get(&row.ad_id).copied().unwrap_or((0, 0));
            let ctr_stats = CtrStats { weighted_impressions: weighted as f64 / 1_000.0, clicks };
            candidates.push(Candidate {
                ad_id: row.ad_id,
                group_id: row.group_id,
                note_id: row.note_id,
                pricing: ad.pricing,
                bid_minor: row.bid_minor,
                ctr: predicted_ctr(&ctr_stats, &CtrPrior::of(request.placement)),
                engagement: self.feed.note_quality(row.note_id).unwrap_or(1.0),
                group_created_at: row.group_created_at,
            });
        }
        let slots: Vec<Slot> = positions
            .iter()
            .enumerate()
            .map(|(index, &position)| Slot {
                index,
                organic_engagement: request
                    .page_notes
                    .get(position)
                    .map_or(0.0, |note| self.feed.note_quality(*note).unwrap_or(1.0)),
            })
            .collect();
        let winners = auction::run(candidates, &slots, &self.config.rules(request.placement));
        let mut served = Vec::new();
        for winner in winners {
            let ad = &winner.candidate;
            let Some(campaign) = rows::get_campaign(&mut conn, campaign_of(&servable, ad.ad_id)).await? else {
                continue;
            };
            if check_creative(&mut conn, &campaign, ad.note_id).await.is_err() {
                continue;
            }
            let boost = actors::get(&mut conn, campaign.advertiser_id).await?.is_some_and(|a| a.kind == "member");
            let token = self.sign_token(&TokenData {
                ad_id: ad.ad_id,
                placement: request.placement,
                slot: winner.slot as i64,
                pricing: ad.pricing,
                price_minor: winner.price_minor,
                expires_at: now.plus_seconds(TOKEN_SECONDS),
                viewer: request.viewer_key.to_owned(),
            });
            let keyword = match (&viewer.query, servable.iter().find(|s| s.row.ad_id == ad.ad_id)) {
                (Some(query), Some(s)) => s.targeting.matched_keyword(query).map(str::to_owned),
                _ => None,
            };
            let impression = ImpressionRecord {
                token_hash: tokens::digest(&token),
                ad_id: ad.ad_id,
                campaign_id: campaign.id,
                placement: request.placement.as_str().to_owned(),
                slot: winner.slot as i64,
                viewer: request.viewer_key.to_owned(),
                user_id: request.member,
                keyword,
                search_term: request.query.map(search_term),
                day: day.clone(),
                created_at: now,
            };
            served.push((impression, Sponsored { ad_id: ad.ad_id, note_id: ad.note_id, position: 0, token, boost }));
        }
        drop(conn);
        if served.is_empty() {
            return Ok(Vec::new());
        }
        // What was served: the frequency cap's count and the reports' impression.
        let mut tx = self.db.begin().await?;
        for (impression, _) in &served {
            rows::count_served(&mut tx, impression.campaign_id, request.viewer_key, &day).await?;
            rows::insert_impression(&mut tx, impression).await?;
        }
        tx.commit().await?;
        // Positions in the final list: each ad at its slot's position among the cards.
        Ok(served
            .into_iter()
            .map(|(impression, mut sponsored)| {
                sponsored.position = positions[impression.slot as usize];
                sponsored
            })
            .collect())
    }

    /// Whether an advertiser has money to spend (an available ad or boost balance
    /// above zero; `billing::funding_account`).
    async fn has_money(&self, conn: &mut carmine_store::Conn, advertiser: Id) -> Result<bool> {
        let actor = actors::get(&mut *conn, advertiser).await?;
        let owner = match actor.map(|a| a.kind) {
            Some(kind) if kind == "org" => Owner::Org(advertiser),
            Some(_) => Owner::User(advertiser),
            None => return Ok(false),
        };
        let kind = AccountKind::AdBalance.as_str();
        let account = ledger::find_account(&mut *conn, owner.kind(), owner.id(), kind, self.currency.as_str()).await?;
        Ok(account.is_some_and(|a| a.balance - a.pending_debits > 0))
    }
}

/// A search as reports group it: trimmed, lower case, at most 100 characters.
fn search_term(query: &str) -> String {
    query.trim().to_lowercase().chars().take(100).collect()
}

/// The campaign of a servable ad.
fn campaign_of(servable: &[Servable], ad: Id) -> Id {
    servable.iter().find(|s| s.row.ad_id == ad).map_or(Id::from_i64(0), |s| s.row.campaign_id)
}

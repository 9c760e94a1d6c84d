//! Advertising's rows (carmine-ads owns the rules): campaigns, ad groups, ads with
//! their review, and creators' authorisations for an organization to advertise a note.
//! Statuses move by conditional updates from the status they leave.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignRecord {
    pub id: Id,
    pub advertiser_id: Id,
    pub name: String,
    pub objective: String,
    pub daily_budget_minor: i64,
    pub total_budget_minor: Option<i64>,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub status: String,
    /// A member's boost: how long it runs from its approval.
    pub boost_hours: Option<i64>,
    /// A boost whose unspent money went back to the member's coins.
    pub settled_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The columns `campaign` reads.
macro_rules! campaign_columns {
    () => {
        "id, advertiser_id, name, objective, daily_budget_minor, total_budget_minor, starts_at, ends_at, status,
         boost_hours, settled_at, created_at, updated_at"
    };
}

/// What a campaign's owner writes.
pub struct CampaignRow<'a> {
    pub name: &'a str,
    pub objective: &'a str,
    pub daily_budget_minor: i64,
    pub total_budget_minor: Option<i64>,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecord {
    pub id: Id,
    pub campaign_id: Id,
    pub advertiser_id: Id,
    pub name: String,
    pub pricing: String,
    pub bid_minor: i64,
    pub frequency_cap: i64,
    /// A comma list of placements.
    pub placements: String,
    /// Validated targeting JSON.
    pub targeting: String,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub struct GroupRow<'a> {
    pub name: &'a str,
    pub pricing: &'a str,
    pub bid_minor: i64,
    pub frequency_cap: i64,
    pub placements: &'a str,
    pub targeting: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdRecord {
    pub id: Id,
    pub group_id: Id,
    pub campaign_id: Id,
    pub advertiser_id: Id,
    pub note_id: Id,
    pub review_status: String,
    pub review_reason: Option<String>,
    pub reviewed_at: Option<Timestamp>,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorisationRecord {
    pub note_id: Id,
    pub org_id: Id,
    pub org_handle: String,
    pub org_name: String,
    pub granted_at: Timestamp,
}

fn campaign(r: &AnyRow) -> Result<CampaignRecord, sqlx::Error> {
    Ok(CampaignRecord {
        id: Id::from_i64(r.try_get("id")?),
        advertiser_id: Id::from_i64(r.try_get("advertiser_id")?),
        name: r.try_get("name")?,
        objective: r.try_get("objective")?,
        daily_budget_minor: r.try_get("daily_budget_minor")?,
        total_budget_minor: r.try_get("total_budget_minor")?,
        starts_at: Timestamp(r.try_get("starts_at")?),
        ends_at: r.try_get::<Option<i64>, _>("ends_at")?.map(Timestamp),
        status: r.try_get("status")?,
        boost_hours: r.try_get("boost_hours")?,
        settled_at: r.try_get::<Option<i64>, _>("settled_at")?.map(Timestamp),
        created_at: Timestamp(r.try_get("created_at")?),
        updated_at: Timestamp(r.try_get("updated_at")?),
    })
}

fn group(r: &AnyRow) -> Result<GroupRecord, sqlx::Error> {
    Ok(GroupRecord {
        id: Id::from_i64(r.try_get("id")?),
        campaign_id: Id::from_i64(r.try_get("campaign_id")?),
        advertiser_id: Id::from_i64(r.try_get("advertiser_id")?),
        name: r.try_get("name")?,
        pricing: r.try_get("pricing")?,
        bid_minor: r.try_get("bid_minor")?,
        frequency_cap: r.try_get("frequency_cap")?,
        placements: r.try_get("placements")?,
        targeting: r.try_get("targeting")?,
        status: r.try_get("status")?,
        created_at: Timestamp(r.try_get("created_at")?),
        updated_at: Timestamp(r.try_get("updated_at")?),
    })
}

fn ad(r: &AnyRow) -> Result<AdRecord, sqlx::Error> {
    Ok(AdRecord {
        id: Id::from_i64(r.try_get("id")?),
        group_id: Id::from_i64(r.try_get("group_id")?),
        campaign_id: Id::from_i64(r.try_get("campaign_id")?),
        advertiser_id: Id::from_i64(r.try_get("advertiser_id")?),
        note_id: Id::from_i64(r.try_get("note_id")?),
        review_status: r.try_get("review_status")?,
        review_reason: r.try_get("review_reason")?,
        reviewed_at: r.try_get::<Option<i64>, _>("reviewed_at")?.map(Timestamp),
        status: r.try_get("status")?,
        created_at: Timestamp(r.try_get("created_at")?),
        updated_at: Timestamp(r.try_get("updated_at")?),
    })
}

fn all<T>(rows: &[AnyRow], f: fn(&AnyRow) -> Result<T, sqlx::Error>) -> StoreResult<Vec<T>> {
    rows.iter().map(f).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

// ---- Campaigns ---------------------------------------------------------------------

pub async fn insert_campaign(tx: &mut Tx, advertiser: Id, row: &CampaignRow<'_>, created_by: Id) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO ad_campaigns (id, advertiser_id, name, objective, daily_budget_minor, total_budget_minor,
                                   starts_at, ends_at, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $10)",
    )
    .bind(id.as_i64())
    .bind(advertiser.as_i64())
    .bind(row.name)
    .bind(row.objective)
    .bind(row.daily_budget_minor)
    .bind(row.total_budget_minor)
    .bind(row.starts_at.micros())
    .bind(row.ends_at.map(|t| t.micros()))
    .bind(created_by.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// Rewrites a campaign's settings (its objective stays).
pub async fn update_campaign(tx: &mut Tx, id: Id, row: &CampaignRow<'_>) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE ad_campaigns SET name = $1, daily_budget_minor = $2, total_budget_minor = $3, starts_at = $4,
                                 ends_at = $5, updated_at = $6
         WHERE id = $7 AND status <> 'archived'",
    )
    .bind(row.name)
    .bind(row.daily_budget_minor)
    .bind(row.total_budget_minor)
    .bind(row.starts_at.micros())
    .bind(row.ends_at.map(|t| t.micros()))
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

pub async fn get_campaign(conn: &mut Conn, id: Id) -> StoreResult<Option<CampaignRecord>> {
    let row = sqlx::query(concat!("SELECT ", campaign_columns!(), " FROM ad_campaigns WHERE id = $1"))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(campaign).transpose().map_err(Into::into)
}

/// An advertiser's campaigns, newest first; archived ones only when asked.
pub async fn campaigns_of(
    conn: &mut Conn,
    advertiser: Id,
    archived: bool,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<CampaignRecord>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        campaign_columns!(),
        " FROM ad_campaigns
         WHERE advertiser_id = $1 AND (status <> 'archived' OR $2 = 1) AND id < $3
         ORDER BY id DESC LIMIT $4"
    ))
    .bind(advertiser.as_i64())
    .bind(i64::from(archived))
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, campaign)
}

/// Campaigns not archived.
pub async fn count_campaigns(conn: &mut Conn, advertiser: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM ad_campaigns WHERE advertiser_id = $1 AND status <> 'archived'")
        .bind(advertiser.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Moves a campaign between active and paused, or archives it: false when it was
/// archived already.
pub async fn set_campaign_status(tx: &mut Tx, id: Id, status: &str) -> StoreResult<bool> {
    set_status(
        tx,
        "UPDATE ad_campaigns SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'archived'",
        id,
        status,
    )
    .await
}

/// Takes a campaign's row, so checks over its groups hold on PostgreSQL.
pub async fn lock_campaign(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    Ok(sqlx::query("UPDATE ad_campaigns SET updated_at = updated_at WHERE id = $1")
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// Makes a new campaign a boost of `hours`.
pub async fn mark_boost(tx: &mut Tx, id: Id, hours: i64) -> StoreResult<()> {
    sqlx::query("UPDATE ad_campaigns SET boost_hours = $1 WHERE id = $2")
        .bind(hours)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Runs a boost from `starts_at` to `ends_at` (set when it is approved).
pub async fn reschedule(tx: &mut Tx, id: Id, starts_at: Timestamp, ends_at: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE ad_campaigns SET starts_at = $1, ends_at = $2, updated_at = $3 WHERE id = $4")
        .bind(starts_at.micros())
        .bind(ends_at.micros())
        .bind(tx.now().micros())
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Boosts over (ended, or archived: rejected or stopped) whose money is not settled.
pub async fn boosts_to_settle(conn: &mut Conn, now: Timestamp, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT id FROM ad_campaigns
         WHERE boost_hours IS NOT NULL AND settled_at IS NULL AND (status = 'archived' OR ends_at <= $1)
         ORDER BY id LIMIT $2",
    )
    .bind(now.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(|r| r.try_get::<i64, _>("id").map(Id::from_i64)).collect::<Result<_, _>>()?)
}

/// Marks a boost settled and archived; false when it was settled already.
pub async fn settle_boost(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE ad_campaigns SET settled_at = $1, status = 'archived', updated_at = $1
         WHERE id = $2 AND boost_hours IS NOT NULL AND settled_at IS NULL",
    )
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// (viewable impressions, clicks) accepted for a campaign.
pub async fn served_totals(conn: &mut Conn, campaign_id: Id) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN kind = 'viewable' THEN 1 ELSE 0 END), 0) AS BIGINT) AS viewable,
                CAST(COALESCE(SUM(CASE WHEN kind = 'click' THEN 1 ELSE 0 END), 0) AS BIGINT) AS clicks
         FROM ad_events WHERE campaign_id = $1 AND reason IS NULL AND invalid_at IS NULL",
    )
    .bind(campaign_id.as_i64())
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("viewable")?, row.try_get("clicks")?))
}

async fn set_status(tx: &mut Tx, sql: &'static str, id: Id, status: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(sql).bind(status).bind(now).bind(id.as_i64()).execute(tx.conn()).await?.rows_affected() == 1)
}

// ---- Ad groups ---------------------------------------------------------------------

pub async fn insert_group(tx: &mut Tx, campaign: &CampaignRecord, row: &GroupRow<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO ad_groups (id, campaign_id, advertiser_id, name, pricing, bid_minor, frequency_cap, placements,
                                targeting, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $10)",
    )
    .bind(id.as_i64())
    .bind(campaign.id.as_i64())
    .bind(campaign.advertiser_id.as_i64())
    .bind(row.name)
    .bind(row.pricing)
    .bind(row.bid_minor)
    .bind(row.frequency_cap)
    .bind(row.placements)
    .bind(row.targeting)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub async fn update_group(tx: &mut Tx, id: Id, row: &GroupRow<'_>) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE ad_groups SET name = $1, pricing = $2, bid_minor = $3, frequency_cap = $4, placements = $5,
                              targeting = $6, updated_at = $7
         WHERE id = $8 AND status <> 'archived'",
    )
    .bind(row.name)
    .bind(row.pricing)
    .bind(row.bid_minor)
    .bind(row.frequency_cap)
    .bind(row.placements)
    .bind(row.targeting)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

pub async fn get_group(conn: &mut Conn, id: Id) -> StoreResult<Option<GroupRecord>> {
    let row = sqlx::query(
        "SELECT id, campaign_id, advertiser_id, name, pricing, bid_minor, frequency_cap, placements, targeting, status,
                created_at, updated_at
         FROM ad_groups WHERE id = $1",
    )
    .bind(id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(group).transpose().map_err(Into::into)
}

/// A campaign's groups in creation order; archived ones only when asked.
pub async fn groups_of(conn: &mut Conn, campaign_id: Id, archived: bool, limit: u32) -> StoreResult<Vec<GroupRecord>> {
    let rows = sqlx::query(
        "SELECT id, campaign_id, advertiser_id, name, pricing, bid_minor, frequency_cap, placements, targeting, status,
                created_at, updated_at
         FROM ad_groups WHERE campaign_id = $1 AND (status <> 'archived' OR $2 = 1) ORDER BY id LIMIT $3",
    )
    .bind(campaign_id.as_i64())
    .bind(i64::from(archived))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, group)
}

pub async fn set_group_status(tx: &mut Tx, id: Id, status: &str) -> StoreResult<bool> {
    set_status(
        tx,
        "UPDATE ad_groups SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'archived'",
        id,
        status,
    )
    .await
}

/// Takes a group's row, so checks over its ads hold on PostgreSQL.
pub async fn lock_group(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    Ok(sqlx::query("UPDATE ad_groups SET updated_at = updated_at WHERE id = $1")
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

// ---- Ads ---------------------------------------------------------------------------

pub async fn insert_ad(tx: &mut Tx, group: &GroupRecord, note_id: Id, created_by: Id) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO ads (id, group_id, campaign_id, advertiser_id, note_id, review_status, status, created_by,
                          created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', 'active', $6, $7, $7)",
    )
    .bind(id.as_i64())
    .bind(group.id.as_i64())
    .bind(group.campaign_id.as_i64())
    .bind(group.advertiser_id.as_i64())
    .bind(note_id.as_i64())
    .bind(created_by.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub async fn get_ad(conn: &mut Conn, id: Id) -> StoreResult<Option<AdRecord>> {
    let row = sqlx::query(
        "SELECT id, group_id, campaign_id, advertiser_id, note_id, review_status, review_reason, reviewed_at, status,
                created_at, updated_at
         FROM ads WHERE id = $1",
    )
    .bind(id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(ad).transpose().map_err(Into::into)
}

/// A group's ads in creation order; archived ones only when asked.
pub async fn ads_of(conn: &mut Conn, group_id: Id, archived: bool, limit: u32) -> StoreResult<Vec<AdRecord>> {
    let rows = sqlx::query(
        "SELECT id, group_id, campaign_id, advertiser_id, note_id, review_status, review_reason, reviewed_at, status,
                created_at, updated_at
         FROM ads WHERE group_id = $1 AND (status <> 'archived' OR $2 = 1) ORDER BY id LIMIT $3",
    )
    .bind(group_id.as_i64())
    .bind(i64::from(archived))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, ad)
}

pub async fn set_ad_status(tx: &mut Tx, id: Id, status: &str) -> StoreResult<bool> {
    set_status(tx, "UPDATE ads SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'archived'", id, status)
        .await
}

/// Ads waiting for an operator, oldest first (archived ones are not reviewed).
pub async fn pending_review(conn: &mut Conn, limit: u32) -> StoreResult<Vec<AdRecord>> {
    let rows = sqlx::query(
        "SELECT id, group_id, campaign_id, advertiser_id, note_id, review_status, review_reason, reviewed_at, status,
                created_at, updated_at
         FROM ads WHERE review_status = 'pending' AND status <> 'archived' ORDER BY id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, ad)
}

/// Records a review decision on a pending ad; false if it was decided already.
pub async fn decide(tx: &mut Tx, id: Id, status: &str, reason: Option<&str>, by: Option<Id>) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE ads SET review_status = $1, review_reason = $2, reviewed_by = $3, reviewed_at = $4, updated_at = $4
         WHERE id = $5 AND review_status = 'pending' AND status <> 'archived'",
    )
    .bind(status)
    .bind(reason)
    .bind(by.map(Id::as_i64))
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Puts a rejected ad back in the review queue (the rejection's reason stays); false
/// unless it was rejected and not archived.
pub async fn resubmit(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE ads SET review_status = 'pending', reviewed_by = NULL, reviewed_at = NULL, updated_at = $1
         WHERE id = $2 AND review_status = 'rejected' AND status <> 'archived'",
    )
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

// ---- Authorisations ----------------------------------------------------------------

/// Grants (or grants again) an organization the right to advertise a note.
pub async fn grant(tx: &mut Tx, note_id: Id, org_id: Id, by: Id) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO ad_authorisations (note_id, org_id, granted_by, granted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (note_id, org_id) DO UPDATE
           SET granted_by = excluded.granted_by, granted_at = excluded.granted_at, revoked_at = NULL",
    )
    .bind(note_id.as_i64())
    .bind(org_id.as_i64())
    .bind(by.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Revokes a grant; false if none was in force.
pub async fn revoke(tx: &mut Tx, note_id: Id, org_id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE ad_authorisations SET revoked_at = $1 WHERE note_id = $2 AND org_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(note_id.as_i64())
    .bind(org_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// The organizations a note's creator has authorised, in the order granted.
pub async fn authorisations_of_note(conn: &mut Conn, note_id: Id, limit: u32) -> StoreResult<Vec<AuthorisationRecord>> {
    let rows = sqlx::query(
        "SELECT g.note_id, g.org_id, a.handle, o.name, g.granted_at
         FROM ad_authorisations g JOIN orgs o ON o.id = g.org_id JOIN actors a ON a.id = g.org_id
         WHERE g.note_id = $1 AND g.revoked_at IS NULL ORDER BY g.granted_at, g.org_id LIMIT $2",
    )
    .bind(note_id.as_i64())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, |r| {
        Ok(AuthorisationRecord {
            note_id: Id::from_i64(r.try_get("note_id")?),
            org_id: Id::from_i64(r.try_get("org_id")?),
            org_handle: r.try_get("handle")?,
            org_name: r.try_get("name")?,
            granted_at: Timestamp(r.try_get("granted_at")?),
        })
    })
}

/// Whether a grant for (note, organization) is in force.
pub async fn is_authorised(conn: &mut Conn, note_id: Id, org_id: Id) -> StoreResult<bool> {
    let row =
        sqlx::query("SELECT 1 AS one FROM ad_authorisations WHERE note_id = $1 AND org_id = $2 AND revoked_at IS NULL")
            .bind(note_id.as_i64())
            .bind(org_id.as_i64())
            .fetch_optional(conn)
            .await?;
    Ok(row.is_some())
}

/// Notes authorised for an organization, the latest grants first.
pub async fn notes_authorised_for(conn: &mut Conn, org_id: Id, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT note_id FROM ad_authorisations WHERE org_id = $1 AND revoked_at IS NULL
         ORDER BY granted_at DESC, note_id DESC LIMIT $2",
    )
    .bind(org_id.as_i64())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("note_id")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

// ---- Audiences ---------------------------------------------------------------------

/// Replaces a group's lookalike audience with `members`.
pub async fn replace_audience(tx: &mut Tx, group_id: Id, members: &[Id]) -> StoreResult<()> {
    sqlx::query("DELETE FROM ad_audiences WHERE group_id = $1").bind(group_id.as_i64()).execute(tx.conn()).await?;
    for chunk in members.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql =
            format!("INSERT INTO ad_audiences (group_id, user_id) VALUES {}", crate::bulk::tuples(chunk.len(), 2, 1));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for member in chunk {
            query = query.bind(group_id.as_i64()).bind(member.as_i64());
        }
        query.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Whether a member is in a group's lookalike audience.
pub async fn in_audience(conn: &mut Conn, group_id: Id, user_id: Id) -> StoreResult<bool> {
    let row = sqlx::query("SELECT 1 AS one FROM ad_audiences WHERE group_id = $1 AND user_id = $2")
        .bind(group_id.as_i64())
        .bind(user_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// Consenting members counted by (birth year, gender, city): what a demographic
/// audience is estimated from (no member is ever listed).
pub async fn demographic_cells(
    conn: &mut Conn,
) -> StoreResult<Vec<(Option<i64>, Option<String>, Option<String>, i64)>> {
    let rows = sqlx::query(
        "SELECT birth_year, gender, city, COUNT(*) AS n FROM users
         WHERE demographics_consent_at IS NOT NULL AND deleted_at IS NULL AND suspended_at IS NULL
         GROUP BY birth_year, gender, city",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("birth_year")?, r.try_get("gender")?, r.try_get("city")?, r.try_get("n")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A member's consented demographics: (birth year, gender, city), `None` without consent.
pub async fn member_demographics(
    conn: &mut Conn,
    user_id: Id,
) -> StoreResult<Option<(Option<i64>, Option<String>, Option<String>)>> {
    let row =
        sqlx::query("SELECT birth_year, gender, city FROM users WHERE id = $1 AND demographics_consent_at IS NOT NULL")
            .bind(user_id.as_i64())
            .fetch_optional(conn)
            .await?;
    row.map(|r| Ok((r.try_get("birth_year")?, r.try_get("gender")?, r.try_get("city")?)))
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
}

/// A lookalike seed: the actor's followers (`followers`), the members who liked or
/// saved its published notes (`engagers`), or who bought from its store
/// (`customers`), at most `limit`, live members only.
pub async fn seed_members(conn: &mut Conn, actor: Id, seed: &str, limit: u32) -> StoreResult<Vec<Id>> {
    let sql = match seed {
        "followers" => {
            "SELECT f.follower_id AS id FROM follows f JOIN users u ON u.id = f.follower_id
             WHERE f.followee_id = $1 AND u.deleted_at IS NULL ORDER BY f.follower_id LIMIT $2"
        }
        "engagers" => {
            "SELECT DISTINCT e.user_id AS id FROM (
                 SELECT l.user_id, l.note_id FROM likes l UNION SELECT s.user_id, s.note_id FROM saves s
             ) e JOIN notes n ON n.id = e.note_id JOIN users u ON u.id = e.user_id
             WHERE n.author_id = $1 AND n.deleted_at IS NULL AND u.deleted_at IS NULL ORDER BY e.user_id LIMIT $2"
        }
        "customers" => {
            "SELECT DISTINCT o.buyer_id AS id FROM orders o JOIN stores s ON s.id = o.store_id
             JOIN users u ON u.id = o.buyer_id
             WHERE s.org_id = $1 AND o.status <> 'cancelled' AND u.deleted_at IS NULL ORDER BY o.buyer_id LIMIT $2"
        }
        _ => return Ok(Vec::new()),
    };
    let rows = sqlx::query(sql).bind(actor.as_i64()).bind(i64::from(limit)).fetch_all(conn).await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("id")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

// ---- Spend and events --------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpendRecord {
    pub campaign_id: Id,
    pub day: String,
    pub spent_today_millis: i64,
    pub spent_total_millis: i64,
    pub posted_minor: i64,
    pub hold_id: Option<Id>,
    pub chunk_minor: i64,
    pub chunk_used_millis: i64,
}

/// A campaign's spend row, created on first use (and moved to `day`, its spend of
/// the day before forgotten) — taken for update: the row every billing of the
/// campaign serialises on.
pub async fn lock_spend(tx: &mut Tx, campaign_id: Id, day: &str) -> StoreResult<SpendRecord> {
    sqlx::query("INSERT INTO ad_spend (campaign_id, day) VALUES ($1, $2) ON CONFLICT (campaign_id) DO NOTHING")
        .bind(campaign_id.as_i64())
        .bind(day)
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE ad_spend SET day = $2, spent_today_millis = 0 WHERE campaign_id = $1 AND day <> $2")
        .bind(campaign_id.as_i64())
        .bind(day)
        .execute(tx.conn())
        .await?;
    Ok(spend(tx.conn(), campaign_id).await?.expect("the row was just written"))
}

fn spend_of(r: &AnyRow) -> Result<SpendRecord, sqlx::Error> {
    Ok(SpendRecord {
        campaign_id: Id::from_i64(r.try_get("campaign_id")?),
        day: r.try_get("day")?,
        spent_today_millis: r.try_get("spent_today_millis")?,
        spent_total_millis: r.try_get("spent_total_millis")?,
        posted_minor: r.try_get("posted_minor")?,
        hold_id: r.try_get::<Option<i64>, _>("hold_id")?.map(Id::from_i64),
        chunk_minor: r.try_get("chunk_minor")?,
        chunk_used_millis: r.try_get("chunk_used_millis")?,
    })
}

pub async fn spend(conn: &mut Conn, campaign_id: Id) -> StoreResult<Option<SpendRecord>> {
    let row = sqlx::query(
        "SELECT campaign_id, day, spent_today_millis, spent_total_millis, posted_minor, hold_id, chunk_minor,
                chunk_used_millis
         FROM ad_spend WHERE campaign_id = $1",
    )
    .bind(campaign_id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(spend_of).transpose().map_err(Into::into)
}

/// Spends `cost` of the campaign's chunk if it fits in the chunk, today's budget and
/// the total budget (`None`: no total), all in one conditional update.
pub async fn spend_from_chunk(
    tx: &mut Tx,
    campaign_id: Id,
    day: &str,
    cost_millis: i64,
    daily_millis: i64,
    total_millis: Option<i64>,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE ad_spend SET chunk_used_millis = chunk_used_millis + $3, spent_today_millis = spent_today_millis + $3,
                             spent_total_millis = spent_total_millis + $3
         WHERE campaign_id = $1 AND day = $2 AND hold_id IS NOT NULL
           AND chunk_used_millis + $3 <= chunk_minor * 1000
           AND spent_today_millis + $3 <= $4
           AND ($5 < 0 OR spent_total_millis + $3 <= $5)",
    )
    .bind(campaign_id.as_i64())
    .bind(day)
    .bind(cost_millis)
    .bind(daily_millis)
    .bind(total_millis.unwrap_or(-1))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Records that the current chunk was closed (what was spent of it posted) and
/// `hold` of `chunk_minor` is the new one (`None`: no chunk held).
pub async fn set_chunk(
    tx: &mut Tx,
    campaign_id: Id,
    posted_minor: i64,
    hold: Option<Id>,
    chunk_minor: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE ad_spend SET posted_minor = $2, hold_id = $3, chunk_minor = $4, chunk_used_millis = 0
         WHERE campaign_id = $1",
    )
    .bind(campaign_id.as_i64())
    .bind(posted_minor)
    .bind(hold.map(Id::as_i64))
    .bind(chunk_minor)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Campaigns holding a chunk, after `after` in id order (the closing job).
pub async fn campaigns_holding(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT campaign_id FROM ad_spend WHERE hold_id IS NOT NULL AND campaign_id > $1 ORDER BY campaign_id LIMIT $2",
    )
    .bind(after.as_i64())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(Id::from_i64(r.try_get("campaign_id")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// An event to record.
pub struct EventRow<'a> {
    pub token_hash: &'a str,
    pub kind: &'a str,
    pub ad_id: Option<Id>,
    pub campaign_id: Option<Id>,
    pub placement: Option<&'a str>,
    pub slot: Option<i64>,
    pub viewer: &'a str,
    pub user_id: Option<Id>,
    pub cost_millis: i64,
    /// Why it was refused (`None`: accepted).
    pub reason: Option<&'a str>,
}

/// Records an event; an accepted event whose (token, kind) was accepted before is
/// refused by the database (`UniqueViolation`), inside a savepoint so the caller's
/// transaction goes on.
pub async fn insert_event(tx: &mut Tx, row: &EventRow<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    tx.savepoint().await?;
    let inserted = sqlx::query(
        "INSERT INTO ad_events (id, token_hash, kind, ad_id, campaign_id, placement, slot, viewer, user_id, cost_millis,
                                reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.as_i64())
    .bind(row.token_hash)
    .bind(row.kind)
    .bind(row.ad_id.map(Id::as_i64))
    .bind(row.campaign_id.map(Id::as_i64))
    .bind(row.placement)
    .bind(row.slot)
    .bind(row.viewer)
    .bind(row.user_id.map(Id::as_i64))
    .bind(row.cost_millis)
    .bind(row.reason)
    .bind(now)
    .execute(tx.conn())
    .await;
    match inserted {
        Ok(_) => {
            tx.release_savepoint().await?;
            Ok(id)
        }
        Err(e) => {
            tx.rollback_to_savepoint().await?;
            Err(e.into())
        }
    }
}

/// Events of `viewer` since `since`: (clicks on `ad_id`, clicks on any ad).
pub async fn recent_clicks(conn: &mut Conn, viewer: &str, ad_id: Id, since: i64) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN ad_id = $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS on_ad, COUNT(*) AS n
         FROM ad_events WHERE viewer = $1 AND kind = 'click' AND created_at >= $3",
    )
    .bind(viewer)
    .bind(ad_id.as_i64())
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("on_ad")?, row.try_get("n")?))
}

/// (billed events, their cost in millis, refused events) of a campaign.
pub async fn event_totals(conn: &mut Conn, campaign_id: Id) -> StoreResult<(i64, i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN reason IS NULL AND cost_millis > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS billed,
                CAST(COALESCE(SUM(CASE WHEN reason IS NULL THEN cost_millis ELSE 0 END), 0) AS BIGINT) AS cost,
                CAST(COALESCE(SUM(CASE WHEN reason IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) AS refused
         FROM ad_events WHERE campaign_id = $1",
    )
    .bind(campaign_id.as_i64())
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("billed")?, row.try_get("cost")?, row.try_get("refused")?))
}

/// Marks an accepted event as not billed (budgets or balance spent).
pub async fn unbill_event(tx: &mut Tx, id: Id) -> StoreResult<()> {
    sqlx::query("UPDATE ad_events SET cost_millis = 0 WHERE id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    Ok(())
}

/// Whether an accepted event of `kind` was recorded for the token already.
pub async fn accepted(conn: &mut Conn, token_hash: &str, kind: &str) -> StoreResult<bool> {
    let row = sqlx::query("SELECT 1 AS one FROM ad_events WHERE token_hash = $1 AND kind = $2 AND reason IS NULL")
        .bind(token_hash)
        .bind(kind)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

// ---- Serving -----------------------------------------------------------------------

/// An ad that may serve now, with its group's and campaign's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ServingRow {
    pub ad_id: Id,
    pub note_id: Id,
    pub group_id: Id,
    pub pricing: String,
    pub bid_minor: i64,
    pub frequency_cap: i64,
    pub placements: String,
    pub targeting: String,
    pub group_created_at: Timestamp,
    pub campaign_id: Id,
    pub advertiser_id: Id,
    pub daily_budget_minor: i64,
    pub total_budget_minor: Option<i64>,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    /// A member's boost (paced over its window, not over the day).
    pub boost: bool,
}

/// Approved, active ads of active groups of campaigns running at `now`.
pub async fn serving(conn: &mut Conn, now: Timestamp) -> StoreResult<Vec<ServingRow>> {
    let rows = sqlx::query(
        "SELECT a.id AS ad_id, a.note_id, g.id AS group_id, g.pricing, g.bid_minor, g.frequency_cap, g.placements,
                g.targeting, g.created_at AS group_created_at, c.id AS campaign_id, c.advertiser_id,
                c.daily_budget_minor, c.total_budget_minor, c.starts_at, c.ends_at, c.boost_hours
         FROM ads a JOIN ad_groups g ON g.id = a.group_id JOIN ad_campaigns c ON c.id = a.campaign_id
         WHERE a.status = 'active' AND a.review_status = 'approved' AND g.status = 'active' AND c.status = 'active'
           AND c.starts_at <= $1 AND (c.ends_at IS NULL OR c.ends_at > $1)
         ORDER BY a.id LIMIT 200000",
    )
    .bind(now.micros())
    .fetch_all(conn)
    .await?;
    all(&rows, |r| {
        Ok(ServingRow {
            ad_id: Id::from_i64(r.try_get("ad_id")?),
            note_id: Id::from_i64(r.try_get("note_id")?),
            group_id: Id::from_i64(r.try_get("group_id")?),
            pricing: r.try_get("pricing")?,
            bid_minor: r.try_get("bid_minor")?,
            frequency_cap: r.try_get("frequency_cap")?,
            placements: r.try_get("placements")?,
            targeting: r.try_get("targeting")?,
            group_created_at: Timestamp(r.try_get("group_created_at")?),
            campaign_id: Id::from_i64(r.try_get("campaign_id")?),
            advertiser_id: Id::from_i64(r.try_get("advertiser_id")?),
            daily_budget_minor: r.try_get("daily_budget_minor")?,
            total_budget_minor: r.try_get("total_budget_minor")?,
            starts_at: Timestamp(r.try_get("starts_at")?),
            ends_at: r.try_get::<Option<i64>, _>("ends_at")?.map(Timestamp),
            boost: r.try_get::<Option<i64>, _>("boost_hours")?.is_some(),
        })
    })
}

/// Spend rows of these campaigns (those that have one).
pub async fn spends(conn: &mut Conn, campaigns: &[Id]) -> StoreResult<Vec<SpendRecord>> {
    let mut out = Vec::new();
    for chunk in campaigns.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT campaign_id, day, spent_today_millis, spent_total_millis, posted_minor, hold_id, chunk_minor,
                    chunk_used_millis
             FROM ad_spend WHERE campaign_id IN ({})",
            crate::bulk::list(chunk.len(), 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id.as_i64());
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.push(spend_of(&r)?);
        }
    }
    Ok(out)
}

/// Impressions served to a viewer today, per campaign.
pub async fn frequency(conn: &mut Conn, viewer: &str, day: &str) -> StoreResult<Vec<(Id, i64)>> {
    let rows = sqlx::query("SELECT campaign_id, served FROM ad_frequency WHERE viewer = $1 AND day = $2 LIMIT 10000")
        .bind(viewer)
        .bind(day)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((Id::from_i64(r.try_get("campaign_id")?), r.try_get("served")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Counts one more impression of a campaign served to a viewer today.
pub async fn count_served(tx: &mut Tx, campaign_id: Id, viewer: &str, day: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ad_frequency (campaign_id, viewer, day, served) VALUES ($1, $2, $3, 1)
         ON CONFLICT (viewer, day, campaign_id) DO UPDATE SET served = ad_frequency.served + 1",
    )
    .bind(campaign_id.as_i64())
    .bind(viewer)
    .bind(day)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Adds a viewable impression (weighted, thousandths) or a click to an ad's stats.
pub async fn add_stats(tx: &mut Tx, ad_id: Id, placement: &str, weighted_millis: i64, clicks: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ad_stats (ad_id, placement, weighted_impressions_millis, clicks) VALUES ($1, $2, $3, $4)
         ON CONFLICT (ad_id, placement) DO UPDATE
           SET weighted_impressions_millis = ad_stats.weighted_impressions_millis + $3, clicks = ad_stats.clicks + $4",
    )
    .bind(ad_id.as_i64())
    .bind(placement)
    .bind(weighted_millis)
    .bind(clicks)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Stats of these ads on a placement: (ad, weighted impressions in thousandths, clicks).
pub async fn stats(conn: &mut Conn, ads: &[Id], placement: &str) -> StoreResult<Vec<(Id, i64, i64)>> {
    let mut out = Vec::new();
    for chunk in ads.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT ad_id, weighted_impressions_millis, clicks FROM ad_stats WHERE placement = $1 AND ad_id IN ({})",
            crate::bulk::list(chunk.len(), 2)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(placement);
        for id in chunk {
            query = query.bind(id.as_i64());
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.push((
                Id::from_i64(r.try_get("ad_id")?),
                r.try_get("weighted_impressions_millis")?,
                r.try_get("clicks")?,
            ));
        }
    }
    Ok(out)
}

// ---- Invalid traffic ---------------------------------------------------------------

/// A billed event, as the invalid-traffic job examines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BilledEvent {
    pub id: Id,
    pub kind: String,
    pub ad_id: Id,
    pub campaign_id: Id,
    pub viewer: String,
    pub user_id: Option<Id>,
    /// When the member's account was made (members only).
    pub account_created_at: Option<Timestamp>,
    pub cost_millis: i64,
    pub created_at: Timestamp,
}

/// Billed events since `since` not yet found invalid, oldest first.
pub async fn billed_since(conn: &mut Conn, since: Timestamp, limit: u32) -> StoreResult<Vec<BilledEvent>> {
    let rows = sqlx::query(
        "SELECT e.id, e.kind, e.ad_id, e.campaign_id, e.viewer, e.user_id, u.created_at AS account_created_at,
                e.cost_millis, e.created_at
         FROM ad_events e LEFT JOIN users u ON u.id = e.user_id
         WHERE e.created_at >= $1 AND e.reason IS NULL AND e.cost_millis > 0 AND e.invalid_at IS NULL
         ORDER BY e.created_at, e.id LIMIT $2",
    )
    .bind(since.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, |r| {
        Ok(BilledEvent {
            id: Id::from_i64(r.try_get("id")?),
            kind: r.try_get("kind")?,
            ad_id: Id::from_i64(r.try_get("ad_id")?),
            campaign_id: Id::from_i64(r.try_get("campaign_id")?),
            viewer: r.try_get("viewer")?,
            user_id: r.try_get::<Option<i64>, _>("user_id")?.map(Id::from_i64),
            account_created_at: r.try_get::<Option<i64>, _>("account_created_at")?.map(Timestamp),
            cost_millis: r.try_get("cost_millis")?,
            created_at: Timestamp(r.try_get("created_at")?),
        })
    })
}

/// Marks a billed event invalid; false if it was already.
pub async fn mark_invalid(tx: &mut Tx, id: Id, reason: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query("UPDATE ad_events SET invalid_at = $1, invalid_reason = $2 WHERE id = $3 AND invalid_at IS NULL")
        .bind(now)
        .bind(reason)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// Takes credited spend off a campaign's totals (and today's, when it is the day):
/// `fen` whole minor units already posted and now credited back.
pub async fn credit_spend(tx: &mut Tx, campaign_id: Id, fen: i64, today: &str, same_day: bool) -> StoreResult<()> {
    sqlx::query(
        "UPDATE ad_spend SET spent_total_millis = spent_total_millis - $2 * 1000, posted_minor = posted_minor - $2,
                             spent_today_millis = CASE
                                 WHEN $4 = 1 AND day = $3 AND spent_today_millis > $2 * 1000
                                     THEN spent_today_millis - $2 * 1000
                                 WHEN $4 = 1 AND day = $3 THEN 0
                                 ELSE spent_today_millis END
         WHERE campaign_id = $1",
    )
    .bind(campaign_id.as_i64())
    .bind(fen)
    .bind(today)
    .bind(i64::from(same_day))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Impressions of a campaign served to a viewer on a day.
pub async fn served_to(conn: &mut Conn, campaign_id: Id, viewer: &str, day: &str) -> StoreResult<i64> {
    let row = sqlx::query("SELECT served FROM ad_frequency WHERE viewer = $1 AND day = $2 AND campaign_id = $3")
        .bind(viewer)
        .bind(day)
        .bind(campaign_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("served")).transpose()?.unwrap_or(0))
}

/// Keeps one engagement an ad brought (once per ad, kind and member; every signed-out
/// read).
pub async fn insert_engagement(
    tx: &mut Tx,
    ad: &AdRecord,
    note_id: Id,
    member: Option<Id>,
    kind: &str,
    at: Timestamp,
) -> StoreResult<()> {
    let id = tx.new_id();
    sqlx::query(
        "INSERT INTO ad_engagements (id, ad_id, campaign_id, note_id, user_id, kind, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (ad_id, kind, user_id) DO NOTHING",
    )
    .bind(id.as_i64())
    .bind(ad.id.as_i64())
    .bind(ad.campaign_id.as_i64())
    .bind(note_id.as_i64())
    .bind(member.map(Id::as_i64))
    .bind(kind)
    .bind(at.micros())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The engagements a campaign's ads brought, per kind.
pub async fn engagements_of(conn: &mut Conn, campaign_id: Id) -> StoreResult<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT kind, CAST(COUNT(*) AS BIGINT) AS n FROM ad_engagements WHERE campaign_id = $1 GROUP BY kind ORDER BY kind",
    )
    .bind(campaign_id.as_i64())
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("n")?))).collect::<Result<_, sqlx::Error>>()?)
}

// ---- Reports -----------------------------------------------------------------------

/// One served ad as reports read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImpressionRecord {
    pub token_hash: String,
    pub ad_id: Id,
    pub campaign_id: Id,
    pub placement: String,
    pub slot: i64,
    pub viewer: String,
    pub user_id: Option<Id>,
    pub keyword: Option<String>,
    pub search_term: Option<String>,
    pub day: String,
    pub created_at: Timestamp,
}

/// Keeps what was served under a token (once).
pub async fn insert_impression(tx: &mut Tx, row: &ImpressionRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ad_impressions (token_hash, ad_id, campaign_id, placement, slot, viewer, user_id, keyword,
                                     search_term, day, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (token_hash) DO NOTHING",
    )
    .bind(&row.token_hash)
    .bind(row.ad_id.as_i64())
    .bind(row.campaign_id.as_i64())
    .bind(&row.placement)
    .bind(row.slot)
    .bind(&row.viewer)
    .bind(row.user_id.map(Id::as_i64))
    .bind(row.keyword.as_deref())
    .bind(row.search_term.as_deref())
    .bind(&row.day)
    .bind(row.created_at.micros())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A campaign's impressions on the local days `from..=to`, at most `limit`.
pub async fn impressions_of(
    conn: &mut Conn,
    campaign_id: Id,
    from: &str,
    to: &str,
    limit: u32,
) -> StoreResult<Vec<ImpressionRecord>> {
    let rows = sqlx::query(
        "SELECT token_hash, ad_id, campaign_id, placement, slot, viewer, user_id, keyword, search_term, day, created_at
         FROM ad_impressions WHERE campaign_id = $1 AND day >= $2 AND day <= $3 ORDER BY created_at LIMIT $4",
    )
    .bind(campaign_id.as_i64())
    .bind(from)
    .bind(to)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, |r| {
        Ok(ImpressionRecord {
            token_hash: r.try_get("token_hash")?,
            ad_id: Id::from_i64(r.try_get("ad_id")?),
            campaign_id: Id::from_i64(r.try_get("campaign_id")?),
            placement: r.try_get("placement")?,
            slot: r.try_get("slot")?,
            viewer: r.try_get("viewer")?,
            user_id: r.try_get::<Option<i64>, _>("user_id")?.map(Id::from_i64),
            keyword: r.try_get("keyword")?,
            search_term: r.try_get("search_term")?,
            day: r.try_get("day")?,
            created_at: Timestamp(r.try_get("created_at")?),
        })
    })
}

/// An accepted event as reports read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportEvent {
    pub token_hash: String,
    pub ad_id: Id,
    /// `viewable` or `click`.
    pub kind: String,
    pub placement: String,
    pub user_id: Option<Id>,
    pub cost_millis: i64,
    /// Found invalid later (its cost credited back).
    pub invalid: bool,
    pub created_at: Timestamp,
}

/// A campaign's accepted events between `from` and `until`, at most `limit`.
pub async fn report_events(
    conn: &mut Conn,
    campaign_id: Id,
    from: Timestamp,
    until: Timestamp,
    limit: u32,
) -> StoreResult<Vec<ReportEvent>> {
    let rows = sqlx::query(
        "SELECT token_hash, ad_id, kind, placement, user_id, cost_millis, invalid_at, created_at FROM ad_events
         WHERE campaign_id = $1 AND reason IS NULL AND created_at >= $2 AND created_at < $3
         ORDER BY created_at LIMIT $4",
    )
    .bind(campaign_id.as_i64())
    .bind(from.micros())
    .bind(until.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, |r| {
        Ok(ReportEvent {
            token_hash: r.try_get("token_hash")?,
            ad_id: Id::from_i64(r.try_get::<Option<i64>, _>("ad_id")?.unwrap_or(0)),
            kind: r.try_get("kind")?,
            placement: r.try_get::<Option<String>, _>("placement")?.unwrap_or_default(),
            user_id: r.try_get::<Option<i64>, _>("user_id")?.map(Id::from_i64),
            cost_millis: r.try_get("cost_millis")?,
            invalid: r.try_get::<Option<i64>, _>("invalid_at")?.is_some(),
            created_at: Timestamp(r.try_get("created_at")?),
        })
    })
}

/// What a campaign's ads brought between `from` and `until`: (ad, member, kind, when).
pub async fn engagements_between(
    conn: &mut Conn,
    campaign_id: Id,
    from: Timestamp,
    until: Timestamp,
    limit: u32,
) -> StoreResult<Vec<(Id, Option<Id>, String, Timestamp)>> {
    let rows = sqlx::query(
        "SELECT ad_id, user_id, kind, created_at FROM ad_engagements
         WHERE campaign_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at LIMIT $4",
    )
    .bind(campaign_id.as_i64())
    .bind(from.micros())
    .bind(until.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, |r| {
        Ok((
            Id::from_i64(r.try_get("ad_id")?),
            r.try_get::<Option<i64>, _>("user_id")?.map(Id::from_i64),
            r.try_get("kind")?,
            Timestamp(r.try_get("created_at")?),
        ))
    })
}

/// Paid orders of a store placed between `from` and `until`: (order, buyer, total,
/// when), at most `limit`.
pub async fn paid_orders_between(
    conn: &mut Conn,
    store_id: Id,
    from: Timestamp,
    until: Timestamp,
    limit: u32,
) -> StoreResult<Vec<(Id, Id, i64, Timestamp)>> {
    let rows = sqlx::query(
        "SELECT id, buyer_id, total_minor, refunded_minor, created_at FROM orders
         WHERE store_id = $1 AND paid_at IS NOT NULL AND created_at >= $2 AND created_at < $3
         ORDER BY created_at LIMIT $4",
    )
    .bind(store_id.as_i64())
    .bind(from.micros())
    .bind(until.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    all(&rows, |r| {
        let total: i64 = r.try_get("total_minor")?;
        let refunded: i64 = r.try_get("refunded_minor")?;
        Ok((
            Id::from_i64(r.try_get("id")?),
            Id::from_i64(r.try_get("buyer_id")?),
            total - refunded,
            Timestamp(r.try_get("created_at")?),
        ))
    })
}

/// Consenting members' (birth year, gender), for reports by age band and gender.
pub async fn consented_demographics(
    conn: &mut Conn,
    members: &[Id],
) -> StoreResult<Vec<(Id, Option<i64>, Option<String>)>> {
    let mut out = Vec::new();
    for chunk in members.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id, birth_year, gender FROM users WHERE demographics_consent_at IS NOT NULL AND id IN ({})",
            crate::bulk::list(chunk.len(), 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id.as_i64());
        }
        for r in &query.fetch_all(&mut *conn).await? {
            out.push((Id::from_i64(r.try_get("id")?), r.try_get("birth_year")?, r.try_get("gender")?));
        }
    }
    Ok(out)
}

/// Records that `ads.invalid_traffic` has looked at everything up to `at`.
pub async fn set_checked_through(tx: &mut Tx, at: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ad_traffic_checks (id, checked_through) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET checked_through = CASE
             WHEN ad_traffic_checks.checked_through > excluded.checked_through THEN ad_traffic_checks.checked_through
             ELSE excluded.checked_through END",
    )
    .bind(at.micros())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// How far `ads.invalid_traffic` has looked (`None`: never ran).
pub async fn checked_through(conn: &mut Conn) -> StoreResult<Option<Timestamp>> {
    let row = sqlx::query("SELECT checked_through FROM ad_traffic_checks WHERE id = 1").fetch_optional(conn).await?;
    Ok(row.map(|r| r.try_get("checked_through").map(Timestamp)).transpose()?)
}

//! Organizations (brand / merchant / agency), their members and roles, invitations
//! and verification requests. Roles and statuses are stored as text; the accounts
//! context owns their meaning and the role matrix.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgRecord {
    pub id: Id,
    pub handle: String,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub verification_status: String,
    pub verified_at: Option<Timestamp>,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! select_orgs {
    ($($rest:literal)*) => {
        concat!(
            "SELECT o.id, a.handle, o.name, o.kind, o.description, o.verification_status, o.verified_at,
                    o.created_by, o.created_at, o.updated_at
             FROM orgs o JOIN actors a ON a.id = o.id ",
            $($rest),*
        )
    };
}

fn org_from_row(row: &AnyRow) -> Result<OrgRecord, sqlx::Error> {
    Ok(OrgRecord {
        id: Id::from_i64(row.try_get("id")?),
        handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        description: row.try_get("description")?,
        verification_status: row.try_get("verification_status")?,
        verified_at: row.try_get::<Option<i64>, _>("verified_at")?.map(Timestamp),
        created_by: Id::from_i64(row.try_get("created_by")?),
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

pub struct NewOrg<'a> {
    pub handle: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub description: &'a str,
    pub owner_id: Id,
}

/// Creates the actor, the organization and the creator's `owner` membership.
pub async fn insert(tx: &mut Tx, org: &NewOrg<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query("INSERT INTO actors (id, kind, handle, created_at) VALUES ($1, 'org', $2, $3)")
        .bind(id.as_i64())
        .bind(org.handle)
        .bind(now)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO orgs (id, name, kind, description, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(id.as_i64())
    .bind(org.name)
    .bind(org.kind)
    .bind(org.description)
    .bind(org.owner_id.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    insert_member(tx, id, org.owner_id, "owner").await?;
    Ok(id)
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<OrgRecord>> {
    let row = sqlx::query(select_orgs!("WHERE o.id = $1 AND o.deleted_at IS NULL"))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(org_from_row).transpose()?)
}

pub async fn get_by_handle(conn: &mut Conn, handle: &str) -> StoreResult<Option<OrgRecord>> {
    let row = sqlx::query(select_orgs!("WHERE a.handle = $1 AND a.kind = 'org' AND o.deleted_at IS NULL"))
        .bind(handle)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(org_from_row).transpose()?)
}

pub async fn count_created_by(conn: &mut Conn, user_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM orgs WHERE created_by = $1 AND deleted_at IS NULL")
        .bind(user_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Organizations a member belongs to, with their role, by org id.
pub async fn list_for_user(conn: &mut Conn, user_id: Id) -> StoreResult<Vec<(OrgRecord, String)>> {
    let rows = sqlx::query(
        "SELECT o.id, a.handle, o.name, o.kind, o.description, o.verification_status, o.verified_at,
                o.created_by, o.created_at, o.updated_at, m.role
         FROM orgs o JOIN actors a ON a.id = o.id JOIN org_members m ON m.org_id = o.id
         WHERE m.user_id = $1 AND o.deleted_at IS NULL ORDER BY o.id LIMIT 500",
    )
    .bind(user_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| Ok((org_from_row(row)?, row.try_get("role")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Every organization, newest first, before `before`, optionally only those whose
/// verification status is `status` (the admin list).
pub async fn list_all(
    conn: &mut Conn,
    status: Option<&str>,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<OrgRecord>> {
    let rows = sqlx::query(select_orgs!(
        "WHERE o.deleted_at IS NULL AND o.id < $1 AND ($2 = '' OR o.verification_status = $2) ORDER BY o.id DESC LIMIT $3"
    ))
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(status.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(org_from_row).collect::<Result<_, _>>()?)
}

/// Takes the organization's row lock for the rest of the transaction, so checks
/// such as "keep one owner" or "one pending verification" cannot race on PostgreSQL
/// (SQLite transactions are already serialised by `BEGIN IMMEDIATE`).
pub async fn lock(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE orgs SET updated_at = updated_at WHERE id = $1 AND deleted_at IS NULL")
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn update_profile(tx: &mut Tx, id: Id, name: &str, description: &str) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("UPDATE orgs SET name = $1, description = $2, updated_at = $3 WHERE id = $4 AND deleted_at IS NULL")
        .bind(name)
        .bind(description)
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_verification_status(tx: &mut Tx, id: Id, status: &str) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "UPDATE orgs SET verification_status = $1, updated_at = $2,
                         verified_at = CASE WHEN $1 = 'verified' THEN $2 ELSE NULL END
         WHERE id = $3",
    )
    .bind(status)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

// ---- members -------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRecord {
    pub user_id: Id,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub created_at: Timestamp,
}

pub async fn insert_member(tx: &mut Tx, org_id: Id, user_id: Id, role: &str) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(org_id.as_i64())
        .bind(user_id.as_i64())
        .bind(role)
        .bind(now)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn member_role(conn: &mut Conn, org_id: Id, user_id: Id) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2")
        .bind(org_id.as_i64())
        .bind(user_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("role")).transpose()?)
}

/// Members in join order (bounded by the per-organization cap).
pub async fn list_members(conn: &mut Conn, org_id: Id) -> StoreResult<Vec<MemberRecord>> {
    let rows = sqlx::query(
        "SELECT m.user_id, a.handle, u.display_name, m.role, m.created_at
         FROM org_members m JOIN users u ON u.id = m.user_id JOIN actors a ON a.id = m.user_id
         WHERE m.org_id = $1 ORDER BY m.created_at, m.user_id LIMIT 1000",
    )
    .bind(org_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MemberRecord {
                user_id: Id::from_i64(row.try_get("user_id")?),
                username: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
                display_name: row.try_get("display_name")?,
                role: row.try_get("role")?,
                created_at: Timestamp(row.try_get("created_at")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn count_members(conn: &mut Conn, org_id: Id) -> StoreResult<i64> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM org_members WHERE org_id = $1)
              + (SELECT COUNT(*) FROM org_invitations WHERE org_id = $1 AND status = 'pending') AS n",
    )
    .bind(org_id.as_i64())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}

pub async fn count_owners(conn: &mut Conn, org_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM org_members WHERE org_id = $1 AND role = 'owner'")
        .bind(org_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn set_member_role(tx: &mut Tx, org_id: Id, user_id: Id, role: &str) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE org_members SET role = $1 WHERE org_id = $2 AND user_id = $3")
        .bind(role)
        .bind(org_id.as_i64())
        .bind(user_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete_member(tx: &mut Tx, org_id: Id, user_id: Id) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM org_members WHERE org_id = $1 AND user_id = $2")
        .bind(org_id.as_i64())
        .bind(user_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes a member from every organization (account erasure).
pub async fn delete_all_memberships(tx: &mut Tx, user_id: Id) -> StoreResult<u64> {
    let result =
        sqlx::query("DELETE FROM org_members WHERE user_id = $1").bind(user_id.as_i64()).execute(tx.conn()).await?;
    sqlx::query("UPDATE org_invitations SET status = 'revoked' WHERE user_id = $1 AND status = 'pending'")
        .bind(user_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected())
}

// ---- invitations ---------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationRecord {
    pub id: Id,
    pub org_id: Id,
    pub org_handle: String,
    pub org_name: String,
    pub user_id: Id,
    pub username: String,
    pub role: String,
    pub invited_by: Id,
    pub status: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub answered_at: Option<Timestamp>,
}

macro_rules! select_invitations {
    ($($rest:literal)*) => {
        concat!(
            "SELECT i.id, i.org_id, oa.handle AS org_handle, o.name AS org_name, i.user_id, ua.handle AS username,
                    i.role, i.invited_by, i.status, i.created_at, i.expires_at, i.answered_at
             FROM org_invitations i
             JOIN orgs o ON o.id = i.org_id JOIN actors oa ON oa.id = i.org_id JOIN actors ua ON ua.id = i.user_id ",
            $($rest),*
        )
    };
}

fn invitation_from_row(row: &AnyRow) -> Result<InvitationRecord, sqlx::Error> {
    Ok(InvitationRecord {
        id: Id::from_i64(row.try_get("id")?),
        org_id: Id::from_i64(row.try_get("org_id")?),
        org_handle: row.try_get::<Option<String>, _>("org_handle")?.unwrap_or_default(),
        org_name: row.try_get("org_name")?,
        user_id: Id::from_i64(row.try_get("user_id")?),
        username: row.try_get::<Option<String>, _>("username")?.unwrap_or_default(),
        role: row.try_get("role")?,
        invited_by: Id::from_i64(row.try_get("invited_by")?),
        status: row.try_get("status")?,
        created_at: Timestamp(row.try_get("created_at")?),
        expires_at: Timestamp(row.try_get("expires_at")?),
        answered_at: row.try_get::<Option<i64>, _>("answered_at")?.map(Timestamp),
    })
}

pub async fn insert_invitation(
    tx: &mut Tx,
    org_id: Id,
    user_id: Id,
    role: &str,
    invited_by: Id,
    expires_at: Timestamp,
) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO org_invitations (id, org_id, user_id, role, invited_by, status, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)",
    )
    .bind(id.as_i64())
    .bind(org_id.as_i64())
    .bind(user_id.as_i64())
    .bind(role)
    .bind(invited_by.as_i64())
    .bind(now)
    .bind(expires_at.micros())
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub async fn get_invitation(conn: &mut Conn, id: Id) -> StoreResult<Option<InvitationRecord>> {
    let row = sqlx::query(select_invitations!("WHERE i.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    Ok(row.as_ref().map(invitation_from_row).transpose()?)
}

/// Pending, unexpired invitations of an organization.
pub async fn list_pending_invitations_for_org(
    conn: &mut Conn,
    org_id: Id,
    now: Timestamp,
) -> StoreResult<Vec<InvitationRecord>> {
    let rows = sqlx::query(select_invitations!(
        "WHERE i.org_id = $1 AND i.status = 'pending' AND i.expires_at > $2 ORDER BY i.id DESC LIMIT 500"
    ))
    .bind(org_id.as_i64())
    .bind(now.micros())
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(invitation_from_row).collect::<Result<_, _>>()?)
}

/// Pending, unexpired invitations addressed to a member.
pub async fn list_pending_invitations_for_user(
    conn: &mut Conn,
    user_id: Id,
    now: Timestamp,
) -> StoreResult<Vec<InvitationRecord>> {
    let rows = sqlx::query(select_invitations!(
        "WHERE i.user_id = $1 AND i.status = 'pending' AND i.expires_at > $2 ORDER BY i.id DESC LIMIT 500"
    ))
    .bind(user_id.as_i64())
    .bind(now.micros())
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(invitation_from_row).collect::<Result<_, _>>()?)
}

pub async fn has_pending_invitation(conn: &mut Conn, org_id: Id, user_id: Id, now: Timestamp) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM org_invitations WHERE org_id = $1 AND user_id = $2 AND status = 'pending' AND expires_at > $3",
    )
    .bind(org_id.as_i64())
    .bind(user_id.as_i64())
    .bind(now.micros())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Moves a pending, unexpired invitation to `status` exactly once; false if it was
/// no longer pending (answered, revoked or expired) — the conditional update is the lock.
pub async fn close_invitation(tx: &mut Tx, id: Id, status: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    let result = sqlx::query(
        "UPDATE org_invitations SET status = $1, answered_at = $2 WHERE id = $3 AND status = 'pending' AND expires_at > $2",
    )
    .bind(status)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(result.rows_affected() == 1)
}

// ---- verification requests -----------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationRecord {
    pub id: Id,
    pub org_id: Id,
    pub org_handle: String,
    pub org_name: String,
    pub requested_by: Id,
    pub evidence: String,
    pub status: String,
    pub decided_by: Option<Id>,
    pub decision_reason: Option<String>,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
}

macro_rules! select_verifications {
    ($($rest:literal)*) => {
        concat!(
            "SELECT v.id, v.org_id, a.handle, o.name, v.requested_by, v.evidence, v.status, v.decided_by,
                    v.decision_reason, v.created_at, v.decided_at
             FROM org_verification_requests v JOIN orgs o ON o.id = v.org_id JOIN actors a ON a.id = v.org_id ",
            $($rest),*
        )
    };
}

fn verification_from_row(row: &AnyRow) -> Result<VerificationRecord, sqlx::Error> {
    Ok(VerificationRecord {
        id: Id::from_i64(row.try_get("id")?),
        org_id: Id::from_i64(row.try_get("org_id")?),
        org_handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        org_name: row.try_get("name")?,
        requested_by: Id::from_i64(row.try_get("requested_by")?),
        evidence: row.try_get("evidence")?,
        status: row.try_get("status")?,
        decided_by: row.try_get::<Option<i64>, _>("decided_by")?.map(Id::from_i64),
        decision_reason: row.try_get("decision_reason")?,
        created_at: Timestamp(row.try_get("created_at")?),
        decided_at: row.try_get::<Option<i64>, _>("decided_at")?.map(Timestamp),
    })
}

pub async fn insert_verification(tx: &mut Tx, org_id: Id, requested_by: Id, evidence: &str) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO org_verification_requests (id, org_id, requested_by, evidence, status, created_at)
         VALUES ($1, $2, $3, $4, 'pending', $5)",
    )
    .bind(id.as_i64())
    .bind(org_id.as_i64())
    .bind(requested_by.as_i64())
    .bind(evidence)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub async fn get_verification(conn: &mut Conn, id: Id) -> StoreResult<Option<VerificationRecord>> {
    let row = sqlx::query(select_verifications!("WHERE v.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    Ok(row.as_ref().map(verification_from_row).transpose()?)
}

/// One organization's requests, newest first.
pub async fn list_verifications_for_org(conn: &mut Conn, org_id: Id) -> StoreResult<Vec<VerificationRecord>> {
    let rows = sqlx::query(select_verifications!("WHERE v.org_id = $1 ORDER BY v.id DESC LIMIT 100"))
        .bind(org_id.as_i64())
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(verification_from_row).collect::<Result<_, _>>()?)
}

/// The admin queue: requests with `status`, oldest first, after `after`.
pub async fn list_verifications(
    conn: &mut Conn,
    status: &str,
    after: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<VerificationRecord>> {
    let rows = sqlx::query(select_verifications!("WHERE v.status = $1 AND v.id > $2 ORDER BY v.id LIMIT $3"))
        .bind(status)
        .bind(after.map_or(0, Id::as_i64))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(verification_from_row).collect::<Result<_, _>>()?)
}

/// Decides a pending request exactly once; false if it was already decided.
pub async fn decide_verification(tx: &mut Tx, id: Id, status: &str, admin_id: Id, reason: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    let result = sqlx::query(
        "UPDATE org_verification_requests SET status = $1, decided_by = $2, decision_reason = $3, decided_at = $4
         WHERE id = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(admin_id.as_i64())
    .bind(reason)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(result.rows_affected() == 1)
}

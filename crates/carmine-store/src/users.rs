//! Members: the `actors` row that gives them a handle, and the `users` row that
//! holds credentials, profile, demographics (with consent), admin and suspension.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Id,
    /// `None` once the account is erased.
    pub username: Option<String>,
    pub password_hash: Option<String>,
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub demographics: Option<Demographics>,
    pub is_admin: bool,
    pub suspended_at: Option<Timestamp>,
    pub suspension_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// The interface language the member chose; `None`: the browser's.
    pub locale: Option<String>,
}

/// Optional demographics, present only when the member consented.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Demographics {
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub city: Option<String>,
    pub consented_at: Timestamp,
}

macro_rules! select_users {
    ($($rest:literal)*) => {
        concat!(
            "SELECT u.id, a.handle, u.password_hash, u.display_name, u.bio, u.avatar_url, u.birth_year, u.gender,
                    u.city, u.demographics_consent_at, u.is_admin, u.suspended_at, u.suspension_reason,
                    u.created_at, u.updated_at, u.deleted_at, u.locale
             FROM users u JOIN actors a ON a.id = u.id ",
            $($rest),*
        )
    };
}

fn from_row(row: &AnyRow) -> Result<UserRecord, sqlx::Error> {
    let consent: Option<i64> = row.try_get("demographics_consent_at")?;
    Ok(UserRecord {
        id: Id::from_i64(row.try_get("id")?),
        username: row.try_get("handle")?,
        password_hash: row.try_get("password_hash")?,
        display_name: row.try_get("display_name")?,
        bio: row.try_get("bio")?,
        avatar_url: row.try_get("avatar_url")?,
        demographics: match consent {
            Some(at) => Some(Demographics {
                birth_year: row.try_get("birth_year")?,
                gender: row.try_get("gender")?,
                city: row.try_get("city")?,
                consented_at: Timestamp(at),
            }),
            None => None,
        },
        is_admin: row.try_get::<i64, _>("is_admin")? == 1,
        suspended_at: row.try_get::<Option<i64>, _>("suspended_at")?.map(Timestamp),
        suspension_reason: row.try_get("suspension_reason")?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
        deleted_at: row.try_get::<Option<i64>, _>("deleted_at")?.map(Timestamp),
        locale: row.try_get("locale")?,
    })
}

pub struct NewMember<'a> {
    pub username: &'a str,
    pub password_hash: Option<&'a str>,
    pub display_name: &'a str,
    pub is_admin: bool,
}

/// Creates the actor and the member. A taken username is a unique violation on
/// `actors.handle` (shared with organization handles).
pub async fn insert(tx: &mut Tx, member: &NewMember<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query("INSERT INTO actors (id, kind, handle, created_at) VALUES ($1, 'member', $2, $3)")
        .bind(id.as_i64())
        .bind(member.username)
        .bind(now)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO users (id, password_hash, display_name, is_admin, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id.as_i64())
    .bind(member.password_hash)
    .bind(member.display_name)
    .bind(i64::from(member.is_admin))
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<UserRecord>> {
    let row = sqlx::query(select_users!("WHERE u.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// By lowercase username; erased members have none and are never found.
pub async fn get_by_username(conn: &mut Conn, username: &str) -> StoreResult<Option<UserRecord>> {
    let row = sqlx::query(select_users!("WHERE a.handle = $1 AND a.kind = 'member'"))
        .bind(username)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Live members (not erased), in id order after `after`, optionally whose username
/// starts with `prefix`; for the admin member list.
pub async fn list(conn: &mut Conn, prefix: &str, after: Option<Id>, limit: u32) -> StoreResult<Vec<UserRecord>> {
    // `prefix` is a validated handle fragment ([a-z0-9_]); escape `_` for LIKE.
    let pattern = format!("{}%", prefix.replace('_', "\\_"));
    let rows = sqlx::query(select_users!(
        "WHERE u.deleted_at IS NULL AND u.id > $1 AND a.handle LIKE $2 ESCAPE '\\' ORDER BY u.id LIMIT $3"
    ))
    .bind(after.map_or(0, Id::as_i64))
    .bind(pattern)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Takes the member's row lock for the rest of the transaction (per-member caps
/// such as the token limit cannot race on PostgreSQL).
pub async fn lock(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1 AND deleted_at IS NULL")
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn set_password_hash(tx: &mut Tx, id: Id, hash: &str) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND deleted_at IS NULL")
        .bind(hash)
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The whole editable profile; `demographics: None` withdraws consent and clears them.
pub struct ProfileUpdate<'a> {
    pub display_name: &'a str,
    pub bio: &'a str,
    pub avatar_url: Option<&'a str>,
    pub demographics: Option<Demographics>,
}

pub async fn update_profile(tx: &mut Tx, id: Id, profile: &ProfileUpdate<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    let d = profile.demographics.as_ref();
    sqlx::query(
        "UPDATE users SET display_name = $1, bio = $2, avatar_url = $3, birth_year = $4, gender = $5, city = $6,
                          demographics_consent_at = $7, updated_at = $8
         WHERE id = $9 AND deleted_at IS NULL",
    )
    .bind(profile.display_name)
    .bind(profile.bio)
    .bind(profile.avatar_url)
    .bind(d.and_then(|d| d.birth_year))
    .bind(d.and_then(|d| d.gender.as_deref()))
    .bind(d.and_then(|d| d.city.as_deref()))
    .bind(d.map(|d| d.consented_at.micros()))
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Suspends (with a reason) or lifts a suspension. Returns false if nothing changed.
/// Sets (or clears) the member's interface language.
pub async fn set_locale(tx: &mut Tx, id: Id, locale: Option<&str>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3")
        .bind(locale)
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_suspension(tx: &mut Tx, id: Id, reason: Option<&str>) -> StoreResult<bool> {
    let now = tx.now().micros();
    let result = match reason {
        Some(reason) => {
            sqlx::query(
                "UPDATE users SET suspended_at = $1, suspension_reason = $2, updated_at = $1
                 WHERE id = $3 AND deleted_at IS NULL AND suspended_at IS NULL",
            )
            .bind(now)
            .bind(reason)
            .bind(id.as_i64())
            .execute(tx.conn())
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE users SET suspended_at = NULL, suspension_reason = NULL, updated_at = $1
                 WHERE id = $2 AND deleted_at IS NULL AND suspended_at IS NOT NULL",
            )
            .bind(now)
            .bind(id.as_i64())
            .execute(tx.conn())
            .await?
        }
    };
    Ok(result.rows_affected() == 1)
}

pub async fn set_admin(tx: &mut Tx, id: Id, is_admin: bool) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("UPDATE users SET is_admin = $1, updated_at = $2 WHERE id = $3 AND deleted_at IS NULL")
        .bind(i64::from(is_admin))
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Erases a member: personal data purged, handle released, credentials gone; the
/// ids stay as a tombstone so nothing can resurrect them.
pub async fn erase(tx: &mut Tx, id: Id) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("UPDATE actors SET handle = NULL, deleted_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "UPDATE users SET password_hash = NULL, display_name = '', bio = '', avatar_url = NULL, birth_year = NULL,
                          gender = NULL, city = NULL, demographics_consent_at = NULL, is_admin = 0,
                          suspension_reason = NULL, updated_at = $1, deleted_at = $1
         WHERE id = $2",
    )
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    sqlx::query("DELETE FROM member_interests WHERE user_id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    sqlx::query("DELETE FROM search_history WHERE user_id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    Ok(())
}

/// Members ever created (erased ones included).
pub async fn count_all(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(conn).await?;
    Ok(row.try_get("n")?)
}

pub async fn count_admins(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE is_admin = 1 AND deleted_at IS NULL")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

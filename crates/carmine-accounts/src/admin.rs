//! What the operator does: create members from the console, reset passwords,
//! suspend and reinstate members, decide organization verification. Every action
//! is written to the admin audit log in the same transaction as the change.

use carmine_core::event::DomainEvent;
use carmine_core::limits::DECISION_REASON_CHARS_MAX;
use carmine_core::secret::random_token;
use carmine_core::text::{Handle, bounded_text, check_new_password};
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::audit::{self, AuditRecord};
use carmine_store::orgs::{self, OrgRecord, VerificationRecord};
use carmine_store::users::{self, NewMember, UserRecord};
use carmine_store::{Tx, sessions, tokens};
use serde_json::json;

use crate::{Accounts, Caller};

/// Who performs an admin action: a logged-in admin, or the operator's console.
#[derive(Clone, Copy, Debug)]
pub enum Operator<'a> {
    Admin(&'a Caller),
    Console,
}

impl Operator<'_> {
    /// The acting administrator (`None`: the operator console).
    pub fn admin_id(&self) -> Option<Id> {
        match self {
            Operator::Admin(caller) => Some(caller.user_id),
            Operator::Console => None,
        }
    }

    /// Refuses a member who is not an administrator.
    pub fn check(&self) -> Result<()> {
        match self {
            Operator::Admin(caller) if !caller.is_admin => Err(Error::new(ErrorCode::AdminOnly)),
            _ => Ok(()),
        }
    }
}

impl Accounts {
    /// Creates a member (optionally an admin) from the console. Without a password
    /// one is generated; the password actually set is returned to show once.
    pub async fn console_create_user(
        &self,
        username: &str,
        password: Option<&str>,
        is_admin: bool,
    ) -> Result<(UserRecord, String)> {
        let username = Handle::parse("username", username)?;
        let password = password.map_or_else(|| random_token(12), str::to_owned);
        check_new_password(&password, username.as_str())?;
        let hash = self.hasher.hash(&password).await?;
        let mut tx = self.db.begin().await?;
        let id = users::insert(
            &mut tx,
            &NewMember {
                username: username.as_str(),
                password_hash: Some(&hash),
                display_name: username.as_str(),
                is_admin,
            },
        )
        .await
        .map_err(|e| {
            if e.is_unique_on("actors", "handle") { Error::new(ErrorCode::UsernameTaken) } else { e.into() }
        })?;
        tx.emit(DomainEvent::UserSignedUp { user_id: id, username: username.as_str().to_owned() }).await?;
        if is_admin {
            tx.emit(DomainEvent::UserMadeAdmin { user_id: id }).await?;
        }
        audit::record(
            &mut tx,
            None,
            "create_user",
            "user",
            id,
            &json!({ "username": username.as_str(), "admin": is_admin }),
        )
        .await?;
        let user = users::get(tx.conn(), id).await?.ok_or_else(|| Error::internal("user vanished"))?;
        tx.commit().await?;
        Ok((user, password))
    }

    /// Grants or withdraws administrator rights from the console.
    pub async fn console_set_admin(&self, user_id: Id, is_admin: bool) -> Result<()> {
        let mut tx = self.db.begin().await?;
        live_user(tx.conn(), user_id).await?;
        users::set_admin(&mut tx, user_id, is_admin).await?;
        let action = if is_admin { "grant_admin" } else { "revoke_admin" };
        audit::record(&mut tx, None, action, "user", user_id, &json!({})).await?;
        if is_admin {
            tx.emit(DomainEvent::UserMadeAdmin { user_id }).await?;
        } else {
            tx.emit(DomainEvent::UserAdminRevoked { user_id }).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn admin_list_users(
        &self,
        operator: Operator<'_>,
        prefix: &str,
        after: Option<Id>,
        limit: u32,
    ) -> Result<Vec<UserRecord>> {
        operator.check()?;
        let prefix = prefix.trim().to_ascii_lowercase();
        if !prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') || prefix.len() > 24 {
            return Err(Error::broke_rule("prefix", carmine_core::FieldRule::HandleCharacters));
        }
        Ok(users::list(&mut *self.db.reader().await?, &prefix, after, limit).await?)
    }

    pub async fn admin_get_user(&self, operator: Operator<'_>, user_id: Id) -> Result<UserRecord> {
        operator.check()?;
        live_user(&mut *self.db.reader().await?, user_id).await
    }

    /// The member as a read-only caller, for an administrator auditing what the
    /// member sees (404 for unknown or erased members).
    pub async fn admin_view_as(&self, admin: &Caller, user_id: Id) -> Result<Caller> {
        self.require_admin(admin)?;
        let user = live_user(&mut *self.db.reader().await?, user_id).await?;
        Ok(crate::session::caller_from(&user, crate::session::Credential::Audit { admin_id: admin.user_id }))
    }

    /// Sets a new random password, ends all the member's sessions and tokens, and
    /// returns the password for the admin to hand over.
    pub async fn admin_reset_password(&self, operator: Operator<'_>, user_id: Id) -> Result<String> {
        operator.check()?;
        let password = random_token(12);
        let hash = self.hasher.hash(&password).await?;
        let mut tx = self.db.begin().await?;
        live_user(tx.conn(), user_id).await?;
        users::set_password_hash(&mut tx, user_id, &hash).await?;
        let sessions_ended = sessions::delete_for_user(&mut tx, user_id, None).await?;
        let tokens_revoked = tokens::revoke_all(&mut tx, user_id).await?;
        let details = json!({ "sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked });
        self.audit(&mut tx, operator, "reset_password", "user", user_id, details).await?;
        if let Some(admin_id) = operator.admin_id() {
            tx.emit(DomainEvent::PasswordResetByAdmin { user_id, admin_id }).await?;
        }
        tx.commit().await?;
        Ok(password)
    }

    /// Suspends a member: their sessions end and they cannot log in or use tokens.
    pub async fn admin_suspend(&self, operator: Operator<'_>, user_id: Id, reason: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        self.suspend_in(&mut tx, operator, user_id, reason).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Accounts::admin_suspend`] inside a caller's transaction (a moderation decision
    /// suspends and closes its reports atomically).
    pub async fn suspend_in(&self, tx: &mut Tx, operator: Operator<'_>, user_id: Id, reason: &str) -> Result<()> {
        operator.check()?;
        let reason = bounded_text("reason", reason, 1, DECISION_REASON_CHARS_MAX, true)?;
        if operator.admin_id() == Some(user_id) {
            return Err(Error::new(ErrorCode::Forbidden).with_message("an admin cannot suspend themselves"));
        }
        live_user(tx.conn(), user_id).await?;
        if users::set_suspension(tx, user_id, Some(&reason)).await? {
            sessions::delete_for_user(tx, user_id, None).await?;
            self.audit(tx, operator, "suspend_user", "user", user_id, json!({ "reason": reason })).await?;
            if let Some(admin_id) = operator.admin_id() {
                tx.emit(DomainEvent::UserSuspended { user_id, admin_id }).await?;
            }
        }
        Ok(())
    }

    pub async fn admin_unsuspend(&self, operator: Operator<'_>, user_id: Id) -> Result<()> {
        operator.check()?;
        let mut tx = self.db.begin().await?;
        live_user(tx.conn(), user_id).await?;
        if users::set_suspension(&mut tx, user_id, None).await? {
            self.audit(&mut tx, operator, "unsuspend_user", "user", user_id, json!({})).await?;
            if let Some(admin_id) = operator.admin_id() {
                tx.emit(DomainEvent::UserUnsuspended { user_id, admin_id }).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn admin_list_orgs(
        &self,
        operator: Operator<'_>,
        status: Option<&str>,
        before: Option<Id>,
        limit: u32,
    ) -> Result<Vec<OrgRecord>> {
        operator.check()?;
        if let Some(status) = status
            && !["unverified", "pending", "verified", "rejected"].contains(&status)
        {
            return Err(Error::invalid_field("status", "must be one of unverified, pending, verified, rejected"));
        }
        Ok(orgs::list_all(&mut *self.db.reader().await?, status, before, limit).await?)
    }

    pub async fn admin_verification_queue(
        &self,
        operator: Operator<'_>,
        after: Option<Id>,
        limit: u32,
    ) -> Result<Vec<VerificationRecord>> {
        operator.check()?;
        Ok(orgs::list_verifications(&mut *self.db.reader().await?, "pending", after, limit).await?)
    }

    /// Approves or rejects a pending verification request, exactly once.
    pub async fn admin_decide_verification(
        &self,
        operator: Operator<'_>,
        request_id: Id,
        approve: bool,
        reason: &str,
    ) -> Result<VerificationRecord> {
        operator.check()?;
        let reason = bounded_text("reason", reason, usize::from(!approve), DECISION_REASON_CHARS_MAX, true)?;
        let Operator::Admin(caller) = operator else {
            return Err(Error::new(ErrorCode::AdminOnly));
        };
        let mut tx = self.db.begin().await?;
        let request = orgs::get_verification(tx.conn(), request_id)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::VerificationNotFound))?;
        let status = if approve { "approved" } else { "rejected" };
        if !orgs::decide_verification(&mut tx, request_id, status, caller.user_id, &reason).await? {
            return Err(Error::new(ErrorCode::VerificationNotPending));
        }
        orgs::set_verification_status(&mut tx, request.org_id, if approve { "verified" } else { "rejected" }).await?;
        let action = if approve { "approve_verification" } else { "reject_verification" };
        self.audit(
            &mut tx,
            operator,
            action,
            "org",
            request.org_id,
            json!({ "request_id": request_id, "reason": reason }),
        )
        .await?;
        tx.emit(DomainEvent::OrgVerificationDecided {
            org_id: request.org_id,
            request_id,
            approved: approve,
            admin_id: caller.user_id,
        })
        .await?;
        let decided =
            orgs::get_verification(tx.conn(), request_id).await?.ok_or_else(|| Error::internal("request vanished"))?;
        tx.commit().await?;
        Ok(decided)
    }

    pub async fn admin_audit_log(
        &self,
        operator: Operator<'_>,
        before: Option<Id>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        operator.check()?;
        Ok(audit::list(&mut *self.db.reader().await?, before, limit).await?)
    }

    async fn audit(
        &self,
        tx: &mut Tx,
        operator: Operator<'_>,
        action: &str,
        kind: &str,
        target: Id,
        details: serde_json::Value,
    ) -> Result<()> {
        audit::record(tx, operator.admin_id(), action, kind, target, &details).await?;
        Ok(())
    }
}

async fn live_user(conn: &mut carmine_store::Conn, user_id: Id) -> Result<UserRecord> {
    users::get(conn, user_id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| Error::new(ErrorCode::UserNotFound))
}

impl Accounts {
    /// The id of the live member with this username (console commands name members).
    pub async fn user_id_by_username(&self, username: &str) -> Result<Option<Id>> {
        let user = users::get_by_username(&mut *self.db.reader().await?, &username.to_ascii_lowercase()).await?;
        Ok(user.map(|u| u.id))
    }
}

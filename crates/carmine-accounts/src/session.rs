//! Who is calling: sign-up and log-in (which open a session), log-out, and turning
//! a session cookie or a Bearer token back into a [`Caller`].
//!
//! Sessions are server-side: the cookie holds a random token, the database its
//! SHA-256. Log-in always issues a fresh token and ends the session the browser
//! came with (rotation). A session ends after `session_idle_seconds` without use
//! or `session_absolute_seconds` after log-in, whichever comes first.

use carmine_core::event::DomainEvent;
use carmine_core::secret::{random_token, sha256_hex};
use carmine_core::text::{Handle, check_new_password};
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::users::{NewMember, UserRecord};
use carmine_store::{sessions, tokens, users};
use serde_json::json;

use crate::Accounts;
use crate::tokens::TOKEN_PREFIX;

/// How the caller proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; state changes must carry `csrf_token`.
    Session { session_id: Id, csrf_token: String },
    /// A personal API token sent as `Authorization: Bearer …` (no CSRF: no ambient authority).
    ApiToken { token_id: Id },
    /// An administrator looking through the member's eyes for an audit (the admin
    /// feed view); never accepted by the request pipeline, so it can change nothing.
    Audit { admin_id: Id },
}

/// An authenticated, active (not suspended, not erased) member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub user_id: Id,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub credential: Credential,
    /// The interface language the member chose (`carmine_core::text::INTERFACE_LOCALES`).
    pub locale: Option<String>,
    /// The member's avatar (for the account menu); `None`: drawn from the name.
    pub avatar_url: Option<String>,
}

impl Caller {
    pub fn session_id(&self) -> Option<Id> {
        match &self.credential {
            Credential::Session { session_id, .. } => Some(*session_id),
            Credential::ApiToken { .. } | Credential::Audit { .. } => None,
        }
    }

    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf_token, .. } => Some(csrf_token),
            Credential::ApiToken { .. } | Credential::Audit { .. } => None,
        }
    }
}

/// The result of sign-up or log-in: the caller and the raw session token for the
/// cookie (shown to nobody else, stored only as a hash).
#[derive(Debug)]
pub struct Authenticated {
    pub caller: Caller,
    pub session_token: String,
}

/// Where a request came from, recorded on the session and used for throttling.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

pub struct SignupInput<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub display_name: Option<&'a str>,
}

const USER_AGENT_CHARS_MAX: usize = 256;

impl Accounts {
    pub async fn signup(&self, input: &SignupInput<'_>, client: &ClientInfo) -> Result<Authenticated> {
        let username = Handle::parse("username", input.username)?;
        if username.is_reserved() {
            return Err(Error::new(ErrorCode::UsernameReserved).with_details(json!({ "field": "username" })));
        }
        check_new_password(input.password, username.as_str())?;
        let display_name = match input.display_name {
            Some(name) => carmine_core::text::display_name(name, 0)?,
            None => String::new(),
        };
        let display_name = if display_name.is_empty() { username.as_str().to_owned() } else { display_name };
        let hash = self.hasher.hash(input.password).await?;

        let mut tx = self.db.begin().await?;
        let user_id = users::insert(
            &mut tx,
            &NewMember {
                username: username.as_str(),
                password_hash: Some(&hash),
                display_name: &display_name,
                is_admin: false,
            },
        )
        .await
        .map_err(|e| {
            if e.is_unique_on("actors", "handle") { Error::new(ErrorCode::UsernameTaken) } else { e.into() }
        })?;
        tx.emit(DomainEvent::UserSignedUp { user_id, username: username.as_str().to_owned() }).await?;
        let user = users::get(tx.conn(), user_id)
            .await?
            .ok_or_else(|| Error::internal("user vanished in its own transaction"))?;
        let authenticated = self.open_session(&mut tx, &user, client).await?;
        tx.commit().await?;
        Ok(authenticated)
    }

    /// Checks the password and opens a new session, ending `previous_session_token`
    /// (rotation). Throttled per account and per IP; refused for suspended members.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &ClientInfo,
        previous_session_token: Option<&str>,
    ) -> Result<Authenticated> {
        let now = self.db.now();
        let username = username.trim().to_ascii_lowercase();
        // Bounded keys: a megabyte of "username" must not become a megabyte of limiter state.
        let account_key = format!(
            "account:{}",
            username.chars().take(carmine_core::limits::USERNAME_CHARS_MAX + 1).collect::<String>()
        );
        let ip_key = format!("ip:{}", client.ip);
        let throttled = [
            self.login_failures_per_account.retry_after(&account_key, now),
            self.login_failures_per_ip.retry_after(&ip_key, now),
        ];
        if let Some(seconds) = throttled.into_iter().flatten().max() {
            return Err(Error::new(ErrorCode::LoginThrottled).with_details(json!({ "retry_after_seconds": seconds })));
        }

        let user = users::get_by_username(&mut *self.db.reader().await?, &username).await?;
        let valid = self.hasher.verify(user.as_ref().and_then(|u| u.password_hash.as_deref()), password).await?;
        let user = match user {
            Some(user) if valid => user,
            _ => {
                let _ = self.login_failures_per_account.hit(&account_key, now);
                let _ = self.login_failures_per_ip.hit(&ip_key, now);
                return Err(Error::new(ErrorCode::InvalidCredentials));
            }
        };
        if user.suspended_at.is_some() {
            return Err(Error::new(ErrorCode::AccountSuspended));
        }
        self.login_failures_per_account.reset(&account_key);

        let mut tx = self.db.begin().await?;
        if let Some(previous) = previous_session_token
            && let Some(old) = sessions::find_by_token_hash(tx.conn(), &sha256_hex(previous)).await?
        {
            sessions::delete(&mut tx, old.id).await?;
            tx.emit(DomainEvent::UserLoggedOut { user_id: old.user_id, session_id: old.id }).await?;
        }
        let authenticated = self.open_session(&mut tx, &user, client).await?;
        tx.commit().await?;
        Ok(authenticated)
    }

    async fn open_session(
        &self,
        tx: &mut carmine_store::Tx,
        user: &UserRecord,
        client: &ClientInfo,
    ) -> Result<Authenticated> {
        let token = random_token(32);
        let csrf_token = random_token(32);
        let user_agent: String = client.user_agent.chars().take(USER_AGENT_CHARS_MAX).collect();
        let session_id = sessions::insert(
            tx,
            &sessions::NewSession {
                user_id: user.id,
                token_hash: &sha256_hex(&token),
                csrf_token: &csrf_token,
                expires_at: tx.now().plus_seconds(self.config.session_absolute_seconds),
                user_agent: &user_agent,
                ip: &client.ip,
            },
        )
        .await?;
        tx.emit(DomainEvent::UserLoggedIn { user_id: user.id, session_id }).await?;
        Ok(Authenticated {
            caller: caller_from(user, Credential::Session { session_id, csrf_token }),
            session_token: token,
        })
    }

    /// Ends the caller's credential: the browser session, or the API token the request
    /// carried (revoked, as `DELETE /api/v1/tokens/{id}` would).
    pub async fn logout(&self, caller: &Caller) -> Result<()> {
        let session_id = match &caller.credential {
            Credential::Session { session_id, .. } => *session_id,
            Credential::ApiToken { token_id } => {
                let mut tx = self.db.begin().await?;
                if carmine_store::tokens::revoke(&mut tx, caller.user_id, *token_id).await? {
                    tx.emit(DomainEvent::ApiTokenRevoked { user_id: caller.user_id, token_id: *token_id }).await?;
                }
                tx.commit().await?;
                return Ok(());
            }
            Credential::Audit { .. } => return Ok(()),
        };
        let mut tx = self.db.begin().await?;
        if sessions::delete(&mut tx, session_id).await? {
            tx.emit(DomainEvent::UserLoggedOut { user_id: caller.user_id, session_id }).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Where the member is logged in, newest first.
    pub async fn list_sessions(&self, caller: &Caller) -> Result<Vec<sessions::SessionRecord>> {
        Ok(sessions::list_for_user(&mut *self.db.reader().await?, caller.user_id).await?)
    }

    /// Logs out one of the caller's sessions (another device, or this one).
    pub async fn end_session(&self, caller: &Caller, session_id: Id) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if !sessions::delete_own(&mut tx, caller.user_id, session_id).await? {
            return Err(Error::new(ErrorCode::SessionNotFound));
        }
        tx.emit(DomainEvent::UserLoggedOut { user_id: caller.user_id, session_id }).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller behind a session cookie's token.
    pub async fn authenticate_session(&self, token: &str) -> Result<Caller> {
        let now = self.db.now();
        let mut conn = self.db.reader().await?;
        let session = sessions::find_by_token_hash(&mut conn, &sha256_hex(token))
            .await?
            .ok_or_else(|| Error::new(ErrorCode::Unauthenticated))?;
        let idle_deadline = session.last_seen_at.plus_seconds(self.config.session_idle_seconds);
        if now >= session.expires_at || now >= idle_deadline {
            drop(conn);
            let mut tx = self.db.begin().await?;
            sessions::delete(&mut tx, session.id).await?;
            tx.commit().await?;
            return Err(Error::new(ErrorCode::SessionExpired));
        }
        let user = active_user(&mut conn, session.user_id).await?;
        drop(conn);
        // Bookkeeping for the idle timeout, at most once a minute per session.
        if now.micros() - session.last_seen_at.micros() >= 60_000_000 {
            sessions::touch(&self.db, session.id, now).await?;
        }
        Ok(caller_from(&user, Credential::Session { session_id: session.id, csrf_token: session.csrf_token }))
    }

    /// The caller behind `Authorization: Bearer <token>`.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Caller> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
            return Err(Error::new(ErrorCode::InvalidToken));
        }
        let mut conn = self.db.reader().await?;
        let record = tokens::find_active_by_hash(&mut conn, &sha256_hex(token))
            .await?
            .ok_or_else(|| Error::new(ErrorCode::InvalidToken))?;
        let user = active_user(&mut conn, record.user_id).await.map_err(|e| match e.code {
            ErrorCode::Unauthenticated => Error::new(ErrorCode::InvalidToken),
            _ => e,
        })?;
        drop(conn);
        tokens::touch(&self.db, record.id, self.db.now()).await?;
        Ok(caller_from(&user, Credential::ApiToken { token_id: record.id }))
    }
}

/// The member if they may act: not erased, not suspended.
async fn active_user(conn: &mut carmine_store::Conn, user_id: Id) -> Result<UserRecord> {
    let user = users::get(conn, user_id).await?.filter(|u| u.deleted_at.is_none());
    let user = user.ok_or_else(|| Error::new(ErrorCode::Unauthenticated))?;
    if user.suspended_at.is_some() {
        return Err(Error::new(ErrorCode::AccountSuspended));
    }
    Ok(user)
}

pub(crate) fn caller_from(user: &UserRecord, credential: Credential) -> Caller {
    Caller {
        user_id: user.id,
        username: user.username.clone().unwrap_or_default(),
        display_name: user.display_name.clone(),
        is_admin: user.is_admin,
        credential,
        locale: user.locale.clone(),
        avatar_url: user.avatar_url.clone(),
    }
}

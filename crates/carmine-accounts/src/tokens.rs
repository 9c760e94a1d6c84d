//! Personal API tokens: `crm_…`, shown once at creation, stored as SHA-256,
//! revocable, usable as `Authorization: Bearer`. At most
//! [`API_TOKENS_PER_USER_MAX`](carmine_core::limits::API_TOKENS_PER_USER_MAX) live per member.

use carmine_core::event::DomainEvent;
use carmine_core::limits::{API_TOKENS_PER_USER_MAX, TOKEN_NAME_CHARS_MAX};
use carmine_core::secret::{random_token, sha256_hex};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::tokens::{self, TokenRecord};
use carmine_store::users;

use crate::{Accounts, Caller};

pub const TOKEN_PREFIX: &str = "crm_";

/// A freshly created token: the only time its secret is available.
#[derive(Debug)]
pub struct NewToken {
    pub record: TokenRecord,
    pub secret: String,
}

impl Accounts {
    pub async fn create_token(&self, caller: &Caller, name: &str) -> Result<NewToken> {
        let name = bounded_text("name", name, 1, TOKEN_NAME_CHARS_MAX, false)?;
        let secret = format!("{TOKEN_PREFIX}{}", random_token(32));
        let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
        let mut tx = self.db.begin().await?;
        users::lock(&mut tx, caller.user_id).await?;
        if tokens::count_active(tx.conn(), caller.user_id).await? >= API_TOKENS_PER_USER_MAX {
            return Err(Error::invalid_field(
                "name",
                format!("a member may hold at most {API_TOKENS_PER_USER_MAX} tokens; revoke one first"),
            ));
        }
        let id = tokens::insert(&mut tx, caller.user_id, &name, &sha256_hex(&secret), &prefix).await?;
        tx.emit(DomainEvent::ApiTokenCreated { user_id: caller.user_id, token_id: id }).await?;
        tx.commit().await?;
        let record = TokenRecord {
            id,
            user_id: caller.user_id,
            name,
            prefix,
            created_at: self.db.now(),
            last_used_at: None,
            revoked_at: None,
        };
        Ok(NewToken { record, secret })
    }

    pub async fn list_tokens(&self, caller: &Caller) -> Result<Vec<TokenRecord>> {
        Ok(tokens::list_active(&mut *self.db.reader().await?, caller.user_id).await?)
    }

    /// Revokes one of the caller's tokens; another member's token is "not found".
    pub async fn revoke_token(&self, caller: &Caller, token_id: Id) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if !tokens::revoke(&mut tx, caller.user_id, token_id).await? {
            return Err(Error::new(ErrorCode::TokenNotFound));
        }
        tx.emit(DomainEvent::ApiTokenRevoked { user_id: caller.user_id, token_id }).await?;
        tx.commit().await?;
        Ok(())
    }
}

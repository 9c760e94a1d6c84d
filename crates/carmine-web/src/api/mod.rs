//! The `/api/v1` JSON API. Every route is registered through `routes!` so the
//! OpenAPI document and the router cannot disagree.

mod admin;
pub(crate) mod ads;
pub(crate) mod auth;
mod boards;
pub(crate) mod commerce;
mod engagement;
pub(crate) mod events;
pub(crate) mod feed;
mod me;
pub(crate) mod media;
pub(crate) mod money;
pub(crate) mod notes;
pub(crate) mod orders;
mod orgs;
mod safety;
pub(crate) mod search;
pub(crate) mod system;
mod tokens;
pub mod views;

use carmine_core::cursor::clamp_limit;
use carmine_core::{Id, Result};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use views::Page;

pub(crate) fn router(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(media::upload_router(state))
        .merge(media::router())
        .merge(commerce::router())
        .merge(orders::router())
        .merge(ads::router())
        .routes(routes!(system::healthz))
        .routes(routes!(system::readyz))
        .routes(routes!(system::metrics))
        .routes(routes!(auth::signup))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(me::get_me, me::update_me, me::delete_me))
        .routes(routes!(me::change_password))
        .routes(routes!(me::export))
        .routes(routes!(me::list_sessions))
        .routes(routes!(me::end_session))
        .routes(routes!(me::my_invitations))
        .routes(routes!(me::accept_invitation))
        .routes(routes!(me::decline_invitation))
        .routes(routes!(notes::create_note))
        .routes(routes!(notes::get_note, notes::update_note, notes::delete_note))
        .routes(routes!(feed::feed))
        .routes(routes!(search::search))
        .routes(routes!(search::suggestions))
        .routes(routes!(search::trending))
        .routes(routes!(search::history, search::forget_history))
        .routes(routes!(search::hidden_terms, search::hide_term, search::show_term))
        .routes(routes!(search::suggested_queries))
        .routes(routes!(feed::related))
        .routes(routes!(feed::journey))
        .routes(routes!(feed::interests, feed::pick_interests))
        .routes(routes!(notes::get_actor))
        .routes(routes!(notes::actor_notes))
        .routes(routes!(notes::follow, notes::unfollow))
        .routes(routes!(notes::share))
        .routes(routes!(events::ingest))
        .routes(routes!(events::note_stats))
        .routes(routes!(notes::followers))
        .routes(routes!(notes::following_list))
        .routes(routes!(engagement::like, engagement::unlike))
        .routes(routes!(boards::save, boards::unsave))
        .routes(routes!(boards::create_board))
        .routes(routes!(boards::get_board, boards::update_board, boards::delete_board))
        .routes(routes!(boards::board_notes))
        .routes(routes!(boards::actor_boards))
        .routes(routes!(boards::my_saved))
        .routes(routes!(safety::report))
        .routes(routes!(safety::open_reports))
        .routes(routes!(safety::resolve))
        .routes(routes!(safety::block, safety::unblock))
        .routes(routes!(safety::mute, safety::unmute))
        .routes(routes!(engagement::comments, engagement::add_comment))
        .routes(routes!(engagement::delete_comment))
        .routes(routes!(engagement::like_comment, engagement::unlike_comment))
        .routes(routes!(engagement::notifications))
        .routes(routes!(engagement::unread))
        .routes(routes!(engagement::mark_read))
        .routes(routes!(tokens::create_token, tokens::list_tokens))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(orgs::create_org, orgs::list_my_orgs))
        .routes(routes!(orgs::get_org, orgs::update_org))
        .routes(routes!(orgs::list_members))
        .routes(routes!(orgs::set_member_role, orgs::remove_member))
        .routes(routes!(orgs::invite, orgs::list_invitations))
        .routes(routes!(orgs::revoke_invitation))
        .routes(routes!(orgs::request_verification, orgs::list_verifications))
        .routes(routes!(admin::list_users))
        .routes(routes!(admin::get_user))
        .routes(routes!(admin::suspend_user))
        .routes(routes!(admin::unsuspend_user))
        .routes(routes!(admin::reset_password))
        .routes(routes!(admin::list_orgs))
        .routes(routes!(admin::verification_queue))
        .routes(routes!(admin::approve_verification))
        .routes(routes!(admin::reject_verification))
        .routes(routes!(admin::audit_log))
        .routes(routes!(admin::list_jobs))
        .routes(routes!(admin::retry_job))
        .routes(routes!(admin::consumers))
        .routes(routes!(feed::admin_user_feed))
        .routes(routes!(feed::fairness))
        .routes(routes!(money::wallet))
        .routes(routes!(money::wallet_entries))
        .routes(routes!(money::top_up))
        .routes(routes!(money::my_payments))
        .routes(routes!(money::get_payment))
        .routes(routes!(money::send_gift))
        .routes(routes!(money::get_transaction))
        .routes(routes!(money::my_payout_account, money::set_my_payout_account))
        .routes(routes!(money::my_payouts, money::request_my_payout))
        .routes(routes!(money::cancel_my_payout))
        .routes(routes!(money::org_balances))
        .routes(routes!(money::org_entries))
        .routes(routes!(money::org_top_up))
        .routes(routes!(money::org_payout_account, money::set_org_payout_account))
        .routes(routes!(money::org_payouts, money::request_org_payout))
        .routes(routes!(money::webhook))
        .routes(routes!(money::revenue))
        .routes(routes!(money::revenue_csv))
        .routes(routes!(money::refund))
        .routes(routes!(money::admin_payouts))
        .routes(routes!(money::run_payout_batch))
        .routes(routes!(money::reconciliation))
}

/// `?limit=&cursor=` on every list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page: default 20, clamped to 1..=100.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct IdCursor {
    pub after: Id,
}

impl PageQuery {
    /// The clamped limit and the id to continue after, verified against tampering.
    pub fn position(&self, state: &AppState) -> Result<(u32, Option<Id>)> {
        let limit = clamp_limit(self.limit);
        let after = match self.cursor.as_deref() {
            Some(cursor) if !cursor.is_empty() => Some(state.cursors().decode::<IdCursor>(cursor)?.after),
            _ => None,
        };
        Ok((limit, after))
    }
}

/// Builds a page from up to `limit + 1` fetched items: the extra one only says
/// that there is a next page.
pub fn page<R, V>(
    state: &AppState,
    mut rows: Vec<R>,
    limit: u32,
    key: impl Fn(&R) -> Id,
    view: impl Fn(&R) -> V,
) -> Page<V> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor =
        if more { rows.last().map(|last| state.cursors().encode(&IdCursor { after: key(last) })) } else { None };
    Page { items: rows.iter().map(view).collect(), next_cursor }
}

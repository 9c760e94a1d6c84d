//! Engagement pages: like and unlike (JavaScript makes it reload-free), comments and
//! replies on the note page, and the notifications page.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carmine_accounts::Caller;
use carmine_core::{ErrorCode, Id};
use carmine_notes::CommentPage;
use carmine_store::comments::CommentRecord;
use serde::Deserialize;

use super::{Avatar, Layout, PageForm, done, render, shown_on_form};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{AdToken, ApiQuery, Member, path_id};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/notes/{id}/like", post(like))
        .route("/notes/{id}/unlike", post(unlike))
        .route("/notes/{id}/comments", post(comment))
        .route("/comments/{id}/delete", post(delete_comment))
        .route("/comments/{id}/like", post(like_comment))
        .route("/comments/{id}/unlike", post(unlike_comment))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(mark_read))
}

pub(crate) struct CommentRow {
    pub id: String,
    pub note_id: String,
    pub author_handle: String,
    pub author_name: String,
    pub author_avatar: Option<String>,
    pub reply_to: Option<String>,
    pub body: String,
    pub deleted: bool,
    pub created_at: carmine_core::Timestamp,
    pub deletable: bool,
    pub likes: i64,
    /// The viewer liked it.
    pub liked: bool,
}

impl CommentRow {
    pub fn avatar(&self) -> Avatar {
        Avatar::of(&self.author_handle, &self.author_name, self.author_avatar.as_deref())
    }
}

pub(crate) struct ThreadRow {
    pub comment: CommentRow,
    pub replies: Vec<CommentRow>,
}

fn comment_row(c: &CommentRecord, caller: Option<&Caller>, note_editable: bool, liked: &[Id]) -> CommentRow {
    CommentRow {
        id: c.id.to_string(),
        note_id: c.note_id.to_string(),
        author_handle: c.author_handle.clone(),
        author_name: c.author_name.clone(),
        author_avatar: c.author_avatar.clone(),
        reply_to: c.parent_author_handle.clone().filter(|_| c.parent_id != c.root_id),
        body: c.body.clone(),
        deleted: c.deleted,
        created_at: c.created_at,
        deletable: !c.deleted && (note_editable || caller.is_some_and(|caller| caller.user_id == c.author_id)),
        likes: c.like_count,
        liked: liked.contains(&c.id),
    }
}

/// The comments of a page as rows; `liked`: the ones the viewer liked.
pub(crate) fn thread_rows(
    page: &CommentPage,
    caller: Option<&Caller>,
    note_editable: bool,
    liked: &[Id],
) -> Vec<ThreadRow> {
    page.threads
        .iter()
        .map(|t| ThreadRow {
            comment: comment_row(&t.comment, caller, note_editable, liked),
            replies: t.replies.iter().map(|r| comment_row(r, caller, note_editable, liked)).collect(),
        })
        .collect()
}

async fn like(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().like(&caller, id, ad.via(&state, &caller, id).await).await?;
    Ok(Redirect::to(&format!("/notes/{id}")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct BackTo {
    return_to: Option<String>,
}

async fn like_comment(
    state: State<AppState>,
    member: Member,
    id: Path<String>,
    back: PageForm<BackTo>,
) -> Result<Response, ApiError> {
    set_comment_like(state, member, id, back, true).await
}

async fn unlike_comment(
    state: State<AppState>,
    member: Member,
    id: Path<String>,
    back: PageForm<BackTo>,
) -> Result<Response, ApiError> {
    set_comment_like(state, member, id, back, false).await
}

/// Likes or unlikes a comment, then back to it on its note's page.
async fn set_comment_like(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(back): PageForm<BackTo>,
    like: bool,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::CommentNotFound)?;
    if like {
        state.notes().like_comment(&caller, id).await?;
    } else {
        state.notes().unlike_comment(&caller, id).await?;
    }
    Ok(Redirect::to(&super::local_path(back.return_to, || "/".to_owned())).into_response())
}

async fn unlike(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().unlike(&caller, id).await?;
    Ok(Redirect::to(&format!("/notes/{id}")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct CommentForm {
    body: String,
    parent_id: Option<String>,
}

async fn comment(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(id): Path<String>,
    PageForm(form): PageForm<CommentForm>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let parent = match form.parent_id.as_deref().filter(|p| !p.is_empty()) {
        Some(parent) => Some(path_id(parent, ErrorCode::CommentNotFound)?),
        None => None,
    };
    let via_ad = ad.via(&state, &caller, id).await;
    match state.notes().comment(&caller, id, parent, &form.body, via_ad).await {
        // The fragment scrolls the browser to the new comment.
        Ok(comment) => Ok(Redirect::to(&format!("/notes/{id}?done=comment_added#c{}", comment.id)).into_response()),
        Err(error) => {
            let error = shown_on_form(error)?;
            super::notes::note_page_response(&state, Some(&caller), id, Default::default(), Some(&error)).await
        }
    }
}

async fn delete_comment(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::CommentNotFound)?;
    let note_id = state.notes().delete_comment(&caller, id).await?;
    Ok(done(&format!("/notes/{note_id}"), "comment_deleted"))
}

struct NotificationRow {
    read: bool,
    actor_handle: String,
    actor_name: String,
    /// What happened (`notification-<kind>` in the catalogues).
    kind: &'static str,
    link: Option<String>,
    /// The note's title; `None`: untitled.
    target: Option<String>,
    quote: Option<String>,
    /// A gift's coins.
    coins: i64,
    created_at: carmine_core::Timestamp,
}

/// What a notification can say happened (`notification-<kind>`; anything else: `other`).
pub(crate) const NOTIFICATION_KINDS: &[&str] =
    &["like", "save", "comment", "reply", "mention", "follow", "comment_like", "gift", "other"];

impl NotificationRow {
    fn avatar(&self) -> Avatar {
        Avatar::generated(&self.actor_handle, &self.actor_name)
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    items: Vec<NotificationRow>,
    unread: i64,
    next_page: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct NotificationsQuery {
    before: Option<String>,
    done: Option<String>,
}

async fn notifications(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<NotificationsQuery>,
) -> Result<Response, ApiError> {
    let before = q.before.as_deref().and_then(|b| b.parse::<Id>().ok());
    let page = state.notes().notifications(&caller, before, 30).await?;
    let unread = state.notes().unread_notifications(&caller).await?;
    let items = page
        .items
        .iter()
        .map(|n| {
            let kind = NOTIFICATION_KINDS.iter().copied().find(|k| *k == n.kind).unwrap_or("other");
            let link = n.note_id.filter(|_| n.note_title.is_some()).map(|note| match n.comment_id {
                Some(comment) => format!("/notes/{note}#c{comment}"),
                None => format!("/notes/{note}"),
            });
            NotificationRow {
                read: n.read,
                actor_handle: n.actor_handle.clone(),
                actor_name: n.actor_name.clone(),
                kind,
                target: n.note_title.clone().filter(|t| !t.is_empty()),
                link,
                quote: n.comment_body.clone().filter(|b| !b.is_empty()),
                coins: n.coins.unwrap_or(0),
                created_at: n.created_at,
            }
        })
        .collect();
    let next_page = page.next.map(|next| format!("/notifications?before={next}"));
    let layout = Layout::with(Some(&caller), q.done.as_deref(), None);
    Ok(render(&NotificationsPage { layout, items, unread, next_page }, None))
}

async fn mark_read(State(state): State<AppState>, Member(caller): Member) -> Result<Response, ApiError> {
    state.notes().mark_notifications_read(&caller, None).await?;
    Ok(done("/notifications", "notifications_read"))
}

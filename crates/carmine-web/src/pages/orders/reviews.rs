//! Reviews on the pages: the buyer's review form for a line of a received order
//! (`/orders/{id}/review?line=`, a multipart form so images need no script), and a
//! review as the product page shows it.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_core::{Error, ErrorCode, Id};
use carmine_orders::ReviewInput;
use carmine_store::reviews::ReviewRecord;
use serde::Deserialize;

use crate::api::orders::reviews::post_review;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::multipart::Part;
use crate::pages::{Layout, done, render, shown_on_form};

/// A review form carries up to 9 images.
pub(super) const REVIEW_BODY_BYTES_MAX: usize = 64 << 20;

/// A review as a page shows it.
pub(crate) struct ReviewRow {
    pub id: String,
    pub author: String,
    pub author_name: String,
    pub rating: i64,
    /// "★★★★☆".
    pub stars: String,
    pub option_label: String,
    pub body: String,
    pub images: Vec<String>,
    pub when: String,
    pub note_url: Option<String>,
}

pub(crate) fn stars(rating: i64) -> String {
    let rating = rating.clamp(0, 5) as usize;
    format!("{}{}", "★".repeat(rating), "☆".repeat(5 - rating))
}

pub(crate) fn review_row(layout: &Layout, r: &ReviewRecord) -> ReviewRow {
    ReviewRow {
        id: r.id.to_string(),
        author: r.author_handle.clone(),
        author_name: if r.author_name.is_empty() { r.author_handle.clone() } else { r.author_name.clone() },
        rating: r.rating,
        stars: stars(r.rating),
        option_label: r.option_label.clone(),
        body: r.body.clone(),
        images: r.images.iter().map(crate::api::orders::image_url).collect(),
        when: layout.when(&r.created_at),
        note_url: r.note_id.map(|id| format!("/notes/{id}")),
    }
}

#[derive(Template)]
#[template(path = "review_new.html")]
struct ReviewPage {
    layout: Layout,
    order_id: String,
    line_id: String,
    title: String,
    option_label: String,
    rating: i64,
    body: String,
    publish: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct LineQuery {
    #[serde(default)]
    line: String,
}

/// What the form sent.
#[derive(Default)]
struct ReviewForm {
    line_id: String,
    rating: String,
    body: String,
    publish: bool,
    images: Vec<Vec<u8>>,
}

async fn read_form(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<ReviewForm, Error> {
    let mut form = ReviewForm::default();
    for (name, part) in crate::pages::multipart::read(multipart, &["images"]).await? {
        match (name.as_str(), part) {
            ("images", Part::File(bytes)) if !bytes.is_empty() => form.images.push(bytes),
            (_, Part::File(_)) => {}
            ("line_id", Part::Text(value)) => form.line_id = value,
            ("rating", Part::Text(value)) => form.rating = value,
            ("body", Part::Text(value)) => form.body = value,
            ("publish_as_note", Part::Text(value)) => form.publish = value == "on",
            _ => {}
        }
    }
    if form.images.len() > carmine_orders::reviews::REVIEW_IMAGES_MAX {
        return Err(Error::invalid_field("media_ids", "at most 9 images"));
    }
    Ok(form)
}

async fn review_page(
    state: &AppState,
    caller: &Caller,
    order_id: Id,
    form: &ReviewForm,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let detail = state.orders().order(caller.user_id, order_id).await?;
    let line_id: Id = path_id(&form.line_id, ErrorCode::OrderNotFound)?;
    let line = detail.lines.iter().find(|l| l.id == line_id).ok_or(ErrorCode::OrderNotFound)?;
    let page = ReviewPage {
        layout: Layout::with(Some(caller), None, error),
        order_id: order_id.to_string(),
        line_id: line.id.to_string(),
        title: line.title.clone(),
        option_label: line.option_label.clone(),
        rating: form.rating.parse().unwrap_or(5),
        body: form.body.clone(),
        publish: form.publish,
    };
    Ok(render(&page, error))
}

pub(super) async fn new_review(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LineQuery>,
) -> Result<Response, ApiError> {
    let order_id = path_id(&id, ErrorCode::OrderNotFound)?;
    let form = ReviewForm { line_id: q.line, ..ReviewForm::default() };
    review_page(&state, &caller, order_id, &form, None).await
}

pub(super) async fn submit(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let order_id = path_id(&id, ErrorCode::OrderNotFound)?;
    state.orders().order(caller.user_id, order_id).await?;
    let mut form = read_form(multipart).await?;
    let images = std::mem::take(&mut form.images);
    let posted = async {
        let mut input = ReviewInput {
            line_id: form.line_id.parse().map_err(|_| Error::invalid_field("line_id", "a line of this order"))?,
            rating: form.rating.trim().parse().map_err(|_| Error::invalid_field("rating", "1 to 5 stars"))?,
            body: form.body.clone(),
            media_ids: Vec::new(),
        };
        // Checked before the images are uploaded: a refused form leaves none behind.
        state.orders().check_review(caller.user_id, order_id, &input).await?;
        input.media_ids = crate::pages::notes::upload_all(&state, &caller, images, &[]).await?;
        post_review(&state, &caller, order_id, &input, form.publish).await
    };
    match posted.await {
        Ok(_) => Ok(done(&format!("/orders/{order_id}"), "review_posted")),
        Err(error) => review_page(&state, &caller, order_id, &form, Some(&shown_on_form(error)?)).await,
    }
}

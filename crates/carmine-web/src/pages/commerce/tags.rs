//! Shoppable notes on the pages: the link a product tag opens (it records the
//! attribution — for a signed-out visitor through the first-party `carmine_ref`
//! cookie — and goes on to the product page), the tags a note page shows (cards,
//! pins on its images, the "contains affiliate links" label), and the tagging page
//! where whoever may edit a note finds products, tags them and pins them
//! (`/notes/{id}/products`: a form per tag; app.js places a pin where the image is
//! clicked).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use carmine_accounts::Caller;
use carmine_commerce::tags::{Tag, TagInput, Visitor};
use carmine_core::{Error, ErrorCode, Id};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, RequestContext, path_id};
use crate::pages::notes::ImageRow;
use crate::pages::{Layout, PageForm, done, render, shown_on_form};

/// A tag as a note page shows it.
pub(crate) struct TagCard {
    pub card: super::product::ProductCardRow,
    pub open_url: String,
    pub available: bool,
}

/// What a note page shows of its product tags.
#[derive(Default)]
pub(crate) struct NoteProducts {
    pub cards: Vec<TagCard>,
    /// Some tag may earn its creator a commission.
    pub affiliate: bool,
}

/// A pin on a carousel image.
pub(crate) struct PinRow {
    pub href: String,
    /// Percent of the image's width and height.
    pub x: String,
    pub y: String,
    pub label: String,
    /// On the right half of the picture: the label goes to the dot's left, so it stays
    /// on the picture.
    pub flip: bool,
    pub available: bool,
}

/// The middle of a picture, in a pin's thousandths.
const PIN_SCALE_HALF: i64 = carmine_core::limits::PIN_SCALE / 2;

fn percent(per_mille: i64) -> String {
    format!("{}.{}", per_mille / 10, per_mille % 10)
}

/// The note page's product tags, and their pins placed on `images`.
pub(crate) async fn note_products(
    state: &AppState,
    layout: &Layout,
    viewer: Option<&Caller>,
    note_id: Id,
    images: &mut [ImageRow],
) -> Result<NoteProducts, Error> {
    let tags = state.commerce().tags(viewer, note_id).await?;
    for tag in &tags {
        if let Some((media_id, x, y)) = tag.record.pin
            && let Some(image) = images.iter_mut().find(|i| i.id == media_id.to_string())
        {
            // A product no longer on sale: its pin leads to its page (which says so),
            // records no tap, and looks switched off.
            let (href, label) = if tag.available {
                (format!("/notes/{note_id}/products/{}", tag.product.id), tag.product.title.clone())
            } else {
                (
                    format!("/products/{}", tag.product.id),
                    format!("{} · {}", tag.product.title, layout.t("product-unavailable-short")),
                )
            };
            image.pins.push(PinRow {
                href,
                x: percent(x),
                y: percent(y),
                label,
                flip: x > PIN_SCALE_HALF,
                available: tag.available,
            });
        }
    }
    Ok(NoteProducts {
        affiliate: tags.iter().any(|t| t.pays_commission),
        cards: tags
            .iter()
            .map(|t| TagCard {
                card: super::product::ProductCardRow::new(layout, &t.product, true),
                open_url: format!("/notes/{note_id}/products/{}", t.product.id),
                available: t.available,
            })
            .collect(),
    })
}

/// A tap on a tag: the attribution, then the product page.
pub(super) async fn open(
    State(state): State<AppState>,
    context: RequestContext,
    headers: HeaderMap,
    Path((note_id, product_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let note_id = path_id(&note_id, ErrorCode::NoteNotFound)?;
    let product_id = path_id(&product_id, ErrorCode::ProductNotFound)?;
    let caller = context.caller.as_ref();
    let (visitor, new_cookie) = match (caller, crate::cookies::referral(&headers)) {
        (Some(caller), _) => (Visitor::Member(caller.user_id), None),
        (None, Some(token)) => (Visitor::Cookie(token), None),
        (None, None) => {
            let token = carmine_core::secret::random_token(24);
            (Visitor::Cookie(token.clone()), Some(token))
        }
    };
    state.commerce().tap(caller, &visitor, note_id, product_id).await?;
    let mut response = Redirect::to(&format!("/products/{product_id}")).into_response();
    let days = state.commerce().attribution_days();
    let token = new_cookie.or(match &visitor {
        Visitor::Cookie(token) => Some(token.clone()),
        Visitor::Member(_) => None,
    });
    if let Some(token) = token {
        // Each tap renews the window the cookie lasts.
        let cookie = crate::cookies::set_referral(state.web_config(), &token, days * 86_400);
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

// ---- the tagging page ------------------------------------------------------------------

struct TagRowView {
    product_id: String,
    card: super::product::ProductCardRow,
    available: bool,
    media_id: String,
    x: String,
    y: String,
}

#[derive(Template)]
#[template(path = "note_products.html")]
struct TaggingPage {
    layout: Layout,
    note_id: String,
    note_title: String,
    images: Vec<ImageRow>,
    tags: Vec<TagRowView>,
    query: String,
    found: Vec<super::product::ProductCardRow>,
    full: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct TaggingQuery {
    #[serde(default)]
    q: String,
    done: Option<String>,
}

async fn tagging_page(
    state: &AppState,
    caller: &Caller,
    note_id: Id,
    query: &TaggingQuery,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let note = state.notes().writable(caller, note_id).await?;
    let detail = state.notes().get(Some(caller), note_id).await?;
    let layout = Layout::with(Some(caller), query.done.as_deref(), error);
    let tags = state.commerce().tags(Some(caller), note_id).await?;
    let found = state.commerce().find_products(&query.q, 20).await?;
    let tagged: Vec<Id> = tags.iter().map(|t| t.product.id).collect();
    // The pins already placed, each leading to its tag's form.
    let mut images: Vec<ImageRow> = detail.media.iter().map(ImageRow::detail).collect();
    for tag in &tags {
        if let Some((media_id, x, y)) = tag.record.pin
            && let Some(image) = images.iter_mut().find(|i| i.id == media_id.to_string())
        {
            image.pins.push(PinRow {
                href: format!("#tag-{}", tag.product.id),
                x: percent(x),
                y: percent(y),
                label: tag.product.title.clone(),
                flip: x > PIN_SCALE_HALF,
                available: tag.available,
            });
        }
    }
    let page = TaggingPage {
        note_id: note_id.to_string(),
        note_title: note.title.clone(),
        images,
        full: tags.len() >= carmine_core::limits::NOTE_PRODUCT_TAGS_MAX,
        tags: tags
            .iter()
            .map(|t: &Tag| TagRowView {
                product_id: t.product.id.to_string(),
                card: super::product::ProductCardRow::new(&layout, &t.product, true),
                available: t.available,
                media_id: t.record.pin.map(|(m, _, _)| m.to_string()).unwrap_or_default(),
                x: t.record.pin.map(|(_, x, _)| percent(x)).unwrap_or_default(),
                y: t.record.pin.map(|(_, _, y)| percent(y)).unwrap_or_default(),
            })
            .collect(),
        query: query.q.clone(),
        found: found
            .iter()
            .filter(|p| !tagged.contains(&p.id))
            .map(|p| super::product::ProductCardRow::new(&layout, p, true))
            .collect(),
        layout,
    };
    Ok(render(&page, error))
}

pub(super) async fn show(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TaggingQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    tagging_page(&state, &caller, id, &q, None).await
}

#[derive(Deserialize)]
pub(super) struct TagForm {
    /// `add`, `pin` or `remove`.
    action: String,
    product_id: String,
    #[serde(default)]
    media_id: String,
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
}

/// A pin typed as percentages (`40`, `62.5`) in thousandths; none without an image.
fn pin_of(form: &TagForm) -> Result<Option<(Id, i64, i64)>, Error> {
    let Ok(media_id) = form.media_id.trim().parse::<Id>() else { return Ok(None) };
    let per_mille = |raw: &str| -> Result<i64, Error> {
        let value: f64 =
            raw.trim().parse().map_err(|_| Error::invalid_field("tags", "a pin's place is two percentages"))?;
        if !(0.0..=100.0).contains(&value) {
            return Err(Error::invalid_field("tags", "a pin is inside its image: 0 to 100%"));
        }
        Ok((value * 10.0).round() as i64)
    };
    Ok(Some((media_id, per_mille(&form.x)?, per_mille(&form.y)?)))
}

pub(super) async fn save(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    PageForm(form): PageForm<TagForm>,
) -> Result<Response, ApiError> {
    let note_id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().writable(&caller, note_id).await?;
    let result = async {
        let product_id = form
            .product_id
            .parse::<Id>()
            .map_err(|_| Error::new(ErrorCode::ProductNotFound).with_details(serde_json::json!({ "field": "tags" })))?;
        let current = state.commerce().tags(Some(&caller), note_id).await?;
        let mut tags: Vec<TagInput> =
            current.iter().map(|t| TagInput { product_id: t.product.id, pin: t.record.pin }).collect();
        match form.action.as_str() {
            "add" => tags.push(TagInput { product_id, pin: pin_of(&form)? }),
            "pin" => {
                let pin = pin_of(&form)?;
                if let Some(tag) = tags.iter_mut().find(|t| t.product_id == product_id) {
                    tag.pin = pin;
                }
            }
            "remove" => tags.retain(|t| t.product_id != product_id),
            _ => return Err(Error::invalid_field("action", "must be add, pin or remove")),
        }
        state.commerce().set_tags(&caller, note_id, &tags).await
    }
    .await;
    match result {
        Ok(_) => Ok(done(&format!("/notes/{note_id}/products"), "tags_saved")),
        Err(error) => {
            let error = shown_on_form(error)?;
            tagging_page(&state, &caller, note_id, &TaggingQuery::default(), Some(&error)).await
        }
    }
}

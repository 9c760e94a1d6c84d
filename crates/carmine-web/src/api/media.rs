//! Image uploads (`POST /api/v1/media`, multipart), their descriptions (`PATCH
//! /api/v1/media/{id}`: alt text, for readers who cannot see the image) and the image
//! files themselves (`/media/{id}/{key}/{variant}.jpg`, immutable, long-cached).

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_media::Variant;
use carmine_store::media::MediaRecord;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{CheckLater, Member, path_id};
use crate::openapi::ErrorBody;

/// The upload route, with a body limit sized for images rather than JSON.
pub(crate) fn upload_router(state: &AppState) -> OpenApiRouter<AppState> {
    let limit = state.media().config().upload_bytes_max + 64 * 1024; // multipart framing
    OpenApiRouter::new().routes(routes!(upload)).layer(DefaultBodyLimit::max(limit))
}

/// The routes on one uploaded image (JSON bodies, the API's usual limit).
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(describe))
}

pub(crate) fn files_router() -> Router<AppState> {
    Router::new().route("/media/{id}/{key}/{variant}", get(file))
}

/// An uploaded image, ready to attach to a note.
#[derive(Serialize, ToSchema)]
pub struct MediaView {
    #[schema(value_type = String)]
    pub id: Id,
    /// Of the detail variant, orientation applied.
    pub width: i64,
    pub height: i64,
    /// `#rrggbb`, to paint while the image loads.
    pub placeholder_color: String,
    pub detail_url: String,
    pub grid_url: String,
    pub grid_width: i64,
    pub grid_height: i64,
    /// What the image shows, for screen readers (`""`: not described yet).
    pub alt_text: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl MediaView {
    pub fn new(record: &MediaRecord) -> Self {
        let url = |variant: Variant| format!("/media/{}/{}/{}", record.id, record.url_key, variant.file_name());
        MediaView {
            id: record.id,
            width: record.width,
            height: record.height,
            placeholder_color: record.placeholder_color.clone(),
            detail_url: url(Variant::Detail),
            grid_url: url(Variant::Grid),
            grid_width: record.grid_width,
            grid_height: record.grid_height,
            alt_text: record.alt_text.clone(),
            created_at: record.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeMediaRequest {
    /// What the image shows; `""` removes the description.
    #[schema(max_length = 200)]
    pub alt_text: String,
}

/// Describes one of the caller's images (its alt text, shown to screen readers on the
/// note page and on cards). Another member's image is not found.
#[utoipa::path(patch, path = "/api/v1/media/{id}", tag = "media", params(("id" = String, Path)),
    request_body = DescribeMediaRequest,
    responses(
        (status = 200, body = MediaView),
        (status = 404, body = ErrorBody, description = "`media_not_found`: no such image of yours"),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `unknown_field`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn describe(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: CheckLater<DescribeMediaRequest>,
) -> Result<Json<MediaView>, ApiError> {
    let id = path_id(&id, ErrorCode::MediaNotFound)?;
    if state.media().get(id).await?.owner_id != caller.user_id {
        return Err(Error::new(ErrorCode::MediaNotFound).into());
    }
    let body = body.parse()?;
    state.media().describe(caller.user_id, id, &body.alt_text).await?;
    Ok(Json(MediaView::new(&state.media().get(id).await?)))
}

/// The multipart form a client sends.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the request body in the OpenAPI document only
pub struct UploadForm {
    /// A JPEG, PNG or WebP image, at most 20 MiB and 40 megapixels. Identified by its
    /// bytes; the declared type and file name are ignored.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    pub file: String,
}

/// Uploads an image. It is re-encoded as JPEG (orientation applied, metadata removed)
/// at a detail and a grid size.
#[utoipa::path(post, path = "/api/v1/media", tag = "media",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = MediaView),
        (status = 413, body = ErrorBody, description = "`payload_too_large`, `image_too_large`"),
        (status = 415, body = ErrorBody, description = "`unsupported_image`, `unsupported_media_type`"),
        (status = 422, body = ErrorBody, description = "`image_undecodable`, `missing_field`, `unknown_field`"),
        (status = 429, body = ErrorBody, description = "`upload_quota_exceeded`, `rate_limited`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    Member(caller): Member,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<MediaView>), ApiError> {
    let not_multipart = || {
        Error::new(ErrorCode::UnsupportedMediaType)
            .with_message("send the image as multipart/form-data in a field named file")
    };
    let mut multipart = multipart.map_err(|_| not_multipart())?;
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| multipart_error(&e))? {
        match field.name() {
            Some("file") if file.is_none() => file = Some(field.bytes().await.map_err(|e| multipart_error(&e))?),
            Some("file") => return Err(Error::invalid_field("file", "send one image per upload").into()),
            other => {
                let name = other.unwrap_or("").to_owned();
                return Err(Error::new(ErrorCode::UnknownField)
                    .with_message(format!("unknown field {name}"))
                    .with_details(json!({ "field": name }))
                    .into());
            }
        }
    }
    let file = file.ok_or_else(|| {
        Error::new(ErrorCode::MissingField).with_message("missing field file").with_details(json!({ "field": "file" }))
    })?;
    let record = state.media().upload(caller.user_id, file.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(MediaView::new(&record))))
}

fn multipart_error(error: &axum::extract::multipart::MultipartError) -> Error {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::new(ErrorCode::PayloadTooLarge)
    } else {
        Error::new(ErrorCode::MalformedRequest)
            .with_message(format!("the multipart body could not be read: {}", error.body_text()))
    }
}

/// Serves a variant we encoded. The URL never changes meaning, so browsers may keep it.
async fn file(
    State(state): State<AppState>,
    Path((id, key, variant)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::MediaNotFound)?;
    let variant = Variant::parse(&variant).ok_or_else(|| Error::new(ErrorCode::MediaNotFound))?;
    let jpeg = state.media().read(id, &key, variant).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            // At most a week in caches: a deleted image stops being served at once
            // here, and copies elsewhere age out.
            (header::CACHE_CONTROL, "public, max-age=604800"),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        jpeg,
    )
        .into_response())
}

//! The catalogue as CSV through the API: export a store's products and stock, and
//! import a file (UTF-8, ≤ 5 MiB, ≤ 10,000 rows; a product with its variant rows is
//! applied or rejected whole; rejections name their lines). The import route has its
//! own body limit, the file's.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use carmine_accounts::orgs::OrgAction;
use carmine_commerce::catalogue_csv::ImportReport;
use carmine_core::ErrorCode;
use carmine_core::limits::CATALOGUE_CSV_BYTES_MAX;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Member, path_id};
use crate::openapi::ErrorBody;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_catalogue)).merge(
        OpenApiRouter::new()
            .routes(routes!(import_catalogue))
            .layer(DefaultBodyLimit::max(CATALOGUE_CSV_BYTES_MAX + 1024)),
    )
}

#[derive(Serialize, ToSchema)]
pub struct UnitFailureView {
    /// The product's first and last line in the file.
    pub first_line: usize,
    pub last_line: usize,
    /// The file's `product` cell.
    pub product: String,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReportView {
    pub created: usize,
    pub updated: usize,
    /// Products not applied (nothing of them was written).
    pub failed: Vec<UnitFailureView>,
}

impl From<ImportReport> for ImportReportView {
    fn from(report: ImportReport) -> Self {
        ImportReportView {
            created: report.created,
            updated: report.updated,
            failed: report
                .failed
                .into_iter()
                .map(|f| UnitFailureView {
                    first_line: f.lines.0,
                    last_line: f.lines.1,
                    product: f.product,
                    code: f.code.as_str().to_owned(),
                    message: f.message,
                    field: f.field,
                })
                .collect(),
        }
    }
}

/// The store's products and stock as CSV, one row per variant (any member of the store).
#[utoipa::path(get, path = "/api/v1/stores/{id}/products.csv", tag = "commerce", params(("id" = String, Path)), responses(
    (status = 200, description = "text/csv; UTF-8 with a BOM, so spreadsheets read Chinese"),
    (status = 404, body = ErrorBody, description = "`store_not_found` (also for non-members)")),
    security(("session" = []), ("bearer" = [])))]
pub async fn export_catalogue(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    let body = state.commerce().export_catalogue(&caller, id).await?;
    Ok(csv_response(&format!("catalogue-{id}.csv"), body))
}

/// A CSV download; the BOM makes spreadsheets read it as UTF-8.
pub(crate) fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        format!("\u{feff}{body}"),
    )
        .into_response()
}

/// Applies a catalogue CSV (the request body) to the store (staff, admins, owners).
#[utoipa::path(post, path = "/api/v1/stores/{id}/products/import", tag = "commerce", params(("id" = String, Path)),
    request_body(content = String, content_type = "text/csv", description = "UTF-8 (a BOM is fine), at most 5 MiB and 10,000 rows"),
    responses(
    (status = 200, body = ImportReportView), (status = 403, body = ErrorBody, description = "`role_too_low`"),
    (status = 404, body = ErrorBody, description = "`store_not_found`"),
    (status = 413, body = ErrorBody, description = "`payload_too_large`"),
    (status = 422, body = ErrorBody, description = "`invalid_field` with `details.line`: not UTF-8, a bad header or quoting; too many rows")),
    security(("session" = []), ("bearer" = [])))]
pub async fn import_catalogue(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<ImportReportView>, ApiError> {
    let id = path_id(&id, ErrorCode::StoreNotFound)?;
    state.commerce().authorize_store(&caller, id, OrgAction::EditCatalogue).await?;
    let body = body.map_err(|rejection| {
        let code = if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ErrorCode::PayloadTooLarge
        } else {
            ErrorCode::MalformedRequest
        };
        carmine_core::Error::new(code)
    })?;
    let report = state.commerce().import_catalogue(&caller, id, &body).await?;
    Ok(Json(report.into()))
}

//! Campaign reports (`/api/v1/ads/reports`, ADR 0033): delivery and results by day,
//! placement, ad, keyword, search term, age band or gender over up to 92 local days,
//! as JSON or CSV (UTF-8 with a BOM, the time zone named in the header). Anyone of
//! the advertiser who may view ads; another advertiser's campaign answers 404.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use carmine_accounts::Caller;
use carmine_ads::reports::{Breakdown, Cell, Report};
use carmine_core::{Error, ErrorCode, Id};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::money::MoneyView;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member};
use crate::openapi::ErrorBody;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The campaign.
    pub campaign: String,
    /// `day` (default), `placement`, `ad`, `keyword`, `search_term`, `age_band` or `gender`.
    pub by: Option<String>,
    /// Local days (the instance's time zone), inclusive; default: the last 7 days.
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportRowView {
    /// The day, placement, ad id, keyword, search term, age band or gender; empty for
    /// "none" (no keyword, not shared).
    pub key: String,
    pub impressions: i64,
    pub reach: i64,
    pub frequency: f64,
    pub viewable_impressions: i64,
    pub clicks: i64,
    /// Clicks per impression served.
    pub ctr: f64,
    /// Net cost per click and per 1,000 impressions served.
    pub cpc: Option<MoneyView>,
    pub cpm: Option<MoneyView>,
    /// Billed; found invalid and credited back; what it cost (gross − invalid).
    pub gross: MoneyView,
    pub invalid: MoneyView,
    pub net: MoneyView,
    pub engagements: i64,
    pub cost_per_engagement: Option<MoneyView>,
    /// Paid orders from the advertiser's store within 7 days of a click.
    pub conversions: i64,
    pub revenue: MoneyView,
    /// Revenue per unit of net spend.
    pub roas: Option<f64>,
    /// Not final until invalid traffic has been looked for past its end.
    pub preliminary: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub campaign_id: String,
    pub by: String,
    pub from: String,
    pub to: String,
    /// The time zone its days are in.
    pub time_zone: String,
    pub preliminary: bool,
    /// Cells left out for having fewer than `cell_min` members.
    pub suppressed: usize,
    pub cell_min: usize,
    pub rows: Vec<ReportRowView>,
    pub total: ReportRowView,
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

pub(crate) fn row_view(state: &AppState, cell: &Cell) -> ReportRowView {
    let money = |minor: i64| MoneyView::new(minor, state.ledger().config().currency);
    ReportRowView {
        key: cell.key.clone(),
        impressions: cell.impressions,
        reach: cell.reach,
        frequency: round(cell.frequency(), 2),
        viewable_impressions: cell.viewable,
        clicks: cell.clicks,
        ctr: round(cell.ctr(), 4),
        cpc: cell.cpc_minor().map(money),
        cpm: cell.cpm_minor().map(money),
        gross: money(cell.gross_millis / 1_000),
        invalid: money(cell.invalid_millis / 1_000),
        net: money(cell.net_millis() / 1_000),
        engagements: cell.engagements,
        cost_per_engagement: cell.cost_per_engagement_minor().map(money),
        conversions: cell.conversions,
        revenue: money(cell.revenue_minor),
        roas: cell.roas().map(|r| round(r, 2)),
        preliminary: cell.preliminary,
    }
}

/// The time zone's name as reports print it.
pub(crate) fn time_zone() -> String {
    carmine_core::clock::instance_zone().iana_name().unwrap_or("UTC").to_owned()
}

pub(crate) fn report_view(state: &AppState, report: &Report) -> ReportView {
    ReportView {
        campaign_id: report.campaign.id.to_string(),
        by: report.breakdown.as_str().to_owned(),
        from: report.from.to_string(),
        to: report.to.to_string(),
        time_zone: time_zone(),
        preliminary: report.preliminary,
        suppressed: report.suppressed,
        cell_min: report.cell_min,
        rows: report.rows.iter().map(|c| row_view(state, c)).collect(),
        total: row_view(state, &report.total),
    }
}

/// The report a query asks for (the last 7 days by day by default).
pub(crate) async fn read(state: &AppState, caller: &Caller, q: &ReportQuery) -> Result<Report, Error> {
    let campaign = q.campaign.parse::<Id>().map_err(|_| Error::new(ErrorCode::AdCampaignNotFound))?;
    let by = Breakdown::parse(q.by.as_deref().unwrap_or("day"))?;
    let today = state.ads().db().now().local_date();
    let date = |field: &str, raw: Option<&str>, default: jiff::civil::Date| match raw.filter(|r| !r.is_empty()) {
        Some(raw) => {
            raw.parse::<jiff::civil::Date>().map_err(|_| Error::invalid_field(field, "a date like 2026-01-31"))
        }
        None => Ok(default),
    };
    let to = date("to", q.to.as_deref(), today)?;
    let from = date("from", q.from.as_deref(), to.checked_sub(jiff::Span::new().days(6)).unwrap_or(to))?;
    state.ads().report(caller, campaign, by, from, to).await
}

/// The report as CSV: a BOM so spreadsheets read Chinese, amounts as decimals, the
/// time zone in the first column's name.
pub(crate) fn csv(report: &Report) -> String {
    use carmine_core::csv::line;
    use carmine_core::money::decimal;
    let key = match report.breakdown {
        Breakdown::Day => format!("day ({})", time_zone()),
        other => other.as_str().to_owned(),
    };
    let mut out = String::from('\u{feff}');
    let header = [
        key.as_str(),
        "impressions",
        "reach",
        "frequency",
        "viewable_impressions",
        "clicks",
        "ctr",
        "cpc",
        "cpm",
        "gross",
        "invalid",
        "net",
        "engagements",
        "cost_per_engagement",
        "conversions",
        "revenue",
        "roas",
        "preliminary",
    ];
    out.push_str(&line(&header.map(str::to_owned)));
    let optional = |minor: Option<i64>| minor.map(decimal).unwrap_or_default();
    let row = |label: &str, c: &Cell| {
        line(&[
            label.to_owned(),
            c.impressions.to_string(),
            c.reach.to_string(),
            format!("{:.2}", c.frequency()),
            c.viewable.to_string(),
            c.clicks.to_string(),
            format!("{:.4}", c.ctr()),
            optional(c.cpc_minor()),
            optional(c.cpm_minor()),
            decimal(c.gross_millis / 1_000),
            decimal(c.invalid_millis / 1_000),
            decimal(c.net_millis() / 1_000),
            c.engagements.to_string(),
            optional(c.cost_per_engagement_minor()),
            c.conversions.to_string(),
            decimal(c.revenue_minor),
            c.roas().map(|r| format!("{r:.2}")).unwrap_or_default(),
            (c.preliminary || report.preliminary).to_string(),
        ])
    };
    for cell in &report.rows {
        out.push_str(&row(&cell.key, cell));
    }
    out.push_str(&row("total", &report.total));
    out
}

pub(crate) fn csv_response(report: &Report) -> Response {
    let name = format!("ads-{}-{}-{}-{}.csv", report.campaign.id, report.breakdown.as_str(), report.from, report.to);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        csv(report),
    )
        .into_response()
}

/// A campaign's report.
#[utoipa::path(get, path = "/api/v1/ads/reports", tag = "ads", params(ReportQuery),
    responses((status = 200, body = ReportView), (status = 404, body = ErrorBody, description = "`ad_campaign_not_found`"),
        (status = 422, body = ErrorBody, description = "`invalid_field`: `by`, `from`, `to`")),
    security(("session" = []), ("bearer" = [])))]
pub async fn ad_report(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<ReportView>, ApiError> {
    let report = read(&state, &caller, &q).await?;
    Ok(Json(report_view(&state, &report)))
}

/// The same report as CSV.
#[utoipa::path(get, path = "/api/v1/ads/reports.csv", tag = "ads", params(ReportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn ad_report_csv(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let report = read(&state, &caller, &q).await?;
    Ok(csv_response(&report))
}

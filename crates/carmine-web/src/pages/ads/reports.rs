//! A campaign's report in the ads manager
//! (`/o/{handle}/manage/ads/campaigns/{id}/report`, ADR 0033): the breakdowns as
//! tabs, a date range, the table (gross, invalid and net; reach, frequency, CTR, CPC,
//! CPM; engagements and their cost; conversions, revenue and ROAS), a chart of spend
//! and clicks by day drawn as plain SVG, and the same report as CSV.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_ads::reports::{Breakdown, Cell, UNKNOWN};
use carmine_core::ErrorCode;
use serde::Deserialize;

use super::{console, own_campaign};
use crate::api::ads::reports::{ReportQuery, read, time_zone};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, path_id};
use crate::pages::money::{escape_text as escape, yuan};
use crate::pages::orgs::Console;
use crate::pages::{Layout, encode, render};

/// One row as the table shows it.
struct Row {
    key: String,
    impressions: i64,
    reach: i64,
    frequency: String,
    viewable: i64,
    clicks: i64,
    ctr: String,
    cpc: String,
    cpm: String,
    gross: String,
    invalid: String,
    net: String,
    engagements: i64,
    cost_per_engagement: String,
    conversions: i64,
    revenue: String,
    roas: String,
    preliminary: bool,
}

fn row(label: String, c: &Cell) -> Row {
    let money = |minor: Option<i64>| minor.map_or("—".to_owned(), yuan);
    Row {
        key: label,
        impressions: c.impressions,
        reach: c.reach,
        frequency: format!("{:.2}", c.frequency()),
        viewable: c.viewable,
        clicks: c.clicks,
        ctr: format!("{:.2}%", c.ctr() * 100.0),
        cpc: money(c.cpc_minor()),
        cpm: money(c.cpm_minor()),
        gross: yuan(c.gross_millis / 1_000),
        invalid: yuan(c.invalid_millis / 1_000),
        net: yuan(c.net_millis() / 1_000),
        engagements: c.engagements,
        cost_per_engagement: money(c.cost_per_engagement_minor()),
        conversions: c.conversions,
        revenue: yuan(c.revenue_minor),
        roas: c.roas().map_or("—".to_owned(), |r| format!("{r:.2}")),
        preliminary: c.preliminary,
    }
}

#[derive(Template)]
#[template(path = "ads_report.html")]
struct ReportPage {
    layout: Layout,
    console: Console,
    handle: String,
    campaign_id: String,
    campaign_name: String,
    by: &'static str,
    breakdowns: Vec<&'static str>,
    from: String,
    to: String,
    time_zone: String,
    preliminary: bool,
    suppressed: usize,
    cell_min: usize,
    rows: Vec<Row>,
    total: Row,
    chart: String,
    csv_href: String,
}

#[derive(Deserialize)]
pub(super) struct RangeQuery {
    by: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::AdCampaignNotFound)?;
    let (org, console, _) = console(&state, &caller, &handle).await?;
    own_campaign(&state, &caller, &handle, id, carmine_accounts::orgs::OrgAction::ViewAds).await?;
    let query = ReportQuery { campaign: id.to_string(), by: q.by.clone(), from: q.from, to: q.to };
    let layout = Layout::with(Some(&caller), None, None);
    let report = match read(&state, &caller, &query).await {
        Ok(report) => report,
        Err(error) => {
            // A range or breakdown the page cannot draw: the default report, with why.
            let error = crate::pages::shown_on_form(error)?;
            let fallback = ReportQuery { campaign: id.to_string(), by: q.by, from: None, to: None };
            let report = match read(&state, &caller, &fallback).await {
                Ok(report) => report,
                Err(_) => read(&state, &caller, &ReportQuery { by: None, ..fallback }).await?,
            };
            let layout = Layout::with(Some(&caller), None, Some(&error));
            let titles = ad_titles(&state, &report).await?;
            return page(layout, console, &org.handle, report, &titles, Some(&error));
        }
    };
    let titles = ad_titles(&state, &report).await?;
    page(layout, console, &org.handle, report, &titles, None)
}

/// The note titles of the ads a report by ad lists (id → title).
async fn ad_titles(
    state: &AppState,
    report: &carmine_ads::reports::Report,
) -> Result<std::collections::HashMap<String, String>, ApiError> {
    let mut titles = std::collections::HashMap::new();
    if report.breakdown != Breakdown::Ad {
        return Ok(titles);
    }
    let mut conn = state.ads().db().reader().await.map_err(carmine_core::Error::from)?;
    for row in &report.rows {
        let Ok(id) = row.key.parse::<carmine_core::Id>() else { continue };
        let ad = carmine_store::ads::get_ad(&mut conn, id).await.map_err(carmine_core::Error::from)?;
        let note = match ad {
            Some(ad) => carmine_store::notes::get(&mut conn, ad.note_id).await.map_err(carmine_core::Error::from)?,
            None => None,
        };
        if let Some(note) = note.filter(|n| !n.title.is_empty()) {
            titles.insert(row.key.clone(), note.title);
        }
    }
    Ok(titles)
}

fn page(
    layout: Layout,
    console: Console,
    handle: &str,
    report: carmine_ads::reports::Report,
    titles: &std::collections::HashMap<String, String>,
    error: Option<&carmine_core::Error>,
) -> Result<Response, ApiError> {
    let by = report.breakdown;
    let label = |key: &str| -> String {
        if key == UNKNOWN {
            return layout.t(&format!("ads-report-none-{}", by.as_str()));
        }
        match by {
            Breakdown::Placement => layout.tv("ads-placement", key),
            Breakdown::Gender => layout.tv("gender", key),
            Breakdown::Ad => titles.get(key).cloned().unwrap_or_else(|| key.to_owned()),
            _ => key.to_owned(),
        }
    };
    let rows: Vec<Row> = report.rows.iter().map(|c| row(label(&c.key), c)).collect();
    let chart = if by == Breakdown::Day { chart(&layout, &every_day(&report)) } else { String::new() };
    let (from, to) = (report.from.to_string(), report.to.to_string());
    let csv_href = format!(
        "/api/v1/ads/reports.csv?campaign={}&by={}&from={}&to={}",
        report.campaign.id,
        by.as_str(),
        encode(&from),
        encode(&to)
    );
    let page = ReportPage {
        console,
        handle: handle.to_owned(),
        campaign_id: report.campaign.id.to_string(),
        campaign_name: report.campaign.name.clone(),
        by: by.as_str(),
        breakdowns: Breakdown::ALL.iter().map(|b| b.as_str()).collect(),
        from,
        to,
        time_zone: time_zone(),
        preliminary: report.preliminary,
        suppressed: report.suppressed,
        cell_min: report.cell_min,
        total: row(layout.t("ads-report-total"), &report.total),
        rows,
        chart,
        csv_href,
        layout,
    };
    Ok(render(&page, error))
}

/// The report's days, with the days nothing happened on as empty cells.
fn every_day(report: &carmine_ads::reports::Report) -> Vec<Cell> {
    let mut days = Vec::new();
    let mut day = report.from;
    while day <= report.to && days.len() <= 400 {
        let key = day.to_string();
        days.push(report.rows.iter().find(|r| r.key == key).cloned().unwrap_or(Cell { key, ..Cell::default() }));
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    days
}

/// Net spend per day as bars and clicks as a line over them: plain SVG drawn on the
/// server. The table beside it has the exact figures.
fn chart(layout: &Layout, days: &[Cell]) -> String {
    let (width, height, left, right, bottom, top) = (560.0_f64, 220.0_f64, 64.0_f64, 34.0_f64, 24.0_f64, 12.0_f64);
    let plot = height - bottom - top;
    let n = days.len().max(1) as f64;
    let slot = (width - left - right) / n;
    let bar = (slot * 0.6).max(1.0);
    // Four gridlines: the top is a multiple of four minor units (and of four clicks),
    // so no two labels read the same.
    let max_spend = ((days.iter().map(|d| d.net_millis() / 1_000).max().unwrap_or(0).max(1) + 3) / 4 * 4) as f64;
    let max_clicks = ((days.iter().map(|d| d.clicks).max().unwrap_or(0).max(1) + 3) / 4 * 4) as f64;
    let title = escape(&layout.t("ads-report-chart"));
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {}" role="img" aria-label="{title}" id="report-chart" class="chart">"#,
        height + 22.0
    );
    for step in 0..=4 {
        let y = top + plot - plot * f64::from(step) / 4.0;
        let value = (max_spend * f64::from(step) / 4.0).round() as i64;
        let clicks = (max_clicks * f64::from(step) / 4.0).round() as i64;
        svg.push_str(&format!(
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#666">{}</text><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#1976d2">{clicks}</text>"##,
            width - right,
            left - 4.0,
            y + 3.0,
            yuan(value),
            width - 2.0,
            y + 3.0
        ));
    }
    let mut points = Vec::new();
    let label_every = ((n / 10.0).ceil() as usize).max(1);
    for (i, day) in days.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let spend = day.net_millis() / 1_000;
        let h = plot * spend as f64 / max_spend;
        svg.push_str(&format!(
            r##"<rect x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{h:.1}" fill="#e0245e"><title>{} {}</title></rect>"##,
            top + plot - h,
            day.key,
            yuan(spend)
        ));
        let cy = top + plot - plot * day.clicks as f64 / max_clicks;
        points.push(format!("{:.1},{cy:.1}", x + bar / 2.0));
        svg.push_str(&format!(
            r##"<circle cx="{:.1}" cy="{cy:.1}" r="3" fill="#1976d2"><title>{} {}</title></circle>"##,
            x + bar / 2.0,
            day.key,
            escape(&layout.t1("ads-report-clicks-n", "count", day.clicks))
        ));
        if i % label_every == 0 {
            svg.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#666">{}</text>"##,
                x + bar / 2.0,
                top + plot + 14.0,
                day.key.get(5..).unwrap_or(&day.key)
            ));
        }
    }
    if points.len() > 1 {
        svg.push_str(&format!(
            r##"<polyline points="{}" fill="none" stroke="#1976d2" stroke-width="2"/>"##,
            points.join(" ")
        ));
    }
    let legend_y = height + 6.0;
    svg.push_str(&format!(
        r##"<rect x="{left}" y="{legend_y}" width="10" height="10" fill="#e0245e"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#333">{}</text><rect x="{:.1}" y="{legend_y}" width="10" height="10" fill="#1976d2"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#333">{}</text>"##,
        left + 14.0,
        legend_y + 9.0,
        escape(&layout.t("ads-report-net")),
        left + 160.0,
        left + 174.0,
        legend_y + 9.0,
        escape(&layout.t("ads-report-clicks"))
    ));
    svg.push_str("</svg>");
    svg
}

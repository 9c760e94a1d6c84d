//! The operator's revenue statement: what each revenue stream earned per day or
//! month (UTC) over a period, with totals, and its CSV form. Figures are sums of
//! postings on the platform's revenue accounts, so they agree with the ledger by
//! construction (a reversal shows as a negative amount in its own period).

use carmine_core::limits::STATEMENT_DAYS_MAX;
use carmine_core::money::Currency;
use carmine_core::{Error, Result, Timestamp};
use carmine_store::Db;
use carmine_store::ledger as rows;
use jiff::civil::Date;

use crate::accounts::{AccountKind, Stream};

const DAY_MICROS: i64 = 86_400_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    Month,
}

impl Period {
    pub fn parse(text: &str) -> Option<Period> {
        match text {
            "day" => Some(Period::Day),
            "month" => Some(Period::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Month => "month",
        }
    }
}

/// One period's line: each stream's revenue in [`Stream::ALL`] order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementRow {
    /// `2026-11-25` or `2026-11`.
    pub label: String,
    pub by_stream: [i64; 7],
    pub total: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueStatement {
    pub from: Date,
    /// Inclusive.
    pub to: Date,
    pub period: Period,
    pub currency: Currency,
    /// Every period in the range, empty ones included, oldest first.
    pub rows: Vec<StatementRow>,
    pub totals: [i64; 7],
    pub total: i64,
}

/// Midnight that starts a day in the instance's time zone.
pub fn day_start(date: Date) -> Result<Timestamp> {
    Timestamp::local_midnight(date).ok_or_else(|| Error::internal(format!("no midnight on {date}")))
}

fn label(date: Date, period: Period) -> String {
    match period {
        Period::Day => date.to_string(),
        Period::Month => format!("{:04}-{:02}", date.year(), date.month()),
    }
}

/// The statement for the days `from..=to`.
pub async fn revenue(db: &Db, currency: Currency, from: Date, to: Date, period: Period) -> Result<RevenueStatement> {
    if to < from {
        return Err(Error::invalid_field("to", "must not be before from"));
    }
    let days = (to - from).get_days() as i64 + 1;
    if days > STATEMENT_DAYS_MAX {
        return Err(Error::invalid_field("to", format!("a statement spans at most {STATEMENT_DAYS_MAX} days")));
    }
    let start = day_start(from)?;
    let end = Timestamp(day_start(to)?.micros() + DAY_MICROS);
    let mut conn = db.reader().await?;
    // Days are counted in the instance's zone at its offset when the statement starts.
    let offset = jiff::Timestamp::from_microsecond(start.micros())
        .map(|ts| carmine_core::clock::instance_zone().to_offset(ts).seconds())
        .map_err(Error::internal)?;
    let sums = rows::daily_sums(&mut conn, "platform", "revenue_", start, end, i64::from(offset) * 1_000_000).await?;
    let mut statement_rows: Vec<StatementRow> = Vec::new();
    let mut date = from;
    while date <= to {
        let text = label(date, period);
        if statement_rows.last().is_none_or(|row| row.label != text) {
            statement_rows.push(StatementRow { label: text, by_stream: [0; 7], total: 0 });
        }
        date = date.tomorrow().map_err(Error::internal)?;
    }
    let mut totals = [0i64; 7];
    for (kind, row_currency, day, amount) in sums {
        if row_currency != currency.as_str() {
            continue;
        }
        let Some(AccountKind::Revenue(stream)) = AccountKind::parse(&kind) else { continue };
        let index = Stream::ALL.iter().position(|s| *s == stream).unwrap_or(0);
        let date = jiff::tz::Offset::UTC
            .to_datetime(jiff::Timestamp::from_second(day * 86_400).map_err(Error::internal)?)
            .date();
        let text = label(date, period);
        if let Some(row) = statement_rows.iter_mut().find(|row| row.label == text) {
            row.by_stream[index] += amount;
            row.total += amount;
            totals[index] += amount;
        }
    }
    let total = totals.iter().sum();
    Ok(RevenueStatement { from, to, period, currency, rows: statement_rows, totals, total })
}

pub use carmine_core::money::decimal;

impl RevenueStatement {
    /// `period,advertising,…,total` with one line per period and a `total` line;
    /// amounts as decimals in the statement's currency.
    pub fn csv(&self) -> String {
        let mut out = String::from("period");
        for stream in Stream::ALL {
            out.push(',');
            out.push_str(stream.as_str());
        }
        out.push_str(",total,currency\n");
        let line = |out: &mut String, label: &str, values: &[i64; 7], total: i64| {
            out.push_str(label);
            for value in values {
                out.push(',');
                out.push_str(&decimal(*value));
            }
            out.push_str(&format!(",{},{}\n", decimal(total), self.currency.as_str()));
        };
        for row in &self.rows {
            line(&mut out, &row.label, &row.by_stream, row.total);
        }
        line(&mut out, "total", &self.totals, self.total);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_every_minor_unit() {
        assert_eq!(decimal(0), "0.00");
        assert_eq!(decimal(5), "0.05");
        assert_eq!(decimal(-1205), "-12.05");
        assert_eq!(decimal(i64::MIN), "-92233720368547758.08");
    }
}

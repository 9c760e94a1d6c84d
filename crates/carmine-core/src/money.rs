//! Money as integer minor units with an explicit currency. Never a float.
//!
//! Arithmetic is checked: mixing currencies or overflowing is an error, not a wrap.

use serde::{Deserialize, Serialize};

/// ISO 4217 code, three uppercase ASCII letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const CNY: Currency = Currency(*b"CNY");

    pub fn parse(code: &str) -> Option<Currency> {
        let bytes = code.as_bytes();
        (bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase)).then(|| Currency([bytes[0], bytes[1], bytes[2]]))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("currency codes are ASCII")
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value).ok_or_else(|| format!("{value:?} is not a currency code"))
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.as_str().to_owned()
    }
}

/// `{"amount_minor": 12345, "currency": "CNY"}` in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Money { amount_minor, currency }
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.amount_minor.checked_add(other.amount_minor))
            .flatten()
            .map(|amount_minor| Money { amount_minor, currency: self.currency })
    }
}

/// Minor units as a decimal with two places (`-12.05`).
pub fn decimal(amount_minor: i64) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    let abs = amount_minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `¥12.34`, `¥12,800.00` (thousands grouped, as shops and banks print them;
/// `-¥0.50` below zero). For reading only: forms are prefilled with plain decimals.
pub fn yuan(amount_minor: i64) -> String {
    let text = decimal(amount_minor);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (n, digit) in whole.chars().enumerate() {
        if n > 0 && (whole.len() - n).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if cents.is_empty() { format!("{sign}¥{grouped}") } else { format!("{sign}¥{grouped}.{cents}") }
}

/// A decimal amount as people type it (`12`, `12.3`, `12.34`, an optional `¥`) in
/// minor units; `None` for anything else (signs, exponents, three decimals).
pub fn parse_decimal(raw: &str) -> Option<i64> {
    let raw = raw.trim().trim_start_matches(['¥', '￥']).trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    // Thousands as pages print them ("12,800"); a comma elsewhere ("12,5") is refused.
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped = groups.len() > 1 && (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
    if groups.len() > 1 && !grouped {
        return None;
    }
    let whole = &groups.concat();
    if whole.is_empty()
        || whole.len() > 12
        || fraction.len() > 2
        || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<2}").parse().ok()? };
    Some(whole * 100 + fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_and_print_in_minor_units() {
        for (typed, minor) in [
            ("12", 1_200),
            ("12.3", 1_230),
            ("¥12.34", 1_234),
            (" 0.05 ", 5),
            ("￥12,800.00", 1_280_000),
            ("1,000,000", 100_000_000),
        ] {
            assert_eq!(parse_decimal(typed), Some(minor), "{typed}");
        }
        for bad in ["", "-1", "1e3", "1.234", "12,5", ".5", "¥", ",500", "1,0000", "1,,000"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        assert_eq!(decimal(-1_205), "-12.05");
        assert_eq!(parse_decimal(&decimal(99_900)), Some(99_900));
    }

    #[test]
    fn money_never_mixes_currencies_or_overflows() {
        let usd = Currency::parse("USD").unwrap();
        let a = Money::new(150, Currency::CNY);
        assert_eq!(a.checked_add(Money::new(50, Currency::CNY)), Some(Money::new(200, Currency::CNY)));
        assert_eq!(a.checked_add(Money::new(50, usd)), None);
        assert_eq!(Money::new(i64::MAX, usd).checked_add(Money::new(1, usd)), None);
        assert!(Currency::parse("cny").is_none() && Currency::parse("CNYX").is_none());
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"amount_minor":150,"currency":"CNY"}"#);
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

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

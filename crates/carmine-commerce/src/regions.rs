//! Where a store delivers: China's provinces, autonomous regions, municipalities and
//! special administrative regions by their ISO 3166-2:CN codes, plus the rest of the
//! world. One list for shipping templates, addresses and checkout; the interface
//! names each (`region-<code>` in the catalogues).

/// Every ISO 3166-2:CN subdivision (the 2017 letter codes), in code order.
pub const CHINA: [&str; 34] = [
    "CN-AH", "CN-BJ", "CN-CQ", "CN-FJ", "CN-GD", "CN-GS", "CN-GX", "CN-GZ", "CN-HA", "CN-HB", "CN-HE", "CN-HI",
    "CN-HK", "CN-HL", "CN-HN", "CN-JL", "CN-JS", "CN-JX", "CN-LN", "CN-MO", "CN-NM", "CN-NX", "CN-QH", "CN-SC",
    "CN-SD", "CN-SH", "CN-SN", "CN-SX", "CN-TJ", "CN-TW", "CN-XJ", "CN-XZ", "CN-YN", "CN-ZJ",
];

/// Everywhere outside China.
pub const REST_OF_WORLD: &str = "world";

/// Every region a shipping template may name.
pub fn all() -> impl Iterator<Item = &'static str> {
    CHINA.into_iter().chain(std::iter::once(REST_OF_WORLD))
}

/// The canonical code of a region (`cn-bj` → `CN-BJ`), or `None` if it is not one.
pub fn parse(raw: &str) -> Option<&'static str> {
    all().find(|code| code.eq_ignore_ascii_case(raw.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_unique_and_parses_its_own_codes() {
        let mut sorted = CHINA.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, CHINA.to_vec());
        for code in all() {
            assert_eq!(parse(&code.to_ascii_lowercase()), Some(code));
        }
        assert_eq!(parse("CN-XX"), None);
        assert_eq!(parse(""), None);
    }
}

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

/// The same regions in the order of their administrative division codes (北京 11,
/// 天津 12 … 香港 81, 澳门 82): the order people expect a list of provinces in.
pub const CHINA_BY_DIVISION: [&str; 34] = [
    "CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-SH", "CN-JS", "CN-ZJ", "CN-AH",
    "CN-FJ", "CN-JX", "CN-SD", "CN-HA", "CN-HB", "CN-HN", "CN-GD", "CN-GX", "CN-HI", "CN-CQ", "CN-SC", "CN-GZ",
    "CN-YN", "CN-XZ", "CN-SN", "CN-GS", "CN-QH", "CN-NX", "CN-XJ", "CN-TW", "CN-HK", "CN-MO",
];

/// Every region in the order a list shows them: China by division code, then the world.
pub fn listed() -> impl Iterator<Item = &'static str> {
    CHINA_BY_DIVISION.into_iter().chain(std::iter::once(REST_OF_WORLD))
}

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
        let (mut listed, mut every): (Vec<&str>, Vec<&str>) = (listed().collect(), all().collect());
        listed.sort();
        every.sort();
        assert_eq!(listed, every, "the displayed order lists every region once");
        assert_eq!(parse("CN-XX"), None);
        assert_eq!(parse(""), None);
    }
}

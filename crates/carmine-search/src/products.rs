//! Product search: the same analyzer, bounds and cleaning as notes (`query::parse`),
//! only products on sale (the index holds nothing else), filters (category with its
//! sub-categories, price range, store type, cross-border, in stock) and sorts
//! (relevance, price either way, newest, sales). Every word must match in the title
//! (×3), the brand (×2.5), the store's name or the description; a CJK word of three
//! or more characters also matches as a phrase of the title's characters. A query of
//! several words that finds nothing is retried with any word (`relaxed`). Pages are
//! slices of the best `SEARCH_RESULTS_MAX`, as for notes.

use std::ops::Bound;

use carmine_core::limits::SEARCH_RESULTS_MAX;
use carmine_core::{Error, Id};
use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, SegmentReader, TantivyDocument, Term};

use crate::analyzer::{Mode, searched_by_chars};
use crate::index::{SearchIndex, fail};
use crate::query::{Parsed, filter, i64_column, keyword, parse, phrase_query, term_query, u64_column};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProductSort {
    #[default]
    Relevance,
    PriceLow,
    PriceHigh,
    Newest,
    Sales,
}

impl ProductSort {
    pub const ALL: [ProductSort; 5] = [
        ProductSort::Relevance,
        ProductSort::PriceLow,
        ProductSort::PriceHigh,
        ProductSort::Newest,
        ProductSort::Sales,
    ];

    pub fn parse(raw: &str) -> Option<ProductSort> {
        ProductSort::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProductSort::Relevance => "relevance",
            ProductSort::PriceLow => "price_low",
            ProductSort::PriceHigh => "price_high",
            ProductSort::Newest => "newest",
            ProductSort::Sales => "sales",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ProductQuery {
    pub text: String,
    pub category: Option<Id>,
    pub store_type: Option<String>,
    pub cross_border: Option<bool>,
    pub in_stock: bool,
    /// Inclusive bounds on the lowest variant price, in minor units.
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub sort: ProductSort,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProductResults {
    /// Matches, up to `SEARCH_RESULTS_MAX`.
    pub total: usize,
    pub capped: bool,
    /// The page, in order.
    pub ids: Vec<Id>,
    pub relaxed: bool,
}

impl SearchIndex {
    fn product_text_query(&self, parsed: &Parsed, relaxed: bool) -> Box<dyn Query> {
        let f = self.fields;
        let fields = [(f.title, 3.0), (f.brand, 2.5), (f.author, 1.0), (f.body, 0.8)];
        let occur = if relaxed { Occur::Should } else { Occur::Must };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &parsed.words {
            let mut any: Vec<(Occur, Box<dyn Query>)> =
                fields.iter().map(|&(field, boost)| (Occur::Should, term_query(field, word, boost))).collect();
            if searched_by_chars(word) {
                let spelled = self.analyzer.terms(word, Mode::Chars);
                // Chinese cut differently in the text than in the query: its characters
                // in a row, in the title or (weighing less) the description.
                for (field, boost) in [(f.title_chars, 1.5), (f.body_chars, 0.4)] {
                    match spelled.as_slice() {
                        [] => {}
                        [one] => any.push((Occur::Should, term_query(field, one, boost / 2.0))),
                        _ => any.push((Occur::Should, phrase_query(field, &spelled, 0, boost))),
                    }
                }
            }
            clauses.push((occur, Box::new(BooleanQuery::new(any))));
        }
        for phrase in &parsed.phrases {
            let terms: Vec<String> = phrase.iter().map(|(_, t)| t.clone()).collect();
            clauses.push((occur, phrase_query(f.title, &terms, 0, 3.0)));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn product_filters(&self, query: &ProductQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let mut filters = vec![filter(keyword(f.kind, "product"))];
        if let Some(category) = query.category {
            let term = Term::from_field_i64(f.category, category.as_i64());
            filters.push(filter(Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        if let Some(store_type) = &query.store_type {
            filters.push(filter(keyword(f.store_type, store_type)));
        }
        if let Some(cross_border) = query.cross_border {
            filters.push(filter(keyword(f.cross_border, if cross_border { "yes" } else { "no" })));
        }
        if query.in_stock {
            filters.push(filter(keyword(f.in_stock, "yes")));
        }
        if query.min_price.is_some() || query.max_price.is_some() {
            let bound =
                |p: Option<i64>| p.map_or(Bound::Unbounded, |p| Bound::Included(Term::from_field_i64(f.price, p)));
            filters.push(filter(Box::new(RangeQuery::new(bound(query.min_price), bound(query.max_price)))));
        }
        filters
    }

    /// Products on sale matching `query`, in its order, from its offset.
    pub fn products(&self, query: &ProductQuery) -> Result<ProductResults, Error> {
        // No words: browse every product on sale (with the filters), newest first.
        let parsed = parse(self, &query.text);
        let limit = query.limit.min(SEARCH_RESULTS_MAX.saturating_sub(query.offset));
        let (mut total, mut ranked) = self.run_products(&parsed, query, false)?;
        let mut relaxed = false;
        if total == 0 && parsed.words.len() + parsed.phrases.len() > 1 {
            relaxed = true;
            (total, ranked) = self.run_products(&parsed.without_function_words(), query, true)?;
        }
        let searcher = self.reader.searcher();
        let mut ids = Vec::with_capacity(limit);
        for address in ranked.into_iter().skip(query.offset).take(limit) {
            let doc: TantivyDocument = searcher.doc(address).map_err(fail)?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_i64()) {
                ids.push(Id::from_i64(id));
            }
        }
        Ok(ProductResults { total: total.min(SEARCH_RESULTS_MAX), capped: total > SEARCH_RESULTS_MAX, ids, relaxed })
    }

    fn run_products(
        &self,
        parsed: &Parsed,
        query: &ProductQuery,
        relaxed: bool,
    ) -> Result<(usize, Vec<DocAddress>), Error> {
        let mut clauses = self.product_filters(query);
        if parsed.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        } else {
            clauses.push((Occur::Must, self.product_text_query(parsed, relaxed)));
        }
        let full = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let window = TopDocs::with_limit(SEARCH_RESULTS_MAX + 1);
        let key = |field: &'static str, sign: i64| {
            move |segment: &SegmentReader| {
                let (value, id) = (i64_column(segment, field), i64_column(segment, "id"));
                move |doc| (sign * value(doc), id(doc))
            }
        };
        let ranked: Vec<DocAddress> = match query.sort {
            ProductSort::Relevance if !parsed.is_empty() => {
                searcher.search(&full, &window.order_by_score()).map_err(fail)?.into_iter().map(|(_, a)| a).collect()
            }
            ProductSort::PriceLow => searcher
                .search(&full, &window.order_by(key("price", -1)))
                .map_err(fail)?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
            ProductSort::PriceHigh => searcher
                .search(&full, &window.order_by(key("price", 1)))
                .map_err(fail)?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
            ProductSort::Sales => {
                let sales = window.order_by(|segment: &SegmentReader| {
                    let (sales, id) = (u64_column(segment, "sales"), i64_column(segment, "id"));
                    move |doc| (sales(doc), id(doc))
                });
                searcher.search(&full, &sales).map_err(fail)?.into_iter().map(|(_, a)| a).collect()
            }
            ProductSort::Relevance | ProductSort::Newest => searcher
                .search(&full, &window.order_by(key("published_at", 1)))
                .map_err(fail)?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
        };
        Ok((ranked.len(), ranked))
    }

    /// The benchmark's ceiling for product search: tantivy alone on analyzed `terms`
    /// (all required, in the title, brand, store name or description) over product
    /// documents, the best `limit` by BM25 — no listing filters, no chars fallback.
    pub fn raw_product_top(&self, terms: &[String], limit: usize) -> Result<Vec<DocAddress>, Error> {
        let f = self.fields;
        let mut clauses = vec![filter(keyword(f.kind, "product"))];
        for t in terms {
            let any: Vec<(Occur, Box<dyn Query>)> = [f.title, f.brand, f.author, f.body]
                .into_iter()
                .map(|field| (Occur::Should, term_query(field, t, 1.0)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        let found = self
            .reader
            .searcher()
            .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit.max(1)).order_by_score())
            .map_err(fail)?;
        Ok(found.into_iter().map(|(_, a)| a).collect())
    }

    /// Product titles and brands that continue `prefix` (suggestions): the best
    /// matches' brand when it starts with the prefix, else their title.
    pub fn product_suggestions(&self, prefix: &str, limit: usize) -> Result<Vec<String>, Error> {
        let parsed = parse(self, prefix);
        let Some(last) = parsed.words.last() else { return Ok(Vec::new()) };
        let f = self.fields;
        let mut clauses = vec![filter(keyword(f.kind, "product"))];
        for word in &parsed.words[..parsed.words.len() - 1] {
            clauses.push((Occur::Must, term_query(f.title, word, 1.0)));
        }
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for field in [f.title, f.brand] {
            any.push((Occur::Should, term_query(field, last, 2.0)));
            if last.chars().all(|c| c.is_ascii_alphanumeric()) {
                let prefix = FuzzyTermQuery::new_prefix(Term::from_field_text(field, last), 0, true);
                any.push((Occur::Should, Box::new(prefix)));
            }
        }
        if searched_by_chars(last) {
            let spelled = self.analyzer.terms(last, Mode::Chars);
            if spelled.len() > 1 {
                any.push((Occur::Should, phrase_query(f.title_chars, &spelled, 0, 1.0)));
            }
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        let searcher = self.reader.searcher();
        let found = searcher
            .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit * 3).order_by_score())
            .map_err(fail)?;
        let typed = prefix.trim().to_lowercase();
        let mut out: Vec<String> = Vec::new();
        for (_, address) in found {
            let doc: TantivyDocument = searcher.doc(address).map_err(fail)?;
            let text = |field: tantivy::schema::Field| {
                doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
            };
            let brand = text(f.brand);
            let suggestion =
                if !brand.is_empty() && brand.to_lowercase().starts_with(&typed) { brand } else { text(f.title) };
            if !suggestion.is_empty() && !out.contains(&suggestion) {
                out.push(suggestion);
            }
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }
}

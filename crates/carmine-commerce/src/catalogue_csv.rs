//! A store's catalogue as CSV, out and in: one row per variant, the product's own
//! fields on every row of it, stock in one column per warehouse (`stock:<name>`).
//!
//! Import: UTF-8 with or without a BOM (anything else is refused at line 1), at most
//! `CATALOGUE_CSV_BYTES_MAX` bytes and `CATALOGUE_CSV_ROWS_MAX` rows. Rows with the
//! same `product` belong together: a product and all its variant rows are applied or
//! rejected whole, in one transaction, and a rejection names its lines. `product` is
//! the id of one of the store's products (it is rewritten: variants matched by their
//! option values, others archived) or any other key for a new product. Categories
//! are named by slug; prices are decimals in the instance's currency (`99.00`); an
//! empty stock cell leaves that stock as it is. Products stay as they are when the
//! file does not name them (an import never deletes).

use std::collections::HashMap;

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::csv::{self, Record};
use carmine_core::limits::{CATALOGUE_CSV_BYTES_MAX, CATALOGUE_CSV_ROWS_MAX, PRODUCT_OPTIONS_MAX};
use carmine_core::money::{Money, decimal, parse_decimal};
use carmine_core::{Error, ErrorCode, FieldRule, Id, Result};
use carmine_store::{products, stores};

use crate::Commerce;
use crate::categories::arrange;
use crate::products::{ProductInput, ProductOption, VariantInput};

/// The columns every file has, in the order export writes them.
pub const COLUMNS: [&str; 18] = [
    "product",
    "title",
    "category",
    "brand",
    "status",
    "returnable",
    "affiliate_bps",
    "description",
    "option1",
    "value1",
    "option2",
    "value2",
    "option3",
    "value3",
    "sku",
    "price",
    "compare_at",
    "weight_grams",
];
const REQUIRED: [&str; 4] = ["product", "title", "category", "price"];
const STOCK_PREFIX: &str = "stock:";

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub failed: Vec<UnitFailure>,
}

/// A product of the file that was not applied, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitFailure {
    /// Its first and last line in the file.
    pub lines: (usize, usize),
    pub product: String,
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    /// The error's details (a broken rule and its limit), for the reader's language.
    pub details: Option<serde_json::Value>,
}

fn file_error(line: usize, reason: impl Into<String>) -> Error {
    let reason = reason.into();
    Error::new(ErrorCode::InvalidField)
        .with_message(format!("file, line {line}: {reason}"))
        .with_details(serde_json::json!({ "field": "file", "line": line, "reason": reason }))
}

/// The text of a file: UTF-8, its BOM dropped.
fn text_of(bytes: &[u8]) -> Result<&str> {
    if bytes.len() > CATALOGUE_CSV_BYTES_MAX {
        return Err(Error::new(ErrorCode::PayloadTooLarge)
            .with_details(serde_json::json!({ "limit": CATALOGUE_CSV_BYTES_MAX })));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(file_error(1, "the file is UTF-16: save it as CSV UTF-8"));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(bytes)
        .map_err(|_| file_error(1, "the file is not UTF-8 (a GBK or Excel default file?): save it as CSV UTF-8"))
}

struct Columns {
    index: HashMap<String, usize>,
    /// (column, warehouse id).
    stock: Vec<(usize, Id)>,
}

impl Columns {
    fn get<'a>(&self, record: &'a Record, name: &str) -> &'a str {
        self.index.get(name).and_then(|i| record.fields.get(*i)).map_or("", |v| v.trim())
    }
}

impl Commerce {
    /// The store's whole catalogue (every status) as CSV (any member of the store).
    pub async fn export_catalogue(&self, caller: &Caller, store_id: Id) -> Result<String> {
        self.authorize_store(caller, store_id, OrgAction::ViewStore).await?;
        let mut conn = self.db.reader().await?;
        let warehouses = stores::warehouses(&mut conn, store_id).await?;
        let tree = arrange(carmine_store::categories::list(&mut conn).await?);
        let mut header: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
        header.extend(warehouses.iter().map(|w| format!("{STOCK_PREFIX}{}", w.name)));
        let mut out = csv::line(&header);
        let mut before = None;
        loop {
            let page = products::list_for_store(&mut conn, store_id, "", None, before, 500).await?;
            let Some(last) = page.last().map(|p| p.id) else { break };
            before = Some(last);
            for record in page {
                let product = crate::products::load(&mut conn, record, true).await?;
                let r = &product.record;
                let slug = tree
                    .iter()
                    .find(|c| c.record.id == r.category_id)
                    .map(|c| c.record.slug.clone())
                    .unwrap_or_default();
                for variant in &product.variants {
                    let mut row = vec![
                        r.id.to_string(),
                        r.title.clone(),
                        slug.clone(),
                        r.brand.clone(),
                        r.status.clone(),
                        if r.returnable { "yes" } else { "no" }.to_owned(),
                        r.affiliate_bps.to_string(),
                        r.description.clone(),
                    ];
                    for n in 0..PRODUCT_OPTIONS_MAX {
                        row.push(product.options.get(n).map(|o| o.name.clone()).unwrap_or_default());
                        row.push(variant.options.get(n).cloned().unwrap_or_default());
                    }
                    row.push(variant.record.code.clone());
                    row.push(decimal(variant.record.price_minor));
                    row.push(variant.record.compare_at_minor.map(decimal).unwrap_or_default());
                    row.push(variant.record.weight_grams.to_string());
                    row.extend(variant.stock.iter().map(|(_, on_hand, _)| on_hand.to_string()));
                    out.push_str(&csv::line(&row));
                }
            }
        }
        Ok(out)
    }

    /// Applies a catalogue CSV to the store (staff, admins, owners); see the module.
    pub async fn import_catalogue(&self, caller: &Caller, store_id: Id, bytes: &[u8]) -> Result<ImportReport> {
        self.authorize_store(caller, store_id, OrgAction::EditCatalogue).await?;
        let text = text_of(bytes)?;
        let records = csv::read(text).map_err(|e| file_error(e.line, e.reason))?;
        let Some((header, rows)) = records.split_first() else { return Err(file_error(1, "the file is empty")) };
        if rows.len() > CATALOGUE_CSV_ROWS_MAX {
            return Err(Error::broke_rule("rows", FieldRule::TooMany(CATALOGUE_CSV_ROWS_MAX)));
        }
        let warehouses = stores::warehouses(&mut *self.db.reader().await?, store_id).await?;
        let mut columns = Columns { index: HashMap::new(), stock: Vec::new() };
        for (i, name) in header.fields.iter().enumerate() {
            let name = name.trim();
            if let Some(warehouse) = name.strip_prefix(STOCK_PREFIX) {
                let found = warehouses.iter().find(|w| w.name == warehouse.trim()).ok_or_else(|| {
                    file_error(header.line, format!("no warehouse of the store is called {:?}", warehouse.trim()))
                })?;
                columns.stock.push((i, found.id));
            } else if COLUMNS.contains(&name) {
                if columns.index.insert(name.to_owned(), i).is_some() {
                    return Err(file_error(header.line, format!("the column {name:?} appears twice")));
                }
            } else {
                return Err(file_error(
                    header.line,
                    format!("unknown column {name:?} (the columns: {})", COLUMNS.join(", ")),
                ));
            }
        }
        if let Some(missing) = REQUIRED.iter().find(|c| !columns.index.contains_key(**c)) {
            return Err(file_error(header.line, format!("the column {missing:?} is missing")));
        }
        let tree = arrange(carmine_store::categories::list(&mut *self.db.reader().await?).await?);
        // Rows by product, in the order products first appear.
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<String, Vec<&Record>> = HashMap::new();
        for row in rows {
            let key = columns.get(row, "product").to_owned();
            if !groups.contains_key(&key) {
                order.push(key.clone());
            }
            groups.entry(key).or_default().push(row);
        }
        let mut report = ImportReport::default();
        for key in order {
            let group = &groups[&key];
            let lines = (group[0].line, group[group.len() - 1].line);
            let existing = match key.parse::<Id>() {
                Ok(id) => products::get(&mut *self.db.reader().await?, id)
                    .await?
                    .filter(|p| p.store_id == store_id)
                    .map(|p| p.id),
                Err(_) => None,
            };
            let outcome = async {
                if key.is_empty() {
                    return Err(Error::invalid_field("product", "every row names its product"));
                }
                let (input, stock) = self.unit_input(&columns, group, &tree, existing).await?;
                self.apply_unit(caller, store_id, existing, &input, &stock).await
            }
            .await;
            match outcome {
                Ok(_) if existing.is_some() => report.updated += 1,
                Ok(_) => report.created += 1,
                Err(error) if error.code == ErrorCode::Internal => return Err(error),
                Err(error) => report.failed.push(UnitFailure {
                    lines,
                    product: key.clone(),
                    code: error.code,
                    field: error
                        .details
                        .as_ref()
                        .and_then(|d| d.get("field"))
                        .and_then(|f| f.as_str())
                        .map(str::to_owned),
                    message: error.message,
                    details: error.details,
                }),
            }
        }
        Ok(report)
    }

    /// A product and its stock from its rows (the first row's product fields).
    async fn unit_input(
        &self,
        columns: &Columns,
        group: &[&Record],
        tree: &[crate::Category],
        existing: Option<Id>,
    ) -> Result<(ProductInput, Vec<(Vec<String>, Id, i64)>)> {
        let first = group[0];
        let get = |name: &str| columns.get(first, name);
        let slug = get("category");
        let category = tree.iter().find(|c| c.record.slug == slug.to_ascii_lowercase()).ok_or_else(|| {
            Error::new(ErrorCode::CategoryNotFound).with_details(serde_json::json!({ "field": "category" }))
        })?;
        let mut options: Vec<ProductOption> = Vec::new();
        for n in 1..=PRODUCT_OPTIONS_MAX {
            let name = get(&format!("option{n}"));
            if name.is_empty() {
                continue;
            }
            let mut values: Vec<String> = Vec::new();
            for row in group {
                let value = columns.get(row, &format!("value{n}")).to_owned();
                if !value.is_empty() && !values.contains(&value) {
                    values.push(value);
                }
            }
            options.push(ProductOption { name: name.to_owned(), values });
        }
        let currency = self.currency();
        let money = |field: &str, raw: &str| -> Result<Money> {
            parse_decimal(raw).map(|minor| Money::new(minor, currency)).ok_or_else(|| {
                Error::new(ErrorCode::InvalidAmount)
                    .with_message(format!("{field}: an amount such as 99.00"))
                    .with_details(serde_json::json!({ "field": field }))
            })
        };
        let mut variants = Vec::with_capacity(group.len());
        let mut stock = Vec::new();
        for row in group {
            let values: Vec<String> =
                (1..=options.len()).map(|n| columns.get(row, &format!("value{n}")).to_owned()).collect();
            let compare = columns.get(row, "compare_at");
            let weight = columns.get(row, "weight_grams");
            variants.push(VariantInput {
                id: None,
                options: values.clone(),
                code: columns.get(row, "sku").to_owned(),
                price: money("price", columns.get(row, "price"))?,
                compare_at: if compare.is_empty() { None } else { Some(money("compare_at", compare)?) },
                weight_grams: if weight.is_empty() {
                    0
                } else {
                    weight.parse().map_err(|_| Error::invalid_field("weight_grams", "a whole number of grams"))?
                },
            });
            for (column, warehouse) in &columns.stock {
                let cell = row.fields.get(*column).map_or("", |v| v.trim());
                if cell.is_empty() {
                    continue;
                }
                let units = cell
                    .parse::<i64>()
                    .map_err(|_| Error::invalid_field("stock", format!("{cell:?} is not a whole number of units")))?;
                stock.push((values.clone(), *warehouse, units));
            }
        }
        let current = match existing {
            Some(id) => products::get(&mut *self.db.reader().await?, id).await?,
            None => None,
        };
        let media_ids = match existing {
            Some(id) => carmine_store::media::for_product(&mut *self.db.reader().await?, id)
                .await?
                .iter()
                .map(|m| m.id)
                .collect(),
            None => Vec::new(),
        };
        let status = match get("status") {
            "" => current.as_ref().map_or("draft".to_owned(), |c| c.status.clone()),
            s => s.to_owned(),
        };
        let returnable = match get("returnable").to_ascii_lowercase().as_str() {
            "" | "yes" | "true" | "1" | "是" => true,
            "no" | "false" | "0" | "否" => false,
            other => return Err(Error::invalid_field("returnable", format!("{other:?}: yes or no"))),
        };
        let affiliate_bps = match get("affiliate_bps") {
            "" => current.as_ref().map_or(0, |c| c.affiliate_bps),
            raw => raw.parse().map_err(|_| Error::invalid_field("affiliate_bps", "a whole number of basis points"))?,
        };
        let cross_border = current.as_ref().filter(|c| c.cross_border).map(|c| crate::products::CrossBorderInput {
            origin_country: c.origin_country.clone().unwrap_or_default(),
            trade_mode: c.trade_mode.clone().unwrap_or_default(),
            warehouse_code: c.customs_warehouse_code.clone(),
            hs_code: c.hs_code.clone(),
            declared_value: c.declared_value_minor.map(|m| Money::new(m, currency)),
            certificate_media_id: c.certificate_media_id,
        });
        let input = ProductInput {
            category_id: category.record.id,
            title: get("title").to_owned(),
            description: get("description").to_owned(),
            brand: get("brand").to_owned(),
            attributes: current.as_ref().and_then(|c| serde_json::from_str(&c.attributes).ok()).unwrap_or_default(),
            options,
            variants,
            media_ids,
            status,
            returnable,
            shipping_template_id: current.as_ref().and_then(|c| c.shipping_template_id),
            affiliate_bps,
            cross_border,
        };
        Ok((input, stock))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_utf8_are_refused_at_line_one() {
        assert_eq!(text_of(b"\xEF\xBB\xBFproduct,title").unwrap(), "product,title");
        assert_eq!(text_of(b"product").unwrap(), "product");
        for bad in [&b"\xFF\xFEp\x00"[..], &b"\xC9\xCF\xBA\xA3"[..]] {
            let error = text_of(bad).unwrap_err();
            assert_eq!(error.details.unwrap()["line"], 1);
        }
        assert_eq!(text_of(&vec![b'a'; CATALOGUE_CSV_BYTES_MAX + 1]).unwrap_err().code, ErrorCode::PayloadTooLarge);
    }
}

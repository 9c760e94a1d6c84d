//! The catalogue: products (SPU) with images, a category, brand, attributes, up to 3
//! options and up to 200 variants (SKU) with prices in the instance's currency, stock
//! per (variant, warehouse), price history, and cross-border details with an
//! authenticity certificate the operator reviews.
//!
//! A product is `draft` (only its store sees it), `active` (listed while its store
//! is open; it needs an image) or `archived` (its page says it is no longer sold; a
//! note's tag on it shows it as unavailable). Variants are matched by id, else by
//! their option values; a variant left out is archived, never deleted (orders keep
//! pointing at it). Every price a variant takes is kept with its time.

use std::collections::HashSet;
use std::sync::Arc;

use carmine_accounts::Caller;
use carmine_accounts::admin::Operator;
use carmine_accounts::orgs::OrgAction;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{
    AFFILIATE_BPS_MAX, ATTRIBUTE_NAME_CHARS_MAX, ATTRIBUTE_VALUE_CHARS_MAX, BRAND_CHARS_MAX, CATEGORY_DEPTH_MAX,
    OPTION_NAME_CHARS_MAX, OPTION_VALUE_CHARS_MAX, PRICE_MINOR_MAX, PRODUCT_ATTRIBUTES_MAX,
    PRODUCT_DESCRIPTION_CHARS_MAX, PRODUCT_IMAGES_MAX, PRODUCT_OPTIONS_MAX, PRODUCT_TITLE_CHARS_MAX,
    SKU_CODE_CHARS_MAX, STOCK_ROWS_PER_REQUEST_MAX, STOCK_UNITS_MAX, VARIANTS_MAX, WEIGHT_GRAMS_MAX,
};
use carmine_core::money::{Currency, Money};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, FieldRule, Id, Result, Timestamp};
use carmine_store::media::{self, MediaRecord};
use carmine_store::products::{self, ListingFilter, ProductRecord, ProductRow, SkuRecord, SkuRow, StockRecord};
use carmine_store::{Conn, Tx, audit, stores};
use serde::{Deserialize, Serialize};

use crate::Commerce;
use crate::categories::{Category, arrange};

/// The separator of option values in a variant's key (never typed: a control character).
const KEY_SEPARATOR: char = '\u{1f}';

pub const PRODUCT_STATUSES: &[&str] = &["draft", "active", "archived"];
pub const TRADE_MODES: &[&str] = &["bonded_warehouse", "direct_mail"];

/// An option and the values its variants choose from (e.g. 颜色: 红, 蓝).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

/// A variant as a client describes it.
#[derive(Clone, Debug)]
pub struct VariantInput {
    /// An existing variant of this product (else matched by its option values).
    pub id: Option<Id>,
    /// One value per option, in the options' order.
    pub options: Vec<String>,
    /// The store's code for it (empty: one is made up from the product's id).
    pub code: String,
    pub price: Money,
    pub compare_at: Option<Money>,
    pub weight_grams: i64,
}

/// Where a cross-border product comes from and how it enters the country.
#[derive(Clone, Debug)]
pub struct CrossBorderInput {
    /// ISO 3166-1 alpha-2, not CN.
    pub origin_country: String,
    /// `bonded_warehouse` or `direct_mail`.
    pub trade_mode: String,
    pub warehouse_code: Option<String>,
    /// 6 to 10 digits.
    pub hs_code: Option<String>,
    pub declared_value: Option<Money>,
    /// A photo or scan of the authenticity certificate (an image you uploaded).
    pub certificate_media_id: Option<Id>,
}

/// A whole product as a client describes it (create, or replace with [`ProductChange`]).
#[derive(Clone, Debug)]
pub struct ProductInput {
    pub category_id: Id,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub attributes: Vec<(String, String)>,
    pub options: Vec<ProductOption>,
    pub variants: Vec<VariantInput>,
    pub media_ids: Vec<Id>,
    pub status: String,
    /// `false`: exempt from the store's no-reason returns.
    pub returnable: bool,
    /// `None`: the store's default template.
    pub shipping_template_id: Option<Id>,
    pub affiliate_bps: i64,
    pub cross_border: Option<CrossBorderInput>,
}

/// A change: `None` keeps a field. `variants` replaces the variants (with `options`).
#[derive(Clone, Debug, Default)]
pub struct ProductChange {
    pub category_id: Option<Id>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub brand: Option<String>,
    pub attributes: Option<Vec<(String, String)>>,
    pub options: Option<Vec<ProductOption>>,
    pub variants: Option<Vec<VariantInput>>,
    pub media_ids: Option<Vec<Id>>,
    pub status: Option<String>,
    pub returnable: Option<bool>,
    pub shipping_template_id: Option<Option<Id>>,
    pub affiliate_bps: Option<i64>,
    pub cross_border: Option<Option<CrossBorderInput>>,
}

/// A variant with its stock.
#[derive(Clone, Debug)]
pub struct Variant {
    pub record: SkuRecord,
    /// One value per option.
    pub options: Vec<String>,
    /// (warehouse id, on hand, reserved) for every warehouse of the store.
    pub stock: Vec<(Id, i64, i64)>,
    /// On hand minus reserved, over all warehouses.
    pub available: i64,
}

/// A product with everything its page shows.
#[derive(Clone, Debug)]
pub struct Product {
    pub record: ProductRecord,
    pub category: Option<Category>,
    /// Root first: the category and its ancestors.
    pub category_path: Vec<Category>,
    pub media: Vec<MediaRecord>,
    /// The authenticity certificate's image (cross-border products).
    pub certificate: Option<MediaRecord>,
    pub options: Vec<ProductOption>,
    pub attributes: Vec<(String, String)>,
    /// Live variants, in order.
    pub variants: Vec<Variant>,
    /// The viewer belongs to the store's organization.
    pub insider: bool,
}

impl Product {
    /// Buyers may buy it: active, in an open store.
    pub fn available(&self) -> bool {
        self.record.status == "active" && self.record.store_status == "open"
    }
}

fn product_not_found() -> Error {
    Error::new(ErrorCode::ProductNotFound)
}

/// Whether a product is listed to buyers.
pub fn listed(record: &ProductRecord) -> bool {
    record.status == "active" && record.store_status == "open"
}

fn option_key(values: &[String]) -> String {
    values.join(&KEY_SEPARATOR.to_string())
}

fn options_of_key(key: &str) -> Vec<String> {
    if key.is_empty() { Vec::new() } else { key.split(KEY_SEPARATOR).map(str::to_owned).collect() }
}

/// The product's variants with their stock in each of the store's warehouses.
fn variants(skus: Vec<SkuRecord>, stock: &[StockRecord], warehouses: &[Id]) -> Vec<Variant> {
    skus.into_iter()
        .filter(|s| !s.archived)
        .map(|record| {
            let rows: Vec<(Id, i64, i64)> = warehouses
                .iter()
                .map(|w| {
                    let row = stock.iter().find(|r| r.sku_id == record.id && r.warehouse_id == *w);
                    (*w, row.map_or(0, |r| r.on_hand), row.map_or(0, |r| r.reserved))
                })
                .collect();
            let available = rows.iter().map(|(_, on_hand, reserved)| on_hand - reserved).sum();
            Variant { options: options_of_key(&record.option_key), stock: rows, available, record }
        })
        .collect()
}

pub(crate) async fn load(conn: &mut Conn, record: ProductRecord, insider: bool) -> Result<Product> {
    // The category and its ancestors (at most `CATEGORY_DEPTH_MAX` reads, not the tree).
    let mut ancestry = Vec::new();
    let mut next = Some(record.category_id);
    while let Some(id) = next.filter(|_| ancestry.len() < CATEGORY_DEPTH_MAX) {
        let Some(category) = carmine_store::categories::get(conn, id).await? else { break };
        next = category.parent_id;
        ancestry.insert(0, category);
    }
    let mut archived = false;
    let category_path: Vec<Category> = ancestry
        .into_iter()
        .enumerate()
        .map(|(depth, record)| {
            archived |= record.archived_at.is_some();
            Category { record, depth: depth + 1, archived }
        })
        .collect();
    let media = media::for_product(conn, record.id).await?;
    let certificate = match record.certificate_media_id {
        Some(id) => media::get(conn, id).await?,
        None => None,
    };
    let skus = products::skus(conn, record.id).await?;
    let stock = products::stock(conn, record.id).await?;
    let warehouses: Vec<Id> = stores::warehouses(conn, record.store_id).await?.iter().map(|w| w.id).collect();
    Ok(Product {
        category: category_path.last().cloned(),
        category_path,
        media,
        certificate,
        options: serde_json::from_str(&record.options).unwrap_or_default(),
        attributes: serde_json::from_str(&record.attributes).unwrap_or_default(),
        variants: variants(skus, &stock, &warehouses),
        insider,
        record,
    })
}

/// Whether a category exists and neither it nor an ancestor is archived (reads its
/// ancestry, not the tree).
async fn category_live(conn: &mut Conn, id: Id) -> Result<bool> {
    let mut next = Some(id);
    let mut depth = 0;
    while let Some(id) = next {
        depth += 1;
        let Some(category) = carmine_store::categories::get(conn, id).await? else { return Ok(false) };
        if category.archived_at.is_some() || depth > CATEGORY_DEPTH_MAX {
            return Ok(false);
        }
        next = category.parent_id;
    }
    Ok(true)
}

/// A validated product, ready to write.
pub(crate) struct Valid {
    category_id: Id,
    title: String,
    description: String,
    brand: String,
    attributes: String,
    options: Vec<ProductOption>,
    variants: Vec<ValidVariant>,
    media_ids: Vec<Id>,
    status: String,
    returnable: bool,
    shipping_template_id: Option<Id>,
    affiliate_bps: i64,
    cross_border: Option<ValidCrossBorder>,
}

struct ValidVariant {
    id: Option<Id>,
    key: String,
    code: String,
    price_minor: i64,
    compare_at_minor: Option<i64>,
    weight_grams: i64,
}

struct ValidCrossBorder {
    origin_country: String,
    trade_mode: String,
    warehouse_code: Option<String>,
    hs_code: Option<String>,
    declared_value_minor: Option<i64>,
    certificate_media_id: Option<Id>,
}

fn short_text(field: &str, raw: &str, max: usize) -> Result<String> {
    bounded_text(field, raw, 1, max, false)
}

fn validate_options(options: &[ProductOption]) -> Result<()> {
    if options.len() > PRODUCT_OPTIONS_MAX {
        return Err(Error::broke_rule("options", FieldRule::TooMany(PRODUCT_OPTIONS_MAX)));
    }
    let mut names = HashSet::new();
    for option in options {
        short_text("options", &option.name, OPTION_NAME_CHARS_MAX)?;
        if !names.insert(option.name.trim().to_owned()) {
            return Err(Error::invalid_field("options", format!("the option {:?} is listed twice", option.name)));
        }
        if option.values.is_empty() {
            return Err(Error::invalid_field("options", format!("the option {:?} has no values", option.name)));
        }
        if option.values.len() > VARIANTS_MAX {
            return Err(Error::broke_rule("options", FieldRule::TooMany(VARIANTS_MAX)));
        }
        let mut values = HashSet::new();
        for value in &option.values {
            short_text("options", value, OPTION_VALUE_CHARS_MAX)?;
            if !values.insert(value.trim()) {
                return Err(Error::invalid_field("options", format!("{value:?} is listed twice in {:?}", option.name)));
            }
        }
    }
    Ok(())
}

fn trimmed_options(options: &[ProductOption]) -> Vec<ProductOption> {
    options
        .iter()
        .map(|o| ProductOption {
            name: o.name.trim().to_owned(),
            values: o.values.iter().map(|v| v.trim().to_owned()).collect(),
        })
        .collect()
}

fn sku_code(raw: &str) -> Result<String> {
    let code = raw.trim();
    if code.chars().count() > SKU_CODE_CHARS_MAX {
        return Err(Error::broke_rule("variants", FieldRule::TooLong(SKU_CODE_CHARS_MAX)));
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')) {
        return Err(Error::invalid_field(
            "variants",
            format!("the code {code:?} may use only A–Z, a–z, 0–9 and - _ . /"),
        ));
    }
    Ok(code.to_owned())
}

/// The catalogue's rules with what they depend on: the instance's currency, and
/// whether an active product must show an image (an imported catalogue may come
/// without pictures, like imported notes).
pub(crate) struct CatalogueRules {
    pub(crate) currency: Currency,
    pub(crate) image_required: bool,
}

impl CatalogueRules {
    fn price(&self, field: &str, money: Money) -> Result<i64> {
        crate::amount(self.currency, field, money, true, PRICE_MINOR_MAX)
    }

    fn validate_variants(&self, options: &[ProductOption], input: &[VariantInput]) -> Result<Vec<ValidVariant>> {
        if input.is_empty() {
            return Err(Error::invalid_field("variants", "a product has at least one variant"));
        }
        if input.len() > VARIANTS_MAX {
            return Err(Error::broke_rule("variants", FieldRule::TooMany(VARIANTS_MAX)));
        }
        let mut keys = HashSet::new();
        let mut codes = HashSet::new();
        let mut out = Vec::with_capacity(input.len());
        for variant in input {
            let values: Vec<String> = variant.options.iter().map(|v| v.trim().to_owned()).collect();
            if values.len() != options.len() {
                return Err(Error::invalid_field(
                    "variants",
                    format!("each variant takes one value for each of the {} options", options.len()),
                ));
            }
            for (value, option) in values.iter().zip(options) {
                if !option.values.contains(value) {
                    return Err(Error::invalid_field(
                        "variants",
                        format!("{value:?} is not a value of the option {:?}", option.name),
                    ));
                }
            }
            let key = option_key(&values);
            if !keys.insert(key.clone()) {
                return Err(Error::invalid_field("variants", format!("two variants are {}", values.join(" / "))));
            }
            let code = sku_code(&variant.code)?;
            if !code.is_empty() && !codes.insert(code.clone()) {
                return Err(Error::invalid_field("variants", format!("two variants have the code {code:?}")));
            }
            let price_minor = self.price("price", variant.price)?;
            let compare_at_minor = variant.compare_at.map(|m| self.price("compare_at", m)).transpose()?;
            if compare_at_minor.is_some_and(|c| c < price_minor) {
                return Err(Error::invalid_field("compare_at", "the compare-at price is at least the price"));
            }
            if !(0..=WEIGHT_GRAMS_MAX).contains(&variant.weight_grams) {
                return Err(Error::invalid_field("weight_grams", format!("must be 0 to {WEIGHT_GRAMS_MAX} grams")));
            }
            out.push(ValidVariant {
                id: variant.id,
                key,
                code,
                price_minor,
                compare_at_minor,
                weight_grams: variant.weight_grams,
            });
        }
        Ok(out)
    }

    fn validate_cross_border(&self, input: &CrossBorderInput) -> Result<ValidCrossBorder> {
        let origin = input.origin_country.trim().to_ascii_uppercase();
        if origin.len() != 2 || !origin.bytes().all(|b| b.is_ascii_uppercase()) || origin == "CN" {
            return Err(Error::invalid_field("origin_country", "an ISO 3166-1 two-letter country code other than CN"));
        }
        let trade_mode = TRADE_MODES
            .iter()
            .find(|m| **m == input.trade_mode.trim())
            .ok_or_else(|| Error::invalid_field("trade_mode", "must be bonded_warehouse or direct_mail"))?;
        let warehouse_code = match input.warehouse_code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => {
                Some(sku_code(code).map_err(|_| Error::invalid_field("warehouse_code", "letters, digits, - _ . /"))?)
            }
        };
        let hs_code = match input.hs_code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) if (6..=10).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) => {
                Some(code.to_owned())
            }
            Some(_) => return Err(Error::invalid_field("hs_code", "6 to 10 digits")),
        };
        let declared_value_minor = input.declared_value.map(|m| self.price("declared_value", m)).transpose()?;
        Ok(ValidCrossBorder {
            origin_country: origin,
            trade_mode: (*trade_mode).to_owned(),
            warehouse_code,
            hs_code,
            declared_value_minor,
            certificate_media_id: input.certificate_media_id,
        })
    }

    /// Everything about a product that does not need the database.
    pub(crate) fn validate(&self, input: &ProductInput) -> Result<Valid> {
        let title = bounded_text("title", &input.title, 1, PRODUCT_TITLE_CHARS_MAX, false)?;
        let description = bounded_text("description", &input.description, 0, PRODUCT_DESCRIPTION_CHARS_MAX, true)?;
        let brand = bounded_text("brand", &input.brand, 0, BRAND_CHARS_MAX, false)?;
        if input.attributes.len() > PRODUCT_ATTRIBUTES_MAX {
            return Err(Error::broke_rule("attributes", FieldRule::TooMany(PRODUCT_ATTRIBUTES_MAX)));
        }
        let mut attributes = Vec::with_capacity(input.attributes.len());
        for (name, value) in &input.attributes {
            attributes.push((
                short_text("attributes", name, ATTRIBUTE_NAME_CHARS_MAX)?,
                short_text("attributes", value, ATTRIBUTE_VALUE_CHARS_MAX)?,
            ));
        }
        validate_options(&input.options)?;
        let options = trimmed_options(&input.options);
        let variants = self.validate_variants(&options, &input.variants)?;
        if input.media_ids.len() > PRODUCT_IMAGES_MAX {
            return Err(Error::broke_rule("media_ids", FieldRule::TooMany(PRODUCT_IMAGES_MAX)));
        }
        if input.media_ids.iter().collect::<HashSet<_>>().len() != input.media_ids.len() {
            return Err(Error::invalid_field("media_ids", "an image appears twice"));
        }
        let status = PRODUCT_STATUSES
            .iter()
            .find(|s| **s == input.status)
            .ok_or_else(|| Error::invalid_field("status", "must be draft, active or archived"))?;
        if self.image_required && *status == "active" && input.media_ids.is_empty() {
            return Err(Error::invalid_field("media_ids", "an active product shows at least one image"));
        }
        if !(0..=AFFILIATE_BPS_MAX).contains(&input.affiliate_bps) {
            return Err(Error::invalid_field(
                "affiliate_bps",
                format!("must be 0 to {AFFILIATE_BPS_MAX} basis points"),
            ));
        }
        Ok(Valid {
            category_id: input.category_id,
            title,
            description,
            brand,
            attributes: serde_json::to_string(&attributes).map_err(Error::internal)?,
            options,
            variants,
            media_ids: input.media_ids.clone(),
            status: (*status).to_owned(),
            returnable: input.returnable,
            shipping_template_id: input.shipping_template_id,
            affiliate_bps: input.affiliate_bps,
            cross_border: input.cross_border.as_ref().map(|c| self.validate_cross_border(c)).transpose()?,
        })
    }

    /// What needs the database: the category, the images (`actor`'s uploads or the
    /// product's own), the template, codes.
    pub(crate) async fn check_references(
        &self,
        tx: &mut Tx,
        actor: Id,
        store_id: Id,
        current: Option<&Product>,
        valid: &Valid,
    ) -> Result<()> {
        let live = category_live(tx.conn(), valid.category_id).await?;
        let kept = current.is_some_and(|p| p.record.category_id == valid.category_id);
        if !live && !kept {
            return Err(
                Error::new(ErrorCode::CategoryNotFound).with_details(serde_json::json!({ "field": "category_id" }))
            );
        }
        let attached: Vec<Id> = current.map(|p| p.media.iter().map(|m| m.id).collect()).unwrap_or_default();
        let mut images = valid.media_ids.clone();
        let certificate = valid.cross_border.as_ref().and_then(|c| c.certificate_media_id);
        let current_certificate = current.and_then(|p| p.record.certificate_media_id);
        images.extend(certificate.filter(|c| Some(*c) != current_certificate));
        for media_id in &images {
            let usable = attached.contains(media_id)
                || media::get(tx.conn(), *media_id).await?.is_some_and(|m| m.owner_id == actor);
            if !usable {
                let field = if Some(*media_id) == certificate { "certificate_media_id" } else { "media_ids" };
                return Err(Error::invalid_field(field, format!("{media_id} is not an image you uploaded")));
            }
        }
        if let Some(template_id) = valid.shipping_template_id
            && !stores::templates(tx.conn(), store_id).await?.iter().any(|t| t.id == template_id)
        {
            return Err(Error::new(ErrorCode::ShippingTemplateNotFound)
                .with_details(serde_json::json!({ "field": "shipping_template_id" })));
        }
        let store = stores::get(tx.conn(), store_id).await?.ok_or_else(|| Error::new(ErrorCode::StoreNotFound))?;
        if store.store_type == "cross_border" && valid.cross_border.is_none() {
            return Err(Error::invalid_field(
                "cross_border",
                "a cross-border store's products give their origin and trade mode",
            ));
        }
        for variant in &valid.variants {
            if variant.code.is_empty() {
                continue;
            }
            if let Some((_, product_id)) = products::sku_by_code(tx.conn(), store_id, &variant.code).await?
                && current.is_none_or(|p| p.record.id != product_id)
            {
                return Err(Error::invalid_field(
                    "variants",
                    format!("the code {:?} belongs to another product of the store", variant.code),
                ));
            }
        }
        if let Some(current) = current {
            for variant in &valid.variants {
                if let Some(id) = variant.id
                    && !current.variants.iter().any(|v| v.record.id == id)
                {
                    return Err(Error::invalid_field("variants", format!("{id} is not a variant of this product")));
                }
            }
        }
        Ok(())
    }

    /// Writes a validated product: its row, images, variants (with price history).
    pub(crate) async fn write(
        &self,
        tx: &mut Tx,
        actor: Id,
        store_id: Id,
        current: Option<&Product>,
        valid: &Valid,
    ) -> Result<Id> {
        let currency = self.currency;
        let certificate_status = match (&valid.cross_border, current) {
            (Some(cb), Some(p))
                if cb.certificate_media_id.is_some() && cb.certificate_media_id == p.record.certificate_media_id =>
            {
                p.record.certificate_status.clone()
            }
            (Some(cb), _) if cb.certificate_media_id.is_some() => "pending".to_owned(),
            _ => "none".to_owned(),
        };
        let options = serde_json::to_string(&valid.options).map_err(Error::internal)?;
        let cb = valid.cross_border.as_ref();
        let row = ProductRow {
            category_id: valid.category_id,
            title: &valid.title,
            description: &valid.description,
            brand: &valid.brand,
            attributes: &valid.attributes,
            options: &options,
            status: &valid.status,
            returnable: valid.returnable,
            shipping_template_id: valid.shipping_template_id,
            affiliate_bps: valid.affiliate_bps,
            cross_border: cb.is_some(),
            origin_country: cb.map(|c| c.origin_country.as_str()),
            trade_mode: cb.map(|c| c.trade_mode.as_str()),
            customs_warehouse_code: cb.and_then(|c| c.warehouse_code.as_deref()),
            hs_code: cb.and_then(|c| c.hs_code.as_deref()),
            declared_value_minor: cb.and_then(|c| c.declared_value_minor),
            certificate_media_id: cb.and_then(|c| c.certificate_media_id),
            certificate_status: &certificate_status,
            currency: currency.as_str(),
        };
        let id = match current {
            Some(product) => {
                products::update(tx, product.record.id, &row).await?;
                product.record.id
            }
            None => products::insert(tx, store_id, actor, &row).await?,
        };
        products::set_media(tx, id, &valid.media_ids).await?;
        let existing = products::skus(tx.conn(), id).await?;
        // Which existing variant each new one continues: by id, else by its option values.
        // Ids first, so a variant named by id is never taken by another's option values.
        let mut claimed: Vec<Option<&SkuRecord>> = vec![None; valid.variants.len()];
        let mut taken = HashSet::new();
        for (slot, variant) in claimed.iter_mut().zip(&valid.variants) {
            if let Some(sku) = variant.id.and_then(|vid| existing.iter().find(|s| s.id == vid)) {
                if !taken.insert(sku.id) {
                    return Err(Error::invalid_field("variants", format!("{} is listed twice", sku.id)));
                }
                *slot = Some(sku);
            }
        }
        for (slot, variant) in claimed.iter_mut().zip(&valid.variants) {
            if slot.is_none() && variant.id.is_none() {
                *slot = existing.iter().find(|s| s.option_key == variant.key && !taken.contains(&s.id));
                if let Some(sku) = slot {
                    taken.insert(sku.id);
                }
            }
        }
        // Keys change hands (variants swapped, or one taking an archived one's values):
        // every existing variant whose key is wanted by another first steps aside to a
        // key no typed value can make, so the (product, key) constraint holds throughout.
        for sku in &existing {
            let wanted_by_other = valid
                .variants
                .iter()
                .zip(&claimed)
                .any(|(v, c)| v.key == sku.option_key && c.is_none_or(|c| c.id != sku.id));
            if wanted_by_other {
                let aside = format!("{}{KEY_SEPARATOR}~{}", sku.option_key, sku.id);
                products::update_sku(tx, sku.id, &SkuRow { option_key: &aside, ..row_of(sku) }).await?;
                if !taken.contains(&sku.id) {
                    products::archive_sku(tx, sku.id).await?;
                }
            }
        }
        let mut kept = HashSet::new();
        for (position, (variant, matched)) in valid.variants.iter().zip(&claimed).enumerate() {
            let code = if variant.code.is_empty() {
                matched.map_or_else(|| format!("{id}-{}", position + 1), |s| s.code.clone())
            } else {
                variant.code.clone()
            };
            let row = SkuRow {
                code: &code,
                option_key: &variant.key,
                price_minor: variant.price_minor,
                compare_at_minor: variant.compare_at_minor,
                currency: currency.as_str(),
                weight_grams: variant.weight_grams,
                position: position as i64,
            };
            match matched {
                Some(sku) => {
                    products::update_sku(tx, sku.id, &row).await?;
                    if sku.price_minor != variant.price_minor
                        || sku.compare_at_minor != variant.compare_at_minor
                        || sku.archived
                    {
                        products::record_price(tx, sku.id, variant.price_minor, variant.compare_at_minor).await?;
                    }
                    kept.insert(sku.id);
                }
                None => {
                    let sku_id = products::insert_sku(tx, id, store_id, &row).await?;
                    products::record_price(tx, sku_id, variant.price_minor, variant.compare_at_minor).await?;
                    kept.insert(sku_id);
                }
            }
        }
        for sku in existing.iter().filter(|s| !s.archived && !kept.contains(&s.id)) {
            products::archive_sku(tx, sku.id).await?;
        }
        products::refresh_listing(tx, id).await?;
        tx.emit(DomainEvent::ProductChanged { product_id: id, store_id, status: valid.status.clone() }).await?;
        Ok(id)
    }
}

/// Sets the stock of a product's variants named by their option values:
/// (values, warehouse, units on hand). Nothing to set writes nothing.
pub(crate) async fn write_stock(
    tx: &mut Tx,
    product_id: Id,
    store_id: Id,
    stock: &[(Vec<String>, Id, i64)],
) -> Result<()> {
    if stock.is_empty() {
        return Ok(());
    }
    let skus = products::skus(tx.conn(), product_id).await?;
    for (values, warehouse_id, on_hand) in stock {
        if !(0..=STOCK_UNITS_MAX).contains(on_hand) {
            return Err(Error::invalid_field("stock", format!("on hand is 0 to {STOCK_UNITS_MAX} units")));
        }
        let values: Vec<String> = values.iter().map(|v| v.trim().to_owned()).collect();
        let key = option_key(&values);
        let sku = skus
            .iter()
            .find(|s| s.option_key == key && !s.archived)
            .ok_or_else(|| Error::invalid_field("stock", format!("no variant is {}", values.join(" / "))))?;
        if !products::set_stock(tx, sku.id, *warehouse_id, *on_hand).await? {
            return Err(Error::new(ErrorCode::StockBelowReserved));
        }
    }
    products::refresh_listing(tx, product_id).await?;
    tx.emit(DomainEvent::StockChanged { product_id, store_id }).await?;
    Ok(())
}

impl Commerce {
    pub(crate) fn rules(&self) -> CatalogueRules {
        CatalogueRules { currency: self.currency(), image_required: true }
    }

    /// Creates a product in a store (its staff, admins and owners).
    pub async fn create_product(&self, caller: &Caller, store_id: Id, input: &ProductInput) -> Result<Product> {
        self.authorize_store(caller, store_id, OrgAction::EditCatalogue).await?;
        let valid = self.rules().validate(input)?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        self.rules().check_references(&mut tx, caller.user_id, store_id, None, &valid).await?;
        let id = self.rules().write(&mut tx, caller.user_id, store_id, None, &valid).await?;
        let record = products::get(tx.conn(), id).await?.ok_or_else(product_not_found)?;
        let product = load(tx.conn(), record, true).await?;
        self.commit(tx).await?;
        Ok(product)
    }

    /// Creates (`existing: None`) or rewrites a product and sets stock of its variants
    /// — (option values, warehouse, units) — in one transaction: the unit a catalogue
    /// import applies or rejects whole.
    pub(crate) async fn apply_unit(
        &self,
        caller: &Caller,
        store_id: Id,
        existing: Option<Id>,
        input: &ProductInput,
        stock: &[(Vec<String>, Id, i64)],
    ) -> Result<Id> {
        let valid = self.rules().validate(input)?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        let current = match existing {
            Some(id) => {
                let record = products::get(tx.conn(), id)
                    .await?
                    .filter(|p| p.store_id == store_id)
                    .ok_or_else(product_not_found)?;
                Some(load(tx.conn(), record, true).await?)
            }
            None => None,
        };
        self.rules().check_references(&mut tx, caller.user_id, store_id, current.as_ref(), &valid).await?;
        let id = self.rules().write(&mut tx, caller.user_id, store_id, current.as_ref(), &valid).await?;
        write_stock(&mut tx, id, store_id, stock).await?;
        self.commit(tx).await?;
        Ok(id)
    }

    /// Changes a product (its store's staff, admins and owners).
    pub async fn update_product(&self, caller: &Caller, product_id: Id, change: &ProductChange) -> Result<Product> {
        let store_id = self.authorize_product(caller, product_id, OrgAction::EditCatalogue).await?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        let record = products::get(tx.conn(), product_id).await?.ok_or_else(product_not_found)?;
        let current = load(tx.conn(), record, true).await?;
        let input = merged(&current, change);
        let valid = self.rules().validate(&input)?;
        self.rules().check_references(&mut tx, caller.user_id, store_id, Some(&current), &valid).await?;
        self.rules().write(&mut tx, caller.user_id, store_id, Some(&current), &valid).await?;
        let record = products::get(tx.conn(), product_id).await?.ok_or_else(product_not_found)?;
        let product = load(tx.conn(), record, true).await?;
        self.commit(tx).await?;
        Ok(product)
    }

    /// The product's store, for a member of its organization whose role allows
    /// `action`; anyone else: `product_not_found` for a product they may not see,
    /// `store_not_found`-free answers otherwise (a stranger learns nothing).
    pub async fn authorize_product(&self, caller: &Caller, product_id: Id, action: OrgAction) -> Result<Id> {
        let record = products::get(&mut *self.db.reader().await?, product_id).await?.ok_or_else(product_not_found)?;
        self.authorize_store(caller, record.store_id, action)
            .await
            .map_err(|e| if e.code == ErrorCode::StoreNotFound { product_not_found() } else { e })?;
        Ok(record.store_id)
    }

    /// A product as `viewer` may see it: its store's members (and the operator) see
    /// any; others see active and archived products (an archived or suspended one
    /// is shown as no longer sold), never drafts. What outsiders see is kept about a
    /// second (`product_cache`); insiders always read the database.
    pub async fn product(&self, viewer: Option<&Caller>, product_id: Id) -> Result<Arc<Product>> {
        let insider = |store_id: Id| async move {
            match viewer {
                Some(caller) => self.authorize_store(caller, store_id, OrgAction::ViewStore).await.is_ok(),
                None => false,
            }
        };
        if let Some(kept) = self.product_cache.fresh(product_id)
            && !insider(kept.record.store_id).await
        {
            return Ok(kept);
        }
        let generation = self.product_cache.generation();
        let mut conn = self.db.reader().await?;
        let record = products::get(&mut conn, product_id).await?.ok_or_else(product_not_found)?;
        drop(conn);
        let insider = insider(record.store_id).await;
        if record.status == "draft" && !insider && !viewer.is_some_and(|v| v.is_admin) {
            return Err(product_not_found());
        }
        let product = Arc::new(load(&mut *self.db.reader().await?, record, insider).await?);
        self.product_cache.keep(generation, Arc::clone(&product));
        Ok(product)
    }

    /// A store's products for its page or console: buyers see what is listed;
    /// members may ask for any status.
    pub async fn store_products(
        &self,
        viewer: Option<&Caller>,
        store_id: Id,
        status: Option<&str>,
        category: Option<Id>,
        before: Option<Id>,
        limit: u32,
    ) -> Result<Vec<ProductRecord>> {
        let store = stores::get(&mut *self.db.reader().await?, store_id)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::StoreNotFound))?;
        let insider = match viewer {
            Some(caller) => self.authorize_store(caller, store_id, OrgAction::ViewStore).await.is_ok(),
            None => false,
        };
        let status = match status {
            None | Some("") if insider => "",
            None | Some("") | Some("active") => "active",
            Some(s @ ("draft" | "archived")) if insider => s,
            Some("draft" | "archived") => return Ok(Vec::new()),
            Some(_) => return Err(Error::invalid_field("status", "must be draft, active or archived")),
        };
        if !insider && store.status != "open" {
            return Ok(Vec::new());
        }
        Ok(products::list_for_store(&mut *self.db.reader().await?, store_id, status, category, before, limit).await?)
    }

    /// Products on sale among `ids`, in the order given (search proposes, the
    /// database disposes).
    pub async fn listed_by_ids(&self, ids: &[Id]) -> Result<Vec<ProductRecord>> {
        let records = products::get_many(&mut *self.db.reader().await?, ids).await?;
        Ok(ids.iter().filter_map(|id| records.iter().find(|r| r.id == *id && listed(r)).cloned()).collect())
    }

    /// The top-level categories a store lists products in, in tree order.
    pub async fn store_categories(&self, store_id: Id) -> Result<Vec<Category>> {
        let mut conn = self.db.reader().await?;
        let used = products::store_categories(&mut conn, store_id).await?;
        let tree = arrange(carmine_store::categories::list(&mut conn).await?);
        let root_of = |mut id: Id| {
            while let Some(parent) = tree.iter().find(|c| c.record.id == id).and_then(|c| c.record.parent_id) {
                id = parent;
            }
            id
        };
        let roots: HashSet<Id> = used.into_iter().map(root_of).collect();
        Ok(tree.into_iter().filter(|c| roots.contains(&c.record.id)).collect())
    }

    /// Listed products (active, in open stores), newest first, filtered.
    pub async fn listed_products(
        &self,
        filter: &ListingFilter<'_>,
        before: Option<Id>,
        limit: u32,
    ) -> Result<Vec<ProductRecord>> {
        Ok(products::list_public(&mut *self.db.reader().await?, filter, before, limit).await?)
    }

    /// Sets stock on hand: (variant, warehouse, units). Each variant must be a live
    /// one of the product and each warehouse the store's; nothing is written unless
    /// every row is accepted.
    pub async fn set_stock(&self, caller: &Caller, product_id: Id, rows: &[(Id, Id, i64)]) -> Result<Product> {
        let store_id = self.authorize_product(caller, product_id, OrgAction::EditCatalogue).await?;
        if rows.len() > STOCK_ROWS_PER_REQUEST_MAX {
            return Err(Error::broke_rule("stock", FieldRule::TooMany(STOCK_ROWS_PER_REQUEST_MAX)));
        }
        let mut tx = self.db.begin().await?;
        products::lock(&mut tx, product_id).await?;
        let skus = products::skus(tx.conn(), product_id).await?;
        let warehouses = stores::warehouses(tx.conn(), store_id).await?;
        for (sku_id, warehouse_id, on_hand) in rows {
            if !skus.iter().any(|s| s.id == *sku_id && !s.archived) {
                return Err(Error::invalid_field("stock", format!("{sku_id} is not a variant of this product")));
            }
            if !warehouses.iter().any(|w| w.id == *warehouse_id) {
                return Err(
                    Error::new(ErrorCode::WarehouseNotFound).with_details(serde_json::json!({ "field": "stock" }))
                );
            }
            if !(0..=STOCK_UNITS_MAX).contains(on_hand) {
                return Err(Error::invalid_field("stock", format!("on hand is 0 to {STOCK_UNITS_MAX} units")));
            }
            if !products::set_stock(&mut tx, *sku_id, *warehouse_id, *on_hand).await? {
                return Err(Error::new(ErrorCode::StockBelowReserved).with_details(
                    serde_json::json!({ "sku_id": sku_id.to_string(), "warehouse_id": warehouse_id.to_string() }),
                ));
            }
        }
        products::refresh_listing(&mut tx, product_id).await?;
        tx.emit(DomainEvent::StockChanged { product_id, store_id }).await?;
        let record = products::get(tx.conn(), product_id).await?.ok_or_else(product_not_found)?;
        let product = load(tx.conn(), record, true).await?;
        self.commit(tx).await?;
        Ok(product)
    }

    /// The prices a variant has had (oldest first) and the lowest since `since`.
    pub async fn price_history(
        &self,
        sku_id: Id,
        since: Timestamp,
    ) -> Result<(Vec<(i64, Option<i64>, Timestamp)>, Option<i64>)> {
        let mut conn = self.db.reader().await?;
        let history = products::price_history(&mut conn, sku_id).await?;
        let lowest = products::lowest_price_since(&mut conn, sku_id, since).await?;
        Ok((history, lowest))
    }

    /// Cross-border products whose certificate waits for the operator.
    pub async fn pending_certificates(&self, operator: Operator<'_>, limit: u32) -> Result<Vec<Product>> {
        operator.check()?;
        let mut conn = self.db.reader().await?;
        let records = products::certificates_pending(&mut conn, limit).await?;
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            out.push(load(&mut conn, record, false).await?);
        }
        Ok(out)
    }

    /// The operator verifies or rejects a pending certificate.
    pub async fn decide_certificate(&self, operator: Operator<'_>, product_id: Id, verified: bool) -> Result<Product> {
        operator.check()?;
        let mut tx = self.db.begin().await?;
        products::get(tx.conn(), product_id).await?.ok_or_else(product_not_found)?;
        let status = if verified { "verified" } else { "rejected" };
        if !products::decide_certificate(&mut tx, product_id, status).await? {
            return Err(Error::invalid_field("certificate", "no certificate of this product waits for a decision"));
        }
        tx.emit(DomainEvent::CertificateDecided { product_id, verified }).await?;
        let action = if verified { "commerce.verify_certificate" } else { "commerce.reject_certificate" };
        audit::record(&mut tx, operator.admin_id(), action, "product", product_id, &serde_json::json!({})).await?;
        let record = products::get(tx.conn(), product_id).await?.ok_or_else(product_not_found)?;
        let product = load(tx.conn(), record, false).await?;
        self.commit(tx).await?;
        Ok(product)
    }
}

fn row_of(sku: &SkuRecord) -> SkuRow<'_> {
    SkuRow {
        code: &sku.code,
        option_key: &sku.option_key,
        price_minor: sku.price_minor,
        compare_at_minor: sku.compare_at_minor,
        currency: &sku.currency,
        weight_grams: sku.weight_grams,
        position: sku.position,
    }
}

/// The whole product after `change`.
fn merged(current: &Product, change: &ProductChange) -> ProductInput {
    let record = &current.record;
    let currency = carmine_core::money::Currency::parse(&record.currency).unwrap_or(carmine_core::money::Currency::CNY);
    let money = |minor| Money::new(minor, currency);
    let cross_border = match &change.cross_border {
        Some(cb) => cb.clone(),
        None if record.cross_border => Some(CrossBorderInput {
            origin_country: record.origin_country.clone().unwrap_or_default(),
            trade_mode: record.trade_mode.clone().unwrap_or_default(),
            warehouse_code: record.customs_warehouse_code.clone(),
            hs_code: record.hs_code.clone(),
            declared_value: record.declared_value_minor.map(money),
            certificate_media_id: record.certificate_media_id,
        }),
        None => None,
    };
    ProductInput {
        category_id: change.category_id.unwrap_or(record.category_id),
        title: change.title.clone().unwrap_or_else(|| record.title.clone()),
        description: change.description.clone().unwrap_or_else(|| record.description.clone()),
        brand: change.brand.clone().unwrap_or_else(|| record.brand.clone()),
        attributes: change.attributes.clone().unwrap_or_else(|| current.attributes.clone()),
        options: change.options.clone().unwrap_or_else(|| current.options.clone()),
        variants: change.variants.clone().unwrap_or_else(|| {
            current
                .variants
                .iter()
                .map(|v| VariantInput {
                    id: Some(v.record.id),
                    options: v.options.clone(),
                    code: v.record.code.clone(),
                    price: money(v.record.price_minor),
                    compare_at: v.record.compare_at_minor.map(money),
                    weight_grams: v.record.weight_grams,
                })
                .collect()
        }),
        media_ids: change.media_ids.clone().unwrap_or_else(|| current.media.iter().map(|m| m.id).collect()),
        status: change.status.clone().unwrap_or_else(|| record.status.clone()),
        returnable: change.returnable.unwrap_or(record.returnable),
        shipping_template_id: change.shipping_template_id.unwrap_or(record.shipping_template_id),
        affiliate_bps: change.affiliate_bps.unwrap_or(record.affiliate_bps),
        cross_border,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_keys_round_trip_and_cannot_be_typed() {
        let values = vec!["红".to_owned(), "M".to_owned()];
        assert_eq!(options_of_key(&option_key(&values)), values);
        assert!(options_of_key(&option_key(&[])).is_empty());
        assert!(KEY_SEPARATOR.is_control(), "bounded_text refuses it in any value");
    }

    #[test]
    fn sku_codes_are_plain_ascii() {
        assert_eq!(sku_code(" GL-01/a_b.c ").unwrap(), "GL-01/a_b.c");
        assert_eq!(sku_code("").unwrap(), "");
        for bad in ["红色", "a b", "x;drop", &"x".repeat(SKU_CODE_CHARS_MAX + 1)] {
            assert!(sku_code(bad).is_err(), "{bad}");
        }
    }
}

//! What `carmine import` writes for commerce — a store with its shipping templates
//! and warehouses, a product with its variants and stock, a note's product tags —
//! each inside the importer's transaction and by the API's rules (the importer
//! resolves the dataset's references; this module checks the values). Where an
//! import differs from the API, `docs/dataset-format.md` says so:
//!
//! - an organization's verification is not part of a dataset, so a store record is
//!   taken as proof the store was opened (the organization must still be a brand or
//!   a merchant without a store);
//! - an active product may come without images (like imported notes);
//! - a tag may be on a product no longer on sale (it was when the note tagged it),
//!   never on a draft;
//! - a suspended store and a decided certificate keep their state.

use carmine_core::event::DomainEvent;
use carmine_core::limits::{DECISION_REASON_CHARS_MAX, SHIPPING_TEMPLATES_PER_STORE_MAX, WAREHOUSES_PER_STORE_MAX};
use carmine_core::money::Currency;
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, FieldRule, Id, Result};
use carmine_store::{Tx, orgs, product_tags, products, stores};

use crate::products::{CatalogueRules, ProductInput, write_stock};
use crate::shipping::{TemplateInput, valid_template, warehouse_name};
use crate::stores::{StoreInput, settle};
use crate::tags::{TagInput, checked_rows};

/// A store as a dataset describes it.
#[derive(Clone, Debug)]
pub struct StoreImport {
    pub settings: StoreInput,
    /// At least one; `make_default` is ignored (see `default_template`).
    pub templates: Vec<TemplateInput>,
    /// The index of the default template.
    pub default_template: usize,
    /// Names in priority order; at least one.
    pub warehouses: Vec<String>,
    /// Suspended by the operator, for this reason.
    pub suspended: Option<String>,
}

/// Opens `org_id`'s store with its templates and warehouses (images are `actor`'s
/// uploads); returns the store's id.
pub async fn import_store(tx: &mut Tx, currency: Currency, org_id: Id, actor: Id, input: &StoreImport) -> Result<Id> {
    let org = orgs::get(tx.conn(), org_id).await?.ok_or_else(|| Error::new(ErrorCode::OrgNotFound))?;
    if !["brand", "merchant"].contains(&org.kind.as_str()) {
        return Err(Error::new(ErrorCode::StoreNeedsVerifiedOrg).with_details(serde_json::json!({ "kind": org.kind })));
    }
    if stores::get_by_org(tx.conn(), org_id).await?.is_some() {
        return Err(Error::new(ErrorCode::StoreExists));
    }
    if input.templates.is_empty() || input.templates.len() as i64 > SHIPPING_TEMPLATES_PER_STORE_MAX {
        return Err(Error::invalid_field(
            "shipping_templates",
            format!("a store has 1 to {SHIPPING_TEMPLATES_PER_STORE_MAX} shipping templates"),
        ));
    }
    if input.default_template >= input.templates.len() {
        return Err(Error::invalid_field("default_template", "must be the index of one of the store's templates"));
    }
    if input.warehouses.is_empty() || input.warehouses.len() as i64 > WAREHOUSES_PER_STORE_MAX {
        return Err(Error::broke_rule("warehouses", FieldRule::TooMany(WAREHOUSES_PER_STORE_MAX as usize)));
    }
    let templates = input.templates.iter().map(|t| valid_template(currency, t)).collect::<Result<Vec<_>>>()?;
    let warehouses = input.warehouses.iter().map(|w| warehouse_name(w)).collect::<Result<Vec<_>>>()?;
    let reason = input
        .suspended
        .as_deref()
        .map(|r| bounded_text("suspended", r, 1, DECISION_REASON_CHARS_MAX, true))
        .transpose()?;
    let settings = settle(tx.conn(), actor, &org, None, &input.settings).await?;
    let store_id = stores::insert(tx, org_id, &settings.row()).await?;
    for (index, template) in templates.iter().enumerate() {
        let template_id = stores::insert_template(tx, store_id, &template.row()).await?;
        if index == input.default_template {
            stores::set_default_template(tx, store_id, template_id).await?;
        }
    }
    for (priority, name) in warehouses.iter().enumerate() {
        stores::insert_warehouse(tx, store_id, name, priority as i64 + 1).await?;
    }
    tx.emit(DomainEvent::StoreOpened { store_id, org_id }).await?;
    if let Some(reason) = reason {
        stores::set_suspended(tx, store_id, Some(&reason)).await?;
        tx.emit(DomainEvent::StoreSuspensionChanged { store_id, suspended: true }).await?;
    }
    Ok(store_id)
}

/// A product's certificate as the operator left it: `pending`, `verified` or `rejected`.
pub const CERTIFICATE_DECISIONS: &[&str] = &["pending", "verified", "rejected"];

/// Writes a new product of `store_id` (by `actor`, whose uploads its images are),
/// its stock — (option values, warehouse, units) — and its certificate's state.
pub async fn import_product(
    tx: &mut Tx,
    currency: Currency,
    store_id: Id,
    actor: Id,
    input: &ProductInput,
    stock: &[(Vec<String>, Id, i64)],
    certificate_status: Option<&str>,
) -> Result<Id> {
    let rules = CatalogueRules { currency, image_required: false };
    let valid = rules.validate(input)?;
    if let Some(status) = certificate_status {
        if !CERTIFICATE_DECISIONS.contains(&status) {
            return Err(Error::invalid_field("certificate_status", "must be pending, verified or rejected"));
        }
        if input.cross_border.as_ref().and_then(|c| c.certificate_media_id).is_none() {
            return Err(Error::invalid_field("certificate_status", "only a product with a certificate has one"));
        }
    }
    rules.check_references(tx, actor, store_id, None, &valid).await?;
    let product_id = rules.write(tx, actor, store_id, None, &valid).await?;
    write_stock(tx, product_id, store_id, stock).await?;
    if let Some(status @ ("verified" | "rejected")) = certificate_status {
        products::decide_certificate(tx, product_id, status).await?;
        tx.emit(DomainEvent::CertificateDecided { product_id, verified: status == "verified" }).await?;
    }
    Ok(product_id)
}

/// Sets an imported note's product tags (made by `tagged_by`, its writer).
pub async fn import_tags(tx: &mut Tx, note_id: Id, note_author: Id, tagged_by: Id, tags: &[TagInput]) -> Result<()> {
    let rows = checked_rows(tx, note_id, note_author, tags, true).await?;
    product_tags::replace(tx, note_id, tagged_by, &rows).await?;
    tx.emit(DomainEvent::NoteProductsTagged { note_id, count: rows.len() as u64 }).await?;
    Ok(())
}

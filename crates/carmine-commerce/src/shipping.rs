//! A store's shipping templates (a default fee, per-region fees or "not delivered",
//! a free-shipping threshold; one template is the store's default) and its
//! warehouses (checkout takes stock from them in priority order).

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{
    SHIPPING_AMOUNT_MINOR_MAX, SHIPPING_TEMPLATE_NAME_CHARS_MAX, SHIPPING_TEMPLATES_PER_STORE_MAX,
    WAREHOUSE_NAME_CHARS_MAX, WAREHOUSES_PER_STORE_MAX,
};
use carmine_core::money::{Currency, Money};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, FieldRule, Id, Result};
use carmine_store::Tx;
use carmine_store::stores::{self, TemplateRow};

use crate::stores::{Store, full};
use crate::{Commerce, regions};

/// A shipping template as a client describes it.
#[derive(Clone, Debug)]
pub struct TemplateInput {
    pub name: String,
    /// The fee for every region the template does not list.
    pub default_fee: Money,
    /// Orders of at least this much ship free (`None`: never).
    pub free_over: Option<Money>,
    /// (region, fee; `None`: not delivered there).
    pub fees: Vec<(String, Option<Money>)>,
    /// Make it the store's default template.
    pub make_default: bool,
}

pub(crate) fn template_name(raw: &str) -> Result<String> {
    bounded_text("name", raw, 1, SHIPPING_TEMPLATE_NAME_CHARS_MAX, false)
}

pub(crate) fn warehouse_name(raw: &str) -> Result<String> {
    bounded_text("name", raw, 1, WAREHOUSE_NAME_CHARS_MAX, false)
}

/// What the store charges to deliver an order of `subtotal_minor` to `region`;
/// `None`: the template does not deliver there.
pub fn fee_for(template: &stores::TemplateRecord, region: &str, subtotal_minor: i64) -> Option<i64> {
    let fee = match template.fees.iter().find(|(r, _)| r == region) {
        Some((_, fee)) => (*fee)?,
        None => template.default_fee_minor,
    };
    match template.free_over_minor {
        Some(threshold) if subtotal_minor >= threshold => Some(0),
        _ => Some(fee),
    }
}

pub(crate) struct ValidTemplate {
    pub(crate) name: String,
    pub(crate) default_fee_minor: i64,
    pub(crate) free_over_minor: Option<i64>,
    pub(crate) fees: Vec<(String, Option<i64>)>,
}

impl ValidTemplate {
    pub(crate) fn row(&self) -> TemplateRow<'_> {
        TemplateRow {
            name: &self.name,
            default_fee_minor: self.default_fee_minor,
            free_over_minor: self.free_over_minor,
            fees: &self.fees,
        }
    }
}

/// A template's values, checked: amounts in the instance's `currency`.
pub(crate) fn valid_template(currency: Currency, input: &TemplateInput) -> Result<ValidTemplate> {
    let name = template_name(&input.name)?;
    let default_fee_minor =
        crate::amount(currency, "default_fee", input.default_fee, false, SHIPPING_AMOUNT_MINOR_MAX)?;
    let free_over_minor = input
        .free_over
        .map(|m| crate::amount(currency, "free_over", m, true, SHIPPING_AMOUNT_MINOR_MAX))
        .transpose()?;
    let regions_max = regions::all().count();
    if input.fees.len() > regions_max {
        return Err(Error::broke_rule("fees", FieldRule::TooMany(regions_max)));
    }
    let mut fees: Vec<(String, Option<i64>)> = Vec::with_capacity(input.fees.len());
    for (raw, fee) in &input.fees {
        let region = regions::parse(raw).ok_or_else(|| {
            Error::invalid_field("fees", format!("{raw:?} is not an ISO 3166-2:CN code or \"world\""))
        })?;
        if fees.iter().any(|(r, _)| r == region) {
            return Err(Error::invalid_field("fees", format!("{region} is listed twice")));
        }
        let fee = fee.map(|m| crate::amount(currency, "fees", m, false, SHIPPING_AMOUNT_MINOR_MAX)).transpose()?;
        fees.push((region.to_owned(), fee));
    }
    fees.sort();
    Ok(ValidTemplate { name, default_fee_minor, free_over_minor, fees })
}

impl Commerce {
    pub async fn add_template(&self, caller: &Caller, store_id: Id, input: &TemplateInput) -> Result<Store> {
        self.authorize_store(caller, store_id, OrgAction::ManageStore).await?;
        let valid = valid_template(self.currency(), input)?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        if stores::templates(tx.conn(), store_id).await?.len() as i64 >= SHIPPING_TEMPLATES_PER_STORE_MAX {
            return Err(Error::broke_rule("templates", FieldRule::TooMany(SHIPPING_TEMPLATES_PER_STORE_MAX as usize)));
        }
        let row = valid.row();
        let id = stores::insert_template(&mut tx, store_id, &row).await?;
        if input.make_default {
            stores::set_default_template(&mut tx, store_id, id).await?;
        }
        self.store_changed(tx, store_id).await
    }

    pub async fn update_template(
        &self,
        caller: &Caller,
        store_id: Id,
        template_id: Id,
        input: &TemplateInput,
    ) -> Result<Store> {
        self.authorize_store(caller, store_id, OrgAction::ManageStore).await?;
        let valid = valid_template(self.currency(), input)?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        let templates = stores::templates(tx.conn(), store_id).await?;
        if !templates.iter().any(|t| t.id == template_id) {
            return Err(Error::new(ErrorCode::ShippingTemplateNotFound));
        }
        let row = valid.row();
        stores::update_template(&mut tx, template_id, &row).await?;
        if input.make_default {
            stores::set_default_template(&mut tx, store_id, template_id).await?;
        }
        self.store_changed(tx, store_id).await
    }

    /// Deletes a template that is not the store's default.
    pub async fn delete_template(&self, caller: &Caller, store_id: Id, template_id: Id) -> Result<Store> {
        self.authorize_store(caller, store_id, OrgAction::ManageStore).await?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        let templates = stores::templates(tx.conn(), store_id).await?;
        if !templates.iter().any(|t| t.id == template_id) {
            return Err(Error::new(ErrorCode::ShippingTemplateNotFound));
        }
        let current_default = stores::get(tx.conn(), store_id).await?.and_then(|s| s.default_template_id);
        if current_default == Some(template_id) {
            return Err(Error::invalid_field(
                "template_id",
                "make another template the default before deleting this one",
            ));
        }
        stores::delete_template(&mut tx, template_id).await?;
        self.store_changed(tx, store_id).await
    }

    /// Adds a warehouse after the others (checkout tries it last).
    pub async fn add_warehouse(&self, caller: &Caller, store_id: Id, name: &str) -> Result<Store> {
        self.authorize_store(caller, store_id, OrgAction::ManageStore).await?;
        let name = warehouse_name(name)?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        let existing = stores::warehouses(tx.conn(), store_id).await?;
        if existing.len() as i64 >= WAREHOUSES_PER_STORE_MAX {
            return Err(Error::broke_rule("warehouses", FieldRule::TooMany(WAREHOUSES_PER_STORE_MAX as usize)));
        }
        let priority = existing.iter().map(|w| w.priority).max().unwrap_or(0) + 1;
        stores::insert_warehouse(&mut tx, store_id, &name, priority).await?;
        self.store_changed(tx, store_id).await
    }

    /// Renames a warehouse and/or moves it to `position` (1: checkout tries it
    /// first; the others keep their order around it).
    pub async fn change_warehouse(
        &self,
        caller: &Caller,
        store_id: Id,
        warehouse_id: Id,
        name: Option<&str>,
        position: Option<i64>,
    ) -> Result<Store> {
        self.authorize_store(caller, store_id, OrgAction::ManageStore).await?;
        let name = name.map(warehouse_name).transpose()?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        let existing = stores::warehouses(tx.conn(), store_id).await?;
        if !existing.iter().any(|w| w.id == warehouse_id) {
            return Err(Error::new(ErrorCode::WarehouseNotFound));
        }
        if let Some(name) = name {
            stores::rename_warehouse(&mut tx, warehouse_id, &name).await?;
        }
        if let Some(position) = position {
            if !(1..=existing.len() as i64).contains(&position) {
                return Err(Error::invalid_field("position", format!("1 to {}", existing.len())));
            }
            let mut order: Vec<Id> = existing.iter().map(|w| w.id).filter(|id| *id != warehouse_id).collect();
            order.insert(position as usize - 1, warehouse_id);
            stores::order_warehouses(&mut tx, store_id, &order).await?;
        }
        self.store_changed(tx, store_id).await
    }

    /// Removes a warehouse that holds nothing (no units on hand or reserved); a
    /// store keeps at least one. The others keep their order.
    pub async fn remove_warehouse(&self, caller: &Caller, store_id: Id, warehouse_id: Id) -> Result<Store> {
        self.authorize_store(caller, store_id, OrgAction::ManageStore).await?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        let existing = stores::warehouses(tx.conn(), store_id).await?;
        if !existing.iter().any(|w| w.id == warehouse_id) {
            return Err(Error::new(ErrorCode::WarehouseNotFound));
        }
        if existing.len() == 1 {
            return Err(Error::new(ErrorCode::LastWarehouse));
        }
        if stores::warehouse_units(tx.conn(), warehouse_id).await? != (0, 0) {
            return Err(Error::new(ErrorCode::WarehouseNotEmpty));
        }
        if carmine_store::orders::warehouse_used(tx.conn(), warehouse_id).await? {
            return Err(Error::new(ErrorCode::WarehouseInUse));
        }
        stores::delete_warehouse(&mut tx, warehouse_id).await?;
        let order: Vec<Id> = existing.iter().map(|w| w.id).filter(|id| *id != warehouse_id).collect();
        stores::order_warehouses(&mut tx, store_id, &order).await?;
        self.store_changed(tx, store_id).await
    }

    /// Ends a write to a store's shipping or warehouses: marks the store updated,
    /// emits its event, commits, and returns the store as it now is.
    async fn store_changed(&self, mut tx: Tx, store_id: Id) -> Result<Store> {
        stores::touch(&mut tx, store_id).await?;
        tx.emit(DomainEvent::StoreUpdated { store_id }).await?;
        let store = full(tx.conn(), store_id).await?;
        self.commit(tx).await?;
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carmine_store::stores::TemplateRecord;

    #[test]
    fn a_fee_is_the_regions_or_the_default_and_free_over_the_threshold() {
        let template = TemplateRecord {
            id: Id::from_i64(1),
            store_id: Id::from_i64(2),
            name: "t".into(),
            default_fee_minor: 800,
            free_over_minor: Some(9_900),
            fees: vec![("CN-XZ".into(), None), ("world".into(), Some(12_000))],
        };
        assert_eq!(fee_for(&template, "CN-BJ", 100), Some(800));
        assert_eq!(fee_for(&template, "CN-BJ", 9_900), Some(0));
        assert_eq!(fee_for(&template, "world", 100), Some(12_000));
        assert_eq!(fee_for(&template, "CN-XZ", 50_000), None);
    }
}

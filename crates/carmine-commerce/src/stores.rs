//! Stores: one per verified brand or merchant organization. Opening, settings
//! (name, description, type, logo and banner, return policy), the console's access
//! check, and the operator's suspension. A suspended store's products leave every
//! listing; orders already placed are not touched.

use carmine_accounts::Caller;
use carmine_accounts::admin::Operator;
use carmine_accounts::orgs::{OrgAction, OrgRole};
use carmine_core::event::DomainEvent;
use carmine_core::limits::{
    DECISION_REASON_CHARS_MAX, RETURN_DAYS_MAX, RETURN_POLICY_CHARS_MAX, STORE_DESCRIPTION_CHARS_MAX,
    STORE_NAME_CHARS_MAX,
};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::orgs::OrgRecord;
use carmine_store::stores::{self, StoreRecord, StoreSettings, TemplateRecord, TemplateRow, WarehouseRecord};
use carmine_store::{Conn, audit, media};

use crate::Commerce;

/// What a store says it is.
pub const STORE_TYPES: &[&str] = &["brand_official", "authorised_reseller", "cross_border"];

/// The no-reason return window a new store promises, in days after receipt.
pub const DEFAULT_RETURN_DAYS: i64 = 7;

/// The store score every store starts at (×100): 4.50, below the 4.7 that earns
/// faster settlement and above anything that would warn a buyer, until reviews and
/// after-sales move it (Commerce II).
pub const NEUTRAL_SCORE_CENTI: i64 = 450;

/// A store with its shipping templates and warehouses.
#[derive(Clone, Debug)]
pub struct Store {
    pub record: StoreRecord,
    pub templates: Vec<TemplateRecord>,
    pub warehouses: Vec<WarehouseRecord>,
}

/// A store as a member of its organization sees it, with their role.
#[derive(Clone, Debug)]
pub struct StoreAccess {
    pub store: StoreRecord,
    pub role: OrgRole,
}

/// Settings as a client sends them: `None` keeps a field (on opening: its default).
#[derive(Clone, Debug, Default)]
pub struct StoreInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub store_type: Option<String>,
    /// `Some(None)` removes the image.
    pub logo_media_id: Option<Option<Id>>,
    pub banner_media_id: Option<Option<Id>>,
    pub return_days: Option<i64>,
    pub return_policy: Option<String>,
}

/// What a new store is given in the opener's language: the name of its first
/// shipping template (free delivery everywhere) and of its first warehouse.
#[derive(Clone, Debug)]
pub struct StoreStarter {
    pub template_name: String,
    pub warehouse_name: String,
}

fn store_not_found() -> Error {
    Error::new(ErrorCode::StoreNotFound)
}

pub(crate) struct Settings {
    name: String,
    description: String,
    store_type: String,
    logo_media_id: Option<Id>,
    banner_media_id: Option<Id>,
    return_days: i64,
    return_policy: String,
}

impl Settings {
    pub(crate) fn row(&self) -> StoreSettings<'_> {
        StoreSettings {
            name: &self.name,
            description: &self.description,
            store_type: &self.store_type,
            logo_media_id: self.logo_media_id,
            banner_media_id: self.banner_media_id,
            return_days: self.return_days,
            return_policy: &self.return_policy,
        }
    }
}

/// The settings after `input`, over `current` (or the defaults of a new store).
pub(crate) async fn settle(
    conn: &mut Conn,
    actor: Id,
    org: &OrgRecord,
    current: Option<&StoreRecord>,
    input: &StoreInput,
) -> Result<Settings> {
    let name = match (&input.name, current) {
        (Some(name), _) => bounded_text("name", name, 1, STORE_NAME_CHARS_MAX, false)?,
        (None, Some(store)) => store.name.clone(),
        (None, None) => org.name.chars().take(STORE_NAME_CHARS_MAX).collect(),
    };
    let description = match (&input.description, current) {
        (Some(text), _) => bounded_text("description", text, 0, STORE_DESCRIPTION_CHARS_MAX, true)?,
        (None, Some(store)) => store.description.clone(),
        (None, None) => String::new(),
    };
    let store_type = match (&input.store_type, current) {
        (Some(raw), _) => {
            let store_type = STORE_TYPES.iter().find(|t| **t == raw.as_str()).ok_or_else(|| {
                Error::invalid_field("store_type", format!("must be one of {}", STORE_TYPES.join(", ")))
            })?;
            if *store_type == "brand_official" && org.kind != "brand" {
                return Err(Error::invalid_field(
                    "store_type",
                    "a brand official store belongs to a brand organization",
                ));
            }
            (*store_type).to_owned()
        }
        (None, Some(store)) => store.store_type.clone(),
        (None, None) => {
            return Err(Error::new(ErrorCode::MissingField).with_details(serde_json::json!({ "field": "store_type" })));
        }
    };
    let return_days = input.return_days.or(current.map(|s| s.return_days)).unwrap_or(DEFAULT_RETURN_DAYS);
    if !(0..=RETURN_DAYS_MAX).contains(&return_days) {
        return Err(Error::invalid_field("return_days", format!("must be 0 to {RETURN_DAYS_MAX} days")));
    }
    let return_policy = match (&input.return_policy, current) {
        (Some(text), _) => bounded_text("return_policy", text, 0, RETURN_POLICY_CHARS_MAX, true)?,
        (None, Some(store)) => store.return_policy.clone(),
        (None, None) => String::new(),
    };
    let logo_media_id =
        image(conn, actor, "logo_media_id", input.logo_media_id, current.and_then(|s| s.logo.as_ref())).await?;
    let banner_media_id =
        image(conn, actor, "banner_media_id", input.banner_media_id, current.and_then(|s| s.banner.as_ref())).await?;
    Ok(Settings { name, description, store_type, logo_media_id, banner_media_id, return_days, return_policy })
}

/// An image the store keeps, or one `actor` uploaded.
async fn image(
    conn: &mut Conn,
    actor: Id,
    field: &str,
    wanted: Option<Option<Id>>,
    current: Option<&(Id, String)>,
) -> Result<Option<Id>> {
    match wanted {
        None => Ok(current.map(|(id, _)| *id)),
        Some(None) => Ok(None),
        Some(Some(id)) if current.is_some_and(|(current, _)| *current == id) => Ok(Some(id)),
        Some(Some(id)) => {
            let usable = media::get(conn, id).await?.is_some_and(|m| m.owner_id == actor);
            if !usable {
                return Err(Error::invalid_field(field, format!("{id} is not an image you uploaded")));
            }
            Ok(Some(id))
        }
    }
}

impl Commerce {
    /// Opens the organization's store. Only a verified brand or merchant
    /// organization may, once; its admins and owners do it.
    pub async fn open_store(
        &self,
        caller: &Caller,
        org_handle: &str,
        input: &StoreInput,
        starter: &StoreStarter,
    ) -> Result<Store> {
        let access = self.accounts.authorize_org(caller, org_handle, OrgAction::ManageStore).await?;
        let org = &access.org;
        if org.verification_status != "verified" || !["brand", "merchant"].contains(&org.kind.as_str()) {
            return Err(Error::new(ErrorCode::StoreNeedsVerifiedOrg).with_details(
                serde_json::json!({ "kind": org.kind, "verification_status": org.verification_status }),
            ));
        }
        let mut tx = self.db.begin().await?;
        if stores::get_by_org(tx.conn(), org.id).await?.is_some() {
            return Err(Error::new(ErrorCode::StoreExists));
        }
        let settings = settle(tx.conn(), caller.user_id, org, None, input).await?;
        let id = stores::insert(&mut tx, org.id, &settings.row()).await.map_err(|e| {
            if e.is_unique_on("stores", "org_id") { Error::new(ErrorCode::StoreExists) } else { e.into() }
        })?;
        let template_name = crate::shipping::template_name(&starter.template_name)?;
        let template = TemplateRow { name: &template_name, default_fee_minor: 0, free_over_minor: None, fees: &[] };
        let template_id = stores::insert_template(&mut tx, id, &template).await?;
        stores::set_default_template(&mut tx, id, template_id).await?;
        let warehouse_name = crate::shipping::warehouse_name(&starter.warehouse_name)?;
        stores::insert_warehouse(&mut tx, id, &warehouse_name, 1).await?;
        tx.emit(DomainEvent::StoreOpened { store_id: id, org_id: org.id }).await?;
        let store = full(tx.conn(), id).await?;
        self.commit(tx).await?;
        Ok(store)
    }

    /// Changes a store's settings (admins and owners).
    pub async fn update_store(&self, caller: &Caller, store_id: Id, input: &StoreInput) -> Result<Store> {
        let access = self.authorize_store(caller, store_id, OrgAction::ManageStore).await?;
        let org = self.accounts.org_public(&access.store.handle).await?;
        let mut tx = self.db.begin().await?;
        stores::lock(&mut tx, store_id).await?;
        let current = stores::get(tx.conn(), store_id).await?.ok_or_else(store_not_found)?;
        let settings = settle(tx.conn(), caller.user_id, &org, Some(&current), input).await?;
        stores::update(&mut tx, store_id, &settings.row()).await?;
        tx.emit(DomainEvent::StoreUpdated { store_id }).await?;
        let store = full(tx.conn(), store_id).await?;
        self.commit(tx).await?;
        Ok(store)
    }

    /// The one access check for a store's console: a caller outside its
    /// organization gets `store_not_found`; one whose role is too low, `role_too_low`.
    pub async fn authorize_store(&self, caller: &Caller, store_id: Id, action: OrgAction) -> Result<StoreAccess> {
        let store = stores::get(&mut *self.db.reader().await?, store_id).await?.ok_or_else(store_not_found)?;
        let access = self
            .accounts
            .authorize_org(caller, &store.handle, action)
            .await
            .map_err(|e| if e.code == ErrorCode::OrgNotFound { store_not_found() } else { e })?;
        Ok(StoreAccess { store, role: access.role })
    }

    /// Any store by id, as anyone may see it (a suspended one says so).
    pub async fn store(&self, store_id: Id) -> Result<Store> {
        full(&mut *self.db.reader().await?, store_id).await
    }

    /// The store of an organization, if it opened one.
    pub async fn store_of_org(&self, org_id: Id) -> Result<Option<Store>> {
        let mut conn = self.db.reader().await?;
        match stores::get_by_org(&mut conn, org_id).await? {
            Some(record) => Ok(Some(full(&mut conn, record.id).await?)),
            None => Ok(None),
        }
    }

    /// Open stores, newest first (what buyers browse).
    pub async fn open_stores(&self, before: Option<Id>, limit: u32) -> Result<Vec<StoreRecord>> {
        Ok(stores::list(&mut *self.db.reader().await?, "open", before, limit).await?)
    }

    /// Every store for the operator, optionally by status (`open`, `suspended`).
    pub async fn admin_stores(
        &self,
        operator: Operator<'_>,
        status: Option<&str>,
        before: Option<Id>,
        limit: u32,
    ) -> Result<Vec<StoreRecord>> {
        operator.check()?;
        let status = match status {
            None | Some("") => "",
            Some(s @ ("open" | "suspended")) => s,
            Some(_) => return Err(Error::invalid_field("status", "must be open or suspended")),
        };
        Ok(stores::list(&mut *self.db.reader().await?, status, before, limit).await?)
    }

    /// Suspends a store (with a reason its staff see) or, with `None`, reinstates it.
    /// Suspending a suspended store (or reinstating an open one) changes nothing.
    pub async fn set_store_suspended(
        &self,
        operator: Operator<'_>,
        store_id: Id,
        reason: Option<&str>,
    ) -> Result<StoreRecord> {
        operator.check()?;
        let reason = reason.map(|r| bounded_text("reason", r, 1, DECISION_REASON_CHARS_MAX, true)).transpose()?;
        let mut tx = self.db.begin().await?;
        stores::get(tx.conn(), store_id).await?.ok_or_else(store_not_found)?;
        if stores::set_suspended(&mut tx, store_id, reason.as_deref()).await? {
            let suspended = reason.is_some();
            tx.emit(DomainEvent::StoreSuspensionChanged { store_id, suspended }).await?;
            let action = if suspended { "commerce.suspend_store" } else { "commerce.reinstate_store" };
            let details = serde_json::json!({ "reason": reason });
            audit::record(&mut tx, operator.admin_id(), action, "store", store_id, &details).await?;
        }
        let store = stores::get(tx.conn(), store_id).await?.ok_or_else(store_not_found)?;
        self.commit(tx).await?;
        Ok(store)
    }
}

pub(crate) async fn full(conn: &mut Conn, store_id: Id) -> Result<Store> {
    let record = stores::get(conn, store_id).await?.ok_or_else(store_not_found)?;
    let templates = stores::templates(conn, store_id).await?;
    let warehouses = stores::warehouses(conn, store_id).await?;
    Ok(Store { record, templates, warehouses })
}

//! The dataset format, version 1: a directory with `manifest.json`, one JSON object
//! per line in each of the files below (in this order, since later files refer to
//! earlier ones), and optional image files under `images/`. Documented for people in
//! `docs/dataset-format.md`; a field's name and meaning never change within a version.

use std::collections::BTreeMap;

use carmine_core::Timestamp;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "carmine-dataset";
pub const VERSION: u32 = 1;

/// The record files, in import order.
pub const FILES: [&str; 12] = [
    "members.jsonl",
    "organizations.jsonl",
    "stores.jsonl",
    "products.jsonl",
    "follows.jsonl",
    "notes.jsonl",
    "product_tags.jsonl",
    "orders.jsonl",
    "comments.jsonl",
    "likes.jsonl",
    "saves.jsonl",
    "events.jsonl",
];

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always `carmine-dataset`.
    pub format: String,
    pub version: u32,
    pub created_at: Timestamp,
    /// Records per file (for progress; the files are the truth).
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    /// What made it: `carmine export`, or `carmine generate` with its seed and scale.
    #[serde(default)]
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The member's id in the dataset (members and organizations share one namespace).
    pub id: String,
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub bio: String,
    /// An Argon2id PHC string; absent: the member cannot log in until an admin resets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// Present only for members who consented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demographics: Option<Demographics>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demographics {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i64>,
    /// `female`, `male`, `nonbinary` or `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub id: String,
    pub handle: String,
    pub name: String,
    /// `brand`, `merchant` or `agency`.
    pub kind: String,
    #[serde(default)]
    pub description: String,
    /// The member who created it (its first owner).
    pub owner: String,
    /// Further members and their roles (`owner`, `admin`, `staff`, `analyst`).
    #[serde(default)]
    pub members: Vec<OrgMember>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgMember {
    pub member: String,
    pub role: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Follow {
    /// A member.
    pub follower: String,
    /// A member or an organization.
    pub followee: String,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub id: String,
    /// A member, or an organization (then `posted_by` names the member who wrote it).
    pub author: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted_by: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// `public` (default), `followers` or `private`.
    #[serde(default = "public")]
    pub visibility: String,
    /// Besides the `#topics` in the text.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Image files relative to the dataset directory, in order (the first is the cover).
    #[serde(default)]
    pub images: Vec<String>,
    pub created_at: Timestamp,
    /// Absent: a draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Timestamp>,
}

fn public() -> String {
    "public".to_owned()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comment {
    pub id: String,
    pub note: String,
    pub author: String,
    /// The comment replied to (on the same note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub body: String,
    pub created_at: Timestamp,
}

/// A like or a save (into the member's default board).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    pub member: String,
    pub note: String,
    pub created_at: Timestamp,
}

/// A behaviour event, as `POST /api/v1/events` takes them, with its viewer and time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BehaviourEvent {
    /// The client event id (unique per viewer).
    pub id: String,
    /// A member; absent for a signed-out visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewer: Option<String>,
    /// `impression`, `read`, `click` or `share`.
    pub kind: String,
    pub note: String,
    pub surface: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dwell_ms: Option<i64>,
    pub occurred_at: Timestamp,
}

/// An organization's store (the organization is a brand or a merchant).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Store {
    pub id: String,
    pub organization: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// `brand_official` (brands only), `authorised_reseller` or `cross_border`.
    pub store_type: String,
    /// Image files in the dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// No-reason returns within this many days of receipt (0–30).
    #[serde(default = "seven")]
    pub return_days: i64,
    #[serde(default)]
    pub return_policy: String,
    /// At least one.
    pub shipping_templates: Vec<ShippingTemplate>,
    /// The index of the default template in `shipping_templates`.
    #[serde(default)]
    pub default_template: usize,
    /// Warehouse names in priority order (checkout takes stock from the first that
    /// can cover a line); at least one.
    pub warehouses: Vec<String>,
    /// The operator's reason, for a suspended store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended: Option<String>,
    pub created_at: Timestamp,
}

fn seven() -> i64 {
    7
}

/// Fees in minor units of the instance's currency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingTemplate {
    pub name: String,
    /// For every region not in `fees`.
    pub default_fee: i64,
    /// Orders of at least this much ship free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_over: Option<i64>,
    /// Region (ISO 3166-2:CN code or `world`) → fee, or `null`: not delivered there.
    #[serde(default)]
    pub fees: BTreeMap<String, Option<i64>>,
}

/// A product (SPU) of a store with its variants (SKU) and their stock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub id: String,
    pub store: String,
    /// A category id of the Carmine category tree (the seeded one: categories an
    /// operator added are not part of a dataset).
    pub category: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub brand: String,
    /// `[name, value]` pairs, in order.
    #[serde(default)]
    pub attributes: Vec<[String; 2]>,
    /// At most 3, each with its values.
    #[serde(default)]
    pub options: Vec<ProductOption>,
    /// At least one, at most 200.
    pub variants: Vec<ProductVariant>,
    /// Image files in the dataset (≤ 18; the first is the cover).
    #[serde(default)]
    pub images: Vec<String>,
    /// `draft`, `active` (default) or `archived`.
    #[serde(default = "active")]
    pub status: String,
    /// `false`: exempt from the store's no-reason returns.
    #[serde(default = "yes")]
    pub returnable: bool,
    /// The index of a template in the store's `shipping_templates` (absent: its default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_template: Option<usize>,
    /// The commission creators earn on sales their notes drive, in basis points.
    #[serde(default)]
    pub affiliate_bps: i64,
    /// The instance's currency code (absent: whatever it is); prices are in its minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_border: Option<CrossBorder>,
    pub created_at: Timestamp,
}

fn active() -> String {
    "active".to_owned()
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductVariant {
    /// One value per option, in the options' order.
    #[serde(default)]
    pub options: Vec<String>,
    /// The store's code for it, unique in the store (absent: one is made up). Orders
    /// name a variant by its product and code.
    #[serde(default)]
    pub code: String,
    /// In minor units.
    pub price: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_at: Option<i64>,
    #[serde(default)]
    pub weight_grams: i64,
    /// Units on hand in each of the store's warehouses, in their order (missing: 0).
    #[serde(default)]
    pub stock: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossBorder {
    /// ISO 3166-1 alpha-2, not CN.
    pub origin_country: String,
    /// `bonded_warehouse` or `direct_mail`.
    pub trade_mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hs_code: Option<String>,
    /// In minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_value: Option<i64>,
    /// The authenticity certificate, an image file in the dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// `pending` (default), `verified` or `rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_status: Option<String>,
}

/// The products a note tags, in order (made by the note's writer).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductTags {
    pub note: String,
    /// At most 10.
    pub tags: Vec<ProductTag>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductTag {
    pub product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<Pin>,
}

/// A point on one of the note's images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// The image's index among the note's images (0: the cover).
    pub image: usize,
    /// In thousandths of the image's width and height (0–1000).
    pub x: i64,
    pub y: i64,
}

/// A finished order of one member at one store: `settled` (paid, shipped, received
/// and settled before the import) or `cancelled` (never paid). Orders in flight are
/// not history and not part of a dataset; neither is the money of these (it moved
/// before the import).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub id: String,
    /// A member.
    pub buyer: String,
    pub store: String,
    pub status: String,
    pub address: OrderAddress,
    /// 1 to 100.
    pub lines: Vec<OrderLine>,
    /// In minor units.
    #[serde(default)]
    pub shipping: i64,
    /// A carrier code and its tracking number (settled orders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_no: Option<String>,
    pub placed_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<Timestamp>,
}

/// Where an order went, as the address book keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderAddress {
    pub recipient: String,
    pub phone: String,
    /// An ISO 3166-2:CN code or `world`.
    pub region: String,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    pub product: String,
    /// The variant's code (as in products.jsonl).
    pub variant: String,
    pub quantity: i64,
    /// In minor units, what one unit cost.
    pub unit_price: i64,
    /// The line's share of the order's discounts, in minor units.
    #[serde(default)]
    pub discount: i64,
    /// The note whose product tag brought the buyer: its writer earned the
    /// product's affiliate rate on the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The buyer's review of the product (settled orders; one per buyer and product).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<LineReview>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineReview {
    /// 1 to 5 stars.
    pub rating: i64,
    #[serde(default)]
    pub body: String,
    pub created_at: Timestamp,
}

//! `carmine export DIR`: writes every live record as a dataset (the format in
//! `format.rs`), streaming each table in keyset pages.
//!
//! Records keep the id they were imported under, if any (so datasets can be
//! cross-referenced), else their Carmine id. Members carry their password hash (never
//! a password): guard the directory like a backup. Administrator rights, suspensions,
//! sessions and tokens are not part of a dataset. `manifest.json` is written last: a
//! directory without one is an unfinished export and `import` refuses it.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use carmine_core::{Error, Id};
use carmine_media::{Media, Variant};
use carmine_store::dataset::{self, Kind};
use carmine_store::{Conn, Db, orders, orgs, product_tags, products, reviews, stores, users};
use serde::Serialize;

use crate::format::{self, Manifest};
use crate::progress::Progress;

const PAGE: u32 = 2_000;

#[derive(Clone, Debug, Default)]
pub struct ExportReport {
    pub counts: BTreeMap<String, u64>,
    pub images: u64,
    pub seconds: f64,
}

/// Exports the database into `dir`, which must be empty or not exist yet.
pub async fn export(db: &Db, media: &Media, dir: &Path, progress: bool) -> Result<ExportReport, String> {
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| e.to_string())?.next().is_some() {
        return Err(format!("{} is not empty: export into a new directory", dir.display()));
    }
    std::fs::create_dir_all(dir.join("images")).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let started = Instant::now();
    let mut exporter = Exporter {
        db: db.clone(),
        media: media.clone(),
        dir,
        ids: HashMap::new(),
        report: ExportReport::default(),
        progress,
    };
    exporter.run().await.map_err(|e| format!("export failed: {e}"))?;
    let mut report = exporter.report;
    report.seconds = started.elapsed().as_secs_f64();
    let manifest = Manifest {
        format: format::FORMAT.to_owned(),
        version: format::VERSION,
        created_at: db.now(),
        counts: report.counts.clone(),
        source: "carmine export".to_owned(),
    };
    let json = serde_json::to_string_pretty(&manifest).expect("manifests serialize");
    std::fs::write(dir.join("manifest.json"), json).map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(report)
}

struct Exporter<'a> {
    db: Db,
    media: Media,
    dir: &'a Path,
    /// Local id → dataset id, for everything already written.
    ids: HashMap<(Kind, Id), String>,
    report: ExportReport,
    progress: bool,
}

/// One JSON-lines file being written.
struct Lines {
    file: &'static str,
    out: BufWriter<std::fs::File>,
    written: u64,
    progress: Progress,
}

impl Lines {
    fn create(dir: &Path, file: &'static str, progress: bool) -> Result<Lines, Error> {
        let out = BufWriter::new(std::fs::File::create(dir.join(file)).map_err(Error::internal)?);
        Ok(Lines { file, out, written: 0, progress: Progress::new(file, None, progress) })
    }

    fn write(&mut self, record: &impl Serialize) -> Result<(), Error> {
        serde_json::to_writer(&mut self.out, record).map_err(Error::internal)?;
        self.out.write_all(b"\n").map_err(Error::internal)?;
        self.written += 1;
        if self.written.is_multiple_of(10_000) {
            self.progress.update(self.written);
        }
        Ok(())
    }

    fn finish(mut self, report: &mut ExportReport) -> Result<(), Error> {
        self.out.flush().map_err(Error::internal)?;
        self.progress.finish(self.written);
        report.counts.insert(self.file.to_owned(), self.written);
        Ok(())
    }
}

impl Exporter<'_> {
    async fn run(&mut self) -> Result<(), Error> {
        let mut conn = self.db.reader().await?;
        self.members(&mut conn).await?;
        self.organizations(&mut conn).await?;
        self.stores(&mut conn).await?;
        self.products(&mut conn).await?;
        self.follows(&mut conn).await?;
        self.notes(&mut conn).await?;
        self.product_tags(&mut conn).await?;
        self.orders(&mut conn).await?;
        self.comments(&mut conn).await?;
        self.links(&mut conn, "likes.jsonl").await?;
        self.links(&mut conn, "saves.jsonl").await?;
        self.events(&mut conn).await
    }

    /// The dataset id of a record being written: the one it was imported under, else its own.
    async fn name(&mut self, conn: &mut Conn, kind: Kind, id: Id) -> Result<String, Error> {
        let name = dataset::external_id(conn, kind, id).await?.unwrap_or_else(|| id.to_string());
        self.ids.insert((kind, id), name.clone());
        Ok(name)
    }

    fn known(&self, kind: Kind, id: Id) -> Option<String> {
        self.ids.get(&(kind, id)).cloned()
    }

    async fn members(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "members.jsonl", self.progress)?;
        let mut after = None;
        loop {
            let page = users::list(conn, "", after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for user in &page {
                let Some(username) = user.username.clone() else { continue };
                let id = self.name(conn, Kind::Actor, user.id).await?;
                lines.write(&format::Member {
                    id,
                    username,
                    display_name: user.display_name.clone(),
                    bio: user.bio.clone(),
                    password_hash: user.password_hash.clone(),
                    demographics: user.demographics.as_ref().map(|d| format::Demographics {
                        birth_year: d.birth_year,
                        gender: d.gender.clone(),
                        city: d.city.clone(),
                    }),
                    created_at: user.created_at,
                })?;
            }
        }
        lines.finish(&mut self.report)
    }

    async fn organizations(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "organizations.jsonl", self.progress)?;
        let mut before = None;
        loop {
            let page = orgs::list_all(conn, None, before, PAGE).await?;
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            for org in &page {
                let Some(owner) = self.known(Kind::Actor, org.created_by) else { continue };
                let members = orgs::list_members(conn, org.id).await?;
                let members = members
                    .iter()
                    .filter(|m| m.user_id != org.created_by)
                    .filter_map(|m| {
                        self.known(Kind::Actor, m.user_id)
                            .map(|member| format::OrgMember { member, role: m.role.clone() })
                    })
                    .collect();
                let id = self.name(conn, Kind::Actor, org.id).await?;
                lines.write(&format::Organization {
                    id,
                    handle: org.handle.clone(),
                    name: org.name.clone(),
                    kind: org.kind.clone(),
                    description: org.description.clone(),
                    owner,
                    members,
                    created_at: org.created_at,
                })?;
            }
        }
        lines.finish(&mut self.report)
    }

    /// Writes an image's detail rendition into `images/` and names the file.
    async fn image(&mut self, id: Id) -> Result<String, Error> {
        let bytes = self.media.storage().read(id, Variant::Detail).await?;
        let file = format!("images/{id}.jpg");
        std::fs::write(self.dir.join(&file), bytes).map_err(Error::internal)?;
        self.report.images += 1;
        Ok(file)
    }

    async fn stores(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "stores.jsonl", self.progress)?;
        let mut after = Id::from_i64(0);
        loop {
            let page = stores::list_after(conn, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for store in &page {
                let Some(organization) = self.known(Kind::Actor, store.org_id) else { continue };
                let templates = stores::templates(conn, store.id).await?;
                let default_template =
                    templates.iter().position(|t| Some(t.id) == store.default_template_id).unwrap_or(0);
                let logo = match &store.logo {
                    Some((id, _)) => Some(self.image(*id).await?),
                    None => None,
                };
                let banner = match &store.banner {
                    Some((id, _)) => Some(self.image(*id).await?),
                    None => None,
                };
                let warehouses = stores::warehouses(conn, store.id).await?.into_iter().map(|w| w.name).collect();
                let id = self.name(conn, Kind::Store, store.id).await?;
                lines.write(&format::Store {
                    id,
                    organization,
                    name: store.name.clone(),
                    description: store.description.clone(),
                    store_type: store.store_type.clone(),
                    logo,
                    banner,
                    return_days: store.return_days,
                    return_policy: store.return_policy.clone(),
                    shipping_templates: templates
                        .iter()
                        .map(|t| format::ShippingTemplate {
                            name: t.name.clone(),
                            default_fee: t.default_fee_minor,
                            free_over: t.free_over_minor,
                            fees: t.fees.iter().cloned().collect(),
                        })
                        .collect(),
                    default_template,
                    warehouses,
                    suspended: (store.status == "suspended")
                        .then(|| store.suspended_reason.clone().unwrap_or_default()),
                    created_at: store.created_at,
                })?;
            }
        }
        lines.finish(&mut self.report)
    }

    async fn products(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "products.jsonl", self.progress)?;
        let mut after = Id::from_i64(0);
        loop {
            let page = products::list_after(conn, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for product in &page {
                let Some(store) = self.known(Kind::Store, product.store_id) else { continue };
                let templates = stores::templates(conn, product.store_id).await?;
                let warehouses = stores::warehouses(conn, product.store_id).await?;
                let stock = products::stock(conn, product.id).await?;
                let variants = products::skus(conn, product.id)
                    .await?
                    .into_iter()
                    .filter(|sku| !sku.archived)
                    .map(|sku| format::ProductVariant {
                        options: if sku.option_key.is_empty() {
                            Vec::new()
                        } else {
                            sku.option_key.split('\u{1f}').map(str::to_owned).collect()
                        },
                        stock: warehouses
                            .iter()
                            .map(|w| {
                                stock
                                    .iter()
                                    .find(|r| r.sku_id == sku.id && r.warehouse_id == w.id)
                                    .map_or(0, |r| r.on_hand)
                            })
                            .collect(),
                        code: sku.code,
                        price: sku.price_minor,
                        compare_at: sku.compare_at_minor,
                        weight_grams: sku.weight_grams,
                    })
                    .collect();
                let mut images = Vec::new();
                for image in carmine_store::media::for_product(conn, product.id).await? {
                    images.push(self.image(image.id).await?);
                }
                let cross_border = match product.cross_border {
                    true => Some(format::CrossBorder {
                        origin_country: product.origin_country.clone().unwrap_or_default(),
                        trade_mode: product.trade_mode.clone().unwrap_or_default(),
                        warehouse_code: product.customs_warehouse_code.clone(),
                        hs_code: product.hs_code.clone(),
                        declared_value: product.declared_value_minor,
                        certificate: match product.certificate_media_id {
                            Some(id) => Some(self.image(id).await?),
                            None => None,
                        },
                        certificate_status: product.certificate_media_id.map(|_| product.certificate_status.clone()),
                    }),
                    false => None,
                };
                let id = self.name(conn, Kind::Product, product.id).await?;
                lines.write(&format::Product {
                    id,
                    store,
                    category: product.category_id.to_string(),
                    title: product.title.clone(),
                    description: product.description.clone(),
                    brand: product.brand.clone(),
                    attributes: serde_json::from_str::<Vec<(String, String)>>(&product.attributes)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(name, value)| [name, value])
                        .collect(),
                    options: serde_json::from_str(&product.options).unwrap_or_default(),
                    variants,
                    images,
                    status: product.status.clone(),
                    returnable: product.returnable,
                    shipping_template: product
                        .shipping_template_id
                        .and_then(|t| templates.iter().position(|template| template.id == t)),
                    affiliate_bps: product.affiliate_bps,
                    currency: Some(product.currency.clone()),
                    cross_border,
                    created_at: product.created_at,
                })?;
            }
        }
        lines.finish(&mut self.report)
    }

    async fn product_tags(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "product_tags.jsonl", self.progress)?;
        let mut after = Id::from_i64(0);
        loop {
            let page = product_tags::tagged_notes_after(conn, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = *last;
            for note_id in page {
                let Some(note) = self.known(Kind::Note, note_id) else { continue };
                let images: Vec<Id> = carmine_store::notes::media(conn, note_id).await?.iter().map(|m| m.id).collect();
                let records = product_tags::for_note(conn, note_id).await?;
                let Some(created_at) = records.iter().map(|t| t.created_at).min() else { continue };
                let tags = records
                    .iter()
                    .filter_map(|tag| {
                        let product = self.known(Kind::Product, tag.product_id)?;
                        let pin = tag.pin.and_then(|(image, x, y)| {
                            images.iter().position(|m| *m == image).map(|image| format::Pin { image, x, y })
                        });
                        Some(format::ProductTag { product, pin })
                    })
                    .collect::<Vec<_>>();
                if !tags.is_empty() {
                    lines.write(&format::ProductTags { note, tags, created_at })?;
                }
            }
        }
        lines.finish(&mut self.report)
    }

    /// Finished orders (settled or cancelled) of exported buyers and stores, with their
    /// reviews. An order with a variant since removed is left out (the dataset has no
    /// such variant); a line's note is kept while it still tags the product.
    async fn orders(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "orders.jsonl", self.progress)?;
        let mut after = None;
        loop {
            let page = orders::finished(conn, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for order in &page {
                let (Some(buyer), Some(store)) =
                    (self.known(Kind::Actor, order.buyer_id), self.known(Kind::Store, order.store_id))
                else {
                    continue;
                };
                let Some(group) = orders::get_group(conn, order.group_id).await? else { continue };
                let reviews = reviews::of_order(conn, order.id).await?;
                let mut order_lines = Vec::new();
                for line in orders::lines(conn, &[order.id]).await? {
                    let live = products::skus(conn, line.product_id)
                        .await?
                        .iter()
                        .any(|sku| sku.id == line.sku_id && !sku.archived);
                    let Some(product) = self.known(Kind::Product, line.product_id).filter(|_| live) else {
                        order_lines.clear();
                        break;
                    };
                    let mut note = None;
                    if let Some((_, note_id)) = line.affiliate
                        && product_tags::for_note(conn, note_id).await?.iter().any(|t| t.product_id == line.product_id)
                    {
                        note = self.known(Kind::Note, note_id);
                    }
                    let review = reviews.iter().find(|r| r.line_id == line.id).map(|r| format::LineReview {
                        rating: r.rating,
                        body: r.body.clone(),
                        created_at: r.created_at,
                    });
                    order_lines.push(format::OrderLine {
                        product,
                        variant: line.sku_code.clone(),
                        quantity: line.quantity,
                        unit_price: line.unit_price_minor,
                        discount: line.discount_minor,
                        note,
                        review: review.filter(|_| order.status == "settled"),
                    });
                }
                if order_lines.is_empty() {
                    continue;
                }
                let f = &order.fulfilment;
                let id = self.name(conn, Kind::Order, order.id).await?;
                lines.write(&format::Order {
                    id,
                    buyer,
                    store,
                    status: order.status.clone(),
                    address: format::OrderAddress {
                        recipient: group.recipient.clone(),
                        phone: group.phone.clone(),
                        region: group.region.clone(),
                        detail: group.detail.clone(),
                    },
                    lines: order_lines,
                    shipping: order.shipping_minor,
                    carrier: f.carrier.clone(),
                    tracking_no: f.tracking_no.clone(),
                    placed_at: order.created_at,
                    // A cancelled order's payment, if any, was refunded: as history it was never paid.
                    paid_at: order.paid_at.filter(|_| order.status == "settled"),
                    shipped_at: f.shipped_at,
                    received_at: f.received_at,
                    settled_at: f.settled_at,
                })?;
            }
        }
        lines.finish(&mut self.report)
    }

    async fn follows(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "follows.jsonl", self.progress)?;
        let mut after = (Id::from_i64(0), Id::from_i64(0));
        loop {
            let page = dataset::follows_after(conn, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = (last.from, last.to);
            for link in &page {
                if let (Some(follower), Some(followee)) =
                    (self.known(Kind::Actor, link.from), self.known(Kind::Actor, link.to))
                {
                    lines.write(&format::Follow { follower, followee, created_at: link.created_at })?;
                }
            }
        }
        lines.finish(&mut self.report)
    }

    async fn notes(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "notes.jsonl", self.progress)?;
        let mut after = Id::from_i64(0);
        loop {
            let page = dataset::notes_after(conn, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for note in &page {
                let Some(author) = self.known(Kind::Actor, note.author_id) else { continue };
                let posted_by = if note.posted_by == note.author_id {
                    None
                } else {
                    match self.known(Kind::Actor, note.posted_by) {
                        Some(by) => Some(by),
                        None => continue,
                    }
                };
                let mut images = Vec::new();
                for image in carmine_store::notes::media(conn, note.id).await? {
                    images.push(self.image(image.id).await?);
                }
                let id = self.name(conn, Kind::Note, note.id).await?;
                lines.write(&format::Note {
                    id,
                    author,
                    posted_by,
                    title: note.title.clone(),
                    body: note.body.clone(),
                    location: note.location.clone(),
                    visibility: note.visibility.clone(),
                    topics: carmine_store::notes::topics(conn, note.id).await?,
                    images,
                    created_at: note.created_at,
                    published_at: note.published_at,
                })?;
            }
        }
        lines.finish(&mut self.report)
    }

    async fn comments(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "comments.jsonl", self.progress)?;
        let mut after = Id::from_i64(0);
        loop {
            let page = dataset::comments_after(conn, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for comment in &page {
                let (Some(note), Some(author)) =
                    (self.known(Kind::Note, comment.note_id), self.known(Kind::Actor, comment.author_id))
                else {
                    continue;
                };
                let parent = match comment.parent_id {
                    Some(parent) => match self.known(Kind::Comment, parent) {
                        Some(parent) => Some(parent),
                        None => continue, // its parent was deleted: the reply went with it
                    },
                    None => None,
                };
                let id = self.name(conn, Kind::Comment, comment.id).await?;
                lines.write(&format::Comment {
                    id,
                    note,
                    author,
                    parent,
                    body: comment.body.clone(),
                    created_at: comment.created_at,
                })?;
            }
        }
        lines.finish(&mut self.report)
    }

    async fn links(&mut self, conn: &mut Conn, file: &'static str) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, file, self.progress)?;
        let mut after = (Id::from_i64(0), Id::from_i64(0));
        loop {
            let page = if file == "likes.jsonl" {
                dataset::likes_after(conn, after, PAGE).await?
            } else {
                dataset::saves_after(conn, after, PAGE).await?
            };
            let Some(last) = page.last() else { break };
            after = (last.from, last.to);
            for link in &page {
                if let (Some(member), Some(note)) =
                    (self.known(Kind::Actor, link.from), self.known(Kind::Note, link.to))
                {
                    lines.write(&format::Engagement { member, note, created_at: link.created_at })?;
                }
            }
        }
        lines.finish(&mut self.report)
    }

    async fn events(&mut self, conn: &mut Conn) -> Result<(), Error> {
        let mut lines = Lines::create(self.dir, "events.jsonl", self.progress)?;
        let mut after = Id::from_i64(0);
        loop {
            let page = carmine_store::behaviour::after(conn, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for event in &page {
                let Some(note) = self.known(Kind::Note, event.note_id) else { continue };
                let viewer = match event.viewer_key {
                    0 => None,
                    key => match self.known(Kind::Actor, Id::from_i64(key)) {
                        Some(viewer) => Some(viewer),
                        None => continue,
                    },
                };
                lines.write(&format::BehaviourEvent {
                    id: event.client_event_id.clone(),
                    viewer,
                    kind: event.kind.clone(),
                    note,
                    surface: event.surface.clone(),
                    position: event.position,
                    dwell_ms: event.dwell_ms,
                    occurred_at: event.occurred_at,
                })?;
            }
        }
        lines.finish(&mut self.report)
    }
}

//! Shoppable notes: the products a note tags (at most 10, each optionally pinned at
//! a point of one of its images), the taps that attribute a buyer to a note, and
//! the notes about a product.
//!
//! - Who tags: whoever may edit the note. A product newly tagged must be on sale
//!   (active, in an open store); a tag already there stays when its product is later
//!   archived or its store suspended, and shows as unavailable.
//! - Affiliate: a tag in a note its store's organization did not write; the creator
//!   may earn the product's affiliate rate (0 by default) on the sales it drives —
//!   never on their own purchases (checkout's rule).
//! - Attribution: last touch. A tap records (visitor, product, note, creator, time);
//!   checkout takes the newest within the window (`CommerceConfig::attribution_days`,
//!   7 by default) for the member or the visitor's first-party cookie.
//! - Notes about a product: not personalised. Published, public, unmoderated notes
//!   tagging it (the newest `NOTES_ABOUT_RANKED_MAX`), ranked by quality × freshness:
//!   quality = (CES + 1) / (impressions + 20), a smoothed engagement rate that does
//!   not grow with reach or follower count; freshness halves every 14 days. Pages
//!   are cut from the ranking as of the first page's time (the cursor carries it; a
//!   ranking is kept a minute, `rankings`),
//!   and every note shown is visibility-checked for the viewer.

use std::collections::HashSet;

use carmine_accounts::Caller;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{NOTE_PRODUCT_TAGS_MAX, NOTES_ABOUT_RANKED_MAX, PIN_SCALE};
use carmine_core::{Error, ErrorCode, FieldRule, Id, Result, Timestamp};
use carmine_store::notes::NoteRecord;
use carmine_store::product_tags::{self, TagRecord, TagRow, TaggedNote, Touch};
use carmine_store::products::{self, ProductRecord};
use carmine_store::stats::Counters;
use carmine_store::{Tx, media, stores};

use crate::Commerce;
use crate::products::listed;
use crate::rankings::Ranking;

/// A tag as a client sets it.
#[derive(Clone, Debug)]
pub struct TagInput {
    pub product_id: Id,
    /// (image of the note, x, y in thousandths of its width and height).
    pub pin: Option<(Id, i64, i64)>,
}

/// A tag with its product, as a note's readers see it.
#[derive(Clone, Debug)]
pub struct Tag {
    pub record: TagRecord,
    pub product: ProductRecord,
    /// On sale now (else shown as unavailable).
    pub available: bool,
    /// The product pays creators a commission (an affiliate link).
    pub pays_commission: bool,
}

/// Who tapped: a member, or a signed-out visitor's first-party cookie token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visitor {
    Member(Id),
    Cookie(String),
}

impl Visitor {
    pub fn key(&self) -> String {
        match self {
            Visitor::Member(id) => format!("u:{id}"),
            Visitor::Cookie(token) => format!("c:{token}"),
        }
    }
}

/// Where a buyer came from: the last tap within the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribution {
    pub note_id: Id,
    pub creator_id: Id,
    pub affiliate: bool,
    pub at: Timestamp,
}

/// A note's rank among the notes about a product.
pub fn note_score(note: &TaggedNote, ces: &carmine_events::CesWeights, now: Timestamp) -> f64 {
    let counters = Counters {
        likes: note.likes,
        saves: note.saves,
        comments: note.comments,
        shares: note.shares,
        follows: note.follows,
        ..Counters::default()
    };
    let quality = (ces.score(&counters) as f64 + 1.0) / (note.impressions.max(0) as f64 + 20.0);
    let age_days = (now.micros() - note.published_at.micros()).max(0) as f64 / 86_400e6;
    quality * 0.5f64.powf(age_days / 14.0)
}

/// A page of the notes about a product and where the next starts: (ranked as of, offset).
pub struct NotesAbout {
    pub notes: Vec<NoteRecord>,
    pub next: Option<(Timestamp, usize)>,
}

impl Commerce {
    /// Replaces a note's product tags (whoever may edit the note).
    pub async fn set_tags(&self, caller: &Caller, note_id: Id, tags: &[TagInput]) -> Result<Vec<Tag>> {
        let note = self.notes.writable(caller, note_id).await?;
        let mut tx = self.db.begin().await?;
        let rows = checked_rows(&mut tx, note_id, note.author_id, tags, false).await?;
        let before = product_tags::for_note(tx.conn(), note_id).await?;
        product_tags::replace(&mut tx, note_id, caller.user_id, &rows).await?;
        tx.emit(DomainEvent::NoteProductsTagged { note_id, count: rows.len() as u64 }).await?;
        let tags = tags_of(tx.conn(), note_id).await?;
        self.commit(tx).await?;
        // The note joins (or leaves) those products' lists at once, in this process.
        for product_id in before.iter().map(|t| t.product_id).chain(rows.iter().map(|r| r.product_id)) {
            self.rankings.forget(product_id);
        }
        Ok(tags)
    }

    /// A note's tags, for someone who may see the note.
    pub async fn tags(&self, viewer: Option<&Caller>, note_id: Id) -> Result<Vec<Tag>> {
        self.notes.get(viewer, note_id).await?;
        tags_of(&mut *self.db.reader().await?, note_id).await
    }

    /// Records a tap on a note's tag of `product_id` (the note must be one `viewer`
    /// may see, and tag the product); returns the product to open.
    pub async fn tap(&self, viewer: Option<&Caller>, visitor: &Visitor, note_id: Id, product_id: Id) -> Result<Id> {
        let note = self.notes.get(viewer, note_id).await?.note;
        let mut tx = self.db.begin().await?;
        let tag = product_tags::for_note(tx.conn(), note_id)
            .await?
            .into_iter()
            .find(|t| t.product_id == product_id)
            .ok_or_else(|| Error::new(ErrorCode::ProductNotFound))?;
        let touch = Touch {
            visitor: &visitor.key(),
            product_id,
            note_id,
            creator_id: note.author_id,
            affiliate: tag.affiliate,
        };
        product_tags::record_touch(&mut tx, &touch).await?;
        tx.emit(DomainEvent::ProductTagOpened { note_id, product_id }).await?;
        self.commit(tx).await?;
        Ok(product_id)
    }

    /// The note a buyer of `product_id` came from: the newest tap of any of
    /// `visitors` within the attribution window.
    pub async fn attribution(&self, visitors: &[Visitor], product_id: Id) -> Result<Option<Attribution>> {
        let since = Timestamp(self.db.now().micros() - self.config.attribution_days * 86_400 * 1_000_000);
        let keys: Vec<String> = visitors.iter().map(Visitor::key).collect();
        let found = product_tags::last_touch(&mut *self.db.reader().await?, &keys, product_id, since).await?;
        Ok(found.map(|(note_id, creator_id, affiliate, at)| Attribution { note_id, creator_id, affiliate, at }))
    }

    /// The notes about a product: ranked as of `cursor`'s time (for a first page, a
    /// ranking made within the last minute, else now), from its offset; only notes
    /// the viewer may see are returned.
    pub async fn notes_about(
        &self,
        viewer: Option<&Caller>,
        product_id: Id,
        cursor: Option<(Timestamp, usize)>,
        limit: usize,
    ) -> Result<NotesAbout> {
        let ranking = match cursor {
            Some((at, _)) => self.ranking_at(product_id, at).await?,
            None => match self.rankings.fresh(product_id, self.db.now()) {
                Some(ranking) => ranking,
                None => self.ranking_at(product_id, self.db.now()).await?,
            },
        };
        let offset = cursor.map_or(0, |(_, offset)| offset);
        let page: Vec<Id> = ranking.notes.iter().skip(offset).take(limit).copied().collect();
        let next = (offset + limit < ranking.notes.len()).then_some((ranking.at, offset + limit));
        let visible = self.notes.visible_records(viewer, &page).await?;
        // visible_records keeps the order it was given.
        Ok(NotesAbout { notes: visible, next })
    }

    /// The notes about a product ranked as of `at`: the kept ranking when it was made
    /// at that time, else ranked as of `at` now (and kept).
    async fn ranking_at(&self, product_id: Id, at: Timestamp) -> Result<std::sync::Arc<Ranking>> {
        if let Some(ranking) = self.rankings.at(product_id, at) {
            return Ok(ranking);
        }
        let candidates =
            product_tags::notes_about(&mut *self.db.reader().await?, product_id, NOTES_ABOUT_RANKED_MAX).await?;
        let ces = self.config.ces;
        let mut scored: Vec<(f64, Id)> = candidates.iter().map(|n| (note_score(n, &ces, at), n.note_id)).collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        let ranking = Ranking { at, notes: scored.into_iter().map(|(_, id)| id).collect() };
        Ok(self.rankings.keep(product_id, ranking))
    }

    /// Listed products whose title or brand contains `text` (the tagging page's finder).
    pub async fn find_products(&self, text: &str, limit: i64) -> Result<Vec<ProductRecord>> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.db.reader().await?;
        let ids = product_tags::find_products(&mut conn, text, limit).await?;
        Ok(products::get_many(&mut conn, &ids).await?)
    }
}

async fn tags_of(conn: &mut carmine_store::Conn, note_id: Id) -> Result<Vec<Tag>> {
    let records = product_tags::for_note(conn, note_id).await?;
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        // A product taken back to draft is its store's business again: not shown.
        if let Some(product) = products::get(conn, record.product_id).await?.filter(|p| p.status != "draft") {
            out.push(Tag {
                available: listed(&product),
                pays_commission: record.affiliate && product.affiliate_bps > 0,
                record,
                product,
            });
        }
    }
    Ok(out)
}

/// The rows for a note's new tags, checked: at most 10, each product once, pins on
/// the note's images and inside them; a product newly tagged must be on sale
/// (`history`: an imported note's tags were made while their products were, so any
/// product but a draft will do). Affiliate: the product's store did not write the note.
pub(crate) async fn checked_rows(
    tx: &mut Tx,
    note_id: Id,
    note_author: Id,
    tags: &[TagInput],
    history: bool,
) -> Result<Vec<TagRow>> {
    if tags.len() > NOTE_PRODUCT_TAGS_MAX {
        return Err(Error::broke_rule("tags", FieldRule::TooMany(NOTE_PRODUCT_TAGS_MAX)));
    }
    let mut seen = HashSet::new();
    if !tags.iter().all(|t| seen.insert(t.product_id)) {
        return Err(Error::invalid_field("tags", "a product is tagged twice"));
    }
    let images: Vec<Id> = media::for_note(tx.conn(), note_id).await?.iter().map(|m| m.id).collect();
    let current: Vec<Id> = product_tags::for_note(tx.conn(), note_id).await?.iter().map(|t| t.product_id).collect();
    let mut rows = Vec::with_capacity(tags.len());
    for tag in tags {
        if let Some((image, x, y)) = tag.pin {
            if !images.contains(&image) {
                return Err(Error::invalid_field("tags", format!("{image} is not an image of this note")));
            }
            if !(0..=PIN_SCALE).contains(&x) || !(0..=PIN_SCALE).contains(&y) {
                return Err(Error::invalid_field(
                    "tags",
                    format!("a pin is inside its image: x and y are 0 to {PIN_SCALE}"),
                ));
            }
        }
        let product = products::get(tx.conn(), tag.product_id)
            .await?
            .filter(|p| p.status != "draft" || current.contains(&p.id))
            .ok_or_else(|| {
                Error::new(ErrorCode::ProductNotFound).with_details(serde_json::json!({ "field": "tags" }))
            })?;
        if !history && !listed(&product) && !current.contains(&product.id) {
            return Err(Error::new(ErrorCode::ProductNotTaggable)
                .with_details(serde_json::json!({ "field": "tags", "product_id": product.id.to_string() })));
        }
        let store =
            stores::get(tx.conn(), product.store_id).await?.ok_or_else(|| Error::new(ErrorCode::StoreNotFound))?;
        rows.push(TagRow { product_id: product.id, pin: tag.pin, affiliate: store.org_id != note_author });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: i64, days_old: i64, impressions: i64, likes: i64) -> TaggedNote {
        TaggedNote {
            note_id: Id::from_i64(id),
            published_at: Timestamp(100 * 86_400_000_000 - days_old * 86_400_000_000),
            impressions,
            likes,
            saves: 0,
            comments: 0,
            shares: 0,
            follows: 0,
        }
    }

    #[test]
    fn quality_beats_reach_and_freshness_fades() {
        let ces = carmine_events::CesWeights::default();
        let now = Timestamp(100 * 86_400_000_000);
        // A small note most readers liked outranks a big one few did.
        let small_and_loved = note_score(&note(1, 1, 50, 30), &ces, now);
        let big_and_ignored = note_score(&note(2, 1, 50_000, 300), &ces, now);
        assert!(small_and_loved > big_and_ignored);
        // The same note, a month older, ranks lower; 14 days halve it.
        let fresh = note_score(&note(3, 0, 100, 10), &ces, now);
        let older = note_score(&note(3, 14, 100, 10), &ces, now);
        assert!((older / fresh - 0.5).abs() < 1e-9);
    }
}

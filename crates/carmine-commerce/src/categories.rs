//! The platform's product category tree: the operator adds, renames, re-rates,
//! orders and archives categories; every product sits in a live one, and its
//! commission rate (basis points) is what checkout charges the store.
//!
//! Rules: at most `CATEGORY_DEPTH_MAX` levels and `CATEGORIES_MAX` categories; a
//! slug (`[a-z0-9_]`, the stable key CSV files and the dataset use) never changes;
//! a new sub-category starts at its parent's rate; a category with live
//! sub-categories cannot be archived (`category_in_use`); an archived one takes no
//! new products, and products already in it keep it.

use carmine_accounts::admin::Operator;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{
    CATEGORIES_MAX, CATEGORY_DEPTH_MAX, CATEGORY_NAME_CHARS_MAX, CATEGORY_SLUG_CHARS_MAX, COMMISSION_BPS_MAX,
};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, FieldRule, Id, Result};
use carmine_store::audit;
use carmine_store::categories::{self, CategoryRecord, CategoryRow};

use crate::Commerce;

/// A category in the tree: its record, its depth (1 for a top-level one) and
/// whether it or an ancestor is archived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub record: CategoryRecord,
    pub depth: usize,
    /// Archived itself or under an archived ancestor: takes no new products.
    pub archived: bool,
}

impl Category {
    /// The name in an interface language (`zh-CN` or anything else: English).
    pub fn name(&self, locale: &str) -> &str {
        if locale.starts_with("zh") { &self.record.name_zh } else { &self.record.name_en }
    }
}

/// A new category, or (with `parent_id` and `slug` ignored) a change to one.
#[derive(Clone, Debug, Default)]
pub struct CategoryInput {
    pub parent_id: Option<Id>,
    pub slug: String,
    pub name_en: String,
    pub name_zh: String,
    /// `None`: the parent's rate (required for a top-level category).
    pub commission_bps: Option<i64>,
    /// Order among siblings (smaller first); `None`: after the others.
    pub position: Option<i64>,
}

/// A change to a category: `None` keeps a field.
#[derive(Clone, Debug, Default)]
pub struct CategoryChange {
    pub name_en: Option<String>,
    pub name_zh: Option<String>,
    pub commission_bps: Option<i64>,
    pub position: Option<i64>,
    pub archived: Option<bool>,
}

/// The records arranged depth-first: each parent before its children, siblings by
/// position then id. Orphans (impossible through the service) are left out.
pub fn arrange(mut records: Vec<CategoryRecord>) -> Vec<Category> {
    records.sort_by_key(|r| (r.position, r.id));
    fn visit(records: &[CategoryRecord], parent: Option<Id>, depth: usize, archived: bool, out: &mut Vec<Category>) {
        for record in records.iter().filter(|r| r.parent_id == parent) {
            let archived = archived || record.archived_at.is_some();
            out.push(Category { record: record.clone(), depth, archived });
            if depth < CATEGORY_DEPTH_MAX {
                visit(records, Some(record.id), depth + 1, archived, out);
            }
        }
    }
    let mut out = Vec::with_capacity(records.len());
    visit(&records, None, 1, false, &mut out);
    out
}

fn slug(raw: &str) -> Result<String> {
    let slug = raw.trim().to_ascii_lowercase();
    if slug.is_empty() {
        return Err(Error::broke_rule("slug", FieldRule::Empty));
    }
    if slug.chars().count() > CATEGORY_SLUG_CHARS_MAX {
        return Err(Error::broke_rule("slug", FieldRule::TooLong(CATEGORY_SLUG_CHARS_MAX)));
    }
    if !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(Error::broke_rule("slug", FieldRule::HandleCharacters));
    }
    Ok(slug)
}

fn rate(bps: i64) -> Result<i64> {
    if !(0..=COMMISSION_BPS_MAX).contains(&bps) {
        return Err(Error::invalid_field("commission_bps", format!("must be 0 to {COMMISSION_BPS_MAX} basis points")));
    }
    Ok(bps)
}

fn name(field: &str, raw: &str) -> Result<String> {
    bounded_text(field, raw, 1, CATEGORY_NAME_CHARS_MAX, false)
}

impl Commerce {
    /// The whole tree, archived categories included (marked).
    pub async fn categories(&self) -> Result<Vec<Category>> {
        Ok(arrange(categories::list(&mut *self.db.reader().await?).await?))
    }

    pub async fn create_category(&self, operator: Operator<'_>, input: &CategoryInput) -> Result<Category> {
        operator.check()?;
        let slug = slug(&input.slug)?;
        let name_en = name("name_en", &input.name_en)?;
        let name_zh = name("name_zh", &input.name_zh)?;
        let mut tx = self.db.begin().await?;
        let tree = arrange(categories::list(tx.conn()).await?);
        if categories::count(tx.conn()).await? >= CATEGORIES_MAX {
            return Err(Error::broke_rule("categories", FieldRule::TooMany(CATEGORIES_MAX as usize)));
        }
        let parent = match input.parent_id {
            Some(parent_id) => Some(
                tree.iter()
                    .find(|c| c.record.id == parent_id && !c.archived)
                    .ok_or_else(|| Error::invalid_field("parent_id", "no such live category"))?,
            ),
            None => None,
        };
        if parent.is_some_and(|p| p.depth >= CATEGORY_DEPTH_MAX) {
            return Err(Error::invalid_field(
                "parent_id",
                format!("the tree is at most {CATEGORY_DEPTH_MAX} levels deep"),
            ));
        }
        let commission_bps = match (input.commission_bps, parent) {
            (Some(bps), _) => rate(bps)?,
            (None, Some(parent)) => parent.record.commission_bps,
            (None, None) => return Err(Error::broke_rule("commission_bps", FieldRule::Empty)),
        };
        let siblings = tree.iter().filter(|c| c.record.parent_id == input.parent_id);
        let position = input.position.unwrap_or_else(|| siblings.map(|c| c.record.position).max().unwrap_or(0) + 1);
        let row = CategoryRow {
            parent_id: input.parent_id,
            slug: &slug,
            name_en: &name_en,
            name_zh: &name_zh,
            commission_bps,
            position,
        };
        let id = categories::insert(&mut tx, &row).await.map_err(|e| {
            if e.is_unique_on("categories", "slug") {
                Error::invalid_field("slug", "another category has this slug")
            } else {
                e.into()
            }
        })?;
        tx.emit(DomainEvent::CategoryChanged { category_id: id, commission_bps }).await?;
        let details = serde_json::json!({ "slug": slug, "commission_bps": commission_bps });
        audit::record(&mut tx, operator.admin_id(), "commerce.create_category", "category", id, &details).await?;
        let created = arrange(categories::list(tx.conn()).await?).into_iter().find(|c| c.record.id == id);
        self.commit(tx).await?;
        created.ok_or_else(|| Error::internal("the new category is not in the tree"))
    }

    pub async fn update_category(&self, operator: Operator<'_>, id: Id, change: &CategoryChange) -> Result<Category> {
        operator.check()?;
        let mut tx = self.db.begin().await?;
        let tree = arrange(categories::list(tx.conn()).await?);
        let current =
            tree.iter().find(|c| c.record.id == id).cloned().ok_or_else(|| Error::new(ErrorCode::CategoryNotFound))?;
        let record = &current.record;
        let name_en = change.name_en.as_deref().map(|n| name("name_en", n)).transpose()?;
        let name_zh = change.name_zh.as_deref().map(|n| name("name_zh", n)).transpose()?;
        let commission_bps = change.commission_bps.map(rate).transpose()?.unwrap_or(record.commission_bps);
        let row = CategoryRow {
            parent_id: record.parent_id,
            slug: &record.slug,
            name_en: name_en.as_deref().unwrap_or(&record.name_en),
            name_zh: name_zh.as_deref().unwrap_or(&record.name_zh),
            commission_bps,
            position: change.position.unwrap_or(record.position),
        };
        categories::update(&mut tx, id, &row).await?;
        match change.archived {
            Some(true) if record.archived_at.is_none() => {
                if categories::count_live_children(tx.conn(), id).await? > 0 {
                    return Err(Error::new(ErrorCode::CategoryInUse));
                }
                categories::set_archived(&mut tx, id, true).await?;
            }
            Some(false) if record.archived_at.is_some() => {
                let parent_archived =
                    record.parent_id.is_some_and(|p| tree.iter().any(|c| c.record.id == p && c.archived));
                if parent_archived {
                    return Err(Error::invalid_field("archived", "restore the parent category first"));
                }
                categories::set_archived(&mut tx, id, false).await?;
            }
            _ => {}
        }
        tx.emit(DomainEvent::CategoryChanged { category_id: id, commission_bps }).await?;
        let details = serde_json::json!({
            "slug": record.slug,
            "commission_bps": { "from": record.commission_bps, "to": commission_bps },
            "archived": change.archived,
        });
        audit::record(&mut tx, operator.admin_id(), "commerce.update_category", "category", id, &details).await?;
        let updated = arrange(categories::list(tx.conn()).await?).into_iter().find(|c| c.record.id == id);
        self.commit(tx).await?;
        updated.ok_or_else(|| Error::internal("the category left the tree"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carmine_core::Timestamp;

    fn record(id: i64, parent: Option<i64>, position: i64, archived: bool) -> CategoryRecord {
        CategoryRecord {
            id: Id::from_i64(id),
            parent_id: parent.map(Id::from_i64),
            slug: format!("c{id}"),
            name_en: format!("C{id}"),
            name_zh: format!("类{id}"),
            commission_bps: 500,
            position,
            archived_at: archived.then_some(Timestamp(1)),
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn the_tree_lists_parents_before_children_and_inherits_archival() {
        let tree = arrange(vec![
            record(3, Some(1), 2, false),
            record(1, None, 2, false),
            record(2, None, 1, true),
            record(4, Some(1), 1, false),
            record(5, Some(2), 1, false),
            record(6, Some(99), 1, false),
        ]);
        let order: Vec<(i64, usize, bool)> = tree.iter().map(|c| (c.record.id.as_i64(), c.depth, c.archived)).collect();
        assert_eq!(order, vec![(2, 1, true), (5, 2, true), (1, 1, false), (4, 2, false), (3, 2, false)]);
    }

    #[test]
    fn slugs_are_lowercase_ascii_words() {
        assert_eq!(slug(" Skin_Care2 ").unwrap(), "skin_care2");
        for bad in ["", "护肤", "skin-care", "a b", &"x".repeat(CATEGORY_SLUG_CHARS_MAX + 1)] {
            assert_eq!(slug(bad).unwrap_err().code, ErrorCode::InvalidField, "{bad:?}");
        }
    }
}

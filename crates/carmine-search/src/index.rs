//! The tantivy index on disk: its schema, opening it (and starting afresh when the
//! schema or the dictionary changed), and writing changes.
//!
//! Every write ends with a commit that carries the log position it reflects (the
//! commit payload). A commit is atomic, so after a crash the index is exactly what
//! the last commit saw, and the indexer resumes after that position: no note missing
//! or resurrected.
//!
//! One index holds three kinds of document, told apart by `kind`: published notes
//! (`note`), members and organizations (`actor`) and products on sale (`product`:
//! active, in an open store). `key` (`n:{id}`, `a:{id}`, `p:{id}`) is what a change
//! deletes by.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use carmine_core::{Error, Id};
use carmine_events::statistics::CesWeights;
use carmine_store::search::{ActorDocument, NoteDocument, ProductDocument};
use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analyzer::{Analyzer, CHARS_ANALYZER, INDEX_ANALYZER, Mode, QUERY_ANALYZER};

/// Bumped whenever the schema or what is indexed changes: an index of another
/// version is rebuilt.
const SCHEMA_VERSION: u32 = 4;
/// Memory the writer may buffer before it flushes a segment.
const WRITER_MEMORY: usize = 64 << 20;
const META_FILE: &str = "carmine-index.json";
/// A batch that changes no document is committed only when the position it would
/// record is this far past the last commit (a restart replays at most this much).
const EMPTY_COMMIT_EVERY: i64 = 10_000;

/// The fields, looked up once.
#[derive(Clone, Copy)]
pub struct Fields {
    pub kind: Field,
    pub key: Field,
    pub id: Field,
    // Notes.
    pub title: Field,
    pub body: Field,
    /// Title and body unsegmented (chars mode): a query word's characters as a phrase.
    pub title_chars: Field,
    pub body_chars: Field,
    /// The normalized topic, whole (filters, topic search).
    pub topic: Field,
    /// The topic's words (matching).
    pub topic_text: Field,
    pub author: Field,
    pub author_id: Field,
    /// `public` (anyone), `followers` (the author's followers: followers-only, or
    /// limited by moderation) or `private` (the author only).
    pub audience: Field,
    pub published_at: Field,
    /// Likes + saves + comments + shares.
    pub engagement: Field,
    pub ces: Field,
    pub impressions: Field,
    /// `image` (one) or `album` (several).
    pub media: Field,
    // Actors.
    pub actor_kind: Field,
    pub handle: Field,
    pub name: Field,
    pub name_text: Field,
    pub about: Field,
    pub followers: Field,
    // Products (their title and description are `title` and `body`; their time `published_at`).
    pub brand: Field,
    /// The product's category and its ancestors.
    pub category: Field,
    pub store_type: Field,
    /// `yes` or `no`.
    pub cross_border: Field,
    pub in_stock: Field,
    /// The lowest variant price, in minor units.
    pub price: Field,
    pub sales: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let analyzed = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let text = analyzed(INDEX_ANALYZER);
    let chars = analyzed(CHARS_ANALYZER);
    let fields = Fields {
        kind: builder.add_text_field("kind", STRING),
        key: builder.add_text_field("key", STRING),
        id: builder.add_i64_field("id", STORED | FAST),
        title: builder.add_text_field("title", text.clone() | STORED),
        body: builder.add_text_field("body", text.clone() | STORED),
        title_chars: builder.add_text_field("title_chars", chars.clone()),
        body_chars: builder.add_text_field("body_chars", chars),
        topic: builder.add_text_field("topic", STRING | STORED),
        topic_text: builder.add_text_field("topic_text", text.clone()),
        author: builder.add_text_field("author", text.clone()),
        author_id: builder.add_i64_field("author_id", INDEXED | STORED),
        audience: builder.add_text_field("audience", STRING),
        published_at: builder.add_i64_field("published_at", INDEXED | FAST | STORED),
        engagement: builder.add_u64_field("engagement", FAST),
        ces: builder.add_u64_field("ces", FAST),
        impressions: builder.add_u64_field("impressions", FAST),
        media: builder.add_text_field("media", STRING),
        actor_kind: builder.add_text_field("actor_kind", STRING | STORED),
        handle: builder.add_text_field("handle", STRING | STORED),
        name: builder.add_text_field("name", STORED),
        name_text: builder.add_text_field("name_text", text.clone()),
        about: builder.add_text_field("about", text.clone()),
        followers: builder.add_u64_field("followers", FAST | STORED),
        brand: builder.add_text_field("brand", text | STORED),
        category: builder.add_i64_field("category", INDEXED),
        store_type: builder.add_text_field("store_type", STRING),
        cross_border: builder.add_text_field("cross_border", STRING),
        in_stock: builder.add_text_field("in_stock", STRING),
        price: builder.add_i64_field("price", INDEXED | FAST),
        sales: builder.add_u64_field("sales", FAST),
    };
    (builder.build(), fields)
}

/// What the index was built with.
#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct Meta {
    schema: u32,
    dictionary: String,
}

/// The position a commit reflects.
#[derive(Serialize, Deserialize)]
struct Payload {
    position: i64,
}

/// A set of changes to write, then commit.
#[derive(Default)]
pub struct Changes {
    pub notes: Vec<NoteDocument>,
    pub actors: Vec<ActorDocument>,
    /// Notes no longer findable (deleted, unpublished).
    pub gone_notes: Vec<Id>,
    pub gone_actors: Vec<Id>,
    /// Products on sale (any other product given here is taken out).
    pub products: Vec<ProductDocument>,
    pub gone_products: Vec<Id>,
}

impl Changes {
    fn is_empty(&self) -> bool {
        self.notes.is_empty()
            && self.actors.is_empty()
            && self.gone_notes.is_empty()
            && self.gone_actors.is_empty()
            && self.products.is_empty()
            && self.gone_products.is_empty()
    }
}

/// The index with its reader and its one writer (opened on the first write, so a
/// maintenance command beside a running server never contends for its lock).
pub struct SearchIndex {
    index: Index,
    pub(crate) reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    pub(crate) fields: Fields,
    pub(crate) analyzer: Analyzer,
    ces: CesWeights,
    /// The position of the last commit.
    committed: AtomicI64,
}

impl SearchIndex {
    /// Opens the index in `dir` (None: in memory), starting an empty one when there
    /// is none or it was built with another schema or dictionary.
    pub fn open(dir: Option<&Path>, analyzer: Analyzer, ces: CesWeights) -> Result<SearchIndex, Error> {
        let (schema, fields) = schema();
        let index = match dir {
            None => Index::create_in_ram(schema),
            Some(dir) => open_dir(dir, schema, &analyzer)?,
        };
        SearchIndex::over(index, fields, analyzer, ces)
    }

    /// Opens the index in `dir` for reading only (benchmarks beside a running server):
    /// never clears it, and refuses one built with another schema or dictionary.
    pub fn open_for_reading(dir: &Path, analyzer: Analyzer) -> Result<SearchIndex, Error> {
        let (_, fields) = schema();
        let wanted = Meta { schema: SCHEMA_VERSION, dictionary: analyzer.fingerprint().to_owned() };
        let found: Option<Meta> =
            std::fs::read(dir.join(META_FILE)).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
        if found.as_ref() != Some(&wanted) {
            return Err(Error::internal(format!("no current search index in {}", dir.display())));
        }
        let index = Index::open(MmapDirectory::open(dir).map_err(fail)?).map_err(fail)?;
        SearchIndex::over(index, fields, analyzer, CesWeights::default())
    }

    fn over(index: Index, fields: Fields, analyzer: Analyzer, ces: CesWeights) -> Result<SearchIndex, Error> {
        index.tokenizers().register(INDEX_ANALYZER, analyzer.text_analyzer(Mode::Index));
        index.tokenizers().register(QUERY_ANALYZER, analyzer.text_analyzer(Mode::Query));
        index.tokenizers().register(CHARS_ANALYZER, analyzer.text_analyzer(Mode::Chars));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(fail)?;
        let metas = index.load_metas().map_err(fail)?;
        let committed = metas.payload.and_then(|p| serde_json::from_str::<Payload>(&p).ok()).map_or(0, |p| p.position);
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(None),
            fields,
            analyzer,
            ces,
            committed: AtomicI64::new(committed),
        })
    }

    /// The log position the last commit reflects (0: none).
    pub fn position(&self) -> i64 {
        self.committed.load(Ordering::SeqCst)
    }

    /// Applies `changes` and commits them as reflecting log `position`; searches see
    /// them when this returns.
    pub fn write(&self, changes: Changes, position: i64) -> Result<(), Error> {
        let f = self.fields;
        if changes.is_empty() && position - self.position() < EMPTY_COMMIT_EVERY {
            return Ok(());
        }
        let mut guard = self.writer()?;
        let writer = guard.as_mut().expect("the writer was opened");
        for id in changes.gone_notes.iter().chain(changes.notes.iter().map(|n| &n.id)) {
            writer.delete_term(Term::from_field_text(f.key, &note_key(*id)));
        }
        for id in changes.gone_actors.iter().chain(changes.actors.iter().map(|a| &a.id)) {
            writer.delete_term(Term::from_field_text(f.key, &actor_key(*id)));
        }
        for note in &changes.notes {
            writer.add_document(self.note_document(note)).map_err(fail)?;
        }
        for actor in &changes.actors {
            writer.add_document(self.actor_document(actor)).map_err(fail)?;
        }
        for id in changes.gone_products.iter().chain(changes.products.iter().map(|p| &p.id)) {
            writer.delete_term(Term::from_field_text(f.key, &product_key(*id)));
        }
        for product in changes.products.iter().filter(|p| p.listed) {
            writer.add_document(self.product_document(product)).map_err(fail)?;
        }
        self.commit(writer, position)?;
        drop(guard);
        self.reader.reload().map_err(fail)
    }

    /// The writer, opened on first use.
    fn writer(&self) -> Result<MutexGuard<'_, Option<IndexWriter>>, Error> {
        let mut guard = self.writer.lock().expect("the index writer lock is never poisoned");
        if guard.is_none() {
            *guard = Some(self.index.writer_with_num_threads(1, WRITER_MEMORY).map_err(fail)?);
        }
        Ok(guard)
    }

    fn commit(&self, writer: &mut IndexWriter, position: i64) -> Result<(), Error> {
        let mut commit = writer.prepare_commit().map_err(fail)?;
        commit.set_payload(&serde_json::to_string(&Payload { position }).expect("a payload serializes"));
        commit.commit().map_err(fail)?;
        self.committed.store(position, Ordering::SeqCst);
        Ok(())
    }

    /// Replaces every document with what `fill` adds, committed as reflecting log
    /// `position` (read before the documents were). A crash on the way leaves an
    /// empty index at position 0, which the indexer fills by replaying the log.
    pub fn replace_all(
        &self,
        position: i64,
        fill: impl FnOnce(&mut dyn FnMut(Changes) -> Result<(), Error>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut guard = self.writer()?;
        let writer = guard.as_mut().expect("the writer was opened");
        writer.delete_all_documents().map_err(fail)?;
        self.commit(writer, 0)?;
        fill(&mut |changes: Changes| {
            for note in &changes.notes {
                writer.add_document(self.note_document(note)).map_err(fail)?;
            }
            for actor in &changes.actors {
                writer.add_document(self.actor_document(actor)).map_err(fail)?;
            }
            for product in changes.products.iter().filter(|p| p.listed) {
                writer.add_document(self.product_document(product)).map_err(fail)?;
            }
            Ok(())
        })?;
        self.commit(writer, position)?;
        drop(guard);
        self.reader.reload().map_err(fail)
    }

    /// Documents in the index (notes and actors).
    pub fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn note_document(&self, note: &NoteDocument) -> TantivyDocument {
        let f = self.fields;
        let audience = match (note.visibility.as_str(), note.moderation.as_str()) {
            ("public", "none") => "public",
            ("public", _) | ("followers", _) => "followers",
            _ => "private",
        };
        let c = &note.counters;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.kind, "note");
        doc.add_text(f.key, note_key(note.id));
        doc.add_i64(f.id, note.id.as_i64());
        doc.add_text(f.title, &note.title);
        doc.add_text(f.body, &note.body);
        doc.add_text(f.title_chars, &note.title);
        doc.add_text(f.body_chars, &note.body);
        for topic in &note.topics {
            doc.add_text(f.topic, topic);
            doc.add_text(f.topic_text, topic);
        }
        doc.add_text(f.author, &note.author_name);
        doc.add_text(f.author, &note.author_handle);
        doc.add_i64(f.author_id, note.author_id.as_i64());
        doc.add_text(f.audience, audience);
        doc.add_i64(f.published_at, note.published_at.micros());
        doc.add_u64(f.engagement, (c.likes + c.saves + c.comments + c.shares).max(0) as u64);
        doc.add_u64(f.ces, self.ces.score(c).max(0) as u64);
        doc.add_u64(f.impressions, c.impressions.max(0) as u64);
        doc.add_text(f.media, if note.images > 1 { "album" } else { "image" });
        doc
    }

    fn actor_document(&self, actor: &ActorDocument) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.kind, "actor");
        doc.add_text(f.key, actor_key(actor.id));
        doc.add_i64(f.id, actor.id.as_i64());
        doc.add_text(f.actor_kind, &actor.kind);
        doc.add_text(f.handle, &actor.handle);
        doc.add_text(f.name, &actor.name);
        doc.add_text(f.name_text, &actor.name);
        doc.add_text(f.name_text, &actor.handle);
        doc.add_text(f.about, &actor.about);
        doc.add_u64(f.followers, actor.followers.max(0) as u64);
        doc
    }
}

impl SearchIndex {
    fn product_document(&self, product: &ProductDocument) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.kind, "product");
        doc.add_text(f.key, product_key(product.id));
        doc.add_i64(f.id, product.id.as_i64());
        doc.add_text(f.title, &product.title);
        doc.add_text(f.title_chars, &product.title);
        doc.add_text(f.body, &product.description);
        doc.add_text(f.body_chars, &product.description);
        doc.add_text(f.brand, &product.brand);
        doc.add_text(f.author, &product.store_name);
        for category in &product.categories {
            doc.add_i64(f.category, category.as_i64());
        }
        doc.add_text(f.store_type, &product.store_type);
        doc.add_text(f.cross_border, if product.cross_border { "yes" } else { "no" });
        doc.add_text(f.in_stock, if product.in_stock { "yes" } else { "no" });
        doc.add_i64(f.price, product.price_minor);
        doc.add_u64(f.sales, product.sales.max(0) as u64);
        doc.add_i64(f.published_at, product.created_at.micros());
        doc
    }
}

fn product_key(id: Id) -> String {
    format!("p:{}", id.as_i64())
}

fn note_key(id: Id) -> String {
    format!("n:{}", id.as_i64())
}

fn actor_key(id: Id) -> String {
    format!("a:{}", id.as_i64())
}

/// Opens the index in `dir`, or creates it empty there (clearing what another schema
/// or dictionary left).
fn open_dir(dir: &Path, schema: Schema, analyzer: &Analyzer) -> Result<Index, Error> {
    let wanted = Meta { schema: SCHEMA_VERSION, dictionary: analyzer.fingerprint().to_owned() };
    let meta_path: PathBuf = dir.join(META_FILE);
    let found: Option<Meta> = std::fs::read(&meta_path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
    if found.as_ref() == Some(&wanted) {
        let directory = MmapDirectory::open(dir).map_err(fail)?;
        if Index::exists(&directory).map_err(fail)? {
            return Index::open(directory).map_err(fail);
        }
    }
    if dir.exists() {
        tracing::info!(dir = %dir.display(), "search index built with another schema or dictionary: starting afresh");
        std::fs::remove_dir_all(dir).map_err(|e| Error::internal(format!("clearing {}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::internal(format!("creating {}: {e}", dir.display())))?;
    let index = Index::create_in_dir(dir, schema).map_err(fail)?;
    let bytes = serde_json::to_vec(&wanted).expect("the index meta serializes");
    std::fs::write(&meta_path, bytes).map_err(|e| Error::internal(format!("writing {}: {e}", meta_path.display())))?;
    Ok(index)
}

pub(crate) fn fail(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("search index: {e}"))
}

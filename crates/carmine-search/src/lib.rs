//! Search over notes, members and organizations, and topics (ADR 0014).
//!
//! - [`analyzer`]: Chinese and English text analysis (jieba with Carmine's and the
//!   operator's dictionary, folding, stemming, sub-words);
//! - [`index`]: the tantivy index in `data-dir/search/index`, committed together with
//!   the log position it reflects;
//! - [`indexer`]: `search.index`, the domain-log consumer that keeps it current;
//! - [`query`]: bounded queries, filters, sorting, the relevance blend, snippets;
//! - [`journal`]: search events (buffered into the domain log) and members' history;
//! - [`trends`]: `search.trends`, searches counted per query and hour; trending
//!   (rising) queries, suggestions with pinyin, the operator's hidden terms.
//!
//! The index proposes, the database disposes: callers re-check every note shown with
//! the notes context (`Notes::visible_records`), as for the feed.
//!
//! Must never: know HTTP, or decide visibility on its own (the index holds only what
//! narrows the search: audience and author).

pub mod analyzer;
pub mod index;
pub mod indexer;
pub mod journal;
pub mod products;
pub mod query;
mod snippet;
pub mod trends;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use carmine_core::limits::SEARCH_FOLLOWED_MAX;
use carmine_core::{Error, ErrorCode, Id};
use carmine_events::{CesWeights, Subscriber};
use carmine_store::{Db, log, search};

pub use analyzer::Analyzer;
pub use index::SearchIndex;
pub use journal::{Journal, Searched};
pub use query::{ActorHit, Highlighted, Media, NoteHit, NoteQuery, NoteResults, Scope, Sort, TopicHit};
/// How the tokens of [`Analyzer::text_analyzer`] are read.
pub use tantivy::tokenizer::TokenStream;
pub use trends::{Suggestion, SuggestionKind, Trend, Trends};

/// How long one search may run before the caller gets `search_timeout`.
const SEARCH_TIMEOUT: Duration = Duration::from_secs(2);
/// Documents read from the database per query during a rebuild.
const REBUILD_PAGE: u32 = 2_000;

/// Where the index lives: `dir/index` holds it, `dir/dictionary.txt` (optional) the
/// operator's words. None: in memory, jieba's and Carmine's words only.
#[derive(Clone, Debug)]
pub struct SearchConfig {
    pub dir: Option<PathBuf>,
    pub ces: CesWeights,
    /// How long trending and suggestions may be served unchanged while new searches
    /// arrive.
    pub trends_refresh: Duration,
    /// Distinct signed-in members who must have searched a query before it is
    /// suggested or trending.
    pub suggest_min_members: u32,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            dir: None,
            ces: CesWeights::default(),
            trends_refresh: Duration::from_secs(30),
            suggest_min_members: trends::MIN_MEMBERS_DEFAULT,
        }
    }
}

impl SearchConfig {
    pub fn dictionary_path(dir: &Path) -> PathBuf {
        dir.join("dictionary.txt")
    }

    /// The index itself: derived state, safe to delete (it is rebuilt on start).
    pub fn index_path(dir: &Path) -> PathBuf {
        dir.join("index")
    }
}

/// The search service. Cheap to clone.
#[derive(Clone)]
pub struct Search {
    index: Arc<SearchIndex>,
    journal: Journal,
    trends: Trends,
    db: Db,
}

/// What a rebuild did.
#[derive(Debug)]
pub struct Rebuilt {
    pub notes: u64,
    pub actors: u64,
    pub products: u64,
    pub position: i64,
    pub elapsed: Duration,
}

impl Search {
    pub fn open(db: Db, config: &SearchConfig) -> Result<Search, Error> {
        let (index_dir, words) = match &config.dir {
            Some(dir) => {
                let path = SearchConfig::dictionary_path(dir);
                let words = match std::fs::read_to_string(&path) {
                    Ok(words) => words,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                    Err(e) => return Err(Error::internal(format!("reading {}: {e}", path.display()))),
                };
                (Some(SearchConfig::index_path(dir)), words)
            }
            None => (None, String::new()),
        };
        let index = Arc::new(SearchIndex::open(index_dir.as_deref(), Analyzer::new(&words), config.ces)?);
        Ok(Search {
            trends: Trends::new(db.clone(), index.clone(), config.trends_refresh, config.suggest_min_members),
            journal: Journal::new(db.clone()),
            index,
            db,
        })
    }

    /// The time searches are made at (the database's clock).
    pub fn now(&self) -> carmine_core::Timestamp {
        self.db.now()
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    pub fn trends(&self) -> &Trends {
        &self.trends
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// The analyzer queries and notes are segmented with (ads match keywords with it).
    pub fn analyzer(&self) -> &Analyzer {
        &self.index.analyzer
    }

    /// The consumers that keep the index and the search counts current.
    pub fn subscribers(&self) -> Vec<Subscriber> {
        vec![
            Subscriber::Memory(Arc::new(indexer::Indexer(self.index.clone()))),
            Subscriber::Durable(Arc::new(self.trends.counter())),
        ]
    }

    /// Whose notes beyond public ones `member` may find.
    pub async fn scope(&self, member: Option<Id>) -> Result<Scope, Error> {
        let Some(member) = member else { return Ok(Scope::default()) };
        let (followed, orgs) = search::viewer_scope(&mut *self.db.reader().await?, member, SEARCH_FOLLOWED_MAX).await?;
        Ok(Scope { member: Some(member), followed, orgs })
    }

    /// Notes matching `query` that `member` may find (see [`query`]); the search is
    /// recorded (its id is in the results).
    pub async fn notes(&self, member: Option<Id>, query: NoteQuery) -> Result<(Id, NoteResults), Error> {
        let scope = self.scope(member).await?;
        let now = self.db.now();
        let index = self.index.clone();
        let asked = query.clone();
        let results = bounded(move || index.notes(&asked, &scope, now)).await?;
        let search_id = self.db.new_id();
        self.journal.record(Searched {
            search_id,
            user_id: member,
            query: analyzer::normalize_query(&query.text),
            results: results.total as u64,
            relaxed: results.relaxed,
            sort: query.sort.as_str(),
            filtered: query.topic.is_some() || query.since.is_some() || query.until.is_some() || query.media.is_some(),
            page: (query.offset / query.limit.max(1)) as u32,
            at: now,
        });
        Ok((search_id, results))
    }

    /// Products on sale matching `query` (see [`products`]).
    pub async fn products(&self, query: products::ProductQuery) -> Result<products::ProductResults, Error> {
        let index = self.index.clone();
        bounded(move || index.products(&query)).await
    }

    /// Product titles and brands that continue `prefix`.
    pub async fn product_suggestions(&self, prefix: String, limit: usize) -> Result<Vec<String>, Error> {
        let index = self.index.clone();
        bounded(move || index.product_suggestions(&prefix, limit)).await
    }

    /// Members and organizations matching `text`.
    pub async fn actors(&self, text: String, limit: usize) -> Result<Vec<ActorHit>, Error> {
        let index = self.index.clone();
        bounded(move || index.actors(&text, limit)).await
    }

    /// Topics starting with the normalized `text`, counted as `member` would find them.
    pub async fn topics(&self, member: Option<Id>, text: &str, limit: usize) -> Result<Vec<TopicHit>, Error> {
        let folded = analyzer::normalize_query(text.trim().trim_start_matches('#'));
        let prefix: String = folded.split_whitespace().collect();
        let scope = self.scope(member).await?;
        let index = self.index.clone();
        bounded(move || index.topics(&prefix, limit, &scope)).await
    }

    /// Rebuilds the index from the database: every published note and every actor,
    /// committed as reflecting the domain log's head read before the first row (so the
    /// indexer re-applies whatever was written meanwhile). Run with the server stopped,
    /// or let the server's indexer catch up afterwards.
    pub async fn rebuild(&self) -> Result<Rebuilt, Error> {
        let started = Instant::now();
        // Number what is committed first, so the position covers everything read below.
        let head = log::head(&mut *self.db.reader().await?, log::Log::Domain).await?;
        let position =
            carmine_events::sequencer::sequence_all(&self.db, log::Log::Domain, &tokio::sync::watch::Sender::new(head))
                .await?;
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<index::Changes>(2);
        let index = self.index.clone();
        let writer = tokio::task::spawn_blocking(move || {
            index.replace_all(position, |add| {
                while let Some(changes) = receiver.blocking_recv() {
                    add(changes)?;
                }
                Ok(())
            })
        });
        let (mut notes, mut actors, mut products) = (0u64, 0u64, 0u64);
        let mut conn = self.db.reader().await?;
        let mut after = Id::from_i64(0);
        loop {
            let (page, read) = search::notes_after(&mut conn, after, REBUILD_PAGE).await?;
            let Some(read) = read else { break };
            after = read;
            notes += page.len() as u64;
            if sender.send(index::Changes { notes: page, ..Default::default() }).await.is_err() {
                break;
            }
        }
        let mut after = Id::from_i64(0);
        loop {
            let page = search::actors_after(&mut conn, after, REBUILD_PAGE).await?;
            let Some(last) = page.last().map(|a| a.id) else { break };
            after = last;
            actors += page.len() as u64;
            if sender.send(index::Changes { actors: page, ..Default::default() }).await.is_err() {
                break;
            }
        }
        let mut after = Id::from_i64(0);
        loop {
            let page = search::products_after(&mut conn, after, REBUILD_PAGE).await?;
            let Some(last) = page.last().map(|p| p.id) else { break };
            after = last;
            products += page.iter().filter(|p| p.listed).count() as u64;
            if sender.send(index::Changes { products: page, ..Default::default() }).await.is_err() {
                break;
            }
        }
        drop(sender);
        writer.await.map_err(|e| Error::internal(format!("search rebuild: {e}")))??;
        Ok(Rebuilt { notes, actors, products, position, elapsed: started.elapsed() })
    }
}

/// Runs a search off the async threads, giving up after [`SEARCH_TIMEOUT`].
async fn bounded<T: Send + 'static>(work: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    match tokio::time::timeout(SEARCH_TIMEOUT, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => Err(Error::internal(format!("search task: {e}"))),
        Err(_) => Err(Error::new(ErrorCode::SearchTimeout)),
    }
}

//! `carmine import DIR`: loads a dataset through the store, record by record, in
//! batched transactions.
//!
//! - Every record is checked by the same rules as the API before anything of it is
//!   written; a bad one is reported as `file:line: reason` and skipped (or stops the
//!   import with `strict`). A record is written whole or not at all.
//! - Records with ids are remembered (`import_ids`); link records (follows, likes,
//!   saves, behaviour events) are keyed by what they link. So running an import again
//!   — after a crash, kill -9, or to top up — adds only what is missing.
//! - Rows carry the dataset's times (`Tx::backdate`) and append the domain events the
//!   services would, so derived state (statistics, later the feed and search) is
//!   built by the consumers like for any other write. Imported history notifies no one.
//! - A batch that fails in the database (not a bad record) is rolled back and its
//!   records retried one per transaction, so one poisoned record costs only itself.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use carmine_accounts::members::{DemographicsInput, parse_demographics};
use carmine_accounts::orgs::{ORG_KINDS, OrgRole};
use carmine_commerce::imported::{self, StoreImport};
use carmine_commerce::products::{CrossBorderInput, ProductInput, ProductOption, VariantInput};
use carmine_commerce::shipping::TemplateInput;
use carmine_commerce::stores::StoreInput;
use carmine_commerce::tags::TagInput;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{
    BIO_CHARS_MAX, COMMENT_CHARS_MAX, DISPLAY_NAME_CHARS_MAX, EVENT_DWELL_MS_MAX, EVENT_FUTURE_SKEW_SECONDS,
    EVENT_POSITION_MAX, LOCATION_CHARS_MAX, NOTE_BODY_CHARS_MAX, NOTE_IMAGES_MAX, NOTE_MENTIONS_MAX,
    NOTE_TITLE_CHARS_MAX, NOTE_TOPICS_MAX, ORG_DESCRIPTION_CHARS_MAX, ORG_MEMBERS_MAX, ORG_NAME_CHARS_MAX,
    PRODUCT_IMAGES_MAX,
};
use carmine_core::money::{Currency, Money};
use carmine_core::text::{Handle, bounded_text, normalize_topic, parse_mentions, parse_topics};
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_events::ingest::{EVENT_KINDS, SURFACES};
use carmine_media::{Media, Prepared};
use carmine_orders::AddressInput;
use carmine_orders::imported::{LineImport, OrderImport, ReviewImport};
use carmine_store::dataset::{self, Kind};
use carmine_store::users::{NewMember, ProfileUpdate};
use carmine_store::{
    Db, Tx, actors, behaviour, boards, comments, follows, likes, notes, orgs, product_tags, stores, users,
};

use crate::format::{self, FILES, Manifest};
use crate::progress::Progress;

#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Stop at the first bad record instead of reporting and skipping it.
    pub strict: bool,
    /// Records per transaction.
    pub batch: usize,
    /// Progress lines on stderr.
    pub progress: bool,
    /// The instance's currency: prices and fees are in its minor units.
    pub currency: Currency,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { strict: false, batch: 500, progress: false, currency: Currency::CNY }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileReport {
    pub file: &'static str,
    pub imported: u64,
    /// Already there from an earlier run.
    pub already: u64,
    pub rejected: u64,
}

#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    /// `file:line: reason`, the first [`ERRORS_KEPT`] of them.
    pub errors: Vec<String>,
    pub seconds: f64,
}

impl ImportReport {
    pub fn rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }
}

const ERRORS_KEPT: usize = 1_000;

/// Imports the dataset in `dir`. Errors that stop the whole import (an unreadable
/// manifest, an unknown version, `strict` and a bad record) come back as `Err`.
pub async fn import(db: &Db, media: &Media, dir: &Path, options: &ImportOptions) -> Result<ImportReport, String> {
    let manifest = read_manifest(dir)?;
    let started = Instant::now();
    let mut importer = Importer {
        db: db.clone(),
        media: media.clone(),
        dir: dir.to_path_buf(),
        cache: HashMap::new(),
        fresh: Vec::new(),
        members: HashMap::new(),
        prepared: Vec::new(),
        currency: options.currency,
    };
    let mut report = ImportReport::default();
    for file in FILES {
        let path = dir.join(file);
        if !path.exists() {
            continue;
        }
        let total = manifest.counts.get(file).copied();
        let file_report = importer.import_file(file, &path, total, options, &mut report.errors).await?;
        report.files.push(file_report);
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

pub fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let path = dir.join("manifest.json");
    let raw = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let manifest: Manifest =
        serde_json::from_str(&raw).map_err(|e| format!("{}: not a dataset manifest: {e}", path.display()))?;
    if manifest.format != format::FORMAT {
        return Err(format!("{}: format is {:?}, expected {:?}", path.display(), manifest.format, format::FORMAT));
    }
    if manifest.version != format::VERSION {
        return Err(format!(
            "{}: dataset version {} is not supported by this Carmine (it reads version {})",
            path.display(),
            manifest.version,
            format::VERSION
        ));
    }
    Ok(manifest)
}

enum Record {
    Member(format::Member),
    Organization(format::Organization),
    Store(format::Store),
    Product(format::Product),
    Follow(format::Follow),
    Note(format::Note),
    ProductTags(format::ProductTags),
    Order(format::Order),
    Comment(format::Comment),
    Like(format::Engagement),
    Save(format::Engagement),
    Event(format::BehaviourEvent),
}

fn parse(file: &str, line: &str) -> Result<Record, String> {
    let record = match file {
        "members.jsonl" => serde_json::from_str(line).map(Record::Member),
        "organizations.jsonl" => serde_json::from_str(line).map(Record::Organization),
        "stores.jsonl" => serde_json::from_str(line).map(Record::Store),
        "products.jsonl" => serde_json::from_str(line).map(Record::Product),
        "product_tags.jsonl" => serde_json::from_str(line).map(Record::ProductTags),
        "orders.jsonl" => serde_json::from_str(line).map(Record::Order),
        "follows.jsonl" => serde_json::from_str(line).map(Record::Follow),
        "notes.jsonl" => serde_json::from_str(line).map(Record::Note),
        "comments.jsonl" => serde_json::from_str(line).map(Record::Comment),
        "likes.jsonl" => serde_json::from_str(line).map(Record::Like),
        "saves.jsonl" => serde_json::from_str(line).map(Record::Save),
        "events.jsonl" => serde_json::from_str(line).map(Record::Event),
        _ => return Err(format!("unknown file {file}")),
    };
    record.map_err(|e| format!("malformed record: {e}"))
}

enum Applied {
    Imported,
    Already,
}

/// Why a record was not applied.
enum Problem {
    /// The record itself is wrong: report it, nothing of it was written.
    Invalid(String),
    /// The database failed: the batch must be rolled back.
    Store(Error),
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        Problem::Store(e)
    }
}

impl From<carmine_store::StoreError> for Problem {
    fn from(e: carmine_store::StoreError) -> Self {
        Problem::Store(e.into())
    }
}

fn invalid(e: Error) -> Problem {
    match &e.details {
        Some(details) => match details.get("field").and_then(|f| f.as_str()) {
            Some(field) if e.message.starts_with(field) => Problem::Invalid(e.message),
            Some(field) => Problem::Invalid(format!("{field}: {}", e.message)),
            None => Problem::Invalid(format!("{}: {}", e.code.as_str(), e.message)),
        },
        _ => Problem::Invalid(format!("{}: {}", e.code.as_str(), e.message)),
    }
}

/// A service's answer: a database failure rolls the batch back; anything else is
/// the record's fault.
fn problem(e: Error) -> Problem {
    if e.code == ErrorCode::Internal { Problem::Store(e) } else { invalid(e) }
}

fn unknown(what: &str, id: &str) -> Problem {
    Problem::Invalid(format!("{what} {id:?} is not in the dataset (or was rejected)"))
}

struct Importer {
    db: Db,
    media: Media,
    dir: PathBuf,
    /// Dataset id → local id, for records known to be committed or written in the
    /// current batch (`fresh`, forgotten if the batch rolls back).
    cache: HashMap<(Kind, String), Id>,
    fresh: Vec<(Kind, String)>,
    /// Actor id → is a member (committed or in this batch; ids are never reused).
    members: HashMap<Id, bool>,
    /// Images written for the current batch, removed if it rolls back.
    prepared: Vec<Prepared>,
    currency: Currency,
}

impl Importer {
    async fn import_file(
        &mut self,
        file: &'static str,
        path: &Path,
        total: Option<u64>,
        options: &ImportOptions,
        errors: &mut Vec<String>,
    ) -> Result<FileReport, String> {
        let reader = std::io::BufReader::new(
            std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?,
        );
        let mut report = FileReport { file, ..FileReport::default() };
        let mut progress = Progress::new(file, total, options.progress);
        let mut batch: Vec<(usize, Record)> = Vec::with_capacity(options.batch);
        let mut reject = |report: &mut FileReport, line: usize, reason: String| -> Result<(), String> {
            report.rejected += 1;
            let message = format!("{file}:{line}: {reason}");
            if options.strict {
                return Err(message);
            }
            if errors.len() < ERRORS_KEPT {
                errors.push(message);
            }
            Ok(())
        };
        for (index, line) in reader.lines().enumerate() {
            let number = index + 1;
            let line = line.map_err(|e| format!("cannot read {}:{number}: {e}", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            match parse(file, &line) {
                Ok(record) => batch.push((number, record)),
                Err(reason) => reject(&mut report, number, reason)?,
            }
            if batch.len() >= options.batch {
                for (line, reason) in self.apply_batch(&mut batch, &mut report).await? {
                    reject(&mut report, line, reason)?;
                }
                progress.update(report.imported + report.already + report.rejected);
            }
        }
        for (line, reason) in self.apply_batch(&mut batch, &mut report).await? {
            reject(&mut report, line, reason)?;
        }
        progress.finish(report.imported + report.already + report.rejected);
        Ok(report)
    }

    /// Applies a batch in one transaction (or one per record after a database
    /// failure); returns the rejected records' lines and reasons.
    async fn apply_batch(
        &mut self,
        batch: &mut Vec<(usize, Record)>,
        report: &mut FileReport,
    ) -> Result<Vec<(usize, String)>, String> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let records = std::mem::take(batch);
        let fail = |e: Error| format!("the database failed: {e}");
        let mut tx = self.db.begin().await.map_err(|e| fail(e.into()))?;
        let mut rejected = Vec::new();
        let mut counts = (0, 0);
        let mut poisoned = false;
        for (line, record) in &records {
            match self.apply(&mut tx, record).await {
                Ok(Applied::Imported) => counts.0 += 1,
                Ok(Applied::Already) => counts.1 += 1,
                Err(Problem::Invalid(reason)) => rejected.push((*line, reason)),
                Err(Problem::Store(e)) => {
                    tracing::warn!(error = %e, line, "a batch failed in the database; retrying its records one by one");
                    poisoned = true;
                    break;
                }
            }
        }
        // A poisoned transaction is dropped (rolled back) before the retries begin.
        let committed = if poisoned {
            drop(tx);
            false
        } else {
            tx.commit().await.is_ok()
        };
        if committed {
            self.settle();
            report.imported += counts.0;
            report.already += counts.1;
            return Ok(rejected);
        }
        self.rollback().await;
        let mut rejected = Vec::new();
        for (line, record) in &records {
            let mut tx = self.db.begin().await.map_err(|e| fail(e.into()))?;
            let outcome = self.apply(&mut tx, record).await;
            let outcome = match outcome {
                Ok(applied) => tx.commit().await.map(|()| applied).map_err(|e| Problem::Store(e.into())),
                Err(problem) => Err(problem),
            };
            match outcome {
                Ok(Applied::Imported) => report.imported += 1,
                Ok(Applied::Already) => report.already += 1,
                Err(Problem::Invalid(reason)) => rejected.push((*line, reason)),
                Err(Problem::Store(e)) => rejected.push((*line, format!("the database refused it: {e}"))),
            }
            match rejected.last() {
                Some((l, _)) if l == line => self.rollback().await,
                _ => self.settle(),
            }
        }
        Ok(rejected)
    }

    /// The batch committed: what it wrote is now for good.
    fn settle(&mut self) {
        self.fresh.clear();
        self.prepared.clear();
    }

    async fn rollback(&mut self) {
        for key in self.fresh.drain(..) {
            self.cache.remove(&key);
        }
        for prepared in self.prepared.drain(..) {
            self.media.discard(&prepared).await;
        }
    }

    async fn resolve(&mut self, tx: &mut Tx, kind: Kind, external: &str) -> Result<Option<Id>, Problem> {
        if let Some(id) = self.cache.get(&(kind, external.to_owned())) {
            return Ok(Some(*id));
        }
        let found = dataset::local_id(tx.conn(), kind, external).await?;
        if let Some(id) = found {
            self.cache.insert((kind, external.to_owned()), id);
        }
        Ok(found)
    }

    async fn member_id(&mut self, tx: &mut Tx, external: &str) -> Result<Id, Problem> {
        let id = self.resolve(tx, Kind::Actor, external).await?.ok_or_else(|| unknown("member", external))?;
        if !self.is_member(tx, id).await? {
            return Err(Problem::Invalid(format!("{external:?} is an organization, not a member")));
        }
        Ok(id)
    }

    /// Whether an actor is a member (not an organization); remembered, as it never changes.
    async fn is_member(&mut self, tx: &mut Tx, id: Id) -> Result<bool, Problem> {
        if let Some(known) = self.members.get(&id) {
            return Ok(*known);
        }
        let member = users::get(tx.conn(), id).await?.is_some();
        self.members.insert(id, member);
        Ok(member)
    }

    async fn remember(&mut self, tx: &mut Tx, kind: Kind, external: &str, id: Id) -> Result<(), Problem> {
        dataset::remember(tx, kind, external, id).await?;
        self.cache.insert((kind, external.to_owned()), id);
        self.fresh.push((kind, external.to_owned()));
        Ok(())
    }

    /// Commerce records are checked by the commerce services while they write: a
    /// savepoint lets a bad one undo what it wrote without losing the batch.
    async fn savepoint(&mut self, tx: &mut Tx) -> Result<usize, Problem> {
        tx.savepoint().await?;
        Ok(self.prepared.len())
    }

    async fn close_savepoint(
        &mut self,
        tx: &mut Tx,
        mark: usize,
        outcome: Result<Applied, Problem>,
    ) -> Result<Applied, Problem> {
        match &outcome {
            Ok(_) => tx.release_savepoint().await?,
            Err(Problem::Invalid(_)) => {
                tx.rollback_to_savepoint().await?;
                for prepared in self.prepared.drain(mark..).collect::<Vec<_>>() {
                    self.media.discard(&prepared).await;
                }
            }
            Err(Problem::Store(_)) => {} // the batch rolls back
        }
        outcome
    }

    async fn apply(&mut self, tx: &mut Tx, record: &Record) -> Result<Applied, Problem> {
        match record {
            Record::Member(m) => self.member(tx, m).await,
            Record::Organization(o) => self.organization(tx, o).await,
            Record::Store(st) => {
                let mark = self.savepoint(tx).await?;
                let outcome = self.store(tx, st).await;
                self.close_savepoint(tx, mark, outcome).await
            }
            Record::Product(p) => {
                let mark = self.savepoint(tx).await?;
                let outcome = self.product(tx, p).await;
                self.close_savepoint(tx, mark, outcome).await
            }
            Record::ProductTags(t) => {
                let mark = self.savepoint(tx).await?;
                let outcome = self.product_tags(tx, t).await;
                self.close_savepoint(tx, mark, outcome).await
            }
            Record::Order(o) => {
                let mark = self.savepoint(tx).await?;
                let outcome = self.order(tx, o).await;
                self.close_savepoint(tx, mark, outcome).await
            }
            Record::Follow(f) => self.follow(tx, f).await,
            Record::Note(n) => self.note(tx, n).await,
            Record::Comment(c) => self.comment(tx, c).await,
            Record::Like(e) => self.like(tx, e).await,
            Record::Save(e) => self.save(tx, e).await,
            Record::Event(e) => self.event(tx, e).await,
        }
    }

    async fn member(&mut self, tx: &mut Tx, m: &format::Member) -> Result<Applied, Problem> {
        not_in_future("created_at", m.created_at, &self.db)?;
        let username = Handle::parse("username", &m.username).map_err(invalid)?;
        let display_name =
            bounded_text("display_name", &m.display_name, 0, DISPLAY_NAME_CHARS_MAX, false).map_err(invalid)?;
        let bio = bounded_text("bio", &m.bio, 0, BIO_CHARS_MAX, true).map_err(invalid)?;
        if m.password_hash.as_deref().is_some_and(|h| !h.starts_with("$argon2id$") || h.len() > 512) {
            return Err(Problem::Invalid("password_hash: must be an Argon2id PHC string".to_owned()));
        }
        let demographics = match &m.demographics {
            Some(d) => {
                let input = DemographicsInput {
                    consent: true,
                    birth_year: d.birth_year,
                    gender: d.gender.clone(),
                    city: d.city.clone(),
                };
                parse_demographics(&input, self.db.now()).map_err(invalid)?
            }
            None => None,
        };
        if self.resolve(tx, Kind::Actor, &m.id).await?.is_some() {
            return Ok(Applied::Already);
        }
        if actors::get_by_handle(tx.conn(), username.as_str()).await?.is_some() {
            return Err(Problem::Invalid(format!("username {:?} is taken", username.as_str())));
        }
        tx.backdate(m.created_at);
        let new = NewMember {
            username: username.as_str(),
            password_hash: m.password_hash.as_deref(),
            display_name: &display_name,
            is_admin: false,
        };
        let id = users::insert(tx, &new).await?;
        if let Some(mut demographics) = demographics {
            demographics.consented_at = m.created_at;
            let profile = ProfileUpdate {
                display_name: &display_name,
                bio: &bio,
                avatar_url: None,
                demographics: Some(demographics),
            };
            users::update_profile(tx, id, &profile).await?;
        } else if !bio.is_empty() {
            let profile =
                ProfileUpdate { display_name: &display_name, bio: &bio, avatar_url: None, demographics: None };
            users::update_profile(tx, id, &profile).await?;
        }
        self.remember(tx, Kind::Actor, &m.id, id).await?;
        tx.emit(DomainEvent::UserSignedUp { user_id: id, username: username.as_str().to_owned() }).await?;
        Ok(Applied::Imported)
    }

    async fn organization(&mut self, tx: &mut Tx, o: &format::Organization) -> Result<Applied, Problem> {
        not_in_future("created_at", o.created_at, &self.db)?;
        let handle = Handle::parse("handle", &o.handle).map_err(invalid)?;
        let name = bounded_text("name", &o.name, 1, ORG_NAME_CHARS_MAX, false).map_err(invalid)?;
        let description =
            bounded_text("description", &o.description, 0, ORG_DESCRIPTION_CHARS_MAX, true).map_err(invalid)?;
        if !ORG_KINDS.contains(&o.kind.as_str()) {
            return Err(Problem::Invalid(format!("kind: must be one of {}", ORG_KINDS.join(", "))));
        }
        if o.members.len() as i64 >= ORG_MEMBERS_MAX {
            return Err(Problem::Invalid(format!("members: an organization has at most {ORG_MEMBERS_MAX}")));
        }
        let mut roles = Vec::new();
        for member in &o.members {
            let role = OrgRole::parse("members.role", &member.role).map_err(invalid)?;
            roles.push((member.member.as_str(), role));
        }
        if self.resolve(tx, Kind::Actor, &o.id).await?.is_some() {
            return Ok(Applied::Already);
        }
        let owner = self.member_id(tx, &o.owner).await?;
        let mut members = Vec::new();
        for (external, role) in roles {
            let id = self.member_id(tx, external).await?;
            if id != owner && !members.iter().any(|(m, _)| *m == id) {
                members.push((id, role));
            }
        }
        if actors::get_by_handle(tx.conn(), handle.as_str()).await?.is_some() {
            return Err(Problem::Invalid(format!("handle {:?} is taken", handle.as_str())));
        }
        tx.backdate(o.created_at);
        let new = orgs::NewOrg {
            handle: handle.as_str(),
            name: &name,
            kind: &o.kind,
            description: &description,
            owner_id: owner,
        };
        let id = orgs::insert(tx, &new).await?;
        for (member, role) in members {
            orgs::insert_member(tx, id, member, role.as_str()).await?;
        }
        self.remember(tx, Kind::Actor, &o.id, id).await?;
        tx.emit(DomainEvent::OrgCreated { org_id: id, owner_id: owner, handle: handle.as_str().to_owned() }).await?;
        Ok(Applied::Imported)
    }

    async fn follow(&mut self, tx: &mut Tx, f: &format::Follow) -> Result<Applied, Problem> {
        not_in_future("created_at", f.created_at, &self.db)?;
        let follower = self.member_id(tx, &f.follower).await?;
        let followee =
            self.resolve(tx, Kind::Actor, &f.followee).await?.ok_or_else(|| unknown("actor", &f.followee))?;
        if follower == followee {
            return Err(Problem::Invalid("a member cannot follow themselves".to_owned()));
        }
        tx.backdate(f.created_at);
        if !follows::insert(tx, follower, followee).await? {
            return Ok(Applied::Already);
        }
        tx.emit(DomainEvent::ActorFollowed {
            follower_id: follower,
            followee_id: followee,
            from_note: None,
            via_ad: None,
        })
        .await?;
        Ok(Applied::Imported)
    }

    async fn note(&mut self, tx: &mut Tx, n: &format::Note) -> Result<Applied, Problem> {
        not_in_future("created_at", n.created_at, &self.db)?;
        if let Some(at) = n.published_at {
            not_in_future("published_at", at, &self.db)?;
        }
        let title = bounded_text("title", &n.title, 0, NOTE_TITLE_CHARS_MAX, false).map_err(invalid)?;
        let body = bounded_text("body", &n.body, 0, NOTE_BODY_CHARS_MAX, true).map_err(invalid)?;
        if n.published_at.is_some() && title.is_empty() && body.is_empty() {
            return Err(Problem::Invalid("title: a published note needs a title or a text".to_owned()));
        }
        let location = match &n.location {
            Some(l) => Some(bounded_text("location", l, 1, LOCATION_CHARS_MAX, false).map_err(invalid)?),
            None => None,
        };
        if !["public", "followers", "private"].contains(&n.visibility.as_str()) {
            return Err(Problem::Invalid("visibility: must be one of public, followers, private".to_owned()));
        }
        let mut topics = Vec::new();
        for raw in &n.topics {
            let topic =
                normalize_topic(raw).ok_or_else(|| Problem::Invalid(format!("topics: {raw:?} is not a topic")))?;
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        for topic in parse_topics(&format!("{title}\n{body}")) {
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        topics.truncate(NOTE_TOPICS_MAX);
        if n.images.len() > NOTE_IMAGES_MAX {
            return Err(Problem::Invalid(format!("images: a note has at most {NOTE_IMAGES_MAX}")));
        }
        let image_paths = n.images.iter().map(|p| self.image_path(p)).collect::<Result<Vec<_>, _>>()?;
        if self.resolve(tx, Kind::Note, &n.id).await?.is_some() {
            return Ok(Applied::Already);
        }
        let author = self.resolve(tx, Kind::Actor, &n.author).await?.ok_or_else(|| unknown("author", &n.author))?;
        let author_is_member = self.is_member(tx, author).await?;
        let posted_by = match (&n.posted_by, author_is_member) {
            (Some(by), _) => self.member_id(tx, by).await?,
            (None, true) => author,
            (None, false) => {
                return Err(Problem::Invalid("posted_by: a note of an organization needs its writer".to_owned()));
            }
        };
        if author_is_member && posted_by != author {
            return Err(Problem::Invalid("posted_by: a member's note is written by that member".to_owned()));
        }
        let mut mention_ids = Vec::new();
        for name in parse_mentions(&format!("{title}\n{body}")).into_iter().take(NOTE_MENTIONS_MAX) {
            if let Some(user) = users::get_by_username(tx.conn(), &name).await? {
                mention_ids.push(user.id);
            }
        }
        let mut media_ids = Vec::new();
        for path in image_paths {
            media_ids.push(self.image(tx, "images", &path, posted_by, n.created_at).await?);
        }
        let published = n.published_at.is_some();
        tx.backdate(n.published_at.unwrap_or(n.created_at));
        let content = notes::NoteContent {
            title: &title,
            body: &body,
            location: location.as_deref(),
            visibility: &n.visibility,
            media_ids: &media_ids,
            topics: &topics,
            mention_ids: &mention_ids,
        };
        let id = notes::insert(tx, author, posted_by, &content, published).await?;
        self.remember(tx, Kind::Note, &n.id, id).await?;
        let event = if published {
            DomainEvent::NotePublished { note_id: id, author_id: author }
        } else {
            DomainEvent::NoteDrafted { note_id: id, author_id: author }
        };
        tx.emit(event).await?;
        Ok(Applied::Imported)
    }

    /// An image path inside the dataset directory (no absolute paths, no `..`).
    fn image_path(&self, relative: &str) -> Result<PathBuf, Problem> {
        let path = Path::new(relative);
        if relative.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(Problem::Invalid(format!("images: {relative:?} must be a path inside the dataset")));
        }
        Ok(self.dir.join(path))
    }

    /// Decodes, re-encodes and records an image file of the dataset as `owner`'s upload.
    async fn image(&mut self, tx: &mut Tx, field: &str, path: &Path, owner: Id, at: Timestamp) -> Result<Id, Problem> {
        let bytes = std::fs::read(path).map_err(|e| Problem::Invalid(format!("{field}: {}: {e}", path.display())))?;
        let prepared =
            self.media.prepare(bytes).await.map_err(|e| Problem::Invalid(format!("{field}: {}", e.message)))?;
        tx.backdate(at);
        self.media.record(tx, owner, &prepared).await?;
        let id = prepared.id;
        self.prepared.push(prepared);
        Ok(id)
    }

    async fn note_id(&mut self, tx: &mut Tx, external: &str) -> Result<Id, Problem> {
        self.resolve(tx, Kind::Note, external).await?.ok_or_else(|| unknown("note", external))
    }

    async fn comment(&mut self, tx: &mut Tx, c: &format::Comment) -> Result<Applied, Problem> {
        not_in_future("created_at", c.created_at, &self.db)?;
        let body = bounded_text("body", &c.body, 1, COMMENT_CHARS_MAX, true).map_err(invalid)?;
        if self.resolve(tx, Kind::Comment, &c.id).await?.is_some() {
            return Ok(Applied::Already);
        }
        let note = self.note_id(tx, &c.note).await?;
        let author = self.member_id(tx, &c.author).await?;
        let parent = match &c.parent {
            Some(external) => {
                let parent_id =
                    self.resolve(tx, Kind::Comment, external).await?.ok_or_else(|| unknown("comment", external))?;
                let parent = comments::get(tx.conn(), parent_id).await?.ok_or_else(|| unknown("comment", external))?;
                if parent.note_id != note {
                    return Err(Problem::Invalid("parent: replies must be on the same note".to_owned()));
                }
                Some((parent_id, parent.root_id.unwrap_or(parent_id)))
            }
            None => None,
        };
        tx.backdate(c.created_at);
        let id = comments::insert(tx, note, author, parent, &body).await?;
        self.remember(tx, Kind::Comment, &c.id, id).await?;
        let parent_id = parent.map(|(p, _)| p);
        tx.emit(DomainEvent::CommentAdded {
            comment_id: id,
            note_id: note,
            author_id: author,
            parent_id,
            via_ad: None,
        })
        .await?;
        Ok(Applied::Imported)
    }

    async fn like(&mut self, tx: &mut Tx, e: &format::Engagement) -> Result<Applied, Problem> {
        not_in_future("created_at", e.created_at, &self.db)?;
        let user = self.member_id(tx, &e.member).await?;
        let note = self.note_id(tx, &e.note).await?;
        tx.backdate(e.created_at);
        if !likes::insert(tx, user, note).await? {
            return Ok(Applied::Already);
        }
        tx.emit(DomainEvent::NoteLiked { note_id: note, user_id: user, via_ad: None }).await?;
        Ok(Applied::Imported)
    }

    async fn save(&mut self, tx: &mut Tx, e: &format::Engagement) -> Result<Applied, Problem> {
        not_in_future("created_at", e.created_at, &self.db)?;
        let user = self.member_id(tx, &e.member).await?;
        let note = self.note_id(tx, &e.note).await?;
        if boards::saved_in(tx.conn(), user, note).await?.is_some() {
            return Ok(Applied::Already);
        }
        tx.backdate(e.created_at);
        boards::save(tx, user, note, None).await?;
        tx.emit(DomainEvent::NoteSaved { note_id: note, user_id: user, board_id: None, via_ad: None }).await?;
        Ok(Applied::Imported)
    }

    async fn event(&mut self, tx: &mut Tx, e: &format::BehaviourEvent) -> Result<Applied, Problem> {
        if e.occurred_at > self.db.now().plus_seconds(EVENT_FUTURE_SKEW_SECONDS) {
            return Err(invalid(Error::new(ErrorCode::EventTimeOutOfRange)));
        }
        let id_ok = !e.id.is_empty() && e.id.len() <= carmine_core::limits::CLIENT_EVENT_ID_CHARS_MAX;
        if !id_ok {
            return Err(Problem::Invalid("id: 1–64 characters".to_owned()));
        }
        let kind = *EVENT_KINDS
            .iter()
            .find(|k| **k == e.kind)
            .ok_or_else(|| invalid(Error::new(ErrorCode::UnknownEventKind)))?;
        let surface = *SURFACES
            .iter()
            .find(|s| **s == e.surface)
            .ok_or_else(|| Problem::Invalid(format!("surface: must be one of {}", SURFACES.join(", "))))?;
        if e.position.is_some_and(|p| !(0..=EVENT_POSITION_MAX).contains(&p)) {
            return Err(Problem::Invalid(format!("position: must be 0–{EVENT_POSITION_MAX}")));
        }
        match (kind, e.dwell_ms) {
            ("read", Some(ms)) if (0..=EVENT_DWELL_MS_MAX).contains(&ms) => {}
            ("read", _) => return Err(Problem::Invalid(format!("dwell_ms: a read needs 0–{EVENT_DWELL_MS_MAX}"))),
            (_, Some(_)) => return Err(Problem::Invalid("dwell_ms: only a read has a dwell time".to_owned())),
            _ => {}
        }
        let viewer_key = match &e.viewer {
            Some(viewer) => self.member_id(tx, viewer).await?.as_i64(),
            None => 0,
        };
        let note_id = self.note_id(tx, &e.note).await?;
        let new = behaviour::NewBehaviourEvent {
            viewer_key,
            client_event_id: &e.id,
            kind,
            note_id,
            surface,
            position: e.position,
            dwell_ms: e.dwell_ms,
            occurred_at: e.occurred_at,
            search_id: None,
            ad_id: None,
        };
        tx.backdate(e.occurred_at);
        Ok(if behaviour::insert(tx, &new).await? { Applied::Imported } else { Applied::Already })
    }

    /// An organization's owner: the member whose uploads its store's images are.
    async fn org_owner(&mut self, tx: &mut Tx, org: Id) -> Result<Id, Problem> {
        Ok(orgs::get(tx.conn(), org)
            .await?
            .ok_or_else(|| Problem::Invalid("the organization is gone".to_owned()))?
            .created_by)
    }

    fn money(&self, minor: i64) -> Money {
        Money { amount_minor: minor, currency: self.currency }
    }

    async fn store(&mut self, tx: &mut Tx, s: &format::Store) -> Result<Applied, Problem> {
        not_in_future("created_at", s.created_at, &self.db)?;
        let logo = s.logo.as_deref().map(|p| self.image_path(p)).transpose()?;
        let banner = s.banner.as_deref().map(|p| self.image_path(p)).transpose()?;
        if self.resolve(tx, Kind::Store, &s.id).await?.is_some() {
            return Ok(Applied::Already);
        }
        let org = self
            .resolve(tx, Kind::Actor, &s.organization)
            .await?
            .ok_or_else(|| unknown("organization", &s.organization))?;
        if self.is_member(tx, org).await? {
            return Err(Problem::Invalid(format!("organization: {:?} is a member", s.organization)));
        }
        let owner = self.org_owner(tx, org).await?;
        let templates = s
            .shipping_templates
            .iter()
            .map(|t| TemplateInput {
                name: t.name.clone(),
                default_fee: self.money(t.default_fee),
                free_over: t.free_over.map(|m| self.money(m)),
                fees: t.fees.iter().map(|(region, fee)| (region.clone(), fee.map(|m| self.money(m)))).collect(),
                make_default: false,
            })
            .collect();
        let logo = match logo {
            Some(path) => Some(self.image(tx, "logo", &path, owner, s.created_at).await?),
            None => None,
        };
        let banner = match banner {
            Some(path) => Some(self.image(tx, "banner", &path, owner, s.created_at).await?),
            None => None,
        };
        let input = StoreImport {
            settings: StoreInput {
                name: Some(s.name.clone()),
                description: Some(s.description.clone()),
                store_type: Some(s.store_type.clone()),
                logo_media_id: Some(logo),
                banner_media_id: Some(banner),
                return_days: Some(s.return_days),
                return_policy: Some(s.return_policy.clone()),
            },
            templates,
            default_template: s.default_template,
            warehouses: s.warehouses.clone(),
            suspended: s.suspended.clone(),
        };
        tx.backdate(s.created_at);
        let id = imported::import_store(tx, self.currency, org, owner, &input).await.map_err(problem)?;
        self.remember(tx, Kind::Store, &s.id, id).await?;
        Ok(Applied::Imported)
    }

    async fn product(&mut self, tx: &mut Tx, p: &format::Product) -> Result<Applied, Problem> {
        not_in_future("created_at", p.created_at, &self.db)?;
        if p.images.len() > PRODUCT_IMAGES_MAX {
            return Err(Problem::Invalid(format!("images: a product has at most {PRODUCT_IMAGES_MAX}")));
        }
        if let Some(currency) = &p.currency
            && currency != self.currency.as_str()
        {
            return Err(Problem::Invalid(format!(
                "currency: prices are in this instance's {}, not {currency}",
                self.currency.as_str()
            )));
        }
        let category = p
            .category
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Id::from_i64)
            .ok_or_else(|| Problem::Invalid(format!("category: {:?} is not a category id", p.category)))?;
        let image_paths = p.images.iter().map(|i| self.image_path(i)).collect::<Result<Vec<_>, _>>()?;
        let certificate_path = match p.cross_border.as_ref().and_then(|c| c.certificate.as_deref()) {
            Some(path) => Some(self.image_path(path)?),
            None => None,
        };
        if self.resolve(tx, Kind::Product, &p.id).await?.is_some() {
            return Ok(Applied::Already);
        }
        let store_id = self.resolve(tx, Kind::Store, &p.store).await?.ok_or_else(|| unknown("store", &p.store))?;
        let store = stores::get(tx.conn(), store_id).await?.ok_or_else(|| unknown("store", &p.store))?;
        let owner = self.org_owner(tx, store.org_id).await?;
        let shipping_template_id =
            match p.shipping_template {
                Some(index) => {
                    Some(stores::templates(tx.conn(), store_id).await?.get(index).map(|t| t.id).ok_or_else(|| {
                        Problem::Invalid(format!("shipping_template: the store has no template {index}"))
                    })?)
                }
                None => None,
            };
        let warehouses = stores::warehouses(tx.conn(), store_id).await?;
        let mut stock = Vec::new();
        for variant in &p.variants {
            if variant.stock.len() > warehouses.len() {
                return Err(Problem::Invalid(format!("stock: the store has {} warehouses", warehouses.len())));
            }
            for (warehouse, units) in warehouses.iter().zip(&variant.stock) {
                stock.push((variant.options.clone(), warehouse.id, *units));
            }
        }
        let mut media_ids = Vec::with_capacity(image_paths.len());
        for path in &image_paths {
            media_ids.push(self.image(tx, "images", path, owner, p.created_at).await?);
        }
        let certificate_media_id = match certificate_path {
            Some(path) => Some(self.image(tx, "certificate", &path, owner, p.created_at).await?),
            None => None,
        };
        let input = ProductInput {
            category_id: category,
            title: p.title.clone(),
            description: p.description.clone(),
            brand: p.brand.clone(),
            attributes: p.attributes.iter().map(|[name, value]| (name.clone(), value.clone())).collect(),
            options: p
                .options
                .iter()
                .map(|o| ProductOption { name: o.name.clone(), values: o.values.clone() })
                .collect(),
            variants: p
                .variants
                .iter()
                .map(|v| VariantInput {
                    id: None,
                    options: v.options.clone(),
                    code: v.code.clone(),
                    price: self.money(v.price),
                    compare_at: v.compare_at.map(|m| self.money(m)),
                    weight_grams: v.weight_grams,
                })
                .collect(),
            media_ids,
            status: p.status.clone(),
            returnable: p.returnable,
            shipping_template_id,
            affiliate_bps: p.affiliate_bps,
            cross_border: p.cross_border.as_ref().map(|c| CrossBorderInput {
                origin_country: c.origin_country.clone(),
                trade_mode: c.trade_mode.clone(),
                warehouse_code: c.warehouse_code.clone(),
                hs_code: c.hs_code.clone(),
                declared_value: c.declared_value.map(|m| self.money(m)),
                certificate_media_id,
            }),
        };
        let certificate_status = p.cross_border.as_ref().and_then(|c| c.certificate_status.as_deref());
        tx.backdate(p.created_at);
        let id = imported::import_product(tx, self.currency, store_id, owner, &input, &stock, certificate_status)
            .await
            .map_err(problem)?;
        self.remember(tx, Kind::Product, &p.id, id).await?;
        Ok(Applied::Imported)
    }

    async fn product_tags(&mut self, tx: &mut Tx, t: &format::ProductTags) -> Result<Applied, Problem> {
        not_in_future("created_at", t.created_at, &self.db)?;
        let note_id = self.note_id(tx, &t.note).await?;
        let note = notes::get(tx.conn(), note_id).await?.ok_or_else(|| unknown("note", &t.note))?;
        if !product_tags::for_note(tx.conn(), note_id).await?.is_empty() {
            return Ok(Applied::Already);
        }
        let images = carmine_store::media::for_note(tx.conn(), note_id).await?;
        let mut tags = Vec::with_capacity(t.tags.len());
        for tag in &t.tags {
            let product_id =
                self.resolve(tx, Kind::Product, &tag.product).await?.ok_or_else(|| unknown("product", &tag.product))?;
            let pin = match &tag.pin {
                Some(pin) => {
                    let image = images.get(pin.image).ok_or_else(|| {
                        Problem::Invalid(format!("tags: the note has no image {} to pin on", pin.image))
                    })?;
                    Some((image.id, pin.x, pin.y))
                }
                None => None,
            };
            tags.push(TagInput { product_id, pin });
        }
        tx.backdate(t.created_at);
        imported::import_tags(tx, note_id, note.author_id, note.posted_by, &tags).await.map_err(problem)?;
        Ok(Applied::Imported)
    }
    async fn order(&mut self, tx: &mut Tx, o: &format::Order) -> Result<Applied, Problem> {
        not_in_future("placed_at", o.placed_at, &self.db)?;
        if let Some(at) = o.settled_at {
            not_in_future("settled_at", at, &self.db)?;
        }
        for line in &o.lines {
            if let Some(review) = &line.review {
                not_in_future("review.created_at", review.created_at, &self.db)?;
            }
        }
        if self.resolve(tx, Kind::Order, &o.id).await?.is_some() {
            return Ok(Applied::Already);
        }
        let buyer = self.member_id(tx, &o.buyer).await?;
        let store_id = self.resolve(tx, Kind::Store, &o.store).await?.ok_or_else(|| unknown("store", &o.store))?;
        let mut lines = Vec::with_capacity(o.lines.len());
        for line in &o.lines {
            let product_id = self
                .resolve(tx, Kind::Product, &line.product)
                .await?
                .ok_or_else(|| unknown("product", &line.product))?;
            let note_id = match &line.note {
                Some(note) => Some(self.note_id(tx, note).await?),
                None => None,
            };
            lines.push(LineImport {
                product_id,
                sku_code: line.variant.clone(),
                quantity: line.quantity,
                unit_price_minor: line.unit_price,
                discount_minor: line.discount,
                note_id,
                review: line.review.as_ref().map(|r| ReviewImport {
                    rating: r.rating,
                    body: r.body.clone(),
                    created_at: r.created_at,
                }),
            });
        }
        let input = OrderImport {
            buyer,
            store_id,
            status: o.status.clone(),
            address: AddressInput {
                recipient: o.address.recipient.clone(),
                phone: o.address.phone.clone(),
                region: o.address.region.clone(),
                detail: o.address.detail.clone(),
                is_default: false,
            },
            lines,
            shipping_minor: o.shipping,
            shipment: match (&o.carrier, &o.tracking_no) {
                (Some(carrier), Some(tracking)) => Some((carrier.clone(), tracking.clone())),
                (None, None) => None,
                _ => return Err(Problem::Invalid("carrier and tracking_no: both or neither".to_owned())),
            },
            placed_at: o.placed_at,
            paid_at: o.paid_at,
            shipped_at: o.shipped_at,
            received_at: o.received_at,
            settled_at: o.settled_at,
        };
        let id = carmine_orders::imported::import_order(tx, self.currency, &input).await.map_err(problem)?;
        self.remember(tx, Kind::Order, &o.id, id).await?;
        Ok(Applied::Imported)
    }
}

fn not_in_future(field: &str, at: Timestamp, db: &Db) -> Result<(), Problem> {
    if at > db.now().plus_seconds(EVENT_FUTURE_SKEW_SECONDS) {
        return Err(Problem::Invalid(format!("{field}: {} is in the future", at.to_rfc3339())));
    }
    Ok(())
}

//! Writing and reading notes.

use std::collections::HashSet;

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{
    LOCATION_CHARS_MAX, NOTE_BODY_CHARS_MAX, NOTE_IMAGES_MAX, NOTE_MENTIONS_MAX, NOTE_TITLE_CHARS_MAX, NOTE_TOPICS_MAX,
};
use carmine_core::text::{bounded_text, normalize_topic, parse_mentions, parse_topics};
use carmine_core::{Error, ErrorCode, FieldRule, Id, Result, Timestamp};
use carmine_store::media::{self, MediaRecord};
use carmine_store::notes::{self, AuthorView, NoteContent, NoteRecord, Position};
use carmine_store::{Conn, follows, users};

use crate::{Notes, can_see};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Followers,
    Private,
}

impl Visibility {
    pub fn parse(raw: &str) -> Result<Visibility> {
        match raw {
            "public" => Ok(Visibility::Public),
            "followers" => Ok(Visibility::Followers),
            "private" => Ok(Visibility::Private),
            _ => Err(Error::invalid_field("visibility", "must be one of public, followers, private")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Followers => "followers",
            Visibility::Private => "private",
        }
    }
}

/// A new note as a client describes it.
#[derive(Clone, Debug)]
pub struct NoteInput {
    /// Post as this organization (the caller needs a role that may act for it);
    /// `None` posts as the caller.
    pub author: Option<String>,
    pub title: String,
    pub body: String,
    pub location: Option<String>,
    pub visibility: Visibility,
    /// Explicit topics, besides the `#topics` in the text.
    pub topics: Vec<String>,
    /// Images in order; the first is the cover. 1–18 to publish.
    pub media_ids: Vec<Id>,
    /// `false` saves a draft.
    pub publish: bool,
    /// With `publish: false`: the draft publishes itself at this time.
    pub publish_at: Option<Timestamp>,
}

/// A change to a note: `None` keeps a field as it is.
#[derive(Clone, Debug, Default)]
pub struct NoteChange {
    pub title: Option<String>,
    pub body: Option<String>,
    /// `Some("")` removes the location.
    pub location: Option<String>,
    pub visibility: Option<Visibility>,
    pub topics: Option<Vec<String>>,
    pub media_ids: Option<Vec<Id>>,
    /// `Some(true)` publishes a draft; a published note cannot become a draft again.
    pub publish: Option<bool>,
    /// `Some(Some(t))` schedules a draft (or moves its schedule); `Some(None)` unschedules it.
    pub publish_at: Option<Option<Timestamp>>,
}

/// A note with everything its page shows.
#[derive(Clone, Debug)]
pub struct NoteDetail {
    pub note: NoteRecord,
    pub media: Vec<MediaRecord>,
    pub topics: Vec<String>,
    pub mentions: Vec<String>,
    /// The viewer writes for the author (may edit and delete).
    pub editable: bool,
}

/// A page of notes and where the next one starts.
#[derive(Clone, Debug)]
pub struct NotePage {
    pub notes: Vec<NoteRecord>,
    pub next: Option<Position>,
}

struct Validated {
    title: String,
    body: String,
    location: Option<String>,
    visibility: Visibility,
    topics: Vec<String>,
    media_ids: Vec<Id>,
}

impl Notes {
    pub async fn create(&self, caller: &Caller, input: &NoteInput) -> Result<NoteDetail> {
        let author_id = match input.author.as_deref() {
            Some(handle) if !handle.eq_ignore_ascii_case(&caller.username) => {
                self.accounts.authorize_org(caller, handle, OrgAction::ActAsOrg).await?.org.id
            }
            _ => caller.user_id,
        };
        if input.publish && input.publish_at.is_some() {
            return Err(Error::invalid_field("publish_at", "a note published now cannot also be scheduled"));
        }
        if let Some(at) = input.publish_at {
            crate::scheduling::check_publish_at(self.db.now(), at)?;
        }
        let will_publish = input.publish || input.publish_at.is_some();
        if will_publish {
            self.throttle(&self.note_limiter, caller.user_id)?;
        }
        let mut tx = self.db.begin().await?;
        let valid = validate(
            tx.conn(),
            caller,
            &[],
            &Validated {
                title: input.title.clone(),
                body: input.body.clone(),
                location: input.location.clone(),
                visibility: input.visibility,
                topics: input.topics.clone(),
                media_ids: input.media_ids.clone(),
            },
            will_publish,
        )
        .await?;
        let mention_ids = mention_ids(tx.conn(), &valid).await?;
        crate::safety::ensure_mentionable(tx.conn(), caller.user_id, &mention_ids).await?;
        let content = content(&valid, &mention_ids);
        let id = notes::insert(&mut tx, author_id, caller.user_id, &content, input.publish).await?;
        if input.publish {
            crate::notifications::notify_mentions(&mut tx, caller.user_id, &mention_ids, id, None).await?;
        }
        let event = if input.publish {
            DomainEvent::NotePublished { note_id: id, author_id }
        } else {
            DomainEvent::NoteDrafted { note_id: id, author_id }
        };
        tx.emit(event).await?;
        if let Some(at) = input.publish_at {
            crate::scheduling::schedule(&mut tx, id, author_id, at).await?;
        }
        let detail = detail(tx.conn(), id, true).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// A note the viewer may see; anything else is `note_not_found`.
    pub async fn get(&self, viewer: Option<&Caller>, id: Id) -> Result<NoteDetail> {
        let note = notes::get(&mut *self.db.reader().await?, id).await?.ok_or_else(not_found)?;
        let insider = self.is_insider(viewer, &note).await?;
        let follower = self.follows(viewer, note.author_id).await?;
        // Administrators see any note, to moderate it; they do not write for it.
        let admin = viewer.is_some_and(|v| v.is_admin);
        if !can_see(&note, follower, insider) && !admin {
            return Err(not_found());
        }
        detail_of(&mut *self.db.reader().await?, note, insider).await
    }

    pub async fn update(&self, caller: &Caller, id: Id, change: &NoteChange) -> Result<NoteDetail> {
        let current = self.writable(caller, id).await?;
        let publish = match change.publish {
            Some(false) if current.status == "published" => {
                return Err(Error::invalid_field("publish", "a published note cannot go back to draft"));
            }
            Some(publish) => publish && current.status == "draft",
            None => false,
        };
        let schedule = match change.publish_at {
            Some(Some(_)) if publish => {
                return Err(Error::invalid_field("publish_at", "a note published now cannot also be scheduled"));
            }
            Some(Some(_)) if current.status == "published" => {
                return Err(Error::invalid_field("publish_at", "the note is already published"));
            }
            Some(Some(at)) => {
                crate::scheduling::check_publish_at(self.db.now(), at)?;
                Some(Some(at))
            }
            other => other,
        };
        let mut tx = self.db.begin().await?;
        let existing_media: Vec<Id> = notes::media(tx.conn(), id).await?.iter().map(|m| m.id).collect();
        let merged = Validated {
            title: change.title.clone().unwrap_or(current.title.clone()),
            body: change.body.clone().unwrap_or(current.body.clone()),
            location: match &change.location {
                Some(location) => Some(location.clone()).filter(|l| !l.trim().is_empty()),
                None => current.location.clone(),
            },
            visibility: change.visibility.unwrap_or(Visibility::parse(&current.visibility)?),
            topics: match &change.topics {
                Some(topics) => topics.clone(),
                None => notes::topics(tx.conn(), id).await?,
            },
            media_ids: change.media_ids.clone().unwrap_or_else(|| existing_media.clone()),
        };
        let stays_scheduled = current.publish_at.is_some() && schedule != Some(None);
        let will_be_published =
            publish || current.status == "published" || matches!(schedule, Some(Some(_))) || stays_scheduled;
        let valid = validate(tx.conn(), caller, &existing_media, &merged, will_be_published).await?;
        let mention_ids = mention_ids(tx.conn(), &valid).await?;
        crate::safety::ensure_mentionable(tx.conn(), caller.user_id, &mention_ids).await?;
        notes::update(&mut tx, id, &content(&valid, &mention_ids), publish).await?;
        if publish {
            crate::notifications::notify_mentions(&mut tx, caller.user_id, &mention_ids, id, None).await?;
        }
        let event = if publish {
            DomainEvent::NotePublished { note_id: id, author_id: current.author_id }
        } else {
            DomainEvent::NoteUpdated { note_id: id, author_id: current.author_id }
        };
        tx.emit(event).await?;
        match schedule {
            Some(Some(at)) => crate::scheduling::schedule(&mut tx, id, current.author_id, at).await?,
            Some(None) => {
                crate::scheduling::unschedule(&mut tx, id, current.author_id, current.publish_at.is_some()).await?;
            }
            None if publish && current.publish_at.is_some() => {
                // Published by hand before its time: the schedule has nothing left to do.
                crate::scheduling::unschedule(&mut tx, id, current.author_id, false).await?;
            }
            None => {}
        }
        let detail = detail(tx.conn(), id, true).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Deletes a note (a tombstone stays, so nothing can resurrect it).
    pub async fn delete(&self, caller: &Caller, id: Id) -> Result<()> {
        let note = self.writable(caller, id).await?;
        let mut tx = self.db.begin().await?;
        if notes::tombstone(&mut tx, id).await? {
            carmine_store::jobs::cancel(&mut tx, crate::scheduling::PUBLISH_JOB, &id.to_string()).await?;
            tx.emit(DomainEvent::NoteDeleted { note_id: id, author_id: note.author_id }).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Erases what a member wrote, inside the erasure's transaction: every note they
    /// wrote as themselves (tombstoned, images no longer served), every comment
    /// (tombstoned, counters kept exact), every board (names purged), and every image
    /// they uploaded. Each removal is an event, so search and the feed drop it too.
    /// Notes posted for an organization stay: they are the organization's.
    pub async fn erase_member_content(&self, tx: &mut carmine_store::Tx, member: Id) -> Result<ErasedContent> {
        let mut erased = ErasedContent::default();
        for note_id in notes::ids_by_author(tx.conn(), member).await? {
            if notes::tombstone(tx, note_id).await? {
                carmine_store::jobs::cancel(tx, crate::scheduling::PUBLISH_JOB, &note_id.to_string()).await?;
                tx.emit(DomainEvent::NoteDeleted { note_id, author_id: member }).await?;
                erased.notes += 1;
            }
        }
        for (comment_id, note_id) in carmine_store::comments::live_by_author(tx.conn(), member).await? {
            if carmine_store::comments::tombstone(tx, comment_id, note_id).await? {
                tx.emit(DomainEvent::CommentDeleted { comment_id, note_id }).await?;
                erased.comments += 1;
            }
        }
        erased.boards = carmine_store::boards::erase_for_owner(tx, member).await?;
        erased.images = media::delete_for_owner(tx, member).await?;
        Ok(erased)
    }

    /// The newest public notes (the home page while the feed's index warms up), without those of
    /// members the viewer blocked, muted or was blocked by.
    pub async fn latest(&self, viewer: Option<&Caller>, before: Option<Position>, limit: u32) -> Result<NotePage> {
        let mut conn = self.db.reader().await?;
        let notes = notes::list_public(&mut conn, before, limit + 1).await?;
        let page = page(notes, limit, |n| n.published_at.map_or(0, |t| t.micros()));
        self.without_hidden(&mut conn, viewer, page).await
    }

    /// The newest notes of the actors the caller follows.
    pub async fn following(&self, caller: &Caller, before: Option<Position>, limit: u32) -> Result<NotePage> {
        let mut conn = self.db.reader().await?;
        let notes = notes::list_following(&mut conn, caller.user_id, before, limit + 1).await?;
        let page = page(notes, limit, |n| n.published_at.map_or(0, |t| t.micros()));
        self.without_hidden(&mut conn, Some(caller), page).await
    }

    /// Drops notes by members hidden from the viewer (the page's position is kept,
    /// so paging goes on from where the store stopped).
    async fn without_hidden(&self, conn: &mut Conn, viewer: Option<&Caller>, mut page: NotePage) -> Result<NotePage> {
        if let Some(viewer) = viewer {
            let hidden = crate::safety::hidden_authors(conn, viewer.user_id).await?;
            if !hidden.is_empty() {
                page.notes.retain(|n| !hidden.contains(&n.posted_by) && !hidden.contains(&n.author_id));
            }
        }
        Ok(page)
    }

    /// An actor's notes as the viewer may see them (insiders see drafts too).
    pub async fn by_author(
        &self,
        viewer: Option<&Caller>,
        author: &carmine_store::actors::ActorRecord,
        before: Option<Position>,
        limit: u32,
    ) -> Result<NotePage> {
        let insider = self.is_insider_of(viewer, author.id, &author.kind, &author.handle).await?;
        let follower = self.follows(viewer, author.id).await?;
        let view = AuthorView { follower, insider };
        let notes = notes::list_by_author(&mut *self.db.reader().await?, author.id, view, before, limit + 1).await?;
        Ok(page(notes, limit, |n| n.published_at.unwrap_or(n.created_at).micros()))
    }

    /// Likes and saves the author's published notes received, in total.
    pub async fn received_engagement(&self, author_id: Id) -> Result<(i64, i64)> {
        Ok(notes::received_engagement(&mut *self.db.reader().await?, author_id).await?)
    }

    /// The notes the caller liked that they may still see, most recent like first, and
    /// the like time to continue from when there are more.
    pub async fn liked_notes(
        &self,
        caller: &Caller,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<NoteRecord>, Option<i64>)> {
        let likes =
            carmine_store::likes::liked_by(&mut *self.db.reader().await?, caller.user_id, before, limit + 1).await?;
        let more = likes.len() > limit as usize;
        let shown = &likes[..likes.len().min(limit as usize)];
        let ids: Vec<Id> = shown.iter().map(|(id, _)| *id).collect();
        let next = if more { shown.last().map(|(_, at)| *at) } else { None };
        Ok((self.visible_records(Some(caller), &ids).await?, next))
    }

    /// Which of `ids` are published notes the viewer may see.
    pub async fn published_and_visible(&self, viewer: Option<&Caller>, ids: &[Id]) -> Result<HashSet<Id>> {
        Ok(self.visible_records(viewer, ids).await?.into_iter().map(|n| n.id).collect())
    }

    /// The published notes among `ids` the viewer may see, in the order given: one
    /// read per note, the follower and organization checks only for notes that are
    /// not public, and none by members hidden from the viewer (blocked, muted).
    pub async fn visible_records(&self, viewer: Option<&Caller>, ids: &[Id]) -> Result<Vec<NoteRecord>> {
        let mut records = Vec::with_capacity(ids.len());
        let hidden = {
            let mut conn = self.db.reader().await?;
            for &id in ids {
                records.extend(notes::get(&mut conn, id).await?);
            }
            match viewer {
                Some(viewer) => crate::safety::hidden_authors(&mut conn, viewer.user_id).await?,
                None => HashSet::new(),
            }
        };
        let mut visible = Vec::new();
        for note in records {
            if note.status != "published" || hidden.contains(&note.posted_by) || hidden.contains(&note.author_id) {
                continue;
            }
            let seen = can_see(&note, false, false) || {
                let insider = self.is_insider(viewer, &note).await?;
                can_see(&note, self.follows(viewer, note.author_id).await?, insider)
            };
            if seen {
                visible.push(note);
            }
        }
        Ok(visible)
    }

    /// A published note the caller may see: the target of likes and comments.
    pub(crate) async fn engageable(&self, caller: &Caller, id: Id) -> Result<NoteDetail> {
        let detail = self.get(Some(caller), id).await?;
        if detail.note.status != "published" {
            return Err(Error::new(ErrorCode::NoteNotPublished));
        }
        Ok(detail)
    }

    /// The note, if the caller may change it: 404 when they may not see it, 403 when
    /// they may see it but do not write for its author.
    pub async fn writable(&self, caller: &Caller, id: Id) -> Result<NoteRecord> {
        let note = notes::get(&mut *self.db.reader().await?, id).await?.ok_or_else(not_found)?;
        if self.is_insider(Some(caller), &note).await? {
            return Ok(note);
        }
        let follower = self.follows(Some(caller), note.author_id).await?;
        Err(if can_see(&note, follower, false) { Error::new(ErrorCode::Forbidden) } else { not_found() })
    }

    /// The note, if the caller may read its statistics: its member author, or a member
    /// of its organization whose role may read analytics. 404 when they may not see
    /// the note, 403 when they may see it but not its statistics.
    pub async fn analytics_access(&self, caller: &Caller, id: Id) -> Result<NoteRecord> {
        let note = notes::get(&mut *self.db.reader().await?, id).await?.ok_or_else(not_found)?;
        if note.author_id == caller.user_id {
            return Ok(note);
        }
        if note.author_kind == "org" {
            match self.accounts.authorize_org(caller, &note.author_handle, OrgAction::ReadAnalytics).await {
                Ok(_) => return Ok(note),
                Err(e) if matches!(e.code, ErrorCode::OrgNotFound | ErrorCode::RoleTooLow) => {}
                Err(e) => return Err(e),
            }
        }
        let follower = self.follows(Some(caller), note.author_id).await?;
        Err(if can_see(&note, follower, false) { Error::new(ErrorCode::Forbidden) } else { not_found() })
    }

    async fn is_insider(&self, viewer: Option<&Caller>, note: &NoteRecord) -> Result<bool> {
        self.is_insider_of(viewer, note.author_id, &note.author_kind, &note.author_handle).await
    }

    async fn is_insider_of(&self, viewer: Option<&Caller>, author_id: Id, kind: &str, handle: &str) -> Result<bool> {
        let Some(viewer) = viewer else { return Ok(false) };
        if author_id == viewer.user_id {
            return Ok(true);
        }
        if kind != "org" {
            return Ok(false);
        }
        match self.accounts.authorize_org(viewer, handle, OrgAction::ActAsOrg).await {
            Ok(_) => Ok(true),
            Err(e) if matches!(e.code, ErrorCode::OrgNotFound | ErrorCode::RoleTooLow) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn follows(&self, viewer: Option<&Caller>, author_id: Id) -> Result<bool> {
        match viewer {
            Some(viewer) => Ok(follows::exists(&mut *self.db.reader().await?, viewer.user_id, author_id).await?),
            None => Ok(false),
        }
    }
}

fn not_found() -> Error {
    Error::new(ErrorCode::NoteNotFound)
}

fn page(mut notes: Vec<NoteRecord>, limit: u32, at: impl Fn(&NoteRecord) -> i64) -> NotePage {
    let more = notes.len() > limit as usize;
    notes.truncate(limit as usize);
    let next = if more { notes.last().map(|n| (at(n), n.id.as_i64())) } else { None };
    NotePage { notes, next }
}

/// A note just written, read back inside its transaction.
async fn detail(conn: &mut Conn, id: Id, editable: bool) -> Result<NoteDetail> {
    let note = notes::get(conn, id).await?.ok_or_else(not_found)?;
    detail_of(conn, note, editable).await
}

/// Everything a note's page shows, around a note already read.
async fn detail_of(conn: &mut Conn, note: NoteRecord, editable: bool) -> Result<NoteDetail> {
    Ok(NoteDetail {
        media: notes::media(conn, note.id).await?,
        topics: notes::topics(conn, note.id).await?,
        mentions: notes::mentions(conn, note.id).await?,
        note,
        editable,
    })
}

/// Checks a note's content. Images must be the caller's own uploads, except those
/// already on the note (a colleague may edit an organization's note).
async fn validate(
    conn: &mut Conn,
    caller: &Caller,
    attached: &[Id],
    input: &Validated,
    publishing: bool,
) -> Result<Validated> {
    let title = bounded_text("title", &input.title, 0, NOTE_TITLE_CHARS_MAX, false)?;
    let body = bounded_text("body", &input.body, 0, NOTE_BODY_CHARS_MAX, true)?;
    if publishing && title.is_empty() && body.is_empty() {
        return Err(Error::invalid_field("title", "a published note needs a title or a text"));
    }
    let location = match &input.location {
        Some(location) => Some(bounded_text("location", location, 1, LOCATION_CHARS_MAX, false)?),
        None => None,
    };
    if input.media_ids.len() > NOTE_IMAGES_MAX {
        return Err(Error::broke_rule("media_ids", FieldRule::TooMany(NOTE_IMAGES_MAX)));
    }
    if publishing && input.media_ids.is_empty() {
        return Err(Error::broke_rule("media_ids", FieldRule::Empty));
    }
    for (index, media_id) in input.media_ids.iter().enumerate() {
        if input.media_ids[..index].contains(media_id) {
            return Err(Error::invalid_field("media_ids", "an image appears twice"));
        }
        let usable = attached.contains(media_id)
            || media::get(conn, *media_id).await?.is_some_and(|m| m.owner_id == caller.user_id);
        if !usable {
            return Err(Error::invalid_field("media_ids", format!("{media_id} is not an image you uploaded")));
        }
    }
    let mut topics = Vec::new();
    for raw in &input.topics {
        let topic =
            normalize_topic(raw).ok_or_else(|| Error::invalid_field("topics", format!("{raw:?} is not a topic")))?;
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    if topics.len() > NOTE_TOPICS_MAX {
        return Err(Error::broke_rule("topics", FieldRule::TooMany(NOTE_TOPICS_MAX)));
    }
    for topic in parse_topics(&format!("{title}\n{body}")) {
        if topics.len() < NOTE_TOPICS_MAX && !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    Ok(Validated { title, body, location, visibility: input.visibility, topics, media_ids: input.media_ids.clone() })
}

/// Live members mentioned in the text (unknown names are plain text), at most
/// [`NOTE_MENTIONS_MAX`].
async fn mention_ids(conn: &mut Conn, valid: &Validated) -> Result<Vec<Id>> {
    let mut ids = Vec::new();
    for name in parse_mentions(&format!("{}\n{}", valid.title, valid.body)).into_iter().take(NOTE_MENTIONS_MAX) {
        if let Some(user) = users::get_by_username(conn, &name).await? {
            ids.push(user.id);
        }
    }
    Ok(ids)
}

fn content<'a>(valid: &'a Validated, mention_ids: &'a [Id]) -> NoteContent<'a> {
    NoteContent {
        title: &valid.title,
        body: &valid.body,
        location: valid.location.as_deref(),
        visibility: valid.visibility.as_str(),
        media_ids: &valid.media_ids,
        topics: &valid.topics,
        mention_ids,
    }
}

/// What an erasure removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErasedContent {
    pub notes: u64,
    pub comments: u64,
    pub boards: u64,
    pub images: u64,
}

//! Behaviour events from clients: validated one by one, deduplicated by the
//! viewer's client event id, and written together in one transaction.
//!
//! Each event gets its own outcome (accepted, duplicate, or an error with a stable
//! code); a rejected event writes nothing and does not stop the others. Whole-batch
//! limits (size, rate) are the caller's to enforce before this runs.

use std::collections::HashSet;

use carmine_accounts::Caller;
use carmine_core::limits::{
    BEHAVIOUR_BATCH_MAX, CLIENT_EVENT_ID_CHARS_MAX, EVENT_AGE_SECONDS_MAX, EVENT_DWELL_MS_MAX,
    EVENT_FUTURE_SKEW_SECONDS, EVENT_POSITION_MAX,
};
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_notes::Notes;
use carmine_store::Db;
use carmine_store::behaviour::{self, NewBehaviourEvent};

/// The kinds of behaviour a client reports.
pub const EVENT_KINDS: &[&str] = &["impression", "read", "click", "share"];

/// Where on the site the note was shown.
pub const SURFACES: &[&str] = &["home", "following", "note", "profile", "board", "search", "notifications", "other"];

/// One event as a client sent it (fields still unchecked).
#[derive(Clone, Debug, Default)]
pub struct ClientEvent {
    /// Unique per viewer; resending it is harmless.
    pub client_event_id: String,
    pub kind: String,
    pub note_id: String,
    pub surface: String,
    /// The card's place in the list (impressions, clicks), from 0.
    pub position: Option<i64>,
    /// How long the note was read, in milliseconds (reads only, required there).
    pub dwell_ms: Option<i64>,
    /// When it happened; the server's time when absent.
    pub occurred_at: Option<Timestamp>,
    /// The search whose results it happened on (surface `search` only).
    pub search_id: Option<String>,
    /// The ad whose sponsored card brought the viewer to the note: set by the server
    /// from the ad token the request carried, never taken from the client's word.
    pub ad_id: Option<Id>,
}

#[derive(Debug)]
pub enum EventOutcome {
    Accepted,
    /// Already received from this viewer (or earlier in the same batch).
    Duplicate,
    Rejected(Error),
}

/// Takes behaviour events in. Cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    db: Db,
    notes: Notes,
}

struct Checked<'a> {
    event: &'a ClientEvent,
    kind: &'static str,
    note_id: Id,
    surface: &'static str,
    occurred_at: Timestamp,
    search_id: Option<Id>,
}

impl Ingest {
    pub fn new(db: Db, notes: Notes) -> Ingest {
        Ingest { db, notes }
    }

    /// Validates and stores a batch; one outcome per event, in order.
    pub async fn ingest(&self, viewer: Option<&Caller>, events: &[ClientEvent]) -> Result<Vec<EventOutcome>, Error> {
        if events.len() > BEHAVIOUR_BATCH_MAX {
            return Err(Error::new(ErrorCode::BatchTooLarge)
                .with_details(serde_json::json!({ "max": BEHAVIOUR_BATCH_MAX, "got": events.len() })));
        }
        let now = self.db.now();
        let mut outcomes: Vec<Option<EventOutcome>> = events.iter().map(|_| None).collect();
        let mut checked = Vec::new();
        for (index, event) in events.iter().enumerate() {
            match check(event, now) {
                Ok(valid) => checked.push((index, valid)),
                Err(e) => outcomes[index] = Some(EventOutcome::Rejected(e)),
            }
        }
        let mut note_ids: Vec<Id> = checked.iter().map(|(_, c)| c.note_id).collect();
        note_ids.sort_unstable();
        note_ids.dedup();
        let visible = self.notes.published_and_visible(viewer, &note_ids).await?;
        let viewer_key = viewer.map_or(0, |v| v.user_id.as_i64());
        let mut seen_ids = HashSet::new();
        let mut tx = self.db.begin().await?;
        for (index, valid) in checked {
            let outcome = if !visible.contains(&valid.note_id) {
                EventOutcome::Rejected(Error::new(ErrorCode::NoteNotFound))
            } else if !seen_ids.insert(valid.event.client_event_id.as_str()) {
                EventOutcome::Duplicate
            } else {
                let new = NewBehaviourEvent {
                    viewer_key,
                    client_event_id: &valid.event.client_event_id,
                    kind: valid.kind,
                    note_id: valid.note_id,
                    surface: valid.surface,
                    position: valid.event.position,
                    dwell_ms: valid.event.dwell_ms,
                    occurred_at: valid.occurred_at,
                    search_id: valid.search_id,
                    ad_id: valid.event.ad_id,
                };
                if behaviour::insert(&mut tx, &new).await? { EventOutcome::Accepted } else { EventOutcome::Duplicate }
            };
            outcomes[index] = Some(outcome);
        }
        tx.commit().await?;
        Ok(outcomes.into_iter().map(|o| o.expect("every event has an outcome")).collect())
    }
}

fn check(event: &ClientEvent, now: Timestamp) -> Result<Checked<'_>, Error> {
    let id = &event.client_event_id;
    let id_ok = !id.is_empty()
        && id.len() <= CLIENT_EVENT_ID_CHARS_MAX
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if !id_ok {
        return Err(Error::invalid_field(
            "client_event_id",
            format!("1–{CLIENT_EVENT_ID_CHARS_MAX} letters, digits or - _ . :"),
        ));
    }
    let kind =
        *EVENT_KINDS.iter().find(|k| **k == event.kind).ok_or_else(|| Error::new(ErrorCode::UnknownEventKind))?;
    let surface = *SURFACES
        .iter()
        .find(|s| **s == event.surface)
        .ok_or_else(|| Error::invalid_field("surface", format!("must be one of {}", SURFACES.join(", "))))?;
    let note_id = event.note_id.parse::<Id>().map_err(|_| Error::new(ErrorCode::NoteNotFound))?;
    if event.position.is_some_and(|p| !(0..=EVENT_POSITION_MAX).contains(&p)) {
        return Err(Error::invalid_field("position", format!("must be 0–{EVENT_POSITION_MAX}")));
    }
    match (kind, event.dwell_ms) {
        ("read", None) => return Err(Error::invalid_field("dwell_ms", "a read needs its dwell time")),
        ("read", Some(ms)) if !(0..=EVENT_DWELL_MS_MAX).contains(&ms) => {
            return Err(Error::invalid_field("dwell_ms", format!("must be 0–{EVENT_DWELL_MS_MAX}")));
        }
        (_, Some(_)) if kind != "read" => {
            return Err(Error::invalid_field("dwell_ms", "only a read has a dwell time"));
        }
        _ => {}
    }
    let search_id = match event.search_id.as_deref() {
        None => None,
        Some(_) if surface != "search" => {
            return Err(Error::invalid_field("search_id", "only events on the search surface name a search"));
        }
        Some(raw) => Some(raw.parse::<Id>().map_err(|_| Error::invalid_field("search_id", "is not an id"))?),
    };
    let occurred_at = event.occurred_at.unwrap_or(now);
    if occurred_at > now.plus_seconds(EVENT_FUTURE_SKEW_SECONDS)
        || occurred_at < now.plus_seconds(-EVENT_AGE_SECONDS_MAX)
    {
        return Err(Error::new(ErrorCode::EventTimeOutOfRange));
    }
    Ok(Checked { event, kind, note_id, surface, occurred_at, search_id })
}

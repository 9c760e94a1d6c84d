//! What each ad brought: the likes, saves, comments, shares, follows and reads whose
//! request carried its token (ADR 0031), kept once per member and kind in
//! `ad_engagements` for the advertiser's reports and a boost's results.
//!
//! Two durable consumers derive the rows from the facts themselves — the domain
//! events' `via_ad` and the behaviour events' `ad_id` — so they are exact once both
//! have caught up, across restarts and nodes.

use std::sync::Arc;

use carmine_core::event::DomainEvent;
use carmine_core::{Error, Id, Timestamp};
use carmine_events::consumer::BoxFuture;
use carmine_events::{Batch, Consumer, Subscriber};
use carmine_store::Tx;
use carmine_store::ads as rows;
use carmine_store::log::Log;

/// One engagement an ad brought: (ad, note, member if signed in, kind, when).
type Brought = (Id, Id, Option<Id>, &'static str, Timestamp);

/// What a domain event says an ad brought, if anything.
fn from_domain(event: &DomainEvent, at: Timestamp) -> Option<Brought> {
    let (ad, note, member, kind) = match *event {
        DomainEvent::NoteLiked { note_id, user_id, via_ad: Some(ad) } => (ad, note_id, user_id, "like"),
        DomainEvent::NoteSaved { note_id, user_id, via_ad: Some(ad), .. } => (ad, note_id, user_id, "save"),
        DomainEvent::CommentAdded { note_id, author_id, via_ad: Some(ad), .. } => (ad, note_id, author_id, "comment"),
        DomainEvent::NoteShared { note_id, user_id, via_ad: Some(ad) } => (ad, note_id, user_id, "share"),
        DomainEvent::ActorFollowed { follower_id, from_note: Some(note), via_ad: Some(ad), .. } => {
            (ad, note, follower_id, "follow")
        }
        _ => return None,
    };
    Some((ad, note, Some(member), kind, at))
}

async fn record(tx: &mut Tx, brought: &[Brought]) -> Result<(), Error> {
    for &(ad_id, note_id, member, kind, at) in brought {
        // An ad deleted since (never: ads are archived) brings nothing.
        let Some(ad) = rows::get_ad(tx.conn(), ad_id).await? else { continue };
        rows::insert_engagement(tx, &ad, note_id, member, kind, at).await?;
    }
    Ok(())
}

struct DomainEngagements;

impl Consumer for DomainEngagements {
    fn name(&self) -> &'static str {
        "ads.engagements.domain"
    }

    fn log(&self) -> Log {
        Log::Domain
    }

    fn apply<'a>(&'a self, tx: &'a mut Tx, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Batch::Domain(entries) = batch else { return Ok(()) };
            let brought: Vec<Brought> =
                entries.iter().filter_map(|(_, record)| from_domain(&record.event, record.created_at)).collect();
            record(tx, &brought).await
        })
    }
}

struct BehaviourEngagements;

impl Consumer for BehaviourEngagements {
    fn name(&self) -> &'static str {
        "ads.engagements.behaviour"
    }

    fn log(&self) -> Log {
        Log::Behaviour
    }

    fn apply<'a>(&'a self, tx: &'a mut Tx, batch: &'a Batch) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Batch::Behaviour(entries) = batch else { return Ok(()) };
            let brought: Vec<Brought> = entries
                .iter()
                .filter(|e| e.kind == "read")
                .filter_map(|e| {
                    let member = (e.viewer_key != 0).then(|| Id::from_i64(e.viewer_key));
                    Some((e.ad_id?, e.note_id, member, "read", e.occurred_at))
                })
                .collect();
            record(tx, &brought).await
        })
    }
}

/// The consumers that keep `ad_engagements`.
pub fn consumers() -> Vec<Subscriber> {
    vec![Subscriber::Durable(Arc::new(DomainEngagements)), Subscriber::Durable(Arc::new(BehaviourEngagements))]
}

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
pub const FILES: [&str; 8] = [
    "members.jsonl",
    "organizations.jsonl",
    "follows.jsonl",
    "notes.jsonl",
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

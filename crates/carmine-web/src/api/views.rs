//! JSON shapes the API returns. Built from store records; the only place that
//! decides what a client sees of them.

use carmine_core::{Id, Timestamp};
use carmine_store::orgs::{InvitationRecord, MemberRecord, OrgRecord, VerificationRecord};
use carmine_store::sessions::SessionRecord;
use carmine_store::tokens::TokenRecord;
use carmine_store::users::UserRecord;
use serde::Serialize;
use utoipa::ToSchema;

/// A role in an organization (see the role matrix in ARCHITECTURE.md). The enums here
/// only describe string values in the OpenAPI document; the accounts context parses them.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RoleName {
    Owner,
    Admin,
    Staff,
    Analyst,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum OrgKindName {
    Brand,
    Merchant,
    Agency,
}

/// Who may see a note.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum NoteVisibilityName {
    Public,
    Followers,
    Private,
}

/// Who may see a board.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum BoardVisibilityName {
    Public,
    Private,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReportReasonName {
    Spam,
    Harassment,
    Inappropriate,
    Misinformation,
    Other,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReportTargetName {
    Note,
    Comment,
    Member,
}

/// An operator's decision on a report.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DecisionName {
    Remove,
    Limit,
    Suspend,
    Dismiss,
}

/// What an organization's top-up pays for.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum TopUpPurposeName {
    AdBalance,
    Escrow,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum GenderName {
    Female,
    Male,
    Nonbinary,
    Other,
}

#[derive(Serialize, ToSchema)]
pub struct DemographicsView {
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub city: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub consented_at: Timestamp,
}

/// A member as they see themselves (and as admins see them).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    #[schema(value_type = String)]
    pub id: Id,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub demographics: Option<DemographicsView>,
    pub is_admin: bool,
    pub suspended: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&UserRecord> for UserView {
    fn from(user: &UserRecord) -> Self {
        UserView {
            id: user.id,
            username: user.username.clone().unwrap_or_default(),
            display_name: user.display_name.clone(),
            bio: user.bio.clone(),
            avatar_url: user.avatar_url.clone(),
            demographics: user.demographics.as_ref().map(|d| DemographicsView {
                birth_year: d.birth_year,
                gender: d.gender.clone(),
                city: d.city.clone(),
                consented_at: d.consented_at,
            }),
            is_admin: user.is_admin,
            suspended: user.suspended_at.is_some(),
            created_at: user.created_at,
        }
    }
}

/// The caller, with the CSRF token their session requires on state changes.
#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    /// Send as `X-CSRF-Token` on cookie-authenticated state changes; absent for Bearer tokens.
    pub csrf_token: Option<String>,
}

/// A place the member is logged in.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    #[schema(value_type = String)]
    pub id: Id,
    pub user_agent: String,
    pub ip: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// The session making this request.
    pub current: bool,
}

impl SessionView {
    pub fn new(s: &SessionRecord, current: Option<Id>) -> Self {
        SessionView {
            id: s.id,
            user_agent: s.user_agent.clone(),
            ip: s.ip.clone(),
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            current: current == Some(s.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    #[schema(value_type = String)]
    pub id: Id,
    pub name: String,
    pub prefix: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
}

impl From<&TokenRecord> for TokenView {
    fn from(t: &TokenRecord) -> Self {
        TokenView {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NewTokenView {
    #[serde(flatten)]
    pub token: TokenView,
    /// The secret: shown this once, never again.
    pub token_secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrgView {
    #[schema(value_type = String)]
    pub id: Id,
    pub handle: String,
    pub name: String,
    /// `brand`, `merchant` or `agency`.
    pub kind: String,
    pub description: String,
    /// `unverified`, `pending`, `verified` or `rejected`.
    pub verification_status: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// The caller's role, when they are a member.
    pub my_role: Option<String>,
}

impl OrgView {
    pub fn new(org: &OrgRecord, my_role: Option<&str>) -> Self {
        OrgView {
            id: org.id,
            handle: org.handle.clone(),
            name: org.name.clone(),
            kind: org.kind.clone(),
            description: org.description.clone(),
            verification_status: org.verification_status.clone(),
            created_at: org.created_at,
            my_role: my_role.map(str::to_owned),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    #[schema(value_type = String)]
    pub user_id: Id,
    pub username: String,
    pub display_name: String,
    pub role: String,
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Timestamp,
}

impl From<&MemberRecord> for MemberView {
    fn from(m: &MemberRecord) -> Self {
        MemberView {
            user_id: m.user_id,
            username: m.username.clone(),
            display_name: m.display_name.clone(),
            role: m.role.clone(),
            joined_at: m.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    #[schema(value_type = String)]
    pub id: Id,
    pub org_handle: String,
    pub org_name: String,
    pub username: String,
    pub role: String,
    /// `pending`, `accepted`, `declined` or `revoked`.
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

impl From<&InvitationRecord> for InvitationView {
    fn from(i: &InvitationRecord) -> Self {
        InvitationView {
            id: i.id,
            org_handle: i.org_handle.clone(),
            org_name: i.org_name.clone(),
            username: i.username.clone(),
            role: i.role.clone(),
            status: i.status.clone(),
            expires_at: i.expires_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VerificationView {
    #[schema(value_type = String)]
    pub id: Id,
    pub org_handle: String,
    pub org_name: String,
    pub evidence: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub decision_reason: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
}

impl From<&VerificationRecord> for VerificationView {
    fn from(v: &VerificationRecord) -> Self {
        VerificationView {
            id: v.id,
            org_handle: v.org_handle.clone(),
            org_name: v.org_name.clone(),
            evidence: v.evidence.clone(),
            status: v.status.clone(),
            decision_reason: v.decision_reason.clone(),
            created_at: v.created_at,
            decided_at: v.decided_at,
        }
    }
}

/// A page of a list: `next_cursor` is null on the last page.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A list that is bounded by a per-owner cap and is returned whole.
#[derive(Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

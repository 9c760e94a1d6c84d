//! Organization pages: the list (with invitations and the create form) and one
//! organization (public profile; members, roles, invitations and verification for
//! its members, each control shown only to roles the matrix allows).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use carmine_accounts::Caller;
use carmine_accounts::orgs::{NewOrgInput, OrgAction, OrgRole};
use carmine_core::{Error, ErrorCode};
use carmine_store::orgs::{InvitationRecord, OrgRecord};
use serde::Deserialize;

use super::{Done, Layout, PageForm, done, render, shown_on_form};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, RequestContext, path_id};

struct OrgRow {
    handle: String,
    name: String,
    kind: String,
    role: String,
    verified: bool,
}

struct InvitationRow {
    id: String,
    org_handle: String,
    org_name: String,
    username: String,
    role: String,
}

impl From<&InvitationRecord> for InvitationRow {
    fn from(i: &InvitationRecord) -> Self {
        InvitationRow {
            id: i.id.to_string(),
            org_handle: i.org_handle.clone(),
            org_name: i.org_name.clone(),
            username: i.username.clone(),
            role: i.role.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    layout: Layout,
    kinds: &'static [&'static str],
    orgs: Vec<OrgRow>,
    invitations: Vec<InvitationRow>,
    /// What a refused creation form held, shown again.
    draft: CreateForm,
}

async fn orgs_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
    draft: CreateForm,
) -> Result<Response, ApiError> {
    let orgs = state.accounts().my_orgs(caller).await?;
    let invitations = state.accounts().my_invitations(caller).await?;
    let page = OrgsPage {
        layout: Layout::with(Some(caller), done, error),
        kinds: carmine_accounts::orgs::ORG_KINDS,
        orgs: orgs
            .iter()
            .map(|(o, role)| OrgRow {
                handle: o.handle.clone(),
                name: o.name.clone(),
                kind: o.kind.clone(),
                role: role.as_str().to_owned(),
                verified: o.verification_status == "verified",
            })
            .collect(),
        invitations: invitations.iter().map(InvitationRow::from).collect(),
        draft,
    };
    Ok(render(&page, error))
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    orgs_page(&state, &caller, q.done.as_deref(), None, CreateForm::default()).await
}

#[derive(Deserialize, Default)]
pub(crate) struct CreateForm {
    handle: String,
    name: String,
    kind: String,
    #[serde(default)]
    description: String,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(form): PageForm<CreateForm>,
) -> Result<Response, ApiError> {
    let input =
        NewOrgInput { handle: &form.handle, name: &form.name, kind: &form.kind, description: Some(&form.description) };
    match state.accounts().create_org(&caller, &input).await {
        Ok(org) => Ok(done(&format!("/o/{}/manage", org.handle), "org_created")),
        Err(error) => orgs_page(&state, &caller, None, Some(&shown_on_form(error)?), form).await,
    }
}

pub(crate) async fn answer_invitation(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((id, answer)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::InvitationNotFound)?;
    let accept = match answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(ApiError(Error::new(ErrorCode::RouteNotFound))),
    };
    match state.accounts().answer_invitation(&caller, id, accept).await {
        Ok(invitation) if accept => Ok(done(&format!("/o/{}/manage", invitation.org_handle), "invitation_accepted")),
        Ok(_) => Ok(done("/orgs", "invitation_declined")),
        Err(error) => orgs_page(&state, &caller, None, Some(&shown_on_form(error)?), CreateForm::default()).await,
    }
}

struct MemberRow {
    user_id: String,
    username: String,
    display_name: String,
    role: String,
    manageable: bool,
    /// The caller's own row, and they may leave (the last owner may not).
    can_leave: bool,
}

struct VerificationRow {
    created_at: carmine_core::Timestamp,
    status: String,
    reason: Option<String>,
}

/// The console's sections, in order: (path below `/o/{handle}`, message id). Store,
/// ads and deals add theirs here as they arrive.
const CONSOLE_TABS: &[(&str, &str)] = &[
    ("manage", "org-tab-profile"),
    ("manage/team", "org-tab-team"),
    ("manage/verification", "org-tab-verification"),
    ("money", "org-tab-money"),
    ("manage/store", "org-tab-store"),
    ("manage/products", "org-tab-products"),
    ("manage/coupons", "org-tab-coupons"),
    ("manage/orders", "org-tab-orders"),
    ("manage/ads", "org-tab-ads"),
];

/// What the console's frame shows whatever the section.
pub(crate) struct Console {
    pub handle: String,
    pub name: String,
    pub role: String,
    /// The section shown (a `CONSOLE_TABS` path).
    pub tab: &'static str,
    /// (href, message id, shown) of each section the member's role may open.
    pub tabs: Vec<(String, &'static str, bool)>,
}

impl Console {
    /// The frame for `tab`, with the sections `role` may open.
    pub fn new(org: &OrgRecord, role: OrgRole, tab: &'static str) -> Console {
        let tabs = CONSOLE_TABS
            .iter()
            .filter(|(path, _)| *path != "money" || role.allows(OrgAction::ViewMoney))
            .filter(|(path, _)| {
                !["manage/store", "manage/products", "manage/coupons", "manage/orders"].contains(path)
                    || org.kind != "agency"
            })
            .map(|(path, label)| (format!("/o/{}/{path}", org.handle), *label, *path == tab))
            .collect();
        Console { handle: org.handle.clone(), name: org.name.clone(), role: role.as_str().to_owned(), tab, tabs }
    }
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    layout: Layout,
    org: OrgRecord,
    /// The viewer's role, when they belong to it (they get a "Manage" button).
    my_role: Option<String>,
    followers: i64,
    followed: bool,
    can_follow: bool,
    cards: Vec<super::notes::CardRow>,
    next_page: Option<String>,
}

impl OrgPage {
    fn org_avatar(&self) -> super::Avatar {
        super::Avatar::generated(&self.org.handle, &self.org.name)
    }
}

/// The organization's public page: its profile and notes.
async fn org_page(
    state: &AppState,
    caller: Option<&Caller>,
    handle: &str,
    done: Option<&str>,
    cursor: Option<&str>,
) -> Result<Response, ApiError> {
    let org = state.accounts().org_public(handle).await?;
    let actor = state.notes().actor(&org.handle).await?;
    let (limit, before) = crate::api::notes::note_position(state, Some(30), cursor)?;
    let notes = state.notes().by_author(caller, &actor, before, limit).await?;
    let (cards, next_page) = super::notes::cards(state, &notes, &format!("/o/{}", org.handle));
    let followers = state.notes().follow_counts(actor.id).await?.followers;
    let followed = state.notes().is_following(caller, actor.id).await?;
    let my_role = match caller {
        Some(caller) => {
            state.accounts().org_members(caller, handle).await.ok().map(|(a, _)| a.role.as_str().to_owned())
        }
        None => None,
    };
    let page = OrgPage {
        followers,
        followed,
        can_follow: caller.is_some(),
        cards,
        next_page,
        layout: Layout::with(caller, done, None),
        org,
        my_role,
    };
    Ok(render(&page, None))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    context: RequestContext,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<super::notes::ListQuery>,
) -> Result<Response, ApiError> {
    org_page(&state, context.caller.as_ref(), &handle, q.done.as_deref(), q.cursor.as_deref()).await
}

#[derive(Template)]
#[template(path = "org_manage.html")]
struct ConsolePage {
    layout: Layout,
    console: Console,
    org: OrgRecord,
    can_edit: bool,
    can_invite: bool,
    can_request_verification: bool,
    assignable_roles: Vec<&'static str>,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    verifications: Vec<VerificationRow>,
}

/// One section of the console (`manage`, `manage/team`, `manage/verification`), for
/// the organization's members only: anyone else gets `org_not_found`.
async fn console_page(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    tab: &'static str,
    done: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let accounts = state.accounts();
    let (access, members) = accounts.org_members(caller, handle).await?;
    let role = access.role;
    let org = access.org.clone();
    let owners = members.iter().filter(|m| m.role == "owner").count();
    let page = ConsolePage {
        layout: Layout::with(Some(caller), done, error),
        console: Console::new(&org, role, tab),
        can_edit: role.allows(OrgAction::EditProfile),
        can_invite: role.allows(OrgAction::ManageMember(OrgRole::Staff)),
        can_request_verification: role.allows(OrgAction::RequestVerification)
            && matches!(org.verification_status.as_str(), "unverified" | "rejected"),
        assignable_roles: OrgRole::ALL
            .into_iter()
            .filter(|r| role.allows(OrgAction::ManageMember(*r)))
            .map(OrgRole::as_str)
            .collect(),
        members: members
            .iter()
            .map(|m| MemberRow {
                user_id: m.user_id.to_string(),
                username: m.username.clone(),
                display_name: m.display_name.clone(),
                manageable: m.user_id != caller.user_id
                    && OrgRole::parse("role", &m.role).is_ok_and(|r| role.allows(OrgAction::ManageMember(r))),
                can_leave: m.user_id == caller.user_id && !(m.role == "owner" && owners <= 1),
                role: m.role.clone(),
            })
            .collect(),
        invitations: accounts.org_invitations(caller, handle).await?.iter().map(InvitationRow::from).collect(),
        verifications: accounts
            .org_verifications(caller, handle)
            .await?
            .iter()
            .map(|v| VerificationRow {
                created_at: v.created_at,
                status: v.status.clone(),
                reason: v.decision_reason.clone().filter(|r| !r.is_empty()),
            })
            .collect(),
        org,
    };
    Ok(render(&page, error))
}

pub(crate) async fn manage(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    console_page(&state, &caller, &handle, "manage", q.done.as_deref(), None).await
}

pub(crate) async fn manage_team(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    console_page(&state, &caller, &handle, "manage/team", q.done.as_deref(), None).await
}

pub(crate) async fn manage_verification(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    console_page(&state, &caller, &handle, "manage/verification", q.done.as_deref(), None).await
}

/// Runs a console form's action: back to its section with `notice`, or the section
/// again with the error.
async fn org_outcome<T>(
    state: &AppState,
    caller: &Caller,
    handle: &str,
    tab: &'static str,
    result: carmine_core::Result<T>,
    notice: &str,
) -> Result<Response, ApiError> {
    match result {
        Ok(_) => Ok(done(&format!("/o/{handle}/{tab}"), notice)),
        Err(error) => {
            let error = shown_on_form(error)?;
            console_page(state, caller, handle, tab, None, Some(&error)).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ProfileForm {
    name: String,
    #[serde(default)]
    description: String,
}

pub(crate) async fn save_profile(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(form): PageForm<ProfileForm>,
) -> Result<Response, ApiError> {
    let result = state.accounts().update_org(&caller, &handle, Some(&form.name), Some(&form.description)).await;
    org_outcome(&state, &caller, &handle, "manage", result, "org_saved").await
}

#[derive(Deserialize)]
pub(crate) struct InviteForm {
    username: String,
    role: String,
}

pub(crate) async fn invite(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(form): PageForm<InviteForm>,
) -> Result<Response, ApiError> {
    let result = state.accounts().invite(&caller, &handle, &form.username, &form.role).await;
    org_outcome(&state, &caller, &handle, "manage/team", result, "member_invited").await
}

pub(crate) async fn revoke_invitation(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::InvitationNotFound)?;
    let result = state.accounts().revoke_invitation(&caller, &handle, id).await;
    org_outcome(&state, &caller, &handle, "manage/team", result, "invitation_revoked").await
}

#[derive(Deserialize)]
pub(crate) struct RoleForm {
    role: String,
}

pub(crate) async fn set_role(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, user_id)): Path<(String, String)>,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response, ApiError> {
    let user_id = path_id(&user_id, ErrorCode::MemberNotFound)?;
    let result = state.accounts().set_member_role(&caller, &handle, user_id, &form.role).await;
    org_outcome(&state, &caller, &handle, "manage/team", result, "role_changed").await
}

pub(crate) async fn remove_member(
    State(state): State<AppState>,
    Member(caller): Member,
    Path((handle, user_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user_id = path_id(&user_id, ErrorCode::MemberNotFound)?;
    match state.accounts().remove_member(&caller, &handle, user_id).await {
        Ok(()) if user_id == caller.user_id => Ok(done("/orgs", "left_org")),
        result => org_outcome(&state, &caller, &handle, "manage/team", result, "member_removed").await,
    }
}

#[derive(Deserialize)]
pub(crate) struct VerificationForm {
    evidence: String,
}

pub(crate) async fn request_verification(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(form): PageForm<VerificationForm>,
) -> Result<Response, ApiError> {
    let result = state.accounts().request_verification(&caller, &handle, &form.evidence).await;
    org_outcome(&state, &caller, &handle, "manage/verification", result, "verification_requested").await
}

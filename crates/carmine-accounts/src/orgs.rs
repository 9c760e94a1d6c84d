//! Organizations: brands, merchants and agencies that members act for.
//!
//! # Role matrix
//!
//! | action                                   | owner | admin | staff | analyst |
//! |------------------------------------------|:-----:|:-----:|:-----:|:-------:|
//! | see the organization's members, invitations, verification | ✓ | ✓ | ✓ | ✓ |
//! | read analytics (later issues)            |   ✓   |   ✓   |   ✓   |    ✓    |
//! | act as the organization (post, reply…)   |   ✓   |   ✓   |   ✓   |         |
//! | edit the organization's profile          |   ✓   |   ✓   |       |         |
//! | request verification                     |   ✓   |   ✓   |       |         |
//! | see balances and money history           |   ✓   |   ✓   |       |    ✓    |
//! | top up, set the payout account, withdraw |   ✓   |   ✓   |       |         |
//! | invite, re-role, remove staff & analysts |   ✓   |   ✓   |       |         |
//! | invite, re-role, remove owners & admins  |   ✓   |       |       |         |
//! | see the store console (settings, catalogue, stock) | ✓ | ✓ | ✓ | ✓ |
//! | edit products and stock, import a catalogue |  ✓  |   ✓   |   ✓   |         |
//! | open the store; edit its settings, shipping, warehouses | ✓ | ✓ |  |         |
//! | ship orders, answer after-sales requests  |  ✓  |   ✓   |   ✓   |         |
//! | see ad campaigns, their review and reports |  ✓  |   ✓   |   ✓   |    ✓    |
//! | create, edit, pause and archive campaigns, ad groups, ads | ✓ | ✓ | ✓ |   |
//! | fund the ad balance (top up: "top up" above) |  ✓  |   ✓   |       |         |
//! | leave (any member; not the last owner)   |   ✓   |   ✓   |   ✓   |    ✓    |
//!
//! Access answers (ARCHITECTURE.md): a caller who is not a member gets 404
//! `org_not_found` for everything but the public profile — they may not know what
//! is inside; a member whose role is too low gets 403 `role_too_low`.

use std::fmt;

use carmine_core::event::DomainEvent;
use carmine_core::limits::{
    INVITATION_TTL_DAYS, ORG_DESCRIPTION_CHARS_MAX, ORG_MEMBERS_MAX, ORG_NAME_CHARS_MAX, ORGS_CREATED_PER_USER_MAX,
    VERIFICATION_EVIDENCE_CHARS_MAX,
};
use carmine_core::text::{Handle, bounded_text};
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::orgs::{self, InvitationRecord, MemberRecord, OrgRecord, VerificationRecord};
use carmine_store::users;
use serde::Serialize;

use crate::{Accounts, Caller};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    Analyst,
    Staff,
    Admin,
    Owner,
}

impl OrgRole {
    pub const ALL: [OrgRole; 4] = [OrgRole::Owner, OrgRole::Admin, OrgRole::Staff, OrgRole::Analyst];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Owner => "owner",
            OrgRole::Admin => "admin",
            OrgRole::Staff => "staff",
            OrgRole::Analyst => "analyst",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<OrgRole> {
        OrgRole::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| Error::invalid_field(field, "must be one of owner, admin, staff, analyst"))
    }

    /// The role matrix above, as code.
    pub fn allows(self, action: OrgAction) -> bool {
        use OrgAction::*;
        match action {
            ViewMembers | ReadAnalytics | ViewStore | ViewAds | Leave => true,
            ActAsOrg | EditCatalogue | FulfilOrders | ManageAds => self >= OrgRole::Staff,
            EditProfile | RequestVerification | ManageMoney | ManageStore => self >= OrgRole::Admin,
            ViewMoney => self != OrgRole::Staff,
            ManageMember(target) => match target {
                OrgRole::Owner | OrgRole::Admin => self == OrgRole::Owner,
                OrgRole::Staff | OrgRole::Analyst => self >= OrgRole::Admin,
            },
        }
    }
}

impl fmt::Display for OrgRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a member may try to do in an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgAction {
    ViewMembers,
    ReadAnalytics,
    ActAsOrg,
    EditProfile,
    RequestVerification,
    /// See balances and their history.
    ViewMoney,
    /// Top up, set the payout account, withdraw.
    ManageMoney,
    /// See the store's console: its settings, products and stock.
    ViewStore,
    /// Create and edit products, set stock, import a catalogue.
    EditCatalogue,
    /// Open the store; edit its settings, shipping templates and warehouses.
    ManageStore,
    /// Ship the store's orders and answer its after-sales requests.
    FulfilOrders,
    /// See the organization's ad campaigns, their review and reports.
    ViewAds,
    /// Create, edit, pause and archive campaigns, ad groups and ads (spending what
    /// `ManageMoney` put in the ad balance).
    ManageAds,
    /// Invite, change the role of, or remove a member holding this role.
    ManageMember(OrgRole),
    Leave,
}

pub const ORG_KINDS: &[&str] = &["brand", "merchant", "agency"];

/// An organization as its member sees it: the record and the caller's role.
#[derive(Clone, Debug)]
pub struct OrgAccess {
    pub org: OrgRecord,
    pub role: OrgRole,
}

pub struct NewOrgInput<'a> {
    pub handle: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub description: Option<&'a str>,
}

impl Accounts {
    /// The one access check for organization-scoped reads and writes.
    pub async fn authorize_org(&self, caller: &Caller, handle: &str, action: OrgAction) -> Result<OrgAccess> {
        let mut conn = self.db.reader().await?;
        let not_found = || Error::new(ErrorCode::OrgNotFound);
        let org = orgs::get_by_handle(&mut conn, &handle.to_ascii_lowercase()).await?.ok_or_else(not_found)?;
        let role = orgs::member_role(&mut conn, org.id, caller.user_id).await?.ok_or_else(not_found)?;
        let role = OrgRole::parse("role", &role)?;
        if !role.allows(action) {
            return Err(Error::new(ErrorCode::RoleTooLow).with_details(serde_json::json!({ "role": role.as_str() })));
        }
        Ok(OrgAccess { org, role })
    }

    /// The public profile of an organization (anyone may see it).
    pub async fn org_public(&self, handle: &str) -> Result<OrgRecord> {
        orgs::get_by_handle(&mut *self.db.reader().await?, &handle.to_ascii_lowercase())
            .await?
            .ok_or_else(|| Error::new(ErrorCode::OrgNotFound))
    }

    pub async fn create_org(&self, caller: &Caller, input: &NewOrgInput<'_>) -> Result<OrgRecord> {
        let handle = Handle::parse("handle", input.handle)?;
        let name = bounded_text("name", input.name, 1, ORG_NAME_CHARS_MAX, false)?;
        if !ORG_KINDS.contains(&input.kind) {
            return Err(Error::invalid_field("kind", "must be one of brand, merchant, agency"));
        }
        let description =
            bounded_text("description", input.description.unwrap_or(""), 0, ORG_DESCRIPTION_CHARS_MAX, true)?;
        let mut tx = self.db.begin().await?;
        users::lock(&mut tx, caller.user_id).await?;
        if orgs::count_created_by(tx.conn(), caller.user_id).await? >= ORGS_CREATED_PER_USER_MAX {
            return Err(Error::invalid_field(
                "handle",
                format!("a member may create at most {ORGS_CREATED_PER_USER_MAX} organizations"),
            ));
        }
        let org_id = orgs::insert(
            &mut tx,
            &orgs::NewOrg {
                handle: handle.as_str(),
                name: &name,
                kind: input.kind,
                description: &description,
                owner_id: caller.user_id,
            },
        )
        .await
        .map_err(|e| if e.is_unique_on("actors", "handle") { Error::new(ErrorCode::HandleTaken) } else { e.into() })?;
        tx.emit(DomainEvent::OrgCreated { org_id, owner_id: caller.user_id, handle: handle.as_str().to_owned() })
            .await?;
        let org = orgs::get(tx.conn(), org_id)
            .await?
            .ok_or_else(|| Error::internal("org vanished in its own transaction"))?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn my_orgs(&self, caller: &Caller) -> Result<Vec<(OrgRecord, OrgRole)>> {
        let rows = orgs::list_for_user(&mut *self.db.reader().await?, caller.user_id).await?;
        rows.into_iter().map(|(org, role)| Ok((org, OrgRole::parse("role", &role)?))).collect()
    }

    pub async fn update_org(
        &self,
        caller: &Caller,
        handle: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<OrgRecord> {
        let access = self.authorize_org(caller, handle, OrgAction::EditProfile).await?;
        let name = match name {
            Some(name) => bounded_text("name", name, 1, ORG_NAME_CHARS_MAX, false)?,
            None => access.org.name.clone(),
        };
        let description = match description {
            Some(d) => bounded_text("description", d, 0, ORG_DESCRIPTION_CHARS_MAX, true)?,
            None => access.org.description.clone(),
        };
        let mut tx = self.db.begin().await?;
        orgs::update_profile(&mut tx, access.org.id, &name, &description).await?;
        tx.emit(DomainEvent::OrgUpdated { org_id: access.org.id, by_user_id: caller.user_id }).await?;
        let org = orgs::get(tx.conn(), access.org.id).await?.ok_or_else(|| Error::new(ErrorCode::OrgNotFound))?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn org_members(&self, caller: &Caller, handle: &str) -> Result<(OrgAccess, Vec<MemberRecord>)> {
        let access = self.authorize_org(caller, handle, OrgAction::ViewMembers).await?;
        let members = orgs::list_members(&mut *self.db.reader().await?, access.org.id).await?;
        Ok((access, members))
    }

    /// Invites a member by username to join with `role`.
    pub async fn invite(&self, caller: &Caller, handle: &str, username: &str, role: &str) -> Result<InvitationRecord> {
        let role = OrgRole::parse("role", role)?;
        let access = self.authorize_org(caller, handle, OrgAction::ManageMember(role)).await?;
        let username = Handle::parse("username", username)?;
        let mut tx = self.db.begin().await?;
        orgs::lock(&mut tx, access.org.id).await?;
        let invitee = users::get_by_username(tx.conn(), username.as_str())
            .await?
            .ok_or_else(|| Error::new(ErrorCode::UserNotFound))?;
        let org_id = access.org.id;
        if orgs::member_role(tx.conn(), org_id, invitee.id).await?.is_some() {
            return Err(Error::new(ErrorCode::AlreadyMember));
        }
        let now = tx.now();
        if orgs::has_pending_invitation(tx.conn(), org_id, invitee.id, now).await? {
            return Err(
                Error::new(ErrorCode::AlreadyMember).with_message("that person already has a pending invitation")
            );
        }
        if orgs::count_members(tx.conn(), org_id).await? >= ORG_MEMBERS_MAX {
            return Err(Error::invalid_field(
                "username",
                format!("an organization may have at most {ORG_MEMBERS_MAX} members"),
            ));
        }
        let expires_at = now.plus_seconds(INVITATION_TTL_DAYS * 24 * 3600);
        let id =
            orgs::insert_invitation(&mut tx, org_id, invitee.id, role.as_str(), caller.user_id, expires_at).await?;
        tx.emit(DomainEvent::OrgMemberInvited {
            org_id,
            invitation_id: id,
            user_id: invitee.id,
            role: role.as_str().to_owned(),
        })
        .await?;
        let invitation =
            orgs::get_invitation(tx.conn(), id).await?.ok_or_else(|| Error::internal("invitation vanished"))?;
        tx.commit().await?;
        Ok(invitation)
    }

    pub async fn org_invitations(&self, caller: &Caller, handle: &str) -> Result<Vec<InvitationRecord>> {
        let access = self.authorize_org(caller, handle, OrgAction::ViewMembers).await?;
        Ok(orgs::list_pending_invitations_for_org(&mut *self.db.reader().await?, access.org.id, self.db.now()).await?)
    }

    pub async fn revoke_invitation(&self, caller: &Caller, handle: &str, invitation_id: Id) -> Result<()> {
        let access = self.authorize_org(caller, handle, OrgAction::ViewMembers).await?;
        let mut tx = self.db.begin().await?;
        let invitation = orgs::get_invitation(tx.conn(), invitation_id)
            .await?
            .filter(|i| i.org_id == access.org.id)
            .ok_or_else(|| Error::new(ErrorCode::InvitationNotFound))?;
        let role = OrgRole::parse("role", &invitation.role)?;
        if !access.role.allows(OrgAction::ManageMember(role)) {
            return Err(Error::new(ErrorCode::RoleTooLow));
        }
        if !orgs::close_invitation(&mut tx, invitation_id, "revoked").await? {
            return Err(Error::new(ErrorCode::InvitationNotPending));
        }
        tx.emit(DomainEvent::OrgInvitationRevoked { org_id: access.org.id, invitation_id }).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn my_invitations(&self, caller: &Caller) -> Result<Vec<InvitationRecord>> {
        Ok(orgs::list_pending_invitations_for_user(&mut *self.db.reader().await?, caller.user_id, self.db.now())
            .await?)
    }

    /// Accepts or declines an invitation addressed to the caller, exactly once.
    pub async fn answer_invitation(
        &self,
        caller: &Caller,
        invitation_id: Id,
        accept: bool,
    ) -> Result<InvitationRecord> {
        let mut tx = self.db.begin().await?;
        let invitation = orgs::get_invitation(tx.conn(), invitation_id)
            .await?
            .filter(|i| i.user_id == caller.user_id)
            .ok_or_else(|| Error::new(ErrorCode::InvitationNotFound))?;
        orgs::lock(&mut tx, invitation.org_id).await?;
        if !orgs::close_invitation(&mut tx, invitation_id, if accept { "accepted" } else { "declined" }).await? {
            return Err(Error::new(ErrorCode::InvitationNotPending));
        }
        if accept {
            orgs::insert_member(&mut tx, invitation.org_id, caller.user_id, &invitation.role).await.map_err(|e| {
                if e.is_unique_on("org_members", "org_id") { Error::new(ErrorCode::AlreadyMember) } else { e.into() }
            })?;
        }
        tx.emit(DomainEvent::OrgInvitationAnswered {
            org_id: invitation.org_id,
            invitation_id,
            user_id: caller.user_id,
            accepted: accept,
        })
        .await?;
        let answered = orgs::get_invitation(tx.conn(), invitation_id)
            .await?
            .ok_or_else(|| Error::internal("invitation vanished"))?;
        tx.commit().await?;
        Ok(answered)
    }

    /// Changes a member's role. Needs the right to manage both the old and the new role,
    /// and an organization always keeps an owner.
    pub async fn set_member_role(&self, caller: &Caller, handle: &str, user_id: Id, role: &str) -> Result<()> {
        let new_role = OrgRole::parse("role", role)?;
        let access = self.authorize_org(caller, handle, OrgAction::ManageMember(new_role)).await?;
        let mut tx = self.db.begin().await?;
        let org_id = access.org.id;
        orgs::lock(&mut tx, org_id).await?;
        let old = orgs::member_role(tx.conn(), org_id, user_id)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::MemberNotFound))?;
        let old = OrgRole::parse("role", &old)?;
        if !access.role.allows(OrgAction::ManageMember(old)) {
            return Err(Error::new(ErrorCode::RoleTooLow));
        }
        if old == OrgRole::Owner && new_role != OrgRole::Owner && orgs::count_owners(tx.conn(), org_id).await? <= 1 {
            return Err(Error::new(ErrorCode::LastOwner));
        }
        orgs::set_member_role(&mut tx, org_id, user_id, new_role.as_str()).await?;
        tx.emit(DomainEvent::OrgMemberRoleChanged { org_id, user_id, role: new_role.as_str().to_owned() }).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a member (or the caller leaves). The last owner cannot go.
    pub async fn remove_member(&self, caller: &Caller, handle: &str, user_id: Id) -> Result<()> {
        let access = self.authorize_org(caller, handle, OrgAction::ViewMembers).await?;
        let mut tx = self.db.begin().await?;
        let org_id = access.org.id;
        orgs::lock(&mut tx, org_id).await?;
        let role = orgs::member_role(tx.conn(), org_id, user_id)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::MemberNotFound))?;
        let role = OrgRole::parse("role", &role)?;
        let leaving = user_id == caller.user_id;
        if !leaving && !access.role.allows(OrgAction::ManageMember(role)) {
            return Err(Error::new(ErrorCode::RoleTooLow));
        }
        if role == OrgRole::Owner && orgs::count_owners(tx.conn(), org_id).await? <= 1 {
            return Err(Error::new(ErrorCode::LastOwner));
        }
        orgs::delete_member(&mut tx, org_id, user_id).await?;
        tx.emit(DomainEvent::OrgMemberRemoved { org_id, user_id }).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Asks the platform to verify the organization; one pending request at a time.
    pub async fn request_verification(
        &self,
        caller: &Caller,
        handle: &str,
        evidence: &str,
    ) -> Result<VerificationRecord> {
        let access = self.authorize_org(caller, handle, OrgAction::RequestVerification).await?;
        let evidence = bounded_text("evidence", evidence, 1, VERIFICATION_EVIDENCE_CHARS_MAX, true)?;
        let mut tx = self.db.begin().await?;
        orgs::lock(&mut tx, access.org.id).await?;
        let org = orgs::get(tx.conn(), access.org.id).await?.ok_or_else(|| Error::new(ErrorCode::OrgNotFound))?;
        match org.verification_status.as_str() {
            "pending" => return Err(Error::new(ErrorCode::VerificationPending)),
            "verified" => return Err(Error::new(ErrorCode::AlreadyVerified)),
            _ => {}
        }
        let id = orgs::insert_verification(&mut tx, org.id, caller.user_id, &evidence).await?;
        orgs::set_verification_status(&mut tx, org.id, "pending").await?;
        tx.emit(DomainEvent::OrgVerificationRequested { org_id: org.id, request_id: id }).await?;
        let request =
            orgs::get_verification(tx.conn(), id).await?.ok_or_else(|| Error::internal("request vanished"))?;
        tx.commit().await?;
        Ok(request)
    }

    pub async fn org_verifications(&self, caller: &Caller, handle: &str) -> Result<Vec<VerificationRecord>> {
        let access = self.authorize_org(caller, handle, OrgAction::ViewMembers).await?;
        Ok(orgs::list_verifications_for_org(&mut *self.db.reader().await?, access.org.id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_matrix() {
        use OrgAction::*;
        use OrgRole::*;
        let expect = |role: OrgRole, action, allowed| assert_eq!(role.allows(action), allowed, "{role} {action:?}");
        for role in OrgRole::ALL {
            expect(role, ViewMembers, true);
            expect(role, ReadAnalytics, true);
            expect(role, Leave, true);
            expect(role, ViewStore, true);
        }
        for (role, act, edit, staff, owners, see_money) in [
            (Owner, true, true, true, true, true),
            (Admin, true, true, true, false, true),
            (Staff, true, false, false, false, false),
            (Analyst, false, false, false, false, true),
        ] {
            expect(role, ViewMoney, see_money);
            expect(role, ManageMoney, edit);
            expect(role, ActAsOrg, act);
            expect(role, EditCatalogue, act);
            expect(role, FulfilOrders, act);
            expect(role, ManageStore, edit);
            expect(role, EditProfile, edit);
            expect(role, RequestVerification, edit);
            expect(role, ManageMember(Staff), staff);
            expect(role, ManageMember(Analyst), staff);
            expect(role, ManageMember(Admin), owners);
            expect(role, ManageMember(Owner), owners);
        }
    }
}

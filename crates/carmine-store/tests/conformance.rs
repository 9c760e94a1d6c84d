//! The conformance suite: every store behaviour, proven on SQLite and PostgreSQL.
//! Each test runs twice (`sqlite::…`, `postgres::…`) through `both_backends!`.

use carmine_core::Id;
use carmine_core::event::DomainEvent;
use carmine_store::testing::TestDb;
use carmine_store::users::NewMember;
use carmine_store::{Db, audit, comments, migrate, notes, orgs, outbox, secrets, sessions, tokens, users};

carmine_store::both_backends!(
    migrations_are_idempotent,
    a_member_round_trips,
    handles_are_unique_across_members_and_orgs,
    a_dropped_transaction_changes_nothing_and_emits_nothing,
    one_transaction_spans_contexts,
    committed_events_are_listed_in_order,
    sessions_are_found_by_hash_and_ended_per_member,
    expired_and_idle_sessions_are_swept,
    tokens_are_revoked_only_by_their_owner,
    erasure_leaves_a_tombstone_and_frees_the_handle,
    org_membership_and_roles,
    invitations_close_exactly_once,
    verification_is_decided_exactly_once,
    audit_entries_list_newest_first,
    instance_secrets_are_created_once,
    member_list_pages_by_prefix,
    concurrent_writers_are_serialised_without_errors,
    replies_come_per_thread_in_one_query,
    writes_are_durable_at_commit,
    comment_likes_are_counted_with_their_rows,
    notifications_are_listed_and_read_in_time_order,
);

/// A notice written late (a gift's, by a consumer, carrying the gift's time) takes its
/// place by time: listed, paged and marked read in that order.
async fn notifications_are_listed_and_read_in_time_order(t: TestDb) {
    use carmine_store::notifications::{self, NewNotification};
    let (reader, fan) = (member(&t.db, "reader").await, member(&t.db, "fan").await);
    let now = t.db.now();
    let notice = |minutes_ago: i64| NewNotification {
        recipient_id: reader,
        kind: "follow",
        actor_id: fan,
        note_id: None,
        comment_id: None,
        coins: None,
        at: Some(now.plus_seconds(-60 * minutes_ago)),
    };
    let mut tx = t.db.begin().await.unwrap();
    let newest = notifications::insert(&mut tx, &notice(1)).await.unwrap();
    let older = notifications::insert(&mut tx, &notice(30)).await.unwrap();
    let late = notifications::insert(&mut tx, &notice(10)).await.unwrap(); // written last, happened in between
    tx.commit().await.unwrap();

    let mut conn = t.db.reader().await.unwrap();
    let ids = |list: Vec<notifications::NotificationRecord>| list.into_iter().map(|n| n.id).collect::<Vec<_>>();
    assert_eq!(ids(notifications::list(&mut conn, reader, None, 10).await.unwrap()), [newest, late, older]);
    assert_eq!(ids(notifications::list(&mut conn, reader, Some(newest), 1).await.unwrap()), [late]);
    assert_eq!(ids(notifications::list(&mut conn, reader, Some(late), 10).await.unwrap()), [older]);
    drop(conn);

    // Read up to the late one: it and what is older, not the newest.
    let mut tx = t.db.begin().await.unwrap();
    assert_eq!(notifications::mark_read(&mut tx, reader, Some(late)).await.unwrap(), 2);
    assert_eq!(notifications::mark_read(&mut tx, fan, Some(newest)).await.unwrap(), 0, "not the fan's");
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let read: Vec<bool> =
        notifications::list(&mut conn, reader, None, 10).await.unwrap().iter().map(|n| n.read).collect();
    assert_eq!(read, [false, true, true]);
    assert_eq!(notifications::count_unread(&mut conn, reader).await.unwrap(), 1);
}

async fn comment_likes_are_counted_with_their_rows(t: TestDb) {
    use carmine_store::comment_likes;
    let author = member(&t.db, "author").await;
    let fans = [member(&t.db, "fan_a").await, member(&t.db, "fan_b").await];
    let mut tx = t.db.begin().await.unwrap();
    let content = notes::NoteContent {
        title: "t",
        body: "",
        location: None,
        visibility: "public",
        media_ids: &[],
        topics: &[],
        mention_ids: &[],
    };
    let note = notes::insert(&mut tx, author, author, &content, false).await.unwrap();
    let comment = comments::insert(&mut tx, note, author, None, "评论").await.unwrap();
    let other = comments::insert(&mut tx, note, author, None, "another").await.unwrap();
    for fan in fans {
        assert!(comment_likes::insert(&mut tx, fan, comment).await.unwrap());
        assert!(!comment_likes::insert(&mut tx, fan, comment).await.unwrap(), "once per member");
    }
    assert!(comment_likes::delete(&mut tx, fans[1], comment).await.unwrap());
    assert!(!comment_likes::delete(&mut tx, fans[1], comment).await.unwrap());
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    assert_eq!(comment_likes::count(&mut conn, comment).await.unwrap(), 1);
    assert_eq!(comment_likes::count_rows(&mut conn, comment).await.unwrap(), 1);
    assert_eq!(comments::get(&mut conn, comment).await.unwrap().unwrap().like_count, 1);
    let liked = comment_likes::liked_among(&mut conn, fans[0], &[other, comment]).await.unwrap();
    assert_eq!(liked, [comment]);
    assert!(comment_likes::liked_among(&mut conn, fans[1], &[other, comment]).await.unwrap().is_empty());
}

/// Money and orders are written with `synchronous=FULL` (SQLite) or
/// `synchronous_commit=on` (PostgreSQL): a commit is on disk when it returns.
async fn writes_are_durable_at_commit(t: TestDb) {
    use sqlx::Row;
    let mut tx = t.db.begin().await.unwrap();
    let setting: String = match t.db.backend() {
        carmine_store::Backend::Sqlite => {
            let row = sqlx::query("PRAGMA synchronous").fetch_one(tx.conn()).await.unwrap();
            row.try_get::<i64, _>(0).unwrap().to_string()
        }
        carmine_store::Backend::Postgres => {
            let row =
                sqlx::query("SELECT current_setting('synchronous_commit') AS s").fetch_one(tx.conn()).await.unwrap();
            row.try_get("s").unwrap()
        }
    };
    let expected = if t.db.backend() == carmine_store::Backend::Sqlite { "2" } else { "on" };
    assert_eq!(setting, expected, "2 is FULL");
}

async fn member(db: &Db, username: &str) -> Id {
    let mut tx = db.begin().await.unwrap();
    let id = users::insert(
        &mut tx,
        &NewMember { username, password_hash: Some("h"), display_name: username, is_admin: false },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn org(db: &Db, handle: &str, owner: Id) -> Id {
    let mut tx = db.begin().await.unwrap();
    let id = orgs::insert(
        &mut tx,
        &orgs::NewOrg { handle, name: "Brand 品牌", kind: "brand", description: "", owner_id: owner },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn migrations_are_idempotent(t: TestDb) {
    let again = migrate::run(&t.db).await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.already_applied, migrate::known().len());
}

async fn a_member_round_trips(t: TestDb) {
    let id = member(&t.db, "xiaohong").await;
    let mut conn = t.db.reader().await.unwrap();
    let user = users::get(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(user.username.as_deref(), Some("xiaohong"));
    assert_eq!(user.password_hash.as_deref(), Some("h"));
    assert!(!user.is_admin && user.suspended_at.is_none() && user.demographics.is_none());
    assert_eq!(users::get_by_username(&mut conn, "xiaohong").await.unwrap().unwrap().id, id);
    assert!(users::get_by_username(&mut conn, "nobody").await.unwrap().is_none());
    drop(conn);

    let mut tx = t.db.begin().await.unwrap();
    let demographics = users::Demographics {
        birth_year: Some(1995),
        gender: Some("female".into()),
        city: Some("上海".into()),
        consented_at: tx.now(),
    };
    users::update_profile(
        &mut tx,
        id,
        &users::ProfileUpdate {
            display_name: "小红",
            bio: "护肤 & travel",
            avatar_url: None,
            demographics: Some(demographics.clone()),
        },
    )
    .await
    .unwrap();
    assert!(users::set_suspension(&mut tx, id, Some("spam")).await.unwrap());
    assert!(!users::set_suspension(&mut tx, id, Some("again")).await.unwrap(), "already suspended");
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let user = users::get(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(user.display_name, "小红");
    assert_eq!(user.bio, "护肤 & travel");
    assert_eq!(user.demographics, Some(demographics));
    assert_eq!(user.suspension_reason.as_deref(), Some("spam"));
}

async fn handles_are_unique_across_members_and_orgs(t: TestDb) {
    let owner = member(&t.db, "taken").await;
    let mut tx = t.db.begin().await.unwrap();
    let err = users::insert(
        &mut tx,
        &NewMember { username: "taken", password_hash: None, display_name: "", is_admin: false },
    )
    .await
    .unwrap_err();
    assert!(err.is_unique_on("actors", "handle"), "{err}");
    drop(tx);
    let mut tx = t.db.begin().await.unwrap();
    let err = orgs::insert(
        &mut tx,
        &orgs::NewOrg { handle: "taken", name: "x", kind: "brand", description: "", owner_id: owner },
    )
    .await
    .unwrap_err();
    assert!(err.is_unique_on("actors", "handle"), "{err}");
}

async fn a_dropped_transaction_changes_nothing_and_emits_nothing(t: TestDb) {
    {
        let mut tx = t.db.begin().await.unwrap();
        let id = users::insert(
            &mut tx,
            &NewMember { username: "ghost", password_hash: None, display_name: "", is_admin: false },
        )
        .await
        .unwrap();
        tx.emit(DomainEvent::UserSignedUp { user_id: id, username: "ghost".into() }).await.unwrap();
        // dropped without commit
    }
    let mut conn = t.db.reader().await.unwrap();
    assert!(users::get_by_username(&mut conn, "ghost").await.unwrap().is_none());
    assert!(outbox::list_after(&mut conn, None, 10).await.unwrap().is_empty());
}

async fn one_transaction_spans_contexts(t: TestDb) {
    let owner = member(&t.db, "owner").await;
    for commit in [false, true] {
        let mut tx = t.db.begin().await.unwrap();
        let org_id = orgs::insert(
            &mut tx,
            &orgs::NewOrg { handle: "acme", name: "Acme", kind: "brand", description: "", owner_id: owner },
        )
        .await
        .unwrap();
        tokens::insert(&mut tx, owner, "deploy", "hash-of-deploy", "crm_dep").await.unwrap();
        audit::record(&mut tx, None, "create_org", "org", org_id, &serde_json::json!({})).await.unwrap();
        tx.emit(DomainEvent::OrgCreated { org_id, owner_id: owner, handle: "acme".into() }).await.unwrap();
        if commit {
            tx.commit().await.unwrap();
        } else {
            drop(tx);
        }
        let mut conn = t.db.reader().await.unwrap();
        let found = [
            orgs::get_by_handle(&mut conn, "acme").await.unwrap().is_some(),
            tokens::find_active_by_hash(&mut conn, "hash-of-deploy").await.unwrap().is_some(),
            !audit::list(&mut conn, None, 10).await.unwrap().is_empty(),
            outbox::list_after(&mut conn, None, 10).await.unwrap().iter().any(|e| e.event_type == "org_created"),
        ];
        assert_eq!(found, [commit; 4], "all four contexts or none (commit = {commit})");
    }
}

async fn committed_events_are_listed_in_order(t: TestDb) {
    let id = member(&t.db, "eventful").await;
    for n in 0..3 {
        let mut tx = t.db.begin().await.unwrap();
        tx.emit(DomainEvent::ApiTokenCreated { user_id: id, token_id: Id::from_i64(n + 1) }).await.unwrap();
        tx.commit().await.unwrap();
    }
    let mut conn = t.db.reader().await.unwrap();
    let events = outbox::list_after(&mut conn, None, 10).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(events[2].event, DomainEvent::ApiTokenCreated { user_id: id, token_id: Id::from_i64(3) });
    assert_eq!(events[0].event_type, "api_token_created");
    let rest = outbox::list_after(&mut conn, Some(events[0].id), 10).await.unwrap();
    assert_eq!(rest.len(), 2);
}

async fn sessions_are_found_by_hash_and_ended_per_member(t: TestDb) {
    let alice = member(&t.db, "alice").await;
    let bob = member(&t.db, "bob").await;
    let mut tx = t.db.begin().await.unwrap();
    let expires_at = tx.now().plus_seconds(3600);
    let new = |user_id, token_hash| sessions::NewSession {
        user_id,
        token_hash,
        csrf_token: "c",
        expires_at,
        user_agent: "ua",
        ip: "127.0.0.1",
    };
    let a1 = sessions::insert(&mut tx, &new(alice, "hash-a1")).await.unwrap();
    let _a2 = sessions::insert(&mut tx, &new(alice, "hash-a2")).await.unwrap();
    let b1 = sessions::insert(&mut tx, &new(bob, "hash-b1")).await.unwrap();
    tx.commit().await.unwrap();

    let mut conn = t.db.reader().await.unwrap();
    let found = sessions::find_by_token_hash(&mut conn, "hash-a1").await.unwrap().unwrap();
    assert_eq!((found.id, found.user_id), (a1, alice));
    drop(conn);

    let mut tx = t.db.begin().await.unwrap();
    assert_eq!(sessions::delete_for_user(&mut tx, alice, Some(a1)).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    assert!(sessions::find_by_token_hash(&mut conn, "hash-a2").await.unwrap().is_none());
    assert!(sessions::find_by_token_hash(&mut conn, "hash-a1").await.unwrap().is_some());
    assert_eq!(sessions::find_by_token_hash(&mut conn, "hash-b1").await.unwrap().unwrap().id, b1);
}

async fn expired_and_idle_sessions_are_swept(t: TestDb) {
    let alice = member(&t.db, "alice").await;
    let mut tx = t.db.begin().await.unwrap();
    let now = tx.now();
    for (hash, expires) in [("short", now.plus_seconds(10)), ("long", now.plus_seconds(100_000))] {
        sessions::insert(
            &mut tx,
            &sessions::NewSession {
                user_id: alice,
                token_hash: hash,
                csrf_token: "c",
                expires_at: expires,
                user_agent: "",
                ip: "",
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    t.clock.advance_seconds(20);
    let long = sessions::find_by_token_hash(&mut t.db.reader().await.unwrap(), "long").await.unwrap().unwrap();
    sessions::touch(&t.db, long.id, t.db.now()).await.unwrap();
    let mut tx = t.db.begin().await.unwrap();
    // idle cutoff: anything not seen in the last 15 s
    assert_eq!(sessions::delete_expired(&mut tx, t.db.now().plus_seconds(-15)).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    assert!(sessions::find_by_token_hash(&mut conn, "short").await.unwrap().is_none());
    assert!(sessions::find_by_token_hash(&mut conn, "long").await.unwrap().is_some());
}

async fn tokens_are_revoked_only_by_their_owner(t: TestDb) {
    let alice = member(&t.db, "alice").await;
    let mallory = member(&t.db, "mallory").await;
    let mut tx = t.db.begin().await.unwrap();
    let token = tokens::insert(&mut tx, alice, "ci", "tokhash", "crm_abcd").await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.db.begin().await.unwrap();
    assert!(!tokens::revoke(&mut tx, mallory, token).await.unwrap());
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    assert_eq!(tokens::find_active_by_hash(&mut conn, "tokhash").await.unwrap().unwrap().id, token);
    assert_eq!(tokens::count_active(&mut conn, alice).await.unwrap(), 1);
    drop(conn);

    let mut tx = t.db.begin().await.unwrap();
    assert!(tokens::revoke(&mut tx, alice, token).await.unwrap());
    assert!(!tokens::revoke(&mut tx, alice, token).await.unwrap(), "revoking twice changes nothing");
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    assert!(tokens::find_active_by_hash(&mut conn, "tokhash").await.unwrap().is_none());
    assert!(tokens::list_active(&mut conn, alice).await.unwrap().is_empty());
}

async fn erasure_leaves_a_tombstone_and_frees_the_handle(t: TestDb) {
    let id = member(&t.db, "leaving").await;
    let mut tx = t.db.begin().await.unwrap();
    users::erase(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let tombstone = users::get(&mut conn, id).await.unwrap().unwrap();
    assert!(tombstone.deleted_at.is_some());
    assert_eq!((tombstone.username, tombstone.password_hash, tombstone.display_name.as_str()), (None, None, ""));
    assert!(users::get_by_username(&mut conn, "leaving").await.unwrap().is_none());
    drop(conn);
    let newcomer = member(&t.db, "leaving").await;
    assert_ne!(newcomer, id);
}

async fn org_membership_and_roles(t: TestDb) {
    let owner = member(&t.db, "owner").await;
    let staff = member(&t.db, "staff").await;
    let org_id = org(&t.db, "acme", owner).await;
    let mut tx = t.db.begin().await.unwrap();
    orgs::insert_member(&mut tx, org_id, staff, "staff").await.unwrap();
    let err = orgs::insert_member(&mut tx, org_id, staff, "admin").await.unwrap_err();
    assert!(err.is_unique_on("org_members", "org_id"), "{err}");
    drop(tx);
    let mut tx = t.db.begin().await.unwrap();
    orgs::insert_member(&mut tx, org_id, staff, "staff").await.unwrap();
    tx.commit().await.unwrap();

    let mut conn = t.db.reader().await.unwrap();
    assert_eq!(orgs::member_role(&mut conn, org_id, owner).await.unwrap().as_deref(), Some("owner"));
    assert_eq!(orgs::member_role(&mut conn, org_id, staff).await.unwrap().as_deref(), Some("staff"));
    assert_eq!(orgs::count_owners(&mut conn, org_id).await.unwrap(), 1);
    let members = orgs::list_members(&mut conn, org_id).await.unwrap();
    assert_eq!(members.iter().map(|m| m.username.as_str()).collect::<Vec<_>>(), ["owner", "staff"]);
    let mine = orgs::list_for_user(&mut conn, staff).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].0.handle.as_str(), mine[0].1.as_str()), ("acme", "staff"));
    assert_eq!(orgs::get_by_handle(&mut conn, "acme").await.unwrap().unwrap().name, "Brand 品牌");
    drop(conn);

    let mut tx = t.db.begin().await.unwrap();
    assert!(orgs::set_member_role(&mut tx, org_id, staff, "analyst").await.unwrap());
    assert!(orgs::delete_member(&mut tx, org_id, staff).await.unwrap());
    assert!(!orgs::delete_member(&mut tx, org_id, staff).await.unwrap());
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    assert!(orgs::member_role(&mut conn, org_id, staff).await.unwrap().is_none());
}

async fn invitations_close_exactly_once(t: TestDb) {
    let owner = member(&t.db, "owner").await;
    let guest = member(&t.db, "guest").await;
    let org_id = org(&t.db, "acme", owner).await;
    let mut tx = t.db.begin().await.unwrap();
    let expires = tx.now().plus_seconds(60);
    let invitation = orgs::insert_invitation(&mut tx, org_id, guest, "staff", owner, expires).await.unwrap();
    let stale = orgs::insert_invitation(&mut tx, org_id, guest, "admin", owner, expires).await.unwrap();
    tx.commit().await.unwrap();

    let mut conn = t.db.reader().await.unwrap();
    let now = t.db.now();
    assert!(orgs::has_pending_invitation(&mut conn, org_id, guest, now).await.unwrap());
    assert_eq!(orgs::list_pending_invitations_for_user(&mut conn, guest, now).await.unwrap().len(), 2);
    assert_eq!(orgs::count_members(&mut conn, org_id).await.unwrap(), 3, "1 member + 2 pending");
    drop(conn);

    let mut tx = t.db.begin().await.unwrap();
    assert!(orgs::close_invitation(&mut tx, invitation, "accepted").await.unwrap());
    assert!(!orgs::close_invitation(&mut tx, invitation, "declined").await.unwrap());
    tx.commit().await.unwrap();
    t.clock.advance_seconds(120);
    let mut tx = t.db.begin().await.unwrap();
    assert!(!orgs::close_invitation(&mut tx, stale, "accepted").await.unwrap(), "expired");
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let record = orgs::get_invitation(&mut conn, invitation).await.unwrap().unwrap();
    assert_eq!(
        (record.status.as_str(), record.org_handle.as_str(), record.username.as_str()),
        ("accepted", "acme", "guest")
    );
    assert!(orgs::list_pending_invitations_for_user(&mut conn, guest, t.db.now()).await.unwrap().is_empty());
}

async fn verification_is_decided_exactly_once(t: TestDb) {
    let owner = member(&t.db, "owner").await;
    let admin = member(&t.db, "admin").await;
    let org_id = org(&t.db, "acme", owner).await;
    let mut tx = t.db.begin().await.unwrap();
    let request = orgs::insert_verification(&mut tx, org_id, owner, "business licence 91310000").await.unwrap();
    orgs::set_verification_status(&mut tx, org_id, "pending").await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    assert_eq!(orgs::list_verifications(&mut conn, "pending", None, 10).await.unwrap().len(), 1);
    drop(conn);

    let mut tx = t.db.begin().await.unwrap();
    assert!(orgs::decide_verification(&mut tx, request, "approved", admin, "ok").await.unwrap());
    assert!(!orgs::decide_verification(&mut tx, request, "rejected", admin, "no").await.unwrap());
    orgs::set_verification_status(&mut tx, org_id, "verified").await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let decided = orgs::get_verification(&mut conn, request).await.unwrap().unwrap();
    assert_eq!((decided.status.as_str(), decided.decided_by), ("approved", Some(admin)));
    let org = orgs::get(&mut conn, org_id).await.unwrap().unwrap();
    assert_eq!(org.verification_status, "verified");
    assert!(org.verified_at.is_some());
    assert!(orgs::list_verifications(&mut conn, "pending", None, 10).await.unwrap().is_empty());
    assert_eq!(orgs::list_all(&mut conn, Some("verified"), None, 10).await.unwrap().len(), 1);
    assert!(orgs::list_all(&mut conn, Some("unverified"), None, 10).await.unwrap().is_empty());
}

async fn audit_entries_list_newest_first(t: TestDb) {
    let admin = member(&t.db, "admin").await;
    let mut tx = t.db.begin().await.unwrap();
    let first = audit::record(&mut tx, Some(admin), "suspend_user", "user", admin, &serde_json::json!({"reason": "x"}))
        .await
        .unwrap();
    let second = audit::record(&mut tx, None, "unsuspend_user", "user", admin, &serde_json::json!({})).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    let entries = audit::list(&mut conn, None, 10).await.unwrap();
    assert_eq!(entries.iter().map(|e| e.id).collect::<Vec<_>>(), [second, first]);
    assert_eq!(entries[1].details["reason"], "x");
    assert_eq!(entries[0].admin_username, None, "console");
    assert_eq!(entries[1].admin_username.as_deref(), Some("admin"));
    assert_eq!(audit::list(&mut conn, Some(second), 10).await.unwrap().len(), 1);
}

async fn instance_secrets_are_created_once(t: TestDb) {
    let first = secrets::get_or_create(&t.db, "cursor_key", || "one".into()).await.unwrap();
    let second = secrets::get_or_create(&t.db, "cursor_key", || "two".into()).await.unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("one", "one"));
}

async fn member_list_pages_by_prefix(t: TestDb) {
    for name in ["amy_1", "amy_2", "amyx", "bob"] {
        member(&t.db, name).await;
    }
    let mut conn = t.db.reader().await.unwrap();
    let amys = users::list(&mut conn, "amy_", None, 10).await.unwrap();
    assert_eq!(amys.iter().filter_map(|u| u.username.clone()).collect::<Vec<_>>(), ["amy_1", "amy_2"]);
    let page = users::list(&mut conn, "", None, 2).await.unwrap();
    let next = users::list(&mut conn, "", Some(page[1].id), 10).await.unwrap();
    assert_eq!(page.len() + next.len(), 4);
}

async fn concurrent_writers_are_serialised_without_errors(t: TestDb) {
    let mut tasks = Vec::new();
    for n in 0..16 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            let id = users::insert(
                &mut tx,
                &NewMember { username: &format!("racer{n}"), password_hash: None, display_name: "", is_admin: false },
            )
            .await
            .unwrap();
            tx.emit(DomainEvent::UserSignedUp { user_id: id, username: format!("racer{n}") }).await.unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut conn = t.db.reader().await.unwrap();
    assert_eq!(users::list(&mut conn, "racer", None, 100).await.unwrap().len(), 16);
    assert_eq!(outbox::list_after(&mut conn, None, 100).await.unwrap().len(), 16);
}

async fn replies_come_per_thread_in_one_query(t: TestDb) {
    let author = member(&t.db, "author").await;
    let mut tx = t.db.begin().await.unwrap();
    let content = notes::NoteContent {
        title: "t",
        body: "",
        location: None,
        visibility: "public",
        media_ids: &[],
        topics: &[],
        mention_ids: &[],
    };
    let note = notes::insert(&mut tx, author, author, &content, false).await.unwrap();
    let mut roots = Vec::new();
    for _ in 0..3 {
        roots.push(comments::insert(&mut tx, note, author, None, "root").await.unwrap());
    }
    for (n, root) in roots.iter().enumerate() {
        for _ in 0..=n + 1 {
            comments::insert(&mut tx, note, author, Some((*root, *root)), "reply").await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    let mut conn = t.db.reader().await.unwrap();
    // Ask for the last two threads only, at most two replies each.
    let replies = comments::list_replies(&mut conn, note, &roots[1..], 2).await.unwrap();
    let per_root: Vec<usize> = roots.iter().map(|r| replies.iter().filter(|c| c.root_id == Some(*r)).count()).collect();
    assert_eq!(per_root, [0, 2, 2]);
    assert!(
        replies.windows(2).all(|w| (w[0].root_id, w[0].id) < (w[1].root_id, w[1].id)),
        "threads in order, oldest first"
    );
    assert_eq!(notes::get(&mut conn, note).await.unwrap().unwrap().comment_count, 12);
}

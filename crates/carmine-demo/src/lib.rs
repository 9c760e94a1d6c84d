//! The demo: seeds an empty Carmine with a believable community — members and
//! creators, brand organizations with staff, notes in Chinese and English across
//! beauty, fashion, food, travel and home with generated (text-free) images, follows,
//! likes and comments, coins bought and gifts sent to creators, brands' ad balances,
//! members' searches (so trending and suggestions are not empty) — spread over the
//! past weeks.
//!
//! Writes through the store's query modules in large transactions, appending the
//! same outbox events the services would, so later consumers see a normal history.
//! Deterministic: the same seed gives the same community.

mod ads;
mod commerce;
mod content;
mod images;
mod money;
mod purchases;
mod rng;

use std::time::Instant;

use carmine_core::event::DomainEvent;
use carmine_core::{Clock, Error, Id, Result};
use carmine_ledger::payments::Purpose;
use carmine_ledger::{LedgerConfig, Owner};
use carmine_media::{MediaStorage, Variant};
use carmine_store::media::NewMedia;
use carmine_store::notes::NoteContent;
use carmine_store::notifications::{self, NewNotification};
use carmine_store::users::{Demographics, NewMember, ProfileUpdate};
use carmine_store::{Db, Tx, comments, follows, likes, media, notes, orgs, users};

use content::{BRANDS, CATEGORIES, CITIES, COMMENTS, DISPLAY, FAMILY, GIVEN};
use rng::Rng;

/// The demo log-in who holds coins.
const COIN_LOGIN: &str = "meimei";

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "carmine-demo";

/// How big a community to make.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub members: usize,
    pub creators: usize,
    pub notes: usize,
    pub images: usize,
    pub follows: usize,
    pub likes: usize,
    pub comments: usize,
    /// Members who bought coins, and gifts they sent creators.
    pub coin_buyers: usize,
    pub gifts: usize,
}

impl Scale {
    /// `carmine demo`: hundreds of members, thousands of notes; seeds in seconds.
    pub const DEMO: Scale = Scale {
        members: 300,
        creators: 40,
        notes: 3_000,
        images: 240,
        follows: 4_000,
        likes: 30_000,
        comments: 4_000,
        coin_buyers: 60,
        gifts: 600,
    };
    /// For tests.
    pub const SMALL: Scale = Scale {
        members: 30,
        creators: 6,
        notes: 120,
        images: 12,
        follows: 100,
        likes: 400,
        comments: 80,
        coin_buyers: 6,
        gifts: 30,
    };
}

#[derive(Debug, Default)]
pub struct DemoReport {
    pub members: usize,
    pub organizations: usize,
    pub notes: usize,
    pub images: usize,
    pub follows: usize,
    pub likes: usize,
    pub comments: usize,
    /// Coin top-ups and organizations' ad-balance top-ups, paid (sandbox).
    pub top_ups: usize,
    pub gifts: usize,
    /// Behaviour events (impressions, clicks, reads) on the log-ins' newest notes.
    pub reads: usize,
    /// Members' searches over the last week (trending, suggestions, histories).
    pub searches: usize,
    /// Stores of verified brands and merchants, their products, and notes tagging them.
    pub stores: usize,
    pub products: usize,
    pub tagged_notes: usize,
    /// Coupons issued (each store's and the platform's welcome coupon) and flash sales on.
    pub coupons: usize,
    pub sales: usize,
    /// Finished orders in the members' history, and the reviews they wrote.
    pub orders: usize,
    pub reviews: usize,
    /// Approved ads serving in the first brands' feed campaigns.
    pub ads: usize,
    pub seconds: f64,
}

/// True when nobody has signed up yet: the only state the demo seeds.
pub async fn is_empty(db: &Db) -> Result<bool> {
    Ok(users::count_all(&mut *db.reader().await?).await? == 0)
}

/// Activity in the last days notifies the members people log in as (everyone else's
/// notifications would only slow the seeding down).
const NOTIFIED_DAYS: i64 = 3;

/// A notification for `recipient` when they are one of the log-ins and the activity is
/// recent, as the services would write it.
async fn notify_login(
    tx: &mut Tx,
    logins: &[Id],
    since: carmine_core::Timestamp,
    recipient: Id,
    (kind, actor): (&'static str, Id),
    note_id: Option<Id>,
    comment_id: Option<Id>,
) -> Result<()> {
    if recipient != actor && logins.contains(&recipient) && tx.now() >= since {
        let notice = NewNotification {
            recipient_id: recipient,
            kind,
            actor_id: actor,
            note_id,
            comment_id,
            coins: None,
            at: None,
        };
        notifications::insert(tx, &notice).await?;
    }
    Ok(())
}

/// Notes in a row that never share a title (what one reader's feed page might hold).
const RECENT_TITLES: usize = 120;

/// A title for a note of the category: one of its classics or a subject in one of its
/// shapes, none of the recent ones (a few tries; the space is hundreds per category).
fn fresh_title(rng: &mut Rng, category: usize, recent: &std::collections::VecDeque<String>) -> String {
    let mut title = String::new();
    for _ in 0..8 {
        title = if rng.chance(25) {
            rng.pick(CATEGORIES[category].titles).to_string()
        } else {
            let shape = *rng.pick::<&str>(content::SHAPES[category]);
            let subject = *rng.pick::<&str>(content::SUBJECTS[category]);
            shape.replace("{s}", subject)
        };
        if !recent.contains(&title) {
            break;
        }
    }
    title
}

/// Seeds the community. `password_hash` is the hash of [`DEMO_PASSWORD`], made once
/// (hashing per member would dominate the seeding time).
pub async fn seed(db: &Db, storage: &MediaStorage, password_hash: &str, scale: Scale, seed: u64) -> Result<DemoReport> {
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    // History starts 45 days ago and moves forward as the community grows.
    let now = db.now();
    let clock = Clock::manual(now.plus_seconds(-45 * 24 * 3600));
    let db = db.with_clock(clock.clone());
    let mut report = DemoReport::default();

    // Members: the first ones have names people can log in with.
    let mut members = Vec::with_capacity(scale.members);
    // The member log-in the demo offers buys coins first, so a newcomer can send a gift.
    let mut coin_login = None;
    let mut tx = db.begin().await?;
    for i in 0..scale.members {
        let username = match i {
            0 => "admin".to_owned(),
            n if n <= GIVEN.len() => GIVEN[n - 1].to_owned(),
            n => format!("{}_{}{}", GIVEN[n % GIVEN.len()], FAMILY[n % FAMILY.len()], n),
        };
        // A name that goes with the log-in: lanlan is 蓝蓝 (the two lists run in step).
        let display = match i {
            0 => "Carmine Admin".to_owned(),
            n if n <= GIVEN.len() => DISPLAY[n - 1].to_owned(),
            n => DISPLAY[n % DISPLAY.len()].to_owned(),
        };
        let id = users::insert(
            &mut tx,
            &NewMember {
                username: &username,
                password_hash: Some(password_hash),
                display_name: &display,
                is_admin: i == 0,
            },
        )
        .await?;
        tx.emit(DomainEvent::UserSignedUp { user_id: id, username: username.clone() }).await?;
        if i > 0 && i <= scale.creators {
            let category = &CATEGORIES[i % CATEGORIES.len()];
            let bio = format!("分享{}日常 · sharing my {} finds ✨", category.topic, category.topics[2]);
            let demographics = rng.chance(70).then(|| Demographics {
                birth_year: Some(1985 + rng.below(20) as i64),
                gender: Some(rng.pick(&["female", "female", "male", "nonbinary"]).to_string()),
                city: Some(rng.pick(CITIES).to_string()),
                consented_at: tx.now(),
            });
            users::update_profile(
                &mut tx,
                id,
                &ProfileUpdate { display_name: &display, bio: &bio, avatar_url: None, demographics },
            )
            .await?;
        }
        if username == COIN_LOGIN {
            coin_login = Some(id);
        }
        members.push(id);
    }
    tx.commit().await?;
    report.members = members.len();
    clock.advance_seconds(3600);

    // Brand organizations, each owned by a creator with a colleague on staff.
    let mut org_ids = Vec::new();
    let mut tx = db.begin().await?;
    for (n, (handle, name, kind, category)) in BRANDS.iter().enumerate() {
        let owner = members[1 + n % scale.creators.max(1)];
        let org_id = orgs::insert(
            &mut tx,
            &orgs::NewOrg { handle, name, kind, description: "官方账号 · official account", owner_id: owner },
        )
        .await?;
        tx.emit(DomainEvent::OrgCreated { org_id, owner_id: owner, handle: handle.to_string() }).await?;
        let staff = members[(scale.creators + 1 + n) % members.len()];
        if staff != owner {
            orgs::insert_member(&mut tx, org_id, staff, "staff").await?;
        }
        if n % 2 == 0 {
            orgs::set_verification_status(&mut tx, org_id, "verified").await?;
        }
        org_ids.push((org_id, owner, *category));
    }
    tx.commit().await?;
    report.organizations = org_ids.len();

    // Images, generated on both cores and written as the media pipeline would.
    let per_category = (scale.images / CATEGORIES.len()).max(1);
    let jobs: Vec<(usize, u64)> =
        (0..per_category * CATEGORIES.len()).map(|i| (i % CATEGORIES.len(), seed ^ (i as u64) << 20)).collect();
    let pictures = tokio::task::spawn_blocking(move || {
        let (left, right) = jobs.split_at(jobs.len() / 2);
        let make = |part: &[(usize, u64)]| {
            part.iter().map(|(c, s)| (*c, images::picture(*c, &CATEGORIES[*c].palette, *s))).collect::<Vec<_>>()
        };
        std::thread::scope(|scope| {
            let other = scope.spawn(|| make(right));
            let mut done = make(left);
            done.extend(other.join().expect("image thread"));
            done
        })
    })
    .await
    .map_err(Error::internal)?;
    let mut pool: Vec<Vec<Id>> = vec![Vec::new(); CATEGORIES.len()];
    let mut tx = db.begin().await?;
    for (category, picture) in &pictures {
        let id = db.new_id();
        storage.write(id, Variant::Detail, &picture.detail).await?;
        storage.write(id, Variant::Grid, &picture.grid).await?;
        let key = carmine_core::secret::random_token(12);
        media::insert(
            &mut tx,
            &NewMedia {
                id,
                owner_id: members[0],
                url_key: &key,
                source_format: "jpeg",
                source_bytes: picture.detail.len() as i64,
                width: i64::from(picture.detail_size.0),
                height: i64::from(picture.detail_size.1),
                grid_width: i64::from(picture.grid_size.0),
                grid_height: i64::from(picture.grid_size.1),
                stored_bytes: (picture.detail.len() + picture.grid.len()) as i64,
                placeholder_color: &picture.placeholder,
            },
        )
        .await?;
        tx.emit(DomainEvent::MediaUploaded { media_id: id, owner_id: members[0] }).await?;
        pool[*category].push(id);
    }
    tx.commit().await?;
    report.images = pictures.len();

    // Notes, spread over the weeks; creators write most, brands some.
    let step = (44 * 24 * 3600 / scale.notes.max(1) as i64).max(1);
    let mut note_ids = Vec::with_capacity(scale.notes);
    // Organizations' public notes: (organization, note), oldest first (their ads).
    let mut org_notes = Vec::new();
    let mut note_times = Vec::with_capacity(scale.notes);
    // What the shops may tag (`commerce::TaggableNote`).
    let mut note_shelves = Vec::with_capacity(scale.notes);
    // What the community wrote about, and how many notes each: what members search.
    let mut written: Vec<(String, u64)> = Vec::new();
    let mut recent_titles = std::collections::VecDeque::with_capacity(RECENT_TITLES + 1);
    let mut tx = db.begin().await?;
    for n in 0..scale.notes {
        clock.advance_seconds(step);
        let mut category_index = rng.below(CATEGORIES.len());
        let (author, posted_by) = if rng.chance(10) {
            // A brand writes about what it makes.
            let (org, owner, category) = *rng.pick(&org_ids);
            category_index = category;
            (org, owner)
        } else if rng.chance(75) {
            let creator = members[1 + rng.skewed(scale.creators.max(1))];
            (creator, creator)
        } else {
            let member = members[1 + rng.below(members.len() - 1)];
            (member, member)
        };
        let category = &CATEGORIES[category_index];
        let title = fresh_title(&mut rng, category_index, &recent_titles);
        recent_titles.push_back(title.clone());
        if recent_titles.len() > RECENT_TITLES {
            recent_titles.pop_front();
        }
        let first = rng.below(category.lines.len());
        let second = (first + 1 + rng.below(category.lines.len() - 1)) % category.lines.len();
        let extra_topic = category.topics[1 + rng.below(category.topics.len() - 1)];
        let body =
            format!("{}\n{}\n#{} #{}", category.lines[first], category.lines[second], category.topic, extra_topic);
        let images: Vec<Id> = {
            let count = 1 + rng.below(4);
            let mut chosen = Vec::new();
            for _ in 0..count {
                let image = *rng.pick(&pool[category_index]);
                if !chosen.contains(&image) {
                    chosen.push(image);
                }
            }
            chosen
        };
        let topics = carmine_core::text::parse_topics(&body);
        for subject in topics.iter().map(String::as_str).chain([title.as_str()]) {
            match written.iter_mut().find(|(s, _)| s == subject) {
                Some((_, notes)) => *notes += 1,
                None => written.push((subject.to_owned(), 1)),
            }
        }
        let visibility = if rng.chance(95) { "public" } else { "followers" };
        let content = NoteContent {
            title: &title,
            body: &body,
            location: rng.chance(30).then(|| *rng.pick(CITIES)),
            visibility,
            media_ids: &images,
            topics: &topics,
            mention_ids: &[],
        };
        let id = notes::insert(&mut tx, author, posted_by, &content, true).await?;
        tx.emit(DomainEvent::NotePublished { note_id: id, author_id: author }).await?;
        note_ids.push((id, posted_by));
        if author != posted_by && visibility == "public" {
            org_notes.push((author, id));
        }
        if visibility == "public" {
            let text = title.to_lowercase();
            note_shelves.push((id, author, posted_by, category_index, images.first().copied(), text));
        }
        note_times.push(clock.now());
        if n % 1_000 == 999 {
            tx.commit().await?;
            tx = db.begin().await?;
        }
    }
    tx.commit().await?;
    report.notes = note_ids.len();
    // The verified brands and merchants open shops; some notes tag their products.
    let shop_orgs: Vec<(Id, Id, usize, &'static str, &'static str)> = BRANDS
        .iter()
        .enumerate()
        .filter(|(n, (_, _, kind, _))| n % 2 == 0 && *kind != "agency")
        .map(|(n, (_, name, kind, _))| (org_ids[n].0, org_ids[n].1, org_ids[n].2, *name, *kind))
        .collect();
    // Its own random stream: the community's stays what it was without shops.
    let shops = commerce::seed(&db, &mut Rng::new(seed ^ 0x5_4093), &shop_orgs, &pool, &note_shelves).await?;
    report.stores = shops.stores;
    report.products = shops.products;
    report.tagged_notes = shops.tagged_notes;
    // Engagement happens over the last three weeks, up to now.
    let engagement_start = now.plus_seconds(-21 * 24 * 3600);
    clock.set(engagement_start);
    let engagement_step = (21 * 24 * 3600 / (scale.likes + scale.comments + scale.follows).max(1) as i64).max(1);

    // Follows, likes and comments, skewed towards popular creators and notes.
    let logins: Vec<Id> = members.iter().skip(1).take(GIVEN.len()).copied().collect();
    let notified_since = now.plus_seconds(-NOTIFIED_DAYS * 24 * 3600);
    let mut tx = db.begin().await?;
    for _ in 0..scale.follows {
        let follower = members[1 + rng.below(members.len() - 1)];
        let followee =
            if rng.chance(85) { members[1 + rng.skewed(scale.creators.max(1))] } else { rng.pick(&org_ids).0 };
        clock.advance_seconds(engagement_step);
        if follower != followee && follows::insert(&mut tx, follower, followee).await? {
            tx.emit(DomainEvent::ActorFollowed {
                follower_id: follower,
                followee_id: followee,
                from_note: None,
                via_ad: None,
            })
            .await?;
            notify_login(&mut tx, &logins, notified_since, followee, ("follow", follower), None, None).await?;
            report.follows += 1;
        }
    }
    let mut likes_of = std::collections::HashMap::new();
    for n in 0..scale.likes {
        let user = members[1 + rng.below(members.len() - 1)];
        let (note, author) = note_ids[note_ids.len() - 1 - rng.skewed(note_ids.len())];
        clock.advance_seconds(engagement_step);
        if likes::insert(&mut tx, user, note).await? {
            *likes_of.entry(note).or_insert(0) += 1;
            tx.emit(DomainEvent::NoteLiked { note_id: note, user_id: user, via_ad: None }).await?;
            notify_login(&mut tx, &logins, notified_since, author, ("like", user), Some(note), None).await?;
            report.likes += 1;
        }
        if n % 5_000 == 4_999 {
            tx.commit().await?;
            tx = db.begin().await?;
        }
    }
    for _ in 0..scale.comments {
        let user = members[1 + rng.below(members.len() - 1)];
        // Conversations spread wider than likes.
        let (note, author) = note_ids[rng.below(note_ids.len()).min(rng.below(note_ids.len()))];
        clock.advance_seconds(engagement_step);
        let body = rng.pick(COMMENTS);
        let id = comments::insert(&mut tx, note, user, None, body).await?;
        tx.emit(DomainEvent::CommentAdded {
            comment_id: id,
            note_id: note,
            author_id: user,
            parent_id: None,
            via_ad: None,
        })
        .await?;
        notify_login(&mut tx, &logins, notified_since, author, ("comment", user), Some(note), Some(id)).await?;
        report.comments += 1;
    }
    tx.commit().await?;

    // Money over the same three weeks: members buy coins and send creators gifts;
    // brands top up their ad balance — all through the ledger, balanced.
    clock.set(engagement_start);
    let money_step = (21 * 24 * 3600 / (scale.coin_buyers + scale.gifts + org_ids.len()).max(1) as i64).max(1);
    let mut tx = db.begin().await?;
    let mut buyers: Vec<Id> = coin_login.into_iter().collect();
    buyers.extend((buyers.len()..scale.coin_buyers).map(|i| members[members.len() - 1 - i % (members.len() - 1)]));
    for buyer in &buyers {
        clock.advance_seconds(money_step);
        let pack = *rng.pick(&[6_800_i64, 12_800, 32_800, 64_800]);
        money::paid_top_up(&mut tx, *buyer, Owner::User(*buyer), Purpose::Coins, pack).await?;
        report.top_ups += 1;
    }
    for (org, owner, _) in &org_ids {
        clock.advance_seconds(money_step);
        money::paid_top_up(&mut tx, *owner, Owner::Org(*org), Purpose::AdBalance, 500_000).await?;
        report.top_ups += 1;
    }
    let config = LedgerConfig::default();
    for _ in 0..scale.gifts {
        clock.advance_seconds(money_step);
        // The log-in keeps her coins for the newcomer trying the demo.
        let senders = &buyers[coin_login.iter().count()..];
        if senders.is_empty() {
            break;
        }
        let from = *rng.pick(senders);
        let to = members[1 + rng.skewed(scale.creators.max(1))];
        let coins = *rng.pick(&[1_i64, 6, 10, 52, 66, 99, 188, 520]);
        if from != to && money::gift(&mut tx, &config, from, to, coins).await? {
            report.gifts += 1;
        }
    }
    tx.commit().await?;

    // What happened before yesterday has been seen; the rest waits, unread.
    let mut tx = db.begin().await?;
    for login in &logins {
        let seen_before = now.plus_seconds(-24 * 3600);
        let list = notifications::list(tx.conn(), *login, None, 500).await?;
        if let Some(last_seen) = list.iter().find(|n| n.created_at < seen_before) {
            notifications::mark_read(&mut tx, *login, Some(last_seen.id)).await?;
        }
    }
    tx.commit().await?;

    report.searches = seed_searches(&db, &clock, now, &mut rng, &members, &written, scale.members * 3).await?;

    // The log-ins' newest notes were seen and read, so their statistics and traffic
    // pools show what a creator would see.
    let mut read_notes = Vec::new();
    for login in logins.iter().take(PRINTED_CREATORS) {
        let theirs = note_ids.iter().zip(&note_times).filter(|((_, by), _)| by == login);
        let newest: Vec<_> = theirs.collect::<Vec<_>>().into_iter().rev().take(READ_NOTES_PER_LOGIN).collect();
        read_notes.extend(newest.into_iter().map(|((id, _), at)| (*id, *at, likes_of.get(id).copied().unwrap_or(0))));
    }
    report.reads = seed_reading(&db, now, &mut rng, &members, &read_notes).await?;
    // Coupons and flash sales on now; the log-ins hold the platform's welcome coupon.
    let holders: Vec<Id> = members.iter().skip(1).take(GIVEN.len()).copied().collect();
    (report.coupons, report.sales) = commerce::offers(&db, clock.now(), members[0], &holders).await?;
    // Their own random stream again: what came before stays as it was.
    let shoppers: Vec<Id> = holders.iter().chain(members.iter().skip(1 + GIVEN.len()).take(40)).copied().collect();
    (report.orders, report.reviews) = purchases::seed(&db, &mut Rng::new(seed ^ 0x0d_e4), &shoppers, now).await?;
    let advertisers: Vec<(Id, Id)> = org_ids.iter().map(|(org, owner, _)| (*org, *owner)).collect();
    report.ads = ads::seed(&db, clock.now(), &advertisers, &org_notes).await?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// How many of each log-in's newest notes carry reading statistics.
const READ_NOTES_PER_LOGIN: usize = 20;

/// The first members (xiaohong, lanlan, meimei): the log-ins the demo prints.
const PRINTED_CREATORS: usize = 3;

/// Behaviour on `notes` (id, published at, likes), as clients report it: each note
/// shown to several times as many members as liked it, some of them opening it and
/// reading for a while — written to the behaviour log as ingest writes it, for the
/// data plane to roll up into note statistics and traffic pools. Returns how many
/// events were written.
async fn seed_reading(
    db: &Db,
    now: carmine_core::Timestamp,
    rng: &mut Rng,
    members: &[Id],
    notes: &[(Id, carmine_core::Timestamp, u32)],
) -> Result<usize> {
    let mut written = 0;
    let mut tx = db.begin().await?;
    for (note, published, likes) in notes {
        let span = (now.micros() - published.micros()).max(1);
        let impressions = (*likes as usize * 3 + 12 + rng.below(30)).min(300);
        for i in 0..impressions {
            let viewer = members[1 + rng.below(members.len() - 1)];
            let at = carmine_core::Timestamp(published.micros() + (rng.next_u64() % span as u64) as i64);
            let opened = rng.chance(22);
            let kinds: &[&str] = if opened { &["impression", "click", "read"] } else { &["impression"] };
            for kind in kinds {
                let client_event_id = format!("demo-{note}-{i}-{kind}");
                let event = carmine_store::behaviour::NewBehaviourEvent {
                    viewer_key: viewer.as_i64(),
                    client_event_id: &client_event_id,
                    kind,
                    note_id: *note,
                    surface: "home",
                    position: (*kind != "read").then(|| rng.below(40) as i64),
                    dwell_ms: (*kind == "read").then(|| 4_000 + rng.below(70_000) as i64),
                    occurred_at: at,
                    search_id: None,
                    ad_id: None,
                };
                if carmine_store::behaviour::insert(&mut tx, &event).await? {
                    written += 1;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(written)
}

/// A week of members searching for what the community wrote about, written as the
/// search journal writes them (`searched` events, each member's history): most
/// queries steady, a few rising in the last hours — so trending and the suggestions
/// offered as members type have something to show, each query searched by many
/// members as the suggestion threshold wants. Results are the notes written on the
/// subject (a search finds at least those).
async fn seed_searches(
    db: &Db,
    clock: &Clock,
    now: carmine_core::Timestamp,
    rng: &mut Rng,
    members: &[Id],
    written: &[(String, u64)],
    count: usize,
) -> Result<usize> {
    let mut subjects: Vec<(String, u64)> =
        written.iter().filter(|(s, _)| s.chars().count() <= 12).map(|(s, n)| (s.to_lowercase(), *n)).collect();
    subjects.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if subjects.is_empty() || members.len() < 2 {
        return Ok(0);
    }
    let rising: Vec<usize> = (0..subjects.len().min(4)).map(|i| subjects.len() - 1 - i * subjects.len() / 5).collect();
    let (week, recent) = (7 * 24 * 3600, 4 * 3600);
    let steady = count * 4 / 5;
    let mut tx = db.begin().await?;
    for n in 0..count {
        let (at, subject) = if n < steady {
            (now.plus_seconds(-week + (n as i64) * (week - recent) / steady as i64), rng.skewed(subjects.len()))
        } else {
            let offset = ((n - steady) as i64) * recent / (count - steady).max(1) as i64;
            (now.plus_seconds(-recent + offset), rising[rng.below(rising.len())])
        };
        clock.set(at);
        let user = members[1 + rng.below(members.len() - 1)];
        let (query, results) = &subjects[subject];
        carmine_store::search::remember(&mut tx, user, query, at, carmine_core::limits::SEARCH_HISTORY_MAX).await?;
        tx.emit(DomainEvent::Searched {
            search_id: db.new_id(),
            user_id: Some(user),
            query: query.clone(),
            results: *results,
            relaxed: false,
            sort: "relevance".to_owned(),
            filtered: false,
            page: 0,
            searched_at: at,
        })
        .await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// The accounts a newcomer can try, with what each shows.
pub fn logins() -> Vec<(&'static str, &'static str)> {
    vec![
        ("admin", "the operator: /admin"),
        ("lanlan", "a creator with followers, notes and gift earnings to withdraw: /wallet"),
        ("xiaohong", "a creator who owns a brand (its ad balance: /o/…/money)"),
        ("meimei", "a member with coins to send gifts: /wallet"),
    ]
}

//! The demo seeds a consistent community on both databases, once.

use carmine_demo::{Scale, is_empty, seed};
use carmine_media::MediaStorage;
use carmine_store::testing::TestDb;
use carmine_store::{comments, likes, notes, outbox};

carmine_store::both_backends!(a_small_community_is_consistent);

async fn a_small_community_is_consistent(t: TestDb) {
    let media_dir = tempfile::tempdir().unwrap();
    let storage = MediaStorage::new(media_dir.path());
    assert!(is_empty(&t.db).await.unwrap());
    let report = seed(&t.db, &storage, "$argon2id$not-a-real-hash", Scale::SMALL, 7).await.unwrap();
    assert_eq!(report.members, Scale::SMALL.members);
    assert_eq!(report.notes, Scale::SMALL.notes);
    assert!(report.likes > 0 && report.comments > 0 && report.follows > 0);
    assert!(!is_empty(&t.db).await.unwrap());

    let mut conn = t.db.reader().await.unwrap();
    // Shops: the verified brands and merchants, their products listed with stock and
    // prices, some notes tagging them (each tag on a listed product, pinned inside).
    assert_eq!((report.stores, report.products), (3, 16));
    // Each store's coupon and the platform's; a flash sale on each brand's first product;
    // every printed log-in holds the welcome coupon.
    assert_eq!(report.coupons, report.stores + 1);
    assert!(report.sales >= 1 && report.sales <= report.stores, "{report:?}");
    let lanlan =
        carmine_store::users::get_by_username(&mut t.db.reader().await.unwrap(), "lanlan").await.unwrap().unwrap();
    let held = carmine_store::coupons::member_coupons(&mut t.db.reader().await.unwrap(), lanlan.id, "available", 10)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    assert!(report.tagged_notes > 0);
    // The first brands' feed campaigns serve approved ads of their own public notes.
    assert!(report.ads > 0, "{report:?}");
    let serving = carmine_store::ads::serving(&mut conn, t.clock.now()).await.unwrap();
    assert_eq!(serving.len(), report.ads);
    for ad in &serving {
        let note = notes::get(&mut conn, ad.note_id).await.unwrap().unwrap();
        assert_eq!((note.author_id, note.visibility.as_str()), (ad.advertiser_id, "public"));
    }
    let listed = carmine_store::products::list_public(&mut conn, &Default::default(), None, 100).await.unwrap();
    assert_eq!(listed.len(), 16);
    assert!(listed.iter().all(|p| p.price_min_minor > 0 && p.cover.is_some()));
    let tagged: Vec<_> = notes::list_public(&mut conn, None, 500).await.unwrap();
    let mut tags = 0;
    for note in &tagged {
        for tag in carmine_store::product_tags::for_note(&mut conn, note.id).await.unwrap() {
            assert!(listed.iter().any(|p| p.id == tag.product_id));
            assert!(tag.pin.is_none_or(|(_, x, y)| (0..=1000).contains(&x) && (0..=1000).contains(&y)));
            tags += 1;
        }
    }
    assert!(tags > 0 && tags <= report.tagged_notes);
    // The log-ins' newest notes were seen and read, as the behaviour log holds it.
    assert!(report.reads > 0);
    assert_eq!(carmine_store::behaviour::count(&mut conn).await.unwrap(), report.reads as i64);
    let latest = notes::list_public(&mut conn, None, 500).await.unwrap();
    assert!(latest.len() >= Scale::SMALL.notes * 9 / 10, "most notes are public");
    assert!(latest.iter().all(|n| n.cover.is_some()), "every note has a cover");
    assert!(latest.windows(2).all(|w| w[0].published_at >= w[1].published_at), "a history spread over time");
    for note in latest.iter().take(20) {
        assert_eq!(note.like_count, likes::count(&mut conn, note.id).await.unwrap(), "like counters match rows");
        assert_eq!(note.comment_count, comments::count_live(&mut conn, note.id).await.unwrap());
        let cover = note.cover.as_ref().unwrap();
        assert!(storage.read(cover.media_id, carmine_media::Variant::Grid).await.is_ok(), "the cover file exists");
    }
    // Money: coins bought, gifts sent, the books balanced.
    assert!(report.top_ups >= Scale::SMALL.coin_buyers && report.gifts > 0, "{report:?}");
    let meimei = carmine_store::users::get_by_username(&mut conn, "meimei").await.unwrap().unwrap().id;
    let coins = carmine_store::ledger::find_account(&mut conn, "user", meimei, "coins", "CNY").await.unwrap();
    assert!(coins.is_some_and(|c| c.balance > 0), "the demo's member log-in holds coins to send gifts");
    // A purchase history: every printed log-in bought and was delivered, reviews count
    // in their products' ratings, and none of it touched the books.
    assert!(report.orders >= 3 && report.reviews > 0, "{report:?}");
    for login in ["xiaohong", "lanlan", "meimei"] {
        let user = carmine_store::users::get_by_username(&mut conn, login).await.unwrap().unwrap().id;
        let bought = carmine_store::orders::buyer_orders(&mut conn, user, &[], None, 10).await.unwrap();
        assert!(!bought.is_empty() && bought.iter().all(|o| o.status == "settled"), "{login}: {bought:?}");
    }
    let mut rated = 0;
    for product in &listed {
        rated += carmine_store::reviews::product_rating(&mut conn, product.id).await.unwrap().0;
    }
    assert_eq!(rated as usize, report.reviews);
    let books = carmine_ledger::reconcile::reconcile(&t.db).await.unwrap();
    assert!(books.is_clean(), "{books:?}");
    assert_eq!(books.transactions as usize, report.top_ups + report.gifts);
    let events = outbox::list_after(&mut conn, None, 100_000).await.unwrap();
    assert!(
        events.iter().filter(|e| e.event_type == "note_published").count() == Scale::SMALL.notes,
        "events as the services would write"
    );
    // Searches: enough members per query for the suggestion threshold (5), some rising
    // in the last hours, every one with results, in the searchers' histories.
    let mut searchers: std::collections::HashMap<String, std::collections::HashSet<carmine_core::Id>> =
        Default::default();
    let mut recent = 0;
    for e in events.iter().filter(|e| e.event_type == "searched") {
        let carmine_core::event::DomainEvent::Searched { user_id, query, results, searched_at, .. } = &e.event else {
            panic!("a searched event");
        };
        assert!(*results > 0, "{query} found nothing");
        searchers.entry(query.clone()).or_default().insert(user_id.expect("signed in"));
        recent += usize::from(searched_at.micros() > t.db.now().micros() - 6 * 3_600_000_000);
    }
    assert!(searchers.values().filter(|s| s.len() >= 5).count() >= 5, "{searchers:?}");
    assert!(recent > report.searches / 10, "some searched in the last hours: {recent}");
    let (query, who) = searchers.iter().next().expect("searches were seeded");
    let someone = *who.iter().next().unwrap();
    let history = carmine_store::search::history(&mut conn, someone, 50).await.unwrap();
    assert!(history.iter().any(|(q, _)| q == query), "the searcher's history holds {query}: {history:?}");
}

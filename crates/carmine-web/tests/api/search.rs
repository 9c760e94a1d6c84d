//! Search through the API: paging a word finds exactly the visible notes that contain
//! it as a segmented word (checked against the analyzer itself), edits and removals
//! reach the results once the indexer has caught up (tests wait on `sync`), Chinese
//! and English analysis (stemming, typos, phrases, traditional and full-width forms),
//! filters and sorts, members and topics beside the notes, queries that are empty,
//! huge or full of syntax never fail; and what searches feed: history, trending,
//! suggestions (pinyin too), hidden terms, clicks naming their search.

use std::collections::BTreeSet;

use carmine_search::Analyzer;
use carmine_search::analyzer::Mode;
use carmine_store::testing::TestDb;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp, encode};

carmine_store::both_backends!(
    paging_a_word_finds_every_visible_note_that_contains_it,
    edits_and_removals_reach_the_results,
    english_and_chinese_analysis_filters_and_sorts,
    members_and_topics_come_with_the_first_page,
    bad_queries_never_fail,
    searches_feed_history_trending_and_suggestions,
    a_rebuild_from_the_database_finds_the_same,
);

async fn search(app: &TestApp, reader: &Client, params: &[(&str, &str)]) -> Value {
    app.sync().await;
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    let response = app.get(reader, &format!("/api/v1/search?{}", query.join("&"))).await;
    response.assert_status(200);
    response.json()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

/// Every note id a search returns, following cursors to the end.
async fn all_pages(app: &TestApp, reader: &Client, q: &str, limit: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut cursor = String::new();
    for _ in 0..50 {
        let page = search(app, reader, &[("q", q), ("limit", limit), ("cursor", &cursor)]).await;
        found.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return found,
        }
    }
    panic!("more than 50 pages");
}

async fn paging_a_word_finds_every_visible_note_that_contains_it(t: TestDb) {
    let app = TestApp::new(t).await;
    let authors = [app.signup("hiker").await, app.signup("camper").await, app.signup("glamper").await];
    let reader = app.signup("reader").await;
    let texts = [
        "周末去山里露营，风景很好",
        "露营装备清单 #露营",
        "第一次带猫咪露营",
        "Camping by the lake, 露营 vibes",
        "这个露营地超级安静",
        "城市漫游：咖啡和书店",
        "秋冬护肤清单，敏感肌友好",
        "露营的时候一定要带防晒霜",
        "Sunset hike and coffee",
        "河边露营烧烤",
        "山顶看日出，没有露营",
        "新手露营指南 #camping",
        "一个人的露营",
        "周末在家做烘焙",
        "露营灯推荐",
        "带爸妈去露营",
        "海边露营的一晚",
        "下雨天也能露营吗",
        "露营椅和桌子怎么选",
        "湖边露营 #露营 #周末",
        "通勤穿搭一周",
        "露营美食合集",
    ];
    let analyzer = Analyzer::new("");
    let mut expected = BTreeSet::new();
    for (i, text) in texts.iter().enumerate() {
        let id = app.publish(&authors[i % 3], &format!("笔记{i}"), json!({ "body": text })).await;
        let words = analyzer.terms(&format!("笔记{i} {text}"), Mode::Index);
        if words.iter().any(|w| w == "露营") {
            expected.insert(id);
        }
    }
    assert!(expected.len() >= 15, "the fixture has enough notes with the word to page: {}", expected.len());
    let private =
        app.publish(&authors[0], "私密露营", json!({ "body": "只给自己看的露营", "visibility": "private" })).await;
    let friends =
        app.publish(&authors[1], "朋友露营", json!({ "body": "只给粉丝看的露营", "visibility": "followers" })).await;

    let found = all_pages(&app, &reader, "露营", "4").await;
    let unique: BTreeSet<String> = found.iter().cloned().collect();
    assert_eq!(unique.len(), found.len(), "no note appears on two pages");
    assert_eq!(unique, expected, "every visible note with the word, and nothing else");
    let first = search(&app, &reader, &[("q", "露营"), ("limit", "4")]).await;
    assert_eq!(first["total"], expected.len());
    let snippet: String = first["items"][0]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|run| run["matched"] == true)
        .map(|run| run["text"].as_str().unwrap())
        .collect();
    assert!(snippet.contains("露营"), "the snippet marks the word: {first}");

    // The author finds their private note; a follower the followers-only one.
    let mine = all_pages(&app, &authors[0], "露营", "20").await;
    assert!(mine.contains(&private) && !mine.contains(&friends));
    app.post(&reader, "/api/v1/actors/camper/follow", json!({})).await.assert_status(200);
    let following = all_pages(&app, &reader, "露营", "20").await;
    assert!(following.contains(&friends) && !following.contains(&private));
}

async fn edits_and_removals_reach_the_results(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("editor").await;
    let reader = app.signup("reader").await;
    let note = app.publish(&author, "Matcha latte", json!({ "body": "抹茶拿铁很好喝" })).await;
    let other = app.publish(&author, "Matcha cake", json!({ "body": "抹茶蛋糕" })).await;
    assert_eq!(ids(&search(&app, &reader, &[("q", "latte")]).await), vec![note.clone()]);

    app.patch(&author, &format!("/api/v1/notes/{note}"), json!({ "title": "Hojicha latte", "body": "焙茶拿铁" }))
        .await
        .assert_status(200);
    assert!(ids(&search(&app, &reader, &[("q", "抹茶")]).await) == [other.clone()], "the old words are gone");
    assert_eq!(ids(&search(&app, &reader, &[("q", "焙茶")]).await), vec![note.clone()]);

    app.delete(&author, &format!("/api/v1/notes/{note}"), None).await.assert_status(204);
    let after = search(&app, &reader, &[("q", "latte")]).await;
    assert_eq!(after["total"], 0, "a removed note disappears once the indexer caught up: {after}");

    app.patch(&author, &format!("/api/v1/notes/{other}"), json!({ "visibility": "private" })).await.assert_status(200);
    assert_eq!(search(&app, &reader, &[("q", "matcha")]).await["total"], 0, "made private: gone for others");
    assert_eq!(ids(&search(&app, &author, &[("q", "matcha")]).await), [other]);
}

async fn english_and_chinese_analysis_filters_and_sorts(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("writer").await;
    let reader = app.signup("reader").await;
    let running = app.publish(&author, "Running shoes", json!({ "body": "for trail runners #shoes" })).await;
    let lipstick = app.publish(&author, "Red matte lipstick", json!({ "body": "a long-wearing shade" })).await;
    let reversed =
        app.publish(&author, "Matte red case", json!({ "body": "a phone case, 2 photos", "extra_images": 1 })).await;
    let skincare = app.publish(&author, "秋冬护肤", json!({ "body": "敏感肌的护肤清单 #护肤" })).await;

    assert_eq!(ids(&search(&app, &reader, &[("q", "run")]).await), vec![running.clone()], "stemmed");
    assert_eq!(ids(&search(&app, &reader, &[("q", "ＲＵＮＮＩＮＧ")]).await), vec![running.clone()], "full-width");
    assert_eq!(ids(&search(&app, &reader, &[("q", "lipstik")]).await), vec![lipstick.clone()], "one typo");
    assert_eq!(
        ids(&search(&app, &reader, &[("q", "\"red matte\"")]).await),
        vec![lipstick.clone()],
        "a phrase keeps order"
    );
    let both: BTreeSet<String> = ids(&search(&app, &reader, &[("q", "red matte")]).await).into_iter().collect();
    assert_eq!(both, BTreeSet::from([lipstick.clone(), reversed.clone()]));
    assert_eq!(
        ids(&search(&app, &reader, &[("q", "護膚")]).await),
        vec![skincare.clone()],
        "traditional folds to simplified"
    );

    // Filters.
    let album = search(&app, &reader, &[("q", "red matte"), ("media", "album")]).await;
    assert_eq!(ids(&album), vec![reversed.clone()]);
    assert_eq!(ids(&search(&app, &reader, &[("q", "护肤"), ("topic", "#护肤")]).await), vec![skincare.clone()]);
    assert_eq!(search(&app, &reader, &[("q", "护肤"), ("topic", "shoes")]).await["total"], 0);
    assert_eq!(
        ids(&search(&app, &reader, &[("topic", "shoes")]).await),
        vec![running.clone()],
        "a topic alone browses it"
    );
    assert_eq!(search(&app, &reader, &[("q", "red"), ("since", "2999-01-01T00:00:00Z")]).await["total"], 0);
    assert_eq!(search(&app, &reader, &[("q", "red"), ("until", "2000-01-01T00:00:00Z")]).await["total"], 0);

    // Sorts: newest first; most engaged first.
    let newest = ids(&search(&app, &reader, &[("q", "red matte"), ("sort", "newest")]).await);
    assert_eq!(newest, [reversed.clone(), lipstick.clone()]);
    app.post(&reader, &format!("/api/v1/notes/{lipstick}/like"), json!({})).await.assert_status(200);
    let engaged = ids(&search(&app, &reader, &[("q", "matte"), ("sort", "engaged")]).await);
    assert_eq!(engaged, [lipstick, reversed]);
}

async fn members_and_topics_come_with_the_first_page(t: TestDb) {
    let app = TestApp::new(t).await;
    let brand_fan = app.signup("coffee_lover").await;
    app.patch(&brand_fan, "/api/v1/me", json!({ "display_name": "咖啡爱好者", "bio": "每天一杯手冲" }))
        .await
        .assert_status(200);
    let other = app.signup("tea_person").await;
    app.publish(&other, "手冲咖啡", json!({ "body": "#咖啡 #咖啡豆 今天的豆子" })).await;
    app.publish(&other, "拿铁", json!({ "body": "#咖啡 拉花练习" })).await;

    let page = search(&app, &other, &[("q", "咖啡")]).await;
    let handles: Vec<&str> = page["actors"].as_array().unwrap().iter().map(|a| a["handle"].as_str().unwrap()).collect();
    assert_eq!(handles, ["coffee_lover"], "{page}");
    let topics: Vec<(&str, u64)> = page["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["topic"].as_str().unwrap(), t["notes"].as_u64().unwrap()))
        .collect();
    assert_eq!(topics, [("咖啡", 2), ("咖啡豆", 1)]);
    // Engagement re-indexes a note (its old version stays in the index until segments
    // merge); a topic's count is still what a search of it finds.
    let latte = page["items"].as_array().unwrap().iter().find(|n| n["title"] == "拿铁").unwrap()["id"].clone();
    for _ in 0..3 {
        let latte = latte.as_str().unwrap();
        app.post(&brand_fan, &format!("/api/v1/notes/{latte}/like"), json!({})).await.assert_status(200);
        app.sync().await;
        app.delete(&brand_fan, &format!("/api/v1/notes/{latte}/like"), None).await.assert_status(200);
        app.sync().await;
    }
    let again = search(&app, &other, &[("q", "咖啡")]).await;
    assert_eq!(again["topics"][0]["notes"], 2, "{again}");
    assert_eq!(search(&app, &other, &[("topic", "咖啡")]).await["total"], 2);
    // Counted as the searcher would find them: a followers-only note counts for its
    // author, not for a stranger.
    app.publish(&other, "冷萃", json!({ "body": "#咖啡 只给关注我的人看", "visibility": "followers" })).await;
    for (who, expected) in [(&other, 3), (&brand_fan, 2)] {
        let found = search(&app, who, &[("q", "咖啡")]).await;
        assert_eq!(found["topics"][0]["notes"], expected, "{found}");
        assert_eq!(search(&app, who, &[("topic", "咖啡")]).await["total"], expected);
    }
    // The topic's page names it; a search that finds nothing offers somewhere to go.
    let topic_page = app.get(&other, "/search?topic=%E5%92%96%E5%95%A1").await.text();
    assert!(topic_page.contains("<title>#咖啡 · Search") && topic_page.contains(">#咖啡</h1>"), "{topic_page}");
    let nothing = app.get(&other, "/search?q=zzzqqq").await.text();
    assert!(nothing.contains("id=\"no-results\"") && nothing.contains("id=\"trending\""), "{nothing}");
    assert_eq!(search(&app, &other, &[("q", "coffee")]).await["actors"][0]["handle"], "coffee_lover", "by handle");

    // A suspended member is no longer found.
    let admin = app.admin("root").await;
    let id = app.user_id(&brand_fan).await;
    app.post(&admin, &format!("/api/v1/admin/users/{id}/suspend"), json!({ "reason": "spam" }))
        .await
        .assert_status(204);
    assert_eq!(search(&app, &other, &[("q", "咖啡爱好者")]).await["actors"], json!([]));
}

async fn bad_queries_never_fail(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("author").await;
    let visitor = Client::default();
    app.publish(&author, "AND OR NOT", json!({ "body": "brackets (and) quotes \" emoji 🙂" })).await;
    let huge = "露营".repeat(600);
    for q in ["", "   ", "\"", "(((", "AND", "title:foo*", "🙂🙂🙂", "\u{1}\u{7f}", "\"unclosed phrase", huge.as_str()]
    {
        let page = search(&app, &visitor, &[("q", q)]).await;
        assert!(page["items"].is_array(), "{q:?}: {page}");
    }
    assert_eq!(search(&app, &visitor, &[("q", "(and)")]).await["total"], 1, "syntax is just text");

    // Words whose sub-words or letter/digit parts come beside them, past the first
    // snippet window, answered 500 (API and page) before snippets were our own.
    let lead = "这是一段很长的开头，说的都是别的事情。".repeat(8);
    app.publish(
        &author,
        "女孩子的手机",
        json!({ "body": format!("{lead}女孩子一口气买了iphone15，iphone15拍照清楚") }),
    )
    .await;
    for q in ["iphone15", "15", "女孩子", "一口气"] {
        let page = search(&app, &visitor, &[("q", q), ("limit", "100")]).await;
        assert_eq!(page["total"], 1, "{q}: {page}");
        let snippet = &page["items"][0]["snippet"];
        let marked: Vec<&str> = snippet
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["matched"] == true)
            .map(|r| r["text"].as_str().unwrap())
            .collect();
        assert!(!marked.is_empty(), "{q}: {snippet}");
        assert_eq!(page["items"][0]["snippet_cut_before"], true, "the body goes on before the window: {q}");
        let html = app.get(&visitor, &format!("/search?q={}", encode(q))).await;
        html.assert_status(200);
        assert!(html.text().contains("<p class=\"snippet\">…"), "the page shows where the text was cut: {q}");
    }
    let nul = app.get(&visitor, "/search?q=%00iphone15%00").await;
    nul.assert_status(200);
    assert!(!nul.text().contains('\0'), "no control character is echoed into the page");
    app.get(&visitor, "/api/v1/search?q=a&sort=best").await.assert_error(422, "invalid_field");
    app.get(&visitor, "/api/v1/search?q=a&media=video").await.assert_error(422, "invalid_field");
    app.get(&visitor, "/api/v1/search?q=a&since=yesterday").await.assert_error(422, "invalid_field");
    app.get(&visitor, "/api/v1/search?q=a&topic=not%20a%20topic").await.assert_error(422, "invalid_field");
    app.get(&visitor, "/api/v1/search?q=a&cursor=forged").await.assert_error(400, "invalid_cursor");

    // A cursor belongs to its search.
    for i in 0..3 {
        app.publish(&author, &format!("tent {i}"), json!({})).await;
    }
    let page = search(&app, &visitor, &[("q", "tent"), ("limit", "1")]).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    app.get(&visitor, &format!("/api/v1/search?q=tents&limit=1&cursor={cursor}"))
        .await
        .assert_error(400, "invalid_cursor");
}

async fn searches_feed_history_trending_and_suggestions(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("chef").await;
    app.publish(&author, "重庆火锅", json!({ "body": "#火锅推荐 麻辣鲜香" })).await;
    app.publish(&author, "Hiking boots", json!({ "body": "broken in after 100 km" })).await;
    app.publish(&author, "预订电话", json!({ "body": "订座请打 13800138000" })).await;
    let mut members = Vec::new();
    for i in 1..=5 {
        members.push(app.signup(&format!("eater{i}")).await);
    }
    for member in &members {
        search(&app, member, &[("q", "火锅")]).await;
        search(&app, member, &[("q", "13800138000")]).await;
        search(&app, member, &[("q", "不存在的词")]).await;
    }
    for member in &members[1..4] {
        search(&app, member, &[("q", "hiking boots")]).await;
    }
    search(&app, &members[0], &[("q", "Hiking   BOOTS")]).await;
    let clicked = search(&app, &members[0], &[("q", "hiking boots")]).await;
    // Signed-out searches count for nothing, however many.
    let visitor = Client::default();
    for _ in 0..10 {
        search(&app, &visitor, &[("q", "麻辣")]).await;
    }

    // History: the member's own, normalized, latest first, deletable.
    let history = app.get(&members[0], "/api/v1/me/search-history").await.json();
    let queries: BTreeSet<&str> =
        history["items"].as_array().unwrap().iter().map(|h| h["query"].as_str().unwrap()).collect();
    assert_eq!(queries, BTreeSet::from(["hiking boots", "不存在的词", "13800138000", "火锅"]), "normalized, once each");
    app.delete(&members[0], &format!("/api/v1/me/search-history?q={}", encode("火锅")), None).await.assert_status(204);
    assert_eq!(app.get(&members[0], "/api/v1/me/search-history").await.json()["items"].as_array().unwrap().len(), 3);
    app.delete(&members[0], "/api/v1/me/search-history", None).await.assert_status(204);
    assert_eq!(app.get(&members[0], "/api/v1/me/search-history").await.json()["items"], json!([]));
    app.get(&Client::default(), "/api/v1/me/search-history").await.assert_error(401, "unauthenticated");

    // Trending: five members from nothing is rising; a phone number, a search without
    // results, four members, or any number of visitors are not.
    app.sync().await;
    let trending = app.get(&Client::default(), "/api/v1/search/trending").await.json();
    assert_eq!(trending["items"], json!([{ "query": "火锅", "searchers": 5 }]), "{trending}");

    // Suggestions: by text, pinyin and initials; queries and topics; only what enough
    // members searched and found.
    assert_eq!(suggest(&app, "火").await, ["火锅", "火锅推荐"]);
    assert_eq!(suggest(&app, "huo").await, ["火锅", "火锅推荐"], "pinyin");
    assert_eq!(suggest(&app, "hgt").await, ["火锅推荐"], "initials");
    assert!(suggest(&app, "hik").await.is_empty(), "four members are not enough");
    assert!(suggest(&app, "138").await.is_empty(), "a phone number is never suggested");
    assert!(suggest(&app, "不存").await.is_empty(), "nor a search that found nothing");
    assert!(suggest(&app, "麻").await.is_empty(), "nor visitors' searches");
    search(&app, &members[4], &[("q", "hiking boots")]).await;
    app.sync().await;
    app.clock.advance_seconds(31); // suggestions are recomputed at most every 30 s
    assert_eq!(suggest(&app, "hik").await, ["hiking boots"], "the fifth member");

    // The operator sees what is suggested.
    let admin = app.admin("root").await;
    let suggested = app.get(&admin, "/api/v1/admin/search/suggested").await.json();
    let suggested: Vec<&str> =
        suggested["items"].as_array().unwrap().iter().map(|s| s["query"].as_str().unwrap()).collect();
    assert_eq!(suggested, ["hiking boots", "火锅"]);
    app.get(&members[1], "/api/v1/admin/search/suggested").await.assert_error(403, "admin_only");
    let page = app.get(&admin, "/admin/search").await;
    page.assert_status(200);
    assert!(page.text().contains("admin-suggested") && page.text().contains("hiking boots"));

    // The operator hides a term: gone from trending and suggestions, audited; members may not.
    app.post(&members[1], "/api/v1/admin/search/hidden-terms", json!({ "query": "火锅" }))
        .await
        .assert_error(403, "admin_only");
    app.post(&admin, "/api/v1/admin/search/hidden-terms", json!({ "query": " 火锅 " })).await.assert_status(204);
    app.post(&admin, "/api/v1/admin/search/hidden-terms", json!({ "query": "" }))
        .await
        .assert_error(422, "invalid_field");
    assert_eq!(app.get(&admin, "/api/v1/admin/search/hidden-terms").await.json()["items"], json!(["火锅"]));
    let trending = app.get(&Client::default(), "/api/v1/search/trending").await.json();
    assert_eq!(trending["items"], json!([{ "query": "hiking boots", "searchers": 5 }]), "{trending}");
    assert_eq!(suggest(&app, "火").await, ["火锅推荐"]);
    app.delete(&admin, &format!("/api/v1/admin/search/hidden-terms?q={}", encode("火锅")), None)
        .await
        .assert_status(204);
    let trending = app.get(&Client::default(), "/api/v1/search/trending").await.json();
    assert!(trending["items"].as_array().unwrap().iter().any(|t| t["query"] == "火锅"), "shown again: {trending}");

    // A click on a result names its search; only the search surface may.
    let note = clicked["items"][0]["id"].as_str().unwrap();
    let search_id = clicked["search_id"].as_str().unwrap();
    let click = |surface: &str, id: &str| {
        json!({ "events": [{ "client_event_id": format!("c-{surface}"), "kind": "click", "note_id": note,
            "surface": surface, "position": 0, "search_id": id }] })
    };
    let sent = app.post(&members[0], "/api/v1/events", click("search", search_id)).await.json();
    assert_eq!(sent["accepted"], 1, "{sent}");
    let sent = app.post(&members[0], "/api/v1/events", click("home", search_id)).await.json();
    assert_eq!(sent["results"][0]["error"]["code"], "invalid_field", "{sent}");
}

async fn suggest(app: &TestApp, q: &str) -> Vec<String> {
    let items = app.get(&Client::default(), &format!("/api/v1/search/suggestions?q={}", encode(q))).await.json();
    items["items"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap().to_owned()).collect()
}

async fn a_rebuild_from_the_database_finds_the_same(t: TestDb) {
    let app = TestApp::new(t).await;
    let author = app.signup("writer").await;
    let fan = app.signup("fan").await;
    app.patch(&author, "/api/v1/me", json!({ "display_name": "露营达人" })).await.assert_status(200);
    let mut kept = Vec::new();
    for i in 0..5 {
        let note = app.publish(&author, &format!("露营 {i}"), json!({ "body": format!("#camping #露营地{i}") })).await;
        kept.push(note);
    }
    let gone = app.publish(&author, "露营 gone", json!({})).await;
    app.delete(&author, &format!("/api/v1/notes/{gone}"), None).await.assert_status(204);
    app.post(&fan, &format!("/api/v1/notes/{}/like", kept[2]), json!({})).await.assert_status(200);
    let before = search(&app, &fan, &[("q", "露营"), ("sort", "engaged")]).await;

    let rebuilt = app.services.search.rebuild().await.unwrap();
    assert_eq!((rebuilt.notes, rebuilt.actors), (5, 2), "published notes and both members");
    let after = search(&app, &fan, &[("q", "露营"), ("sort", "engaged")]).await;
    assert_eq!(ids(&after), ids(&before));
    assert_eq!(ids(&after)[0], kept[2], "the engagement came along");
    assert!(!ids(&after).contains(&gone));
    assert_eq!(after["actors"][0]["handle"], "writer");
    let topics: Vec<&str> = after["topics"].as_array().unwrap().iter().map(|t| t["topic"].as_str().unwrap()).collect();
    assert_eq!(topics.len(), 5, "each note's topics: {after}");
}

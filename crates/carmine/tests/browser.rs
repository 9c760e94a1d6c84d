//! The browser suite: headless Chromium (Debian's `chromium` and `chromium-driver`)
//! drives the real server. Without chromedriver the suite says so and passes —
//! except under `CI=true`, where a missing browser is a failure.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use support::Server;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver on a free port and waits for its "started successfully" line.
fn start_driver() -> Option<Driver> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true but {CHROMEDRIVER} or {CHROMIUM} is missing: .ci/run installs chromium and chromium-driver"
            );
        }
        eprintln!("skipping the browser suite: install chromium and chromium-driver to run it");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("started successfully") => break,
            Some(Ok(_)) => continue,
            _ => panic!("chromedriver exited before it was ready"),
        }
    }
    // Keep draining chromedriver's output so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Some(Driver { child, url: format!("http://127.0.0.1:{port}"), _profile: tempfile::tempdir().unwrap() })
}

async fn browser(driver: &Driver) -> Client {
    let profile = driver._profile.path().display().to_string();
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=390,844", format!("--user-data-dir={profile}")]
        }
    });
    let capabilities = capabilities.as_object().unwrap().clone().into_iter().collect();
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a chromium session")
}

/// Opens the top bar's account menu and finds an entry in it.
async fn from_account_menu(client: &Client, css: &str) -> fantoccini::elements::Element {
    let menu = wait_for(client, "#account-menu").await;
    if menu.attr("open").await.unwrap().is_none() {
        click(client, "#account-menu > summary").await;
    }
    wait_for(client, &format!("#account-menu[open] {css}")).await
}

/// Clicks an element after scrolling it to the middle of the window (WebDriver would
/// scroll it only to the bottom edge, under the phone's tab bar).
async fn click(client: &Client, css: &str) {
    let element = client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
    client
        .execute("arguments[0].scrollIntoView({block: 'center'});", vec![serde_json::to_value(&element).unwrap()])
        .await
        .unwrap();
    element.click().await.unwrap();
}

/// Clicks a form's button and waits for the page it leads to (not the one it was on,
/// which may already show what the next page will).
async fn submit_and_wait(client: &Client, css: &str) {
    client.execute("document.documentElement.dataset.submitted = '1';", vec![]).await.unwrap();
    click(client, css).await;
    wait_for(client, "html:not([data-submitted])").await;
}

async fn fill(client: &Client, name: &str, value: &str) {
    client.find(Locator::Css(&format!("input[name='{name}']"))).await.unwrap().send_keys(value).await.unwrap();
}

/// Waits (bounded) for an element that the next page shows.
async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_community_flow_on_sqlite() {
    let Some(driver) = start_driver() else { return };
    community_flow(&driver, &Server::start(), true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_community_flow_on_postgres() {
    let Some(url) = support::postgres_url().await else { return };
    let Some(driver) = start_driver() else { return };
    community_flow(&driver, &Server::start_on(&url), false).await;
}

/// Sign up → log out → log in → create an organization → post a note with two images
/// → it shows on the profile and home → another member likes, saves and comments →
/// the author sees the notifications.
async fn community_flow(driver: &Driver, server: &Server, screenshots: bool) {
    let client = browser(driver).await;
    let screenshot = |name: &'static str| {
        let client = client.clone();
        async move {
            if screenshots {
                screenshot(&client, name).await;
            }
        }
    };

    client.goto(&format!("{}/signup", server.url)).await.unwrap();
    fill(&client, "username", "lanlan").await;
    fill(&client, "display_name", "蓝蓝 Lan").await;
    fill(&client, "password", "correct horse battery").await;
    click(&client, "#signup-form button[type=submit]").await;
    wait_for(&client, "#account-menu").await;
    assert_no_sideways_scroll(&client, "the page after sign-up").await;
    let logout = from_account_menu(&client, "#logout").await;
    assert_eq!(logout.text().await.unwrap(), "Log out", "the account menu opens on a phone");
    assert!(client.find(Locator::Css("nav a[href='/u/lanlan']")).await.is_ok(), "logged in as lanlan");

    from_account_menu(&client, "#logout").await.click().await.unwrap();
    wait_for(&client, "#login-form").await;
    let notice = client.find(Locator::Css(".notice")).await.unwrap().text().await.unwrap();
    assert_eq!(notice, "You are logged out.");
    client.goto(&format!("{}/settings", server.url)).await.unwrap();
    wait_for(&client, "#login-form").await; // member pages send the logged-out to log in

    fill(&client, "username", "lanlan").await;
    fill(&client, "password", "wrong password").await;
    click(&client, "#login-form button[type=submit]").await;
    let error = wait_for(&client, ".error").await;
    assert_eq!(error.text().await.unwrap(), "Wrong username or password");

    fill(&client, "password", "correct horse battery").await;
    click(&client, "#login-form button[type=submit]").await;
    wait_for(&client, "#account-menu").await;
    assert!(client.find(Locator::Css("nav a[href='/u/lanlan']")).await.is_ok(), "logged in as lanlan again");

    client.goto(&format!("{}/settings", server.url)).await.unwrap();
    let display_name = wait_for(&client, "input[name='display_name']").await;
    assert_eq!(display_name.prop("value").await.unwrap().as_deref(), Some("蓝蓝 Lan"));
    screenshot("settings").await;

    // Create an organization from the form and land on its page.
    client.goto(&format!("{}/orgs", server.url)).await.unwrap();
    fill(&client, "handle", "lan_tea").await;
    fill(&client, "name", "蓝茶 Lan Tea").await;
    click(&client, "#create-org-form button[type=submit]").await;
    wait_for(&client, "#org-console").await; // a new organization opens on its console
    let heading = client.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, "蓝茶 Lan Tea");
    screenshot("org").await;

    // Post a note with two images; the previews appear before sending.
    let photos = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, bytes) in
        [("morning.jpg", carmine_media::fixtures::jpeg(900, 1200)), ("tea.png", carmine_media::fixtures::png(800, 800))]
    {
        let path = photos.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        paths.push(path.display().to_string());
    }
    client.goto(&format!("{}/compose", server.url)).await.unwrap();
    let input = wait_for(&client, "#images").await;
    input.send_keys(&paths.join("\n")).await.unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#previews figure:nth-child(2) img"))
        .await
        .unwrap();
    // The picker: the second image becomes the cover, and each says what it shows.
    click(&client, "#previews figure:nth-child(2) button[aria-label='Move earlier']").await;
    wait_for(&client, "#previews figure:first-child img[alt='tea.png']").await;
    wait_for(&client, "#previews figure:first-child input[name='alt']")
        .await
        .send_keys("一杯刚泡好的绿茶")
        .await
        .unwrap();
    fill(&client, "title", "蓝茶的早晨").await;
    assert_eq!(text_of(&client, "#title-count").await, "5/20", "the title's counter counts characters");
    client
        .find(Locator::Css("textarea[name='body']"))
        .await
        .unwrap()
        .send_keys("第一杯茶 #早安 good morning")
        .await
        .unwrap();
    screenshot("compose").await;
    click(&client, "#publish").await;
    let title = wait_for(&client, "article.note h1").await;
    assert_eq!(title.text().await.unwrap(), "蓝茶的早晨");
    let images = client.find_all(Locator::Css("#carousel img")).await.unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(
        images[0].attr("alt").await.unwrap().as_deref(),
        Some("一杯刚泡好的绿茶"),
        "the chosen cover, described"
    );
    assert_eq!(images[0].attr("width").await.unwrap().as_deref(), Some("800"), "tea.png (800×800) went first");
    screenshot("note").await;

    // It shows on the profile.
    client.goto(&format!("{}/u/lanlan", server.url)).await.unwrap();
    assert!(wait_for(&client, "#waterfall .card h3").await.text().await.unwrap().contains("蓝茶的早晨"));
    let note_url = client.find(Locator::Css("#waterfall .card a")).await.unwrap().attr("href").await.unwrap().unwrap();

    // A new member picks interests after signing up; the note by a creator with no
    // followers reaches her feed as part of its test audience, saying why.
    from_account_menu(&client, "#logout").await.click().await.unwrap();
    wait_for(&client, "#login-form").await;
    client.goto(&format!("{}/signup", server.url)).await.unwrap();
    fill(&client, "username", "meimei").await;
    fill(&client, "password", "another horse battery").await;
    click(&client, "#signup-form button[type=submit]").await;
    wait_for(&client, "#interests-form").await;
    let mut offered = client.find(Locator::Css("input[name='topic'][value='早安']")).await;
    for _ in 0..50 {
        if offered.is_ok() {
            break;
        }
        // The feed's index applies the publication shortly after it commits.
        tokio::time::sleep(Duration::from_millis(200)).await;
        client.goto(&format!("{}/welcome", server.url)).await.unwrap();
        wait_for(&client, "#interests-form").await;
        offered = client.find(Locator::Css("input[name='topic'][value='早安']")).await;
    }
    offered.expect("the picker offers the note's topic").click().await.unwrap();
    screenshot("interests").await;
    click(&client, "#interests-form button[type=submit]").await;
    let reason = wait_for(&client, "#waterfall .card .reason").await.text().await.unwrap();
    assert_eq!(reason, "New in #早安: you are among its first readers");
    assert!(
        client.find(Locator::Css("#waterfall .card h3")).await.unwrap().text().await.unwrap().contains("蓝茶的早晨")
    );
    screenshot("home").await;

    // She searches: the note is found, its words marked.
    let mut found = None;
    for _ in 0..50 {
        client.goto(&format!("{}/search?q=good+morning", server.url)).await.unwrap();
        wait_for(&client, "#result-count").await;
        found = client.find(Locator::Css("#waterfall .card .snippet mark")).await.ok();
        if found.is_some() {
            break;
        }
        // The search index applies the publication shortly after it commits.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(found.expect("the note is found").text().await.unwrap(), "good");
    screenshot("search").await;
    // Typing pinyin offers the topic written in Chinese.
    let page_box = wait_for(&client, "#search-page-q").await;
    page_box.clear().await.unwrap();
    page_box.send_keys("zaoan").await.unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#search-suggestions option[value='早安']"))
        .await
        .unwrap();
    // On a phone the search page's own box stands in for the header's (one box, not two).
    assert!(!wait_for(&client, "#search-q").await.is_displayed().await.unwrap());
    // The header's box searches from any other page; a result opens the note.
    client.goto(&format!("{}/notifications", server.url)).await.unwrap();
    wait_for(&client, "#search-q").await.send_keys("蓝茶\n").await.unwrap();
    // The previous results page has cards too: wait for the new page's own query first.
    wait_for(&client, "#search-page-q[value='蓝茶']").await;
    assert!(wait_for(&client, "#waterfall .card h3").await.text().await.unwrap().contains("蓝茶的早晨"));
    click(&client, "#waterfall .card a").await;
    assert_eq!(wait_for(&client, "article.note h1").await.text().await.unwrap(), "蓝茶的早晨");

    // She likes (without a reload) and comments.
    client.goto(&format!("{}{note_url}", server.url)).await.unwrap();
    wait_for(&client, "#like").await;
    click(&client, "#like").await;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form.like[data-liked='true'] .like-count"))
        .await
        .unwrap();
    assert_eq!(client.find(Locator::Css(".like-count")).await.unwrap().text().await.unwrap(), "1");
    click(&client, "#save").await;
    wait_for(&client, "#unsave").await;
    client.find(Locator::Css("#comment-form textarea")).await.unwrap().send_keys("好美的茶 🍵 @lanlan").await.unwrap();
    click(&client, "#comment-form button").await;
    let comment = wait_for(&client, ".comment .prose").await;
    assert_eq!(comment.text().await.unwrap(), "好美的茶 🍵 @lanlan");
    // She reads it for a moment (a read needs half a second on screen — the reader's
    // time, not a wait for the server); leaving the page reports the read.
    tokio::time::sleep(Duration::from_millis(800)).await;
    client.goto(&format!("{}/u/lanlan", server.url)).await.unwrap();
    wait_for(&client, "#waterfall .card").await;

    // The author sees the notifications.
    from_account_menu(&client, "#logout").await.click().await.unwrap();
    wait_for(&client, "#login-form").await;
    fill(&client, "username", "lanlan").await;
    fill(&client, "password", "correct horse battery").await;
    click(&client, "#login-form button[type=submit]").await;
    let badge = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#unread:not([hidden])"))
        .await
        .unwrap();
    assert_eq!(badge.text().await.unwrap(), "4", "a like, a save, a comment and a mention");
    client.goto(&format!("{}/notifications", server.url)).await.unwrap();
    let list = wait_for(&client, "#notifications").await.text().await.unwrap();
    for expected in ["liked your note", "saved your note", "commented on your note", "mentioned you in", "蓝茶的早晨"]
    {
        assert!(list.contains(expected), "{expected} missing from {list}");
    }
    screenshot("notifications").await;

    // The author's statistics count meimei's read (the data plane applies it shortly).
    let mut reads = String::new();
    for _ in 0..50 {
        client.goto(&format!("{}{note_url}", server.url)).await.unwrap();
        reads = wait_for(&client, "#stat-reads").await.text().await.unwrap();
        if reads != "0" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Each view of the page that lasted half a second is a read (the comment form reloads it).
    assert!(reads.parse::<u32>().unwrap() >= 1, "the read reached the statistics");
    let ces = client.find(Locator::Css("#stat-ces")).await.unwrap().text().await.unwrap();
    assert_eq!(ces, "6", "a like, a save and a comment: 1 + 1 + 4");
    screenshot("note-statistics").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coins_gifts_and_payouts_on_sqlite() {
    let Some(driver) = start_driver() else { return };
    money_flow(&driver, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coins_gifts_and_payouts_on_postgres() {
    let Some(url) = support::postgres_url().await else { return };
    let Some(driver) = start_driver() else { return };
    money_flow(&driver, Some(url)).await;
}

/// A server on `dir` with an operator, `root` ("operator password 1").
fn serve_with_operator(dir: &std::path::Path, database_url: Option<&str>) -> Server {
    serve_with_operator_and(dir, database_url, &[])
}

/// [`serve_with_operator`] with extra environment (operator flags).
fn serve_with_operator_and(dir: &std::path::Path, database_url: Option<&str>, env: &[(&str, &str)]) -> Server {
    let server = Server::serve_with(dir, database_url, env);
    let mut create_admin = support::carmine();
    if let Some(url) = database_url {
        create_admin.env("CARMINE_DATABASE_URL", url);
    }
    let created = create_admin
        .args(["admin", "--data-dir"])
        .arg(dir)
        .args(["create-user", "root", "--admin"])
        .env("CARMINE_NEW_PASSWORD", "operator password 1")
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    server
}

async fn log_in(client: &Client, base: &str, username: &str, password: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    wait_for(client, "#login-form").await;
    fill(client, "username", username).await;
    fill(client, "password", password).await;
    click(client, "#login-form button[type=submit]").await;
    wait_for(client, &format!("nav a[href='/u/{username}']")).await;
}

async fn log_out(client: &Client) {
    from_account_menu(client, "#logout").await.click().await.unwrap();
    wait_for(client, "#login-form").await;
}

async fn sign_up(client: &Client, base: &str, username: &str, display_name: &str) {
    client.goto(&format!("{base}/signup")).await.unwrap();
    fill(client, "username", username).await;
    fill(client, "display_name", display_name).await;
    fill(client, "password", "correct horse battery").await;
    click(client, "#signup-form button[type=submit]").await;
    wait_for(client, &format!("nav a[href='/u/{username}']")).await;
}

async fn text_of(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.unwrap()
}

/// A fan buys coins on the sandbox provider's page and sends a creator a gift; the
/// creator registers a bank account and withdraws; the operator sends the payout
/// batch and reads the revenue statement; the creator sees the payout paid.
async fn money_flow(driver: &Driver, database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let server = serve_with_operator(dir.path(), database_url.as_deref());
    let base = server.url.as_str();
    let client = browser(driver).await;

    sign_up(&client, base, "creator", "创作者 Chuang").await;
    log_out(&client).await;
    sign_up(&client, base, "fan", "粉丝 Fan").await;

    // Coins: the first pack (60 coins, ¥6.00), paid on the sandbox's hosted page.
    from_account_menu(&client, "#wallet-link").await.click().await.unwrap();
    assert_eq!(text_of(&client, "#coin-balance").await, "0");
    click(&client, "#top-up").await;
    assert_eq!(text_of(&client, "#checkout-amount").await, "¥6.00");
    click(&client, "#sandbox-pay").await;
    wait_for(&client, "#payment-status[data-status='succeeded']").await;
    click(&client, "#back-to-wallet").await;
    assert_eq!(text_of(&client, "#coin-balance").await, "60");
    assert!(text_of(&client, "#coin-entries").await.contains("Coins bought"));

    // A gift of 50 coins from the creator's profile.
    client.goto(&format!("{base}/u/creator")).await.unwrap();
    click(&client, "details.gift > summary").await;
    let coins = wait_for(&client, "#gift-coins").await;
    coins.clear().await.unwrap();
    coins.send_keys("50").await.unwrap();
    click(&client, "#send-gift").await;
    assert!(text_of(&client, ".notice").await.contains("Your gift is on its way"));
    log_out(&client).await;

    // The creator earned half of ¥5.00 and withdraws it to a new payout account.
    log_in(&client, base, "creator", "correct horse battery").await;
    client.goto(&format!("{base}/wallet")).await.unwrap();
    assert_eq!(text_of(&client, "#earnings-available").await, "¥2.50");
    fill(&client, "holder_name", "创作者 Chuang").await;
    fill(&client, "account_number", "6222 0202 0011 2233").await;
    click(&client, "#save-payout-account").await;
    assert_eq!(text_of(&client, "#payout-destination").await, "创作者 Chuang ····2233");
    fill(&client, "amount", "2.50").await;
    click(&client, "#withdraw").await;
    wait_for(&client, "#payouts tr[data-status='requested']").await;
    assert_eq!(text_of(&client, "#earnings-available").await, "¥0.00");
    log_out(&client).await;

    // The operator sends the payout batch and reads the statement.
    log_in(&client, base, "root", "operator password 1").await;
    client.goto(&format!("{base}/admin/payouts")).await.unwrap();
    click(&client, "#run-payouts").await;
    // The page before the click lists the payout too: wait for the one after it.
    assert_eq!(text_of(&client, ".notice").await, "The payout batch is sent.");
    assert!(text_of(&client, "#admin-payouts").await.contains("paid"));
    client.goto(&format!("{base}/admin/revenue")).await.unwrap();
    wait_for(&client, "#revenue-chart").await;
    assert_eq!(text_of(&client, "#revenue-total").await, "¥2.50");
    let table = text_of(&client, "#revenue-table").await;
    for stream in [
        "Advertising",
        "Commerce commissions",
        "Gifts",
        "Marketplace facilitation fees",
        "SaaS subscriptions",
        "Data products",
        "Referral fees",
    ] {
        assert!(table.contains(stream), "{stream} missing from {table}");
    }
    wait_for(&client, "#books[data-clean='true']").await;
    screenshot(&client, "revenue").await;
    log_out(&client).await;

    log_in(&client, base, "creator", "correct horse battery").await;
    client.goto(&format!("{base}/wallet")).await.unwrap();
    wait_for(&client, "#payouts tr[data-status='paid']").await;
    screenshot(&client, "wallet").await;
    client.close().await.unwrap();
}

/// Where each card of `#waterfall` sits: (rank, left, top, width), in rank order.
async fn card_boxes(client: &Client) -> Vec<(u64, f64, f64, f64)> {
    let boxes = client
        .execute(
            "return Array.from(document.querySelectorAll('#waterfall .card')).map((card) => {
               const box = card.getBoundingClientRect();
               return [Number(card.dataset.rank), box.left + scrollX, box.top + scrollY, box.width];
             });",
            vec![],
        )
        .await
        .unwrap();
    let mut boxes: Vec<(u64, f64, f64, f64)> = serde_json::from_value(boxes).unwrap();
    boxes.sort_by_key(|b| b.0);
    boxes
}

/// The waterfall reads like text: rank 1 and 2 side by side at the top, and every
/// card starts no higher than the card ranked before it (CSS columns broke both: the
/// right column started at rank 16 on a phone).
fn assert_rank_order(boxes: &[(u64, f64, f64, f64)], columns: usize) {
    let ranks: Vec<u64> = boxes.iter().map(|b| b.0).collect();
    assert_eq!(ranks, (0..boxes.len() as u64).collect::<Vec<_>>(), "every card placed once, in rank order");
    let mut lefts: Vec<i64> = boxes.iter().map(|b| b.1.round() as i64).collect();
    lefts.sort();
    lefts.dedup();
    assert_eq!(lefts.len(), columns, "columns at this width: {lefts:?}");
    let top_row: Vec<_> = boxes.iter().take(columns).collect();
    assert!(top_row.iter().all(|b| (b.2 - boxes[0].2).abs() < 1.0), "the first {columns} ranks share the top row");
    for pair in boxes.windows(2) {
        assert!(pair[1].2 + 0.5 >= pair[0].2, "rank {} starts above rank {}: {pair:?}", pair[1].0, pair[0].0);
    }
}

/// On the seeded demo: the home waterfall keeps rank order across columns on a phone
/// and on a desktop, and loading more never moves a card already shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_waterfall_keeps_rank_order_while_loading_more() {
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = Server::run(dir.path(), "demo");
    let client = browser(&driver).await;

    client.goto(&server.url).await.unwrap();
    wait_for(&client, "#waterfall.masonry .card[data-rank='29']").await;
    let first_page = card_boxes(&client).await;
    // Thirty notes, and the demo brands' sponsored cards among them (at most one per
    // ad slot: the 6th, 16th and 26th), each labelled.
    let sponsored = client.find_all(Locator::Css("#waterfall .card.sponsored")).await.unwrap().len();
    assert!(sponsored <= 3, "{sponsored} sponsored cards");
    assert_eq!(first_page.len(), 30 + sponsored);
    if sponsored > 0 {
        assert_eq!(text_of(&client, "#waterfall .card.sponsored .sponsored-label").await, "Sponsored");
    }
    assert_rank_order(&first_page, 2);
    assert_no_sideways_scroll(&client, "/").await;
    screenshot(&client, "waterfall-390").await;

    // Scrolling to the end loads the next page after the cards already shown.
    let shown = first_page.len();
    client.execute("window.scrollTo(0, document.body.scrollHeight)", vec![]).await.unwrap();
    wait_for(&client, &format!("#waterfall .card[data-rank='{shown}']")).await;
    let both_pages = card_boxes(&client).await;
    assert!(both_pages.len() > shown, "the next page arrived");
    assert_eq!(&both_pages[..shown], &first_page[..], "no card already shown moved");
    assert_rank_order(&both_pages, 2);

    // The switch in the top bar turns the frame Chinese, on the same page.
    click(&client, "#language-switch").await;
    wait_for(&client, "html[lang='zh-CN'] #waterfall.masonry").await;
    assert_eq!(text_of(&client, ".appnav a[href='/'] .label").await, "首页");
    assert_no_sideways_scroll(&client, "/ in Chinese").await;
    screenshot(&client, "waterfall-390-zh").await;
    click(&client, "#language-switch").await;
    wait_for(&client, "html[lang='en'] #waterfall.masonry").await;

    // A desktop window lays the same cards out in five columns, still in rank order.
    client.set_window_size(1280, 900).await.unwrap();
    client.goto(&server.url).await.unwrap();
    wait_for(&client, "#waterfall.masonry .card[data-rank='29']").await;
    assert_rank_order(&card_boxes(&client).await, 5);
    screenshot(&client, "waterfall-1280").await;
    client.close().await.unwrap();
}

/// What a page must never have, found in the page itself: sideways scrolling, no title
/// or no `h1`, a form field without a label, an image without alt text, or a message
/// id where a catalogue's text should be (a missing message shows its id).
const PAGE_CHECKS: &str = r#"
const ids = new Set(arguments[0]);
const problems = [];
if (document.documentElement.scrollWidth > window.innerWidth) {
  problems.push(`scrolls sideways: ${document.documentElement.scrollWidth} px in ${window.innerWidth}`);
}
if (!document.title.trim() || document.title.trim().startsWith("·")) problems.push("no title");
if (!document.querySelector("h1")) problems.push("no h1");
for (const field of document.querySelectorAll("input, select, textarea")) {
  if (["hidden", "submit", "button"].includes(field.type)) continue;
  const labelled = field.closest("label") || field.getAttribute("aria-label") || field.getAttribute("aria-labelledby")
    || (field.id && document.querySelector(`label[for="${field.id}"]`));
  if (!labelled) problems.push(`unlabelled ${field.tagName.toLowerCase()} ${field.name}`);
}
for (const img of document.querySelectorAll("img")) {
  if (!img.hasAttribute("alt")) problems.push(`image without alt: ${img.getAttribute("src")}`);
}
const words = document.body.innerText.split(/[^a-z0-9_-]+/);
for (const word of words) if (ids.has(word)) problems.push(`message id shown: ${word}`);
return problems;
"#;

/// The message ids of the English catalogue (both define the same ones).
fn message_ids() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../carmine-web/locales/en.ftl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(id, _)| id.trim()))
        .filter(|id| id.contains('-') && id.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '_'))
        .map(str::to_owned)
        .collect()
}

/// Every page, as a visitor, a member who owns a brand and the operator, at 360, 390 and
/// 1280 px, in English and Chinese, on the seeded demo: each passes [`PAGE_CHECKS`], and
/// a screenshot of each is kept under `target/browser-sweep/` to look through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_reads_well_at_every_width_in_both_languages() {
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = Server::run(dir.path(), "demo");
    let base = server.url.as_str();
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-sweep");
    std::fs::create_dir_all(&shots).unwrap();
    let ids = serde_json::json!(message_ids());
    let client = browser(&driver).await;

    client.goto(base).await.unwrap();
    let note = wait_for(&client, "#waterfall .card a").await.attr("href").await.unwrap().unwrap();
    let visitor = vec![
        "/".to_owned(),
        "/search".to_owned(),
        "/search?q=%E6%8A%A4%E8%82%A4".to_owned(),
        "/t/%E6%8A%A4%E8%82%A4".to_owned(),
        note.clone(),
        "/u/lanlan".to_owned(),
        "/u/lanlan/followers".to_owned(),
        "/o/glow_lab".to_owned(),
        "/login".to_owned(),
        "/signup".to_owned(),
        "/no-such-page".to_owned(),
    ];
    let member: Vec<String> = [
        "/",
        "/following",
        "/compose",
        "/notifications",
        "/wallet",
        "/settings",
        "/orgs",
        "/saved",
        "/welcome",
        "/u/xiaohong?tab=boards",
        "/u/xiaohong?tab=liked",
        "/o/glow_lab/manage",
        "/o/glow_lab/manage/team",
        "/o/glow_lab/manage/verification",
        "/o/glow_lab/money",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .chain([note.clone(), format!("{note}/edit")])
    .collect();
    let operator: Vec<String> = [
        "/admin",
        "/admin/reports",
        "/admin/verifications",
        "/admin/audit",
        "/admin/jobs",
        "/admin/feed",
        "/admin/search",
        "/admin/revenue",
        "/admin/payouts",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();

    let mut problems = Vec::new();
    let mut visited = 0;
    for (who, pages) in [("visitor", &visitor), ("xiaohong", &member), ("admin", &operator)] {
        if who != "visitor" {
            client.delete_all_cookies().await.unwrap();
            log_in(&client, base, who, "carmine-demo").await;
        }
        for lang in ["en", "zh-CN"] {
            // The switch's cookie, as a signed-out visitor's choice (the demo's members chose none).
            client.goto(&format!("{base}/login")).await.unwrap();
            let set = format!("document.cookie = 'carmine_lang={lang}; path=/';");
            client.execute(&set, vec![]).await.unwrap();
            for width in [360_u32, 390, 1280] {
                client.set_window_size(width, if width > 500 { 900 } else { 844 }).await.unwrap();
                for page in pages.iter() {
                    client.goto(&format!("{base}{page}")).await.unwrap();
                    wait_for(&client, &format!("html[lang='{lang}'] body")).await;
                    let found = client.execute(PAGE_CHECKS, vec![ids.clone()]).await.unwrap();
                    for problem in found.as_array().unwrap() {
                        problems.push(format!("{who} {lang} {width}px {page}: {}", problem.as_str().unwrap()));
                    }
                    let name: String = page.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
                    let png = client.screenshot().await.unwrap();
                    std::fs::write(shots.join(format!("{who}-{lang}-{width}-{name}.png")), png).unwrap();
                    visited += 1;
                }
            }
        }
    }
    assert!(visited >= 200, "visited only {visited} pages");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    client.close().await.unwrap();
}

/// Fails when the page is wider than the window (a phone would scroll sideways).
async fn assert_no_sideways_scroll(client: &Client, page: &str) {
    let widths =
        client.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.unwrap();
    let [scroll, window]: [u64; 2] = serde_json::from_value(widths).unwrap();
    assert!(scroll <= window, "{page} scrolls sideways: {scroll} px wide in a {window} px window");
}

/// Saves a PNG of the page when `CARMINE_SCREENSHOT_DIR` is set (for looking, not asserting).
async fn screenshot(client: &Client, name: &str) {
    if let Ok(dir) = std::env::var("CARMINE_SCREENSHOT_DIR") {
        let png = client.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_from_store_to_search_on_sqlite() {
    let Some(driver) = start_driver() else { return };
    shop_flow(&driver, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_from_store_to_search_on_postgres() {
    let Some(url) = support::postgres_url().await else { return };
    let Some(driver) = start_driver() else { return };
    shop_flow(&driver, Some(url)).await;
}

/// A member signs up, creates an organization of `kind`, asks for verification, the
/// operator approves, and the member opens its store (left logged in as the member).
async fn open_store(
    client: &Client,
    base: &str,
    (user, display): (&str, &str),
    (handle, name, kind): (&str, &str, &str),
) {
    sign_up(client, base, user, display).await;
    client.goto(&format!("{base}/orgs")).await.unwrap();
    fill(client, "handle", handle).await;
    fill(client, "name", name).await;
    choose(client, "#create-org-form select[name='kind']", kind).await;
    click(client, "#create-org-form button[type=submit]").await;
    wait_for(client, "#org-console").await;
    client.goto(&format!("{base}/o/{handle}/manage/verification")).await.unwrap();
    wait_for(client, "textarea[name='evidence']").await.send_keys("营业执照 91310000MA1FL0000X").await.unwrap();
    submit_and_wait(client, &format!("form[action='/o/{handle}/verification'] button[type=submit]")).await;
    log_out(client).await;
    log_in(client, base, "root", "operator password 1").await;
    client.goto(&format!("{base}/admin/verifications")).await.unwrap();
    submit_and_wait(client, "form[action$='/approve'] button").await;
    wait_for(client, ".notice").await;
    log_out(client).await;
    log_in(client, base, user, "correct horse battery").await;
    client.goto(&format!("{base}/o/{handle}/manage/store")).await.unwrap();
    choose(client, "#store-type-select", if kind == "brand" { "brand_official" } else { "authorised_reseller" }).await;
    click(client, "#store-open-submit").await;
    wait_for(client, "#store-settings").await;
}

/// Chooses an option of a select by its value.
async fn choose(client: &Client, select: &str, value: &str) {
    click(client, &format!("{select} option[value='{value}']")).await;
}

/// Replaces an input's text.
async fn retype(client: &Client, css: &str, value: &str) {
    let input = wait_for(client, css).await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

/// Writes images for the file pickers; returns their paths.
fn photos(dir: &std::path::Path, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let path = dir.join(name);
            std::fs::write(&path, carmine_media::fixtures::jpeg(800 + 40 * n as u32, 1000)).unwrap();
            path.display().to_string()
        })
        .collect()
}

/// A merchant's organization is verified and opens a store; it lists a product with
/// two options and two images and sets its stock; a creator tags it in a note with a
/// pin; a signed-out reader taps the pin, lands on the product, finds the note under
/// "notes about this product" and the product in search. A member buys it from the
/// note together with another shop's tea in one checkout; both ship; the serum's
/// order settles (commission, the creator's affiliate commission) while the tea goes
/// back and is refunded. The operator sees the commission in the revenue statement,
/// changes the category's commission and suspends the store, which takes the product
/// off sale; the books reconcile.
async fn shop_flow(driver: &Driver, database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    // Orders settle as soon as they complete, and commission is due from the first fen.
    let settle_at_once =
        [("CARMINE_SETTLE_DAYS", "0"), ("CARMINE_SETTLE_DAYS_FAST", "0"), ("CARMINE_COMMISSION_FREE_YUAN", "0")];
    let server = serve_with_operator_and(dir.path(), database_url.as_deref(), &settle_at_once);
    let base = server.url.as_str();
    let client = browser(driver).await;
    let pictures = tempfile::tempdir().unwrap();

    // The merchant's brand asks to be verified; the operator approves; the store opens.
    open_store(&client, base, ("merchant", "光实验室 Guang"), ("glow_lab", "光实验室 Glow Lab", "brand")).await;
    assert_no_sideways_scroll(&client, "the store console").await;
    client.goto(&format!("{base}/o/glow_lab/manage/products/new")).await.unwrap();
    fill(&client, "title", "玫瑰精华 Rose serum").await;
    choose(&client, "#product-category", "201").await;
    fill(&client, "option_name_0", "颜色").await;
    fill(&client, "option_values_0", "粉, 白").await;
    fill(&client, "option_name_1", "规格").await;
    fill(&client, "option_values_1", "30ml, 50ml").await;
    click(&client, "#product-matrix").await;
    wait_for(&client, "input[name='v3_price']").await;
    for (row, price) in ["129", "199", "139", "209"].iter().enumerate() {
        retype(&client, &format!("input[name='v{row}_price']"), price).await;
    }
    choose(&client, "#product-status", "active").await;
    retype(&client, "input[name='affiliate']", "10").await;
    let images = photos(pictures.path(), &["rose-1.jpg", "rose-2.jpg"]);
    wait_for(&client, "#product-images").await.send_keys(&images.join("\n")).await.unwrap();
    click(&client, "#product-save").await;
    wait_for(&client, "#stock-form").await;
    let editor = client.current_url().await.unwrap().to_string();
    let product_id = editor.trim_end_matches('/').rsplit('/').next().unwrap().to_owned();
    let stock_inputs = client.find_all(Locator::Css("#stock-form input[name^='s_']")).await.unwrap();
    assert_eq!(stock_inputs.len(), 4, "one warehouse × four variants");
    for (n, input) in stock_inputs.iter().enumerate() {
        input.clear().await.unwrap();
        input.send_keys(&format!("{}", 10 + n)).await.unwrap();
    }
    submit_and_wait(&client, "#stock-save").await;
    wait_for(&client, ".notice").await;
    let saved: Vec<String> = {
        let mut values = Vec::new();
        for input in client.find_all(Locator::Css("#stock-form input[name^='s_']")).await.unwrap() {
            values.push(input.prop("value").await.unwrap().unwrap_or_default());
        }
        values
    };
    assert_eq!(saved, ["10", "11", "12", "13"]);
    screenshot(&client, "product-editor").await;
    log_out(&client).await;

    // A creator posts a note and tags the product with a pin on its picture.
    sign_up(&client, base, "creator", "小红 Hong").await;
    client.goto(&format!("{base}/compose")).await.unwrap();
    let note_images = photos(pictures.path(), &["selfie.jpg"]);
    wait_for(&client, "#images").await.send_keys(&note_images[0]).await.unwrap();
    wait_for(&client, "#previews figure img").await;
    fill(&client, "title", "玫瑰精华用了一个月").await;
    client.find(Locator::Css("textarea[name='body']")).await.unwrap().send_keys("真的好用 #护肤").await.unwrap();
    click(&client, "#publish").await;
    wait_for(&client, "article.note h1").await;
    let note_url = client.current_url().await.unwrap().to_string();
    let note_id = note_url.trim_end_matches('/').rsplit('/').next().unwrap().to_owned();
    client.goto(&format!("{base}/notes/{note_id}/products?q=玫瑰")).await.unwrap();
    let mut found = client.find(Locator::Css("#found .place-pin")).await;
    for _ in 0..50 {
        if found.is_ok() {
            break;
        }
        // The search index applies the product shortly after it commits.
        tokio::time::sleep(Duration::from_millis(200)).await;
        client.refresh().await.unwrap();
        found = client.find(Locator::Css("#found .place-pin")).await;
    }
    found.expect("the tagging page finds the product");
    click(&client, "#found .place-pin").await;
    click(&client, "#pin-picker img").await;
    let x = wait_for(&client, "#found input[name='x']").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(!x.is_empty(), "a click on the picture placed the pin");
    click(&client, "#found button[value='add']").await;
    wait_for(&client, &format!("#tag-{product_id}")).await;
    log_out(&client).await;

    // A signed-out reader opens the note, taps the pin and reads about the product.
    client.goto(&note_url).await.unwrap();
    assert!(text_of(&client, ".product-tags").await.contains("玫瑰精华 Rose serum"), "the note's product card");
    click(&client, "#carousel a.pin").await;
    wait_for(&client, "#product-price").await;
    assert!(client.current_url().await.unwrap().path().ends_with(&format!("/products/{product_id}")));
    let range = wait_for(&client, "#product-price").await.attr("data-range").await.unwrap().unwrap_or_default();
    assert!(range.contains("129.00"), "from the cheapest variant: {range}");
    assert!(text_of(&client, "#notes #waterfall").await.contains("玫瑰精华用了一个月"), "notes about this product");
    assert_no_sideways_scroll(&client, "the product page").await;
    screenshot(&client, "product").await;
    let mut card = None;
    for _ in 0..50 {
        client.goto(&format!("{base}/search/products?q=rose+serum")).await.unwrap();
        wait_for(&client, "#result-count").await;
        card = client.find(Locator::Css(&format!("#waterfall a[href='/products/{product_id}']"))).await.ok();
        if card.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    card.expect("product search finds it");

    // A second shop, a tea house, lists one tea.
    open_store(&client, base, ("tea_merchant", "茶舍 Cha"), ("tea_house", "茶舍 Tea House", "merchant")).await;
    client.goto(&format!("{base}/o/tea_house/manage/products/new")).await.unwrap();
    fill(&client, "title", "龙井 Longjing").await;
    choose(&client, "#product-category", "602").await;
    fill(&client, "option_name_0", "规格").await;
    fill(&client, "option_values_0", "250g").await;
    submit_and_wait(&client, "#product-matrix").await;
    retype(&client, "input[name='v0_price']", "88").await;
    choose(&client, "#product-status", "active").await;
    let tea_images = photos(pictures.path(), &["tea.jpg"]);
    wait_for(&client, "#product-images").await.send_keys(&tea_images[0]).await.unwrap();
    click(&client, "#product-save").await;
    wait_for(&client, "#stock-form").await;
    let tea_editor = client.current_url().await.unwrap().to_string();
    let tea_id = tea_editor.trim_end_matches('/').rsplit('/').next().unwrap().to_owned();
    retype(&client, "#stock-form input[name^='s_']", "5").await;
    submit_and_wait(&client, "#stock-save").await;
    log_out(&client).await;

    // A member buys the serum from the note (chips choose 粉 · 30ml) and the tea, in
    // one checkout: an address, paid once on the provider's page, two orders.
    sign_up(&client, base, "buyer", "买家 Mai").await;
    client.goto(&note_url).await.unwrap();
    click(&client, "#carousel a.pin").await;
    wait_for(&client, "#add-to-cart").await;
    click(&client, "#variant-picker fieldset[data-option='0'] label.chip").await;
    click(&client, "#variant-picker fieldset[data-option='1'] label.chip").await;
    assert_eq!(text_of(&client, "#product-price").await, "¥129.00");
    submit_and_wait(&client, "#add-to-cart-button").await;
    client.goto(&format!("{base}/products/{tea_id}")).await.unwrap();
    click(&client, "#variant-picker fieldset[data-option='0'] label.chip").await;
    submit_and_wait(&client, "#add-to-cart-button").await;
    client.goto(&format!("{base}/cart")).await.unwrap();
    click(&client, "#to-checkout").await;
    wait_for(&client, "#address-form").await;
    fill(&client, "recipient", "林买家").await;
    fill(&client, "phone", "138 0013 8000").await;
    choose(&client, "#address-form select[name='region']", "CN-SH").await;
    fill(&client, "detail", "静安区南京西路 1 号").await;
    submit_and_wait(&client, "#save-address").await;
    wait_for(&client, "#place-order:not([disabled])").await;
    assert!(text_of(&client, "#checkout-total").await.starts_with('¥'));
    assert_no_sideways_scroll(&client, "checkout").await;
    screenshot(&client, "checkout").await;
    submit_and_wait(&client, "#place-order").await;
    submit_and_wait(&client, "#sandbox-pay").await;
    wait_for(&client, "#order-status[data-status='awaiting_shipment']").await;
    assert!(
        text_of(&client, ".notice").await.contains("下单成功")
            || text_of(&client, ".notice").await.contains("Order placed")
    );
    wait_for(&client, "#sibling-orders").await;
    assert_no_sideways_scroll(&client, "an order").await;
    screenshot(&client, "order").await;
    log_out(&client).await;

    // Each shop ships from its console's Orders tab.
    let mut order_of = std::collections::HashMap::new();
    for (merchant, handle, tracking) in
        [("merchant", "glow_lab", "SF1234567890"), ("tea_merchant", "tea_house", "JD-20261204")]
    {
        log_in(&client, base, merchant, "correct horse battery").await;
        client.goto(&format!("{base}/o/{handle}/manage/orders?status=awaiting_shipment")).await.unwrap();
        let card = wait_for(&client, "article[id^='store-order-']").await;
        let id = card.attr("id").await.unwrap().unwrap().trim_start_matches("store-order-").to_owned();
        retype(&client, "form[action$='/ship'] input[name='tracking_no']", tracking).await;
        submit_and_wait(&client, "form[action$='/ship'] button").await;
        wait_for(&client, ".notice").await;
        screenshot(&client, &format!("{handle}-orders")).await;
        log_out(&client).await;
        order_of.insert(handle, id);
    }

    // The buyer confirms both; the serum's order settles (this server settles at once)
    // while the tea goes back for a refund.
    log_in(&client, base, "buyer", "correct horse battery").await;
    for handle in ["glow_lab", "tea_house"] {
        client.goto(&format!("{base}/orders/{}", order_of[handle])).await.unwrap();
        wait_for(&client, "#shipment").await;
        click(&client, "#confirm-receipt").await;
        client.accept_alert().await.unwrap();
        wait_for(&client, "#order-status[data-status='completed'], #order-status[data-status='settled']").await;
    }
    screenshot(&client, "order-completed").await;
    client.goto(&format!("{base}/orders/{}", order_of["tea_house"])).await.unwrap();
    click(&client, "a[id^='after-sale-']").await;
    wait_for(&client, "#after-sale-form").await;
    click(&client, "label.chip:has(input[value='return_refund'])").await;
    client
        .find(Locator::Css("textarea[name='reason']"))
        .await
        .unwrap()
        .send_keys("茶叶受潮 damp leaves")
        .await
        .unwrap();
    submit_and_wait(&client, "#send-after-sale").await;
    wait_for(&client, "#after-sales [data-status='requested']").await;
    log_out(&client).await;
    log_in(&client, base, "tea_merchant", "correct horse battery").await;
    client.goto(&format!("{base}/o/tea_house/manage/orders")).await.unwrap();
    submit_and_wait(&client, "form[action$='/approve'] button").await;
    log_out(&client).await;
    log_in(&client, base, "buyer", "correct horse battery").await;
    client.goto(&format!("{base}/orders/{}", order_of["tea_house"])).await.unwrap();
    retype(&client, "form[action$='/return'] input[name='tracking_no']", "SF-RETURN-1").await;
    submit_and_wait(&client, "form[action$='/return'] button").await;
    wait_for(&client, "#after-sales [data-status='returned']").await;
    log_out(&client).await;
    log_in(&client, base, "tea_merchant", "correct horse battery").await;
    client.goto(&format!("{base}/o/tea_house/manage/orders")).await.unwrap();
    submit_and_wait(&client, "form[action$='/receive'] button").await;
    wait_for(&client, "#after-sales [data-status='refunded']").await;
    log_out(&client).await;
    log_in(&client, base, "buyer", "correct horse battery").await;
    client.goto(&format!("{base}/orders/{}", order_of["tea_house"])).await.unwrap();
    wait_for(&client, "#order-refunded").await;
    assert_no_sideways_scroll(&client, "a refunded order").await;
    screenshot(&client, "order-refunded").await;
    // Settlement runs every minute: the serum's order is settled within two.
    let mut settled = false;
    for _ in 0..150 {
        client.goto(&format!("{base}/orders/{}", order_of["glow_lab"])).await.unwrap();
        settled = client.find(Locator::Css("#order-status[data-status='settled']")).await.is_ok();
        if settled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1_000)).await;
    }
    assert!(settled, "the serum's order settles");
    log_out(&client).await;

    // The creator sees the affiliate commission; the merchant its statement.
    log_in(&client, base, "creator", "correct horse battery").await;
    client.goto(&format!("{base}/wallet")).await.unwrap();
    assert_eq!(text_of(&client, "#affiliate-total").await, "¥12.90", "10 % of ¥129");
    log_out(&client).await;
    log_in(&client, base, "merchant", "correct horse battery").await;
    client.goto(&format!("{base}/o/glow_lab/manage/orders")).await.unwrap();
    wait_for(&client, "#settlements-table").await;
    assert_no_sideways_scroll(&client, "the orders console").await;
    screenshot(&client, "settlements").await;
    log_out(&client).await;

    // The operator's revenue statement shows the commission; then the operator lowers
    // skincare's commission and suspends the store.
    log_in(&client, base, "root", "operator password 1").await;
    client.goto(&format!("{base}/admin/revenue")).await.unwrap();
    let revenue = text_of(&client, "main").await;
    assert!(revenue.contains("5.16"), "4 % of ¥129 in commerce commissions: {revenue}");
    client.goto(&format!("{base}/admin/categories")).await.unwrap();
    click(&client, "#category-skincare summary").await;
    retype(&client, "#rate-skincare", "3.5").await;
    click(&client, "#save-skincare").await;
    wait_for(&client, "#category-skincare td[data-bps='350']").await;
    client.goto(&format!("{base}/admin/stores")).await.unwrap();
    wait_for(&client, "#store-glow_lab input[name='reason']")
        .await
        .send_keys("假货投诉 counterfeit reports")
        .await
        .unwrap();
    click(&client, "#store-glow_lab form[action$='/suspend'] button").await;
    wait_for(&client, "#store-glow_lab form[action$='/reinstate']").await;
    log_out(&client).await;
    client.goto(&format!("{base}/products/{product_id}")).await.unwrap();
    wait_for(&client, "#product-unavailable").await;
    let mut gone = false;
    for _ in 0..50 {
        client.goto(&format!("{base}/search/products?q=rose+serum")).await.unwrap();
        wait_for(&client, "#result-count").await;
        gone = client.find(Locator::Css(&format!("#waterfall a[href='/products/{product_id}']"))).await.is_err();
        if gone {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(gone, "a suspended store's product leaves search");
    client.goto(&note_url).await.unwrap();
    wait_for(&client, ".product-tags .unavailable").await;
    client.close().await.unwrap();
    // The books balance after it all.
    let mut reconcile = support::carmine();
    if let Some(url) = &database_url {
        reconcile.env("CARMINE_DATABASE_URL", url);
    }
    let output = reconcile.args(["ledger", "--data-dir"]).arg(dir.path()).arg("reconcile").output().unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

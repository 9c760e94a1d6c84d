//! `TestApp`: the real router over a fresh database, driven in-process; and
//! `Client`: a browser-like holder of a session cookie and CSRF token, or a Bearer token.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use carmine_accounts::config::Argon2Params;
use carmine_accounts::{Accounts, AccountsConfig};
use carmine_core::Clock;
use carmine_events::Running;
use carmine_jobs::{JobsConfig, Scheduler};
use carmine_media::{MediaConfig, MediaStorage};
use carmine_notes::NotesConfig;
use carmine_store::testing::TestDb;
use carmine_store::{Db, outbox};
use carmine_web::{AppState, Services, ServicesConfig, WebConfig, build_router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

pub const ORIGIN: &str = "http://127.0.0.1:8080";

pub struct TestApp {
    pub router: Router,
    pub media_dir: tempfile::TempDir,
    pub db: Db,
    pub clock: Clock,
    pub accounts: Accounts,
    pub services: Services,
    /// The job runner, driven by tests with `run_jobs` after moving the clock.
    pub scheduler: Scheduler,
    _dataplane: Running,
    _test_db: TestDb,
}

#[derive(Clone, Default)]
pub struct Client {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    pub ip: Option<[u8; 4]>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The stable error code of an error response.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {}", self.text())).to_owned()
    }

    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(self.code(), code, "{}", self.text());
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        self
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("carmine_session=") && !v.contains("Max-Age=0"))
            .map(|v| v.split(';').next().unwrap().to_owned())
    }
}

impl TestApp {
    pub async fn new(test_db: TestDb) -> TestApp {
        TestApp::with_web_config(test_db, WebConfig::new(ORIGIN)).await
    }

    pub async fn with_web_config(test_db: TestDb, web: WebConfig) -> TestApp {
        TestApp::build(test_db, web, MediaConfig::default()).await
    }

    pub async fn build(test_db: TestDb, web: WebConfig, media_config: MediaConfig) -> TestApp {
        TestApp::with_services(test_db, web, |config| config.media = media_config).await
    }

    /// A test app over services set up by `configure` (feed settings, media limits…).
    pub async fn with_services(
        test_db: TestDb,
        web: WebConfig,
        configure: impl FnOnce(&mut ServicesConfig),
    ) -> TestApp {
        let accounts_config = AccountsConfig { argon2: Argon2Params::TEST_ONLY_MINIMAL, ..AccountsConfig::default() };
        let mut config = ServicesConfig::new(accounts_config, NotesConfig::default());
        // The API suite drives every payment outcome through the sandbox's test methods.
        config.payments_test_mode = true;
        configure(&mut config);
        let media_dir = tempfile::tempdir().unwrap();
        let services =
            Services::open(test_db.db.clone(), MediaStorage::new(media_dir.path()), config).await.expect("services");
        let scheduler = Scheduler::new(
            test_db.db.clone(),
            services.job_handlers(),
            "test-runner".to_owned(),
            JobsConfig::default(),
        );
        let dataplane = services.dataplane.start();
        let state = AppState::new(services.clone(), web, b"a test cursor key of enough length");
        TestApp {
            router: build_router(state),
            media_dir,
            db: test_db.db.clone(),
            clock: test_db.clock.clone(),
            accounts: services.accounts.clone(),
            services,
            scheduler,
            _dataplane: dataplane,
            _test_db: test_db,
        }
    }

    /// Waits until the data plane has applied every write made so far.
    /// Another node on the same database, as after a restart or on a second server:
    /// its own services, whose in-memory indexes replay the logs from the start, and
    /// its own data plane, caught up before this returns.
    pub async fn another_node(&self) -> (Services, Running, tempfile::TempDir) {
        let accounts_config = AccountsConfig { argon2: Argon2Params::TEST_ONLY_MINIMAL, ..AccountsConfig::default() };
        let config = ServicesConfig::new(accounts_config, NotesConfig::default());
        let media_dir = tempfile::tempdir().unwrap();
        let services =
            Services::open(self.db.clone(), MediaStorage::new(media_dir.path()), config).await.expect("services");
        let running = services.dataplane.start();
        services.dataplane.sync().await.expect("the other node catches up");
        (services, running, media_dir)
    }

    pub async fn sync(&self) {
        self.services.search.journal().flush().await.expect("search events are written");
        self.services.dataplane.sync().await.expect("the data plane catches up");
    }

    /// Runs the jobs due at the test clock's time.
    pub async fn run_jobs(&self) -> carmine_jobs::Pass {
        self.scheduler.run_due().await.expect("job runner pass")
    }

    pub async fn send(&self, client: &Client, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        self.send_with(client, method, path, body, &[]).await
    }

    /// A POST carrying an `Idempotency-Key`.
    pub async fn post_keyed(&self, client: &Client, path: &str, key: &str, body: Value) -> TestResponse {
        self.send_with(client, Method::POST, path, Some(body), &[("idempotency-key", key)]).await
    }

    pub async fn send_with(
        &self,
        client: &Client,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = Request::builder().method(method.clone()).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(cookie) = &client.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(bearer) = &client.bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
        }
        if method != Method::GET {
            if let Some(csrf) = &client.csrf {
                request = request.header("x-csrf-token", csrf);
            }
            request = request.header(header::ORIGIN, ORIGIN);
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(&json).unwrap())
            }
            None => Body::empty(),
        };
        self.raw(request.body(body).unwrap(), client.ip.unwrap_or([127, 0, 0, 1])).await
    }

    pub async fn raw(&self, mut request: Request<Body>, ip: [u8; 4]) -> TestResponse {
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        TestResponse { status, headers, body }
    }

    /// Posts a multipart form of `(field name, file name, bytes)` parts.
    pub async fn upload(&self, client: &Client, parts: &[(&str, &str, &[u8])]) -> TestResponse {
        let boundary = "carmine-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, file_name, bytes) in parts {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: image/png\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/media")
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::ORIGIN, ORIGIN);
        if let Some(cookie) = &client.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(csrf) = &client.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(bearer) = &client.bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
        }
        self.raw(request.body(Body::from(body)).unwrap(), client.ip.unwrap_or([127, 0, 0, 1])).await
    }

    /// Files left in the media folder (an upload that failed must leave none).
    pub fn media_files(&self) -> usize {
        fn count(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir)
                .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum())
                .unwrap_or(0)
        }
        count(self.media_dir.path())
    }

    pub async fn get(&self, client: &Client, path: &str) -> TestResponse {
        self.send(client, Method::GET, path, None).await
    }

    pub async fn post(&self, client: &Client, path: &str, body: Value) -> TestResponse {
        self.send(client, Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, client: &Client, path: &str, body: Value) -> TestResponse {
        self.send(client, Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, client: &Client, path: &str, body: Value) -> TestResponse {
        self.send(client, Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, client: &Client, path: &str, body: Option<Value>) -> TestResponse {
        self.send(client, Method::DELETE, path, body).await
    }

    /// Signs up and returns a logged-in client.
    /// Signs up from an address of its own (so many sign-ups stay under the per-IP limit).
    pub async fn signup(&self, username: &str) -> Client {
        let hash = username.bytes().fold(2_166_136_261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16_777_619));
        let [a, b, c, _] = hash.to_be_bytes();
        let from = Client { ip: Some([10, a, b, c]), ..Client::default() };
        let response = self
            .post(&from, "/api/v1/auth/signup", json!({ "username": username, "password": "correct horse battery" }))
            .await;
        response.assert_status(201);
        let json = response.json();
        Client {
            cookie: response.session_cookie(),
            csrf: json["csrf_token"].as_str().map(str::to_owned),
            ..Client::default()
        }
    }

    pub async fn login(&self, username: &str, password: &str) -> TestResponse {
        self.post(&Client::default(), "/api/v1/auth/login", json!({ "username": username, "password": password })).await
    }

    pub fn client_from_login(response: &TestResponse) -> Client {
        Client {
            cookie: response.session_cookie(),
            csrf: response.json()["csrf_token"].as_str().map(str::to_owned),
            ..Client::default()
        }
    }

    /// A member made an administrator through the console path, logged in.
    pub async fn admin(&self, username: &str) -> Client {
        self.accounts.console_create_user(username, Some("admin password 1"), true).await.unwrap();
        let response = self.login(username, "admin password 1").await;
        response.assert_status(200);
        TestApp::client_from_login(&response)
    }

    pub async fn user_id(&self, client: &Client) -> String {
        self.get(client, "/api/v1/me").await.json()["user"]["id"].as_str().unwrap().to_owned()
    }

    /// Publishes a note with one small image (and `images` more) and the fields of
    /// `extra`; returns its id.
    pub async fn publish(&self, author: &Client, title: &str, extra: Value) -> String {
        let jpeg = carmine_media::fixtures::jpeg(60, 80);
        let images = 1 + extra.get("extra_images").and_then(Value::as_u64).unwrap_or(0);
        let mut media_ids = Vec::new();
        for _ in 0..images {
            media_ids.push(self.upload(author, &[("file", "p.jpg", &jpeg)]).await.json()["id"].clone());
        }
        let mut body = json!({ "title": title, "media_ids": media_ids });
        for (key, value) in extra.as_object().unwrap().iter().filter(|(k, _)| *k != "extra_images") {
            body[key] = value.clone();
        }
        let created = self.post(author, "/api/v1/notes", body).await;
        created.assert_status(201);
        created.json()["id"].as_str().unwrap().to_owned()
    }

    /// The number of outbox events: a refused request must not add any.
    pub async fn event_count(&self) -> usize {
        outbox::list_after(&mut self.db.reader().await.unwrap(), None, 100_000).await.unwrap().len()
    }
}

/// Percent-encodes a form field or query value (spaces as `+`).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

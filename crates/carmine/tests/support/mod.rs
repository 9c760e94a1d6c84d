//! Running the real `carmine` binary in tests: a server on a free port in a
//! temporary data directory, stopped when dropped. Start-up is awaited by reading
//! the line the server prints, never by sleeping.

#![allow(dead_code)] // each test binary uses part of this module

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Server {
    pub url: String,
    child: Child,
    _data_dir: Option<tempfile::TempDir>,
}

/// `carmine` with cheap password hashing (tests only) and quiet logs.
pub fn carmine() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carmine"));
    command
        .env("CARMINE_ARGON2_MEMORY_KIB", "8")
        .env("CARMINE_ARGON2_ITERATIONS", "1")
        .env("CARMINE_LOG", "warn")
        .env_remove("CARMINE_DATABASE_URL")
        .env_remove("CARMINE_DATA_DIR");
    command
}

impl Server {
    /// A server on a fresh, temporary data directory.
    pub fn start() -> Server {
        let data_dir = tempfile::tempdir().unwrap();
        let mut server = Server::start_in(data_dir.path());
        server._data_dir = Some(data_dir);
        server
    }

    pub fn start_in(data_dir: &std::path::Path) -> Server {
        Server::run(data_dir, "serve").0
    }

    /// A server on the given database (media in a temporary directory).
    pub fn start_on(database_url: &str) -> Server {
        let data_dir = tempfile::tempdir().unwrap();
        let mut server = Server::launch(data_dir.path(), "serve", Some(database_url)).0;
        server._data_dir = Some(data_dir);
        server
    }

    /// `carmine serve` on `data_dir` and, if given, a database elsewhere (restarts
    /// of one deployment).
    pub fn serve(data_dir: &std::path::Path, database_url: Option<&str>) -> Server {
        Server::launch(data_dir, "serve", database_url).0
    }

    /// [`Server::serve`] with extra environment (flags such as `CARMINE_PAYMENTS_TEST_MODE`).
    pub fn serve_with(data_dir: &std::path::Path, database_url: Option<&str>, env: &[(&str, &str)]) -> Server {
        Server::launch_with(data_dir, "serve", database_url, env).0
    }

    /// Runs `carmine <command>` (serve or demo) and returns the server and what it
    /// printed before listening.
    pub fn run(data_dir: &std::path::Path, command: &str) -> (Server, Vec<String>) {
        Server::launch(data_dir, command, None)
    }

    /// [`Server::run`] with extra environment (flags such as `CARMINE_TRUSTED_PROXIES`).
    pub fn run_with(data_dir: &std::path::Path, command: &str, env: &[(&str, &str)]) -> (Server, Vec<String>) {
        Server::launch_with(data_dir, command, None, env)
    }

    fn launch(data_dir: &std::path::Path, command: &str, database_url: Option<&str>) -> (Server, Vec<String>) {
        Server::launch_with(data_dir, command, database_url, &[])
    }

    fn launch_with(
        data_dir: &std::path::Path,
        command: &str,
        database_url: Option<&str>,
        env: &[(&str, &str)],
    ) -> (Server, Vec<String>) {
        let mut cmd = carmine();
        if let Some(url) = database_url {
            cmd.env("CARMINE_DATABASE_URL", url);
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd
            .args([command, "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("CARMINE_DEMO_SCALE", "small")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start carmine serve");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut printed = Vec::new();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("Carmine is listening on ") {
                        break url.trim().to_owned();
                    }
                    printed.push(line);
                }
                _ => panic!("carmine {command} exited before listening"),
            }
        };
        (Server { url, child, _data_dir: None }, printed)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database URL for a fresh schema in `CARMINE_TEST_PG_URL`'s PostgreSQL; `None`
/// (after saying so) when it is unset — a failure under `CI=true`.
pub async fn postgres_url() -> Option<String> {
    let url = match std::env::var("CARMINE_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(!std::env::var("CI").is_ok_and(|v| v == "true"), "CI=true but CARMINE_TEST_PG_URL is not set");
            eprintln!("skipping the PostgreSQL run: set CARMINE_TEST_PG_URL");
            return None;
        }
    };
    let schema = carmine_store::testing::create_schema(&url).await;
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{separator}options=-c%20search_path%3D{schema}"))
}

/// A minimal HTTP/1.1 request over a raw socket, enough to probe the server.
pub async fn http(base: &str, method: &str, path: &str, json_body: Option<&str>) -> String {
    http_with(base, method, path, &[], json_body).await
}

/// [`http`] with extra request headers (a cookie, `Authorization`, …).
pub async fn http_with(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    json_body: Option<&str>,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let body = json_body.unwrap_or("");
    let content_type = if json_body.is_some() { "Content-Type: application/json\r\n" } else { "" };
    let extra: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{content_type}{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    // Bodies may be images: keep the text, replace what is not UTF-8.
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

/// The JSON body of a raw HTTP response.
pub fn json_of(response: &str) -> serde_json::Value {
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {response}"))
}

/// Logs in and returns an API token (Bearer requests need no cookie or CSRF token).
pub async fn api_token(base: &str, username: &str, password: &str) -> String {
    let body = format!(r#"{{"username":"{username}","password":"{password}"}}"#);
    let login = http(base, "POST", "/api/v1/auth/login", Some(&body)).await;
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let cookie = login
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let csrf = json_of(&login)["csrf_token"].as_str().unwrap().to_owned();
    let headers = [("Cookie", cookie.as_str()), ("X-CSRF-Token", csrf.as_str()), ("Origin", base)];
    let created = http_with(base, "POST", "/api/v1/tokens", &headers, Some(r#"{"name":"tests"}"#)).await;
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    json_of(&created)["token_secret"].as_str().unwrap().to_owned()
}

/// Uploads an image as `Authorization: Bearer token` and returns its media id.
pub async fn upload_image(base: &str, token: &str, image: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let boundary = "carmine-cli-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(image);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /api/v1/media HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    json_of(&response)["id"].as_str().unwrap().to_owned()
}

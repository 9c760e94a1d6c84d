//! The server over a real socket: half-sent headers, trickling bodies and idle
//! connections are closed by its timeouts, so they cannot take every connection and
//! starve `/healthz`.

use std::time::Duration;

use carmine_store::testing::TestDb;
use carmine_web::server::{HttpLimits, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{ORIGIN, TestApp};

carmine_store::both_backends!(slow_and_idle_clients_cannot_hold_the_server);

/// Long enough for any machine to close a timed-out connection: a bound, not a timing.
const CLOSED_WITHIN: Duration = Duration::from_secs(60);

/// Reads until the server closes the connection; what it sent.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let read = tokio::time::timeout(CLOSED_WITHIN, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    });
    read.await.expect("the server closed the connection");
    String::from_utf8_lossy(&got).into_owned()
}

async fn slow_and_idle_clients_cannot_hold_the_server(t: TestDb) {
    let app = TestApp::new(t).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = HttpLimits {
        header_read: Duration::from_secs(1),
        idle: Duration::from_secs(2),
        body_read: Duration::from_secs(1),
        connections_max: 2,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app.router.clone(), limits, async {
        let _ = stopped.await;
    }));

    // Two half-sent requests take every connection; the header timeout closes both.
    let mut half = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        half.push(stream);
    }
    // A third client waits for a free connection, then is answered.
    let mut health = TcpStream::connect(addr).await.unwrap();
    health.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    for stream in &mut half {
        let sent = until_closed(stream).await;
        assert!(!sent.contains("200 OK"), "a half-sent request is never served: {sent}");
    }
    let answer = until_closed(&mut health).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // A body that trickles in is cut off with 408.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nOrigin: {ORIGIN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"username\""
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let answer = until_closed(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");

    // A kept-alive connection left idle is closed after its request.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answer = until_closed(&mut idle).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "served, then closed when idle: {answer}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

//! A webhook receiver for tests: a real HTTP server on a free loopback port that keeps every
//! message it is sent (headers and body, byte for byte) and answers 500 to as many as it is told
//! to fail, as a receiver that is down would.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// One message as the receiver got it.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: Bytes,
    /// Whether the receiver answered 2xx.
    pub accepted: bool,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    failures_left: usize,
}

#[derive(Clone, Default)]
pub struct Receiver {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

impl Receiver {
    pub async fn start() -> Self {
        let mut receiver = Self::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        receiver.url = format!("http://{}/hooks/thuoc-do", listener.local_addr().expect("local address"));
        let app = Router::new().route("/hooks/thuoc-do", post(take)).with_state(receiver.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        receiver
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next `count` messages are answered 500.
    pub fn fail_next(&self, count: usize) {
        self.lock().failures_left = count;
    }

    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// Waits until `count` messages have arrived (taken or refused).
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> anyhow::Result<Vec<Received>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= count {
                return Ok(got);
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!("waited for {count} webhook messages, got {}", got.len());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn take(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let mut inner = receiver.lock();
    let accepted = inner.failures_left == 0;
    inner.failures_left = inner.failures_left.saturating_sub(1);
    inner.received.push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or(0),
        signature: header("webhook-signature"),
        body,
        accepted,
    });
    if accepted { StatusCode::NO_CONTENT } else { StatusCode::INTERNAL_SERVER_ERROR }
}

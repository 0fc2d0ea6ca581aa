//! What the binary's tests share: a real server on a free port, varied answer sheets, and
//! floods of submissions.

#![allow(dead_code)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_thuocdo");

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Ends the server at once, as a power cut or `kill -9` would.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the server ends");
    }
}

/// The server on a free port over `database`, run in `dir` (where its data key lives), with
/// `extra` arguments.
pub fn start(dir: &std::path::Path, database: &str, demo: bool) -> Server {
    start_with(dir, database, demo, &[])
}

pub fn start_with(dir: &std::path::Path, database: &str, demo: bool, extra: &[&str]) -> Server {
    let mut args = vec!["serve", "--bind", "127.0.0.1:0", "--submissions-per-minute", "1000000"];
    if demo {
        args.push("--demo");
    }
    args.extend_from_slice(extra);
    let mut child = Command::new(BIN)
        .args(&args)
        .current_dir(dir)
        .env("THUOCDO_DATABASE_URL", database)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let line = stdout.lines().map_while(Result::ok).find(|l| l.contains("http://")).expect("the server prints its address");
    let base = line.split_whitespace().find(|w| w.starts_with("http://")).expect("an address").to_string();
    Server { child, base }
}

/// Runs the binary in `dir` on `database`; whether it succeeded, and what it printed.
pub fn thuocdo(dir: &std::path::Path, database: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(BIN).args(args).current_dir(dir).env("THUOCDO_DATABASE_URL", database).env("RUST_LOG", "error").output().expect("run thuocdo");
    (output.status.success(), format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
}

pub fn answers(n: usize) -> serde_json::Value {
    // Varied answers: every criterion and the overall rating change from one to the next.
    let mut sheet = testkit::sheet(&((n % 5) + 1).to_string());
    for (i, (key, value)) in sheet.as_object_mut().expect("an object").iter_mut().enumerate() {
        // PA0 asks whether one has used the service before, with other options.
        if key != "PA0" && value.as_str() == Some("co") && (n + i).is_multiple_of(3) {
            *value = serde_json::json!("khong");
        }
    }
    sheet
}

/// Sends submissions `ids` from `clients` clients at once until they are all sent or the
/// server is gone; the ids acknowledged are added to `acknowledged` as they come.
pub async fn flood(base: String, ids: Vec<String>, clients: usize, acknowledged: Arc<Mutex<HashSet<String>>>) {
    let queue = Arc::new(Mutex::new(ids.into_iter().enumerate().collect::<Vec<_>>()));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let mut workers = Vec::new();
    for _ in 0..clients {
        let (queue, acknowledged, client, base) = (queue.clone(), acknowledged.clone(), client.clone(), base.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let Some((n, id)) = queue.lock().unwrap().pop() else { break };
                let body = serde_json::json!({ "submission_id": id, "unit_code": "28101", "answers": answers(n) });
                match client.post(format!("{base}/api/v1/surveys/sipas/responses")).json(&body).send().await {
                    Ok(response) if response.status().is_success() => {
                        acknowledged.lock().unwrap().insert(id);
                    }
                    Ok(response) => panic!("refused: {} {}", response.status(), response.text().await.unwrap_or_default()),
                    // The server is gone: this one was never acknowledged.
                    Err(_) => break,
                }
            }
        }));
    }
    for worker in workers {
        worker.await.expect("a client");
    }
}

/// Resends every id: each must come back as already stored, once.
pub async fn check_stored(server: &Server, acknowledged: &HashSet<String>) {
    let client = reqwest::Client::new();
    for (n, id) in acknowledged.iter().enumerate() {
        let body = serde_json::json!({ "submission_id": id, "unit_code": "28101", "answers": answers(n) });
        let response = client.post(format!("{}/api/v1/surveys/sipas/responses", server.base)).json(&body).send().await.expect("resend");
        assert_eq!(response.status(), 200, "{id} was acknowledged but is not stored");
        let receipt: serde_json::Value = response.json().await.expect("a receipt");
        assert_eq!(receipt["created"], false, "{id}");
    }
}

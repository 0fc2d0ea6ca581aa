//! An acknowledged answer is stored exactly once, even when the server is killed (`kill -9`)
//! in the middle of a flood of submissions: on SQLite and on PostgreSQL, the real binary, twice
//! in a row. After each kill the server starts again on the same database; every answer it
//! acknowledged is there once, and the counters agree with the stored answers (`recompute`).

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_thuocdo");

struct Server {
    child: Child,
    base: String,
}

fn start(dir: &std::path::Path, database: &str, demo: bool) -> Server {
    let mut args = vec!["serve", "--bind", "127.0.0.1:0", "--submissions-per-minute", "1000000"];
    if demo {
        args.push("--demo");
    }
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

fn answers(n: usize) -> serde_json::Value {
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

/// Sends submissions `ids` from 16 clients at once and kills the server with SIGKILL after
/// `kill_after` acknowledgements; gives the ids acknowledged.
async fn flood_and_kill(mut server: Server, ids: Vec<String>, kill_after: usize) -> HashSet<String> {
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let queue = Arc::new(Mutex::new(ids.into_iter().enumerate().collect::<Vec<_>>()));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let mut workers = Vec::new();
    for _ in 0..16 {
        let (queue, acknowledged, client, base) = (queue.clone(), acknowledged.clone(), client.clone(), server.base.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let Some((n, id)) = queue.lock().unwrap().pop() else { break };
                let body = serde_json::json!({ "submission_id": id, "unit_code": "28101", "answers": answers(n) });
                let sent = client.post(format!("{base}/api/v1/surveys/sipas/responses")).json(&body).send().await;
                match sent {
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
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < kill_after {
        assert!(started.elapsed() < Duration::from_secs(120), "too slow to acknowledge");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("the server ends");
    for worker in workers {
        worker.await.expect("a client");
    }
    Arc::try_unwrap(acknowledged).expect("all clients ended").into_inner().unwrap()
}

/// Resends every id: an acknowledged one must come back as already stored.
async fn check_stored(server: &Server, acknowledged: &HashSet<String>) {
    let client = reqwest::Client::new();
    for (n, id) in acknowledged.iter().enumerate() {
        let body = serde_json::json!({ "submission_id": id, "unit_code": "28101", "answers": answers(n) });
        let response = client.post(format!("{}/api/v1/surveys/sipas/responses", server.base)).json(&body).send().await.expect("resend");
        assert_eq!(response.status(), 200, "{id} was acknowledged but is not stored");
        let receipt: serde_json::Value = response.json().await.expect("a receipt");
        assert_eq!(receipt["created"], false, "{id}");
    }
}

fn recompute_agrees(dir: &std::path::Path, database: &str) {
    let output = Command::new(BIN).args(["recompute", "--survey", "sipas"]).current_dir(dir).env("THUOCDO_DATABASE_URL", database).output().expect("recompute");
    let text = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && text.contains("0 khác biệt"), "counters differ from the stored answers after a kill: {text}");
}

async fn survives_kill_9(database: &str) {
    let dir = tempfile::tempdir().expect("a directory");
    let mut server = start(dir.path(), database, true);
    let mut all_acknowledged = HashSet::new();
    for round in 0..2 {
        let ids: Vec<String> = (0..3_000).map(|i| format!("kill-{round}-{i:05}")).collect();
        let acknowledged = flood_and_kill(server, ids, 400 + 300 * round).await;
        assert!(acknowledged.len() >= 400, "{}", acknowledged.len());
        all_acknowledged.extend(acknowledged);
        server = start(dir.path(), database, false);
        check_stored(&server, &all_acknowledged).await;
    }
    let mut server = server;
    server.child.kill().expect("stop");
    server.child.wait().expect("stopped");
    recompute_agrees(dir.path(), database);
    println!("{database}: {} answers acknowledged over two kills, every one stored once", all_acknowledged.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_answers_survive_kill_9_on_sqlite() {
    let db = testkit::sqlite();
    survives_kill_9(&db.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_answers_survive_kill_9_on_postgres() {
    if let Some(db) = testkit::postgres().await {
        survives_kill_9(&db.url).await;
    }
}

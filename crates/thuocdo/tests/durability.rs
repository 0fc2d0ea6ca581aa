//! An acknowledged answer is stored exactly once, even when the server is killed (`kill -9`)
//! in the middle of a flood of submissions: on SQLite and on PostgreSQL, the real binary, twice
//! in a row. After each kill the server starts again on the same database; every answer it
//! acknowledged is there once, and the counters agree with the stored answers (`recompute`).

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, check_stored, flood, start, thuocdo};

/// Floods the server from 16 clients and kills it with SIGKILL after `kill_after`
/// acknowledgements; gives the ids acknowledged.
async fn flood_and_kill(server: Server, ids: Vec<String>, kill_after: usize) -> HashSet<String> {
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let flooding = tokio::spawn(flood(server.base.clone(), ids, 16, acknowledged.clone()));
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < kill_after {
        assert!(started.elapsed() < Duration::from_secs(120), "too slow to acknowledge");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill();
    flooding.await.expect("the clients end");
    Arc::try_unwrap(acknowledged).expect("all clients ended").into_inner().unwrap()
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
    server.kill();
    let (ok, out) = thuocdo(dir.path(), database, &["recompute", "--survey", "sipas"]);
    assert!(ok && out.contains("0 khác biệt"), "counters differ from the stored answers after a kill: {out}");
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

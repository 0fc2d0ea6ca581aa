//! Backups as an operator takes them: `thuocdo backup` while a flood of answers comes in, on
//! SQLite (VACUUM INTO) and PostgreSQL (pg_dump, the documented procedure); `verify-backup`;
//! `restore`; and the scheduled copies of `serve --backup-dir` with their retention. A copy
//! restores to the same rows and figures, holds every answer acknowledged before it was taken,
//! and a copy that was changed, or read with another key, is refused.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, check_stored, flood, start, start_with, thuocdo};

/// Floods the server and, once `after` answers are acknowledged, takes a backup to `copy`
/// with the command line; gives the answers acknowledged before the backup began.
async fn backup_under_load(server: &Server, dir: &Path, database: &str, copy: &str, after: usize) -> HashSet<String> {
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let ids: Vec<String> = (0..1_500).map(|i| format!("backup-{i:05}")).collect();
    let flooding = tokio::spawn(flood(server.base.clone(), ids, 8, acknowledged.clone()));
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < after {
        assert!(started.elapsed() < Duration::from_secs(120), "too slow to acknowledge");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let before = acknowledged.lock().unwrap().clone();
    let (dir, database, copy) = (dir.to_path_buf(), database.to_string(), copy.to_string());
    let (ok, out) = tokio::task::spawn_blocking(move || thuocdo(&dir, &database, &["backup", "--to", &copy])).await.unwrap();
    assert!(ok && out.contains("Đã sao lưu vào"), "{out}");
    let during = acknowledged.lock().unwrap().len() - before.len();
    flooding.await.expect("the clients end");
    assert!(during > 0, "answers kept coming while the copy was taken");
    before
}

fn manifest_rows(dir: &Path, copy: &str, table: &str) -> i64 {
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{copy}.json"))).unwrap()).unwrap();
    manifest["tables"][table].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sqlite_backup_under_load_restores_to_the_same_rows_and_figures() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("data/thuocdo.db").to_string_lossy().to_string();
    let server = start_with(dir.path(), &database, true, &["--backup-dir", "tu-dong", "--backup-keep", "2", "--backup-every", "1s"]);
    let before = backup_under_load(&server, dir.path(), &database, "copy.db", 300).await;
    assert!(manifest_rows(dir.path(), "copy.db", "responses") >= 3_000 + before.len() as i64, "the demo's answers and those acknowledged before");

    let (ok, out) = thuocdo(dir.path(), &database, &["verify-backup", "copy.db"]);
    assert!(ok && out.contains("còn nguyên vẹn") && out.contains("tính lại đúng số liệu"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &database, &["restore", "copy.db"]);
    assert!(!ok && out.contains("đang được một máy chủ sử dụng"), "never under a running server: {out}");

    // The scheduled copies: the newest two, each whole.
    let auto = dir.path().join("tu-dong");
    let copies = |auto: &Path| -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(auto).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).filter(|n| n.ends_with(".db")).collect();
        names.sort();
        names
    };
    let waited = Instant::now();
    while copies(&auto).len() < 2 || waited.elapsed() < Duration::from_secs(3) {
        assert!(waited.elapsed() < Duration::from_secs(60), "scheduled backups: {:?}", copies(&auto));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.kill();
    let scheduled = copies(&auto);
    assert_eq!(scheduled.len(), 2, "only the newest are kept: {scheduled:?}");
    for name in &scheduled {
        let (ok, out) = thuocdo(&auto, &database, &["--data-key-file", "../data/thuocdo.key", "verify-backup", name]);
        assert!(ok, "{name}: {out}");
    }

    // A copy changed afterwards, or read with another key, is refused.
    std::fs::copy(dir.path().join("copy.db"), dir.path().join("changed.db")).unwrap();
    std::fs::copy(dir.path().join("copy.db.json"), dir.path().join("changed.db.json")).unwrap();
    let mut bytes = std::fs::read(dir.path().join("changed.db")).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(dir.path().join("changed.db"), bytes).unwrap();
    let (ok, out) = thuocdo(dir.path(), &database, &["verify-backup", "changed.db"]);
    assert!(!ok && out.contains("đã thay đổi hoặc bị hỏng"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &database, &["--data-key-file", "other.key", "verify-backup", "copy.db"]);
    assert!(!ok && out.contains("không có khóa dữ liệu"), "{out}");
    std::fs::write(dir.path().join("other.key"), format!("{}\n", "ab".repeat(32))).unwrap();
    let (ok, out) = thuocdo(dir.path(), &database, &["--data-key-file", "other.key", "verify-backup", "copy.db"]);
    assert!(!ok && out.contains("khóa dữ liệu không khớp"), "{out}");

    // Restored, the server holds every answer acknowledged before the copy, and the copy's rows.
    let (ok, out) = thuocdo(dir.path(), &database, &["restore", "copy.db"]);
    assert!(ok && out.contains("Đã phục hồi"), "{out}");
    assert!(
        std::fs::read_dir(dir.path().join("data")).unwrap().flatten().any(|e| e.file_name().to_string_lossy().contains("truoc-phuc-hoi")),
        "the replaced file is kept"
    );
    let server = start(dir.path(), &database, false);
    check_stored(&server, &before).await;
    server.kill();
    let (ok, out) = thuocdo(dir.path(), &database, &["recompute"]);
    assert!(ok && out.contains("0 khác biệt"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_backup_follows_the_documented_procedure() {
    let (Some(live), Some(scratch), Some(restored)) = (testkit::postgres().await, testkit::postgres().await, testkit::postgres().await) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &live.url, true);
    let before = backup_under_load(&server, dir.path(), &live.url, "copy.dump", 300).await;
    server.kill();
    assert!(manifest_rows(dir.path(), "copy.dump", "responses") >= 3_000 + before.len() as i64);

    let (ok, out) = thuocdo(dir.path(), &live.url, &["verify-backup", "copy.dump", "--scratch-url", &scratch.url]);
    assert!(ok && out.contains("còn nguyên vẹn"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &live.url, &["restore", "copy.dump"]);
    assert!(!ok && out.contains("phải trống"), "never over a database in use: {out}");
    let (ok, out) = thuocdo(dir.path(), &restored.url, &["restore", "copy.dump"]);
    assert!(ok && out.contains("Đã phục hồi"), "{out}");
    let server = start(dir.path(), &restored.url, false);
    check_stored(&server, &before).await;
    server.kill();
}

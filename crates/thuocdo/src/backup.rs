//! `thuocdo backup`, `verify-backup`, `restore`, and the scheduled backups of `serve`.
//!
//! Every copy has a manifest beside it (`FILE.json`): when it was taken, its size and SHA-256,
//! and the rows of every table in the copy. A copy is good when it is unchanged since (the
//! digest), opens with the data key and migrates, holds those rows, and its counters recompute
//! to the figures it carries: that is what `verify-backup` checks, and `restore` checks it
//! before it replaces anything.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::json;
use sha2::{Digest, Sha256};
use storage::backup::TableCounts;
use storage::crypto::DataKey;
use storage::{Actor, Backend, Store};

/// What a manifest says of its copy.
pub struct Manifest {
    pub created_at: String,
    pub bytes: u64,
    pub sha256: String,
    pub tables: TableCounts,
}

impl Manifest {
    fn path_for(copy: &Path) -> PathBuf {
        let mut name = copy.as_os_str().to_owned();
        name.push(".json");
        name.into()
    }

    fn read(copy: &Path) -> anyhow::Result<Self> {
        let path = Self::path_for(copy);
        let text = std::fs::read_to_string(&path).with_context(|| format!("không đọc được tệp mô tả bản sao lưu {}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("tệp mô tả {} bị hỏng", path.display()))?;
        let tables = value["tables"].as_object().context("tệp mô tả thiếu số dòng các bảng")?;
        Ok(Self {
            created_at: value["created_at"].as_str().unwrap_or_default().to_string(),
            bytes: value["bytes"].as_u64().context("tệp mô tả thiếu kích thước")?,
            sha256: value["sha256"].as_str().context("tệp mô tả thiếu mã băm")?.to_string(),
            tables: tables.iter().map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(-1))).collect(),
        })
    }

    fn write(&self, copy: &Path, backend: Backend) -> anyhow::Result<()> {
        let value = json!({
            "format": "thuocdo-backup 1",
            "backend": match backend { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" },
            "created_at": self.created_at,
            "file": copy.file_name().map(|n| n.to_string_lossy().to_string()),
            "bytes": self.bytes,
            "sha256": self.sha256,
            "tables": self.tables,
            "note": "Bản sao này chỉ dùng được cùng khóa dữ liệu (thuocdo.key) của cơ sở dữ liệu; hãy cất khóa ở nơi khác với bản sao.",
        });
        write_durably(&Self::path_for(copy), serde_json::to_string_pretty(&value)?.as_bytes())
    }
}

/// The file name of a copy taken at `now_ms`: sortable by time.
pub fn name_at(backend: Backend, now_ms: i64) -> String {
    let extension = match backend {
        Backend::Sqlite => "db",
        Backend::Postgres => "dump",
    };
    format!("thuocdo-{}.{extension}", stamp(now_ms))
}

/// `yyyymmdd-hhmmss`, Vietnam time.
fn stamp(now_ms: i64) -> String {
    let at = domain::text::vn_datetime(now_ms);
    format!("{:04}{:02}{:02}-{:02}{:02}{:02}", at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute(), at.second())
}

/// Takes a copy of the database at `dest` while it serves, and writes its manifest.
pub async fn create(store: &Store, database_url: &str, dest: &Path, now_ms: i64) -> anyhow::Result<Manifest> {
    if dest.exists() {
        bail!("tệp {} đã có; hãy chọn tên khác", dest.display());
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("tạo thư mục {}", dir.display()))?;
    }
    // Written under a temporary name and renamed once whole, so a half-made copy never
    // passes for one.
    let partial = dest.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let tables = store.back_up(database_url, &partial).await.context("sao lưu cơ sở dữ liệu")?;
    let (bytes, sha256) = digest(&partial)?;
    std::fs::rename(&partial, dest)?;
    sync_dir(dest)?;
    let manifest = Manifest { created_at: domain::text::format_timestamp_ms(now_ms), bytes, sha256, tables };
    manifest.write(dest, store.backend())?;
    Ok(manifest)
}

/// What a verified copy holds.
pub struct Verified {
    pub manifest: Manifest,
    pub surveys: usize,
    pub responses: i64,
    /// The SQLite copy, migrated, ready to take the database's place.
    pub migrated: Option<(tempfile::TempDir, PathBuf)>,
}

/// Checks a copy: unchanged since it was taken, opens with `key` and migrates, holds the rows
/// its manifest counted, and its counters recompute to the same figures. A SQLite copy is
/// checked on a copy of its own; a PostgreSQL one is loaded into the empty database at
/// `scratch_url` first.
pub async fn verify(copy: &Path, key: &DataKey, scratch_url: Option<&str>) -> anyhow::Result<Verified> {
    let manifest = Manifest::read(copy)?;
    let (bytes, sha256) = digest(copy)?;
    if bytes != manifest.bytes || sha256 != manifest.sha256 {
        bail!("bản sao lưu {} đã thay đổi hoặc bị hỏng kể từ khi được tạo (mã băm không khớp)", copy.display());
    }
    let (store, migrated) = if is_postgres_dump(copy)? {
        let scratch = scratch_url.context("bản sao PostgreSQL cần một cơ sở dữ liệu trống để nạp thử: --scratch-url postgres://…")?;
        empty_postgres(scratch, key).await?;
        storage::backup::restore_postgres(copy, scratch).await?;
        (Store::connect(scratch, key).await?, None)
    } else {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("thuocdo.db");
        std::fs::copy(copy, &path)?;
        (Store::connect(&path.to_string_lossy(), key).await?, Some((dir, path)))
    };
    let checked = check(&store, &manifest).await;
    store.close().await;
    let (surveys, responses) = checked?;
    Ok(Verified { manifest, surveys, responses, migrated })
}

async fn check(store: &Store, manifest: &Manifest) -> anyhow::Result<(usize, i64)> {
    store.migrate().await.context("mở bản sao lưu")?;
    let problems = store.integrity_problems().await?;
    if !problems.is_empty() {
        bail!("tệp cơ sở dữ liệu trong bản sao bị hỏng: {}", problems.join("; "));
    }
    let counts = store.table_counts().await?;
    for (table, expected) in &manifest.tables {
        let found = counts.get(table).copied().unwrap_or(-1);
        if found != *expected {
            bail!("bảng {table} có {found} dòng, tệp mô tả ghi {expected}");
        }
    }
    let actor = Actor::system("verify-backup", 0);
    let (mut surveys, mut responses) = (0, 0);
    for survey in store.survey_ids().await? {
        let report = store.recompute(&actor, survey).await?;
        if !report.differences.is_empty() {
            bail!("bộ đếm của cuộc khảo sát #{survey} khác số liệu gốc ở {} ô", report.differences.len());
        }
        surveys += 1;
        responses += report.responses;
    }
    Ok((surveys, responses))
}

/// Replaces the database at `database_url` with a verified copy. SQLite: refused while a
/// server has the file open; the file replaced is kept beside it. PostgreSQL: into an empty
/// database only.
pub async fn restore(copy: &Path, key: &DataKey, database_url: &str, now_ms: i64) -> anyhow::Result<Verified> {
    if is_postgres_dump(copy)? {
        let verified = verify(copy, key, Some(database_url)).await?;
        return Ok(verified);
    }
    let target = PathBuf::from(database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:")).unwrap_or(database_url));
    if storage::backup::sqlite_in_use(&target).await? {
        bail!("cơ sở dữ liệu {} đang được một máy chủ sử dụng; hãy dừng máy chủ trước khi phục hồi", target.display());
    }
    let verified = verify(copy, key, None).await?;
    let (_, migrated) = verified.migrated.as_ref().context("bản sao đã kiểm tra")?;
    let partial = target.with_extension("restoring");
    std::fs::copy(migrated, &partial)?;
    std::fs::File::open(&partial)?.sync_all()?;
    if target.exists() {
        let mut aside = target.as_os_str().to_owned();
        aside.push(format!(".truoc-phuc-hoi-{}", stamp(now_ms)));
        let aside = PathBuf::from(aside);
        std::fs::rename(&target, &aside)?;
        eprintln!("Cơ sở dữ liệu cũ được giữ lại tại {}.", aside.display());
    }
    for suffix in ["-wal", "-shm"] {
        let mut log = target.as_os_str().to_owned();
        log.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(log));
    }
    std::fs::rename(&partial, &target)?;
    sync_dir(&target)?;
    Ok(verified)
}

/// Takes a copy into `dir` every `every`, the first at once, and keeps the newest `keep`.
pub async fn keep_backing_up(store: Store, database_url: String, dir: PathBuf, keep: usize, every: Duration) {
    loop {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        let dest = dir.join(name_at(store.backend(), now));
        match create(&store, &database_url, &dest, now).await {
            Ok(manifest) => {
                tracing::info!(file = %dest.display(), bytes = manifest.bytes, "backup taken");
                metrics::gauge!("backup_last_success_timestamp_seconds").set(now as f64 / 1000.0);
                if let Err(e) = prune(&dir, keep) {
                    tracing::error!(error = %e, "removing old backups failed");
                }
            }
            Err(e) => tracing::error!(error = format!("{e:#}"), "backup failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Removes the oldest copies (and their manifests) beyond the newest `keep`.
fn prune(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut copies: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("thuocdo-") && (n.ends_with(".db") || n.ends_with(".dump"))))
        .collect();
    copies.sort();
    let surplus = copies.len().saturating_sub(keep);
    for old in &copies[..surplus] {
        std::fs::remove_file(old)?;
        let _ = std::fs::remove_file(Manifest::path_for(old));
    }
    Ok(())
}

/// `24h`, `30m`, `90s` or a number of seconds.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().map_err(|_| format!("«{text}» không phải khoảng thời gian (ví dụ 24h, 30m, 90s)"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3_600,
        "d" => n * 86_400,
        _ => return Err(format!("«{text}» không phải khoảng thời gian (ví dụ 24h, 30m, 90s)")),
    };
    if seconds == 0 { Err("khoảng thời gian phải lớn hơn 0".into()) } else { Ok(Duration::from_secs(seconds)) }
}

fn is_postgres_dump(copy: &Path) -> anyhow::Result<bool> {
    let mut head = [0u8; 5];
    let read = std::io::Read::read(&mut std::fs::File::open(copy).with_context(|| format!("mở {}", copy.display()))?, &mut head)?;
    Ok(read == 5 && &head == b"PGDMP")
}

async fn empty_postgres(url: &str, key: &DataKey) -> anyhow::Result<()> {
    let store = Store::connect(url, key).await.with_context(|| format!("mở cơ sở dữ liệu {url}"))?;
    let tables = store.table_counts().await?;
    store.close().await;
    if !tables.is_empty() {
        bail!("cơ sở dữ liệu để nạp bản sao phải trống (đang có {} bảng)", tables.len());
    }
    Ok(())
}

fn digest(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file = std::fs::File::open(path).with_context(|| format!("mở {}", path.display()))?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    Ok((bytes, hex::encode(hasher.finalize())))
}

fn write_durably(path: &Path, content: &[u8]) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    let mut file = std::fs::File::create(&partial)?;
    std::io::Write::write_all(&mut file, content)?;
    file.sync_all()?;
    std::fs::rename(&partial, path)?;
    sync_dir(path)
}

/// Syncs the directory of `path`, so that a rename into it survives a power cut.
fn sync_dir(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_names() {
        assert_eq!(parse_interval("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_interval("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_interval("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_interval("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_interval("0h").is_err() && parse_interval("soon").is_err() && parse_interval("5w").is_err());
        // 01/12/2026 21:30:05 in Vietnam.
        assert_eq!(name_at(Backend::Sqlite, 1_796_135_405_000), "thuocdo-20261201-213005.db");
        assert_eq!(name_at(Backend::Postgres, 1_796_135_405_000), "thuocdo-20261201-213005.dump");
    }
}

//! Copies of the database taken while it serves, and what a copy must hold. A plain `cp` of a
//! SQLite file misses what is still in its write-ahead log (a probe lost 32 acknowledged
//! answers that way); `VACUUM INTO` writes one consistent snapshot with the log folded in. On
//! PostgreSQL `pg_dump` takes the copy, from a snapshot exported by a transaction that counts
//! the rows of the very same snapshot.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sqlx::{Connection, Executor};

use crate::db::Pools;
use crate::{Error, Result, Store};

/// The number of rows of each table, by table name.
pub type TableCounts = BTreeMap<String, i64>;

const SQLITE_TABLES: &str = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
const POSTGRES_TABLES: &str = "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename";

fn count_sql(table: &str) -> String {
    // Table names come from the catalogue, never from outside; quoted all the same.
    format!("SELECT COUNT(*) FROM \"{}\"", table.replace('"', "\"\""))
}

impl Store {
    /// The rows of every table.
    pub async fn table_counts(&self) -> Result<TableCounts> {
        match &self.pools {
            Pools::Sqlite { read, .. } => sqlite_counts(&mut *read.acquire().await?).await,
            Pools::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
                let counts = postgres_counts(&mut tx).await?;
                tx.commit().await?;
                Ok(counts)
            }
        }
    }

    /// SQLite's check of every page and index: the problems found, none when the file is whole.
    /// PostgreSQL checks its pages itself as it reads them: nothing to add.
    pub async fn integrity_problems(&self) -> Result<Vec<String>> {
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(read).await?;
                Ok(lines.into_iter().filter(|l| l != "ok").collect())
            }
            Pools::Postgres(_) => Ok(Vec::new()),
        }
    }

    /// Writes a consistent copy of the database to `dest` while it goes on serving, and gives
    /// the rows of every table as they are in the copy. SQLite: `VACUUM INTO` from a reader,
    /// so answers keep being written meanwhile. PostgreSQL: `pg_dump` in its custom format
    /// (`database_url` is where this store is), from the snapshot the rows were counted in.
    pub async fn back_up(&self, database_url: &str, dest: &Path) -> Result<TableCounts> {
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                let path = dest.to_str().ok_or_else(|| Error::Invalid(vec!["Đường dẫn tệp sao lưu phải là UTF-8.".into()]))?;
                sqlx::query("VACUUM INTO $1").bind(path).execute(read).await?;
                // VACUUM INTO does not sync what it wrote: a backup must survive a power cut.
                std::fs::File::open(dest).and_then(|f| f.sync_all()).map_err(sqlx::Error::Io)?;
                // Counted in the copy itself, opened read-only so that nothing in it changes.
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(dest).read_only(true);
                let mut copy = sqlx::sqlite::SqliteConnection::connect_with(&options).await?;
                let counts = sqlite_counts(&mut copy).await;
                copy.close().await?;
                counts
            }
            Pools::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
                let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await?;
                let counts = postgres_counts(&mut tx).await?;
                let dest_arg = format!("--file={}", dest.display());
                let snapshot_arg = format!("--snapshot={snapshot}");
                run(&pg_tool("pg_dump"), &["--format=custom", "--no-owner", &snapshot_arg, &dest_arg, &libpq_url(database_url)]).await?;
                tx.commit().await?;
                Ok(counts)
            }
        }
    }
}

async fn sqlite_counts(connection: &mut sqlx::SqliteConnection) -> Result<TableCounts> {
    // One read transaction: every count from the same snapshot.
    let mut tx = connection.begin().await?;
    let tables: Vec<String> = sqlx::query_scalar(SQLITE_TABLES).fetch_all(&mut *tx).await?;
    let mut counts = TableCounts::new();
    for table in tables {
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql(&table))).fetch_one(&mut *tx).await?;
        counts.insert(table, count);
    }
    tx.commit().await?;
    Ok(counts)
}

async fn postgres_counts(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> Result<TableCounts> {
    let tables: Vec<String> = sqlx::query_scalar(POSTGRES_TABLES).fetch_all(&mut **tx).await?;
    let mut counts = TableCounts::new();
    for table in tables {
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql(&table))).fetch_one(&mut **tx).await?;
        counts.insert(table, count);
    }
    Ok(counts)
}

/// Loads a `pg_dump` copy into the empty PostgreSQL database at `database_url`.
pub async fn restore_postgres(dump: &Path, database_url: &str) -> Result<()> {
    let dump = dump.to_string_lossy();
    run(&pg_tool("pg_restore"), &["--no-owner", "--exit-on-error", "--single-transaction", "--dbname", &libpq_url(database_url), &dump]).await
}

/// Whether a SQLite database file is open in another process (a server still running): such a
/// file must not be replaced. Asks for an exclusive lock without waiting.
pub async fn sqlite_in_use(path: &Path) -> Result<bool> {
    if !path.exists() {
        return Ok(false);
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .locking_mode(sqlx::sqlite::SqliteLockingMode::Exclusive)
        .busy_timeout(std::time::Duration::ZERO);
    let mut connection = match sqlx::sqlite::SqliteConnection::connect_with(&options).await {
        Ok(connection) => connection,
        Err(_) => return Ok(true),
    };
    let locked = connection.execute("BEGIN EXCLUSIVE").await.is_err();
    let _ = connection.execute("ROLLBACK").await;
    connection.close().await?;
    Ok(locked)
}

/// The URL as PostgreSQL's own programs take it: without the parameters only sqlx knows
/// (theirs are written with underscores, sqlx's with dashes, such as
/// `statement-cache-capacity`).
fn libpq_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return url.to_string() };
    let kept: Vec<&str> = query.split('&').filter(|pair| !pair.split('=').next().unwrap_or("").contains('-')).collect();
    if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) }
}

/// A PostgreSQL client program: from the PATH, or the newest under /usr/lib/postgresql (where
/// Debian puts them).
fn pg_tool(name: &str) -> PathBuf {
    let installed = std::fs::read_dir("/usr/lib/postgresql").into_iter().flatten().flatten().map(|e| e.path().join("bin").join(name)).filter(|p| p.exists());
    let newest = installed.max_by_key(|p| {
        p.parent().and_then(Path::parent).and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    newest.unwrap_or_else(|| PathBuf::from(name))
}

async fn run(program: &Path, args: &[&str]) -> Result<()> {
    let output =
        tokio::process::Command::new(program).args(args).output().await.map_err(|e| {
            Error::Invalid(vec![format!("Không chạy được {}: {e}. Hãy cài gói postgresql-client cùng phiên bản với máy chủ.", program.display())])
        })?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(Error::Invalid(vec![format!("{} báo lỗi: {}", program.display(), stderr.trim())]))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_for_libpq_keep_only_its_parameters() {
        assert_eq!(super::libpq_url("postgres://u@h:5432/d?sslmode=prefer&statement-cache-capacity=100"), "postgres://u@h:5432/d?sslmode=prefer");
        assert_eq!(super::libpq_url("postgres://u@h/d?statement-cache-capacity=1"), "postgres://u@h/d");
        assert_eq!(super::libpq_url("postgres://u@h/d"), "postgres://u@h/d");
    }
}

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use domain::audit::AuditAction;

use crate::audit::{Entry, record};
use crate::crypto::{DataKey, Sealer};
use crate::{Actor, Error, Result};

/// Expands `$body` once per backend with `$pool` bound to that backend's pool. SQLite has one
/// writer connection (`write`) and a pool of readers (`read`); PostgreSQL uses one pool for both.
macro_rules! on_db {
    ($store:expr, read, |$pool:ident| $body:expr) => {
        match &$store.pools {
            $crate::db::Pools::Sqlite { read: $pool, .. } => $body,
            $crate::db::Pools::Postgres($pool) => $body,
        }
    };
    ($store:expr, write, |$pool:ident| $body:expr) => {
        match &$store.pools {
            $crate::db::Pools::Sqlite { write: $pool, .. } => $body,
            $crate::db::Pools::Postgres($pool) => $body,
        }
    };
}

/// Moves a cursor kept in `settings` from `$from` to `$to` inside the transaction `$tx`, only if
/// no other process moved it meanwhile; whether it moved. A step that reads after a cursor and
/// writes what it found in the same transaction so never does its work twice.
macro_rules! move_cursor {
    ($tx:expr, $key:expr, $from:expr, $to:expr) => {
        sqlx::query("UPDATE settings SET value = $1 WHERE key = $2 AND value = $3")
            .bind($to.to_string())
            .bind($key)
            .bind($from.to_string())
            .execute($tx)
            .await
            .map(|done| done.rows_affected() == 1)
    };
}

/// The database file holds the answers and the sealed personal data: readable by its owner
/// alone. Created so if missing (SQLite gives its log files the same mode), tightened if not.
fn keep_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
        for file in [path.to_path_buf(), wal_file(path, "-wal"), wal_file(path, "-shm")] {
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

fn wal_file(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// The recursive CTE `scope(id)`: the given roots and every unit below them. Roots are ids the
/// server took from grants (integers), never user text, so they are written into the SQL.
pub(crate) fn scope_sql(roots: &[domain::units::UnitId]) -> String {
    let seed = if roots.is_empty() {
        "SELECT id FROM units WHERE 1 = 0".to_string()
    } else {
        let ids: Vec<String> = roots.iter().map(i64::to_string).collect();
        format!("SELECT id FROM units WHERE id IN ({})", ids.join(", "))
    };
    format!("WITH RECURSIVE scope(id) AS ({seed} UNION SELECT u.id FROM units u JOIN scope s ON u.parent_id = s.id)")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Pools {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pools: Pools,
    /// Seals personal data before it is written and opens it when read.
    pub(crate) sealer: Sealer,
    /// Counter cells already read by this process.
    pub(crate) cell_cache: std::sync::Arc<crate::responses::CellCache>,
    /// Questionnaire versions already read by this process.
    pub(crate) form_cache: std::sync::Arc<crate::surveys::FormCache>,
}

impl Store {
    /// Opens `postgres://…`, `sqlite://PATH` or a bare file path (SQLite, created if missing);
    /// `key` encrypts personal data.
    pub async fn connect(url: &str, key: &DataKey) -> Result<Self> {
        let pools = Self::open_pools(url).await?;
        Ok(Self { pools, sealer: Sealer::new(key), cell_cache: Default::default(), form_cache: Default::default() })
    }

    async fn open_pools(url: &str) -> Result<Pools> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?.application_name("thuocdo");
            let pool = PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?;
            return Ok(Pools::Postgres(pool));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        Self::open_sqlite(Path::new(path)).await
    }

    async fn open_sqlite(path: &Path) -> Result<Pools> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
        keep_private(path).map_err(sqlx::Error::Io)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // One writer: SQLite serialises writes anyway, and queuing them in the pool beats
        // contending for the lock. It syncs the log at every commit (FULL), so that an answer
        // acknowledged after its group commit survives a power cut, not only a crash of the
        // process; in WAL mode that is one fsync per commit, shared by the whole group.
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone().synchronous(SqliteSynchronous::Full)).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            // Rows cross from SQLite's thread to ours through a channel; a deep one lets a
            // dashboard's few thousand counter cells flow without a thread wake-up per row.
            .connect_with(options.read_only(true).row_buffer_size(4096))
            .await?;
        Ok(Pools::Sqlite { read, write })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// What ends a SELECT that locks the rows it reads until the transaction ends: PostgreSQL
    /// needs it when several processes write; SQLite has one writer and no such clause.
    pub(crate) fn row_lock(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Brings the schema up to date (run at every start, on both backends) and checks that the
    /// data key is the one this database was sealed with.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Pools::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        let check = self.sealer.check_value();
        if self.setting_or_insert("data_key_check", || check.clone()).await? != check {
            return Err(Error::WrongKey);
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        self.seed_methodologies(now).await?;
        self.file_unfiled_results().await
    }

    /// Readiness: the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, read, |pool| sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }

    /// A value kept in the `settings` table, created from `make` on first use.
    pub async fn setting_or_insert(&self, key: &str, make: impl FnOnce() -> String) -> Result<String> {
        let candidate = make();
        on_db!(self, write, |pool| {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING").bind(key).bind(&candidate).execute(pool).await?;
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_one(pool).await
        })
        .map_err(Into::into)
    }

    /// A whole-number setting, `(key, default)`.
    pub async fn number_setting(&self, (key, default): (&str, i64)) -> Result<i64> {
        Ok(self.setting_or_insert(key, || default.to_string()).await?.parse().unwrap_or(default))
    }

    /// Changes a whole-number setting and records it; the caller has checked who may.
    pub(crate) async fn set_number_setting(&self, actor: &Actor, (key, default): (&str, i64), value: i64) -> Result<()> {
        self.setting_or_insert(key, || default.to_string()).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE settings SET value = $1 WHERE key = $2").bind(value.to_string()).bind(key).execute(&mut *tx).await?;
            let entry = Entry::new(AuditAction::SettingChanged, "setting", key).details(serde_json::json!({ "value": value }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// The user tables of the schema with their columns, for the schema-parity test. Each
    /// backend's own search index (SQLite's FTS5 tables, PostgreSQL's tsvector column) is left
    /// out: the searched table itself is the same on both.
    pub async fn schema(&self) -> Result<Vec<(String, String)>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'
                   AND m.name NOT LIKE 'search_fts%'
                 ORDER BY 1, 2"
            }
            Backend::Postgres => {
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'
                   AND NOT (table_name = 'search_entries' AND column_name = 'tsv')
                 ORDER BY 1, 2"
            }
        };
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer syncs at every commit (an acknowledged answer survives a power cut); the
    /// database file and its logs are its owner's alone.
    #[tokio::test]
    async fn the_writer_syncs_every_commit_into_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("thuocdo.db");
        let store = Store::connect(&path.to_string_lossy(), &DataKey::generate()).await.unwrap();
        store.migrate().await.unwrap();
        let Pools::Sqlite { write, read } = &store.pools else { unreachable!("a SQLite path") };
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(write).await.unwrap();
        assert_eq!(synchronous, 2, "FULL");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(read).await.unwrap();
        assert_eq!(mode, "wal");
        #[cfg(unix)]
        for file in [path.clone(), wal_file(&path, "-wal")] {
            let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
            assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        }
        store.close().await;
    }
}

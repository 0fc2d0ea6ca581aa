//! The Store: every table of Thước Đo behind one type that runs the same queries on SQLite (the
//! embedded default) and PostgreSQL (production). Queries are written once in the SQL both
//! understand; the [`on_db!`] macro expands each body for both pools.
//!
//! Authorisation is applied here, inside the queries: every read takes the caller's [`Access`]
//! and returns only what its unit scope covers, so no handler can forget to filter.
//!
//! [`Access`]: domain::auth::Access

#[macro_use]
mod db;
// First, so that the cell-merging macro serves the modules after it.
#[macro_use]
pub mod responses;
pub mod alerts;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod consultation;
pub mod crypto;
mod error;
mod escalation;
pub mod interviews;
pub mod invitations;
pub mod jobs;
pub mod kiosks;
pub mod oa;
pub mod paper;
pub mod par;
pub mod portal;
pub mod procedures;
pub mod qa;
pub mod rate_limits;
pub mod reports;
pub mod results;
pub mod sampling;
pub mod search;
pub mod sipas;
pub mod sso;
pub mod surveys;
pub mod units;
pub mod webhooks;

pub use db::{Backend, Store};
pub(crate) use error::on_conflict;
pub use error::{Error, Result};

/// Who is acting, from where and when: recorded with every change in the audit log.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub ip: String,
    pub user_agent: String,
    /// Unix milliseconds, from the application clock (tests move it).
    pub at: i64,
}

impl Actor {
    /// The command line or a start-up task acting as the system itself.
    pub fn system(name: &str, at: i64) -> Self {
        Self { user_id: None, name: name.to_string(), ip: String::new(), user_agent: String::new(), at }
    }
}

/// One page of a listing and the total it was cut from.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Offset and size of a page, bounded so that no listing reads the whole table at once.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub offset: i64,
    pub limit: i64,
}

impl Paging {
    pub fn new(page: i64, per_page: i64) -> Self {
        let limit = per_page.clamp(1, 500);
        Self { offset: (page.max(1) - 1) * limit, limit }
    }

    /// The page a caller asked for, from 1; `per_page` is `default` unless given, at most `most`.
    pub fn asked(page: Option<i64>, per_page: Option<i64>, default: i64, most: i64) -> Self {
        Self::new(page.unwrap_or(1), per_page.unwrap_or(default).clamp(1, most))
    }

    /// The page number, from 1.
    pub fn page(&self) -> i64 {
        self.offset / self.limit + 1
    }

    /// Everything the caller may see, for an aggregate over a whole subtree; never for a page.
    pub const ALL: Self = Self { offset: 0, limit: i64::MAX };
}

//! Methodology versions, targets, the figures computed from the cells (`figures`) and
//! published results.
//!
//! A methodology is never edited in place: saving makes the next version, and a publication
//! names the version it used and keeps its figures as they were (triggers refuse any change).

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::calendar::Month;
use domain::results::{ComponentScore, IndexCode, IndexResult, Origin, Scope};
use domain::sipas::figures::Overview;
use domain::sipas::{Methodology, methodology::presets};
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Result, Store};

mod figures;

pub use figures::{FigureRequest, Selection, SipasReport};

#[derive(Clone, Debug)]
pub struct MethodologyVersion {
    pub id: i64,
    pub version: i64,
    pub created_at: i64,
    pub methodology: Methodology,
}

/// A target for one unit and year, e.g. SIPAS ≥ 90 %.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Target {
    pub unit_id: i64,
    pub year: i64,
    pub indicator: String,
    pub target: f64,
}

#[derive(Clone, Debug)]
pub struct NewPublication {
    pub title: String,
    /// The unit whose subtree the results cover (usually the province).
    pub unit_id: i64,
    pub version_id: i64,
    /// The figures, kept as the page and the API show them.
    pub overview: Overview,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Publication {
    pub id: i64,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub version_id: i64,
    pub methodology_id: i64,
    #[sqlx(try_from = "String")]
    pub from_month: Month,
    #[sqlx(try_from = "String")]
    pub to_month: Month,
    /// The figures as published (JSON of an `Overview`).
    pub body: String,
    pub published_at: i64,
}

impl Publication {
    /// The figures as they were published.
    pub fn figures(&self) -> std::result::Result<Overview, serde_json::Error> {
        serde_json::from_str(&self.body)
    }
}

type Row = (i64, i64, i64, String);

fn parse(row: Row) -> Result<MethodologyVersion> {
    let (id, version, created_at, body) = row;
    let methodology = serde_json::from_str(&body).map_err(|e| Error::Invalid(vec![format!("phương pháp hỏng: {e}")]))?;
    Ok(MethodologyVersion { id, version, created_at, methodology })
}

impl Store {
    /// Stores version 1 of each preset that is not there yet (run with the migrations).
    pub(crate) async fn seed_methodologies(&self, now: i64) -> Result<()> {
        for preset in presets() {
            let body = serde_json::to_string(&preset).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
            on_db!(self, write, |pool| {
                sqlx::query(
                    "INSERT INTO methodologies (code, version, body, created_at) VALUES ($1, 1, $2, $3)
                     ON CONFLICT (code, version) DO NOTHING",
                )
                .bind(&preset.code)
                .bind(&body)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Every version of every methodology, newest first within a code.
    pub async fn methodologies(&self) -> Result<Vec<MethodologyVersion>> {
        let rows: Vec<Row> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, version, created_at, body FROM methodologies ORDER BY code, version DESC").fetch_all(pool).await
        })?;
        rows.into_iter().map(parse).collect()
    }

    pub async fn methodology(&self, id: i64) -> Result<MethodologyVersion> {
        let row: Row = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, version, created_at, body FROM methodologies WHERE id = $1").bind(id).fetch_one(pool).await
        })?;
        parse(row)
    }

    /// The newest version of a methodology code.
    pub async fn current_methodology(&self, code: &str) -> Result<MethodologyVersion> {
        let row: Row = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, version, created_at, body FROM methodologies WHERE code = $1 ORDER BY version DESC LIMIT 1")
                .bind(code)
                .fetch_one(pool)
                .await
        })?;
        parse(row)
    }

    /// Saves a methodology as the next version of its code (a new code starts at 1). Only the
    /// reform office of the whole province may: the methodology applies to every unit.
    pub async fn save_methodology(&self, actor: &Actor, access: &Access, methodology: &Methodology) -> Result<i64> {
        self.require_province(access, Permission::PublishResults).await?;
        methodology.check().map_err(Error::Invalid)?;
        let body = serde_json::to_string(methodology).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM methodologies WHERE code = $1")
                .bind(&methodology.code)
                .fetch_one(&mut *tx)
                .await?;
            let id: i64 =
                sqlx::query_scalar("INSERT INTO methodologies (code, version, body, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .bind(&methodology.code)
                    .bind(version)
                    .bind(&body)
                    .bind(actor.at)
                    .bind(actor.user_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let entry = Entry::new(AuditAction::MethodologySaved, "methodology", id)
                .details(json!({ "code": methodology.code, "version": version, "methodology": methodology }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Sets (or replaces) a unit's target for a year.
    pub async fn set_target(&self, actor: &Actor, access: &Access, target: &Target) -> Result<()> {
        let ancestry = self.unit_ancestry(target.unit_id).await?;
        if !access.can(Permission::PublishResults, &ancestry) {
            return Err(if access.can(Permission::ViewResults, &ancestry) { Error::Forbidden } else { Error::NotFound });
        }
        if !(0.0..=100.0).contains(&target.target) || !(2000..=2100).contains(&target.year) {
            return Err(Error::Invalid(vec!["Chỉ tiêu là một tỷ lệ từ 0 đến 100 cho một năm từ 2000 đến 2100.".into()]));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO index_targets (unit_id, year, indicator, target, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (unit_id, year, indicator) DO UPDATE SET target = excluded.target, set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(target.unit_id)
            .bind(target.year)
            .bind(&target.indicator)
            .bind(target.target)
            .bind(actor.user_id)
            .bind(actor.at)
            .execute(&mut *tx)
            .await?;
            let entry = Entry::new(AuditAction::TargetSet, "unit", target.unit_id)
                .unit(target.unit_id)
                .details(json!({ "year": target.year, "indicator": target.indicator, "target": target.target }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Targets of a year for the units the caller may see.
    pub async fn targets(&self, access: &Access, year: i64, indicator: &str) -> Result<Vec<Target>> {
        let scope = scope_sql(&access.roots(Permission::ViewResults));
        let sql = format!(
            "{scope} SELECT unit_id, year, indicator, target FROM index_targets
             WHERE year = $1 AND indicator = $2 AND unit_id IN (SELECT id FROM scope)"
        );
        Ok(on_db!(self, read, |pool| { sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(year).bind(indicator).fetch_all(pool).await })?)
    }

    /// Freezes a period's figures. They are stored as computed and never change afterwards.
    pub async fn publish(&self, actor: &Actor, access: &Access, publication: &NewPublication) -> Result<i64> {
        let ancestry = self.unit_ancestry(publication.unit_id).await?;
        if !access.can(Permission::PublishResults, &ancestry) {
            return Err(if access.can(Permission::ViewResults, &ancestry) { Error::Forbidden } else { Error::NotFound });
        }
        if domain::text::clean(&publication.title).is_empty() {
            return Err(Error::Invalid(vec!["Cần tiêu đề cho kết quả công bố.".into()]));
        }
        let figures = &publication.overview;
        let body = serde_json::to_string(figures).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
        let id = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO publications (title, unit_id, version_id, methodology_id, from_month, to_month, body, published_at, published_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(domain::text::clean(&publication.title))
            .bind(publication.unit_id)
            .bind(publication.version_id)
            .bind(figures.methodology_id)
            .bind(figures.from.iso())
            .bind(figures.to.iso())
            .bind(&body)
            .bind(actor.at)
            .bind(actor.user_id)
            .fetch_one(&mut *tx)
            .await?;
            let entry = Entry::new(AuditAction::ResultsPublished, "publication", id).unit(publication.unit_id).details(json!({
                "title": publication.title, "from": figures.from, "to": figures.to,
                "methodology_id": figures.methodology_id, "version_id": publication.version_id,
            }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        })?;
        crate::results::log_unfiled(self.file_publication(id).await, "publication", id);
        Ok(id)
    }

    /// Files a publication's figures into the results database: the covered unit and each
    /// ranked unit, under the year the period ends in.
    pub(crate) async fn file_publication(&self, id: i64) -> Result<()> {
        let publication = self.publication(id).await?;
        let figures = publication.figures().map_err(|e| Error::Invalid(vec![format!("kết quả công bố hỏng: {e}")]))?;
        let ranked = u32::try_from(figures.rows.iter().filter(|r| r.rank.is_some()).count()).ok();
        let filed: Vec<IndexResult> = std::iter::once((&figures.total, false))
            .chain(figures.rows.iter().map(|r| (r, true)))
            .filter_map(|(row, in_ranking)| {
                Some(IndexResult {
                    index: IndexCode::Sipas,
                    year: figures.to.year(),
                    version: figures.methodology.clone(),
                    scope: Scope::Provincial,
                    unit_id: Some(row.unit_id),
                    unit_code: row.code.clone(),
                    unit_name: row.name.clone(),
                    score: row.figure.value?,
                    rank: row.rank.filter(|_| in_ranking),
                    ranked: ranked.filter(|_| in_ranking && row.rank.is_some()),
                    class: String::new(),
                    source: publication.title.clone(),
                    components: figures
                        .columns
                        .iter()
                        .zip(&row.columns)
                        .filter_map(|((code, name), value)| Some(ComponentScore { code: code.clone(), name: name.clone(), score: (*value)? }))
                        .collect(),
                    origin: Origin::Publication(id),
                })
            })
            .collect();
        self.file_results(Origin::Publication(id), publication.published_at, &filed).await
    }

    /// Published results are public: no scope.
    pub async fn publications(&self) -> Result<Vec<Publication>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT p.id, p.title, p.unit_id, u.name AS unit_name, p.version_id, p.methodology_id, p.from_month, p.to_month,
                        '' AS body, p.published_at
                 FROM publications p JOIN units u ON u.id = p.unit_id ORDER BY p.published_at DESC, p.id DESC",
            )
            .fetch_all(pool)
            .await
        })?)
    }

    pub async fn publication(&self, id: i64) -> Result<Publication> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT p.id, p.title, p.unit_id, u.name AS unit_name, p.version_id, p.methodology_id, p.from_month, p.to_month,
                        p.body, p.published_at
                 FROM publications p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await
        })?)
    }

    /// The caller holds `permission` on a top-level unit (the province).
    async fn require_province(&self, access: &Access, permission: Permission) -> Result<()> {
        let tops: Vec<i64> = on_db!(self, read, |pool| sqlx::query_scalar("SELECT id FROM units WHERE parent_id IS NULL").fetch_all(pool).await)?;
        if tops.iter().any(|top| access.can(permission, &[*top])) { Ok(()) } else { Err(Error::Forbidden) }
    }
}

//! A round's results: every unit's scorecard from the points that stand, its rank within the level,
//! last year's published index (carried across lineage for a unit that is new), and publication.

use std::collections::{BTreeMap, HashMap};

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::par::round::standing_points;
use domain::par::scoring::{carried_index, rank, score};
use domain::par::{Index, Phase, Points, Scorecard, Stage};
use domain::results::{ComponentScore, IndexCode, IndexResult, Origin, Scope, definition};
use serde_json::json;

use super::assessments::{ASSESSMENT_SELECT, Assessment};
use super::rounds::Round;
use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

#[derive(Clone, Debug, PartialEq)]
pub struct UnitResult {
    pub assessment_id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub scorecard: Scorecard,
    /// Within the round, which holds the units of one level.
    pub rank: u32,
    pub previous: Option<Previous>,
}

/// Last year's index of a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Previous {
    pub index: Index,
    /// Empty for the unit's own index; otherwise the units it was carried from.
    pub carried_from: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Results {
    pub round: Round,
    /// The published round of the year before, same level, compared with: (id, title).
    pub previous_round: Option<(i64, String)>,
    /// Best first.
    pub units: Vec<UnitResult>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PublishedRound {
    pub id: i64,
    pub title: String,
    pub year: i32,
    pub level: String,
    pub published_at: i64,
}

#[derive(sqlx::FromRow)]
struct Link {
    successor_id: i64,
    predecessor_id: i64,
    name: String,
    share: Option<f64>,
    /// Units the predecessor became; an unset share splits it equally among them.
    successors: i64,
}

impl Store {
    /// A round's results, for the reform office and the province's leaders at any time.
    pub async fn par_results(&self, access: &Access, round_id: i64) -> Result<Results> {
        self.require_province_wide(access, Permission::ViewParResults).await?;
        self.results(self.par_round(round_id).await?).await
    }

    /// A published round's results, for everyone.
    pub async fn published_par_results(&self, round_id: i64) -> Result<Results> {
        let round = self.par_round(round_id).await?;
        if round.published_at.is_none() {
            return Err(Error::NotFound);
        }
        self.results(round).await
    }

    pub async fn published_par_rounds(&self) -> Result<Vec<PublishedRound>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.title, t.year, t.level, r.published_at FROM par_rounds r JOIN par_trees t ON t.id = r.tree_id
                 WHERE r.published_at IS NOT NULL ORDER BY t.year DESC, t.level, r.id DESC",
            )
            .fetch_all(pool)
            .await
        })?)
    }

    /// Publishes a round's results once its last deadline has passed and nothing can change.
    pub async fn publish_par_round(&self, actor: &Actor, access: &Access, round_id: i64) -> Result<()> {
        self.require_province_wide(access, Permission::ManagePar).await?;
        let round = self.par_round(round_id).await?;
        if round.deadlines.phase(actor.at) != Phase::Closed {
            return Err(Error::Conflict(format!(
                "Chỉ công bố được sau hạn thẩm định vòng 2 ({}), khi điểm không còn thay đổi.",
                domain::text::format_timestamp_ms(round.deadlines.final_appraisal)
            )));
        }
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query("UPDATE par_rounds SET published_at = $1 WHERE id = $2 AND published_at IS NULL")
                .bind(actor.at)
                .bind(round_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(Error::Conflict("Kết quả đợt này đã được công bố.".into()));
            }
            record!(&mut *tx, actor, &Entry::new(AuditAction::ParPublished, "par_round", round_id).details(json!({ "title": round.title })))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await)?;
        crate::results::log_unfiled(self.file_par_round(round_id).await, "par_round", round_id);
        Ok(())
    }

    /// Files a published round's results into the results database.
    pub(crate) async fn file_par_round(&self, round_id: i64) -> Result<()> {
        let round = self.par_round(round_id).await?;
        let Some(published_at) = round.published_at else { return Ok(()) };
        let results = self.results(round).await?;
        let year = results.round.tree.year;
        let version = definition(IndexCode::Par, year).map_or_else(|| results.round.tree.title.clone(), |d| d.version.to_string());
        let ranked = u32::try_from(results.units.len()).ok();
        let filed: Vec<IndexResult> = results
            .units
            .iter()
            .map(|u| IndexResult {
                index: IndexCode::Par,
                year,
                version: version.clone(),
                scope: Scope::Provincial,
                unit_id: Some(u.unit_id),
                unit_code: u.unit_code.clone(),
                unit_name: u.unit_name.clone(),
                score: u.scorecard.index.percent(),
                rank: Some(u.rank),
                ranked,
                class: u.scorecard.class.label().to_string(),
                source: results.round.title.clone(),
                components: u
                    .scorecard
                    .fields
                    .iter()
                    .map(|f| ComponentScore { code: f.code.clone(), name: f.name.clone(), score: f.points.as_f64() })
                    .collect(),
                origin: Origin::ParRound(round_id),
            })
            .collect();
        self.file_results(Origin::ParRound(round_id), published_at, &filed).await
    }

    async fn results(&self, round: Round) -> Result<Results> {
        let mut units = self.unit_results(&round).await?;
        let previous_round: Option<(i64, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.title FROM par_rounds r JOIN par_trees t ON t.id = r.tree_id
                 WHERE t.level = $1 AND t.year = $2 AND r.published_at IS NOT NULL ORDER BY r.published_at DESC LIMIT 1",
            )
            .bind(round.tree.level.code())
            .bind(round.tree.year - 1)
            .fetch_optional(pool)
            .await
        })?;
        if let Some((previous_id, _)) = &previous_round {
            let before: HashMap<i64, Index> =
                self.unit_results(&self.par_round(*previous_id).await?).await?.into_iter().map(|u| (u.unit_id, u.scorecard.index)).collect();
            let links: Vec<Link> = on_db!(self, read, |pool| {
                sqlx::query_as(
                    "SELECT l.successor_id, l.predecessor_id, u.name, l.share,
                            (SELECT COUNT(*) FROM unit_lineage x WHERE x.predecessor_id = l.predecessor_id) AS successors
                     FROM unit_lineage l JOIN units u ON u.id = l.predecessor_id
                     WHERE l.successor_id IN (SELECT unit_id FROM par_assessments WHERE round_id = $1) ORDER BY u.sort_key",
                )
                .bind(round.id)
                .fetch_all(pool)
                .await
            })?;
            for unit in &mut units {
                unit.previous = match before.get(&unit.unit_id) {
                    Some(index) => Some(Previous { index: *index, carried_from: Vec::new() }),
                    None => {
                        let parts: Vec<(&Link, Index)> =
                            links.iter().filter(|l| l.successor_id == unit.unit_id).filter_map(|l| Some((l, *before.get(&l.predecessor_id)?))).collect();
                        let weighted: Vec<(Index, f64)> = parts.iter().map(|(l, i)| (*i, l.share.unwrap_or(1.0 / l.successors.max(1) as f64))).collect();
                        carried_index(&weighted).map(|index| Previous { index, carried_from: parts.iter().map(|(l, _)| l.name.clone()).collect() })
                    }
                };
            }
        }
        Ok(Results { round, previous_round, units })
    }

    /// Every unit's scorecard in a round, ranked; the marks of all units read at once.
    async fn unit_results(&self, round: &Round) -> Result<Vec<UnitResult>> {
        let sql = format!("{ASSESSMENT_SELECT} WHERE a.round_id = $1 ORDER BY u.sort_key");
        let assessments: Vec<Assessment> = on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(round.id).fetch_all(pool).await)?;
        let marks: Vec<(i64, String, String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT m.assessment_id, m.item_code, m.stage, m.points FROM par_marks m JOIN par_assessments a ON a.id = m.assessment_id
                 WHERE a.round_id = $1 AND m.points IS NOT NULL",
            )
            .bind(round.id)
            .fetch_all(pool)
            .await
        })?;
        let mut by_assessment: BTreeMap<i64, Vec<(&str, Stage, Points)>> = BTreeMap::new();
        for (assessment, item, stage, points) in &marks {
            if let Some(stage) = Stage::parse(stage) {
                by_assessment.entry(*assessment).or_default().push((item, stage, Points(*points)));
            }
        }
        let scorecards: Vec<Scorecard> =
            assessments.iter().map(|a| score(&round.tree, &standing_points(by_assessment.remove(&a.id).unwrap_or_default()), &round.classes)).collect();
        let ranked = rank(&scorecards.iter().map(|s| s.index).enumerate().collect::<Vec<_>>());
        Ok(ranked
            .into_iter()
            .map(|(n, _, rank)| {
                let a = &assessments[n];
                UnitResult {
                    assessment_id: a.id,
                    unit_id: a.unit_id,
                    unit_code: a.unit_code.clone(),
                    unit_name: a.unit_name.clone(),
                    scorecard: scorecards[n].clone(),
                    rank,
                    previous: None,
                }
            })
            .collect())
    }
}

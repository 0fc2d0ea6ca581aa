//! The grouping step: comments not yet placed, oldest first, each put in the position whose
//! first comment (seed) it resembles most, among the positions it shares a band with, or made
//! the seed of a new one. A step reads only what is new (the comments without a position are an
//! index of their own) and the positions met through their bands, so its cost follows the new
//! comments, never the size of a consultation.

use std::collections::{BTreeMap, HashMap};

use domain::consultation::{Seeds, Signature};
use sqlx::AssertSqlSafe;

use crate::{Error, Result, Store};

/// Comments placed per step.
pub const STEP: i64 = 2_000;

/// Band keys (or seeds) asked for in one statement.
const KEYS_PER_QUERY: usize = 500;

/// What a step adds to one position.
#[derive(Default)]
struct Added {
    members: i64,
    published: i64,
    /// The first published comment among those added.
    first_published: Option<i64>,
    agree: i64,
    disagree: i64,
    pass: i64,
}

impl Store {
    /// Places up to `limit` comments in their positions; returns how many. Run by the server
    /// every few seconds, and until caught up.
    pub async fn group_comments(&self, limit: i64) -> Result<usize> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as("SELECT id, consultation_id, part_id, text FROM consultation_comments WHERE group_id IS NULL ORDER BY id LIMIT $1")
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
            let mut by_consultation: BTreeMap<i64, Vec<(i64, i64, Signature)>> = BTreeMap::new();
            for (id, consultation, part, text) in &rows {
                by_consultation.entry(*consultation).or_default().push((*id, *part, Signature::of(text)));
            }
            for (consultation, comments) in by_consultation {
                // The seeds these comments may meet: those sharing one of their bands.
                let mut keys: Vec<i64> = comments.iter().flat_map(|(_, _, s)| s.bands()).collect();
                keys.sort_unstable();
                keys.dedup();
                let mut groups: Vec<i64> = Vec::new();
                for chunk in keys.chunks(KEYS_PER_QUERY) {
                    let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                    let sql = format!("SELECT DISTINCT group_id FROM consultation_bands WHERE consultation_id = $1 AND band_key IN ({})", marks.join(", "));
                    let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).bind(consultation);
                    for key in chunk {
                        query = query.bind(*key);
                    }
                    groups.extend(query.fetch_all(&mut *tx).await?);
                }
                groups.sort_unstable();
                groups.dedup();
                let mut seeds = Seeds::default();
                for chunk in groups.chunks(KEYS_PER_QUERY) {
                    let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 1)).collect();
                    let sql = format!("SELECT id, text FROM consultation_comments WHERE id IN ({}) ORDER BY id", marks.join(", "));
                    let mut query = sqlx::query_as::<_, (i64, String)>(AssertSqlSafe(sql));
                    for group in chunk {
                        query = query.bind(*group);
                    }
                    for (group, text) in query.fetch_all(&mut *tx).await? {
                        seeds.add(group, Signature::of(&text));
                    }
                }
                let mut added: HashMap<i64, Added> = HashMap::new();
                for (id, part, signature) in &comments {
                    let (group, seeded) = seeds.assign(*id, signature);
                    // The comment as it stands now: a decision or a vote made meanwhile is in it. A
                    // step running at the same time elsewhere may have placed it first: then it
                    // is left as that step placed it.
                    let placed: Option<(String, i64, i64, i64)> = sqlx::query_as(
                        "UPDATE consultation_comments SET group_id = $1 WHERE id = $2 AND group_id IS NULL RETURNING status, agree, disagree, pass",
                    )
                    .bind(group)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((status, agree, disagree, pass)) = placed else { continue };
                    if seeded {
                        sqlx::query("INSERT INTO consultation_groups (id, consultation_id, part_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                            .bind(id)
                            .bind(consultation)
                            .bind(part)
                            .execute(&mut *tx)
                            .await?;
                    }
                    // The position is found through this comment's bands from now on.
                    let values: Vec<String> = (0..signature.bands().len()).map(|i| format!("($1, ${}, $2)", i + 3)).collect();
                    let sql =
                        format!("INSERT INTO consultation_bands (consultation_id, band_key, group_id) VALUES {} ON CONFLICT DO NOTHING", values.join(", "));
                    let mut insert = sqlx::query(AssertSqlSafe(sql)).bind(consultation).bind(group);
                    for key in signature.bands() {
                        insert = insert.bind(key);
                    }
                    insert.execute(&mut *tx).await?;
                    let sums = added.entry(group).or_default();
                    sums.members += 1;
                    if status == "published" {
                        sums.published += 1;
                        sums.first_published = Some(sums.first_published.map_or(*id, |first| first.min(*id)));
                    }
                    sums.agree += agree;
                    sums.disagree += disagree;
                    sums.pass += pass;
                }
                for (group, sums) in added {
                    sqlx::query(
                        "UPDATE consultation_groups SET members = members + $1, published = published + $2,
                             representative_id = CASE WHEN representative_id IS NULL THEN $3 WHEN $3 IS NULL THEN representative_id
                                 WHEN $3 < representative_id THEN $3 ELSE representative_id END,
                             agree = agree + $4, disagree = disagree + $5, pass = pass + $6
                         WHERE id = $7",
                    )
                    .bind(sums.members)
                    .bind(sums.published)
                    .bind(sums.first_published)
                    .bind(sums.agree)
                    .bind(sums.disagree)
                    .bind(sums.pass)
                    .bind(group)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<_, Error>(rows.len())
        })
    }
}

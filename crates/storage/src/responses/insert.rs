//! Answers into `responses`, many in one statement: rows of values on SQLite; on PostgreSQL one
//! array per column through `UNNEST`, so that the statement's text is the same whatever the
//! batch and PostgreSQL plans it once per connection.

use domain::surveys::quality::Flags;

use super::NewResponse;

/// Answers written per statement on SQLite (13 values each, within its limit).
const ROWS_PER_STATEMENT: usize = 256;

const COLUMNS: &str = "INSERT INTO responses (submission_id, survey_id, unit_id, channel, started_at, submitted_at, duration_ms,
                                        token_hash, dossier_code, fingerprint, flags, answers, staff) ";

const RETURNING: &str = " ON CONFLICT (submission_id) DO NOTHING RETURNING id, submission_id";

/// Inserts answers, each with the flags it is stored with; a submission id already stored is
/// left alone. Gives (id, submission id) of those inserted.
pub(crate) trait InsertResponses {
    async fn insert_responses(&mut self, rows: &[(&NewResponse, Flags)]) -> sqlx::Result<Vec<(i64, String)>>;
}

impl InsertResponses for sqlx::Transaction<'_, sqlx::Sqlite> {
    async fn insert_responses(&mut self, rows: &[(&NewResponse, Flags)]) -> sqlx::Result<Vec<(i64, String)>> {
        let mut inserted = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::new(COLUMNS);
            insert.push_values(chunk, |mut row, (r, flags)| {
                row.push_bind(&r.submission_id)
                    .push_bind(r.survey_id)
                    .push_bind(r.unit_id)
                    .push_bind(&r.channel)
                    .push_bind(r.started_at)
                    .push_bind(r.submitted_at)
                    .push_bind(r.duration_ms)
                    .push_bind(&r.token_hash)
                    .push_bind(&r.dossier_code)
                    .push_bind(&r.fingerprint)
                    .push_bind(flags.0)
                    .push_bind(&r.answers)
                    .push_bind(&r.staff);
            });
            insert.push(RETURNING);
            inserted.extend(insert.build_query_as::<(i64, String)>().fetch_all(&mut **self).await?);
        }
        Ok(inserted)
    }
}

impl InsertResponses for sqlx::Transaction<'_, sqlx::Postgres> {
    async fn insert_responses(&mut self, rows: &[(&NewResponse, Flags)]) -> sqlx::Result<Vec<(i64, String)>> {
        let column = |f: fn(&NewResponse) -> String| rows.iter().map(|(r, _)| f(r)).collect::<Vec<String>>();
        let number = |f: fn(&NewResponse) -> Option<i64>| rows.iter().map(|(r, _)| f(r)).collect::<Vec<Option<i64>>>();
        let text = |f: fn(&NewResponse) -> Option<String>| rows.iter().map(|(r, _)| f(r)).collect::<Vec<Option<String>>>();
        let sql = format!(
            "{COLUMNS} SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::BIGINT[], $6::BIGINT[], $7::BIGINT[],
                                          $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::BIGINT[], $12::TEXT[], $13::TEXT[]) {RETURNING}"
        );
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(column(|r| r.submission_id.clone()))
            .bind(number(|r| Some(r.survey_id)))
            .bind(number(|r| Some(r.unit_id)))
            .bind(column(|r| r.channel.clone()))
            .bind(number(|r| r.started_at))
            .bind(number(|r| Some(r.submitted_at)))
            .bind(number(|r| r.duration_ms))
            .bind(text(|r| r.token_hash.clone()))
            .bind(text(|r| r.dossier_code.clone()))
            .bind(column(|r| r.fingerprint.clone()))
            .bind(rows.iter().map(|(_, flags)| flags.0).collect::<Vec<i64>>())
            .bind(column(|r| r.answers.clone()))
            .bind(column(|r| r.staff.clone()))
            .fetch_all(&mut **self)
            .await
    }
}

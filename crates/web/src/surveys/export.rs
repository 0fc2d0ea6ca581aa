//! Export of raw responses as CSV or XLSX, codes and labels side by side, filtered by unit and
//! period. Rows stream from the database to the client (CSV) or to a temporary file (XLSX), so
//! a million responses never sit in memory. Every export is in the audit log.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::auth::Permission;
use domain::surveys::quality::Flags;
use domain::surveys::{Answers, Channel, Questionnaire, export};
use domain::text;
use futures_util::stream;
use serde::Deserialize;
use storage::responses::{ExportFilter, ResponseRecord};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc::Receiver;

use crate::AppState;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult, day_range};
use crate::extract::{Path, Query};

#[derive(Deserialize)]
pub struct ExportQuery {
    unit_id: Option<i64>,
    /// First day, dd/mm/yyyy.
    from: Option<String>,
    /// Last day, included.
    to: Option<String>,
}

impl ExportQuery {
    fn filter(&self) -> Result<ExportFilter, Failure> {
        let (from_ms, to_ms) = day_range(&self.from, &self.to)?;
        Ok(ExportFilter { unit_id: self.unit_id, from_ms, to_ms })
    }
}

const FIXED: [&str; 7] = ["Mã phiếu", "Thời điểm gửi", "Mã đơn vị", "Đơn vị", "Kênh", "Thời gian trả lời (giây)", "Cảnh báo chất lượng"];

/// What turns stored records into rows: the form and the unit names.
struct Rows {
    form: Arc<Questionnaire>,
    units: HashMap<i64, (String, String)>,
}

impl Rows {
    fn header(&self) -> Vec<String> {
        FIXED.iter().map(|h| h.to_string()).chain(export::columns(&self.form)).collect()
    }

    fn row(&self, r: &ResponseRecord) -> Vec<String> {
        let answers: Answers = serde_json::from_str(&r.answers).unwrap_or_default();
        let (code, name) = self.units.get(&r.unit_id).cloned().unwrap_or_default();
        let mut row = vec![
            r.id.to_string(),
            text::format_timestamp_ms(r.submitted_at),
            code,
            name,
            Channel::parse(&r.channel).map(|c| c.label().to_string()).unwrap_or_else(|| r.channel.clone()),
            r.duration_ms.map(|d| (d / 1000).to_string()).unwrap_or_default(),
            Flags(r.flags).labels().join("; "),
        ];
        row.extend(export::cells(&self.form, &answers));
        row
    }
}

async fn open(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    query: &ExportQuery,
) -> Result<(Rows, Receiver<storage::Result<ResponseRecord>>, String), Failure> {
    require(&user.principal.access, Permission::ViewResponses)?;
    let survey = state.store.survey(&user.principal.access, id).await?;
    let form = state.store.version(survey.version_id).await?;
    let units = state.survey_cache.targets(state, id).await?.iter().map(|(id, code, name)| (*id, (code.clone(), name.clone()))).collect();
    let records = state.store.export_responses(&user.actor(state), &user.principal.access, id, &query.filter()?).await?;
    Ok((Rows { form, units }, records, survey.code))
}

fn attachment(content_type: &str, name: &str, body: Body) -> Response {
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], body).into_response()
}

pub async fn csv(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(query): Query<ExportQuery>) -> PageResult<Response> {
    let (rows, records, code) = open(&state, &user, id, &query).await?;
    let header = sheets::csv_chunk(&[rows.header()], true, sheets::CsvDialect::Machine);
    // Up to 500 rows per chunk of the body; the channel holds the rest back at the database.
    let body = stream::unfold((rows, records, Some(header)), |(rows, mut records, header)| async move {
        if let Some(header) = header {
            return Some((Ok::<_, std::io::Error>(Bytes::from(header)), (rows, records, None)));
        }
        let mut batch = Vec::with_capacity(500);
        if records.recv_many(&mut batch, 500).await == 0 {
            return None;
        }
        let mut lines = Vec::with_capacity(batch.len());
        for record in batch {
            match record {
                Ok(record) => lines.push(rows.row(&record)),
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), (rows, records, None))),
            }
        }
        Some((Ok(Bytes::from(sheets::csv_chunk(&lines, false, sheets::CsvDialect::Machine))), (rows, records, None)))
    });
    Ok(attachment("text/csv; charset=utf-8", &format!("phieu-{code}.csv"), Body::from_stream(body)))
}

pub async fn xlsx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(query): Query<ExportQuery>) -> PageResult<Response> {
    let (rows, mut records, code) = open(&state, &user, id, &query).await?;
    let file = tokio::task::spawn_blocking(move || -> Result<tempfile::NamedTempFile, Failure> {
        let fail = |_| Failure::internal();
        let mut writer = sheets::XlsxWriter::new("Phiếu trả lời", &rows.header(), true).map_err(fail)?;
        while let Some(record) = records.blocking_recv() {
            writer.push(&rows.row(&record.map_err(|_| Failure::internal())?)).map_err(fail)?;
        }
        let file = tempfile::NamedTempFile::new().map_err(|_| Failure::internal())?;
        writer.save(file.path()).map_err(fail)?;
        Ok(file)
    })
    .await
    .map_err(|_| Failure::internal())??;
    let reader = tokio::fs::File::open(file.path()).await.map_err(|_| Failure::internal())?;
    // The temporary file lives in the stream's state until the last byte is sent.
    let body = stream::unfold((reader, file), |(mut reader, file)| async move {
        let mut buffer = vec![0u8; 64 * 1024];
        match reader.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(Bytes::from(buffer)), (reader, file)))
            }
            Err(e) => Some((Err(e), (reader, file))),
        }
    });
    Ok(attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &format!("phieu-{code}.xlsx"), Body::from_stream(body)))
}

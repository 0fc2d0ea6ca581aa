//! The summary report's files: the DOCX report and the XLSX table of every position with its
//! answer. The public gets them once the report is published; the drafting unit at any time, to
//! read the draft of the report while answering.

use axum::extract::State;
use axum::response::Response;
use domain::consultation::CommentStatus;
use domain::text;
use reports::consultation::{Line, Summary};
use sheets::{ReportSheet, Value};
use storage::consultation::{Consultation, ReportData};

use super::PositionView;
use crate::AppState;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::reports::{Format, attachment, draw, office};

fn summary(data: &ReportData) -> Summary {
    let c = &data.consultation;
    let s = &data.statistics;
    let lines = data
        .positions
        .iter()
        .map(|p| {
            let view = PositionView::new(&data.draft, p);
            Line {
                part: view.part,
                text: view.text,
                by: view.by,
                supporters: p.supporters,
                agree: p.agree,
                disagree: p.disagree,
                verdict: view.verdict.unwrap_or_default().to_string(),
                answer: view.answer,
            }
        })
        .collect();
    Summary {
        title: c.settings.title.clone(),
        unit: c.unit_name.clone(),
        subject: c.settings.subject.label().into(),
        audience: c.settings.audience.label().into(),
        opened: text::format_timestamp_ms(c.settings.opens_at),
        closed: text::format_timestamp_ms(c.settings.closes_at),
        participants: s.participants.iter().map(|(k, n)| (k.label().to_string(), *n)).collect(),
        verified: s.verified,
        identified: s.identified,
        received: s.comments_total(),
        published: s.comments_in(CommentStatus::Published),
        rejected: s.comments_in(CommentStatus::Rejected),
        lines,
        final_text: c.final_text.clone(),
    }
}

/// The table as a sheet: the same columns as the report, counts as numbers.
fn sheet(summary: &Summary) -> ReportSheet {
    let table = reports::consultation::positions_table(summary);
    let rows = table
        .rows
        .iter()
        .zip(&summary.lines)
        .enumerate()
        .map(|(i, (row, line))| {
            vec![
                Value::Count(i as i64 + 1),
                Value::Text(row.cells[1].clone()),
                Value::Text(row.cells[2].clone()),
                Value::Count(line.supporters),
                Value::Text(row.cells[4].clone()),
                Value::Text(row.cells[5].clone()),
                Value::Text(row.cells[6].clone()),
            ]
        })
        .collect();
    ReportSheet { name: "Tổng hợp ý kiến".into(), header: table.columns.iter().map(|c| c.label.clone()).collect(), rows, chart: None }
}

async fn file(state: &AppState, consultation: Consultation, file: &str) -> PageResult<Response> {
    let format = match file {
        "bao-cao.docx" => Format::Docx,
        "bao-cao.xlsx" => Format::Xlsx,
        _ => return Err(Failure::not_found().into()),
    };
    let id = consultation.id;
    let data = state.store.report_data(consultation).await?;
    let summary = summary(&data);
    let name = format!("bao-cao-tiep-thu-giai-trinh-{id}.{}", format.extension());
    let body = match format {
        Format::Xlsx => sheets::write_report(&[sheet(&summary)]).map_err(|_| Failure::internal())?,
        _ => {
            let office = office(state).await?;
            let date = office.ymd();
            draw(reports::consultation::summary(&office, &summary), format, date).await?
        }
    };
    Ok(attachment(format, &name, body))
}

/// The published report, for anyone.
pub async fn public_file(State(state): State<AppState>, Path((id, name)): Path<(i64, String)>) -> PageResult<Response> {
    let consultation = state.store.public_consultation(id).await?;
    if consultation.reported_at.is_none() {
        return Err(Failure::not_found().into());
    }
    file(&state, consultation, &name).await
}

/// The report as it stands, for the drafting unit.
pub async fn draft_file(State(state): State<AppState>, user: CurrentUser, Path((id, name)): Path<(i64, String)>) -> PageResult<Response> {
    super::require(&user)?;
    let consultation = state.store.managed_consultation(&user.principal.access, id).await?;
    file(&state, consultation, &name).await
}

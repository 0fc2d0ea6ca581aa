//! Published results on public pages: read from the frozen figures, never recomputed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use domain::text;

use super::charts;
use super::dashboard::RowView;
use super::figures::Overview;
use crate::AppState;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;

pub struct PublicationRow {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub period: String,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sipas/results_list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<PublicationRow>,
}

fn period(from: &str, to: &str) -> String {
    if from == to { text::format_month(from) } else { format!("{} – {}", text::format_month(from), text::format_month(to)) }
}

pub async fn list(State(state): State<AppState>) -> PageResult<ListPage> {
    let rows = state
        .store
        .publications()
        .await?
        .into_iter()
        .map(|p| PublicationRow {
            period: period(&p.from_month, &p.to_month),
            at: text::format_timestamp_ms(p.published_at),
            id: p.id,
            title: p.title,
            unit: p.unit_name,
        })
        .collect();
    Ok(ListPage { layout: Layout::public("Kết quả đã công bố"), rows })
}

#[derive(Template, WebTemplate)]
#[template(path = "sipas/results_show.html")]
pub struct ShowPage {
    layout: Layout,
    title: String,
    unit: String,
    published_at: String,
    overview: Overview,
    total: RowView,
    rows: Vec<RowView>,
    chart: String,
    id: i64,
}

/// The stored figures of a publication.
pub fn frozen(body: &str) -> Result<Overview, Failure> {
    serde_json::from_str(body).map_err(|e| {
        tracing::error!(error = %e, "a publication could not be read");
        Failure::internal()
    })
}

pub async fn show(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult<ShowPage> {
    let publication = state.store.publication(id).await?;
    let overview = frozen(&publication.body)?;
    let chart = charts::bars(&publication.title, &overview.rows.iter().map(|r| (r.name.clone(), r.figure.value)).collect::<Vec<_>>(), overview.total.target);
    Ok(ShowPage {
        layout: Layout::public(publication.title.clone()),
        title: publication.title,
        unit: publication.unit_name,
        published_at: text::format_timestamp_ms(publication.published_at),
        total: RowView::new(&overview.total),
        rows: overview.rows.iter().map(RowView::new).collect(),
        chart,
        overview,
        id,
    })
}

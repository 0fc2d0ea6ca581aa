//! Published results on public pages: read from the frozen figures, never recomputed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use domain::sipas::figures::{Overview, Period};
use domain::text;

use super::dashboard::RowView;
use crate::AppState;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;
use reports::charts;

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

pub async fn list(State(state): State<AppState>) -> PageResult<ListPage> {
    let rows = state
        .store
        .publications()
        .await?
        .into_iter()
        .map(|p| PublicationRow {
            period: Period { from: p.from_month, to: p.to_month }.label(),
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
pub fn frozen(publication: &storage::sipas::Publication) -> Result<Overview, Failure> {
    publication.figures().map_err(|e| {
        tracing::error!(error = %e, id = publication.id, "a publication could not be read");
        Failure::internal()
    })
}

pub async fn show(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult<ShowPage> {
    let publication = state.store.publication(id).await?;
    let overview = frozen(&publication)?;
    let chart =
        charts::bars(&publication.title, &overview.rows.iter().map(|r| charts::Point::of(&r.name, &r.figure)).collect::<Vec<_>>(), overview.total.target);
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

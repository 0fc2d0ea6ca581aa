//! The public pages: every index, one index across the years (the province against the
//! national figures, the units of a year compared), one unit's history across mergers, and the
//! tables as files.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use domain::results::{IndexCode, IndexResult, Scope, Series, change_text, definition, series, versions};
use serde::Deserialize;
use storage::results::ResultQuery;

use super::{component_columns, index_of, results_sheet};
use crate::AppState;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::sipas::export::{CsvQuery, ReportFile, download};
use reports::charts::{self, Axis, Line, Point};

/// A result as a table row shows it.
pub struct ResultRow {
    pub year: i32,
    pub unit: String,
    pub unit_code: String,
    pub unit_href: Option<String>,
    pub score: String,
    pub rank: String,
    pub change: String,
    pub class: String,
    pub version: String,
    pub source: String,
    /// Component scores in the order of the table's component columns ("–" where none).
    pub parts: Vec<String>,
    /// The edition before it was made by another methodology.
    pub after_break: bool,
}

fn row(result: &IndexResult, change: Option<f64>, after_break: bool, columns: &[(String, String)]) -> ResultRow {
    let unit_href = result.unit_id.map(|_| format!("/chi-so/{}/don-vi/{}", result.index.code(), crate::layout::encode(&result.unit_code)));
    let decimals = definition(result.index, result.year).map_or(2, |d| d.scale.decimals);
    ResultRow {
        year: result.year,
        unit: result.unit_name.clone(),
        unit_code: result.unit_code.clone(),
        unit_href,
        score: result.score_text(),
        rank: result.rank_text(),
        change: change_text(change),
        class: if result.class.is_empty() { "–".into() } else { result.class.clone() },
        version: result.version.clone(),
        source: result.source.clone(),
        parts: columns
            .iter()
            .map(|(code, _)| result.components.iter().find(|c| c.code == *code).map_or("–".into(), |c| domain::text::format_number(c.score, decimals)))
            .collect(),
        after_break,
    }
}

/// The chart's scale: the index's own, from its newest version.
fn axis(index: IndexCode) -> Axis {
    match versions(index).last() {
        Some(d) => Axis { min: d.scale.min, max: d.scale.max, decimals: d.scale.decimals, unit: d.scale.unit },
        None => Axis::PERCENT,
    }
}

/// A line chart of `list` over the years they cover, cut at methodology changes.
fn chart(title: &str, index: IndexCode, list: &[Series]) -> String {
    let mut years: Vec<i32> = list.iter().flat_map(|s| s.editions.iter().map(|e| e.result.year)).collect();
    years.sort_unstable();
    years.dedup();
    let labels: Vec<String> = years.iter().map(i32::to_string).collect();
    let version_of = |year: i32| list.iter().flat_map(|s| &s.editions).find(|e| e.result.year == year).map(|e| e.result.version.clone());
    let breaks: Vec<usize> = (1..years.len()).filter(|&i| version_of(years[i]) != version_of(years[i - 1])).collect();
    let lines: Vec<Line> = list
        .iter()
        .take(4)
        .map(|s| Line {
            name: s.label.clone(),
            points: years
                .iter()
                .map(|y| Point { label: y.to_string(), value: s.editions.iter().find(|e| e.result.year == *y).map(|e| e.result.score), few: false })
                .collect(),
        })
        .collect();
    charts::lines(title, &labels, &lines, axis(index), None, &breaks)
}

/// An index as the list of indices shows it.
pub struct IndexCard {
    pub code: &'static str,
    pub short: &'static str,
    pub name: &'static str,
    /// "68,52 điểm, hạng 12/63 (2024)", or what is held.
    pub latest: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "results/list.html")]
pub struct ListPage {
    layout: Layout,
    cards: Vec<IndexCard>,
}

pub async fn list(State(state): State<AppState>) -> PageResult<ListPage> {
    let editions = state.store.index_editions(None).await?;
    let national = state.store.index_results(&ResultQuery { scope: Some(Scope::National), ..Default::default() }).await?;
    let cards = IndexCode::ALL
        .into_iter()
        .map(|index| {
            let newest = national.iter().filter(|r| r.index == index && r.unit_id.is_some()).max_by_key(|r| r.year);
            let years: Vec<i32> = editions.iter().filter(|(i, ..)| *i == index).map(|(_, _, y, _)| *y).collect();
            let latest = match (newest, years.iter().min(), years.iter().max()) {
                (Some(r), ..) => match r.rank {
                    Some(_) => format!("{} năm {}: {}, xếp hạng {}", r.unit_name, r.year, r.score_text(), r.rank_text()),
                    None => format!("{} năm {}: {}", r.unit_name, r.year, r.score_text()),
                },
                (None, Some(first), Some(last)) if first == last => format!("Số liệu năm {first}"),
                (None, Some(first), Some(last)) => format!("Số liệu {first}–{last}"),
                _ => "Chưa có số liệu".into(),
            };
            IndexCard { code: index.code(), short: index.short(), name: index.name(), latest }
        })
        .collect();
    Ok(ListPage { layout: Layout::public("Các chỉ số qua các năm"), cards })
}

/// A methodology version as the index page describes it.
pub struct VersionView {
    pub version: &'static str,
    pub years: String,
    pub scale: String,
    pub basis: &'static str,
    pub components: String,
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    /// The year of the units' ranking; the newest when absent.
    nam: Option<i32>,
    /// A unit's code, for its history (with the units it was formed from) as a file.
    #[serde(rename = "don-vi")]
    unit: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "results/index.html")]
pub struct IndexPage {
    layout: Layout,
    code: &'static str,
    short: &'static str,
    name: &'static str,
    publisher: &'static str,
    versions: Vec<VersionView>,
    national_chart: String,
    national_columns: Vec<(String, String)>,
    national: Vec<ResultRow>,
    years: Vec<i32>,
    year: Option<i32>,
    units_chart: String,
    unit_columns: Vec<(String, String)>,
    units: Vec<ResultRow>,
}

pub async fn index(State(state): State<AppState>, Path(code): Path<String>, Query(query): Query<YearQuery>) -> PageResult<IndexPage> {
    let index = index_of(&code)?;
    let store = &state.store;
    let national = store.index_results(&ResultQuery { index: Some(index), scope: Some(Scope::National), ..Default::default() }).await?;
    // The province first, then the national average: one line each.
    let mut national_series = series(&national);
    national_series.sort_by_key(|s| s.unit_id.is_none());
    let national_chart = if national.is_empty() {
        String::new()
    } else {
        chart(&format!("{} của tỉnh và cả nước qua các năm", index.short()), index, &national_series)
    };
    let mut national_editions: Vec<(&IndexResult, Option<f64>, bool)> =
        national_series.iter().flat_map(|s| s.editions.iter().map(|e| (&e.result, e.change, e.after_break))).collect();
    national_editions.sort_by_key(|(r, ..)| (std::cmp::Reverse(r.year), r.unit_id.is_none()));
    let national_columns = component_columns(national_editions.iter().map(|(r, ..)| *r));
    let national_rows = national_editions.iter().map(|(r, c, b)| row(r, *c, *b, &national_columns)).collect();

    let editions = store.index_editions(Some(index)).await?;
    let mut years: Vec<i32> = editions.iter().filter(|(i, s, ..)| *i == index && *s == Scope::Provincial).map(|(_, _, y, _)| *y).collect();
    years.reverse();
    let year = match query.nam {
        Some(y) if years.contains(&y) => Some(y),
        Some(y) => {
            return Err(Failure {
                detail: format!("Chưa có kết quả {} của các đơn vị trong tỉnh năm {y}.", index.short()), ..Failure::not_found()
            }
            .into());
        }
        None => years.first().copied(),
    };
    let (units, unit_columns, units_chart) = match year {
        None => (Vec::new(), Vec::new(), String::new()),
        Some(y) => {
            let this = store.index_results(&ResultQuery { index: Some(index), scope: Some(Scope::Provincial), year: Some(y), ..Default::default() }).await?;
            let before =
                store.index_results(&ResultQuery { index: Some(index), scope: Some(Scope::Provincial), year: Some(y - 1), ..Default::default() }).await?;
            let unit_columns = component_columns(&this);
            let rows: Vec<ResultRow> = this
                .iter()
                .map(|r| {
                    let previous = before.iter().find(|p| p.unit_id == r.unit_id);
                    let change = previous.and_then(|p| domain::results::change(r, p));
                    row(r, change, previous.is_some_and(|p| p.version != r.version), &unit_columns)
                })
                .collect();
            // Bars read on the 0–100 scale of percent indices; others keep to the table.
            let on_percent = versions(index).last().is_some_and(|d| d.scale.min == 0.0 && d.scale.max == 100.0);
            let bars = if on_percent {
                let points: Vec<Point> = this.iter().map(|r| Point { label: r.unit_name.clone(), value: Some(r.score), few: false }).collect();
                charts::bars(&format!("{} năm {y} của các đơn vị", index.short()), &points, None)
            } else {
                String::new()
            };
            (rows, unit_columns, bars)
        }
    };
    let versions = versions(index)
        .map(|d| VersionView {
            version: d.version,
            years: d.years(),
            scale: d.scale.describe(),
            basis: d.basis,
            components: d.components.iter().map(|c| c.name).collect::<Vec<_>>().join("; "),
        })
        .collect();
    Ok(IndexPage {
        layout: Layout::public(format!("{} — {}", index.short(), index.name())),
        code: index.code(),
        short: index.short(),
        name: index.name(),
        publisher: index.publisher(),
        versions,
        national_chart,
        national_columns,
        national: national_rows,
        years,
        year,
        units_chart,
        unit_columns,
        units,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "results/unit.html")]
pub struct UnitPage {
    layout: Layout,
    code: &'static str,
    short: &'static str,
    unit_name: String,
    unit_code: String,
    formed_from: Vec<String>,
    chart: String,
    columns: Vec<(String, String)>,
    rows: Vec<ResultRow>,
}

pub async fn unit(State(state): State<AppState>, Path((code, unit_code)): Path<(String, String)>) -> PageResult<UnitPage> {
    let index = index_of(&code)?;
    let unit = state.store.public_unit_by_code(&unit_code).await?;
    let lineage = state.store.unit_with_predecessors(unit.id).await?;
    let results = state.store.index_results(&ResultQuery { index: Some(index), units: Some(lineage), ..Default::default() }).await?;
    let mut list = series(&results);
    // The unit itself first, then the units it was formed from.
    list.sort_by_key(|s| s.unit_id != Some(unit.id));
    let formed_from = list.iter().filter(|s| s.unit_id != Some(unit.id)).map(|s| s.label.clone()).collect();
    let chart = if results.is_empty() { String::new() } else { chart(&format!("{} của {} qua các năm", index.short(), unit.name), index, &list) };
    let mut editions: Vec<(&IndexResult, Option<f64>, bool)> =
        list.iter().flat_map(|s| s.editions.iter().map(|e| (&e.result, e.change, e.after_break))).collect();
    editions.sort_by_key(|(r, ..)| (std::cmp::Reverse(r.year), r.unit_id != Some(unit.id), r.scope));
    let columns = component_columns(editions.iter().map(|(r, ..)| *r));
    let rows = editions.iter().map(|(r, c, b)| row(r, *c, *b, &columns)).collect();
    Ok(UnitPage {
        layout: Layout::public(format!("{} — {}", index.short(), unit.name)),
        code: index.code(),
        short: index.short(),
        unit_name: unit.name,
        unit_code: unit.code,
        formed_from,
        chart,
        columns,
        rows,
    })
}

async fn table(state: &AppState, code: &str, query: &YearQuery, file: ReportFile<'_>) -> PageResult<Response> {
    let index = index_of(code)?;
    let mut name = index.code().to_string();
    let units = match &query.unit {
        None => None,
        Some(unit_code) => {
            let unit = state.store.public_unit_by_code(unit_code).await?;
            name.push_str(&format!("-{}", crate::layout::encode(&unit.code)));
            Some(state.store.unit_with_predecessors(unit.id).await?)
        }
    };
    if let Some(y) = query.nam {
        name.push_str(&format!("-{y}"));
    }
    let results = state.store.index_results(&ResultQuery { index: Some(index), year: query.nam, units, ..Default::default() }).await?;
    Ok(download(&[results_sheet(index.short(), &results)], &format!("ket-qua-{name}"), file)?)
}

pub async fn table_csv(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<YearQuery>,
    Query(csv): Query<CsvQuery>,
) -> PageResult<Response> {
    table(&state, &code, &query, ReportFile::Csv(&csv)).await
}

pub async fn table_xlsx(State(state): State<AppState>, Path(code): Path<String>, Query(query): Query<YearQuery>) -> PageResult<Response> {
    table(&state, &code, &query, ReportFile::Xlsx).await
}

/// At most this many units side by side: the lines a chart tells apart.
const COMPARED: usize = 4;

#[derive(Template, WebTemplate)]
#[template(path = "results/compare.html")]
pub struct ComparePage {
    layout: Layout,
    code: &'static str,
    short: &'static str,
    units: Vec<String>,
    chart: String,
    /// (year, each unit's score or "–").
    rows: Vec<(i32, Vec<String>)>,
}

/// Units side by side across the years: `?don-vi=A&don-vi=B`, two to four.
pub async fn compare(State(state): State<AppState>, Path(code): Path<String>, RawQuery(raw): RawQuery) -> PageResult<ComparePage> {
    let index = index_of(&code)?;
    let mut codes: Vec<String> = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if key == "don-vi" && !value.trim().is_empty() && !codes.iter().any(|c| *c == value.trim()) {
            codes.push(value.trim().to_string());
        }
    }
    if !(2..=COMPARED).contains(&codes.len()) {
        return Err(Failure::invalid(format!("Hãy chọn từ 2 đến {COMPARED} đơn vị để so sánh (đã chọn {}).", codes.len())).into());
    }
    let mut list: Vec<Series> = Vec::new();
    for unit_code in &codes {
        let unit = state.store.public_unit_by_code(unit_code).await?;
        let results = state.store.index_results(&ResultQuery { index: Some(index), units: Some(vec![unit.id]), ..Default::default() }).await?;
        list.extend(series(&results));
    }
    let mut years: Vec<i32> = list.iter().flat_map(|s| s.editions.iter().map(|e| e.result.year)).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let rows = years
        .iter()
        .map(|y| {
            let cells = list.iter().map(|s| s.editions.iter().find(|e| e.result.year == *y).map_or("–".into(), |e| e.result.score_text())).collect();
            (*y, cells)
        })
        .collect();
    let chart = if list.is_empty() { String::new() } else { chart(&format!("So sánh {} qua các năm", index.short()), index, &list) };
    let units: Vec<String> = list.iter().map(|s| s.label.clone()).collect();
    Ok(ComparePage {
        layout: Layout::public(format!("So sánh {} — {}", index.short(), units.join(", "))),
        code: index.code(),
        short: index.short(),
        units,
        chart,
        rows,
    })
}

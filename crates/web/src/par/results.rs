//! A round's results: the reform office's ranking with last year's index, its XLSX, its
//! publication, and the public pages that show published rounds.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::par::Points;
use domain::text;
use domain::units::UnitLevel;
use sheets::{Chart, ReportSheet, Value};
use storage::par::{Results, UnitResult};

use crate::AppState;
use crate::auth::csrf::{CheckedForm, Empty};
use crate::auth::session::CurrentUser;
use crate::error::PageResult;
use crate::extract::Path;
use crate::layout::Layout;
use reports::charts;

/// One unit's result as shown.
pub struct ResultLine {
    pub assessment_id: i64,
    pub rank: u32,
    pub unit: String,
    pub fields: Vec<String>,
    pub total: String,
    pub index: String,
    pub class: &'static str,
    pub previous: String,
    pub change: String,
    /// How last year's index was found for a unit that is new.
    pub carried: String,
}

impl ResultLine {
    pub fn of(u: &UnitResult) -> Self {
        let previous = u.previous.as_ref();
        Self {
            assessment_id: u.assessment_id,
            rank: u.rank,
            unit: u.unit_name.clone(),
            fields: u.scorecard.fields.iter().map(|f| f.points.fixed()).collect(),
            total: u.scorecard.total.fixed(),
            index: u.scorecard.index.display(),
            class: u.scorecard.class.label(),
            previous: previous.map(|p| p.index.display()).unwrap_or_default(),
            change: previous.map(|p| signed(u.scorecard.index.0 - p.index.0)).unwrap_or_default(),
            carried: carried(u),
        }
    }
}

/// How last year's index was found for a unit that is new: `suy từ A, B`; empty otherwise.
fn carried(u: &UnitResult) -> String {
    u.previous.as_ref().filter(|p| !p.carried_from.is_empty()).map(|p| format!("suy từ {}", p.carried_from.join(", "))).unwrap_or_default()
}

/// A change in hundredths of a percentage point: `+1,25`, `-0,50`.
fn signed(hundredths: i64) -> String {
    let sign = if hundredths > 0 {
        "+"
    } else if hundredths < 0 {
        "-"
    } else {
        ""
    };
    format!("{sign}{}", Points(hundredths.abs()).fixed())
}

/// The fields' (code, name, max) as column heads.
pub fn field_heads(results: &Results) -> Vec<(String, String, String)> {
    results.round.tree.fields.iter().map(|f| (f.code.clone(), f.name.clone(), f.max().display())).collect()
}

fn ranking_sheet(results: &Results) -> ReportSheet {
    let mut header: Vec<String> = vec!["Đơn vị".into(), "Chỉ số (%)".into(), "Hạng".into(), "Mã đơn vị".into()];
    header.extend(field_heads(results).into_iter().map(|(code, name, max)| format!("{code}. {name} (tối đa {max})")));
    header.extend(["Điểm thưởng".into(), "Điểm trừ".into(), "Tổng điểm".into(), "Xếp loại".into(), "Năm trước (%)".into(), "Ghi chú".into()]);
    let rows = results
        .units
        .iter()
        .map(|u| {
            let mut cells = vec![
                Value::Text(u.unit_name.clone()),
                Value::Hundredths(u.scorecard.index.percent()),
                Value::Count(i64::from(u.rank)),
                Value::Text(u.unit_code.clone()),
            ];
            cells.extend(u.scorecard.fields.iter().map(|f| Value::Hundredths(f.points.as_f64())));
            cells.extend([u.scorecard.bonus, u.scorecard.penalty, u.scorecard.total].map(|p| Value::Hundredths(p.as_f64())));
            cells.push(Value::Text(u.scorecard.class.label().into()));
            cells.push(u.previous.as_ref().map_or(Value::Empty, |p| Value::Hundredths(p.index.percent())));
            cells.push(Value::Text(carried(u)));
            cells
        })
        .collect();
    let chart = Some(Chart { title: results.round.title.clone(), line: false, category_column: 0, value_column: 1, value_axis: "Chỉ số (%)".into() });
    ReportSheet { name: "Xếp hạng".into(), header, rows, chart }
}

pub async fn xlsx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    let results = state.store.par_results(&user.principal.access, id).await?;
    let name = format!("chi-so-cchc-{}-{}", results.round.tree.year, results.round.tree.level.code());
    Ok(crate::sipas::export::download(&[ranking_sheet(&results)], &name, crate::sipas::export::ReportFile::Xlsx)?)
}

pub async fn publish(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(_): CheckedForm<Empty>) -> PageResult<Response> {
    state.store.publish_par_round(&user.actor(&state), &user.principal.access, id).await?;
    Ok(Redirect::to(&format!("/admin/par/rounds/{id}?published=1")).into_response())
}

pub struct PublishedLine {
    pub id: i64,
    pub title: String,
    pub level: &'static str,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_public_list.html")]
pub struct PublicList {
    layout: Layout,
    rounds: Vec<PublishedLine>,
}

pub async fn public_list(State(state): State<AppState>) -> PageResult<PublicList> {
    let rounds = state
        .store
        .published_par_rounds()
        .await?
        .into_iter()
        .map(|r| PublishedLine {
            id: r.id,
            title: r.title,
            level: UnitLevel::parse(&r.level).map_or("", |l| l.label()),
            at: text::format_timestamp_ms(r.published_at),
        })
        .collect();
    Ok(PublicList { layout: Layout::public("Chỉ số cải cách hành chính"), rounds })
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_public_show.html")]
pub struct PublicShow {
    layout: Layout,
    title: String,
    published_at: String,
    max: String,
    previous_round: Option<String>,
    heads: Vec<(String, String, String)>,
    lines: Vec<ResultLine>,
    chart: String,
}

pub async fn public_show(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult<PublicShow> {
    let results = state.store.published_par_results(id).await?;
    let chart = charts::bars(
        &results.round.title,
        &results.units.iter().map(|u| charts::Point { label: u.unit_name.clone(), value: Some(u.scorecard.index.percent()), few: false }).collect::<Vec<_>>(),
        None,
    );
    Ok(PublicShow {
        layout: Layout::public(results.round.title.clone()),
        title: results.round.title.clone(),
        published_at: results.round.published_at.map(text::format_timestamp_ms).unwrap_or_default(),
        max: results.round.tree.max().display(),
        previous_round: results.previous_round.as_ref().map(|(_, t)| t.clone()),
        heads: field_heads(&results),
        lines: results.units.iter().map(ResultLine::of).collect(),
        chart,
    })
}

//! The officials' dashboards: the province overview (ranked table and chart), a unit's
//! drill-down (elements and criteria, units below, monthly trend, channels, counter officers)
//! and the responses behind any number, each limited to the caller's units.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use domain::auth::Permission;
use domain::calendar::Month;
use domain::sipas::figures::{Drilldown, LEVELS, Overview, Period, Row, Slice, margin, percent, signed};
use domain::sipas::index::Figure;
use domain::surveys::{Answer, Channel, TagRole};
use domain::text;
use serde::Deserialize;
use storage::sipas::Selection;

use super::figures::{self, DashboardQuery};
use crate::AppState;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use reports::charts::{self, Point};

/// The filter form, filled from the selection.
pub struct Filters {
    pub versions: Vec<(i64, String, bool)>,
    pub from: String,
    pub to: String,
    pub channels: Vec<(&'static str, &'static str, bool)>,
    pub levels: Vec<(&'static str, &'static str, bool)>,
    pub query: String,
}

impl Filters {
    fn new(selection: &Selection) -> Self {
        Self {
            versions: selection.versions.iter().map(|(id, label)| (*id, label.clone(), *id == selection.version_id)).collect(),
            from: selection.period.from.to_string(),
            to: selection.period.to.to_string(),
            channels: Channel::ALL.iter().map(|c| (c.code(), c.label(), selection.channel == Some(*c))).collect(),
            levels: LEVELS.iter().map(|l| (l.code(), l.label(), *l == selection.level)).collect(),
            query: DashboardQuery::string_of(selection),
        }
    }
}

/// A ranked row as shown.
pub struct RowView {
    pub unit_id: i64,
    pub name: String,
    pub rank: String,
    pub n: String,
    pub value: String,
    pub margin: String,
    /// Each column's figure and the responses behind it (empty where no one question stands
    /// behind it).
    pub columns: Vec<(String, String)>,
    pub previous: String,
    pub change: String,
    pub target: String,
    /// "đạt" / "chưa đạt" / empty.
    pub status: &'static str,
}

impl RowView {
    /// Links each column figure to the answers of its question, for the officials' pages.
    fn linked(row: &Row, query: &str, questions: &[String]) -> Self {
        let mut view = Self::new(row);
        for ((_, link), q) in view.columns.iter_mut().zip(questions).filter(|(_, q)| !q.is_empty()) {
            *link = format!("/admin/sipas/responses?{query}&unit={}&question={q}", row.unit_id);
        }
        view
    }

    pub fn new(row: &Row) -> Self {
        Self {
            unit_id: row.unit_id,
            name: row.name.clone(),
            rank: row.rank.map_or_else(|| "–".into(), |r| r.to_string()),
            n: text::format_count(row.figure.n),
            value: percent(row.figure.value),
            margin: margin(&row.figure),
            columns: row.columns.iter().map(|v| (percent(*v), String::new())).collect(),
            previous: percent(row.previous),
            change: signed(row.change),
            target: row.target.map_or_else(String::new, |t| text::format_number(t, 1)),
            status: match row.meets_target {
                Some(true) => "Đạt",
                Some(false) => "Chưa đạt",
                None => "",
            },
        }
    }
}

/// The question behind each column of a ranked table: an element's satisfaction question when
/// elements are shares of it; none for means and for parts.
fn column_questions(selection: &Selection, columns: &[(String, String)], has_parts: bool) -> Vec<String> {
    let share = matches!(selection.methodology.methodology.element, domain::sipas::Rule::SharePositive);
    columns
        .iter()
        .map(|(code, _)| {
            if has_parts || !share {
                return String::new();
            }
            selection
                .form
                .questions()
                .map(|(_, q)| q)
                .find(|q| q.tag.as_ref().is_some_and(|t| t.element == *code && t.role == TagRole::Satisfaction))
                .map_or(String::new(), |q| q.code.clone())
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "sipas/sipas_overview.html")]
pub struct OverviewPage {
    layout: Layout,
    filters: Filters,
    overview: Overview,
    total: RowView,
    rows: Vec<RowView>,
    chart: String,
    can_publish: bool,
    /// The period's last month is not over: publishing asks to be confirmed.
    unfinished: bool,
    year: String,
    assumed: String,
}

pub async fn overview(State(state): State<AppState>, user: CurrentUser, Query(query): Query<DashboardQuery>) -> PageResult<OverviewPage> {
    let access = &user.principal.access;
    require(access, Permission::ViewResults)?;
    let selection = figures::select(&state, access, &query).await?;
    let overview = state.store.sipas_overview(access, &selection).await?;
    let target = overview.total.target;
    let chart = charts::bars(
        &format!("Chỉ số hài lòng theo đơn vị, {}", overview.period),
        &overview.rows.iter().map(|r| Point::of(&r.name, &r.figure)).collect::<Vec<_>>(),
        target,
    );
    Ok(OverviewPage {
        layout: Layout::admin(&user, "Chỉ số hài lòng", "/admin/sipas"),
        filters: Filters::new(&selection),
        total: RowView::new(&overview.total),
        rows: {
            let has_parts = selection.form.questions().any(|(_, q)| q.tag.as_ref().is_some_and(|t| t.part.is_some()));
            let questions = column_questions(&selection, &overview.columns, has_parts);
            let query = DashboardQuery::string_of(&selection);
            overview.rows.iter().map(|r| RowView::linked(r, &query, &questions)).collect()
        },
        chart,
        can_publish: access.has(Permission::PublishResults),
        unfinished: selection.period.unfinished(Month::at(state.clock.now_ms())),
        year: selection.period.to.year().to_string(),
        assumed: selection.methodology.methodology.note.clone(),
        overview,
    })
}

/// A figure as shown, with the question whose answers stand behind it.
pub struct FigureView {
    pub code: String,
    pub label: String,
    pub value: String,
    pub margin: String,
    pub n: String,
    pub valid: String,
    /// The question to open the responses behind it; empty for composite figures.
    pub question: String,
}

impl FigureView {
    fn new(code: &str, label: &str, figure: &Figure, question: &str) -> Self {
        Self {
            code: code.to_string(),
            label: label.to_string(),
            value: percent(figure.value),
            margin: margin(figure),
            n: text::format_count(figure.n),
            valid: text::format_count(figure.valid),
            question: question.to_string(),
        }
    }
}

pub struct ElementView {
    pub figure: FigureView,
    pub criteria: Vec<FigureView>,
}

/// An improvement question and its chosen options: (label, share, count), most chosen first.
pub type ExpectationView = (String, Vec<(String, String, String)>);

pub struct SliceView {
    /// The responses behind it.
    pub link: String,
    pub label: String,
    pub value: String,
    pub margin: String,
    pub n: String,
    /// Too few answers to compare (see `domain::sipas::index::FEW_ANSWERS`).
    pub few: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "sipas/sipas_unit.html")]
pub struct UnitPage {
    layout: Layout,
    filters: Filters,
    unit_id: i64,
    unit_name: String,
    period: String,
    methodology: String,
    rules: String,
    overall: FigureView,
    previous: String,
    change: String,
    target: String,
    parts: Vec<FigureView>,
    elements: Vec<ElementView>,
    weakest: Vec<(String, FigureView)>,
    children: Vec<RowView>,
    columns: Vec<(String, String)>,
    children_chart: String,
    trend: Vec<SliceView>,
    trend_chart: String,
    channels: Vec<SliceView>,
    channels_chart: String,
    staff: Vec<SliceView>,
    expectations: Vec<ExpectationView>,
    can_publish: bool,
    year: String,
}

/// Rows of a breakdown; `param` names what the slice key narrows in the responses behind it.
fn slice_views(slices: &[Slice], selection: &Selection, unit_id: i64, param: &str) -> Vec<SliceView> {
    slices
        .iter()
        .map(|s| {
            let mut query = DashboardQuery::of(selection);
            if param == "channel" {
                query.channel = Some(s.key.clone());
            }
            let mut link = format!("/admin/sipas/responses?{}&unit={unit_id}", serde_urlencoded::to_string(&query).unwrap_or_default());
            if param == "month" || param == "staff" {
                link.push_str(&format!("&{param}={}", s.key));
            }
            SliceView {
                link,
                label: s.label.clone(),
                value: percent(s.figure.value),
                margin: margin(&s.figure),
                n: text::format_count(s.figure.n),
                few: s.figure.few_answers(),
            }
        })
        .collect()
}

pub async fn unit(State(state): State<AppState>, user: CurrentUser, Path(unit_id): Path<i64>, Query(query): Query<DashboardQuery>) -> PageResult<UnitPage> {
    let access = &user.principal.access;
    require(access, Permission::ViewResults)?;
    let selection = figures::select(&state, access, &query).await?;
    let d: Drilldown = figures::drilldown(&state, access, &selection, unit_id).await?;
    let form = &selection.form;
    // The question behind an element's figure: its satisfaction question under the
    // share-positive rule.
    let satisfaction = |element: &str| {
        form.questions()
            .map(|(_, q)| q)
            .find(|q| q.tag.as_ref().is_some_and(|t| t.element == element && t.role == TagRole::Satisfaction))
            .map_or(String::new(), |q| q.code.clone())
    };
    let share_rule = matches!(d.report.element_rule, domain::sipas::Rule::SharePositive);
    let elements = d
        .report
        .elements
        .iter()
        .map(|e| ElementView {
            figure: FigureView::new(&e.code, &e.label, &e.figure, &if share_rule { satisfaction(&e.code) } else { String::new() }),
            criteria: e.criteria.iter().map(|c| FigureView::new(&c.code, &c.label, &c.figure, &c.code)).collect(),
        })
        .collect();
    let weakest =
        d.report.weakest_criteria().into_iter().take(5).map(|(e, c)| (e.label.clone(), FigureView::new(&c.code, &c.label, &c.figure, &c.code))).collect();
    let expectations = d
        .report
        .expectations
        .iter()
        .map(|x| {
            let title = format!("{} — {}", x.element, x.text);
            let mut shares: Vec<(String, String, u64)> =
                x.shares.iter().filter(|s| s.count > 0).map(|s| (s.label.clone(), percent(s.percent), s.count)).collect();
            shares.sort_by_key(|s| std::cmp::Reverse(s.2));
            (title, shares.into_iter().map(|(label, share, count)| (label, share, text::format_count(count))).collect::<Vec<_>>())
        })
        .filter(|(_, shares)| !shares.is_empty())
        .collect();
    let overall_rule_share = matches!(d.report.overall_rule, domain::sipas::Rule::SharePositive);
    let overall_question = if overall_rule_share {
        form.questions().map(|(_, q)| q).find(|q| q.tag.as_ref().is_some_and(|t| t.role == TagRole::Overall)).map_or(String::new(), |q| q.code.clone())
    } else {
        String::new()
    };
    Ok(UnitPage {
        layout: Layout::admin(&user, d.unit.name.clone(), "/admin/sipas"),
        filters: Filters::new(&selection),
        unit_id,
        unit_name: d.unit.name.clone(),
        period: selection.period.label(),
        methodology: selection.methodology_label(),
        rules: domain::sipas::figures::rules_label(&d.report),
        overall: FigureView::new("", "Chỉ số hài lòng chung", &d.report.overall, &overall_question),
        previous: percent(d.previous),
        change: signed(domain::sipas::ranking::change(d.report.overall.value, d.previous)),
        target: d.target.map_or_else(String::new, |t| text::format_number(t, 1)),
        parts: d.report.parts.iter().map(|p| FigureView::new(&p.code, &p.label, &p.figure, "")).collect(),
        elements,
        weakest,
        columns: d
            .report
            .parts
            .iter()
            .map(|p| (p.code.clone(), p.label.clone()))
            .chain(if d.report.parts.is_empty() { d.report.elements.iter().map(|e| (e.code.clone(), e.label.clone())).collect() } else { Vec::new() })
            .collect(),
        children_chart: charts::bars(
            "Chỉ số hài lòng của các đơn vị trực thuộc",
            &d.children.iter().map(|r| Point::of(&r.name, &r.figure)).collect::<Vec<_>>(),
            d.target,
        ),
        children: {
            let columns: Vec<(String, String)> =
                if d.report.parts.is_empty() { d.report.elements.iter().map(|e| (e.code.clone(), e.label.clone())).collect() } else { Vec::new() };
            let questions = column_questions(&selection, &columns, !d.report.parts.is_empty());
            let query = DashboardQuery::string_of(&selection);
            d.children.iter().map(|r| RowView::linked(r, &query, &questions)).collect()
        },
        trend_chart: charts::trend("Chỉ số hài lòng theo tháng", &charts::points(&d.trend), d.target),
        trend: slice_views(&d.trend, &selection, unit_id, "month"),
        channels_chart: charts::bars("Chỉ số hài lòng theo kênh", &charts::points(&d.channels), d.target),
        channels: slice_views(&d.channels, &selection, unit_id, "channel"),
        staff: slice_views(&d.staff, &selection, unit_id, "staff"),
        expectations,
        can_publish: access.has(Permission::PublishResults),
        year: selection.period.to.year().to_string(),
    })
}

/// What narrows the responses behind a number, beside the dashboard's own query (read from the
/// same query string: `serde(flatten)` would lose the numbers' types).
#[derive(Deserialize, Default)]
pub struct BehindQuery {
    unit: Option<i64>,
    question: Option<String>,
    option: Option<String>,
    /// One month (yyyy-mm) instead of the whole period.
    month: Option<String>,
    /// Kiosk ratings about one counter officer.
    staff: Option<String>,
    /// The answers an alert case holds.
    case: Option<i64>,
    page: Option<i64>,
}

pub struct ResponseView {
    pub id: i64,
    pub at: String,
    pub unit: String,
    pub channel: &'static str,
    pub answers: Vec<(String, String)>,
    pub flagged: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "sipas/sipas_responses.html")]
pub struct ResponsesPage {
    layout: Layout,
    back: String,
    what: String,
    total: String,
    rows: Vec<ResponseView>,
    pager: crate::layout::Pager,
}

const PER_PAGE: i64 = 50;

/// The responses behind a number, as far as the caller may read raw responses.
pub async fn responses(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(dashboard): Query<DashboardQuery>,
    Query(query): Query<BehindQuery>,
) -> PageResult<ResponsesPage> {
    let access = &user.principal.access;
    require(access, Permission::ViewResponses)?;
    let selection = figures::select(&state, access, &dashboard).await?;
    // An alert case's answers are all of them, whenever they came; otherwise a month or the
    // selection's period.
    let period = match (query.case, crate::extract::typed_month(&query.month)?) {
        (Some(_), _) => None,
        (None, Some(month)) => Some(Period::new(month, month).map_err(Failure::invalid)?),
        (None, None) => Some(selection.period),
    };
    let start = |month: Month| text::vn_midnight_ms(month.first_day());
    let question = query.question.filter(|q| !q.is_empty());
    if let Some(q) = &question
        && selection.form.question(q).is_none()
    {
        return Err(Failure::invalid(format!("Phiếu không có câu hỏi «{q}».")).into());
    }
    let unit_name = match query.unit {
        Some(id) => Some(state.store.unit(access, id).await?.name),
        None => None,
    };
    let filter = storage::responses::BehindFilter {
        version_id: selection.version_id,
        unit_id: query.unit,
        from_ms: period.map(|p| start(p.from)),
        to_ms: period.map(|p| start(p.to.plus(1))),
        channel: selection.channel.map(|c| c.code().to_string()),
        question: question.clone(),
        option: query.option.clone().filter(|o| !o.is_empty()),
        staff: query.staff.clone().filter(|s| !s.is_empty()),
        case_id: query.case,
    };
    let page_number = query.page.unwrap_or(1).max(1);
    let page = state.store.responses_behind(&user.actor(&state), access, &filter, storage::Paging::new(page_number, PER_PAGE)).await?;
    let form = &selection.form;
    let sheets: Vec<domain::surveys::Answers> = page.items.iter().map(|r| serde_json::from_str(&r.answers).unwrap_or_default()).collect();
    // A unit question holds the unit's code; the page names the unit.
    let mut unit_names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (_, q) in form.questions().filter(|(_, q)| matches!(q.kind, domain::surveys::QuestionKind::Unit { .. })) {
        for sheet in &sheets {
            if let Some(Answer::Text(code)) = sheet.get(&q.code)
                && !unit_names.contains_key(code)
            {
                let name = state.store.public_unit_by_code(code).await.map_or_else(|_| code.clone(), |u| u.name);
                unit_names.insert(code.clone(), name);
            }
        }
    }
    // A procedure answer holds a catalogue's code or the name typed; the page shows the name.
    let mut catalogues: std::collections::HashMap<i64, Vec<domain::procedures::Procedure>> = std::collections::HashMap::new();
    if form.questions().any(|(_, q)| q.kind == domain::surveys::QuestionKind::Procedure) {
        for r in &page.items {
            if let std::collections::hash_map::Entry::Vacant(slot) = catalogues.entry(r.unit_id) {
                slot.insert(state.store.unit_procedures(r.unit_id).await?);
            }
        }
    }
    let labels = |unit: i64, code: &str, answer: &Answer| -> String {
        let Some(q) = form.question(code) else { return String::new() };
        let option = |o: &str| q.kind.options().iter().find(|c| c.code == o).map_or_else(|| o.to_string(), |c| c.label.clone());
        match (answer, &q.kind) {
            (Answer::Text(t), _) if !q.kind.options().is_empty() => option(t),
            (Answer::Text(t), domain::surveys::QuestionKind::Unit { .. }) => unit_names.get(t).unwrap_or(t).clone(),
            (Answer::Text(t), domain::surveys::QuestionKind::Procedure) => {
                domain::procedures::shown(t, catalogues.get(&unit).map_or(&[], Vec::as_slice)).to_string()
            }
            (Answer::Text(t), _) => t.clone(),
            (Answer::Number(n), _) => text::format_number(*n, if n.fract() == 0.0 { 0 } else { 2 }),
            (Answer::List(items), _) => items.iter().map(|o| option(o)).collect::<Vec<_>>().join("; "),
            (Answer::Map(rows), _) => rows.iter().map(|(r, p)| format!("{r}: {}", option(p))).collect::<Vec<_>>().join("; "),
        }
    };
    let mut names = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for (r, answers) in page.items.iter().zip(&sheets) {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(r.unit_id) {
            slot.insert(state.store.public_unit(r.unit_id).await.map(|u| u.name).unwrap_or_default());
        }
        rows.push(ResponseView {
            id: r.id,
            at: text::format_timestamp_ms(r.submitted_at),
            unit: names[&r.unit_id].clone(),
            channel: Channel::parse(&r.channel).map_or("Khác", |c| c.label()),
            answers: form.questions().filter_map(|(_, q)| answers.get(&q.code).map(|a| (q.text.clone(), labels(r.unit_id, &q.code, a)))).collect(),
            flagged: r.flags != 0,
        });
    }
    let mut what: Vec<String> = period.map(|p| format!("Kỳ {}", p.label())).into_iter().collect();
    if let Some(name) = unit_name {
        what.push(name);
    }
    if let Some(q) = question.as_deref().and_then(|q| form.question(q)) {
        let chosen = query.option.as_deref().and_then(|o| q.kind.options().iter().find(|c| c.code == o)).map(|c| format!(": «{}»", c.label));
        what.push(format!("trả lời câu «{}»{}", q.text, chosen.unwrap_or_default()));
    }
    if let Some(c) = selection.channel {
        what.push(c.label().to_string());
    }
    if let Some(staff) = &filter.staff {
        let names = state.store.official_names(std::slice::from_ref(staff)).await?;
        what.push(format!("công chức {}", names.get(staff).unwrap_or(staff)));
    }
    if let Some(case) = query.case {
        what.push(format!("phiếu của vụ việc cảnh báo #{case}"));
    }
    let selected = DashboardQuery::string_of(&selection);
    let mut pager_query: Vec<(String, String)> = serde_urlencoded::from_str(&selected).unwrap_or_default();
    for (key, value) in [
        ("unit", query.unit.map(|u| u.to_string())),
        ("question", question),
        ("option", query.option),
        ("month", query.month),
        ("staff", query.staff),
        ("case", query.case.map(|c| c.to_string())),
    ] {
        if let Some(v) = value {
            pager_query.push((key.to_string(), v));
        }
    }
    let back = match filter.unit_id {
        Some(id) => format!("/admin/sipas/units/{id}?{selected}"),
        None => format!("/admin/sipas?{selected}"),
    };
    Ok(ResponsesPage {
        layout: Layout::admin(&user, "Phiếu trả lời", "/admin/sipas"),
        back,
        what: what.join(" · "),
        total: text::format_count(page.total as u64),
        rows,
        pager: crate::layout::Pager::new(
            page_number,
            PER_PAGE,
            page.total,
            &format!("/admin/sipas/responses?{}", serde_urlencoded::to_string(&pager_query).unwrap_or_default()),
        ),
    })
}

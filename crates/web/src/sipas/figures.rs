//! What the dashboards, their exports, the API and publications show, computed once: the
//! selection a query makes (questionnaire version, methodology version, months, channel, level),
//! then the province overview and a unit's drill-down from the counter cells.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use domain::auth::{Access, Permission};
use domain::sipas::compute;
use domain::sipas::index::{Figure, Report};
use domain::sipas::ranking::{change, meets, rank, roll_up};
use domain::surveys::{Channel, Counts, Layout, Questionnaire};
use domain::text;
use domain::units::{UnitId, UnitLevel, UnitTree};
use serde::{Deserialize, Serialize};
use storage::Paging;
use storage::responses::{Cell, CellFilter};
use storage::sipas::MethodologyVersion;
use storage::units::{Unit, UnitFilter};

use crate::AppState;
use crate::error::Failure;

/// The indicator name targets are kept under.
pub const INDICATOR: &str = "sipas";

/// A dashboard query as typed in the address bar (every field optional).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
pub struct DashboardQuery {
    /// Questionnaire version; the newest one with a methodology when absent.
    pub version: Option<i64>,
    /// Methodology version; the newest of the form's methodology when absent.
    pub methodology: Option<i64>,
    /// First month, mm/yyyy; January of this year when absent.
    pub from: Option<String>,
    /// Last month, mm/yyyy; this month when absent.
    pub to: Option<String>,
    pub channel: Option<String>,
    /// Level of the units ranked in the overview (department, vertical_agency, district, commune).
    pub level: Option<String>,
}

/// A query resolved against what exists and what the caller may see.
pub struct Selection {
    pub version_id: i64,
    pub form: Arc<Questionnaire>,
    pub layout: Arc<Layout>,
    pub methodology: MethodologyVersion,
    pub from: String,
    pub to: String,
    /// The period of the same length just before.
    pub previous: (String, String),
    pub channel: Option<Channel>,
    pub level: UnitLevel,
    /// Questionnaire versions the caller can choose from: (id, label).
    pub versions: Vec<(i64, String)>,
}

impl Selection {
    pub fn period_label(&self) -> String {
        if self.from == self.to { text::format_month(&self.from) } else { format!("{} – {}", text::format_month(&self.from), text::format_month(&self.to)) }
    }

    pub fn methodology_label(&self) -> String {
        format!("{} · phiên bản {}", self.methodology.methodology.name, self.methodology.version)
    }

    /// The query that reproduces this selection, for links.
    pub fn query(&self) -> DashboardQuery {
        DashboardQuery {
            version: Some(self.version_id),
            methodology: Some(self.methodology.id),
            from: Some(text::format_month(&self.from)),
            to: Some(text::format_month(&self.to)),
            channel: self.channel.map(|c| c.code().to_string()),
            level: Some(self.level.code().to_string()),
        }
    }

    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string(self.query()).unwrap_or_default()
    }

    fn filter(&self, from: &str, unit_id: Option<UnitId>) -> CellFilter {
        CellFilter {
            version_id: self.version_id,
            survey_id: None,
            from_month: Some(from.to_string()),
            to_month: Some(self.to.clone()),
            channel: self.channel.map(|c| c.code().to_string()),
            unit_id,
        }
    }

    fn report(&self, counts: &Counts) -> Report {
        compute(&self.form, &self.layout, &self.methodology.methodology, counts, None)
    }
}

/// Levels the overview can rank.
pub const LEVELS: [UnitLevel; 4] = [UnitLevel::Department, UnitLevel::VerticalAgency, UnitLevel::District, UnitLevel::Commune];

fn month_index(month: &str) -> Option<i32> {
    let (year, month) = month.split_once('-')?;
    Some(year.parse::<i32>().ok()? * 12 + month.parse::<i32>().ok()? - 1)
}

fn month_at(index: i32) -> String {
    format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1)
}

/// Every month from `from` to `to`.
pub fn months(from: &str, to: &str) -> Vec<String> {
    match (month_index(from), month_index(to)) {
        (Some(a), Some(b)) => (a..=b).map(month_at).collect(),
        _ => Vec::new(),
    }
}

/// The questionnaire versions of the caller's surveys that have an index methodology: (id, label).
pub async fn versions(state: &AppState, access: &Access) -> Result<Vec<(i64, String)>, Failure> {
    let mut versions: Vec<(i64, String)> = Vec::new();
    for survey in state.store.surveys(access).await? {
        if versions.iter().any(|(id, _)| *id == survey.version_id) {
            continue;
        }
        let form = state.survey_cache.form(state, survey.version_id).await?;
        if form.methodology.is_some() {
            versions.push((survey.version_id, format!("{} — {}", form.code, form.title)));
        }
    }
    Ok(versions)
}

/// Resolves a query: checks every field, fills the defaults.
pub async fn select(state: &AppState, access: &Access, query: &DashboardQuery) -> Result<Selection, Failure> {
    let versions = versions(state, access).await?;
    let version_id = match query.version {
        Some(v) if versions.iter().any(|(id, _)| *id == v) => v,
        Some(_) => return Err(Failure::not_found()),
        None => versions.first().map(|(id, _)| *id).ok_or_else(|| Failure::invalid("Chưa có cuộc khảo sát nào dùng mẫu phiếu có phương pháp tính chỉ số."))?,
    };
    let form = state.survey_cache.form(state, version_id).await?;
    let code = form.methodology.clone().unwrap_or_default();
    let methodology = match query.methodology {
        Some(id) => {
            let chosen = state.store.methodology(id).await?;
            if chosen.methodology.code != code {
                return Err(Failure::invalid(format!("Phương pháp đã chọn không dùng cho mẫu phiếu này (cần «{code}»).")));
            }
            chosen
        }
        None => state.store.current_methodology(&code).await.map_err(|_| Failure::invalid(format!("Chưa có phương pháp tính «{code}».")))?,
    };
    let now = text::vn_datetime(state.clock.now_ms());
    let month = |value: &Option<String>| match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text::parse_month(v).map(Some).ok_or_else(|| Failure::invalid(format!("Tháng «{v}» không hợp lệ; dùng dạng mm/yyyy."))),
    };
    let from = month(&query.from)?.unwrap_or_else(|| format!("{:04}-01", now.year()));
    let to = month(&query.to)?.unwrap_or_else(|| format!("{:04}-{:02}", now.year(), u8::from(now.month())));
    let (Some(a), Some(b)) = (month_index(&from), month_index(&to)) else { return Err(Failure::invalid("Kỳ không hợp lệ.")) };
    if a > b {
        return Err(Failure::invalid("Tháng đầu kỳ phải trước hoặc trùng tháng cuối kỳ."));
    }
    if b - a >= 120 {
        return Err(Failure::invalid("Một kỳ dài tối đa 10 năm."));
    }
    let previous = (month_at(2 * a - b - 1), month_at(a - 1));
    let channel = match query.channel.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(Channel::parse(c).ok_or_else(|| Failure::invalid(format!("Kênh «{c}» không hợp lệ.")))?),
    };
    let level = match query.level.as_deref().filter(|l| !l.is_empty()) {
        None => UnitLevel::Department,
        Some(l) => UnitLevel::parse(l).ok().filter(|l| LEVELS.contains(l)).ok_or_else(|| Failure::invalid(format!("Cấp đơn vị «{l}» không hợp lệ.")))?,
    };
    let layout = state.survey_cache.layout(state, version_id).await?;
    Ok(Selection { version_id, form, layout, methodology, from, to, previous, channel, level, versions })
}

/// One unit's line in a ranked table.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    pub unit_id: UnitId,
    pub code: String,
    pub name: String,
    pub figure: Figure,
    /// Element (or part) values in the order of [`Overview::columns`].
    pub columns: Vec<Option<f64>>,
    pub rank: Option<u32>,
    pub previous: Option<f64>,
    pub change: Option<f64>,
    pub target: Option<f64>,
    pub meets_target: Option<bool>,
}

/// The ranked table of one level and the total of the caller's area.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Overview {
    pub period: String,
    pub from: String,
    pub to: String,
    pub methodology: String,
    pub methodology_id: i64,
    pub rules: String,
    pub level: String,
    /// (code, label) of the columns after the overall index.
    pub columns: Vec<(String, String)>,
    pub total: Row,
    pub rows: Vec<Row>,
}

/// The element (or, with parts, part) figures shown as columns.
fn columns(report: &Report) -> Vec<(String, String, Option<f64>)> {
    if report.parts.is_empty() {
        report.elements.iter().map(|e| (e.code.clone(), e.label.clone(), e.figure.value)).collect()
    } else {
        report.parts.iter().map(|p| (p.code.clone(), p.label.clone(), p.figure.value)).collect()
    }
}

/// Every unit the caller may read results of, as a tree, and the cells of a selection split
/// into this period's and the previous period's.
struct Loaded {
    units: Vec<Unit>,
    tree: UnitTree,
    current: Vec<Cell>,
    previous: Vec<Cell>,
}

async fn load(state: &AppState, access: &Access, selection: &Selection, unit_id: Option<UnitId>) -> Result<Loaded, Failure> {
    let roots = access.roots(Permission::ViewResults);
    let units = state.store.units(&roots, &UnitFilter::default(), Paging::ALL).await?.items;
    let tree = UnitTree::new(units.iter().map(|u| (u.id, u.parent_id)));
    let cells = state.store.cells(access, &selection.filter(&selection.previous.0, unit_id), &selection.layout).await?;
    let (current, previous) = cells.into_iter().partition(|c| c.month >= selection.from);
    Ok(Loaded { units, tree, current, previous })
}

fn totals(cells: &[Cell], tree: &UnitTree) -> HashMap<UnitId, Counts> {
    roll_up(cells.iter().map(|c| (c.unit_id, c.counts.as_ref())), tree)
}

fn row(selection: &Selection, unit: &Unit, counts: Option<&Counts>, previous: Option<&Counts>, target: Option<f64>) -> Row {
    let zero = Counts::zero(&selection.layout);
    let report = selection.report(counts.unwrap_or(&zero));
    let previous = previous.and_then(|c| selection.report(c).overall.value);
    Row {
        unit_id: unit.id,
        code: unit.code.clone(),
        name: unit.name.clone(),
        columns: columns(&report).into_iter().map(|(_, _, v)| v).collect(),
        rank: None,
        change: change(report.overall.value, previous),
        meets_target: meets(report.overall.value, target),
        previous,
        target,
        figure: report.overall,
    }
}

/// Ranks rows in place and orders them: ranked first by rank, then the rest by name.
fn rank_rows(rows: &mut [Row]) {
    let ranks = rank(&rows.iter().map(|r| r.figure.value).collect::<Vec<_>>());
    for (row, r) in rows.iter_mut().zip(ranks) {
        row.rank = r;
    }
    rows.sort_by(|a, b| match (a.rank, b.rank) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| text::sort_key(&a.name).cmp(&text::sort_key(&b.name))),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => text::sort_key(&a.name).cmp(&text::sort_key(&b.name)),
    });
}

/// Whether a unit belongs in a table of the period: in force during it, or with responses.
fn in_period(unit: &Unit, selection: &Selection, has_data: bool) -> bool {
    let month = |date: time::Date| text::iso_date(date)[..7].to_string();
    has_data || (month(unit.validity.from) <= selection.to && unit.validity.to.is_none_or(|to| month(to) >= selection.from))
}

async fn target_map(state: &AppState, access: &Access, selection: &Selection) -> Result<HashMap<UnitId, f64>, Failure> {
    let year: i64 = selection.to[..4].parse().unwrap_or(0);
    Ok(state.store.targets(access, year, INDICATOR).await?.into_iter().map(|t| (t.unit_id, t.target)).collect())
}

/// The province overview: units of the chosen level ranked, with the total of the caller's area.
pub async fn overview(state: &AppState, access: &Access, selection: &Selection) -> Result<Overview, Failure> {
    let loaded = load(state, access, selection, None).await?;
    let current = totals(&loaded.current, &loaded.tree);
    let previous = totals(&loaded.previous, &loaded.tree);
    let targets = target_map(state, access, selection).await?;
    // The caller's own area: the province for the reform office, a commune for its officials.
    let root = access.roots(Permission::ViewResults).first().copied().ok_or_else(Failure::forbidden)?;
    let top = loaded.units.iter().find(|u| u.id == root).ok_or_else(Failure::not_found)?;
    let mut rows: Vec<Row> = loaded
        .units
        .iter()
        .filter(|u| u.level == selection.level && in_period(u, selection, current.contains_key(&u.id)))
        .map(|u| row(selection, u, current.get(&u.id), previous.get(&u.id), targets.get(&u.id).copied()))
        .collect();
    rank_rows(&mut rows);
    let zero = Counts::zero(&selection.layout);
    let report = selection.report(current.get(&top.id).unwrap_or(&zero));
    Ok(Overview {
        period: selection.period_label(),
        from: selection.from.clone(),
        to: selection.to.clone(),
        methodology: selection.methodology_label(),
        methodology_id: selection.methodology.id,
        rules: rules_label(&report),
        level: selection.level.label().to_string(),
        columns: columns(&report).into_iter().map(|(code, label, _)| (code, label)).collect(),
        total: row(selection, top, current.get(&top.id), previous.get(&top.id), targets.get(&top.id).copied()),
        rows,
    })
}

pub fn rules_label(report: &Report) -> String {
    // "Tỷ lệ …" read inside a sentence: only the first letter goes down (codes keep their case).
    let inline = |rule: &domain::sipas::Rule| {
        let label = rule.label();
        let mut chars = label.chars();
        chars.next().map_or_else(String::new, |first| first.to_lowercase().chain(chars).collect())
    };
    let mut parts = vec![format!("Chỉ số yếu tố: {}", inline(&report.element_rule))];
    if !report.parts.is_empty() {
        parts.push(format!("chỉ số phần: {}", inline(&report.part_rule)));
    }
    parts.push(format!("chỉ số chung: {}", inline(&report.overall_rule)));
    parts.join("; ")
}

/// A figure over some slice of a unit's cells: a month, a channel, a counter officer.
#[derive(Clone, Debug, Serialize)]
pub struct Slice {
    pub key: String,
    pub label: String,
    pub figure: Figure,
}

/// One unit in depth.
pub struct Drilldown {
    pub unit: Unit,
    pub report: Report,
    pub previous: Option<f64>,
    pub target: Option<f64>,
    pub children: Vec<Row>,
    pub trend: Vec<Slice>,
    pub channels: Vec<Slice>,
    pub staff: Vec<Slice>,
}

fn slices(selection: &Selection, cells: &[Cell], key: impl Fn(&Cell) -> Option<String>) -> BTreeMap<String, Counts> {
    let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
    for cell in cells {
        if let Some(k) = key(cell) {
            groups.entry(k).or_insert_with(|| Counts::zero(&selection.layout)).add(&cell.counts);
        }
    }
    groups
}

pub async fn drilldown(state: &AppState, access: &Access, selection: &Selection, unit_id: UnitId) -> Result<Drilldown, Failure> {
    let unit = state.store.unit(access, unit_id).await?;
    if !access.can(Permission::ViewResults, &state.store.unit_ancestry(unit_id).await?) {
        return Err(Failure::not_found());
    }
    let loaded = load(state, access, selection, Some(unit_id)).await?;
    let current = totals(&loaded.current, &loaded.tree);
    let previous = totals(&loaded.previous, &loaded.tree);
    let targets = target_map(state, access, selection).await?;
    let zero = Counts::zero(&selection.layout);
    let report = selection.report(current.get(&unit_id).unwrap_or(&zero));
    let mut children: Vec<Row> = loaded
        .units
        .iter()
        .filter(|u| u.parent_id == Some(unit_id) && in_period(u, selection, current.contains_key(&u.id)))
        .map(|u| row(selection, u, current.get(&u.id), previous.get(&u.id), targets.get(&u.id).copied()))
        .collect();
    rank_rows(&mut children);
    let by_month = slices(selection, &loaded.current, |c| Some(c.month.clone()));
    let trend = months(&selection.from, &selection.to)
        .into_iter()
        .map(|m| Slice { label: text::format_month(&m), figure: selection.report(by_month.get(&m).unwrap_or(&zero)).overall, key: m })
        .collect();
    let channels = slices(selection, &loaded.current, |c| Some(c.channel.clone()))
        .into_iter()
        .map(|(code, counts)| Slice {
            label: Channel::parse(&code).map_or_else(|| code.clone(), |c| c.label().to_string()),
            figure: selection.report(&counts).overall,
            key: code,
        })
        .collect();
    let staff = slices(selection, &loaded.current, |c| (!c.staff.is_empty()).then(|| c.staff.clone()))
        .into_iter()
        .map(|(code, counts)| Slice { label: code.clone(), figure: selection.report(&counts).overall, key: code })
        .collect();
    Ok(Drilldown {
        previous: previous.get(&unit_id).and_then(|c| selection.report(c).overall.value),
        target: targets.get(&unit_id).copied(),
        unit,
        report,
        children,
        trend,
        channels,
        staff,
    })
}

/// `91,3` — an index as shown, or a dash when there is none.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| text::format_number(v, 1))
}

/// `± 2,4` — a margin of error as shown.
pub fn margin(figure: &Figure) -> String {
    figure.margin.map_or_else(String::new, |m| format!("± {}", text::format_number(m, 1)))
}

/// `+1,5` / `-0,8` — a change in percentage points.
pub fn signed(value: Option<f64>) -> String {
    match value {
        Some(v) if v > 0.0 => format!("+{}", text::format_number(v, 1)),
        Some(v) => text::format_number(v, 1),
        None => "–".to_string(),
    }
}

//! The figures everything shows — dashboards, their exports, the API, publications, the PAR
//! measured points — computed from counter cells in one place: the overview that ranks one
//! level's units with the total of the caller's area, and one unit in depth.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::index::{Figure, Report, compute};
use super::methodology::{Methodology, Rule};
use super::ranking::{change, meets, rank, roll_up};
use crate::calendar::Month;
use crate::surveys::{Cell, Channel, Counts, Layout, Questionnaire};
use crate::text;
use crate::units::{Unit, UnitId, UnitLevel, UnitTree};

/// The indicator name targets are kept under.
pub const INDICATOR: &str = "sipas";

/// Levels the overview can rank.
pub const LEVELS: [UnitLevel; 4] = [UnitLevel::Department, UnitLevel::VerticalAgency, UnitLevel::District, UnitLevel::Commune];

/// The level a ranking opens at: the caller's own peers. Someone over the whole province (or a
/// district) compares its departments; a commune's or an agency's officials their own level.
pub fn default_level(own: &[UnitLevel]) -> UnitLevel {
    match own.iter().copied().find(|level| LEVELS.contains(level)) {
        Some(level) if !own.contains(&UnitLevel::Province) => level,
        _ => UnitLevel::Department,
    }
}

/// The longest period a figure covers, in months.
pub const MAX_MONTHS: i32 = 120;

/// A span of months, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: Month,
    pub to: Month,
}

impl Period {
    pub fn new(from: Month, to: Month) -> Result<Self, String> {
        if from > to {
            return Err("Tháng đầu kỳ phải trước hoặc trùng tháng cuối kỳ.".into());
        }
        if to.since(from) >= MAX_MONTHS {
            return Err("Một kỳ dài tối đa 10 năm.".into());
        }
        Ok(Self { from, to })
    }

    /// From January to `month`: what a dashboard shows unless asked otherwise.
    pub fn year_to(month: Month) -> Self {
        Self { from: month.january(), to: month }
    }

    /// The period of the same length just before, for the change.
    pub fn previous(self) -> Self {
        let length = self.to.since(self.from) + 1;
        Self { from: self.from.plus(-length), to: self.from.plus(-1) }
    }

    pub fn months(self) -> impl Iterator<Item = Month> {
        self.from.through(self.to)
    }

    /// Whether answers may still come for the period in `today`'s month: its figures would
    /// change after they were published.
    pub fn unfinished(self, today: Month) -> bool {
        self.to >= today
    }

    /// `03/2026` or `01/2026 – 03/2026`.
    pub fn label(self) -> String {
        if self.from == self.to { self.from.to_string() } else { format!("{} – {}", self.from, self.to) }
    }
}

/// What figures are computed with: the questionnaire, the methodology version, the period, the
/// channel (all when none) and the level the overview ranks.
#[derive(Clone, Copy, Debug)]
pub struct Basis<'a> {
    pub form: &'a Questionnaire,
    pub layout: &'a Layout,
    pub methodology: &'a Methodology,
    /// The stored version of the methodology, named with every figure.
    pub methodology_id: i64,
    pub methodology_version: i64,
    pub period: Period,
    pub channel: Option<Channel>,
    pub level: UnitLevel,
}

impl Basis<'_> {
    pub fn methodology_label(&self) -> String {
        format!("{} · phiên bản {}", self.methodology.name, self.methodology_version)
    }

    fn report(&self, counts: &Counts) -> Report {
        compute(self.form, self.layout, self.methodology, counts, None)
    }
}

/// What figures are computed from: the units the caller may read results of, their cells (those
/// outside the basis's period, the one before it, or its channel are left aside), and the
/// targets of the period's year.
#[derive(Clone, Debug, Default)]
pub struct Data {
    pub units: Vec<Unit>,
    pub cells: Vec<Cell>,
    pub targets: HashMap<UnitId, f64>,
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
    pub from: Month,
    pub to: Month,
    pub methodology: String,
    pub methodology_id: i64,
    pub rules: String,
    pub level: String,
    /// (code, label) of the columns after the overall index.
    pub columns: Vec<(String, String)>,
    pub total: Row,
    pub rows: Vec<Row>,
}

/// A figure over some slice of a unit's cells: a month, a channel, a counter officer.
#[derive(Clone, Debug, Serialize)]
pub struct Slice {
    pub key: String,
    pub label: String,
    pub figure: Figure,
}

/// One unit in depth.
#[derive(Clone, Debug)]
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

/// The data summed per unit over its subtree, this period and the one before.
struct Totals<'a> {
    basis: &'a Basis<'a>,
    data: &'a Data,
    current: HashMap<UnitId, Counts>,
    previous: HashMap<UnitId, Counts>,
    zero: Counts,
}

impl<'a> Totals<'a> {
    fn new(basis: &'a Basis<'a>, data: &'a Data) -> Self {
        let tree = UnitTree::new(data.units.iter().map(|u| (u.id, u.parent_id)));
        let in_period = |period: Period| roll_up(data.cells.iter().filter(|c| counted(basis, c, period)).map(|c| (c.unit_id, c.counts.as_ref())), &tree);
        Self { basis, data, current: in_period(basis.period), previous: in_period(basis.period.previous()), zero: Counts::zero(basis.layout) }
    }

    fn report(&self, unit: UnitId) -> Report {
        self.basis.report(self.current.get(&unit).unwrap_or(&self.zero))
    }

    fn row(&self, unit: &Unit) -> Row {
        let report = self.report(unit.id);
        let previous = self.previous.get(&unit.id).and_then(|c| self.basis.report(c).overall.value);
        let target = self.data.targets.get(&unit.id).copied();
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

    /// The ranked rows of the units that pass `keep` and belong in the period.
    fn ranked(&self, keep: impl Fn(&Unit) -> bool) -> Vec<Row> {
        let mut rows: Vec<Row> =
            self.data.units.iter().filter(|u| keep(u) && in_period(u, self.basis.period, self.current.contains_key(&u.id))).map(|u| self.row(u)).collect();
        rank_rows(&mut rows);
        rows
    }
}

/// The overview of the level the basis names, with the total of `root` (the caller's area: the
/// province for the reform office, a commune for its officials); none if `root` is not among
/// the units.
pub fn overview(basis: &Basis<'_>, data: &Data, root: UnitId) -> Option<Overview> {
    let top = data.units.iter().find(|u| u.id == root)?;
    let totals = Totals::new(basis, data);
    let report = totals.report(root);
    Some(Overview {
        period: basis.period.label(),
        from: basis.period.from,
        to: basis.period.to,
        methodology: basis.methodology_label(),
        methodology_id: basis.methodology_id,
        rules: rules_label(&report),
        level: basis.level.label().to_string(),
        columns: columns(&report).into_iter().map(|(code, label, _)| (code, label)).collect(),
        total: totals.row(top),
        rows: totals.ranked(|u| u.level == basis.level),
    })
}

/// One unit in depth: its report, the units right below it ranked, its months, channels and
/// counter officers; none if the unit is not among the units.
pub fn drilldown(basis: &Basis<'_>, data: &Data, unit_id: UnitId) -> Option<Drilldown> {
    let unit = data.units.iter().find(|u| u.id == unit_id)?;
    let totals = Totals::new(basis, data);
    let period = basis.period;
    // The unit's subtree is what the data holds below it; the slices are of its own period.
    let subtree = UnitTree::new(data.units.iter().map(|u| (u.id, u.parent_id))).subtree(unit_id);
    let current: Vec<&Cell> = data.cells.iter().filter(|c| counted(basis, c, period) && subtree.contains(&c.unit_id)).collect();
    let figure = |counts: Option<&Counts>| basis.report(counts.unwrap_or(&totals.zero)).overall;
    let by_month = slices(basis, &current, |c| Some(c.month));
    let by_channel = slices(basis, &current, |c| Some(c.channel));
    let by_staff = slices(basis, &current, |c| (!c.staff.is_empty()).then(|| c.staff.clone()));
    Some(Drilldown {
        unit: unit.clone(),
        report: totals.report(unit_id),
        previous: totals.previous.get(&unit_id).and_then(|c| basis.report(c).overall.value),
        target: data.targets.get(&unit_id).copied(),
        children: totals.ranked(|u| u.parent_id == Some(unit_id)),
        trend: period.months().map(|m| Slice { key: m.iso(), label: m.to_string(), figure: figure(by_month.get(&m)) }).collect(),
        channels: by_channel.iter().map(|(c, counts)| Slice { key: c.code().into(), label: c.label().into(), figure: figure(Some(counts)) }).collect(),
        staff: by_staff.iter().map(|(code, counts)| Slice { key: code.clone(), label: code.clone(), figure: figure(Some(counts)) }).collect(),
    })
}

/// How many responses each unit's subtree got through each channel in the basis's period: the
/// sample and participation tables of the reports.
pub fn participation(basis: &Basis<'_>, data: &Data) -> HashMap<UnitId, BTreeMap<Channel, u64>> {
    let tree = UnitTree::new(data.units.iter().map(|u| (u.id, u.parent_id)));
    let mut own: HashMap<(UnitId, Channel), u64> = HashMap::new();
    for cell in data.cells.iter().filter(|c| counted(basis, c, basis.period)) {
        *own.entry((cell.unit_id, cell.channel)).or_default() += cell.counts.responses();
    }
    let mut totals: HashMap<UnitId, BTreeMap<Channel, u64>> = HashMap::new();
    for ((unit, channel), n) in own {
        for ancestor in tree.ancestors(unit) {
            *totals.entry(ancestor).or_default().entry(channel).or_default() += n;
        }
    }
    totals
}

/// Whether a cell counts in `period` for the basis: its month inside, its channel the one asked.
fn counted(basis: &Basis<'_>, cell: &Cell, period: Period) -> bool {
    cell.month >= period.from && cell.month <= period.to && basis.channel.is_none_or(|c| c == cell.channel)
}

/// The element (or, with parts, part) figures shown as columns.
fn columns(report: &Report) -> Vec<(String, String, Option<f64>)> {
    if report.parts.is_empty() {
        report.elements.iter().map(|e| (e.code.clone(), e.label.clone(), e.figure.value)).collect()
    } else {
        report.parts.iter().map(|p| (p.code.clone(), p.label.clone(), p.figure.value)).collect()
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
fn in_period(unit: &Unit, period: Period, has_data: bool) -> bool {
    has_data || (Month::of(unit.validity.from) <= period.to && unit.validity.to.is_none_or(|to| Month::of(to) >= period.from))
}

fn slices<K: Ord>(basis: &Basis<'_>, cells: &[&Cell], key: impl Fn(&Cell) -> Option<K>) -> BTreeMap<K, Counts> {
    let mut groups: BTreeMap<K, Counts> = BTreeMap::new();
    for cell in cells {
        if let Some(k) = key(cell) {
            groups.entry(k).or_insert_with(|| Counts::zero(basis.layout)).add(&cell.counts);
        }
    }
    groups
}

/// The rules of a report in words: `Chỉ số yếu tố: tỷ lệ …; chỉ số chung: …`.
pub fn rules_label(report: &Report) -> String {
    // "Tỷ lệ …" read inside a sentence: only the first letter goes down (codes keep their case).
    let inline = |rule: &Rule| {
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

#[cfg(test)]
#[path = "figures_tests.rs"]
mod tests;

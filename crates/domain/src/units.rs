//! Administrative units: levels, codes, validity periods, the parent tree and lineage links.
//!
//! Units are never rewritten when the map changes: a unit keeps its validity period and new units
//! are linked to the ones they replace, so a 2023 figure stays with the 2023 unit and can still be
//! rolled up onto today's units (METHODOLOGY §4).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::text;

pub type UnitId = i64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    Province,
    Department,
    VerticalAgency,
    District,
    Commune,
}

impl UnitLevel {
    pub const ALL: [UnitLevel; 5] = [Self::Province, Self::Department, Self::VerticalAgency, Self::District, Self::Commune];

    pub fn code(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::Department => "department",
            Self::VerticalAgency => "vertical_agency",
            Self::District => "district",
            Self::Commune => "commune",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Province => "Cấp tỉnh",
            Self::Department => "Sở, ban, ngành",
            Self::VerticalAgency => "Cơ quan ngành dọc",
            Self::District => "Cấp huyện",
            Self::Commune => "Cấp xã",
        }
    }

    /// The units of the level as a sentence names them: "hạng 3/8 trong các xã, phường".
    pub fn plural(self) -> &'static str {
        match self {
            Self::Province => "tỉnh, thành phố",
            Self::Department => "sở, ban, ngành",
            Self::VerticalAgency => "cơ quan ngành dọc",
            Self::District => "huyện, thị xã, thành phố",
            Self::Commune => "xã, phường",
        }
    }

    /// Reads the storage code or any usual Vietnamese name of the level, with or without accents.
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let key = text::fold(input).replace(['_', '-'], " ");
        let level = match key.as_str() {
            "province" | "tinh" | "cap tinh" | "thanh pho truc thuoc trung uong" => Self::Province,
            "department" | "so" | "so, ban, nganh" | "so ban nganh" | "ban" | "nganh" => Self::Department,
            "vertical agency" | "nganh doc" | "co quan nganh doc" => Self::VerticalAgency,
            "district" | "huyen" | "cap huyen" => Self::District,
            "commune" | "xa" | "cap xa" | "phuong" | "dac khu" => Self::Commune,
            _ => return Err(UnitError::UnknownLevel(input.trim().to_string())),
        };
        Ok(level)
    }

    /// The levels a unit of this level may hang under. Communes sat under districts until
    /// 30/06/2025 and sit directly under the province since the two-tier reform.
    pub fn allowed_parents(self) -> &'static [UnitLevel] {
        match self {
            Self::Province => &[],
            Self::Department | Self::VerticalAgency | Self::District => &[Self::Province],
            Self::Commune => &[Self::District, Self::Province],
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitError {
    #[error("Mã đơn vị «{0}» không hợp lệ: chỉ dùng chữ cái không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới; tối đa 32 ký tự.")]
    InvalidCode(String),
    #[error("Tên đơn vị không được để trống và không dài quá 200 ký tự.")]
    InvalidName,
    #[error("Cấp đơn vị «{0}» không hợp lệ; dùng một trong: tỉnh, sở/ban/ngành, ngành dọc, huyện, xã.")]
    UnknownLevel(String),
    #[error("Ngày «{0}» không hợp lệ; nhập theo dạng dd/mm/yyyy.")]
    InvalidDate(String),
    #[error("Đơn vị {level} phải trực thuộc một đơn vị cấp trên.", level = .0.label().to_lowercase())]
    ParentRequired(UnitLevel),
    #[error("Đơn vị cấp tỉnh không trực thuộc đơn vị nào trong hệ thống.")]
    ParentNotAllowed,
    #[error("Đơn vị «{child}» không thể trực thuộc đơn vị «{parent}».", child = .child.label(), parent = .parent.label())]
    WrongParentLevel { child: UnitLevel, parent: UnitLevel },
    #[error("Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực.")]
    InvalidPeriod,
    #[error("Thời gian hiệu lực phải nằm trong thời gian hiệu lực của đơn vị cấp trên.")]
    OutsideParentPeriod,
    #[error("Không thể đặt một đơn vị trực thuộc chính nó hoặc đơn vị cấp dưới của nó.")]
    ParentCycle,
    #[error("Một đơn vị không thể là tiền thân của chính nó.")]
    LineageSelf,
    #[error("Đơn vị tiền thân phải còn hiệu lực vào ngày trước ngày sắp xếp, và đơn vị kế thừa phải có hiệu lực từ ngày sắp xếp.")]
    LineageDates,
    #[error("Liên kết này tạo thành vòng lặp trong lịch sử sắp xếp đơn vị.")]
    LineageCycle,
    #[error("Tỷ lệ dân số chuyển sang phải lớn hơn 0 và không quá 100%.")]
    LineageShare,
    #[error("Liên kết sắp xếp này đã có.")]
    LineageDuplicate,
}

/// A unit code such as `01`, `SNV` or `26734`: ASCII letters, digits and `._-`, 1 to 32 long.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let code = input.trim();
        let ok = (1..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok { Ok(Self(code.to_string())) } else { Err(UnitError::InvalidCode(code.to_string())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit's name: NFC-normalised, non-empty, at most 200 characters.
pub fn parse_name(input: &str) -> Result<String, UnitError> {
    let name = text::clean(input);
    if name.is_empty() || name.chars().count() > 200 { Err(UnitError::InvalidName) } else { Ok(name) }
}

/// Where and when a citizen finds a unit: kept apart from the register (a unit list imported
/// from the national catalogue carries none of it, and so never wipes it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub address: String,
    pub phone: String,
    /// Giờ làm việc, as the unit writes it ("Sáng 7:30–11:30, chiều 13:30–17:00, thứ Hai đến thứ Sáu").
    pub hours: String,
}

impl Contact {
    /// The contact with its text cleaned, or every problem in it, in Vietnamese.
    pub fn checked(self) -> Result<Self, Vec<String>> {
        let contact = Self { address: text::clean(&self.address), phone: text::clean(&self.phone), hours: text::clean(&self.hours) };
        let mut problems = Vec::new();
        if contact.address.chars().count() > 300 {
            problems.push("Địa chỉ dài quá 300 ký tự.".to_string());
        }
        let phone_ok = contact.phone.chars().count() <= 40 && contact.phone.chars().all(|c| c.is_ascii_digit() || " +().-,/".contains(c));
        if !phone_ok {
            problems.push("Số điện thoại chỉ gồm chữ số và các dấu + ( ) . - , / (tối đa 40 ký tự).".into());
        }
        if contact.hours.chars().count() > 300 {
            problems.push("Giờ làm việc dài quá 300 ký tự.".into());
        }
        if problems.is_empty() { Ok(contact) } else { Err(problems) }
    }

    pub fn is_empty(&self) -> bool {
        self.address.is_empty() && self.phone.is_empty() && self.hours.is_empty()
    }

    /// The first number of the telephone as a `tel:` link dials it.
    pub fn tel(&self) -> String {
        self.phone.split([',', '/']).next().unwrap_or("").chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()
    }
}

/// A unit as registered: its place in the tree and the days it is in force.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    pub id: UnitId,
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub parent_id: Option<UnitId>,
    pub parent_name: Option<String>,
    pub parent_code: Option<String>,
    pub validity: Validity,
}

impl Unit {
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.validity.contains(date)
    }
}

/// A closed period of validity; `to = None` means still in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub from: Date,
    pub to: Option<Date>,
}

impl Validity {
    pub fn new(from: Date, to: Option<Date>) -> Result<Self, UnitError> {
        match to {
            Some(to) if to < from => Err(UnitError::InvalidPeriod),
            _ => Ok(Self { from, to }),
        }
    }

    pub fn contains(&self, date: Date) -> bool {
        self.from <= date && self.to.is_none_or(|to| date <= to)
    }

    /// Whether every day of `inner` lies in `self`.
    pub fn covers(&self, inner: &Validity) -> bool {
        self.from <= inner.from
            && match (self.to, inner.to) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(outer), Some(inner)) => inner <= outer,
            }
    }
}

/// What a placement check needs to know about the intended parent.
#[derive(Clone, Copy, Debug)]
pub struct ParentFacts {
    pub level: UnitLevel,
    pub validity: Validity,
}

/// Whether a unit of `level` valid during `validity` may sit under `parent`.
pub fn check_placement(level: UnitLevel, validity: &Validity, parent: Option<ParentFacts>) -> Result<(), UnitError> {
    match parent {
        None if level.allowed_parents().is_empty() => Ok(()),
        None => Err(UnitError::ParentRequired(level)),
        Some(_) if level.allowed_parents().is_empty() => Err(UnitError::ParentNotAllowed),
        Some(p) if !level.allowed_parents().contains(&p.level) => Err(UnitError::WrongParentLevel { child: level, parent: p.level }),
        Some(p) if !p.validity.covers(validity) => Err(UnitError::OutsideParentPeriod),
        Some(_) => Ok(()),
    }
}

/// The parent links of all units, for subtree questions.
#[derive(Clone, Debug, Default)]
pub struct UnitTree {
    parent: HashMap<UnitId, Option<UnitId>>,
}

impl UnitTree {
    pub fn new(pairs: impl IntoIterator<Item = (UnitId, Option<UnitId>)>) -> Self {
        Self { parent: pairs.into_iter().collect() }
    }

    /// `unit`, its parent, its grandparent… up to the root. Stops on a (corrupt) cycle.
    pub fn ancestors(&self, unit: UnitId) -> Vec<UnitId> {
        let mut chain = vec![unit];
        let mut current = unit;
        while let Some(Some(parent)) = self.parent.get(&current) {
            if chain.contains(parent) {
                break;
            }
            chain.push(*parent);
            current = *parent;
        }
        chain
    }

    pub fn is_within(&self, unit: UnitId, root: UnitId) -> bool {
        self.ancestors(unit).contains(&root)
    }

    /// `root` and every unit below it.
    pub fn subtree(&self, root: UnitId) -> HashSet<UnitId> {
        let mut children: HashMap<UnitId, Vec<UnitId>> = HashMap::new();
        for (&child, parent) in &self.parent {
            if let Some(parent) = parent {
                children.entry(*parent).or_default().push(child);
            }
        }
        let mut seen = HashSet::from([root]);
        let mut stack = vec![root];
        while let Some(unit) = stack.pop() {
            for &child in children.get(&unit).into_iter().flatten() {
                if seen.insert(child) {
                    stack.push(child);
                }
            }
        }
        seen
    }
}

/// The order of a tree drawn as a list: each unit followed by the units under it, with its depth
/// (0 for a unit whose parent is not in the list). Siblings keep the order they are given in, and
/// every unit is placed once, even under a (corrupt) cycle. Gives (index into `units`, depth).
pub fn tree_order(units: &[(UnitId, Option<UnitId>)]) -> Vec<(usize, usize)> {
    let present: HashSet<UnitId> = units.iter().map(|(id, _)| *id).collect();
    let mut children: HashMap<UnitId, Vec<usize>> = HashMap::new();
    let mut tops = Vec::new();
    for (n, (_, parent)) in units.iter().enumerate() {
        match parent.filter(|p| present.contains(p)) {
            Some(p) => children.entry(p).or_default().push(n),
            None => tops.push(n),
        }
    }
    let mut order = Vec::with_capacity(units.len());
    let mut placed = vec![false; units.len()];
    // Units caught in a cycle have no top: each one left starts a walk of its own.
    for start in tops.into_iter().chain(0..units.len()) {
        let mut stack = vec![(start, 0)];
        while let Some((n, depth)) = stack.pop() {
            if std::mem::replace(&mut placed[n], true) {
                continue;
            }
            order.push((n, depth));
            stack.extend(children.get(&units[n].0).into_iter().flatten().rev().map(|c| (*c, depth + 1)));
        }
    }
    order
}

/// "On `effective`, `share` of `predecessor` became (part of) `successor`."
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineageLink {
    pub predecessor: UnitId,
    pub successor: UnitId,
    pub effective: Date,
    /// Share of the predecessor's population that moved, in (0, 1]; `None` = split equally.
    pub share: Option<f64>,
}

/// Checks a new lineage link against the two units' periods and the links already recorded.
pub fn check_link(link: &LineageLink, predecessor: &Validity, successor: &Validity, existing: &[LineageLink]) -> Result<(), UnitError> {
    if link.predecessor == link.successor {
        return Err(UnitError::LineageSelf);
    }
    if link.share.is_some_and(|s| !(s > 0.0 && s <= 1.0)) {
        return Err(UnitError::LineageShare);
    }
    let day_before = link.effective - Duration::days(1);
    if !predecessor.contains(day_before) || !successor.contains(link.effective) {
        return Err(UnitError::LineageDates);
    }
    if existing.iter().any(|l| l.predecessor == link.predecessor && l.successor == link.successor) {
        return Err(UnitError::LineageDuplicate);
    }
    if reachable(link.successor, link.predecessor, existing) {
        return Err(UnitError::LineageCycle);
    }
    Ok(())
}

fn reachable(from: UnitId, to: UnitId, links: &[LineageLink]) -> bool {
    let mut seen = HashSet::from([from]);
    let mut stack = vec![from];
    while let Some(unit) = stack.pop() {
        if unit == to {
            return true;
        }
        for l in links.iter().filter(|l| l.predecessor == unit) {
            if seen.insert(l.successor) {
                stack.push(l.successor);
            }
        }
    }
    false
}

/// The units that carry `unit` on `date`, each with the share of `unit` it inherited, following
/// merges and splits in force by then. A unit untouched by reorganisation maps to itself with 1.
pub fn successors_on(unit: UnitId, date: Date, links: &[LineageLink]) -> BTreeMap<UnitId, f64> {
    let mut result = BTreeMap::new();
    spread(unit, 1.0, date, links, &mut result, 0);
    result
}

fn spread(unit: UnitId, weight: f64, date: Date, links: &[LineageLink], out: &mut BTreeMap<UnitId, f64>, depth: usize) {
    let outgoing: Vec<&LineageLink> = links.iter().filter(|l| l.predecessor == unit && l.effective <= date).collect();
    // Depth guard: links are checked acyclic on entry, this only protects against corrupt data.
    if outgoing.is_empty() || depth > 64 {
        *out.entry(unit).or_insert(0.0) += weight;
        return;
    }
    let explicit: f64 = outgoing.iter().filter_map(|l| l.share).sum();
    let implicit = outgoing.iter().filter(|l| l.share.is_none()).count();
    // Shares given explicitly are normalised so that nothing is created or lost on the way.
    let rest = (1.0 - explicit).max(0.0);
    let total = explicit + if implicit > 0 { rest } else { 0.0 };
    for link in outgoing {
        let part = link.share.unwrap_or(if implicit > 0 { rest / implicit as f64 } else { 0.0 });
        let part = if total > 0.0 { part / total } else { 1.0 / implicit.max(1) as f64 };
        spread(link.successor, weight * part, date, links, out, depth + 1);
    }
}

/// One unit as read from an import file, with its line number for error messages.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RawUnitRow {
    pub line: usize,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: String,
    pub valid_from: String,
    pub valid_to: String,
    /// Codes of the units this one replaces, separated by `;` or `,`.
    pub predecessors: String,
}

/// An import row after parsing: every field typed and checked on its own.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitRecord {
    pub code: UnitCode,
    pub name: String,
    pub level: UnitLevel,
    pub parent_code: Option<UnitCode>,
    pub validity: Validity,
    pub predecessors: Vec<UnitCode>,
}

impl RawUnitRow {
    /// A row from its cells in the import order: code, name, level, parent code, valid from,
    /// valid to, predecessors.
    pub fn from_cells(line: usize, [code, name, level, parent_code, valid_from, valid_to, predecessors]: [&str; 7]) -> Self {
        Self {
            line,
            code: code.trim().into(),
            name: name.trim().into(),
            level: level.trim().into(),
            parent_code: parent_code.trim().into(),
            valid_from: valid_from.trim().into(),
            valid_to: valid_to.trim().into(),
            predecessors: predecessors.trim().into(),
        }
    }

    /// Parses every field, reporting all problems of the row at once.
    pub fn parse(&self) -> Result<UnitRecord, Vec<UnitError>> {
        let mut errors = Vec::new();
        fn keep<T>(errors: &mut Vec<UnitError>, result: Result<T, UnitError>) -> Option<T> {
            result.map_err(|e| errors.push(e)).ok()
        }
        let code = keep(&mut errors, UnitCode::parse(&self.code));
        let name = keep(&mut errors, parse_name(&self.name));
        let level = keep(&mut errors, UnitLevel::parse(&self.level));
        let parent_code = if self.parent_code.trim().is_empty() { Some(None) } else { keep(&mut errors, UnitCode::parse(&self.parent_code).map(Some)) };
        let from = keep(&mut errors, parse_required_date(&self.valid_from));
        let to = if self.valid_to.trim().is_empty() { Some(None) } else { keep(&mut errors, parse_required_date(&self.valid_to).map(Some)) };
        let validity = match (from, to) {
            (Some(from), Some(to)) => keep(&mut errors, Validity::new(from, to)),
            _ => None,
        };
        let predecessors: Option<Vec<UnitCode>> =
            self.predecessors.split([';', ',']).filter(|c| !c.trim().is_empty()).map(|c| keep(&mut errors, UnitCode::parse(c))).collect();
        match (code, name, level, parent_code, validity, predecessors) {
            (Some(code), Some(name), Some(level), Some(parent_code), Some(validity), Some(predecessors)) if errors.is_empty() => {
                Ok(UnitRecord { code, name, level, parent_code, validity, predecessors })
            }
            _ => Err(errors),
        }
    }
}

fn parse_required_date(input: &str) -> Result<Date, UnitError> {
    text::parse_date(input).ok_or_else(|| UnitError::InvalidDate(input.trim().to_string()))
}

/// The columns of a unit import file, by field: the English key and the Vietnamese headings
/// officials write in Excel. Matching ignores case and accents.
const COLUMNS: [(&str, &[&str]); 7] = [
    ("code", &["ma", "ma don vi"]),
    ("name", &["ten", "ten don vi"]),
    ("level", &["cap", "cap don vi"]),
    ("parent_code", &["ma cap tren", "ma don vi cap tren", "ma don vi cha"]),
    ("valid_from", &["hieu luc tu", "tu ngay", "ngay hieu luc"]),
    ("valid_to", &["hieu luc den", "den ngay", "ngay het hieu luc"]),
    ("predecessors", &["tien than", "ma tien than", "ma don vi tien than"]),
];

/// Reads a table (header row first) into unit rows; line numbers count the header as line 1.
pub fn rows_from_table(table: &[Vec<String>]) -> Result<Vec<RawUnitRow>, String> {
    let Some((header, body)) = table.split_first() else {
        return Err("Tệp không có dữ liệu.".into());
    };
    let position = |field: &str, aliases: &[&str]| {
        header.iter().position(|h| {
            let key = text::fold(h).replace('_', " ");
            key == field.replace('_', " ") || aliases.contains(&key.as_str())
        })
    };
    let mut index = [None; 7];
    for (i, (field, aliases)) in COLUMNS.iter().enumerate() {
        index[i] = position(field, aliases);
    }
    let missing: Vec<&str> = COLUMNS.iter().zip(&index).take(5).filter(|(_, i)| i.is_none()).map(|((f, _), _)| *f).collect();
    if !missing.is_empty() {
        return Err(format!(
            "Thiếu cột bắt buộc: {}. Dòng đầu tiên phải là tiêu đề cột (code, name, level, parent_code, valid_from, valid_to, predecessors).",
            missing.join(", ")
        ));
    }
    fn cell(row: &[String], column: Option<usize>) -> &str {
        column.and_then(|c| row.get(c)).map(String::as_str).unwrap_or("")
    }
    Ok(body
        .iter()
        .enumerate()
        .filter(|(_, row)| row.iter().any(|c| !c.trim().is_empty()))
        .map(|(n, row)| RawUnitRow::from_cells(n + 2, std::array::from_fn(|i| cell(row, index[i]))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn period(from: Date, to: Option<Date>) -> Validity {
        Validity::new(from, to).unwrap()
    }

    #[test]
    fn level_names_parse_with_or_without_accents() {
        assert_eq!(UnitLevel::parse("Xã").unwrap(), UnitLevel::Commune);
        assert_eq!(UnitLevel::parse("cap huyen").unwrap(), UnitLevel::District);
        assert_eq!(UnitLevel::parse("Sở, ban, ngành").unwrap(), UnitLevel::Department);
        assert_eq!(UnitLevel::parse("vertical_agency").unwrap(), UnitLevel::VerticalAgency);
        for level in UnitLevel::ALL {
            assert_eq!(UnitLevel::parse(level.code()).unwrap(), level);
            assert_eq!(UnitLevel::parse(level.label()).unwrap(), level);
        }
        assert!(matches!(UnitLevel::parse("thôn"), Err(UnitError::UnknownLevel(_))));
    }

    #[test]
    fn codes_are_checked() {
        assert_eq!(UnitCode::parse(" 26734 ").unwrap().as_str(), "26734");
        assert!(UnitCode::parse("SỞ").is_err());
        assert!(UnitCode::parse("").is_err());
        assert!(UnitCode::parse(&"x".repeat(33)).is_err());
        assert!(UnitCode::parse("a b").is_err());
    }

    #[test]
    fn communes_hang_under_districts_then_the_province() {
        let province = ParentFacts { level: UnitLevel::Province, validity: period(date!(2000 - 01 - 01), None) };
        let district = ParentFacts { level: UnitLevel::District, validity: period(date!(2000 - 01 - 01), Some(date!(2025 - 06 - 30))) };
        let old_commune = period(date!(2005 - 01 - 01), Some(date!(2025 - 06 - 30)));
        let new_commune = period(date!(2025 - 07 - 01), None);
        assert_eq!(check_placement(UnitLevel::Commune, &old_commune, Some(district)), Ok(()));
        assert_eq!(check_placement(UnitLevel::Commune, &new_commune, Some(province)), Ok(()));
        assert_eq!(check_placement(UnitLevel::Commune, &new_commune, Some(district)), Err(UnitError::OutsideParentPeriod));
        assert_eq!(check_placement(UnitLevel::Commune, &new_commune, None), Err(UnitError::ParentRequired(UnitLevel::Commune)));
        assert_eq!(check_placement(UnitLevel::Province, &new_commune, Some(province)), Err(UnitError::ParentNotAllowed));
        assert_eq!(
            check_placement(UnitLevel::District, &old_commune, Some(district)),
            Err(UnitError::WrongParentLevel { child: UnitLevel::District, parent: UnitLevel::District })
        );
    }

    #[test]
    fn periods_must_be_ordered() {
        assert_eq!(Validity::new(date!(2025 - 07 - 01), Some(date!(2025 - 06 - 30))), Err(UnitError::InvalidPeriod));
        assert!(Validity::new(date!(2025 - 07 - 01), Some(date!(2025 - 07 - 01))).is_ok());
    }

    #[test]
    fn a_merge_rolls_three_communes_into_one() {
        let old = period(date!(2000 - 01 - 01), Some(date!(2025 - 06 - 30)));
        let new = period(date!(2025 - 07 - 01), None);
        let effective = date!(2025 - 07 - 01);
        let mut links = Vec::new();
        for predecessor in [1, 2, 3] {
            let link = LineageLink { predecessor, successor: 10, effective, share: None };
            check_link(&link, &old, &new, &links).unwrap();
            links.push(link);
        }
        assert_eq!(successors_on(2, date!(2026 - 01 - 01), &links), BTreeMap::from([(10, 1.0)]));
        assert_eq!(successors_on(2, date!(2024 - 01 - 01), &links), BTreeMap::from([(2, 1.0)]));
        let back = LineageLink { predecessor: 10, successor: 1, effective: date!(2025 - 07 - 01), share: None };
        assert_eq!(check_link(&back, &new, &old, &links), Err(UnitError::LineageDates));
    }

    #[test]
    fn a_split_follows_the_shares() {
        let links = [
            LineageLink { predecessor: 1, successor: 2, effective: date!(2025 - 07 - 01), share: Some(0.25) },
            LineageLink { predecessor: 1, successor: 3, effective: date!(2025 - 07 - 01), share: Some(0.75) },
        ];
        assert_eq!(successors_on(1, date!(2025 - 07 - 01), &links), BTreeMap::from([(2, 0.25), (3, 0.75)]));
    }

    #[test]
    fn lineage_rejects_bad_links() {
        let always = period(date!(2000 - 01 - 01), None);
        let link = |p, s| LineageLink { predecessor: p, successor: s, effective: date!(2020 - 01 - 01), share: None };
        assert_eq!(check_link(&link(1, 1), &always, &always, &[]), Err(UnitError::LineageSelf));
        let existing = [link(1, 2), link(2, 3)];
        assert_eq!(check_link(&link(3, 1), &always, &always, &existing), Err(UnitError::LineageCycle));
        assert_eq!(check_link(&link(1, 2), &always, &always, &existing), Err(UnitError::LineageDuplicate));
        let bad_share = LineageLink { share: Some(1.5), ..link(1, 4) };
        assert_eq!(check_link(&bad_share, &always, &always, &existing), Err(UnitError::LineageShare));
    }

    #[test]
    fn import_rows_read_vietnamese_headings() {
        let table: Vec<Vec<String>> = vec![
            vec!["Mã", "Tên", "Cấp", "Mã cấp trên", "Hiệu lực từ", "Hiệu lực đến", "Mã tiền thân"],
            vec!["26734", "Xã An Phú", "xã", "01", "01/07/2025", "", "26701; 26702"],
            vec!["", "", "", "", "", "", ""],
            vec!["bad code", "", "thôn", "", "31/02/2025", "", ""],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(String::from).collect())
        .collect();
        let rows = rows_from_table(&table).unwrap();
        assert_eq!(rows.len(), 2);
        let first = rows[0].parse().unwrap();
        assert_eq!(first.level, UnitLevel::Commune);
        assert_eq!(first.parent_code.unwrap().as_str(), "01");
        assert_eq!(first.predecessors.len(), 2);
        assert_eq!(rows[1].line, 4);
        let errors = rows[1].parse().unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        let missing = rows_from_table(&[vec!["code".to_string()]]).unwrap_err();
        assert!(missing.contains("name"));
    }

    fn arb_tree() -> impl Strategy<Value = Vec<(UnitId, Option<UnitId>)>> {
        // Unit i (i ≥ 1) hangs under some unit j < i: a forest rooted at 0.
        prop::collection::vec(any::<prop::sample::Index>(), 1..60).prop_map(|picks| {
            let mut pairs = vec![(0, None)];
            for (i, pick) in picks.iter().enumerate() {
                let id = i as UnitId + 1;
                pairs.push((id, Some(pick.index(i + 1) as UnitId)));
            }
            pairs
        })
    }

    #[test]
    fn a_tree_is_listed_each_unit_under_its_parent() {
        // The province 1 with a department 2 and two communes 3 and 4 (4 under 1, 3 under 2 for
        // the sake of depth); 9 has a parent outside the list; 5 and 6 are each other's parent.
        let units = [(3, Some(2)), (1, None), (4, Some(1)), (2, Some(1)), (9, Some(42)), (5, Some(6)), (6, Some(5))];
        let listed: Vec<(UnitId, usize)> = tree_order(&units).into_iter().map(|(n, depth)| (units[n].0, depth)).collect();
        assert_eq!(listed, [(1, 0), (4, 1), (2, 1), (3, 2), (9, 0), (5, 0), (6, 1)]);
    }

    proptest! {
        #[test]
        fn tree_order_lists_each_unit_once_after_its_parent(pairs in arb_tree()) {
            let order = tree_order(&pairs);
            let mut seen: HashMap<UnitId, usize> = HashMap::new();
            for (n, depth) in &order {
                let (unit, parent) = pairs[*n];
                prop_assert!(seen.insert(unit, *depth).is_none());
                match parent.and_then(|p| seen.get(&p)) {
                    Some(parent_depth) => prop_assert_eq!(*depth, parent_depth + 1),
                    None => prop_assert_eq!(*depth, 0),
                }
            }
            prop_assert_eq!(order.len(), pairs.len());
        }

        #[test]
        fn subtree_agrees_with_ancestry(pairs in arb_tree(), root_pick in any::<prop::sample::Index>()) {
            let tree = UnitTree::new(pairs.clone());
            let root = root_pick.index(pairs.len()) as UnitId;
            let subtree = tree.subtree(root);
            for (unit, _) in &pairs {
                prop_assert_eq!(subtree.contains(unit), tree.is_within(*unit, root));
            }
            for unit in &subtree {
                prop_assert!(tree.ancestors(*unit).contains(&root));
            }
        }

        #[test]
        fn covers_means_every_day_is_contained(
            a in 0i64..400, alen in proptest::option::of(0i64..400),
            b in 0i64..400, blen in proptest::option::of(0i64..400),
        ) {
            let base = date!(2020 - 01 - 01);
            let outer = period(base + Duration::days(a), alen.map(|l| base + Duration::days(a + l)));
            let inner = period(base + Duration::days(b), blen.map(|l| base + Duration::days(b + l)));
            let every_day = (0..1200).map(|d| base + Duration::days(d))
                .filter(|d| inner.contains(*d))
                .all(|d| outer.contains(d));
            // An open-ended inner period only fits an open-ended outer one.
            let expected = every_day && (inner.to.is_some() || outer.to.is_none());
            prop_assert_eq!(outer.covers(&inner), expected);
        }

        #[test]
        fn lineage_conserves_the_whole(
            steps in prop::collection::vec((0usize..40, 1usize..4, proptest::option::of(0.05f64..1.0)), 1..30)
        ) {
            // Each step reorganises one existing unit into fresh successors, in date order.
            let mut links = Vec::new();
            let mut next_id: UnitId = 40;
            for (day, (pick, fanout, share)) in steps.into_iter().enumerate() {
                let effective = date!(2020 - 01 - 01) + Duration::days(day as i64 + 1);
                let predecessor = (pick as UnitId).min(next_id - 1);
                for _ in 0..fanout {
                    let link = LineageLink { predecessor, successor: next_id, effective, share };
                    next_id += 1;
                    links.push(link);
                }
            }
            for unit in 0..40 {
                let total: f64 = successors_on(unit, date!(2030 - 01 - 01), &links).values().sum();
                prop_assert!((total - 1.0).abs() < 1e-9, "unit {} spread to {}", unit, total);
            }
        }
    }

    #[test]
    fn a_contact_is_cleaned_and_checked() {
        let typed = Contact { address: "  Số 1  đường Lê Lợi ".into(), phone: "0235 3812 345".into(), hours: String::new() };
        let contact = typed.checked().unwrap();
        assert_eq!(contact.address, "Số 1 đường Lê Lợi");
        assert!(!contact.is_empty());
        assert_eq!(Contact { phone: "(0235) 3812.345, 3812 346".into(), ..Contact::default() }.tel(), "02353812345");
        let bad = Contact { phone: "gọi <script>".into(), address: "x".repeat(301), ..Contact::default() }.checked().unwrap_err();
        assert_eq!(bad.len(), 2);
        assert!(Contact::default().is_empty());
    }
}

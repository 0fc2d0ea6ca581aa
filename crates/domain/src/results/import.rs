//! Results typed into a spreadsheet, one file per index: a row per unit and edition, the
//! components as columns named as the template names them. Every row is checked on its own here;
//! whether its unit existed that year and whether the edition is already held is the store's to
//! check, and nothing is written unless every row passes.

use serde::{Deserialize, Serialize};

use super::{ComponentScore, Definition, IndexCode, NATIONAL_AVERAGE, Scope, definition, versions};
use crate::text::{clean, fold, format_date, parse_number};
use crate::units::Unit;
use time::{Date, Month};

const YEAR: &str = "Năm";
const SCOPE: &str = "Phạm vi";
const UNIT_CODE: &str = "Mã đơn vị";
const UNIT_NAME: &str = "Tên đơn vị";
const SCORE: &str = "Điểm";
const RANK: &str = "Xếp hạng";
const RANKED: &str = "Số đơn vị được xếp hạng";
const CLASS: &str = "Xếp loại";
const SOURCE: &str = "Văn bản công bố";

const FIXED: [&str; 9] = [YEAR, SCOPE, UNIT_CODE, UNIT_NAME, SCORE, RANK, RANKED, CLASS, SOURCE];
const REQUIRED: [&str; 5] = [YEAR, SCOPE, UNIT_CODE, SCORE, SOURCE];

/// Whose result a row is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    NationalAverage,
    Unit(String),
}

/// A row that passed its own checks.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRow {
    /// Line in the file, the header being line 1.
    pub line: usize,
    pub year: i32,
    pub version: &'static str,
    pub scope: Scope,
    pub target: Target,
    pub score: f64,
    pub rank: Option<u32>,
    pub ranked: Option<u32>,
    pub class: String,
    pub source: String,
    pub components: Vec<ComponentScore>,
}

/// Whether `unit` existed on some day of `year`, and so can hold a result of that edition.
pub fn existed_in(unit: &Unit, year: i32) -> Result<(), String> {
    let (Ok(first), Ok(last)) = (Date::from_calendar_date(year, Month::January, 1), Date::from_calendar_date(year, Month::December, 31)) else {
        return Err(format!("năm {year} không hợp lệ"));
    };
    if unit.validity.from > last {
        return Err(format!("đơn vị «{}» chỉ có từ {}, nên không có kết quả năm {year}", unit.code, format_date(unit.validity.from)));
    }
    match unit.validity.to {
        Some(to) if to < first => Err(format!("đơn vị «{}» đã thôi hoạt động từ {}, nên không có kết quả năm {year}", unit.code, format_date(to))),
        _ => Ok(()),
    }
}

/// The template's header for a version: the fixed columns, then the components.
pub fn header_for(definition: &Definition) -> Vec<String> {
    FIXED.iter().map(|s| s.to_string()).chain(definition.components.iter().map(|c| format!("{} ({})", c.name, c.code))).collect()
}

/// What a column holds.
#[derive(Clone, Copy)]
enum Column {
    Fixed(&'static str),
    Component(&'static str),
}

fn column(index: IndexCode, header: &str) -> Option<Column> {
    let key = fold(header);
    if let Some(fixed) = FIXED.iter().find(|f| fold(f) == key) {
        return Some(Column::Fixed(fixed));
    }
    versions(index).flat_map(|d| &d.components).find_map(|c| {
        let names = [fold(c.name), fold(c.code), fold(&format!("{} ({})", c.name, c.code))];
        names.contains(&key).then_some(Column::Component(c.code))
    })
}

/// The rows of a table whose first row is its header: the rows that pass their own checks, and
/// the problems of the others, each naming its line (so the store can check the passing rows
/// too and every problem is told at once). A header that is not the template's is refused as a
/// whole.
pub fn parse_table(index: IndexCode, table: &[Vec<String>]) -> Result<(Vec<ImportRow>, Vec<String>), Vec<String>> {
    let Some((header, body)) = table.split_first() else {
        return Err(vec!["Tệp trống: cần dòng tiêu đề theo mẫu và ít nhất một dòng số liệu.".into()]);
    };
    let mut columns = Vec::with_capacity(header.len());
    let mut problems = Vec::new();
    for (position, title) in header.iter().enumerate() {
        if title.trim().is_empty() {
            columns.push(None);
            continue;
        }
        match column(index, title) {
            Some(c) => columns.push(Some(c)),
            None => {
                problems.push(format!("Cột {} «{}» không có trong mẫu của {}.", position + 1, title.trim(), index.short()));
                columns.push(None);
            }
        }
    }
    for required in REQUIRED {
        if !columns.iter().flatten().any(|c| matches!(c, Column::Fixed(f) if *f == required)) {
            problems.push(format!("Thiếu cột «{required}»."));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    for (offset, cells) in body.iter().enumerate() {
        let line = offset + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match parse_row(index, &columns, cells) {
            Ok(mut row) => {
                row.line = line;
                rows.push(row);
            }
            Err(errors) => problems.extend(errors.into_iter().map(|e| format!("Dòng {line}: {e}"))),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        return Err(vec!["Tệp không có dòng số liệu nào dưới dòng tiêu đề.".into()]);
    }
    Ok((rows, problems))
}

fn parse_row(index: IndexCode, columns: &[Option<Column>], cells: &[String]) -> Result<ImportRow, Vec<String>> {
    let cell = |name: &str| -> &str {
        columns.iter().position(|c| matches!(c, Some(Column::Fixed(f)) if *f == name)).and_then(|i| cells.get(i)).map_or("", |s| s.trim())
    };
    let mut errors = Vec::new();
    let year = match cell(YEAR).parse::<i32>() {
        Ok(y) if (1990..=2100).contains(&y) => Some(y),
        _ => {
            errors.push(format!("năm «{}» không hợp lệ (cần 4 chữ số, ví dụ 2024).", cell(YEAR)));
            None
        }
    };
    let definition = year.and_then(|y| {
        let found = definition(index, y);
        if found.is_none() {
            let known: Vec<String> = versions(index).map(|d| format!("{} ({})", d.version, d.years())).collect();
            errors.push(format!("chưa có phương pháp {} cho năm {y}; các phiên bản đã có: {}.", index.short(), known.join("; ")));
        }
        found
    });
    let scope = Scope::parse(cell(SCOPE));
    if scope.is_none() {
        errors.push(format!("phạm vi «{}» không hợp lệ: ghi «Toàn quốc» (xếp hạng giữa các tỉnh) hoặc «Trong tỉnh».", cell(SCOPE)));
    }
    let code = cell(UNIT_CODE);
    let target = if fold(code) == fold(NATIONAL_AVERAGE) {
        if scope == Some(Scope::Provincial) {
            errors.push(format!("«{NATIONAL_AVERAGE}» chỉ dùng với phạm vi «Toàn quốc»."));
        }
        Target::NationalAverage
    } else if code.is_empty() {
        errors.push(format!("thiếu mã đơn vị (ghi «{NATIONAL_AVERAGE}» cho số liệu bình quân cả nước)."));
        Target::Unit(String::new())
    } else {
        Target::Unit(code.to_string())
    };
    let score = parse_number(cell(SCORE));
    match (score, definition) {
        (None, _) => errors.push(format!("điểm «{}» không phải là số.", cell(SCORE))),
        (Some(s), Some(d)) if !d.scale.contains(s) => {
            errors.push(format!("điểm {} nằm ngoài thang {} của {}.", crate::text::format_number(s, d.scale.decimals), d.scale.describe(), d.version))
        }
        _ => {}
    }
    let whole = |name: &str, errors: &mut Vec<String>| -> Option<u32> {
        let raw = cell(name);
        if raw.is_empty() {
            return None;
        }
        let parsed = raw.parse::<u32>().ok().filter(|n| *n > 0);
        if parsed.is_none() {
            errors.push(format!("{} «{raw}» phải là số nguyên dương.", name.to_lowercase()));
        }
        parsed
    };
    let rank = whole(RANK, &mut errors);
    let ranked = whole(RANKED, &mut errors);
    if let (Some(r), Some(n)) = (rank, ranked)
        && r > n
    {
        errors.push(format!("xếp hạng {r} lớn hơn số đơn vị được xếp hạng ({n})."));
    }
    let class = clean(cell(CLASS));
    if class.chars().count() > 50 {
        errors.push("xếp loại dài quá 50 ký tự.".into());
    }
    let source = clean(cell(SOURCE));
    if source.is_empty() {
        errors.push("thiếu văn bản công bố (số, ký hiệu của văn bản hoặc tên báo cáo).".into());
    } else if source.chars().count() > 300 {
        errors.push("văn bản công bố dài quá 300 ký tự.".into());
    }
    let mut components = Vec::new();
    for (position, column) in columns.iter().enumerate() {
        let Some(Column::Component(code)) = column else { continue };
        let raw = cells.get(position).map_or("", |s| s.trim());
        if raw.is_empty() {
            continue;
        }
        let Some(definition) = definition else { continue };
        let Some(component) = definition.components.iter().find(|c| c.code == *code) else {
            errors.push(format!("cột {}: năm {} tính theo {}, không có thành phần «{code}».", position + 1, year.unwrap_or_default(), definition.version));
            continue;
        };
        match parse_number(raw) {
            Some(value) if (0.0..=component.max.unwrap_or(definition.scale.max)).contains(&value) => {
                components.push(ComponentScore { code: component.code.into(), name: component.name.into(), score: value })
            }
            Some(_) => errors.push(format!(
                "«{}» = {raw} vượt quá mức tối đa {}.",
                component.name,
                crate::text::format_number(component.max.unwrap_or(definition.scale.max), 2)
            )),
            None => errors.push(format!("«{}» = «{raw}» không phải là số.", component.name)),
        }
    }
    match (year, definition, scope, score) {
        (Some(year), Some(definition), Some(scope), Some(score)) if errors.is_empty() => {
            Ok(ImportRow { line: 0, year, version: definition.version, scope, target, score, rank, ranked, class, source, components })
        }
        _ => Err(errors),
    }
}

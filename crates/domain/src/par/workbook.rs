//! A criteria tree as two tables, for officials who keep their trees in Excel: «Thông tin» (code,
//! title, year, level, caps) and «Tiêu chí» (one row per field, criterion, sub-criterion, bonus
//! or penalty item, in order; each criterion belongs to the field above it, each sub-criterion to
//! the criterion above it). Reading reports every mistake with its row.

use super::points::Points;
use super::tree::{Adjustment, Band, Criterion, Field, Item, Mapping, Module, Source, Tree};
use crate::text::{fold, format_number, parse_percent};
use crate::units::UnitLevel;

pub const INFO_SHEET: &str = "Thông tin";
pub const CRITERIA_SHEET: &str = "Tiêu chí";

pub const CRITERIA_HEADER: [&str; 9] =
    ["Mã", "Nội dung", "Loại", "Điểm tối đa", "Cần tài liệu kiểm chứng", "Nguồn điểm", "Yếu tố đo", "Quy đổi chỉ số ra điểm", "Cách chấm điểm"];

const FIELD: &str = "Lĩnh vực";
const CRITERION: &str = "Tiêu chí";
const ITEM: &str = "Tiêu chí thành phần";
const BONUS: &str = "Điểm thưởng";
const PENALTY: &str = "Điểm trừ";
const SELF: &str = "Tự chấm";

/// How a source is written in the table.
fn source_label(source: &Source) -> &'static str {
    match source {
        Source::SelfAssessed => SELF,
        Source::Measured { module, .. } => module.short_label(),
    }
}

fn yes_no(value: bool) -> String {
    if value { "có" } else { "không" }.into()
}

/// `50: 2; 70: 6; 90: 10` — from each index, so many points.
fn bands_text(bands: &[Band]) -> String {
    bands
        .iter()
        .map(|b| format!("{}: {}", format_number(b.at_least, 2).trim_end_matches('0').trim_end_matches(','), b.points.display()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The two tables, each with its header first.
pub fn to_tables(tree: &Tree) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let info = vec![
        vec!["Thông tin".into(), "Giá trị".into()],
        vec!["Mã".into(), tree.code.clone()],
        vec!["Tên".into(), tree.title.clone()],
        vec!["Năm".into(), tree.year.to_string()],
        vec!["Cấp đơn vị".into(), tree.level.label().into()],
        vec!["Trần điểm thưởng".into(), tree.bonus_cap.display()],
        vec!["Trần điểm trừ".into(), tree.penalty_cap.display()],
        vec!["Bộ mẫu".into(), yes_no(tree.template)],
    ];
    let mut rows = vec![CRITERIA_HEADER.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    let plain = |code: &str, name: &str, kind: &str, max: String, guide: &str| {
        vec![code.into(), name.into(), kind.into(), max, String::new(), String::new(), String::new(), String::new(), guide.into()]
    };
    for field in &tree.fields {
        rows.push(plain(&field.code, &field.name, FIELD, String::new(), ""));
        for criterion in &field.criteria {
            rows.push(plain(&criterion.code, &criterion.name, CRITERION, String::new(), ""));
            for item in &criterion.items {
                let (measure, mapping) = match &item.source {
                    Source::SelfAssessed => (String::new(), String::new()),
                    Source::Measured { measure, mapping: Mapping::Proportional, .. } => (measure.clone(), String::new()),
                    Source::Measured { measure, mapping: Mapping::Bands { bands }, .. } => (measure.clone(), bands_text(bands)),
                };
                rows.push(vec![
                    item.code.clone(),
                    item.name.clone(),
                    ITEM.into(),
                    item.max.display(),
                    yes_no(item.evidence_required),
                    source_label(&item.source).into(),
                    measure,
                    mapping,
                    item.guide.clone(),
                ]);
            }
        }
    }
    for (adjustments, kind) in [(&tree.bonus, BONUS), (&tree.penalties, PENALTY)] {
        rows.extend(adjustments.iter().map(|a| plain(&a.code, &a.name, kind, a.max.display(), &a.guide)));
    }
    (info, rows)
}

fn parse_source(text: &str) -> Option<Option<Module>> {
    let key = fold(text);
    if key.is_empty() || key == fold(SELF) {
        return Some(None);
    }
    if let Some(module) = Module::parse(text) {
        return Some(Some(module));
    }
    Module::ALL.into_iter().find(|m| key == fold(m.short_label())).map(Some)
}

fn parse_bands(text: &str) -> Option<Vec<Band>> {
    text.split(';')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            let (at_least, points) = part.split_once(':')?;
            Some(Band { at_least: parse_percent(at_least)?, points: Points::parse(points)? })
        })
        .collect()
}

/// Reads the two tables back into a tree (then checked as any tree is).
pub fn from_tables(info: &[Vec<String>], rows: &[Vec<String>]) -> Result<Tree, Vec<String>> {
    let mut errors = Vec::new();
    let value = |label: &str| info.iter().find(|r| r.first().is_some_and(|k| fold(k) == fold(label))).and_then(|r| r.get(1)).map_or("", |v| v.trim());
    let points = |label: &str, errors: &mut Vec<String>| {
        let text = value(label);
        if text.is_empty() {
            return Points::ZERO;
        }
        Points::parse(text).unwrap_or_else(|| {
            errors.push(format!("{label} «{text}» không phải là số điểm."));
            Points::ZERO
        })
    };
    let year = value("Năm").parse::<i32>().unwrap_or_else(|_| {
        errors.push(format!("Năm «{}» không hợp lệ.", value("Năm")));
        0
    });
    let level = UnitLevel::parse(value("Cấp đơn vị")).unwrap_or_else(|_| {
        errors.push(format!("Cấp đơn vị «{}» không hợp lệ.", value("Cấp đơn vị")));
        UnitLevel::Commune
    });
    let mut tree = Tree {
        code: value("Mã").to_string(),
        title: crate::text::clean(value("Tên")),
        year,
        level,
        template: fold(value("Bộ mẫu")) == "co",
        fields: Vec::new(),
        bonus: Vec::new(),
        bonus_cap: points("Trần điểm thưởng", &mut errors),
        penalties: Vec::new(),
        penalty_cap: points("Trần điểm trừ", &mut errors),
    };
    for (n, row) in rows.iter().enumerate().skip(1) {
        let cell = |i: usize| row.get(i).map_or("", |c| c.trim());
        let line = n + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let (code, name, kind) = (cell(0).to_string(), crate::text::clean(cell(1)), fold(cell(2)));
        let max = || Points::parse(cell(3)).filter(|p| *p > Points::ZERO);
        let guide = crate::text::clean_multiline(cell(8));
        if kind == fold(FIELD) {
            tree.fields.push(Field { code, name, criteria: Vec::new() });
        } else if kind == fold(CRITERION) {
            match tree.fields.last_mut() {
                Some(field) => field.criteria.push(Criterion { code, name, items: Vec::new() }),
                None => errors.push(format!("Dòng {line}: tiêu chí {code} cần một lĩnh vực ở trên.")),
            }
        } else if kind == fold(ITEM) {
            let Some(max) = max() else {
                errors.push(format!("Dòng {line}: điểm tối đa «{}» của {code} phải là số lớn hơn 0.", cell(3)));
                continue;
            };
            let source = match parse_source(cell(5)) {
                None => {
                    let known: Vec<String> = std::iter::once(SELF).chain(Module::ALL.map(Module::short_label)).map(|l| format!("«{l}»")).collect();
                    errors.push(format!("Dòng {line}: nguồn điểm «{}» không rõ; dùng một trong {}.", cell(5), known.join(", ")));
                    continue;
                }
                Some(None) => Source::SelfAssessed,
                Some(Some(module)) => {
                    let mapping = if cell(7).is_empty() {
                        Mapping::Proportional
                    } else if let Some(bands) = parse_bands(cell(7)) {
                        Mapping::Bands { bands }
                    } else {
                        errors.push(format!("Dòng {line}: quy đổi «{}» viết theo dạng «50: 2; 70: 6; 90: 10» (từ chỉ số: số điểm).", cell(7)));
                        continue;
                    };
                    Source::Measured { module, measure: cell(6).to_string(), mapping }
                }
            };
            let item = Item { code, name, max, guide, evidence_required: fold(cell(4)) == "co", source };
            match tree.fields.last_mut().and_then(|f| f.criteria.last_mut()) {
                Some(criterion) => criterion.items.push(item),
                None => errors.push(format!("Dòng {line}: tiêu chí thành phần {} cần một tiêu chí ở trên.", item.code)),
            }
        } else if kind == fold(BONUS) || kind == fold(PENALTY) {
            let Some(max) = max() else {
                errors.push(format!("Dòng {line}: điểm tối đa «{}» của {code} phải là số lớn hơn 0.", cell(3)));
                continue;
            };
            let adjustment = Adjustment { code, name, max, guide };
            if kind == fold(BONUS) { tree.bonus.push(adjustment) } else { tree.penalties.push(adjustment) }
        } else {
            errors.push(format!("Dòng {line}: loại «{}» không rõ; dùng «{FIELD}», «{CRITERION}», «{ITEM}», «{BONUS}» hoặc «{PENALTY}».", cell(2)));
        }
    }
    if errors.is_empty() {
        tree.check()?;
        Ok(tree)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_survives_the_round_trip_through_tables() {
        let mut tree = super::super::template::provincial(UnitLevel::Department, 2026);
        // A band mapping with decimals too.
        if let Source::Measured { mapping, measure, .. } = &mut tree.fields[7].criteria[0].items[0].source {
            *measure = "TT".into();
            *mapping = Mapping::Bands { bands: vec![Band { at_least: 50.0, points: Points(250) }, Band { at_least: 87.5, points: Points(1400) }] };
        }
        let (info, rows) = to_tables(&tree);
        assert_eq!(rows[0], CRITERIA_HEADER.map(String::from).to_vec());
        assert_eq!(from_tables(&info, &rows), Ok(tree));
    }

    #[test]
    fn every_mistake_is_reported_with_its_row() {
        let tree = super::super::template::provincial(UnitLevel::Commune, 2026);
        let (mut info, mut rows) = to_tables(&tree);
        info[3][1] = "năm nay".into();
        rows[3][3] = "-1".into();
        rows[4][5] = "Hỏi ý kiến".into();
        rows[5][2] = "Mục".into();
        let errors = from_tables(&info, &rows).unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors[0].contains("Năm") && errors[1].starts_with("Dòng 4") && errors[2].starts_with("Dòng 5") && errors[3].starts_with("Dòng 6"),
            "{errors:?}"
        );
    }
}

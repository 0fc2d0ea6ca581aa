//! The officials' forms are well made, reach every surveyed item of the template, and their
//! figures give the points worked out by hand below.

use std::collections::BTreeMap;

use super::*;
use crate::par::scoring::{MeasuredMark, measured_marks};
use crate::par::template::provincial;
use crate::par::{Points, Source};
use crate::sipas::index::tests::counts;
use crate::sipas::methodology::presets;
use crate::sipas::{compute, templates as all_templates};
use crate::units::UnitLevel;

#[test]
fn forms_are_valid_and_every_surveyed_item_has_its_element() {
    for form in templates() {
        form.check().unwrap_or_else(|e| panic!("{}: {e:?}", form.code));
        assert!(all_templates().iter().any(|t| t.code == form.code), "{} is offered with the others", form.code);
    }
    assert!(presets().iter().any(|m| m.code == METHODOLOGY));
    for level in [UnitLevel::Department, UnitLevel::Commune] {
        let tree = provincial(level, 2026);
        let mut surveyed = 0;
        for (_, _, item) in tree.items() {
            let Source::Measured { module, measure, .. } = &item.source else { continue };
            let form = match module {
                Module::Leaders => leaders(),
                Module::CivilServants => civil_servants(),
                Module::Deputies => deputies(),
                _ => continue,
            };
            surveyed += 1;
            assert!(!measure.is_empty(), "{} is measured by an element", item.code);
            let statements = form.questions().filter(|(_, q)| q.tag.as_ref().is_some_and(|t| t.element == *measure && t.role == TagRole::Criterion)).count();
            assert!(statements >= 3, "{}: the element {measure} of {} has {statements} statements", item.code, form.code);
        }
        assert_eq!(surveyed, 7, "three items for leaders, four for civil servants");
    }
}

/// Three leaders' answers; "kr" is "Không rõ", not a valid answer.
fn leaders_sheets() -> Vec<Vec<(&'static str, &'static str)>> {
    let sheet = |cddh: [&'static str; 4], tthc: [&'static str; 4], tcc: [&'static str; 3]| {
        let mut answers = vec![("DV", "28101")];
        answers.extend(["CDDH1", "CDDH2", "CDDH3", "CDDH4"].into_iter().zip(cddh));
        answers.extend(["TTHC1", "TTHC2", "TTHC3", "TTHC4"].into_iter().zip(tthc));
        answers.extend(["TCC1", "TCC2", "TCC3"].into_iter().zip(tcc));
        answers
    };
    vec![
        sheet(["5", "4", "2", "kr"], ["4", "4", "4", "4"], ["1", "2", "3"]),
        sheet(["3", "4", "5", "4"], ["2", "2", "kr", "5"], ["4", "5", "4"]),
        sheet(["4", "1", "4", "5"], ["4", "3", "4", "2"], ["kr", "4", "2"]),
    ]
}

#[test]
fn leaders_answers_give_the_points_worked_out_by_hand() {
    let form = leaders();
    let (layout, counts) = counts(&form, &leaders_sheets());
    let methodology = presets().into_iter().find(|m| m.code == METHODOLOGY).unwrap();
    let report = compute(&form, &layout, &methodology, &counts, None);
    let figure = |code: &str| report.elements.iter().find(|e| e.code == code).and_then(|e| e.figure.value).unwrap();
    let close = |actual: f64, expected: f64| assert!((actual - expected).abs() < 0.005, "expected {expected}, got {actual}");
    // CDDH: 2/3, 2/3, 2/3 and 2/2 (one "Không rõ") agree → (66.67 × 3 + 100) ÷ 4 = 75.
    close(figure("CDDH"), 75.0);
    // TTHC: 2/3, 1/3, 2/2, 2/3 → (66.67 + 33.33 + 100 + 66.67) ÷ 4 = 66.67.
    close(figure("TTHC"), 66.6667);
    // TCC: 1/2, 2/3, 1/3 → (50 + 66.67 + 33.33) ÷ 3 = 50.
    close(figure("TCC"), 50.0);
    // Overall: the mean of the three elements.
    close(report.overall.value.unwrap(), (75.0 + 66.6667 + 50.0) / 3.0);

    let indices: BTreeMap<String, f64> = report.elements.iter().map(|e| (e.code.clone(), (e.figure.value.unwrap() * 100.0).round() / 100.0)).collect();
    let tree = provincial(UnitLevel::Department, 2026);
    // 1.6.1 (3 points) × 75 % = 2.25; 3.4.1 (3 points) × 66.67 % = 2.0001 → 2.00;
    // 6.3.1 (2 points) × 50 % = 1.00.
    assert_eq!(
        measured_marks(&tree, Module::Leaders, &indices),
        vec![
            MeasuredMark { item: "1.6.1".into(), points: Points(225), index: 75.0 },
            MeasuredMark { item: "3.4.1".into(), points: Points(200), index: 66.67 },
            MeasuredMark { item: "6.3.1".into(), points: Points(100), index: 50.0 },
        ]
    );
}

#[test]
fn deputies_answers_measure_the_items_a_province_gives_them() {
    let form = deputies();
    // Every other statement agreed with.
    let others: Vec<String> = ["VBPL", "TTHC", "BM", "TD"].iter().flat_map(|e| (1..=3).map(move |i| format!("{e}{i}"))).collect();
    let sheet = |cqs: [&'static str; 3]| {
        let mut answers: Vec<(&str, &str)> = vec![("DV", "99")];
        answers.extend(others.iter().map(|code| (code.as_str(), "4")));
        answers.extend(["CQS1", "CQS2", "CQS3"].into_iter().zip(cqs));
        answers
    };
    // CQS: 1/1 (one "Không rõ"), 2/2, 0/2 agree → (100 + 100 + 0) ÷ 3 = 66.67.
    let (layout, counts) = counts(&form, &[sheet(["4", "5", "2"]), sheet(["kr", "4", "1"])]);
    let methodology = presets().into_iter().find(|m| m.code == METHODOLOGY).unwrap();
    let report = compute(&form, &layout, &methodology, &counts, None);
    let cqs = report.elements.iter().find(|e| e.code == "CQS").and_then(|e| e.figure.value).unwrap();
    assert!((cqs - 66.6667).abs() < 0.005, "{cqs}");
    // A province's own item measured by the deputies' element CQS, 3 points: 3 × 66.67 % = 2.00.
    let mut tree = provincial(UnitLevel::Department, 2026);
    let item = tree.fields[0].criteria[0].items[0].clone();
    tree.fields[0].criteria[0].items.push(crate::par::Item {
        code: "1.1.9".into(),
        name: "Đánh giá của đại biểu Hội đồng nhân dân về chính quyền số".into(),
        max: Points(300),
        source: Source::Measured { module: Module::Deputies, measure: "CQS".into(), mapping: Default::default() },
        ..item
    });
    let indices = BTreeMap::from([("CQS".to_string(), 66.67)]);
    assert_eq!(measured_marks(&tree, Module::Deputies, &indices), vec![MeasuredMark { item: "1.1.9".into(), points: Points(200), index: 66.67 }]);
    assert_eq!(measure_of("1.1.9"), None, "no built-in item is the deputies'");
}

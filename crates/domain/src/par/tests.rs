//! Hand-computed scorecards, phases and approval, and properties of sums and ranks.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::round::{progress, standing, unfinished};
use super::scoring::{MeasuredMark, check_points, measured_marks, rank, score, survey_points};
use super::*;
use crate::units::UnitLevel;

fn item(code: &str, max: i64, evidence_required: bool, source: Source) -> Item {
    Item { code: code.into(), name: format!("Mục {code}"), max: Points(max), guide: String::new(), evidence_required, source }
}

fn sipas(mapping: Mapping) -> Source {
    Source::Measured { module: Module::Sipas, measure: String::new(), mapping }
}

fn adjustment(code: &str, max: i64) -> Adjustment {
    Adjustment { code: code.into(), name: code.into(), max: Points(max), guide: String::new() }
}

/// Field A: a1 (2 points), a2 (3, evidence required); field B: b1 (5, SIPAS, proportional),
/// b2 (10, SIPAS, bands 50 → 2, 70 → 6, 90 → 10). Bonus T1, T2 (1 each, cap 1,5); penalty P1
/// (2, cap 1). Maximum 20.
pub(super) fn small_tree() -> Tree {
    let bands = Mapping::Bands { bands: vec![scoring_band(50.0, 200), scoring_band(70.0, 600), scoring_band(90.0, 1000)] };
    Tree {
        code: "T".into(),
        title: "Thử".into(),
        year: 2026,
        level: UnitLevel::Commune,
        template: false,
        fields: vec![
            Field {
                code: "A".into(),
                name: "Lĩnh vực A".into(),
                criteria: vec![Criterion {
                    code: "A.1".into(),
                    name: "Tiêu chí A.1".into(),
                    items: vec![item("a1", 200, false, Source::SelfAssessed), item("a2", 300, true, Source::SelfAssessed)],
                }],
            },
            Field {
                code: "B".into(),
                name: "Lĩnh vực B".into(),
                criteria: vec![Criterion {
                    code: "B.1".into(),
                    name: "Tiêu chí B.1".into(),
                    items: vec![item("b1", 500, false, sipas(Mapping::Proportional)), item("b2", 1000, false, sipas(bands))],
                }],
            },
        ],
        bonus: vec![adjustment("T1", 100), adjustment("T2", 100)],
        bonus_cap: Points(150),
        penalties: vec![adjustment("P1", 200)],
        penalty_cap: Points(100),
    }
}

fn scoring_band(at_least: f64, points: i64) -> tree::Band {
    tree::Band { at_least, points: Points(points) }
}

fn points(pairs: &[(&str, i64)]) -> BTreeMap<String, Points> {
    pairs.iter().map(|(c, p)| (c.to_string(), Points(*p))).collect()
}

#[test]
fn a_hand_computed_sheet_with_survey_points_and_caps() {
    let tree = small_tree();
    assert_eq!(tree.check(), Ok(()));
    let (b1, b2) = (tree.item("b1").unwrap(), tree.item("b2").unwrap());
    // 5 × 87,3 ÷ 100 = 4,365 → 4,37; 75 reaches the 70 band → 6.
    assert_eq!(survey_points(b1, 87.3), Some(Points(437)));
    assert_eq!(survey_points(b2, 75.0), Some(Points(600)));
    assert_eq!(survey_points(b2, 49.99), Some(Points::ZERO));
    assert_eq!(survey_points(b2, 90.0), Some(Points(1000)));
    assert_eq!(survey_points(tree.item("a1").unwrap(), 90.0), None, "self-assessed items take no survey points");

    let scorecard = score(&tree, &points(&[("a1", 150), ("a2", 300), ("b1", 437), ("b2", 600), ("T1", 100), ("T2", 100), ("P1", 200)]), &Classes::default());
    assert_eq!(scorecard.fields.iter().map(|f| (f.max, f.points)).collect::<Vec<_>>(), vec![(Points(500), Points(450)), (Points(1500), Points(1037))]);
    assert_eq!(scorecard.items, Points(1487));
    assert_eq!(scorecard.bonus, Points(150), "2 bonus points capped at 1,5");
    assert_eq!(scorecard.penalty, Points(100), "2 penalty points capped at 1");
    // 14,87 + 1,5 − 1 = 15,37 of 20 → 76,85 % → Khá.
    assert_eq!((scorecard.total, scorecard.max), (Points(1537), Points(2000)));
    assert_eq!(scorecard.index, Index(7685));
    assert_eq!(scorecard.class, Class::Fair);
    assert_eq!(scorecard.index.display(), "76,85");

    // Nothing scored and a penalty: never below zero.
    let empty = score(&tree, &points(&[("P1", 200)]), &Classes::default());
    assert_eq!((empty.total, empty.index, empty.class), (Points::ZERO, Index(0), Class::Weak));
}

#[test]
fn a_module_result_gives_points_to_the_items_it_measures() {
    let mut tree = small_tree();
    // b2 measures the SIPAS element "TT" instead of the overall index.
    if let Source::Measured { measure, .. } = &mut tree.fields[1].criteria[0].items[1].source {
        *measure = "TT".into();
    }
    let indices: BTreeMap<String, f64> = [(String::new(), 87.3), ("TT".to_string(), 91.0)].into();
    assert_eq!(
        measured_marks(&tree, Module::Sipas, &indices),
        vec![MeasuredMark { item: "b1".into(), points: Points(437), index: 87.3 }, MeasuredMark { item: "b2".into(), points: Points(1000), index: 91.0 }]
    );
    // Only the overall index known: b2 waits for its element.
    let overall: BTreeMap<String, f64> = [(String::new(), 87.3)].into();
    assert_eq!(measured_marks(&tree, Module::Sipas, &overall).len(), 1);
    assert!(measured_marks(&tree, Module::CivilServants, &indices).is_empty(), "no item measured by that module");
}

#[test]
fn classes_follow_the_thresholds_and_indices_round_half_up() {
    let classes = Classes::default();
    assert_eq!(classes.class(Index(8000)), Class::Good);
    assert_eq!(classes.class(Index(7999)), Class::Fair);
    assert_eq!(classes.class(Index(6500)), Class::Fair);
    assert_eq!(classes.class(Index(5000)), Class::Average);
    assert_eq!(classes.class(Index(4999)), Class::Weak);
    let strict = Classes { good: 90.0, fair: 75.0, average: 60.0 };
    assert_eq!(strict.class(Index(8500)), Class::Fair);
    assert!(Classes { good: 60.0, fair: 75.0, average: 50.0 }.check().is_err());
    // 1 of 3 = 33,333… → 33,33; 2 of 3 = 66,666… → 66,67; 1 of 8 = 12,5 exactly.
    assert_eq!(Index::of(Points(100), Points(300)), Index(3333));
    assert_eq!(Index::of(Points(200), Points(300)), Index(6667));
    assert_eq!(Index::of(Points(100), Points(800)), Index(1250));
    assert_eq!(Index::of(Points(5), Points(0)), Index(0));
}

#[test]
fn ranks_share_ties_and_skip() {
    let ranked = rank(&[("A", Index(8000)), ("B", Index(9000)), ("C", Index(8000)), ("D", Index(7000))]);
    assert_eq!(ranked, vec![("B", Index(9000), 1), ("A", Index(8000), 2), ("C", Index(8000), 2), ("D", Index(7000), 4)]);
    assert!(rank::<&str>(&[]).is_empty());
}

#[test]
fn points_are_checked_against_the_maximum() {
    assert!(check_points("a1", Points(200), Points(200)).is_ok());
    assert_eq!(check_points("a1", Points(201), Points(200)).unwrap_err(), "Điểm của mục a1 phải từ 0 đến 2.");
    assert!(check_points("a1", Points(-1), Points(200)).is_err());
}

#[test]
fn a_tree_with_mistakes_is_refused_with_each_one() {
    let mut tree = small_tree();
    tree.fields[0].criteria[0].items[1].code = "a1".into();
    tree.fields[1].criteria[0].items[0].max = Points::ZERO;
    tree.fields[1].criteria[0].items[1].source = sipas(Mapping::Bands { bands: vec![scoring_band(50.0, 5000)] });
    let errors = tree.check().unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("«a1» bị trùng"));
}

const DAY: i64 = 86_400_000;

fn deadlines() -> Deadlines {
    Deadlines { self_assessment: 10 * DAY, appraisal: 20 * DAY, explanation: 25 * DAY, final_appraisal: 30 * DAY }
}

#[test]
fn each_stage_is_written_in_its_phase_only() {
    let d = deadlines();
    assert_eq!(d.check(), Ok(()));
    assert_eq!(d.phase(10 * DAY - 1), Phase::SelfAssessment);
    assert_eq!(d.phase(10 * DAY), Phase::Appraisal, "the deadline itself is already locked");
    assert_eq!(d.phase(30 * DAY), Phase::Closed);
    assert!(d.open_for(Stage::SelfAssessment, 10 * DAY - 1).is_ok());
    let locked = d.open_for(Stage::SelfAssessment, 10 * DAY).unwrap_err();
    // 10 days after the epoch, 00:00 UTC, is 07:00 in Vietnam.
    assert_eq!(locked, "Đã hết hạn tự đánh giá (khóa lúc 07:00 ngày 11/01/1970); nội dung này không sửa được nữa.");
    assert!(d.open_for(Stage::Appraisal, DAY).unwrap_err().starts_with("Chưa đến giai đoạn thẩm định vòng 1"));
    assert!(d.open_for(Stage::Explanation, 22 * DAY).is_ok());
    assert!(d.open_for(Stage::Measured, 27 * DAY).is_ok() && d.open_for(Stage::FinalAppraisal, 27 * DAY).is_ok());
    assert!(d.open_for(Stage::FinalAppraisal, 30 * DAY).is_err());
    assert!(Deadlines { appraisal: 5 * DAY, ..d }.check().is_err());
}

#[test]
fn the_head_approves_or_returns_a_submitted_self_assessment() {
    assert_eq!(State::Draft.after(Action::Submit), Ok(State::Submitted));
    assert_eq!(State::Submitted.after(Action::Return), Ok(State::Draft));
    assert_eq!(State::Submitted.after(Action::Approve), Ok(State::Approved));
    assert!(State::Draft.after(Action::Approve).is_err());
    assert!(State::Approved.after(Action::Return).is_err());
    assert!(State::Draft.editable().is_ok() && State::Submitted.editable().is_err() && State::Approved.editable().is_err());
}

#[test]
fn a_self_assessment_is_finished_when_every_item_is_scored_and_evidenced_or_explained() {
    let tree = small_tree();
    let mut marks = BTreeMap::new();
    marks.insert("a1".to_string(), SelfMark { points: Some(Points(200)), ..Default::default() });
    marks.insert("a2".to_string(), SelfMark { points: Some(Points(300)), ..Default::default() });
    assert_eq!(unfinished(&tree, &marks), vec!["Tiêu chí thành phần a2 chưa có tài liệu kiểm chứng; hãy đính kèm hoặc giải thích."]);
    assert_eq!(progress(&tree, &marks), vec![("A".into(), "Lĩnh vực A".into(), 2, 2), ("B".into(), "Lĩnh vực B".into(), 0, 0)]);
    marks.get_mut("a2").unwrap().note = "Văn bản đang chờ ký".into();
    assert!(unfinished(&tree, &marks).is_empty(), "an explanation stands in for the evidence");
    marks.get_mut("a2").unwrap().points = Some(Points::ZERO);
    marks.get_mut("a2").unwrap().note.clear();
    assert!(unfinished(&tree, &marks).is_empty(), "zero points need no evidence");
    marks.remove("a1");
    assert_eq!(unfinished(&tree, &marks), vec!["Tiêu chí thành phần a1 chưa được chấm điểm."]);
}

#[test]
fn the_latest_appraisal_stands() {
    let marks = |pairs: &[(Stage, i64)]| pairs.iter().map(|(s, p)| (*s, Points(*p))).collect::<BTreeMap<_, _>>();
    assert_eq!(standing(&marks(&[(Stage::SelfAssessment, 200)])), Some(Points(200)));
    assert_eq!(standing(&marks(&[(Stage::SelfAssessment, 200), (Stage::Appraisal, 100)])), Some(Points(100)));
    assert_eq!(standing(&marks(&[(Stage::SelfAssessment, 200), (Stage::Appraisal, 100), (Stage::FinalAppraisal, 150)])), Some(Points(150)));
    assert_eq!(standing(&marks(&[(Stage::Measured, 437)])), Some(Points(437)));
    assert_eq!(standing(&BTreeMap::new()), None);
}

proptest! {
    #[test]
    fn a_sheet_adds_up(a1 in 0i64..=200, a2 in 0i64..=300, b1 in 0i64..=500, b2 in 0i64..=1000, t1 in 0i64..=100, t2 in 0i64..=100, p1 in 0i64..=200) {
        let tree = small_tree();
        let scorecard = score(&tree, &points(&[("a1", a1), ("a2", a2), ("b1", b1), ("b2", b2), ("T1", t1), ("T2", t2), ("P1", p1)]), &Classes::default());
        prop_assert_eq!(scorecard.items, scorecard.fields.iter().map(|f| f.points).sum::<Points>());
        prop_assert_eq!(scorecard.items, Points(a1 + a2 + b1 + b2));
        prop_assert_eq!(scorecard.bonus, Points((t1 + t2).min(150)));
        prop_assert_eq!(scorecard.penalty, Points(p1.min(100)));
        prop_assert_eq!(scorecard.total, Points((a1 + a2 + b1 + b2 + (t1 + t2).min(150) - p1.min(100)).max(0)));
        prop_assert!(scorecard.index.0 >= 0 && scorecard.index.0 <= 10_750);
    }

    #[test]
    fn survey_points_never_exceed_the_maximum_and_grow_with_the_index(x in 0.0f64..=100.0, y in 0.0f64..=100.0) {
        let tree = small_tree();
        for code in ["b1", "b2"] {
            let item = tree.item(code).unwrap();
            let (px, py) = (survey_points(item, x).unwrap(), survey_points(item, y).unwrap());
            prop_assert!(px >= Points::ZERO && px <= item.max);
            if x <= y { prop_assert!(px <= py); }
        }
    }

    #[test]
    fn ranks_are_ordered_and_ties_share(indices in proptest::collection::vec(0i64..=20, 0..30)) {
        let entries: Vec<(usize, Index)> = indices.iter().enumerate().map(|(k, i)| (k, Index(*i))).collect();
        let ranked = rank(&entries);
        prop_assert_eq!(ranked.len(), entries.len());
        for (position, window) in ranked.windows(2).enumerate() {
            prop_assert!(window[0].1 >= window[1].1);
            if window[0].1 == window[1].1 { prop_assert_eq!(window[0].2, window[1].2); }
            else { prop_assert_eq!(window[1].2, position as u32 + 2); }
        }
        if let Some(first) = ranked.first() { prop_assert_eq!(first.2, 1); }
    }
}

//! Hand-computed cases: every expected number below was worked out on paper from the answers
//! listed, not read back from the code.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::sipas::methodology::presets;
use crate::sipas::{rating_766, short_766, sipas_2017, sipas_2023};
use crate::surveys::{Answer, Answers};

fn preset(code: &str) -> Methodology {
    presets().into_iter().find(|m| m.code == code).unwrap()
}

/// Counts of these answer sheets, each given as (question, answer) pairs; `a|b` is a list.
pub(crate) fn counts(form: &Questionnaire, sheets: &[Vec<(&str, &str)>]) -> (Layout, Counts) {
    let layout = Layout::of(form);
    let mut counts = Counts::zero(&layout);
    for sheet in sheets {
        let answers: Answers = sheet
            .iter()
            .map(|(q, a)| {
                let answer =
                    if q.ends_with("_KV") || *q == "LY_DO" { Answer::List(a.split('|').map(String::from).collect()) } else { Answer::Text(a.to_string()) };
                (q.to_string(), answer)
            })
            .collect();
        counts.add_positions(&layout.positions(form, &answers).unwrap());
    }
    (layout, counts)
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a value");
    assert!((actual - expected).abs() < 0.005, "expected {expected}, got {actual}");
}

/// Four respondents of SIPAS 2017; the fourth skipped PA_HL and TC_KV.
fn sipas_2017_sheets() -> Vec<Vec<(&'static str, &'static str)>> {
    vec![
        vec![("TC1", "co"), ("TC_HL", "5"), ("TT_HL", "4"), ("CC_HL", "5"), ("KQ_HL", "1"), ("PA_HL", "4"), ("HL_CHUNG", "5"), ("TC_KV", "TC1|TC3")],
        vec![("TC1", "co"), ("TC_HL", "4"), ("TT_HL", "4"), ("CC_HL", "5"), ("KQ_HL", "2"), ("PA_HL", "5"), ("HL_CHUNG", "4"), ("TC_KV", "TC1")],
        vec![("TC1", "khong"), ("TC_HL", "3"), ("TT_HL", "4"), ("CC_HL", "5"), ("KQ_HL", "3"), ("PA_HL", "3"), ("HL_CHUNG", "4"), ("TC_KV", "khong")],
        vec![("TC1", "kb"), ("TC_HL", "2"), ("TT_HL", "1"), ("CC_HL", "5"), ("KQ_HL", "4"), ("HL_CHUNG", "2")],
    ]
}

#[test]
fn sipas_2017_elements_criteria_and_overall() {
    let form = sipas_2017();
    let (layout, counts) = counts(&form, &sipas_2017_sheets());
    let report = compute(&form, &layout, &preset("sipas-2017"), &counts, None);
    let element = |code: &str| report.elements.iter().find(|e| e.code == code).unwrap();

    // TC1: co, co, khong, "không biết" → 2 positive of 3 valid; the "don't know" is not valid.
    let tc1 = &element("TC").criteria[0].figure;
    close(tc1.value, 66.6667);
    assert_eq!((tc1.n, tc1.valid), (4, 3));
    // 1.96 · √(⅔ · ⅓ / 3) = 0.53345
    close(tc1.margin, 53.3444);
    // A criterion nobody answered has no value, not 0 %.
    assert_eq!(element("TC").criteria[1].figure.value, None);

    // Satisfaction: 4 and 5 count. TC 5,4,3,2 → 50 %; TT 4,4,4,1 → 75 %; CC all 5 → 100 %;
    // KQ 1,2,3,4 → 25 %; PA 4,5,3 and one missing → 2/3.
    close(element("TC").figure.value, 50.0);
    close(element("TC").figure.margin, 49.0); // 1.96 · √(.25/4)
    close(element("TT").figure.value, 75.0);
    close(element("TT").figure.margin, 42.4352); // 1.96 · √(.1875/4)
    close(element("CC").figure.value, 100.0);
    close(element("CC").figure.margin, 0.0);
    close(element("KQ").figure.value, 25.0);
    close(element("PA").figure.value, 66.6667);
    assert_eq!(element("PA").figure.valid, 3, "a missing answer is not valid");

    // SIPAS = (50 + 75 + 100 + 25 + 66.667) / 5 = 63.333; margin = ⅕ · √(49² + 42.435² + 0² + 42.435² + 53.344²)
    close(report.overall.value, 63.3333);
    close(report.overall.margin, 18.8129);
    assert_eq!((report.overall.n, report.overall.valid), (4, 3));
    assert_eq!(report.overall_rule, Rule::MeanOfChildren);
    assert!(report.parts.is_empty());
    assert_eq!(report.elements.len(), 5);

    // Expectations among the 3 who answered TC_KV: TC1 2/3, TC3 1/3, "none" 1/3.
    let tc_kv = report.expectations.iter().find(|e| e.question == "TC_KV").unwrap();
    let share = |code: &str| tc_kv.shares.iter().find(|s| s.code == code).unwrap();
    assert_eq!((share("TC1").count, share("TC1").base), (2, 3));
    close(share("TC1").percent, 66.6667);
    close(share("TC3").percent, 33.3333);
    close(share("khong").percent, 33.3333);
}

#[test]
fn the_rules_are_configurable() {
    let form = sipas_2017();
    let (layout, counts) = counts(&form, &sipas_2017_sheets());

    // Alternative rule: share satisfied on the overall question: 5,4,4,2 → 75 %.
    let mut overall_question = preset("sipas-2017");
    overall_question.overall = Rule::SharePositive;
    let report = compute(&form, &layout, &overall_question, &counts, None);
    close(report.overall.value, 75.0);
    assert_eq!(report.overall.valid, 4);

    // Weighted: TC × 2, CC × 1, the rest 0 → (2·50 + 100) / 3 = 66.667; margin = ⅔ · 49.
    let mut weighted = preset("sipas-2017");
    weighted.overall = Rule::WeightedMean { weights: BTreeMap::from([("TC".to_string(), 2.0), ("CC".to_string(), 1.0)]) };
    let report = compute(&form, &layout, &weighted, &counts, None);
    close(report.overall.value, 66.6667);
    close(report.overall.margin, 32.6667);

    // Element as the mean of its criteria: TC has only TC1 answered → 66.667.
    let mut criteria = preset("sipas-2017");
    criteria.element = Rule::MeanOfChildren;
    let report = compute(&form, &layout, &criteria, &counts, None);
    close(report.elements[0].figure.value, 66.6667);
    assert_eq!(report.elements[1].figure.value, None, "no criterion of TT was answered");
}

#[test]
fn a_known_frame_narrows_the_margin() {
    let form = sipas_2017();
    let (layout, counts) = counts(&form, &sipas_2017_sheets());
    // TC: 49 · √((10 − 4) / 9) = 40.008; a census (N = n) has no sampling error.
    let report = compute(&form, &layout, &preset("sipas-2017"), &counts, Some(10));
    close(report.elements[0].figure.margin, 40.0083);
    let report = compute(&form, &layout, &preset("sipas-2017"), &counts, Some(4));
    close(report.elements[0].figure.margin, 0.0);
}

#[test]
fn sipas_2023_has_two_parts() {
    let form = sipas_2023();
    let mut first = vec![("CS_KT", "4"), ("TC_HL", "4"), ("TT_HL", "2"), ("CC_HL", "5"), ("KQ_HL", "5"), ("PA_HL", "5"), ("HL_CHUNG", "5")];
    let mut second = vec![("CS_KT", "2"), ("TC_HL", "5"), ("TT_HL", "1"), ("CC_HL", "3"), ("KQ_HL", "3"), ("PA_HL", "3"), ("HL_CHUNG", "3")];
    for group in ["CS_YT", "CS_GD", "CS_NS", "CS_DS", "CS_AN", "CS_GT", "CS_AS", "CS_CH"] {
        first.push((group, "5"));
        second.push((group, "4"));
    }
    let (layout, counts) = counts(&form, &[first, second]);
    let report = compute(&form, &layout, &preset("sipas-2023"), &counts, None);
    // Policy: KT 1 of 2 → 50 %, the other eight 100 % → (50 + 800) / 9 = 94.444.
    let part = |code: &str| report.parts.iter().find(|p| p.code == code).unwrap();
    close(part("chinh_sach").figure.value, 94.4444);
    assert_eq!(part("chinh_sach").label, "Sự hài lòng về chính sách công");
    // Service: TC 100, TT 0, CC 50, KQ 50, PA 50 → 50.
    close(part("dich_vu").figure.value, 50.0);
    // Overall: (94.444 + 50) / 2 = 72.222.
    close(report.overall.value, 72.2222);
    assert_eq!(report.elements.len(), 14);
    // Part by its overall question: HL_CHUNG 5, 3 → 50 %.
    let mut by_question = preset("sipas-2023");
    by_question.part = Rule::SharePositive;
    let report = compute(&form, &layout, &by_question, &counts, None);
    close(report.parts[1].figure.value, 50.0);
    assert_eq!(report.parts[0].figure.value, None, "the policy part has no overall question");
}

#[test]
fn rating_766_counts_everything_but_dissatisfied() {
    let form = rating_766();
    let sheets = vec![vec![("DG", "3")], vec![("DG", "2")], vec![("DG", "1"), ("LY_DO", "LD1|LD2")], vec![("DG", "1"), ("LY_DO", "LD1")], vec![("DG", "3")]];
    let (layout, counts) = counts(&form, &sheets);
    let report = compute(&form, &layout, &preset("766"), &counts, None);
    // (5 rated − 2 dissatisfied) ÷ 5 = 60 %.
    close(report.overall.value, 60.0);
    assert!(report.elements.is_empty());
    let reasons = &report.expectations[0].shares;
    assert_eq!((reasons[0].count, reasons[0].base), (2, 2));
    close(reasons[1].percent, 50.0);
}

#[test]
fn the_short_form_keeps_the_766_index_and_gives_four_elements_their_own() {
    let form = short_766();
    let sheets = vec![
        vec![("DG", "3"), ("TC_HL", "5"), ("TT_HL", "4"), ("CC_HL", "2"), ("KQ_HL", "4")],
        vec![("DG", "2"), ("TC_HL", "3"), ("CC_HL", "4")],
        vec![("DG", "1"), ("LY_DO", "LD3"), ("TC_HL", "1"), ("TT_HL", "2"), ("CC_HL", "1"), ("KQ_HL", "2")],
        vec![("DG", "3")],
    ];
    let (layout, counts) = counts(&form, &sheets);
    let report = compute(&form, &layout, &preset("766"), &counts, None);
    // (4 rated − 1 dissatisfied) ÷ 4 = 75 %, whatever the element answers say.
    close(report.overall.value, 75.0);
    let element = |code: &str| &report.elements.iter().find(|e| e.code == code).unwrap().figure;
    // TC: 5, 3, 1 → one "satisfied or better" of three valid; TT: 4, 2 → one of two.
    close(element("TC").value, 33.3333);
    close(element("TT").value, 50.0);
    close(element("CC").value, 33.3333);
    close(element("KQ").value, 50.0);
    assert_eq!(report.elements.len(), 4, "no element for feedback handling, which few can judge at a counter");
    let sipas = form.questions().filter(|(_, q)| q.code.ends_with("_HL") || q.code == "GOP_Y").count();
    assert!(sipas <= 5, "at most five SIPAS questions beside the rating");
}

#[test]
fn no_answers_give_no_figures() {
    let form = sipas_2017();
    let layout = Layout::of(&form);
    let report = compute(&form, &layout, &preset("sipas-2017"), &Counts::zero(&layout), None);
    assert_eq!(report.overall.value, None);
    assert_eq!(report.overall.n, 0);
    assert!(report.elements.iter().all(|e| e.figure.value.is_none()));
}

#[test]
fn weakest_criteria_come_first() {
    let form = sipas_2017();
    let (layout, counts) = counts(&form, &[vec![("TC1", "co"), ("TT1", "khong"), ("CC1", "co")], vec![("TC1", "khong"), ("TT1", "khong"), ("CC1", "co")]]);
    let report = compute(&form, &layout, &preset("sipas-2017"), &counts, None);
    let order: Vec<&str> = report.weakest_criteria().iter().map(|(_, c)| c.code.as_str()).collect();
    assert_eq!(order, ["TT1", "TC1", "CC1"]);
}

proptest! {
    /// Whatever the answers: every figure lies in 0–100, its margin is not negative, and a mean
    /// lies between its smallest and largest child.
    #[test]
    fn figures_stay_in_range(sheets in prop::collection::vec(prop::collection::vec((0usize..5, 1u8..=5), 0..5), 0..40)) {
        let form = sipas_2017();
        let codes = ["TC_HL", "TT_HL", "CC_HL", "KQ_HL", "PA_HL"];
        let sheets: Vec<Vec<(&str, String)>> = sheets.iter().map(|s| s.iter().map(|(q, a)| (codes[*q], a.to_string())).collect()).collect();
        let sheets: Vec<Vec<(&str, &str)>> = sheets.iter().map(|s| s.iter().map(|(q, a)| (*q, a.as_str())).collect()).collect();
        let (layout, counts) = counts(&form, &sheets);
        let report = compute(&form, &layout, &preset("sipas-2017"), &counts, None);
        let values: Vec<f64> = report.elements.iter().filter_map(|e| e.figure.value).collect();
        for figure in report.elements.iter().map(|e| &e.figure).chain([&report.overall]) {
            if let Some(v) = figure.value {
                prop_assert!((0.0..=100.0).contains(&v));
                prop_assert!(figure.margin.unwrap() >= 0.0);
            }
        }
        if let Some(overall) = report.overall.value {
            let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
            prop_assert!(overall >= lo - 1e-9 && overall <= hi + 1e-9);
        }
    }
}

#[test]
fn a_figure_on_fewer_than_thirty_answers_is_marked() {
    let figure = |value: Option<f64>, valid: u64| Figure { value, n: valid, valid, margin: None };
    assert!(figure(Some(80.0), FEW_ANSWERS - 1).few_answers());
    assert!(!figure(Some(80.0), FEW_ANSWERS).few_answers());
    assert!(!figure(None, 0).few_answers(), "no figure, nothing to mark");
}

//! A hand-computed province: every figure below was worked out on paper from the answers listed.
//! The 766 rating counts every answer but "dissatisfied" (DG = 1) as satisfied.

use std::sync::Arc;

use time::macros::date;

use super::*;
use crate::sipas::methodology::presets;
use crate::sipas::rating_766;
use crate::surveys::{Answer, Answers};
use crate::units::Validity;

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn unit(id: UnitId, parent: Option<UnitId>, level: UnitLevel, name: &str, until: Option<time::Date>) -> Unit {
    Unit {
        id,
        code: format!("U{id}"),
        name: name.into(),
        level,
        parent_id: parent,
        parent_name: None,
        parent_code: None,
        validity: Validity { from: date!(2020 - 01 - 01), to: until },
    }
}

/// One cell of 766 ratings.
fn cell(form: &Questionnaire, layout: &Layout, unit_id: UnitId, at: &str, channel: Channel, staff: &str, ratings: &[&str]) -> Cell {
    let mut counts = Counts::zero(layout);
    for rating in ratings {
        let answers: Answers = [("DG".to_string(), Answer::Text(rating.to_string()))].into_iter().collect();
        counts.add_positions(&layout.positions(form, &answers).unwrap());
    }
    Cell { survey_id: 1, unit_id, month: month(at), channel, staff: staff.into(), counts: Arc::new(counts) }
}

struct Province {
    form: Questionnaire,
    layout: Layout,
    methodology: Methodology,
    data: Data,
}

/// Province 1; departments 2 (Sở A), 3 (Sở B) and 5 (Sở C, dissolved at the end of 2025); district 4
/// with commune 6.
fn province() -> Province {
    let form = rating_766();
    let layout = Layout::of(&form);
    let methodology = presets().into_iter().find(|m| m.code == "766").unwrap();
    let units = vec![
        unit(1, None, UnitLevel::Province, "Tỉnh", None),
        unit(2, Some(1), UnitLevel::Department, "Sở A", None),
        unit(3, Some(1), UnitLevel::Department, "Sở B", None),
        unit(5, Some(1), UnitLevel::Department, "Sở C", Some(date!(2025 - 12 - 31))),
        unit(4, Some(1), UnitLevel::District, "Huyện D", None),
        unit(6, Some(4), UnitLevel::Commune, "Xã E", None),
    ];
    let cells = vec![
        cell(&form, &layout, 2, "2026-02", Channel::Web, "", &["1", "1", "3", "3"]),
        cell(&form, &layout, 2, "2026-03", Channel::Web, "", &["3", "3", "1"]),
        cell(&form, &layout, 2, "2026-04", Channel::Kiosk, "nv1", &["2"]),
        cell(&form, &layout, 3, "2026-04", Channel::Web, "", &["1", "3"]),
        cell(&form, &layout, 3, "2026-05", Channel::Web, "", &["1"]),
        cell(&form, &layout, 6, "2026-03", Channel::Web, "", &["3"]),
    ];
    let targets = [(2, 80.0), (3, 50.0)].into_iter().collect();
    Province { form, layout, methodology, data: Data { units, cells, targets } }
}

fn basis(p: &Province, channel: Option<Channel>, level: UnitLevel) -> Basis<'_> {
    Basis {
        form: &p.form,
        layout: &p.layout,
        methodology: &p.methodology,
        methodology_id: 7,
        methodology_version: 2,
        period: Period::new(month("03/2026"), month("04/2026")).unwrap(),
        channel,
        level,
    }
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a value");
    assert!((actual - expected).abs() < 0.005, "expected {expected}, got {actual}");
}

#[test]
fn periods_are_checked_and_know_the_one_before() {
    let period = Period::new(month("03/2026"), month("04/2026")).unwrap();
    assert_eq!(period.previous(), Period::new(month("01/2026"), month("02/2026")).unwrap());
    assert_eq!(Period::new(month("11/2025"), month("01/2026")).unwrap().previous().label(), "08/2025 – 10/2025");
    assert_eq!(Period::year_to(month("05/2026")).label(), "01/2026 – 05/2026");
    assert_eq!(Period::new(month("03/2026"), month("03/2026")).unwrap().label(), "03/2026");
    assert!(Period::new(month("04/2026"), month("03/2026")).is_err());
    assert!(Period::new(month("01/2016"), month("12/2025")).is_ok(), "ten years");
    assert!(Period::new(month("01/2016"), month("01/2026")).is_err());
}

#[test]
fn the_overview_ranks_a_level_with_changes_and_targets() {
    let p = province();
    let overview = overview(&basis(&p, None, UnitLevel::Department), &p.data, 1).unwrap();
    assert_eq!((overview.period.as_str(), overview.methodology_id), ("03/2026 – 04/2026", 7));
    // Sở C ended before the period and has no answers in it: not listed.
    let rows: Vec<(&str, Option<u32>)> = overview.rows.iter().map(|r| (r.name.as_str(), r.rank)).collect();
    assert_eq!(rows, [("Sở A", Some(1)), ("Sở B", Some(2))]);
    let (a, b) = (&overview.rows[0], &overview.rows[1]);
    // Sở A: 3, 3, 1 in March and 2 in April → 3 of 4; in January–February 1, 1, 3, 3 → 2 of 4.
    close(a.figure.value, 75.0);
    assert_eq!(a.figure.n, 4);
    close(a.previous, 50.0);
    close(a.change, 25.0);
    assert_eq!((a.target, a.meets_target), (Some(80.0), Some(false)));
    // Sở B: 1, 3 in April (May's answer is after the period) → 1 of 2; no earlier answers.
    close(b.figure.value, 50.0);
    assert_eq!((b.previous, b.change, b.meets_target), (None, None, Some(true)));
    // The province: Sở A 3 of 4, Sở B 1 of 2, Xã E 1 of 1 → 5 of 7.
    close(overview.total.figure.value, 500.0 / 7.0);
    assert_eq!(overview.total.figure.n, 7);
    // Through the kiosk only: Sở A's one rating of 2.
    let kiosk = super::overview(&basis(&p, Some(Channel::Kiosk), UnitLevel::Department), &p.data, 1).unwrap();
    assert_eq!(kiosk.rows.iter().map(|r| (r.figure.n, r.figure.value)).collect::<Vec<_>>(), [(1, Some(100.0)), (0, None)]);
    assert!(super::overview(&basis(&p, None, UnitLevel::Department), &p.data, 99).is_none(), "a root outside the data");
}

#[test]
fn a_unit_in_depth_by_month_channel_and_counter_officer() {
    let p = province();
    let d = drilldown(&basis(&p, None, UnitLevel::Department), &p.data, 2).unwrap();
    close(d.report.overall.value, 75.0);
    close(d.previous, 50.0);
    let trend: Vec<(&str, Option<f64>)> = d.trend.iter().map(|s| (s.label.as_str(), s.figure.value)).collect();
    assert_eq!(trend.len(), 2);
    assert_eq!((trend[0].0, trend[1]), ("03/2026", ("04/2026", Some(100.0))));
    close(trend[0].1, 200.0 / 3.0);
    let channels: Vec<(&str, u64)> = d.channels.iter().map(|s| (s.key.as_str(), s.figure.n)).collect();
    assert_eq!(channels, [("web", 3), ("kiosk", 1)]);
    assert_eq!(d.staff.iter().map(|s| (s.key.as_str(), s.figure.n)).collect::<Vec<_>>(), [("nv1", 1)]);
    // The district: its commune below it, and its figure is the commune's.
    let district = drilldown(&basis(&p, None, UnitLevel::Department), &p.data, 4).unwrap();
    assert_eq!(district.children.iter().map(|r| (r.name.as_str(), r.rank, r.figure.value)).collect::<Vec<_>>(), [("Xã E", Some(1), Some(100.0))]);
    assert_eq!(district.report.overall.n, 1);
    assert!(district.staff.is_empty() && district.channels.len() == 1);
}

#[test]
fn a_ranking_opens_among_the_callers_peers() {
    assert_eq!(default_level(&[UnitLevel::Province]), UnitLevel::Department);
    assert_eq!(default_level(&[UnitLevel::Commune]), UnitLevel::Commune, "a commune compares itself with communes");
    assert_eq!(default_level(&[UnitLevel::VerticalAgency]), UnitLevel::VerticalAgency);
    assert_eq!(default_level(&[UnitLevel::Commune, UnitLevel::Province]), UnitLevel::Department, "the province's view wins");
    assert_eq!(default_level(&[]), UnitLevel::Department);
}

#[test]
fn a_period_is_unfinished_until_its_last_month_is_over() {
    let month = |m: &str| Month::parse(m).unwrap();
    let year = Period::new(month("01/2026"), month("12/2026")).unwrap();
    assert!(year.unfinished(month("12/2026")), "in its last month");
    assert!(year.unfinished(month("03/2026")));
    assert!(!year.unfinished(month("01/2027")), "the month after it");
}

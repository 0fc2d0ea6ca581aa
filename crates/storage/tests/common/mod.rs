//! What the storage contract suites share: a province with two communes, a published SIPAS
//! survey, and plausible varied responses.

#![allow(dead_code)] // Each suite uses a part.

use domain::auth::{Access, Grant, Role};
use domain::sipas::sipas_2017;
use domain::surveys::{Answer, Answers, Channel, Layout, Questionnaire, Recurrence, validate};
use domain::text::parse_date;
use domain::units::{UnitCode, UnitLevel, Validity};
use storage::responses::NewResponse;
use storage::surveys::NewSurvey;
use storage::units::UnitInput;
use storage::{Actor, Store};

pub const T0: i64 = 1_780_000_000_000;

pub fn actor() -> Actor {
    Actor::system("test", T0)
}

pub fn admin_on(unit: i64) -> Access {
    Access::new(vec![Grant { role: Role::SystemAdmin, unit }])
}

/// A province with two communes; returns (province, commune a, commune b).
pub async fn units(store: &Store) -> (i64, i64, i64) {
    let validity = |from: &str| Validity::new(parse_date(from).unwrap(), None).unwrap();
    let input = |code: &str, level, parent| UnitInput {
        code: UnitCode::parse(code).unwrap(),
        name: format!("Đơn vị {code}"),
        level,
        parent_id: parent,
        validity: validity("01/07/2025"),
    };
    let p =
        store.create_unit(&actor(), &admin_on(0), &UnitInput { validity: validity("01/01/1992"), ..input("99", UnitLevel::Province, None) }).await.unwrap().id;
    let a = store.create_unit(&actor(), &admin_on(p), &input("28101", UnitLevel::Commune, Some(p))).await.unwrap().id;
    let b = store.create_unit(&actor(), &admin_on(p), &input("28102", UnitLevel::Commune, Some(p))).await.unwrap().id;
    (p, a, b)
}

pub async fn published_survey(store: &Store, p: i64, targets: Vec<i64>) -> (i64, Questionnaire) {
    let form = sipas_2017();
    let q = store.create_questionnaire(&actor(), &admin_on(p), p, &form).await.unwrap();
    let version = store.publish_questionnaire(&actor(), &admin_on(p), q).await.unwrap();
    let survey = NewSurvey {
        code: "sipas".into(),
        title: "Khảo sát SIPAS năm 2026".into(),
        unit_id: p,
        version_id: version,
        recurrence: Recurrence::Yearly,
        period_start: parse_date("01/01/2026").unwrap(),
        period_end: parse_date("31/12/2026").unwrap(),
        opens_at: T0 - 1,
        closes_at: T0 + 86_400_000,
        channels: vec![Channel::Web, Channel::Invitation],
        targets,
    };
    (store.create_survey(&actor(), &admin_on(p), &survey).await.unwrap(), form)
}

/// A plausible SIPAS response, varied by `seed`.
pub fn answers(seed: u64, unit_code: &str) -> Answers {
    let mut a = Answers::new();
    let pick = |n: u64, k: u64| (seed / n) % k;
    a.insert("DV".into(), Answer::Text(unit_code.into()));
    for (element, criteria) in [("TC", 4), ("TT", 5), ("CC", 6), ("KQ", 3), ("PA", 4)] {
        for i in 1..=criteria {
            a.insert(format!("{element}{i}"), Answer::Text(["co", "khong", "kb"][pick(i + 3, 3) as usize].into()));
        }
        a.insert(format!("{element}_HL"), Answer::Text((1 + pick(criteria + 7, 5)).to_string()));
        if pick(11, 2) == 0 {
            a.insert(format!("{element}_KV"), Answer::List(vec![format!("{element}1")]));
        }
    }
    a.insert("PA0".into(), Answer::Text(if pick(13, 2) == 0 { "co" } else { "chua" }.into()));
    a.insert("HL_CHUNG".into(), Answer::Text((1 + pick(17, 5)).to_string()));
    a
}

pub fn response(form: &Questionnaire, survey: i64, unit: i64, unit_code: &str, seed: u64, submission: &str) -> NewResponse {
    let answers = validate(form, &answers(seed, unit_code)).expect("generated answers are valid");
    NewResponse {
        submission_id: submission.into(),
        survey_id: survey,
        unit_id: unit,
        channel: if seed.is_multiple_of(3) { "invitation" } else { "web" }.into(),
        started_at: Some(T0 - 120_000),
        submitted_at: T0 + (seed as i64 % 3) * 86_400_000,
        duration_ms: Some(120_000),
        token_hash: None,
        dossier_code: None,
        fingerprint: format!("fp{}", seed % 7),
        flags: 0,
        staff: String::new(),
        positions: Layout::of(form).positions(form, &answers).unwrap(),
        layout: std::sync::Arc::new(Layout::of(form)),
        answers: serde_json::to_string(&answers).unwrap(),
        follow_ups: Vec::new(),
    }
}

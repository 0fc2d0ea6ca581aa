//! The survey of civil servants for this year's PAR round in the demo, run as a province runs
//! it: the reform office opened the roster, six communes listed the people they chose (the
//! list stays open a week more), the invitations went out by e-mail — a few mailboxes refused
//! them and the invitations moved to SMS by themselves — and a little over half have answered,
//! each through their own link. Years the demo's published rounds cover have none.

use std::sync::Arc;

use domain::auth::{Access, Grant, Role};
use domain::invitations::{InviteChannel, ascii};
use domain::par::roster::RawMember;
use domain::sampling::SplitMix;
use domain::surveys::{Answer, Answers, Channel, Layout, QuestionKind, Questionnaire, Recurrence, validate};
use domain::text::{parse_date, vn_datetime};
use storage::crypto::digest;
use storage::responses::NewResponse;
use storage::surveys::NewSurvey;
use storage::{Actor, Store};

const DAY: i64 = 86_400_000;
const FAMILY: [&str; 12] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Minh", "Thu", "Quốc", "Ngọc", "Hữu", "Thanh"];
const GIVEN: [&str; 16] = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Tâm", "Yến"];
const POSITIONS: [&str; 8] = [
    "Phó Chủ tịch UBND",
    "Công chức Văn phòng - Thống kê",
    "Công chức Tư pháp - Hộ tịch",
    "Công chức Địa chính - Xây dựng",
    "Công chức Tài chính - Kế toán",
    "Công chức Văn hóa - Xã hội",
    "Chuyên viên Bộ phận Một cửa",
    "Chỉ huy trưởng Quân sự",
];
/// People listed by the first communes of the round.
const LISTED: [usize; 6] = [8, 6, 5, 5, 4, 4];

fn access(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

pub async fn load(store: &Store, now_ms: i64) -> anyhow::Result<()> {
    let year = vn_datetime(now_ms).year();
    if year <= 2025 {
        return Ok(());
    }
    let province = store.public_unit_by_code(super::PROVINCE_CODE).await?.id;
    let (admin, office) = (access(Role::SystemAdmin, province), access(Role::ReformOffice, province));
    let at = |days_ago: i64| Actor::system("demo", now_ms - days_ago * DAY);
    let form = domain::par::surveys::civil_servants();
    let questionnaire = store.create_questionnaire(&at(6), &admin, province, &form).await?;
    let version_id = store.publish_questionnaire(&at(6), &admin, questionnaire).await?;
    let today = domain::text::iso_date(vn_datetime(now_ms).date());
    let communes = store.par_units_of_level(domain::units::UnitLevel::Commune, &today).await?;
    let day = |d: &str| parse_date(&format!("{d}/{year}")).ok_or_else(|| anyhow::anyhow!("date"));
    let survey = NewSurvey {
        code: format!("par-cbcc-{year}"),
        title: format!("Khảo sát cán bộ, công chức về công tác cải cách hành chính năm {year}"),
        unit_id: province,
        version_id,
        recurrence: Recurrence::Yearly,
        period_start: day("01/01")?,
        period_end: day("31/12")?,
        opens_at: now_ms - 5 * DAY,
        closes_at: now_ms + 30 * DAY,
        channels: vec![Channel::Invitation],
        targets: communes.iter().map(|(id, _)| *id).collect(),
    };
    let survey_id = store.create_survey(&at(6), &admin, &survey).await?;
    store.open_roster(&at(6), &office, survey_id, now_ms + 7 * DAY).await?;
    let targets = store.survey_targets(survey_id).await?;
    let mut dice = SplitMix(year as u64);
    for ((unit, code, name), count) in targets.iter().zip(LISTED) {
        let rows: Vec<(usize, RawMember)> = (0..count)
            .map(|i| {
                let pick = |dice: &mut SplitMix, n: usize| dice.below(n as u64) as usize;
                let person = format!("{} {} {}", FAMILY[pick(&mut dice, 12)], MIDDLE[pick(&mut dice, 8)], GIVEN[pick(&mut dice, 16)]);
                let mailbox = ascii(&person).to_lowercase().replace(' ', ".");
                // The third of each list gave an address its mail server does not know.
                let email = if i == 2 { format!("hopthu.cu.{mailbox}.{code}@demo.gov.vn") } else { format!("{mailbox}.{code}@demo.gov.vn") };
                let member = RawMember {
                    name: person,
                    position: POSITIONS[i % POSITIONS.len()].into(),
                    workplace: format!("UBND {name}"),
                    email,
                    phone: format!("09{:05}{i:03}", code.parse::<u64>().unwrap_or_default() % 100_000),
                };
                (i + 2, member)
            })
            .collect();
        store.add_roster_members(&at(5), &access(Role::UnitOfficial, *unit), survey_id, *unit, &rows).await?;
    }
    store.invite_roster(&at(4), &office, survey_id).await?;
    // The e-mails go, but to the unknown mailboxes, which bounce; their SMS follow.
    let mut reached = Vec::new();
    for round in 0..2 {
        for due in store.due_invitations(now_ms - 4 * DAY, 1_000).await? {
            if round == 0 && due.to.starts_with("hopthu.cu.") {
                store.invitation_not_sent(due.id, "550 5.1.1 Hộp thư không tồn tại", true, now_ms - 4 * DAY, now_ms - 4 * DAY).await?;
            } else {
                store.invitation_sent(due.id, &format!("demo-{}", due.id), now_ms - 4 * DAY).await?;
                reached.push((due.channel, due.token));
            }
        }
    }
    answer(store, survey_id, &form, &targets, &reached, now_ms).await
}

/// A little over half of those reached answer through their own link over the last days.
async fn answer(
    store: &Store,
    survey_id: i64,
    form: &Questionnaire,
    targets: &[(i64, String, String)],
    reached: &[(InviteChannel, String)],
    now_ms: i64,
) -> anyhow::Result<()> {
    let layout = Arc::new(Layout::of(form));
    let ingest = store.start_ingest();
    let mut dice = SplitMix(now_ms as u64 / DAY as u64);
    for (n, (_, token)) in reached.iter().enumerate() {
        if dice.unit() > 0.6 {
            continue;
        }
        let Some((unit_id, code)) = token_unit(store, token, targets, now_ms).await? else { continue };
        let answers = validate(form, &sheet(form, &code, 0.55 + (unit_id.unsigned_abs() * 7919 % 41) as f64 / 100.0, &mut dice))
            .map_err(|e| anyhow::anyhow!("demo answers: {e:?}"))?;
        let submitted_at = now_ms - 3 * DAY + (n as i64 * 3_600_000) % (3 * DAY);
        let response = NewResponse {
            submission_id: format!("par-cbcc-{n}"),
            survey_id,
            unit_id,
            channel: "invitation".into(),
            started_at: Some(submitted_at - 600_000),
            submitted_at,
            duration_ms: Some(600_000),
            token_hash: Some(digest(token)),
            dossier_code: None,
            fingerprint: format!("demo-cbcc{}", n % 13),
            flags: 0,
            staff: String::new(),
            positions: layout.positions(form, &answers)?,
            layout: layout.clone(),
            answers: serde_json::to_string(&answers)?,
            follow_ups: Vec::new(),
        };
        ingest.submit(response).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

/// The unit (id, code) a link answers for.
async fn token_unit(store: &Store, token: &str, targets: &[(i64, String, String)], now_ms: i64) -> anyhow::Result<Option<(i64, String)>> {
    Ok(match store.token_state(&digest(token), now_ms).await? {
        storage::surveys::TokenState::Valid { unit_id, .. } => targets.iter().find(|t| t.0 == unit_id).map(|t| (t.0, t.1.clone())),
        _ => None,
    })
}

/// An official's sheet in a unit of quality `q`: agreement mostly high where the unit does well,
/// now and then "don't know", a position, no comment.
fn sheet(form: &Questionnaire, unit_code: &str, q: f64, dice: &mut SplitMix) -> Answers {
    let mut answers = Answers::new();
    for (_, question) in form.questions() {
        let answer = match &question.kind {
            QuestionKind::Unit { .. } => Answer::Text(unit_code.into()),
            QuestionKind::SingleChoice { options } => Answer::Text(options[dice.below(options.len() as u64) as usize].code.clone()),
            QuestionKind::Likert { .. } if dice.unit() < 0.05 => Answer::Text("kr".into()),
            QuestionKind::Likert { .. } => {
                let level = if dice.unit() < q { 4 + u64::from(dice.unit() < 0.4) } else { 2 + u64::from(dice.unit() < 0.6) };
                Answer::Text(level.to_string())
            }
            _ => continue,
        };
        answers.insert(question.code.clone(), answer);
    }
    answers
}

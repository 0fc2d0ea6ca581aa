//! A frame register for the demo: dossiers completed in 2026 at the surveyed units, as the
//! one-stop system would have sent them, with invented applicants. Deterministic.

use domain::auth::{Access, Grant, Role};
use domain::sampling::SplitMix;
use domain::sampling::draw::{DrawParams, Strata};
use domain::sampling::frame::RawFrameRow;
use storage::sampling::DrawRequest;
use storage::{Actor, Paging, Store};

use super::SURVEY_CODE;

/// Dossiers the demo starts with.
pub const COUNT: usize = 2_000;

const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"];
const MIDDLE: [&str; 5] = ["Văn", "Thị", "Minh", "Thanh", "Quốc"];
const GIVEN: [&str; 8] = ["An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Nam"];

/// Registers `count` dossiers completed between 1 January 2026 and `now`.
pub async fn load(store: &Store, count: usize, now: i64) -> anyhow::Result<()> {
    let survey = store.survey_by_code(SURVEY_CODE, now).await?;
    let units = store.survey_targets(survey.id).await?;
    let province = store.root_units().await?;
    let access = Access::new(province.into_iter().map(|unit| Grant { role: Role::SystemAdmin, unit }).collect());
    let start = domain::text::parse_date("01/01/2026").expect("a date");
    let days = (domain::text::vn_datetime(now).date() - start).whole_days().max(1);
    let mut dice = SplitMix(1_2026);
    let mut pick = |n: usize| dice.below(n as u64) as usize;
    let rows: Vec<(usize, RawFrameRow)> = (0..count)
        .map(|i| {
            let (_, unit_code, _) = &units[pick(units.len())];
            let (_, procedure, field) = super::PROCEDURES[pick(super::PROCEDURES.len())];
            let completed = start + time::Duration::days(pick(days as usize) as i64);
            let name = format!("{} {} {}", FAMILY[pick(8)], MIDDLE[pick(5)], GIVEN[pick(8)]);
            let phone = format!("09{:08}", pick(100_000_000));
            let row = RawFrameRow {
                dossier_code: format!("000.00.{unit_code}-{}-{i:05}", domain::text::iso_date(completed).replace('-', "")),
                procedure: procedure.into(),
                field: field.into(),
                unit_code: unit_code.clone(),
                completed_on: domain::text::iso_date(completed),
                name,
                phone: if pick(10) < 9 { phone } else { String::new() },
                email: if pick(4) == 0 { format!("nguoidan{i}@example.vn") } else { String::new() },
                consent: if pick(10) < 8 { "có" } else { "không" }.into(),
            };
            (i + 2, row)
        })
        .collect();
    let actor = Actor::system("dữ liệu minh họa", now);
    let report = store.import_frame(&actor, &access, &rows, "upload", true).await?;
    anyhow::ensure!(report.applied, "demo frame refused: {:?}", report.rows.iter().find(|r| !r.errors.is_empty()));
    sample(store, &actor, &access, survey.id, now).await
}

/// The reform office's draw from the last ninety days' dossiers, three weeks into its telephone
/// interviews: about three in five sampled people have answered.
async fn sample(store: &Store, actor: &Actor, access: &Access, survey_id: i64, now: i64) -> anyhow::Result<()> {
    let today = domain::text::vn_datetime(now).date();
    let params = DrawParams { total: 300, minimum: 8, strata: Strata::Unit, reserves_per_sample: 2, seed: 2026 };
    let request = DrawRequest { survey_id, from: today - time::Duration::days(90), to: today - time::Duration::days(1), params };
    let draw = store.create_draw(actor, access, &request).await?;
    let members = store.draw_members(access, draw, None, "selected", Paging::ALL).await?.items;
    let mut dice = SplitMix(3_2026);
    let answered: Vec<(i64, String)> = members.into_iter().filter(|_| dice.below(5) < 3).map(|m| (m.unit_id, m.dossier_code)).collect();
    super::responses::interviews(store, SURVEY_CODE, (now - 21 * 86_400_000, now), &answered).await
}

//! PAR INDEX in the demo: the communes' rounds for 2024 (the communes under the districts) and
//! 2025 (the merged communes of the two-tier structure), each scored through the steps a real
//! round takes — self-assessment with notes, the chairman's approval, the council's two rounds
//! with an explanation between them, measured points — and published, so that 2025 compares
//! with 2024 across the lineage of the merger; and this year's provincial reform plan with tasks
//! for the communes, some done, some under way; and this year's survey of civil servants
//! (`roster`).

use std::collections::BTreeMap;

use anyhow::Context;
use domain::auth::{Access, Grant, Role};
use domain::par::marking::ItemPost;
use domain::par::plan::TaskStatus;
use domain::par::{Action, Deadlines, Module, Points, Source, Stage, Tree};
use domain::text::{parse_date, vn_datetime, vn_midnight_ms};
use domain::units::UnitLevel;
use storage::par::{MeasuredResults, NewRound, NewTask, TaskUpdate};
use storage::{Actor, Store};

const DAY: i64 = 86_400_000;

/// A unit's quality in the demo, 0.55–0.95, the same on every load.
fn quality(code: &str) -> f64 {
    let n: u64 = code.bytes().map(u64::from).fold(7, |h, b| h.wrapping_mul(31).wrapping_add(b));
    0.55 + (n % 41) as f64 / 100.0
}

/// `max × q`, down to a quarter point.
fn share(max: Points, q: f64) -> Points {
    Points(((max.0 as f64 * q) / 25.0).floor() as i64 * 25)
}

fn access(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

pub async fn load(store: &Store, now_ms: i64) -> anyhow::Result<()> {
    let province = store.public_unit_by_code(super::PROVINCE_CODE).await?.id;
    let council = store.user_id_by_name("thamdinh").await?;
    for (year, in_force) in [(2024, "31/12/2024"), (2025, "31/12/2025")] {
        round(store, province, council, year, in_force).await.with_context(|| format!("đợt đánh giá năm {year}"))?;
    }
    current_round(store, province, now_ms).await?;
    plan(store, province, now_ms).await?;
    super::roster::load(store, now_ms).await
}

/// Opens the communes' round of `year` with the built-in criteria, for the communes in force on
/// `day` (ISO): the round's id and its criteria.
async fn open_commune_round(store: &Store, actor: &Actor, office: &Access, year: i32, deadlines: Deadlines, day: &str) -> anyhow::Result<(i64, Tree)> {
    let mut tree: Tree = domain::par::template::provincial(UnitLevel::Commune, year);
    tree.code = format!("PAR-XA-{year}");
    tree.title = format!("Bộ tiêu chí Chỉ số cải cách hành chính cấp xã năm {year}");
    tree.template = false;
    let tree_id = store.save_par_tree(actor, office, &tree).await?;
    let units = store.par_units_of_level(UnitLevel::Commune, day).await?;
    let new_round = NewRound {
        tree_id,
        title: format!("Chỉ số cải cách hành chính cấp xã năm {year}"),
        deadlines,
        classes: Default::default(),
        unit_ids: units.iter().map(|(id, _)| *id).collect(),
    };
    Ok((store.open_par_round(actor, office, &new_round).await?, tree))
}

/// A unit's own points on every item it scores, for its quality `q`, with a note where the item
/// asks for evidence.
fn self_marks(tree: &Tree, q: f64) -> Vec<(String, Points, &'static str)> {
    tree.items()
        .filter(|(_, _, i)| i.self_assessed())
        .map(|(_, _, item)| (item.code.clone(), share(item.max, (q + 0.1).min(1.0)), if item.evidence_required { "Có văn bản, báo cáo kèm theo." } else { "" }))
        .collect()
}

/// This year's round, opened today and in self-assessment: Phường An Lạc has sent its
/// self-assessment to its chairman, Phường Đông Thành has scored part of it, the others have
/// not begun. Years the demo's published rounds cover have none.
async fn current_round(store: &Store, province: i64, now_ms: i64) -> anyhow::Result<()> {
    let year = vn_datetime(now_ms).year();
    if year <= 2025 {
        return Ok(());
    }
    let office = access(Role::ReformOffice, province);
    let actor = Actor::system("demo", now_ms);
    let today = vn_midnight_ms(vn_datetime(now_ms).date());
    let d = Deadlines { self_assessment: today + 45 * DAY, appraisal: today + 60 * DAY, explanation: today + 70 * DAY, final_appraisal: today + 90 * DAY };
    let today_iso = domain::text::iso_date(vn_datetime(now_ms).date());
    let (round, tree) = open_commune_round(store, &actor, &office, year, d, &today_iso).await?;
    for record in store.par_assessments(&actor, &office, round).await? {
        let (id, unit, code) = (record.assessment.id, record.assessment.unit_id, record.assessment.unit_code.as_str());
        let marks = self_marks(&tree, quality(&format!("{code}{year}")));
        let official = access(Role::UnitOfficial, unit);
        let post = |(item, points, note): &(String, Points, &str)| ItemPost::mark(Stage::SelfAssessment, item, Some(*points), note);
        match code {
            "28101" => {
                store.save_par_items(&actor, &official, id, &marks.iter().map(post).collect::<Vec<_>>()).await?;
                store.act_on_par_assessment(&actor, &official, id, Action::Submit, "").await?;
            }
            "28102" => store.save_par_items(&actor, &official, id, &marks.iter().take(marks.len() / 2).map(post).collect::<Vec<_>>()).await?,
            _ => {}
        }
    }
    Ok(())
}

/// The elements of `module` the tree's items are measured by.
fn measures(tree: &Tree, module: Module) -> Vec<String> {
    let mut found: Vec<String> = tree
        .items()
        .filter_map(|(_, _, item)| match &item.source {
            Source::Measured { module: m, measure, .. } if *m == module && !measure.is_empty() => Some(measure.clone()),
            _ => None,
        })
        .collect();
    found.dedup();
    found
}

/// Deadlines of a year's round, early the next year.
fn deadlines(year: i32) -> anyhow::Result<Deadlines> {
    let day = |d: &str| parse_date(&format!("{d}/{}", year + 1)).map(vn_midnight_ms).context("date");
    Ok(Deadlines { self_assessment: day("16/01")?, appraisal: day("01/02")?, explanation: day("11/02")?, final_appraisal: day("01/03")? })
}

async fn round(store: &Store, province: i64, council: i64, year: i32, in_force: &str) -> anyhow::Result<()> {
    let office = access(Role::ReformOffice, province);
    let d = deadlines(year)?;
    let at = |end: i64| Actor::system("demo", end - DAY);
    let day = parse_date(in_force).map(domain::text::iso_date).context("date")?;
    let opening = at(d.self_assessment - 30 * DAY);
    let (round, tree) = open_commune_round(store, &opening, &office, year, d, &day).await?;
    let council_actor = |end: i64| Actor { user_id: Some(council), ..at(end) };
    let council_access = access(Role::AppraisalCouncil, province);
    let mut measured: BTreeMap<Module, BTreeMap<String, BTreeMap<String, f64>>> = BTreeMap::new();
    for record in store.par_assessments(&opening, &office, round).await? {
        let (id, unit, code) = (record.assessment.id, record.assessment.unit_id, record.assessment.unit_code.clone());
        let q = quality(&format!("{code}{year}"));
        store.assign_par_council(&opening, &office, id, &[council]).await?;
        let official = access(Role::UnitOfficial, unit);
        let own = self_marks(&tree, q);
        let marks: Vec<ItemPost> = own.iter().map(|(item, points, note)| ItemPost::mark(Stage::SelfAssessment, item, Some(*points), note)).collect();
        store.save_par_items(&at(d.self_assessment), &official, id, &marks).await?;
        store.act_on_par_assessment(&at(d.self_assessment), &official, id, Action::Submit, "").await?;
        store.act_on_par_assessment(&at(d.self_assessment), &access(Role::UnitHead, unit), id, Action::Approve, "").await?;
        // The council takes a quarter point off every sixth item; the first of them is explained
        // and accepted in round 2, the others stand.
        let reduced: Vec<(&str, Points, Points)> =
            own.iter().step_by(6).filter(|(_, p, _)| *p > Points::ZERO).map(|(item, p, _)| (item.as_str(), *p, Points(p.0 - 25))).collect();
        let first: Vec<ItemPost> =
            reduced.iter().map(|(item, _, lower)| ItemPost::mark(Stage::Appraisal, item, Some(*lower), "Tài liệu kiểm chứng chưa đầy đủ.")).collect();
        store.save_par_items(&council_actor(d.appraisal), &council_access, id, &first).await?;
        if let Some((item, _, _)) = reduced.first() {
            let explanation = ItemPost::mark(Stage::Explanation, item, None, "Đơn vị đã bổ sung văn bản còn thiếu.");
            store.save_par_items(&at(d.explanation), &official, id, &[explanation]).await?;
        }
        let settled: Vec<ItemPost> = reduced
            .iter()
            .enumerate()
            .map(|(n, (item, own, lower))| match n {
                0 => ItemPost::mark(Stage::FinalAppraisal, item, Some(*own), "Chấp nhận giải trình."),
                _ => ItemPost::mark(Stage::FinalAppraisal, item, Some(*lower), "Giữ kết quả thẩm định vòng 1."),
            })
            .collect();
        store.save_par_items(&council_actor(d.final_appraisal), &council_access, id, &settled).await?;
        for (module, figure) in
            [(Module::Sipas, q * 100.0), (Module::CivilServants, q * 95.0), (Module::Leaders, q * 97.0), (Module::Plan, (q * 110.0).min(100.0))]
        {
            let rounded = |f: f64| (f.clamp(0.0, 100.0) * 100.0).round() / 100.0;
            let figures = measured.entry(module).or_default().entry(code.clone()).or_default();
            figures.insert(String::new(), rounded(figure));
            // The elements of the officials' surveys at the survey's figure, so that the
            // published demo indices stay as they were.
            for measure in measures(&tree, module) {
                figures.insert(measure, rounded(figure));
            }
        }
    }
    for (module, indices) in measured {
        let results = MeasuredResults { indices, source: format!("kết quả năm {year} (dữ liệu minh họa)") };
        store.set_par_measured_points(&at(d.final_appraisal), &office, round, module, &results).await?;
    }
    store.publish_par_round(&Actor::system("demo", d.final_appraisal + DAY), &office, round).await?;
    Ok(())
}

/// (content, lead unit, coordinating unit, product, deadline and day done, in days from today)
type DemoTask = (&'static str, &'static str, &'static str, &'static str, i64, Option<i64>);

/// This year's provincial plan: tasks for the communes with deadlines around today.
async fn plan(store: &Store, province: i64, now_ms: i64) -> anyhow::Result<()> {
    let office = access(Role::ReformOffice, province);
    let year = vn_datetime(now_ms).year();
    let today = vn_datetime(now_ms).date();
    let actor = Actor::system("demo", now_ms);
    let plan = store.create_par_plan(&actor, &office, province, year, &format!("Kế hoạch cải cách hành chính tỉnh An Lạc năm {year}")).await?;
    let tasks: [DemoTask; 5] = [
        ("Rà soát, đơn giản hóa thủ tục hành chính thuộc thẩm quyền cấp xã", "28101", "28102", "Báo cáo kết quả rà soát", -60, Some(-65)),
        ("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", "28101", "", "Kho dữ liệu số hóa", -20, None),
        ("Niêm yết công khai thủ tục hành chính tại Bộ phận Một cửa", "28102", "", "Biên bản kiểm tra niêm yết", -30, Some(-25)),
        ("Tổ chức đối thoại với người dân về cải cách hành chính", "28102", "28101", "Biên bản đối thoại", 20, None),
        ("Khảo sát sự hài lòng của người dân tại Bộ phận Một cửa", "28101", "", "Báo cáo kết quả khảo sát", 30, Some(-2)),
    ];
    for (content, lead, partner, product, deadline, done) in tasks {
        let lead_unit_id = store.public_unit_by_code(lead).await?.id;
        let partner_ids = if partner.is_empty() { Vec::new() } else { vec![store.public_unit_by_code(partner).await?.id] };
        let deadline = today + time::Duration::days(deadline);
        let deadline = Some(if deadline.year() < year { today } else { deadline });
        let task = store
            .add_par_task(&actor, &office, plan, &NewTask { content: content.into(), lead_unit_id, partner_ids, product: product.into(), deadline })
            .await?;
        let (status, done_on) = match done {
            Some(days) => (TaskStatus::Done, Some(today + time::Duration::days(days))),
            None if deadline < Some(today) => (TaskStatus::InProgress, None),
            None => (TaskStatus::NotStarted, None),
        };
        let update = TaskUpdate { status, done_on, note: String::new(), file: None };
        store.progress_par_task(&actor, &office, task, &update).await?;
    }
    Ok(())
}

//! The officials' first screen: what each person comes for, in panels chosen by what they may
//! do. Those who read results see their area's satisfaction index with its months, its rank or
//! its weakest units, and its weakest criteria; the PAR INDEX shows the latest published
//! results (the whole ranking for the office and the leaders, the unit's own line for a unit),
//! the rounds under way with their next deadline and what waits for approval or publication;
//! alert cases come by deadline; a unit sees the plan tasks it leads; the reform office sees the
//! sample's participation against its quotas.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use domain::alerts::{AlertKind, CaseStatus};
use domain::auth::{Access, Permission};
use domain::par::{Phase, State as AssessmentState};
use domain::sipas::figures::Period;
use domain::text::{self, format_lock, format_number};
use domain::units::UnitLevel;
use storage::Paging;
use storage::alerts::CaseFilter;
use storage::sipas::Selection;

use crate::AppState;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::layout::Layout;
use crate::sipas::figures;
use domain::sipas::figures::percent;
use reports::charts;

#[derive(Template, WebTemplate)]
#[template(path = "home/dashboard.html")]
pub struct Dashboard {
    layout: Layout,
    roles: Vec<(&'static str, String)>,
    sipas: Option<SipasPanel>,
    par: Option<ParPanel>,
    alerts: Option<AlertsPanel>,
    tasks: Vec<TaskLine>,
    sampling: Option<SamplingPanel>,
    /// The field work the caller does: (address, what, how).
    work: Vec<(&'static str, &'static str, &'static str)>,
}

/// Field work, for those who collect answers.
const WORK: [(Permission, &str, &str, &str); 3] = [
    (Permission::RunKiosks, "/admin/kiosks", "Máy đánh giá tại quầy", "Nhận ca trực và mời người dân đánh giá ngay tại Bộ phận Một cửa."),
    (Permission::ConductInterviews, "/interviewer/", "Phỏng vấn", "Gọi điện hoặc gặp những người được chọn vào mẫu và ghi câu trả lời, cả khi mất mạng."),
    (Permission::EnterPaper, "/admin/paper", "Nhập phiếu giấy", "Nhập các phiếu khảo sát đã thu bằng giấy."),
];

pub async fn dashboard(State(state): State<AppState>, user: CurrentUser) -> PageResult<Dashboard> {
    let access = &user.principal.access;
    let mut roles = Vec::new();
    for grant in access.grants() {
        roles.push((grant.role.label(), state.store.public_unit(grant.unit).await?.name));
    }
    Ok(Dashboard {
        layout: Layout::admin(&user, "Tổng quan", "/admin"),
        sipas: sipas_panel(&state, access).await?,
        par: par_panel(&state, &user).await?,
        alerts: alerts_panel(&state, access).await?,
        tasks: plan_tasks(&state, access).await?,
        sampling: sampling_panel(&state, access).await?,
        work: WORK.iter().filter(|(p, ..)| access.has(*p)).map(|(_, href, label, how)| (*href, *label, *how)).collect(),
        roles,
    })
}

pub struct SipasPanel {
    value: String,
    unit_id: i64,
    area: String,
    period: String,
    responses: String,
    trend_chart: String,
    /// `Hạng 3/8 trong các xã, phường` for a unit.
    rank: Option<String>,
    /// For the province: its weakest units of each level.
    weakest_units: Vec<(&'static str, Vec<UnitFigure>)>,
    /// (element, criterion, index)
    weakest_criteria: Vec<(String, String, String)>,
    /// For those who publish: last year's results, not yet published.
    unpublished: Option<String>,
}

/// (unit id, name, index)
type UnitFigure = (i64, String, String);

/// The caller's area's satisfaction index over this year so far; none before any survey with a
/// methodology exists, or for those who do not read results.
async fn sipas_panel(state: &AppState, access: &Access) -> Result<Option<SipasPanel>, Failure> {
    let Some(&root) = access.roots(Permission::ViewResults).first() else { return Ok(None) };
    let selection = match figures::select(state, access, &Default::default()).await {
        Ok(selection) => selection,
        Err(failure) if failure.status == axum::http::StatusCode::UNPROCESSABLE_ENTITY => return Ok(None),
        Err(failure) => return Err(failure),
    };
    let d = state.store.sipas_drilldown(access, &selection, root).await?;
    let province = d.unit.parent_id.is_none();
    let mut weakest_units = Vec::new();
    let mut rank = None;
    if province {
        for level in [UnitLevel::Department, UnitLevel::Commune] {
            let at_level = Selection { level, ..selection.clone() };
            let rows = state.store.sipas_overview(access, &at_level).await?.rows;
            let ranked: Vec<_> = rows.iter().filter(|r| r.rank.is_some()).collect();
            // The three lowest, lowest first; a level with few units ranked has no "weakest".
            let lowest: Vec<_> = ranked.iter().rev().take(3).map(|r| (r.unit_id, r.name.clone(), percent(r.figure.value))).collect();
            if ranked.len() > 3 {
                weakest_units.push((level.plural(), lowest));
            }
        }
    } else if let Some((place, of)) = state.store.sipas_peer_rank(access, &selection, root).await? {
        rank = Some(format!("Hạng {place}/{of} trong các {}", d.unit.level.plural()));
    }
    let total = &d.report.overall;
    Ok(Some(SipasPanel {
        value: percent(total.value),
        unit_id: root,
        area: d.unit.name.clone(),
        period: selection.period.label(),
        responses: format_number(total.n as f64, 0),
        trend_chart: charts::trend("Chỉ số hài lòng theo tháng", &charts::points(&d.trend), d.target),
        rank,
        weakest_units,
        weakest_criteria: d.report.weakest_criteria().into_iter().take(3).map(|(e, c)| (e.label.clone(), c.label.clone(), percent(c.figure.value))).collect(),
        unpublished: unpublished_year(state, access, &selection).await?,
    }))
}

/// Last year's index, for those who publish it, when no publication covers last year yet.
async fn unpublished_year(state: &AppState, access: &Access, selection: &Selection) -> Result<Option<String>, Failure> {
    if access.roots(Permission::PublishResults).is_empty() {
        return Ok(None);
    }
    let year = selection.period.to.year() - 1;
    if state.store.publications().await?.iter().any(|p| p.from_month.year() <= year && p.to_month.year() >= year) {
        return Ok(None);
    }
    // Only a year with answers waits for publication; the figures are read only then.
    let last_year = Period::year_to(domain::calendar::Month::new(year, 12).ok_or_else(|| Failure::invalid("năm không hợp lệ"))?);
    let answered = state.store.sipas_overview(access, &Selection { period: last_year, ..selection.clone() }).await?.total.figure.n > 0;
    Ok(answered.then(|| format!("Kết quả chỉ số hài lòng năm {year} chưa được công bố.")))
}

pub struct ParPanel {
    /// The newest published round of each level, for those who read every unit's results.
    results: Vec<RoundResults>,
    /// The caller's units' lines in the newest published rounds: (unit, index, class, rank).
    own: Vec<(String, String, &'static str, String)>,
    rounds: Vec<RoundLine>,
}

pub struct RoundResults {
    id: i64,
    title: String,
    /// (class, units)
    classes: Vec<(&'static str, usize)>,
    /// (rank, unit, index): the three best and the three lowest.
    best: Vec<(u32, String, String)>,
    lowest: Vec<(u32, String, String)>,
}

/// A round not yet published, as the caller stands to it.
pub struct RoundLine {
    id: i64,
    title: String,
    phase: &'static str,
    /// When the current phase locks; empty once closed.
    next_deadline: String,
    /// Self-assessments approved by their heads, of all the caller sees.
    approved: usize,
    total: usize,
    /// Submitted and waiting for the head, for those who approve: (assessment id, unit).
    waiting: Vec<(i64, String)>,
    /// The caller's units' own assessments: (assessment id, unit, state).
    own: Vec<(i64, String, &'static str)>,
    /// Closed and not published: waits for the reform office.
    to_publish: bool,
}

async fn par_panel(state: &AppState, user: &CurrentUser) -> Result<Option<ParPanel>, Failure> {
    let access = &user.principal.access;
    if !domain::auth::PAR_PAGES.iter().any(|p| access.has(*p)) {
        return Ok(None);
    }
    let now = state.clock.now_ms();
    let reads_all = access.has(Permission::ViewParResults);
    let own_units = [access.roots(Permission::SelfAssess), access.roots(Permission::ApproveAssessment)].concat();
    let mut results = Vec::new();
    let mut own = Vec::new();
    let mut levels_seen = Vec::new();
    for round in state.store.published_par_rounds().await? {
        // The newest of each level: the list comes newest first.
        if levels_seen.contains(&round.level) {
            continue;
        }
        levels_seen.push(round.level.clone());
        let r = state.store.published_par_results(round.id).await?;
        for u in r.units.iter().filter(|u| own_units.contains(&u.unit_id)) {
            let rank = format!("hạng {}/{} — {}", u.rank, r.units.len(), round.title);
            own.push((u.unit_name.clone(), u.scorecard.index.display(), u.scorecard.class.label(), rank));
        }
        if reads_all {
            let line = |u: &storage::par::UnitResult| (u.rank, u.unit_name.clone(), u.scorecard.index.display());
            let mut classes: Vec<(&'static str, usize)> = Vec::new();
            for u in &r.units {
                match classes.iter_mut().find(|(c, _)| *c == u.scorecard.class.label()) {
                    Some((_, n)) => *n += 1,
                    None => classes.push((u.scorecard.class.label(), 1)),
                }
            }
            let lowest_start = r.units.len().saturating_sub(3).max(3.min(r.units.len()));
            results.push(RoundResults {
                id: round.id,
                title: round.title,
                classes,
                best: r.units.iter().take(3).map(line).collect(),
                lowest: r.units[lowest_start..].iter().rev().map(line).collect(),
            });
        }
    }
    let office = access.has(Permission::ManagePar);
    let approver = access.has(Permission::ApproveAssessment);
    let rounds = state
        .store
        .par_rounds_under_way(&user.actor(state), access)
        .await?
        .into_iter()
        .map(|round| {
            let phase = round.deadlines.phase(now);
            let is_own = |unit: i64| own_units.contains(&unit);
            RoundLine {
                id: round.id,
                title: round.title,
                phase: phase.label(),
                next_deadline: if phase == Phase::Closed { String::new() } else { format_lock(round.deadlines.end_of(phase)) },
                approved: round.assessments.iter().filter(|a| a.state() == AssessmentState::Approved).count(),
                total: round.assessments.len(),
                waiting: if approver {
                    round.assessments.iter().filter(|a| a.state() == AssessmentState::Submitted).map(|a| (a.id, a.unit_name.clone())).collect()
                } else {
                    Vec::new()
                },
                // What waits for the caller's approval is listed once, under "waiting".
                own: round
                    .assessments
                    .iter()
                    .filter(|a| is_own(a.unit_id) && !(approver && a.state() == AssessmentState::Submitted))
                    .map(|a| (a.id, a.unit_name.clone(), a.state().label()))
                    .collect(),
                to_publish: office && phase == Phase::Closed,
            }
        })
        .collect();
    Ok(Some(ParPanel { results, own, rounds }))
}

pub struct AlertsPanel {
    open: i64,
    overdue: i64,
    /// The open cases due first: (id, unit, cause, deadline, overdue).
    due: Vec<(i64, String, &'static str, String, bool)>,
}

async fn alerts_panel(state: &AppState, access: &Access) -> Result<Option<AlertsPanel>, Failure> {
    if !access.has(Permission::ViewAlerts) {
        return Ok(None);
    }
    let now = state.clock.now_ms();
    let open = CaseFilter { status: Some(CaseStatus::Open), ..Default::default() };
    let overdue = CaseFilter { overdue_at: Some(now), ..Default::default() };
    let first = state.store.alert_cases(access, &open, Paging::new(1, 5)).await?;
    let due = first
        .items
        .into_iter()
        .map(|c| {
            let cause = AlertKind::parse(&c.kind).map_or("", AlertKind::label);
            (c.id, c.unit_name, cause, text::format_timestamp_ms(c.deadline_at), c.deadline_at <= now)
        })
        .collect();
    Ok(Some(AlertsPanel { open: first.total, overdue: state.store.alert_cases(access, &overdue, Paging::new(1, 1)).await?.total, due }))
}

/// A plan task the caller's units lead, not done yet.
pub struct TaskLine {
    plan_id: i64,
    content: String,
    lead: String,
    deadline: String,
    status: &'static str,
    overdue: bool,
}

/// This year's tasks the caller's units lead and have not finished, by deadline; the plan's
/// keeper at the province sees them all on the plan's page, not here.
async fn plan_tasks(state: &AppState, access: &Access) -> Result<Vec<TaskLine>, Failure> {
    if !access.has(Permission::SelfAssess) {
        return Ok(Vec::new());
    }
    let today = text::vn_datetime(state.clock.now_ms()).date();
    let mut lines = Vec::new();
    for plan in state.store.par_plans(access).await?.into_iter().filter(|p| p.year == today.year()) {
        let plan = state.store.par_plan(access, plan.id).await?;
        for task in plan.tasks.iter().filter(|t| plan.leading.contains(&t.id)) {
            let Some(progress) = task.progress() else { continue };
            if progress.status == domain::par::plan::TaskStatus::Done {
                continue;
            }
            lines.push((
                progress.deadline,
                TaskLine {
                    plan_id: plan.plan.id,
                    content: task.content.clone(),
                    lead: task.lead_name.clone(),
                    deadline: text::format_date(progress.deadline),
                    status: progress.status.label(),
                    overdue: progress.overdue(today),
                },
            ));
        }
    }
    lines.sort_by_key(|(deadline, _)| *deadline);
    Ok(lines.into_iter().map(|(_, line)| line).collect())
}

/// The newest sample's participation: answers from the sampled people against the quotas.
pub struct SamplingPanel {
    draw_id: i64,
    survey: String,
    window: String,
    allocated: String,
    responded: String,
    rate: String,
    /// The units furthest behind: (name, answered of quota).
    behind: Vec<(String, String)>,
}

async fn sampling_panel(state: &AppState, access: &Access) -> Result<Option<SamplingPanel>, Failure> {
    if !access.has(Permission::ManageSurveys) {
        return Ok(None);
    }
    let Some(draw) = state.store.draws(access).await?.into_iter().next() else { return Ok(None) };
    let progress = state.store.draw_progress(access, draw.id).await?;
    let allocated: i64 = progress.iter().map(|q| q.allocated).sum();
    let responded: i64 = progress.iter().map(|q| q.responded.min(q.allocated)).sum();
    let share = |done: i64, of: i64| if of > 0 { done as f64 / of as f64 } else { 1.0 };
    let mut behind: Vec<_> = progress.iter().filter(|q| q.allocated > 0 && q.responded < q.allocated).collect();
    behind.sort_by(|a, b| share(a.responded, a.allocated).total_cmp(&share(b.responded, b.allocated)));
    let date = |iso: &str| text::parse_date(iso).map_or_else(|| iso.to_string(), text::format_date);
    Ok(Some(SamplingPanel {
        draw_id: draw.id,
        survey: draw.survey_title,
        window: format!("{} – {}", date(&draw.from), date(&draw.to)),
        allocated: format_number(allocated as f64, 0),
        responded: format_number(responded as f64, 0),
        rate: format_number(share(responded, allocated) * 100.0, 1),
        behind: behind.into_iter().take(3).map(|q| (q.name.clone(), format!("{}/{}", q.responded, q.allocated))).collect(),
    }))
}

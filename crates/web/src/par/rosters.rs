//! The rosters of the PAR INDEX surveys of officials: the reform office opens one for a survey
//! with its deadline and sends the invitations; each agency's focal point lists the people it
//! chose (a file or one at a time), sees who has not answered and chases them; everyone who
//! follows the round sees participation per agency, also as XLSX and through the API.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::par::roster::{Participation, RawMember, Standing, rows_from_table};
use domain::text;
use serde::Deserialize;
use sheets::{Limits, ReportSheet, Value};
use storage::par::{Listed, Roster, RosterParticipation};

use crate::AppState;
use crate::auth::csrf::{CheckedForm, CheckedUpload};
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult, moment};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::uploads;

pub struct RosterLine {
    pub survey_id: i64,
    pub title: String,
    pub deadline: String,
    pub state: &'static str,
}

fn line(roster: &Roster, now: i64) -> RosterLine {
    let state = match roster {
        r if r.erased_at.is_some() => "đã kết thúc, danh sách đã xóa",
        r if now >= r.survey_closes_at => "khảo sát đã đóng",
        r if r.locked(now) => "danh sách đã khóa, đang khảo sát",
        _ => "đang nhận danh sách",
    };
    RosterLine { survey_id: roster.survey_id, title: roster.survey_title.clone(), deadline: text::format_lock(roster.closes_at), state }
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_rosters.html")]
pub struct ListPage {
    layout: Layout,
    rosters: Vec<RosterLine>,
    /// Surveys the office may open a roster for: (id, title).
    surveys: Vec<(i64, String)>,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ListPage> {
    let access = &user.principal.access;
    super::require_par(access)?;
    let now = state.clock.now_ms();
    let rosters = state.store.rosters(access).await?;
    let surveys = if state.store.is_province_wide(access, Permission::ManagePar).await? {
        let open: Vec<i64> = rosters.iter().map(|r| r.survey_id).collect();
        state.store.surveys(access).await?.into_iter().filter(|s| s.closes_at > now && !open.contains(&s.id)).map(|s| (s.id, s.title)).collect()
    } else {
        Vec::new()
    };
    Ok(ListPage {
        layout: Layout::admin(&user, "Danh sách khảo sát cán bộ, công chức (PAR INDEX)", "/admin/par"),
        rosters: rosters.iter().map(|r| line(r, now)).collect(),
        surveys,
    })
}

#[derive(Deserialize)]
pub struct OpenForm {
    survey: i64,
    day: String,
    #[serde(default)]
    at: String,
}

pub async fn open(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<OpenForm>) -> PageResult<Response> {
    let closes_at = moment(&form.day, &form.at)?.ok_or_else(|| Failure::invalid("Hãy nhập hạn nộp danh sách (dd/mm/yyyy)."))?;
    state.store.open_roster(&user.actor(&state), &user.principal.access, form.survey, closes_at).await?;
    Ok(Redirect::to(&format!("/admin/par/danh-sach/{}", form.survey)).into_response())
}

/// One participation row as shown and exported.
pub struct ParticipationLine {
    pub unit: String,
    pub p: Participation,
    /// Chosen, invited, reached, answered, bounced, rescued, and answers by e-mail / SMS / Zalo.
    pub shown: [String; 7],
    pub rate: String,
    /// The rate for the meter, 0–100.
    pub meter: f64,
}

impl ParticipationLine {
    fn new(unit: String, p: Participation) -> Self {
        let rate = p.rate().map(|r| format!("{} %", text::format_number(r, 1))).unwrap_or_else(|| "—".into());
        let [email, sms, zalo] = p.answered_by.map(text::format_count);
        let shown = [p.chosen, p.invited, p.reached, p.answered, p.bounced, p.rescued].map(text::format_count);
        let [chosen, invited, reached, answered, bounced, rescued] = shown;
        Self {
            unit,
            meter: p.rate().unwrap_or(0.0),
            rate,
            shown: [chosen, invited, reached, answered, bounced, rescued, format!("{email} / {sms} / {zalo}")],
            p,
        }
    }
}

fn participation_lines(participation: RosterParticipation) -> (Vec<ParticipationLine>, ParticipationLine) {
    let rows = participation.rows.into_iter().map(|(_, unit, p)| ParticipationLine::new(unit, p)).collect();
    (rows, ParticipationLine::new("Tổng cộng".into(), participation.total))
}

pub struct MemberLine {
    pub id: i64,
    pub name: String,
    pub position: String,
    pub workplace: String,
    pub contacts: &'static str,
    pub standing: String,
    pub answered: bool,
    pub may_chase: bool,
    pub may_remove: bool,
}

impl MemberLine {
    fn new(m: Listed, open: bool) -> Self {
        let contacts = match (m.has_email, m.has_phone) {
            (true, true) => "thư điện tử, điện thoại",
            (true, false) => "thư điện tử",
            (false, true) => "điện thoại",
            (false, false) => "—",
        };
        Self {
            id: m.id,
            may_chase: matches!(m.standing, Standing::Waiting(..)),
            may_remove: open && m.standing == Standing::NotInvited,
            answered: m.standing == Standing::Answered,
            standing: m.standing.label(),
            name: m.name,
            position: m.position,
            workplace: m.workplace,
            contacts,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_roster.html")]
pub struct RosterPage {
    layout: Layout,
    roster: RosterLine,
    /// Agencies whose list the caller keeps: (id, name); the chosen one.
    agencies: Vec<(i64, String)>,
    agency: Option<i64>,
    members: Vec<MemberLine>,
    not_answered: usize,
    open: bool,
    may_invite: bool,
    rows: Vec<ParticipationLine>,
    total: ParticipationLine,
    errors: Vec<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(rename = "don-vi")]
    unit: Option<i64>,
    #[serde(rename = "da-luu")]
    notice: Option<String>,
}

impl RosterPage {
    async fn new(state: &AppState, user: &CurrentUser, survey_id: i64, unit: Option<i64>) -> PageResult<Self> {
        let access = &user.principal.access;
        super::require_par(access)?;
        let now = state.clock.now_ms();
        let roster = state.store.roster(access, survey_id).await?;
        let agencies = state.store.roster_agencies(access, survey_id).await?;
        let agency = unit.filter(|u| agencies.iter().any(|(id, _)| id == u)).or_else(|| (agencies.len() == 1).then(|| agencies[0].0));
        let open = !roster.locked(now);
        let members: Vec<MemberLine> = match agency {
            Some(unit) => {
                state.store.roster_members(&user.actor(state), access, survey_id, unit).await?.into_iter().map(|m| MemberLine::new(m, open)).collect()
            }
            None => Vec::new(),
        };
        let office = state.store.is_province_wide(access, Permission::ManagePar).await?;
        let (rows, total) = participation_lines(state.store.roster_participation(access, survey_id).await?);
        Ok(Self {
            layout: Layout::admin(user, roster.survey_title.clone(), "/admin/par"),
            not_answered: members.iter().filter(|m| !m.answered).count(),
            may_invite: office && roster.takes_invitations(now),
            roster: line(&roster, now),
            agencies,
            agency,
            members,
            open,
            rows,
            total,
            errors: Vec::new(),
            notice: None,
        })
    }

    fn chosen(&self, id: &&i64) -> bool {
        self.agency == Some(**id)
    }
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(query): Query<ShowQuery>) -> PageResult<RosterPage> {
    let mut page = RosterPage::new(&state, &user, id, query.unit).await?;
    page.notice = query.notice.map(|n| match n.as_str() {
        "moi" => "Đã xếp lời mời vào hàng gửi.".to_string(),
        "nhac" => "Đã gửi lại lời mời cho người này.".to_string(),
        _ => "Đã lưu danh sách.".to_string(),
    });
    Ok(page)
}

/// The page again with the reasons a list was refused (and nothing written).
async fn refused(state: &AppState, user: &CurrentUser, survey_id: i64, unit: i64, failure: storage::Error) -> PageResult<Response> {
    let storage::Error::Invalid(errors) = failure else { return Err(Failure::from(failure).into()) };
    let mut page = RosterPage::new(state, user, survey_id, Some(unit)).await?;
    page.errors = errors;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

fn saved(survey_id: i64, unit: i64) -> Response {
    Redirect::to(&format!("/admin/par/danh-sach/{survey_id}?don-vi={unit}&da-luu=1")).into_response()
}

/// An agency's list from a file (XLSX or CSV), checked whole.
pub async fn upload(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, headers: HeaderMap, multipart: Multipart) -> PageResult<Response> {
    let mut upload = CheckedUpload::read(&state, &headers, multipart).await?;
    let unit: i64 = upload.fields.get("unit").and_then(|u| u.parse().ok()).ok_or_else(|| Failure::invalid("Hãy chọn đơn vị."))?;
    let (file_name, bytes) = upload.take_file().ok_or_else(|| Failure::invalid("Hãy chọn một tệp .xlsx hoặc .csv để nhập."))?;
    let rows = uploads::read_table(file_name, bytes, Limits::ROSTER).await.map_err(|e| e.to_string()).and_then(|table| rows_from_table(&table));
    let rows = match rows {
        Ok(rows) if rows.is_empty() => Err("Tệp không có người nào dưới dòng tiêu đề.".to_string()),
        other => other,
    };
    let outcome = match rows {
        Ok(rows) => state.store.add_roster_members(&user.actor(&state), &user.principal.access, id, unit, &rows).await,
        Err(message) => Err(storage::Error::Invalid(vec![message])),
    };
    match outcome {
        Ok(_) => Ok(saved(id, unit)),
        Err(e) => refused(&state, &user, id, unit, e).await,
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    unit: i64,
    #[serde(flatten)]
    member: RawMember,
}

/// One person typed on the page.
pub async fn add(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<MemberForm>) -> PageResult<Response> {
    match state.store.add_roster_members(&user.actor(&state), &user.principal.access, id, form.unit, &[(1, form.member)]).await {
        Ok(_) => Ok(saved(id, form.unit)),
        Err(e) => refused(&state, &user, id, form.unit, e).await,
    }
}

#[derive(Deserialize)]
pub struct UnitForm {
    unit: i64,
}

pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, member)): Path<(i64, i64)>,
    CheckedForm(form): CheckedForm<UnitForm>,
) -> PageResult<Response> {
    state.store.remove_roster_member(&user.actor(&state), &user.principal.access, id, member).await?;
    Ok(saved(id, form.unit))
}

pub async fn chase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, member)): Path<(i64, i64)>,
    CheckedForm(form): CheckedForm<UnitForm>,
) -> PageResult<Response> {
    state.store.chase_roster_member(&user.actor(&state), &user.principal.access, id, member).await?;
    Ok(Redirect::to(&format!("/admin/par/danh-sach/{id}?don-vi={}&da-luu=nhac", form.unit)).into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn invite(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(_): CheckedForm<Empty>) -> PageResult<Response> {
    state.store.invite_roster(&user.actor(&state), &user.principal.access, id).await?;
    Ok(Redirect::to(&format!("/admin/par/danh-sach/{id}?da-luu=moi")).into_response())
}

/// The participation table as a workbook: the table the ministry compiled by hand.
pub async fn xlsx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    let access = &user.principal.access;
    super::require_par(access)?;
    let roster = state.store.roster(access, id).await?;
    let (rows, total) = participation_lines(state.store.roster_participation(access, id).await?);
    let header = [
        "Cơ quan, đơn vị",
        "Được chọn",
        "Đã gửi lời mời",
        "Lời mời đã tới",
        "Đã trả lời",
        "Tỷ lệ trả lời (%)",
        "Bị từ chối, không tới",
        "Tới được qua kênh khác",
        "Trả lời qua thư điện tử",
        "Trả lời qua SMS",
        "Trả lời qua Zalo",
    ]
    .map(String::from)
    .to_vec();
    let cells = |l: &ParticipationLine| {
        let p = &l.p;
        let mut cells = vec![Value::Text(l.unit.clone())];
        cells.extend([p.chosen, p.invited, p.reached, p.answered].map(|n| Value::Count(n as i64)));
        cells.push(p.rate().map_or(Value::Empty, Value::Number));
        cells.extend([p.bounced, p.rescued].into_iter().chain(p.answered_by).map(|n| Value::Count(n as i64)));
        cells
    };
    let rows = rows.iter().chain(std::iter::once(&total)).map(cells).collect();
    let sheet = ReportSheet { name: "Tham gia khảo sát".into(), header, rows, chart: None };
    let name = format!("tham-gia-khao-sat-{}", roster.survey_id);
    Ok(crate::sipas::export::download(&[sheet], &name, crate::sipas::export::ReportFile::Xlsx)?)
}

/// Erases the rosters of surveys that have closed (names, contacts, the links between people
/// and their tokens): a pass costs a look at the rosters not yet erased.
pub async fn tidy(state: &AppState) {
    let actor = storage::Actor::system("xóa danh sách sau đợt khảo sát", state.clock.now_ms());
    match state.store.erase_finished_rosters(&actor).await {
        Ok(0) => {}
        Ok(erased) => tracing::info!(erased, "rosters of closed surveys erased"),
        Err(e) => tracing::error!(error = %e, "erasing the rosters of closed surveys failed"),
    }
}

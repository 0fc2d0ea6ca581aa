//! The reform office's pages: criteria trees (from the built-in template), opening a round for
//! the units of a level, and a round's page with every unit's progress and its council.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::par::round::progress;
use domain::par::scoring::score;
use domain::par::{Classes, Deadlines, Module, Phase, Source, Stage};
use domain::text;
use domain::units::UnitLevel;
use serde::Deserialize;
use storage::par::NewRound;

use super::results::ResultLine;
use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;

pub struct RoundLine {
    pub id: i64,
    pub title: String,
    pub deadline: String,
    /// When its results were published, if they were.
    pub published: Option<String>,
}

pub struct TreeLine {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub year: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_rounds.html")]
pub struct ListPage {
    layout: Layout,
    rounds: Vec<RoundLine>,
    /// The office's tools: trees to open rounds with.
    office: bool,
    trees: Vec<TreeLine>,
    /// The units a round may assess, per level of the trees: (level, [(id, name)]).
    levels: Vec<(&'static str, Vec<(i64, String)>)>,
    year: i32,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ListPage> {
    let access = &user.principal.access;
    let actor = user.actor(&state);
    super::require_par(access)?;
    let office = access.has(Permission::ManagePar);
    let rounds = state.store.par_rounds(&actor, access).await?;
    let trees = if office { state.store.par_trees().await? } else { Vec::new() };
    let today = text::iso_date(text::vn_datetime(actor.at).date());
    let mut levels = Vec::new();
    for level in trees.iter().filter_map(|t| UnitLevel::parse(&t.level).ok()).collect::<std::collections::BTreeSet<_>>() {
        levels.push((level.label(), state.store.par_units_of_level(level, &today).await?));
    }
    Ok(ListPage {
        layout: Layout::admin(&user, "Chỉ số cải cách hành chính", "/admin/par"),
        rounds: rounds
            .into_iter()
            .map(|(id, title, deadline, published)| RoundLine {
                id,
                title,
                deadline: text::format_lock(deadline),
                published: published.map(text::format_timestamp_ms),
            })
            .collect(),
        office,
        trees: trees.into_iter().map(|t| TreeLine { id: t.id, code: t.code, title: t.title, year: t.year }).collect(),
        levels,
        year: text::vn_datetime(actor.at).year(),
    })
}

/// The round as the office filled it in. The units ticked come as one `unit` field each, which
/// is why the form is read as pairs.
struct OpenForm {
    tree: i64,
    title: String,
    self_deadline: String,
    appraisal_deadline: String,
    explanation_deadline: String,
    final_deadline: String,
    good: String,
    fair: String,
    average: String,
    /// The units ticked; none for every unit of the tree's level in force.
    units: Vec<i64>,
}

impl OpenForm {
    fn from_pairs(pairs: &[(String, String)]) -> Result<Self, Failure> {
        let value = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let number = |v: &str| v.trim().parse::<i64>().map_err(|_| Failure::malformed("Biểu mẫu không đúng định dạng."));
        Ok(Self {
            tree: number(&value("tree"))?,
            title: value("title"),
            self_deadline: value("self_deadline"),
            appraisal_deadline: value("appraisal_deadline"),
            explanation_deadline: value("explanation_deadline"),
            final_deadline: value("final_deadline"),
            good: value("good"),
            fair: value("fair"),
            average: value("average"),
            units: pairs.iter().filter(|(k, _)| k == "unit").map(|(_, v)| number(v)).collect::<Result<_, _>>()?,
        })
    }
}

/// The end of a day typed as dd/mm/yyyy: the midnight after it, Vietnam time.
fn end_of_day(label: &str, value: &str) -> Result<i64, String> {
    text::parse_date(value.trim())
        .map(|d| text::vn_midnight_ms(d + time::Duration::days(1)))
        .ok_or_else(|| format!("{label}: ngày «{}» không hợp lệ; nhập theo dạng dd/mm/yyyy.", value.trim()))
}

fn percent(label: &str, value: &str) -> Result<f64, String> {
    text::parse_percent(value).ok_or_else(|| format!("Ngưỡng {label} «{}» không phải là số.", value.trim()))
}

pub async fn open(State(state): State<AppState>, user: CurrentUser, CheckedForm(pairs): CheckedForm<Vec<(String, String)>>) -> PageResult<Response> {
    let form = OpenForm::from_pairs(&pairs)?;
    let access = &user.principal.access;
    let actor = user.actor(&state);
    let dates = [
        end_of_day("Hạn tự đánh giá", &form.self_deadline),
        end_of_day("Hạn thẩm định vòng 1", &form.appraisal_deadline),
        end_of_day("Hạn giải trình", &form.explanation_deadline),
        end_of_day("Hạn thẩm định vòng 2", &form.final_deadline),
    ];
    let classes = [percent("Tốt", &form.good), percent("Khá", &form.fair), percent("Trung bình", &form.average)];
    let errors: Vec<String> = dates.iter().filter_map(|d| d.clone().err()).chain(classes.iter().filter_map(|c| c.clone().err())).collect();
    if !errors.is_empty() {
        return Err(Failure::fields(errors.into_iter().map(|message| crate::error::FieldError { field: String::new(), message }).collect()).into());
    }
    let [s, a, e, f] = dates.map(|d| d.unwrap_or_default());
    let [good, fair, average] = classes.map(|c| c.unwrap_or_default());
    let tree = state.store.par_tree(form.tree).await?;
    let today = text::iso_date(text::vn_datetime(actor.at).date());
    let units =
        if form.units.is_empty() { state.store.par_units_of_level(tree.level, &today).await?.into_iter().map(|(id, _)| id).collect() } else { form.units };
    let round = NewRound {
        tree_id: form.tree,
        title: form.title,
        deadlines: Deadlines { self_assessment: s, appraisal: a, explanation: e, final_appraisal: f },
        classes: Classes { good, fair, average },
        unit_ids: units,
    };
    let id = state.store.open_par_round(&actor, access, &round).await?;
    Ok(Redirect::to(&format!("/admin/par/rounds/{id}")).into_response())
}

pub struct AssessmentLine {
    pub id: i64,
    pub unit: String,
    pub state: &'static str,
    pub scored: usize,
    pub to_score: usize,
    pub self_total: String,
    /// The points that stand now: appraised, measured, or the unit's own.
    pub total: String,
    pub index: String,
    pub class: &'static str,
    pub council: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_round.html")]
pub struct RoundPage {
    layout: Layout,
    id: i64,
    title: String,
    tree: String,
    phase: &'static str,
    deadlines: Vec<(&'static str, String)>,
    assessments: Vec<AssessmentLine>,
    office: bool,
    members: Vec<(i64, String)>,
    notice: Option<String>,
    /// The office's ranking, best first, with last year's index.
    results: Vec<ResultLine>,
    previous_round: Option<String>,
    published: Option<String>,
    may_publish: bool,
    /// Survey modules the tree takes points from: (code, label); the office sets them in the final appraisal.
    modules: Vec<(&'static str, &'static str)>,
    versions: Vec<(i64, String)>,
    period: (String, String),
}

#[derive(Deserialize)]
pub struct RoundQuery {
    measured: Option<String>,
    #[serde(default)]
    units: usize,
    #[serde(default)]
    missing: usize,
    #[serde(default)]
    unknown: usize,
    published: Option<String>,
}

impl RoundQuery {
    fn notice(&self) -> Option<String> {
        if self.published.is_some() {
            return Some("Đã công bố kết quả trên trang công khai.".into());
        }
        let module = Module::parse(self.measured.as_deref()?)?;
        let mut notice = format!("Đã tính điểm từ {} cho {} đơn vị.", module.label(), self.units);
        if self.missing > 0 {
            notice.push_str(&format!(" {} đơn vị của đợt chưa có kết quả khảo sát.", self.missing));
        }
        if self.unknown > 0 {
            notice.push_str(&format!(" {} mã đơn vị trong nguồn không thuộc đợt này, đã bỏ qua.", self.unknown));
        }
        Some(notice)
    }
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(query): Query<RoundQuery>) -> PageResult<RoundPage> {
    let access = &user.principal.access;
    let actor = user.actor(&state);
    super::require_par(access)?;
    let round = state.store.par_round(id).await?;
    let office = access.has(Permission::ManagePar);
    let mut assessments = Vec::new();
    for record in state.store.par_assessments(&actor, access, id).await? {
        let a = &record.assessment;
        let marks = record.self_marks();
        let (scored, to_score) = progress(&round.tree, &marks).iter().fold((0, 0), |(s, t), f| (s + f.2, t + f.3));
        let own = marks.iter().filter_map(|(code, m)| Some((code.clone(), m.points?))).collect();
        let standing = score(&round.tree, &record.standing_points(), &round.classes);
        assessments.push(AssessmentLine {
            id: a.id,
            unit: a.unit_name.clone(),
            state: a.state().label(),
            scored,
            to_score,
            self_total: score(&round.tree, &own, &round.classes).items.fixed(),
            total: standing.total.fixed(),
            index: standing.index.display(),
            class: standing.class.label(),
            council: record.council.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", "),
        });
    }
    if assessments.is_empty() && !office {
        return Err(Failure::not_found().into());
    }
    let d = round.deadlines;
    let phase = d.phase(actor.at);
    // The reform office and the province's leaders read the results before publication.
    let (results, previous_round) = match state.store.par_results(access, id).await {
        Ok(results) => (results.units.iter().map(ResultLine::of).collect(), results.previous_round.map(|(_, title)| title)),
        Err(storage::Error::Forbidden) => (Vec::new(), None),
        Err(e) => return Err(e.into()),
    };
    let mut modules: Vec<(&'static str, &'static str)> = Vec::new();
    for (_, _, item) in round.tree.items() {
        if let Source::Measured { module, .. } = item.source
            && !modules.iter().any(|(code, _)| *code == module.code())
        {
            modules.push((module.code(), module.label()));
        }
    }
    let setting_measured = office && phase == Phase::FinalAppraisal && !modules.is_empty();
    let year = round.tree.year;
    Ok(RoundPage {
        layout: Layout::admin(&user, round.title.clone(), "/admin/par"),
        id,
        title: round.title.clone(),
        tree: round.tree.title.clone(),
        phase: if round.published_at.is_some() { "Đã công bố kết quả" } else { phase.label() },
        deadlines: [
            (Stage::SelfAssessment, d.self_assessment),
            (Stage::Appraisal, d.appraisal),
            (Stage::Explanation, d.explanation),
            (Stage::FinalAppraisal, d.final_appraisal),
        ]
        .into_iter()
        .map(|(stage, end)| (stage.label(), text::format_lock(end)))
        .collect(),
        assessments,
        office,
        members: if office { state.store.par_council_members().await? } else { Vec::new() },
        notice: query.notice(),
        results,
        previous_round,
        published: round.published_at.map(text::format_timestamp_ms),
        may_publish: office && phase == Phase::Closed && round.published_at.is_none(),
        modules: if setting_measured { modules } else { Vec::new() },
        versions: if setting_measured { state.store.sipas_versions(access).await? } else { Vec::new() },
        period: (format!("01/{year}"), format!("12/{year}")),
    })
}

#[derive(Deserialize)]
pub struct AssignForm {
    member: String,
}

pub async fn assign(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<AssignForm>) -> PageResult<Response> {
    let members: Vec<i64> = form.member.trim().parse().ok().into_iter().collect();
    state.store.assign_par_council(&user.actor(&state), &user.principal.access, id, &members).await?;
    let round = state.store.par_assessment(&user.actor(&state), &user.principal.access, id).await?.round.id;
    Ok(Redirect::to(&format!("/admin/par/rounds/{round}")).into_response())
}

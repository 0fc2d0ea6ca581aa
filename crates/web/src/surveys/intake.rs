//! The one path every answer takes, whatever the channel (public page, token link, API): admit
//! it through its door (domain::surveys::admission) for a targeted unit, validate against the cached questionnaire
//! version, screen for quality, queue for the ingest writer, and wait for the durable commit.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use domain::sampling::frame::is_dossier_code;
use domain::surveys::admission::{self, Door};
use domain::surveys::quality::{self, Flags};
use domain::surveys::{Answer, AnswerError, Answers, Channel, QuestionKind, Questionnaire, Survey, validate};
use storage::responses::{FollowUp, IngestError, NewResponse, Stored};
use storage::surveys::TokenState;

use crate::AppState;
use crate::auth::session::ClientMeta;
use crate::auth::tokens;
use crate::rate_limit::RateLimiter;

/// The target units of a survey: (id, code, name).
pub type Targets = Arc<Vec<(i64, String, String)>>;

/// Published versions and target lists never change, so they are read once and kept. Surveys
/// themselves are kept a few seconds, so that a change of dates shows quickly while a busy
/// survey costs one database read per interval, not one per answer.
#[derive(Default)]
pub struct SurveyCache {
    targets: Mutex<HashMap<i64, Targets>>,
    surveys: Mutex<HashMap<String, (i64, Survey)>>,
}

const SURVEY_TTL_MS: i64 = 5_000;

impl SurveyCache {
    /// A survey by its public code.
    pub async fn survey(&self, state: &AppState, code: &str) -> Result<Survey, storage::Error> {
        let now = state.clock.now_ms();
        if let Some((read_at, survey)) = self.surveys.lock().unwrap_or_else(|p| p.into_inner()).get(code)
            && now - read_at < SURVEY_TTL_MS
            && now >= *read_at
        {
            return Ok(survey.clone());
        }
        let survey = state.store.survey_by_code(code, now).await?;
        self.surveys.lock().unwrap_or_else(|p| p.into_inner()).insert(code.to_string(), (now, survey.clone()));
        Ok(survey)
    }

    pub async fn targets(&self, state: &AppState, survey_id: i64) -> Result<Targets, storage::Error> {
        if let Some(targets) = self.targets.lock().unwrap_or_else(|p| p.into_inner()).get(&survey_id) {
            return Ok(targets.clone());
        }
        let targets = Arc::new(state.store.survey_targets(survey_id).await?);
        self.targets.lock().unwrap_or_else(|p| p.into_inner()).insert(survey_id, targets.clone());
        Ok(targets)
    }
}

/// Screening that needs memory of earlier responses: bursts from one source and repeats of the
/// same answers from the same device. It flags; it never refuses.
pub struct Screening {
    bursts: RateLimiter,
    seen: Mutex<HashSet<String>>,
}

/// More responses than this from one device to one survey in ten minutes is a burst.
const BURST_LIMIT: u32 = 10;
const SEEN_CAP: usize = 200_000;

impl Default for Screening {
    fn default() -> Self {
        Self { bursts: RateLimiter::local(BURST_LIMIT, 10 * 60_000), seen: Mutex::new(HashSet::new()) }
    }
}

impl Screening {
    fn flags(&self, survey_id: i64, fingerprint: &str, answers_json: &str, now: i64) -> Flags {
        let source = format!("{survey_id}:{fingerprint}");
        let burst = self.bursts.check(&source, now).is_err();
        let key = tokens::digest(&format!("{source}:{answers_json}"));
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= SEEN_CAP {
            seen.clear();
        }
        let duplicate = !seen.insert(key);
        Flags::default().with(Flags::BURST, burst).with(Flags::DUPLICATE, duplicate)
    }
}

/// An answer as it arrives, before any check.
pub struct Submission {
    pub survey: Survey,
    /// How it came in, as the request proved it. A one-time token, when given, is checked here
    /// and makes it an invitation's answer.
    pub door: Door,
    /// The channel the client named, if it may name one (the API): it must be the door's own.
    pub claimed: Option<Channel>,
    /// The unit carried by the link, QR code or token, if any.
    pub unit_code: Option<String>,
    /// The one-time token, in clear, if the link had one.
    pub token: Option<String>,
    pub answers: Answers,
    pub started_at: Option<i64>,
    /// A client-chosen id that makes a resend harmless; generated when absent.
    pub submission_id: Option<String>,
    pub dossier_code: Option<String>,
    /// What the answer brings with it, stored in the same transaction.
    pub follow_ups: Vec<FollowUp>,
}

#[derive(Debug)]
pub enum Refusal {
    Admission(admission::Refusal),
    BadDossier,
    Token(TokenState),
    Invalid(Vec<AnswerError>),
    Ingest(IngestError),
    Store(storage::Error),
}

impl From<storage::Error> for Refusal {
    fn from(e: storage::Error) -> Self {
        Self::Store(e)
    }
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Self::Admission(refusal) => refusal.to_string(),
            Self::BadDossier => "Mã hồ sơ (dossier_code) gồm 1–64 ký tự: chữ, số không dấu và . - _ /.".into(),
            Self::Token(TokenState::Used) => "Đường dẫn khảo sát này đã được dùng để trả lời; mỗi đường dẫn chỉ dùng được một lần.".into(),
            Self::Token(TokenState::Expired) => "Đường dẫn khảo sát này đã hết hạn.".into(),
            Self::Token(_) => "Đường dẫn khảo sát không hợp lệ.".into(),
            Self::Invalid(errors) => format!("Phiếu còn {} câu chưa hợp lệ.", errors.len()),
            Self::Ingest(e) => e.to_string(),
            Self::Store(e) => e.to_string(),
        }
    }
}

/// The response a submission id was stored under, if one was given and stored.
pub(crate) async fn stored_before(state: &AppState, survey_id: i64, submission_id: Option<&str>) -> Result<Option<i64>, storage::Error> {
    match submission_id {
        Some(id) => state.store.stored_submission(survey_id, id).await,
        None => Ok(None),
    }
}

/// Fingerprint of the answering device, hashed so that no address is stored.
fn fingerprint(client: &ClientMeta, survey_id: i64) -> String {
    tokens::digest(&format!("{survey_id}|{}|{}", client.ip, client.user_agent))[..32].to_string()
}

/// The unit questions of a form: the respondent's unit is their answer when no link carries it.
fn unit_question(form: &Questionnaire) -> Option<&str> {
    form.questions().map(|(_, q)| q).find(|q| matches!(q.kind, QuestionKind::Unit { .. })).map(|q| q.code.as_str())
}

/// Checks and stores one submission; returns once it is durably committed.
pub async fn submit(state: &AppState, client: &ClientMeta, mut sub: Submission) -> Result<Stored, Refusal> {
    let now = state.clock.now_ms();
    if sub.dossier_code.as_deref().is_some_and(|code| !is_dossier_code(code)) {
        return Err(Refusal::BadDossier);
    }
    let targets = state.survey_cache.targets(state, sub.survey.id).await?;
    let mut token_hash = None;
    if let Some(token) = &sub.token {
        let digest = tokens::digest(token);
        match state.store.token_state(&digest, now).await? {
            TokenState::Valid { survey_id, unit_id, dossier_code } if survey_id == sub.survey.id => {
                sub.unit_code = targets.iter().find(|(id, _, _)| *id == unit_id).map(|(_, code, _)| code.clone());
                // An invitation's answer belongs to its dossier: it counts towards the quota,
                // and a second answer for the dossier by another channel shows as a duplicate.
                sub.dossier_code = dossier_code.or(sub.dossier_code);
                sub.door = Door::Invitation;
            }
            TokenState::Valid { .. } => return Err(Refusal::Token(TokenState::Unknown)),
            other => return Err(Refusal::Token(other)),
        }
        token_hash = Some(digest);
    }
    let channel = admission::admit(&sub.survey, &sub.door, sub.claimed, now).map_err(Refusal::Admission)?;
    let form = state.store.version(sub.survey.version_id).await?;
    let layout = state.store.layout(sub.survey.version_id).await?;
    // The unit carried by the link answers the form's unit question.
    if let (Some(code), Some(question)) = (&sub.unit_code, unit_question(&form)) {
        sub.answers.insert(question.to_string(), Answer::Text(code.clone()));
    }
    let answers = validate(&form, &sub.answers).map_err(Refusal::Invalid)?;
    let unit_code = sub.unit_code.clone().or_else(|| match unit_question(&form).and_then(|q| answers.get(q)) {
        Some(Answer::Text(code)) => Some(code.clone()),
        _ => None,
    });
    let unit_id = admission::target_unit(targets.iter().map(|(id, code, _)| (*id, code.as_str())), unit_code.as_deref()).map_err(Refusal::Admission)?;
    if matches!(sub.door, Door::ApiClient(_)) && !sub.door.reaches(&state.store.unit_ancestry(unit_id).await?) {
        return Err(Refusal::Admission(admission::Refusal::OutsideScope));
    }
    let device = fingerprint(client, sub.survey.id);
    let duration = sub.started_at.map(|started| now - started).filter(|d| *d >= 0);
    let answers_json = serde_json::to_string(&answers).map_err(|_| Refusal::Ingest(IngestError::Failed))?;
    let flags = quality::assess(&form, &answers, duration.unwrap_or(i64::MAX)).with(state.screening.flags(sub.survey.id, &device, &answers_json, now), true);
    let response = NewResponse {
        submission_id: sub.submission_id.unwrap_or_else(tokens::random_token),
        survey_id: sub.survey.id,
        unit_id,
        channel: channel.code().into(),
        started_at: sub.started_at,
        submitted_at: now,
        duration_ms: duration,
        token_hash,
        dossier_code: sub.dossier_code,
        fingerprint: device,
        flags: flags.0,
        positions: layout.positions(&form, &answers).map_err(|_| Refusal::Ingest(IngestError::Failed))?,
        layout,
        staff: sub.door.staff().to_string(),
        answers: answers_json,
        follow_ups: sub.follow_ups,
    };
    state.ingest.submit(response).await.map_err(Refusal::Ingest)
}

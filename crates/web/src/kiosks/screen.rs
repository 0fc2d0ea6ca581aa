//! The tablet at the counter. Waiting, it reloads every few seconds until the official invites
//! a rating; then it shows the survey's form in large type; after the rating it thanks and goes
//! back to waiting. Ratings are refused when not invited, too close together, too many in an
//! hour, or sent from a browser signed in as the official being rated.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::kiosks::{KioskMoment, KioskRefusal, KioskRules};
use storage::kiosks::Kiosk;

use crate::AppState;
use crate::auth::session::{ClientMeta, session_principal};
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::{Frame, Layout};
use crate::surveys::respond;

/// How often the waiting screen looks for an invitation.
const WAITING_REFRESH_SECONDS: u32 = 3;

#[derive(Template, WebTemplate)]
#[template(path = "kiosks/kiosk_screen.html")]
pub struct Screen {
    layout: Layout,
    unit: String,
    counter: String,
    staff: String,
    message: Option<String>,
    thanks: bool,
}

fn screen(state: &AppState, key: &str, kiosk: &Kiosk, message: Option<String>, thanks: bool) -> Screen {
    let mut layout = Layout::public(kiosk.counter.clone());
    layout.frame = Frame::Kiosk;
    let seconds = if thanks { state.config.kiosk_reset_seconds } else { WAITING_REFRESH_SECONDS };
    layout.refresh = Some((seconds, format!("/kiosk/{key}")));
    Screen { layout, unit: kiosk.unit_name.clone(), counter: kiosk.counter.clone(), staff: kiosk.staff_name.clone().unwrap_or_default(), message, thanks }
}

async fn kiosk(state: &AppState, key: &str) -> Result<Kiosk, Failure> {
    state.store.kiosk_by_key(key).await.map_err(|_| Failure::not_found())
}

/// The kiosk behind the address, and whether it takes a rating now.
async fn judge(state: &AppState, headers: &HeaderMap, key: &str, now: i64) -> Result<(Kiosk, Result<(), KioskRefusal>), Failure> {
    let kiosk = kiosk(state, key).await?;
    let signed_in = session_principal(state, headers).await?.map(|(principal, _)| principal.user_id);
    let moment = KioskMoment {
        now,
        armed_until: kiosk.armed_until,
        last_rating_at: kiosk.last_rating_at,
        ratings_last_hour: state.store.kiosk_ratings_since(kiosk.id, now - 3_600_000).await?,
        on_duty: kiosk.staff_user_id,
        signed_in,
    };
    let verdict = KioskRules::default().admit(&moment);
    Ok((kiosk, verdict))
}

/// Whether the kiosk takes a rating now: the kiosk, or the waiting screen saying why not.
pub(crate) async fn admit(state: &AppState, headers: &HeaderMap, key: &str, now: i64) -> Result<Result<Kiosk, Response>, Failure> {
    Ok(match judge(state, headers, key, now).await? {
        (kiosk, Ok(())) => Ok(kiosk),
        (kiosk, Err(refusal)) => Err((StatusCode::CONFLICT, screen(state, key, &kiosk, Some(refusal.to_string()), false)).into_response()),
    })
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap, Path(key): Path<String>) -> PageResult<Response> {
    match judge(&state, &headers, &key, state.clock.now_ms()).await? {
        (kiosk, Ok(())) => respond::kiosk_form(state, headers, key, &kiosk).await,
        // Waiting is the usual state, not an error; of the refusals only self-rating is told here.
        (kiosk, Err(refusal)) => {
            let message = (refusal == KioskRefusal::SelfRating).then(|| refusal.to_string());
            Ok(screen(&state, &key, &kiosk, message, false).into_response())
        }
    }
}

pub async fn rate(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientMeta,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let kiosk = kiosk(&state, &key).await?;
    respond::kiosk_submit(state, headers, client, key, &kiosk, body).await
}

pub async fn thanks(State(state): State<AppState>, Path(key): Path<String>) -> PageResult<Screen> {
    let kiosk = kiosk(&state, &key).await?;
    Ok(screen(&state, &key, &kiosk, None, true))
}

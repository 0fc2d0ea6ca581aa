//! The work the server does by itself, on a timer, for as long as it runs. Each job's pass lives
//! in its area (what to do); this module is where they are all started and how often.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::{AppState, alerts, analytics, auth, consultation, par, qa, rate_limit, sampling, surveys, webhooks};

type Pass = for<'a> fn(&'a AppState) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Starts every job; each ends when its handle is aborted.
pub fn start(state: &AppState) -> Vec<JoinHandle<()>> {
    let often = Duration::from_millis(state.config.alert_interval_ms.max(100));
    let digests = Duration::from_millis(state.config.digest_interval_ms.max(100));
    let jobs: [(Duration, Pass); 14] = [
        (Duration::from_secs(600), |s| Box::pin(surveys::roll(s))),
        (Duration::from_secs(3_600), |s| Box::pin(sampling::tidy(s))),
        (Duration::from_secs(600), |s| Box::pin(par::rosters::tidy(s))),
        (often, |s| Box::pin(alerts::step(s))),
        (often, |s| Box::pin(qa::process(s))),
        (often, |s| Box::pin(analytics::process(s))),
        (Duration::from_secs(1), |s| Box::pin(consultation::group(s))),
        (digests, |s| Box::pin(alerts::digest(s))),
        (often, |s| Box::pin(send_due(s))),
        (Duration::from_secs(1), |s| Box::pin(rate_limit::share(s))),
        (often, |s| Box::pin(webhooks::deliver(s))),
        (Duration::from_secs(3_600), |s| Box::pin(webhooks::tidy(s))),
        (Duration::from_secs(600), |s| Box::pin(auth::sso::tidy(s))),
        (Duration::from_secs(600), |s| Box::pin(auth::session::tidy(s))),
    ];
    jobs.into_iter()
        .map(|(period, pass)| {
            let state = state.clone();
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(period);
                // A pass that overruns is followed by the next one, not by a burst of them.
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    pass(&state).await;
                }
            })
        })
        .collect()
}

/// Sends what is due: the e-mails of the outbox (alert cases), the invitations and their
/// reminders by e-mail, SMS and Zalo, the Zalo OA's answers to its followers, the notices of consultation reports, and the messages
/// to those who asked a question.
async fn send_due(state: &AppState) {
    let now = state.clock.now_ms();
    if let Some(mailer) = &state.senders.mailer
        && let Err(e) = notify::deliver_due(&state.store, mailer, now).await
    {
        tracing::error!(error = %e, "the outbox could not be read");
    }
    if let Err(e) = notify::invitations::deliver_invitations(&state.store, &state.senders, &state.config.public_url, now).await {
        tracing::error!(error = %e, "the invitations could not be read");
    }
    if let Some(oa) = &state.senders.zalo_oa
        && let Err(e) = notify::oa::deliver_replies(&state.store, oa, now).await
    {
        tracing::error!(error = %e, "the Zalo OA answers could not be read");
    }
    if let Err(e) = notify::consultation::deliver_notices(&state.store, &state.senders, &state.config.public_url, now).await {
        tracing::error!(error = %e, "the consultation notices could not be read");
    }
    if let Err(e) = notify::qa::deliver_messages(&state.store, &state.senders, &state.config.public_url, now).await {
        tracing::error!(error = %e, "the messages to askers could not be read");
    }
}

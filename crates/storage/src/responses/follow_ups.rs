//! What an answer brings with it, written by the ingest writer in the answer's own
//! transaction: a crash leaves the answer with all of it or with none of it, never the answer
//! acknowledged and its bookkeeping lost.

use crate::Actor;

#[derive(Clone, Debug)]
pub enum FollowUp {
    /// A kiosk's rating: attributed to the official on duty with the queue ticket, and the
    /// kiosk goes back to waiting.
    KioskRating { kiosk_id: i64, staff_user_id: Option<i64>, ticket: String },
    /// The saved draft the answer was finished from is deleted.
    DraftSent { token_hash: String },
    /// A paper form keyed in goes from waiting to stored; a supervisor's reconciliation is
    /// audited under their name.
    PaperForm { serial: String, reconciled_by: Option<Actor> },
    /// An interview is recorded for its assignment, which is done.
    Interview { assignment_id: i64, interviewer_id: Option<i64> },
}

/// Writes the follow-ups of the response `$r` stored as `$id` within the transaction `$tx`.
macro_rules! write_follow_ups {
    ($tx:expr, $r:expr, $id:expr) => {{
        for follow_up in &$r.follow_ups {
            match follow_up {
                $crate::responses::FollowUp::KioskRating { kiosk_id, staff_user_id, ticket } => {
                    sqlx::query("INSERT INTO kiosk_ratings (kiosk_id, response_id, staff_user_id, ticket, at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(kiosk_id)
                        .bind($id)
                        .bind(staff_user_id)
                        .bind(ticket)
                        .bind($r.submitted_at)
                        .execute(&mut *$tx)
                        .await?;
                    sqlx::query("UPDATE kiosks SET armed_until = NULL, ticket = '', last_rating_at = $1 WHERE id = $2")
                        .bind($r.submitted_at)
                        .bind(kiosk_id)
                        .execute(&mut *$tx)
                        .await?;
                }
                $crate::responses::FollowUp::DraftSent { token_hash } => {
                    sqlx::query("DELETE FROM response_drafts WHERE token_hash = $1").bind(token_hash).execute(&mut *$tx).await?;
                }
                $crate::responses::FollowUp::PaperForm { serial, reconciled_by } => {
                    sqlx::query("UPDATE paper_forms SET status = 'stored', response_id = $1, resolved_by = $2, updated_at = $3 WHERE survey_id = $4 AND serial = $5")
                        .bind($id)
                        .bind(reconciled_by.as_ref().and_then(|a| a.user_id))
                        .bind($r.submitted_at)
                        .bind($r.survey_id)
                        .bind(serial)
                        .execute(&mut *$tx)
                        .await?;
                    if let Some(supervisor) = reconciled_by {
                        let entry = $crate::audit::Entry::new(domain::audit::AuditAction::PaperReconciled, "survey", $r.survey_id)
                            .details(serde_json::json!({ "serial": serial, "response_id": $id }));
                        $crate::audit::record!(&mut *$tx, supervisor, &entry)?;
                    }
                }
                $crate::responses::FollowUp::Interview { assignment_id, interviewer_id } => {
                    sqlx::query("INSERT INTO interviews (response_id, assignment_id, interviewer_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                        .bind($id)
                        .bind(assignment_id)
                        .bind(interviewer_id)
                        .execute(&mut *$tx)
                        .await?;
                    sqlx::query("UPDATE assignments SET status = 'done' WHERE id = $1").bind(assignment_id).execute(&mut *$tx).await?;
                }
            }
        }
    }};
}
pub(crate) use write_follow_ups;

//! PAR INDEX: criteria trees, evaluation rounds and the units' assessments in them. Every write
//! asks the round's deadlines (domain::par::Deadlines) at the actor's time, so a deadline locks
//! the stage whoever is editing; every write is audited and every mark kept in its history.

mod assessments;
mod evidence;
mod plans;
mod results;
mod rounds;

pub use assessments::{Assessment, AssessmentSheet, HistoryRow, Mark, MarkRow, MeasuredReport, MeasuredResults, Viewer};
pub use evidence::{Document, EvidenceFile, Upload};
pub use plans::{NewTask, Plan, PlanRow, TaskFile, TaskRow, TaskUpdate};
pub use results::{Previous, PublishedRound, Results, UnitResult};
pub use rounds::{NewRound, Round, TreeSummary};

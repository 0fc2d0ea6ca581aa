//! PAR INDEX: criteria trees, evaluation rounds and the units' assessments in them. Every write
//! asks the round's deadlines (domain::par::Deadlines) at the actor's time, so a deadline locks
//! the stage whoever is editing; every write is audited and every mark kept in its history.

mod assessments;
mod evidence;
mod marks;
mod plans;
mod results;
mod rosters;
mod rounds;

pub use assessments::{Assessment, AssessmentRecord, HistoryRow, MarkRow};
pub use evidence::{Document, EvidenceFile};
pub use marks::{MeasuredReport, MeasuredResults};
pub use plans::{NewTask, Plan, PlanRow, TaskFile, TaskRow, TaskUpdate};
pub use results::{Previous, PublishedRound, Results, UnitResult};
pub(crate) use rosters::DAY_MS;
pub use rosters::{Listed, Roster, RosterParticipation};
pub use rounds::{NewRound, Round, RoundUnderWay, TreeSummary};

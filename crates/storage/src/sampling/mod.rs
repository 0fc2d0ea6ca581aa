//! Sampling: the frame register of completed dossiers ([`frame`]) and the draws taken from it
//! ([`draws`]).

mod draws;
mod frame;

pub use draws::{DrawCheck, DrawMember, DrawRecord, DrawRequest, QuotaProgress};
pub use frame::{DEFAULT_RETENTION_DAYS, FrameAction, FrameContact, FrameEntry, FrameFilter, FrameImport, FrameRowOutcome, UnitFrame};

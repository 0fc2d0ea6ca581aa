//! Sampling: the frame register of completed dossiers ([`frame`]) and the draws taken from it
//! ([`draws`]).

mod draws;
mod frame;

pub use draws::{DrawCheck, DrawMember, DrawRecord, DrawRequest, QuotaProgress};
pub use frame::{FrameAction, FrameContact, FrameEntry, FrameFilter, FrameImport, FrameRowOutcome, RETENTION_DAYS, UnitFrame};

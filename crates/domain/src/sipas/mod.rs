//! SIPAS and the other satisfaction indices (METHODOLOGY §1): the built-in questionnaires, the
//! methodologies as data (which rule aggregates each level), and the index engine that turns
//! counters into figures with their n, valid n and margin of error.

pub mod figures;
pub mod index;
pub mod methodology;
pub mod ranking;
pub(crate) mod templates;

pub use index::{Figure, Report, compute};
pub use methodology::{Methodology, Rule};
pub use templates::{rating_766, satisfaction_scale, short_766, sipas_2017, sipas_2023, templates};

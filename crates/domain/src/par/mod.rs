//! PAR INDEX (Chỉ số cải cách hành chính, METHODOLOGY §2): criteria trees, the built-in template,
//! score sheets with caps, survey-derived points, classes and ranks, and the rules of an
//! evaluation round (phases, deadlines, approval), the surveys of officials. Points are exact
//! hundredths throughout.

pub mod evidence;
pub mod marking;
pub mod plan;
pub mod points;
pub mod roster;
pub mod round;
pub mod scoring;
pub mod surveys;
pub mod template;
pub mod tree;
pub mod workbook;

pub use points::Points;
pub use round::{Action, Deadlines, Phase, SelfMark, Stage, State};
pub use scoring::{Class, Classes, Index, Scorecard};
pub use tree::{Adjustment, Criterion, Field, Item, Mapping, Module, Source, Tree};

#[cfg(test)]
mod tests;

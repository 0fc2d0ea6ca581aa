//! Questionnaires: sections of questions with stable codes, question types, required answers,
//! validation rules, skip logic and methodology tags; and the checking of a submitted set of
//! answers against them.
//!
//! A questionnaire is data (its JSON form is the import/export and API format); a version of it
//! that has received answers is never changed again, so every stored answer can be read against
//! the exact questions it answered.

pub mod admission;
mod answers;
pub mod edit;
pub mod export;
mod logic;
pub mod quality;
mod schema;
mod survey;
mod tally;
pub mod xlsform;

pub use answers::{Answer, AnswerError, Answers, validate};
pub use logic::Condition;
pub use schema::{Choice, Question, QuestionKind, Questionnaire, SchemaError, Section, Tag, TagRole, is_code};
pub use survey::{Channel, Recurrence, Survey};
pub use tally::{BadCell, Cell, Counts, Layout, RESPONSE, UnknownKey};

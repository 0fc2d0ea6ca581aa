//! Skip logic: a section or question is shown only when its condition holds on the answers
//! given so far. Conditions may refer only to questions that come earlier in the form, so a
//! one-pass walk decides what is shown.

use serde::{Deserialize, Serialize};

use super::answers::{Answer, Answers};
use super::schema::{Question, QuestionKind, Questionnaire, SchemaError};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Condition {
    /// The question was answered.
    Answered {
        question: String,
    },
    /// The answer is (or, for a multiple choice, includes) this option.
    Equals {
        question: String,
        option: String,
    },
    /// The answer is (or includes) one of these options.
    AnyOf {
        question: String,
        options: Vec<String>,
    },
    /// A number answer, or the value of the chosen scale point, is at least `value`.
    AtLeast {
        question: String,
        value: f64,
    },
    /// … is at most `value`.
    AtMost {
        question: String,
        value: f64,
    },
    All {
        conditions: Vec<Condition>,
    },
    Any {
        conditions: Vec<Condition>,
    },
    Not {
        condition: Box<Condition>,
    },
}

impl Condition {
    /// Whether the condition holds on `answers` to `form`.
    pub fn holds(&self, form: &Questionnaire, answers: &Answers) -> bool {
        let chosen = |question: &str| -> Vec<&str> {
            match answers.get(question) {
                Some(Answer::Text(c)) => vec![c.as_str()],
                Some(Answer::List(cs)) => cs.iter().map(String::as_str).collect(),
                _ => Vec::new(),
            }
        };
        let number = |question: &str| -> Option<f64> {
            match answers.get(question)? {
                Answer::Number(n) => Some(*n),
                Answer::Text(c) => form.question(question)?.kind.options().iter().find(|o| &o.code == c)?.value,
                _ => None,
            }
        };
        match self {
            Self::Answered { question } => answers.contains_key(question),
            Self::Equals { question, option } => chosen(question).contains(&option.as_str()),
            Self::AnyOf { question, options } => chosen(question).iter().any(|c| options.iter().any(|o| o == c)),
            Self::AtLeast { question, value } => number(question).is_some_and(|n| n >= *value),
            Self::AtMost { question, value } => number(question).is_some_and(|n| n <= *value),
            Self::All { conditions } => conditions.iter().all(|c| c.holds(form, answers)),
            Self::Any { conditions } => conditions.iter().any(|c| c.holds(form, answers)),
            Self::Not { condition } => !condition.holds(form, answers),
        }
    }

    /// Records every reference to a question not asked before `at`, or to an option it lacks.
    pub(super) fn check(&self, at: &str, earlier: &[&Question], errors: &mut Vec<SchemaError>) {
        let find = |question: &str, errors: &mut Vec<SchemaError>| {
            let found = earlier.iter().find(|q| q.code == question).copied();
            if found.is_none() {
                errors.push(SchemaError::UnknownConditionQuestion { at: at.into(), question: question.into() });
            }
            found
        };
        let option = |q: &Question, option: &str, errors: &mut Vec<SchemaError>| {
            if !q.kind.options().iter().any(|o| o.code == option) || matches!(q.kind, QuestionKind::Matrix { .. }) {
                errors.push(SchemaError::UnknownConditionOption { at: at.into(), question: q.code.clone(), option: option.into() });
            }
        };
        match self {
            Self::Answered { question } | Self::AtLeast { question, .. } | Self::AtMost { question, .. } => {
                find(question, errors);
            }
            Self::Equals { question, option: o } => {
                if let Some(q) = find(question, errors) {
                    option(q, o, errors);
                }
            }
            Self::AnyOf { question, options } => {
                if let Some(q) = find(question, errors) {
                    options.iter().for_each(|o| option(q, o, errors));
                }
            }
            Self::All { conditions } | Self::Any { conditions } => conditions.iter().for_each(|c| c.check(at, earlier, errors)),
            Self::Not { condition } => condition.check(at, earlier, errors),
        }
    }
}

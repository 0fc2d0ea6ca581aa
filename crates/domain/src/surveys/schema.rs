use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use time::Date;

use super::logic::Condition;
use crate::units::UnitLevel;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Questionnaire {
    /// Stable code of the questionnaire, e.g. `SIPAS-2017`.
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The methodology whose indices read the tags, e.g. `sipas-2017`; none for free surveys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methodology: Option<String>,
    pub sections: Vec<Section>,
    /// Where each question sits, built on first use: `Default::default()` when making a form.
    #[serde(skip)]
    pub index: QuestionIndex,
}

/// Each question's place in its form (section, question) by code. Every answer looks questions
/// up by code many times (validation, skip logic, alerts), and walking the form each time was a
/// tenth of the server's work under a flood. A form edited after it was indexed may have moved
/// its questions: a place is checked before it is trusted, and the form walked when it is wrong,
/// so the index is never stale in effect. Clones start without one.
#[derive(Default)]
pub struct QuestionIndex(OnceLock<HashMap<String, (usize, usize)>>);

impl Clone for QuestionIndex {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// Two forms are equal by their content, whether or not either was indexed.
impl PartialEq for QuestionIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for QuestionIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QuestionIndex")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Shown only when this holds; its questions are otherwise skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable code, unique in the questionnaire: answers and indices refer to it.
    pub code: String,
    pub text: String,
    #[serde(default)]
    pub help: String,
    #[serde(flatten)]
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Tag>,
}

/// An answer option, a row of a matrix or a point of a scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub code: String,
    pub label: String,
    /// The number a scale point stands for (1–5 on the satisfaction scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Counts as a positive answer in share-positive indices.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub positive: bool,
    /// "Không biết / không trả lời": an answer that is excluded from the valid answers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_applicable: bool,
    /// In a multiple choice, chosen alone (e.g. "Không có ý kiến").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
}

impl Choice {
    pub fn new(code: &str, label: &str) -> Self {
        Self { code: code.into(), label: label.into(), value: None, positive: false, not_applicable: false, exclusive: false }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    SingleChoice {
        options: Vec<Choice>,
    },
    MultipleChoice {
        options: Vec<Choice>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
    /// An ordered scale with a label on every point.
    Likert {
        scale: Vec<Choice>,
    },
    /// Several rows answered on one scale.
    Matrix {
        rows: Vec<Choice>,
        scale: Vec<Choice>,
    },
    Text {
        #[serde(default)]
        multiline: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_length: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
        /// A regular expression the whole answer must match.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern: Option<String>,
        /// Shown when the pattern does not match, e.g. "Nhập mã hồ sơ gồm 12 chữ số".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern_message: Option<String>,
    },
    Number {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        #[serde(default)]
        integer: bool,
    },
    Date {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<Date>,
    },
    /// An administrative unit, optionally of one level.
    Unit {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<UnitLevel>,
    },
    /// An administrative procedure from the one-stop catalogue, by its code.
    Procedure,
}

impl QuestionKind {
    /// The options a single or multiple choice, Likert or matrix answer is drawn from.
    pub fn options(&self) -> &[Choice] {
        match self {
            Self::SingleChoice { options } | Self::MultipleChoice { options, .. } => options,
            Self::Likert { scale } | Self::Matrix { scale, .. } => scale,
            _ => &[],
        }
    }

    pub fn type_code(&self) -> &'static str {
        match self {
            Self::SingleChoice { .. } => "single_choice",
            Self::MultipleChoice { .. } => "multiple_choice",
            Self::Likert { .. } => "likert",
            Self::Matrix { .. } => "matrix",
            Self::Text { .. } => "text",
            Self::Number { .. } => "number",
            Self::Date { .. } => "date",
            Self::Unit { .. } => "unit",
            Self::Procedure => "procedure",
        }
    }
}

/// What a question means to a methodology: which element and criterion it measures and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// E.g. `TC` (access), `TT` (procedure), `CC` (civil servant), `KQ`, `PA`, or a policy group.
    pub element: String,
    /// E.g. `TC1`; none for element-level questions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<String>,
    pub role: TagRole,
    /// The part of a two-part methodology (SIPAS 2023: `chinh_sach`, `dich_vu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagRole {
    /// A perception of one criterion.
    Criterion,
    /// Satisfaction with a whole element (or policy group).
    Satisfaction,
    /// What the respondent wants improved.
    Expectation,
    /// Overall satisfaction, closing the form.
    Overall,
    /// Who answers: unit, procedure, age group, …
    Respondent,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SchemaError {
    #[error("Mã «{0}» không hợp lệ: dùng chữ cái không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới (tối đa 40 ký tự).")]
    InvalidCode(String),
    #[error("Mã câu hỏi «{0}» bị trùng.")]
    DuplicateQuestion(String),
    #[error("Mã phần «{0}» bị trùng.")]
    DuplicateSection(String),
    #[error("Câu hỏi «{question}» có mã lựa chọn «{option}» bị trùng.")]
    DuplicateOption { question: String, option: String },
    #[error("Câu hỏi «{0}» cần ít nhất hai lựa chọn.")]
    TooFewOptions(String),
    #[error("Câu hỏi «{0}» chưa có nội dung.")]
    EmptyText(String),
    #[error("Câu hỏi «{0}»: giới hạn nhỏ nhất lớn hơn giới hạn lớn nhất.")]
    BadRange(String),
    #[error("Câu hỏi «{0}»: biểu thức kiểm tra không hợp lệ.")]
    BadPattern(String),
    #[error("Điều kiện hiển thị của «{at}» nhắc đến câu hỏi «{question}» không có ở phía trước.")]
    UnknownConditionQuestion { at: String, question: String },
    #[error("Điều kiện hiển thị của «{at}» nhắc đến lựa chọn «{option}» không có trong câu hỏi «{question}».")]
    UnknownConditionOption { at: String, question: String, option: String },
    #[error("Phiếu phải có tiêu đề và ít nhất một câu hỏi.")]
    Empty,
}

/// Codes of questions, sections and options: ASCII letters, digits and `._-`, 1 to 40 long.
pub fn is_code(code: &str) -> bool {
    (1..=40).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

impl Question {
    /// Whether its answer is a comment in the respondent's own words — free text with no
    /// pattern to follow, not about who answers: what text analytics reads.
    pub fn takes_comment(&self) -> bool {
        matches!(self.kind, QuestionKind::Text { pattern: None, .. }) && self.tag.as_ref().is_none_or(|t| t.role != TagRole::Respondent)
    }
}

impl Questionnaire {
    /// The comments in a response's answers: (question code, text) for each answered question
    /// that takes a comment and holds more than blanks.
    pub fn comments(&self, answers: &super::Answers) -> Vec<(String, String)> {
        self.questions()
            .filter(|(_, q)| q.takes_comment())
            .filter_map(|(_, q)| match answers.get(&q.code) {
                Some(super::Answer::Text(t)) if !t.trim().is_empty() => Some((q.code.clone(), t.clone())),
                _ => None,
            })
            .collect()
    }

    pub fn questions(&self) -> impl Iterator<Item = (&Section, &Question)> {
        self.sections.iter().flat_map(|s| s.questions.iter().map(move |q| (s, q)))
    }

    pub fn question(&self, code: &str) -> Option<&Question> {
        let index = self.index.0.get_or_init(|| {
            let mut places = HashMap::new();
            for (s, section) in self.sections.iter().enumerate() {
                for (q, question) in section.questions.iter().enumerate() {
                    places.entry(question.code.clone()).or_insert((s, q));
                }
            }
            places
        });
        index
            .get(code)
            .and_then(|&(s, q)| self.sections.get(s)?.questions.get(q))
            .filter(|q| q.code == code)
            .or_else(|| self.questions().map(|(_, q)| q).find(|q| q.code == code))
    }

    /// Every rule a questionnaire must follow before it can be published; all problems at once.
    pub fn check(&self) -> Result<(), Vec<SchemaError>> {
        let mut errors = Vec::new();
        if self.title.trim().is_empty() || self.questions().next().is_none() {
            errors.push(SchemaError::Empty);
        }
        for code in std::iter::once(&self.code).chain(self.sections.iter().map(|s| &s.code)) {
            if !is_code(code) {
                errors.push(SchemaError::InvalidCode(code.clone()));
            }
        }
        let mut sections = HashSet::new();
        for s in &self.sections {
            if !sections.insert(&s.code) {
                errors.push(SchemaError::DuplicateSection(s.code.clone()));
            }
        }
        let mut earlier: Vec<&Question> = Vec::new();
        for section in &self.sections {
            if let Some(condition) = &section.visible_if {
                condition.check(&section.code, &earlier, &mut errors);
            }
            for q in &section.questions {
                if !is_code(&q.code) {
                    errors.push(SchemaError::InvalidCode(q.code.clone()));
                }
                if earlier.iter().any(|e| e.code == q.code) {
                    errors.push(SchemaError::DuplicateQuestion(q.code.clone()));
                }
                if q.text.trim().is_empty() {
                    errors.push(SchemaError::EmptyText(q.code.clone()));
                }
                check_kind(q, &mut errors);
                if let Some(condition) = &q.visible_if {
                    condition.check(&q.code, &earlier, &mut errors);
                }
                earlier.push(q);
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

fn check_options(question: &str, options: &[Choice], errors: &mut Vec<SchemaError>) {
    if options.len() < 2 {
        errors.push(SchemaError::TooFewOptions(question.into()));
    }
    let mut seen = HashSet::new();
    for o in options {
        if !is_code(&o.code) {
            errors.push(SchemaError::InvalidCode(o.code.clone()));
        }
        if !seen.insert(&o.code) {
            errors.push(SchemaError::DuplicateOption { question: question.into(), option: o.code.clone() });
        }
    }
}

fn check_kind(q: &Question, errors: &mut Vec<SchemaError>) {
    let bad_range = |errors: &mut Vec<SchemaError>| errors.push(SchemaError::BadRange(q.code.clone()));
    match &q.kind {
        QuestionKind::SingleChoice { options } | QuestionKind::Likert { scale: options } => check_options(&q.code, options, errors),
        QuestionKind::MultipleChoice { options, min, max } => {
            check_options(&q.code, options, errors);
            if matches!((min, max), (Some(a), Some(b)) if a > b) || max.is_some_and(|m| m as usize > options.len()) {
                bad_range(errors);
            }
        }
        QuestionKind::Matrix { rows, scale } => {
            check_options(&q.code, scale, errors);
            check_options(&q.code, rows, errors);
        }
        QuestionKind::Text { min_length, max_length, pattern, .. } => {
            if matches!((min_length, max_length), (Some(a), Some(b)) if a > b) {
                bad_range(errors);
            }
            if pattern.as_ref().is_some_and(|p| regex::Regex::new(p).is_err()) {
                errors.push(SchemaError::BadPattern(q.code.clone()));
            }
        }
        QuestionKind::Number { min, max, .. } => {
            if matches!((min, max), (Some(a), Some(b)) if a > b) {
                bad_range(errors);
            }
        }
        QuestionKind::Date { min, max } => {
            if matches!((min, max), (Some(a), Some(b)) if a > b) {
                bad_range(errors);
            }
        }
        QuestionKind::Unit { .. } | QuestionKind::Procedure => {}
    }
}

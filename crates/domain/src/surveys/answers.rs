//! Answers and their validation against a questionnaire.
//!
//! An answer is plain JSON-shaped data: a number, a text (also a chosen option's code, a unit or
//! procedure code, or an ISO date), a list of option codes, or a map from matrix row to scale
//! point. What it means comes from the question it answers; [`validate`] checks it, normalises
//! it and drops the answers to questions the skip logic hides.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::schema::{Choice, Question, QuestionKind, Questionnaire};
use crate::text;
use crate::units::UnitCode;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Number(f64),
    Text(String),
    List(Vec<String>),
    Map(BTreeMap<String, String>),
}

/// Read by the JSON shape directly: an untagged derive would buffer every value and try each
/// variant in turn, on the hot path of every submission.
impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = Answer;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, a text, a list of texts or an object of texts")
            }

            fn visit_i64<E>(self, v: i64) -> Result<Answer, E> {
                Ok(Answer::Number(v as f64))
            }

            fn visit_u64<E>(self, v: u64) -> Result<Answer, E> {
                Ok(Answer::Number(v as f64))
            }

            fn visit_f64<E>(self, v: f64) -> Result<Answer, E> {
                Ok(Answer::Number(v))
            }

            fn visit_str<E>(self, v: &str) -> Result<Answer, E> {
                Ok(Answer::Text(v.to_string()))
            }

            fn visit_string<E>(self, v: String) -> Result<Answer, E> {
                Ok(Answer::Text(v))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Answer, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(Answer::List(items))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Answer, A::Error> {
                let mut cells = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, String>()? {
                    cells.insert(key, value);
                }
                Ok(Answer::Map(cells))
            }
        }
        deserializer.deserialize_any(Shape)
    }
}

impl Answer {
    fn is_empty(&self) -> bool {
        match self {
            Self::Number(_) => false,
            Self::Text(t) => t.trim().is_empty(),
            Self::List(l) => l.iter().all(|c| c.trim().is_empty()),
            Self::Map(m) => m.values().all(|v| v.trim().is_empty()),
        }
    }
}

/// Answers by question code.
pub type Answers = BTreeMap<String, Answer>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{question}: {message}")]
pub struct AnswerError {
    /// The question's code.
    pub question: String,
    pub message: String,
}

fn error(question: &Question, message: impl Into<String>) -> AnswerError {
    AnswerError { question: question.code.clone(), message: message.into() }
}

/// Checks `raw` against `form`: every shown required question answered, every answer of the
/// right type, option and range; unknown questions refused; answers to hidden questions
/// dropped. Returns the normalised answers, or every problem at once.
pub fn validate(form: &Questionnaire, raw: &Answers) -> Result<Answers, Vec<AnswerError>> {
    let mut errors: Vec<AnswerError> = raw
        .keys()
        .filter(|code| form.question(code).is_none())
        .map(|code| AnswerError { question: code.clone(), message: "Phiếu không có câu hỏi này.".into() })
        .collect();
    let mut clean = Answers::new();
    for section in &form.sections {
        if section.visible_if.as_ref().is_some_and(|c| !c.holds(form, &clean)) {
            continue;
        }
        for question in &section.questions {
            if question.visible_if.as_ref().is_some_and(|c| !c.holds(form, &clean)) {
                continue;
            }
            match raw.get(&question.code).filter(|a| !a.is_empty()) {
                None if question.required => errors.push(error(question, "Vui lòng trả lời câu hỏi này.")),
                None => {}
                Some(answer) => match typed(question, answer) {
                    Ok(answer) => {
                        clean.insert(question.code.clone(), answer);
                    }
                    Err(e) => errors.push(e),
                },
            }
        }
    }
    if errors.is_empty() { Ok(clean) } else { Err(errors) }
}

fn find<'a>(options: &'a [Choice], code: &str) -> Option<&'a Choice> {
    options.iter().find(|o| o.code == code.trim())
}

fn unknown_option(q: &Question, code: &str) -> AnswerError {
    error(q, format!("Lựa chọn «{}» không có trong câu hỏi này.", code.trim()))
}

fn typed(q: &Question, answer: &Answer) -> Result<Answer, AnswerError> {
    let wrong_type = || error(q, "Câu trả lời không đúng kiểu của câu hỏi.");
    match (&q.kind, answer) {
        (QuestionKind::SingleChoice { options } | QuestionKind::Likert { scale: options }, Answer::Text(code)) => {
            find(options, code).map(|o| Answer::Text(o.code.clone())).ok_or_else(|| unknown_option(q, code))
        }
        (QuestionKind::MultipleChoice { options, min, max }, answer @ (Answer::List(_) | Answer::Text(_))) => {
            let codes: Vec<&str> = match answer {
                Answer::List(codes) => codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect(),
                Answer::Text(code) => vec![code.trim()],
                _ => Vec::new(),
            };
            let mut chosen: Vec<&Choice> = Vec::new();
            for code in codes {
                let option = find(options, code).ok_or_else(|| unknown_option(q, code))?;
                if !chosen.iter().any(|c| c.code == option.code) {
                    chosen.push(option);
                }
            }
            if chosen.len() > 1 && chosen.iter().any(|c| c.exclusive) {
                let alone = chosen.iter().find(|c| c.exclusive).map(|c| c.label.as_str()).unwrap_or_default();
                return Err(error(q, format!("Lựa chọn «{alone}» không chọn cùng các lựa chọn khác.")));
            }
            if min.is_some_and(|m| (chosen.len() as u32) < m) {
                return Err(error(q, format!("Chọn ít nhất {} lựa chọn.", min.unwrap_or(0))));
            }
            if max.is_some_and(|m| chosen.len() as u32 > m) {
                return Err(error(q, format!("Chọn nhiều nhất {} lựa chọn.", max.unwrap_or(0))));
            }
            // Stored in the questionnaire's order, so equal answers compare equal.
            let ordered = options.iter().filter(|o| chosen.iter().any(|c| c.code == o.code)).map(|o| o.code.clone()).collect();
            Ok(Answer::List(ordered))
        }
        (QuestionKind::Matrix { rows, scale }, Answer::Map(cells)) => {
            let mut clean = BTreeMap::new();
            for (row, point) in cells {
                let row = find(rows, row).ok_or_else(|| error(q, format!("Dòng «{row}» không có trong câu hỏi này.")))?;
                if point.trim().is_empty() {
                    continue;
                }
                let point = find(scale, point).ok_or_else(|| unknown_option(q, point))?;
                clean.insert(row.code.clone(), point.code.clone());
            }
            if q.required && clean.len() < rows.len() {
                return Err(error(q, "Vui lòng trả lời tất cả các dòng."));
            }
            Ok(Answer::Map(clean))
        }
        (QuestionKind::Text { min_length, max_length, pattern, pattern_message, .. }, Answer::Text(value)) => {
            let value = text::clean_multiline(value);
            let length = value.chars().count() as u32;
            if min_length.is_some_and(|m| length < m) {
                return Err(error(q, format!("Nhập ít nhất {} ký tự.", min_length.unwrap_or(0))));
            }
            // Free text is bounded even when the form sets no limit, so no answer is unbounded.
            let max = max_length.unwrap_or(5_000);
            if length > max {
                return Err(error(q, format!("Nhập nhiều nhất {max} ký tự.")));
            }
            if let Some(pattern) = pattern {
                let whole = format!("^(?:{pattern})$");
                let matches = regex::Regex::new(&whole).is_ok_and(|re| re.is_match(&value));
                if !matches {
                    return Err(error(q, pattern_message.clone().unwrap_or_else(|| "Câu trả lời không đúng định dạng yêu cầu.".into())));
                }
            }
            Ok(Answer::Text(value))
        }
        (QuestionKind::Number { min, max, integer }, answer @ (Answer::Number(_) | Answer::Text(_))) => {
            let n = match answer {
                Answer::Number(n) => Some(*n),
                Answer::Text(t) => text::parse_number(t),
                _ => None,
            }
            .ok_or_else(|| error(q, "Vui lòng nhập một số."))?;
            if *integer && n.fract() != 0.0 {
                return Err(error(q, "Vui lòng nhập một số nguyên."));
            }
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                let bound = |b: Option<f64>| b.map(|v| text::format_number(v, if v.fract() == 0.0 { 0 } else { 2 }));
                let message = match (bound(*min), bound(*max)) {
                    (Some(a), Some(b)) => format!("Vui lòng nhập số từ {a} đến {b}."),
                    (Some(a), None) => format!("Vui lòng nhập số không nhỏ hơn {a}."),
                    (None, Some(b)) => format!("Vui lòng nhập số không lớn hơn {b}."),
                    (None, None) => String::new(),
                };
                return Err(error(q, message));
            }
            Ok(Answer::Number(n))
        }
        (QuestionKind::Date { min, max }, Answer::Text(value)) => {
            let date = text::parse_date(value).ok_or_else(|| error(q, "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy."))?;
            if min.is_some_and(|m| date < m) || max.is_some_and(|m| date > m) {
                return Err(error(q, "Ngày nằm ngoài khoảng cho phép."));
            }
            Ok(Answer::Text(text::iso_date(date)))
        }
        (QuestionKind::Unit { .. }, Answer::Text(code)) => {
            UnitCode::parse(code).map(|c| Answer::Text(c.as_str().to_string())).map_err(|_| error(q, "Mã đơn vị không hợp lệ."))
        }
        // What a citizen types is taken (a catalogue's code or any name), tidied.
        (QuestionKind::Procedure, Answer::Text(typed)) => {
            let typed = text::clean(typed);
            if typed.chars().count() > crate::procedures::MAX_TYPED {
                Err(error(q, format!("Tên thủ tục dài quá {} ký tự.", crate::procedures::MAX_TYPED)))
            } else if typed.chars().any(char::is_control) {
                Err(error(q, "Tên thủ tục có ký tự không hợp lệ."))
            } else {
                Ok(Answer::Text(typed))
            }
        }
        _ => Err(wrong_type()),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod json {
    use super::*;

    #[test]
    fn answers_read_by_shape() {
        let answers: Answers = serde_json::from_str(r#"{"a": 5, "b": 2.5, "c": "co", "d": ["x", "y"], "e": {"r1": "s"}}"#).unwrap();
        assert_eq!(answers["a"], Answer::Number(5.0));
        assert_eq!(answers["b"], Answer::Number(2.5));
        assert_eq!(answers["c"], Answer::Text("co".into()));
        assert_eq!(answers["d"], Answer::List(vec!["x".into(), "y".into()]));
        assert_eq!(answers["e"], Answer::Map([("r1".to_string(), "s".to_string())].into()));
        assert!(serde_json::from_str::<Answers>(r#"{"a": [1]}"#).is_err());
        assert!(serde_json::from_str::<Answers>(r#"{"a": null}"#).is_err());
        let back: Answers = serde_json::from_str(&serde_json::to_string(&answers).unwrap()).unwrap();
        assert_eq!(back, answers);
    }
}

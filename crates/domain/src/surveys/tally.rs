//! What one response adds to the aggregate counters. The same function feeds the incremental
//! counters at ingest and the recount from raw responses, so the two can only agree.

use super::answers::{Answer, Answers};
use super::schema::{QuestionKind, Questionnaire};

/// The counter key of the response itself: (no question, no option).
pub const RESPONSE: (&str, &str) = ("", "");

/// The (question, option) counters one response increments, the response counter first.
/// Choice questions count their options; matrix rows count as `QUESTION/ROW`; other questions
/// count that they were answered (empty option).
pub fn tally(form: &Questionnaire, answers: &Answers) -> Vec<(String, String)> {
    let mut keys = vec![(RESPONSE.0.to_string(), RESPONSE.1.to_string())];
    for (_, question) in form.questions() {
        let Some(answer) = answers.get(&question.code) else { continue };
        let code = &question.code;
        match (&question.kind, answer) {
            (QuestionKind::SingleChoice { .. } | QuestionKind::Likert { .. }, Answer::Text(option)) => {
                keys.push((code.clone(), option.clone()));
            }
            (QuestionKind::MultipleChoice { .. }, Answer::List(options)) => {
                keys.push((code.clone(), String::new()));
                keys.extend(options.iter().map(|o| (code.clone(), o.clone())));
            }
            (QuestionKind::Matrix { .. }, Answer::Map(rows)) => {
                keys.extend(rows.iter().map(|(row, point)| (format!("{code}/{row}"), point.clone())));
            }
            _ => keys.push((code.clone(), String::new())),
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sipas::sipas_2017;

    #[test]
    fn counts_options_rows_and_answers() {
        let form = sipas_2017();
        let answers: Answers = [
            ("DV".to_string(), Answer::Text("28101".into())),
            ("TC1".to_string(), Answer::Text("co".into())),
            ("TC_KV".to_string(), Answer::List(vec!["TC1".into(), "TC3".into()])),
            ("HL_CHUNG".to_string(), Answer::Text("5".into())),
        ]
        .into();
        let keys = tally(&form, &answers);
        let expected: Vec<(String, String)> = [("", ""), ("DV", ""), ("TC1", "co"), ("TC_KV", ""), ("TC_KV", "TC1"), ("TC_KV", "TC3"), ("HL_CHUNG", "5")]
            .iter()
            .map(|(q, o)| (q.to_string(), o.to_string()))
            .collect();
        assert_eq!(keys, expected);
    }
}

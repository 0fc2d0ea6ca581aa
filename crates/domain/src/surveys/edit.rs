//! The designer's edits of a questionnaire draft: add, change, move and remove questions. Each
//! edit keeps the draft well-formed enough to show; publishing checks every rule.

use super::schema::{Choice, Question, QuestionKind, Questionnaire};

/// Where a question sits: (section index, question index).
fn position(form: &Questionnaire, code: &str) -> Option<(usize, usize)> {
    form.sections.iter().enumerate().find_map(|(s, section)| section.questions.iter().position(|q| q.code == code).map(|q| (s, q)))
}

/// Moves a question one place up or down; at the edge of a section it moves into the next
/// section. Returns whether anything moved.
pub fn move_question(form: &mut Questionnaire, code: &str, up: bool) -> bool {
    let Some((s, q)) = position(form, code) else { return false };
    let len = form.sections[s].questions.len();
    match (up, q) {
        (true, 0) if s > 0 => {
            let question = form.sections[s].questions.remove(0);
            form.sections[s - 1].questions.push(question);
        }
        (true, 0) => return false,
        (true, q) => form.sections[s].questions.swap(q, q - 1),
        (false, q) if q + 1 == len && s + 1 < form.sections.len() => {
            let question = form.sections[s].questions.remove(q);
            form.sections[s + 1].questions.insert(0, question);
        }
        (false, q) if q + 1 == len => return false,
        (false, q) => form.sections[s].questions.swap(q, q + 1),
    }
    true
}

pub fn remove_question(form: &mut Questionnaire, code: &str) -> bool {
    match position(form, code) {
        Some((s, q)) => {
            form.sections[s].questions.remove(q);
            true
        }
        None => false,
    }
}

/// Reads options written one per line as `code | label` (or just a label, coded by its
/// position). Flags of options that keep their code are kept; scale points get their rank as
/// value.
pub fn parse_options(lines: &str, old: &[Choice], scale: bool) -> Vec<Choice> {
    lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let (code, label) = match line.split_once('|') {
                Some((code, label)) => (code.trim().to_string(), crate::text::clean(label)),
                None => ((i + 1).to_string(), crate::text::clean(line)),
            };
            let mut choice = old.iter().find(|o| o.code == code).cloned().unwrap_or_else(|| Choice::new(&code, &label));
            choice.label = label;
            if scale {
                choice.value = Some((i + 1) as f64);
            }
            choice
        })
        .collect()
}

/// Options as the designer's text area shows them.
pub fn options_text(options: &[Choice]) -> String {
    options.iter().map(|o| format!("{} | {}", o.code, o.label)).collect::<Vec<_>>().join("\n")
}

/// Replaces a question's wording, help, requirement and (for choice questions) options.
pub fn change_question(form: &mut Questionnaire, code: &str, text: &str, help: &str, required: bool, options: &str) -> bool {
    let Some((s, q)) = position(form, code) else { return false };
    let question: &mut Question = &mut form.sections[s].questions[q];
    question.text = crate::text::clean(text);
    question.help = crate::text::clean_multiline(help);
    question.required = required;
    match &mut question.kind {
        QuestionKind::SingleChoice { options: o } | QuestionKind::MultipleChoice { options: o, .. } => *o = parse_options(options, o, false),
        QuestionKind::Likert { scale } | QuestionKind::Matrix { scale, .. } => *scale = parse_options(options, scale, true),
        _ => {}
    }
    true
}

/// A new question of a kind named by its type code, with empty options to fill in.
pub fn new_question(code: &str, text: &str, type_code: &str) -> Option<Question> {
    let kind = match type_code {
        "single_choice" => QuestionKind::SingleChoice { options: parse_options("co | Có\nkhong | Không", &[], false) },
        "multiple_choice" => {
            QuestionKind::MultipleChoice { options: parse_options("a | Lựa chọn 1\nb | Lựa chọn 2", &[], false), min: None, max: None }
        }
        "likert" => QuestionKind::Likert { scale: crate::sipas::satisfaction_scale() },
        "text" => QuestionKind::Text { multiline: true, min_length: None, max_length: Some(2000), pattern: None, pattern_message: None },
        "number" => QuestionKind::Number { min: None, max: None, integer: false },
        "date" => QuestionKind::Date { min: None, max: None },
        "unit" => QuestionKind::Unit { level: None },
        "procedure" => QuestionKind::Procedure,
        _ => return None,
    };
    Some(Question { code: code.trim().into(), text: crate::text::clean(text), help: String::new(), kind, required: false, visible_if: None, tag: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sipas::sipas_2017;

    fn codes(form: &Questionnaire) -> Vec<String> {
        form.questions().map(|(_, q)| q.code.clone()).collect()
    }

    #[test]
    fn questions_move_within_and_across_sections() {
        let mut form = sipas_2017();
        let before = codes(&form);
        assert!(move_question(&mut form, "TC2", true));
        assert_eq!(&codes(&form)[4..6], ["TC2", "TC1"]);
        assert!(move_question(&mut form, "TC2", false));
        assert_eq!(codes(&form), before, "down undoes up");
        // The first question of a section moves to the end of the one before.
        assert!(move_question(&mut form, "TC1", true));
        assert_eq!(form.sections[0].questions.last().unwrap().code, "TC1");
        assert!(!move_question(&mut form, "DV", true), "nothing above the first question");
        assert!(!move_question(&mut form, "GOP_Y", false), "nothing below the last");
        assert_eq!(codes(&form).len(), before.len());
    }

    #[test]
    fn options_are_edited_as_lines() {
        let mut form = sipas_2017();
        assert!(change_question(&mut form, "HL_CHUNG", "Mức hài lòng chung", "", true, "1 | Rất tệ\n2 | Tệ\n3 | Được\n4 | Tốt\n5 | Rất tốt"));
        let q = form.question("HL_CHUNG").unwrap();
        let scale = q.kind.options();
        assert_eq!(scale[4].label, "Rất tốt");
        assert!(scale[4].positive, "flags stay with their code");
        assert_eq!(scale[4].value, Some(5.0));
        assert!(change_question(&mut form, "TC1", "Đủ ghế chờ", "Tính cả ghế ngoài sảnh", false, "co | Có\nkhong | Không"));
        let q = form.question("TC1").unwrap();
        assert_eq!((q.text.as_str(), q.required, q.kind.options().len()), ("Đủ ghế chờ", false, 2));
        assert!(form.check().is_ok());
        assert!(remove_question(&mut form, "TC1") && form.question("TC1").is_none());
        assert!(new_question("Q9", "Câu mới", "likert").is_some());
        assert!(new_question("Q9", "Câu mới", "riddle").is_none());
        assert_eq!(options_text(&parse_options("Đồng ý\nKhông", &[], false)), "1 | Đồng ý\n2 | Không");
    }

    #[test]
    fn questions_are_found_by_code_after_any_edit() {
        let mut form = sipas_2017();
        let moved_before = form.question("TC1").unwrap().code.clone();
        // The index is built by the first lookup; every edit after it moves questions.
        assert!(move_question(&mut form, "TC1", true));
        assert!(move_question(&mut form, "TC3", false));
        assert!(remove_question(&mut form, "TC2"));
        form.sections[0].questions.push(new_question("MOI", "Câu mới", "text").unwrap());
        for (_, q) in form.questions() {
            assert_eq!(form.question(&q.code).map(|found| &found.code), Some(&q.code));
        }
        assert_eq!(moved_before, "TC1");
        assert!(form.question("TC2").is_none(), "a removed question is not found");
        assert_eq!(form.clone(), form, "the index is not part of a form's content");
    }
}

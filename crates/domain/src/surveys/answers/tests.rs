use proptest::prelude::*;

use super::*;
use crate::surveys::{Condition, SchemaError, Section};

fn choices(codes: &[&str]) -> Vec<Choice> {
    codes.iter().map(|c| Choice::new(c, &format!("Lựa chọn {c}"))).collect()
}

fn q(code: &str, kind: QuestionKind, required: bool) -> Question {
    Question { code: code.into(), text: format!("Câu {code}"), help: String::new(), kind, required, visible_if: None, tag: None }
}

/// One question of every type, a skip rule on a question and one on a section.
fn form() -> Questionnaire {
    let mut none = Choice::new("none", "Không có");
    none.exclusive = true;
    let mut multi = choices(&["a", "b", "c"]);
    multi.push(none);
    let mut visit = q("VISIT", QuestionKind::SingleChoice { options: choices(&["yes", "no"]) }, true);
    visit.help = "Đã đến cơ quan chưa".into();
    let mut why = q("WHY", QuestionKind::Text { multiline: true, min_length: None, max_length: Some(20), pattern: None, pattern_message: None }, true);
    why.visible_if = Some(Condition::Equals { question: "VISIT".into(), option: "no".into() });
    Questionnaire {
        code: "TEST".into(),
        title: "Phiếu thử".into(),
        description: String::new(),
        methodology: None,
        sections: vec![
            Section {
                code: "A".into(),
                title: "A".into(),
                description: String::new(),
                visible_if: None,
                questions: vec![
                    visit,
                    why,
                    q("SAT", QuestionKind::Likert { scale: crate::sipas::satisfaction_scale() }, true),
                    q("MULTI", QuestionKind::MultipleChoice { options: multi, min: Some(1), max: Some(2) }, false),
                    q("GRID", QuestionKind::Matrix { rows: choices(&["r1", "r2"]), scale: choices(&["x", "y"]) }, true),
                    q("AGE", QuestionKind::Number { min: Some(15.0), max: Some(100.0), integer: true }, false),
                    q("FEE", QuestionKind::Number { min: Some(0.0), max: None, integer: false }, false),
                    q(
                        "CODE",
                        QuestionKind::Text {
                            multiline: false,
                            min_length: None,
                            max_length: None,
                            pattern: Some("[0-9]{6}".into()),
                            pattern_message: Some("Mã hồ sơ gồm 6 chữ số.".into()),
                        },
                        false,
                    ),
                    q("DAY", QuestionKind::Date { min: crate::text::parse_date("01/01/2020"), max: None }, false),
                    q("UNIT", QuestionKind::Unit { level: None }, false),
                    q("PROC", QuestionKind::Procedure, false),
                ],
            },
            Section {
                code: "B".into(),
                title: "Chỉ khi không hài lòng".into(),
                description: String::new(),
                visible_if: Some(Condition::AtMost { question: "SAT".into(), value: 2.0 }),
                questions: vec![q(
                    "COMPLAINT",
                    QuestionKind::Text { multiline: true, min_length: Some(5), max_length: None, pattern: None, pattern_message: None },
                    true,
                )],
            },
        ],
        index: Default::default(),
    }
}

fn text(s: &str) -> Answer {
    Answer::Text(s.into())
}

fn minimal() -> Answers {
    let mut a = Answers::new();
    a.insert("VISIT".into(), text("yes"));
    a.insert("SAT".into(), text("4"));
    a.insert("GRID".into(), Answer::Map([("r1".to_string(), "x".to_string()), ("r2".to_string(), "y".to_string())].into()));
    a
}

fn errors_for(answers: &Answers) -> Vec<(String, String)> {
    match validate(&form(), answers) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.question, e.message)).collect(),
    }
}

fn with(key: &str, answer: Answer) -> Answers {
    let mut a = minimal();
    a.insert(key.into(), answer);
    a
}

#[test]
fn the_sample_form_is_valid() {
    form().check().unwrap();
    assert!(validate(&form(), &minimal()).is_ok());
}

#[test]
fn required_answers_and_skip_logic() {
    let mut a = minimal();
    a.remove("SAT");
    assert_eq!(errors_for(&a), vec![("SAT".to_string(), "Vui lòng trả lời câu hỏi này.".to_string())]);
    // WHY is shown only to those who did not visit; then it is required.
    let a = with("VISIT", text("no"));
    assert_eq!(errors_for(&a)[0].0, "WHY");
    let mut a = with("VISIT", text("no"));
    a.insert("WHY".into(), text("Ở xa"));
    assert!(errors_for(&a).is_empty());
    // Answers to hidden questions are dropped, not stored.
    let a = with("WHY", text("không liên quan"));
    assert!(!validate(&form(), &a).unwrap().contains_key("WHY"));
    // Section B only for the dissatisfied.
    let a = with("SAT", text("2"));
    assert_eq!(errors_for(&a)[0].0, "COMPLAINT");
    let mut a = with("SAT", text("2"));
    a.insert("COMPLAINT".into(), text("Chờ quá lâu"));
    assert!(validate(&form(), &a).unwrap().contains_key("COMPLAINT"));
}

#[test]
fn wrong_types_options_and_unknown_questions() {
    assert_eq!(errors_for(&with("SAT", text("6")))[0].1, "Lựa chọn «6» không có trong câu hỏi này.");
    assert_eq!(errors_for(&with("SAT", Answer::Number(4.0)))[0].1, "Câu trả lời không đúng kiểu của câu hỏi.");
    assert_eq!(errors_for(&with("GHOST", text("x")))[0], ("GHOST".to_string(), "Phiếu không có câu hỏi này.".to_string()));
    assert_eq!(errors_for(&with("MULTI", Answer::List(vec!["a".into(), "none".into()])))[0].1, "Lựa chọn «Không có» không chọn cùng các lựa chọn khác.");
    assert_eq!(errors_for(&with("MULTI", Answer::List(vec!["a".into(), "b".into(), "c".into()])))[0].1, "Chọn nhiều nhất 2 lựa chọn.");
    let one_row = Answer::Map([("r1".to_string(), "x".to_string())].into());
    assert_eq!(errors_for(&with("GRID", one_row))[0].1, "Vui lòng trả lời tất cả các dòng.");
    let bad_row = Answer::Map([("r9".to_string(), "x".to_string())].into());
    assert!(errors_for(&with("GRID", bad_row))[0].1.contains("r9"));
}

#[test]
fn numbers_texts_dates_and_codes() {
    let ok = |key: &str, answer: Answer| validate(&form(), &with(key, answer)).map(|a| a[key].clone());
    assert_eq!(ok("FEE", text("1.234,5")), Ok(Answer::Number(1234.5)));
    assert_eq!(ok("FEE", text("12,5")), Ok(Answer::Number(12.5)));
    assert_eq!(ok("FEE", text("25.000")), Ok(Answer::Number(25000.0)));
    assert_eq!(ok("AGE", Answer::Number(34.0)), Ok(Answer::Number(34.0)));
    assert_eq!(errors_for(&with("AGE", text("34,5")))[0].1, "Vui lòng nhập một số nguyên.");
    assert_eq!(errors_for(&with("AGE", text("120")))[0].1, "Vui lòng nhập số từ 15 đến 100.");
    assert_eq!(errors_for(&with("AGE", text("ba mươi")))[0].1, "Vui lòng nhập một số.");
    assert_eq!(errors_for(&with("CODE", text("12345")))[0].1, "Mã hồ sơ gồm 6 chữ số.");
    assert_eq!(errors_for(&with("CODE", text("123456x")))[0].1, "Mã hồ sơ gồm 6 chữ số.", "the pattern matches the whole answer");
    assert_eq!(ok("CODE", text(" 123456 ")), Ok(text("123456")));
    assert_eq!(ok("DAY", text("01/07/2025")), Ok(text("2025-07-01")));
    assert_eq!(errors_for(&with("DAY", text("31/12/2019")))[0].1, "Ngày nằm ngoài khoảng cho phép.");
    assert_eq!(errors_for(&with("DAY", text("hôm qua")))[0].1, "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy.");
    assert_eq!(ok("UNIT", text("28101")), Ok(text("28101")));
    assert!(errors_for(&with("UNIT", text("xã An Phú"))).len() == 1);
    assert!(errors_for(&with("PROC", text("1.001234.000.00.00.H12"))).is_empty());
    let mut long = with("VISIT", text("no"));
    long.insert("WHY".into(), text(&"x".repeat(21)));
    assert_eq!(errors_for(&long)[0].1, "Nhập nhiều nhất 20 ký tự.");
}

#[test]
fn schema_rules() {
    let mut bad = form();
    bad.sections[0].questions[0].visible_if = Some(Condition::Answered { question: "SAT".into() });
    bad.sections[0].questions[2].code = "VISIT".into();
    bad.sections[1].visible_if = Some(Condition::Equals { question: "SAT".into(), option: "9".into() });
    let errors = bad.check().unwrap_err();
    assert!(errors.contains(&SchemaError::UnknownConditionQuestion { at: "VISIT".into(), question: "SAT".into() }), "{errors:?}");
    assert!(errors.contains(&SchemaError::DuplicateQuestion("VISIT".into())));
    assert!(errors.iter().any(|e| matches!(e, SchemaError::UnknownConditionQuestion { at, .. } if at == "B")));
    let mut bad = form();
    bad.sections[0].questions[5].kind = QuestionKind::Number { min: Some(10.0), max: Some(1.0), integer: false };
    bad.sections[0].questions[7].kind =
        QuestionKind::Text { multiline: false, min_length: None, max_length: None, pattern: Some("(".into()), pattern_message: None };
    bad.sections[0].questions[0].kind = QuestionKind::SingleChoice { options: choices(&["only"]) };
    let errors = bad.check().unwrap_err();
    assert!(errors.contains(&SchemaError::BadRange("AGE".into())));
    assert!(errors.contains(&SchemaError::BadPattern("CODE".into())));
    assert!(errors.contains(&SchemaError::TooFewOptions("VISIT".into())));
}

/// Any answers a respondent could give to the sample form by following it.
fn arb_answers() -> impl Strategy<Value = Answers> {
    (
        prop::bool::ANY,
        1u8..=5,
        prop::collection::btree_set(0usize..3, 1..=2),
        (0usize..2, 0usize..2),
        prop::option::of(15u32..=100),
        prop::option::of(0u32..1_000_000),
        // Vietnamese letters only: a range such as à-ỹ also spans letters of other scripts that
        // NFC decomposes, which would change the length of the answer.
        "[a-zàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ][a-zàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ ]{4,19}",
    )
        .prop_map(|(visited, sat, multi, (r1, r2), age, fee, words)| {
            let mut a = Answers::new();
            a.insert("VISIT".into(), text(if visited { "yes" } else { "no" }));
            if !visited {
                a.insert("WHY".into(), text(&words.chars().take(20).collect::<String>()));
            }
            a.insert("SAT".into(), text(&sat.to_string()));
            a.insert("MULTI".into(), Answer::List(multi.iter().map(|i| ["a", "b", "c"][*i].to_string()).collect()));
            let xy = ["x", "y"];
            a.insert("GRID".into(), Answer::Map([("r1".to_string(), xy[r1].to_string()), ("r2".to_string(), xy[r2].to_string())].into()));
            if let Some(age) = age {
                a.insert("AGE".into(), Answer::Number(f64::from(age)));
            }
            if let Some(fee) = fee {
                a.insert("FEE".into(), text(&crate::text::format_number(f64::from(fee) / 10.0, 1)));
            }
            if sat <= 2 {
                a.insert("COMPLAINT".into(), text("Chờ rất lâu mới đến lượt"));
            }
            a
        })
}

proptest! {
    #[test]
    fn answers_given_by_following_the_form_are_accepted_and_stable(answers in arb_answers()) {
        let clean = validate(&form(), &answers);
        prop_assert!(clean.is_ok(), "{:?}", clean);
        let clean = clean.unwrap();
        prop_assert_eq!(validate(&form(), &clean), Ok(clean.clone()), "validation is idempotent");
    }

    #[test]
    fn one_unknown_option_is_reported_for_that_question_only(answers in arb_answers(), pick in 0usize..3) {
        let key = ["VISIT", "SAT", "MULTI"][pick];
        let mut broken = answers.clone();
        broken.insert(key.into(), match key { "MULTI" => Answer::List(vec!["zz".into()]), _ => text("zz") });
        let errors = validate(&form(), &broken).unwrap_err();
        prop_assert!(errors.iter().any(|e| e.question == key));
        // Only the broken question, plus questions whose visibility depended on it.
        prop_assert!(errors.iter().all(|e| e.question == key || e.question == "WHY" || e.question == "COMPLAINT"), "{:?}", errors);
    }

    #[test]
    fn hidden_questions_are_never_required(sat in 3u8..=5) {
        let mut a = minimal();
        a.insert("SAT".into(), text(&sat.to_string()));
        a.remove("COMPLAINT");
        prop_assert!(validate(&form(), &a).is_ok());
    }
}

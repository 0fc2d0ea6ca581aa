//! SIPAS: the built-in questionnaires of the satisfaction index (METHODOLOGY §1), ready to copy.
//!
//! - "SIPAS 2017" (Quyết định 2640/QĐ-BNV): five elements, 22 criteria, a satisfaction and an
//!   expectation question per element, and an overall question.
//! - "SIPAS 2023" (Quyết định 1001/QĐ-BNV): part (a), satisfaction with public policy in nine
//!   groups; part (b), administrative services with the element logic of 2017.
//!
//! - "Đánh giá 766": the one-question rating at the one-stop counter (Quyết định 766/QĐ-TTg).
//!
//! The structure is official; the wording of the questions is ours. The index engine reads only
//! the codes, tags and positive flags set here.

use crate::surveys::{Choice, Condition, Question, QuestionKind, Questionnaire, Section, Tag, TagRole};

/// An element of the service part: code, name, criteria (code suffix, question, improvement).
struct Element {
    code: &'static str,
    name: &'static str,
    intro: &'static str,
    criteria: &'static [(&'static str, &'static str)],
}

const ELEMENTS: [Element; 5] = [
    Element {
        code: "TC",
        name: "Tiếp cận dịch vụ",
        intro: "Về nơi tiếp nhận và trả kết quả hồ sơ (Bộ phận Một cửa).",
        criteria: &[
            ("Nơi ngồi chờ có đủ chỗ ngồi.", "Bố trí thêm chỗ ngồi chờ"),
            ("Có đủ trang thiết bị phục vụ người dân, tổ chức.", "Bổ sung trang thiết bị phục vụ"),
            ("Trang thiết bị phục vụ hiện đại.", "Hiện đại hóa trang thiết bị"),
            ("Trang thiết bị phục vụ dễ sử dụng.", "Trang thiết bị dễ sử dụng hơn"),
        ],
    },
    Element {
        code: "TT",
        name: "Thủ tục hành chính",
        intro: "Về thủ tục hành chính anh/chị vừa thực hiện.",
        criteria: &[
            ("Thủ tục hành chính được niêm yết công khai đầy đủ.", "Niêm yết thủ tục đầy đủ hơn"),
            ("Thủ tục hành chính được niêm yết công khai chính xác.", "Niêm yết thủ tục chính xác hơn"),
            ("Thành phần hồ sơ phải nộp đúng quy định.", "Giảm thành phần hồ sơ"),
            ("Phí, lệ phí phải nộp đúng quy định.", "Giảm phí, lệ phí"),
            ("Thời hạn giải quyết đúng quy định.", "Rút ngắn thời gian giải quyết"),
        ],
    },
    Element {
        code: "CC",
        name: "Công chức trực tiếp giải quyết công việc",
        intro: "Về công chức tiếp nhận và giải quyết hồ sơ của anh/chị.",
        criteria: &[
            ("Công chức có thái độ giao tiếp lịch sự.", "Thái độ giao tiếp lịch sự hơn"),
            ("Công chức chú ý lắng nghe ý kiến của người dân, tổ chức.", "Lắng nghe ý kiến người dân hơn"),
            ("Công chức trả lời, giải thích đầy đủ các ý kiến.", "Giải thích đầy đủ hơn"),
            ("Công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo.", "Hướng dẫn kê khai tận tình hơn"),
            ("Những hướng dẫn của công chức dễ hiểu.", "Hướng dẫn dễ hiểu hơn"),
            ("Công chức tuân thủ đúng quy định trong giải quyết công việc.", "Tuân thủ quy định nghiêm hơn"),
        ],
    },
    Element {
        code: "KQ",
        name: "Kết quả giải quyết thủ tục hành chính",
        intro: "Về kết quả giải quyết hồ sơ anh/chị nhận được.",
        criteria: &[
            ("Kết quả đúng quy định.", "Kết quả đúng quy định"),
            ("Kết quả có thông tin đầy đủ.", "Thông tin trong kết quả đầy đủ hơn"),
            ("Kết quả có thông tin chính xác.", "Thông tin trong kết quả chính xác hơn"),
        ],
    },
    Element {
        code: "PA",
        name: "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
        intro: "Về việc tiếp nhận, xử lý góp ý, phản ánh, kiến nghị của người dân, tổ chức.",
        criteria: &[
            ("Cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị.", "Có thêm hình thức góp ý, phản ánh"),
            ("Anh/chị dễ dàng thực hiện góp ý, phản ánh, kiến nghị.", "Góp ý, phản ánh dễ dàng hơn"),
            ("Cơ quan tiếp nhận, xử lý tích cực các góp ý, phản ánh, kiến nghị.", "Xử lý phản ánh tích cực hơn"),
            ("Cơ quan thông báo kịp thời kết quả xử lý góp ý, phản ánh, kiến nghị.", "Thông báo kết quả xử lý kịp thời hơn"),
        ],
    },
];

/// Part (a) of SIPAS 2023: the nine policy groups.
const POLICY_GROUPS: [(&str, &str); 9] = [
    ("KT", "Chính sách phát triển kinh tế"),
    ("YT", "Chính sách chăm sóc sức khỏe, y tế"),
    ("GD", "Chính sách giáo dục phổ thông"),
    ("NS", "Chính sách cung cấp nước sinh hoạt"),
    ("DS", "Chính sách cung cấp điện sinh hoạt"),
    ("AN", "Chính sách bảo đảm an ninh, trật tự"),
    ("GT", "Chính sách giao thông đường bộ"),
    ("AS", "Chính sách an sinh xã hội"),
    ("CH", "Chính sách cải cách hành chính"),
];

/// The official five-point satisfaction scale; "Hài lòng" and "Rất hài lòng" count as satisfied.
pub fn satisfaction_scale() -> Vec<Choice> {
    five_points(["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"])
}

/// A five-point scale coded 1 to 5 with those values; the top two count as positive.
pub(crate) fn five_points(labels: [&str; 5]) -> Vec<Choice> {
    labels
        .iter()
        .zip(1..)
        .map(|(label, value)| {
            let mut choice = Choice::new(&value.to_string(), label);
            choice.value = Some(f64::from(value));
            choice.positive = value >= 4;
            choice
        })
        .collect()
}

/// Yes / no / don't know, for the perception of a criterion.
fn yes_no() -> Vec<Choice> {
    let mut yes = Choice::new("co", "Có");
    yes.positive = true;
    let mut unknown = Choice::new("kb", "Không biết / không trả lời");
    unknown.not_applicable = true;
    vec![yes, Choice::new("khong", "Không"), unknown]
}

pub(crate) fn question(code: String, text: &str, kind: QuestionKind, required: bool, tag: Option<Tag>) -> Question {
    Question { code, text: text.into(), help: String::new(), kind, required, visible_if: None, tag }
}

pub(crate) fn tag(element: &str, criterion: Option<String>, role: TagRole, part: Option<&str>) -> Option<Tag> {
    Some(Tag { element: element.into(), criterion, role, part: part.map(String::from) })
}

fn respondent_section() -> Section {
    let choices = |items: &[(&str, &str)]| items.iter().map(|(c, l)| Choice::new(c, l)).collect::<Vec<_>>();
    let respondent = || tag("TTC", None, TagRole::Respondent, None);
    Section {
        code: "TTC".into(),
        title: "Thông tin chung".into(),
        description: "Phiếu không ghi tên người trả lời. Thông tin của anh/chị chỉ dùng để tổng hợp, thống kê.".into(),
        visible_if: None,
        questions: vec![
            question("DV".into(), "Cơ quan, đơn vị anh/chị đến giải quyết thủ tục hành chính", QuestionKind::Unit { level: None }, true, respondent()),
            question("TTHC".into(), "Thủ tục hành chính anh/chị đã thực hiện", QuestionKind::Procedure, false, respondent()),
            question(
                "GT".into(),
                "Giới tính",
                QuestionKind::SingleChoice { options: choices(&[("nam", "Nam"), ("nu", "Nữ"), ("khac", "Khác / không muốn nêu")]) },
                false,
                respondent(),
            ),
            question(
                "TUOI".into(),
                "Độ tuổi",
                QuestionKind::SingleChoice {
                    options: choices(&[
                        ("duoi25", "Dưới 25"),
                        ("25-34", "Từ 25 đến 34"),
                        ("35-49", "Từ 35 đến 49"),
                        ("50-64", "Từ 50 đến 64"),
                        ("65", "Từ 65 trở lên"),
                    ]),
                },
                false,
                respondent(),
            ),
        ],
    }
}

/// One element's section: its criteria, the satisfaction question, the expectation question.
fn element_section(element: &Element, part: Option<&str>) -> Section {
    let mut questions: Vec<Question> = Vec::new();
    if element.code == "PA" {
        // Handling of feedback can only be judged by those who gave some: ask first.
        questions.push(question(
            "PA0".into(),
            "Anh/chị đã từng góp ý, phản ánh, kiến nghị với cơ quan này chưa?",
            QuestionKind::SingleChoice { options: vec![Choice::new("co", "Đã từng"), Choice::new("chua", "Chưa")] },
            true,
            None,
        ));
    }
    for (i, (text, _)) in element.criteria.iter().enumerate() {
        let code = format!("{}{}", element.code, i + 1);
        let mut q =
            question(code.clone(), text, QuestionKind::SingleChoice { options: yes_no() }, true, tag(element.code, Some(code), TagRole::Criterion, part));
        if element.code == "PA" && i >= 2 {
            q.visible_if = Some(Condition::Equals { question: "PA0".into(), option: "co".into() });
        }
        questions.push(q);
    }
    questions.push(question(
        format!("{}_HL", element.code),
        &format!("Mức độ hài lòng của anh/chị về {}", element.name.to_lowercase()),
        QuestionKind::Likert { scale: satisfaction_scale() },
        true,
        tag(element.code, None, TagRole::Satisfaction, part),
    ));
    let mut options: Vec<Choice> = element.criteria.iter().enumerate().map(|(i, (_, wish))| Choice::new(&format!("{}{}", element.code, i + 1), wish)).collect();
    let mut none = Choice::new("khong", "Không có ý kiến");
    none.exclusive = true;
    options.push(none);
    questions.push(question(
        format!("{}_KV", element.code),
        "Anh/chị mong muốn cơ quan cải thiện điều gì? (có thể chọn nhiều)",
        QuestionKind::MultipleChoice { options, min: None, max: None },
        false,
        tag(element.code, None, TagRole::Expectation, part),
    ));
    Section { code: element.code.into(), title: element.name.into(), description: element.intro.into(), visible_if: None, questions }
}

fn closing_section(part: Option<&str>) -> Section {
    Section {
        code: "CHUNG".into(),
        title: "Đánh giá chung".into(),
        description: String::new(),
        visible_if: None,
        questions: vec![
            question(
                "HL_CHUNG".into(),
                "Nhìn chung, anh/chị hài lòng thế nào về sự phục vụ của cơ quan?",
                QuestionKind::Likert { scale: satisfaction_scale() },
                true,
                tag("CHUNG", None, TagRole::Overall, part),
            ),
            question(
                "GOP_Y".into(),
                "Anh/chị có góp ý gì thêm để cơ quan phục vụ tốt hơn?",
                QuestionKind::Text { multiline: true, min_length: None, max_length: Some(2000), pattern: None, pattern_message: None },
                false,
                None,
            ),
        ],
    }
}

/// What the respondent reads first (the methodology notes are for officials, in this file).
const INTRO: &str = "Để nâng cao chất lượng phục vụ người dân, tổ chức, cơ quan nhà nước mong anh/chị dành vài phút \
    cho biết ý kiến về lần giải quyết thủ tục hành chính vừa qua. Phiếu không ghi tên; ý kiến của anh/chị được giữ kín \
    và chỉ dùng để tổng hợp.";

/// The SIPAS 2017 questionnaire (Quyết định 2640/QĐ-BNV).
pub fn sipas_2017() -> Questionnaire {
    let mut sections = vec![respondent_section()];
    sections.extend(ELEMENTS.iter().map(|e| element_section(e, None)));
    sections.push(closing_section(None));
    Questionnaire {
        code: "SIPAS-2017".into(),
        title: "Phiếu khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước".into(),
        description: INTRO.into(),
        methodology: Some("sipas-2017".into()),
        sections,
        index: Default::default(),
    }
}

/// The SIPAS 2023 questionnaire (Quyết định 1001/QĐ-BNV): policy part and service part.
pub fn sipas_2023() -> Questionnaire {
    let policy = Section {
        code: "CS".into(),
        title: "Phần A. Sự hài lòng về chính sách công".into(),
        description: "Mức độ hài lòng của anh/chị về việc thực hiện các chính sách sau tại địa phương.".into(),
        visible_if: None,
        questions: POLICY_GROUPS
            .iter()
            .map(|(code, name)| {
                question(
                    format!("CS_{code}"),
                    name,
                    QuestionKind::Likert { scale: satisfaction_scale() },
                    true,
                    tag(&format!("CS_{code}"), None, TagRole::Satisfaction, Some("chinh_sach")),
                )
            })
            .collect(),
    };
    let service = Some("dich_vu");
    let mut sections = vec![respondent_section(), policy];
    sections.extend(ELEMENTS.iter().map(|e| {
        let mut section = element_section(e, service);
        section.title = format!("Phần B. {}", section.title);
        section
    }));
    sections.push(closing_section(service));
    Questionnaire {
        code: "SIPAS-2023".into(),
        title: "Phiếu khảo sát sự hài lòng của người dân, tổ chức về chính sách công và dịch vụ hành chính công".into(),
        description: INTRO.into(),
        methodology: Some("sipas-2023".into()),
        sections,
        index: Default::default(),
    }
}

/// The one-question rating of a procedure's handling at the one-stop counter (Quyết định
/// 766/QĐ-TTg, Nghị định 118/2025): satisfaction = (rated − dissatisfied) ÷ rated, so "Bình
/// thường" counts with the satisfied here.
pub fn rating_766() -> Questionnaire {
    let scale: Vec<Choice> = [("3", "Rất hài lòng", 3.0, true), ("2", "Hài lòng", 2.0, true), ("1", "Không hài lòng", 1.0, false)]
        .iter()
        .map(|(code, label, value, positive)| {
            let mut choice = Choice::new(code, label);
            choice.value = Some(*value);
            choice.positive = *positive;
            choice
        })
        .collect();
    let reasons = [
        "Thời gian giải quyết chậm",
        "Thái độ công chức chưa tốt",
        "Hướng dẫn chưa rõ ràng",
        "Yêu cầu bổ sung hồ sơ nhiều lần",
        "Phải nộp thêm chi phí ngoài quy định",
    ];
    let mut questions = respondent_section().questions;
    questions.truncate(2);
    questions.push(question(
        "DG".into(),
        "Anh/chị đánh giá thế nào về việc giải quyết hồ sơ?",
        QuestionKind::Likert { scale },
        true,
        tag("GQ", None, TagRole::Overall, None),
    ));
    let mut why = question(
        "LY_DO".into(),
        "Anh/chị chưa hài lòng vì điều gì? (có thể chọn nhiều)",
        QuestionKind::MultipleChoice {
            options: reasons.iter().enumerate().map(|(i, label)| Choice::new(&format!("LD{}", i + 1), label)).collect(),
            min: None,
            max: None,
        },
        false,
        tag("GQ", None, TagRole::Expectation, None),
    );
    why.visible_if = Some(Condition::Equals { question: "DG".into(), option: "1".into() });
    questions.push(why);
    Questionnaire {
        code: "DG-766".into(),
        title: "Đánh giá mức độ hài lòng về giải quyết thủ tục hành chính".into(),
        description: "Mời anh/chị đánh giá việc giải quyết hồ sơ vừa nhận; chỉ mất vài giây.".into(),
        methodology: Some("766".into()),
        sections: vec![Section { code: "DG".into(), title: "Đánh giá".into(), description: String::new(), visible_if: None, questions }],
        index: Default::default(),
    }
}

/// The short form for counters and QR codes: the 766 rating, then one satisfaction question for
/// each of four SIPAS elements and a line for a suggestion — about one phone screen. Its index
/// follows Quyết định 766; the element questions give the SIPAS elements their own figures. The
/// full SIPAS form stays for the sampled respondents.
pub fn short_766() -> Questionnaire {
    let mut form = rating_766();
    let section = &mut form.sections[0];
    for element in ELEMENTS.iter().filter(|e| e.code != "PA") {
        section.questions.push(question(
            format!("{}_HL", element.code),
            &format!("Anh/chị hài lòng thế nào về {}?", element.name.to_lowercase()),
            QuestionKind::Likert { scale: satisfaction_scale() },
            false,
            tag(element.code, None, TagRole::Satisfaction, None),
        ));
    }
    section.questions.push(question(
        "GOP_Y".into(),
        "Anh/chị muốn góp ý gì thêm? (không bắt buộc)",
        QuestionKind::Text { multiline: false, min_length: None, max_length: Some(500), pattern: None, pattern_message: None },
        false,
        None,
    ));
    form.code = "DG-766-NGAN".into();
    form.title = "Phiếu đánh giá nhanh tại quầy".into();
    form.description = "Mời anh/chị đánh giá việc giải quyết hồ sơ vừa nhận; chưa đến một phút. Phiếu không ghi tên.".into();
    form
}

/// Every built-in questionnaire: SIPAS's and the PAR INDEX surveys of officials.
pub fn templates() -> Vec<Questionnaire> {
    let mut all = vec![sipas_2017(), sipas_2023(), rating_766(), short_766()];
    all.extend(crate::par::surveys::templates());
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::{Answer, Answers, validate};

    #[test]
    fn templates_are_valid_and_shaped_as_the_methodology() {
        for form in templates() {
            form.check().unwrap_or_else(|e| panic!("{}: {e:?}", form.code));
        }
        let form = sipas_2017();
        let criteria = form.questions().filter(|(_, q)| q.tag.as_ref().is_some_and(|t| t.role == TagRole::Criterion)).count();
        assert_eq!(criteria, 22);
        let satisfaction = form.questions().filter(|(_, q)| q.tag.as_ref().is_some_and(|t| t.role == TagRole::Satisfaction)).count();
        assert_eq!(satisfaction, 5);
        let policy = sipas_2023().questions().filter(|(_, q)| q.tag.as_ref().is_some_and(|t| t.part.as_deref() == Some("chinh_sach"))).count();
        assert_eq!(policy, 9);
    }

    fn full_answers(pa0: &str) -> Answers {
        let mut answers = Answers::new();
        answers.insert("DV".into(), Answer::Text("28101".into()));
        for element in &ELEMENTS {
            for i in 1..=element.criteria.len() {
                answers.insert(format!("{}{i}", element.code), Answer::Text("co".into()));
            }
            answers.insert(format!("{}_HL", element.code), Answer::Text("4".into()));
        }
        answers.insert("PA0".into(), Answer::Text(pa0.into()));
        answers.insert("HL_CHUNG".into(), Answer::Text("5".into()));
        answers
    }

    #[test]
    fn feedback_questions_follow_the_skip_logic() {
        let form = sipas_2017();
        let kept = validate(&form, &full_answers("co")).unwrap();
        assert!(kept.contains_key("PA3") && kept.contains_key("PA4"));
        let kept = validate(&form, &full_answers("chua")).unwrap();
        assert!(!kept.contains_key("PA3") && !kept.contains_key("PA4"), "hidden answers are dropped");
        let mut missing = full_answers("co");
        missing.remove("PA3");
        let errors = validate(&form, &missing).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].question, "PA3");
        let mut skipped = full_answers("chua");
        skipped.remove("PA3");
        skipped.remove("PA4");
        assert!(validate(&form, &skipped).is_ok(), "hidden questions are never required");
    }

    #[test]
    fn templates_round_trip_through_json() {
        for form in templates() {
            let json = serde_json::to_string(&form).unwrap();
            let back: Questionnaire = serde_json::from_str(&json).unwrap();
            assert_eq!(back, form);
        }
    }
}

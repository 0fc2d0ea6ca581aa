//! The province's Zalo Official Account (3509 item 3: evaluation through Zalo): what it answers a
//! follower who writes to it or taps a menu item, and the one-tap rating of a ZNS message's
//! buttons. A follower is given the survey link of the unit that served them, found by the
//! dossier code they send (printed on their receipt); never a personal invitation's link, since
//! anyone may type a code.

use crate::surveys::{Answer, Answers, QuestionKind, Questionnaire, TagRole};

/// At most this many words of a message are tried as dossier codes.
const CANDIDATES: usize = 3;

/// The words of a follower's message that may be dossier codes: 6 to 60 letters, digits, dots,
/// dashes, slashes or underscores, with at least one digit.
pub fn dossier_codes(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')'))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '-' | '/' | '_')))
        .filter(|w| (6..=60).contains(&w.len()))
        .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '/' | '_')) && w.chars().any(|c| c.is_ascii_digit()))
        .take(CANDIDATES)
        .map(String::from)
        .collect()
}

/// The unit a dossier was handled by, as the answer names it.
pub struct Served<'a> {
    pub dossier: &'a str,
    pub unit_name: &'a str,
    /// The unit's page, where its open surveys are.
    pub link: &'a str,
}

/// What the OA answers: the unit's survey link when the message named a dossier we know, or how
/// to get it (and where to choose the unit oneself).
pub fn reply(served: Option<Served>, find_unit_link: &str) -> String {
    match served {
        Some(s) => format!(
            "Cảm ơn anh/chị đã sử dụng dịch vụ của {}. Mời anh/chị đánh giá mức độ hài lòng về việc giải quyết hồ sơ {} tại: {}",
            s.unit_name, s.dossier, s.link
        ),
        None => format!(
            "Để đánh giá sự hài lòng, anh/chị hãy gửi mã hồ sơ in trên giấy tiếp nhận hồ sơ và hẹn trả kết quả (ví dụ: 000.00.28.H01-260101-0001). Hoặc chọn cơ quan đã giải quyết hồ sơ tại: {find_unit_link}"
        ),
    }
}

/// The answers a tap on a rating button gives: the form's overall rating, if it is a scale with
/// that point (the 766 rating's "3", "2", "1"). None: the form asks for it another way, and the
/// tap opens the form instead.
pub fn one_tap(form: &Questionnaire, point: &str) -> Option<Answers> {
    let (_, question) = form.questions().find(|(_, q)| q.tag.as_ref().is_some_and(|t| t.role == TagRole::Overall))?;
    let QuestionKind::Likert { scale } = &question.kind else { return None };
    scale.iter().any(|c| c.code == point).then(|| Answers::from([(question.code.clone(), Answer::Text(point.to_string()))]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sipas::templates::{rating_766, sipas_2023};

    #[test]
    fn dossier_codes_are_picked_from_what_people_write() {
        assert_eq!(dossier_codes("Mã hồ sơ: 000.00.28.H01-260101-0001, cảm ơn"), vec!["000.00.28.H01-260101-0001"]);
        assert_eq!(dossier_codes("ho so H01.26-0042."), vec!["H01.26-0042"]);
        assert!(dossier_codes("#danhgia").is_empty());
        assert!(dossier_codes("Tôi muốn đánh giá cán bộ một cửa").is_empty());
        assert!(dossier_codes("0912345").len() == 1, "a number may be a code; the frame decides");
        assert_eq!(dossier_codes("a1b2c3 d4e5f6 g7h8i9 j1k2l3").len(), 3);
        assert!(dossier_codes(&"9".repeat(61)).is_empty());
    }

    #[test]
    fn the_reply_names_the_unit_and_its_link_or_says_how_to_find_it() {
        let served = Served { dossier: "H01-1", unit_name: "Phường An Lạc", link: "https://td.example/don-vi/28101" };
        let text = reply(Some(served), "https://td.example/danh-gia");
        assert!(text.contains("Phường An Lạc") && text.contains("H01-1") && text.ends_with("https://td.example/don-vi/28101"));
        assert!(reply(None, "https://td.example/danh-gia").contains("gửi mã hồ sơ"));
    }

    #[test]
    fn a_tap_answers_the_766_rating_and_nothing_else() {
        let form = rating_766();
        assert_eq!(one_tap(&form, "3"), Some(Answers::from([("DG".to_string(), Answer::Text("3".into()))])));
        assert_eq!(one_tap(&form, "1").unwrap()["DG"], Answer::Text("1".into()));
        assert_eq!(one_tap(&form, "5"), None);
        assert_eq!(one_tap(&form, "3 OR 1=1"), None);
        assert!(one_tap(&sipas_2023(), "9").is_none());
    }
}

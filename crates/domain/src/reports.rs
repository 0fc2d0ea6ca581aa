//! The official reports the system draws from its data, and the rules for what the reform
//! office writes into them.

use serde::{Deserialize, Serialize};

use crate::text;

/// A report one can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// The annual report on citizens' satisfaction (SIPAS).
    SipasAnnual,
    /// The PAR INDEX annual report.
    ParAnnual,
    /// The decision announcing the year's PAR INDEX and SIPAS of the units.
    Decision,
    /// One unit's one-page report card.
    Card,
    /// The monthly statistics form sent to units.
    Monthly,
}

impl ReportKind {
    pub const ALL: [ReportKind; 5] = [Self::SipasAnnual, Self::ParAnnual, Self::Decision, Self::Card, Self::Monthly];

    pub fn code(self) -> &'static str {
        match self {
            Self::SipasAnnual => "sipas-nam",
            Self::ParAnnual => "par-nam",
            Self::Decision => "quyet-dinh",
            Self::Card => "phieu-don-vi",
            Self::Monthly => "bieu-thang",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SipasAnnual => "Báo cáo kết quả đo lường sự hài lòng (SIPAS) năm",
            Self::ParAnnual => "Báo cáo kết quả Chỉ số cải cách hành chính (PAR INDEX) năm",
            Self::Decision => "Quyết định công bố Chỉ số CCHC và Chỉ số hài lòng năm",
            Self::Card => "Phiếu kết quả của một đơn vị",
            Self::Monthly => "Biểu thống kê kết quả khảo sát tháng",
        }
    }

    /// Whether the reform office writes an introduction, conclusions and a signature into it.
    pub fn has_texts(self) -> bool {
        matches!(self, Self::SipasAnnual | Self::ParAnnual | Self::Decision)
    }

    /// Whether it covers the whole province (the reform office and the leaders ask for it); the
    /// others are of one unit or one level, and anyone who reads the unit's results may.
    pub fn province_wide(self) -> bool {
        matches!(self, Self::SipasAnnual | Self::ParAnnual | Self::Decision)
    }
}

/// What the office wrote, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportText {
    pub introduction: String,
    pub conclusion: String,
    /// The signing lines, one per line.
    pub signature: String,
    pub signer: String,
}

const MAX_TEXT: usize = 20_000;
const MAX_LINE: usize = 120;
const MAX_SIGNATURE_LINES: usize = 4;

impl ReportText {
    /// The text cleaned, or every problem in Vietnamese.
    pub fn checked(&self) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let introduction = text::clean_multiline(&self.introduction);
        let conclusion = text::clean_multiline(&self.conclusion);
        for (label, value) in [("Phần mở đầu", &introduction), ("Phần kết luận", &conclusion)] {
            if value.chars().count() > MAX_TEXT {
                problems.push(format!("{label} dài tối đa {} ký tự.", text::format_count(MAX_TEXT as u64)));
            }
        }
        let lines: Vec<String> = self.signature.lines().map(text::clean).filter(|l| !l.is_empty()).collect();
        if lines.len() > MAX_SIGNATURE_LINES {
            problems.push(format!("Thẩm quyền ký có tối đa {MAX_SIGNATURE_LINES} dòng."));
        }
        let signer = text::clean(&self.signer);
        if lines.iter().chain([&signer]).any(|l| l.chars().count() > MAX_LINE) {
            problems.push(format!("Mỗi dòng thẩm quyền ký và tên người ký dài tối đa {MAX_LINE} ký tự."));
        }
        if problems.is_empty() { Ok(Self { introduction, conclusion, signature: lines.join("\n"), signer }) } else { Err(problems) }
    }

    /// The signing lines.
    pub fn signature_lines(&self) -> Vec<String> {
        self.signature.lines().map(str::to_string).filter(|l| !l.is_empty()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in ReportKind::ALL {
            assert_eq!(ReportKind::parse(kind.code()), Some(kind));
        }
        assert_eq!(ReportKind::parse("khac"), None);
    }

    #[test]
    fn texts_are_cleaned_and_bounded() {
        let typed = ReportText {
            introduction: "  Mở đầu  \r\n\r\nĐoạn hai ".into(),
            conclusion: String::new(),
            signature: "TM. ỦY BAN NHÂN DÂN\n\n KT. CHỦ TỊCH \nPHÓ CHỦ TỊCH".into(),
            signer: " Nguyễn Văn A ".into(),
        };
        let clean = typed.checked().unwrap();
        assert_eq!(clean.signature_lines(), ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]);
        assert_eq!(clean.signer, "Nguyễn Văn A");
        assert!(clean.introduction.starts_with("Mở đầu"));

        let long = ReportText { introduction: "a".repeat(MAX_TEXT + 1), signature: "1\n2\n3\n4\n5".into(), ..ReportText::default() };
        let problems = long.checked().unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}

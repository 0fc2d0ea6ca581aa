//! Personal data: a contact left to be answered or told, and personal data in a text hidden
//! before the public reads it: e-mail addresses, phone numbers
//! and identity numbers (9-digit CMND, 12-digit CCCD). People write their number into the text
//! to be called back; the published comment must not carry it.

use std::sync::LazyLock;

use regex::Regex;

use crate::sampling::frame::{normalise_email, normalise_phone};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(\.[\p{L}\p{N}\-]+)+").unwrap());
/// Runs of digits with the separators people put in numbers, an optional `+84` ahead.
static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\+\s?)?\d[\d .\-]*\d").unwrap());
/// Money and counts as Vietnamese write them: `1.250.000`, `12.000.000,5`.
static GROUPED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[1-9]\d{0,2}(\.\d{3})+(,\d+)?$").unwrap());

/// A name after the words that introduce one, and a space or a colon: "tên là", "họ tên:" take
/// a name of one word or more; "tôi là", "em là" a full name (two words or more, each capitalised), so that "tôi là
/// người dân" and "tôi là Chủ tịch" stay as they are.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b((?i:tên tôi là|ten toi la|tôi tên là|toi ten la|tên là|ten la|họ và tên|ho va ten|họ tên|ho ten|tên|ten)(?:\s*[:\-]\s*|\s+))(\p{Lu}\p{Ll}*(?:\s+\p{Lu}\p{Ll}*){0,4})").unwrap()
});
static INTRODUCED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b((?i:tôi là|toi la|em là|em la|cháu là|chau la|con là|con la)\s+)(\p{Lu}\p{Ll}*(?:\s+\p{Lu}\p{Ll}*){1,4})").unwrap());

pub const NAME_MASK: &str = "[đã ẩn họ tên]";
pub const EMAIL_MASK: &str = "[đã ẩn địa chỉ thư]";
pub const PHONE_MASK: &str = "[đã ẩn số điện thoại]";
pub const ID_MASK: &str = "[đã ẩn số giấy tờ]";

/// The text with personal data replaced by a mark that says what was there.
pub fn mask(text: &str) -> String {
    let without_emails = EMAIL.replace_all(text, EMAIL_MASK);
    let without_names = NAMED.replace_all(&without_emails, format!("${{1}}{NAME_MASK}"));
    let without_names = INTRODUCED.replace_all(&without_names, format!("${{1}}{NAME_MASK}"));
    DIGITS
        .replace_all(&without_names, |found: &regex::Captures| {
            let run = found[0].trim_end_matches([' ', '.', '-']);
            let rest = &found[0][run.len()..];
            mask_number(run).map_or_else(|| found[0].to_string(), |mask| format!("{mask}{rest}"))
        })
        .into_owned()
}

/// What a run of digits is hidden as, or `None` when it is not personal (a year, an amount, a
/// document's number).
fn mask_number(run: &str) -> Option<&'static str> {
    if GROUPED.is_match(run) {
        return None;
    }
    // A separator may split a number once per group, not twice in a row ("2020 - 2025").
    if run.contains("  ") || run.contains(" - ") {
        return None;
    }
    let digits: String = run.chars().filter(char::is_ascii_digit).collect();
    let phone = (run.starts_with('+') && digits.starts_with("84") && (11..=12).contains(&digits.len()))
        || (digits.starts_with('0') && (10..=11).contains(&digits.len()));
    if phone {
        Some(PHONE_MASK)
    } else if digits.len() == 9 || digits.len() == 12 {
        Some(ID_MASK)
    } else {
        None
    }
}

/// A phone number or an e-mail address left to be told of the result or to verify oneself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contact {
    Phone(String),
    Email(String),
}

impl Contact {
    pub fn parse(input: &str) -> Option<Self> {
        let input = input.trim();
        if input.contains('@') { normalise_email(input).map(Self::Email) } else { normalise_phone(input).map(Self::Phone) }
    }

    pub fn value(&self) -> &str {
        match self {
            Self::Phone(v) | Self::Email(v) => v,
        }
    }
}

/// A message to a person at their contact, as an e-mail and as an SMS (plain letters: an SMS with
/// Vietnamese marks costs three times as much).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub email: String,
    pub sms: String,
}

/// A title cut to 60 characters, for a subject line or a text message.
pub fn short(title: &str) -> String {
    let mut short: String = title.chars().take(60).collect();
    if short.len() < title.len() {
        short.push('…');
    }
    short
}

/// Plain letters on one line.
pub fn sms_text(text: &str) -> String {
    crate::invitations::ascii(&text.replace('…', "..."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_and_identity_numbers_are_hidden() {
        assert_eq!(mask("Liên hệ tôi: 0912 345 678 hoặc nguyen.van.a@gmail.com."), format!("Liên hệ tôi: {PHONE_MASK} hoặc {EMAIL_MASK}."));
        assert_eq!(mask("Số ĐT +84 912.345.678, CCCD 001088012345"), format!("Số ĐT {PHONE_MASK}, CCCD {ID_MASK}"));
        assert_eq!(mask("CMND số 123456789 cấp năm 2010"), format!("CMND số {ID_MASK} cấp năm 2010"));
        assert_eq!(mask("gọi 024-3824-1234 giờ hành chính"), format!("gọi {PHONE_MASK} giờ hành chính"));
    }

    #[test]
    fn amounts_years_and_document_numbers_stay() {
        for text in [
            "Phí 1.250.000 đồng là quá cao",
            "Giai đoạn 2021 - 2030",
            "Theo Nghị định 30/2020/NĐ-CP và Quyết định 3509/QĐ-UBND",
            "Khoản 2 Điều 3, hạn 05 ngày",
            "Ngân sách 12.000.000.000,5 đồng",
        ] {
            assert_eq!(mask(text), text);
        }
    }

    #[test]
    fn names_introduced_as_such_are_hidden() {
        for (text, want) in [
            ("Tôi tên là Nguyễn Văn An, ở thôn 3.", format!("Tôi tên là {NAME_MASK}, ở thôn 3.")),
            ("Họ tên: Trần Thị Bích Ngọc", format!("Họ tên: {NAME_MASK}")),
            ("toi ten la Le Van Tam, sdt 0912345678", format!("toi ten la {NAME_MASK}, sdt {PHONE_MASK}")),
            ("Tôi là Phạm Minh Đức, hồ sơ trễ hẹn", format!("Tôi là {NAME_MASK}, hồ sơ trễ hẹn")),
            ("Cán bộ tên Hùng rất nhiệt tình", format!("Cán bộ tên {NAME_MASK} rất nhiệt tình")),
        ] {
            assert_eq!(mask(text), want);
        }
        // "têNA" is no "tên" before a name: a word only starts with those letters.
        for text in ["Tôi là người dân ở xã", "Tôi là Chủ tịch hội", "Tên thủ tục ghi sai", "tôi là nông dân", "têNA", "TenAn"] {
            assert_eq!(mask(text), text);
        }
    }
}

//! Who issues a report and what the reform office wrote into it: the province's people's
//! committee, the place and date, the office's own introduction, conclusions and signature.

use time::Date;

use crate::document::{Block, Closing, Heading, place_and_date};

/// The issuing province and the date the document carries.
#[derive(Clone, Debug)]
pub struct Office {
    /// The province's name in the register: `Tỉnh An Lạc`, `Thành phố Huế`.
    pub province: String,
    pub date: Date,
}

impl Office {
    /// `ỦY BAN NHÂN DÂN TỈNH AN LẠC`.
    pub fn committee(&self) -> String {
        format!("ỦY BAN NHÂN DÂN {}", self.province.to_uppercase())
    }

    /// The committee as the heading sets it, on two lines: `ỦY BAN NHÂN DÂN` / `TỈNH AN LẠC`.
    fn issuer(&self) -> String {
        format!("ỦY BAN NHÂN DÂN\n{}", self.province.to_uppercase())
    }

    /// The province inside a sentence: `tỉnh An Lạc`.
    pub fn province_in_text(&self) -> String {
        let mut chars = self.province.chars();
        chars.next().map_or_else(String::new, |first| first.to_lowercase().chain(chars).collect())
    }

    /// The place name of the date line: the province without `Tỉnh` or `Thành phố`.
    pub fn place(&self) -> &str {
        ["Tỉnh ", "tỉnh ", "Thành phố ", "thành phố "].iter().find_map(|p| self.province.strip_prefix(p)).unwrap_or(&self.province)
    }

    /// The heading of a document of the committee. `symbol` (`BC-UBND`) follows a blank that
    /// the clerk fills with the number when the document is issued (Điều 15, Nghị định 30).
    pub fn heading(&self, symbol: Option<&str>) -> Heading {
        Heading {
            authority: String::new(),
            issuer: self.issuer(),
            number: symbol.map_or_else(String::new, |s| format!("Số:        /{s}")),
            place_date: place_and_date(self.place(), self.date.year(), self.date.month() as u8, self.date.day()),
        }
    }

    /// The heading of a document a unit issues in its own name: a commune's or ward's people's
    /// committee, or a department, under the province's committee; the province's own unit is
    /// the committee itself.
    pub fn unit_heading(&self, unit: &str, symbol: &str) -> Heading {
        let local_committee = ["Xã ", "Phường ", "Đặc khu "].iter().any(|p| unit.starts_with(p));
        let (authority, issuer) = if unit == self.province {
            (String::new(), self.issuer())
        } else if local_committee {
            (self.committee(), format!("ỦY BAN NHÂN DÂN\n{}", unit.to_uppercase()))
        } else {
            (self.committee(), unit.to_uppercase())
        };
        Heading { authority, issuer, number: format!("Số:        /{symbol}"), place_date: self.heading(None).place_date }
    }

    /// The date for the PDF's metadata.
    pub fn ymd(&self) -> (i32, u8, u8) {
        (self.date.year(), self.date.month() as u8, self.date.day())
    }
}

/// What the reform office writes into a report, kept with its versions (see
/// `storage::reports`): empty texts leave their sections out.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    pub introduction: String,
    pub conclusion: String,
    /// The signing lines: `TM. ỦY BAN NHÂN DÂN`, `KT. CHỦ TỊCH`, `PHÓ CHỦ TỊCH`.
    pub signature: Vec<String>,
    pub signer: String,
}

impl Texts {
    /// The signature a committee's document carries when the office has set none.
    pub fn default_signature() -> Vec<String> {
        vec!["TM. ỦY BAN NHÂN DÂN".into(), "KT. CHỦ TỊCH".into(), "PHÓ CHỦ TỊCH".into()]
    }

    pub fn closing(&self, recipients: &[&str]) -> Closing {
        Closing {
            recipients: recipients.iter().map(|r| r.to_string()).collect(),
            authority: if self.signature.is_empty() { Self::default_signature() } else { self.signature.clone() },
            signer: self.signer.clone(),
        }
    }
}

/// A text the office wrote, one paragraph per non-empty line.
pub fn paragraphs(text: &str) -> Vec<Block> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Block::Paragraph { text: l.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committee_and_its_place() {
        let office = Office { province: "Tỉnh An Lạc".into(), date: Date::from_calendar_date(2026, time::Month::January, 5).unwrap() };
        let h = office.heading(Some("QĐ-UBND"));
        assert_eq!(h.issuer, "ỦY BAN NHÂN DÂN\nTỈNH AN LẠC");
        assert_eq!(h.place_date, "An Lạc, ngày 05 tháng 01 năm 2026");
        assert!(h.number.starts_with("Số:") && h.number.ends_with("/QĐ-UBND"));
        assert!(office.heading(None).number.is_empty());
        assert_eq!(office.province_in_text(), "tỉnh An Lạc");
    }
}

//! The results database: every index the province and its units are judged by, edition by
//! edition. Which indices there are and how each was built in a given year is data
//! ([`catalog`]): a methodology version holds its scale and its components, so a year is read
//! against the version in force then, and editions of different versions are never compared as
//! a trend (METHODOLOGY §3).

mod catalog;
mod import;
mod trend;

pub use catalog::catalog;
pub use import::{ImportRow, Target, existed_in, header_for, parse_table};
pub use trend::{Edition, Series, carried, change, change_text, series};

use serde::Serialize;

/// The indices held, each with a stable code used in addresses and the open-data API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndexCode {
    #[serde(rename = "par-index")]
    Par,
    Sipas,
    Papi,
    Pci,
    #[serde(rename = "ict-index")]
    Ict,
    Dti,
    #[serde(rename = "766")]
    OneStop766,
}

impl IndexCode {
    pub const ALL: [IndexCode; 7] = [Self::Par, Self::Sipas, Self::Papi, Self::Pci, Self::Ict, Self::Dti, Self::OneStop766];

    pub fn code(self) -> &'static str {
        match self {
            Self::Par => "par-index",
            Self::Sipas => "sipas",
            Self::Papi => "papi",
            Self::Pci => "pci",
            Self::Ict => "ict-index",
            Self::Dti => "dti",
            Self::OneStop766 => "766",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.code() == code.trim().to_lowercase())
    }

    /// The short name people know it by.
    pub fn short(self) -> &'static str {
        match self {
            Self::Par => "PAR INDEX",
            Self::Sipas => "SIPAS",
            Self::Papi => "PAPI",
            Self::Pci => "PCI",
            Self::Ict => "ICT Index",
            Self::Dti => "DTI",
            Self::OneStop766 => "Chỉ số 766",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Par => "Chỉ số cải cách hành chính",
            Self::Sipas => "Chỉ số hài lòng về sự phục vụ hành chính",
            Self::Papi => "Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh",
            Self::Pci => "Chỉ số năng lực cạnh tranh cấp tỉnh",
            Self::Ict => "Chỉ số sẵn sàng cho phát triển và ứng dụng công nghệ thông tin – truyền thông",
            Self::Dti => "Chỉ số chuyển đổi số",
            Self::OneStop766 => "Chỉ số phục vụ người dân, doanh nghiệp trong thực hiện thủ tục hành chính, dịch vụ công (Quyết định 766/QĐ-TTg)",
        }
    }

    pub fn publisher(self) -> &'static str {
        match self {
            Self::Par | Self::Sipas => "Bộ Nội vụ (cấp tỉnh); Ủy ban nhân dân tỉnh (các đơn vị trong tỉnh)",
            Self::Papi => "UNDP và các đối tác",
            Self::Pci => "Liên đoàn Thương mại và Công nghiệp Việt Nam (VCCI)",
            Self::Ict => "Bộ Thông tin và Truyền thông và Hội Tin học Việt Nam",
            Self::Dti => "Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và Công nghệ)",
            Self::OneStop766 => "Văn phòng Chính phủ (Cổng Dịch vụ công quốc gia)",
        }
    }
}

/// Whose ranking a result belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The province among the provinces (published by a ministry or a national body); the
    /// national average is a result of this scope without a unit.
    National,
    /// A department or commune among the province's units (published by the province).
    Provincial,
}

impl Scope {
    pub fn code(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Provincial => "provincial",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match crate::text::fold(code).as_str() {
            "national" | "toan quoc" | "quoc gia" | "ca nuoc" => Some(Self::National),
            "provincial" | "tinh" | "cap tinh" | "trong tinh" => Some(Self::Provincial),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::National => "Toàn quốc",
            Self::Provincial => "Trong tỉnh",
        }
    }
}

/// The range an index's overall score is given on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Scale {
    pub min: f64,
    pub max: f64,
    /// Decimals it is published with.
    pub decimals: usize,
    /// "%" or "điểm", or empty for a plain number (0–1).
    pub unit: &'static str,
}

impl Scale {
    pub fn contains(&self, value: f64) -> bool {
        (self.min..=self.max).contains(&value)
    }

    /// `89,52 %`, `65,3 điểm`, `0,6123`.
    pub fn format(&self, value: f64) -> String {
        let number = crate::text::format_number(value, self.decimals);
        if self.unit.is_empty() { number } else { format!("{number} {}", self.unit) }
    }

    pub fn describe(&self) -> String {
        let bound = |v: f64| crate::text::format_number(v, if v.fract() == 0.0 { 0 } else { self.decimals });
        format!("{}–{}{}", bound(self.min), bound(self.max), if self.unit.is_empty() { String::new() } else { format!(" {}", self.unit) })
    }
}

/// A part of an index with a score of its own: a PAR field, a SIPAS element, a PAPI dimension,
/// a PCI sub-index, a DTI pillar, a 766 group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Component {
    pub code: &'static str,
    pub name: &'static str,
    /// The most it can score, where the methodology gives one.
    pub max: Option<f64>,
}

/// One methodology version of an index: in force for the editions from `from_year` to
/// `to_year` (inclusive; open-ended when `None`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Definition {
    pub index: IndexCode,
    pub version: &'static str,
    pub from_year: i32,
    pub to_year: Option<i32>,
    /// The document that set it.
    pub basis: &'static str,
    pub scale: Scale,
    pub components: Vec<Component>,
}

impl Definition {
    pub fn covers(&self, year: i32) -> bool {
        year >= self.from_year && self.to_year.is_none_or(|to| year <= to)
    }

    pub fn years(&self) -> String {
        match self.to_year {
            Some(to) => format!("{}–{to}", self.from_year),
            None => format!("từ {}", self.from_year),
        }
    }
}

/// The version of `index` in force for the edition of `year`.
pub fn definition(index: IndexCode, year: i32) -> Option<&'static Definition> {
    catalog().iter().find(|d| d.index == index && d.covers(year))
}

/// Every version of `index`, oldest first.
pub fn versions(index: IndexCode) -> impl Iterator<Item = &'static Definition> {
    catalog().iter().filter(move |d| d.index == index)
}

/// A component's score as stored: its code and name as the source gave them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentScore {
    pub code: String,
    pub name: String,
    pub score: f64,
}

/// One published result: an index, its edition, whose it is and what it was.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexResult {
    pub index: IndexCode,
    pub year: i32,
    /// The methodology version of the edition (see [`definition`]).
    pub version: String,
    pub scope: Scope,
    /// `None` for the national average.
    pub unit_id: Option<i64>,
    pub unit_code: String,
    /// The unit's name as it was when the result was published.
    pub unit_name: String,
    pub score: f64,
    pub rank: Option<u32>,
    /// How many were ranked.
    pub ranked: Option<u32>,
    /// Xếp loại, where the index classes its results.
    pub class: String,
    /// The document that published it (number and symbol, or the system's own publication).
    pub source: String,
    pub components: Vec<ComponentScore>,
    pub origin: Origin,
}

impl IndexResult {
    /// The score as its index publishes it.
    pub fn score_text(&self) -> String {
        match definition(self.index, self.year) {
            Some(d) => d.scale.format(self.score),
            None => crate::text::format_number(self.score, 2),
        }
    }

    /// `12/63`, or a dash.
    pub fn rank_text(&self) -> String {
        match (self.rank, self.ranked) {
            (Some(r), Some(n)) => format!("{r}/{n}"),
            (Some(r), None) => r.to_string(),
            _ => "–".into(),
        }
    }
}

/// Where a stored result came from, so that every figure leads back to its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Origin {
    /// A file imported by the reform office (the import's number).
    Import(i64),
    /// A PAR round scored and published in this system.
    ParRound(i64),
    /// A SIPAS publication of this system.
    Publication(i64),
}

/// The label of the national average in tables and files.
pub const NATIONAL_AVERAGE: &str = "Cả nước";

#[cfg(test)]
mod tests;

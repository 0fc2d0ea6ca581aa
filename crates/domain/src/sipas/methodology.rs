//! A methodology is data: how each level of the index tree is aggregated. The reform office edits
//! a copy; storage keeps every version, and each figure names the version that produced it.
//!
//! The tree is read from the questionnaire's tags: criteria (role `criterion`) belong to an
//! element; elements belong to a part when the form has parts (SIPAS 2023); the overall index
//! sits on top.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Methodology {
    /// The code questionnaires name in their `methodology` field, e.g. `sipas-2017`.
    pub code: String,
    pub name: String,
    /// How an element index is formed: `share_positive` reads the element's satisfaction
    /// question; the means read its criteria.
    pub element: Rule,
    /// How a part index is formed: `share_positive` reads the part's overall question; the
    /// means read its elements. Unused when the form has no parts.
    pub part: Rule,
    /// How the overall index is formed: `share_positive` reads the overall question; the means
    /// read the parts, or the elements when there are no parts.
    pub overall: Rule,
    /// Names of the parts, by code.
    #[serde(default)]
    pub parts: Vec<(String, String)>,
    /// Where the rules are our reading rather than the official text (METHODOLOGY [assumed]).
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// Positive answers ÷ valid answers × 100 on the level's own question.
    SharePositive,
    /// Arithmetic mean of the children's indices.
    MeanOfChildren,
    /// Mean of the children's indices weighted by code; a child without a weight counts 0.
    WeightedMean { weights: BTreeMap<String, f64> },
}

impl Rule {
    pub fn code(&self) -> &'static str {
        match self {
            Self::SharePositive => "share_positive",
            Self::MeanOfChildren => "mean_of_children",
            Self::WeightedMean { .. } => "weighted_mean",
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::SharePositive => "Tỷ lệ trả lời tích cực trên số trả lời hợp lệ".into(),
            Self::MeanOfChildren => "Trung bình cộng các chỉ số thành phần".into(),
            Self::WeightedMean { weights } => {
                let parts: Vec<String> = weights
                    .iter()
                    .map(|(code, w)| {
                        let number = crate::text::format_number(*w, 3);
                        format!("{code} × {}", number.trim_end_matches('0').trim_end_matches(','))
                    })
                    .collect();
                format!("Bình quân gia quyền ({})", parts.join("; "))
            }
        }
    }

    /// Builds a rule from its code and, for a weighted mean, lines of `CODE = weight`.
    pub fn parse(code: &str, weights: &str) -> Result<Self, String> {
        match code {
            "share_positive" => Ok(Self::SharePositive),
            "mean_of_children" => Ok(Self::MeanOfChildren),
            "weighted_mean" => {
                let mut map = BTreeMap::new();
                for line in weights.split([';', '\n']).map(str::trim).filter(|l| !l.is_empty()) {
                    let (key, value) = line.split_once('=').ok_or_else(|| format!("Dòng «{line}» cần có dạng MÃ = trọng số."))?;
                    let value = crate::text::parse_number(value).ok_or_else(|| format!("Trọng số «{}» không phải là số.", value.trim()))?;
                    map.insert(key.trim().to_string(), value);
                }
                let rule = Self::WeightedMean { weights: map };
                rule.check()?;
                Ok(rule)
            }
            other => Err(format!("Không có quy tắc tổng hợp «{other}».")),
        }
    }

    fn check(&self) -> Result<(), String> {
        if let Self::WeightedMean { weights } = self {
            if weights.values().any(|w| !w.is_finite() || *w < 0.0) {
                return Err("Trọng số phải là số không âm.".into());
            }
            if weights.values().sum::<f64>() <= 0.0 {
                return Err("Cần ít nhất một trọng số lớn hơn 0.".into());
            }
        }
        Ok(())
    }
}

impl Methodology {
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        if !crate::surveys::is_code(&self.code) {
            errors.push("Mã phương pháp chỉ gồm chữ không dấu, số, dấu gạch.".into());
        }
        if self.name.trim().is_empty() {
            errors.push("Cần tên phương pháp.".into());
        }
        for rule in [&self.element, &self.part, &self.overall] {
            if let Err(e) = rule.check() {
                errors.push(e);
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    pub fn part_label<'a>(&'a self, code: &'a str) -> &'a str {
        self.parts.iter().find(|(c, _)| c == code).map_or(code, |(_, label)| label.as_str())
    }
}

const ASSUMED: &str = "Cách tổng hợp là cách hiểu của Thước Đo khi phụ lục chính thức chưa công bố đầy đủ (xem trang «Phương pháp tính»); \
    Sở Nội vụ có thể sửa trong một phiên bản mới.";

/// The presets shipped with the software (version 1 of each in storage).
pub fn presets() -> Vec<Methodology> {
    vec![
        Methodology {
            code: "sipas-2017".into(),
            name: "SIPAS 2017 (Quyết định 2640/QĐ-BNV)".into(),
            element: Rule::SharePositive,
            part: Rule::MeanOfChildren,
            overall: Rule::MeanOfChildren,
            parts: Vec::new(),
            note: ASSUMED.into(),
        },
        Methodology {
            code: "sipas-2023".into(),
            name: "SIPAS 2023 (Quyết định 1001/QĐ-BNV)".into(),
            element: Rule::SharePositive,
            part: Rule::MeanOfChildren,
            overall: Rule::MeanOfChildren,
            parts: vec![("chinh_sach".into(), "Sự hài lòng về chính sách công".into()), ("dich_vu".into(), "Sự hài lòng về dịch vụ hành chính công".into())],
            note: ASSUMED.into(),
        },
        Methodology {
            code: "766".into(),
            name: "Mức độ hài lòng giải quyết TTHC (Quyết định 766/QĐ-TTg)".into(),
            element: Rule::SharePositive,
            part: Rule::MeanOfChildren,
            overall: Rule::SharePositive,
            parts: Vec::new(),
            note: "Công thức chính thức: (số hồ sơ được đánh giá − số đánh giá không hài lòng) ÷ số hồ sơ được đánh giá × 100.".into(),
        },
        Methodology {
            code: crate::par::surveys::METHODOLOGY.into(),
            name: "Điều tra xã hội học Chỉ số CCHC (lãnh đạo, quản lý; cán bộ, công chức)".into(),
            element: Rule::MeanOfChildren,
            part: Rule::MeanOfChildren,
            overall: Rule::MeanOfChildren,
            parts: Vec::new(),
            note: ASSUMED.into(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_round_trip() {
        for preset in presets() {
            preset.check().unwrap();
            let json = serde_json::to_string(&preset).unwrap();
            assert_eq!(serde_json::from_str::<Methodology>(&json).unwrap(), preset);
        }
    }

    #[test]
    fn weighted_rules_are_parsed_with_vietnamese_decimals() {
        let rule = Rule::parse("weighted_mean", "TC = 0,2\nCC=0.5; KQ = 0,3").unwrap();
        let Rule::WeightedMean { weights } = &rule else { panic!() };
        assert_eq!(weights.get("TC"), Some(&0.2));
        assert_eq!(weights.get("CC"), Some(&0.5));
        assert_eq!(rule.label(), "Bình quân gia quyền (CC × 0,5; KQ × 0,3; TC × 0,2)");
        assert!(Rule::parse("weighted_mean", "TC = -1").is_err());
        assert!(Rule::parse("weighted_mean", "TC = 0").is_err());
        assert!(Rule::parse("weighted_mean", "TC 1").is_err());
        assert!(Rule::parse("median", "").is_err());
    }
}

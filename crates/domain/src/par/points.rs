//! Points as whole hundredths, so that sums of 0,25 and 0,5 are exact and a score sheet adds up
//! to the last digit on every machine.

use serde::{Deserialize, Serialize};

use crate::text::format_number;

/// A number of points in hundredths: `Points(125)` is 1,25 points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Points(pub i64);

impl Points {
    pub const ZERO: Points = Points(0);

    pub fn whole(n: i64) -> Self {
        Self(n * 100)
    }

    /// `2`, `1,5`, `0,25` (or with a decimal point); at most two decimals, not negative.
    pub fn parse(input: &str) -> Option<Self> {
        let text = input.trim().replace(',', ".");
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.len() > 2 {
            return None;
        }
        if !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) || whole.len() > 9 {
            return None;
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let fraction: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<2}").parse().ok()? };
        Some(Self(whole * 100 + fraction))
    }

    /// `1,25`, `2`, `0,5`: Vietnamese decimals, no trailing zeros.
    pub fn display(self) -> String {
        let text = format_number(self.0 as f64 / 100.0, 2);
        match text.split_once(',') {
            Some((whole, "00")) => whole.to_string(),
            Some((whole, fraction)) => format!("{whole},{}", fraction.trim_end_matches('0')),
            None => text,
        }
    }

    /// `13,40`: always two decimals, so that a column of points lines up.
    pub fn fixed(self) -> String {
        format_number(self.as_f64(), 2)
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, other: Points) -> Points {
        Points(self.0 + other.0)
    }
}

impl std::ops::Sub for Points {
    type Output = Points;
    fn sub(self, other: Points) -> Points {
        Points(self.0 - other.0)
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        Points(iter.map(|p| p.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_read_and_print_the_vietnamese_way() {
        assert_eq!(Points::parse("1,25"), Some(Points(125)));
        assert_eq!(Points::parse("0.5"), Some(Points(50)));
        assert_eq!(Points::parse(" 2 "), Some(Points(200)));
        assert_eq!(Points::parse(",5"), Some(Points(50)));
        for bad in ["", "-1", "1,255", "abc", "1,2,3", "."] {
            assert_eq!(Points::parse(bad), None, "{bad}");
        }
        assert_eq!(Points(125).display(), "1,25");
        assert_eq!(Points(50).display(), "0,5");
        assert_eq!(Points(200000).display(), "2.000");
        assert_eq!(Points(-75).display(), "-0,75");
    }
}

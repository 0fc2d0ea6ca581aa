//! How well a classifier does on held-out comments: the confusion matrix, each class's
//! precision, recall and F1, and their mean (macro-F1), which weighs the rarer neutral class
//! as much as the others.

use std::fmt;

use crate::Sentiment;

/// Counts of (actual, predicted) pairs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Confusion {
    counts: [[u32; 3]; 3],
}

impl Confusion {
    pub fn add(&mut self, actual: Sentiment, predicted: Sentiment) {
        self.counts[actual.index()][predicted.index()] += 1;
    }

    pub fn count(&self, actual: Sentiment, predicted: Sentiment) -> u32 {
        self.counts[actual.index()][predicted.index()]
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let right: u32 = (0..3).map(|i| self.counts[i][i]).sum();
        ratio(right, self.total())
    }

    pub fn precision(&self, class: Sentiment) -> f64 {
        let c = class.index();
        ratio(self.counts[c][c], (0..3).map(|a| self.counts[a][c]).sum())
    }

    pub fn recall(&self, class: Sentiment) -> f64 {
        let c = class.index();
        ratio(self.counts[c][c], self.counts[c].iter().sum())
    }

    pub fn f1(&self, class: Sentiment) -> f64 {
        let (p, r) = (self.precision(class), self.recall(class));
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }

    pub fn macro_f1(&self) -> f64 {
        Sentiment::ALL.iter().map(|&c| self.f1(c)).sum::<f64>() / 3.0
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 { 0.0 } else { f64::from(a) / f64::from(b) }
}

/// The matrix and the figures, as the train command prints them.
impl fmt::Display for Confusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<14}{:>12}{:>12}{:>12}", "thực \\ đoán", "Tiêu cực", "Trung tính", "Tích cực")?;
        for actual in Sentiment::ALL {
            write!(f, "{:<14}", actual.label())?;
            for predicted in Sentiment::ALL {
                write!(f, "{:>12}", self.count(actual, predicted))?;
            }
            writeln!(f)?;
        }
        for class in Sentiment::ALL {
            writeln!(f, "{:<14}P {:.3}  R {:.3}  F1 {:.3}", class.label(), self.precision(class), self.recall(class), self.f1(class))?;
        }
        write!(f, "Độ chính xác {:.3}, macro-F1 {:.3} trên {} câu", self.accuracy(), self.macro_f1(), self.total())
    }
}

/// The confusion of `classify` on the held-out part of a corpus, and of the part of it of one
/// source when `source` is given.
pub fn held_out(examples: &[crate::corpus::Example], source: Option<crate::corpus::Source>, classify: impl Fn(&str) -> Sentiment) -> Confusion {
    let mut confusion = Confusion::default();
    for e in examples.iter().filter(|e| e.split == crate::corpus::Split::Test && source.is_none_or(|s| s == e.source)) {
        confusion.add(e.label, classify(&e.text));
    }
    confusion
}

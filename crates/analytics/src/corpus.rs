//! The labelled corpus the default model learns from and is measured on: Vietnamese comments on
//! public services, written for the project (see `corpus/GUIDE.md` for how each was labelled),
//! each with a fixed part — most to train on, a fifth held out to measure.

use crate::Sentiment;

/// The corpus shipped with the project.
pub const BUILTIN: &str = include_str!("../corpus/comments.tsv");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

/// Where a comment came from: written whole, or composed from clause banks by the rules of the
/// guide (kept apart so that figures can be given for each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Written,
    Composed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub id: u32,
    pub split: Split,
    pub label: Sentiment,
    pub source: Source,
    pub text: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CorpusError {
    #[error("Dòng {0}: cần 5 cột cách nhau bởi tab (id, split, label, source, text).")]
    Columns(usize),
    #[error("Dòng {0}: mã số không hợp lệ.")]
    Id(usize),
    #[error("Dòng {0}: phần phải là «train» hoặc «test».")]
    Split(usize),
    #[error("Dòng {0}: nhãn phải là «pos», «neu» hoặc «neg».")]
    Label(usize),
    #[error("Dòng {0}: nguồn phải là «viet» hoặc «ghep».")]
    Source(usize),
    #[error("Kho ngữ liệu không có câu nào.")]
    Empty,
}

/// Reads a corpus in the shipped format: a header line, then `id split label source text`
/// separated by tabs.
pub fn parse(tsv: &str) -> Result<Vec<Example>, CorpusError> {
    let mut out = Vec::new();
    for (n, line) in tsv.lines().enumerate().skip(1) {
        let line_no = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.splitn(5, '\t').collect();
        let [id, split, label, source, text] = cols[..] else { return Err(CorpusError::Columns(line_no)) };
        out.push(Example {
            id: id.parse().map_err(|_| CorpusError::Id(line_no))?,
            split: match split {
                "train" => Split::Train,
                "test" => Split::Test,
                _ => return Err(CorpusError::Split(line_no)),
            },
            label: Sentiment::parse(label).ok_or(CorpusError::Label(line_no))?,
            source: match source {
                "viet" => Source::Written,
                "ghep" => Source::Composed,
                _ => return Err(CorpusError::Source(line_no)),
            },
            text: text.to_string(),
        });
    }
    if out.is_empty() {
        return Err(CorpusError::Empty);
    }
    Ok(out)
}

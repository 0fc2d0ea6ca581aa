//! Vietnamese text analytics (SPEC §3.2 "text analytics", action programme 3441 part 2 item 2):
//! the sentiment and the topics of every free-text comment, on the province's own server.
//!
//! - [`normalize`]: a comment reduced to folded words, chat spellings spelt out.
//! - [`lexicon`]: the baseline, a lexicon with the rules of negation, intensity and contrast.
//! - [`model`]: the default classifier, a linear model over word and character n-grams trained
//!   from the project's own labelled [`corpus`], measured by [`evaluate`].
//! - [`topics`]: the taxonomy of service-quality topics the reform office edits, and the
//!   grouping of comments outside it.
//!
//! A [`Classifier`] is the built-in model or one an operator plugs in (the `onnx` crate).

pub mod corpus;
pub mod evaluate;
pub mod lexicon;
pub mod model;
pub mod normalize;
pub mod topics;

use serde::{Deserialize, Serialize};

/// What a comment says of the service, overall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    Negative,
    Neutral,
    Positive,
}

impl Sentiment {
    pub const ALL: [Sentiment; 3] = [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive];

    /// The class's place in a model's outputs.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Self {
        Self::ALL[i.min(2)]
    }

    /// As stored: −1, 0, 1.
    pub fn value(self) -> i64 {
        self as i64 - 1
    }

    pub fn from_value(v: i64) -> Self {
        Self::from_index((v.clamp(-1, 1) + 1) as usize)
    }

    /// As written in the corpus and in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Sentiment::Negative => "neg",
            Sentiment::Neutral => "neu",
            Sentiment::Positive => "pos",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Sentiment::Negative => "Tiêu cực",
            Sentiment::Neutral => "Trung tính",
            Sentiment::Positive => "Tích cực",
        }
    }
}

/// A classifier's answer: the sentiment and how sure it is (0 to 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    pub sentiment: Sentiment,
    pub confidence: f32,
}

impl Verdict {
    /// The likeliest sentiment of `probabilities` (in [`Sentiment::ALL`]'s order).
    pub fn of(probabilities: [f32; 3]) -> Self {
        let best = (0..3).max_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b])).unwrap_or(1);
        Verdict { sentiment: Sentiment::from_index(best), confidence: probabilities[best] }
    }
}

/// A sentiment classifier: the built-in [`model::Model`], or a model file an operator plugs in.
pub trait Classifier: Send + Sync + std::fmt::Debug {
    /// The name kept beside each verdict. A server that starts with a classifier of another
    /// name classifies every kept comment again.
    fn id(&self) -> &str;

    /// The probability of each sentiment, in [`Sentiment::ALL`]'s order.
    fn probabilities(&self, tokens: &[normalize::Token]) -> Result<[f32; 3], ClassifierError>;

    fn verdict(&self, tokens: &[normalize::Token]) -> Result<Verdict, ClassifierError> {
        self.probabilities(tokens).map(Verdict::of)
    }
}

/// A plugged model that failed on a comment (the built-in one does not fail).
#[derive(Debug, thiserror::Error)]
#[error("mô hình phân loại cảm xúc lỗi: {0}")]
pub struct ClassifierError(pub String);

/// The longest comment kept to be shown, in characters.
pub const MAX_SHOWN_CHARS: usize = 2000;

/// A comment read: what is kept to be shown (personal data masked, cut to
/// [`MAX_SHOWN_CHARS`]), its sentiment by the classifier, and its topics.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub shown: String,
    pub verdict: Verdict,
    pub topics: Vec<String>,
}

/// Reads one comment. The masked text is what is classified, so that a comment classified
/// again from what was kept gets the same answer.
pub fn read(comment: &str, classifier: &dyn Classifier, taxonomy: &topics::Taxonomy) -> Result<Reading, ClassifierError> {
    // Cut before anything else: a pasted book costs no more than a long comment.
    let cut: String = comment.chars().take(MAX_SHOWN_CHARS).collect();
    let shown = domain::personal::mask(&domain::text::clean_multiline(&cut));
    let tokens = normalize::tokens(&shown);
    Ok(Reading { verdict: classifier.verdict(&tokens)?, topics: taxonomy.classify(&tokens), shown })
}

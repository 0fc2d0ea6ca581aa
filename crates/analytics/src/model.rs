//! The default classifier: a multinomial logistic regression over hashed features of a comment —
//! its words (those under a negation marked as such), word pairs, the words of its last clause
//! after a contrast, character n-grams (which carry it over misspellings and chat spellings),
//! its length, and the baseline's score. Linear, so every verdict is explained by the features
//! that weighed most. Trained deterministically (fixed seed, fixed order), so the same corpus
//! gives the same weights on every machine.

use crate::normalize::{self, Token};
use crate::{Classifier, ClassifierError, Sentiment, Verdict, lexicon};

/// log2 of the number of weights per class: 2^18 keeps collisions rare for a corpus of
/// thousands of comments, at 3 MB.
pub const BITS: u32 = 18;
const DIM: usize = 1 << BITS;
/// The widths, as log2, of the models an operator may plug in: from a thousand inputs to a
/// million (a dense input of 4 MB per comment).
pub const PLUGGED_BITS: std::ops::RangeInclusive<u32> = 10..=20;
/// Passes over the training comments, and AdaGrad's step.
const EPOCHS: usize = 12;
const STEP: f32 = 0.4;
/// Single-word negations that mark the words after them (up to [`NEGATION_SCOPE`]).
const NEGATIONS: [&str; 5] = ["khong", "chang", "chua", "cha", "thieu"];
const NEGATION_SCOPE: usize = 3;

/// The trained weights, a row of three (negative, neutral, positive) per hashed feature.
#[derive(Clone)]
pub struct Model {
    weights: Vec<[f32; 3]>,
}

/// A feature's place among 2^`bits` slots.
fn slot(name: &str, bits: u32) -> usize {
    // FNV-1a, then a multiplicative mix so the top bits spread.
    (digest(name.as_bytes()).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
}

/// Calls `emit` with the name and value of every feature of a comment.
pub fn features(tokens: &[Token], mut emit: impl FnMut(&str, f32)) {
    emit("bias", 1.0);
    let scored = lexicon::score(tokens);
    let lex = scored.score;
    emit("lex", (lex / 2.0).clamp(-2.0, 2.0));
    if let Some(after) = scored.after_contrast {
        emit("lex:after", (after / 2.0).clamp(-2.0, 2.0));
    }
    emit(
        match lex {
            s if s >= lexicon::NEUTRAL_BAND => "lex:+",
            s if s <= -lexicon::NEUTRAL_BAND => "lex:-",
            _ => "lex:0",
        },
        1.0,
    );
    let words: Vec<&str> = tokens.iter().filter(|t| !t.is_break()).map(|t| t.word.as_str()).collect();
    emit(
        match words.len() {
            0 => "len:0",
            1 => "len:1",
            2..=3 => "len:2",
            4..=8 => "len:4",
            _ => "len:9",
        },
        1.0,
    );
    let mut name = String::new();
    let word_value = 1.0 / (words.len().max(1) as f32).sqrt();
    // The last clause after a contrast says what the comment comes to.
    let last_contrast = tokens.iter().rposition(|t| t.word == "nhung" || t.word == "nhien").map_or(tokens.len(), |i| i + 1);
    for clause_start in clause_starts(tokens) {
        let clause: Vec<&Token> = tokens[clause_start..].iter().take_while(|t| !t.is_break()).collect();
        let mut negated: usize = 0;
        let mut previous: Option<&str> = None;
        for (k, token) in clause.iter().enumerate() {
            let word = token.word.as_str();
            let additive = clause.get(k + 1).is_some_and(|next| next.word == normalize::PLURAL || next.word == "chi");
            name.clear();
            name.push_str(if negated > 0 { "w!:" } else { "w:" });
            name.push_str(word);
            emit(&name, word_value);
            if clause_start + k >= last_contrast {
                name.replace_range(..1, "l");
                emit(&name, word_value);
            }
            if let Some(previous) = previous {
                name.clear();
                name.push_str("b:");
                name.push_str(previous);
                name.push(' ');
                name.push_str(word);
                emit(&name, word_value);
            }
            previous = Some(word);
            negated = negated.saturating_sub(1);
            if NEGATIONS.contains(&word) && !additive {
                negated = NEGATION_SCOPE;
            }
        }
        char_grams(&clause, &mut name, &mut emit);
    }
}

/// Where each clause begins.
fn clause_starts(tokens: &[Token]) -> impl Iterator<Item = usize> + '_ {
    (0..tokens.len()).filter(|&i| !tokens[i].is_break() && (i == 0 || tokens[i - 1].is_break()))
}

/// The clause's character 3- and 4-grams, word boundaries included.
fn char_grams(clause: &[&Token], name: &mut String, emit: &mut impl FnMut(&str, f32)) {
    let mut text: Vec<char> = vec![' '];
    for token in clause {
        text.extend(token.word.chars());
        text.push(' ');
    }
    let count = (text.len().saturating_sub(2) * 2).max(1);
    let value = 1.0 / (count as f32).sqrt();
    for n in 3..=4 {
        for gram in text.windows(n) {
            name.clear();
            name.push_str("c:");
            name.extend(gram);
            emit(name, value);
        }
    }
}

/// A comment's features as slots among 2^`bits` and values (a slot may come more than once:
/// its values add up). What the built-in model reads with [`BITS`], and what a plugged model
/// of 2^`bits` inputs is given.
pub fn vector(tokens: &[Token], bits: u32) -> Vec<(usize, f32)> {
    let mut out = Vec::with_capacity(256);
    features(tokens, |name, value| out.push((slot(name, bits), value)));
    out
}

/// Scores made probabilities.
pub fn softmax(scores: [f32; 3]) -> [f32; 3] {
    let max = scores.iter().copied().fold(f32::MIN, f32::max);
    let e = scores.map(|s| (s - max).exp());
    let sum: f32 = e.iter().sum();
    e.map(|x| x / sum)
}

/// A small deterministic generator (SplitMix64) for the order of the training passes.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Model {
    /// Trains on labelled comments.
    pub fn train<'a>(examples: impl IntoIterator<Item = (&'a str, Sentiment)>) -> Self {
        let data: Vec<(Vec<(usize, f32)>, usize)> = examples.into_iter().map(|(text, label)| (vector(&normalize::tokens(text), BITS), label.index())).collect();
        let mut weights = vec![[0f32; 3]; DIM];
        let mut squares = vec![[1e-6f32; 3]; DIM];
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut random = SplitMix(0x7468_756f_6364_6f21);
        for _ in 0..EPOCHS {
            for i in (1..order.len()).rev() {
                order.swap(i, (random.next() % (i as u64 + 1)) as usize);
            }
            for &i in &order {
                let (x, y) = &data[i];
                let p = softmax(score(&weights, x));
                for &(j, v) in x {
                    for c in 0..3 {
                        let g = (p[c] - if c == *y { 1.0 } else { 0.0 }) * v;
                        squares[j][c] += g * g;
                        weights[j][c] -= STEP * g / squares[j][c].sqrt();
                    }
                }
            }
        }
        Self { weights }
    }

    /// The probability of each sentiment, in [`Sentiment::ALL`]'s order.
    pub fn probabilities(&self, tokens: &[Token]) -> [f32; 3] {
        softmax(score(&self.weights, &vector(tokens, BITS)))
    }

    pub fn verdict(&self, tokens: &[Token]) -> Verdict {
        Verdict::of(self.probabilities(tokens))
    }

    /// The weights, a row per slot of [`vector`] with [`BITS`]: what an export writes.
    pub fn weights(&self) -> &[[f32; 3]] {
        &self.weights
    }

    /// The features that weighed most for `sentiment` (against the other two), strongest
    /// first: what a person reads to see why.
    pub fn explain(&self, tokens: &[Token], sentiment: Sentiment, count: usize) -> Vec<(String, f32)> {
        let c = sentiment.index();
        let mut out: Vec<(String, f32)> = Vec::new();
        features(tokens, |name, value| {
            let w = self.weights[slot(name, BITS)];
            let against = (w[(c + 1) % 3] + w[(c + 2) % 3]) / 2.0;
            out.push((name.to_string(), (w[c] - against) * value));
        });
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out.truncate(count);
        out
    }
}

fn score(weights: &[[f32; 3]], x: &[(usize, f32)]) -> [f32; 3] {
    let mut s = [0f32; 3];
    for &(j, v) in x {
        for c in 0..3 {
            s[c] += weights[j][c] * v;
        }
    }
    s
}

/// Bumped whenever the features or the training change.
pub const VERSION: u32 = 1;

/// FNV-1a: a short stable digest, for hashing features and naming models.
pub fn digest(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The default classifier: the model trained from the training part of the shipped corpus.
/// Its name is known at once; the model is trained once per process, at its first comment.
#[derive(Debug)]
pub struct Builtin;

impl Builtin {
    pub fn model(&self) -> &'static Model {
        static MODEL: std::sync::LazyLock<Model> = std::sync::LazyLock::new(|| {
            let corpus = crate::corpus::parse(crate::corpus::BUILTIN).expect("the shipped corpus is well formed");
            Model::train(corpus.iter().filter(|e| e.split == crate::corpus::Split::Train).map(|e| (e.text.as_str(), e.label)))
        });
        &MODEL
    }
}

impl Classifier for Builtin {
    /// Its kind and a digest of the corpus it learnt from: a new corpus (or a new [`VERSION`])
    /// makes a new name, and a server that starts with it classifies the kept comments again.
    fn id(&self) -> &str {
        static ID: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| format!("tuyen-tinh-{VERSION}-{:016x}", digest(crate::corpus::BUILTIN.as_bytes())));
        &ID
    }

    fn probabilities(&self, tokens: &[Token]) -> Result<[f32; 3], ClassifierError> {
        Ok(self.model().probabilities(tokens))
    }
}

/// The default classifier.
pub static BUILTIN: Builtin = Builtin;

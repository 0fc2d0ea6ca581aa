//! The index engine: counters of a slice (any units, months, channels of one questionnaire
//! version) in, figures out — criterion, element, part and overall, each with its n, valid n and
//! 95 % margin of error, and the rule that produced it.
//!
//! - A share figure is positive ÷ valid × 100; "valid" leaves out missing answers and answers
//!   marked not applicable ("Không biết / không trả lời").
//! - Its margin is 1.96·√(p(1−p)/n)·√((N−n)/(N−1)) with n the valid answers and N the frame size
//!   when known (METHODOLOGY §1.1).
//! - A mean figure's margin treats its children as independent samples:
//!   1.96·√(Σ (wᵢ/W)² σᵢ²). Answers of one respondent are correlated, so this is a lower bound;
//!   the pages say so. Its valid n is the smallest valid n among its children.

use serde::{Deserialize, Serialize};

use super::methodology::{Methodology, Rule};
use crate::surveys::{Counts, Layout, Question, Questionnaire, TagRole};

const Z95: f64 = 1.96;

/// Fewer valid answers than this make a figure too uncertain to compare with others (its margin
/// of error is then ten points or more): such a figure is shown, and marked "ít phiếu".
pub const FEW_ANSWERS: u64 = 30;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Percent, 0–100; none when there is no valid answer.
    pub value: Option<f64>,
    /// Responses in the slice.
    pub n: u64,
    /// Valid answers behind the figure.
    pub valid: u64,
    /// Half-width of the 95 % confidence interval, in percentage points.
    pub margin: Option<f64>,
}

impl Figure {
    /// Whether the figure rests on too few answers to be compared ([`FEW_ANSWERS`]).
    pub fn few_answers(&self) -> bool {
        self.value.is_some() && self.valid < FEW_ANSWERS
    }
}

/// A criterion, element or part with its figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub code: String,
    pub label: String,
    pub figure: Figure,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Element {
    pub code: String,
    pub label: String,
    pub part: Option<String>,
    pub figure: Figure,
    pub criteria: Vec<Node>,
}

/// How often one improvement (or reason) was chosen among those who answered the question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub code: String,
    pub label: String,
    pub count: u64,
    pub base: u64,
    pub percent: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expectations {
    pub question: String,
    /// The question as asked (absent from figures stored before it was kept).
    #[serde(default)]
    pub text: String,
    pub element: String,
    pub shares: Vec<Share>,
}

/// Every figure of one slice and the rules that made them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub methodology: String,
    pub element_rule: Rule,
    pub part_rule: Rule,
    pub overall_rule: Rule,
    pub overall: Figure,
    pub parts: Vec<Node>,
    pub elements: Vec<Element>,
    pub expectations: Vec<Expectations>,
}

impl Report {
    /// Every criterion with its element, lowest first: the ones that pull satisfaction down.
    pub fn weakest_criteria(&self) -> Vec<(&Element, &Node)> {
        let mut all: Vec<(&Element, &Node)> =
            self.elements.iter().flat_map(|e| e.criteria.iter().map(move |c| (e, c))).filter(|(_, c)| c.figure.value.is_some()).collect();
        all.sort_by(|a, b| a.1.figure.value.partial_cmp(&b.1.figure.value).unwrap_or(std::cmp::Ordering::Equal));
        all
    }
}

/// The figures of a slice. `frame` is the number of transactions the sample was drawn from,
/// when known: it narrows the margins (finite population correction).
pub fn compute(form: &Questionnaire, layout: &Layout, methodology: &Methodology, counts: &Counts, frame: Option<u64>) -> Report {
    let slice = Slice { form, layout, counts, frame };
    let mut elements: Vec<Element> = Vec::new();
    for (_, question) in form.questions() {
        let Some(tag) = &question.tag else { continue };
        if !matches!(tag.role, TagRole::Criterion | TagRole::Satisfaction) || elements.iter().any(|e| e.code == tag.element) {
            continue;
        }
        let criteria: Vec<Node> = slice
            .tagged(|t| t.element == tag.element && t.role == TagRole::Criterion)
            .map(|q| Node { code: q.code.clone(), label: q.text.clone(), figure: slice.share(&[q]) })
            .collect();
        let figure = match &methodology.element {
            Rule::SharePositive => slice.share(&slice.tagged(|t| t.element == tag.element && t.role == TagRole::Satisfaction).collect::<Vec<_>>()),
            rule => slice.combine(rule, criteria.iter().map(|c| (c.code.as_str(), &c.figure))),
        };
        elements.push(Element { code: tag.element.clone(), label: element_label(form, &tag.element), part: tag.part.clone(), figure, criteria });
    }
    let mut part_codes: Vec<&str> = Vec::new();
    for element in &elements {
        if let Some(part) = element.part.as_deref().filter(|p| !part_codes.contains(p)) {
            part_codes.push(part);
        }
    }
    let parts: Vec<Node> = part_codes
        .iter()
        .map(|part| {
            let figure = match &methodology.part {
                Rule::SharePositive => slice.share(&slice.tagged(|t| t.role == TagRole::Overall && t.part.as_deref() == Some(part)).collect::<Vec<_>>()),
                rule => slice.combine(rule, elements.iter().filter(|e| e.part.as_deref() == Some(part)).map(|e| (e.code.as_str(), &e.figure))),
            };
            Node { code: part.to_string(), label: methodology.part_label(part).to_string(), figure }
        })
        .collect();
    let overall = match &methodology.overall {
        Rule::SharePositive => slice.share(&slice.tagged(|t| t.role == TagRole::Overall).collect::<Vec<_>>()),
        rule if parts.is_empty() => slice.combine(rule, elements.iter().map(|e| (e.code.as_str(), &e.figure))),
        rule => slice.combine(rule, parts.iter().map(|p| (p.code.as_str(), &p.figure))),
    };
    let expectations = slice
        .tagged(|t| t.role == TagRole::Expectation)
        .map(|q| Expectations {
            question: q.code.clone(),
            text: q.text.clone(),
            element: q.tag.as_ref().map(|t| t.element.clone()).unwrap_or_default(),
            shares: slice.shares(q),
        })
        .collect();
    Report {
        methodology: methodology.code.clone(),
        element_rule: methodology.element.clone(),
        part_rule: methodology.part.clone(),
        overall_rule: methodology.overall.clone(),
        overall,
        parts,
        elements,
        expectations,
    }
}

/// The section named after the element, or its satisfaction question (policy groups).
fn element_label(form: &Questionnaire, element: &str) -> String {
    if let Some(section) = form.sections.iter().find(|s| s.code == element) {
        return section.title.clone();
    }
    form.questions()
        .map(|(_, q)| q)
        .find(|q| q.tag.as_ref().is_some_and(|t| t.element == element && t.role == TagRole::Satisfaction))
        .map_or_else(|| element.to_string(), |q| q.text.clone())
}

struct Slice<'a> {
    form: &'a Questionnaire,
    layout: &'a Layout,
    counts: &'a Counts,
    frame: Option<u64>,
}

impl<'a> Slice<'a> {
    fn tagged(&self, keep: impl Fn(&crate::surveys::Tag) -> bool) -> impl Iterator<Item = &'a Question> {
        self.form.questions().map(|(_, q)| q).filter(move |q| q.tag.as_ref().is_some_and(&keep))
    }

    fn count(&self, question: &str, option: &str) -> u64 {
        self.layout.position(question, option).map_or(0, |p| self.counts.get(p))
    }

    /// Positive ÷ valid over the answers to these questions, pooled.
    fn share(&self, questions: &[&Question]) -> Figure {
        let (mut positive, mut valid) = (0u64, 0u64);
        for question in questions {
            for choice in question.kind.options() {
                let count = self.count(&question.code, &choice.code);
                if !choice.not_applicable {
                    valid += count;
                }
                if choice.positive {
                    positive += count;
                }
            }
        }
        let n = self.counts.responses();
        if valid == 0 {
            return Figure { value: None, n, valid, margin: None };
        }
        let p = positive as f64 / valid as f64;
        let correction = match self.frame {
            Some(frame) if frame > 1 => (frame.saturating_sub(valid) as f64 / (frame - 1) as f64).sqrt(),
            _ => 1.0,
        };
        let margin = Z95 * (p * (1.0 - p) / valid as f64).sqrt() * correction * 100.0;
        Figure { value: Some(p * 100.0), n, valid, margin: Some(margin) }
    }

    /// A mean of child figures; children without a value (or without weight) are left out.
    fn combine<'c>(&self, rule: &Rule, children: impl Iterator<Item = (&'c str, &'c Figure)>) -> Figure {
        let n = self.counts.responses();
        let weighted: Vec<(f64, &Figure)> = children
            .filter(|(_, f)| f.value.is_some())
            .map(|(code, f)| {
                let weight = match rule {
                    Rule::WeightedMean { weights } => weights.get(code).copied().unwrap_or(0.0),
                    _ => 1.0,
                };
                (weight, f)
            })
            .filter(|(w, _)| *w > 0.0)
            .collect();
        let total: f64 = weighted.iter().map(|(w, _)| w).sum();
        if weighted.is_empty() || total <= 0.0 {
            return Figure { value: None, n, valid: 0, margin: None };
        }
        let value = weighted.iter().map(|(w, f)| w * f.value.unwrap_or(0.0)).sum::<f64>() / total;
        let margin = weighted.iter().map(|(w, f)| f.margin.map(|m| (w / total * m).powi(2))).sum::<Option<f64>>().map(f64::sqrt);
        let valid = weighted.iter().map(|(_, f)| f.valid).min().unwrap_or(0);
        Figure { value: Some(value), n, valid, margin }
    }

    /// Each option's share among those who answered a multiple choice.
    fn shares(&self, question: &Question) -> Vec<Share> {
        let base = self.count(&question.code, "");
        question
            .kind
            .options()
            .iter()
            .map(|choice| {
                let count = self.count(&question.code, &choice.code);
                let percent = (base > 0).then(|| count as f64 * 100.0 / base as f64);
                Share { code: choice.code.clone(), label: choice.label.clone(), count, base, percent }
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests;

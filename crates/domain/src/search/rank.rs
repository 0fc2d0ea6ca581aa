//! How the entries that hold every word of a search are ordered, the same on both backends.
//!
//! A common word ("hành chính") is in most of what the portal publishes. Ranking every entry
//! that holds it, as SQLite's bm25() or PostgreSQL's ts_rank() over the whole match would, costs
//! in proportion to the index. So a search ranks a bounded set: the newest [`CANDIDATES`]
//! entries that hold every word (a rare word makes that set the whole match), each read no
//! further than its first [`RANKED_BODY_CHARS`] characters. The rest are counted, up to
//! [`COUNT_LIMIT`], and the reader is asked to add a word.

use super::Query;

/// Most entries ranked for one search: the newest that hold every word.
pub const CANDIDATES: usize = 200;
/// Characters of an entry's folded body that ranking reads: the lead, where a text says what it
/// is about.
pub const RANKED_BODY_CHARS: usize = 2_000;
/// Matches are counted up to this many; past it the page says "more than".
pub const COUNT_LIMIT: i64 = 500;

/// A word in the title counts as much as this many in the body.
const TITLE_WEIGHT: f64 = 5.0;
/// BM25's saturation: the tenth mention of a word adds far less than the first.
const K1: f64 = 1.2;
/// BM25's length normalisation: a word in a short text counts more than in a long one.
const B: f64 = 0.75;

/// An entry to rank: its folded words ([`super::index_words`]), the body cut at
/// [`RANKED_BODY_CHARS`].
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    pub title_words: &'a str,
    pub body_words: &'a str,
}

/// The positions of `candidates`, best first: BM25F (title and body each normalised by its
/// length against the average of the candidates, then weighted). Every candidate holds every
/// word, so the words' rarity (BM25's IDF) would not change the order and is left out. Equal
/// scores keep the order given, newest first.
pub fn rank(query: &Query, candidates: &[Candidate]) -> Vec<usize> {
    let terms = query.terms();
    let fields: Vec<(Field, Field)> = candidates.iter().map(|c| (Field::read(c.title_words, terms), Field::read(c.body_words, terms))).collect();
    let count = fields.len().max(1) as f64;
    let average_title = (fields.iter().map(|(t, _)| t.len).sum::<usize>() as f64 / count).max(1.0);
    let average_body = (fields.iter().map(|(_, b)| b.len).sum::<usize>() as f64 / count).max(1.0);
    let scores: Vec<f64> = fields.iter().map(|(title, body)| score(title, body, average_title, average_body)).collect();
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    order
}

/// A field's length in words and how often it mentions each term, read in one pass.
struct Field {
    len: usize,
    mentions: Vec<u32>,
}

impl Field {
    fn read(words: &str, terms: &[String]) -> Self {
        let mut field = Self { len: 0, mentions: vec![0; terms.len()] };
        for word in words.split(' ').filter(|w| !w.is_empty()) {
            field.len += 1;
            if let Some(i) = terms.iter().position(|t| t == word) {
                field.mentions[i] += 1;
            }
        }
        field
    }
}

fn score(title: &Field, body: &Field, average_title: f64, average_body: f64) -> f64 {
    let norm = |len: usize, average: f64| 1.0 - B + B * len as f64 / average;
    let (title_norm, body_norm) = (norm(title.len, average_title), norm(body.len, average_body));
    title
        .mentions
        .iter()
        .zip(&body.mentions)
        .map(|(&in_title, &in_body)| {
            let weighted = TITLE_WEIGHT * f64::from(in_title) / title_norm + f64::from(in_body) / body_norm;
            weighted * (K1 + 1.0) / (weighted + K1)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ranked(query: &str, entries: &[(&str, &str)]) -> Vec<usize> {
        let candidates: Vec<Candidate> = entries.iter().map(|(t, b)| Candidate { title_words: t, body_words: b }).collect();
        rank(&Query::parse(query).unwrap(), &candidates)
    }

    #[test]
    fn a_score_by_hand() {
        // One word, title "cai cach" (2 words, average 2), body "cai x y z" (4 words, average 4):
        // both norms are 1, weighted = 5·1 + 1 = 6, score = 6·2.2 / (6 + 1.2) = 1.8333…
        let terms = ["cai".to_string()];
        let s = score(&Field::read("cai cach", &terms), &Field::read("cai x y z", &terms), 2.0, 4.0);
        assert!((s - 13.2 / 7.2).abs() < 1e-12, "{s}");
        // The body twice the average length: norm = 0.25 + 0.75·2 = 1.75, body part 1/1.75.
        let s = score(&Field::read("cach", &terms), &Field::read("cai x  y z", &terms), 1.0, 2.0);
        let weighted = 1.0 / 1.75;
        assert!((s - weighted * 2.2 / (weighted + 1.2)).abs() < 1e-12, "{s}");
    }

    #[test]
    fn the_title_outweighs_the_body_and_short_outweighs_long() {
        let entries = [("hop bao", "cai cach hanh chinh cai cach"), ("cai cach hanh chinh", "ket qua"), ("tin", "cai cach hanh chinh")];
        assert_eq!(ranked("cai cach", &entries), [1, 0, 2]);
        let long_body = "cai cach ".to_string() + &"x ".repeat(200);
        let entries = [("tin", long_body.as_str()), ("tin", "cai cach o xa")];
        assert_eq!(ranked("cai cach", &entries), [1, 0]);
    }

    #[test]
    fn equal_scores_keep_the_newest_first() {
        let entries = [("mot cua", "a"), ("mot cua", "b"), ("mot cua", "c")];
        assert_eq!(ranked("mot cua", &entries), [0, 1, 2]);
        assert!(ranked("mot", &[]).is_empty());
    }

    proptest! {
        #[test]
        fn ranking_is_an_order_of_all_candidates(entries in prop::collection::vec(("[a-c ]{0,12}", "[a-c ]{0,40}"), 0..20)) {
            let candidates: Vec<Candidate> = entries.iter().map(|(t, b)| Candidate { title_words: t, body_words: b }).collect();
            let mut order = rank(&Query::parse("a b").unwrap(), &candidates);
            order.sort_unstable();
            prop_assert_eq!(order, (0..entries.len()).collect::<Vec<_>>());
        }

        #[test]
        fn one_more_mention_in_the_title_never_ranks_lower(first in "[bc]", rest in prop::collection::vec("[a-c]", 0..7), body in "[a-c ]{0,30}") {
            // Two entries alike but for one more "a" in the first title, which is not longer:
            // it replaces the first word, never an "a" itself (so no case is thrown away).
            let plain = std::iter::once(&first).chain(&rest).cloned().collect::<Vec<_>>().join(" ");
            let more = std::iter::once(&"a".to_string()).chain(&rest).cloned().collect::<Vec<_>>().join(" ");
            let candidates = [Candidate { title_words: &plain, body_words: &body }, Candidate { title_words: &more, body_words: &body }];
            prop_assert_eq!(rank(&Query::parse("a").unwrap(), &candidates)[0], 1);
        }
    }
}

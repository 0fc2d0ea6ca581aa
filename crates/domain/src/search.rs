//! One Vietnamese full-text search over what the portal publishes (articles, documents, later
//! questions and consultations). Both backends index the same folded words, made here, so that
//! "cai cach" finds "cải cách" on SQLite and PostgreSQL alike and the two rank by the same words.

use crate::text;

mod rank;
pub use rank::{CANDIDATES, COUNT_LIMIT, Candidate, RANKED_BODY_CHARS, rank};

/// Most words of a query that are searched; the rest are ignored (a pasted paragraph is no
/// query, and every word costs the index a lookup).
pub const MAX_TERMS: usize = 8;
/// Longest word kept from a query, in characters.
const MAX_TERM_CHARS: usize = 40;
/// Longest query read at all, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// The words a text is indexed by: folded (lower case, no tones, đ → d) runs of letters and
/// digits, joined by single spaces. "Quyết định 3509/QĐ-UBND" → "quyet dinh 3509 qd ubnd".
pub fn index_words(s: &str) -> String {
    words(&text::fold(s)).collect::<Vec<_>>().join(" ")
}

fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// A search as typed, reduced to the folded words every result must contain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    terms: Vec<String>,
}

impl Query {
    /// `None` when the input holds no word to search for.
    pub fn parse(input: &str) -> Option<Self> {
        let cut: String = input.chars().take(MAX_QUERY_CHARS).collect();
        let folded = text::fold(&cut);
        let mut terms: Vec<String> = Vec::new();
        for word in words(&folded) {
            let word: String = word.chars().take(MAX_TERM_CHARS).collect();
            if !terms.contains(&word) && terms.len() < MAX_TERMS {
                terms.push(word);
            }
        }
        (!terms.is_empty()).then_some(Self { terms })
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// The query as the words of [`index_words`], space-separated (what PostgreSQL's
    /// `plainto_tsquery('simple', …)` reads as "all of these words").
    pub fn words(&self) -> String {
        self.terms.join(" ")
    }

    /// The query in SQLite FTS5's syntax: every term, each quoted (terms hold only letters
    /// and digits, so no quote can appear inside one).
    pub fn fts5(&self) -> String {
        self.terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" ")
    }

    /// Whether an original (unfolded) word is one of the terms.
    fn hits(&self, word: &str) -> bool {
        let folded = text::fold(word);
        words(&folded).any(|w| self.terms.iter().any(|t| t == w))
    }
}

/// A piece of text shown in a result: the words that matched are marked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// The whole of `s` cut into pieces, the query's words marked (a result's title).
pub fn highlight(s: &str, query: &Query) -> Vec<Piece> {
    let tokens = tokens(s);
    pieces(&tokens, query)
}

/// Up to `around` words either side of the first word that matched (the start of `s` when none
/// did), marked as by [`highlight`], with "…" where the text was cut.
pub fn snippet(s: &str, query: &Query, around: usize) -> Vec<Piece> {
    let tokens = tokens(s);
    let word_positions: Vec<usize> = tokens.iter().enumerate().filter(|(_, t)| t.is_word).map(|(i, _)| i).collect();
    let first_hit = word_positions.iter().position(|&i| query.hits(&tokens[i].text)).unwrap_or(0);
    let from_word = first_hit.saturating_sub(around);
    let to_word = (first_hit + around).min(word_positions.len().saturating_sub(1));
    let (Some(&start), Some(&end)) = (word_positions.get(from_word), word_positions.get(to_word)) else { return Vec::new() };
    let mut out = pieces(&tokens[start..=end], query);
    if start > 0 {
        out.insert(0, Piece { text: "… ".into(), hit: false });
    }
    if end + 1 < tokens.len() {
        out.push(Piece { text: " …".into(), hit: false });
    }
    out
}

struct Token {
    text: String,
    is_word: bool,
}

/// `s` cut into words and the runs between them, so that the pieces put back give `s`.
fn tokens(s: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    for ch in s.chars() {
        let is_word = !ch.is_whitespace();
        match out.last_mut() {
            Some(last) if last.is_word == is_word => last.text.push(ch),
            _ => out.push(Token { text: ch.to_string(), is_word }),
        }
    }
    out
}

fn pieces(tokens: &[Token], query: &Query) -> Vec<Piece> {
    let word_hits: Vec<bool> = tokens.iter().map(|t| t.is_word && query.hits(&t.text)).collect();
    let mut out: Vec<Piece> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        // The space between two matched words belongs to the mark, so "cải cách" is one.
        let between_hits = !token.is_word && i > 0 && word_hits[i - 1] && word_hits.get(i + 1).copied().unwrap_or(false);
        let hit = word_hits[i] || between_hits;
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(&token.text),
            _ => out.push(Piece { text: token.text.clone(), hit }),
        }
    }
    out
}

/// The text of sanitised HTML (an article's body) for the index and the snippets: tags
/// dropped, block ends and line breaks as spaces, the five entities the sanitiser writes and
/// numeric ones decoded. The input has passed the sanitiser, so it is well-formed.
pub fn text_of_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..open]));
        let Some(close) = rest[open..].find('>') else { break };
        out.push(' ');
        rest = &rest[open + close + 1..];
    }
    if !rest.contains('<') {
        out.push_str(&decode_entities(rest));
    }
    text::clean(&out)
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| entity(&tail[1..e]));
        match (decoded, end) {
            (Some(ch), Some(e)) => {
                out.push(ch);
                rest = &tail[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "nbsp" => Some(' '),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn marked(pieces: &[Piece]) -> String {
        pieces.iter().map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() }).collect()
    }

    #[test]
    fn words_are_folded_and_split_at_every_sign() {
        assert_eq!(index_words("Quyết định 3509/QĐ-UBND về Cải cách"), "quyet dinh 3509 qd ubnd ve cai cach");
        assert_eq!(index_words("  Đường   đi!  "), "duong di");
    }

    #[test]
    fn a_query_keeps_distinct_words_up_to_the_limit() {
        let q = Query::parse("Cải CÁCH cai cach hành chính").unwrap();
        assert_eq!(q.terms(), ["cai", "cach", "hanh", "chinh"]);
        assert_eq!(q.fts5(), "\"cai\" \"cach\" \"hanh\" \"chinh\"");
        assert_eq!(q.words(), "cai cach hanh chinh");
        assert!(Query::parse("  ?! -- ").is_none());
        let long = Query::parse("a b c d e f g h i j k").unwrap();
        assert_eq!(long.terms().len(), MAX_TERMS);
        // FTS5 syntax cannot be smuggled in: quotes and operators are not letters.
        assert_eq!(Query::parse("\"x\" OR NEAR(y*)").unwrap().fts5(), "\"x\" \"or\" \"near\" \"y\"");
    }

    #[test]
    fn the_words_that_matched_are_marked_in_the_original_spelling() {
        let q = Query::parse("cai cach").unwrap();
        assert_eq!(marked(&highlight("Đẩy mạnh cải cách hành chính", &q)), "Đẩy mạnh [cải cách] hành chính");
        assert_eq!(marked(&highlight("CẢI CÁCH, rồi cải cách.", &q)), "[CẢI CÁCH,] rồi [cải cách.]");
    }

    #[test]
    fn a_snippet_is_cut_around_the_first_match() {
        // Without tones "của" is "cua" too: a folded search finds it, and marks it.
        let q = Query::parse("mot cua").unwrap();
        let text = "Năm nay tỉnh tiếp tục đẩy mạnh việc tiếp nhận hồ sơ tại bộ phận một cửa của các xã trên địa bàn";
        assert_eq!(marked(&snippet(text, &q, 3)), "… tại bộ phận [một cửa của] các …");
        let none = Query::parse("khong co").unwrap();
        assert_eq!(marked(&snippet("Một hai ba bốn năm", &none, 2)), "Một hai ba …");
        assert!(snippet("", &q, 3).is_empty());
    }

    #[test]
    fn html_becomes_its_text() {
        let html = "<p>Cải cách &amp; <strong>hiện đại</strong><br>hóa</p><ul><li>một&nbsp;cửa &#7853;</li></ul>";
        assert_eq!(text_of_html(html), "Cải cách & hiện đại hóa một cửa ậ");
        assert_eq!(text_of_html("a &bogus; b & c"), "a &bogus; b & c");
    }

    proptest! {
        #[test]
        fn highlighting_never_changes_the_text(s in "\\PC{0,80}", q in "[a-zđâ ]{1,12}") {
            if let Some(query) = Query::parse(&q) {
                let joined: String = highlight(&s, &query).into_iter().map(|p| p.text).collect();
                prop_assert_eq!(joined, s);
            }
        }

        #[test]
        fn every_query_term_is_an_index_word_of_itself(s in "\\PC{0,60}") {
            if let Some(query) = Query::parse(&s) {
                let indexed = index_words(&s);
                let words: Vec<&str> = indexed.split(' ').collect();
                for term in query.terms() {
                    prop_assert!(term.chars().count() > MAX_TERM_CHARS - 1 || words.contains(&term.as_str()));
                }
            }
        }
    }
}

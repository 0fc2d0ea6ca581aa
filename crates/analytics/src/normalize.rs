//! A comment as people type it, reduced to the words the analysers read: folded (lower case, no
//! tones, đ → d) so that "trễ hẹn" and "tre hen" are one phrase, chat spellings spelt out
//! ("ko dc" → "khong duoc"), and the marks that end a clause kept, since a negation or a
//! "nhưng" reaches no further than its clause.

use domain::text;

/// One word of a comment, or the end of a clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Folded, chat spellings spelt out; empty at the end of a clause.
    pub word: String,
    /// The word as written, in lower case with its tones (what a person reads back).
    pub surface: String,
}

impl Token {
    pub fn is_break(&self) -> bool {
        self.word.is_empty()
    }
}

/// Chat spellings and abbreviations of service comments, folded, with what they stand for.
/// Left out on purpose: "hong" (also "hỏng", broken), "dk" (also "đăng ký"), "a"/"e" (also
/// plain letters).
const SPELLED_OUT: [(&str, &str); 44] = [
    ("ko", "khong"),
    ("k", "khong"),
    ("kg", "khong"),
    ("khg", "khong"),
    ("hok", "khong"),
    ("hk", "khong"),
    ("kh", "khong"),
    ("khum", "khong"),
    ("kq", "ket qua"),
    ("dc", "duoc"),
    ("dx", "duoc"),
    ("ng", "nguoi"),
    ("nguoj", "nguoi"),
    ("nv", "nhan vien"),
    ("cb", "can bo"),
    ("cbo", "can bo"),
    ("tt", "thu tuc"),
    ("hs", "ho so"),
    ("dt", "dien thoai"),
    ("sdt", "so dien thoai"),
    ("j", "gi"),
    ("vs", "voi"),
    ("wa", "qua"),
    ("bt", "binh thuong"),
    ("r", "roi"),
    ("ntn", "nhu the nao"),
    ("mn", "moi nguoi"),
    ("cx", "cung"),
    ("cug", "cung"),
    ("lm", "lam"),
    ("trc", "truoc"),
    ("ms", "moi"),
    ("lun", "luon"),
    ("bik", "biet"),
    ("bit", "biet"),
    ("nhiu", "nhieu"),
    ("mun", "muon"),
    ("zui", "vui"),
    ("kcj", "khong co gi"),
    ("kcy", "khong co y kien"),
    ("ubnd", "uy ban nhan dan"),
    ("dvc", "dich vu cong"),
    ("tks", "cam on"),
    ("thanks", "cam on"),
];

/// The longest comment read, in characters: enough for any real comment, and a pasted book
/// costs no more than this.
pub const MAX_CHARS: usize = 4000;

/// The tokens of `comment`, at most [`MAX_CHARS`] of it read.
pub fn tokens(comment: &str) -> Vec<Token> {
    let cut: String = comment.chars().take(MAX_CHARS).collect();
    let lower: String = cut.chars().flat_map(char::to_lowercase).collect();
    let mut out = Vec::new();
    for (word, surface) in pieces(&text::fold(&cut)).zip(pieces(&lower)) {
        match (word, surface) {
            (Piece::Break, _) | (_, Piece::Break) => {
                if out.last().is_some_and(|t: &Token| !t.is_break()) {
                    out.push(Token { word: String::new(), surface: String::new() });
                }
            }
            // Folding makes the plural "những" and the contrast "nhưng" one word; the plural
            // keeps its Telex spelling so that no contrast is read where there is none.
            (Piece::Word(_), Piece::Word("những")) => out.push(Token { word: PLURAL.into(), surface: "những".into() }),
            (Piece::Word(word), Piece::Word(surface)) => match SPELLED_OUT.iter().find(|(short, _)| *short == word) {
                Some((_, long)) => out.extend(long.split(' ').map(|w| Token { word: w.to_string(), surface: surface.to_string() })),
                None => out.push(Token { word: word.to_string(), surface: surface.to_string() }),
            },
        }
    }
    if out.last().is_some_and(Token::is_break) {
        out.pop();
    }
    plurals_without_tones(&mut out);
    out
}

/// The folded plural "những" (see [`tokens`]).
pub const PLURAL: &str = "nhuwng";
/// Words after which a toneless "nhung" is the plural: "không nhung" (not only), "nhung gi"
/// (what), "nhung nguoi" (the people).
const PLURAL_BEFORE: [&str; 2] = ["khong", "chang"];
const PLURAL_AFTER: [&str; 9] = ["gi", "nguoi", "ai", "cai", "viec", "ngay", "lan", "thu", "giay"];

fn plurals_without_tones(tokens: &mut [Token]) {
    for i in 0..tokens.len() {
        if tokens[i].word != "nhung" || tokens[i].surface != "nhung" {
            continue;
        }
        let before = i.checked_sub(1).is_some_and(|b| PLURAL_BEFORE.contains(&tokens[b].word.as_str()));
        let after = tokens.get(i + 1).is_some_and(|a| PLURAL_AFTER.contains(&a.word.as_str()));
        if before || after {
            tokens[i].word = PLURAL.into();
        }
    }
}

/// The folded words of a phrase as the taxonomy and the lexicon keep it: "Trễ hẹn" → "tre hen".
pub fn phrase(s: &str) -> String {
    tokens(s).into_iter().filter(|t| !t.is_break()).map(|t| t.word).collect::<Vec<_>>().join(" ")
}

enum Piece<'a> {
    Word(&'a str),
    Break,
}

/// Runs of letters and digits, and a break for every mark that ends a clause. Folding keeps
/// letters letters, so the folded and the written text cut into the same pieces.
fn pieces(s: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = s;
    std::iter::from_fn(move || {
        loop {
            let c = rest.chars().next()?;
            if c.is_alphanumeric() {
                let end = rest.find(|c: char| !c.is_alphanumeric()).unwrap_or(rest.len());
                let (word, tail) = rest.split_at(end);
                rest = tail;
                return Some(Piece::Word(word));
            }
            rest = &rest[c.len_utf8()..];
            if matches!(c, '.' | ',' | ';' | '!' | '?' | ':' | '\n' | '(' | ')' | '…') {
                return Some(Piece::Break);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> String {
        tokens(s).iter().map(|t| if t.is_break() { "|" } else { t.word.as_str() }).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn folds_spells_out_and_keeps_clause_ends() {
        assert_eq!(words("Cán bộ ko nhiệt tình, đc cái nhanh."), "can bo khong nhiet tinh | duoc cai nhanh");
        assert_eq!(words("nv hach dich!!! ko muon quay lai"), "nhan vien hach dich | khong muon quay lai");
        assert_eq!(words("Trễ hẹn"), words("tre hen"));
        assert_eq!(words("Máy hỏng"), "may hong", "«hỏng» is not a chat «không»");
        assert_eq!(words("   ...  "), "");
        assert_eq!(words("Không những nhanh mà còn đúng, nhưng chờ lâu"), "khong nhuwng nhanh ma con dung | nhung cho lau");
        assert_eq!(words("khong nhung nhanh nhung noi nhung gi"), "khong nhuwng nhanh nhung noi nhuwng gi");
    }

    #[test]
    fn keeps_the_written_word_beside_the_folded_one() {
        let t = tokens("Đường dây NÓNG");
        assert_eq!(t[0].word, "duong");
        assert_eq!(t[0].surface, "đường");
        assert_eq!(t[2].surface, "nóng");
        assert_eq!(phrase("Nhũng nhiễu"), "nhung nhieu");
    }

    #[test]
    fn reads_no_more_than_the_limit() {
        let long = "rất tốt ".repeat(10_000);
        assert!(tokens(&long).len() <= MAX_CHARS / 2);
    }
}

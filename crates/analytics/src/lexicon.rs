//! The baseline: a lexicon of what people say of a public service, with the rules of
//! Vietnamese that turn it — a negation ("không", "chưa", "chẳng", "thiếu") reverses what
//! follows in its clause, an intensifier ("rất", "quá", "lắm") strengthens it, and after a
//! contrast ("nhưng", "tuy nhiên") the last clause weighs most while a concession ("tuy",
//! "mặc dù") weighs least. "Không những … mà còn …" adds, it does not negate. Every score is
//! explainable from the words that made it; the trained model reads it as one of its features.

use crate::normalize::Token;
use crate::{Sentiment, Verdict};

/// Phrases, folded, with their weight. Ambiguous once folded words are left out or kept only
/// inside a phrase: "loi" is "lỗi" and "lời", "ban" is "bẩn" and "bản", "dat" is "đắt" and
/// "đất", "tre" is "trễ" and "trẻ", "hong" is "hỏng" and "hồng".
const PHRASES: &[(&str, f32)] = &[
    ("hai long", 2.0),
    ("tot", 1.5),
    ("tot dep", 1.5),
    ("nhiet tinh", 2.0),
    ("tan tinh", 2.0),
    ("tan tam", 2.0),
    ("tan tuy", 2.0),
    ("chu dao", 2.0),
    ("vui ve", 1.5),
    ("niem no", 1.5),
    ("lich su", 1.5),
    ("le phep", 1.5),
    ("than thien", 1.5),
    ("de thuong", 1.2),
    ("de men", 1.2),
    ("an can", 1.5),
    ("kien nhan", 1.2),
    ("nhiet huyet", 1.5),
    ("chuyen nghiep", 1.5),
    ("trach nhiem", 0.8),
    ("nhanh", 1.2),
    ("nhanh chong", 1.5),
    ("nhanh gon", 1.5),
    ("nhanh nhen", 1.2),
    ("gon gang", 1.2),
    ("dung hen", 1.5),
    ("kip thoi", 1.2),
    ("som hon", 1.2),
    ("de hieu", 1.2),
    ("ro rang", 1.2),
    ("can ke", 1.2),
    ("cu the", 0.8),
    ("don gian", 1.2),
    ("gon nhe", 1.2),
    ("tien", 1.0),
    ("tien loi", 1.5),
    ("thuan tien", 1.5),
    ("minh bach", 1.5),
    ("cong khai", 0.8),
    ("sach se", 1.2),
    ("sach dep", 1.2),
    ("thoang mat", 1.0),
    ("mat me", 1.0),
    ("hien dai", 1.0),
    ("khang trang", 1.0),
    ("van minh", 1.0),
    ("cam on", 1.5),
    ("tuyet voi", 2.5),
    ("xuat sac", 2.5),
    ("dang khen", 2.0),
    ("on", 0.8),
    ("on ap", 1.0),
    ("ok", 1.0),
    ("suon se", 1.2),
    ("huu ich", 1.5),
    ("cam kich", 1.5),
    ("hop ly", 1.2),
    ("tien bo", 1.5),
    ("tich cuc", 1.2),
    ("ung ho", 1.5),
    ("dong y", 1.2),
    ("dong tinh", 1.2),
    ("tan thanh", 1.5),
    ("hoan nghenh", 1.5),
    ("thiet thuc", 1.2),
    ("liem chinh", 1.5),
    ("yen tam", 1.2),
    ("uu tien", 1.0),
    ("cong bang", 1.0),
    ("quan tam", 1.2),
    ("danh gia cao", 1.5),
    ("cau thi", 1.5),
    ("than toc", 2.0),
    ("thau dao", 1.5),
    ("chi tiet", 1.0),
    ("de dung", 1.2),
    ("de lam", 1.2),
    ("de dien", 1.0),
    ("tien ich", 1.2),
    ("mien phi", 1.0),
    ("dung quy dinh", 1.0),
    ("dung chinh sach", 1.0),
    ("chinh xac", 1.5),
    ("day du", 1.0),
    ("dep", 1.0),
    ("co tam", 1.5),
    ("tuoi cuoi", 1.5),
    ("mim cuoi", 1.5),
    ("dang quy", 1.5),
    ("vui", 1.0),
    ("giup do", 1.2),
    ("ho tro", 1.0),
    ("lang nghe", 1.2),
    ("gioi thieu", 0.6),
    ("lay lien", 1.5),
    ("lam ngay", 1.2),
    ("ngay lap tuc", 1.2),
    ("tra loi ngay", 1.2),
    ("rat hay", 1.5),
    ("thieu trach nhiem", -2.0),
    ("nhan qua", -1.5),
    ("chi them", -1.5),
    ("thu them", -1.5),
    ("cao hon", -1.0),
    ("nguoi quen", -1.5),
    ("mat hut", -1.5),
    ("kho dung", -1.5),
    ("kho hieu", -1.5),
    ("kho tim", -1.2),
    ("dai dong", -1.0),
    ("loi nho", -0.8),
    ("tra lai", -1.0),
    ("bo sung", -0.8),
    ("khong ai", -1.5),
    ("khong nghe may", -1.5),
    ("chua ky", -1.0),
    ("cho them", -1.0),
    ("cho lau", -1.5),
    ("phai cho", -1.0),
    ("xep hang", -1.0),
    ("di lai", -1.0),
    ("dot", -1.5),
    ("o nhiem", -1.5),
    ("on ao", -1.2),
    ("chap chon", -1.5),
    ("mat nang may nhe", -2.0),
    ("kho khan", -1.2),
    ("ton kem", -1.2),
    ("qua tai", -1.5),
    ("hinh thuc", -1.0),
    ("nhu cu", -1.0),
    ("khong thay doi", -1.2),
    ("te", -2.0),
    ("te hai", -2.5),
    ("kem", -1.5),
    ("cham", -1.5),
    ("cham tre", -1.8),
    ("cham chap", -1.8),
    ("tre hen", -2.0),
    ("qua han", -1.5),
    ("lau", -1.0),
    ("hach dich", -2.5),
    ("nhung nhieu", -2.5),
    ("cua quyen", -2.0),
    ("cau co", -2.0),
    ("cau gat", -2.0),
    ("gat gong", -2.0),
    ("quat", -1.5),
    ("quat nat", -2.0),
    ("quat thao", -2.0),
    ("kho chiu", -1.5),
    ("kho tinh", -1.2),
    ("kho de", -1.5),
    ("gay kho", -2.0),
    ("lam kho", -2.0),
    ("phien ha", -2.0),
    ("ruom ra", -2.0),
    ("phuc tap", -1.2),
    ("nang ne", -1.2),
    ("chong cheo", -1.2),
    ("bi loi", -1.5),
    ("bao loi", -1.5),
    ("hay loi", -1.5),
    ("loi he thong", -1.5),
    ("he thong loi", -1.5),
    ("sai", -1.2),
    ("sai sot", -1.2),
    ("nham", -1.0),
    ("bat cap", -1.5),
    ("han che", -1.0),
    ("buc xuc", -2.0),
    ("buc minh", -2.0),
    ("that vong", -2.0),
    ("chan", -1.5),
    ("met moi", -1.5),
    ("vat va", -1.0),
    ("tieu cuc", -2.0),
    ("boi duong", -1.5),
    ("doi tien", -2.0),
    ("lot tay", -2.5),
    ("phong bi", -1.5),
    ("co moi", -2.0),
    ("ngoai quy dinh", -1.5),
    ("bi ngam", -2.0),
    ("tho o", -1.5),
    ("vo cam", -2.0),
    ("lo la", -1.5),
    ("lanh nhat", -1.5),
    ("coc loc", -1.5),
    ("coc can", -1.5),
    ("trong khong", -1.5),
    ("dun day", -2.0),
    ("qua loa", -1.5),
    ("chung chung", -1.2),
    ("phan nan", -1.0),
    ("che", -1.0),
    ("xuc pham", -2.0),
    ("coi thuong", -2.0),
    ("phan biet", -1.2),
    ("phan doi", -1.5),
    ("mat thoi gian", -1.5),
    ("mat cong", -1.5),
    ("nong buc", -1.5),
    ("chat choi", -1.5),
    ("xuong cap", -1.5),
    ("may hong", -1.5),
    ("bi hong", -1.5),
    ("ban thiu", -1.5),
    ("cat co", -1.5),
    ("chen lan", -1.2),
    ("chen ngang", -1.2),
    ("lang phi", -1.2),
    ("hanh dan", -2.5),
    ("ngam", -0.8),
    ("uc che", -1.5),
    ("treo", -1.0),
    ("bat vo am tin", -2.0),
];

/// Words that reverse what follows them in their clause.
const NEGATORS: &[&str] = &["khong", "chang", "cha", "chua", "thieu", "dau co", "khong phai"];
/// Words that look like a negation and are not: "không những … mà còn …" adds.
const ADDITIVES: &[&str] = &["khong nhuwng", "chang nhuwng", "khong chi", "chang chi"];
/// Words that strengthen (above 1) or soften (below 1) the phrase beside them.
const INTENSIFIERS: &[(&str, f32)] = &[
    ("rat", 1.5),
    ("qua", 1.4),
    ("lam", 1.3),
    ("cuc ky", 1.8),
    ("vo cung", 1.8),
    ("hoan toan", 1.5),
    ("that su", 1.3),
    ("rat la", 1.5),
    ("hoi", 0.6),
    ("kha", 0.8),
    ("hon han", 1.3),
];
/// Words that open a clause weighing more than what came before.
const CONTRASTS: &[&str] = &["nhung", "tuy nhien", "co dieu", "chi co dieu", "chi tiec"];
/// Words that open a clause conceded and outweighed by what follows.
const CONCESSIONS: &[&str] = &["tuy", "mac du", "du cho", "tuy rang"];
/// How far back a negation reaches, in words.
const NEGATION_REACH: usize = 4;
/// Scores between these are neutral.
pub const NEUTRAL_BAND: f32 = 0.75;

/// What one word or phrase of a comment is to the rules.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Polar(f32),
    Negator,
    Additive,
    Intensifier(f32),
    Contrast,
    Concession,
    Other,
}

/// Every entry of the lists above by its words, built once: the lookup a comment's every word
/// makes (the lists stay the readable source).
static ENTRIES: std::sync::LazyLock<std::collections::HashMap<&'static str, Role>> = std::sync::LazyLock::new(|| {
    let mut map = std::collections::HashMap::new();
    // Later lists do not override earlier ones: a phrase is a phrase before it is anything else.
    let lists: [Vec<(&'static str, Role)>; 6] = [
        PHRASES.iter().map(|(p, w)| (*p, Role::Polar(*w))).collect(),
        ADDITIVES.iter().map(|p| (*p, Role::Additive)).collect(),
        NEGATORS.iter().map(|p| (*p, Role::Negator)).collect(),
        INTENSIFIERS.iter().map(|(p, f)| (*p, Role::Intensifier(*f))).collect(),
        CONTRASTS.iter().map(|p| (*p, Role::Contrast)).collect(),
        CONCESSIONS.iter().map(|p| (*p, Role::Concession)).collect(),
    ];
    for (phrase, role) in lists.into_iter().flatten() {
        map.entry(phrase).or_insert(role);
    }
    map
});
/// The most words in an entry.
const LONGEST: usize = 4;

/// The longest entry starting at `words[i]`, and its length in words.
fn entry(words: &[&str], i: usize) -> (Role, usize) {
    let mut best = (Role::Other, 1);
    let mut candidate = String::new();
    for (len, word) in words[i..].iter().take(LONGEST).enumerate() {
        if len > 0 {
            candidate.push(' ');
        }
        candidate.push_str(word);
        if let Some(role) = ENTRIES.get(candidate.as_str()) {
            best = (*role, len + 1);
        }
    }
    best
}

/// A comment scored by the rules: the sum, and the phrases that made it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scored {
    pub score: f32,
    /// What the part after the last contrast scored, when there is one.
    pub after_contrast: Option<f32>,
    /// (the phrase as written, its contribution)
    pub reasons: Vec<(String, f32)>,
}

/// How a stretch of a clause opens: plainly, with a contrast, or with a concession.
#[derive(Clone, Copy, PartialEq)]
enum Opening {
    Plain,
    Contrast,
    Concession,
}

/// A clause, or the part of one after a contrast or concession, with what it scored.
struct Segment {
    opening: Opening,
    reasons: Vec<(String, f32)>,
}

/// Scores the tokens of one comment.
pub fn score(tokens: &[Token]) -> Scored {
    let mut segments: Vec<Segment> = Vec::new();
    for clause in tokens.split(Token::is_break) {
        let words: Vec<&str> = clause.iter().map(|t| t.word.as_str()).collect();
        let mut segment = Segment { opening: Opening::Plain, reasons: Vec::new() };
        let mut additive = false;
        let mut negated_at: Option<usize> = None;
        let mut boost: Option<(usize, f32)> = None;
        let mut polar_end: Option<usize> = None;
        let mut i = 0;
        while i < words.len() {
            let (role, len) = entry(&words, i);
            let end = i + len;
            match role {
                Role::Polar(mut w) => {
                    if let Some((_, f)) = boost.take().filter(|(at, _)| i - at <= 2) {
                        w *= f;
                    }
                    if negated_at.is_some_and(|at| i - at <= NEGATION_REACH) && !additive {
                        // "không tốt" is bad; "không tệ" is only fair.
                        w = if w > 0.0 { -w } else { -w * 0.5 };
                    }
                    let written = clause[i..end].iter().map(|t| t.surface.as_str()).collect::<Vec<_>>().join(" ");
                    segment.reasons.push((written, w));
                    polar_end = Some(end);
                }
                Role::Negator => negated_at = Some(end),
                Role::Additive => additive = true,
                // "tốt lắm", "chậm quá": an intensifier right after its phrase.
                Role::Intensifier(f) if polar_end == Some(i) => {
                    if let Some(last) = segment.reasons.last_mut() {
                        last.1 *= f;
                    }
                }
                Role::Intensifier(f) => boost = Some((end, f)),
                Role::Contrast | Role::Concession => {
                    let opening = if role == Role::Contrast { Opening::Contrast } else { Opening::Concession };
                    let done = std::mem::replace(&mut segment, Segment { opening, reasons: Vec::new() });
                    segments.push(done);
                    negated_at = None;
                    boost = None;
                }
                Role::Other => {}
            }
            i = end;
        }
        segments.push(segment);
    }
    // After a contrast the new part weighs most and all before it less; a concession weighs
    // least.
    let mut weights = vec![1.0f32; segments.len()];
    for (k, segment) in segments.iter().enumerate() {
        match segment.opening {
            Opening::Contrast => {
                weights[..k].iter_mut().for_each(|w| *w *= 0.6);
                weights[k] = 1.5;
            }
            Opening::Concession => weights[k] = 0.5,
            Opening::Plain => {}
        }
    }
    let mut out = Scored::default();
    for (segment, weight) in segments.into_iter().zip(weights) {
        if segment.opening == Opening::Contrast {
            out.after_contrast = Some(0.0);
        }
        for (phrase, w) in segment.reasons {
            if let Some(after) = out.after_contrast.as_mut() {
                *after += w;
            }
            out.score += w * weight;
            out.reasons.push((phrase, w * weight));
        }
    }
    out
}

/// The baseline's verdict on a comment.
pub fn verdict(tokens: &[Token]) -> Verdict {
    let s = score(tokens).score;
    let sentiment = if s >= NEUTRAL_BAND {
        Sentiment::Positive
    } else if s <= -NEUTRAL_BAND {
        Sentiment::Negative
    } else {
        Sentiment::Neutral
    };
    let confidence = if sentiment == Sentiment::Neutral { 1.0 - s.abs() / NEUTRAL_BAND * 0.5 } else { 1.0 - (-s.abs() / 2.0).exp() };
    Verdict { sentiment, confidence: confidence.clamp(0.34, 0.99) }
}

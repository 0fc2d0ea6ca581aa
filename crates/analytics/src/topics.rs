//! What comments are about: a taxonomy of service-quality topics, each a set of folded words
//! and phrases the reform office edits, and the comments outside it grouped by the phrases they
//! share, so that a new complaint shows up before anyone has named it.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::normalize::{self, Token};

/// Most phrases in one topic, and the longest phrase in characters: a topic is a list a person
/// keeps, and every phrase is looked for in every comment.
pub const MAX_PHRASES: usize = 200;
pub const MAX_PHRASE_CHARS: usize = 60;
pub const MAX_TOPICS: usize = 40;

/// One topic: a code that stays, a name people read, the phrases that place a comment in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    pub code: String,
    pub name: String,
    /// Folded, as [`normalize::phrase`] makes them.
    pub phrases: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TopicError {
    #[error("Mã chủ đề chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới (tối đa 30 ký tự).")]
    Code,
    #[error("Tên chủ đề không được để trống (tối đa 120 ký tự).")]
    Name,
    #[error("Chủ đề cần ít nhất một từ khóa.")]
    NoPhrase,
    #[error("Mỗi chủ đề có tối đa {MAX_PHRASES} từ khóa.")]
    TooManyPhrases,
    #[error("Từ khóa «{0}» dài quá {MAX_PHRASE_CHARS} ký tự.")]
    LongPhrase(String),
}

impl Topic {
    /// A topic as the reform office types it: the phrases one per line or separated by commas
    /// or semicolons, with or without tones.
    pub fn new(code: &str, name: &str, phrases: &str) -> Result<Self, TopicError> {
        let code = code.trim();
        if code.is_empty() || code.len() > 30 || !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(TopicError::Code);
        }
        let name = domain::text::clean(name);
        if name.is_empty() || name.chars().count() > 120 {
            return Err(TopicError::Name);
        }
        let mut folded: Vec<String> = Vec::new();
        for raw in phrases.split(['\n', ',', ';']) {
            if raw.trim().chars().count() > MAX_PHRASE_CHARS {
                return Err(TopicError::LongPhrase(raw.trim().to_string()));
            }
            let phrase = normalize::phrase(raw);
            if !phrase.is_empty() && !folded.contains(&phrase) {
                folded.push(phrase);
            }
        }
        if folded.is_empty() {
            return Err(TopicError::NoPhrase);
        }
        if folded.len() > MAX_PHRASES {
            return Err(TopicError::TooManyPhrases);
        }
        Ok(Self { code: code.to_string(), name, phrases: folded })
    }
}

/// The topics a province uses, in the order they are shown.
#[derive(Clone, Debug, Default)]
pub struct Taxonomy {
    topics: Vec<Topic>,
    /// Each phrase with the topics it places a comment in, and the most words in a phrase:
    /// built at the first comment.
    index: std::sync::OnceLock<(HashMap<String, Vec<usize>>, usize)>,
}

impl PartialEq for Taxonomy {
    fn eq(&self, other: &Self) -> bool {
        self.topics == other.topics
    }
}

/// The service-quality topics a province starts with (the reform office edits them).
const BUILTIN: [(&str, &str, &str); 9] = [
    (
        "thai_do",
        "Thái độ phục vụ",
        "thái độ, hách dịch, cáu gắt, cau có, quát nạt, quát tháo, gắt gỏng, nhiệt tình, tận tình, tận tâm, tận tụy, vui vẻ, niềm nở, \
         lịch sự, lễ phép, thân thiện, chu đáo, ân cần, cộc lốc, cộc cằn, trống không, thờ ơ, vô cảm, khó chịu, gây khó dễ, cửa quyền, \
         coi thường, tôn trọng, xúc phạm, đùn đẩy, thiếu trách nhiệm, nói chuyện riêng, điện thoại riêng, ứng xử, giao tiếp",
    ),
    (
        "tre_hen",
        "Thời gian giải quyết, trễ hẹn",
        "trễ hẹn, đúng hẹn, quá hạn, quá hẹn, hẹn lại, hẹn đi hẹn lại, chậm trễ, chậm, kéo dài, lâu quá, mất thời gian, \
         đi lại nhiều lần, chưa có kết quả, bị ngâm, bị treo, nhanh chóng, nhanh gọn, sớm hơn hẹn, trong ngày, thư xin lỗi, chưa ký",
    ),
    (
        "chi_phi",
        "Chi phí ngoài quy định, tiêu cực",
        "bồi dưỡng, phong bì, lót tay, tiền cà phê, tiền cafe, đòi tiền, cò mồi, ngoài quy định, thu thêm, chi thêm, biên lai, \
         tiêu cực, nhũng nhiễu, lệ phí, phí, hóa đơn",
    ),
    (
        "giay_to",
        "Giấy tờ, thủ tục rườm rà",
        "rườm rà, bổ sung, giấy tờ, phức tạp, phiền hà, bản sao, công chứng, chứng thực, tờ khai, mẫu đơn, hộ khẩu, \
         xác nhận cư trú, photo, nhiều bước, nhiều con dấu, trả lại hồ sơ, trả hồ sơ, đơn giản",
    ),
    ("huong_dan", "Hướng dẫn, giải đáp", "hướng dẫn, giải thích, tư vấn, chỉ dẫn, đường dây nóng, giải đáp, niêm yết, trả lời, tự mò, không biết nộp"),
    (
        "co_so",
        "Cơ sở vật chất",
        "phòng chờ, ghế ngồi, thiếu ghế, chỗ để xe, gửi xe, nhà vệ sinh, điều hòa, máy lạnh, có quạt, không có quạt, thêm quạt, \
         máy lấy số, máy tính, máy in, máy photo, trụ sở, chật chội, nóng bức, nước uống, wifi, xe lăn, mưa dột, mất điện, biển chỉ dẫn",
    ),
    (
        "truc_tuyen",
        "Dịch vụ công trực tuyến",
        "trực tuyến, online, dịch vụ công, cổng dịch vụ, VNeID, OTP, trang web, web, đăng nhập, qua mạng, trên mạng, lỗi hệ thống, \
         hệ thống, ứng dụng, mã QR, thanh toán trực tuyến, tải tệp, nộp qua mạng",
    ),
    (
        "cho_doi",
        "Chờ đợi, xếp hàng",
        "xếp hàng, chờ đợi, chờ lâu, lấy số, số thứ tự, chen lấn, chen ngang, đông người, quá tải, đến lượt, hết số, ưu tiên, \
         một quầy, thêm quầy, giờ cao điểm, phải chờ",
    ),
    (
        "sai_ket_qua",
        "Sai sót trong kết quả",
        "sai tên, sai thông tin, in sai, ghi sai, sai sót, đính chính, nhầm, sai ngày sinh, sai diện tích, sai địa chỉ, thiếu dấu, \
         kết quả sai, sai chính tả, cải chính",
    ),
];

impl Taxonomy {
    pub fn new(topics: Vec<Topic>) -> Self {
        Self { topics, index: Default::default() }
    }

    pub fn builtin() -> Self {
        Self::new(BUILTIN.iter().map(|(code, name, phrases)| Topic::new(code, name, phrases).expect("the built-in topics are valid")).collect())
    }

    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// The codes of the topics a comment is about, in the taxonomy's order: a topic whose
    /// phrase is a run of the comment's words within one clause. Each run of words up to the
    /// longest phrase is looked up once, so a long comment costs its length, not its length
    /// times the number of phrases.
    pub fn classify(&self, tokens: &[Token]) -> Vec<String> {
        let (by_phrase, longest) = self.index.get_or_init(|| {
            let mut by_phrase: HashMap<String, Vec<usize>> = HashMap::new();
            let mut longest = 0;
            for (t, topic) in self.topics.iter().enumerate() {
                for phrase in &topic.phrases {
                    by_phrase.entry(phrase.clone()).or_default().push(t);
                    longest = longest.max(phrase.split(' ').count());
                }
            }
            (by_phrase, longest)
        });
        let mut hit = vec![false; self.topics.len()];
        let mut run = String::new();
        for clause in tokens.split(Token::is_break) {
            for start in 0..clause.len() {
                run.clear();
                for (len, token) in clause[start..].iter().take(*longest).enumerate() {
                    if len > 0 {
                        run.push(' ');
                    }
                    run.push_str(&token.word);
                    for &t in by_phrase.get(&run).into_iter().flatten() {
                        hit[t] = true;
                    }
                }
            }
        }
        self.topics.iter().zip(hit).filter(|(_, hit)| *hit).map(|(t, _)| t.code.clone()).collect()
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.topics.iter().find(|t| t.code == code).map(|t| t.name.as_str())
    }
}

/// Words that say nothing of what a comment is about, and word pairs every comment on a public
/// service has: a group named by them would group everything.
const STOP_WORDS: [&str; 60] = [
    "toi", "la", "va", "cua", "co", "cac", "nhuwng", "thi", "ma", "cho", "duoc", "khong", "rat", "qua", "lam", "nhieu", "nay", "do", "o", "tai", "voi", "de",
    "trong", "khi", "da", "dang", "se", "cung", "nen", "can", "bi", "mot", "nhu", "ve", "theo", "tu", "den", "ra", "vao", "anh", "chi", "em", "chau", "ong",
    "ba", "minh", "moi", "nguoi", "dan", "roi", "con", "van", "chua", "hon", "nua", "ai", "gi", "nao", "sao", "thay",
];
const STOP_PAIRS: [&str; 10] = ["can bo", "nguoi dan", "thu tuc", "ho so", "de nghi", "y kien", "hai long", "cam on", "nhan vien", "uy ban"];

/// Comments outside the taxonomy that share a phrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The shared phrase as first written.
    pub phrase: String,
    /// The comments' ids, in the order given.
    pub members: Vec<i64>,
}

/// Groups comments (outside every topic) by the word pairs they share: the pair most of them
/// have names the first group, the pair most of the rest have the next, and so on, while a
/// pair is shared by at least `min_size` comments. At most `max_groups`.
pub fn group_uncategorised(comments: &[(i64, Vec<Token>)], min_size: usize, max_groups: usize) -> Vec<Group> {
    let stop: HashSet<&str> = STOP_WORDS.into_iter().collect();
    // Every comment's distinct pairs, and the first way each pair was written.
    let mut written: BTreeMap<String, String> = BTreeMap::new();
    let pairs: Vec<HashSet<String>> = comments
        .iter()
        .map(|(_, tokens)| {
            let mut set = HashSet::new();
            for w in tokens.windows(2) {
                let (a, b) = (&w[0], &w[1]);
                if a.is_break() || b.is_break() || stop.contains(a.word.as_str()) || stop.contains(b.word.as_str()) {
                    continue;
                }
                let key = format!("{} {}", a.word, b.word);
                if STOP_PAIRS.contains(&key.as_str()) {
                    continue;
                }
                written.entry(key.clone()).or_insert_with(|| format!("{} {}", a.surface, b.surface));
                set.insert(key);
            }
            set
        })
        .collect();
    let mut taken = vec![false; comments.len()];
    let mut groups = Vec::new();
    while groups.len() < max_groups {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, set) in pairs.iter().enumerate().filter(|(i, _)| !taken[*i]) {
            let _ = i;
            for key in set {
                *counts.entry(key.as_str()).or_default() += 1;
            }
        }
        // The most shared pair; of equals, the first in alphabetical order (the map's order).
        let Some((key, count)) = counts.into_iter().fold(None, |best: Option<(&str, usize)>, (k, c)| match best {
            Some((_, bc)) if bc >= c => best,
            _ => Some((k, c)),
        }) else {
            break;
        };
        if count < min_size.max(2) {
            break;
        }
        let key = key.to_string();
        let mut members = Vec::new();
        for (i, set) in pairs.iter().enumerate() {
            if !taken[i] && set.contains(&key) {
                taken[i] = true;
                members.push(comments[i].0);
            }
        }
        groups.push(Group { phrase: written[&key].clone(), members });
    }
    groups
}

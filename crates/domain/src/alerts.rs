//! Closed-loop alerts (SPEC §3.1 "real-time aggregation and alerts"): the rules a survey sets,
//! what in one response (or in a unit's figures) sets them off, and the life of the case that
//! follows — deadline, escalation to the unit above when overdue, resolution.

use serde::{Deserialize, Serialize};

use crate::calendar::Month;
use crate::surveys::quality::Flags;
use crate::surveys::{Answer, Answers, QuestionKind, Questionnaire, TagRole};
use crate::text;

/// Words in a comment that report harassment or an unofficial fee (folded: no diacritics).
const PROBLEM_WORDS: [&str; 10] =
    ["nhung nhieu", "hach dich", "gay kho de", "voi vinh", "boi duong", "tien ngoai", "phi ngoai", "chi phi ngoai quy dinh", "lot tay", "tien cafe"];

/// What a survey watches for. Stored per survey; [`AlertRules::for_form`] gives the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertRules {
    /// Any "Rất không hài lòng" (the lowest point of a satisfaction scale).
    pub very_dissatisfied: bool,
    /// Answers that report a problem, as (question, option): e.g. fees not as regulated.
    pub problem_answers: Vec<(String, String)>,
    /// Words in free-text answers that report a problem (matched without diacritics).
    pub problem_words: Vec<String>,
    /// A unit's index for the month falling below this, once it has at least `min_responses`.
    pub threshold: Option<f64>,
    pub min_responses: u64,
    /// This many flagged responses (bursts, duplicates) for one unit within an hour.
    pub burst: Option<u64>,
    /// Days a unit has to handle a case before it goes to the unit above.
    pub deadline_days: u32,
    /// A unit's share of negative comments in a month reaching this (%), once it has at least
    /// `min_comments` comments.
    #[serde(default = "default_negative_share")]
    pub negative_share: Option<f64>,
    /// A topic's negative comments of a unit in a month reaching this many times their mean of
    /// the three months before, once they are at least `min_comments`.
    #[serde(default = "default_topic_spike")]
    pub topic_spike: Option<f64>,
    #[serde(default = "default_min_comments")]
    pub min_comments: u64,
}

fn default_negative_share() -> Option<f64> {
    Some(40.0)
}

fn default_topic_spike() -> Option<f64> {
    Some(2.0)
}

fn default_min_comments() -> u64 {
    10
}

impl AlertRules {
    /// Defaults for a form: lowest satisfaction, criteria on fees and rule-keeping answered
    /// "no", reasons naming extra fees, the usual words; 70 % over 30 responses; 5 flagged an
    /// hour; 3 days.
    pub fn for_form(form: &Questionnaire) -> Self {
        let mut problem_answers = Vec::new();
        for (_, q) in form.questions() {
            match (q.code.as_str(), &q.kind) {
                // SIPAS: fees as regulated (TT4), the civil servant keeps to the rules (CC6).
                ("TT4" | "CC6", QuestionKind::SingleChoice { options }) if options.iter().any(|o| o.code == "khong") => {
                    problem_answers.push((q.code.clone(), "khong".to_string()));
                }
                // 766 rating: "paid more than regulated" among the reasons.
                (_, QuestionKind::MultipleChoice { options, .. }) => {
                    for o in options.iter().filter(|o| text::fold(&o.label).contains("ngoai quy dinh")) {
                        problem_answers.push((q.code.clone(), o.code.clone()));
                    }
                }
                _ => {}
            }
        }
        Self {
            very_dissatisfied: true,
            problem_answers,
            problem_words: PROBLEM_WORDS.iter().map(|w| w.to_string()).collect(),
            threshold: Some(70.0),
            min_responses: 30,
            burst: Some(5),
            deadline_days: 3,
            negative_share: default_negative_share(),
            topic_spike: default_topic_spike(),
            min_comments: default_min_comments(),
        }
    }

    pub fn check(&self, form: &Questionnaire) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        for (question, option) in &self.problem_answers {
            match form.question(question) {
                None => errors.push(format!("Phiếu không có câu hỏi «{question}».")),
                Some(q) if !q.kind.options().iter().any(|o| &o.code == option) => errors.push(format!("Câu «{question}» không có lựa chọn «{option}».")),
                Some(_) => {}
            }
        }
        if self.threshold.is_some_and(|t| !(0.0..=100.0).contains(&t)) {
            errors.push("Ngưỡng cảnh báo là một tỷ lệ từ 0 đến 100.".into());
        }
        if !(1..=60).contains(&self.deadline_days) {
            errors.push("Thời hạn xử lý từ 1 đến 60 ngày.".into());
        }
        if self.burst == Some(0) {
            errors.push("Số phiếu dồn dập phải lớn hơn 0.".into());
        }
        if self.negative_share.is_some_and(|t| !(0.0..=100.0).contains(&t)) {
            errors.push("Ngưỡng tỷ lệ ý kiến tiêu cực là một tỷ lệ từ 0 đến 100.".into());
        }
        if self.topic_spike.is_some_and(|f| !(1.0..=100.0).contains(&f)) {
            errors.push("Mức tăng đột biến của một chủ đề là từ 1 đến 100 lần.".into());
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    VeryDissatisfied,
    Problem,
    BelowThreshold,
    Burst,
    CommentSpike,
}

impl AlertKind {
    pub const ALL: [AlertKind; 5] = [Self::VeryDissatisfied, Self::Problem, Self::BelowThreshold, Self::Burst, Self::CommentSpike];

    pub fn code(self) -> &'static str {
        match self {
            Self::VeryDissatisfied => "very_dissatisfied",
            Self::Problem => "problem",
            Self::BelowThreshold => "below_threshold",
            Self::Burst => "burst",
            Self::CommentSpike => "comment_spike",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::VeryDissatisfied => "Người dân rất không hài lòng",
            Self::Problem => "Phản ánh nhũng nhiễu, thu phí ngoài quy định",
            Self::BelowThreshold => "Chỉ số hài lòng dưới ngưỡng",
            Self::Burst => "Phiếu trả lời bất thường",
            Self::CommentSpike => "Ý kiến tiêu cực tăng đột biến",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Told to the unit's officials at once; the others wait for their digest. A report of
    /// harassment or unofficial fees needs action today; a burst may be an attack on the
    /// figures. A dissatisfied citizen or a low month is handled within the case's deadline.
    pub fn urgent(self) -> bool {
        matches!(self, Self::Problem | Self::Burst)
    }
}

/// What one case stands for: its kind, survey and unit, and a day (a month for the monthly
/// threshold). Every answer with the same cause joins the open case of that cause.
pub fn cause(kind: AlertKind, survey_id: i64, unit_id: i64, at: i64) -> String {
    let date = text::vn_datetime(at).date();
    match kind {
        AlertKind::BelowThreshold | AlertKind::CommentSpike => format!("{}:{survey_id}:{unit_id}:{}", kind.code(), Month::of(date).iso()),
        _ => format!("{}:{survey_id}:{unit_id}:{}", kind.code(), text::iso_date(date)),
    }
}

/// Whether resolving a case frees its cause, so that the next answer of the same cause opens a
/// new case. A month's low figure stays resolved for that month: recounting it at every answer
/// would reopen it again and again.
pub fn frees_cause(kind: AlertKind) -> bool {
    !matches!(kind, AlertKind::BelowThreshold | AlertKind::CommentSpike)
}

/// A topic's negative comments of a unit: this month's, and each of the three months before.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicMonths {
    pub name: String,
    pub now: u64,
    pub before: [u64; 3],
}

/// What a unit's comments of a month say that needs a case, if anything: the share of negative
/// ones at or above the survey's threshold, or a topic's negative ones at or above the spike
/// factor times their mean of the three months before (a topic new this month counts from a mean
/// of one). Both need at least `min_comments`.
pub fn comment_spike(rules: &AlertRules, month: Month, negative: u64, total: u64, topics: &[TopicMonths]) -> Option<String> {
    let mut found = Vec::new();
    if let Some(share) = rules.negative_share
        && total >= rules.min_comments.max(1)
        && negative as f64 * 100.0 >= share * total as f64
    {
        found.push(format!(
            "Tháng {month}: {negative}/{total} ý kiến tiêu cực ({} %), từ ngưỡng {} % trở lên.",
            text::format_number(negative as f64 * 100.0 / total as f64, 1),
            text::format_number(share, 1)
        ));
    }
    if let Some(factor) = rules.topic_spike {
        for t in topics {
            let mean = t.before.iter().sum::<u64>() as f64 / 3.0;
            if t.now >= rules.min_comments.max(1) && t.now as f64 >= factor * mean.max(1.0) {
                found.push(format!(
                    "Chủ đề «{}»: {} ý kiến tiêu cực trong tháng {month}, bình quân ba tháng trước {}.",
                    t.name,
                    t.now,
                    text::format_number(mean, 1)
                ));
            }
        }
    }
    (!found.is_empty()).then(|| found.join(" "))
}

/// The clock hour of a moment, by which flagged answers are counted for bursts.
pub fn burst_hour(at: i64) -> i64 {
    at.div_euclid(3_600_000)
}

/// Where an hour's flagged answers stand against the burst limit, once `added` more are counted
/// onto `before`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Burst {
    /// Still under the limit: nothing to do.
    Under,
    /// These answers reach the limit: the burst begins, with every flagged answer of the hour.
    Reached,
    /// The limit was reached earlier in the hour: these answers join its case.
    Beyond,
}

pub fn burst(limit: u64, before: u64, added: u64) -> Burst {
    if before >= limit {
        Burst::Beyond
    } else if before + added >= limit {
        Burst::Reached
    } else {
        Burst::Under
    }
}

/// One reason a response sets off an alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    pub kind: AlertKind,
    /// What was answered, in words, for the case and the e-mail.
    pub detail: String,
}

/// What in one response sets off an alert; at most one trigger per kind.
pub fn triggers(form: &Questionnaire, rules: &AlertRules, answers: &Answers) -> Vec<Trigger> {
    let mut found = Vec::new();
    if rules.very_dissatisfied {
        let lowest: Vec<String> = form
            .questions()
            .map(|(_, q)| q)
            .filter(|q| q.tag.as_ref().is_some_and(|t| matches!(t.role, TagRole::Satisfaction | TagRole::Overall)))
            .filter_map(|q| {
                let scale = q.kind.options();
                let lowest = scale.iter().filter(|c| c.value.is_some()).min_by(|a, b| a.value.partial_cmp(&b.value).unwrap_or(std::cmp::Ordering::Equal))?;
                // A three-point rating's lowest is "not satisfied": that is the 766 alert too.
                matches!(answers.get(&q.code), Some(Answer::Text(a)) if *a == lowest.code)
                    .then(|| format!("{}: {}", q.text.trim_end_matches('.'), lowest.label))
            })
            .collect();
        if !lowest.is_empty() {
            found.push(Trigger { kind: AlertKind::VeryDissatisfied, detail: lowest.join("; ") });
        }
    }
    let mut problems: Vec<String> = Vec::new();
    for (question, option) in &rules.problem_answers {
        let chosen = match answers.get(question) {
            Some(Answer::Text(a)) => a == option,
            Some(Answer::List(items)) => items.contains(option),
            _ => false,
        };
        if chosen && let Some(q) = form.question(question) {
            let label = q.kind.options().iter().find(|o| &o.code == option).map_or(option.as_str(), |o| o.label.as_str());
            problems.push(format!("{}: {label}", q.text.trim_end_matches('.')));
        }
    }
    for (code, answer) in answers {
        if let (Answer::Text(comment), Some(q)) = (answer, form.question(code))
            && matches!(q.kind, QuestionKind::Text { .. })
        {
            let folded = text::fold(comment);
            if let Some(word) = rules.problem_words.iter().find(|w| !w.is_empty() && folded.contains(&text::fold(w))) {
                problems.push(format!("Góp ý có nội dung «{word}»: {}", comment.chars().take(300).collect::<String>()));
            }
        }
    }
    if !problems.is_empty() {
        found.push(Trigger { kind: AlertKind::Problem, detail: problems.join("; ") });
    }
    found
}

/// Whether a unit's figure for a month sets off the threshold alert.
pub fn below_threshold(rules: &AlertRules, value: Option<f64>, responses: u64) -> bool {
    match (rules.threshold, value) {
        (Some(threshold), Some(v)) => responses >= rules.min_responses && v < threshold,
        _ => false,
    }
}

/// Whether a response's flags count towards a burst.
pub fn is_suspicious(flags: Flags) -> bool {
    flags.0 & Flags::SUSPICIOUS.0 != 0
}

/// The deadline of a case opened (or escalated) at `at`.
pub fn deadline(rules_days: u32, at: i64) -> i64 {
    at + i64::from(rules_days) * 86_400_000
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Resolved,
}

impl CaseStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Đang xử lý",
            Self::Resolved => "Đã xử lý xong",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Open, Self::Resolved].into_iter().find(|s| s.code() == code)
    }
}

/// An open case past its deadline goes to the unit above.
pub fn is_overdue(status: CaseStatus, deadline_at: i64, now: i64) -> bool {
    status == CaseStatus::Open && now >= deadline_at
}

/// A resolution needs words: what was done, for the citizen and for the record.
pub fn check_resolution(text: &str) -> Result<String, String> {
    let cleaned = text::clean_multiline(text);
    if cleaned.chars().count() < 10 {
        return Err("Hãy ghi rõ kết quả xử lý (ít nhất 10 ký tự).".into());
    }
    if cleaned.chars().count() > 4000 {
        return Err("Kết quả xử lý dài tối đa 4.000 ký tự.".into());
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sipas::{rating_766, sipas_2017};

    fn answers(pairs: &[(&str, Answer)]) -> Answers {
        pairs.iter().map(|(q, a)| (q.to_string(), a.clone())).collect()
    }

    fn text(s: &str) -> Answer {
        Answer::Text(s.into())
    }

    #[test]
    fn a_cause_is_a_unit_a_kind_and_a_day_in_vietnam() {
        // 31/12/2025 17:30 UTC is 00:30 on 1 January 2026 in Vietnam.
        let at = 1_767_202_200_000;
        assert_eq!(cause(AlertKind::VeryDissatisfied, 3, 7, at), "very_dissatisfied:3:7:2026-01-01");
        assert_eq!(cause(AlertKind::VeryDissatisfied, 3, 7, at + 23 * 3_600_000), "very_dissatisfied:3:7:2026-01-01", "the same day");
        assert_eq!(cause(AlertKind::VeryDissatisfied, 3, 7, at + 24 * 3_600_000), "very_dissatisfied:3:7:2026-01-02");
        assert_ne!(cause(AlertKind::Problem, 3, 7, at), cause(AlertKind::VeryDissatisfied, 3, 7, at));
        assert_ne!(cause(AlertKind::Problem, 3, 8, at), cause(AlertKind::Problem, 3, 7, at));
        assert_eq!(cause(AlertKind::BelowThreshold, 3, 7, at + 20 * 86_400_000), "below_threshold:3:7:2026-01", "a month for the threshold");
        assert!(frees_cause(AlertKind::Burst) && !frees_cause(AlertKind::BelowThreshold));
        assert!(AlertKind::Problem.urgent() && AlertKind::Burst.urgent());
        assert!(!AlertKind::VeryDissatisfied.urgent() && !AlertKind::BelowThreshold.urgent());
    }

    #[test]
    fn a_burst_begins_once_and_then_grows() {
        assert_eq!(burst(5, 0, 4), Burst::Under);
        assert_eq!(burst(5, 4, 1), Burst::Reached);
        assert_eq!(burst(5, 0, 500), Burst::Reached, "a whole flood in one step");
        assert_eq!(burst(5, 5, 1), Burst::Beyond);
        assert_eq!(burst(5, 4, 0), Burst::Under);
        assert_eq!(burst_hour(3_600_000 * 10 + 5), 10);
    }

    #[test]
    fn defaults_follow_the_form() {
        let rules = AlertRules::for_form(&sipas_2017());
        assert_eq!(rules.problem_answers, [("TT4".to_string(), "khong".to_string()), ("CC6".to_string(), "khong".to_string())]);
        rules.check(&sipas_2017()).unwrap();
        let rating = AlertRules::for_form(&rating_766());
        assert_eq!(rating.problem_answers, [("LY_DO".to_string(), "LD5".to_string())]);
    }

    #[test]
    fn a_very_dissatisfied_answer_or_a_reported_fee_sets_off_an_alert() {
        let form = sipas_2017();
        let rules = AlertRules::for_form(&form);
        assert!(triggers(&form, &rules, &answers(&[("TC_HL", text("2")), ("HL_CHUNG", text("3"))])).is_empty());
        let found = triggers(&form, &rules, &answers(&[("TC_HL", text("1")), ("HL_CHUNG", text("3"))]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, AlertKind::VeryDissatisfied);
        assert!(found[0].detail.contains("Rất không hài lòng"));
        let found = triggers(&form, &rules, &answers(&[("TT4", text("khong")), ("GOP_Y", text("Cán bộ NHŨNG NHIỄU, đòi tiền"))]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, AlertKind::Problem);
        assert!(found[0].detail.contains("Phí, lệ phí") && found[0].detail.contains("nhung nhieu"), "{}", found[0].detail);
        let off = AlertRules { very_dissatisfied: false, problem_answers: vec![], problem_words: vec![], ..rules };
        assert!(triggers(&form, &off, &answers(&[("TC_HL", text("1")), ("TT4", text("khong"))])).is_empty());
    }

    #[test]
    fn the_766_rating_alerts_on_not_satisfied_and_extra_fees() {
        let form = rating_766();
        let rules = AlertRules::for_form(&form);
        let found = triggers(&form, &rules, &answers(&[("DG", text("1")), ("LY_DO", Answer::List(vec!["LD5".into()]))]));
        assert_eq!(found.iter().map(|t| t.kind).collect::<Vec<_>>(), [AlertKind::VeryDissatisfied, AlertKind::Problem]);
    }

    #[test]
    fn thresholds_deadlines_and_resolutions() {
        let rules = AlertRules::for_form(&sipas_2017());
        assert!(below_threshold(&rules, Some(69.9), 30));
        assert!(!below_threshold(&rules, Some(69.9), 29), "too few responses to judge");
        assert!(!below_threshold(&rules, Some(70.0), 100));
        assert!(!below_threshold(&rules, None, 100));
        assert_eq!(deadline(3, 1_000), 1_000 + 3 * 86_400_000);
        assert!(is_overdue(CaseStatus::Open, 10, 10));
        assert!(!is_overdue(CaseStatus::Resolved, 10, 11));
        assert!(!is_overdue(CaseStatus::Open, 10, 9));
        assert!(check_resolution("  ok ").is_err());
        assert_eq!(check_resolution("Đã gọi điện xin lỗi và hoàn phí.").unwrap(), "Đã gọi điện xin lỗi và hoàn phí.");
        assert!(is_suspicious(Flags::BURST) && !is_suspicious(Flags::SPEEDING));
        let mut bad = rules.clone();
        bad.problem_answers.push(("XX".into(), "co".into()));
        bad.deadline_days = 0;
        assert_eq!(bad.check(&sipas_2017()).unwrap_err().len(), 2);
    }

    #[test]
    fn comments_spike_by_share_or_by_topic_and_not_on_a_few() {
        let rules = AlertRules::for_form(&crate::sipas::sipas_2017());
        let month = Month::new(2026, 11).unwrap();
        let delays = |now, before| TopicMonths { name: "Trễ hẹn".into(), now, before };
        // 4 of 10 negative: exactly the 40 % threshold.
        assert!(comment_spike(&rules, month, 4, 10, &[]).unwrap().contains("4/10 ý kiến tiêu cực (40,0 %)"));
        assert_eq!(comment_spike(&rules, month, 3, 10, &[]), None);
        // Nine comments are too few, however negative.
        assert_eq!(comment_spike(&rules, month, 9, 9, &[]), None);
        // 12 this month against a mean of 5 (≥ 2 × 5); 12 against a mean of 7 is not a spike.
        let spike = comment_spike(&rules, month, 12, 100, &[delays(12, [4, 5, 6])]).unwrap();
        assert!(spike.contains("«Trễ hẹn»: 12 ý kiến tiêu cực trong tháng 11/2026, bình quân ba tháng trước 5,0"), "{spike}");
        assert_eq!(comment_spike(&rules, month, 12, 100, &[delays(12, [6, 7, 8])]), None);
        // A topic new this month counts from a mean of one; it still needs ten comments.
        assert!(comment_spike(&rules, month, 10, 100, &[delays(10, [0, 0, 0])]).is_some());
        assert_eq!(comment_spike(&rules, month, 9, 100, &[delays(9, [0, 0, 0])]), None);
        let off = AlertRules { negative_share: None, topic_spike: None, ..rules };
        assert_eq!(comment_spike(&off, month, 10, 10, &[delays(50, [0, 0, 0])]), None);
    }
}

//! The pages: the dashboard (share negative by month as a chart and a table, topics, units,
//! counter officers, the comments outside every topic grouped), the comments behind a number,
//! the taxonomy editor, and the figures as XLSX. Storage checks every right and audits every
//! reading of comments.

use std::collections::HashMap;

use analytics::Sentiment;
use analytics::topics::{Topic, group_uncategorised};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::calendar::Month;
use domain::surveys::Channel;
use domain::text;
use domain::units::{Unit, UnitId};
use reports::charts::{self, Point};
use serde::Deserialize;
use sheets::{ReportSheet, Value};
use storage::Paging;
use storage::analytics::{CommentFilter, CountBy, Counted, MAX_SHOWN};
use storage::units::UnitFilter;

use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::Query;
use crate::layout::Layout;
use crate::reports::{Format, attachment};
use crate::units::picker::{UnitChoice, picked, unit_choices};

const ACTIVE: &str = "/admin/phan-tich-y-kien";
/// Comments shown per page behind a number, and how many recent ones outside every topic are
/// grouped.
const PER_PAGE: i64 = 50;
const GROUPED: i64 = 2_000;

/// The dashboard's choices, as in its address.
#[derive(Deserialize, Default, Clone)]
pub struct Choice {
    #[serde(default, rename = "don-vi")]
    unit: String,
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
    #[serde(default, rename = "cam-xuc")]
    sentiment: String,
    #[serde(default, rename = "chu-de")]
    topic: String,
    #[serde(default)]
    kenh: String,
    #[serde(default, rename = "cong-chuc")]
    staff: String,
    #[serde(default)]
    truoc: Option<i64>,
}

impl Choice {
    /// The address of the comments behind a number: these choices and `extra` (pairs).
    fn comments_link(&self, extra: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![("don-vi", &self.unit), ("tu", &self.tu), ("den", &self.den)];
        for (k, v) in extra {
            pairs.retain(|(key, _)| key != k);
            pairs.push((k, v));
        }
        let query: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty())).finish();
        format!("{ACTIVE}/y-kien?{query}")
    }
}

/// The dashboard with the unit and months of `choice`.
fn dashboard_link(choice: &Choice) -> String {
    let pairs = [("don-vi", &choice.unit), ("tu", &choice.tu), ("den", &choice.den)];
    format!("{ACTIVE}?{}", form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty())).finish())
}

/// What the choices select, read against the store; months default to the last twelve.
struct Selected {
    filter: CommentFilter,
    unit_name: String,
    from: Month,
    to: Month,
}

async fn select(state: &AppState, choice: &Choice) -> Result<Selected, Failure> {
    let this_month = Month::at(state.clock.now_ms());
    let month = |s: &str, default: Month| -> Result<Month, Failure> {
        if s.trim().is_empty() { Ok(default) } else { Month::parse(s).ok_or_else(|| Failure::invalid("Tháng ghi theo dạng mm/yyyy, ví dụ 03/2026.")) }
    };
    let to = month(&choice.den, this_month)?;
    let from = month(&choice.tu, to.plus(-11))?;
    if from > to {
        return Err(Failure::invalid("Tháng bắt đầu phải trước tháng kết thúc."));
    }
    let (unit_id, unit_name) = match choice.unit.trim() {
        "" => (None, "Mọi đơn vị trong phạm vi".to_string()),
        code => {
            let unit = state.store.public_unit_by_code(code).await.map_err(|_| Failure::invalid("Không có đơn vị này."))?;
            (Some(unit.id), unit.name)
        }
    };
    let sentiment = match choice.sentiment.as_str() {
        "" => None,
        code => Some(Sentiment::parse(code).ok_or_else(|| Failure::invalid("Sắc thái không hợp lệ."))?.value()),
    };
    let filter = CommentFilter {
        unit_id,
        from: Some(from),
        to: Some(to),
        sentiment,
        topic: Some(choice.topic.clone()).filter(|t| !t.is_empty()),
        channel: Some(choice.kenh.clone()).filter(|c| !c.is_empty()),
        staff: Some(choice.staff.clone()).filter(|s| !s.is_empty()),
    };
    Ok(Selected { filter, unit_name, from, to })
}

/// A row of counts as shown: its label, the counts, the share negative, and where its
/// negative comments are.
pub struct Row {
    label: String,
    total: String,
    negative: String,
    neutral: String,
    positive: String,
    share_negative: String,
    link: String,
}

fn share(part: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| part as f64 * 100.0 / total as f64)
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| format!("{} %", text::format_number(v, 1)))
}

fn row(label: String, c: &Counted, link: String) -> Row {
    Row {
        label,
        total: text::format_count(c.total() as u64),
        negative: text::format_count(c.negative as u64),
        neutral: text::format_count(c.neutral as u64),
        positive: text::format_count(c.positive as u64),
        share_negative: percent(share(c.negative, c.total())),
        link,
    }
}

/// Comments outside every topic that share a phrase, with two of them.
pub struct GroupView {
    phrase: String,
    count: usize,
    examples: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "analytics/dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    units: Vec<UnitChoice>,
    from: String,
    to: String,
    unit_name: String,
    total: String,
    share_negative: String,
    share_positive: String,
    chart: String,
    months: Vec<Row>,
    topics: Vec<Row>,
    by_unit: Vec<Row>,
    staff: Vec<Row>,
    groups: Vec<GroupView>,
    redo: Option<String>,
    may_edit: bool,
    export: String,
}

/// The figures of a selection, shared by the page and the export.
struct Figures {
    months: Vec<(Month, Counted)>,
    topics: Vec<(String, Counted)>,
    units: Vec<(String, String, Counted)>,
    staff: Vec<(String, String, Counted)>,
}

async fn figures(state: &AppState, user: &CurrentUser, selected: &Selected) -> Result<Figures, Failure> {
    let access = &user.principal.access;
    let store = &state.store;
    let by_month = store.count_comments(access, &selected.filter, CountBy::Month).await?;
    let months = selected.from.through(selected.to).map(|m| (m, by_month.iter().find(|c| c.key == m.iso()).cloned().unwrap_or_default())).collect();
    let (_, taxonomy) = store.analytics_taxonomy().await?;
    let mut topics: Vec<(String, Counted)> = store
        .count_comments(access, &selected.filter, CountBy::Topic)
        .await?
        .into_iter()
        .map(|c| (taxonomy.name(&c.key).map_or_else(|| c.key.clone(), str::to_string), c))
        .collect();
    topics.sort_by(|a, b| b.1.negative.cmp(&a.1.negative).then(b.1.total().cmp(&a.1.total())));
    // The units the caller reads, named from one listing rather than one query each.
    let roots = access.roots(Permission::ViewResults);
    let known: HashMap<UnitId, Unit> = store.units(&roots, &UnitFilter::default(), Paging::ALL).await?.items.into_iter().map(|u| (u.id, u)).collect();
    let mut units = Vec::new();
    for c in store.count_comments(access, &selected.filter, CountBy::Unit).await? {
        let id = c.key.parse().unwrap_or_default();
        let unit = match known.get(&id) {
            Some(unit) => unit.clone(),
            None => store.public_unit(id).await?,
        };
        units.push((unit.code, unit.name, c));
    }
    units.sort_by(|a, b| b.2.negative.cmp(&a.2.negative).then(a.1.cmp(&b.1)));
    let kiosk = CommentFilter { channel: Some(Channel::Kiosk.code().to_string()), ..selected.filter.clone() };
    let counted = store.count_comments(access, &kiosk, CountBy::Staff).await?;
    let codes: Vec<String> = counted.iter().map(|c| c.key.clone()).collect();
    let names = store.official_names(&codes).await?;
    let staff = counted.into_iter().map(|c| (c.key.clone(), names.get(&c.key).cloned().unwrap_or_else(|| c.key.clone()), c)).collect();
    Ok(Figures { months, topics, units, staff })
}

pub async fn dashboard(State(state): State<AppState>, user: CurrentUser, Query(choice): Query<Choice>) -> PageResult<DashboardPage> {
    let access = &user.principal.access;
    if !access.has(Permission::ViewResults) {
        return Err(Failure::forbidden().into());
    }
    let selected = select(&state, &choice).await?;
    let f = figures(&state, &user, &selected).await?;
    let sum = f.months.iter().fold(Counted::default(), |mut a, (_, c)| {
        a.negative += c.negative;
        a.neutral += c.neutral;
        a.positive += c.positive;
        a
    });
    let points: Vec<Point> = f.months.iter().map(|(m, c)| Point { label: m.to_string(), value: share(c.negative, c.total()), few: c.total() < 10 }).collect();
    let neg = Sentiment::Negative.code();
    let months = f.months.iter().map(|(m, c)| row(m.to_string(), c, choice.comments_link(&[("tu", &m.iso()), ("den", &m.iso()), ("cam-xuc", neg)]))).collect();
    let topics = f.topics.iter().map(|(name, c)| row(name.clone(), c, choice.comments_link(&[("chu-de", &c.key), ("cam-xuc", neg)]))).collect();
    let by_unit = f.units.iter().map(|(code, name, c)| row(name.clone(), c, choice.comments_link(&[("don-vi", code), ("cam-xuc", neg)]))).collect();
    let kiosk = Channel::Kiosk.code();
    let staff =
        f.staff.iter().map(|(code, name, c)| row(name.clone(), c, choice.comments_link(&[("kenh", kiosk), ("cong-chuc", code), ("cam-xuc", neg)]))).collect();
    let groups = if access.has(Permission::ViewResponses) {
        let found = state.store.uncategorised_comments(&user.actor(&state), access, &selected.filter, GROUPED).await?;
        let read: Vec<(i64, Vec<analytics::normalize::Token>)> = found.iter().map(|(id, body)| (*id, analytics::normalize::tokens(body))).collect();
        group_uncategorised(&read, 3, 8)
            .into_iter()
            .map(|g| GroupView {
                phrase: g.phrase,
                count: g.members.len(),
                examples: g.members.iter().take(2).filter_map(|id| found.iter().find(|(i, _)| i == id).map(|(_, b)| b.clone())).collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let status = state.store.analytics_state().await?;
    let redo = status.redo.map(|r| {
        format!(
            "Đang phân loại lại ý kiến theo mô hình hoặc chủ đề mới: {} / {} ({}).",
            text::format_count(r.done as u64),
            text::format_count(r.total as u64),
            percent(share(r.done, r.total))
        )
    });
    let here = dashboard_link(&choice);
    let mut layout = Layout::admin(&user, "Phân tích ý kiến người dân", ACTIVE);
    if redo.is_some() {
        layout.refresh = Some((10, here.clone()));
    }
    let roots = access.roots(Permission::ViewResults);
    Ok(DashboardPage {
        layout,
        units: picked(&unit_choices(&state.store, &roots, state.clock.now_ms()).await?, &choice.unit),
        from: selected.from.to_string(),
        to: selected.to.to_string(),
        unit_name: selected.unit_name,
        total: text::format_count(sum.total() as u64),
        share_negative: percent(share(sum.negative, sum.total())),
        share_positive: percent(share(sum.positive, sum.total())),
        chart: charts::trend("Tỷ lệ ý kiến tiêu cực theo tháng (%)", &points, None),
        months,
        topics,
        by_unit,
        staff,
        groups,
        redo,
        may_edit: access.has(Permission::PublishResults),
        export: here.replacen(ACTIVE, &format!("{ACTIVE}.xlsx"), 1),
    })
}

/// The figures as a workbook: by month, topic, unit and counter officer.
pub async fn export(State(state): State<AppState>, user: CurrentUser, Query(choice): Query<Choice>) -> PageResult<Response> {
    if !user.principal.access.has(Permission::ViewResults) {
        return Err(Failure::forbidden().into());
    }
    let selected = select(&state, &choice).await?;
    let f = figures(&state, &user, &selected).await?;
    let header = |first: &str| [first, "Số ý kiến", "Tiêu cực", "Trung tính", "Tích cực", "Tỷ lệ tiêu cực (%)"].iter().map(|h| h.to_string()).collect();
    let line = |label: String, c: &Counted| {
        vec![
            Value::Text(label),
            Value::Count(c.total()),
            Value::Count(c.negative),
            Value::Count(c.neutral),
            Value::Count(c.positive),
            share(c.negative, c.total()).map_or(Value::Empty, Value::Number),
        ]
    };
    let sheets = vec![
        ReportSheet { name: "Theo tháng".into(), header: header("Tháng"), rows: f.months.iter().map(|(m, c)| line(m.to_string(), c)).collect(), chart: None },
        ReportSheet {
            name: "Theo chủ đề".into(), header: header("Chủ đề"), rows: f.topics.iter().map(|(n, c)| line(n.clone(), c)).collect(), chart: None
        },
        ReportSheet {
            name: "Theo đơn vị".into(), header: header("Đơn vị"), rows: f.units.iter().map(|(_, n, c)| line(n.clone(), c)).collect(), chart: None
        },
        ReportSheet {
            name: "Theo công chức".into(),
            header: header("Công chức (máy đánh giá)"),
            rows: f.staff.iter().map(|(_, n, c)| line(n.clone(), c)).collect(),
            chart: None,
        },
    ];
    let body = sheets::write_report(&sheets).map_err(|_| Failure::internal())?;
    let name = format!("phan-tich-y-kien-{}-{}.xlsx", selected.from.iso(), selected.to.iso());
    Ok(attachment(Format::Xlsx, &name, body))
}

/// A comment as listed behind a number.
pub struct CommentView {
    at: String,
    unit: String,
    source: &'static str,
    channel: String,
    sentiment: &'static str,
    sentiment_class: &'static str,
    confidence: String,
    topics: String,
    body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "analytics/comments.html")]
pub struct CommentsPage {
    layout: Layout,
    what: String,
    back: String,
    comments: Vec<CommentView>,
    more: Option<String>,
}

pub async fn comments(State(state): State<AppState>, user: CurrentUser, Query(choice): Query<Choice>) -> PageResult<CommentsPage> {
    let selected = select(&state, &choice).await?;
    let shown = state.store.comments(&user.actor(&state), &user.principal.access, &selected.filter, choice.truoc, PER_PAGE.min(MAX_SHOWN)).await?;
    let (_, taxonomy) = state.store.analytics_taxonomy().await?;
    let mut what = vec![selected.unit_name.clone(), format!("từ {} đến {}", selected.from, selected.to)];
    if let Some(s) = selected.filter.sentiment {
        what.push(format!("ý kiến {}", Sentiment::from_value(s).label().to_lowercase()));
    }
    if let Some(t) = &selected.filter.topic {
        what.push(format!("chủ đề «{}»", taxonomy.name(t).unwrap_or(t)));
    }
    if let Some(s) = &selected.filter.staff {
        let names = state.store.official_names(std::slice::from_ref(s)).await?;
        what.push(format!("công chức {}", names.get(s).unwrap_or(s)));
    }
    let more = (shown.len() as i64 == PER_PAGE).then(|| {
        let last = shown.last().map_or(0, |c| c.id).to_string();
        let mut link = choice.comments_link(&[("cam-xuc", &choice.sentiment), ("chu-de", &choice.topic), ("kenh", &choice.kenh), ("cong-chuc", &choice.staff)]);
        link.push_str(&format!("&truoc={last}"));
        link
    });
    let comments = shown
        .into_iter()
        .map(|c| {
            let sentiment = Sentiment::from_value(c.sentiment);
            CommentView {
                at: text::format_timestamp_ms(c.at),
                unit: c.unit_name,
                source: match c.source.as_str() {
                    storage::analytics::QUESTIONS => "Hỏi đáp, phản ánh",
                    storage::analytics::CONSULTATIONS => "Góp ý dự thảo",
                    _ => "Phiếu khảo sát",
                },
                channel: Channel::parse(&c.channel).map_or(c.channel.clone(), |ch| ch.label().to_string()),
                sentiment: sentiment.label(),
                sentiment_class: match sentiment {
                    Sentiment::Negative => "tag warn",
                    Sentiment::Neutral => "tag muted",
                    Sentiment::Positive => "tag ok",
                },
                confidence: format!("{} %", c.confidence / 10),
                topics: c.topics.split(',').filter(|t| !t.is_empty()).map(|t| taxonomy.name(t).unwrap_or(t).to_string()).collect::<Vec<_>>().join(", "),
                body: c.body,
            }
        })
        .collect();
    Ok(CommentsPage { layout: Layout::admin(&user, "Ý kiến người dân", ACTIVE), what: what.join(", "), back: dashboard_link(&choice), comments, more })
}

/// A topic as the editor shows it: phrases one per line.
pub struct TopicView {
    code: String,
    name: String,
    phrases: String,
    position: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "analytics/topics.html")]
pub struct TopicsPage {
    layout: Layout,
    topics: Vec<TopicView>,
    errors: Vec<String>,
}

async fn topics_page(state: &AppState, user: &CurrentUser, errors: Vec<String>) -> PageResult<TopicsPage> {
    if !user.principal.access.has(Permission::PublishResults) {
        return Err(Failure::forbidden().into());
    }
    let (_, taxonomy) = state.store.analytics_taxonomy().await?;
    Ok(TopicsPage {
        layout: Layout::admin(user, "Chủ đề phân tích ý kiến", ACTIVE),
        topics: taxonomy
            .topics()
            .iter()
            .enumerate()
            .map(|(i, t)| TopicView { code: t.code.clone(), name: t.name.clone(), phrases: t.phrases.join("\n"), position: i + 1 })
            .collect(),
        errors,
    })
}

pub async fn topics(State(state): State<AppState>, user: CurrentUser) -> PageResult<TopicsPage> {
    topics_page(&state, &user, Vec::new()).await
}

#[derive(Deserialize, Default)]
pub struct TopicFields {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phrases: String,
    #[serde(default)]
    position: Option<i64>,
}

pub async fn save_topic(State(state): State<AppState>, user: CurrentUser, CheckedForm(fields): CheckedForm<TopicFields>) -> PageResult<Response> {
    let topic = match Topic::new(&fields.code, &fields.name, &fields.phrases) {
        Ok(topic) => topic,
        Err(e) => return Ok(topics_page(&state, &user, vec![e.to_string()]).await?.into_response()),
    };
    let saved = state.store.save_analytics_topic(&user.actor(&state), &user.principal.access, &topic, fields.position.unwrap_or(99)).await;
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("{ACTIVE}/chu-de")).into_response()),
        Err(storage::Error::Invalid(errors)) => Ok(topics_page(&state, &user, errors).await?.into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct DeleteFields {
    #[serde(default)]
    code: String,
}

pub async fn delete_topic(State(state): State<AppState>, user: CurrentUser, CheckedForm(fields): CheckedForm<DeleteFields>) -> PageResult<Response> {
    state.store.delete_analytics_topic(&user.actor(&state), &user.principal.access, &fields.code).await?;
    Ok(Redirect::to(&format!("{ACTIVE}/chu-de")).into_response())
}

//! `cargo run --release -p bench -- qa [--count N] [--postgres URL]`
//!
//! Questions and feedback on a bad day: COUNT questions (100,000 by default) arrive over four
//! months as the pages send them, of varied topics, kinds and wording, with a flood of bad ones
//! mixed in (no topic, oversize, a contact that is not one) that must write nothing; four in five
//! are drafted and approved (the consenting half published to the archive), the rest wait, most
//! past their deadline. Reported: the rate they are taken and answered, then the pass the server
//! runs every few seconds: the first one, which reminds and escalates what is due, and the next,
//! which finds nothing new and must cost next to nothing whatever the table's size; then,
//! against the server in a child process, the archive, its search and the officials' pages: p50
//! and p95 (target p95 < 100 ms).

use std::time::Instant;

use anyhow::{Context, bail};
use domain::auth::{Access, Grant, Role};
use domain::qa::{AskForm, Channel, Periods};
use domain::sampling::SplitMix;
use storage::crypto::DataKey;
use storage::qa::{QuestionFilter, Review};
use storage::{Actor, Paging, Store};

use super::search::timed;
use super::{fresh_postgres, percentile, signed_in, start_server};

const READS: usize = 200;
const DAY: i64 = 86_400_000;

const SUBJECTS: [&str; 12] = [
    "cấp giấy phép xây dựng nhà ở riêng lẻ",
    "đăng ký khai sinh cho con",
    "chứng thực bản sao giấy tờ",
    "đổi giấy phép lái xe",
    "cấp lại sổ bảo hiểm xã hội",
    "đăng ký hộ kinh doanh",
    "cấp giấy chứng nhận quyền sử dụng đất",
    "đăng ký kết hôn",
    "xác nhận tình trạng hôn nhân",
    "đăng ký thường trú",
    "cấp phiếu lý lịch tư pháp",
    "chuyển đổi mục đích sử dụng đất",
];
const ASKS: [&str; 6] = [
    "Xin hỏi thời hạn giải quyết thủ tục {} là bao lâu và cần những giấy tờ gì?",
    "Tôi nộp hồ sơ {} đã quá hẹn mà chưa nhận được kết quả, đề nghị cơ quan kiểm tra. Số của tôi 09{}.",
    "Đề nghị đơn giản hóa thủ tục {}, bỏ yêu cầu nộp bản sao có chứng thực.",
    "Cán bộ hướng dẫn {} mỗi lần một khác, tôi phải đi lại nhiều lần.",
    "Có thể nộp hồ sơ {} trực tuyến toàn trình không, lệ phí bao nhiêu?",
    "Phí {} thu tại xã có đúng quy định không? Tôi được yêu cầu nộp thêm tiền.",
];

pub async fn run(count: usize, postgres: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new().prefix("thuocdo-qa").tempdir_in(if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" })?;
    let url = match postgres.as_deref() {
        None => dir.path().join("bench.db").to_string_lossy().into_owned(),
        Some(admin) => fresh_postgres(admin).await?,
    };
    let key = DataKey::generate();
    let store = Store::connect(&url, &key).await?;
    store.migrate().await?;
    let now = domain::text::vn_midnight_ms(domain::text::parse_date("01/12/2026").context("date")?);
    thuocdo::demo::load(&store, now).await?;
    thuocdo::demo::qa::load(&store, now).await?;
    let topics = store.qa_topics(true).await?;
    let periods = Periods::default();
    let mut dice = SplitMix(2026);
    let (mut taken, mut refused) = (Vec::with_capacity(count), 0usize);
    let started = Instant::now();
    for i in 0..count {
        let at = now - 120 * DAY + (i as i64 * 120 * DAY) / count as i64;
        let subject = SUBJECTS[dice.below(SUBJECTS.len() as u64) as usize];
        let body = ASKS[dice.below(ASKS.len() as u64) as usize].replacen("{}", subject, 1).replacen("{}", &format!("{:08}", dice.below(100_000_000)), 1);
        let form = AskForm {
            kind: ["hoi-dap", "phan-anh", "kien-nghi"][i % 3].into(),
            title: format!("Về thủ tục {subject} ({i})"),
            body,
            name: format!("Người hỏi {i}"),
            address: String::new(),
            contact: if i % 2 == 0 { format!("nguoi.hoi.{i}@vi-du.vn") } else { format!("09{:08}", dice.below(100_000_000)) },
            consent: i % 2 == 0,
            zalo: false,
            identity: None,
        };
        let asked = form.checked().map_err(|e| anyhow::anyhow!(e.join("; ")))?;
        let topic = &topics[i % topics.len()];
        let receipt = store.ask(&Actor::system("người hỏi", at), &asked, topic.id, None, Channel::Web, &[], &format!("BENCH{i:011}"), &periods).await?;
        taken.push((receipt.id, topic.unit_id, at));
        // One bad question in ten, of every kind: none may be written.
        if i % 10 == 0 {
            let bad = match (i / 10) % 3 {
                0 => store.ask(&Actor::system("người hỏi", at), &asked, 999_999, None, Channel::Web, &[], &format!("BAD{i:013}"), &periods).await.is_ok(),
                1 => AskForm { body: "x".repeat(domain::qa::MAX_BODY_CHARS + 1), ..form.clone() }.checked().is_ok(),
                _ => AskForm { contact: "gọi tôi".into(), ..form.clone() }.checked().is_ok(),
            };
            if bad {
                bail!("a bad question was taken ({i})");
            }
            refused += 1;
        }
    }
    let took = started.elapsed().as_secs_f64();
    let backend = if postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "{count} questions taken in {took:.1} s ({:.0}/s), one transaction each; {refused} bad ones refused, nothing written ({backend})",
        count as f64 / took
    );

    // Four in five answered a few days after they came, by their unit's official and head.
    let started = Instant::now();
    let mut answered = 0;
    for (n, (id, unit, at)) in taken.iter().enumerate() {
        let Some(unit) = unit else { continue };
        if n % 5 == 4 || *at > now - 10 * DAY {
            continue;
        }
        let official = Access::new(vec![Grant { role: Role::UnitOfficial, unit: *unit }]);
        let head = Access::new(vec![Grant { role: Role::UnitHead, unit: *unit }]);
        let when = at + (1 + (n as i64 % 9)) * DAY;
        store
            .draft_answer(&Actor::system("cán bộ", when), &official, *id, "Cơ quan đã kiểm tra hồ sơ và hướng dẫn ông/bà bổ sung giấy tờ theo quy định.")
            .await?;
        store.review_answer(&Actor::system("thủ trưởng", when + 3_600_000), &head, *id, &Review::Approve { answer: None, publish: true }).await?;
        answered += 1;
    }
    let took = started.elapsed().as_secs_f64();
    println!("{answered} answered (drafted, approved, the consenting half published) in {took:.1} s ({:.0}/s)", answered as f64 / took);

    // The server's pass: the first finds what is due; the next finds nothing new.
    let link = |id: i64| format!("/admin/hoi-dap/{id}");
    let mut first = (0, 0, 0.0);
    let started = Instant::now();
    loop {
        let run = store.process_questions(now, &periods, &link).await?;
        first.0 += run.reminded;
        first.1 += run.escalated;
        if run.reminded == 0 && run.escalated == 0 {
            break;
        }
    }
    first.2 = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let idle = store.process_questions(now + 1_000, &periods, &link).await?;
    let idle_ms = started.elapsed().as_secs_f64() * 1_000.0;
    if idle.reminded + idle.escalated > 0 {
        bail!("the second pass found work: {idle:?}");
    }
    println!("due pass: {} reminded and {} escalated in {:.1} s; the next pass, nothing new: {idle_ms:.1} ms", first.0, first.1, first.2);
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: store.public_unit_by_code("99").await?.id }]);
    let waiting = store.questions(&office, &QuestionFilter { overdue_at: Some(now), ..QuestionFilter::default() }, Paging::new(1, 1)).await?.total;
    let archived = store.archive(&Default::default(), Paging::new(1, 1)).await?.total;
    println!("{archived} in the archive; {waiting} waiting past their deadline");
    store.close().await;
    if postgres.is_some() {
        let pool = sqlx::PgPool::connect(&url).await?;
        sqlx::query("VACUUM (ANALYZE)").execute(&pool).await?;
        pool.close().await;
    }

    let (_server, _pid, address) = start_server(&url, &key).await?;
    let base = format!("http://{address}");
    let public = reqwest::Client::builder().build()?;
    let officials = signed_in(&base).await?;
    let last = taken.last().map(|t| t.0).context("a question")?;
    // A consenting question that was answered: published.
    let published = taken
        .iter()
        .enumerate()
        .rev()
        .find(|(n, (_, unit, at))| n % 2 == 0 && n % 5 != 4 && unit.is_some() && *at <= now - 10 * DAY)
        .map(|(_, t)| t.0)
        .context("a published question")?;
    let pages: [(&str, String, bool); 10] = [
        ("archive", "/hoi-dap".into(), false),
        ("archive, page 100", "/hoi-dap?page=100".into(), false),
        ("archive by topic", format!("/hoi-dap?linh_vuc={}", topics[0].id), false),
        ("archive search, common words", "/hoi-dap?q=giay+phep+xay+dung".into(), false),
        ("archive search, rare words", "/hoi-dap?q=ly+lich+tu+phap+truc+tuyen".into(), false),
        ("a published answer", format!("/hoi-dap/{published}"), false),
        ("officials: the list, waiting first", "/admin/hoi-dap".into(), true),
        ("officials: overdue", "/admin/hoi-dap?qua_han=1".into(), true),
        ("officials: a question", format!("/admin/hoi-dap/{last}"), true),
        ("API: archive", "/api/v1/questions/archive".into(), false),
    ];
    let mut worst: f64 = 0.0;
    for (name, path, signed) in &pages {
        let client = if *signed { &officials } else { &public };
        let (mut times, _) = timed(client, &base, vec![path.clone(); READS], 1).await?;
        let p95 = percentile(&mut times, 0.95);
        worst = worst.max(p95);
        println!("{name}: p50 {:.1} ms, p95 {p95:.1} ms", percentile(&mut times, 0.50));
    }
    println!("slowest page p95: {worst:.1} ms");
    let start = Instant::now();
    let response = officials.get(format!("{base}/admin/hoi-dap/thong-ke.xlsx?tu=01/08/2026&den=30/11/2026")).send().await?;
    if !response.status().is_success() {
        bail!("statistics: {}", response.status());
    }
    let body = response.bytes().await?;
    println!("statistics XLSX of four months: {:.2} s, {:.0} KB", start.elapsed().as_secs_f64(), body.len() as f64 / 1024.0);
    Ok(())
}

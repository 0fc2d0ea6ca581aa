//! `cargo run --release -p bench -- search [--count N] [--postgres URL]`
//!
//! The portal's search over COUNT published articles and documents (100,000 by default) of
//! varied Vietnamese text, written and published through the Store as editors do. Then, against
//! the server in a child process: searches as citizens type them (common words that match most
//! documents, rare ones, document numbers, several words, with and without tones, nothing
//! found), timed from request to last byte, one at a time (the latency a citizen meets) and
//! eight at a time (the machine under load); then the public pages (home, news, documents
//! library, an article) read as fast as they are served.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use domain::auth::{Access, Grant, Role};
use domain::portal::{Category, DocFields, DocType, Draft, Kind, Step};
use storage::crypto::DataKey;
use storage::{Actor, Store};

use super::{fresh_postgres, percentile, start_server};

const SEARCHES: usize = 3_000;
const CONCURRENCY: usize = 8;
const PAGE_READS: usize = 4_000;

/// Phrases officials write, in the portal's own words.
const PHRASES: [&str; 40] = [
    "cải cách hành chính",
    "thủ tục hành chính",
    "Bộ phận Một cửa",
    "dịch vụ công trực tuyến",
    "sự hài lòng của người dân",
    "Chỉ số cải cách hành chính",
    "chuyển đổi số",
    "hồ sơ trễ hạn",
    "tiếp nhận và trả kết quả",
    "công chức cấp xã",
    "kiểm tra công vụ",
    "kỷ luật, kỷ cương hành chính",
    "đối thoại với người dân",
    "số hóa hồ sơ",
    "chứng thực bản sao",
    "đăng ký hộ tịch",
    "cấp giấy chứng nhận quyền sử dụng đất",
    "thanh toán trực tuyến",
    "định danh điện tử",
    "phản ánh, kiến nghị",
    "niêm yết công khai",
    "rút ngắn thời gian giải quyết",
    "kết quả khảo sát",
    "năm yếu tố SIPAS",
    "tổ chức bộ máy",
    "chính quyền hai cấp",
    "sắp xếp đơn vị hành chính",
    "văn bản quy phạm pháp luật",
    "tài chính công",
    "hiện đại hóa nền hành chính",
    "ứng dụng công nghệ thông tin",
    "bồi dưỡng cán bộ",
    "liên thông điện tử",
    "cơ sở dữ liệu quốc gia",
    "hướng dẫn người dân",
    "đánh giá, xếp loại",
    "tinh giản biên chế",
    "đạo đức công vụ",
    "giải quyết khiếu nại",
    "môi trường đầu tư kinh doanh",
];

const PLACES: [&str; 12] =
    ["An Lạc", "Bắc Sơn", "Nam Sơn", "Đông Hòa", "Tây Ninh", "Hòa Bình", "Tân Phú", "Phước Long", "Vĩnh Thạnh", "Long Hải", "Cẩm Lệ", "Ea Kar"];

/// A repeatable sequence of numbers (SplitMix64), so that every run writes the same texts.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % below as u64) as usize
    }

    fn phrase(&mut self) -> &'static str {
        PHRASES[self.next(PHRASES.len())]
    }
}

fn draft(i: usize, n: &mut Numbers) -> Draft {
    let place = PLACES[n.next(PLACES.len())];
    let title = format!("{} {} tại {} năm {}", capitalised(n.phrase()), n.phrase(), place, 2015 + n.next(12));
    let sentences: Vec<String> = (0..4 + n.next(12))
        .map(|_| {
            format!("{} gắn với {} và {} ở {} với {} hồ sơ.", capitalised(n.phrase()), n.phrase(), n.phrase(), PLACES[n.next(PLACES.len())], n.next(5_000))
        })
        .collect();
    let body = format!("<p>{}</p>", sentences.join(" "));
    let document = i.is_multiple_of(4);
    Draft {
        kind: if document { Kind::Document } else { Kind::Article },
        category: (!document).then(|| Category::ALL[n.next(Category::ALL.len())]),
        title,
        summary: String::new(),
        body_html: body,
        video_url: None,
        doc: document.then(|| DocFields {
            number: format!("{}/QĐ-UBND", 100 + i),
            doc_type: DocType::ALL[n.next(DocType::ALL.len())],
            issuer: "Ủy ban nhân dân tỉnh".into(),
            issued_on: time::Date::from_calendar_date(2015 + n.next(12) as i32, time::Month::January, 1 + n.next(28) as u8).unwrap_or(time::Date::MIN),
            effective_on: None,
        }),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Searches as typed by citizens, from the common to what nothing holds.
fn searches(count: usize) -> Vec<String> {
    let mut n = Numbers(7);
    (0..count)
        .map(|i| match i % 8 {
            0 => "cai cach hanh chinh".to_string(),
            1 => n.phrase().to_string(),
            2 => domain::text::fold(n.phrase()),
            3 => format!("{}/QĐ-UBND", 100 + 4 * n.next(count.max(1))),
            4 => format!("{} {}", domain::text::fold(PLACES[n.next(PLACES.len())]), domain::text::fold(n.phrase())),
            5 => "mot cua".to_string(),
            6 => format!("khong co tu nay {}", n.next(1_000)),
            _ => format!("{} {}", n.phrase(), PLACES[n.next(PLACES.len())]),
        })
        .collect()
}

async fn load(store: &Store, count: usize) -> anyhow::Result<()> {
    let now = domain::text::vn_midnight_ms(domain::text::parse_date("01/12/2026").context("date")?);
    thuocdo::demo::load(store, now).await?;
    let province = store.public_unit_by_code(thuocdo::demo::PROVINCE_CODE).await?.id;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: province }]);
    let mut n = Numbers(2026);
    let started = Instant::now();
    for i in 0..count {
        let actor = Actor::system("bench", now - (count - i) as i64 * 60_000);
        let id = store.create_item(&actor, &office, province, draft(i, &mut n)).await?;
        store.item_step(&actor, &office, id, &Step::Publish { at: actor.at }).await?;
        if (i + 1).is_multiple_of(10_000) {
            eprintln!("  {} written and published ({:.0} s)", i + 1, started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// Milliseconds each GET of `paths` took, `concurrency` at a time.
pub(crate) async fn timed(client: &reqwest::Client, base: &str, paths: Vec<String>, concurrency: usize) -> anyhow::Result<(Vec<f64>, f64)> {
    let paths = Arc::new(paths);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, paths, next, base) = (client.clone(), paths.clone(), next.clone(), base.to_string());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else { break };
                let at = Instant::now();
                let response = client.get(format!("{base}{path}")).send().await?;
                anyhow::ensure!(response.status() == 200, "{path}: {}", response.status());
                response.bytes().await?;
                times.push(at.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((all, started.elapsed().as_secs_f64()))
}

pub async fn run(count: usize, postgres: Option<String>) -> anyhow::Result<()> {
    // SQLite syncs every commit; on a memory-backed directory the loading costs what the
    // database does, not what the disk does. The searches read only.
    let dir = tempfile::Builder::new().prefix("thuocdo-search").tempdir_in(if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" })?;
    let url = match postgres.as_deref() {
        None => dir.path().join("bench.db").to_string_lossy().into_owned(),
        Some(admin) => fresh_postgres(admin).await?,
    };
    let key = DataKey::generate();
    let store = Store::connect(&url, &key).await?;
    store.migrate().await?;
    let started = Instant::now();
    load(&store, count).await?;
    println!(
        "{count} documents written and published in {:.0} s ({})",
        started.elapsed().as_secs_f64(),
        if postgres.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    store.close().await;
    if postgres.is_some() {
        // What autovacuum does soon after a bulk load: the statistics and visibility map that
        // let counts read the indexes alone. The searches then meet the steady state.
        let pool = sqlx::PgPool::connect(&url).await?;
        sqlx::query("VACUUM (ANALYZE)").execute(&pool).await?;
        pool.close().await;
    }

    let (_server, _pid, address) = start_server(&url, &key).await?;
    let base = format!("http://{address}");
    let client = reqwest::Client::builder().build()?;
    let queries = searches(SEARCHES);
    let paths: Vec<String> = queries.iter().map(|q| format!("/tim-kiem?q={}", web_encode(q))).collect();
    // One citizen at a time gives the latency; eight at once on this machine's cores, the load.
    for concurrency in [1, CONCURRENCY] {
        let (mut times, elapsed) = timed(&client, &base, paths.clone(), concurrency).await?;
        println!(
            "search over {count}: {SEARCHES} searches, {concurrency} at a time, {:.0}/s; p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            SEARCHES as f64 / elapsed,
            percentile(&mut times, 0.50),
            percentile(&mut times, 0.95),
            percentile(&mut times, 0.99),
            percentile(&mut times, 1.0)
        );
    }
    let article = reqwest::get(format!("{base}/tin-tuc")).await?.text().await?;
    let first = article.split("<h3><a href=\"").nth(1).and_then(|s| s.split('"').next()).context("an article link")?.to_string();
    let pages = ["/", "/tin-tuc", "/van-ban", "/tin-tuc/chuyen-muc/huong-dan", first.as_str(), "/van-ban?nam=2020"];
    let reads: Vec<String> = (0..PAGE_READS).map(|i| pages[i % pages.len()].to_string()).collect();
    let (mut times, elapsed) = timed(&client, &base, reads, CONCURRENCY).await?;
    println!(
        "public pages: {PAGE_READS} reads of {} pages, {CONCURRENCY} at a time, {:.0}/s; p50 {:.1} ms, p95 {:.1} ms",
        pages.len(),
        PAGE_READS as f64 / elapsed,
        percentile(&mut times, 0.50),
        percentile(&mut times, 0.95)
    );
    Ok(())
}

fn web_encode(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap_or_default().trim_start_matches("q=").to_string()
}

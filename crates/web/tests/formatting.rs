//! Vietnamese formatting on every page: the public side and each official's pages are walked
//! link by link over the demo, and the text a person reads must hold no number of a thousand or
//! more without its thousands dots (3.187, not 3187), no ISO date (2026-03-01 is written
//! 01/03/2026), and none of the English or internal words that leak from code. Codes shown as
//! codes (a unit's code, a dossier number) are marked up as such and are not numbers. The reform
//! office's PDF reports are read back as text and held to the same rules.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use regex::Regex;
use testkit::{Session, TestApp};

/// Words that are never Vietnamese text on a page: code names, states and internal references.
const FOREIGN: &[&str] = &[
    "survey",
    "Survey",
    "response",
    "Response",
    "responses",
    "unit_id",
    "null",
    "None",
    "Some",
    "true",
    "false",
    "undefined",
    "NaN",
    "error",
    "Error",
    "METHODOLOGY",
    "SPEC",
    "TODO",
    "draft",
    "submitted",
    "approved",
    "pending",
    "open",
    "closed",
    "resolved",
    "status",
    "round",
    "dashboard",
    "Dashboard",
    "question",
    "answer",
    "channel",
    "kiosk",
    "paper",
    "invitation",
    "web",
    "phone",
    "not_started",
    "in_progress",
    "done",
    "selected",
    "reserve",
    "unreachable",
    "commune",
    "department",
    "province",
    "district",
];

/// Pages of one shape (digits and query values aside) visited at most this often.
const PER_SHAPE: usize = 2;
const MOST_PAGES: usize = 700;

fn skipped(path: &str) -> bool {
    let bare = path.split(['?', '#']).next().unwrap_or(path);
    ["/logout", "/static/", "/api/", "/healthz", "/metrics"].iter().any(|p| bare.starts_with(p))
        || [".xlsx", ".csv", ".pdf", ".json", ".svg", ".js", ".css", ".png", ".zip", ".docx", "/download"].iter().any(|e| bare.ends_with(e))
        || bare.starts_with("/admin/par/documents/")
        || bare.starts_with("/admin/par/task-files/")
}

/// A path's shape: its digits and query values blanked.
fn shape(path: &str) -> String {
    let digits = Regex::new(r"\d+").unwrap();
    let values = Regex::new(r"=[^&#]*").unwrap();
    values.replace_all(&digits.replace_all(path, "0"), "=").into_owned()
}

/// The text a person reads: the page's main part and menu, without scripts, styles, attributes
/// and what is marked up as a code.
fn readable(html: &str) -> String {
    let mut text = html.to_string();
    for pattern in [
        r"(?s)<script\b.*?</script>",
        r"(?s)<style\b.*?</style>",
        r"(?s)<title>.*?</title>",
        r"(?s)<(code|kbd|samp)\b[^>]*>.*?</(code|kbd|samp)>",
        r#"(?s)<(td|th|span|dd|small|a|li|p|strong)\b[^>]*class="[^"]*\bcode\b[^"]*"[^>]*>.*?</(td|th|span|dd|small|a|li|p|strong)>"#,
        r"(?s)<textarea\b.*?</textarea>",
        r"(?s)<option\b[^>]*>",
    ] {
        text = Regex::new(pattern).unwrap().replace_all(&text, " ").into_owned();
    }
    let text = Regex::new(r"(?s)<[^>]*>").unwrap().replace_all(&text, " ");
    text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&nbsp;", " ")
}

/// What is wrong with a page's text, in words: each kind once, with its first example.
fn problems(text: &str) -> Vec<String> {
    // A number right after `#`, inside «» or named a code ("mã 28101") is an identifier, not a
    // quantity.
    let text = &Regex::new(r"\bmã \d+").unwrap().replace_all(text, "mã");
    let number = Regex::new(r"(?:^|[^\w.,/:+\-–#«])(\d{4,})(?:$|[^\w.,/:\-»])").unwrap();
    let iso = Regex::new(r"\b\d{4}-\d{2}-\d{2}\b").unwrap();
    let mut found = Vec::new();
    let unformatted = number.captures_iter(text).map(|m| m[1].to_string()).find(|digits| {
        let year = digits.len() == 4 && (1900..=2100).contains(&digits.parse::<u32>().unwrap_or(0));
        !year
    });
    if let Some(digits) = unformatted {
        found.push(format!("số chưa tách nghìn, như «{digits}»"));
    }
    if let Some(m) = iso.find(text) {
        found.push(format!("ngày kiểu ISO, như «{}»", m.as_str()));
    }
    if let Some(m) = Regex::new(r"\b[a-z]+_[a-z_]+\b").unwrap().find(text) {
        found.push(format!("tên nội bộ «{}»", m.as_str()));
    }
    for word in FOREIGN {
        let whole = Regex::new(&format!(r"(?:^|[^\w]){}(?:$|[^\w])", regex::escape(word))).unwrap();
        if whole.is_match(text) {
            found.push(format!("từ tiếng Anh hay nội bộ «{word}»"));
        }
    }
    found
}

/// Walks the site from `start` as `session` sees it; returns each page's problems with a piece
/// of text around them, and how many pages were read.
async fn walk(session: &Session, start: &[&str]) -> (BTreeMap<String, Vec<String>>, usize) {
    let link = Regex::new(r#"href="(/[^"]*)""#).unwrap();
    let mut queue: VecDeque<String> = start.iter().map(|s| s.to_string()).collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut report = BTreeMap::new();
    let mut pages = 0;
    while let Some(path) = queue.pop_front() {
        if pages >= MOST_PAGES {
            break;
        }
        let response = session.get(&path).await;
        let html_page = response.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
        if !response.status().is_success() || !html_page {
            continue;
        }
        let html = response.text().await.unwrap_or_default();
        pages += 1;
        let found = problems(&readable(&html));
        if !found.is_empty() {
            report.insert(path.clone(), found);
        }
        for m in link.captures_iter(&html) {
            let next = m[1].replace("&amp;", "&").replace("&#38;", "&");
            if skipped(&next) || seen.contains(&next) {
                continue;
            }
            let count = shapes.entry(shape(&next)).or_default();
            if *count >= PER_SHAPE {
                continue;
            }
            *count += 1;
            seen.insert(next.clone());
            queue.push_back(next);
        }
    }
    (report, pages)
}

#[test]
fn the_checker_finds_what_it_looks_for() {
    assert_eq!(problems("Tổng số 3187 phiếu").len(), 1);
    assert!(problems("Tổng số 3.187 phiếu, chỉ số 76,7 %, năm 2026, hồ sơ 000.00.28101-20260101-00001").is_empty());
    assert_eq!(problems("ngày 2026-03-01").len(), 1);
    assert_eq!(problems("Trạng thái: pending").len(), 1);
    assert!(problems("Tải CSV cho Excel").is_empty());
    assert!(problems("mã «28101», phiếu #1530, Phường An Lạc (mã 28101)").is_empty(), "codes and numbered records are identifiers");
    assert_eq!(problems("Cột bắt buộc: dossier_code").len(), 1);
    assert!(readable(r#"<td class="code">28101</td><td>Phường An Lạc</td>"#).contains("Phường An Lạc"));
    assert!(problems(&readable(r#"<td class="code">28101</td><code>12345</code>"#)).is_empty());
}

#[tokio::test]
async fn every_page_is_in_vietnamese_formats() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_answers(1_500).await;
    app.demo_sample().await;
    app.demo_par().await;
    let mut all = BTreeMap::new();
    let mut total = 0;
    let public = app.client();
    let (report, pages) = walk(&public, &["/", "/units", "/ket-qua", "/chi-so-cchc", "/s/sipas?u=28101"]).await;
    all.extend(report);
    total += pages;
    for username in ["cchc", "quantri", "lanhdao", "anlac.chutich", "thamdinh", "motcua.anlac", "dieutravien", "nhaplieu"] {
        let session = app.login(username).await;
        let (report, pages) = walk(&session, &["/admin"]).await;
        all.extend(report.into_iter().map(|(path, found)| (format!("{username} {path}"), found)));
        total += pages;
    }
    assert!(total > 150, "the walk read only {total} pages");
    // The reform office's documents, read back as text.
    if testkit::documents::poppler() {
        let cchc = app.login("cchc").await;
        for path in [
            "/admin/bao-cao/tai?loai=sipas-nam&nam=2026",
            "/admin/bao-cao/tai?loai=par-nam&nam=2025",
            "/admin/bao-cao/tai?loai=quyet-dinh&nam=2025",
            "/admin/bao-cao/tai?loai=bieu-thang&thang=11/2026&cap=commune",
            "/admin/bao-cao/tai?loai=phieu-don-vi&don-vi=28101&nam=2025",
        ] {
            let response = cchc.get(path).await;
            assert_eq!(response.status(), 200, "{path}");
            let text = testkit::documents::pdf_text(&response.bytes().await.unwrap());
            let found = problems(&text);
            if !found.is_empty() {
                all.insert(format!("cchc {path}"), found);
            }
            total += 1;
        }
    }
    // Pages of one shape once, with the first one's problems.
    let mut by_shape: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (page, found) in &all {
        let entry = by_shape.entry(shape(page)).or_insert_with(|| (0, format!("{page}: {}", found.join("; "))));
        entry.0 += 1;
    }
    let listing: Vec<String> = by_shape.values().map(|(n, first)| format!("[{n}] {first}")).collect();
    assert!(listing.is_empty(), "{} of {total} pages are not in Vietnamese formats:\n{}", all.len(), listing.join("\n"));
}

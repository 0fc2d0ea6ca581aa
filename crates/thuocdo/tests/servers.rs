//! Three `thuocdo serve` processes on one PostgreSQL, with the test as a round-robin balancer:
//! every acknowledged answer is stored once whichever server took it, each alert cause opens
//! one case, every server's dashboards show the others' answers within seconds, a session and
//! its CSRF token work on every server, and the login limit holds across them.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, answers, start};
use serde_json::{Value, json};

/// What the province overview counts this year, as one server sees it.
async fn counted(client: &reqwest::Client, base: &str) -> u64 {
    let overview: Value = client.get(format!("{base}/api/v1/sipas/overview")).send().await.unwrap().json().await.unwrap();
    overview["total"]["figure"]["n"].as_u64().unwrap_or_else(|| panic!("{overview}"))
}

/// Every very dissatisfied case: id → the answers it holds.
async fn dissatisfied(client: &reqwest::Client, base: &str) -> HashMap<i64, i64> {
    let mut cases = HashMap::new();
    for page in 1.. {
        let list: Value =
            client.get(format!("{base}/api/v1/alerts?kind=very_dissatisfied&per_page=500&page={page}")).send().await.unwrap().json().await.unwrap();
        let items = list["items"].as_array().unwrap_or_else(|| panic!("{list}"));
        if items.is_empty() {
            return cases;
        }
        cases.extend(items.iter().map(|c| (c["id"].as_i64().unwrap(), c["responses"].as_i64().unwrap())));
    }
    cases
}

fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("a CSRF token").to_string()
}

async fn log_in(client: &reqwest::Client, base: &str, username: &str, password: &str) -> reqwest::StatusCode {
    let csrf = csrf_in(&client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap());
    let form = [("csrf", csrf.as_str()), ("username", username), ("password", password), ("next", "/admin")];
    client.post(format!("{base}/login")).form(&form).send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_servers_share_one_postgres() {
    let Some(db) = testkit::postgres().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let servers: Vec<Server> = vec![start(dir.path(), &db.url, true), start(dir.path(), &db.url, false), start(dir.path(), &db.url, false)];
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();

    // A session opened on one server is good on the others, and so is its CSRF token.
    let office = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(log_in(&office, &bases[0], "cchc", thuocdo::demo::DEMO_PASSWORD).await, 303);
    for base in &bases {
        assert_eq!(office.get(format!("{base}/admin")).send().await.unwrap().status(), 200, "{base}");
    }
    let csrf = csrf_in(&office.get(format!("{}/admin/alerts", bases[0])).send().await.unwrap().text().await.unwrap());
    let before = counted(&office, &bases[2]).await;
    // The demo's answers are taken in by the alert steps first.
    // Unchanged over two looks in a row: three servers starting on two cores (each also reading
    // the demo's comments) may leave one step waiting for a while.
    let mut cases_before = dissatisfied(&office, &bases[0]).await;
    let mut still = 0;
    while still < 2 {
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        let now = dissatisfied(&office, &bases[0]).await;
        still = if now == cases_before { still + 1 } else { 0 };
        cases_before = now;
    }

    // 600 answers, each to the next server in turn, from eight clients at once.
    let total = 600;
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let next = Arc::new(Mutex::new(0usize));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (bases, acknowledged, next) = (bases.clone(), acknowledged.clone(), next.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            loop {
                let n = {
                    let mut next = next.lock().unwrap();
                    *next += 1;
                    *next - 1
                };
                if n >= total {
                    break;
                }
                let body = json!({ "submission_id": format!("rr-{n}"), "unit_code": "28101", "answers": answers(n) });
                let response = client.post(format!("{}/api/v1/surveys/sipas/responses", bases[n % 3])).json(&body).send().await.unwrap();
                assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
                acknowledged.lock().unwrap().insert(n);
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    assert_eq!(acknowledged.lock().unwrap().len(), total);
    // Sent again to another server than the one that took it, each is already there, once.
    let resender = reqwest::Client::new();
    for n in (0..total).step_by(7) {
        let body = json!({ "submission_id": format!("rr-{n}"), "unit_code": "28101", "answers": answers(n) });
        let again = resender.post(format!("{}/api/v1/surveys/sipas/responses", bases[(n + 1) % 3])).json(&body).send().await.unwrap();
        assert_eq!(again.status(), 200, "rr-{n}");
        assert_eq!(again.json::<Value>().await.unwrap()["created"], false, "rr-{n}");
    }

    // Every server's dashboard shows all 600 within seconds.
    let started = Instant::now();
    for base in &bases {
        while counted(&office, base).await != before + total as u64 {
            assert!(started.elapsed() < Duration::from_secs(10), "{base} does not show the others' answers");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    // The three alert steps together add the commune's very dissatisfied answers of the day
    // (one in five rates 1) to one case, each answer once.
    let started = Instant::now();
    let case = loop {
        let now = dissatisfied(&office, &bases[1]).await;
        let changed: Vec<(i64, i64)> =
            now.iter().filter(|(id, held)| cases_before.get(id) != Some(held)).map(|(id, held)| (*id, held - cases_before.get(id).unwrap_or(&0))).collect();
        assert!(changed.len() <= 1, "one case per cause: {changed:?}");
        assert!(changed.iter().all(|(_, added)| *added <= total as i64 / 5), "an answer taken in twice: {changed:?}");
        if let Some((id, _)) = changed.first().filter(|(_, added)| *added == total as i64 / 5) {
            break *id;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the case does not hold every answer once: {changed:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let take = office.post(format!("{}/admin/alerts/{case}/take", bases[2])).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(take.status(), 303, "a CSRF token from one server is good on another");

    // Failed logins from one address, spread over the servers: the limit (10 a minute) holds
    // for all of them together. A window is a clock minute; start early in one.
    let second = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 60;
    if second > 40 {
        tokio::time::sleep(Duration::from_secs(61 - second)).await;
    }
    let stranger = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for i in 0..10 {
        assert_eq!(log_in(&stranger, &bases[i % 3], &format!("khong-co-{i}"), "sai-mat-khau-123").await, 401, "attempt {i}");
    }
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    for base in &bases {
        assert_eq!(log_in(&stranger, base, "khong-co-nua", "sai-mat-khau-123").await, 429, "{base}: each server let through 3 or 4");
    }
    for server in servers {
        server.kill();
    }
}

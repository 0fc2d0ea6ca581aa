//! Webhooks end to end on both backends: a subscription made on its page, events of its units
//! delivered signed, a receiver that fails twice reached on the third try, a replay with the
//! same id, and a delivery that survives a restart of the server; the same subscriptions and
//! log through the API.

use std::time::Duration;

use domain::audit::AuditAction;
use domain::webhooks;
use storage::audit::Entry;
use testkit::TestApp;
use testkit::receiver::{Received, Receiver};

const WAIT: Duration = Duration::from_secs(15);

fn captured(html: &str, pattern: &str) -> String {
    regex::Regex::new(pattern)
        .unwrap()
        .captures(html)
        .unwrap_or_else(|| panic!("{pattern} in the page"))
        .get(1)
        .unwrap()
        .as_str()
        .replace("&#43;", "+")
        .replace("&#x2f;", "/")
}

fn check_signed(message: &Received, key: &[u8], now_s: i64) {
    webhooks::verify(key, &message.id, message.timestamp, &message.body, &message.signature, now_s).expect("the signature holds");
    let mut tampered = message.body.to_vec();
    tampered[0] = b' ';
    assert!(webhooks::verify(key, &message.id, message.timestamp, &tampered, &message.signature, now_s).is_err());
}

#[tokio::test]
async fn events_are_delivered_signed_retried_replayed_and_survive_a_restart() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let receiver = Receiver::start().await;
        let config = web::Config { alert_interval_ms: 100, public_url: "https://sipas.example.gov.vn".into(), ..web::Config::default() };
        let mut app = TestApp::spawn_with(db, config).await;
        let admin = app.login("quantri").await;
        assert_eq!(app.login("anlac.canbo").await.get("/admin/tich-hop").await.status(), 403, "{backend}: a commune official keeps no integrations");

        let refused = admin.post_form("/admin/tich-hop", &[("name", "Một cửa"), ("url", "ftp://x"), ("unit", "28101"), ("event", "response.stored")]).await;
        assert_eq!(refused.status(), 422, "{backend}");
        let fields =
            [("name", "Một cửa xã An Lạc"), ("url", receiver.url.as_str()), ("unit", "28101"), ("event", "response.stored"), ("event", "par.published")];
        let made = admin.post_form("/admin/tich-hop", &fields).await;
        assert_eq!(made.status(), 201, "{backend}");
        let html = made.text().await.unwrap();
        let key = webhooks::secret_key(&captured(&html, r#"<code id="secret">([^<]+)</code>"#)).expect("a whsec_ secret");
        let id = captured(&html, r#"href="/admin/tich-hop/(\d+)""#);

        // A sibling commune's answer is not this subscriber's; its own commune's is, and the
        // receiver is down for the first two tries.
        receiver.fail_next(2);
        app.answer_with_comment("28102", "4", "Ở xã bên cạnh").await;
        app.answer_with_comment("28101", "5", "Cán bộ tận tình").await;
        receiver.wait_for(1, WAIT).await.unwrap();
        app.clock.advance_ms(10_001);
        receiver.wait_for(2, WAIT).await.unwrap();
        app.clock.advance_ms(60_001);
        let got = receiver.wait_for(3, WAIT).await.unwrap();
        assert_eq!(got.iter().map(|m| m.accepted).collect::<Vec<_>>(), [false, false, true], "{backend}");
        assert!(got.iter().all(|m| m.id == got[0].id), "{backend}: one id on every try");
        let now_s = app.clock.now_ms() / 1000;
        got.iter().for_each(|m| check_signed(m, &key, now_s));
        let body = got[2].json();
        assert_eq!(body["type"], "response.stored");
        assert_eq!(body["unit"]["code"], "28101");
        assert_eq!(body["data"]["channel"], "web");

        // The province's own event (a publication of the PAR INDEX) reaches every subscriber,
        // through the audit log's outbox.
        app.store.audit(&storage::Actor::system("test", app.clock.now_ms()), &Entry::new(AuditAction::ParPublished, "par_round", 7)).await.unwrap();
        let got = receiver.wait_for(4, WAIT).await.unwrap();
        let published = got[3].json();
        assert_eq!((published["type"].as_str(), published["unit"].is_null()), (Some("par.published"), true), "{backend}");
        assert_eq!(published["object"]["url"], "https://sipas.example.gov.vn/api/v1/par/rounds/7/results");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 4, "{backend}: nothing of the sibling commune");

        // The log shows each try; a replay sends the same message again.
        let (status, log) = admin.text(&format!("/admin/tich-hop/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(log.matches("HTTP 500").count(), 2, "{backend}: {log}");
        assert!(log.contains("đã gửi lúc"), "{backend}");
        let response_delivery = captured(
            &log,
            r#"gui-lai/(\d+)" class="inline"><input type="hidden" name="csrf" value="[^"]+"><button type="submit" class="secondary" aria-label="Gửi lại thông báo evt_\d+ · response"#,
        );
        let replayed = admin.post_form(&format!("/admin/tich-hop/{id}/gui-lai/{response_delivery}"), &[]).await;
        assert_eq!(replayed.status(), 303, "{backend}");
        let got = receiver.wait_for(5, WAIT).await.unwrap();
        assert_eq!((got[4].id.as_str(), got[4].accepted), (got[0].id.as_str(), true), "{backend}: the replay keeps the id");

        // A delivery that failed before a crash is tried again by the next server.
        receiver.fail_next(1);
        app.answer_with_comment("28101", "3", "Chờ lâu").await;
        let got = receiver.wait_for(6, WAIT).await.unwrap();
        assert!(!got[5].accepted);
        app.restart().await;
        // Past the retry's pause, and past the claim's lease too: the crash may come after the
        // receiver answered but before the failed try was written, leaving the delivery claimed.
        app.clock.advance_ms(5 * 60_000 + 1);
        let got = receiver.wait_for(7, WAIT).await.unwrap();
        assert_eq!((got[6].id.as_str(), got[6].accepted), (got[5].id.as_str(), true), "{backend}: delivered after the restart");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 7, "{backend}: and only once");
    }
}

#[tokio::test]
async fn another_system_subscribes_reads_the_log_and_replays_through_the_api() {
    let receiver = Receiver::start().await;
    let app = TestApp::spawn_with(testkit::sqlite(), web::Config { alert_interval_ms: 100, ..web::Config::default() }).await;
    let admin = app.api("quantri", Default::default()).await;
    let (status, _) = app.api("anlac.canbo", Default::default()).await.get("/api/v1/webhooks").await;
    assert_eq!(status, 403, "a commune official keeps no integrations");

    // Every problem is named at once, and nothing is made.
    let bad = serde_json::json!({ "name": "", "url": "ftp://x", "unit_code": "28101", "events": ["response.stored", "response.lost"] });
    let (status, problem) = admin.post("/api/v1/webhooks", &bad).await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "url", "event"], "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("«response.lost»"), "{problem}");
    let nowhere = serde_json::json!({ "name": "Một cửa", "url": receiver.url, "unit_code": "00000", "events": ["response.stored"] });
    assert_eq!(admin.post("/api/v1/webhooks", &nowhere).await.0, 404);
    assert_eq!(admin.get("/api/v1/webhooks").await.1, serde_json::json!([]));

    let good = serde_json::json!({ "name": "Một cửa xã An Lạc", "url": receiver.url, "unit_code": "28101", "events": ["response.stored"] });
    let (status, made) = admin.post("/api/v1/webhooks", &good).await;
    assert_eq!(status, 201, "{made}");
    let key = webhooks::secret_key(made["secret"].as_str().unwrap()).expect("a whsec_ secret");
    let id = made["id"].as_i64().unwrap();
    assert_eq!(
        (made["unit_name"].as_str(), made["events"].clone(), made["active"].as_bool()),
        (Some("Phường An Lạc"), serde_json::json!(["response.stored"]), Some(true))
    );
    let (_, listed) = admin.get("/api/v1/webhooks").await;
    assert!(listed[0].get("secret").is_none(), "the secret is given once: {listed}");

    app.answer_with_comment("28101", "5", "Nhanh gọn").await;
    let got = receiver.wait_for(1, WAIT).await.unwrap();
    check_signed(&got[0], &key, app.clock.now_ms() / 1000);

    let (status, log) = admin.get(&format!("/api/v1/webhooks/{id}/deliveries")).await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(log["total"], 1);
    let delivery = &log["items"][0];
    assert_eq!((delivery["event"].as_str(), delivery["state"].as_str()), (Some("response.stored"), Some("delivered")), "{log}");
    assert!((200..300).contains(&delivery["tries"][0]["status"].as_i64().unwrap()), "{log}");
    assert_eq!(got[0].id, format!("evt_{}", delivery["event_id"]));
    let (status, _) = admin.post(&format!("/api/v1/webhooks/{id}/deliveries/{}/replay", delivery["id"]), &serde_json::json!({})).await;
    assert_eq!(status, 202);
    let got = receiver.wait_for(2, WAIT).await.unwrap();
    assert_eq!(got[1].id, got[0].id, "the replay keeps the id");

    // Paused, it is sent nothing; another unit's administrator token does not see it.
    assert_eq!(admin.put(&format!("/api/v1/webhooks/{id}/active"), &serde_json::json!({ "active": false })).await.0, 204);
    assert_eq!(admin.get(&format!("/api/v1/webhooks/{id}")).await.1["active"], false);
    app.answer_with_comment("28101", "4", "Tạm được").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 2, "nothing reaches a paused receiver");
    let scoped = storage::auth::TokenScope { unit_id: Some(app.unit_id("28102").await), ..Default::default() };
    let (status, _) = app.api("quantri", scoped).await.get(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(status, 404, "a token narrowed to another commune does not see the subscription");
    let openapi = app.client().text("/api/openapi.json").await.1;
    assert!(openapi.contains("/api/v1/webhooks/{id}/deliveries/{delivery}/replay"));
}

/// Runs a guide's example `program` (the example, then a few lines that call it) with the
/// secret, the headers and the body; what it printed.
fn run_example(interpreter: &str, program: &str, secret: &str, id: &str, timestamp: i64, signature: &str, body: &[u8]) -> Option<String> {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("verify");
    std::fs::write(&file, program).unwrap();
    let child = std::process::Command::new(interpreter)
        .arg(&file)
        .args([secret, id, &timestamp.to_string(), signature])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else { return None };
    child.stdin.take().unwrap().write_all(body).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{interpreter} ran the example");
    Some(String::from_utf8(output.stdout).unwrap().trim().to_string())
}

fn unescaped(html: &str) -> String {
    html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

#[tokio::test]
async fn the_integrators_guides_are_served_and_their_examples_verify_a_real_signature() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let visitor = app.client();
    let (status, index) = visitor.text("/tai-lieu/tich-hop").await;
    assert_eq!(status, 200);
    for slug in ["mot-cua", "webhook", "dang-nhap-mot-lan", "zalo"] {
        assert!(index.contains(&format!("/tai-lieu/tich-hop/{slug}")), "{slug} is listed");
        let (status, page) = visitor.text(&format!("/tai-lieu/tich-hop/{slug}")).await;
        assert_eq!(status, 200, "{slug}");
        assert!(page.contains(&app.base), "{slug} shows this server's addresses");
    }
    assert_eq!(visitor.get("/tai-lieu/tich-hop/khong-co").await.status(), 404);
    let (_, guide) = visitor.text("/tai-lieu/tich-hop/webhook").await;
    for kind in webhooks::EventKind::ALL {
        assert!(guide.contains(kind.code()), "{} is explained", kind.code());
    }

    // The examples, as printed, take a signature made as deliveries make it and refuse a
    // changed body and an old timestamp.
    let key = b"khoa-bi-mat-cua-don-vi-32-byte!!";
    let secret = webhooks::secret_text(key);
    let body = br#"{"type":"alert.opened","data":{"unit_code":"28101"}}"#;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let example = |id: &str| unescaped(&captured(&guide, &format!(r#"(?s)<code id="{id}">(.*?)</code>"#)));
    let python = format!(
        "{}\n\nimport sys\nsecret, msg_id, ts, sig = sys.argv[1:5]\nheaders = {{'webhook-id': msg_id, 'webhook-timestamp': ts, 'webhook-signature': sig}}\nprint('ok' if verify(secret, headers, sys.stdin.buffer.read()) else 'refused')\n",
        example("vi-du-python")
    );
    let node = format!(
        "{}\n\nconst [secret, id, ts, sig] = process.argv.slice(2);\nconst headers = {{ 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig }};\nconsole.log(verify(secret, headers, require('fs').readFileSync(0)) ? 'ok' : 'refused');\n",
        example("vi-du-node")
    );
    assert!(example("vi-du-php").contains("hash_equals"));
    let mut ran = 0;
    for (interpreter, program) in [("python3", python), ("node", node)] {
        let run = |timestamp: i64, body: &[u8]| {
            run_example(interpreter, &program, &secret, "msg_2LnKq", timestamp, &webhooks::sign(key, "msg_2LnKq", timestamp, body), body)
        };
        let Some(good) = run(now, body) else {
            assert_ne!(interpreter, "python3", "the test script installs python3");
            continue;
        };
        assert_eq!(good, "ok", "{interpreter}");
        let signature = webhooks::sign(key, "msg_2LnKq", now, body);
        let changed = run_example(interpreter, &program, &secret, "msg_2LnKq", now, &signature, br#"{"type":"alert.resolved"}"#).unwrap();
        assert_eq!(changed, "refused", "{interpreter}: a changed body");
        assert_eq!(run(now - 600, body).unwrap(), "refused", "{interpreter}: an old timestamp");
        ran += 1;
    }
    assert!(ran >= 1);
}

//! Webhooks end to end on both backends: a subscription made on its page, events of its units
//! delivered signed, a receiver that fails twice reached on the third try, a replay with the
//! same id, and a delivery that survives a restart of the server.

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
        app.clock.advance_ms(10_001);
        let got = receiver.wait_for(7, WAIT).await.unwrap();
        assert_eq!((got[6].id.as_str(), got[6].accepted), (got[5].id.as_str(), true), "{backend}: delivered after the restart");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 7, "{backend}: and only once");
    }
}

//! The portal's storage contract on both backends: the editorial workflow and its scopes,
//! revisions and audit, scheduled publication, files, and the one search.

mod common;

use common::{T0, actor, admin_on, units};
use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use domain::portal::{Category, DocFields, DocType, Draft, Kind, Status, Step};
use domain::search::{CANDIDATES, COUNT_LIMIT, Query};
use storage::audit::Filter;
use storage::portal::{EditorFilter, PublicFilter, Upload};
use storage::{Actor, Error, Paging, Store};

fn article(title: &str, body: &str) -> Draft {
    Draft {
        kind: Kind::Article,
        category: Some(Category::News),
        title: title.into(),
        summary: String::new(),
        body_html: format!("<p>{body}</p>"),
        video_url: None,
        doc: None,
    }
}

fn document(number: &str, title: &str) -> Draft {
    Draft {
        kind: Kind::Document,
        category: None,
        title: title.into(),
        summary: String::new(),
        body_html: String::new(),
        video_url: None,
        doc: Some(DocFields {
            number: number.into(),
            doc_type: DocType::Decision,
            issuer: "Ủy ban nhân dân tỉnh".into(),
            issued_on: time::macros::date!(2025 - 12 - 30),
            effective_on: None,
        }),
    }
}

fn role(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

fn at(ms: i64) -> Actor {
    Actor { at: ms, ..actor() }
}

async fn found(store: &Store, q: &str, now: i64) -> Vec<String> {
    let query = Query::parse(q).unwrap();
    store.search(&query, &PublicFilter::default(), now, Paging::new(1, 20)).await.unwrap().items.into_iter().map(|h| h.title).collect()
}

#[tokio::test]
async fn a_unit_writes_the_office_publishes_and_search_follows() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let writer = role(Role::UnitOfficial, a);
        let head_b = role(Role::UnitHead, b);
        let office = role(Role::ReformOffice, p);
        let id = store.create_item(&actor(), &writer, a, article("Xã đẩy mạnh cải cách hành chính", "Một cửa liên thông")).await.unwrap();
        // Another unit's section is out of reach: neither written in nor seen.
        assert!(matches!(store.create_item(&actor(), &writer, b, article("Tin", "x")).await, Err(Error::Forbidden)), "{}", db.backend);
        assert!(matches!(store.editor_item(&head_b, id).await, Err(Error::NotFound)));
        assert!(matches!(store.item_step(&actor(), &head_b, id, &Step::Publish { at: T0 }).await, Err(Error::NotFound)));
        store.item_step(&actor(), &writer, id, &Step::Submit).await.unwrap();
        // The writer hands over and may neither publish nor edit what waits.
        assert!(matches!(store.item_step(&actor(), &writer, id, &Step::Publish { at: T0 }).await, Err(Error::Forbidden)));
        assert!(matches!(store.update_item(&actor(), &writer, id, article("Sửa", "x")).await, Err(Error::Conflict(_))));
        assert!(found(&store, "cai cach", T0).await.is_empty(), "nothing unpublished is found");
        store.item_step(&actor(), &office, id, &Step::Publish { at: T0 }).await.unwrap();
        let page = store.public_item(Kind::Article, "xa-day-manh-cai-cach-hanh-chinh", T0).await.unwrap();
        assert_eq!(page.item.status, Status::Published);
        assert_eq!(found(&store, "cai cach", T0).await, ["Xã đẩy mạnh cải cách hành chính"], "{}", db.backend);
        assert_eq!(found(&store, "MỘT CỬA", T0).await.len(), 1);
        // The office corrects the published article: a new revision, and search finds the new words.
        store.update_item(&actor(), &office, id, article("Xã đẩy mạnh cải cách hành chính", "Dịch vụ công trực tuyến toàn trình")).await.unwrap();
        assert_eq!(found(&store, "truc tuyen", T0).await.len(), 1);
        assert!(found(&store, "lien thong", T0).await.is_empty());
        let revisions = store.item_revisions(id).await.unwrap();
        assert_eq!(revisions.iter().map(|r| r.revision).collect::<Vec<_>>(), [2, 1]);
        assert!(revisions[1].draft.body_html.contains("Một cửa"));
        store.item_step(&actor(), &office, id, &Step::Withdraw).await.unwrap();
        assert!(found(&store, "cai cach", T0).await.is_empty());
        assert!(matches!(store.public_item(Kind::Article, "xa-day-manh-cai-cach-hanh-chinh", T0).await, Err(Error::NotFound)));
        // Every step is in the audit log.
        let log = store.audit_log(&admin_on(p), &Filter::default(), Paging::new(1, 100)).await.unwrap().items;
        for action in [AuditAction::ContentSaved, AuditAction::ContentSubmitted, AuditAction::ContentPublished, AuditAction::ContentWithdrawn] {
            assert!(log.iter().any(|r| r.action == action.code() && r.object_id == id.to_string()), "{action:?}");
        }
        // The editors' list is scoped too.
        assert_eq!(store.editor_items(&writer, &EditorFilter::default(), Paging::new(1, 10)).await.unwrap().total, 1);
        assert_eq!(store.editor_items(&head_b, &EditorFilter::default(), Paging::new(1, 10)).await.unwrap().total, 0);
    }
}

#[tokio::test]
async fn a_return_needs_a_reason_and_a_unit_head_publishes_in_its_own_section_only() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let head_a = role(Role::UnitHead, a);
        let id_a = store.create_item(&actor(), &head_a, a, article("Tin xã A", "a")).await.unwrap();
        let id_b = store.create_item(&actor(), &admin_on(p), b, article("Tin xã B", "b")).await.unwrap();
        store.item_step(&actor(), &head_a, id_a, &Step::Submit).await.unwrap();
        assert!(matches!(store.item_step(&actor(), &head_a, id_a, &Step::Return { reason: " ".into() }).await, Err(Error::Conflict(_))));
        store.item_step(&actor(), &head_a, id_a, &Step::Return { reason: "Thiếu ảnh minh họa".into() }).await.unwrap();
        let returned = store.editor_item(&head_a, id_a).await.unwrap().item;
        assert_eq!((returned.status, returned.return_reason.as_str()), (Status::Returned, "Thiếu ảnh minh họa"), "{}", db.backend);
        store.item_step(&actor(), &head_a, id_a, &Step::Publish { at: T0 }).await.unwrap();
        assert!(matches!(store.item_step(&actor(), &head_a, id_b, &Step::Publish { at: T0 }).await, Err(Error::NotFound)));
        // The same title twice gets a second address.
        let again = store.create_item(&actor(), &head_a, a, article("Tin xã A", "lần hai")).await.unwrap();
        assert_eq!(store.editor_item(&head_a, again).await.unwrap().item.slug, "tin-xa-a-2");
        // A title that is itself numbered takes that address; the next "Tin xã A" steps over it.
        let numbered = store.create_item(&actor(), &head_a, a, article("Tin xã A 3", "c")).await.unwrap();
        assert_eq!(store.editor_item(&head_a, numbered).await.unwrap().item.slug, "tin-xa-a-3");
        let third = store.create_item(&actor(), &head_a, a, article("Tin xã A", "d")).await.unwrap();
        assert_eq!(store.editor_item(&head_a, third).await.unwrap().item.slug, "tin-xa-a-4", "{}", db.backend);
    }
}

#[tokio::test]
async fn a_scheduled_item_shows_from_its_time() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let office = admin_on(p);
        let id = store.create_item(&actor(), &office, a, article("Lịch tiếp công dân tháng 12", "x")).await.unwrap();
        let hour = 3_600_000;
        store.item_step(&actor(), &office, id, &Step::Publish { at: T0 + hour }).await.unwrap();
        assert!(found(&store, "tiep cong dan", T0).await.is_empty(), "{}", db.backend);
        assert_eq!(store.published_items(&PublicFilter::default(), T0, Paging::new(1, 10)).await.unwrap().total, 0);
        assert_eq!(found(&store, "tiep cong dan", T0 + hour).await.len(), 1);
        assert_eq!(store.published_items(&PublicFilter::default(), T0 + hour, Paging::new(1, 10)).await.unwrap().total, 1);
        // A moment in the past publishes now, never backdated.
        let late = store.create_item(&at(T0 + 2 * hour), &office, a, article("Tin khác", "y")).await.unwrap();
        store.item_step(&at(T0 + 2 * hour), &office, late, &Step::Publish { at: 0 }).await.unwrap();
        assert_eq!(store.editor_item(&office, late).await.unwrap().item.published_at, Some(T0 + 2 * hour));
    }
}

#[tokio::test]
async fn search_ranks_titles_first_and_reads_documents_by_number() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let office = admin_on(p);
        let publish = |draft: Draft| {
            let (store, office) = (store.clone(), office.clone());
            async move {
                let id = store.create_item(&actor(), &office, a, draft).await.unwrap();
                store.item_step(&actor(), &office, id, &Step::Publish { at: T0 }).await.unwrap();
            }
        };
        publish(article("Họp báo định kỳ", "Nội dung có nhắc đến chỉ số hài lòng của người dân")).await;
        publish(article("Chỉ số hài lòng năm 2025", "Kết quả đo lường")).await;
        publish(document("3509/QĐ-UBND", "Kế hoạch cải cách hành chính giai đoạn 2026-2030")).await;
        assert_eq!(found(&store, "chi so hai long", T0).await, ["Chỉ số hài lòng năm 2025", "Họp báo định kỳ"], "{}", db.backend);
        assert_eq!(found(&store, "3509 qđ", T0).await, ["Kế hoạch cải cách hành chính giai đoạn 2026-2030"]);
        let query = Query::parse("ke hoach").unwrap();
        let documents = PublicFilter { kind: Some(Kind::Document), ..PublicFilter::default() };
        let docs = store.search(&query, &documents, T0, Paging::new(1, 10)).await.unwrap();
        assert_eq!((docs.total, docs.more, docs.items[0].kind.as_str()), (1, false, "document"));
        let articles = PublicFilter { kind: Some(Kind::Article), ..PublicFilter::default() };
        assert!(store.search(&query, &articles, T0, Paging::new(1, 10)).await.unwrap().items.is_empty());
        // The library's type and year filter the list and the search alike.
        let by_type = PublicFilter { kind: Some(Kind::Document), doc_type: Some(DocType::Decision), issued_year: Some(2025), ..PublicFilter::default() };
        assert_eq!(store.published_items(&by_type, T0, Paging::new(1, 10)).await.unwrap().total, 1);
        assert_eq!(store.search(&query, &by_type, T0, Paging::new(1, 10)).await.unwrap().total, 1);
        let other_year = PublicFilter { issued_year: Some(2024), ..by_type.clone() };
        assert_eq!(store.published_items(&other_year, T0, Paging::new(1, 10)).await.unwrap().total, 0);
        assert_eq!(store.search(&query, &other_year, T0, Paging::new(1, 10)).await.unwrap().total, 0);
        let other_type = PublicFilter { doc_type: Some(DocType::Plan), ..by_type };
        assert_eq!(store.search(&query, &other_type, T0, Paging::new(1, 10)).await.unwrap().total, 0);
    }
}

#[tokio::test]
async fn files_show_with_their_item_and_are_read_in_pieces() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let writer = role(Role::UnitOfficial, a);
        let id = store.create_item(&actor(), &writer, a, article("Ảnh hội nghị", "x")).await.unwrap();
        let widths = vec![(320, 200, vec![1u8; 10]), (640, 400, vec![2u8; 20])];
        let image = store.add_item_file(&actor(), &writer, id, Upload::Image { alt: "Hội nghị", widths }).await.unwrap();
        let pdf: Vec<u8> = b"%PDF-1.7 ".iter().copied().chain(0..=255u8).collect();
        store
            .add_item_file(&actor(), &writer, id, Upload::Attachment { name: "Quyết định.pdf", media_type: "application/pdf", bytes: pdf.clone() })
            .await
            .unwrap();
        let page = store.editor_item(&writer, id).await.unwrap();
        assert_eq!(page.cover().map(|c| c.id), Some(image), "the first picture is the cover ({})", db.backend);
        let small = page.images[0].widths[0].sha256.clone();
        let attachment = page.attachments[0].sha256.clone();
        // Before publication only the item's editors see its files.
        assert!(matches!(store.public_file(&small, T0).await, Err(Error::NotFound)));
        assert_eq!(store.editor_file(&writer, &small).await.unwrap().size, 10);
        assert!(matches!(store.editor_file(&role(Role::UnitOfficial, b), &small).await, Err(Error::NotFound)));
        store.item_step(&actor(), &admin_on(p), id, &Step::Publish { at: T0 }).await.unwrap();
        let info = store.public_file(&attachment, T0).await.unwrap();
        assert_eq!((info.media_type.as_str(), info.size), ("application/pdf", pdf.len() as i64));
        assert_eq!(store.file_bytes(&attachment, 0, 5).await.unwrap(), b"%PDF-");
        assert_eq!(store.file_bytes(&attachment, 9, 3).await.unwrap(), [0, 1, 2]);
        assert_eq!(store.file_bytes(&attachment, pdf.len() as u64 - 2, 100).await.unwrap(), [254, 255]);
        // A published item's files no longer change without a publisher.
        let late = store.add_item_file(&actor(), &writer, id, Upload::Video { bytes: vec![0; 8] }).await;
        assert!(matches!(late, Err(Error::Conflict(_))));
    }
}

#[tokio::test]
async fn a_common_word_ranks_the_newest_and_counts_up_to_the_limit() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let office = admin_on(p);
        // One more than is counted; the word in a title among the newest.
        let published = COUNT_LIMIT as usize + 1;
        let titled = published - CANDIDATES / 2;
        for i in 0..published {
            let title = if i == titled { "Một cửa liên thông".to_string() } else { format!("Tin số {i}") };
            let id = store.create_item(&actor(), &office, a, article(&title, "Bộ phận một cửa tiếp nhận hồ sơ")).await.unwrap();
            store.item_step(&actor(), &office, id, &Step::Publish { at: T0 }).await.unwrap();
        }
        let query = Query::parse("mot cua").unwrap();
        let found = store.search(&query, &PublicFilter::default(), T0, Paging::new(1, 10)).await.unwrap();
        assert_eq!((found.total, found.more, found.ranked), (COUNT_LIMIT, true, CANDIDATES as i64), "{}", db.backend);
        assert_eq!(found.items[0].title, "Một cửa liên thông", "the title outweighs the body ({})", db.backend);
        // Equals come newest first, and the oldest are left out of the ranking.
        assert_eq!(found.items[1].title, format!("Tin số {}", published - 1));
        let pages = (CANDIDATES / 10) as i64;
        let last = store.search(&query, &PublicFilter::default(), T0, Paging::new(pages, 10)).await.unwrap();
        assert_eq!(last.items.last().map(|h| h.title.clone()), Some(format!("Tin số {}", published - CANDIDATES)));
        assert!(store.search(&query, &PublicFilter::default(), T0, Paging::new(pages + 1, 10)).await.unwrap().items.is_empty());
        // A rarer word counts exactly.
        let one = store.search(&Query::parse("lien thong").unwrap(), &PublicFilter::default(), T0, Paging::new(1, 10)).await.unwrap();
        assert_eq!((one.total, one.more, one.ranked), (1, false, 1));
    }
}

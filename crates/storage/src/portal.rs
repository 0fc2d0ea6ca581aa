//! The reform portal's articles and documents: written in a unit's section, moved through the
//! editorial workflow (`domain::portal`), every save kept as a revision, every step audited, and
//! what is published written into the search index in the same transaction.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::portal::{self, Category, DocFields, DocType, Draft, Kind, Status, Step};
use domain::text;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::search::{EntryText, index_entry, unindex_entry};
use crate::{Actor, Backend, Error, Page, Paging, Result, Store};

const ITEM_COLUMNS: &str = "i.id, i.kind, i.unit_id, u.name AS unit_name, i.category, i.slug, i.title, i.summary, i.body_html, i.video_url,
     i.video_sha256, i.cover_image_id, i.doc_number, i.doc_type, i.doc_issuer, i.doc_issued_on, i.doc_effective_on, i.status,
     i.return_reason, i.published_at, i.revision, i.created_at, i.updated_at";

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    kind: String,
    unit_id: i64,
    unit_name: String,
    category: Option<String>,
    slug: String,
    title: String,
    summary: String,
    body_html: String,
    video_url: Option<String>,
    video_sha256: Option<String>,
    cover_image_id: Option<i64>,
    doc_number: Option<String>,
    doc_type: Option<String>,
    doc_issuer: Option<String>,
    doc_issued_on: Option<String>,
    doc_effective_on: Option<String>,
    status: String,
    return_reason: String,
    published_at: Option<i64>,
    revision: i64,
    created_at: i64,
    updated_at: i64,
}

/// An article or a document, as stored.
#[derive(Clone, Debug)]
pub struct Item {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub slug: String,
    pub draft: Draft,
    pub video_sha256: Option<String>,
    pub cover_image_id: Option<i64>,
    pub status: Status,
    pub return_reason: String,
    /// When it shows (or will show) on the portal.
    pub published_at: Option<i64>,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Item {
    pub fn kind(&self) -> Kind {
        self.draft.kind
    }

    pub fn is_visible(&self, now: i64) -> bool {
        portal::is_visible(self.status, self.published_at, now)
    }
}

impl From<ItemRow> for Item {
    fn from(r: ItemRow) -> Self {
        let date = |s: Option<String>| s.and_then(|s| text::parse_date(&s));
        let doc = match (r.doc_number, r.doc_type.as_deref().and_then(DocType::parse), r.doc_issuer, date(r.doc_issued_on)) {
            (Some(number), Some(doc_type), Some(issuer), Some(issued_on)) => {
                Some(DocFields { number, doc_type, issuer, issued_on, effective_on: date(r.doc_effective_on) })
            }
            _ => None,
        };
        Self {
            id: r.id,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            slug: r.slug,
            draft: Draft {
                kind: Kind::parse(&r.kind).unwrap_or(Kind::Article),
                category: r.category.as_deref().and_then(Category::parse),
                title: r.title,
                summary: r.summary,
                body_html: r.body_html,
                video_url: r.video_url,
                doc,
            },
            video_sha256: r.video_sha256,
            cover_image_id: r.cover_image_id,
            status: Status::parse(&r.status).unwrap_or(Status::Draft),
            return_reason: r.return_reason,
            published_at: r.published_at,
            revision: r.revision,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One width of a picture.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImageWidth {
    pub image_id: i64,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
}

/// A picture of an item, in every width it was stored in (smallest first).
#[derive(Clone, Debug)]
pub struct Image {
    pub id: i64,
    pub alt: String,
    pub widths: Vec<ImageWidth>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub name: String,
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
}

#[derive(Clone, Debug)]
pub struct Revision {
    pub revision: i64,
    pub by_name: String,
    pub at: i64,
    pub draft: Draft,
}

/// An item with everything its page shows.
#[derive(Clone, Debug)]
pub struct ItemPage {
    pub item: Item,
    pub images: Vec<Image>,
    pub attachments: Vec<Attachment>,
}

impl ItemPage {
    pub fn cover(&self) -> Option<&Image> {
        self.item.cover_image_id.and_then(|id| self.images.iter().find(|i| i.id == id))
    }
}

/// Which items an editor's list shows.
#[derive(Clone, Debug, Default)]
pub struct EditorFilter {
    pub kind: Option<Kind>,
    pub status: Option<Status>,
}

/// A public list counts this many items at most: past it, "more than" is all a reader needs,
/// and the count stays the price of a page however large the library grows.
pub const LIST_COUNT_LIMIT: i64 = 10_000;

/// A page of a public list, and how many items the list holds.
#[derive(Clone, Debug)]
pub struct Listing {
    pub items: Vec<(Item, Option<Image>)>,
    /// Counted up to [`LIST_COUNT_LIMIT`].
    pub total: i64,
    /// Whether the list holds more than [`LIST_COUNT_LIMIT`].
    pub more: bool,
}

/// Which published items a public list shows.
#[derive(Clone, Debug, Default)]
pub struct PublicFilter {
    /// Only search entries of this kind (`question`: the Q&A archive); the search only.
    pub entry_kind: Option<&'static str>,
    pub kind: Option<Kind>,
    pub category: Option<Category>,
    pub doc_type: Option<DocType>,
    pub issued_year: Option<i32>,
}

/// A stored file's type and size.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileInfo {
    pub media_type: String,
    pub size: i64,
}

/// A file an editor adds to an item.
pub enum Upload<'a> {
    /// A picture's widths (from `media::images`), with its text for those who cannot see it.
    Image {
        alt: &'a str,
        widths: Vec<(u32, u32, Vec<u8>)>,
    },
    Attachment {
        name: &'a str,
        media_type: &'a str,
        bytes: Vec<u8>,
    },
    /// The item's video (an MP4, checked by `media::files`); replaces any before.
    Video {
        bytes: Vec<u8>,
    },
}

fn item_json(draft: &Draft) -> String {
    serde_json::to_string(draft).unwrap_or_default()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

const STORE_FILE: &str = "INSERT INTO portal_files (sha256, media_type, size, content, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING";

/// The items that show a file, by the three ways an item holds one (each found by its index).
const ITEMS_OF_FILE: &str = "SELECT i.id, i.unit_id, i.status, i.published_at FROM portal_items i WHERE i.video_sha256 = $1
     UNION ALL SELECT i.id, i.unit_id, i.status, i.published_at FROM portal_attachments a JOIN portal_items i ON i.id = a.item_id WHERE a.sha256 = $1
     UNION ALL SELECT i.id, i.unit_id, i.status, i.published_at FROM portal_image_widths w JOIN portal_images m ON m.id = w.image_id
         JOIN portal_items i ON i.id = m.item_id WHERE w.sha256 = $1";

impl Store {
    /// Starts an item in `unit_id`'s section, as a draft; its address is made from its title
    /// once and kept (links to it never break when the title is corrected).
    pub async fn create_item(&self, actor: &Actor, access: &Access, unit_id: i64, draft: Draft) -> Result<i64> {
        self.require_on(access, Permission::WriteContent, unit_id).await?;
        let draft = draft.checked().map_err(Error::Invalid)?;
        let base = portal::slug(&draft.title);
        let slug = self.free_slug(&base).await?;
        let d = &draft;
        let doc = d.doc.as_ref();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO portal_items (kind, unit_id, category, slug, slug_base, title, summary, body_html, video_url, doc_number, doc_type,
                     doc_issuer, doc_issued_on, doc_effective_on, status, return_reason, revision, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $16, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'draft', '', 1, $14, $15, $15) RETURNING id",
            )
            .bind(d.kind.code())
            .bind(unit_id)
            .bind(d.category.map(Category::code))
            .bind(&slug)
            .bind(&d.title)
            .bind(&d.summary)
            .bind(&d.body_html)
            .bind(&d.video_url)
            .bind(doc.map(|x| x.number.as_str()))
            .bind(doc.map(|x| x.doc_type.code()))
            .bind(doc.map(|x| x.issuer.as_str()))
            .bind(doc.map(|x| text::iso_date(x.issued_on)))
            .bind(doc.and_then(|x| x.effective_on).map(text::iso_date))
            .bind(actor.user_id)
            .bind(actor.at)
            .bind(&base)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO portal_revisions (item_id, revision, draft, by_user, by_name, at) VALUES ($1, 1, $2, $3, $4, $5)")
                .bind(id)
                .bind(item_json(d))
                .bind(actor.user_id)
                .bind(&actor.name)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
            let entry = Entry::new(AuditAction::ContentSaved, "portal_item", id).unit(unit_id).details(json!({ "title": d.title, "revision": 1 }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        })
    }

    /// `slug` if free, else the next of `slug-2`, `slug-3`, … after those made from the same
    /// title: every lookup goes by an index, so a new item costs the same in a library of a
    /// hundred thousand. (A title that is itself numbered, "Tin 2", is stepped over.)
    async fn free_slug(&self, slug: &str) -> Result<String> {
        let (same_base, exists) = ("SELECT COUNT(*) FROM portal_items WHERE slug_base = $1", "SELECT COUNT(*) FROM portal_items WHERE slug = $1");
        let made: i64 = on_db!(self, read, |pool| sqlx::query_scalar(same_base).bind(slug).fetch_one(pool).await)?;
        let mut n = u32::try_from(made).unwrap_or(u32::MAX - 1).saturating_add(1);
        loop {
            let candidate = portal::numbered_slug(slug, n);
            let taken: i64 = on_db!(self, read, |pool| sqlx::query_scalar(exists).bind(&candidate).fetch_one(pool).await)?;
            if taken == 0 {
                return Ok(candidate);
            }
            n = n.saturating_add(1);
        }
    }

    /// An item for its editors: those who write or publish in its unit's section.
    pub async fn editor_item(&self, access: &Access, id: i64) -> Result<ItemPage> {
        let item = self.item_row("i.id = $1", id).await?.ok_or(Error::NotFound)?;
        let ancestry = self.unit_ancestry(item.unit_id).await?;
        if !access.can(Permission::WriteContent, &ancestry) && !access.can(Permission::PublishContent, &ancestry) {
            return Err(Error::NotFound);
        }
        self.item_page(item).await
    }

    /// Whether the caller publishes in the item's section.
    pub async fn publishes_item(&self, access: &Access, item: &Item) -> Result<bool> {
        Ok(access.can(Permission::PublishContent, &self.unit_ancestry(item.unit_id).await?))
    }

    /// A published item by its address, as the portal shows it at `now`.
    pub async fn public_item(&self, kind: Kind, slug: &str, now: i64) -> Result<ItemPage> {
        let item = self.item_row_by_slug(slug).await?.filter(|i| i.kind() == kind && i.is_visible(now)).ok_or(Error::NotFound)?;
        self.item_page(item).await
    }

    async fn item_row(&self, condition: &str, id: i64) -> Result<Option<Item>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM portal_items i JOIN units u ON u.id = i.unit_id WHERE {condition}");
        let row = on_db!(self, read, |pool| sqlx::query_as::<_, ItemRow>(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(Item::from))
    }

    async fn item_row_by_slug(&self, slug: &str) -> Result<Option<Item>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM portal_items i JOIN units u ON u.id = i.unit_id WHERE i.slug = $1");
        let row = on_db!(self, read, |pool| sqlx::query_as::<_, ItemRow>(AssertSqlSafe(sql.as_str())).bind(slug).fetch_optional(pool).await)?;
        Ok(row.map(Item::from))
    }

    async fn item_page(&self, item: Item) -> Result<ItemPage> {
        let images = self.images_of(&[item.id]).await?;
        let attachments: Vec<Attachment> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, name, sha256, media_type, size FROM portal_attachments WHERE item_id = $1 ORDER BY id")
                .bind(item.id)
                .fetch_all(pool)
                .await
        })?;
        Ok(ItemPage { item, images, attachments })
    }

    /// The pictures of the items `ids` (ids from the database, written into the SQL).
    async fn images_of(&self, ids: &[i64]) -> Result<Vec<Image>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT m.id, m.alt, w.width, w.height, w.sha256 FROM portal_images m JOIN portal_image_widths w ON w.image_id = m.id
             WHERE m.item_id IN ({}) ORDER BY m.id, w.width",
            list.join(", ")
        );
        let rows: Vec<(i64, String, i64, i64, String)> = on_db!(self, read, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?;
        let mut images: Vec<Image> = Vec::new();
        for (id, alt, width, height, sha256) in rows {
            if images.last().is_none_or(|i| i.id != id) {
                images.push(Image { id, alt, widths: Vec::new() });
            }
            if let Some(last) = images.last_mut() {
                last.widths.push(ImageWidth { image_id: id, width, height, sha256 });
            }
        }
        Ok(images)
    }

    /// Every saved version of an item, newest first (the caller has read the item as an editor).
    pub async fn item_revisions(&self, item_id: i64) -> Result<Vec<Revision>> {
        let rows: Vec<(i64, String, i64, String)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT revision, by_name, at, draft FROM portal_revisions WHERE item_id = $1 ORDER BY revision DESC")
                .bind(item_id)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(revision, by_name, at, draft)| serde_json::from_str(&draft).ok().map(|draft| Revision { revision, by_name, at, draft }))
            .collect())
    }

    /// Saves a new revision of an item. Writers change what they still hold; publishers any
    /// item of their sections (a published item stays published, its search entry rewritten).
    pub async fn update_item(&self, actor: &Actor, access: &Access, id: i64, draft: Draft) -> Result<()> {
        let page = self.editor_item(access, id).await?;
        let item = page.item;
        let publisher = self.publishes_item(access, &item).await?;
        if !publisher && !access.can(Permission::WriteContent, &self.unit_ancestry(item.unit_id).await?) {
            return Err(Error::Forbidden);
        }
        portal::may_edit(item.status, publisher).map_err(|e| Error::Conflict(e.to_string()))?;
        // The kind is fixed at creation: an article does not become a document.
        let draft = Draft { kind: item.kind(), ..draft }.checked().map_err(Error::Invalid)?;
        let revision = item.revision + 1;
        let d = &draft;
        let doc = d.doc.as_ref();
        let lock = self.row_lock();
        let guard = format!("SELECT revision FROM portal_items WHERE id = $1{lock}");
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            // Two editors saving at once: the second sees the first's revision and is told.
            let current: i64 = sqlx::query_scalar(AssertSqlSafe(guard.as_str())).bind(id).fetch_one(&mut *tx).await?;
            if current != item.revision {
                return Err(Error::Conflict("Bài vừa được người khác sửa; hãy mở lại và sửa trên bản mới nhất.".into()));
            }
            sqlx::query(
                "UPDATE portal_items SET category = $1, title = $2, summary = $3, body_html = $4, video_url = $5, doc_number = $6, doc_type = $7,
                     doc_issuer = $8, doc_issued_on = $9, doc_effective_on = $10, revision = $11, updated_at = $12 WHERE id = $13",
            )
            .bind(d.category.map(Category::code))
            .bind(&d.title)
            .bind(&d.summary)
            .bind(&d.body_html)
            .bind(&d.video_url)
            .bind(doc.map(|x| x.number.as_str()))
            .bind(doc.map(|x| x.doc_type.code()))
            .bind(doc.map(|x| x.issuer.as_str()))
            .bind(doc.map(|x| text::iso_date(x.issued_on)))
            .bind(doc.and_then(|x| x.effective_on).map(text::iso_date))
            .bind(revision)
            .bind(actor.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO portal_revisions (item_id, revision, draft, by_user, by_name, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(revision)
                .bind(item_json(d))
                .bind(actor.user_id)
                .bind(&actor.name)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
            if let (Status::Published, Some(at)) = (item.status, item.published_at) {
                let body = entry_body(d);
                index_entry!(&mut *tx, &entry_text(&item, d, &body, at))?;
            }
            let entry = Entry::new(AuditAction::ContentSaved, "portal_item", id).unit(item.unit_id).details(json!({ "title": d.title, "revision": revision }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Moves an item one step through the workflow: the writer submits; a publisher of its
    /// section publishes (now or at a later moment), returns with a reason, or withdraws.
    pub async fn item_step(&self, actor: &Actor, access: &Access, id: i64, step: &Step) -> Result<()> {
        let item = self.editor_item(access, id).await?.item;
        let ancestry = self.unit_ancestry(item.unit_id).await?;
        let needed = if step.needs_publisher() { Permission::PublishContent } else { Permission::WriteContent };
        if !access.can(needed, &ancestry) {
            return Err(Error::Forbidden);
        }
        let status = portal::next_status(item.status, step).map_err(|e| Error::Conflict(e.to_string()))?;
        let (action, published_at, reason) = match step {
            Step::Submit => (AuditAction::ContentSubmitted, None, String::new()),
            Step::Publish { at } => (AuditAction::ContentPublished, Some((*at).max(actor.at)), String::new()),
            Step::Return { reason } => (AuditAction::ContentReturned, None, text::clean_multiline(reason)),
            Step::Withdraw => (AuditAction::ContentWithdrawn, None, String::new()),
        };
        let lock = self.row_lock();
        let guard = format!("SELECT status FROM portal_items WHERE id = $1{lock}");
        let body = entry_body(&item.draft);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let current: String = sqlx::query_scalar(AssertSqlSafe(guard.as_str())).bind(id).fetch_one(&mut *tx).await?;
            if current != item.status.code() {
                return Err(Error::Conflict("Trạng thái của bài vừa thay đổi; hãy mở lại trang.".into()));
            }
            sqlx::query("UPDATE portal_items SET status = $1, published_at = $2, return_reason = $3, updated_at = $4 WHERE id = $5")
                .bind(status.code())
                .bind(published_at)
                .bind(&reason)
                .bind(actor.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            match published_at {
                Some(at) => index_entry!(&mut *tx, &entry_text(&item, &item.draft, &body, at))?,
                None => unindex_entry!(&mut *tx, item.kind().code(), id)?,
            };
            let details = json!({ "status": status.code(), "published_at": published_at, "reason": reason });
            let entry = Entry::new(action, "portal_item", id).unit(item.unit_id).details(details);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Adds a picture, an attachment or the video to an item its editor may still change.
    /// Returns the new picture's or attachment's id (0 for a video).
    pub async fn add_item_file(&self, actor: &Actor, access: &Access, item_id: i64, upload: Upload<'_>) -> Result<i64> {
        let item = self.editor_item(access, item_id).await?.item;
        let publisher = self.publishes_item(access, &item).await?;
        portal::may_edit(item.status, publisher).map_err(|e| Error::Conflict(e.to_string()))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let (id, what) = match &upload {
                Upload::Image { alt, widths } => {
                    let image_id: i64 = sqlx::query_scalar("INSERT INTO portal_images (item_id, alt, created_at) VALUES ($1, $2, $3) RETURNING id")
                        .bind(item_id)
                        .bind(text::clean(alt))
                        .bind(actor.at)
                        .fetch_one(&mut *tx)
                        .await?;
                    for (width, height, jpeg) in widths {
                        let sha = sha256_hex(jpeg);
                        sqlx::query(STORE_FILE)
                            .bind(&sha)
                            .bind("image/jpeg")
                            .bind(jpeg.len() as i64)
                            .bind(jpeg.as_slice())
                            .bind(actor.at)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("INSERT INTO portal_image_widths (image_id, width, height, sha256) VALUES ($1, $2, $3, $4)")
                            .bind(image_id)
                            .bind(i64::from(*width))
                            .bind(i64::from(*height))
                            .bind(&sha)
                            .execute(&mut *tx)
                            .await?;
                    }
                    // The first picture is the item's cover until an editor picks another.
                    sqlx::query("UPDATE portal_items SET cover_image_id = $1 WHERE id = $2 AND cover_image_id IS NULL")
                        .bind(image_id)
                        .bind(item_id)
                        .execute(&mut *tx)
                        .await?;
                    (image_id, json!({ "image": image_id }))
                }
                Upload::Attachment { name, media_type, bytes } => {
                    let sha = sha256_hex(bytes);
                    sqlx::query(STORE_FILE)
                        .bind(&sha)
                        .bind(*media_type)
                        .bind(bytes.len() as i64)
                        .bind(bytes.as_slice())
                        .bind(actor.at)
                        .execute(&mut *tx)
                        .await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO portal_attachments (item_id, name, sha256, media_type, size, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(item_id)
                    .bind(*name)
                    .bind(&sha)
                    .bind(*media_type)
                    .bind(bytes.len() as i64)
                    .bind(actor.at)
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, json!({ "attachment": name, "sha256": sha }))
                }
                Upload::Video { bytes } => {
                    let sha = sha256_hex(bytes);
                    sqlx::query(STORE_FILE)
                        .bind(&sha)
                        .bind("video/mp4")
                        .bind(bytes.len() as i64)
                        .bind(bytes.as_slice())
                        .bind(actor.at)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE portal_items SET video_sha256 = $1 WHERE id = $2").bind(&sha).bind(item_id).execute(&mut *tx).await?;
                    (0, json!({ "video": sha }))
                }
            };
            sqlx::query("UPDATE portal_items SET updated_at = $1 WHERE id = $2").bind(actor.at).bind(item_id).execute(&mut *tx).await?;
            let entry = Entry::new(AuditAction::ContentFileAdded, "portal_item", item_id).unit(item.unit_id).details(what);
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        })
    }

    /// The items of the caller's sections, newest change first.
    pub async fn editor_items(&self, access: &Access, filter: &EditorFilter, paging: Paging) -> Result<Page<Item>> {
        let mut roots = access.roots(Permission::WriteContent);
        roots.extend(access.roots(Permission::PublishContent));
        let scope = scope_sql(&roots);
        let conditions = "WHERE i.unit_id IN (SELECT id FROM scope) AND ($1 IS NULL OR i.kind = $1) AND ($2 IS NULL OR i.status = $2)";
        let list = format!(
            "{scope} SELECT {ITEM_COLUMNS} FROM portal_items i JOIN units u ON u.id = i.unit_id {conditions} ORDER BY i.updated_at DESC, i.id DESC LIMIT $3 OFFSET $4"
        );
        let count = format!("{scope} SELECT COUNT(*) FROM portal_items i {conditions}");
        let kind = filter.kind.map(Kind::code);
        let status = filter.status.map(Status::code);
        on_db!(self, read, |pool| {
            let rows = sqlx::query_as::<_, ItemRow>(AssertSqlSafe(list.as_str()))
                .bind(kind)
                .bind(status)
                .bind(paging.limit)
                .bind(paging.offset)
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(kind).bind(status).fetch_one(pool).await?;
            Ok::<_, Error>(Page { items: rows.into_iter().map(Item::from).collect(), total })
        })
    }

    /// A page of what the portal lists at `now`, newest first, each with its cover picture, and
    /// how many there are, counted up to [`LIST_COUNT_LIMIT`].
    pub async fn published_items(&self, filter: &PublicFilter, now: i64, paging: Paging) -> Result<Listing> {
        let items = self.listed_items(filter, now, paging).await?;
        let (conditions, values) = listed(filter, 1);
        let count = format!("SELECT COUNT(*) FROM (SELECT 1 FROM portal_items i WHERE {conditions} LIMIT {}) AS listed", LIST_COUNT_LIMIT + 1);
        let total: i64 = on_db!(self, read, |pool| {
            let mut select = sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(now);
            for value in &values {
                select = select.bind(value);
            }
            select.fetch_one(pool).await
        })?;
        Ok(Listing { items, total: total.min(LIST_COUNT_LIMIT), more: total > LIST_COUNT_LIMIT })
    }

    /// The newest `limit` items the portal lists at `now` (the home page, a feed), uncounted.
    pub async fn recent_items(&self, filter: &PublicFilter, now: i64, limit: i64) -> Result<Vec<(Item, Option<Image>)>> {
        self.listed_items(filter, now, Paging { offset: 0, limit }).await
    }

    async fn listed_items(&self, filter: &PublicFilter, now: i64, paging: Paging) -> Result<Vec<(Item, Option<Image>)>> {
        let (conditions, values) = listed(filter, 1);
        let (limit, offset) = (values.len() + 2, values.len() + 3);
        let list = format!(
            "SELECT {ITEM_COLUMNS} FROM portal_items i JOIN units u ON u.id = i.unit_id WHERE {conditions}
             ORDER BY i.published_at DESC, i.id DESC LIMIT ${limit} OFFSET ${offset}"
        );
        let rows = on_db!(self, read, |pool| {
            let mut select = sqlx::query_as::<_, ItemRow>(AssertSqlSafe(list.as_str())).bind(now);
            for value in &values {
                select = select.bind(value);
            }
            select.bind(paging.limit).bind(paging.offset).fetch_all(pool).await
        })?;
        let items: Vec<Item> = rows.into_iter().map(Item::from).collect();
        let covers = self.images_of(&items.iter().filter(|i| i.cover_image_id.is_some()).map(|i| i.id).collect::<Vec<_>>()).await?;
        Ok(items
            .into_iter()
            .map(|item| {
                let cover = item.cover_image_id.and_then(|id| covers.iter().find(|c| c.id == id).cloned());
                (item, cover)
            })
            .collect())
    }

    /// A portal file that a visible item shows, for anyone.
    pub async fn public_file(&self, sha256: &str, now: i64) -> Result<FileInfo> {
        let holders = self.items_of_file(sha256).await?;
        if !holders.iter().any(|(_, _, status, at)| Status::parse(status).is_some_and(|s| portal::is_visible(s, *at, now))) {
            return Err(Error::NotFound);
        }
        self.file_info(sha256).await
    }

    /// A portal file of an item the caller edits (a draft's picture, before publication).
    pub async fn editor_file(&self, access: &Access, sha256: &str) -> Result<FileInfo> {
        for (_, unit_id, _, _) in self.items_of_file(sha256).await? {
            let ancestry = self.unit_ancestry(unit_id).await?;
            if access.can(Permission::WriteContent, &ancestry) || access.can(Permission::PublishContent, &ancestry) {
                return self.file_info(sha256).await;
            }
        }
        Err(Error::NotFound)
    }

    async fn items_of_file(&self, sha256: &str) -> Result<Vec<(i64, i64, String, Option<i64>)>> {
        Ok(on_db!(self, read, |pool| sqlx::query_as(ITEMS_OF_FILE).bind(sha256).fetch_all(pool).await)?)
    }

    async fn file_info(&self, sha256: &str) -> Result<FileInfo> {
        Ok(on_db!(self, read, |pool| sqlx::query_as("SELECT media_type, size FROM portal_files WHERE sha256 = $1").bind(sha256).fetch_one(pool).await)?)
    }

    /// `len` bytes of a portal file from `start` (0-based): a video is read piece by piece, so
    /// no request holds a whole one in memory. The caller has checked who may read it.
    pub async fn file_bytes(&self, sha256: &str, start: u64, len: u64) -> Result<Vec<u8>> {
        let sql = match self.backend() {
            Backend::Sqlite => "SELECT substr(content, $2, $3) FROM portal_files WHERE sha256 = $1",
            Backend::Postgres => "SELECT substring(content FROM $2::integer FOR $3::integer) FROM portal_files WHERE sha256 = $1",
        };
        let from = i64::try_from(start).unwrap_or(i64::MAX - 1) + 1;
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        Ok(on_db!(self, read, |pool| sqlx::query_scalar(sql).bind(sha256).bind(from).bind(len).fetch_one(pool).await)?)
    }

    /// The addresses (kind, slug) of what is visible at `now`, newest first, at most `limit`: the
    /// sitemap's list, read without the bodies.
    pub async fn published_addresses(&self, now: i64, limit: i64) -> Result<Vec<(Kind, String)>> {
        let rows: Vec<(String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT kind, slug FROM portal_items WHERE status = 'published' AND published_at <= $1 ORDER BY published_at DESC, id DESC LIMIT $2")
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().filter_map(|(kind, slug)| Some((Kind::parse(&kind)?, slug))).collect())
    }
}

/// The conditions on `portal_items i` of a public list, only those the filter sets (so that each
/// list reads its index, newest first, and stops at its page), with `$moment` for the moment
/// and the filter's values, returned in order, as the parameters after it.
pub(crate) fn listed(filter: &PublicFilter, moment: usize) -> (String, Vec<String>) {
    let mut conditions = vec!["i.status = 'published'".to_string(), format!("i.published_at <= ${moment}")];
    let mut values = Vec::new();
    let wanted = [
        ("i.kind = ", filter.kind.map(|k| k.code().to_string())),
        ("i.category = ", filter.category.map(|c| c.code().to_string())),
        ("i.doc_type = ", filter.doc_type.map(|t| t.code().to_string())),
        ("i.doc_issued_on >= ", filter.issued_year.map(|y| format!("{y:04}-01-01"))),
        ("i.doc_issued_on < ", filter.issued_year.map(|y| format!("{:04}-01-01", y + 1))),
    ];
    for (condition, value) in wanted {
        if let Some(value) = value {
            values.push(value);
            conditions.push(format!("{condition}${}", moment + values.len()));
        }
    }
    (conditions.join(" AND "), values)
}

/// The text an item is found by: its summary, its body and, for a document, its number and
/// issuer.
fn entry_body(d: &Draft) -> String {
    let mut parts = vec![d.summary.clone(), domain::search::text_of_html(&d.body_html)];
    if let Some(doc) = &d.doc {
        parts.push(format!("{} {} {}", doc.number, doc.doc_type.label(), doc.issuer));
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

fn entry_text<'a>(item: &'a Item, d: &'a Draft, body: &'a str, visible_from: i64) -> EntryText<'a> {
    EntryText { kind: d.kind.code(), ref_id: item.id, slug: &item.slug, unit_id: item.unit_id, title: &d.title, body, visible_from }
}

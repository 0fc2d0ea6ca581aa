//! The reform portal on the web: the editors' pages (write, hand over, publish, upload), the
//! public news and documents library, their files (served in pieces for video) and feeds.

mod editor;
mod feeds;
mod files;
mod public;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use domain::portal::{Category, Kind};
use domain::text;
use storage::portal::{Image, Item};

use crate::AppState;

/// An upload's body: the largest video and a little for the form around it.
const UPLOAD_LIMIT: usize = media::files::MAX_VIDEO_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tin-tuc", get(public::news))
        .route("/tin-tuc/rss.xml", get(feeds::all))
        .route("/tin-tuc/chuyen-muc/{category}", get(public::category))
        .route("/tin-tuc/chuyen-muc/{category}/rss.xml", get(feeds::category))
        .route("/tin-tuc/{slug}", get(public::article))
        .route("/van-ban", get(public::documents))
        .route("/van-ban/{slug}", get(public::document))
        .route("/tep/{sha256}", get(files::public))
        .route("/tep/{sha256}/{name}", get(files::public_named))
        .route("/admin/portal", get(editor::list).post(editor::create))
        .route("/admin/portal/new", get(editor::new_form))
        .route("/admin/portal/tep/{sha256}", get(files::for_editor))
        .route("/admin/portal/{id}", get(editor::show).post(editor::update))
        .route("/admin/portal/{id}/step", post(editor::step))
        .route("/admin/portal/{id}/files", post(editor::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
}

/// Where an item is read on the portal.
pub fn item_path(kind: Kind, slug: &str) -> String {
    match kind {
        Kind::Article => format!("/tin-tuc/{slug}"),
        Kind::Document => format!("/van-ban/{slug}"),
    }
}

pub fn category_path(category: Category) -> String {
    format!("/tin-tuc/chuyen-muc/{}", category.code())
}

/// A picture as an `<img>` shows it: a middle width as `src`, every width in `srcset`.
pub struct Picture {
    pub src: String,
    pub srcset: String,
    pub alt: String,
    pub width: i64,
    pub height: i64,
}

impl Picture {
    /// `prefix` is where the files are served: `/tep/` to the public, the editors' path before
    /// publication.
    pub fn new(image: &Image, prefix: &str) -> Option<Self> {
        let middle = image.widths.iter().rev().find(|w| w.width <= 640).or(image.widths.first())?;
        let srcset = image.widths.iter().map(|w| format!("{prefix}{} {}w", w.sha256, w.width)).collect::<Vec<_>>().join(", ");
        Some(Self { src: format!("{prefix}{}", middle.sha256), srcset, alt: image.alt.clone(), width: middle.width, height: middle.height })
    }
}

/// An item in a list: its title and link, when, where from, a few words, its picture.
pub struct Card {
    pub title: String,
    pub href: String,
    pub date: String,
    pub unit: String,
    pub summary: String,
    pub category: Option<(String, &'static str)>,
    pub picture: Option<Picture>,
    /// Số/ký hiệu, type and issuer of a document.
    pub doc_line: Option<String>,
}

impl Card {
    pub fn new(item: &Item, cover: Option<&Image>) -> Self {
        let d = &item.draft;
        Self {
            title: d.title.clone(),
            href: item_path(d.kind, &item.slug),
            date: item.published_at.map(|at| text::format_date(text::vn_datetime(at).date())).unwrap_or_default(),
            unit: item.unit_name.clone(),
            summary: if d.summary.is_empty() { first_words(&domain::search::text_of_html(&d.body_html), 40) } else { d.summary.clone() },
            category: d.category.map(|c| (category_path(c), c.label())),
            picture: cover.and_then(|c| Picture::new(c, "/tep/")),
            doc_line: d
                .doc
                .as_ref()
                .map(|doc| format!("{} · {} · {} · ban hành {}", doc.number, doc.doc_type.label(), doc.issuer, text::format_date(doc.issued_on))),
        }
    }
}

/// The first `n` words of a text, with "…" when there were more.
fn first_words(s: &str, n: usize) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() <= n { words.join(" ") } else { format!("{} …", words[..n].join(" ")) }
}

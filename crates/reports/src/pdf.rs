//! A [`Document`] as PDF, laid out by typst from `official.typ` with the bundled fonts embedded.
//! Typst is given a world of its own with nothing but the template, the document as JSON and
//! the fonts: it reads no file of the machine and fetches no package.

use std::sync::LazyLock;

use serde::Serialize;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::document::Document;
use crate::{ReportError, fonts};

const TEMPLATE: &str = include_str!("official.typ");

/// What does not change between documents, built once: the standard library and the fonts.
struct Base {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static BASE: LazyLock<Base> = LazyLock::new(|| {
    let fonts: Vec<Font> = fonts::SERIF.iter().flat_map(|data| Font::iter(Bytes::new(*data))).collect();
    Base { library: LazyHash::new(Library::builder().build()), book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
});

/// One document's world: the template and its data.
struct Job {
    main: Source,
    data: Bytes,
    data_id: FileId,
    today: Datetime,
}

impl World for Job {
    fn library(&self) -> &LazyHash<Library> {
        &BASE.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &BASE.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::NotFound(id.vpath().as_rootless_path().into())) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id { Ok(self.data.clone()) } else { Err(FileError::NotFound(id.vpath().as_rootless_path().into())) }
    }

    fn font(&self, index: usize) -> Option<Font> {
        BASE.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// The document as the template reads it: with its appendices' labels.
#[derive(Serialize)]
struct Printed<'a> {
    #[serde(flatten)]
    document: &'a Document,
    appendix_labels: Vec<String>,
}

/// Lays the document out and writes the PDF. `date` (year, month, day) is the document's date,
/// written into the file's metadata so that the same data gives the same bytes.
pub fn render(document: &Document, date: (i32, u8, u8)) -> Result<Vec<u8>, ReportError> {
    let printed = Printed { document, appendix_labels: (0..document.appendices.len()).map(crate::document::appendix_label).collect() };
    let data = serde_json::to_vec(&printed).map_err(|e| ReportError::Layout(e.to_string()))?;
    let job = Job {
        main: Source::new(FileId::new(None, VirtualPath::new("/official.typ")), TEMPLATE.to_string()),
        data: Bytes::new(data),
        data_id: FileId::new(None, VirtualPath::new("/document.json")),
        today: Datetime::from_ymd(date.0, date.1, date.2).ok_or_else(|| ReportError::Layout("ngày không hợp lệ".into()))?,
    };
    let compiled: Result<PagedDocument, _> = typst::compile(&job).output;
    // Typst memoises across documents; what another document's data gave is of no use again.
    comemo::evict(0);
    let paged = compiled.map_err(|errors| ReportError::Layout(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))?;
    let options = typst_pdf::PdfOptions { timestamp: Some(typst_pdf::Timestamp::new_utc(job.today)), ..typst_pdf::PdfOptions::default() };
    typst_pdf::pdf(&paged, &options).map_err(|errors| ReportError::Layout(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))
}

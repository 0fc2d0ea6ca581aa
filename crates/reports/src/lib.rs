//! Official documents drawn from the data: a [`Document`] in the layout of Nghị định
//! 30/2020/NĐ-CP, written as PDF (typst, fonts embedded) or DOCX, and the SVG charts that go in
//! them and in the pages. In a crate of its own: typst is some 390 crates to build.

pub mod charts;
pub mod consultation;
pub mod document;
pub mod docx;
mod fonts;
pub mod office;
pub mod pdf;
pub mod qa;
pub mod results;
pub mod sipas;

pub use document::{Appendix, Block, Closing, Column, Document, Figure, Heading, Row, Table};
pub use office::{Office, Texts};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("không dàn trang được văn bản: {0}")]
    Layout(String),
}

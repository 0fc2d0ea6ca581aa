//! Uploaded tables and pictures are read off the async threads (a large workbook takes seconds of CPU, and
//! the server must go on answering meanwhile) and one at a time (each may take its limits'
//! memory), within the limits of their kind.

use bytes::Bytes;
use sheets::{Limits, Rows, SheetError};
use tokio::sync::Semaphore;

static READING: Semaphore = Semaphore::const_new(1);

/// The first sheet of an uploaded CSV or XLSX file (see `sheets::read_table`).
pub async fn read_table(file_name: String, bytes: impl Into<Bytes>, limits: Limits) -> Result<Rows, SheetError> {
    let bytes = bytes.into();
    off_thread(move || sheets::read_table(&file_name, &bytes, &limits), sheet_reader_stopped).await
}

/// Every sheet of an uploaded XLSX workbook (see `sheets::read_sheets`).
pub async fn read_sheets(bytes: impl Into<Bytes>, limits: Limits) -> Result<Vec<(String, Rows)>, SheetError> {
    let bytes = bytes.into();
    off_thread(move || sheets::read_sheets(&bytes, &limits), sheet_reader_stopped).await
}

fn sheet_reader_stopped() -> SheetError {
    SheetError::Unreadable("tệp làm trình đọc dừng bất thường, hoặc máy chủ đang dừng.".into())
}

/// An uploaded picture in the portal's widths (see `media::images::variants`).
pub async fn image_variants(bytes: Vec<u8>) -> Result<Vec<media::images::Variant>, media::images::ImageError> {
    off_thread(move || media::images::variants(&bytes), || media::images::ImageError::Unreadable).await
}

async fn off_thread<T: Send + 'static, E: Send + 'static>(read: impl FnOnce() -> Result<T, E> + Send + 'static, stopped: fn() -> E) -> Result<T, E> {
    let _turn = READING.acquire().await.map_err(|_| stopped())?;
    tokio::task::spawn_blocking(read).await.map_err(|_| stopped())?
}

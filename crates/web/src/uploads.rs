//! Uploaded tables are read off the async threads (a large workbook takes seconds of CPU, and
//! the server must go on answering meanwhile) and one at a time (each may take its limits'
//! memory), within the limits of their kind.

use bytes::Bytes;
use sheets::{Limits, Rows, SheetError};
use tokio::sync::Semaphore;

static READING: Semaphore = Semaphore::const_new(1);

/// The first sheet of an uploaded CSV or XLSX file (see `sheets::read_table`).
pub async fn read_table(file_name: String, bytes: impl Into<Bytes>, limits: Limits) -> Result<Rows, SheetError> {
    let bytes = bytes.into();
    off_thread(move || sheets::read_table(&file_name, &bytes, &limits)).await
}

/// Every sheet of an uploaded XLSX workbook (see `sheets::read_sheets`).
pub async fn read_sheets(bytes: impl Into<Bytes>, limits: Limits) -> Result<Vec<(String, Rows)>, SheetError> {
    let bytes = bytes.into();
    off_thread(move || sheets::read_sheets(&bytes, &limits)).await
}

async fn off_thread<T: Send + 'static>(read: impl FnOnce() -> Result<T, SheetError> + Send + 'static) -> Result<T, SheetError> {
    let _turn = READING.acquire().await.map_err(|_| SheetError::Unreadable("máy chủ đang dừng.".into()))?;
    tokio::task::spawn_blocking(read).await.map_err(|_| SheetError::Unreadable("tệp làm trình đọc dừng bất thường.".into()))?
}

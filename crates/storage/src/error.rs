use domain::auth::AuthError;
use domain::units::UnitError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Absent, or outside the caller's scope: the two are not told apart, so nothing leaks.
    #[error("Không tìm thấy dữ liệu yêu cầu hoặc bạn không có quyền xem.")]
    NotFound,
    #[error("Bạn không có quyền thực hiện thao tác này trên đơn vị đã chọn.")]
    Forbidden,
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Unit(#[from] UnitError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Input that breaks a rule, with every problem in Vietnamese.
    #[error("{}", .0.join(" "))]
    Invalid(Vec<String>),
    #[error("dữ liệu mã hóa không giải mã được bằng khóa dữ liệu hiện tại")]
    Sealed,
    #[error("khóa dữ liệu không khớp với khóa đã dùng cho cơ sở dữ liệu này; hãy dùng đúng tệp khóa (--data-key-file) hoặc biến THUOCDO_DATA_KEY")]
    WrongKey,
    #[error(transparent)]
    Cells(#[from] domain::surveys::BadCell),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Database(#[source] sqlx::Error),
    #[error("lỗi cập nhật lược đồ cơ sở dữ liệu: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Work handed to a blocking thread did not finish (it panicked or was cancelled).
    #[error("lỗi xử lý nền: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A plugged sentiment model failed on a comment: nothing of its batch is kept.
    #[error(transparent)]
    Classifier(#[from] analytics::ClassifierError),
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict("Dữ liệu bị trùng với một bản ghi đã có.".into()),
            _ => Error::Database(err),
        }
    }
}

/// Maps a unique-key violation to a conflict told in the caller's words; other errors as usual.
pub(crate) fn on_conflict(message: String) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| match Error::from(e) {
        Error::Conflict(_) => Error::Conflict(message),
        other => other,
    }
}

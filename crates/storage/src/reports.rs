//! What the reform office writes into a report of a year, kept in versions: each save adds one,
//! a report prints the newest, and the older ones can be read again.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::reports::{ReportKind, ReportText};
use serde_json::json;

use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

/// One saved version.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TextVersion {
    pub version: i64,
    pub introduction: String,
    pub conclusion: String,
    pub signature: String,
    pub signer: String,
    pub saved_at: i64,
    /// The official's name; empty when the account is gone.
    pub saved_by: Option<String>,
}

impl TextVersion {
    pub fn text(&self) -> ReportText {
        ReportText {
            introduction: self.introduction.clone(),
            conclusion: self.conclusion.clone(),
            signature: self.signature.clone(),
            signer: self.signer.clone(),
        }
    }
}

impl Store {
    /// Saves a new version of a report's texts (province-wide result publishers only); returns
    /// its number. Nothing is written when a text is too long.
    pub async fn save_report_text(&self, actor: &Actor, access: &Access, report: ReportKind, year: i32, text: &ReportText) -> Result<i64> {
        self.require_province_wide(access, Permission::PublishResults).await?;
        if !report.has_texts() {
            return Err(Error::Invalid(vec!["Loại báo cáo này không có phần lời văn.".into()]));
        }
        let text = text.checked().map_err(Error::Invalid)?;
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM report_texts WHERE report = $1 AND year = $2")
                .bind(report.code())
                .bind(year)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO report_texts (report, year, version, introduction, conclusion, signature, signer, saved_at, saved_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(report.code())
            .bind(year)
            .bind(version)
            .bind(&text.introduction)
            .bind(&text.conclusion)
            .bind(&text.signature)
            .bind(&text.signer)
            .bind(actor.at)
            .bind(actor.user_id)
            .execute(&mut *tx)
            .await?;
            let entry = Entry::new(AuditAction::ReportTextSaved, "report_text", format!("{}/{year}", report.code())).details(json!({ "version": version }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok(version)
        }
        .await)
    }

    /// Every version of a report's texts for a year, newest first.
    pub async fn report_texts(&self, report: ReportKind, year: i32) -> Result<Vec<TextVersion>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT t.version, t.introduction, t.conclusion, t.signature, t.signer, t.saved_at, u.full_name AS saved_by
                 FROM report_texts t LEFT JOIN users u ON u.id = t.saved_by
                 WHERE t.report = $1 AND t.year = $2 ORDER BY t.version DESC",
            )
            .bind(report.code())
            .bind(year)
            .fetch_all(pool)
            .await
        })?)
    }
}

//! Evidence documents: each file stored once by its SHA-256 and checked against it when read;
//! a unit's upload is a document, which may serve several items.

use domain::audit::AuditAction;
use domain::auth::Access;
use domain::par::Stage;
use domain::par::evidence::media_type;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Document {
    pub id: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    /// `self` (evidence) or `explanation` (filed with an explanation).
    pub stage: String,
    pub uploaded_at: i64,
}

/// A file as uploaded, and the items it serves.
#[derive(Clone, Debug)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    pub items: Vec<String>,
    pub stage: Stage,
}

#[derive(Clone, Debug)]
pub struct EvidenceFile {
    pub name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// Keeps a file once by its checksum (a second upload of the same bytes adds nothing).
pub(super) const STORE_FILE: &str = "INSERT INTO par_files (sha256, size, content, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING";

/// The bytes of a stored file, refused if they no longer match their checksum.
pub(super) fn verified(name: &str, sha256: &str, bytes: Vec<u8>) -> Result<Vec<u8>> {
    if hex::encode(Sha256::digest(&bytes)) == sha256 {
        Ok(bytes)
    } else {
        Err(Error::Conflict(format!("Tệp «{name}» bị hỏng: nội dung không khớp với mã kiểm tra đã lưu.")))
    }
}

/// A file name as shown and offered for download: no path, no control characters.
pub(super) fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = domain::text::clean(base).chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.is_empty() { "tai-lieu".into() } else { cleaned }
}

impl Store {
    pub(super) async fn par_documents(&self, assessment_id: i64) -> Result<Vec<Document>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, name, media_type, size, sha256, stage, uploaded_at FROM par_documents WHERE assessment_id = $1 ORDER BY id")
                .bind(assessment_id)
                .fetch_all(pool)
                .await
        })?)
    }

    /// Stores an evidence file for the unit (with its self-assessment, or with an explanation),
    /// linked to the items it serves. The stage must be open and the file of an accepted type.
    pub async fn upload_par_evidence(&self, actor: &Actor, access: &Access, id: i64, upload: &Upload) -> Result<i64> {
        let sheet = self.par_assessment(actor, access, id).await?;
        if !sheet.viewer.unit || !matches!(upload.stage, Stage::SelfAssessment | Stage::Explanation) {
            return Err(Error::Forbidden);
        }
        sheet.round.deadlines.open_for(upload.stage, actor.at).map_err(Error::Conflict)?;
        if upload.stage == Stage::SelfAssessment {
            sheet.assessment.state().editable().map_err(Error::Conflict)?;
        }
        let name = clean_name(&upload.name);
        let media = media_type(&name, &upload.bytes).map_err(|m| Error::Invalid(vec![m]))?;
        let tree = &sheet.round.tree;
        let unknown: Vec<String> = upload
            .items
            .iter()
            .filter(|c| tree.item(c).is_none_or(|i| !i.self_assessed()))
            .map(|c| format!("Không có tiêu chí thành phần tự chấm mã {c}."))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::Invalid(unknown));
        }
        let sha256 = hex::encode(Sha256::digest(&upload.bytes));
        let size = upload.bytes.len() as i64;
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            sqlx::query(STORE_FILE).bind(&sha256).bind(size).bind(&upload.bytes).bind(actor.at).execute(&mut *tx).await?;
            let document: i64 = sqlx::query_scalar(
                "INSERT INTO par_documents (assessment_id, sha256, name, media_type, size, stage, uploaded_by, uploaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(id)
            .bind(&sha256)
            .bind(&name)
            .bind(media)
            .bind(size)
            .bind(upload.stage.code())
            .bind(actor.user_id)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await?;
            for item in &upload.items {
                sqlx::query("INSERT INTO par_evidence (document_id, item_code) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(document)
                    .bind(item)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = Entry::new(AuditAction::ParEvidenceUploaded, "par_document", document)
                .unit(sheet.assessment.unit_id)
                .details(json!({ "assessment": id, "name": name, "sha256": sha256, "items": upload.items }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(document)
        }
        .await)
    }

    /// Links a document already uploaded to one more item, or unlinks it.
    pub async fn link_par_evidence(&self, actor: &Actor, access: &Access, id: i64, document: i64, item: &str, linked: bool) -> Result<()> {
        let sheet = self.par_assessment(actor, access, id).await?;
        if !sheet.viewer.unit {
            return Err(Error::Forbidden);
        }
        sheet.round.deadlines.open_for(Stage::SelfAssessment, actor.at).map_err(Error::Conflict)?;
        sheet.assessment.state().editable().map_err(Error::Conflict)?;
        if !sheet.documents.iter().any(|d| d.id == document) || sheet.round.tree.item(item).is_none_or(|i| !i.self_assessed()) {
            return Err(Error::NotFound);
        }
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            let sql = if linked {
                "INSERT INTO par_evidence (document_id, item_code) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            } else {
                "DELETE FROM par_evidence WHERE document_id = $1 AND item_code = $2"
            };
            sqlx::query(sql).bind(document).bind(item).execute(&mut *tx).await?;
            let entry = Entry::new(AuditAction::ParEvidenceLinked, "par_document", document)
                .unit(sheet.assessment.unit_id)
                .details(json!({ "assessment": id, "item": item, "linked": linked }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await)
    }

    /// A document's file, for those who may see its assessment; refused if the stored bytes no
    /// longer match their checksum.
    pub async fn par_evidence_file(&self, actor: &Actor, access: &Access, document: i64) -> Result<EvidenceFile> {
        let found: Option<(i64, String, String, String, Vec<u8>)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT d.assessment_id, d.name, d.media_type, d.sha256, f.content FROM par_documents d JOIN par_files f ON f.sha256 = d.sha256 WHERE d.id = $1",
            )
            .bind(document)
            .fetch_optional(pool)
            .await
        })?;
        let (assessment, name, media_type, sha256, bytes) = found.ok_or(Error::NotFound)?;
        self.par_assessment(actor, access, assessment).await?;
        let bytes = verified(&name, &sha256, bytes)?;
        Ok(EvidenceFile { name, media_type, bytes })
    }
}

//! Evidence documents: each file stored once by its SHA-256 and checked against it when read;
//! a unit's upload is a document, which may serve several items (written with the marks).

use domain::auth::Access;
use sha2::{Digest, Sha256};

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

impl Store {
    pub(super) async fn par_documents(&self, assessment_id: i64) -> Result<Vec<Document>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, name, media_type, size, sha256, stage, uploaded_at FROM par_documents WHERE assessment_id = $1 ORDER BY id")
                .bind(assessment_id)
                .fetch_all(pool)
                .await
        })?)
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

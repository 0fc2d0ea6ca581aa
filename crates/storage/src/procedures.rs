//! Each unit's catalogue of administrative procedures: replaced whole from a file of the national
//! procedure database, read by the forms that offer its names.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::procedures::Procedure;
use domain::text;
use serde_json::json;

use crate::audit::{Entry, record};
use crate::{Actor, Result, Store};

impl Store {
    /// Replaces a unit's catalogue with `procedures` (a file read and checked whole); recorded
    /// in the audit log with how many.
    pub async fn import_procedures(&self, actor: &Actor, access: &Access, unit_id: i64, procedures: &[Procedure]) -> Result<()> {
        self.require_on(access, Permission::ManageUnits, unit_id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM procedures WHERE unit_id = $1").bind(unit_id).execute(&mut *tx).await?;
            for p in procedures {
                sqlx::query("INSERT INTO procedures (unit_id, code, name, field) VALUES ($1, $2, $3, $4)")
                    .bind(unit_id)
                    .bind(&p.code)
                    .bind(&p.name)
                    .bind(&p.field)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = Entry::new(AuditAction::ProceduresImported, "unit", unit_id).unit(unit_id).details(json!({ "procedures": procedures.len() }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, crate::Error>(())
        })
    }

    /// A unit's procedures in Vietnamese order of their names. Public: they are what the forms
    /// offer.
    pub async fn unit_procedures(&self, unit_id: i64) -> Result<Vec<Procedure>> {
        let rows: Vec<(String, String, String)> =
            on_db!(self, read, |pool| { sqlx::query_as("SELECT code, name, field FROM procedures WHERE unit_id = $1").bind(unit_id).fetch_all(pool).await })?;
        let mut procedures: Vec<Procedure> = rows.into_iter().map(|(code, name, field)| Procedure { code, name, field }).collect();
        procedures.sort_by_cached_key(|p| text::sort_key(&p.name));
        Ok(procedures)
    }

    /// The procedure of a dossier in the sampling frame, by its code: what a form reached from
    /// the dossier's receipt fills in. Only the procedure's name and unit, no personal data.
    pub async fn dossier_procedure(&self, dossier_code: &str) -> Result<Option<(i64, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT unit_id, procedure FROM frame_entries WHERE dossier_code = $1").bind(dossier_code.trim()).fetch_optional(pool).await
        })?)
    }
}

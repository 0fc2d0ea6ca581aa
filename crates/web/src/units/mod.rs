//! The unit register on the web: the officials' pages (list, detail, create, edit, lineage,
//! import, export), the public directory and the JSON API.

pub mod api;
mod import;
mod pages;
pub mod picker;
mod public;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use domain::text;
use domain::units::Unit;
use domain::units::{RawUnitRow, UnitError};
use storage::Store;
use storage::units::UnitInput;

use crate::AppState;
use crate::error::FieldError;

/// Spreadsheets of a few thousand units fit well within this.
const IMPORT_LIMIT: usize = 10 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/units", get(pages::directory))
        .route("/danh-gia", get(public::find))
        .route("/don-vi/{code}", get(public::show))
        .route("/admin/units", get(pages::list).post(pages::create))
        .route("/admin/units/new", get(pages::new_form))
        .route("/admin/units/export.csv", get(pages::export_csv))
        .route("/admin/units/export.xlsx", get(pages::export_xlsx))
        .route("/admin/units/import", get(import::form).post(import::preview).layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
        .route("/admin/units/import/apply", post(import::apply).layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
        .route("/admin/units/{id}", get(pages::detail).post(pages::update))
        .route("/admin/units/{id}/edit", get(pages::edit_form))
        .route("/admin/units/{id}/ap-phich.pdf", get(public::poster))
        .route("/admin/units/{id}/lineage", post(pages::add_lineage))
        .route("/admin/units/{id}/contact", post(pages::set_contact))
}

/// The fields of a unit as typed by a person or sent by a client, before any checking.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct UnitFields {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// `province`, `department`, `vertical_agency`, `district`, `commune` (or the Vietnamese names).
    #[serde(default)]
    pub level: String,
    /// Code of the unit above; empty for a province.
    #[serde(default)]
    pub parent_code: String,
    /// dd/mm/yyyy or yyyy-mm-dd.
    #[serde(default)]
    pub valid_from: String,
    /// dd/mm/yyyy or yyyy-mm-dd; empty while in force.
    #[serde(default)]
    pub valid_to: String,
}

impl UnitFields {
    pub fn from_unit(unit: &Unit) -> Self {
        Self {
            code: unit.code.clone(),
            name: unit.name.clone(),
            level: unit.level.code().into(),
            parent_code: unit.parent_code.clone().unwrap_or_default(),
            valid_from: text::format_date(unit.validity.from),
            valid_to: unit.validity.to.map(text::format_date).unwrap_or_default(),
        }
    }

    /// Checks every field with the same rules as an import row and resolves the parent code.
    pub async fn parse(&self, store: &Store) -> Result<UnitInput, Vec<FieldError>> {
        let raw = RawUnitRow::from_cells(0, [&self.code, &self.name, &self.level, &self.parent_code, &self.valid_from, &self.valid_to, ""]);
        let record = raw.parse().map_err(|errors| errors.iter().map(field_error).collect::<Vec<_>>())?;
        let parent_id = match &record.parent_code {
            None => None,
            Some(code) => match store.public_unit_by_code(code.as_str()).await {
                Ok(parent) => Some(parent.id),
                Err(_) => {
                    return Err(vec![FieldError {
                        field: "parent_code".into(),
                        message: format!("Không tìm thấy đơn vị cấp trên có mã «{}».", code.as_str()),
                    }]);
                }
            },
        };
        Ok(UnitInput { code: record.code, name: record.name, level: record.level, parent_id, validity: record.validity })
    }
}

fn field_error(e: &UnitError) -> FieldError {
    let field = match e {
        UnitError::InvalidCode(_) => "code",
        UnitError::InvalidName => "name",
        UnitError::UnknownLevel(_) => "level",
        UnitError::InvalidDate(_) | UnitError::InvalidPeriod => "valid_from",
        _ => "",
    };
    FieldError { field: field.into(), message: e.to_string() }
}

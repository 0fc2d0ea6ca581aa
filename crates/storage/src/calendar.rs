//! The working calendar as data: each year's changes to the plain week, written from the law
//! (`domain::calendar::legal_days`) the first time the year is needed and kept from then on by
//! the reform office as the government decides Tết and the swaps.

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::calendar::{DayChange, WorkingCalendar, legal_days};
use domain::text;
use serde_json::json;
use time::Date;

use crate::audit::{Entry, record};
use crate::{Actor, Error, Result, Store};

/// A change to the plain week as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DayRow {
    pub day: String,
    pub working: bool,
    pub note: String,
}

impl DayRow {
    pub fn date(&self) -> Option<Date> {
        text::parse_date(&self.day)
    }
}

/// Years the calendar can be kept for.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

impl Store {
    /// The calendar of the years `from` to `to`, each written from the law if it was not yet.
    pub async fn working_calendar(&self, from: i32, to: i32) -> Result<WorkingCalendar> {
        for year in from..=to {
            self.seed_year(year).await?;
        }
        let rows: Vec<DayRow> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT day, working, note FROM working_days WHERE day >= $1 AND day <= $2")
                .bind(format!("{from:04}-01-01"))
                .bind(format!("{to:04}-12-31"))
                .fetch_all(pool)
                .await
        })?;
        Ok(WorkingCalendar::new(rows.iter().filter_map(|r| Some((r.date()?, r.working)))))
    }

    /// The calendar a deadline from `at` needs: its year and the next.
    pub async fn calendar_from(&self, at: i64) -> Result<WorkingCalendar> {
        let year = text::vn_datetime(at).year();
        self.working_calendar(year, year + 1).await
    }

    async fn seed_year(&self, year: i32) -> Result<()> {
        if !YEARS.contains(&year) {
            return Ok(());
        }
        let seeded: Option<i64> =
            on_db!(self, read, |pool| sqlx::query_scalar("SELECT year FROM working_years WHERE year = $1").bind(i64::from(year)).fetch_optional(pool).await)?;
        if seeded.is_some() {
            return Ok(());
        }
        let days = legal_days(year);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let claimed = sqlx::query("INSERT INTO working_years (year) VALUES ($1) ON CONFLICT (year) DO NOTHING")
                .bind(i64::from(year))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if claimed == 1 {
                for day in &days {
                    sqlx::query(
                        "INSERT INTO working_days (day, working, note, changed_by, changed_at) VALUES ($1, $2, $3, NULL, 0) ON CONFLICT (day) DO NOTHING",
                    )
                    .bind(text::iso_date(day.date))
                    .bind(day.working)
                    .bind(&day.note)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// The changes of `year`, in date order.
    pub async fn working_days(&self, year: i32) -> Result<Vec<DayRow>> {
        if !YEARS.contains(&year) {
            return Err(Error::NotFound);
        }
        self.seed_year(year).await?;
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT day, working, note FROM working_days WHERE day >= $1 AND day <= $2 ORDER BY day")
                .bind(format!("{year:04}-01-01"))
                .bind(format!("{year:04}-12-31"))
                .fetch_all(pool)
                .await
        })?)
    }

    /// Sets one day (a holiday, a day in lieu, a make-up Saturday) or, with `None`, gives it back
    /// to the plain week. Deadlines already set keep their date; new ones count on the change.
    pub async fn set_working_day(&self, actor: &Actor, access: &Access, change: Option<&DayChange>, date: Date) -> Result<()> {
        if !access.has(Permission::DispatchQuestions) {
            return Err(Error::Forbidden);
        }
        if !YEARS.contains(&date.year()) {
            return Err(Error::Invalid(vec![format!("Chỉ sửa lịch các năm từ {} đến {}.", YEARS.start(), YEARS.end())]));
        }
        if change.is_some_and(|c| text::clean(&c.note).is_empty() || c.note.chars().count() > 200) {
            return Err(Error::Invalid(vec!["Cần ghi chú (ví dụ «Nghỉ Tết theo Thông báo số …»), tối đa 200 ký tự.".into()]));
        }
        self.seed_year(date.year()).await?;
        let day = text::iso_date(date);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            match change {
                Some(c) => sqlx::query(
                    "INSERT INTO working_days (day, working, note, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (day) DO UPDATE SET working = excluded.working, note = excluded.note, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                )
                .bind(&day)
                .bind(c.working)
                .bind(text::clean(&c.note))
                .bind(actor.user_id)
                .bind(actor.at),
                None => sqlx::query("DELETE FROM working_days WHERE day = $1").bind(&day),
            }
            .execute(&mut *tx)
            .await?;
            let details = json!({ "day": day, "working": change.map(|c| c.working), "note": change.map(|c| c.note.clone()) });
            record!(&mut *tx, actor, &Entry::new(AuditAction::WorkingDayChanged, "working_day", 0).details(details))?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }
}

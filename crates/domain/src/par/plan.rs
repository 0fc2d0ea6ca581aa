//! Reform plan tracking (theo dõi kế hoạch CCHC): tasks with a lead unit, coordinating units, a
//! product, a deadline and a status, and each unit's completion rate — the share of its tasks
//! done by their deadline — which gives the plan-completion criteria their points.

use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    NotStarted,
    InProgress,
    Done,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 3] = [Self::NotStarted, Self::InProgress, Self::Done];

    pub fn code(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::Done => "done",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotStarted => "Chưa thực hiện",
            Self::InProgress => "Đang thực hiện",
            Self::Done => "Đã hoàn thành",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code.trim())
    }
}

/// Where a task stands, as the completion rate reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskProgress {
    pub deadline: Date,
    pub status: TaskStatus,
    pub done_on: Option<Date>,
}

impl TaskProgress {
    pub fn on_time(&self) -> bool {
        self.status == TaskStatus::Done && self.done_on.is_some_and(|d| d <= self.deadline)
    }

    /// Past its deadline on `today` and not done.
    pub fn overdue(&self, today: Date) -> bool {
        self.status != TaskStatus::Done && today > self.deadline
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    pub total: usize,
    pub done: usize,
    pub on_time: usize,
    pub overdue: usize,
}

impl Completion {
    pub fn of(tasks: &[TaskProgress], today: Date) -> Self {
        Self {
            total: tasks.len(),
            done: tasks.iter().filter(|t| t.status == TaskStatus::Done).count(),
            on_time: tasks.iter().filter(|t| t.on_time()).count(),
            overdue: tasks.iter().filter(|t| t.overdue(today)).count(),
        }
    }

    /// Tasks done on time ÷ all tasks × 100; none without tasks.
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.on_time as f64 * 100.0 / self.total as f64)
    }
}

/// A task as written by the plan's owner.
pub fn check_task(content: &str, product: &str, deadline: Option<Date>, year: i32) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    if content.trim().is_empty() {
        errors.push("Hãy ghi nội dung nhiệm vụ.".to_string());
    }
    if product.trim().is_empty() {
        errors.push("Hãy ghi sản phẩm của nhiệm vụ.".into());
    }
    if content.chars().count() > 2000 || product.chars().count() > 500 {
        errors.push("Nội dung dài tối đa 2.000 ký tự, sản phẩm 500 ký tự.".into());
    }
    match deadline {
        None => errors.push("Thời hạn hoàn thành nhập theo dạng dd/mm/yyyy.".into()),
        Some(d) if d.year() < year || d.year() > year + 1 => errors.push(format!("Thời hạn phải trong năm kế hoạch {year} (hoặc năm sau).")),
        Some(_) => {}
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A status change: a done task needs the day it was done, not after `today`; others have none.
pub fn check_progress(status: TaskStatus, done_on: Option<Date>, today: Date) -> Result<(), String> {
    match (status, done_on) {
        (TaskStatus::Done, None) => Err("Nhiệm vụ đã hoàn thành cần ngày hoàn thành (dd/mm/yyyy).".into()),
        (TaskStatus::Done, Some(d)) if d > today => Err("Ngày hoàn thành không được sau hôm nay.".into()),
        (TaskStatus::Done, Some(_)) => Ok(()),
        (_, Some(_)) => Err("Chỉ ghi ngày hoàn thành khi nhiệm vụ đã hoàn thành.".into()),
        (_, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn task(deadline: Date, status: TaskStatus, done_on: Option<Date>) -> TaskProgress {
        TaskProgress { deadline, status, done_on }
    }

    #[test]
    fn the_rate_counts_tasks_done_by_their_deadline() {
        let tasks = [
            task(date!(2026 - 03 - 31), TaskStatus::Done, Some(date!(2026 - 03 - 31))),
            task(date!(2026 - 06 - 30), TaskStatus::Done, Some(date!(2026 - 07 - 02))),
            task(date!(2026 - 09 - 30), TaskStatus::InProgress, None),
            task(date!(2026 - 12 - 31), TaskStatus::NotStarted, None),
        ];
        let completion = Completion::of(&tasks, date!(2026 - 10 - 01));
        assert_eq!(completion, Completion { total: 4, done: 2, on_time: 1, overdue: 1 });
        assert_eq!(completion.rate(), Some(25.0));
        assert_eq!(Completion::of(&[], date!(2026 - 10 - 01)).rate(), None);
    }

    #[test]
    fn tasks_and_progress_are_checked() {
        assert!(check_task("Rà soát TTHC", "Báo cáo", Some(date!(2026 - 06 - 30)), 2026).is_ok());
        assert_eq!(check_task(" ", "", None, 2026).unwrap_err().len(), 3);
        assert!(check_task("Rà soát", "Báo cáo", Some(date!(2024 - 06 - 30)), 2026).is_err());
        let today = date!(2026 - 10 - 01);
        assert!(check_progress(TaskStatus::Done, Some(today), today).is_ok());
        assert!(check_progress(TaskStatus::Done, None, today).is_err());
        assert!(check_progress(TaskStatus::Done, Some(date!(2026 - 10 - 02)), today).is_err());
        assert!(check_progress(TaskStatus::InProgress, Some(today), today).is_err());
    }
}

//! A unit's record over a period: what it received, answered, on time or late, what waits past
//! its deadline, how long answers took in working days, and how useful askers found them.

use super::{Status, is_overdue, on_time};
use crate::calendar::WorkingCalendar;

/// One question as counted.
#[derive(Clone, Copy, Debug)]
pub struct Counted {
    pub status: Status,
    pub received_at: i64,
    pub first_deadline_at: i64,
    pub deadline_at: i64,
    pub answered_at: Option<i64>,
    pub useful: i64,
    pub not_useful: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub received: u64,
    pub answered: u64,
    pub on_time: u64,
    /// Still waiting, past the deadline.
    pub overdue: u64,
    pub pending: u64,
    pub declined: u64,
    /// Working days the answers took, summed.
    pub answer_days: u64,
    pub useful: u64,
    pub not_useful: u64,
}

impl Tally {
    pub fn add(&mut self, q: &Counted, now: i64, calendar: &WorkingCalendar) {
        self.received += 1;
        match (q.status, q.answered_at) {
            (Status::Answered, Some(at)) => {
                self.answered += 1;
                self.on_time += u64::from(on_time(at, q.first_deadline_at));
                self.answer_days += u64::from(calendar.working_days_between(q.received_at, at));
            }
            (Status::Declined, _) => self.declined += 1,
            (status, _) => {
                self.pending += 1;
                self.overdue += u64::from(is_overdue(status, q.deadline_at, now));
            }
        }
        self.useful += q.useful.max(0) as u64;
        self.not_useful += q.not_useful.max(0) as u64;
    }

    /// Mean working days to an answer.
    pub fn mean_days(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.answer_days as f64 / self.answered as f64)
    }

    /// Share of answers given on time, in per cent.
    pub fn on_time_percent(&self) -> Option<f64> {
        (self.answered > 0).then(|| 100.0 * self.on_time as f64 / self.answered as f64)
    }

    /// Share of "useful" among the askers' and readers' votes, in per cent.
    pub fn useful_percent(&self) -> Option<f64> {
        let votes = self.useful + self.not_useful;
        (votes > 0).then(|| 100.0 * self.useful as f64 / votes as f64)
    }

    pub fn merge(&mut self, other: &Tally) {
        self.received += other.received;
        self.answered += other.answered;
        self.on_time += other.on_time;
        self.overdue += other.overdue;
        self.pending += other.pending;
        self.declined += other.declined;
        self.answer_days += other.answer_days;
        self.useful += other.useful;
        self.not_useful += other.not_useful;
    }
}

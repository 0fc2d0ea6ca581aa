//! The rating kiosk at a one-stop counter (SPEC §3.1, Decision 766): a tablet facing the citizen
//! that takes one quick rating each time the officer at the counter invites it, attributed to that
//! officer. The rules here keep the ratings honest.

/// When a kiosk takes a rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KioskRules {
    /// An invitation to rate lasts this long.
    pub armed_ms: i64,
    /// Two ratings at one kiosk are at least this far apart.
    pub min_gap_ms: i64,
    /// At most this many ratings at one kiosk in an hour.
    pub max_per_hour: i64,
}

impl Default for KioskRules {
    fn default() -> Self {
        Self { armed_ms: 5 * 60_000, min_gap_ms: 15_000, max_per_hour: 60 }
    }
}

/// A kiosk as it stands when a rating arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KioskMoment {
    pub now: i64,
    /// The officer invited a rating until then (none when not invited).
    pub armed_until: Option<i64>,
    pub last_rating_at: Option<i64>,
    pub ratings_last_hour: i64,
    /// The official on duty at the counter, and the official signed in on the device that sends
    /// the rating, if any.
    pub on_duty: Option<i64>,
    pub signed_in: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KioskRefusal {
    #[error("Mời anh/chị đánh giá sau khi được công chức tiếp nhận, giải quyết hồ sơ.")]
    NotInvited,
    #[error("Công chức không được tự đánh giá mình: hãy đăng xuất khỏi máy đánh giá.")]
    SelfRating,
    #[error("Vừa có một lượt đánh giá tại quầy này; vui lòng chờ giây lát.")]
    TooSoon,
    #[error("Quầy này đã nhận quá nhiều lượt đánh giá trong một giờ; vui lòng báo cán bộ phụ trách.")]
    TooMany,
}

impl KioskRules {
    /// Whether the kiosk takes a rating now.
    pub fn admit(&self, m: &KioskMoment) -> Result<(), KioskRefusal> {
        if m.on_duty.is_some() && m.signed_in == m.on_duty {
            return Err(KioskRefusal::SelfRating);
        }
        if m.armed_until.is_none_or(|until| m.now >= until) {
            return Err(KioskRefusal::NotInvited);
        }
        if m.last_rating_at.is_some_and(|at| m.now - at < self.min_gap_ms) {
            return Err(KioskRefusal::TooSoon);
        }
        if m.ratings_last_hour >= self.max_per_hour {
            return Err(KioskRefusal::TooMany);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment() -> KioskMoment {
        KioskMoment { now: 1_000_000, armed_until: Some(1_060_000), last_rating_at: None, ratings_last_hour: 0, on_duty: Some(7), signed_in: None }
    }

    #[test]
    fn a_kiosk_rates_once_invited_and_never_its_own_officer() {
        let rules = KioskRules::default();
        assert_eq!(rules.admit(&moment()), Ok(()));
        assert_eq!(rules.admit(&KioskMoment { armed_until: None, ..moment() }), Err(KioskRefusal::NotInvited));
        assert_eq!(rules.admit(&KioskMoment { armed_until: Some(999_999), ..moment() }), Err(KioskRefusal::NotInvited), "the invitation lapsed");
        assert_eq!(rules.admit(&KioskMoment { signed_in: Some(7), ..moment() }), Err(KioskRefusal::SelfRating));
        assert_eq!(rules.admit(&KioskMoment { signed_in: Some(8), ..moment() }), Ok(()), "another official may rate");
        assert_eq!(rules.admit(&KioskMoment { last_rating_at: Some(990_000), ..moment() }), Err(KioskRefusal::TooSoon));
        assert_eq!(rules.admit(&KioskMoment { last_rating_at: Some(985_000), ..moment() }), Ok(()));
        assert_eq!(rules.admit(&KioskMoment { ratings_last_hour: 60, ..moment() }), Err(KioskRefusal::TooMany));
        assert_eq!(rules.admit(&KioskMoment { on_duty: None, signed_in: None, ..moment() }), Ok(()));
    }
}

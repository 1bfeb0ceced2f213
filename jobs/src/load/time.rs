//! Local wall-clock times of the datasets → UTC instants.
//!
//! Every dataset publishes local time without an offset, so the two
//! daylight-saving transitions need an explicit rule: a local time that
//! occurs twice (autumn) is resolved by the caller's [`Fold`], and one that
//! never occurs (spring) is an error unless the caller skipped the row.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::ParseError;

/// Which instant an ambiguous (repeated) local time denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fold {
    /// The first occurrence, still on summer time (the larger UTC offset).
    Earlier,
    /// The second occurrence, already on standard time.
    Later,
}

/// Converts `local` in `zone` to UTC, resolving a repeated hour by `fold`.
pub(crate) fn to_utc(
    zone: Tz,
    local: NaiveDateTime,
    fold: Fold,
    line: u64,
) -> Result<DateTime<Utc>, ParseError> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, later) => Ok(if fold == Fold::Earlier {
            earlier
        } else {
            later
        }
        .with_timezone(&Utc)),
        LocalResult::None => Err(ParseError::NonexistentLocalTime {
            line,
            value: local.to_string(),
            zone: zone.name(),
        }),
    }
}

/// True when `local` occurs twice in `zone` (the autumn fall-back hour).
pub(crate) fn is_ambiguous(zone: Tz, local: NaiveDateTime) -> bool {
    matches!(zone.from_local_datetime(&local), LocalResult::Ambiguous(..))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use chrono_tz::{America::Chicago, Asia::Shanghai, Europe::Brussels};

    fn local(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("valid date")
    }

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        local(y, m, d, h).and_utc()
    }

    #[test]
    fn brussels_autumn_repeated_hour_maps_to_two_instants() {
        // 2022-10-30 02:00 occurs at 00:00 UTC (CEST) and again at 01:00 UTC (CET).
        let t = local(2022, 10, 30, 2);
        assert!(is_ambiguous(Brussels, t));
        assert_eq!(
            to_utc(Brussels, t, Fold::Earlier, 1).expect("earlier"),
            utc(2022, 10, 30, 0)
        );
        assert_eq!(
            to_utc(Brussels, t, Fold::Later, 1).expect("later"),
            utc(2022, 10, 30, 1)
        );
    }

    #[test]
    fn brussels_spring_gap_is_an_error() {
        let err = to_utc(Brussels, local(2022, 3, 27, 2), Fold::Earlier, 9);
        assert!(
            matches!(err, Err(ParseError::NonexistentLocalTime { line: 9, .. })),
            "{err:?}"
        );
        assert_eq!(
            to_utc(Brussels, local(2022, 3, 27, 3), Fold::Earlier, 9).expect("03:00 CEST"),
            utc(2022, 3, 27, 1)
        );
    }

    #[test]
    fn chicago_and_shanghai_offsets() {
        assert_eq!(
            to_utc(Chicago, local(2016, 1, 5, 8), Fold::Earlier, 1).expect("CST"),
            utc(2016, 1, 5, 14)
        );
        assert_eq!(
            to_utc(Chicago, local(2016, 7, 5, 8), Fold::Earlier, 1).expect("CDT"),
            utc(2016, 7, 5, 13)
        );
        assert_eq!(
            to_utc(Chicago, local(2016, 11, 6, 1), Fold::Earlier, 1).expect("CDT fold"),
            utc(2016, 11, 6, 6)
        );
        assert_eq!(
            to_utc(Shanghai, local(2017, 1, 1, 0), Fold::Earlier, 1).expect("CST+8"),
            utc(2016, 12, 31, 16)
        );
    }
}

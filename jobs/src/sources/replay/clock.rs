//! The replay time mapping: dataset instants ↔ present instants.
//!
//! A dataset is cut into steps of one hour (all three bundled datasets are
//! hourly). Replay uses its longest run of *dense* weeks (Monday 00:00 UTC
//! to Monday, each with data in at least half of its hours): the I-94 file,
//! for one, has a ten-month hole in 2014–2015 that would otherwise replay as
//! ten months of silence, and partial first/last weeks are left out. The
//! run's first Monday is the *origin*; its length in hours is the *cycle*
//! `N`. The
//! deployment *epoch* (a Monday 00:00 UTC, `refresh.replay.epoch`) is where
//! cycle 0 starts. Global step `n` (hours since the epoch) replays dataset
//! step `k = n mod N` (N = steps per cycle) of cycle `c = n div N`, shifted by
//!
//! ```text
//! shift(c) = (epoch − origin) + c · N · 1 h
//! ```
//!
//! so a dataset row at `origin + k h + δ` is stored at `epoch + n h + δ`.
//! Because the shift is a whole number of weeks, replayed rows keep their
//! weekday and UTC hour of day (rush hours stay rush hours). Every (cycle,
//! step) maps to a distinct present hour, which keeps natural keys unique
//! across cycles, and the mapping depends only on the epoch and the dataset:
//! every deployment with the same epoch replays the same hour at the same
//! time.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

/// One hour, the step of every bundled dataset.
pub const STEP: Duration = Duration::hours(1);
const WEEK_STEPS: i64 = 7 * 24;
/// A week joins the replay window when at least this many of its hours have rows.
const DENSE_WEEK_HOURS: usize = 84;

/// The mapping of one dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayClock {
    epoch: DateTime<Utc>,
    origin: DateTime<Utc>,
    steps_per_cycle: i64,
}

/// `t` floored to the Monday 00:00 UTC at or before it.
pub fn week_floor(t: DateTime<Utc>) -> DateTime<Utc> {
    let days = i64::from(t.weekday().num_days_from_monday());
    let midnight = t
        - Duration::seconds(i64::from(t.num_seconds_from_midnight()))
        - Duration::nanoseconds(i64::from(t.nanosecond()));
    midnight - Duration::days(days)
}

impl ReplayClock {
    /// The mapping of a dataset with rows at `times`, replayed from `epoch`
    /// (a Monday 00:00 UTC; validated in the settings); `None` when no week
    /// is dense.
    pub fn new(
        epoch: DateTime<Utc>,
        times: impl IntoIterator<Item = DateTime<Utc>>,
    ) -> Option<Self> {
        let mut hours = BTreeSet::new();
        for t in times {
            hours.insert(t.timestamp().div_euclid(STEP.num_seconds()));
        }
        let mut weeks: BTreeMap<DateTime<Utc>, usize> = BTreeMap::new();
        for h in hours {
            let t = DateTime::from_timestamp(h * STEP.num_seconds(), 0).unwrap_or_default();
            *weeks.entry(week_floor(t)).or_default() += 1;
        }
        let (origin, len) = longest_dense_run(&weeks)?;
        Some(Self {
            epoch,
            origin,
            steps_per_cycle: len * WEEK_STEPS,
        })
    }

    /// Steps in one pass over the dataset.
    pub fn steps_per_cycle(&self) -> i64 {
        self.steps_per_cycle
    }

    /// The global step whose hour contains `now`.
    pub fn step_at(&self, now: DateTime<Utc>) -> i64 {
        (now - self.epoch)
            .num_seconds()
            .div_euclid(STEP.num_seconds())
    }

    /// Dataset step index of a dataset instant.
    pub fn dataset_step(&self, t: DateTime<Utc>) -> i64 {
        (t - self.origin)
            .num_seconds()
            .div_euclid(STEP.num_seconds())
    }

    /// (cycle, dataset step) of global step `n`.
    pub fn locate(&self, n: i64) -> (i64, i64) {
        (
            n.div_euclid(self.steps_per_cycle),
            n.rem_euclid(self.steps_per_cycle),
        )
    }

    /// How far rows of `cycle` move.
    pub fn shift(&self, cycle: i64) -> Duration {
        (self.epoch - self.origin) + Duration::hours(cycle * self.steps_per_cycle)
    }

    /// Start of global step `n` in present time.
    pub fn step_start(&self, n: i64) -> DateTime<Utc> {
        self.epoch + Duration::hours(n)
    }
}

/// (first Monday, weeks) of the longest run of consecutive dense weeks.
fn longest_dense_run(weeks: &BTreeMap<DateTime<Utc>, usize>) -> Option<(DateTime<Utc>, i64)> {
    let mut best: Option<(DateTime<Utc>, i64)> = None;
    let mut current: Option<(DateTime<Utc>, i64)> = None;
    let mut previous: Option<DateTime<Utc>> = None;
    for (&week, &n) in weeks {
        let follows = previous.is_some_and(|p| week - p == Duration::weeks(1));
        current = match (n >= DENSE_WEEK_HOURS, current) {
            (false, _) => None,
            (true, Some((start, len))) if follows => Some((start, len + 1)),
            (true, _) => Some((week, 1)),
        };
        if let Some(c) = current {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
        previous = Some(week);
    }
    best
}

/// Which global step a run replays: the one after `cursor`, but never ahead
/// of `target` (the present step) and never more than `backfill` steps
/// behind it. With no cursor (first run) replay starts `backfill` behind.
pub fn next_step(cursor: Option<i64>, target: i64, backfill: i64) -> i64 {
    let floor = target - backfill;
    match cursor {
        None => floor,
        Some(c) if c >= target => target,
        Some(c) => (c + 1).max(floor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
            .single()
            .expect("valid")
    }

    fn hourly(from: DateTime<Utc>, n: i64) -> Vec<DateTime<Utc>> {
        (0..n).map(|i| from + Duration::hours(i)).collect()
    }

    #[test]
    fn the_window_is_the_longest_run_of_dense_weeks() {
        let epoch = t(2025, 1, 6, 0);
        // A partial first week, 3 dense weeks, a 5-week hole, 2 dense weeks.
        let mut times = hourly(t(2017, 1, 1, 0), 20);
        times.extend(hourly(t(2017, 1, 2, 0), 3 * 168));
        times.extend(hourly(t(2017, 2, 27, 0), 2 * 168));
        let clock = ReplayClock::new(epoch, times).expect("dense");
        assert_eq!(clock.steps_per_cycle(), 3 * 168);
        assert_eq!(clock.dataset_step(t(2017, 1, 2, 0)), 0);
        assert!(ReplayClock::new(epoch, hourly(t(2017, 1, 2, 0), 10)).is_none());
    }

    #[test]
    fn week_floor_goes_back_to_monday_midnight() {
        // 2017-03-01 was a Wednesday.
        assert_eq!(week_floor(t(2017, 3, 1, 13)), t(2017, 2, 27, 0));
        assert_eq!(week_floor(t(2017, 2, 27, 0)), t(2017, 2, 27, 0));
    }

    #[test]
    fn rows_keep_weekday_and_hour_and_cycles_do_not_collide() {
        let epoch = t(2025, 1, 6, 0);
        // Hourly rows from Mon 2017-02-27 00:00 to Sun 2017-03-12 23:00: two weeks.
        let clock = ReplayClock::new(epoch, hourly(t(2017, 2, 27, 0), 2 * 168)).expect("dense");
        assert_eq!(clock.steps_per_cycle(), 2 * 168);
        let row = t(2017, 3, 1, 5);
        let k = clock.dataset_step(row);
        let shifted = row + clock.shift(0);
        assert_eq!(shifted.weekday(), row.weekday());
        assert_eq!(shifted.hour(), row.hour());
        assert_eq!(clock.step_at(shifted), k);
        let second = row + clock.shift(1);
        assert_eq!(clock.locate(clock.step_at(second)), (1, k));
        assert_eq!(second - shifted, Duration::hours(2 * 168));
    }

    #[test]
    fn the_present_hour_maps_to_its_step() {
        let epoch = t(2025, 1, 6, 0);
        let clock = ReplayClock::new(epoch, hourly(t(2017, 1, 2, 0), 168)).expect("dense");
        let now = t(2026, 11, 25, 21) + Duration::minutes(7);
        let n = clock.step_at(now);
        assert_eq!(clock.step_start(n), t(2026, 11, 25, 21));
        let (c, k) = clock.locate(n);
        assert_eq!(c * clock.steps_per_cycle() + k, n);
    }

    #[test]
    fn next_step_catches_up_one_at_a_time_and_never_runs_ahead() {
        assert_eq!(next_step(None, 100, 24), 76);
        assert_eq!(next_step(Some(76), 100, 24), 77);
        assert_eq!(next_step(Some(100), 100, 24), 100);
        assert_eq!(next_step(Some(130), 100, 24), 100, "clock went back");
        assert_eq!(next_step(Some(10), 100, 24), 76, "long stop: bounded lag");
        assert_eq!(next_step(None, 100, 0), 100);
    }
}

//! Keeps the daily air-quality rollup (`zkcity_migrations::rollup`) true in
//! the transaction that writes the readings: the days a write touched are
//! recomputed from the readings before it commits, so a reader never sees
//! readings and rollup disagree (public reads are served from both).
//!
//! Two writers of readings (an import beside a refresh run, or two server
//! processes) could each recompute a day without seeing the other's
//! uncommitted readings, and the later commit would store a sum missing
//! the other's. On PostgreSQL they are therefore serialized by a
//! transaction-scoped advisory lock taken before the readings are written;
//! SQLite already admits one writer at a time.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, Statement};
use zkcity_entities::ecological::air_quality_observation as aq;
use zkcity_migrations::rollup;

/// First key of the writers' advisory lock: "zkro" in ASCII, apart from the
/// unit locks ("zkrf") and the audit log's.
const LOCK_CLASS: i32 = 0x7a6b_726f;

/// Waits until no other transaction writes readings; held until this
/// transaction ends. A no-op outside PostgreSQL.
pub(crate) async fn lock_writers(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    db.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, 0)",
        [LOCK_CLASS.into()],
    ))
    .await?;
    Ok(())
}

/// First and last UTC day written, per station.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct TouchedDays(BTreeMap<String, (NaiveDate, NaiveDate)>);

impl TouchedDays {
    /// Notes a reading of `station` at `at`.
    pub(crate) fn add(&mut self, station: &str, at: DateTime<Utc>) {
        let day = at.date_naive();
        self.0
            .entry(station.to_owned())
            .and_modify(|(first, last)| {
                *first = (*first).min(day);
                *last = (*last).max(day);
            })
            .or_insert((day, day));
    }

    /// The days of `rows` (rows without station or time are skipped: the
    /// insert rejects them anyway).
    pub(crate) fn of(rows: &[aq::ActiveModel]) -> Self {
        let mut days = Self::default();
        for r in rows {
            if let (Some(station), Some(at)) =
                (r.station_id.try_as_ref(), r.date_observed.try_as_ref())
            {
                days.add(station, *at);
            }
        }
        days
    }

    /// The readings of whole touched days: per station, from the first
    /// day's midnight to the midnight after the last (days in between
    /// included, so the condition stays one range per station).
    fn condition(&self) -> Condition {
        self.0
            .iter()
            .fold(Condition::any(), |any, (station, (first, last))| {
                let from = midnight(*first);
                let to = last
                    .checked_add_signed(TimeDelta::days(1))
                    .map(midnight)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
                any.add(
                    Condition::all()
                        .add(aq::Column::StationId.eq(station.as_str()))
                        .add(aq::Column::DateObserved.gte(from))
                        .add(aq::Column::DateObserved.lt(to)),
                )
            })
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Recomputes the rollup rows of the touched days from the readings
/// (one statement).
pub(crate) async fn refill(db: &impl ConnectionTrait, days: &TouchedDays) -> Result<(), DbErr> {
    if days.0.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    db.execute(backend.build(&rollup::refill(backend, days.condition())))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn touched_days_span_first_to_last_per_station() {
        let mut d = TouchedDays::default();
        let t = |day, h| {
            Utc.with_ymd_and_hms(2017, 1, day, h, 0, 0)
                .single()
                .expect("valid time")
        };
        d.add("a", t(5, 23));
        d.add("a", t(3, 0));
        d.add("b", t(4, 12));
        let day = |n| NaiveDate::from_ymd_opt(2017, 1, n).expect("valid day");
        assert_eq!(d.0["a"], (day(3), day(5)));
        assert_eq!(d.0["b"], (day(4), day(4)));
        let sql = sea_orm::sea_query::Query::select()
            .expr(sea_orm::sea_query::Expr::cust("1"))
            .cond_where(d.condition())
            .to_string(sea_orm::sea_query::PostgresQueryBuilder);
        // Whole days: from the first midnight to the midnight after the last.
        assert!(sql.contains("'2017-01-03 00:00:00.000000 +00:00'"), "{sql}");
        assert!(sql.contains("'2017-01-06 00:00:00.000000 +00:00'"), "{sql}");
        assert!(
            sql.contains("'2017-01-04 00:00:00.000000 +00:00'")
                && sql.contains("'2017-01-05 00:00:00.000000 +00:00'"),
            "{sql}"
        );
    }
}

//! The daily air-quality rollup: one row per station and UTC day holding,
//! per measure, the sum, count, minimum and maximum of that day's readings.
//!
//! Daily aggregates then read ~30 rows per station-month instead of ~720
//! readings. The table is derived data, like a materialized view kept
//! current by hand: its definition lives here, beside the schema, because
//! two writers fill it — the migration that creates it (from the readings
//! already stored) and every write of readings (`zkcity-jobs`' store, in the
//! writer's transaction). Both call [`refill`], so they cannot disagree.
//!
//! Readings are never deleted, so a day's row only ever needs recomputing,
//! never removing. The day is text `YYYY-MM-DD` (UTC) on both backends:
//! ISO dates compare correctly as text, and SQLite has no date type.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// The rollup table.
pub const TABLE: &str = "air_quality_daily";
/// The table it is derived from.
pub const SOURCE: &str = "air_quality_observation";
/// The measures rolled up, each a numeric column of [`SOURCE`].
pub const MEASURES: [&str; 7] = ["aqi", "pm25", "pm10", "no2", "so2", "o3", "co"];
/// The four statistics kept per measure: column suffix and the SQL aggregate
/// over a day's readings that fills it.
pub const PARTS: [(&str, &str); 4] = [
    ("sum", "SUM"),
    ("n", "COUNT"),
    ("min", "MIN"),
    ("max", "MAX"),
];

/// Name of the rollup column holding `part` of `measure`, e.g. `pm25_sum`.
pub fn column(measure: &str, part: &str) -> String {
    format!("{measure}_{part}")
}

/// SQL of the UTC day (`YYYY-MM-DD`) of the timestamp column `col`.
pub fn day_sql(backend: DatabaseBackend, col: &str) -> String {
    match backend {
        DatabaseBackend::Sqlite => format!("strftime('%Y-%m-%d', {col})"),
        _ => format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
    }
}

/// `INSERT INTO air_quality_daily … SELECT … FROM air_quality_observation
/// WHERE cond GROUP BY station, day ON CONFLICT DO UPDATE`: recomputes the
/// rows of every (station, day) with a reading matching `cond`. `cond`
/// must select whole days (a partial day would store a partial sum); an
/// empty `cond` recomputes everything.
pub fn refill(backend: DatabaseBackend, cond: Condition) -> InsertStatement {
    let day = day_sql(backend, "date_observed");
    let mut select = Query::select();
    select
        .from(Alias::new(SOURCE))
        .column(Alias::new("station_id"))
        .expr(Expr::cust(&day))
        .expr(Expr::cust("COUNT(*)"));
    let mut columns = vec![
        Alias::new("station_id"),
        Alias::new("day"),
        Alias::new("observations"),
    ];
    for m in MEASURES {
        for (part, f) in PARTS {
            // SUM/MIN/MAX as double: `aqi` is an integer column.
            let value = match part {
                "n" => format!("{f}({m})"),
                _ => format!("{f}(CAST({m} AS DOUBLE PRECISION))"),
            };
            select.expr(Expr::cust(value));
            columns.push(Alias::new(column(m, part)));
        }
    }
    // SQLite needs a WHERE in an INSERT … SELECT … ON CONFLICT (else
    // ON is read as a join constraint): TRUE stands in for no condition.
    select
        .cond_where(Condition::all().add(cond).add(Expr::cust("TRUE")))
        .add_group_by([Expr::col(Alias::new("station_id")).into(), Expr::cust(&day)]);
    let updated: Vec<Alias> = columns.iter().skip(2).cloned().collect();
    Query::insert()
        .into_table(Alias::new(TABLE))
        .columns(columns)
        .select_from(select)
        .expect("the SELECT lists one value per column")
        .on_conflict(
            OnConflict::columns([Alias::new("station_id"), Alias::new("day")])
                .update_columns(updated)
                .to_owned(),
        )
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refill_lists_every_part_of_every_measure_once() {
        let sql =
            refill(DatabaseBackend::Postgres, Condition::all()).to_string(PostgresQueryBuilder);
        for m in MEASURES {
            for (part, _) in PARTS {
                let name = format!("\"{}\"", column(m, part));
                // Once in the column list, twice in the update (SET x = excluded.x).
                assert_eq!(sql.matches(&name).count(), 3, "{name} in {sql}");
            }
        }
        assert!(sql.contains(
            "GROUP BY \"station_id\", to_char(date_observed AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        ));
    }

    #[test]
    fn refill_keeps_an_any_condition_whole() {
        let two_stations = Condition::any()
            .add(Expr::col(Alias::new("station_id")).eq("a"))
            .add(Expr::col(Alias::new("station_id")).eq("b"));
        let sql = refill(DatabaseBackend::Sqlite, two_stations).to_string(SqliteQueryBuilder);
        assert!(
            sql.contains(
                "WHERE (\"station_id\" = 'a' OR \"station_id\" = 'b') AND (TRUE) GROUP BY"
            ),
            "{sql}"
        );
    }
}

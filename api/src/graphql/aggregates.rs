//! Time-bucketed aggregates computed by the database (GROUP BY), never by
//! loading rows into the server. PostgreSQL and SQLite truncate timestamps
//! differently, so the bucket expression is the one backend-specific piece.

use std::collections::HashMap;

use async_graphql::{Context, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, DatabaseBackend, QueryResult};

use zkcity_migrations::rollup;

use super::context::gql;
use super::error::{ApiError, ApiResult};
use super::filters::TimeBucket;

/// `avg`/`min`/`max` of one measure over a bucket; `None` when the bucket
/// has no value for it.
#[derive(SimpleObject, Debug, Clone, Copy, Default)]
pub struct Stats {
    pub avg: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// One measure to aggregate and which of its statistics the query selected:
/// a statistic nobody asked for is not computed (each costs the database a
/// pass over the group's values).
pub struct Measure {
    /// Name in [`AggregateRow::stats`]; also the GraphQL field of its `Stats`.
    pub name: &'static str,
    source: Source,
    pub avg: bool,
    pub min: bool,
    pub max: bool,
}

/// Where a measure's values come from.
enum Source {
    /// SQL expression of each row's value.
    Values(String),
    /// A rollup table holding `<name>_sum`, `_n`, `_min` and `_max` per
    /// row (`zkcity_migrations::rollup`): the average is the sum of sums
    /// over the sum of counts, exact however rows are grouped.
    Rollup(&'static str),
}

impl Measure {
    /// The measure `name` with the statistics selected under the GraphQL
    /// field of the same name (`pm25 { avg }`); `None` when none is.
    pub fn selected(ctx: &Context<'_>, name: &'static str, sql: String) -> Option<Self> {
        Self::selected_from(ctx, name, Source::Values(sql))
    }

    /// As [`Measure::selected`], from the rollup table `table`.
    pub fn selected_rollup(
        ctx: &Context<'_>,
        name: &'static str,
        table: &'static str,
    ) -> Option<Self> {
        Self::selected_from(ctx, name, Source::Rollup(table))
    }

    fn selected_from(ctx: &Context<'_>, name: &'static str, source: Source) -> Option<Self> {
        let field = ctx.look_ahead().field(name);
        Self::with_source(name, source, |f| field.field(f).exists())
    }

    /// The measure with the statistics `wanted` says yes to; `None` when none.
    pub fn with(name: &'static str, sql: String, wanted: impl Fn(&str) -> bool) -> Option<Self> {
        Self::with_source(name, Source::Values(sql), wanted)
    }

    fn with_source(
        name: &'static str,
        source: Source,
        wanted: impl Fn(&str) -> bool,
    ) -> Option<Self> {
        let m = Measure {
            name,
            source,
            avg: wanted("avg"),
            min: wanted("min"),
            max: wanted("max"),
        };
        (m.avg || m.min || m.max).then_some(m)
    }

    /// The selected statistics with the SQL aggregate computing each.
    fn functions(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        [("avg", self.avg), ("min", self.min), ("max", self.max)]
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(f, _)| (f, self.aggregate(f)))
    }

    fn aggregate(&self, f: &str) -> String {
        match &self.source {
            Source::Values(sql) => format!("{f}({sql})"),
            Source::Rollup(table) => {
                let part = |p: &str| col(table, &rollup::column(self.name, p));
                match f {
                    "avg" => format!(
                        "SUM({}) / NULLIF(CAST(SUM({}) AS DOUBLE PRECISION), 0)",
                        part("sum"),
                        part("n")
                    ),
                    _ => format!("{f}({})", part(f)),
                }
            }
        }
    }
}

/// Where a bucket's start comes from.
#[derive(Clone, Copy)]
pub enum Time<'a> {
    /// A qualified timestamp column, truncated to the bucket by the database.
    Column(&'a str),
    /// A rollup's qualified `YYYY-MM-DD` day column: already a day bucket.
    Day(&'a str),
}

/// Counts the rows of a group (the readings themselves).
pub const COUNT_ROWS: &str = "COUNT(*)";

/// What to aggregate: a table, how rows are grouped and which measures.
/// `Clone` because a read may run twice (on a replica, then the primary).
#[derive(Clone)]
pub struct AggregateSpec<'a> {
    /// Quoted table the rows come from (plus joins in `from`).
    pub from: SelectStatement,
    /// SQL of the grouping key, e.g. `"air_quality_observation"."station_id"`.
    pub key_sql: &'a str,
    /// What gives each row's bucket.
    pub time: Time<'a>,
    /// SQL of a group's row count: [`COUNT_ROWS`], or the sum of a
    /// rollup's counts.
    pub count_sql: &'a str,
    /// Measures with the statistics to compute.
    pub measures: &'a [Measure],
    /// Extra aggregate expressions returned as-is (name, SQL of the aggregate).
    pub extra: &'a [(&'a str, String)],
    pub condition: Condition,
    pub bucket: TimeBucket,
}

/// One group × bucket.
#[derive(Debug, Clone)]
pub struct AggregateRow {
    pub key: String,
    pub bucket_start: DateTime<Utc>,
    pub count: i64,
    stats: HashMap<String, Stats>,
    extra: HashMap<String, Option<f64>>,
}

impl AggregateRow {
    /// The stats of the measure `name` (all `None` when the bucket has no value).
    pub fn stats(&self, name: &str) -> Stats {
        self.stats.get(name).copied().unwrap_or_default()
    }

    /// The value of the extra aggregate `name`.
    pub fn extra(&self, name: &str) -> Option<f64> {
        self.extra.get(name).copied().flatten()
    }
}

/// SQL of a row's bucket start, rendered as RFC 3339 UTC text so both
/// backends return the same type.
fn bucket_sql(backend: DatabaseBackend, bucket: TimeBucket, time: Time<'_>) -> String {
    match (backend, bucket, time) {
        (_, _, Time::Day(col)) => format!("{col} || 'T00:00:00Z'"),
        (DatabaseBackend::Sqlite, TimeBucket::Hour, Time::Column(col)) => format!("strftime('%Y-%m-%dT%H:00:00Z', {col})"),
        (DatabaseBackend::Sqlite, TimeBucket::Day, Time::Column(col)) => format!("strftime('%Y-%m-%dT00:00:00Z', {col})"),
        (_, TimeBucket::Hour, Time::Column(col)) => format!("to_char(date_trunc('hour', {col} AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')"),
        (_, TimeBucket::Day, Time::Column(col)) => format!("to_char(date_trunc('day', {col} AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"00:00:00\"Z\"')"),
    }
}

/// Runs the aggregate on the request's database, ordered by key then bucket
/// start; more buckets than configured is an error.
pub async fn run(ctx: &Context<'_>, spec: AggregateSpec<'_>) -> ApiResult<Vec<AggregateRow>> {
    let max_buckets = gql(ctx).max_buckets;
    let spec = &spec;
    super::context::read(ctx, |db| async move {
        run_on(&db, spec.clone(), max_buckets).await
    })
    .await
}

async fn run_on<C: ConnectionTrait>(
    db: &C,
    spec: AggregateSpec<'_>,
    max_buckets: usize,
) -> ApiResult<Vec<AggregateRow>> {
    let backend = db.get_database_backend();
    let bucket = bucket_sql(backend, spec.bucket, spec.time);
    let mut q = spec.from;
    q.expr_as(Expr::cust(spec.key_sql), Alias::new("k"))
        .expr_as(Expr::cust(&bucket), Alias::new("b"))
        .expr_as(
            Expr::cust(format!("CAST({} AS BIGINT)", spec.count_sql)),
            Alias::new("n"),
        );
    for m in spec.measures {
        for (f, sql) in m.functions() {
            q.expr_as(
                Expr::cust(format!("CAST({sql} AS DOUBLE PRECISION)")),
                Alias::new(format!("{}_{f}", m.name)),
            );
        }
    }
    for (name, sql) in spec.extra {
        q.expr_as(
            Expr::cust(format!("CAST({sql} AS DOUBLE PRECISION)")),
            Alias::new(format!("x_{name}")),
        );
    }
    q.cond_where(spec.condition)
        .add_group_by([Expr::cust(spec.key_sql), Expr::cust(&bucket)])
        .order_by_expr(Expr::cust(spec.key_sql), sea_orm::Order::Asc)
        .order_by_expr(Expr::cust(&bucket), sea_orm::Order::Asc)
        .limit(max_buckets as u64 + 1);
    let rows = db.query_all(backend.build(&q)).await?;
    if rows.len() > max_buckets {
        return Err(ApiError::TooManyBuckets {
            count: rows.len(),
            max: max_buckets,
        });
    }
    rows.iter()
        .map(|r| decode_row(r, spec.measures, spec.extra))
        .collect()
}

fn decode_row(
    row: &QueryResult,
    measures: &[Measure],
    extra: &[(&str, String)],
) -> ApiResult<AggregateRow> {
    let bucket: String = row.try_get("", "b")?;
    let bucket_start = DateTime::parse_from_rfc3339(&bucket)
        .map_err(|e| ApiError::Database(sea_orm::DbErr::Type(format!("bucket {bucket}: {e}"))))?
        .with_timezone(&Utc);
    let mut stats = HashMap::new();
    for m in measures {
        let get = |f: &str, on: bool| -> ApiResult<Option<f64>> {
            if !on {
                return Ok(None);
            }
            Ok(row.try_get::<Option<f64>>("", &format!("{}_{f}", m.name))?)
        };
        stats.insert(
            m.name.to_owned(),
            Stats {
                avg: get("avg", m.avg)?,
                min: get("min", m.min)?,
                max: get("max", m.max)?,
            },
        );
    }
    let mut extras = HashMap::new();
    for (name, _) in extra {
        extras.insert(
            (*name).to_owned(),
            row.try_get::<Option<f64>>("", &format!("x_{name}"))?,
        );
    }
    Ok(AggregateRow {
        key: row.try_get("", "k")?,
        bucket_start,
        count: row.try_get("", "n")?,
        stats,
        extra: extras,
    })
}

/// A qualified, quoted column reference for aggregate SQL.
pub fn col(table: &str, column: &str) -> String {
    format!("\"{table}\".\"{column}\"")
}

//! Filter inputs shared by several connections: time ranges and bounding
//! boxes, each validated before it becomes SQL; and the SQL helpers the
//! tables' filters share.

use async_graphql::{Enum, InputObject};
use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::{Expr, IntoColumnRef, Query};
use sea_orm::{ColumnTrait, Condition};

use super::error::{ApiError, ApiResult};
use super::nodes::FilterInput;

/// A half-open UTC interval `[from, to)`; either end may be left open.
#[derive(InputObject, Clone, Debug, Default)]
pub struct TimeRange {
    /// Inclusive start.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive end.
    pub to: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// The SQL condition on `column`, or an error for an inverted range.
    pub fn condition<C: ColumnTrait>(&self, column: C) -> ApiResult<Condition> {
        self.bounds(column, |t| t)
    }

    /// The same range as a condition on a `YYYY-MM-DD` day column, exact
    /// only when [`TimeRange::whole_days`] holds.
    pub fn day_condition<C: ColumnTrait>(&self, column: C) -> ApiResult<Condition> {
        self.bounds(column, |t| t.format("%Y-%m-%d").to_string())
    }

    /// `column >= value(from) AND column < value(to)`, each end if given.
    fn bounds<C: ColumnTrait, V: Into<sea_orm::Value>>(
        &self,
        column: C,
        value: impl Fn(DateTime<Utc>) -> V,
    ) -> ApiResult<Condition> {
        self.check()?;
        let mut cond = Condition::all();
        if let Some(from) = self.from {
            cond = cond.add(column.gte(value(from)));
        }
        if let Some(to) = self.to {
            cond = cond.add(column.lt(value(to)));
        }
        Ok(cond)
    }

    /// An error for an inverted range.
    pub fn check(&self) -> ApiResult<()> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if from > to => Err(ApiError::BadInput(format!(
                "time range is inverted: from {from} is after to {to}"
            ))),
            _ => Ok(()),
        }
    }

    /// Whether the range selects whole UTC days: each given end is a
    /// midnight, in years written with four digits (so days compare as
    /// text).
    pub fn whole_days(&self) -> bool {
        let midnight =
            |t: DateTime<Utc>| t.time() == chrono::NaiveTime::MIN && (0..=9999).contains(&t.year());
        self.from.is_none_or(midnight) && self.to.is_none_or(midnight)
    }
}

/// A WGS84 box (degrees). Boxes crossing the antimeridian are not supported:
/// split them into two queries.
#[derive(InputObject, Clone, Debug)]
pub struct BoundingBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BoundingBox {
    fn validate(&self) -> ApiResult<()> {
        let lon_ok = |v: f64| (-180.0..=180.0).contains(&v);
        let lat_ok = |v: f64| (-90.0..=90.0).contains(&v);
        if !(lon_ok(self.west) && lon_ok(self.east) && lat_ok(self.south) && lat_ok(self.north)) {
            return Err(ApiError::BadInput(
                "bounding box outside WGS84 degree ranges".into(),
            ));
        }
        if self.west > self.east || self.south > self.north {
            return Err(ApiError::BadInput(
                "bounding box needs west <= east and south <= north".into(),
            ));
        }
        Ok(())
    }

    /// Rows whose point (`lat`, `lon`) lies inside the box, edges included.
    pub fn contains<C: ColumnTrait>(&self, lat: C, lon: C) -> ApiResult<Condition> {
        self.validate()?;
        Ok(Condition::all()
            .add(lat.between(self.south, self.north))
            .add(lon.between(self.west, self.east)))
    }

    /// Rows whose own box (`min_lon`, `min_lat`, `max_lon`, `max_lat`)
    /// touches this one.
    pub fn intersects(
        &self,
        min_lon: impl IntoColumnRef,
        min_lat: impl IntoColumnRef,
        max_lon: impl IntoColumnRef,
        max_lat: impl IntoColumnRef,
    ) -> ApiResult<Condition> {
        self.validate()?;
        Ok(Condition::all()
            .add(Expr::col(min_lon).lte(self.east))
            .add(Expr::col(max_lon).gte(self.west))
            .add(Expr::col(min_lat).lte(self.north))
            .add(Expr::col(max_lat).gte(self.south)))
    }
}

/// Sort direction of a connection's `orderBy`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

/// Time bucket of an aggregate.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimeBucket {
    Hour,
    Day,
}

/// Adds `column IN (values)` when a list was given; an empty list matches nothing.
pub fn in_list<C: ColumnTrait, V: Into<sea_orm::Value> + Clone>(
    cond: Condition,
    column: C,
    values: &Option<Vec<V>>,
) -> Condition {
    match values {
        Some(values) => cond.add(column.is_in(values.iter().cloned())),
        None => cond,
    }
}

/// The filter of a table that other rows stand on (road segments under flow
/// observations, stations under readings), built from a place alone.
pub trait PlaceFilter<E>: FilterInput<E> {
    /// Rows in `district` and touching or inside `bbox`, as this table's own
    /// connection reads those fields.
    fn place(district: Option<String>, bbox: Option<BoundingBox>) -> Self;
}

/// Adds, when a `district` or `bbox` was given, that the row's parent (a
/// station, a road segment) is there: `column IN (SELECT parent_id FROM
/// parent WHERE place)`, the place read by the parent's own filter `P`. A
/// subquery rather than a join keeps the page query on one table, one row
/// per observation.
pub fn by_parent_place<P, C, I>(
    cond: Condition,
    column: C,
    parent_id: I,
    district: &Option<String>,
    bbox: &Option<BoundingBox>,
) -> ApiResult<Condition>
where
    P: PlaceFilter<I::EntityName>,
    C: ColumnTrait,
    I: ColumnTrait,
{
    if district.is_none() && bbox.is_none() {
        return Ok(cond);
    }
    let parents = P::place(district.clone(), bbox.clone()).condition()?;
    let sub = Query::select()
        .column(parent_id)
        .from(I::EntityName::default())
        .cond_where(parents)
        .to_owned();
    Ok(cond.add(column.in_subquery(sub)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverted_range_is_rejected() {
        let now = Utc::now();
        let r = TimeRange {
            from: Some(now),
            to: Some(now - chrono::Duration::hours(1)),
        };
        assert!(matches!(
            r.condition(zkcity_entities::ecological::station::Column::IngestedAt),
            Err(ApiError::BadInput(_))
        ));
    }

    #[test]
    fn whole_days_needs_midnights_in_four_digit_years() {
        let t = |s: &str| {
            Some(
                DateTime::parse_from_rfc3339(s)
                    .expect("valid time")
                    .with_timezone(&Utc),
            )
        };
        let range = |from, to| TimeRange { from, to };
        assert!(range(None, None).whole_days());
        assert!(range(t("2017-01-01T00:00:00Z"), t("2017-02-01T00:00:00Z")).whole_days());
        assert!(range(t("2017-01-01T00:00:00Z"), None).whole_days());
        assert!(!range(t("2017-01-01T00:00:01Z"), None).whole_days());
        assert!(!range(None, t("2017-01-01T23:00:00Z")).whole_days());
        // Midnight in +08:00 is 16:00 UTC: not a UTC day boundary.
        assert!(!range(t("2017-01-01T00:00:00+08:00"), None).whole_days());
        let far = chrono::TimeZone::with_ymd_and_hms(&Utc, 10000, 1, 1, 0, 0, 0).single();
        assert!(far.is_some() && !range(far, None).whole_days());
    }

    fn bbox(west: f64, south: f64, east: f64, north: f64) -> BoundingBox {
        BoundingBox {
            west,
            south,
            east,
            north,
        }
    }

    #[test]
    fn bbox_must_be_ordered_and_in_range() {
        assert!(bbox(10.0, 0.0, 5.0, 1.0).validate().is_err(), "west > east");
        assert!(bbox(0.0, 0.0, 1.0, 91.0).validate().is_err(), "north > 90");
        assert!(bbox(116.0, 39.0, 117.0, 41.0).validate().is_ok());
    }
}

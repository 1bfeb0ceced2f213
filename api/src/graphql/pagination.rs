//! Relay cursor connections with keyset pagination: a cursor encodes the
//! sort key and id of its row, so pages stay stable while rows are being
//! added (an offset would skip or repeat rows under concurrent refreshes) and
//! each page is an index range scan rather than an `OFFSET` walk.

use async_graphql::SimpleObject;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::{Asterisk, Expr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ModelTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value,
};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::error::{ApiError, ApiResult};
use super::filters::SortDirection;
use super::page_rows::PageRows;

/// `first/after/last/before` as received.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    /// The arguments in the order every connection field declares them.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }
}

/// Page-size policy from configuration.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    pub default_size: usize,
    pub max_size: usize,
}

/// The SQL type of a key column, to turn a cursor's JSON back into a bound value.
#[derive(Debug, Clone, Copy)]
pub enum KeyKind {
    Time,
    Float,
    Int,
    Text,
}

/// One key column of an ordering.
#[derive(Debug, Clone, Copy)]
pub struct Key<C> {
    pub column: C,
    pub kind: KeyKind,
}

/// One constructor per [`KeyKind`], so an ordering states a key in a line.
impl<C> Key<C> {
    pub const fn time(column: C) -> Self {
        Self::of(column, KeyKind::Time)
    }

    pub const fn float(column: C) -> Self {
        Self::of(column, KeyKind::Float)
    }

    pub const fn int(column: C) -> Self {
        Self::of(column, KeyKind::Int)
    }

    pub const fn text(column: C) -> Self {
        Self::of(column, KeyKind::Text)
    }

    const fn of(column: C, kind: KeyKind) -> Self {
        Self { column, kind }
    }
}

/// An ordering: a sort key named in cursors, then the id as tie-breaker.
#[derive(Debug, Clone, Copy)]
pub struct Ordering<C> {
    pub name: &'static str,
    pub sort: Key<C>,
    pub id: Key<C>,
    pub direction: SortDirection,
}

impl<C> Ordering<C> {
    /// Orders by `sort` (named in cursors) in `direction`, ties broken by `id`.
    pub fn new((name, sort): (&'static str, Key<C>), id: Key<C>, direction: SortDirection) -> Self {
        Self {
            name,
            sort,
            id,
            direction,
        }
    }
}

/// Extra connection fields.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionFields {
    /// Rows matching the filters, ignoring pagination.
    pub total_count: u64,
}

/// What a connection resolver returns before mapping nodes to GraphQL types.
pub struct Page<M> {
    pub edges: Vec<(String, M)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    pub total_count: u64,
}

#[derive(Serialize, Deserialize)]
struct CursorBody {
    /// Ordering name, so a cursor from another ordering is refused.
    o: String,
    s: Json,
    i: Json,
}

/// Fetches one page of `select` in `ordering`, read into rows by `reader`.
pub async fn paginate<E, C, R>(
    db: &C,
    select: Select<E>,
    ordering: Ordering<E::Column>,
    args: &PageArgs,
    limits: PageLimits,
    want_total: bool,
    reader: &R,
) -> ApiResult<Page<R::Row>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
    R: PageRows<E>,
{
    let (size, backward) = page_size(args, limits)?;
    let after = args
        .after
        .as_deref()
        .map(|c| decode(c, &ordering))
        .transpose()?;
    let before = args
        .before
        .as_deref()
        .map(|c| decode(c, &ordering))
        .transpose()?;
    let mut window = select.clone();
    if let Some(key) = &after {
        window = window.filter(beyond(&ordering, key, true));
    }
    if let Some(key) = &before {
        window = window.filter(beyond(&ordering, key, false));
    }
    let forward_order = sql_order(ordering.direction);
    let order = if backward {
        flip(forward_order.clone())
    } else {
        forward_order
    };
    let window = window
        .order_by(ordering.sort.column, order.clone())
        .order_by(ordering.id.column, order)
        .limit(size as u64 + 1);
    let first_page = after.is_none() && before.is_none();
    let (mut rows, total_count) = match (want_total, first_page) {
        (false, _) => (reader.rows(db, window).await?, 0),
        (true, true) => counted_page(db, window, select.clone(), reader).await?,
        (true, false) => {
            let rows = reader.rows(db, window).await?;
            (rows, select.clone().count(db).await?)
        }
    };
    let more = rows.len() > size;
    rows.truncate(size);
    if backward {
        rows.reverse();
    }

    // The side we did not walk towards: is there anything beyond the cursor?
    let (has_previous_page, has_next_page) = if backward {
        let beyond_before = match &before {
            Some(key) => exists(db, select.filter(beyond(&ordering, key, false).not())).await?,
            None => false,
        };
        (more, beyond_before)
    } else {
        let beyond_after = match &after {
            Some(key) => exists(db, select.filter(beyond(&ordering, key, true).not())).await?,
            None => false,
        };
        (beyond_after, more)
    };

    let edges = rows
        .into_iter()
        .map(|row| Ok((encode(R::model(&row), &ordering)?, row)))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page {
        edges,
        has_previous_page,
        has_next_page,
        total_count,
    })
}

/// The page size and whether we walk backwards (`last`).
fn page_size(args: &PageArgs, limits: PageLimits) -> ApiResult<(usize, bool)> {
    let check = |n: i32| -> ApiResult<usize> {
        if n < 0 {
            return Err(ApiError::BadInput("first/last must not be negative".into()));
        }
        let n = n as usize;
        if n > limits.max_size {
            return Err(ApiError::PageTooLarge {
                requested: n as i64,
                max: limits.max_size,
            });
        }
        Ok(n)
    };
    match (args.first, args.last) {
        (Some(_), Some(_)) => Err(ApiError::BadInput(
            "pass either first or last, not both".into(),
        )),
        (Some(n), None) => Ok((check(n)?, false)),
        (None, Some(n)) => Ok((check(n)?, true)),
        (None, None) => Ok((limits.default_size, false)),
    }
}

fn sql_order(direction: SortDirection) -> Order {
    match direction {
        SortDirection::Asc => Order::Asc,
        SortDirection::Desc => Order::Desc,
    }
}

fn flip(order: Order) -> Order {
    match order {
        Order::Asc => Order::Desc,
        _ => Order::Asc,
    }
}

/// Rows strictly after (`after = true`) or strictly before the cursor's row,
/// in the ordering's direction.
fn beyond<C: ColumnTrait>(ordering: &Ordering<C>, key: &(Value, Value), after: bool) -> Condition {
    let ascending_side = after == (ordering.direction == SortDirection::Asc);
    let (sort, id) = (ordering.sort.column, ordering.id.column);
    let (s, i) = key.clone();
    if ascending_side {
        Condition::any()
            .add(sort.gt(s.clone()))
            .add(Condition::all().add(sort.eq(s)).add(id.gt(i)))
    } else {
        Condition::any()
            .add(sort.lt(s.clone()))
            .add(Condition::all().add(sort.eq(s)).add(id.lt(i)))
    }
}

/// A first page and `totalCount` in one statement: the count is an
/// uncorrelated scalar subquery, which PostgreSQL and SQLite evaluate once
/// (an init plan), so the filter's rows are counted by their own scan (an
/// index-only one where the index covers the filter) without a second round
/// trip or a second parse and plan. `COUNT(*) OVER ()` would also be one
/// statement but makes the page read and buffer every matching row in full
/// before its `LIMIT`. Pages behind a cursor count separately: the cursor's
/// bound must not restrict the count.
async fn counted_page<E, C, R>(
    db: &C,
    page: Select<E>,
    all: Select<E>,
    reader: &R,
) -> ApiResult<(Vec<R::Row>, u64)>
where
    E: EntityTrait,
    C: ConnectionTrait,
    R: PageRows<E>,
{
    let count = all
        .select_only()
        .expr(Expr::col(Asterisk).count())
        .into_query();
    let rows = reader.counted(db, page, count).await?;
    // An empty first page means the filter selects nothing at all.
    let total = rows.first().map_or(0, |r| r.total.max(0) as u64);
    Ok((rows.into_iter().map(|r| r.row).collect(), total))
}

async fn exists<E: EntityTrait, C: ConnectionTrait>(db: &C, select: Select<E>) -> ApiResult<bool>
where
    E::Model: Sync,
{
    Ok(select.limit(1).one(db).await?.is_some())
}

fn encode<M: ModelTrait>(
    model: &M,
    ordering: &Ordering<<M::Entity as EntityTrait>::Column>,
) -> ApiResult<String> {
    let body = CursorBody {
        o: ordering.name.to_owned(),
        s: to_json(model.get(ordering.sort.column))?,
        i: to_json(model.get(ordering.id.column))?,
    };
    let bytes = serde_json::to_vec(&body).map_err(|_| ApiError::BadCursor("unencodable key"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn decode<C>(cursor: &str, ordering: &Ordering<C>) -> ApiResult<(Value, Value)> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| ApiError::BadCursor("not base64url"))?;
    let body: CursorBody =
        serde_json::from_slice(&bytes).map_err(|_| ApiError::BadCursor("not a zkcity cursor"))?;
    if body.o != ordering.name {
        return Err(ApiError::BadCursor(
            "cursor was issued for a different ordering",
        ));
    }
    Ok((
        from_json(&body.s, ordering.sort.kind)?,
        from_json(&body.i, ordering.id.kind)?,
    ))
}

fn to_json(value: Value) -> ApiResult<Json> {
    let json = match value {
        Value::ChronoDateTimeUtc(Some(t)) => {
            Json::from(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
        Value::Double(Some(f)) => Json::from(f),
        Value::BigInt(Some(i)) => Json::from(i),
        Value::Int(Some(i)) => Json::from(i),
        Value::String(Some(s)) => Json::from(*s),
        _ => return Err(ApiError::BadCursor("unsupported key type")),
    };
    Ok(json)
}

fn from_json(json: &Json, kind: KeyKind) -> ApiResult<Value> {
    let bad = || ApiError::BadCursor("key does not match the ordering");
    Ok(match kind {
        KeyKind::Time => {
            let text = json.as_str().ok_or_else(bad)?;
            Value::from(
                DateTime::parse_from_rfc3339(text)
                    .map_err(|_| bad())?
                    .with_timezone(&Utc),
            )
        }
        KeyKind::Float => Value::from(json.as_f64().filter(|f| f.is_finite()).ok_or_else(bad)?),
        KeyKind::Int => Value::from(json.as_i64().ok_or_else(bad)?),
        KeyKind::Text => Value::from(json.as_str().ok_or_else(bad)?.to_owned()),
    })
}

/// Wraps a fetched page as an async-graphql Relay connection.
pub fn into_connection<M, N: async_graphql::OutputType>(
    page: Page<M>,
    map: impl Fn(M) -> N,
) -> async_graphql::connection::Connection<String, N, ConnectionFields> {
    let fields = ConnectionFields {
        total_count: page.total_count,
    };
    let mut conn = async_graphql::connection::Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        fields,
    );
    conn.edges.extend(
        page.edges
            .into_iter()
            .map(|(cursor, m)| async_graphql::connection::Edge::new(cursor, map(m))),
    );
    conn
}

/// Static complexity of a connection field: the children's cost times the
/// page size asked for (or the default), so a deep page of pages is refused
/// before it runs.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first.or(last).unwrap_or(50).clamp(1, i32::MAX) as usize;
    size.saturating_mul(child_complexity.max(1))
        .saturating_add(ROUND_TRIP)
}

/// What a field costs for reaching the database or the signer once, on
/// top of what it selects (DESIGN §7 amendment: every such field, aliases
/// included, costs at least one round trip). With the default limit of
/// 10,000 a request makes at most 100 of them, so a few kilobytes of
/// aliases cannot multiply into thousands of queries or signatures.
pub const ROUND_TRIP: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use zkcity_entities::ecological::air_quality_observation::Column;

    fn ordering() -> Ordering<Column> {
        let sort = ("aq.date", Key::time(Column::DateObserved));
        Ordering::new(sort, Key::int(Column::Id), SortDirection::Asc)
    }

    #[test]
    fn garbage_cursors_are_refused() {
        for bad in [
            "",
            "!!!",
            "bm90IGpzb24",
            &URL_SAFE_NO_PAD.encode(r#"{"o":"other","s":1,"i":1}"#),
        ] {
            assert!(
                matches!(decode(bad, &ordering()), Err(ApiError::BadCursor(_))),
                "{bad}"
            );
        }
        let wrong_type = URL_SAFE_NO_PAD.encode(r#"{"o":"aq.date","s":17,"i":1}"#);
        assert!(matches!(
            decode(&wrong_type, &ordering()),
            Err(ApiError::BadCursor(_))
        ));
    }

    #[test]
    fn valid_cursor_round_trips() -> ApiResult<()> {
        let t = "2017-01-01T00:00:00Z";
        let c = URL_SAFE_NO_PAD.encode(format!(r#"{{"o":"aq.date","s":"{t}","i":42}}"#));
        let (s, i) = decode(&c, &ordering())?;
        assert_eq!(to_json(s)?, Json::from(t));
        assert_eq!(to_json(i)?, Json::from(42));
        Ok(())
    }

    #[test]
    fn page_size_policy() {
        let limits = PageLimits {
            default_size: 10,
            max_size: 100,
        };
        let args = |first, last| PageArgs {
            first,
            last,
            ..Default::default()
        };
        assert!(matches!(
            page_size(&args(None, None), limits),
            Ok((10, false))
        ));
        assert!(matches!(
            page_size(&args(None, Some(5)), limits),
            Ok((5, true))
        ));
        assert!(matches!(
            page_size(&args(Some(101), None), limits),
            Err(ApiError::PageTooLarge { .. })
        ));
        assert!(matches!(
            page_size(&args(Some(-1), None), limits),
            Err(ApiError::BadInput(_))
        ));
        assert!(matches!(
            page_size(&args(Some(1), Some(1)), limits),
            Err(ApiError::BadInput(_))
        ));
    }
}

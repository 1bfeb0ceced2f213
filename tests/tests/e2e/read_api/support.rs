//! Helpers shared by the read-API tests.

use std::collections::HashSet;

use anyhow::Context;
use serde_json::{json, Value};
use zkcity_tests::TestApp;

/// One connection of the schema and how to list its ids.
pub struct Conn {
    pub field: &'static str,
    /// GraphQL input type of `filter`.
    pub filter_type: &'static str,
    pub order_type: &'static str,
}

pub const CONNECTIONS: &[Conn] = &[
    Conn {
        field: "roadSegments",
        filter_type: "RoadSegmentFilter",
        order_type: "RoadSegmentOrder",
    },
    Conn {
        field: "trafficFlowObservations",
        filter_type: "TrafficFlowFilter",
        order_type: "TrafficFlowOrder",
    },
    Conn {
        field: "roadConditionReports",
        filter_type: "RoadConditionFilter",
        order_type: "RoadConditionOrder",
    },
    Conn {
        field: "imageTiles",
        filter_type: "ImageTileFilter",
        order_type: "ImageTileOrder",
    },
    Conn {
        field: "marketTransactions",
        filter_type: "MarketFilter",
        order_type: "MarketOrder",
    },
    Conn {
        field: "clearingPrices",
        filter_type: "MarketFilter",
        order_type: "MarketOrder",
    },
    Conn {
        field: "stations",
        filter_type: "StationFilter",
        order_type: "StationOrder",
    },
    Conn {
        field: "airQualityObservations",
        filter_type: "AirQualityFilter",
        order_type: "AirQualityOrder",
    },
    Conn {
        field: "emissionReports",
        filter_type: "EmissionFilter",
        order_type: "EmissionOrder",
    },
];

pub fn conn(field: &str) -> &'static Conn {
    CONNECTIONS
        .iter()
        .find(|c| c.field == field)
        .unwrap_or(&CONNECTIONS[0])
}

/// A page of ids with page info.
pub struct IdPage {
    pub ids: Vec<String>,
    pub has_next: bool,
    pub has_previous: bool,
    pub start: Option<String>,
    pub end: Option<String>,
    pub total: i64,
}

/// Fetches one page of `c` with the given arguments.
pub async fn page(
    app: &TestApp,
    c: &Conn,
    filter: &Value,
    order: &Value,
    args: &str,
) -> anyhow::Result<IdPage> {
    let q = format!(
        "query($f: {ft}, $o: {ot}) {{ {field}(filter: $f, orderBy: $o, {args}) {{ totalCount edges {{ cursor node {{ id }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}",
        ft = c.filter_type,
        ot = c.order_type,
        field = c.field,
    );
    let data = app.data(&q, json!({"f": filter, "o": order})).await?;
    let conn = &data[c.field];
    let ids = conn["edges"]
        .as_array()
        .context("edges")?
        .iter()
        .map(|e| e["node"]["id"].as_str().map(str::to_owned).context("id"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let info = &conn["pageInfo"];
    Ok(IdPage {
        ids,
        has_next: info["hasNextPage"].as_bool().context("hasNextPage")?,
        has_previous: info["hasPreviousPage"]
            .as_bool()
            .context("hasPreviousPage")?,
        start: info["startCursor"].as_str().map(str::to_owned),
        end: info["endCursor"].as_str().map(str::to_owned),
        total: conn["totalCount"].as_i64().context("totalCount")?,
    })
}

/// All ids of a filtered connection, walking forward `size` at a time.
pub async fn walk_forward(
    app: &TestApp,
    c: &Conn,
    filter: &Value,
    order: &Value,
    size: usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let args = match &after {
            Some(cur) => format!("first: {size}, after: \"{cur}\""),
            None => format!("first: {size}"),
        };
        let p = page(app, c, filter, order, &args).await?;
        anyhow::ensure!(
            p.has_previous == after.is_some() || p.ids.is_empty(),
            "{}: hasPreviousPage wrong",
            c.field
        );
        anyhow::ensure!(p.ids.len() <= size, "page larger than asked");
        ids.extend(p.ids);
        if !p.has_next {
            return Ok(ids);
        }
        after = Some(p.end.context("endCursor on a page with a next page")?);
    }
}

/// All ids of a filtered connection, walking backward from the end.
pub async fn walk_backward(
    app: &TestApp,
    c: &Conn,
    filter: &Value,
    order: &Value,
    size: usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let args = match &before {
            Some(cur) => format!("last: {size}, before: \"{cur}\""),
            None => format!("last: {size}"),
        };
        let p = page(app, c, filter, order, &args).await?;
        anyhow::ensure!(
            p.has_next == before.is_some() || p.ids.is_empty(),
            "{}: hasNextPage wrong walking back",
            c.field
        );
        let mut chunk = p.ids;
        chunk.extend(ids);
        ids = chunk;
        if !p.has_previous {
            return Ok(ids);
        }
        before = Some(
            p.start
                .context("startCursor on a page with a previous page")?,
        );
    }
}

/// Ids from SQL, as the API renders them.
pub async fn sql_ids(app: &TestApp, sql: &str) -> anyhow::Result<Vec<String>> {
    let rows = app.sql(sql).await?;
    rows.iter()
        .map(|r| {
            r.try_get_by_index::<i64>(0)
                .map(|i| i.to_string())
                .or_else(|_| r.try_get_by_index::<String>(0))
                .map_err(Into::into)
        })
        .collect()
}

/// Asserts a filtered connection lists exactly the rows SQL selects.
pub async fn assert_same_rows(
    app: &TestApp,
    field: &str,
    filter: Value,
    sql: &str,
) -> anyhow::Result<usize> {
    let api = walk_forward(app, conn(field), &filter, &Value::Null, 200).await?;
    let expected = sql_ids(app, sql).await?;
    let api_set: HashSet<_> = api.iter().collect();
    anyhow::ensure!(
        api_set.len() == api.len(),
        "{field}: duplicate rows for filter {filter}"
    );
    let sql_set: HashSet<_> = expected.iter().collect();
    anyhow::ensure!(
        api_set == sql_set,
        "{field}: filter {filter} gave {} rows, SQL {}",
        api.len(),
        expected.len()
    );
    Ok(api.len())
}

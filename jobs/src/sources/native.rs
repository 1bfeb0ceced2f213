//! Adapters for the native formats of the bundled datasets, so a feed that
//! publishes the same files (or a mirror of them) can be polled over HTTP.
//! They reuse the loaders of [`crate::load`] unchanged; rows keep the
//! loaders' `source` values.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;
use zkcity_entities::ecological::station;

use super::{FetchContext, SourceError};
use crate::batch::Batch;
use crate::load::{air_quality, power, traffic, ParseError};

fn malformed(e: ParseError) -> SourceError {
    SourceError::Malformed(e.to_string())
}

/// UCI Beijing multi-site CSV; station names are matched against the
/// stations already stored (the file carries names, not coordinates).
pub async fn uci_beijing(body: &[u8], ctx: &FetchContext<'_>) -> Result<Batch, SourceError> {
    let names: HashMap<String, String> = station::Entity::find()
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|s| (s.name, s.id))
        .collect();
    let rows = air_quality::parse_observations(body, &names, ctx.now).map_err(malformed)?;
    Ok(Batch {
        air_quality: rows,
        ..Batch::default()
    })
}

/// Belgian day-ahead prices (`time,DAM_price`).
pub fn entsoe_be(body: &[u8], now: DateTime<Utc>) -> Result<Batch, SourceError> {
    let rows = power::parse_day_ahead(body, now).map_err(malformed)?;
    Ok(Batch {
        clearing_prices: rows.prices,
        transactions: rows.transactions,
        ..Batch::default()
    })
}

/// Metro Interstate Traffic Volume CSV: the segment, hourly flows and the
/// derived road-condition reports.
pub fn mndot_i94(body: &[u8], now: DateTime<Utc>) -> Result<Batch, SourceError> {
    let hours = traffic::parse_hours(body).map_err(malformed)?;
    Ok(Batch {
        segments: vec![traffic::segment::road_segment(now)],
        flows: traffic::flow_observations(&hours, now),
        reports: traffic::reports::road_condition_reports(&hours, now).map_err(malformed)?,
        ..Batch::default()
    })
}

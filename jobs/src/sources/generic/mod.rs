//! zkcity's generic feed format, one record per entity row, as NDJSON or CSV
//! (specified in jobs/README.md, "Generic feed format").
//!
//! - NDJSON: one JSON object per line, `"type"` naming the table
//!   (`traffic_flow_observation`, `station`, …); blank lines are skipped.
//! - CSV: a header row naming columns, one of them `type`; empty cells are
//!   absent values, so one file may mix record types.
//! - Every record may carry `source`; when absent the connector's label is
//!   used. `ingested_at` is always the run's time.
//!
//! Any bad record fails the whole payload with its line number: a feed is
//! taken whole or not at all, like the run that ingests it.

mod checks;
mod lenient;
mod records;

use base64::Engine;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use serde_json::{Map, Value};

use self::records::Record;
use super::SourceError;
use crate::batch::Batch;
use crate::load::image::{self, TileMeta};

/// Parses an NDJSON payload.
pub fn parse_ndjson(bytes: &[u8], source: &str, now: DateTime<Utc>) -> Result<Batch, SourceError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| SourceError::Malformed(format!("not UTF-8: {e}")))?;
    let mut batch = Batch::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| bad(i + 1, e))?;
        let Value::Object(map) = value else {
            return Err(bad(i + 1, "a record must be a JSON object"));
        };
        add(&mut batch, map, source, now).map_err(|e| bad(i + 1, e))?;
    }
    Ok(batch)
}

/// Parses a CSV payload.
pub fn parse_csv(bytes: &[u8], source: &str, now: DateTime<Utc>) -> Result<Batch, SourceError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let headers = reader.headers().map_err(|e| bad(1, e))?.clone();
    if !headers.iter().any(|h| h.trim() == "type") {
        return Err(bad(1, "the header has no `type` column"));
    }
    let mut batch = Batch::default();
    for record in reader.records() {
        let record = record.map_err(|e| bad(line_of(e.position()), e))?;
        let line = line_of(record.position());
        let mut map = Map::new();
        for (h, cell) in headers.iter().zip(record.iter()) {
            if !cell.trim().is_empty() {
                map.insert(h.trim().to_owned(), Value::String(cell.trim().to_owned()));
            }
        }
        add(&mut batch, map, source, now).map_err(|e| bad(line, e))?;
    }
    Ok(batch)
}

fn line_of(p: Option<&csv::Position>) -> usize {
    p.map_or(0, |p| usize::try_from(p.line()).unwrap_or(0))
}

fn bad(line: usize, why: impl std::fmt::Display) -> SourceError {
    SourceError::Malformed(format!("line {line}: {why}"))
}

/// Checks one record and appends its row(s) to `batch`.
fn add(
    batch: &mut Batch,
    mut map: Map<String, Value>,
    default_source: &str,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let source = match map.remove("source") {
        None => default_source.to_owned(),
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(_) => return Err("`source` must be a non-empty string".into()),
    };
    let record: Record = serde_json::from_value(Value::Object(map)).map_err(|e| e.to_string())?;
    match record {
        Record::Station(r) => batch.stations.push(r.into_model(source, now)?),
        Record::AirQualityObservation(r) => batch.air_quality.push(r.into_model(source, now)?),
        Record::EmissionReport(r) => batch.emission_reports.push(r.into_model(source, now)?),
        Record::ClearingPrice(r) => batch.clearing_prices.push(r.into_model(source, now)?),
        Record::MarketTransaction(r) => batch.transactions.push(r.into_model(source, now)?),
        Record::RoadSegment(r) => batch.segments.push(r.into_model(source, now)?),
        Record::TrafficFlowObservation(r) => batch.flows.push(r.into_model(source, now)?),
        Record::RoadConditionReport(r) => batch.reports.push(r.into_model(source, now)?),
        Record::ImageTile(r) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(r.bytes_base64.trim())
                .map_err(|e| format!("bytes_base64: {e}"))?;
            let meta = TileMeta {
                source: &source,
                platform: r.platform.as_deref(),
            };
            let (mut tile, blob) =
                image::parse_tile(&bytes, meta, now).map_err(|e| format!("image: {e}"))?;
            if let Some(t) = r.captured_at {
                tile.captured_at = Set(Some(t));
            }
            if let Some(c) = r.cloud_cover {
                if !(0.0..=100.0).contains(&c) {
                    return Err(format!("cloud_cover {c} is outside 0..100"));
                }
                tile.cloud_cover = Set(Some(c));
            }
            batch.tiles.push(tile);
            batch.blobs.push(blob);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

//! sea-orm entities of zkcity's data units (DESIGN.md §3). Model types only —
//! the schema itself is owned by `zkcity-migrations`, queries by `zkcity-api`.
//!
//! Field names follow FIWARE Smart Data Models (TrafficFlowObserved,
//! AirQualityObserved), DATEX II (situation records), OpenAQ and STAC (image
//! tiles) where those standards name the field. Every row carries `source`
//! (where it came from) and `ingested_at` (when zkcity stored it); every table
//! has a unique natural key so loads are idempotent upserts.

pub mod audit;
pub mod ecological;
pub mod power;
pub mod refresh_run;
pub mod traffic;

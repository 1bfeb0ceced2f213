//! Ecological unit: monitoring stations, air-quality observations (and
//! their daily rollup) and pollutant emission reports.

pub mod air_quality_day;
pub mod air_quality_observation;
pub mod emission_report;
pub mod station;

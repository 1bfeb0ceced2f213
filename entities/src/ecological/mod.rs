//! Ecological unit: monitoring stations, air-quality observations and
//! pollutant emission reports.

pub mod air_quality_observation;
pub mod emission_report;
pub mod station;

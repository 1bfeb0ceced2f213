//! OpenAQ v3 measurements → `air_quality_observation` rows.
//!
//! Reads the body of `GET /v3/sensors/{id}/measurements` (also `/hours`,
//! `/measurements/hourly`): `{"meta": …, "results": [{"value", "parameter":
//! {"name", "units"}, "period": {"datetimeFrom": {"utc"}, …}, …}]}`. A sensor
//! measures one parameter, so a run usually lists one URL per sensor of the
//! station; all results of a run are merged per `datetimeFrom.utc` into one
//! row of the configured station (a row is replaced whole on upsert, so list
//! every sensor of the station in the same run).
//!
//! - Parameters kept: pm25, pm10, no2, so2, o3, co; others (temperature,
//!   pm1, relativehumidity, …) are ignored.
//! - Units: µg/m³ as is; ppb and ppm converted to µg/m³ at 25 °C and
//!   1 atm (µg/m³ = ppb × M / 24.45, M in g/mol), the convention of US EPA
//!   and EEA conversions; any other unit of a kept parameter is an error.
//! - `value: null` (flagged) and negative values (sensor noise the API
//!   passes through) are dropped, not stored as zero.
//! - The AQI is computed with HJ 633 like the bundled Beijing data's.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use serde::Deserialize;
use zkcity_entities::ecological::air_quality_observation as aq;

use super::SourceError;
use crate::batch::Batch;
use crate::load::air_quality::UNIT;
use crate::load::aqi::{self, Concentrations, AQI_STANDARD};

/// `source` of rows from OpenAQ.
pub const SOURCE: &str = "openaq:v3";
/// Molar volume of an ideal gas at 25 °C and 1 atm, L/mol.
const MOLAR_VOLUME: f64 = 24.45;

#[derive(Deserialize)]
struct Response {
    results: Vec<Measurement>,
}

#[derive(Deserialize)]
struct Measurement {
    value: Option<f64>,
    parameter: Parameter,
    period: Period,
}

#[derive(Deserialize)]
struct Parameter {
    name: String,
    units: String,
}

#[derive(Deserialize)]
struct Period {
    #[serde(rename = "datetimeFrom")]
    datetime_from: When,
}

#[derive(Deserialize)]
struct When {
    utc: DateTime<Utc>,
}

/// Molar mass (g/mol) of the gases OpenAQ may report in ppb/ppm.
fn molar_mass(parameter: &str) -> Option<f64> {
    match parameter {
        "no2" => Some(46.0055),
        "so2" => Some(64.066),
        "o3" => Some(47.997),
        "co" => Some(28.010),
        _ => None,
    }
}

/// `value` in `units` as µg/m³.
fn to_ug_m3(parameter: &str, value: f64, units: &str) -> Result<f64, SourceError> {
    let gas = |factor: f64| {
        molar_mass(parameter)
            .map(|m| value * factor * m / MOLAR_VOLUME)
            .ok_or_else(|| {
                SourceError::Malformed(format!(
                    "{parameter} in {units} cannot be converted to µg/m³"
                ))
            })
    };
    match units {
        "µg/m³" | "ug/m3" | "μg/m³" => Ok(value),
        "ppb" => gas(1.0),
        "ppm" => gas(1000.0),
        other => Err(SourceError::Malformed(format!(
            "unsupported unit `{other}` for {parameter}"
        ))),
    }
}

/// Parses measurement bodies (one per sensor) into rows of `station_id`,
/// merging every parameter of an hour into one row.
pub fn parse_measurements<'a>(
    bodies: impl IntoIterator<Item = &'a [u8]>,
    station_id: &str,
    now: DateTime<Utc>,
) -> Result<Batch, SourceError> {
    let mut hours: BTreeMap<DateTime<Utc>, Concentrations> = BTreeMap::new();
    for body in bodies {
        let response: Response = serde_json::from_slice(body).map_err(|e| {
            SourceError::Malformed(format!("not an OpenAQ v3 measurements response: {e}"))
        })?;
        merge(&mut hours, response)?;
    }
    let air_quality = hours
        .into_iter()
        .map(|(t, c)| row(station_id, t, &c, now))
        .collect();
    Ok(Batch {
        air_quality,
        ..Batch::default()
    })
}

/// Adds one response's kept measurements to `hours`.
fn merge(
    hours: &mut BTreeMap<DateTime<Utc>, Concentrations>,
    response: Response,
) -> Result<(), SourceError> {
    for m in response.results {
        let name = m.parameter.name.as_str();
        let Some(value) = m.value.filter(|v| v.is_finite() && *v >= 0.0) else {
            continue;
        };
        if !matches!(name, "pm25" | "pm10" | "no2" | "so2" | "o3" | "co") {
            continue;
        }
        let ug = to_ug_m3(name, value, &m.parameter.units)?;
        let c = hours.entry(m.period.datetime_from.utc).or_default();
        let slot = match name {
            "pm25" => &mut c.pm25,
            "pm10" => &mut c.pm10,
            "no2" => &mut c.no2,
            "so2" => &mut c.so2,
            "o3" => &mut c.o3,
            _ => &mut c.co,
        };
        *slot = Some(ug);
    }
    Ok(())
}

fn row(
    station_id: &str,
    t: DateTime<Utc>,
    c: &Concentrations,
    now: DateTime<Utc>,
) -> aq::ActiveModel {
    let index = aqi::aqi(c);
    aq::ActiveModel {
        id: NotSet,
        station_id: Set(station_id.to_owned()),
        date_observed: Set(t),
        aqi: Set(index.as_ref().map(|a| a.aqi)),
        aqi_standard: Set(AQI_STANDARD.to_owned()),
        pm25: Set(c.pm25),
        pm10: Set(c.pm10),
        no2: Set(c.no2),
        so2: Set(c.so2),
        o3: Set(c.o3),
        co: Set(c.co),
        unit: Set(UNIT.to_owned()),
        dominant_pollutant: Set(index.and_then(|a| a.primary)),
        source: Set(SOURCE.to_owned()),
        ingested_at: Set(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"meta":{"name":"openaq-api","website":"/","page":1,"limit":100,"found":3},"results":[
      {"value":6,"flagInfo":{"hasFlags":false},"parameter":{"id":2,"name":"pm25","units":"µg/m³","displayName":null},
       "period":{"label":"1hour","interval":"01:00:00","datetimeFrom":{"utc":"2023-10-16T12:00:00+00:00","local":"2023-10-16T06:00:00-06:00"},"datetimeTo":{"utc":"2023-10-16T13:00:00+00:00","local":"2023-10-16T07:00:00-06:00"}},
       "coordinates":null,"summary":null,"coverage":null},
      {"value":20,"flagInfo":{"hasFlags":false},"parameter":{"id":7,"name":"no2","units":"ppb","displayName":null},
       "period":{"label":"1hour","interval":"01:00:00","datetimeFrom":{"utc":"2023-10-16T12:00:00Z","local":"2023-10-16T06:00:00-06:00"},"datetimeTo":{"utc":"2023-10-16T13:00:00Z","local":"2023-10-16T07:00:00-06:00"}},
       "coordinates":null,"summary":null,"coverage":null},
      {"value":null,"flagInfo":{"hasFlags":true},"parameter":{"id":2,"name":"pm25","units":"µg/m³","displayName":null},
       "period":{"label":"raw","interval":"01:00:00","datetimeFrom":{"utc":"2023-10-16T13:00:00Z","local":"2023-10-16T07:00:00-06:00"},"datetimeTo":{"utc":"2023-10-16T14:00:00Z","local":"2023-10-16T08:00:00-06:00"}},
       "coordinates":null,"summary":null,"coverage":null}]}"#;

    #[test]
    fn parameters_of_one_hour_merge_and_ppb_is_converted() {
        let now = DateTime::UNIX_EPOCH;
        let batch = parse_measurements([BODY.as_bytes()], "s1", now).expect("parse");
        assert_eq!(
            batch.air_quality.len(),
            1,
            "the null-valued hour is dropped"
        );
        let row = &batch.air_quality[0];
        assert_eq!(row.pm25, Set(Some(6.0)));
        // 20 ppb NO2 = 20 × 46.0055 / 24.45 µg/m³.
        let no2 = row.no2.try_as_ref().copied().flatten().expect("no2");
        assert!((no2 - 37.632).abs() < 1e-3, "{no2}");
    }

    #[test]
    fn garbage_and_unknown_units_are_errors() {
        assert!(parse_measurements([b"<html>".as_slice()], "s1", DateTime::UNIX_EPOCH).is_err());
        let odd = BODY.replace("\"ppb\"", "\"furlongs\"");
        assert!(parse_measurements([odd.as_bytes()], "s1", DateTime::UNIX_EPOCH).is_err());
    }
}

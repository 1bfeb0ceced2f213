//! Beijing Multi-Site Air-Quality (UCI) → `station` and
//! `air_quality_observation` rows.
//!
//! - Stations come from `fixtures/ecological/stations.csv` (id, name,
//!   latitude, longitude, district): the UCI files name the station but give
//!   no coordinates, so these are approximate coordinates from public
//!   station lists (see `fixtures/SOURCES.md`).
//! - Each observation row's `year, month, day, hour` is China Standard Time
//!   (UTC+8, `Asia/Shanghai`, no DST since 1991) and is stored as the UTC
//!   instant of that hour's label.
//! - `NA` → `None`. All six concentrations are stored as published, in µg/m³
//!   (CO too), and the AQI is computed with [`super::aqi`] (HJ 633-2012).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::ActiveValue::{NotSet, Set};
use zkcity_entities::ecological::{air_quality_observation, station};

use super::aqi::{self, Concentrations, AQI_STANDARD};
use super::time::{to_utc, Fold};
use super::{CsvFile, ParseError, Row};

/// `source` of every observation row.
pub const SOURCE: &str = "uci:beijing-multisite-aq";
/// `source` of station rows: names from the UCI files, coordinates from
/// public station lists.
pub const STATION_SOURCE: &str = "uci:beijing-multisite-aq+public-station-list";
/// Unit of every concentration column.
pub const UNIT: &str = "µg/m³";
/// The dataset's marker for a missing value.
const MISSING: &str = "NA";

/// Parses `stations.csv` into station rows.
pub fn parse_stations(
    bytes: &[u8],
    ingested_at: DateTime<Utc>,
) -> Result<Vec<station::ActiveModel>, ParseError> {
    let mut file = CsvFile::open(bytes)?;
    let (id, name, lat, lon, district) = (
        file.column("id")?,
        file.column("name")?,
        file.column("latitude")?,
        file.column("longitude")?,
        file.column("district")?,
    );
    file.rows()
        .map(|row| {
            let row = row?;
            let latitude = in_range(&row, row.number(lat)?, -90.0..=90.0, "latitude")?;
            let longitude = in_range(&row, row.number(lon)?, -180.0..=180.0, "longitude")?;
            Ok(station::ActiveModel {
                id: Set(row.text(id)?.to_owned()),
                name: Set(row.text(name)?.to_owned()),
                latitude: Set(latitude),
                longitude: Set(longitude),
                district: Set(row.text(district)?.to_owned()),
                source: Set(STATION_SOURCE.to_owned()),
                ingested_at: Set(ingested_at),
            })
        })
        .collect()
}

fn in_range(
    row: &Row,
    v: f64,
    range: std::ops::RangeInclusive<f64>,
    column: &'static str,
) -> Result<f64, ParseError> {
    if range.contains(&v) {
        Ok(v)
    } else {
        Err(ParseError::OutOfRange {
            line: row.line,
            column,
            value: v,
        })
    }
}

/// Maps the station names used in the observation file to station ids.
pub fn station_ids(stations: &[station::ActiveModel]) -> HashMap<String, String> {
    stations
        .iter()
        .filter_map(|s| Some((s.name.try_as_ref()?.clone(), s.id.try_as_ref()?.clone())))
        .collect()
}

/// Parses the hourly observation CSV. `stations` maps the file's station
/// names to station ids (see [`station_ids`]); an unknown name is an error.
pub fn parse_observations(
    bytes: &[u8],
    stations: &HashMap<String, String>,
    ingested_at: DateTime<Utc>,
) -> Result<Vec<air_quality_observation::ActiveModel>, ParseError> {
    let mut file = CsvFile::open(bytes)?;
    let cols = Columns::find(&file)?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for row in file.rows() {
        let row = row?;
        let obs = observation(&row, &cols, stations, ingested_at)?;
        let key = (
            obs.station_id.try_as_ref().cloned(),
            obs.date_observed.try_as_ref().copied(),
        );
        if !seen.insert(key) {
            return Err(ParseError::DuplicateTime {
                line: row.line,
                value: format!("{:?}", obs.date_observed),
            });
        }
        out.push(obs);
    }
    Ok(out)
}

/// The observation file's columns.
struct Columns {
    year: super::Col,
    month: super::Col,
    day: super::Col,
    hour: super::Col,
    station: super::Col,
    pollutants: [super::Col; 6],
}

impl Columns {
    fn find(file: &CsvFile<'_>) -> Result<Self, ParseError> {
        Ok(Self {
            year: file.column("year")?,
            month: file.column("month")?,
            day: file.column("day")?,
            hour: file.column("hour")?,
            station: file.column("station")?,
            pollutants: [
                file.column("PM2.5")?,
                file.column("PM10")?,
                file.column("SO2")?,
                file.column("NO2")?,
                file.column("O3")?,
                file.column("CO")?,
            ],
        })
    }
}

fn observation(
    row: &Row,
    cols: &Columns,
    stations: &HashMap<String, String>,
    ingested_at: DateTime<Utc>,
) -> Result<air_quality_observation::ActiveModel, ParseError> {
    let name = row.text(cols.station)?;
    let station_id = stations
        .get(name)
        .ok_or_else(|| ParseError::UnknownStation {
            line: row.line,
            station: name.to_owned(),
        })?;
    let date_observed = observed_at(row, cols)?;
    let mut values = [None; 6];
    for (value, col) in values.iter_mut().zip(cols.pollutants) {
        *value = row.non_negative(row.optional_number(col, MISSING)?, col)?;
    }
    let [pm25, pm10, so2, no2, o3, co] = values;
    let index = aqi::aqi(&Concentrations {
        pm25,
        pm10,
        so2,
        no2,
        o3,
        co,
    });
    Ok(air_quality_observation::ActiveModel {
        id: NotSet,
        station_id: Set(station_id.clone()),
        date_observed: Set(date_observed),
        aqi: Set(index.as_ref().map(|a| a.aqi)),
        aqi_standard: Set(AQI_STANDARD.to_owned()),
        pm25: Set(pm25),
        pm10: Set(pm10),
        no2: Set(no2),
        so2: Set(so2),
        o3: Set(o3),
        co: Set(co),
        unit: Set(UNIT.to_owned()),
        dominant_pollutant: Set(index.and_then(|a| a.primary)),
        source: Set(SOURCE.to_owned()),
        ingested_at: Set(ingested_at),
    })
}

/// The row's China Standard Time hour as a UTC instant.
fn observed_at(row: &Row, cols: &Columns) -> Result<DateTime<Utc>, ParseError> {
    let part = |col| -> Result<u32, ParseError> {
        let v = row.number(col)?;
        if v.fract() == 0.0 && (0.0..=9999.0).contains(&v) {
            Ok(v as u32)
        } else {
            Err(ParseError::OutOfRange {
                line: row.line,
                column: "date part",
                value: v,
            })
        }
    };
    let (y, m, d, h) = (
        part(cols.year)?,
        part(cols.month)?,
        part(cols.day)?,
        part(cols.hour)?,
    );
    let local = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .and_then(|date| date.and_hms_opt(h, 0, 0))
        .ok_or_else(|| ParseError::Time {
            line: row.line,
            value: format!("{y}-{m}-{d} {h}:00"),
            format: "year, month, day, hour",
        })?;
    to_utc(Shanghai, local, Fold::Earlier, row.line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const HEADER: &str = "\"No\",\"year\",\"month\",\"day\",\"hour\",\"PM2.5\",\"PM10\",\"SO2\",\"NO2\",\"CO\",\"O3\",\"TEMP\",\"PRES\",\"DEWP\",\"RAIN\",\"wd\",\"WSPM\",\"station\"\n";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .expect("valid")
    }

    fn stations() -> HashMap<String, String> {
        HashMap::from([("Aotizhongxin".to_owned(), "aotizhongxin".to_owned())])
    }

    #[test]
    fn first_row_of_the_real_file_converts_time_and_aqi() {
        let csv = format!("{HEADER}33649,2017,1,1,0,485,496,8,121,6100,4,-4.7,1022.1,-6.1,0,\"ENE\",1,\"Aotizhongxin\"\n");
        let rows = parse_observations(csv.as_bytes(), &stations(), now()).expect("parse");
        let obs = &rows[0];
        // 2017-01-01 00:00 CST = 2016-12-31 16:00 UTC.
        assert_eq!(
            obs.date_observed,
            Set(Utc
                .with_ymd_and_hms(2016, 12, 31, 16, 0, 0)
                .single()
                .expect("valid"))
        );
        assert_eq!(obs.aqi, Set(Some(490)));
        assert_eq!(obs.dominant_pollutant, Set(Some("PM2.5".to_owned())));
        assert_eq!(obs.co, Set(Some(6100.0)));
        assert_eq!(obs.station_id, Set("aotizhongxin".to_owned()));
        assert_eq!(obs.aqi_standard, Set("HJ 633-2012".to_owned()));
    }

    #[test]
    fn na_values_become_none_and_all_na_gives_no_aqi() {
        let csv = format!(
            "{HEADER}1,2017,1,1,1,NA,60,NA,NA,NA,NA,0,0,0,0,\"N\",1,\"Aotizhongxin\"\n\
             2,2017,1,1,2,NA,NA,NA,NA,NA,NA,0,0,0,0,\"N\",1,\"Aotizhongxin\"\n"
        );
        let rows = parse_observations(csv.as_bytes(), &stations(), now()).expect("parse");
        assert_eq!(rows[0].pm25, Set(None));
        // PM10 60 in [50, 150]: 50 + 50·10/100 = 55 → AQI 55 from PM10 alone.
        assert_eq!(rows[0].aqi, Set(Some(55)));
        assert_eq!(rows[0].dominant_pollutant, Set(Some("PM10".to_owned())));
        assert_eq!(rows[1].aqi, Set(None));
        assert_eq!(rows[1].dominant_pollutant, Set(None));
    }

    #[test]
    fn unknown_stations_and_duplicates_are_errors_with_line_numbers() {
        let unknown = format!("{HEADER}1,2017,1,1,1,1,1,1,1,1,1,0,0,0,0,\"N\",1,\"Nowhere\"\n");
        let err = parse_observations(unknown.as_bytes(), &stations(), now());
        assert!(
            matches!(err, Err(ParseError::UnknownStation { line: 2, .. })),
            "{err:?}"
        );
        let row = "1,2017,1,1,1,1,1,1,1,1,1,0,0,0,0,\"N\",1,\"Aotizhongxin\"\n";
        let dup = format!("{HEADER}{row}{row}");
        let err = parse_observations(dup.as_bytes(), &stations(), now());
        assert!(
            matches!(err, Err(ParseError::DuplicateTime { line: 3, .. })),
            "{err:?}"
        );
    }

    #[test]
    fn stations_parse_and_reject_impossible_coordinates() {
        let ok = parse_stations(
            b"id,name,latitude,longitude,district\nx,X,39.9,116.4,D\n",
            now(),
        )
        .expect("parse");
        assert_eq!(station_ids(&ok).get("X"), Some(&"x".to_owned()));
        let bad = parse_stations(
            b"id,name,latitude,longitude,district\nx,X,99,116.4,D\n",
            now(),
        );
        assert!(
            matches!(
                bad,
                Err(ParseError::OutOfRange {
                    line: 2,
                    column: "latitude",
                    ..
                })
            ),
            "{bad:?}"
        );
    }
}

//! Metro Interstate Traffic Volume (UCI; MnDOT ATR 301 + OpenWeatherMap)
//! → one `road_segment`, hourly `traffic_flow_observation` rows, and
//! `road_condition_report` rows derived from the same file ([`reports`]).
//!
//! Reading the file:
//! - `date_time` is America/Chicago wall-clock time. OpenWeatherMap reports
//!   several weather conditions per hour, and the file has one row per
//!   condition: 7,629 extra rows share a timestamp with another row, always
//!   with the same `traffic_volume`. All rows of one timestamp form one
//!   [`Hour`]: volume of the first row (file order), the union of the
//!   conditions, the largest rain/snow amounts, and any holiday name.
//! - Autumn's repeated 01:00 has no second set of volumes (the file joined
//!   counts by local time), so it maps to the first instant (CDT); the CST
//!   hour has no observation. A spring-gap time would be an error (the file
//!   has none).
//!
//! Flow rows: `period_s` 3600, `intensity` = the volume (veh/h), `occupancy`
//! None (not measured), speed from the BPR volume-delay function and the
//! congestion level from the volume/capacity ratio (see [`segment`]).

pub mod reports;
pub mod segment;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::America::Chicago;
use sea_orm::ActiveValue::{NotSet, Set};
use zkcity_entities::traffic::flow_observation;

use super::time::{to_utc, Fold};
use super::{Col, CsvFile, ParseError, Row};
use segment::{congestion_level, volume_to_capacity, Level, SEGMENT_ID};

/// `source` of every traffic row from this file.
pub const SOURCE: &str = "mndot:atr301";
/// Format of the `date_time` column.
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// The file's marker for "no holiday".
const NO_HOLIDAY: &str = "None";

/// One OpenWeatherMap condition reported for an hour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// `weather_main`, e.g. `Snow`.
    pub main: String,
    /// `weather_description`, e.g. `heavy snow`.
    pub description: String,
}

/// All rows of one local timestamp, merged.
#[derive(Clone, Debug, PartialEq)]
pub struct Hour {
    /// Line of the group's first row.
    pub line: u64,
    /// UTC start of the hour.
    pub start: DateTime<Utc>,
    /// The file's local timestamp.
    pub local: NaiveDateTime,
    /// Vehicles in the hour (westbound, all lanes).
    pub volume: f64,
    /// Holiday name when the file marks one on this row (it marks 00:00 only).
    pub holiday: Option<String>,
    /// Largest `rain_1h` of the group, mm.
    pub rain_mm: f64,
    /// Largest `snow_1h` of the group, mm.
    pub snow_mm: f64,
    /// Distinct conditions in file order.
    pub conditions: Vec<Condition>,
}

/// The file's columns.
struct Columns {
    holiday: Col,
    rain: Col,
    snow: Col,
    main: Col,
    description: Col,
    time: Col,
    volume: Col,
}

/// Parses the CSV into hours, one per distinct timestamp, in file order.
pub fn parse_hours(bytes: &[u8]) -> Result<Vec<Hour>, ParseError> {
    let mut file = CsvFile::open(bytes)?;
    let cols = Columns {
        holiday: file.column("holiday")?,
        rain: file.column("rain_1h")?,
        snow: file.column("snow_1h")?,
        main: file.column("weather_main")?,
        description: file.column("weather_description")?,
        time: file.column("date_time")?,
        volume: file.column("traffic_volume")?,
    };
    let mut hours: Vec<Hour> = Vec::new();
    for row in file.rows() {
        let row = row?;
        let hour = parse_row(&row, &cols)?;
        match hours.last_mut() {
            Some(last) if last.local == hour.local => merge(last, hour),
            Some(last) if last.local > hour.local => {
                return Err(ParseError::DuplicateTime {
                    line: row.line,
                    value: hour.local.to_string(),
                })
            }
            _ => hours.push(hour),
        }
    }
    Ok(hours)
}

fn parse_row(row: &Row, cols: &Columns) -> Result<Hour, ParseError> {
    let text = row.text(cols.time)?;
    let local = NaiveDateTime::parse_from_str(text, TIME_FORMAT).map_err(|_| ParseError::Time {
        line: row.line,
        value: text.to_owned(),
        format: TIME_FORMAT,
    })?;
    let holiday = Some(row.text(cols.holiday)?)
        .filter(|h| !h.is_empty() && *h != NO_HOLIDAY)
        .map(str::to_owned);
    let number = |col| {
        row.non_negative(Some(row.number(col)?), col)
            .map(|v| v.unwrap_or_default())
    };
    Ok(Hour {
        line: row.line,
        start: to_utc(Chicago, local, Fold::Earlier, row.line)?,
        local,
        volume: number(cols.volume)?,
        holiday,
        rain_mm: number(cols.rain)?,
        snow_mm: number(cols.snow)?,
        conditions: vec![Condition {
            main: row.text(cols.main)?.to_owned(),
            description: row.text(cols.description)?.to_owned(),
        }],
    })
}

/// Folds a same-timestamp row into its group (the first row's volume wins).
fn merge(group: &mut Hour, row: Hour) {
    group.holiday = group.holiday.take().or(row.holiday);
    group.rain_mm = group.rain_mm.max(row.rain_mm);
    group.snow_mm = group.snow_mm.max(row.snow_mm);
    for c in row.conditions {
        if !group.conditions.contains(&c) {
            group.conditions.push(c);
        }
    }
}

/// One flow observation per hour on [`SEGMENT_ID`].
pub fn flow_observations(
    hours: &[Hour],
    ingested_at: DateTime<Utc>,
) -> Vec<flow_observation::ActiveModel> {
    hours
        .iter()
        .map(|h| {
            let level = congestion_level(volume_to_capacity(h.volume));
            flow_observation::ActiveModel {
                id: NotSet,
                segment_id: Set(SEGMENT_ID.to_owned()),
                date_observed: Set(h.start),
                period_s: Set(3600),
                average_vehicle_speed: Set(Some(segment::bpr_speed_kmh(h.volume))),
                speed_estimated: Set(true),
                intensity: Set(h.volume),
                occupancy: Set(None),
                congestion_level: Set(level.as_str().to_owned()),
                congested: Set(matches!(level, Level::Congested | Level::Impossible)),
                source: Set(SOURCE.to_owned()),
                ingested_at: Set(ingested_at),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const HEADER: &str = "holiday,temp,rain_1h,snow_1h,clouds_all,weather_main,weather_description,date_time,traffic_volume\n";

    fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn duplicate_timestamps_merge_into_one_hour() {
        let csv = format!(
            "{HEADER}None,281.25,0.0,0.0,99,Rain,light rain,2012-10-10 07:00:00,6793\n\
             None,281.25,0.0,0.0,99,Drizzle,light intensity drizzle,2012-10-10 07:00:00,6793\n\
             None,280.1,0.0,0.0,99,Rain,light rain,2012-10-10 08:00:00,6283\n"
        );
        let hours = parse_hours(csv.as_bytes()).expect("parse");
        assert_eq!(hours.len(), 2);
        assert_eq!(hours[0].conditions.len(), 2);
        assert_eq!(hours[0].volume, 6793.0);
        // 07:00 CDT = 12:00 UTC.
        assert_eq!(hours[0].start, utc(2012, 10, 10, 12));
    }

    #[test]
    fn autumn_repeated_hour_maps_to_cdt_and_holiday_is_read() {
        let csv = format!(
            "{HEADER}None,275.67,0.0,0.0,90,Clouds,overcast clouds,2012-11-04 00:00:00,2125\n\
             None,275.6,0.0,0.0,90,Clouds,overcast clouds,2012-11-04 01:00:00,730\n\
             None,275.77,0.0,0.0,90,Clouds,overcast clouds,2012-11-04 01:00:00,730\n\
             None,275.42,0.0,0.0,90,Clouds,overcast clouds,2012-11-04 02:00:00,345\n\
             Veterans Day,288.12,0.0,0.0,87,Clear,sky is clear,2012-11-12 00:00:00,1000\n"
        );
        let hours = parse_hours(csv.as_bytes()).expect("parse");
        let starts: Vec<_> = hours.iter().map(|h| h.start).collect();
        // 01:00 CDT = 06:00 UTC; 02:00 CST = 08:00 UTC (07:00 UTC, the CST 01:00, has no row).
        assert_eq!(
            starts[..3],
            [
                utc(2012, 11, 4, 5),
                utc(2012, 11, 4, 6),
                utc(2012, 11, 4, 8)
            ]
        );
        assert_eq!(hours[3].holiday.as_deref(), Some("Veterans Day"));
        assert_eq!(hours[0].holiday, None);
    }

    #[test]
    fn out_of_order_rows_and_negative_volumes_are_errors() {
        let csv = format!(
            "{HEADER}None,1,0,0,0,Clear,sky is clear,2012-10-10 08:00:00,1\nNone,1,0,0,0,Clear,sky is clear,2012-10-10 07:00:00,1\n"
        );
        assert!(matches!(
            parse_hours(csv.as_bytes()),
            Err(ParseError::DuplicateTime { line: 3, .. })
        ));
        let neg = format!("{HEADER}None,1,0,0,0,Clear,sky is clear,2012-10-10 08:00:00,-5\n");
        assert!(matches!(
            parse_hours(neg.as_bytes()),
            Err(ParseError::OutOfRange { line: 2, .. })
        ));
    }

    #[test]
    fn flow_rows_use_bpr_speed_and_vc_bands() {
        let csv = format!("{HEADER}None,1,0,0,0,Clear,sky is clear,2016-06-01 07:00:00,6750\n");
        let hours = parse_hours(csv.as_bytes()).expect("parse");
        let rows = flow_observations(&hours, utc(2025, 1, 1, 0));
        let row = &rows[0];
        // v/c = 6750/6750 = 1 → LOS E "congested", speed 88.514/1.15.
        assert_eq!(row.congestion_level, Set("congested".to_owned()));
        assert_eq!(row.congested, Set(true));
        let speed = row
            .average_vehicle_speed
            .try_as_ref()
            .copied()
            .flatten()
            .expect("speed");
        assert!((speed - 76.969).abs() < 1e-3, "{speed}");
        assert_eq!(row.occupancy, Set(None));
        assert_eq!(row.speed_estimated, Set(true));
    }
}

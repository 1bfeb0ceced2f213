//! Road-condition broadcasts (DATEX II situation records) derived from the
//! traffic file's real weather, holiday and volume columns.
//!
//! - **weather**: one report per run of consecutive hours (starts exactly
//!   1 h apart) with a hazardous hour. An hour's severity is the highest of
//!   its conditions and amounts:
//!   - `highest`: squall; thunderstorm with "heavy"; heavy snow; freezing,
//!     very heavy or extreme rain; rain_1h > 50 mm (violent);
//!   - `high`: other thunderstorms; snow, shower snow, sleet, rain and
//!     snow; heavy(-intensity) rain; rain_1h > 7.6 mm (heavy);
//!   - `medium`: light snow; fog; smoke; moderate rain; rain_1h ≥ 2.5 mm
//!     (moderate); any snow_1h > 0;
//!   - `low`: mist, haze.
//!
//!   Light rain, drizzle, clouds and clear sky alone are not hazards.
//!   rain_1h above 305 mm (the world 1-hour record) is a recording error
//!   (the file has one, 9,831.3 mm) and its amount is ignored.
//! - **event**: one `low` report per holiday the file marks (it marks the
//!   00:00 row), valid for that local (America/Chicago) day.
//! - **congestion**: one report per run of consecutive hours whose level is
//!   `congested` or `impossible` (V/C > 0.85); `high` when some hour has
//!   V/C > 1, else `medium`.
//!
//! Every report sits at the segment's midpoint, `valid_from` = the run's
//! first hour, `valid_to` = the end of its last hour, and `situation_id` =
//! `mndot-atr301-<category>-<UTC start yyyymmddHH>` (holidays:
//! `mndot-atr301-holiday-<local yyyymmdd>`), so reloading is idempotent.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::America::Chicago;
use sea_orm::ActiveValue::{NotSet, Set};
use zkcity_entities::traffic::road_condition_report;

use super::segment::{self, congestion_level, volume_to_capacity, Level, SEGMENT_ID};
use super::{Condition, Hour, SOURCE};
use crate::load::time::{to_utc, Fold};
use crate::load::ParseError;

/// Rain amounts above this (mm in one hour) are recording errors.
const MAX_PLAUSIBLE_RAIN_MM: f64 = 305.0;
/// Where every report is broadcast for.
const PLACE: &str = "I-94 westbound at MnDOT ATR 301";

/// DATEX II severity, ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Highest,
}

impl Severity {
    /// The stored `severity` text.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Highest => "highest",
        }
    }
}

/// Severity of one OpenWeatherMap condition, `None` when not a hazard.
pub fn condition_severity(c: &Condition) -> Option<Severity> {
    let d = c.description.to_lowercase();
    match c.main.as_str() {
        "Squall" => Some(Severity::Highest),
        "Thunderstorm" if d.contains("heavy") => Some(Severity::Highest),
        "Thunderstorm" => Some(Severity::High),
        "Snow" if d.contains("heavy") => Some(Severity::Highest),
        "Snow" if d.starts_with("light") => Some(Severity::Medium),
        "Snow" => Some(Severity::High),
        "Rain" if d.contains("freezing") || d.contains("very heavy") || d.contains("extreme") => {
            Some(Severity::Highest)
        }
        "Rain" if d.contains("heavy") => Some(Severity::High),
        "Rain" if d.contains("moderate") => Some(Severity::Medium),
        "Fog" | "Smoke" => Some(Severity::Medium),
        "Mist" | "Haze" => Some(Severity::Low),
        _ => None,
    }
}

/// Severity from measured amounts, `None` below the hazard thresholds.
pub fn amount_severity(rain_mm: f64, snow_mm: f64) -> Option<Severity> {
    let rain = if rain_mm > MAX_PLAUSIBLE_RAIN_MM {
        0.0
    } else {
        rain_mm
    };
    let by_rain = match rain {
        r if r > 50.0 => Some(Severity::Highest),
        r if r > 7.6 => Some(Severity::High),
        r if r >= 2.5 => Some(Severity::Medium),
        _ => None,
    };
    by_rain.max((snow_mm > 0.0).then_some(Severity::Medium))
}

/// Weather severity of an hour.
pub fn hour_severity(h: &Hour) -> Option<Severity> {
    h.conditions
        .iter()
        .filter_map(condition_severity)
        .max()
        .max(amount_severity(h.rain_mm, h.snow_mm))
}

/// All reports derived from `hours` (weather, holiday, congestion), in that order.
pub fn road_condition_reports(
    hours: &[Hour],
    ingested_at: DateTime<Utc>,
) -> Result<Vec<road_condition_report::ActiveModel>, ParseError> {
    let mut out = Vec::new();
    for run in runs(hours, |h| hour_severity(h).is_some()) {
        out.push(weather_report(run, ingested_at));
    }
    for h in hours.iter().filter(|h| h.holiday.is_some()) {
        out.push(holiday_report(h, ingested_at)?);
    }
    let congested = |h: &Hour| {
        matches!(
            congestion_level(volume_to_capacity(h.volume)),
            Level::Congested | Level::Impossible
        )
    };
    for run in runs(hours, congested) {
        out.push(congestion_report(run, ingested_at));
    }
    Ok(out)
}

/// Maximal runs of hours that satisfy `keep` and follow each other by exactly 1 h.
fn runs<'a>(
    hours: &'a [Hour],
    keep: impl Fn(&Hour) -> bool + 'a,
) -> impl Iterator<Item = &'a [Hour]> + 'a {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < hours.len() && !keep(&hours[i]) {
            i += 1;
        }
        let start = i;
        while i < hours.len()
            && keep(&hours[i])
            && (i == start || hours[i].start - hours[i - 1].start == Duration::hours(1))
        {
            i += 1;
        }
        (i > start).then(|| &hours[start..i])
    })
}

fn report(
    category: &str,
    situation_id: String,
    severity: Severity,
    span: (DateTime<Utc>, DateTime<Utc>),
    description: String,
    ingested_at: DateTime<Utc>,
) -> road_condition_report::ActiveModel {
    let (lon, lat) = segment::midpoint();
    road_condition_report::ActiveModel {
        id: NotSet,
        situation_id: Set(situation_id),
        category: Set(category.to_owned()),
        severity: Set(severity.as_str().to_owned()),
        segment_id: Set(Some(SEGMENT_ID.to_owned())),
        latitude: Set(lat),
        longitude: Set(lon),
        valid_from: Set(span.0),
        valid_to: Set(Some(span.1)),
        description: Set(description),
        source: Set(SOURCE.to_owned()),
        ingested_at: Set(ingested_at),
    }
}

/// Start and end of a run of hours.
fn span(run: &[Hour]) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = run.last().map_or(run[0].start, |h| h.start) + Duration::hours(1);
    (run[0].start, end)
}

fn weather_report(run: &[Hour], ingested_at: DateTime<Utc>) -> road_condition_report::ActiveModel {
    let severity = run
        .iter()
        .filter_map(hour_severity)
        .max()
        .unwrap_or(Severity::Low);
    let mut seen: Vec<&str> = Vec::new();
    for c in run
        .iter()
        .flat_map(|h| &h.conditions)
        .filter(|c| !matches!(c.main.as_str(), "Clear" | "Clouds"))
    {
        if !seen.contains(&c.description.as_str()) {
            seen.push(&c.description);
        }
    }
    let mut text = format!("Weather on {PLACE}: {}", seen.join(", "));
    let rain = run
        .iter()
        .map(|h| h.rain_mm)
        .filter(|r| *r <= MAX_PLAUSIBLE_RAIN_MM)
        .fold(0.0, f64::max);
    let snow = run.iter().map(|h| h.snow_mm).fold(0.0, f64::max);
    if rain > 0.0 {
        text.push_str(&format!("; rain up to {rain} mm/h"));
    }
    if snow > 0.0 {
        text.push_str(&format!("; snow up to {snow} mm/h"));
    }
    text.push_str(" (OpenWeatherMap)");
    let id = format!("mndot-atr301-weather-{}", run[0].start.format("%Y%m%d%H"));
    report("weather", id, severity, span(run), text, ingested_at)
}

fn holiday_report(
    h: &Hour,
    ingested_at: DateTime<Utc>,
) -> Result<road_condition_report::ActiveModel, ParseError> {
    let day = h.local.date();
    let midnight =
        |d: chrono::NaiveDate| to_utc(Chicago, d.and_time(NaiveTime::MIN), Fold::Earlier, h.line);
    let next = day.succ_opt().unwrap_or(day);
    let name = h.holiday.as_deref().unwrap_or_default();
    let text = format!("Holiday traffic on {PLACE}: {name}");
    let id = format!("mndot-atr301-holiday-{}", day.format("%Y%m%d"));
    Ok(report(
        "event",
        id,
        Severity::Low,
        (midnight(day)?, midnight(next)?),
        text,
        ingested_at,
    ))
}

fn congestion_report(
    run: &[Hour],
    ingested_at: DateTime<Utc>,
) -> road_condition_report::ActiveModel {
    let peak = run.iter().map(|h| h.volume).fold(0.0, f64::max);
    let vc = volume_to_capacity(peak);
    let severity = if vc > 1.0 {
        Severity::High
    } else {
        Severity::Medium
    };
    let text = format!(
        "Congestion on {PLACE}: up to {peak} vehicles/h (V/C {vc:.2}), modelled speed down to {:.0} km/h",
        segment::bpr_speed_kmh(peak)
    );
    let id = format!(
        "mndot-atr301-congestion-{}",
        run[0].start.format("%Y%m%d%H")
    );
    report("congestion", id, severity, span(run), text, ingested_at)
}

#[cfg(test)]
mod tests;

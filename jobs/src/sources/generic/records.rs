//! The generic record types (one per entity) and their checks. Field names
//! are the table columns (jobs/README.md lists them); `id`, `ingested_at`
//! and derived columns are never read from input.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use serde::Deserialize;
use serde_json::Value;
use zkcity_entities::ecological::{air_quality_observation as aq, emission_report as em, station};
use zkcity_entities::power::{clearing_price as cp, market_transaction as tx};
use zkcity_entities::traffic::{flow_observation as flow, road_condition_report as rcr, road_segment as seg};

use super::lenient;
use crate::load::aqi::{self, Concentrations, AQI_STANDARD};

/// One input record, tagged by `type` (the table name).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Station(Station),
    AirQualityObservation(AirQuality),
    EmissionReport(Emission),
    ClearingPrice(ClearingPrice),
    MarketTransaction(Transaction),
    RoadSegment(Segment),
    TrafficFlowObservation(Flow),
    RoadConditionReport(Report),
    ImageTile(Tile),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Station {
    id: String,
    name: String,
    #[serde(deserialize_with = "lenient::f64")]
    latitude: f64,
    #[serde(deserialize_with = "lenient::f64")]
    longitude: f64,
    district: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirQuality {
    station_id: String,
    date_observed: DateTime<Utc>,
    #[serde(default, deserialize_with = "lenient::opt_i32")]
    aqi: Option<i32>,
    aqi_standard: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pm25: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pm10: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    no2: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    so2: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    o3: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    co: Option<f64>,
    unit: Option<String>,
    dominant_pollutant: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emission {
    report_id: String,
    facility: String,
    district: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    latitude: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    longitude: Option<f64>,
    pollutant: String,
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
    #[serde(deserialize_with = "lenient::f64")]
    quantity_kg: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClearingPrice {
    market: String,
    zone: String,
    interval_start: DateTime<Utc>,
    interval_end: DateTime<Utc>,
    #[serde(deserialize_with = "lenient::f64")]
    price_per_mwh: f64,
    currency: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transaction {
    trade_id: String,
    market: String,
    zone: String,
    delivery_start: DateTime<Utc>,
    delivery_end: DateTime<Utc>,
    #[serde(deserialize_with = "lenient::f64")]
    price_per_mwh: f64,
    currency: String,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    volume_mwh: Option<f64>,
    traded_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    id: String,
    name: String,
    district: String,
    road_class: String,
    /// GeoJSON `LineString` (in CSV: its JSON text).
    geometry: Value,
    #[serde(deserialize_with = "lenient::f64")]
    free_flow_speed_kmh: f64,
    #[serde(deserialize_with = "lenient::f64")]
    capacity_veh_h: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    segment_id: String,
    date_observed: DateTime<Utc>,
    #[serde(deserialize_with = "lenient::i32")]
    period_s: i32,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    average_vehicle_speed: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    speed_estimated: Option<bool>,
    #[serde(deserialize_with = "lenient::f64")]
    intensity: f64,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    occupancy: Option<f64>,
    congestion_level: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    situation_id: String,
    category: String,
    severity: String,
    segment_id: Option<String>,
    #[serde(deserialize_with = "lenient::f64")]
    latitude: f64,
    #[serde(deserialize_with = "lenient::f64")]
    longitude: f64,
    valid_from: DateTime<Utc>,
    valid_to: Option<DateTime<Utc>>,
    description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tile {
    /// The GeoTIFF's bytes, standard base64; metadata is read from the image.
    pub bytes_base64: String,
    pub captured_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub cloud_cover: Option<f64>,
    pub platform: Option<String>,
}

/// A failed check, with the field it concerns.
type Check = Result<(), String>;

fn ensure(ok: bool, msg: impl FnOnce() -> String) -> Check {
    if ok {
        Ok(())
    } else {
        Err(msg())
    }
}

fn lat_lon(lat: f64, lon: f64) -> Check {
    ensure((-90.0..=90.0).contains(&lat), || format!("latitude {lat} is out of range"))?;
    ensure((-180.0..=180.0).contains(&lon), || format!("longitude {lon} is out of range"))
}

fn non_empty(name: &str, v: &str) -> Check {
    ensure(!v.trim().is_empty(), || format!("`{name}` must not be empty"))
}

fn ordered(from: DateTime<Utc>, to: DateTime<Utc>, what: &str) -> Check {
    ensure(to > from, || format!("{what} ends ({to}) before it starts ({from})"))
}

fn one_of(name: &str, v: &str, allowed: &[&str]) -> Check {
    ensure(allowed.contains(&v), || format!("`{name}` must be one of {allowed:?}, not `{v}`"))
}

fn currency(v: &str) -> Check {
    ensure(v.len() == 3 && v.bytes().all(|b| b.is_ascii_uppercase()), || format!("currency `{v}` is not an ISO 4217 code"))
}

impl Station {
    pub fn into_model(self, source: String, now: DateTime<Utc>) -> Result<station::ActiveModel, String> {
        non_empty("id", &self.id)?;
        lat_lon(self.latitude, self.longitude)?;
        Ok(station::ActiveModel {
            id: Set(self.id),
            name: Set(self.name),
            latitude: Set(self.latitude),
            longitude: Set(self.longitude),
            district: Set(self.district),
            source: Set(source),
            ingested_at: Set(now),
        })
    }
}

impl AirQuality {
    /// Concentrations must be µg/m³ and non-negative; a missing AQI is
    /// computed with HJ 633 like the bundled data's.
    pub fn into_model(self, source: String, now: DateTime<Utc>) -> Result<aq::ActiveModel, String> {
        non_empty("station_id", &self.station_id)?;
        let unit = self.unit.unwrap_or_else(|| crate::load::air_quality::UNIT.to_owned());
        one_of("unit", &unit, &[crate::load::air_quality::UNIT, "ug/m3"])?;
        let c = Concentrations { pm25: self.pm25, pm10: self.pm10, so2: self.so2, no2: self.no2, o3: self.o3, co: self.co };
        for v in [c.pm25, c.pm10, c.so2, c.no2, c.o3, c.co].into_iter().flatten() {
            ensure(v >= 0.0, || format!("concentration {v} is negative"))?;
        }
        let (aqi, standard, dominant) = match self.aqi {
            Some(a) => {
                ensure(a >= 0, || format!("aqi {a} is negative"))?;
                let std = self.aqi_standard.ok_or("`aqi_standard` is required with `aqi`")?;
                (Some(a), std, self.dominant_pollutant)
            }
            None => {
                let computed = aqi::aqi(&c);
                let a = computed.as_ref().map(|x| x.aqi);
                (a, AQI_STANDARD.to_owned(), computed.and_then(|x| x.primary))
            }
        };
        Ok(aq::ActiveModel {
            id: NotSet,
            station_id: Set(self.station_id),
            date_observed: Set(self.date_observed),
            aqi: Set(aqi),
            aqi_standard: Set(standard),
            pm25: Set(c.pm25),
            pm10: Set(c.pm10),
            no2: Set(c.no2),
            so2: Set(c.so2),
            o3: Set(c.o3),
            co: Set(c.co),
            unit: Set(crate::load::air_quality::UNIT.to_owned()),
            dominant_pollutant: Set(dominant),
            source: Set(source),
            ingested_at: Set(now),
        })
    }
}

impl Emission {
    pub fn into_model(self, source: String, now: DateTime<Utc>) -> Result<em::ActiveModel, String> {
        non_empty("report_id", &self.report_id)?;
        non_empty("pollutant", &self.pollutant)?;
        ordered(self.period_start, self.period_end, "the period")?;
        ensure(self.quantity_kg >= 0.0, || "quantity_kg is negative".into())?;
        if let (Some(lat), Some(lon)) = (self.latitude, self.longitude) {
            lat_lon(lat, lon)?;
        }
        Ok(em::ActiveModel {
            id: NotSet,
            report_id: Set(self.report_id),
            facility: Set(self.facility),
            district: Set(self.district),
            latitude: Set(self.latitude),
            longitude: Set(self.longitude),
            pollutant: Set(self.pollutant),
            period_start: Set(self.period_start),
            period_end: Set(self.period_end),
            quantity_kg: Set(self.quantity_kg),
            source: Set(source),
            ingested_at: Set(now),
        })
    }
}

impl ClearingPrice {
    pub fn into_model(self, source: String, now: DateTime<Utc>) -> Result<cp::ActiveModel, String> {
        non_empty("zone", &self.zone)?;
        ordered(self.interval_start, self.interval_end, "the interval")?;
        currency(&self.currency)?;
        Ok(cp::ActiveModel {
            id: NotSet,
            market: Set(self.market),
            zone: Set(self.zone),
            interval_start: Set(self.interval_start),
            interval_end: Set(self.interval_end),
            price_per_mwh: Set(self.price_per_mwh),
            currency: Set(self.currency),
            source: Set(source),
            ingested_at: Set(now),
        })
    }
}

impl Transaction {
    pub fn into_model(self, source: String, now: DateTime<Utc>) -> Result<tx::ActiveModel, String> {
        non_empty("trade_id", &self.trade_id)?;
        ordered(self.delivery_start, self.delivery_end, "delivery")?;
        currency(&self.currency)?;
        if let Some(v) = self.volume_mwh {
            ensure(v >= 0.0, || format!("volume_mwh {v} is negative"))?;
        }
        Ok(tx::ActiveModel {
            id: NotSet,
            trade_id: Set(self.trade_id),
            market: Set(self.market),
            zone: Set(self.zone),
            delivery_start: Set(self.delivery_start),
            delivery_end: Set(self.delivery_end),
            price_per_mwh: Set(self.price_per_mwh),
            currency: Set(self.currency),
            volume_mwh: Set(self.volume_mwh),
            traded_at: Set(self.traded_at),
            source: Set(source),
            ingested_at: Set(now),
        })
    }
}

impl Segment {
    /// The geometry must be a GeoJSON LineString of ≥ 2 valid positions;
    /// the bbox columns are computed from it.
    pub fn into_model(self, source: String, now: DateTime<Utc>) -> Result<seg::ActiveModel, String> {
        non_empty("id", &self.id)?;
        let geometry = match self.geometry {
            Value::String(text) => serde_json::from_str(&text).map_err(|e| format!("geometry is not JSON: {e}"))?,
            v => v,
        };
        let points = line_points(&geometry)?;
        let fold = |f: fn(f64, f64) -> f64, init: f64, i: usize| points.iter().map(|p| p[i]).fold(init, f);
        ensure(self.free_flow_speed_kmh > 0.0 && self.capacity_veh_h > 0.0, || "speed and capacity must be positive".into())?;
        Ok(seg::ActiveModel {
            id: Set(self.id),
            name: Set(self.name),
            district: Set(self.district),
            road_class: Set(self.road_class),
            min_lon: Set(fold(f64::min, f64::INFINITY, 0)),
            min_lat: Set(fold(f64::min, f64::INFINITY, 1)),
            max_lon: Set(fold(f64::max, f64::NEG_INFINITY, 0)),
            max_lat: Set(fold(f64::max, f64::NEG_INFINITY, 1)),
            geometry: Set(geometry),
            free_flow_speed_kmh: Set(self.free_flow_speed_kmh),
            capacity_veh_h: Set(self.capacity_veh_h),
            source: Set(source),
            ingested_at: Set(now),
        })
    }
}

/// The [lon, lat] positions of a GeoJSON LineString.
fn line_points(g: &Value) -> Result<Vec<[f64; 2]>, String> {
    if g.get("type").and_then(Value::as_str) != Some("LineString") {
        return Err("geometry must be a GeoJSON LineString".into());
    }
    let coords = g.get("coordinates").and_then(Value::as_array).ok_or("geometry has no coordinates")?;
    let mut points = Vec::new();
    for c in coords {
        let lon = c.get(0).and_then(Value::as_f64).ok_or("a position lacks a longitude")?;
        let lat = c.get(1).and_then(Value::as_f64).ok_or("a position lacks a latitude")?;
        lat_lon(lat, lon)?;
        points.push([lon, lat]);
    }
    ensure(points.len() >= 2, || "a LineString needs at least two positions".into())?;
    Ok(points)
}

impl Flow {
    /// `congested` follows FIWARE: true for `congested` and `impossible`.
    pub fn into_model(self, source: String, now: DateTime<Utc>) -> Result<flow::ActiveModel, String> {
        non_empty("segment_id", &self.segment_id)?;
        one_of("congestion_level", &self.congestion_level, &["freeFlow", "heavy", "congested", "impossible"])?;
        ensure(self.period_s > 0, || "period_s must be positive".into())?;
        ensure(self.intensity >= 0.0, || "intensity is negative".into())?;
        if let Some(o) = self.occupancy {
            ensure((0.0..=1.0).contains(&o), || format!("occupancy {o} is outside 0..1"))?;
        }
        if let Some(s) = self.average_vehicle_speed {
            ensure(s >= 0.0, || "average_vehicle_speed is negative".into())?;
        }
        let congested = matches!(self.congestion_level.as_str(), "congested" | "impossible");
        Ok(flow::ActiveModel {
            id: NotSet,
            segment_id: Set(self.segment_id),
            date_observed: Set(self.date_observed),
            period_s: Set(self.period_s),
            average_vehicle_speed: Set(self.average_vehicle_speed),
            speed_estimated: Set(self.speed_estimated.unwrap_or(false)),
            intensity: Set(self.intensity),
            occupancy: Set(self.occupancy),
            congestion_level: Set(self.congestion_level),
            congested: Set(congested),
            source: Set(source),
            ingested_at: Set(now),
        })
    }
}

impl Report {
    pub fn into_model(self, source: String, now: DateTime<Utc>) -> Result<rcr::ActiveModel, String> {
        non_empty("situation_id", &self.situation_id)?;
        one_of("category", &self.category, &["accident", "roadworks", "closure", "congestion", "weather", "event"])?;
        one_of("severity", &self.severity, &["low", "medium", "high", "highest"])?;
        lat_lon(self.latitude, self.longitude)?;
        if let Some(to) = self.valid_to {
            ordered(self.valid_from, to, "the validity window")?;
        }
        Ok(rcr::ActiveModel {
            id: NotSet,
            situation_id: Set(self.situation_id),
            category: Set(self.category),
            severity: Set(self.severity),
            segment_id: Set(self.segment_id),
            latitude: Set(self.latitude),
            longitude: Set(self.longitude),
            valid_from: Set(self.valid_from),
            valid_to: Set(self.valid_to),
            description: Set(self.description),
            source: Set(source),
            ingested_at: Set(now),
        })
    }
}

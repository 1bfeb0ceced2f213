//! The generic record types (one per entity) and their checks. Field names
//! are the table columns (jobs/README.md lists them); `id`, `ingested_at`
//! and derived columns are never read from input.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use serde::Deserialize;
use serde_json::Value;
use zkcity_entities::ecological::{air_quality_observation as aq, emission_report as em, station};
use zkcity_entities::power::{clearing_price as cp, market_transaction as tx};

use super::checks::{currency, ensure, lat_lon, non_empty, one_of, ordered};
use super::lenient;
use crate::load::aqi::{self, Concentrations, AQI_STANDARD};

mod traffic;

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

impl Station {
    pub fn into_model(
        self,
        source: String,
        now: DateTime<Utc>,
    ) -> Result<station::ActiveModel, String> {
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
        let unit = self
            .unit
            .unwrap_or_else(|| crate::load::air_quality::UNIT.to_owned());
        one_of("unit", &unit, &[crate::load::air_quality::UNIT, "ug/m3"])?;
        let c = Concentrations {
            pm25: self.pm25,
            pm10: self.pm10,
            so2: self.so2,
            no2: self.no2,
            o3: self.o3,
            co: self.co,
        };
        for v in [c.pm25, c.pm10, c.so2, c.no2, c.o3, c.co]
            .into_iter()
            .flatten()
        {
            ensure(v >= 0.0, || format!("concentration {v} is negative"))?;
        }
        let (aqi, standard, dominant) = match self.aqi {
            Some(a) => {
                ensure(a >= 0, || format!("aqi {a} is negative"))?;
                let std = self
                    .aqi_standard
                    .ok_or("`aqi_standard` is required with `aqi`")?;
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

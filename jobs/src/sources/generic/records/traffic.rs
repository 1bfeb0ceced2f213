//! Checks and rows of the traffic record types.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use serde_json::Value;
use zkcity_entities::traffic::{
    flow_observation as flow, road_condition_report as rcr, road_segment as seg,
};

use super::super::checks::{ensure, lat_lon, line_points, non_empty, one_of, ordered};
use super::{Flow, Report, Segment};

impl Segment {
    /// The geometry must be a GeoJSON LineString of ≥ 2 valid positions;
    /// the bbox columns are computed from it.
    pub fn into_model(
        self,
        source: String,
        now: DateTime<Utc>,
    ) -> Result<seg::ActiveModel, String> {
        non_empty("id", &self.id)?;
        let geometry = match self.geometry {
            Value::String(text) => {
                serde_json::from_str(&text).map_err(|e| format!("geometry is not JSON: {e}"))?
            }
            v => v,
        };
        let points = line_points(&geometry)?;
        let fold =
            |f: fn(f64, f64) -> f64, init: f64, i: usize| points.iter().map(|p| p[i]).fold(init, f);
        ensure(
            self.free_flow_speed_kmh > 0.0 && self.capacity_veh_h > 0.0,
            || "speed and capacity must be positive".into(),
        )?;
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

impl Flow {
    /// `congested` follows FIWARE: true for `congested` and `impossible`.
    pub fn into_model(
        self,
        source: String,
        now: DateTime<Utc>,
    ) -> Result<flow::ActiveModel, String> {
        non_empty("segment_id", &self.segment_id)?;
        one_of(
            "congestion_level",
            &self.congestion_level,
            &["freeFlow", "heavy", "congested", "impossible"],
        )?;
        ensure(self.period_s > 0, || "period_s must be positive".into())?;
        ensure(self.intensity >= 0.0, || "intensity is negative".into())?;
        if let Some(o) = self.occupancy {
            ensure((0.0..=1.0).contains(&o), || {
                format!("occupancy {o} is outside 0..1")
            })?;
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
    pub fn into_model(
        self,
        source: String,
        now: DateTime<Utc>,
    ) -> Result<rcr::ActiveModel, String> {
        non_empty("situation_id", &self.situation_id)?;
        one_of(
            "category",
            &self.category,
            &[
                "accident",
                "roadworks",
                "closure",
                "congestion",
                "weather",
                "event",
            ],
        )?;
        one_of(
            "severity",
            &self.severity,
            &["low", "medium", "high", "highest"],
        )?;
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

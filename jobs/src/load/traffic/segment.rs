//! The one road segment of the traffic file — I-94 westbound at MnDOT ATR
//! station 301 — and the traffic-engineering numbers derived for it.
//!
//! - Location (approximate, ±1 km): the UCI description puts ATR 301
//!   "roughly midway between Minneapolis and St Paul"; public write-ups of
//!   the dataset place it near I-94 mile marker 239 in St Paul, between the
//!   Hamline Ave and Lexington Pkwy interchanges. The geometry is a ~800 m
//!   straight LineString there, drawn east → west (direction of travel).
//! - Free-flow speed: the 55 mph posted limit of I-94 between the two
//!   downtowns, 88.5 km/h — no measured speed exists in the file.
//! - Capacity: HCM 6th ed. basic freeway segment, eq. 12-6,
//!   c = 2,200 + 10·(FFS − 50) = 2,250 pc/h/ln at FFS 55 mi/h, times 3
//!   westbound lanes = 6,750 veh/h. Counts are unclassified, so no
//!   heavy-vehicle adjustment is made (1 vehicle = 1 pc). The data agree
//!   with 3 lanes: the largest hourly count, 7,280, is 2,427 veh/h/ln.
//! - Speed: BPR volume-delay function, v = FFS / (1 + 0.15·(V/C)^4).
//! - Congestion level from V/C, using the HCM LOS boundaries for a 55 mi/h
//!   basic freeway segment expressed as V/C: LOS C/D (26 pc/mi/ln) at
//!   1,430 pc/h/ln = 0.64, LOS D/E (35 pc/mi/ln) at ≈1,913 pc/h/ln = 0.85
//!   on the HCM 6th speed-flow curve, LOS E/F at capacity. LOS A–C →
//!   `freeFlow`, D → `heavy`, E → `congested`, F (V/C > 1, demand over
//!   capacity) → `impossible`.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use serde_json::json;
use zkcity_entities::traffic::road_segment;

use super::SOURCE;

/// Natural key of the segment.
pub const SEGMENT_ID: &str = "mndot-atr301-i94-wb";
/// Display name.
pub const NAME: &str = "I-94 westbound at MnDOT ATR 301 (St Paul, near mile 239)";
/// Metropolitan area the segment lies in.
pub const DISTRICT: &str = "Minneapolis–Saint Paul";
/// FIWARE road class.
pub const ROAD_CLASS: &str = "motorway";
/// Segment end points (lon, lat), east end first: approximate, see module docs.
pub const LINE: [(f64, f64); 2] = [(-93.1465, 44.9530), (-93.1565, 44.9530)];
/// 55 mi/h posted speed limit in km/h.
pub const FREE_FLOW_KMH: f64 = 55.0 * 1.609_344;
/// HCM basic-freeway capacity per lane at FFS 55 mi/h, pc/h/ln.
pub const CAPACITY_PER_LANE: f64 = 2_200.0 + 10.0 * (55.0 - 50.0);
/// Westbound general-purpose lanes.
pub const LANES: f64 = 3.0;
/// Segment capacity, veh/h.
pub const CAPACITY_VEH_H: f64 = CAPACITY_PER_LANE * LANES;

/// DATEX II `trafficStatus` values used here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    FreeFlow,
    Heavy,
    Congested,
    Impossible,
}

impl Level {
    /// The stored `congestion_level` text.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::FreeFlow => "freeFlow",
            Level::Heavy => "heavy",
            Level::Congested => "congested",
            Level::Impossible => "impossible",
        }
    }
}

/// Volume over capacity.
pub fn volume_to_capacity(volume: f64) -> f64 {
    volume / CAPACITY_VEH_H
}

/// BPR speed estimate in km/h for an hourly volume.
pub fn bpr_speed_kmh(volume: f64) -> f64 {
    FREE_FLOW_KMH / (1.0 + 0.15 * volume_to_capacity(volume).powi(4))
}

/// HCM LOS band of a V/C ratio (see module docs).
pub fn congestion_level(vc: f64) -> Level {
    if vc <= 0.64 {
        Level::FreeFlow
    } else if vc <= 0.85 {
        Level::Heavy
    } else if vc <= 1.0 {
        Level::Congested
    } else {
        Level::Impossible
    }
}

/// Midpoint of the segment (lon, lat): where its reports are located.
pub fn midpoint() -> (f64, f64) {
    let [(lon_a, lat_a), (lon_b, lat_b)] = LINE;
    ((lon_a + lon_b) / 2.0, (lat_a + lat_b) / 2.0)
}

/// The `road_segment` row.
pub fn road_segment(ingested_at: DateTime<Utc>) -> road_segment::ActiveModel {
    let lons = LINE.map(|p| p.0);
    let lats = LINE.map(|p| p.1);
    road_segment::ActiveModel {
        id: Set(SEGMENT_ID.to_owned()),
        name: Set(NAME.to_owned()),
        district: Set(DISTRICT.to_owned()),
        road_class: Set(ROAD_CLASS.to_owned()),
        geometry: Set(json!({
            "type": "LineString",
            "coordinates": LINE.map(|(lon, lat)| [lon, lat]),
        })),
        min_lon: Set(lons.iter().copied().fold(f64::INFINITY, f64::min)),
        min_lat: Set(lats.iter().copied().fold(f64::INFINITY, f64::min)),
        max_lon: Set(lons.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        max_lat: Set(lats.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        free_flow_speed_kmh: Set(FREE_FLOW_KMH),
        capacity_veh_h: Set(CAPACITY_VEH_H),
        source: Set(SOURCE.to_owned()),
        ingested_at: Set(ingested_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcm_capacity_and_bpr_speed() {
        assert_eq!(CAPACITY_VEH_H, 6_750.0);
        assert!((FREE_FLOW_KMH - 88.514).abs() < 1e-3);
        assert_eq!(bpr_speed_kmh(0.0), FREE_FLOW_KMH);
        // V/C 0.5: 88.514 / (1 + 0.15·0.0625) = 87.692.
        assert!((bpr_speed_kmh(3_375.0) - 87.692).abs() < 1e-3);
    }

    #[test]
    fn los_bands() {
        assert_eq!(congestion_level(0.64), Level::FreeFlow);
        assert_eq!(congestion_level(0.65), Level::Heavy);
        assert_eq!(congestion_level(0.85), Level::Heavy);
        assert_eq!(congestion_level(0.9), Level::Congested);
        assert_eq!(congestion_level(1.0), Level::Congested);
        assert_eq!(congestion_level(1.08), Level::Impossible);
    }

    #[test]
    fn segment_row_has_a_geojson_line_and_its_bbox() {
        let row = road_segment(chrono::DateTime::UNIX_EPOCH);
        let geometry = row.geometry.try_as_ref().expect("geometry");
        assert_eq!(geometry["type"], "LineString");
        assert_eq!(geometry["coordinates"][0][0], -93.1465);
        assert_eq!(row.min_lon, Set(-93.1565));
        assert_eq!(row.max_lon, Set(-93.1465));
        assert_eq!(row.min_lat, Set(44.9530));
    }
}

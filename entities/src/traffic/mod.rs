//! Traffic unit: road segments, flow observations, road-condition reports and
//! satellite/aerial image tiles.

pub mod flow_observation;
pub mod image_tile;
pub mod road_condition_report;
pub mod road_segment;
pub mod tile_blob;

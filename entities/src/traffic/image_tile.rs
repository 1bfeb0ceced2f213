//! Metadata of a satellite/aerial image tile (STAC item properties). The
//! bytes live in `tile_blob`, so listing tiles never reads images. Natural
//! key: `sha256`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "image_tile")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lowercase hex SHA-256 of the image bytes.
    #[sea_orm(unique)]
    pub sha256: String,
    /// STAC `datetime`; `None` when the source does not say when the image
    /// was taken (STAC allows a null datetime).
    pub captured_at: Option<DateTimeUtc>,
    /// STAC `bbox` in WGS84: west, south, east, north.
    pub bbox_west: f64,
    pub bbox_south: f64,
    pub bbox_east: f64,
    pub bbox_north: f64,
    /// STAC `proj:epsg` of the image's native grid.
    pub proj_epsg: Option<i32>,
    /// STAC `gsd`, metres per pixel.
    pub gsd: f64,
    /// STAC `eo:cloud_cover` in percent, when known.
    pub cloud_cover: Option<f64>,
    pub width: i32,
    pub height: i32,
    pub bands: i32,
    /// Media type of the bytes, e.g. `image/tiff; application=geotiff`.
    pub media_type: String,
    pub size_bytes: i64,
    /// STAC `platform`, e.g. `landsat-7`.
    pub platform: Option<String>,
    pub source: String,
    pub ingested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

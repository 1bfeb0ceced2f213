//! GeoTIFF image tiles → `image_tile` metadata + `tile_blob` bytes.
//!
//! Everything in the row is read from the file itself ([`geotiff`]):
//! width, height, bands (SamplesPerPixel), EPSG, the WGS84 bbox, and
//! `gsd` = the coarser of the two pixel sizes (STAC `gsd` is one number;
//! `rgb-byte-tenth.tif` has 3004 × 3034 m pixels). `sha256` is over the
//! exact bytes, which are stored unchanged in `tile_blob`.
//!
//! `captured_at`: the TIFF DateTime tag when present. The bundled rasterio
//! test files carry none, and neither rasterio nor its test-data README
//! says which Landsat 7 acquisition they were cut from, so their capture
//! time is unknown and stored as NULL (STAC allows a null `datetime`)
//! rather than as an invented date. Cloud cover is not
//! in the file: None. `platform` and `source` are facts about where the
//! file came from, so the caller supplies them ([`TileMeta`]).

pub mod geotiff;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sha2::{Digest, Sha256};
use zkcity_entities::traffic::{image_tile, tile_blob};

/// Media type of every GeoTIFF tile.
pub const MEDIA_TYPE: &str = "image/tiff; application=geotiff";

/// Why a GeoTIFF could not become a tile row.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// The bytes are not a TIFF the `tiff` crate can read.
    #[error("not a readable TIFF: {0}")]
    Tiff(#[from] tiff::TiffError),
    /// A tag needed for georeferencing is absent.
    #[error("missing GeoTIFF tag {0}")]
    MissingTag(&'static str),
    /// A tag is present but malformed or impossible.
    #[error("bad {tag}: {detail}")]
    BadTag { tag: &'static str, detail: String },
    /// The raster's CRS is not one this loader converts to WGS84.
    #[error("unsupported coordinate reference system: {0}")]
    UnsupportedCrs(String),
    /// The DateTime tag is not `YYYY:MM:DD HH:MM:SS`.
    #[error("bad TIFF DateTime `{0}`")]
    BadDateTime(String),
    /// A bbox point lies outside the UTM zone's valid range.
    #[error("cannot project {0}")]
    Projection(String),
}

/// Provenance of a tile file, known to the caller rather than the file.
#[derive(Clone, Copy, Debug)]
pub struct TileMeta<'a> {
    /// `source`, e.g. `rasterio:landsat7`.
    pub source: &'a str,
    /// STAC platform, e.g. `landsat-7`.
    pub platform: Option<&'a str>,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Parses a GeoTIFF into its metadata row and its blob row.
pub fn parse_tile(
    bytes: &[u8],
    meta: TileMeta<'_>,
    ingested_at: DateTime<Utc>,
) -> Result<(image_tile::ActiveModel, tile_blob::ActiveModel), TileError> {
    let info = geotiff::read(bytes)?;
    let (west, south, east, north) = info.wgs84_bbox()?;
    let int = |v: u32, tag: &'static str| {
        i32::try_from(v).map_err(|_| TileError::BadTag {
            tag,
            detail: v.to_string(),
        })
    };
    let sha = sha256_hex(bytes);
    let size = i64::try_from(bytes.len()).map_err(|_| TileError::BadTag {
        tag: "file size",
        detail: bytes.len().to_string(),
    })?;
    let tile = image_tile::ActiveModel {
        id: NotSet,
        sha256: Set(sha.clone()),
        captured_at: Set(info.datetime),
        bbox_west: Set(west),
        bbox_south: Set(south),
        bbox_east: Set(east),
        bbox_north: Set(north),
        proj_epsg: Set(info.crs.epsg),
        gsd: Set(info.scale.0.max(info.scale.1)),
        cloud_cover: Set(None),
        width: Set(int(info.width, "ImageWidth")?),
        height: Set(int(info.height, "ImageLength")?),
        bands: Set(i32::from(info.bands)),
        media_type: Set(MEDIA_TYPE.to_owned()),
        size_bytes: Set(size),
        platform: Set(meta.platform.map(str::to_owned)),
        source: Set(meta.source.to_owned()),
        ingested_at: Set(ingested_at),
    };
    Ok((
        tile,
        tile_blob::ActiveModel {
            sha256: Set(sha),
            bytes: Set(bytes.to_vec()),
        },
    ))
}

#[cfg(test)]
mod tests;

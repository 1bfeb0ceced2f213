//! The GeoTIFF tags a tile row needs, read with the `tiff` crate, and the
//! raster's bounding box in its native CRS and in WGS84.
//!
//! Georeferencing (GeoTIFF 1.0 §2.6): ModelTiepointTag (33922) ties raster
//! point (I, J) to model point (X, Y); ModelPixelScaleTag (33550) gives the
//! pixel size (Sx, Sy). The upper-left corner is (X − I·Sx, Y + J·Sy),
//! moved half a pixel up-left when GTRasterTypeGeoKey (1025) says
//! PixelIsPoint. Rotated rasters (ModelTransformationTag) are not supported.
//!
//! CRS, from GeoKeyDirectoryTag (34735): ProjectedCSTypeGeoKey (3072)
//! 32601–32660 / 32701–32760 is WGS 84 / UTM north / south and is the EPSG
//! code. 32767 ("user-defined", as in `rgb-byte-tenth.tif`) is accepted when
//! ProjectionGeoKey (3074) names a UTM zone (16001–16060 north, 16101–16160
//! south) on the WGS 84 ellipsoid (EllipsoidGeoKey 7030 or GeographicType
//! 4326); it has no EPSG code, so `proj_epsg` is None. Anything else is an
//! [`TileError::UnsupportedCrs`].
//!
//! WGS84 bbox: each edge of the native rectangle is sampled at 17 points and
//! converted with the `utm` crate's inverse transverse Mercator (series
//! accurate to well under a metre within a zone); the bbox is the min/max.
//! UTM grid lines are not meridians, so corners alone could miss the extreme.

use std::collections::HashMap;
use std::io::Cursor;

use chrono::{DateTime, NaiveDateTime, Utc};
use tiff::decoder::Decoder;
use tiff::tags::Tag;

use super::TileError;

/// A raster's CRS, as far as this loader supports them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Utm {
    pub zone: u8,
    pub north: bool,
    /// EPSG code when the file uses the standard WGS 84 / UTM code.
    pub epsg: Option<i32>,
}

/// What a tile row needs from a GeoTIFF's tags.
#[derive(Clone, Debug, PartialEq)]
pub struct GeoTiff {
    pub width: u32,
    pub height: u32,
    pub bands: u16,
    /// Pixel size (Sx, Sy) in CRS units (metres).
    pub scale: (f64, f64),
    /// Upper-left corner (X, Y) in the CRS.
    pub origin: (f64, f64),
    pub crs: Utm,
    /// The TIFF DateTime tag (306), read as UTC (TIFF gives no zone).
    pub datetime: Option<DateTime<Utc>>,
}

impl GeoTiff {
    /// Bounding box in the native CRS: (min x, min y, max x, max y).
    pub fn native_bbox(&self) -> (f64, f64, f64, f64) {
        let (x0, y0) = self.origin;
        let (x1, y1) = (
            x0 + f64::from(self.width) * self.scale.0,
            y0 - f64::from(self.height) * self.scale.1,
        );
        (x0, y1, x1, y0)
    }

    /// Bounding box in WGS84 degrees: (west, south, east, north).
    pub fn wgs84_bbox(&self) -> Result<(f64, f64, f64, f64), TileError> {
        const STEPS: u32 = 16;
        let (x0, y0, x1, y1) = self.native_bbox();
        let (mut w, mut s, mut e, mut n) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for k in 0..=STEPS {
            let t = f64::from(k) / f64::from(STEPS);
            let (x, y) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
            for (px, py) in [(x, y0), (x, y1), (x0, y), (x1, y)] {
                let (lat, lon) = utm_to_wgs84(self.crs, px, py)?;
                (w, s, e, n) = (w.min(lon), s.min(lat), e.max(lon), n.max(lat));
            }
        }
        Ok((w, s, e, n))
    }
}

/// Inverse UTM of one point: (latitude, longitude) in degrees.
pub fn utm_to_wgs84(crs: Utm, easting: f64, northing: f64) -> Result<(f64, f64), TileError> {
    let letter = if crs.north { 'N' } else { 'M' };
    utm::wsg84_utm_to_lat_lon(easting, northing, crs.zone, letter).map_err(|e| {
        TileError::Projection(format!(
            "({easting}, {northing}) in zone {}: {e:?}",
            crs.zone
        ))
    })
}

/// Reads the tags of the first image of a GeoTIFF.
pub fn read(bytes: &[u8]) -> Result<GeoTiff, TileError> {
    let mut tiff = Decoder::new(Cursor::new(bytes))?;
    let (width, height) = tiff.dimensions()?;
    let bands = tiff
        .find_tag_unsigned::<u16>(Tag::SamplesPerPixel)?
        .unwrap_or(1);
    let scale = doubles(&mut tiff, Tag::ModelPixelScaleTag, "ModelPixelScaleTag", 2)?;
    let tie = doubles(&mut tiff, Tag::ModelTiepointTag, "ModelTiepointTag", 6)?;
    if tiff.find_tag(Tag::ModelTransformationTag)?.is_some() {
        return Err(TileError::UnsupportedCrs(
            "rotated raster (ModelTransformationTag)".into(),
        ));
    }
    let keys = geo_keys(&mut tiff)?;
    let (sx, sy) = (scale[0], scale[1]);
    if !(sx > 0.0 && sy > 0.0) {
        return Err(TileError::BadTag {
            tag: "ModelPixelScaleTag",
            detail: format!("{scale:?}"),
        });
    }
    let half = if keys.short(1025) == Some(2) {
        0.5
    } else {
        0.0
    };
    let origin = (tie[3] - (tie[0] + half) * sx, tie[4] + (tie[1] + half) * sy);
    let datetime = match tiff.find_tag(Tag::DateTime)? {
        Some(v) => Some(parse_datetime(&v.into_string()?)?),
        None => None,
    };
    Ok(GeoTiff {
        width,
        height,
        bands,
        scale: (sx, sy),
        origin,
        crs: crs(&keys)?,
        datetime,
    })
}

fn doubles(
    tiff: &mut Decoder<Cursor<&[u8]>>,
    tag: Tag,
    name: &'static str,
    min: usize,
) -> Result<Vec<f64>, TileError> {
    let values = tiff
        .find_tag(tag)?
        .ok_or(TileError::MissingTag(name))?
        .into_f64_vec()?;
    if values.len() < min || values.iter().any(|v| !v.is_finite()) {
        return Err(TileError::BadTag {
            tag: name,
            detail: format!("{values:?}"),
        });
    }
    Ok(values)
}

fn parse_datetime(text: &str) -> Result<DateTime<Utc>, TileError> {
    let text = text.trim_end_matches('\0').trim();
    NaiveDateTime::parse_from_str(text, "%Y:%m:%d %H:%M:%S")
        .map(|t| t.and_utc())
        .map_err(|_| TileError::BadDateTime(text.to_owned()))
}

/// GeoKeyDirectoryTag entries with a SHORT value or GeoDoubleParams values.
struct GeoKeys {
    shorts: HashMap<u16, u16>,
    doubles: HashMap<u16, Vec<f64>>,
}

impl GeoKeys {
    fn short(&self, key: u16) -> Option<u16> {
        self.shorts.get(&key).copied()
    }
}

fn geo_keys(tiff: &mut Decoder<Cursor<&[u8]>>) -> Result<GeoKeys, TileError> {
    let dir = tiff
        .find_tag(Tag::GeoKeyDirectoryTag)?
        .ok_or(TileError::MissingTag("GeoKeyDirectoryTag"))?
        .into_u16_vec()?;
    let params = match tiff.find_tag(Tag::GeoDoubleParamsTag)? {
        Some(v) => v.into_f64_vec()?,
        None => Vec::new(),
    };
    let bad = |detail: String| TileError::BadTag {
        tag: "GeoKeyDirectoryTag",
        detail,
    };
    let count = usize::from(*dir.get(3).ok_or_else(|| bad("no header".into()))?);
    let mut keys = GeoKeys {
        shorts: HashMap::new(),
        doubles: HashMap::new(),
    };
    for i in 0..count {
        let entry = dir
            .get(4 + 4 * i..8 + 4 * i)
            .ok_or_else(|| bad(format!("entry {i} is truncated")))?;
        let (key, location, n, value) = (
            entry[0],
            entry[1],
            usize::from(entry[2]),
            usize::from(entry[3]),
        );
        match location {
            0 => {
                keys.shorts.insert(key, entry[3]);
            }
            34736 => {
                let v = params
                    .get(value..value + n)
                    .ok_or_else(|| bad(format!("key {key} points past GeoDoubleParams")))?;
                keys.doubles.insert(key, v.to_vec());
            }
            _ => {} // ASCII citations are not needed.
        }
    }
    Ok(keys)
}

fn crs(keys: &GeoKeys) -> Result<Utm, TileError> {
    const USER_DEFINED: u16 = 32767;
    match keys.short(1024) {
        Some(1) => {}
        other => {
            return Err(TileError::UnsupportedCrs(format!(
                "GTModelTypeGeoKey {other:?} (only projected)"
            )))
        }
    }
    let pcs = keys
        .short(3072)
        .ok_or(TileError::MissingTag("ProjectedCSTypeGeoKey"))?;
    let utm = |zone: u16, north: bool, epsg: Option<i32>| Utm {
        zone: zone as u8,
        north,
        epsg,
    };
    match pcs {
        32601..=32660 => Ok(utm(pcs - 32600, true, Some(i32::from(pcs)))),
        32701..=32760 => Ok(utm(pcs - 32700, false, Some(i32::from(pcs)))),
        USER_DEFINED if on_wgs84_ellipsoid(keys) => match keys.short(3074) {
            Some(p @ 16001..=16060) => Ok(utm(p - 16000, true, None)),
            Some(p @ 16101..=16160) => Ok(utm(p - 16100, false, None)),
            other => Err(TileError::UnsupportedCrs(format!(
                "user-defined projection {other:?}"
            ))),
        },
        other => Err(TileError::UnsupportedCrs(format!(
            "ProjectedCSTypeGeoKey {other}"
        ))),
    }
}

/// EllipsoidGeoKey 7030, GeographicTypeGeoKey 4326, or WGS 84's axes given as doubles.
fn on_wgs84_ellipsoid(keys: &GeoKeys) -> bool {
    let close = |key: u16, want: f64| {
        keys.doubles
            .get(&key)
            .and_then(|v| v.first())
            .is_some_and(|v| (v - want).abs() < 1e-6)
    };
    keys.short(2056) == Some(7030)
        || keys.short(2048) == Some(4326)
        || (close(2057, 6_378_137.0) && close(2059, 298.257_223_563))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_inverse_matches_a_published_point() {
        // Wikipedia's UTM example: the CN Tower, 17T 630084 4833438 =
        // 43°38′33.24″N 79°23′13.7″W.
        let crs = Utm {
            zone: 17,
            north: true,
            epsg: Some(32617),
        };
        let (lat, lon) = utm_to_wgs84(crs, 630_084.0, 4_833_438.0).expect("in range");
        assert!(
            (lat - (43.0 + 38.0 / 60.0 + 33.24 / 3600.0)).abs() < 2e-5,
            "{lat}"
        );
        assert!(
            (lon + (79.0 + 23.0 / 60.0 + 13.7 / 3600.0)).abs() < 2e-5,
            "{lon}"
        );
    }

    #[test]
    fn datetime_tag_is_read_as_utc() {
        let t = parse_datetime("2000:12:21 15:04:05\0").expect("valid");
        assert_eq!(t.to_rfc3339(), "2000-12-21T15:04:05+00:00");
        assert!(matches!(
            parse_datetime("yesterday"),
            Err(TileError::BadDateTime(_))
        ));
    }
}

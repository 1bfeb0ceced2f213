use super::geotiff::{self, Utm};
use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/traffic")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

const META: TileMeta<'static> = TileMeta {
    source: "rasterio:landsat7",
    platform: Some("landsat-7"),
};

#[test]
fn rgb_byte_tags_and_native_bounds() {
    let info = geotiff::read(&fixture("RGB.byte.tif")).expect("read");
    assert_eq!((info.width, info.height, info.bands), (791, 718, 3));
    assert_eq!(
        info.crs,
        Utm {
            zone: 18,
            north: true,
            epsg: Some(32618)
        }
    );
    assert_eq!(info.datetime, None);
    let (x0, y0, x1, y1) = info.native_bbox();
    // SOURCES.md: about (101985, 2611485, 339315, 2826915).
    for (got, want) in [
        (x0, 101_985.0),
        (y0, 2_611_485.0),
        (x1, 339_315.0),
        (y1, 2_826_915.0),
    ] {
        assert!((got - want).abs() < 1.0, "{got} vs {want}");
    }
}

#[test]
fn rgb_byte_wgs84_bbox_matches_rasterio() {
    // rasterio's tests/test_warp.py::test_transform_bounds (GDAL/PROJ, 21-point densified edges).
    let want = (
        -78.95864996545055,
        23.564991210854686,
        -76.57492370013823,
        25.550873767433984,
    );
    let got = geotiff::read(&fixture("RGB.byte.tif"))
        .expect("read")
        .wgs84_bbox()
        .expect("bbox");
    for (g, w) in [
        (got.0, want.0),
        (got.1, want.1),
        (got.2, want.2),
        (got.3, want.3),
    ] {
        assert!((g - w).abs() < 1e-4, "{got:?} vs {want:?}");
    }
}

#[test]
fn tenth_resolution_file_has_a_user_defined_utm_crs() {
    let bytes = fixture("rgb-byte-tenth.tif");
    let info = geotiff::read(&bytes).expect("read");
    assert_eq!((info.width, info.height, info.bands), (79, 71, 3));
    // ProjectedCSTypeGeoKey is 32767 (user-defined) with ProjectionGeoKey 16018: UTM 18N, no EPSG code.
    assert_eq!(
        info.crs,
        Utm {
            zone: 18,
            north: true,
            epsg: None
        }
    );
    let (x0, y0, x1, y1) = info.native_bbox();
    assert!((x0 - 101_985.0).abs() < 1.0 && (y1 - 2_826_915.0).abs() < 1.0);
    assert!(
        (x1 - 339_315.0).abs() < 1.0 && (y0 - 2_611_485.0).abs() < 1.0,
        "{:?}",
        info.native_bbox()
    );
    let (tile, _) = parse_tile(&bytes, META, DateTime::UNIX_EPOCH).expect("tile");
    assert_eq!(tile.proj_epsg, Set(None));
    // gsd: the coarser of 3004.18 × 3034.23 m.
    let gsd = tile.gsd.try_as_ref().copied().expect("gsd");
    assert!((gsd - 3034.225).abs() < 1e-3, "{gsd}");
}

#[test]
fn tile_rows_from_the_real_file() {
    let bytes = fixture("RGB.byte.tif");
    let now = DateTime::UNIX_EPOCH + chrono::Duration::days(20_000);
    let (tile, blob) = parse_tile(&bytes, META, now).expect("tile");
    let sha = sha256_hex(&bytes);
    assert_eq!(tile.sha256, Set(sha.clone()));
    assert_eq!(blob.sha256, Set(sha));
    assert_eq!(blob.bytes, Set(bytes.clone()));
    assert_eq!(tile.size_bytes, Set(1_745_956));
    assert_eq!(tile.width, Set(791));
    assert_eq!(tile.height, Set(718));
    assert_eq!(tile.bands, Set(3));
    assert_eq!(tile.proj_epsg, Set(Some(32618)));
    assert_eq!(
        tile.captured_at,
        Set(None),
        "the files carry no DateTime tag"
    );
    assert_eq!(tile.media_type, Set(MEDIA_TYPE.to_owned()));
    assert_eq!(tile.platform, Set(Some("landsat-7".to_owned())));
    assert_eq!(tile.cloud_cover, Set(None));
    let gsd = tile.gsd.try_as_ref().copied().expect("gsd");
    assert!((gsd - 300.04).abs() < 0.01, "{gsd}");
}

#[test]
fn garbage_is_a_tiff_error() {
    assert!(matches!(
        parse_tile(b"not a tiff", META, DateTime::UNIX_EPOCH),
        Err(TileError::Tiff(_))
    ));
}

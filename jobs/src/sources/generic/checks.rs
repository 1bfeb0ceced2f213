//! Field checks shared by the generic record types; each returns the reason
//! a record is refused.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A failed check, with the field it concerns.
pub(super) type Check = Result<(), String>;

pub(super) fn ensure(ok: bool, msg: impl FnOnce() -> String) -> Check {
    if ok {
        Ok(())
    } else {
        Err(msg())
    }
}

pub(super) fn lat_lon(lat: f64, lon: f64) -> Check {
    ensure((-90.0..=90.0).contains(&lat), || {
        format!("latitude {lat} is out of range")
    })?;
    ensure((-180.0..=180.0).contains(&lon), || {
        format!("longitude {lon} is out of range")
    })
}

pub(super) fn non_empty(name: &str, v: &str) -> Check {
    ensure(!v.trim().is_empty(), || {
        format!("`{name}` must not be empty")
    })
}

pub(super) fn ordered(from: DateTime<Utc>, to: DateTime<Utc>, what: &str) -> Check {
    ensure(to > from, || {
        format!("{what} ends ({to}) before it starts ({from})")
    })
}

pub(super) fn one_of(name: &str, v: &str, allowed: &[&str]) -> Check {
    ensure(allowed.contains(&v), || {
        format!("`{name}` must be one of {allowed:?}, not `{v}`")
    })
}

pub(super) fn currency(v: &str) -> Check {
    ensure(
        v.len() == 3 && v.bytes().all(|b| b.is_ascii_uppercase()),
        || format!("currency `{v}` is not an ISO 4217 code"),
    )
}

/// The [lon, lat] positions of a GeoJSON LineString.
pub(super) fn line_points(g: &Value) -> Result<Vec<[f64; 2]>, String> {
    if g.get("type").and_then(Value::as_str) != Some("LineString") {
        return Err("geometry must be a GeoJSON LineString".into());
    }
    let coords = g
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("geometry has no coordinates")?;
    let mut points = Vec::new();
    for c in coords {
        let lon = c
            .get(0)
            .and_then(Value::as_f64)
            .ok_or("a position lacks a longitude")?;
        let lat = c
            .get(1)
            .and_then(Value::as_f64)
            .ok_or("a position lacks a latitude")?;
        lat_lon(lat, lon)?;
        points.push([lon, lat]);
    }
    ensure(points.len() >= 2, || {
        "a LineString needs at least two positions".into()
    })?;
    Ok(points)
}

//! Field deserializers that accept a JSON number or its text, so the same
//! record types read NDJSON (typed values) and CSV (every cell is text).

use serde::de::Error;
use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Num(f64),
    Bool(bool),
    Text(String),
}

fn number<E: Error>(s: Scalar) -> Result<f64, E> {
    let v = match s {
        Scalar::Num(n) => n,
        Scalar::Text(t) => t
            .trim()
            .parse::<f64>()
            .map_err(|_| E::custom(format!("`{t}` is not a number")))?,
        Scalar::Bool(b) => return Err(E::custom(format!("`{b}` is not a number"))),
    };
    if v.is_finite() {
        Ok(v)
    } else {
        Err(E::custom("numbers must be finite"))
    }
}

fn integer<E: Error>(s: Scalar) -> Result<i32, E> {
    let v = number::<E>(s)?;
    if v.fract() == 0.0 && v >= f64::from(i32::MIN) && v <= f64::from(i32::MAX) {
        Ok(v as i32)
    } else {
        Err(E::custom(format!("{v} is not a 32-bit integer")))
    }
}

/// A finite number.
pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    number(Scalar::deserialize(d)?)
}

/// An optional finite number (`null`, absent or an empty CSV cell = none).
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Option::<Scalar>::deserialize(d)?.map(number).transpose()
}

/// A 32-bit integer.
pub fn i32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    integer(Scalar::deserialize(d)?)
}

/// An optional 32-bit integer.
pub fn opt_i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    Option::<Scalar>::deserialize(d)?.map(integer).transpose()
}

/// An optional boolean: `true`/`false` as JSON or text.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<Scalar>::deserialize(d)? {
        None => Ok(None),
        Some(Scalar::Bool(b)) => Ok(Some(b)),
        Some(Scalar::Text(t)) if t == "true" => Ok(Some(true)),
        Some(Scalar::Text(t)) if t == "false" => Ok(Some(false)),
        Some(_) => Err(D::Error::custom("expected true or false")),
    }
}

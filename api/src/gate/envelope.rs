//! Decoding `extensions.zkcity` (DESIGN §5) in the order of its checks:
//! structure and proof bytes first (`MALFORMED_PROOF`), then the field
//! elements (`NON_CANONICAL_FIELD_ELEMENT`). Nothing is ever reduced modulo
//! `r`: `n` and `n + r` must not be two nullifiers (DESIGN §8).

use base64::Engine;
use serde_json::{Map, Value};
use zkcity_circuits::{parse_fr, proof_from_bytes, Fr, Proof, PROOF_LEN};

use super::error::GateError;

/// The envelope version this server speaks.
pub const ENVELOPE_VERSION: u64 = 1;

/// A decoded envelope: every value checked, none yet judged against the
/// epoch, the roots or the proof.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub proof: Proof,
    pub proof_bytes: [u8; PROOF_LEN],
    pub root: Fr,
    pub epoch: u64,
    pub nullifier: Fr,
    pub blinding: Fr,
}

fn malformed(why: impl Into<String>) -> GateError {
    GateError::MalformedProof(why.into())
}

fn string_field<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, GateError> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(malformed(format!("`{name}` must be a string"))),
        None => Err(malformed(format!("`{name}` is missing"))),
    }
}

fn field_element(obj: &Map<String, Value>, name: &'static str) -> Result<Fr, GateError> {
    parse_fr(string_field(obj, name)?).map_err(|_| GateError::NonCanonical(name))
}

/// Decodes the raw `extensions.zkcity` value.
pub fn decode(raw: &Value) -> Result<Envelope, GateError> {
    let obj = raw
        .as_object()
        .ok_or_else(|| malformed("extensions.zkcity must be an object"))?;
    match obj.get("v") {
        Some(v) if v.as_u64() == Some(ENVELOPE_VERSION) => {}
        Some(_) => {
            return Err(malformed(format!(
                "unsupported version; this server speaks v = {ENVELOPE_VERSION}"
            )))
        }
        None => return Err(malformed("`v` is missing")),
    }
    let epoch = match obj.get("epoch") {
        Some(e) => e
            .as_u64()
            .ok_or_else(|| malformed("`epoch` must be a non-negative integer"))?,
        None => return Err(malformed("`epoch` is missing")),
    };
    // Field elements must at least be strings before the proof is looked at,
    // so every MALFORMED_PROOF cause is reported before any canonicality one.
    for name in ["root", "nullifier", "blinding"] {
        string_field(obj, name)?;
    }
    let encoded = string_field(obj, "proof")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| malformed("`proof` is not standard base64"))?;
    let proof_bytes: [u8; PROOF_LEN] = bytes.as_slice().try_into().map_err(|_| {
        malformed(format!(
            "`proof` must be {PROOF_LEN} bytes, got {}",
            bytes.len()
        ))
    })?;
    let proof = proof_from_bytes(&proof_bytes).map_err(|_| {
        malformed("`proof` holds a point that is not on the curve or not in the subgroup")
    })?;
    Ok(Envelope {
        proof,
        proof_bytes,
        root: field_element(obj, "root")?,
        epoch,
        nullifier: field_element(obj, "nullifier")?,
        blinding: field_element(obj, "blinding")?,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code(raw: Value) -> &'static str {
        match decode(&raw) {
            Ok(_) => "OK",
            Err(e) => e.code(),
        }
    }

    fn base() -> Value {
        json!({"v": 1, "proof": base64::engine::general_purpose::STANDARD.encode([0u8; 128]),
               "root": "1", "epoch": 5, "nullifier": "2", "blinding": "3"})
    }

    #[test]
    fn structure_is_checked_before_field_elements() {
        let mut v = base();
        v["root"] = json!("01");
        v["v"] = json!(2);
        assert_eq!(code(v), "MALFORMED_PROOF");
        let mut v = base();
        v["nullifier"] = json!(2);
        assert_eq!(code(v), "MALFORMED_PROOF");
        let mut v = base();
        v["epoch"] = json!("5");
        assert_eq!(code(v), "MALFORMED_PROOF");
        assert_eq!(code(json!("x")), "MALFORMED_PROOF");
    }

    #[test]
    fn proof_bytes_are_validated() {
        let mut v = base();
        v["proof"] = json!("***");
        assert_eq!(code(v), "MALFORMED_PROOF");
        let mut v = base();
        v["proof"] = json!(base64::engine::general_purpose::STANDARD.encode([0u8; 127]));
        assert_eq!(code(v), "MALFORMED_PROOF");
        let mut v = base();
        v["proof"] = json!(base64::engine::general_purpose::STANDARD.encode([0x11u8; 128]));
        assert_eq!(code(v), "MALFORMED_PROOF");
    }
}

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

/// Every key a request's envelope holds, and no other (DESIGN §5 amendment).
pub const ENVELOPE_KEYS: [&str; 6] = ["v", "proof", "root", "epoch", "nullifier", "blinding"];

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
    // The key itself is not echoed: it is the client's text.
    if obj.keys().any(|k| !ENVELOPE_KEYS.contains(&k.as_str())) {
        return Err(malformed(format!(
            "extensions.zkcity holds an unknown key; it holds exactly {}",
            ENVELOPE_KEYS.join(", ")
        )));
    }
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

/// Whether a request body (one request or a batch) repeats a key inside an
/// `extensions.zkcity` object, or repeats `extensions` or `zkcity` on the way
/// there. JSON parsers keep the last of repeated keys, so the envelope the
/// gate decodes could differ from one another reader of the same bytes sees;
/// such a request is refused as `MALFORMED_PROOF` (DESIGN §5 amendment).
/// Bodies that are not JSON answer `false`: the request parser names them.
pub fn repeats_envelope_key(body: &[u8]) -> bool {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde::de::DeserializeSeed::deserialize(Probe::top(), &mut de).unwrap_or(false)
}

/// Walks a JSON value along `path`, reporting a repeated key on it.
struct Probe<'a> {
    path: &'a [&'a str],
    /// A batch: an array of requests, at the top only.
    top: bool,
}

impl Probe<'static> {
    fn top() -> Self {
        Probe {
            path: &["extensions", "zkcity"],
            top: true,
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Probe<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Probe<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<bool, M::Error> {
        use serde::de::IgnoredAny;
        let mut seen = std::collections::HashSet::new();
        let mut repeated = false;
        while let Some(key) = map.next_key::<String>()? {
            match self.path.split_first() {
                // Inside the envelope: every key counts.
                None => {
                    repeated |= !seen.insert(key);
                    map.next_value::<IgnoredAny>()?;
                }
                Some((next, rest)) if key == *next => {
                    repeated |= !seen.insert(key);
                    let inner = Probe {
                        path: rest,
                        top: false,
                    };
                    repeated |= map.next_value_seed(inner)?;
                }
                Some(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(repeated)
    }

    fn visit_seq<S: serde::de::SeqAccess<'de>>(self, mut seq: S) -> Result<bool, S::Error> {
        let mut repeated = false;
        if self.top {
            let item = || Probe {
                path: self.path,
                top: false,
            };
            while let Some(r) = seq.next_element_seed(item())? {
                repeated |= r;
            }
        } else {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        }
        Ok(repeated)
    }

    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
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
    fn unknown_keys_are_malformed() {
        let mut v = base();
        v["m"] = json!("4");
        assert_eq!(code(v), "MALFORMED_PROOF");
        let mut v = base();
        v["inputs"] = json!(["1", "2", "3", "4", "5"]);
        assert_eq!(code(v), "MALFORMED_PROOF");
        let mut v = base();
        v["receipt"] = json!({});
        assert_eq!(code(v), "MALFORMED_PROOF");
    }

    #[test]
    fn repeated_envelope_keys_are_found_in_single_and_batched_bodies() {
        let one = br#"{"query":"{a}","extensions":{"zkcity":{"v":1,"root":"1","root":"2"}}}"#;
        assert!(repeats_envelope_key(one));
        let batch = br#"[{"query":"{a}"},{"extensions":{"zkcity":{"epoch":1,"epoch":2}}}]"#;
        assert!(repeats_envelope_key(batch));
        let twice = br#"{"extensions":{"zkcity":{"v":1},"zkcity":{"v":1}}}"#;
        assert!(repeats_envelope_key(twice));
        let outer = br#"{"extensions":{"zkcity":{"v":1}},"extensions":{}}"#;
        assert!(repeats_envelope_key(outer));
        // Repeats elsewhere are not the gate's business; nested values are opaque.
        let fine = br#"{"query":"{a}","variables":{"x":1,"x":2},"extensions":{"zkcity":{"v":1,"proof":{"a":1,"a":2}},"other":[1,1]}}"#;
        assert!(!repeats_envelope_key(fine));
        assert!(!repeats_envelope_key(b"not json"));
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

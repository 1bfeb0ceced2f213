//! JSON representation of an entry, one object per line in the NDJSON export
//! (`GET /audit/export`, DESIGN §6).
//!
//! ```json
//! {"index":3,"timestampMs":1700000000000,"kind":"member",
//!  "commitment":"<64 hex>","prev":"<64 hex>","bytes":"<hex of the entry bytes>"}
//! {"index":4,"timestampMs":1700000000001,"kind":"query","root":"<64 hex>","epoch":472222,
//!  "nullifier":"<64 hex>","m":"<64 hex>","proof":"<base64>","prev":"<64 hex>","bytes":"…"}
//! ```
//!
//! Field elements and hashes are lowercase hex of their 32 big-endian bytes.
//! The proof is standard padded base64 of its 128 compressed bytes, the same
//! encoding as the request extension (DESIGN §5). `bytes` (optional) carries the
//! canonical entry bytes so a verifier checks that fields and bytes agree;
//! `leafHash` (optional) is the leaf hash the server stored in its tree, which
//! the verifier cross-checks so a row altered after the fact is named exactly.

use crate::entry::{Entry, EntryKind, QueryFields, PROOF_LEN};
use crate::error::EntryError;
use crate::merkle::Hash;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// One entry as exported in NDJSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EntryRecord {
    /// Log index.
    pub index: u64,
    /// Unix milliseconds.
    pub timestamp_ms: i64,
    /// `member` or `query`.
    pub kind: String,
    /// Member: identity commitment, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
    /// Query: membership root, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// Query: epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    /// Query: nullifier, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullifier: Option<String>,
    /// Query: query commitment `m`, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<String>,
    /// Query: Groth16 proof, standard base64 of 128 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// Previous entry's chain hash, hex.
    pub prev: String,
    /// Canonical entry bytes, hex (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
    /// Leaf hash as stored by the server, hex (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_hash: Option<String>,
}

impl EntryRecord {
    /// Record of `entry` with its canonical `bytes` included.
    pub fn from_entry(entry: &Entry) -> EntryRecord {
        let mut rec = EntryRecord {
            index: entry.index,
            timestamp_ms: entry.timestamp_ms,
            kind: entry.kind.name().to_owned(),
            commitment: None,
            root: None,
            epoch: None,
            nullifier: None,
            m: None,
            proof: None,
            prev: hex::encode(entry.prev),
            bytes: Some(hex::encode(entry.to_bytes())),
            leaf_hash: None,
        };
        match &entry.kind {
            EntryKind::Member { commitment } => rec.commitment = Some(hex::encode(commitment)),
            EntryKind::Query(q) => {
                rec.root = Some(hex::encode(q.root));
                rec.epoch = Some(q.epoch);
                rec.nullifier = Some(hex::encode(q.nullifier));
                rec.m = Some(hex::encode(q.m));
                rec.proof = Some(STANDARD.encode(q.proof));
            }
        }
        rec
    }

    /// Sets the stored leaf hash to publish alongside the entry.
    pub fn with_leaf_hash(mut self, leaf_hash: &Hash) -> EntryRecord {
        self.leaf_hash = Some(hex::encode(leaf_hash));
        self
    }

    /// Decodes the fields strictly (no field of the other kind, exact lengths)
    /// and, when `bytes` is present, checks it equals the fields' encoding.
    pub fn to_entry(&self) -> Result<Entry, EntryError> {
        let kind = match self.kind.as_str() {
            "member" => self.member_kind()?,
            "query" => self.query_kind()?,
            other => return Err(EntryError::UnknownKindName(other.to_owned())),
        };
        let entry = Entry {
            index: self.index,
            timestamp_ms: self.timestamp_ms,
            kind,
            prev: hex32("prev", &self.prev)?,
        };
        if let Some(raw) = &self.bytes {
            let raw = hex::decode(raw).map_err(|_| EntryError::BytesMismatch)?;
            if raw != entry.to_bytes() {
                return Err(EntryError::BytesMismatch);
            }
        }
        Ok(entry)
    }

    /// The stored leaf hash, if the record carries one.
    pub fn stored_leaf_hash(&self) -> Result<Option<Hash>, EntryError> {
        self.leaf_hash
            .as_deref()
            .map(|h| hex32("leafHash", h))
            .transpose()
    }

    /// Parses one NDJSON line.
    pub fn from_json(line: &str) -> Result<EntryRecord, EntryError> {
        serde_json::from_str(line).map_err(|e| EntryError::Json(e.to_string()))
    }

    /// Serializes to one NDJSON line (without the newline).
    pub fn to_json(&self) -> String {
        // Serializing a struct of strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    fn member_kind(&self) -> Result<EntryKind, EntryError> {
        let foreign = [
            ("root", self.root.is_some()),
            ("epoch", self.epoch.is_some()),
            ("nullifier", self.nullifier.is_some()),
            ("m", self.m.is_some()),
            ("proof", self.proof.is_some()),
        ];
        reject_foreign(&foreign)?;
        let c = self
            .commitment
            .as_deref()
            .ok_or(EntryError::MissingField("commitment"))?;
        Ok(EntryKind::Member {
            commitment: hex32("commitment", c)?,
        })
    }

    fn query_kind(&self) -> Result<EntryKind, EntryError> {
        reject_foreign(&[("commitment", self.commitment.is_some())])?;
        let field = |name: &'static str, v: &Option<String>| -> Result<[u8; 32], EntryError> {
            hex32(name, v.as_deref().ok_or(EntryError::MissingField(name))?)
        };
        let proof_b64 = self
            .proof
            .as_deref()
            .ok_or(EntryError::MissingField("proof"))?;
        let proof_vec = STANDARD
            .decode(proof_b64)
            .map_err(|_| EntryError::BadProof)?;
        let proof: [u8; PROOF_LEN] = proof_vec.try_into().map_err(|_| EntryError::BadProof)?;
        Ok(EntryKind::Query(QueryFields {
            root: field("root", &self.root)?,
            epoch: self.epoch.ok_or(EntryError::MissingField("epoch"))?,
            nullifier: field("nullifier", &self.nullifier)?,
            m: field("m", &self.m)?,
            proof,
        }))
    }
}

fn reject_foreign(fields: &[(&'static str, bool)]) -> Result<(), EntryError> {
    match fields.iter().find(|(_, present)| *present) {
        Some((name, _)) => Err(EntryError::UnexpectedField(name)),
        None => Ok(()),
    }
}

/// Decodes exactly 32 bytes of lowercase hex (uppercase is rejected so that
/// one entry has one JSON spelling).
pub(crate) fn hex32(name: &'static str, s: &str) -> Result<[u8; 32], EntryError> {
    if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(EntryError::BadHex(name, 32));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| EntryError::BadHex(name, 32))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> Entry {
        Entry {
            index: 4,
            timestamp_ms: 1_700_000_000_001,
            kind: EntryKind::Query(QueryFields {
                root: [1; 32],
                epoch: 472_222,
                nullifier: [2; 32],
                m: [3; 32],
                proof: [4; PROOF_LEN],
            }),
            prev: [5; 32],
        }
    }

    #[test]
    fn json_round_trip_and_shape() {
        let member = Entry {
            index: 3,
            timestamp_ms: 9,
            kind: EntryKind::Member {
                commitment: [0xcd; 32],
            },
            prev: [0; 32],
        };
        for e in [member, query()] {
            let line = EntryRecord::from_entry(&e).to_json();
            let rec = EntryRecord::from_json(&line).expect("parse");
            assert_eq!(rec.to_entry(), Ok(e));
        }
        let v: serde_json::Value =
            serde_json::from_str(&EntryRecord::from_entry(&query()).to_json()).expect("json");
        assert_eq!(v["kind"], "query");
        assert_eq!(v["timestampMs"], 1_700_000_000_001i64);
        assert_eq!(v["nullifier"], "02".repeat(32));
        assert!(v.get("commitment").is_none());
    }

    #[test]
    fn rejects_disagreeing_or_foreign_fields() {
        let mut rec = EntryRecord::from_entry(&query());
        rec.epoch = Some(1);
        assert_eq!(rec.to_entry(), Err(EntryError::BytesMismatch));
        let mut rec = EntryRecord::from_entry(&query());
        rec.commitment = Some("00".repeat(32));
        assert_eq!(
            rec.to_entry(),
            Err(EntryError::UnexpectedField("commitment"))
        );
        let mut rec = EntryRecord::from_entry(&query());
        rec.nullifier = Some("AB".repeat(32));
        assert_eq!(rec.to_entry(), Err(EntryError::BadHex("nullifier", 32)));
        let mut rec = EntryRecord::from_entry(&query());
        rec.proof = Some(STANDARD.encode([0u8; 127]));
        assert_eq!(rec.to_entry(), Err(EntryError::BadProof));
        let mut rec = EntryRecord::from_entry(&query());
        rec.kind = "other".into();
        assert!(matches!(
            rec.to_entry(),
            Err(EntryError::UnknownKindName(_))
        ));
        assert!(EntryRecord::from_json(r#"{"index":1,"extra":2}"#).is_err());
    }
}

//! What a verifier saves between runs and reports at the end.

use crate::merkle::Hash;
use crate::note::LogVerifierKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A checkpoint verified earlier, plus the chain hash of its last entry.
///
/// The CLI saves it keyed by origin and pinned log key (never by anything the
/// server reports, DESIGN §8) and passes it to the next run, which then
/// detects rollback (fewer entries) and forks (a different prefix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustedState {
    /// Tree size of the saved checkpoint.
    pub size: u64,
    /// Root of the saved checkpoint, hex in JSON.
    #[serde(with = "hex_hash")]
    pub root: Hash,
    /// Chain hash of entry `size - 1` (zeros when `size` is 0), hex in JSON.
    #[serde(with = "hex_hash")]
    pub chain_head: Hash,
}

/// A [`TrustedState`] tagged with the log it belongs to, as a CLI state file
/// holds it. The tags are the verifier's own inputs (origin it was asked to
/// verify, key it pins), never values read from the server (DESIGN §8,
/// immudb CVE-2022-39199).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SavedState {
    /// Origin the verifier was run for.
    pub origin: String,
    /// Pinned verifier key string `name+keyid+key`.
    pub log_key: String,
    /// The verified state.
    pub state: TrustedState,
}

impl SavedState {
    /// The saved state if it was recorded for exactly this origin and key.
    pub fn for_log(&self, origin: &str, log_key: &LogVerifierKey) -> Option<&TrustedState> {
        (self.origin == origin && self.log_key == log_key.to_string()).then_some(&self.state)
    }
}

/// Result of a successful verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The state to save for the next run.
    pub state: TrustedState,
    /// The state this run started from, if any.
    pub previous: Option<TrustedState>,
    /// Number of member entries.
    pub members: u64,
    /// Number of query entries.
    pub queries: u64,
    /// Timestamp of the last entry, unix ms.
    pub last_timestamp_ms: Option<i64>,
}

mod hex_hash {
    use super::*;

    pub fn serialize<S: Serializer>(h: &Hash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(h))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Hash, D::Error> {
        let s = String::deserialize(d)?;
        crate::record::hex32("hash", &s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_state_json_round_trip() {
        let st = TrustedState {
            size: 5,
            root: [1; 32],
            chain_head: [2; 32],
        };
        let json = serde_json::to_string(&st).expect("json");
        assert!(json.contains("\"chainHead\":\"0202"));
        assert_eq!(
            serde_json::from_str::<TrustedState>(&json).expect("parse"),
            st
        );
        assert!(
            serde_json::from_str::<TrustedState>(r#"{"size":1,"root":"00","chainHead":"00"}"#)
                .is_err()
        );
    }

    #[test]
    fn saved_state_is_keyed_by_origin_and_pinned_key() {
        let key = crate::LogSigner::from_seed("log", [1; 32])
            .expect("signer")
            .verifier();
        let other = crate::LogSigner::from_seed("log", [2; 32])
            .expect("signer")
            .verifier();
        let state = TrustedState {
            size: 1,
            root: [1; 32],
            chain_head: [2; 32],
        };
        let saved = SavedState {
            origin: "o".into(),
            log_key: key.to_string(),
            state: state.clone(),
        };
        assert_eq!(saved.for_log("o", &key), Some(&state));
        assert_eq!(saved.for_log("o", &other), None);
        assert_eq!(saved.for_log("p", &key), None);
        let json = serde_json::to_string(&saved).expect("json");
        assert!(json.contains("\"logKey\""));
    }
}

//! Receipts (DESIGN §5): the log index, leaf hash, a signed checkpoint and
//! the inclusion proof of the leaf in that checkpoint. Checked against the
//! pinned log key (C2SP signed note, DESIGN §6, §8).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zkcity_audit::merkle::verify_inclusion;
use zkcity_audit::{Checkpoint, Hash, LogVerifierKey};

use super::error::AnonError;

/// A receipt as returned in `extensions.zkcity.receipt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub index: u64,
    pub leaf_hash: String,
    pub checkpoint: String,
    pub inclusion_proof: Vec<String>,
}

fn hash(hex_str: &str) -> Result<Hash, AnonError> {
    let bytes = hex::decode(hex_str).map_err(|e| AnonError::Receipt(format!("bad hex: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| AnonError::Receipt("a hash is not 32 bytes".into()))
}

impl Receipt {
    /// Reads `extensions.zkcity.receipt` of a response body.
    pub fn from_response(body: &Value) -> Result<Receipt, AnonError> {
        let raw = body
            .pointer("/extensions/zkcity/receipt")
            .ok_or_else(|| AnonError::Receipt("the response carries no receipt".into()))?;
        serde_json::from_value(raw.clone())
            .map_err(|e| AnonError::Receipt(format!("malformed receipt: {e}")))
    }

    /// The leaf hash as bytes.
    pub fn leaf(&self) -> Result<Hash, AnonError> {
        hash(&self.leaf_hash)
    }

    /// Checks the checkpoint's signature with `key` and the leaf's inclusion
    /// in it; returns the checkpoint.
    pub fn verify(&self, key: &LogVerifierKey) -> Result<Checkpoint, AnonError> {
        let checkpoint = key
            .open(&self.checkpoint)
            .map_err(|e| AnonError::Receipt(format!("checkpoint signature: {e}")))?;
        let proof = self
            .inclusion_proof
            .iter()
            .map(|h| hash(h))
            .collect::<Result<Vec<_>, _>>()?;
        verify_inclusion(
            &self.leaf()?,
            self.index,
            checkpoint.size,
            &proof,
            &checkpoint.root,
        )
        .map_err(|e| AnonError::Receipt(format!("inclusion proof of entry {}: {e}", self.index)))?;
        Ok(checkpoint)
    }
}

//! What an append carries and what it answers: the request the gate or an
//! admin mutation hands to the writer, and the receipt of DESIGN §5.

use zkcity_audit::{Hash, QueryFields};
use zkcity_circuits::Fr;

/// What to append.
#[derive(Debug, Clone)]
pub enum AppendRequest {
    /// Register an identity commitment (already checked canonical and non-zero).
    Member(Fr),
    /// An accepted anonymous query.
    Query(QueryFields),
}

/// Proof that an entry is in the log (DESIGN §5 receipt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Log index of the entry.
    pub index: u64,
    /// RFC 6962 leaf hash of the entry.
    pub leaf_hash: Hash,
    /// Tree size of the checkpoint (the proof is for this size).
    pub tree_size: u64,
    /// Signed checkpoint note of that size.
    pub checkpoint: String,
    /// Inclusion proof of the entry in that checkpoint.
    pub inclusion_proof: Vec<Hash>,
}

impl Receipt {
    /// The receipt as the wire JSON of DESIGN §5.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "index": self.index,
            "leafHash": hex::encode(self.leaf_hash),
            "checkpoint": self.checkpoint,
            "inclusionProof": self.inclusion_proof.iter().map(hex::encode).collect::<Vec<_>>(),
        })
    }
}

/// A successful append.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The entry's receipt.
    pub receipt: Receipt,
    /// For a member entry: its leaf index and the membership root after it.
    pub member: Option<(u64, Fr)>,
}

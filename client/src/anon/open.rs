//! Openings: what the requester keeps to show later that log entry `N` is
//! its query (DESIGN §4: only the holder of `b` can open `m`). `zkcity audit
//! open` recomputes `m = P(d, b)` from the opening, fetches entry `N`,
//! checks the entry's bytes, its `m`, and its inclusion in the checkpoint
//! the server publishes (cosigned by its witnesses, when it has them) under
//! the pinned key, and that the receipt's checkpoint — the one at append
//! time — is a prefix of it (a consistency proof).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zkcity_audit::merkle::{verify_consistency, verify_inclusion, Hash};
use zkcity_audit::{Entry, EntryKind, LogVerifierKey};
use zkcity_circuits::field::serde_decimal;
use zkcity_circuits::{fr_to_bytes, query_commitment, request_digest, Fr};

use super::error::AnonError;
use super::receipt::Receipt;
use super::server::ZkServer;
use super::text::QueryText;

/// The opening of one query commitment, saved with its receipt.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opening {
    pub query: String,
    pub variables: Option<Value>,
    pub operation_name: Option<String>,
    #[serde(with = "serde_decimal")]
    pub blinding: Fr,
    pub receipt: Option<Receipt>,
}

/// What `audit open` established.
#[derive(Debug, Clone)]
pub struct Opened {
    pub index: u64,
    pub epoch: u64,
    /// Size of the published checkpoint the entry was checked in.
    pub checkpoint_size: u64,
    /// That checkpoint's note, with any cosignature lines.
    pub checkpoint_note: String,
    /// Size of the receipt's checkpoint (at append time), shown consistent
    /// with the published one when it is not larger.
    pub receipt_size: u64,
}

impl Opening {
    pub fn new(text: &QueryText, blinding: Fr, receipt: Option<Receipt>) -> Self {
        Self {
            query: text.query.clone(),
            variables: text.variables.clone(),
            operation_name: text.operation_name.clone(),
            blinding,
            receipt,
        }
    }

    /// `m` recomputed from the opening.
    pub fn commitment(&self) -> Result<Fr, AnonError> {
        let d = request_digest(
            &self.query,
            self.variables.as_ref(),
            self.operation_name.as_deref(),
        )
        .map_err(|e| AnonError::Prove(e.to_string()))?;
        Ok(query_commitment(d, self.blinding))
    }

    pub fn save(&self, path: &Path) -> Result<(), AnonError> {
        let text = serde_json::to_vec_pretty(self).map_err(|e| AnonError::bad_file(path, e))?;
        std::fs::write(path, text).map_err(|e| AnonError::io(path, e))
    }

    pub fn load(path: &Path) -> Result<Self, AnonError> {
        let text = std::fs::read(path).map_err(|e| AnonError::io(path, e))?;
        serde_json::from_slice(&text)
            .map_err(|e| AnonError::bad_file(path, format!("not an opening: {e}")))
    }
}

/// Shows that log entry `receipt.index` is the query of `opening`.
pub async fn open(
    server: &ZkServer,
    opening: &Opening,
    key: &LogVerifierKey,
) -> Result<Opened, AnonError> {
    let receipt = opening
        .receipt
        .as_ref()
        .ok_or_else(|| AnonError::Receipt("the opening has no receipt (log index)".into()))?;
    let at_append = receipt.verify(key)?;
    let index = receipt.index;
    let raw = server.audit_entry(index).await?;
    let bytes = hex::decode(raw["bytes"].as_str().unwrap_or_default())
        .map_err(|e| AnonError::Protocol(format!("entry bytes: {e}")))?;
    let entry = Entry::from_bytes(&bytes)
        .map_err(|e| AnonError::Protocol(format!("entry {index}: {e}")))?;
    if entry.index != index || entry.leaf_hash() != receipt.leaf()? {
        return Err(AnonError::Receipt(format!(
            "entry {index} as served does not hash to the receipt's leaf"
        )));
    }
    let EntryKind::Query(fields) = &entry.kind else {
        return Err(AnonError::Receipt(format!(
            "entry {index} is not a query entry"
        )));
    };
    if fields.m != fr_to_bytes(&opening.commitment()?) {
        return Err(AnonError::Receipt(format!(
            "entry {index} commits to a different query (m differs)"
        )));
    }
    let note = server.checkpoint().await?;
    let checkpoint = key
        .open(&note)
        .map_err(|e| AnonError::Receipt(format!("checkpoint signature: {e}")))?;
    if checkpoint.size < at_append.size {
        return Err(AnonError::Receipt(format!(
            "the published checkpoint (size {}) does not yet cover the receipt's (size {}): \
             not cosigned yet, try again later",
            checkpoint.size, at_append.size
        )));
    }
    let consistency = hashes(
        &server
            .consistency_proof(at_append.size, checkpoint.size)
            .await?,
    )?;
    verify_consistency(
        at_append.size,
        checkpoint.size,
        &at_append.root,
        &checkpoint.root,
        &consistency,
    )
    .map_err(|e| {
        AnonError::Receipt(format!(
            "the receipt's checkpoint is not a prefix of the published one: {e}"
        ))
    })?;
    let proof = hashes(&server.inclusion_proof(index, checkpoint.size).await?)?;
    verify_inclusion(
        &entry.leaf_hash(),
        index,
        checkpoint.size,
        &proof,
        &checkpoint.root,
    )
    .map_err(|e| {
        AnonError::Receipt(format!(
            "entry {index} is not in the current checkpoint: {e}"
        ))
    })?;
    Ok(Opened {
        index,
        epoch: fields.epoch,
        checkpoint_size: checkpoint.size,
        checkpoint_note: note,
        receipt_size: at_append.size,
    })
}

fn hashes(hex_hashes: &[String]) -> Result<Vec<Hash>, AnonError> {
    hex_hashes
        .iter()
        .map(|h| {
            hex::decode(h)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| AnonError::Protocol("bad proof hash".into()))
}

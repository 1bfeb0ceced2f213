//! Building a protected request (DESIGN §4, §5): a fresh blinding `b`,
//! `m = P(d, b)` over exactly the query, variables and operation name sent,
//! the Groth16 proof, and the `extensions.zkcity` envelope.

use ark_ff::UniformRand;
use base64::Engine;
use serde_json::{json, Value};
use zkcity_circuits::{
    fr_to_decimal, proof_to_bytes, prove, query_commitment, request_digest, Fr, Identity, Proof,
    ProvingKey, PublicInputs,
};

use super::error::AnonError;
use super::membership::Membership;
use super::open::Opening;

use super::text::QueryText;

/// A request ready to send, with what the requester keeps.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The GraphQL-over-HTTP body including `extensions.zkcity`.
    pub body: Value,
    /// The opening of `m` (no log index yet).
    pub opening: Opening,
    pub nullifier: Fr,
    /// The proof and its public inputs, for export to other verifiers
    /// (`zkcity query --export-proof`).
    pub proof: Proof,
    pub public: PublicInputs,
}

/// Proves and builds the request for (`epoch`, `slot`). CPU-heavy: run it
/// off the async runtime.
pub fn build_request(
    pk: &ProvingKey,
    identity: &Identity,
    membership: &Membership,
    epoch: u64,
    slot: u64,
    text: &QueryText,
) -> Result<Prepared, AnonError> {
    let mut rng = rand::rngs::OsRng;
    let digest = request_digest(
        &text.query,
        text.variables.as_ref(),
        text.operation_name.as_deref(),
    )
    .map_err(|e| AnonError::Prove(format!("query digest: {e}")))?;
    let blinding = Fr::rand(&mut rng);
    let m = query_commitment(digest, blinding);
    let proof = prove(pk, identity, &membership.path, epoch, slot, m, &mut rng)
        .map_err(|e| AnonError::Prove(e.to_string()))?;
    let nullifier = identity.nullifier(epoch, slot);
    let envelope = json!({
        "v": 1,
        "proof": base64::engine::general_purpose::STANDARD.encode(proof_to_bytes(&proof)),
        "root": fr_to_decimal(&membership.root),
        "epoch": epoch,
        "nullifier": fr_to_decimal(&nullifier),
        "blinding": fr_to_decimal(&blinding),
    });
    let mut body = json!({"query": text.query, "extensions": {"zkcity": envelope}});
    if let Some(v) = &text.variables {
        body["variables"] = v.clone();
    }
    if let Some(n) = &text.operation_name {
        body["operationName"] = json!(n);
    }
    let opening = Opening::new(text, blinding, None);
    let public = PublicInputs {
        root: membership.root,
        epoch,
        nullifier,
        m,
    };
    Ok(Prepared {
        body,
        opening,
        nullifier,
        proof,
        public,
    })
}

//! The auditor's proof checks (DESIGN §6: "every proof (batched where
//! possible)"): wraps another [`QueryAuthorizer`] (e.g. the membership-root
//! check, [`super::roots::MembershipRoots`]) and, for every query entry,
//! decodes the proof with full point validation, refuses non-canonical field
//! elements, and verifies proofs in batches with `circuits::batch_verify`; a
//! failing batch is re-checked one by one to name the first bad index.

use std::sync::Arc;

use zkcity_audit::{QueryAuthorizer, QueryFields};
use zkcity_circuits::{
    batch_verify, fr_from_bytes, proof_from_bytes, PreparedVerifyingKey, Proof, PublicInputs,
};

/// Proofs per batch: one multi-Miller loop of `n + 3` pairings amortizes
/// well by a few hundred, and the memory stays small.
pub const BATCH: usize = 256;

/// Verifies every query's Groth16 proof, after `inner`'s own checks.
pub struct ProofAuthorizer<A> {
    inner: A,
    pvk: Arc<PreparedVerifyingKey>,
    pending: Vec<(u64, PublicInputs, Proof)>,
    first_bad: Option<(u64, String)>,
    verified: u64,
}

impl<A: QueryAuthorizer> ProofAuthorizer<A> {
    pub fn new(inner: A, pvk: Arc<PreparedVerifyingKey>) -> Self {
        Self {
            inner,
            pvk,
            pending: Vec::with_capacity(BATCH),
            first_bad: None,
            verified: 0,
        }
    }

    /// Number of proofs verified so far.
    pub fn verified(&self) -> u64 {
        self.verified
    }

    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// Verifies the pending batch; remembers the first bad index.
    fn flush(&mut self) {
        if self.pending.is_empty() || self.first_bad.is_some() {
            self.pending.clear();
            return;
        }
        let items: Vec<(PublicInputs, Proof)> = self
            .pending
            .iter()
            .map(|(_, i, p)| (*i, p.clone()))
            .collect();
        let ok = matches!(
            batch_verify(&self.pvk, &items, &mut rand::rngs::OsRng),
            Ok(true)
        );
        if !ok {
            let bad = zkcity_circuits::proof::first_invalid(&self.pvk, &items)
                .ok()
                .flatten()
                .unwrap_or(0);
            self.first_bad = Some((
                self.pending[bad].0,
                "its Groth16 proof does not verify".into(),
            ));
        }
        self.verified += items.len() as u64;
        self.pending.clear();
    }
}

fn inputs_of(query: &QueryFields) -> Result<(PublicInputs, Proof), String> {
    let fr = |b: &[u8; 32], what: &str| {
        fr_from_bytes(b).map_err(|e| format!("{what} is not a canonical field element: {e}"))
    };
    let inputs = PublicInputs {
        root: fr(&query.root, "root")?,
        epoch: query.epoch,
        nullifier: fr(&query.nullifier, "nullifier")?,
        m: fr(&query.m, "m")?,
    };
    let proof = proof_from_bytes(&query.proof).map_err(|e| format!("malformed proof: {e}"))?;
    Ok((inputs, proof))
}

impl<A: QueryAuthorizer> QueryAuthorizer for ProofAuthorizer<A> {
    fn observe_member(&mut self, index: u64, commitment: &[u8; 32]) -> Result<(), String> {
        self.inner.observe_member(index, commitment)
    }

    fn observe_query(&mut self, index: u64, query: &QueryFields) -> Result<(), String> {
        self.inner.observe_query(index, query)?;
        let (inputs, proof) = inputs_of(query)?;
        self.pending.push((index, inputs, proof));
        if self.pending.len() >= BATCH {
            self.flush();
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), (u64, String)> {
        self.flush();
        let inner = self.inner.finish();
        match (self.first_bad.take(), inner) {
            (Some(a), Err(b)) => Err(if a.0 <= b.0 { a } else { b }),
            (Some(a), Ok(())) => Err(a),
            (None, r) => r,
        }
    }
}

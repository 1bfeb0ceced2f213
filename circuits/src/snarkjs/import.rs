//! Importing a ceremony's `.zkey` as zkcity keys: the zkey must have been
//! made for exactly this circuit, every point must be valid, the phase-2
//! transcript must be present and end in the key's `δ`, and a proof made
//! with the imported key must verify with it.
//!
//! What this cannot check alone: that the key's `C`-dependent points
//! (`IC`, `C`) were computed from this circuit's `C` matrix and an honest
//! Powers of Tau — that needs the `.ptau`, and is what
//! `snarkjs zkey verify circuit.r1cs pot.ptau circuit_final.zkey` does
//! (circuits/README.md "Trusted setup", step 6).

use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

use super::r1cs_file::normalized;
use super::zkey::{self, Coefficient, Zkey};
use crate::error::SnarkjsError;
use crate::identity::Identity;
use crate::keys::{KeyOrigin, ProvingKey};
use crate::params::CircuitParams;
use crate::r1cs::R1csMatrices;
use crate::statement::{PublicInputs, NUM_PUBLIC_INPUTS};
use crate::tree::IncrementalTree;
use crate::Fr;

/// Reads `bytes` as a snarkjs Groth16 zkey and returns it as a zkcity
/// proving key for `params` (its verifying key is [`ProvingKey::verifying_key`]),
/// with a [`KeyOrigin::Ceremony`] origin; refuses anything else.
pub fn import_zkey<R: RngCore + CryptoRng>(
    bytes: &[u8],
    params: CircuitParams,
    rng: &mut R,
) -> Result<ProvingKey, SnarkjsError> {
    let sha256: [u8; 32] = Sha256::digest(bytes).into();
    let zkey = zkey::read(bytes, sha256)?;
    let matrices = R1csMatrices::for_params(params).map_err(SnarkjsError::Synthesis)?;
    check_shape(&zkey, &matrices)?;
    check_coefficients(&zkey.coefficients, &matrices)?;
    if zkey.ceremony.contributions.is_empty() {
        return Err(SnarkjsError::NoContributions);
    }
    if zkey.last_delta != Some(zkey.key.delta_g1) {
        return Err(SnarkjsError::DeltaMismatch);
    }
    let origin = KeyOrigin::Ceremony(zkey.ceremony);
    let pk = ProvingKey::from_ark(params, zkey.key, origin)?;
    check_sample_proof(&pk, rng)?;
    Ok(pk)
}

fn check_shape(zkey: &Zkey, m: &R1csMatrices) -> Result<(), SnarkjsError> {
    let domain = (m.num_constraints + m.num_instance).next_power_of_two();
    let checks = [
        ("public inputs", NUM_PUBLIC_INPUTS, zkey.n_public),
        ("wires", m.num_instance + m.num_witness, zkey.n_vars),
        ("as domain size", domain, zkey.domain_size),
    ];
    for (what, expected, found) in checks {
        if expected != found {
            return Err(SnarkjsError::OtherCircuit {
                what,
                expected,
                found,
            });
        }
    }
    Ok(())
}

/// Section 4 holds the `A` and `B` matrices (snarkjs `zkey_new`): every
/// non-zero term of each constraint, then `A[n_c + i][i] = 1` for the
/// constant and each public input. Compared as sorted lists, since only
/// the set of entries matters.
fn check_coefficients(found: &[Coefficient], m: &R1csMatrices) -> Result<(), SnarkjsError> {
    let mut expected: Vec<Coefficient> = Vec::new();
    for (matrix, rows) in m.abc.iter().take(2).enumerate() {
        for (constraint, row) in rows.iter().enumerate() {
            for (signal, c) in normalized(row) {
                expected.push((matrix as u32, constraint as u32, signal as u32, c));
            }
        }
    }
    for input in 0..m.num_instance {
        let row = (m.num_constraints + input) as u32;
        expected.push((0, row, input as u32, Fr::from(1u64)));
    }
    let mut found: Vec<Coefficient> = found
        .iter()
        .filter(|e| e.3 != Fr::from(0u64))
        .copied()
        .collect();
    let key = |e: &Coefficient| (e.0, e.1, e.2);
    expected.sort_by_key(key);
    found.sort_by_key(key);
    if let Some(i) = expected.iter().zip(&found).position(|(a, b)| a != b) {
        return Err(SnarkjsError::CoefficientMismatch(i));
    }
    if expected.len() != found.len() {
        return Err(SnarkjsError::CoefficientMismatch(
            expected.len().min(found.len()),
        ));
    }
    Ok(())
}

/// Proves a fresh random statement with the imported key and verifies it:
/// catches a key whose points do not fit this circuit's `C` matrix or were
/// mapped wrongly, before any requester depends on it.
fn check_sample_proof<R: RngCore + CryptoRng>(
    pk: &ProvingKey,
    rng: &mut R,
) -> Result<(), SnarkjsError> {
    let params = pk.params();
    let id = Identity::random(rng);
    let mut tree = IncrementalTree::new(params.depth())?;
    let index = tree.append(id.commitment())?;
    let path = tree.path(index)?;
    let m = Fr::from(rng.next_u64());
    let proof = crate::proof::prove(pk, &id, &path, 1, 0, m, rng)?;
    let inputs = PublicInputs::derive(&id, &path, 1, 0, m);
    if !crate::proof::verify(&pk.verifying_key().prepare(), &inputs, &proof)? {
        return Err(SnarkjsError::SampleProof);
    }
    Ok(())
}

//! Proving, verifying and the 128-byte proof codec (DESIGN §4, §5, §8).

use ark_bn254::Bn254;
use ark_ff::UniformRand;
use ark_groth16::Groth16;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};

use crate::circuit::native::NativeAssignment;
use crate::circuit::Witness;
use crate::error::{ProofDecodeError, ProofError};
use crate::identity::Identity;
use crate::keys::{PreparedVerifyingKey, ProvingKey};
use crate::prover::{create_proof, create_proof_ark};
use crate::statement::{PublicInputs, NUM_PUBLIC_INPUTS};
use crate::tree::MerklePath;
use crate::Fr;

pub use crate::batch::{batch_verify, first_invalid};

/// A Groth16 proof over BN254.
pub type Proof = ark_groth16::Proof<Bn254>;

/// Length of a compressed proof: A (32) ‖ B (64) ‖ C (32) (DESIGN §5).
pub const PROOF_LEN: usize = 128;

impl PublicInputs {
    /// The public inputs an honest prover derives: `root` from the path,
    /// `n = P(k, e, s)`, and the caller's query commitment `m`.
    pub fn derive(identity: &Identity, path: &MerklePath, epoch: u64, slot: u64, m: Fr) -> Self {
        PublicInputs {
            root: path.compute_root(identity.commitment()),
            epoch,
            nullifier: identity.nullifier(epoch, slot),
            m,
        }
    }
}

/// Proves membership of `identity` (at `path`) for `(epoch, slot)` bound to
/// query commitment `m`. The public inputs are [`PublicInputs::derive`].
///
/// The witness is computed natively ([`NativeAssignment`], tested equal to
/// synthesizing the circuit) and checked before proving — slot range, path
/// depth, then the constraints that tie it to the public inputs (debug
/// builds check every constraint against the key's cached matrices,
/// [`crate::r1cs`]) — because a Groth16 prover does not check
/// satisfiability and would return a proof that never verifies. The proof
/// itself is [`crate::prover::create_proof`] over the key's MSM tables if
/// [`ProvingKey::prepare_prover`] built them, else ark-groth16's prover.
pub fn prove<R: RngCore + CryptoRng>(
    pk: &ProvingKey,
    identity: &Identity,
    path: &MerklePath,
    epoch: u64,
    slot: u64,
    m: Fr,
    rng: &mut R,
) -> Result<Proof, ProofError> {
    let params = pk.params();
    if slot >= params.slots_per_epoch() {
        return Err(ProofError::SlotOutOfRange {
            slot,
            slot_bits: params.slot_bits(),
        });
    }
    if path.siblings.len() != params.depth() || path.bits.len() != params.depth() {
        return Err(ProofError::PathDepth {
            expected: params.depth(),
            found: path.siblings.len().min(path.bits.len()),
        });
    }
    let public = PublicInputs::derive(identity, path, epoch, slot, m);
    let witness = Witness::new(identity, path, slot, params.slot_bits());
    let assignment =
        NativeAssignment::compute(params, &public, &witness).map_err(ProofError::Synthesis)?;
    // The cheap guard: root and nullifier recomputed by light-poseidon equal
    // the native trace's, slot bits sum to the slot, bits are bits.
    if !assignment.links_hold(&public, &witness) {
        return Err(ProofError::Unsatisfied("the public inputs".into()));
    }
    let matrices = pk.matrices();
    let z = assignment.z;
    // The full check costs ~1 ms per proof; the native assignment is tested
    // to equal synthesis and satisfy the matrices, so only debug builds
    // (every test run) repeat it here.
    #[cfg(debug_assertions)]
    if let Some(row) = matrices.first_unsatisfied(&z) {
        return Err(ProofError::Unsatisfied(format!("constraint {row}")));
    }
    let (r, s) = (Fr::rand(rng), Fr::rand(rng));
    // The key's origin decides the basis of its h query (crate::qap).
    match pk.prover_tables() {
        Some(tables) => create_proof(pk.as_ark(), tables, pk.reduction(), matrices, r, s, &z),
        None => create_proof_ark(pk.as_ark(), pk.reduction(), matrices, r, s, &z),
    }
    .map_err(ProofError::Synthesis)
}

/// Verifies one proof against `root, e, n, m` with a prepared key.
pub fn verify(
    pvk: &PreparedVerifyingKey,
    inputs: &PublicInputs,
    proof: &Proof,
) -> Result<bool, ProofError> {
    verify_inputs(pvk, &inputs.to_vec(), proof)
}

/// Verifies with raw public inputs, refusing any count other than exactly 4:
/// ark-groth16 zips inputs with the key and ignores extras (DESIGN §8).
pub fn verify_inputs(
    pvk: &PreparedVerifyingKey,
    inputs: &[Fr],
    proof: &Proof,
) -> Result<bool, ProofError> {
    if inputs.len() != NUM_PUBLIC_INPUTS {
        return Err(ProofError::PublicInputCount(inputs.len()));
    }
    let key_inputs = pvk.as_ark().vk.gamma_abc_g1.len().saturating_sub(1);
    if key_inputs != NUM_PUBLIC_INPUTS {
        return Err(ProofError::PublicInputCount(key_inputs));
    }
    Groth16::<Bn254>::verify_with_processed_vk(pvk.as_ark(), inputs, proof)
        .map_err(ProofError::Synthesis)
}

/// Encodes a proof as arkworks compressed points: A (32) ‖ B (64) ‖ C (32).
pub fn proof_to_bytes(proof: &Proof) -> [u8; PROOF_LEN] {
    let mut out = [0u8; PROOF_LEN];
    // Writing 128 bytes of compressed points into a 128-byte buffer cannot
    // fail: the sizes are fixed by the curve (checked by a test).
    let written = proof.serialize_compressed(&mut out[..]);
    debug_assert!(written.is_ok());
    out
}

/// Decodes a 128-byte compressed proof, validating every point: canonical
/// coordinates, on the curve, in the prime-order subgroup (DESIGN §5
/// `MALFORMED_PROOF`). Never reduces or repairs.
pub fn proof_from_bytes(bytes: &[u8]) -> Result<Proof, ProofDecodeError> {
    if bytes.len() != PROOF_LEN {
        return Err(ProofDecodeError::WrongLength(bytes.len()));
    }
    Proof::deserialize_with_mode(bytes, Compress::Yes, Validate::Yes)
        .map_err(|_| ProofDecodeError::InvalidPoint)
}

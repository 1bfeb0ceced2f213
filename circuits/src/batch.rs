//! Batch verification for the auditor (DESIGN §6 "every proof (batched
//! where possible)").
//!
//! For proofs `(A_i, B_i, C_i)` with prepared inputs `IC_i`, each Groth16
//! check is `e(A_i, B_i) = e(α, β) · e(IC_i, γ) · e(C_i, δ)`. With random
//! 128-bit scalars `r_i` the batch checks the single product
//!
//! `Π e(r_i·A_i, B_i) · e(−(Σ r_i)·α, β) · e(Σ r_i·IC_i, −γ) · e(Σ r_i·C_i, −δ) = 1`
//!
//! with one multi-Miller loop over `n + 3` pairs and ONE final
//! exponentiation; `Σ r_i·IC_i` is a 5-term MSM over the key's `γ_abc`
//! with scalars `Σ r_i·x_ij`, and `Σ r_i·C_i` is an `n`-term MSM. A batch
//! containing an invalid proof passes with probability at most `2^-128`.

use ark_bn254::{Bn254, G1Affine, G1Projective};
use ark_ec::{pairing::Pairing, CurveGroup, VariableBaseMSM};
use ark_ff::{One, Zero};
use rand::{CryptoRng, Rng, RngCore};

use crate::error::ProofError;
use crate::keys::PreparedVerifyingKey;
use crate::proof::{verify, Proof};
use crate::statement::{PublicInputs, NUM_PUBLIC_INPUTS};
use crate::Fr;

/// Verifies all `(inputs, proof)` pairs at once. `Ok(true)` iff (except with
/// probability `2^-128`) every proof is valid; an empty batch is valid.
/// On `Ok(false)` use [`first_invalid`] to name the bad entry.
pub fn batch_verify<R: RngCore + CryptoRng>(
    pvk: &PreparedVerifyingKey,
    items: &[(PublicInputs, Proof)],
    rng: &mut R,
) -> Result<bool, ProofError> {
    let vk = &pvk.as_ark().vk;
    if vk.gamma_abc_g1.len() != NUM_PUBLIC_INPUTS + 1 {
        return Err(ProofError::PublicInputCount(
            vk.gamma_abc_g1.len().saturating_sub(1),
        ));
    }
    if items.is_empty() {
        return Ok(true);
    }
    let r: Vec<Fr> = items.iter().map(|_| nonzero_u128(rng)).collect();

    let mut ic_scalars = [Fr::zero(); NUM_PUBLIC_INPUTS + 1];
    for ((inputs, _), r_i) in items.iter().zip(&r) {
        ic_scalars[0] += r_i;
        for (slot, x) in ic_scalars[1..].iter_mut().zip(inputs.to_array()) {
            *slot += *r_i * x;
        }
    }
    let ic = G1Projective::msm_unchecked(&vk.gamma_abc_g1, &ic_scalars);
    let cs: Vec<G1Affine> = items.iter().map(|(_, p)| p.c).collect();
    let c_acc = G1Projective::msm_unchecked(&cs, &r);
    let r_sum: Fr = r.iter().sum();
    let alpha = vk.alpha_g1 * (-r_sum);

    let mut g1: Vec<G1Projective> = items
        .iter()
        .zip(&r)
        .map(|((_, p), r_i)| p.a * r_i)
        .collect();
    g1.extend([alpha, ic, c_acc]);
    let g1 = G1Projective::normalize_batch(&g1);

    let mut g2: Vec<<Bn254 as Pairing>::G2Prepared> =
        items.iter().map(|(_, p)| p.b.into()).collect();
    g2.push(pvk.beta_g2_prepared().clone());
    g2.push(pvk.as_ark().gamma_g2_neg_pc.clone());
    g2.push(pvk.as_ark().delta_g2_neg_pc.clone());

    let product = Bn254::multi_miller_loop(g1, g2);
    Ok(Bn254::final_exponentiation(product).is_some_and(|gt| gt.0.is_one()))
}

/// Index of the first proof that does not verify on its own, if any: the
/// auditor's follow-up when [`batch_verify`] fails (DESIGN §6 "names the first bad index").
pub fn first_invalid(
    pvk: &PreparedVerifyingKey,
    items: &[(PublicInputs, Proof)],
) -> Result<Option<usize>, ProofError> {
    for (i, (inputs, proof)) in items.iter().enumerate() {
        if !verify(pvk, inputs, proof)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// A uniformly random non-zero scalar below `2^128`.
fn nonzero_u128<R: RngCore>(rng: &mut R) -> Fr {
    loop {
        let v: u128 = rng.gen();
        if v != 0 {
            return Fr::from(v);
        }
    }
}

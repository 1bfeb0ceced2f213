//! The Groth16 prover over a key's precomputed tables.
//!
//! It computes exactly what ark-groth16's
//! `create_proof_with_reduction_and_matrices` computes — the same `A`, `B`,
//! `C` for the same `r, s` (a test compares the bytes for both reductions) —
//! but its five MSMs run over [`msm::FixedBaseMsm`] tables built once per
//! key, and the `h` side (the QAP witness map, its FFTs and the `h` MSM)
//! runs alongside the `A`, `B`, `L` MSMs instead of before them, so both
//! cores stay busy through the FFTs.

pub mod msm;

use ark_bn254::{g1, g2, Bn254, Fr, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::Groth16;
use ark_poly::GeneralEvaluationDomain;
use ark_relations::gr1cs::SynthesisError;

use crate::proof::Proof;
use crate::qap::{CircomReduction, Reduction};
use crate::r1cs::R1csMatrices;
use msm::FixedBaseMsm;

/// The proving key's five queries as [`FixedBaseMsm`] tables.
pub struct ProverTables {
    a: FixedBaseMsm<g1::Config>,
    b_g1: FixedBaseMsm<g1::Config>,
    b_g2: FixedBaseMsm<g2::Config>,
    l: FixedBaseMsm<g1::Config>,
    h: FixedBaseMsm<g1::Config>,
}

impl ProverTables {
    /// Builds the tables of `pk`'s queries (about 20 G instructions and
    /// 49 MB at D = 20).
    pub fn new(pk: &ark_groth16::ProvingKey<Bn254>) -> Self {
        ProverTables {
            a: FixedBaseMsm::new(&pk.a_query),
            b_g1: FixedBaseMsm::new(&pk.b_g1_query),
            b_g2: FixedBaseMsm::new(&pk.b_g2_query),
            l: FixedBaseMsm::new(&pk.l_query),
            h: FixedBaseMsm::new(&pk.h_query),
        }
    }

    /// Bytes held by all five tables.
    pub fn memory_bytes(&self) -> usize {
        self.a.memory_bytes()
            + self.b_g1.memory_bytes()
            + self.b_g2.memory_bytes()
            + self.l.memory_bytes()
            + self.h.memory_bytes()
    }
}

impl std::fmt::Debug for ProverTables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProverTables")
            .field("memory_bytes", &self.memory_bytes())
            .finish()
    }
}

/// A Groth16 proof of the assignment `z = [1, inputs…, witness…]` with
/// randomness `r, s`, which the caller has checked satisfies `matrices`.
///
/// Same formulas as ark-groth16 (`π_A = α + Σ z_i·A_i + r·δ`,
/// `π_B = β + Σ z_i·B_i + s·δ`,
/// `π_C = Σ w_i·L_i + Σ h_i·H_i + s·π_A + r·π_B⁽¹⁾ − r·s·δ`).
pub fn create_proof(
    pk: &ark_groth16::ProvingKey<Bn254>,
    tables: &ProverTables,
    reduction: Reduction,
    matrices: &R1csMatrices,
    r: Fr,
    s: Fr,
    z: &[Fr],
) -> Result<Proof, SynthesisError> {
    let inputs = matrices.num_instance;
    if z.len() != inputs + matrices.num_witness || tables.a.len() != z.len() {
        return Err(SynthesisError::AssignmentMissing);
    }
    let (h_acc, (z_msms, l_acc)) = rayon::join(
        || -> Result<G1Projective, SynthesisError> {
            let h = witness_map(reduction, matrices, z)?;
            let h: Vec<_> = h.iter().map(|x| x.into_bigint()).collect();
            Ok(tables.h.msm(&h))
        },
        || {
            let zb: Vec<_> = z.iter().map(|x| x.into_bigint()).collect();
            let a = tables.a.msm(&zb);
            let b_g1 = tables.b_g1.msm(&zb);
            let b_g2 = tables.b_g2.msm(&zb);
            ((a, b_g1, b_g2), tables.l.msm(&zb[inputs..]))
        },
    );
    let h_acc = h_acc?;
    let (a_acc, b_g1_acc, b_g2_acc) = z_msms;
    let delta_g1 = pk.delta_g1;
    // `z[0] = 1`, so the MSMs already include `query[0]` as ark adds it.
    let g_a = a_acc + pk.vk.alpha_g1 + delta_g1 * r;
    let g1_b = b_g1_acc + pk.beta_g1 + delta_g1 * s;
    let g2_b: G2Projective = b_g2_acc + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
    let g_c = g_a * s + g1_b * r - delta_g1 * (r * s) + l_acc + h_acc;
    Ok(Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    })
}

/// The same proof with ark-groth16's own prover, for keys without tables
/// (a one-shot prover would spend more building them than it saves).
pub fn create_proof_ark(
    pk: &ark_groth16::ProvingKey<Bn254>,
    reduction: Reduction,
    m: &R1csMatrices,
    r: Fr,
    s: Fr,
    z: &[Fr],
) -> Result<Proof, SynthesisError> {
    let (abc, inputs, rows) = (&m.abc, m.num_instance, m.num_constraints);
    match reduction {
        Reduction::Libsnark => {
            Groth16::<Bn254, LibsnarkReduction>::create_proof_with_reduction_and_matrices(
                pk, r, s, abc, inputs, rows, z,
            )
        }
        Reduction::Circom => {
            Groth16::<Bn254, CircomReduction>::create_proof_with_reduction_and_matrices(
                pk, r, s, abc, inputs, rows, z,
            )
        }
    }
}

/// The coefficients of `h` in the basis the key's reduction expects.
fn witness_map(
    reduction: Reduction,
    m: &R1csMatrices,
    z: &[Fr],
) -> Result<Vec<Fr>, SynthesisError> {
    type D = GeneralEvaluationDomain<Fr>;
    match reduction {
        Reduction::Libsnark => LibsnarkReduction::witness_map_from_matrices::<Fr, D>(
            &m.abc,
            m.num_instance,
            m.num_constraints,
            z,
        ),
        Reduction::Circom => CircomReduction::witness_map_from_matrices::<Fr, D>(
            &m.abc,
            m.num_instance,
            m.num_constraints,
            z,
        ),
    }
}

#[cfg(test)]
mod tests;

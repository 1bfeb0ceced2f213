//! The two R1CS-to-QAP reductions a zkcity proving key may need (DESIGN §5
//! amendment "Keys from a ceremony").
//!
//! Groth16's prover turns the R1CS witness into the coefficients of `h(x)`
//! and takes an MSM with the key's `h_query`. What those query points are
//! depends on how the key was made, so the prover must use the reduction the
//! key's maker used:
//!
//! - keys from `zkcity setup` are made by ark-groth16's generator with
//!   [`LibsnarkReduction`]: `h_query[i] = τ^i·Z(τ)/δ` and the prover hands
//!   over the coefficients of `h`;
//! - keys from a snarkjs ceremony (`groth16 setup` + `zkey contribute`) hold,
//!   in `h_query[i]`, the Lagrange polynomial of the `i`-th *odd* point of the
//!   domain of size `2n` evaluated at `τ` (divided by `δ`), and the prover
//!   hands over `A·B − C` evaluated at those odd points ([`CircomReduction`]).
//!
//! Both reductions prove the same R1CS and verify with the same pairing
//! equation; they differ only in this basis.

use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, SynthesisError};

/// Which reduction a proving key was made for; recorded in the key file's
/// origin ([`crate::keys::KeyOrigin`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// ark-groth16's default (single-party `zkcity setup` keys).
    Libsnark,
    /// snarkjs / circom's (keys imported from a ceremony `.zkey`).
    Circom,
}

/// snarkjs's reduction: `h` is given by its evaluations on the odd points of
/// the `2n` domain, `ω_{2n}·ω_n^i`, where `Z(x) = xⁿ − 1` equals `−2`, so no
/// division is needed (the key's points absorb the constant).
pub struct CircomReduction;

impl R1CSToQAP for CircomReduction {
    /// The instance map is the same as libsnark's: both put the input
    /// constraints `A[n_c + i][i] = 1` after the circuit's constraints.
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let (a_rows, b_rows) = match matrices {
            [a, b, ..] if a.len() >= num_constraints && b.len() >= num_constraints => (a, b),
            _ => return Err(SynthesisError::ArityMismatch),
        };
        if full_assignment.len() < num_inputs {
            return Err(SynthesisError::AssignmentMissing);
        }
        let domain =
            D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let size = domain.size();
        let mut a = vec![F::zero(); size];
        let mut b = vec![F::zero(); size];
        for i in 0..num_constraints {
            a[i] = evaluate_constraint(&a_rows[i], full_assignment);
            b[i] = evaluate_constraint(&b_rows[i], full_assignment);
        }
        // The input constraints `A[n_c + i][i] = 1`, `B = C = 0` there.
        a[num_constraints..num_constraints + num_inputs]
            .copy_from_slice(&full_assignment[..num_inputs]);
        // C·z equals A·z ∘ B·z on every row of a satisfied R1CS, which the
        // caller has checked ([`crate::proof::prove`]); snarkjs does the same.
        let mut c: Vec<F> = a.iter().zip(&b).map(|(x, y)| *x * y).collect();

        let shift = odd_point_shift::<F, D>(size)?;
        for values in [&mut a, &mut b, &mut c] {
            domain.ifft_in_place(values);
            D::distribute_powers_and_mul_by_const(values, shift, F::one());
            domain.fft_in_place(values);
        }
        Ok(a.iter()
            .zip(&b)
            .zip(&c)
            .map(|((x, y), z)| *x * y - z)
            .collect())
    }

    /// `h_query[i] = L_{2i+1}(τ)/δ` over the domain of size `2n`; used only
    /// by tests, which run an in-process setup with this reduction.
    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        _zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        // ark-groth16 passes `n − 1`; the double domain has `2n` points.
        let double = D::new(2 * (max_power + 1)).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let mut powers = Vec::with_capacity(double.size());
        let mut power = delta_inverse;
        for _ in 0..double.size() {
            powers.push(power);
            power *= t;
        }
        // The inverse FFT of (τ^j) is (L_k(τ))_k, the Lagrange basis at τ.
        double.ifft_in_place(&mut powers);
        Ok(powers.into_iter().skip(1).step_by(2).collect())
    }
}

/// `ω_{2n}`, the generator of the domain of size `2n`, which maps the `n`
/// domain onto the odd points of the `2n` one.
fn odd_point_shift<F: PrimeField, D: EvaluationDomain<F>>(
    size: usize,
) -> Result<F, SynthesisError> {
    let double = D::new(2 * size).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
    let shift = double.element(1);
    debug_assert_eq!(shift.pow([size as u64]), -F::one());
    Ok(shift)
}

#[cfg(test)]
mod tests {
    use ark_bn254::Bn254;
    use ark_groth16::Groth16;
    use ark_snark::SNARK;
    use rand::SeedableRng;

    use super::*;
    use crate::circuit::{MembershipCircuit, Witness};
    use crate::identity::Identity;
    use crate::params::CircuitParams;
    use crate::r1cs::{full_assignment, R1csMatrices};
    use crate::statement::PublicInputs;
    use crate::tree::IncrementalTree;
    use crate::Fr;

    /// Setup and prove with the circom reduction in process: the witness map
    /// and the query basis agree, and libsnark's witness map does not fit
    /// circom-basis keys (so the key's origin really selects the reduction).
    #[test]
    fn circom_reduction_proves_and_only_with_its_own_keys() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let params = CircuitParams::new(4, 3).expect("params");
        let (pk, vk) = Groth16::<Bn254, CircomReduction>::circuit_specific_setup(
            MembershipCircuit::blank(params),
            &mut rng,
        )
        .expect("setup");
        let id = Identity::random(&mut rng);
        let mut tree = IncrementalTree::new(4).expect("tree");
        let index = tree.append(id.commitment()).expect("append");
        let path = tree.path(index).expect("path");
        let public = PublicInputs::derive(&id, &path, 9, 5, Fr::from(77u64));
        let circuit = MembershipCircuit::new(params, public, Witness::new(&id, &path, 5, 3));
        let z = full_assignment(circuit).expect("assignment");
        let m = R1csMatrices::for_params(params).expect("matrices");
        let prove = |circom: bool| {
            let (r, s) = (Fr::from(3u64), Fr::from(4u64));
            if circom {
                Groth16::<Bn254, CircomReduction>::create_proof_with_reduction_and_matrices(
                    &pk,
                    r,
                    s,
                    &m.abc,
                    m.num_instance,
                    m.num_constraints,
                    &z,
                )
            } else {
                Groth16::<Bn254, LibsnarkReduction>::create_proof_with_reduction_and_matrices(
                    &pk,
                    r,
                    s,
                    &m.abc,
                    m.num_instance,
                    m.num_constraints,
                    &z,
                )
            }
            .expect("prove")
        };
        let pvk = ark_groth16::prepare_verifying_key(&vk);
        let inputs = public.to_vec();
        let ok = |proof| {
            Groth16::<Bn254>::verify_with_processed_vk(&pvk, &inputs, &proof).expect("verify")
        };
        assert!(ok(prove(true)));
        assert!(!ok(prove(false)));
    }
}

//! R1CS twin of [`super::hash2`]/[`super::hash3`] (STYLE §12).
//!
//! Cost model (`P` of DESIGN §4): one x^5 S-box is exactly three multiplication
//! constraints (`x2 = x·x`, `x4 = x2·x2`, `x5 = x4·x`); adding round
//! constants and the MDS mix are linear, so they stay symbolic linear
//! combinations and cost nothing. The only S-boxes that cost less are the
//! ones whose input is a constant — in circom's layout that is the capacity
//! element of the very first round (`0 + ark[0]`), which is folded at
//! synthesis time. So a 2-input hash costs `3·(81 − 1) = 240` constraints and
//! a 3-input hash `3·(88 − 1) = 261`.

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::SynthesisError;

use super::Params;
use crate::Fr;

/// `P(a, b)` in-circuit; equals [`super::hash2`] on the assigned values.
pub fn hash2_gadget(a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let params = Params::for_inputs(2).ok_or(SynthesisError::Unsatisfiable)?;
    permute(params, &[a.clone(), b.clone()])
}

/// `P(a, b, c)` in-circuit; equals [`super::hash3`] on the assigned values.
pub fn hash3_gadget(
    a: &FpVar<Fr>,
    b: &FpVar<Fr>,
    c: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let params = Params::for_inputs(3).ok_or(SynthesisError::Unsatisfiable)?;
    permute(params, &[a.clone(), b.clone(), c.clone()])
}

/// The circom/light-poseidon permutation: state `[0, inputs…]`, `R_F/2` full
/// rounds, `R_P` partial rounds, `R_F/2` full rounds, each round being
/// add-round-constants, S-box, MDS; the output is `state[0]`.
fn permute(params: &Params, inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let width = params.width;
    let mut state = Vec::with_capacity(width);
    state.push(FpVar::Constant(Fr::from(0u64)));
    state.extend_from_slice(inputs);
    debug_assert_eq!(state.len(), width);

    let half_full = params.full_rounds / 2;
    let rounds = params.full_rounds + params.partial_rounds;
    for round in 0..rounds {
        for (i, x) in state.iter_mut().enumerate() {
            *x = &*x + params.ark[round * width + i];
        }
        let full = round < half_full || round >= half_full + params.partial_rounds;
        if full {
            for x in state.iter_mut() {
                *x = sbox(x)?;
            }
        } else {
            state[0] = sbox(&state[0])?;
        }
        state = mds(params, &state);
    }
    Ok(state.swap_remove(0))
}

/// `x^5` with three multiplication constraints (none if `x` is a constant).
fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

/// MDS mix as pure linear combinations: no constraints, no new variables.
fn mds(params: &Params, state: &[FpVar<Fr>]) -> Vec<FpVar<Fr>> {
    params
        .mds
        .iter()
        .map(|row| {
            row.iter()
                .zip(state)
                .fold(FpVar::Constant(Fr::from(0u64)), |acc, (m, x)| acc + x * *m)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poseidon::{hash2, hash3};
    use ark_relations::gr1cs::ConstraintSystem;
    use ark_std::UniformRand;

    fn witness(cs: &ark_relations::gr1cs::ConstraintSystemRef<Fr>, v: Fr) -> FpVar<Fr> {
        FpVar::new_witness(cs.clone(), || Ok(v)).expect("allocate witness")
    }

    #[test]
    fn gadget_equals_native_on_random_inputs() {
        let mut rng = ark_std::test_rng();
        for _ in 0..5 {
            let (a, b, c) = (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
            let cs = ConstraintSystem::<Fr>::new_ref();
            let (va, vb, vc) = (witness(&cs, a), witness(&cs, b), witness(&cs, c));
            let h2 = hash2_gadget(&va, &vb).expect("hash2 gadget");
            let h3 = hash3_gadget(&va, &vb, &vc).expect("hash3 gadget");
            assert_eq!(h2.value().ok(), Some(hash2(a, b)));
            assert_eq!(h3.value().ok(), Some(hash3(a, b, c)));
            assert!(cs.is_satisfied().expect("satisfiable check"));
        }
    }

    #[test]
    fn gadget_matches_circomlibjs_vectors() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v: Vec<_> = (1..=3u64).map(|i| witness(&cs, Fr::from(i))).collect();
        let h2 = hash2_gadget(&v[0], &v[1]).expect("hash2 gadget");
        let h3 = hash3_gadget(&v[0], &v[1], &v[2]).expect("hash3 gadget");
        assert_eq!(
            h2.value().map(|x| x.to_string()).ok().as_deref(),
            Some("7853200120776062878684798364095072458815029376092732009249414926327459813530")
        );
        assert_eq!(
            h3.value().map(|x| x.to_string()).ok().as_deref(),
            Some("6542985608222806190361240322586112750744169038454362455181422643027100751666")
        );
    }

    #[test]
    fn costs_three_constraints_per_non_constant_sbox() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (a, b, c) = (
            witness(&cs, Fr::from(1u64)),
            witness(&cs, Fr::from(2u64)),
            witness(&cs, Fr::from(3u64)),
        );
        let _ = hash2_gadget(&a, &b).expect("hash2 gadget");
        assert_eq!(cs.num_constraints(), 3 * (81 - 1));
        assert_eq!(cs.num_witness_variables(), 3 + 3 * (81 - 1));
        let _ = hash3_gadget(&a, &b, &c).expect("hash3 gadget");
        assert_eq!(cs.num_constraints(), 3 * (81 - 1) + 3 * (88 - 1));
    }

    #[test]
    fn tampered_output_is_detected() {
        // A wrong claimed output must make the system unsatisfied.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (a, b) = (witness(&cs, Fr::from(1u64)), witness(&cs, Fr::from(2u64)));
        let h = hash2_gadget(&a, &b).expect("hash2 gadget");
        let claimed = witness(&cs, hash2(Fr::from(1u64), Fr::from(3u64)));
        h.enforce_equal(&claimed).expect("enforce");
        assert!(!cs.is_satisfied().expect("satisfiable check"));
    }
}

//! The circuit's R1CS matrices, computed once per proving key so each proof
//! only generates a witness.
//!
//! ark-groth16's `prove` synthesizes the circuit with full matrix
//! construction and LC inlining on every call; for this circuit that is
//! ~40 ms of a ~350 ms proof, and checking satisfiability beforehand (which
//! `prove` must do, since ark-groth16 only `debug_assert`s it) would double
//! it. Instead the matrices are built once, exactly as the Groth16
//! generator builds them (setup mode, `OptimizationGoal::Constraints`,
//! `finalize`). A proof computes its assignment natively
//! ([`crate::circuit::native`], tested equal to [`full_assignment`] and to
//! satisfy these matrices; debug builds also check each proof's with
//! [`R1csMatrices::first_unsatisfied`]) and hands it to the prover.

use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisError,
    SynthesisMode, R1CS_PREDICATE_LABEL,
};

use crate::circuit::MembershipCircuit;
use crate::params::CircuitParams;
use crate::Fr;

/// `A, B, C` plus the variable and constraint counts they were built with.
#[derive(Debug)]
pub struct R1csMatrices {
    /// `[A, B, C]`, each a list of rows of `(coefficient, variable index)`.
    pub abc: Vec<Matrix<Fr>>,
    /// Instance variables including the constant `1`.
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// Number of constraints (rows).
    pub num_constraints: usize,
}

impl R1csMatrices {
    /// Builds the matrices of the blank circuit for `params`.
    pub fn for_params(params: CircuitParams) -> Result<Self, SynthesisError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        MembershipCircuit::blank(params).generate_constraints(cs.clone())?;
        cs.finalize();
        let mut all = cs.to_matrices()?;
        let abc = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or(SynthesisError::PredicateNotFound)?;
        if abc.len() != 3 {
            return Err(SynthesisError::ArityMismatch);
        }
        Ok(R1csMatrices {
            abc,
            num_instance: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
        })
    }

    /// Index of the first constraint `z` violates, if any; `Some(usize::MAX)`
    /// if `z` has the wrong length.
    pub fn first_unsatisfied(&self, z: &[Fr]) -> Option<usize> {
        if z.len() != self.num_instance + self.num_witness {
            return Some(usize::MAX);
        }
        let eval = |row: &[(Fr, usize)]| -> Option<Fr> {
            row.iter()
                .try_fold(Fr::from(0u64), |acc, (c, i)| Some(acc + *c * z.get(*i)?))
        };
        (0..self.num_constraints).find(|&i| {
            let row = |m: usize| self.abc[m].get(i).map(Vec::as_slice).unwrap_or(&[]);
            match (eval(row(0)), eval(row(1)), eval(row(2))) {
                (Some(a), Some(b), Some(c)) => a * b != c,
                _ => true,
            }
        })
    }
}

/// Synthesizes `circuit` for its assignment only; returns `[1, inputs…, witness…]`.
pub fn full_assignment(circuit: MembershipCircuit) -> Result<Vec<Fr>, SynthesisError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    circuit.generate_constraints(cs.clone())?;
    let mut z = cs.instance_assignment()?;
    z.extend(cs.witness_assignment()?);
    Ok(z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit::Witness;
    use crate::identity::Identity;
    use crate::statement::PublicInputs;
    use crate::tree::IncrementalTree;

    fn honest(params: CircuitParams, slot: u64) -> MembershipCircuit {
        let id = Identity {
            k: Fr::from(11u64),
            t: Fr::from(12u64),
        };
        let mut tree = IncrementalTree::new(params.depth()).expect("tree");
        tree.append(Fr::from(99u64)).expect("append");
        let index = tree.append(id.commitment()).expect("append");
        let path = tree.path(index).expect("path");
        let public = PublicInputs::derive(&id, &path, 5, slot, Fr::from(3u64));
        MembershipCircuit::new(
            params,
            public,
            Witness::new(&id, &path, slot, params.slot_bits()),
        )
    }

    #[test]
    fn cached_matrices_accept_honest_and_reject_tampered_assignments() {
        let params = CircuitParams::new(16, 10).expect("params");
        let m = R1csMatrices::for_params(params).expect("matrices");
        assert_eq!(m.num_instance, 5);
        assert_eq!(m.abc[0].len(), m.num_constraints);
        let z = full_assignment(honest(params, 7)).expect("assignment");
        assert_eq!(m.first_unsatisfied(&z), None);
        // Any single changed witness value breaks some constraint.
        for i in [5, 6, 100, z.len() - 1] {
            let mut bad = z.clone();
            bad[i] += Fr::from(1u64);
            assert!(m.first_unsatisfied(&bad).is_some(), "variable {i}");
        }
        assert_eq!(m.first_unsatisfied(&z[1..]), Some(usize::MAX));
        // Slot 2^q: the honest low-bit decomposition fails the range sum.
        let z = full_assignment(honest(params, 1024)).expect("assignment");
        assert!(m.first_unsatisfied(&z).is_some());
    }

    #[test]
    fn default_shape_has_the_pinned_constraint_count() {
        let m = R1csMatrices::for_params(CircuitParams::default()).expect("matrices");
        assert_eq!(m.num_constraints, 5355);
    }
}

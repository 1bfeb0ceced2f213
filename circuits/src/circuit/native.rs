//! The circuit's full assignment computed natively: the vector
//! `[1, root, e, n, m, witness…]` that synthesizing [`MembershipCircuit`] in
//! prove mode produces (`crate::r1cs::full_assignment`), in the same variable order, with plain field
//! arithmetic instead of the constraint system's bookkeeping.
//!
//! The allocation order it reproduces (see `generate_constraints`): `k, t`;
//! the S-box trace of `P(k, t)`; per level the sibling, the path bit, the
//! selection product `b·(sibling − node)` and the trace of `P(left, right)`;
//! `s` and its `q` bits; the trace of `P(k, e, s)`; `m²`. Tests assert
//! equality with the synthesized assignment for random identities, paths,
//! slots, depths and tampered witnesses, so the prover can use this one.

use ark_ff::{Field, One, Zero};
use ark_relations::gr1cs::SynthesisError;

use super::Witness;
use crate::params::CircuitParams;
use crate::poseidon::{trace::permute_traced, Params};
use crate::statement::PublicInputs;
use crate::Fr;

/// A natively computed assignment, plus the values the circuit's
/// equality constraints compare with public inputs.
#[derive(Debug)]
pub struct NativeAssignment {
    /// `[1, root, e, n, m, witness…]`, exactly as synthesis assigns it.
    pub z: Vec<Fr>,
    /// `P` of the path from `P(k, t)`, which the circuit equates with `root`.
    pub root: Fr,
    /// `P(k, e, s)`, which the circuit equates with `n`.
    pub nullifier: Fr,
    /// `Σ 2^i · bit_i`, which the circuit equates with `s`.
    pub slot_sum: Fr,
}

impl NativeAssignment {
    /// Computes the assignment of the circuit for `params` with these
    /// public inputs and witness; too few siblings, path bits or slot bits
    /// is `AssignmentMissing`, as in synthesis.
    pub fn compute(
        params: CircuitParams,
        public: &PublicInputs,
        w: &Witness,
    ) -> Result<Self, SynthesisError> {
        let (depth, slot_bits) = (params.depth(), params.slot_bits());
        if w.siblings.len() < depth || w.path_bits.len() < depth || w.slot_bits.len() < slot_bits {
            return Err(SynthesisError::AssignmentMissing);
        }
        let p2 = Params::for_inputs(2).ok_or(SynthesisError::Unsatisfiable)?;
        let p3 = Params::for_inputs(3).ok_or(SynthesisError::Unsatisfiable)?;
        let mut z = Vec::with_capacity(capacity(depth, slot_bits, p2, p3));
        z.push(Fr::from(1u64));
        z.extend(public.to_vec());
        z.extend([w.k, w.t]);

        let mut node = permute_traced(p2, &[w.k, w.t], &mut z);
        for (sibling, bit) in w.siblings.iter().zip(&w.path_bits).take(depth) {
            let product = *bit * (*sibling - node);
            let left = node + product;
            let right = node + sibling - left;
            z.extend([*sibling, *bit, product]);
            node = permute_traced(p2, &[left, right], &mut z);
        }
        z.push(w.slot);
        let slot_sum = slot_bits_sum(w, slot_bits, &mut z);
        let nullifier = permute_traced(p3, &[w.k, Fr::from(public.epoch), w.slot], &mut z);
        z.push(public.m.square());
        Ok(NativeAssignment {
            z,
            root: node,
            nullifier,
            slot_sum,
        })
    }

    /// Whether the constraints that tie the witness to the public inputs
    /// hold: the computed root and nullifier equal `public`'s, the slot bits
    /// sum to `s`, and every path and slot bit is 0 or 1. The Poseidon and
    /// selection constraints hold by construction (tested against the
    /// matrices), so these are all that a wrong witness could break.
    pub fn links_hold(&self, public: &PublicInputs, witness: &Witness) -> bool {
        let boolean = |b: &Fr| b.is_zero() || b.is_one();
        self.root == public.root
            && self.nullifier == public.nullifier
            && self.slot_sum == witness.slot
            && witness.path_bits.iter().all(boolean)
            && witness.slot_bits.iter().all(boolean)
    }
}

/// Pushes the first `slot_bits` bits and returns their weighted sum.
fn slot_bits_sum(w: &Witness, slot_bits: usize, z: &mut Vec<Fr>) -> Fr {
    let mut sum = Fr::from(0u64);
    let mut weight = Fr::from(1u64);
    for bit in w.slot_bits.iter().take(slot_bits) {
        z.push(*bit);
        sum += *bit * weight;
        weight += weight;
    }
    sum
}

/// Length of `z`: 5 instance variables, `k, t`, `D + 1` two-input hashes
/// and one three-input hash (3 variables per non-constant S-box), 3 per
/// level, `s` and its bits, `m²`.
fn capacity(depth: usize, slot_bits: usize, p2: &Params, p3: &Params) -> usize {
    let h2 = 3 * (p2.sbox_count() - 1);
    let h3 = 3 * (p3.sbox_count() - 1);
    5 + 2 + (depth + 1) * h2 + 3 * depth + 1 + slot_bits + h3 + 1
}

#[cfg(test)]
mod tests;

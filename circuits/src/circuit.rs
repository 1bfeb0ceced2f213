//! The Groth16 statement of DESIGN §4 as an R1CS `ConstraintSynthesizer`.
//!
//! Public inputs, allocated in exactly this order: `root, e, n, m`.
//! Private inputs: `k, t`, the `D` siblings, the `D` path bits, `s`.
//! Constraints: `c = P(k, t)`; every path bit boolean; the path from `c`
//! hashes to `root`; `s` decomposes into `q` boolean bits; `n = P(k, e, s)`;
//! `m·m` is constrained so `m` is bound into the proof as Semaphore binds
//! its signal hash.
//!
//! Bits are allocated as field-element witnesses with an explicit
//! booleanity constraint `b·(b − 1) = 0` rather than through `Boolean`, so
//! a test can hand-build a witness with a bit equal to 2 and watch exactly
//! that constraint fail (DESIGN §8: unconstrained path bits are the classic
//! under-constrained bug). The cost is the same one constraint per bit.

use ark_ff::{One, Zero};
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{info_span, ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use crate::identity::Identity;
use crate::params::CircuitParams;
use crate::poseidon::constraints::{hash2_gadget, hash3_gadget};
use crate::statement::PublicInputs;
use crate::tree::MerklePath;
use crate::Fr;

/// Private inputs in raw field form. Honest provers build it with
/// [`Witness::new`]; tests may set any field to any value.
#[derive(Clone)]
pub struct Witness {
    /// Nullifier key `k`.
    pub k: Fr,
    /// Trapdoor `t`.
    pub t: Fr,
    /// Merkle siblings, leaf to root (`D` of them).
    pub siblings: Vec<Fr>,
    /// Path bits as field elements (`1` = the path node is a right child).
    pub path_bits: Vec<Fr>,
    /// Slot `s`.
    pub slot: Fr,
    /// Little-endian bits of `s` (`q` of them).
    pub slot_bits: Vec<Fr>,
}

impl Witness {
    /// The honest witness for an identity, its path and a slot; slot bits
    /// are the low `q` bits of `slot` (a slot `>= 2^q` therefore does not
    /// decompose, and the circuit is unsatisfied).
    pub fn new(identity: &Identity, path: &MerklePath, slot: u64, slot_bits: usize) -> Self {
        Witness {
            k: identity.k,
            t: identity.t,
            siblings: path.siblings.clone(),
            path_bits: path.bits.iter().map(|&b| Fr::from(b)).collect(),
            slot: Fr::from(slot),
            slot_bits: (0..slot_bits)
                .map(|i| Fr::from(i < 64 && (slot >> i) & 1 == 1))
                .collect(),
        }
    }
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Witness(<redacted>)")
    }
}

/// The membership, rate-limit and query-binding circuit for a given `(D, q)`.
///
/// With `public`/`witness` set to `None` it is the blank circuit used for
/// setup; any attempt to read a missing value yields
/// `SynthesisError::AssignmentMissing`.
#[derive(Debug, Clone)]
pub struct MembershipCircuit {
    /// Tree depth and slot bits fixed at setup.
    pub params: CircuitParams,
    /// Public inputs `root, e, n, m`.
    pub public: Option<PublicInputs>,
    /// Private inputs.
    pub witness: Option<Witness>,
}

impl MembershipCircuit {
    /// The circuit with no assignment, for key generation.
    pub fn blank(params: CircuitParams) -> Self {
        MembershipCircuit {
            params,
            public: None,
            witness: None,
        }
    }

    /// A fully assigned circuit.
    pub fn new(params: CircuitParams, public: PublicInputs, witness: Witness) -> Self {
        MembershipCircuit {
            params,
            public: Some(public),
            witness: Some(witness),
        }
    }

    fn public_value(&self, f: impl FnOnce(&PublicInputs) -> Fr) -> Result<Fr, SynthesisError> {
        self.public
            .as_ref()
            .map(f)
            .ok_or(SynthesisError::AssignmentMissing)
    }

    fn witness_value(&self, f: impl FnOnce(&Witness) -> Option<Fr>) -> Result<Fr, SynthesisError> {
        self.witness
            .as_ref()
            .and_then(f)
            .ok_or(SynthesisError::AssignmentMissing)
    }
}

/// The allocated public inputs, in allocation order.
struct PublicVars {
    root: FpVar<Fr>,
    epoch: FpVar<Fr>,
    nullifier: FpVar<Fr>,
    m: FpVar<Fr>,
}

impl ConstraintSynthesizer<Fr> for MembershipCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let public = self.alloc_public(&cs)?;
        let k = FpVar::new_witness(ark_relations::ns!(cs, "k"), || {
            self.witness_value(|w| Some(w.k))
        })?;
        let t = FpVar::new_witness(ark_relations::ns!(cs, "t"), || {
            self.witness_value(|w| Some(w.t))
        })?;

        let commitment = {
            let _span = info_span!(target: "gr1cs", "commitment").entered();
            hash2_gadget(&k, &t)?
        };
        let root = self.merkle_root(&cs, commitment)?;
        {
            let _span = info_span!(target: "gr1cs", "root_matches").entered();
            root.enforce_equal(&public.root)?;
        }
        let slot = self.slot(&cs)?;
        {
            let _span = info_span!(target: "gr1cs", "nullifier").entered();
            hash3_gadget(&k, &public.epoch, &slot)?.enforce_equal(&public.nullifier)?;
        }
        {
            // Semaphore's `signalHashSquared <== signalHash * signalHash`.
            let _span = info_span!(target: "gr1cs", "bind_m").entered();
            let _m_squared = public.m.square()?;
        }
        Ok(())
    }
}

impl MembershipCircuit {
    /// Allocates `root, e, n, m` as public inputs, in exactly that order.
    fn alloc_public(&self, cs: &ConstraintSystemRef<Fr>) -> Result<PublicVars, SynthesisError> {
        use ark_relations::ns;
        Ok(PublicVars {
            root: FpVar::new_input(ns!(cs, "root"), || self.public_value(|p| p.root))?,
            epoch: FpVar::new_input(ns!(cs, "epoch"), || {
                self.public_value(|p| Fr::from(p.epoch))
            })?,
            nullifier: FpVar::new_input(ns!(cs, "nullifier"), || {
                self.public_value(|p| p.nullifier)
            })?,
            m: FpVar::new_input(ns!(cs, "m"), || self.public_value(|p| p.m))?,
        })
    }

    /// Hashes `leaf` up `D` levels; at each level the path bit `b` selects
    /// `(left, right) = b ? (sibling, node) : (node, sibling)` with one
    /// constraint: `left = node + b·(sibling − node)`, `right = node + sibling − left`.
    fn merkle_root(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        leaf: FpVar<Fr>,
    ) -> Result<FpVar<Fr>, SynthesisError> {
        let mut node = leaf;
        for h in 0..self.params.depth() {
            let _span = info_span!(target: "gr1cs", "merkle_level", height = h).entered();
            let sibling = FpVar::new_witness(ark_relations::ns!(cs, "sibling"), || {
                self.witness_value(|w| w.siblings.get(h).copied())
            })?;
            let bit = alloc_bit(cs, || self.witness_value(|w| w.path_bits.get(h).copied()))?;
            let left = &node + &bit * (&sibling - &node);
            let right = &node + &sibling - &left;
            node = hash2_gadget(&left, &right)?;
        }
        Ok(node)
    }

    /// Allocates `s` and its `q` little-endian bits, each boolean, with
    /// `s = sum 2^i · bit_i` — so `0 <= s < 2^q` (DESIGN §4 rate limit).
    fn slot(&self, cs: &ConstraintSystemRef<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let _span = info_span!(target: "gr1cs", "slot_range").entered();
        let slot = FpVar::new_witness(ark_relations::ns!(cs, "slot"), || {
            self.witness_value(|w| Some(w.slot))
        })?;
        let mut sum = FpVar::Constant(Fr::zero());
        let mut weight = Fr::one();
        for i in 0..self.params.slot_bits() {
            let _bit_span = info_span!(target: "gr1cs", "slot_bit", index = i).entered();
            let bit = alloc_bit(cs, || self.witness_value(|w| w.slot_bits.get(i).copied()))?;
            sum += bit * weight;
            weight += weight;
        }
        sum.enforce_equal(&slot)?;
        Ok(slot)
    }
}

/// Allocates a witness bit and enforces `b·(b − 1) = 0` (one constraint).
fn alloc_bit(
    cs: &ConstraintSystemRef<Fr>,
    value: impl FnOnce() -> Result<Fr, SynthesisError>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let bit = FpVar::new_witness(ark_relations::ns!(cs, "bit"), value)?;
    let _span = info_span!(target: "gr1cs", "boolean").entered();
    bit.mul_equals(&(&bit - Fr::one()), &FpVar::Constant(Fr::zero()))?;
    Ok(bit)
}

pub mod native;

#[cfg(test)]
mod tests;

//! The native assignment equals the synthesized one, variable for
//! variable, and satisfies the cached matrices — for random statements of
//! many shapes and for tampered witnesses alike.

use std::collections::HashMap;

use ark_std::UniformRand;
use rand::{rngs::StdRng, Rng, SeedableRng};

use super::*;
use crate::circuit::MembershipCircuit;
use crate::identity::Identity;
use crate::params::CircuitParams;
use crate::r1cs::{full_assignment, R1csMatrices};
use crate::tree::MerklePath;

/// A random honest statement: random identity, random siblings and path
/// bits (any path is some tree's path), random slot below `2^q`, epoch, `m`.
fn random_statement(params: CircuitParams, rng: &mut StdRng) -> (PublicInputs, Witness) {
    let id = Identity::random(rng);
    let path = MerklePath {
        siblings: (0..params.depth()).map(|_| Fr::rand(rng)).collect(),
        bits: (0..params.depth()).map(|_| rng.gen()).collect(),
    };
    let slot = rng.gen_range(0..params.slots_per_epoch());
    let epoch = rng.gen::<u32>() as u64;
    let public = PublicInputs::derive(&id, &path, epoch, slot, Fr::rand(rng));
    (public, Witness::new(&id, &path, slot, params.slot_bits()))
}

struct Matrices(HashMap<(usize, usize), R1csMatrices>);

impl Matrices {
    fn of(&mut self, params: CircuitParams) -> &R1csMatrices {
        self.0
            .entry((params.depth(), params.slot_bits()))
            .or_insert_with(|| R1csMatrices::for_params(params).expect("matrices"))
    }
}

fn both(
    params: CircuitParams,
    public: PublicInputs,
    witness: Witness,
) -> (NativeAssignment, Vec<Fr>) {
    let native = NativeAssignment::compute(params, &public, &witness).expect("native");
    let synthesized =
        full_assignment(MembershipCircuit::new(params, public, witness)).expect("synthesized");
    (native, synthesized)
}

#[test]
fn equals_the_synthesized_assignment_for_random_statements() {
    let mut rng = StdRng::seed_from_u64(14);
    let mut matrices = Matrices(HashMap::new());
    let shapes = [
        (1, 1),
        (2, 3),
        (4, 10),
        (7, 5),
        (16, 10),
        (20, 10),
        (21, 12),
        (32, 10),
    ];
    for round in 0..48 {
        let (depth, slot_bits) = shapes[round % shapes.len()];
        let params = CircuitParams::new(depth, slot_bits).expect("params");
        let (public, witness) = random_statement(params, &mut rng);
        let (native, synthesized) = both(params, public, witness.clone());
        assert_eq!(native.z, synthesized, "D = {depth}, q = {slot_bits}");
        assert_eq!(native.z.capacity(), native.z.len(), "capacity formula");
        assert!(native.links_hold(&public, &witness));
        let m = matrices.of(params);
        assert_eq!(m.first_unsatisfied(&native.z), None, "D = {depth}");
    }
}

#[test]
fn equals_the_synthesized_assignment_for_tampered_witnesses() {
    let mut rng = StdRng::seed_from_u64(15);
    let params = CircuitParams::new(6, 4).expect("params");
    let m = R1csMatrices::for_params(params).expect("matrices");
    type Tamper = fn(&mut PublicInputs, &mut Witness);
    let tampers: [(&str, Tamper); 7] = [
        ("path bit 2", |_, w| w.path_bits[3] = Fr::from(2u64)),
        ("sibling", |_, w| w.siblings[0] += Fr::from(1u64)),
        ("slot bit 2", |_, w| w.slot_bits[1] = Fr::from(2u64)),
        ("slot", |_, w| w.slot += Fr::from(1u64)),
        ("root", |p, _| p.root += Fr::from(1u64)),
        ("nullifier", |p, _| p.nullifier += Fr::from(1u64)),
        ("k", |_, w| w.k += Fr::from(1u64)),
    ];
    for (name, tamper) in tampers {
        let (mut public, mut witness) = random_statement(params, &mut rng);
        tamper(&mut public, &mut witness);
        let (native, synthesized) = both(params, public, witness.clone());
        assert_eq!(native.z, synthesized, "{name}");
        assert!(!native.links_hold(&public, &witness), "{name}");
        assert!(m.first_unsatisfied(&native.z).is_some(), "{name}");
    }
}

#[test]
fn missing_values_are_assignment_missing() {
    let mut rng = StdRng::seed_from_u64(16);
    let params = CircuitParams::new(4, 3).expect("params");
    let (public, witness) = random_statement(params, &mut rng);
    for short in 0..3 {
        let mut w = witness.clone();
        match short {
            0 => w.siblings.pop(),
            1 => w.path_bits.pop(),
            _ => w.slot_bits.pop(),
        };
        assert!(matches!(
            NativeAssignment::compute(params, &public, &w),
            Err(SynthesisError::AssignmentMissing)
        ));
        assert!(full_assignment(MembershipCircuit::new(params, public, w)).is_err());
    }
}

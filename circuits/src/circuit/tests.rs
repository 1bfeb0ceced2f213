//! Circuit tests (STYLE §13): honest witness satisfies, each tampering
//! does not, public inputs are allocated in order, the cost is pinned.

use super::*;
use crate::identity::nullifier;
use crate::poseidon::hash2;
use crate::tree::IncrementalTree;
use ark_relations::gr1cs::{ConstraintLayer, ConstraintSystem, TracingMode};
use tracing_subscriber::layer::SubscriberExt;

/// An honest instance: identity at leaf 3 of a tree with 6 members.
struct Fixture {
    params: CircuitParams,
    public: PublicInputs,
    witness: Witness,
}

fn fixture(depth: usize, slot_bits: usize, slot: u64) -> Fixture {
    let params = CircuitParams::new(depth, slot_bits).expect("params");
    let mut rng = ark_std::test_rng();
    let ids: Vec<Identity> = (0..6)
        .map(|_| Identity::random(&mut rand_adapter(&mut rng)))
        .collect();
    let mut tree = IncrementalTree::new(depth).expect("tree");
    for id in &ids {
        tree.append(id.commitment()).expect("append");
    }
    let me = &ids[3];
    let path = tree.path(3).expect("path");
    let epoch = 481_234;
    let public = PublicInputs {
        root: tree.root(),
        epoch,
        nullifier: nullifier(me.k, epoch, slot),
        m: hash2(Fr::from(77u64), Fr::from(88u64)),
    };
    Fixture {
        params,
        public,
        witness: Witness::new(me, &path, slot, slot_bits),
    }
}

/// `ark_std::test_rng()` is not `CryptoRng`; seed a ChaCha-free std RNG from it for identities.
fn rand_adapter(rng: &mut impl rand::RngCore) -> rand::rngs::StdRng {
    use rand::SeedableRng;
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    rand::rngs::StdRng::from_seed(seed)
}

/// Synthesizes with a constraint-tracing subscriber; returns the first
/// unsatisfied constraint's trace, or `None` when satisfied.
fn first_unsatisfied(f: &Fixture) -> Option<String> {
    let subscriber = tracing_subscriber::Registry::default()
        .with(ConstraintLayer::new(TracingMode::OnlyConstraints));
    tracing::subscriber::with_default(subscriber, || {
        let cs = ConstraintSystem::<Fr>::new_ref();
        MembershipCircuit::new(f.params, f.public, f.witness.clone())
            .generate_constraints(cs.clone())
            .expect("synthesis");
        cs.which_is_unsatisfied().expect("prove mode")
    })
}

fn assert_unsatisfied_at(f: &Fixture, needle: &str) {
    let trace = first_unsatisfied(f).expect("the tampered witness must not satisfy the circuit");
    assert!(trace.contains(needle), "expected `{needle}` in:\n{trace}");
}

#[test]
fn honest_witness_satisfies_for_supported_depths() {
    for depth in [16, 20, 24, 32] {
        assert_eq!(
            first_unsatisfied(&fixture(depth, 10, 1023)),
            None,
            "D = {depth}"
        );
    }
    assert_eq!(first_unsatisfied(&fixture(20, 10, 0)), None);
}

#[test]
fn public_inputs_are_allocated_root_epoch_nullifier_m() {
    let f = fixture(16, 10, 5);
    let cs = ConstraintSystem::<Fr>::new_ref();
    MembershipCircuit::new(f.params, f.public, f.witness.clone())
        .generate_constraints(cs.clone())
        .expect("synthesis");
    let instance = cs.instance_assignment().expect("instance");
    let mut expected = vec![Fr::one()];
    expected.extend(f.public.to_vec());
    assert_eq!(instance, expected);
}

#[test]
fn wrong_sibling_is_unsatisfied() {
    let mut f = fixture(16, 10, 5);
    f.witness.siblings[7] += Fr::one();
    assert_unsatisfied_at(&f, "root_matches");
}

#[test]
fn wrong_root_is_unsatisfied() {
    let mut f = fixture(16, 10, 5);
    f.public.root += Fr::one();
    assert_unsatisfied_at(&f, "root_matches");
}

#[test]
fn wrong_nullifier_is_unsatisfied() {
    let mut f = fixture(16, 10, 5);
    f.public.nullifier = nullifier(f.witness.k, f.public.epoch, 6);
    assert_unsatisfied_at(&f, "nullifier");
}

#[test]
fn wrong_epoch_is_unsatisfied() {
    let mut f = fixture(16, 10, 5);
    f.public.epoch += 1;
    assert_unsatisfied_at(&f, "nullifier");
}

#[test]
fn wrong_trapdoor_is_unsatisfied() {
    let mut f = fixture(16, 10, 5);
    f.witness.t += Fr::one();
    assert_unsatisfied_at(&f, "root_matches");
}

/// A path bit of 2 with every other value computed consistently from it
/// (including the public root): the selection and hashing constraints all
/// hold, so the first unsatisfied constraint is the bit's booleanity.
#[test]
fn path_bit_two_is_caught_by_the_boolean_constraint() {
    for bad in [Fr::from(2u64), -Fr::one(), Fr::from(12345u64)] {
        let mut f = fixture(16, 10, 5);
        let level = 4;
        f.witness.path_bits[level] = bad;
        f.public.root = gadget_root(&f.witness);
        let trace = first_unsatisfied(&f).expect("bit 2 must be rejected");
        assert!(trace.contains("boolean"), "{trace}");
        assert!(trace.contains("merkle_level"), "{trace}");
    }
}

/// The gadget's selection arithmetic, natively, for any field-valued bits.
fn gadget_root(w: &Witness) -> Fr {
    let mut node = hash2(w.k, w.t);
    for (sib, bit) in w.siblings.iter().zip(&w.path_bits) {
        let left = node + *bit * (*sib - node);
        let right = node + *sib - left;
        node = hash2(left, right);
    }
    node
}

#[test]
fn slot_out_of_range_is_unsatisfied() {
    // Honest decomposition of 2^q: its q low bits are all zero, sum != s.
    let f = fixture(16, 10, 1024);
    assert_unsatisfied_at(&f, "slot_range");
    let f = fixture(16, 10, u64::MAX);
    assert_unsatisfied_at(&f, "slot_range");
    // Crafted decomposition of 1024 = 2 * 2^9: sums correctly, bit 9 is 2.
    let mut f = fixture(16, 10, 1024);
    f.witness.slot_bits = vec![Fr::zero(); 10];
    f.witness.slot_bits[9] = Fr::from(2u64);
    let trace = first_unsatisfied(&f).expect("slot 1024 must be rejected");
    assert!(
        trace.contains("boolean") && trace.contains("slot_bit"),
        "{trace}"
    );
}

#[test]
fn missing_assignment_is_reported() {
    let f = fixture(16, 10, 5);
    let cs = ConstraintSystem::<Fr>::new_ref();
    let circuit = MembershipCircuit {
        params: f.params,
        public: Some(f.public),
        witness: None,
    };
    assert!(matches!(
        circuit.generate_constraints(cs),
        Err(SynthesisError::AssignmentMissing)
    ));
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
    MembershipCircuit::blank(f.params)
        .generate_constraints(cs.clone())
        .expect("blank circuit synthesizes in setup mode");
    assert_eq!(cs.num_instance_variables(), 5);
}

/// Expected cost from first principles (DESIGN §4 constraints): 3 constraints per S-box;
/// P2 = 8 full × 3 + 57 partial = 81 S-boxes, P3 = 8 × 4 + 56 = 88.
fn expected_naive(depth: usize, slot_bits: usize) -> usize {
    let p2 = Params::for_inputs(2).expect("P2").sbox_count() * 3;
    let p3 = Params::for_inputs(3).expect("P3").sbox_count() * 3;
    let poseidon = (1 + depth) * p2 + p3;
    let path = depth /* booleanity */ + depth /* selection */ + 1 /* root equality */;
    let slot = slot_bits + 1;
    poseidon + path + slot + 1 /* nullifier equality */ + 1 /* m·m */
}

use crate::poseidon::Params;

#[test]
fn constraint_count_d20_q10_is_pinned() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
    let params = CircuitParams::new(20, 10).expect("params");
    MembershipCircuit::blank(params)
        .generate_constraints(cs.clone())
        .expect("synthesis");
    let n = cs.num_constraints();
    let naive = expected_naive(20, 10);
    println!("constraints for D=20, q=10: {n} (first-principles estimate {naive})");
    assert!(
        n.abs_diff(naive) * 20 <= naive,
        "{n} not within 5% of {naive}"
    );
    // The estimate minus the 22 folded first-round capacity S-boxes (3 each).
    assert_eq!(naive, 5421);
    assert_eq!(n, naive - 22 * 3);
    assert_eq!(n, 5355);
}

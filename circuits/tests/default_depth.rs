//! The default circuit shape, D = 20 and q = 10 (DESIGN §4), end to end.

use rand::{rngs::StdRng, SeedableRng};
use zkcity_circuits::identity::Identity;
use zkcity_circuits::keys::setup;
use zkcity_circuits::params::{DEFAULT_DEPTH, DEFAULT_SLOT_BITS};
use zkcity_circuits::proof::{proof_from_bytes, proof_to_bytes, prove, verify};
use zkcity_circuits::statement::{query_commitment, query_digest, PublicInputs};
use zkcity_circuits::tree::IncrementalTree;
use zkcity_circuits::Fr;

#[test]
fn default_shape_proves_and_verifies_a_real_query() {
    let mut rng = StdRng::seed_from_u64(2020);
    let (pk, vk) = setup(DEFAULT_DEPTH, DEFAULT_SLOT_BITS, &mut rng).expect("setup");
    let pvk = vk.prepare();

    let me = Identity::random(&mut rng);
    let mut tree = IncrementalTree::new(DEFAULT_DEPTH).expect("tree");
    for _ in 0..3 {
        tree.append(Identity::random(&mut rng).commitment())
            .expect("append");
    }
    let index = tree.append(me.commitment()).expect("append");
    let path = tree.path(index).expect("path");

    let vars = serde_json::json!({"first": 10});
    let d = query_digest(
        "query { trafficFlow(first: $first) { speed } }",
        Some(&vars),
        None,
    )
    .expect("digest");
    let blinding = Fr::from(123_456_789u64);
    let m = query_commitment(d, blinding);
    let epoch = 1_700_000_000 / 3600;

    let proof = prove(&pk, &me, &path, epoch, 1023, m, &mut rng).expect("prove");
    let inputs = PublicInputs {
        root: tree.root(),
        epoch,
        nullifier: me.nullifier(epoch, 1023),
        m,
    };
    let decoded = proof_from_bytes(&proof_to_bytes(&proof)).expect("decode");
    assert!(verify(&pvk, &inputs, &decoded).expect("verify"));

    let other_query =
        query_commitment(query_digest("{ x }", None, None).expect("digest"), blinding);
    assert!(!verify(
        &pvk,
        &PublicInputs {
            m: other_query,
            ..inputs
        },
        &decoded
    )
    .expect("verify"));
    assert!(!verify(
        &pvk,
        &PublicInputs {
            epoch: epoch - 1,
            ..inputs
        },
        &decoded
    )
    .expect("verify"));
}

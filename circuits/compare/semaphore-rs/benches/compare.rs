//! zkcity (D = 20, q = 10) vs semaphore-rs (Semaphore v3, depth 20):
//! prove and verify through each library's public API, same process.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::{rngs::StdRng, SeedableRng};
use semaphore_rs::{hash_to_field, identity::Identity as SemIdentity, poseidon_tree::LazyPoseidonTree, protocol};
use zkcity_circuits::{prove, setup, verify, Fr, Identity, IncrementalTree, PublicInputs};

fn zkcity(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    let (pk, vk) = setup(20, 10, &mut rng).expect("setup");
    // A long-lived prover's key: MSM tables built once (zkcity's
    // `prepare_prover`, ≈ 13 proofs' worth of work); the one-shot path
    // (`prove_unprepared`) is measured too.
    pk.prepare_prover();
    let pvk = vk.prepare();
    let me = Identity::random(&mut rng);
    let mut tree = IncrementalTree::new(20).expect("tree");
    let index = tree.append(me.commitment()).expect("append");
    let path = tree.path(index).expect("path");
    let m = Fr::from(7u64);
    let inputs = PublicInputs::derive(&me, &path, 100, 3, m);
    let proof = prove(&pk, &me, &path, 100, 3, m, &mut rng).expect("prove");
    c.bench_function("zkcity/d20/prove", |b| b.iter(|| prove(&pk, &me, &path, 100, 3, m, &mut rng).expect("prove")));
    let (unprepared, _) = setup(20, 10, &mut rng).expect("setup");
    c.bench_function("zkcity/d20/prove_unprepared", |b| {
        b.iter(|| prove(&unprepared, &me, &path, 100, 3, m, &mut rng).expect("prove"))
    });
    c.bench_function("zkcity/d20/verify", |b| b.iter(|| assert!(verify(&pvk, &inputs, &proof).expect("verify"))));
}

fn semaphore(c: &mut Criterion) {
    let mut secret = *b"secret";
    let id = SemIdentity::from_secret(&mut secret, None);
    let mut tree = LazyPoseidonTree::new(20, semaphore_rs::Field::from(0)).derived();
    tree = tree.update(0, &id.commitment());
    let merkle_proof = tree.proof(0);
    let root = tree.root();
    let signal = hash_to_field(b"signal");
    let ext = hash_to_field(b"app");
    let nullifier = protocol::generate_nullifier_hash(&id, ext);
    let proof = protocol::generate_proof(&id, &merkle_proof, ext, signal).expect("prove");
    c.bench_function("semaphore-rs/d20/prove", |b| {
        b.iter(|| protocol::generate_proof(&id, &merkle_proof, ext, signal).expect("prove"))
    });
    c.bench_function("semaphore-rs/d20/verify", |b| {
        b.iter(|| assert!(protocol::verify_proof(root, nullifier, signal, ext, &proof, 20).expect("verify")))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = zkcity, semaphore
}
criterion_main!(benches);

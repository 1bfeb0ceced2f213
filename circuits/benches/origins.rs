//! Prove time at D = 20 with keys of both origins in one run: single-party
//! keys (libsnark's QAP reduction) and keys imported from a snarkjs
//! ceremony (circom's), circuits/README.md "Trusted setup".
//!
//! The ceremony keys are a real imported key file: run a ceremony (the
//! README's commands, or the `ceremony` end-to-end test), import it, and
//! point `ZKCITY_CEREMONY_PROVING_KEY` at its `proving.key`:
//!
//! ```sh
//! ZKCITY_CEREMONY_PROVING_KEY=keys/proving.key cargo bench -p zkcity-circuits --bench origins
//! ```

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::{rngs::StdRng, SeedableRng};
use zkcity_circuits::keys::{load_proving_key, setup, ProvingKey};
use zkcity_circuits::proof::prove;
use zkcity_circuits::tree::IncrementalTree;
use zkcity_circuits::{Fr, Identity};

fn prove_with(c: &mut Criterion, name: &str, pk: &ProvingKey, rng: &mut StdRng) {
    let id = Identity::random(rng);
    let mut tree = IncrementalTree::new(20).expect("tree");
    let index = tree.append(id.commitment()).expect("append");
    let path = tree.path(index).expect("path");
    pk.prepare_prover();
    let mut group = c.benchmark_group("prove/d20");
    group.sample_size(20).warm_up_time(Duration::from_secs(2));
    group.bench_function(name, |b| {
        b.iter(|| prove(pk, &id, &path, 470_000, 1, Fr::from(5u64), rng).expect("prove"))
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(20);
    let (single, _) = setup(20, 10, &mut rng).expect("setup");
    prove_with(c, "single-party", &single, &mut rng);
    match std::env::var_os("ZKCITY_CEREMONY_PROVING_KEY") {
        Some(path) => {
            let pk = load_proving_key(path.as_ref(), 20, 10).expect("ceremony proving key");
            assert_eq!(pk.origin().kind(), "ceremony", "not a ceremony key");
            prove_with(c, "ceremony", &pk, &mut rng);
        }
        None => eprintln!("ZKCITY_CEREMONY_PROVING_KEY unset: only single-party keys measured"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

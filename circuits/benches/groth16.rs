//! Groth16 setup / prove / verify at D = 20 and 32, and batch verification
//! of 64 and 1024 proofs (the auditor's path, DESIGN §6).
//!
//! The batch proofs are rerandomizations of 8 honest proofs: each has fresh
//! points (A, B, C), which is all batch verification costs depend on.

use std::time::Duration;

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{rngs::StdRng, SeedableRng};
use zkcity_circuits::circuit::native::NativeAssignment;
use zkcity_circuits::keys::{proving_key_to_bytes, setup, verifying_key_to_bytes, ProvingKey};
use zkcity_circuits::proof::{batch_verify, prove, verify, Proof};
use zkcity_circuits::prover::ProverTables;
use zkcity_circuits::r1cs::full_assignment;
use zkcity_circuits::statement::PublicInputs;
use zkcity_circuits::tree::{IncrementalTree, MerklePath};
use zkcity_circuits::{Fr, Identity, MembershipCircuit, Witness};

struct Fixture {
    id: Identity,
    path: MerklePath,
}

fn fixture(depth: usize, rng: &mut StdRng) -> Fixture {
    let id = Identity::random(rng);
    let mut tree = IncrementalTree::new(depth).expect("tree");
    for _ in 0..7 {
        tree.append(Identity::random(rng).commitment())
            .expect("append");
    }
    let index = tree.append(id.commitment()).expect("append");
    let path = tree.path(index).expect("path");
    Fixture { id, path }
}

fn prove_one(pk: &ProvingKey, f: &Fixture, slot: u64, rng: &mut StdRng) -> (PublicInputs, Proof) {
    let m = Fr::from(slot + 1000);
    let inputs = PublicInputs::derive(&f.id, &f.path, 470_000, slot, m);
    (
        inputs,
        prove(pk, &f.id, &f.path, 470_000, slot, m, rng).expect("prove"),
    )
}

fn bench_depth(c: &mut Criterion, depth: usize) {
    let mut rng = StdRng::seed_from_u64(depth as u64);
    let mut group = c.benchmark_group(format!("groth16/d{depth}"));
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.bench_function("setup", |b| {
        b.iter(|| setup(depth, 10, &mut rng).expect("setup"))
    });
    let (pk, vk) = setup(depth, 10, &mut rng).expect("setup");
    let pk_len = proving_key_to_bytes(&pk).expect("pk bytes").len();
    let vk_len = verifying_key_to_bytes(&vk).expect("vk bytes").len();
    eprintln!("D={depth}: proving key {pk_len} bytes, verifying key {vk_len} bytes (compressed, with header)");
    let pvk = vk.prepare();
    let f = fixture(depth, &mut rng);
    // Without tables first (a one-shot prover), then the tables' one-time
    // cost, then with them (a long-lived prover).
    group.bench_function("prove_unprepared", |b| {
        b.iter(|| prove_one(&pk, &f, 3, &mut rng))
    });
    group.bench_function("prepare_prover", |b| {
        b.iter(|| ProverTables::new(pk.as_ark()))
    });
    let tables = pk.prepare_prover();
    eprintln!("D={depth}: prover tables {} bytes", tables.memory_bytes());
    group.bench_function("prove", |b| b.iter(|| prove_one(&pk, &f, 3, &mut rng)));
    let (inputs, proof) = prove_one(&pk, &f, 3, &mut rng);
    let witness = Witness::new(&f.id, &f.path, 3, 10);
    group.bench_function("witness_native", |b| {
        b.iter(|| NativeAssignment::compute(pk.params(), &inputs, &witness).expect("witness"))
    });
    group.bench_function("witness_synthesized_and_check", |b| {
        b.iter(|| {
            let circuit = MembershipCircuit::new(pk.params(), inputs, witness.clone());
            let z = full_assignment(circuit).expect("witness");
            assert_eq!(pk.matrices().first_unsatisfied(&z), None);
        })
    });
    group.bench_function("verify", |b| {
        b.iter(|| verify(&pvk, &inputs, &proof).expect("verify"))
    });
    group.finish();
}

fn bench_batch(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(64);
    let (pk, vk) = setup(20, 10, &mut rng).expect("setup");
    pk.prepare_prover();
    let pvk = vk.prepare();
    let f = fixture(20, &mut rng);
    let honest: Vec<_> = (0..8)
        .map(|slot| prove_one(&pk, &f, slot, &mut rng))
        .collect();
    let items: Vec<(PublicInputs, Proof)> = (0..1024)
        .map(|i| {
            let (inputs, proof) = &honest[i % honest.len()];
            (
                *inputs,
                Groth16::<Bn254>::rerandomize_proof(vk.as_ark(), proof, &mut rng),
            )
        })
        .collect();
    let mut group = c.benchmark_group("groth16/batch_verify");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for n in [1usize, 2, 4, 8, 16, 64] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &items[..n], |b, batch| {
            b.iter(|| assert!(batch_verify(&pvk, batch, &mut rng).expect("batch")))
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    bench_depth(c, 20);
    bench_depth(c, 32);
    bench_batch(c);
}

criterion_group!(benches, bench);
criterion_main!(benches);

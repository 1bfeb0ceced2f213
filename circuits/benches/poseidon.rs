//! Native circom Poseidon (DESIGN §4 `P`): the cost of every tree node and nullifier.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use zkcity_circuits::poseidon::{hash2, hash3};
use zkcity_circuits::Fr;

fn bench(c: &mut Criterion) {
    let (a, b, d) = (Fr::from(1u64), Fr::from(2u64), Fr::from(3u64));
    c.bench_function("poseidon/hash2", |bench| {
        bench.iter(|| hash2(black_box(a), black_box(b)))
    });
    c.bench_function("poseidon/hash3", |bench| {
        bench.iter(|| hash3(black_box(a), black_box(b), black_box(d)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);

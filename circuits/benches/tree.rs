//! Incremental membership tree at 1M members (DESIGN §4, D = 20).
//!
//! `bulk_load_1m` is the server's start-up path ([`IncrementalTree::extend`],
//! about one hash per leaf); `append_at_1m` is one registration into a tree
//! already holding 1,000,000 members (exactly D hashes).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use zkcity_circuits::tree::IncrementalTree;
use zkcity_circuits::Fr;

const MEMBERS: u64 = 1_000_000;

fn leaves(from: u64, to: u64) -> Vec<Fr> {
    (from..to).map(|i| Fr::from(i + 1)).collect()
}

fn bench(c: &mut Criterion) {
    let bulk = leaves(0, MEMBERS);
    let mut group = c.benchmark_group("tree");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("bulk_load_1m", |b| {
        b.iter(|| {
            let mut tree = IncrementalTree::new(20).expect("tree");
            tree.extend(&bulk).expect("extend");
            tree.root()
        })
    });
    let mut full = IncrementalTree::new(20).expect("tree");
    full.extend(&bulk).expect("extend");
    let mut next = MEMBERS;
    group.bench_function("append_at_1m", |b| {
        b.iter_batched_ref(
            || {
                next += 1;
                Fr::from(next)
            },
            |leaf| full.append(*leaf).expect("append"),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("path_at_1m", |b| {
        b.iter(|| full.path(123_456).expect("path"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

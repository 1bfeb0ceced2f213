//! Benchmarks for the audit crate (numbers recorded in audit/README.md).
//!
//! Run: `cargo bench -p zkcity-audit`. Proof benches use a tree of 1M leaves
//! whose stored nodes sit in a `HashMap<NodeId, Hash>`, i.e. the rows a
//! database would return, so they measure plan + assemble without I/O.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::collections::HashMap;
use std::hint::black_box;
use zkcity_audit::merkle::{
    consistency_proof, consistency_proof_plan, inclusion_proof, inclusion_proof_plan, leaf_hash,
    nodes_created_by_append, tree_root,
};
use zkcity_audit::{
    Checkpoint, Entry, EntryKind, EntryRecord, Hash, LogVerifier, MemoryTree, NodeId, QueryFields,
    GENESIS_PREV,
};

const BIG: u64 = 1 << 20;

fn stored_tree(size: u64) -> HashMap<NodeId, Hash> {
    let mut tree = MemoryTree::new();
    for i in 0..size {
        tree.append(leaf_hash(&i.to_be_bytes()));
    }
    tree.to_node_map()
}

fn bench_append(c: &mut Criterion) {
    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Elements(1));
    let mut tree = MemoryTree::new();
    let h = leaf_hash(b"x");
    g.bench_function("memory_tree", |b| b.iter(|| tree.append(black_box(h))));
    let mut store: HashMap<NodeId, Hash> = HashMap::new();
    let mut n = 0u64;
    g.bench_function("stored_nodes_hashmap", |b| {
        b.iter(|| {
            let rows = nodes_created_by_append(n, h, &store).unwrap_or_default();
            store.extend(rows);
            n += 1;
        })
    });
    g.finish();
}

fn bench_proofs(c: &mut Criterion) {
    let store = stored_tree(BIG);
    let mut g = c.benchmark_group("proofs_1M");
    g.sample_size(20);
    let mut i = 0u64;
    g.bench_function("inclusion_plan_and_assemble", |b| {
        b.iter(|| {
            i = (i + 7919) % BIG;
            let plan = inclusion_proof_plan(i, BIG - 3).unwrap_or_default();
            black_box(plan.len());
            inclusion_proof(i.min(BIG - 4), BIG - 3, &store)
        })
    });
    let mut old = 1u64;
    g.bench_function("consistency_plan_and_assemble", |b| {
        b.iter(|| {
            old = (old + 7919) % (BIG - 1) + 1;
            let plan = consistency_proof_plan(old, BIG - 3).unwrap_or_default();
            black_box(plan.len());
            consistency_proof(old.min(BIG - 3), BIG - 3, &store)
        })
    });
    g.bench_function("tree_root", |b| {
        b.iter(|| tree_root(black_box(BIG - 3), &store))
    });
    g.finish();
}

fn query_log(n: u64) -> (Vec<Entry>, Hash) {
    let mut tree = MemoryTree::new();
    let mut prev = GENESIS_PREV;
    let mut entries = Vec::new();
    for index in 0..n {
        let mut nullifier = [0u8; 32];
        nullifier[..8].copy_from_slice(&index.to_be_bytes());
        let kind = if index % 10 == 0 {
            let mut c = nullifier;
            c[31] = 1;
            EntryKind::Member { commitment: c }
        } else {
            EntryKind::Query(QueryFields {
                root: [1; 32],
                epoch: 7,
                nullifier,
                m: [2; 32],
                proof: [3; 128],
            })
        };
        let e = Entry {
            index,
            timestamp_ms: 1_700_000_000_000,
            kind,
            prev,
        };
        prev = e.chain_hash();
        tree.append(e.leaf_hash());
        entries.push(e);
    }
    (entries, tree.root())
}

fn bench_verifier(c: &mut Criterion) {
    const N: u64 = 10_000;
    let (entries, root) = query_log(N);
    let raw: Vec<Vec<u8>> = entries.iter().map(Entry::to_bytes).collect();
    let cp = Checkpoint {
        origin: "bench".into(),
        size: N,
        root,
    };
    let mut g = c.benchmark_group("verifier");
    g.throughput(Throughput::Elements(N));
    g.sample_size(10);
    g.bench_function("push_bytes_10k", |b| {
        b.iter_batched(
            || LogVerifier::new("bench", None),
            |mut v| {
                for bytes in &raw {
                    v.push_bytes(bytes).ok();
                }
                v.finish(&cp).map(|s| s.queries)
            },
            BatchSize::LargeInput,
        )
    });
    let lines: Vec<String> = entries
        .iter()
        .map(|e| EntryRecord::from_entry(e).to_json())
        .collect();
    g.bench_function("push_ndjson_10k", |b| {
        b.iter_batched(
            || LogVerifier::new("bench", None),
            |mut v| {
                for line in &lines {
                    if let Ok(rec) = EntryRecord::from_json(line) {
                        v.push_record(&rec).ok();
                    }
                }
                v.finish(&cp).map(|s| s.queries)
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_append, bench_proofs, bench_verifier);
criterion_main!(benches);

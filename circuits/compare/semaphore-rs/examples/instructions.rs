//! Makes `n` proofs with one library, for counting instructions on a busy
//! machine where wall-clock time is noisy. Run it under cachegrind twice
//! with different `n` and divide the difference by the difference of `n`:
//!
//! ```sh
//! cargo build --release --example instructions
//! for lib in zkcity semaphore; do for n in 1 5; do
//!   RAYON_NUM_THREADS=1 valgrind --tool=cachegrind --cache-sim=no \
//!     --cachegrind-out-file=/dev/null target/release/examples/instructions $lib $n
//! done; done   # "I refs" is the instruction count
//! ```

use rand::{rngs::StdRng, SeedableRng};
use semaphore_rs::{hash_to_field, identity::Identity as SemIdentity, poseidon_tree::LazyPoseidonTree, protocol};
use zkcity_circuits::{prove, setup, Fr, Identity, IncrementalTree};

fn main() {
    let mut args = std::env::args().skip(1);
    let lib = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    match lib.as_str() {
        "zkcity" | "zkcity-unprepared" => {
            let mut rng = StdRng::seed_from_u64(1);
            let (pk, _) = setup(20, 10, &mut rng).expect("setup");
            if lib == "zkcity" {
                pk.prepare_prover();
            }
            let me = Identity::random(&mut rng);
            let mut tree = IncrementalTree::new(20).expect("tree");
            let index = tree.append(me.commitment()).expect("append");
            let path = tree.path(index).expect("path");
            for _ in 0..n {
                prove(&pk, &me, &path, 100, 3, Fr::from(7u64), &mut rng).expect("prove");
            }
        }
        "semaphore" => {
            let mut secret = *b"secret";
            let id = SemIdentity::from_secret(&mut secret, None);
            let mut tree = LazyPoseidonTree::new(20, semaphore_rs::Field::from(0)).derived();
            tree = tree.update(0, &id.commitment());
            let merkle_proof = tree.proof(0);
            let (signal, ext) = (hash_to_field(b"signal"), hash_to_field(b"app"));
            for _ in 0..n {
                protocol::generate_proof(&id, &merkle_proof, ext, signal).expect("prove");
            }
        }
        _ => eprintln!("usage: instructions zkcity|zkcity-unprepared|semaphore N"),
    }
}

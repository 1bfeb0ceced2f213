//! Micro-batched proof verification for the gate.
//!
//! A lone Groth16 check costs about 2.5 ms of one core on this kind of
//! machine, almost all of it pairings. A batch of `n` (random linear
//! combination, `zkcity_circuits::batch_verify`, as the auditor does)
//! shares one final exponentiation and three fixed Miller pairs: about
//! 2.1 ms + 0.36 ms per proof (criterion, `groth16/batch_verify`, one
//! thread), so 1.6 ms per proof at `n` = 2 but 0.5 ms at 16.
//!
//! Hence one batch at a time, on one thread of its own: requests hand
//! their proof to a queue, and each batch takes whatever queued while the
//! previous one ran — an idle server verifies a lone proof at once (no
//! added wait), a loaded one makes batches as large as its arrivals, the
//! wait bounded by one batch's time. Two batches at once (one per core)
//! halved the batches and doubled the fixed cost; arkworks' own rayon
//! parallelism only added thread hand-offs on a busy server. A failed
//! batch is verified proof by proof, so only the bad proofs are refused.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use zkcity_circuits::{batch_verify, verify, PreparedVerifyingKey, Proof, PublicInputs};

/// Queue length before callers wait (back-pressure).
const QUEUE: usize = 4096;

struct Item {
    inputs: PublicInputs,
    proof: Proof,
    reply: oneshot::Sender<bool>,
}

/// Handle to the verification task; cheap to clone.
#[derive(Clone)]
pub struct BatchVerifier {
    queue: mpsc::Sender<Item>,
}

impl BatchVerifier {
    /// Starts the task: batches of at most `max_batch`, one at a time on a
    /// thread of its own. Fails only if that thread cannot be made.
    pub fn start(pvk: Arc<PreparedVerifyingKey>, max_batch: usize) -> std::io::Result<Self> {
        let (queue, rx) = mpsc::channel(QUEUE);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "zkcity-verify".into())
            .build()
            .map_err(std::io::Error::other)?;
        tokio::spawn(run(pvk, rx, max_batch.max(1), pool));
        Ok(Self { queue })
    }

    /// Whether `proof` verifies for `inputs`; `false` also when the
    /// verifier is gone (fail closed).
    pub async fn verify(&self, inputs: PublicInputs, proof: Proof) -> bool {
        let (reply, answer) = oneshot::channel();
        let item = Item {
            inputs,
            proof,
            reply,
        };
        if self.queue.send(item).await.is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }
}

async fn run(
    pvk: Arc<PreparedVerifyingKey>,
    mut rx: mpsc::Receiver<Item>,
    max_batch: usize,
    pool: rayon::ThreadPool,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        metrics::histogram!("zkcity_gate_verify_batch_size").record(batch.len() as f64);
        let pvk = pvk.clone();
        let (done, finished) = oneshot::channel();
        // Inside this one-thread pool arkworks' parallel iterators run
        // inline: the batch costs one core, never more.
        pool.spawn(move || {
            let verdicts = verdicts(&pvk, &batch);
            for (item, ok) in batch.into_iter().zip(verdicts) {
                let _ = item.reply.send(ok);
            }
            let _ = done.send(());
        });
        // While this batch runs, arrivals queue up and become the next.
        let _ = finished.await;
    }
}

/// One verdict per item: the batch at once, or one by one if it fails.
fn verdicts(pvk: &PreparedVerifyingKey, batch: &[Item]) -> Vec<bool> {
    let single = |i: &Item| matches!(verify(pvk, &i.inputs, &i.proof), Ok(true));
    if batch.len() == 1 {
        return batch.iter().map(single).collect();
    }
    let items: Vec<(PublicInputs, Proof)> =
        batch.iter().map(|i| (i.inputs, i.proof.clone())).collect();
    match batch_verify(pvk, &items, &mut rand::thread_rng()) {
        Ok(true) => vec![true; batch.len()],
        _ => batch.iter().map(single).collect(),
    }
}

//! Micro-batched proof verification for the gate.
//!
//! One Groth16 check costs about 1 ms of CPU, almost all of it pairings; a
//! batch of `n` (random linear combination, `zkcity_circuits::batch_verify`,
//! as the auditor does) shares one final exponentiation and costs about a
//! quarter of that per proof. Requests hand their proof to a queue; up to
//! one batch per core runs at a time, and each takes whatever queued while
//! the previous ones ran — so an idle server verifies a lone proof at once
//! (no added wait) and a loaded one batches, the wait bounded by one batch's
//! time. A failed batch is verified proof by proof, so only the bad proofs
//! are refused.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Semaphore};
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
    /// Starts the task: batches of at most `max_batch`, `workers` at once.
    pub fn start(pvk: Arc<PreparedVerifyingKey>, max_batch: usize, workers: usize) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(pvk, rx, max_batch.max(1), workers.max(1)));
        Self { queue }
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
    workers: usize,
) {
    let permits = Arc::new(Semaphore::new(workers));
    loop {
        // A free worker first: while all are busy, arrivals queue up and
        // become the next batch.
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = rx.recv().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let pvk = pvk.clone();
        tokio::task::spawn_blocking(move || {
            metrics::histogram!("zkcity_gate_verify_batch_size").record(batch.len() as f64);
            let verdicts = verdicts(&pvk, &batch);
            for (item, ok) in batch.into_iter().zip(verdicts) {
                let _ = item.reply.send(ok);
            }
            drop(permit);
        });
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

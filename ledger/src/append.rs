//! The append path (DESIGN §6, §8): one writer task per process drains the
//! queue of concurrent append requests into a single transaction, which
//!
//! 1. takes the log lock (PostgreSQL: `pg_advisory_xact_lock` plus
//!    `SELECT … FOR UPDATE` on the head row; SQLite: a write on the head row,
//!    which takes the database's single writer lock), so appends from any
//!    number of processes are serialized and the index comes from the head;
//! 2. screens each request (duplicate member, reused nullifier) — a refused
//!    request writes nothing and does not affect the others;
//! 3. checks the stored head against its nodes and last entry, so a tampered
//!    tree is never extended;
//! 4. writes entries, tree nodes, nullifiers, members and the head, and
//!    commits — all or nothing.
//!
//! The checkpoint for the receipts is signed once per batch, after commit.

use std::collections::HashSet;

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};
use zkcity_audit::merkle::{
    append_batch_plan, inclusion_proof, inclusion_proof_plan, nodes_created_by_batch, tree_root,
    tree_root_plan,
};
use zkcity_audit::{Entry, EntryKind, Hash, NodeId};
use zkcity_circuits::Fr;
use zkcity_entities::audit::audit_entry;

use crate::batch::{build_entries, check_head, last_entry, last_timestamp, screen};
use crate::error::{AppendError, LedgerError};
use crate::members::{self, Frontier, NewMember, Zeros};
use crate::prefix::showing_prefix;
use crate::request::{AppendRequest, Appended, Receipt};
use crate::signer::{LogKey, Signed};
use crate::store::{self, Head};
use crate::writes;

/// Advisory lock key of the audit log ("zkaudit" in ASCII).
const LOCK_KEY: i64 = 0x007a_6b61_7564_6974;

pub(crate) struct Job {
    pub request: AppendRequest,
    pub reply: oneshot::Sender<Result<Appended, AppendError>>,
}

/// The per-process writer.
pub(crate) struct Writer {
    pub db: DatabaseConnection,
    pub key: std::sync::Arc<LogKey>,
    pub zeros: Zeros,
    pub max_batch: usize,
    /// The newest signed checkpoint, for the witness collector.
    pub latest: std::sync::Arc<tokio::sync::watch::Sender<Option<crate::SignedCheckpoint>>>,
    /// Invalidated right after a batch with new members commits.
    pub roots: std::sync::Arc<crate::roots::RootsCache>,
}

/// One request's result before signing: its receipt parts (and, for a
/// member, leaf index and new root), or why it was refused.
type BatchOutcome = Result<(Receipt, Option<(u64, Fr)>), AppendError>;

/// A committed batch, before signing.
struct Committed {
    head: Head,
    size: u64,
    root: Hash,
    /// The root at the size the signer remembered, as computed in the transaction.
    shown: Option<Signed>,
    /// Per request: its receipt parts, or why it was refused.
    outcomes: Vec<BatchOutcome>,
}

impl Writer {
    /// Serves the queue until every sender is gone.
    pub async fn run(self, mut rx: mpsc::Receiver<Job>) {
        while let Some(first) = rx.recv().await {
            let mut jobs = vec![first];
            while jobs.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.process(jobs).await;
        }
    }

    #[tracing::instrument(skip_all, fields(batch = jobs.len()))]
    async fn process(&self, jobs: Vec<Job>) {
        let requests: Vec<&AppendRequest> = jobs.iter().map(|j| &j.request).collect();
        metrics::histogram!("zkcity_audit_append_batch_size").record(jobs.len() as f64);
        let started = std::time::Instant::now();
        let result = self.commit(&requests).await;
        metrics::histogram!("zkcity_audit_append_duration_seconds", "phase" => "commit")
            .record(started.elapsed().as_secs_f64());
        let outcomes = match result {
            Ok(c) => {
                let started = std::time::Instant::now();
                let signed = self.sign(c).await;
                metrics::histogram!("zkcity_audit_append_duration_seconds", "phase" => "sign")
                    .record(started.elapsed().as_secs_f64());
                signed
            }
            Err(e) => {
                tracing::error!(error = %e, "audit append failed");
                jobs.iter().map(|_| Err(e.clone().into())).collect()
            }
        };
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            let _ = job.reply.send(outcome);
        }
    }

    /// Signs the batch's checkpoint and completes each receipt with it.
    async fn sign(&self, c: Committed) -> Vec<Result<Appended, AppendError>> {
        let accepted = c.outcomes.iter().any(Result::is_ok);
        let note = if accepted {
            let (log_id, key) = (&c.head.log_id, &self.key);
            Some(
                showing_prefix(&self.db, key, log_id, c.size, c.shown, |shown| {
                    key.sign(log_id, c.size, c.root, shown)
                })
                .await,
            )
        } else {
            None
        };
        if let Some(Ok(n)) = &note {
            let checkpoint = zkcity_audit::Checkpoint {
                origin: self.key.origin().to_owned(),
                size: c.size,
                root: c.root,
            };
            crate::service::offer(&self.latest, checkpoint, n);
        }
        c.outcomes
            .into_iter()
            .map(|o| {
                let (mut receipt, member) = o?;
                match &note {
                    Some(Ok(n)) => receipt.checkpoint = n.clone(),
                    Some(Err(e)) => return Err(e.clone().into()),
                    None => {}
                }
                Ok(Appended { receipt, member })
            })
            .collect()
    }

    async fn commit(&self, requests: &[&AppendRequest]) -> Result<Committed, LedgerError> {
        let txn = self.db.begin().await?;
        lock(&txn).await?;
        let head = store::read_head(&txn).await?;
        let outcomes = screen(&txn, requests).await?;
        let accepted: Vec<usize> = (0..requests.len())
            .filter(|&i| outcomes[i].is_ok())
            .collect();
        if accepted.is_empty() {
            txn.rollback().await?;
            return Ok(Committed {
                size: head.size,
                root: head.root,
                head,
                shown: None,
                outcomes: to_refusals(outcomes),
            });
        }
        let last = last_entry(&txn, &head).await?;
        let not_before = last_timestamp(last.as_ref())?;
        let entries = build_entries(&head, requests, &accepted, not_before);
        let mut added = Vec::new();
        let frontier = self.add_members(&txn, &entries, &mut added).await?;
        let tree = self.grow_tree(&txn, &head, last.as_ref(), &entries).await?;
        if let Some(f) = &frontier {
            members::store(&txn, &added, f, self.zeros.depth()).await?;
        }
        let chain_head = entries.last().map_or(head.chain_head, Entry::chain_hash);
        writes::extend(
            &txn,
            &entries,
            &tree.created,
            tree.size,
            &chain_head,
            &tree.root,
        )
        .await?;
        txn.commit().await?;
        if !added.is_empty() {
            self.roots.invalidate();
        }
        let mut results = to_refusals(outcomes);
        for ((&i, entry), proof) in accepted.iter().zip(&entries).zip(tree.proofs) {
            let member = added
                .iter()
                .find(|m| m.entry_idx == entry.index)
                .map(|m| (m.leaf_idx, m.root));
            let receipt = Receipt {
                index: entry.index,
                leaf_hash: entry.leaf_hash(),
                tree_size: tree.size,
                checkpoint: String::new(),
                inclusion_proof: proof,
            };
            results[i] = Ok((receipt, member));
        }
        Ok(Committed {
            head,
            size: tree.size,
            root: tree.root,
            shown: tree.shown,
            outcomes: results,
        })
    }

    /// Appends the batch's member commitments to the membership tree.
    async fn add_members(
        &self,
        txn: &DatabaseTransaction,
        entries: &[Entry],
        added: &mut Vec<NewMember>,
    ) -> Result<Option<Frontier>, LedgerError> {
        let commitments: Vec<(u64, [u8; 32])> = entries
            .iter()
            .filter_map(|e| match e.kind {
                EntryKind::Member { commitment } => Some((e.index, commitment)),
                EntryKind::Query(_) => None,
            })
            .collect();
        if commitments.is_empty() {
            return Ok(None);
        }
        let mut frontier = members::load(txn, self.zeros.depth()).await?;
        for (entry_idx, commitment) in commitments {
            let leaf = members::fr_at(&commitment)?;
            let leaf_idx = frontier
                .append(leaf, &self.zeros)
                .map_err(|e| LedgerError::Corrupt(e.to_string()))?;
            added.push(NewMember {
                leaf_idx,
                commitment,
                entry_idx,
                root: frontier.root,
            });
        }
        Ok(Some(frontier))
    }

    /// Reads the O(log n) nodes the batch needs, checks the stored head
    /// against them, and computes new nodes, root and inclusion proofs.
    async fn grow_tree(
        &self,
        txn: &DatabaseTransaction,
        head: &Head,
        last: Option<&audit_entry::Model>,
        entries: &[Entry],
    ) -> Result<Grown, LedgerError> {
        let (first, count) = (head.size, entries.len() as u64);
        let size = first + count;
        let remembered = self
            .key
            .remembered(&head.log_id)
            .map_or(0, |s| s.size)
            .min(first);
        let mut want: Vec<NodeId> = append_batch_plan(first, count);
        want.extend(tree_root_plan(size));
        want.extend(tree_root_plan(first));
        want.extend(tree_root_plan(remembered));
        for e in entries {
            want.extend(inclusion_proof_plan(e.index, size)?);
        }
        // The head's last leaf, which `check_head` compares with its entry.
        want.extend(first.checked_sub(1).map(NodeId::leaf));
        let old: HashSet<NodeId> = want
            .into_iter()
            .filter(|id| id.first_leaf() + id.width() <= first)
            .collect();
        let old: Vec<NodeId> = old.into_iter().collect();
        let mut nodes = store::fetch_nodes(txn, &old).await?;
        check_head(head, last, &nodes)?;
        let leaves: Vec<Hash> = entries.iter().map(Entry::leaf_hash).collect();
        let created = nodes_created_by_batch(first, &leaves, &nodes)?;
        nodes.extend(created.iter().copied());
        let proofs = entries
            .iter()
            .map(|e| inclusion_proof(e.index, size, &nodes))
            .collect::<Result<Vec<_>, _>>()?;
        let known = Signed {
            size: remembered,
            root: tree_root(remembered, &nodes)?,
        };
        let root = tree_root(size, &nodes)?;
        let key = &self.key;
        showing_prefix(txn, key, &head.log_id, first, Some(known), |shown| {
            key.check(&head.log_id, size, root, shown)
        })
        .await?;
        Ok(Grown {
            size,
            root,
            created,
            proofs,
            shown: Some(known),
        })
    }
}

struct Grown {
    size: u64,
    root: Hash,
    created: Vec<(NodeId, Hash)>,
    proofs: Vec<Vec<Hash>>,
    shown: Option<Signed>,
}

fn to_refusals(outcomes: Vec<Result<(), AppendError>>) -> Vec<BatchOutcome> {
    outcomes
        .into_iter()
        .map(|o| match o {
            Ok(()) => Err(AppendError::Ledger(LedgerError::Corrupt(
                "append outcome missing".into(),
            ))),
            Err(e) => Err(e),
        })
        .collect()
}

/// Serializes appends across processes (see the module docs).
async fn lock(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        // Both in one round trip (an unprepared string is sent as a simple
        // query, which may hold several statements); the writer is the
        // log's bottleneck under load, and every round trip waits for a
        // busy CPU twice.
        txn.execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({LOCK_KEY}); \
             SELECT id FROM audit_head WHERE id = 1 FOR UPDATE"
        ))
        .await?;
    } else {
        // A write first, so SQLite takes its writer lock now (waiting on the
        // busy timeout) instead of failing a read-to-write upgrade later.
        txn.execute_unprepared("UPDATE audit_head SET size = size WHERE id = 1")
            .await?;
    }
    Ok(())
}

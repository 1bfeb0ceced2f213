//! [`Ledger`], the service the server calls: appends go through the
//! per-process writer ([`crate::append`]), reads straight to the stored rows.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::roots::RootsCache;
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};
use zkcity_audit::entry::PROOF_LEN;
use zkcity_audit::merkle::{tree_root, tree_root_plan};
use zkcity_audit::{Checkpoint, Hash, QueryFields};
use zkcity_circuits::{fr_to_bytes, Fr};
use zkcity_entities::audit::member;

use crate::append::{Job, Writer};
use crate::error::{AppendError, LedgerError, LedgerResult};
use crate::members::{self, Zeros};
use crate::prefix;
use crate::request::{AppendRequest, Appended, Receipt};
use crate::settings::AuditSettings;
use crate::signer::LogKey;
use crate::store::{self, Head, StoredEntry};
use crate::witness::collector::{Collector, Published};
use crate::witness::store as witness_store;
use crate::writes;

/// The public inputs and proof of an accepted anonymous query (DESIGN §4),
/// as the privacy gate hands them to [`Ledger::append_query`].
#[derive(Debug, Clone)]
pub struct QueryAppend {
    pub root: Fr,
    pub epoch: u64,
    pub nullifier: Fr,
    pub m: Fr,
    pub proof: [u8; PROOF_LEN],
}

/// A registered member.
#[derive(Debug, Clone)]
pub struct MemberAdded {
    /// Leaf index in the membership tree.
    pub leaf_index: u64,
    /// Membership root right after this registration.
    pub root: Fr,
    /// The member entry's receipt.
    pub receipt: Receipt,
}

/// The membership tree's current shape.
#[derive(Debug, Clone)]
pub struct MembershipInfo {
    pub depth: usize,
    pub size: u64,
    pub root: Fr,
}

/// A signed checkpoint and what it says.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: String,
}

/// The audit log service; cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
    /// The pool reads of this handle use (appends always use the writer's).
    reads: DatabaseConnection,
}

struct Inner {
    db: DatabaseConnection,
    key: Arc<LogKey>,
    zeros: Zeros,
    settings: AuditSettings,
    queue: mpsc::Sender<Job>,
    /// Last checkpoint signed for the `checkpoint` query.
    cached: Mutex<Option<CachedNote>>,
    /// The newest signed checkpoint, watched by the witness collector.
    latest: Arc<tokio::sync::watch::Sender<Option<SignedCheckpoint>>>,
    /// The newest checkpoint a quorum of witnesses cosigned, when witnesses
    /// are configured.
    published: Published,
    /// The recent membership roots (see [`crate::roots`]).
    roots: Arc<RootsCache>,
}

/// Offers a freshly signed checkpoint to the witness collector: kept only
/// if larger than the one it has.
pub(crate) fn offer(
    latest: &tokio::sync::watch::Sender<Option<SignedCheckpoint>>,
    checkpoint: Checkpoint,
    note: &str,
) {
    latest.send_if_modified(|cur| {
        if cur
            .as_ref()
            .is_some_and(|c| c.checkpoint.size >= checkpoint.size)
        {
            return false;
        }
        *cur = Some(SignedCheckpoint {
            checkpoint,
            note: note.to_owned(),
        });
        true
    });
}

/// A signed note and the head it was signed for.
struct CachedNote {
    log_id: Vec<u8>,
    size: u64,
    root: Hash,
    note: String,
}

impl Ledger {
    /// Opens the key, creates the head and membership rows when missing,
    /// checks the configured depth, and starts the append writer.
    pub async fn start(
        db: DatabaseConnection,
        settings: &AuditSettings,
        sqlite_path: &Path,
    ) -> LedgerResult<Ledger> {
        if let Some(problem) = settings.problem() {
            return Err(LedgerError::Key(problem.to_owned()));
        }
        let key = Arc::new(LogKey::open(settings, sqlite_path)?);
        let witness_keys = settings.witnesses.keys().map_err(LedgerError::Key)?;
        let zeros = Zeros::new(settings.membership_depth)?;
        store::ensure_head(&db).await?;
        members::ensure_state(&db, &zeros).await?;
        let (queue, rx) = mpsc::channel(settings.max_batch * 4);
        let latest = Arc::new(tokio::sync::watch::channel(None).0);
        let roots = Arc::new(RootsCache::default());
        let writer = Writer {
            roots: roots.clone(),
            db: db.clone(),
            key: key.clone(),
            zeros: zeros.clone(),
            max_batch: settings.max_batch,
            latest: latest.clone(),
        };
        tokio::spawn(writer.run(rx));
        tracing::info!(origin = %key.origin(), key = %key.verifier_key(), "audit log ready");
        let inner = Inner {
            db,
            key,
            zeros,
            settings: settings.clone(),
            queue,
            cached: Mutex::new(None),
            latest,
            published: Arc::new(Mutex::new(None)),
            roots,
        };
        let ledger = Ledger {
            reads: inner.db.clone(),
            inner: Arc::new(inner),
        };
        if settings.witnesses.enabled() {
            ledger.start_witnessing(witness_keys).await?;
        }
        Ok(ledger)
    }

    /// Loads the published checkpoint, offers the current head to the
    /// witnesses and starts the collector (it stops when the ledger is dropped).
    async fn start_witnessing(&self, keys: Vec<zkcity_audit::WitnessKey>) -> LedgerResult<()> {
        let w = &self.inner.settings.witnesses;
        let names: Vec<String> = w.list.iter().map(|e| e.name.clone()).collect();
        let published = witness_store::published(&self.inner.db, &names, w.quorum).await?;
        if let Ok(mut slot) = self.inner.published.lock() {
            *slot = published;
        }
        // A signer that refuses (a rolled-back database) must not stop the
        // server: the checkpoint queries report it, as without witnesses.
        match self.sign_head().await {
            Ok(head) => offer(&self.inner.latest, head.checkpoint, &head.note),
            Err(e) => tracing::warn!(error = %e, "witnesses: the current head is not signed"),
        }
        let collector = Collector {
            db: self.inner.db.clone(),
            settings: w.clone(),
            keys,
            latest: self.inner.latest.subscribe(),
            published: self.inner.published.clone(),
            http: reqwest::Client::new(),
        };
        tokio::spawn(collector.run());
        Ok(())
    }

    /// The newest checkpoint a quorum of the configured witnesses cosigned,
    /// with their cosignature lines; `None` without witnesses or before any.
    pub fn published(&self) -> Option<SignedCheckpoint> {
        self.inner.published.lock().ok()?.clone()
    }

    async fn append(&self, request: AppendRequest) -> Result<Appended, AppendError> {
        let (reply, rx) = oneshot::channel();
        self.inner
            .queue
            .send(Job { request, reply })
            .await
            .map_err(|_| LedgerError::Stopped)?;
        rx.await.map_err(|_| LedgerError::Stopped)?
    }

    /// Registers an identity commitment: a `member` entry and a new
    /// membership root, in one transaction. Refuses 0 and duplicates.
    ///
    /// Refusals are the caller's to report: a duplicate is a client mistake,
    /// not an error of the log, so nothing is logged here.
    #[tracing::instrument(skip_all)]
    pub async fn register_member(&self, commitment: Fr) -> Result<MemberAdded, AppendError> {
        if fr_to_bytes(&commitment) == [0u8; 32] {
            return Err(AppendError::ZeroCommitment);
        }
        let appended = self.append(AppendRequest::Member(commitment)).await?;
        let (leaf_index, root) = appended
            .member
            .ok_or_else(|| LedgerError::Corrupt("member outcome missing".into()))?;
        Ok(MemberAdded {
            leaf_index,
            root,
            receipt: appended.receipt,
        })
    }

    /// Appends an accepted query. The nullifier's uniqueness is enforced in
    /// the append transaction (and by the table's primary key):
    /// [`AppendError::NullifierReused`] means nothing was written.
    ///
    /// Nothing of the query reaches logs or traces (DESIGN §5 amendment: not
    /// its epoch, nor a replayed nullifier's refusal, a client mistake); the
    /// gate reports failures of the log by code.
    #[tracing::instrument(skip_all)]
    pub async fn append_query(&self, query: QueryAppend) -> Result<Receipt, AppendError> {
        let fields = QueryFields {
            root: fr_to_bytes(&query.root),
            epoch: query.epoch,
            nullifier: fr_to_bytes(&query.nullifier),
            m: fr_to_bytes(&query.m),
            proof: query.proof,
        };
        Ok(self.append(AppendRequest::Query(fields)).await?.receipt)
    }

    /// A secret derived from the log key for `label`: the same in every
    /// process of the deployment, never the signing key itself.
    pub fn derive_secret(&self, label: &str) -> [u8; 32] {
        self.inner.key.derive_secret(label)
    }

    /// Whether `nullifier` is already in the log: the gate's cheap refusal
    /// of a replay before the pairing check (DESIGN §5 amendment). The append
    /// transaction still decides races; this only saves work.
    pub async fn is_nullifier_used(&self, nullifier: &Fr) -> LedgerResult<bool> {
        let used = writes::used_nullifiers(&self.reads, &[fr_to_bytes(nullifier)]).await?;
        Ok(!used.is_empty())
    }

    /// This log read from another pool: the server's public API reads with
    /// its public pool, so a flood of public reads never takes the
    /// connections of the gate and the appends (DESIGN §7 amendment).
    pub fn reading_from(&self, db: DatabaseConnection) -> Ledger {
        Ledger {
            inner: self.inner.clone(),
            reads: db,
        }
    }

    /// The published verifier key string `name+keyid+key`.
    pub fn verifier_key(&self) -> String {
        self.inner.key.verifier_key()
    }

    /// The checkpoint origin.
    pub fn origin(&self) -> &str {
        self.inner.key.origin()
    }

    /// Settings in force.
    pub fn settings(&self) -> &AuditSettings {
        &self.inner.settings
    }

    /// The database the ledger uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// The current head.
    pub async fn head(&self) -> LedgerResult<Head> {
        store::read_head(&self.reads).await
    }

    /// The checkpoint the log publishes: with witnesses configured, the
    /// newest one a quorum cosigned (its cosignature lines appended); until
    /// one has, and without witnesses, a signed checkpoint of the current head.
    pub async fn checkpoint(&self) -> LedgerResult<SignedCheckpoint> {
        match self.published() {
            Some(p) => Ok(p),
            None => self.sign_head().await,
        }
    }

    /// A signed checkpoint of the current head. The root is recomputed from
    /// the stored nodes and must equal the head's; the signer checks it
    /// extends what it signed before.
    #[tracing::instrument(skip_all, err(Display))]
    pub async fn sign_head(&self) -> LedgerResult<SignedCheckpoint> {
        // The writer may sign a larger head between our read of the head and
        // our signature; the signer then refuses the older size. The head is
        // committed before the writer signs, so a fresh read settles it; a
        // real rollback keeps failing.
        let mut attempts = 0;
        loop {
            match self.checkpoint_once().await {
                Err(LedgerError::SignerRefused(_)) if attempts < 3 => attempts += 1,
                other => return other,
            }
        }
    }

    async fn checkpoint_once(&self) -> LedgerResult<SignedCheckpoint> {
        let head = self.head().await?;
        let origin = self.origin().to_owned();
        if let Ok(cache) = self.inner.cached.lock() {
            if let Some(c) = cache
                .as_ref()
                .filter(|c| c.log_id == head.log_id && c.size == head.size && c.root == head.root)
            {
                let checkpoint = Checkpoint {
                    origin,
                    size: c.size,
                    root: c.root,
                };
                return Ok(SignedCheckpoint {
                    checkpoint,
                    note: c.note.clone(),
                });
            }
        }
        let nodes = store::fetch_nodes(&self.reads, &tree_root_plan(head.size)).await?;
        if tree_root(head.size, &nodes)? != head.root {
            return Err(LedgerError::Corrupt(
                "the stored head root disagrees with the stored tree".into(),
            ));
        }
        let key = &self.inner.key;
        let note =
            prefix::showing_prefix(&self.reads, key, &head.log_id, head.size, None, |shown| {
                key.sign(&head.log_id, head.size, head.root, shown)
            })
            .await?;
        if let Ok(mut cache) = self.inner.cached.lock() {
            *cache = Some(CachedNote {
                log_id: head.log_id.clone(),
                size: head.size,
                root: head.root,
                note: note.clone(),
            });
        }
        Ok(SignedCheckpoint {
            checkpoint: Checkpoint {
                origin,
                size: head.size,
                root: head.root,
            },
            note,
        })
    }

    /// Leaf hash and inclusion proof of entry `index` in the tree of `size`.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> LedgerResult<(Hash, Vec<Hash>)> {
        store::inclusion(&self.reads, index, size).await
    }

    /// Consistency proof between the trees of `from` and `to` entries.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> LedgerResult<Vec<Hash>> {
        store::consistency(&self.reads, from, to).await
    }

    /// Stored hashes of level `level`, indexes `[first, first + count)`
    /// (fewer when the tree is smaller): a tlog tile.
    pub async fn level_range(&self, level: u8, first: u64, count: u64) -> LedgerResult<Vec<Hash>> {
        store::level_range(&self.reads, level, first, count).await
    }

    /// Entries `[from, to)`, at most `limit`, in order.
    pub async fn entries(&self, from: u64, to: u64, limit: u64) -> LedgerResult<Vec<StoredEntry>> {
        store::entries(&self.reads, from, to, limit).await
    }

    /// The membership tree's depth, size and current root.
    pub async fn membership(&self) -> LedgerResult<MembershipInfo> {
        let f = members::load(&self.reads, self.inner.zeros.depth()).await?;
        Ok(MembershipInfo {
            depth: self.inner.zeros.depth(),
            size: f.size,
            root: f.root,
        })
    }

    /// The last `R` membership roots, oldest first (the current root last);
    /// from memory when it is known to be current ([`crate::roots`]).
    pub async fn recent_roots(&self) -> LedgerResult<Arc<Vec<Fr>>> {
        let cache = &self.inner.roots;
        if let Some(roots) = cache.get() {
            return Ok(roots);
        }
        let ticket = cache.ticket();
        let roots = Arc::new(
            members::recent_roots(&self.reads, self.inner.settings.recent_roots as u64).await?,
        );
        cache.put(ticket, roots.clone());
        Ok(roots)
    }

    /// Whether `root` is one of the last `R` roots (DESIGN §5 `UNKNOWN_ROOT`).
    pub async fn is_recent_root(&self, root: &Fr) -> LedgerResult<bool> {
        Ok(self.recent_roots().await?.contains(root))
    }

    /// Another process added members (its `NOTIFY` arrived).
    pub fn members_changed(&self) {
        self.inner.roots.invalidate();
    }

    /// Whether membership notices are arriving; see [`crate::roots`].
    pub fn set_members_feed(&self, listening: bool) {
        self.inner.roots.set_fed(listening);
    }

    /// Members from leaf index `from`, at most `limit`, in leaf order.
    pub async fn members(&self, from: u64, limit: u64) -> LedgerResult<Vec<member::Model>> {
        members::page(&self.reads, from, limit).await
    }
}

//! The requester inside the proxy: decides which operations read a gated
//! unit, and for those takes the next unused slot (persisted before
//! sending, as `zkcity query` does), proves off the async runtime, and
//! later checks and stores the receipt. The proving key and the membership
//! tree are kept between requests: the key until the server publishes
//! another hash, the tree while its root is among the accepted roots.
//!
//! Only the proof's public inputs and the blinding leave this module
//! (inside `extensions.zkcity`); the identity and its commitment never do.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use zkcity_audit::LogVerifierKey;
use zkcity_circuits::{fr_to_decimal, parse_fr, Identity, ProvingKey};

use super::error::ProxyError;
use super::upstream::Upstream;
use crate::anon::membership::{self, Membership};
use crate::anon::open::Opening;
use crate::anon::prover::build_request;
use crate::anon::query::pinned_log_key;
use crate::anon::receipt::Receipt;
use crate::anon::server::{ZkParams, ZkServer};
use crate::anon::store::ReceiptStore;
use crate::anon::text::QueryText;
use crate::anon::{keys, slots, AnonError};

/// How long the published list of gated fields is trusted before it is
/// asked again (a policy change in between is caught by `PROOF_REQUIRED`).
const GATED_FIELDS_TTL: Duration = Duration::from_secs(30);

/// A proven request item and what is needed to finish or undo it.
pub struct Proven {
    /// The GraphQL request item to send, with `extensions.zkcity`.
    pub body: Value,
    opening: Opening,
    epoch: u64,
    slot: u64,
    log_key: LogVerifierKey,
}

/// Where the requester's files are.
#[derive(Debug, Clone)]
pub struct RequesterFiles {
    pub identity: PathBuf,
    /// Key cache, used slots, pinned log key.
    pub state_dir: PathBuf,
    pub receipts: ReceiptStore,
    /// A log key given on the command line, pinned instead of the first seen.
    pub log_key: Option<String>,
}

#[derive(Default)]
struct Cache {
    proving_key: Option<(String, Arc<ProvingKey>)>,
    tree: Option<Arc<Membership>>,
}

struct GatedFields {
    names: BTreeSet<String>,
    fetched: Option<Instant>,
}

/// The proxy's requester; shared by every connection.
pub struct Anonymizer {
    server: ZkServer,
    identity: Identity,
    files: RequesterFiles,
    cache: tokio::sync::Mutex<Cache>,
    gated: RwLock<GatedFields>,
    /// Epoch length last published (to date the next epoch in errors).
    epoch_seconds: RwLock<u64>,
}

impl Anonymizer {
    /// Reads the identity file; talks to nobody yet (an unreachable server
    /// is an answer to a query, not a reason not to start).
    pub fn new(upstream: &Upstream, files: RequesterFiles) -> Result<Self, AnonError> {
        let identity = crate::anon::identity::load(&files.identity)?;
        Ok(Self {
            server: ZkServer::with_client(&upstream.base(), upstream.client()),
            identity,
            files,
            cache: tokio::sync::Mutex::default(),
            gated: RwLock::new(GatedFields {
                names: BTreeSet::new(),
                fetched: None,
            }),
            epoch_seconds: RwLock::new(3600),
        })
    }

    pub fn store(&self) -> &ReceiptStore {
        &self.files.receipts
    }

    fn error(&self, err: AnonError) -> ProxyError {
        let epoch_seconds = self.epoch_seconds.read().map_or(3600, |s| *s);
        ProxyError::from_anon(err, self.server.base(), epoch_seconds)
    }

    async fn parameters(&self) -> Result<ZkParams, ProxyError> {
        let params = self
            .server
            .zk_parameters()
            .await
            .map_err(|e| self.error(e))?;
        if let Ok(mut g) = self.gated.write() {
            g.names = params.gated_root_fields.iter().cloned().collect();
            g.fetched = Some(Instant::now());
        }
        if let Ok(mut s) = self.epoch_seconds.write() {
            *s = params.epoch_seconds;
        }
        Ok(params)
    }

    /// Forgets the gated fields, so the next request asks the server again.
    pub fn policy_changed(&self) {
        if let Ok(mut g) = self.gated.write() {
            g.fetched = None;
        }
    }

    /// Whether `item` (one GraphQL request object) reads a gated unit. A
    /// document that does not parse reads nothing: the server refuses it.
    pub async fn reads_gated_unit(&self, item: &Value) -> bool {
        let fresh = self
            .gated
            .read()
            .is_ok_and(|g| g.fetched.is_some_and(|t| t.elapsed() < GATED_FIELDS_TTL));
        if !fresh {
            // Unreachable: decide with what is known; the send will say.
            let _ = self.parameters().await;
        }
        let Some(query) = item.get("query").and_then(Value::as_str) else {
            return false;
        };
        let Ok(doc) = async_graphql_parser::parse_query(query) else {
            return false;
        };
        let operation = item.get("operationName").and_then(Value::as_str);
        let fields = zkcity_circuits::operation::root_fields(&doc, operation);
        self.gated
            .read()
            .is_ok_and(|g| fields.iter().any(|f| g.names.contains(f)))
    }

    /// Keys, tree and log key for the server's current parameters.
    async fn prepare(
        &self,
    ) -> Result<(ZkParams, Arc<ProvingKey>, Arc<Membership>, LogVerifierKey), ProxyError> {
        let params = self.parameters().await?;
        let log_key = pinned_log_key(
            &self.files.state_dir,
            self.files.log_key.as_deref(),
            &params.log_public_key,
        )
        .map_err(|e| self.error(e))?;
        let mut cache = self.cache.lock().await;
        let pk = match &cache.proving_key {
            Some((sha, pk)) if *sha == params.proving_key_sha256 => pk.clone(),
            _ => {
                let pk = keys::proving_key(&self.server, &self.files.state_dir, &params)
                    .await
                    .map_err(|e| self.error(e))?;
                let pk = Arc::new(pk);
                // The proxy proves for every gated request: build the MSM
                // tables once, off the runtime; proofs made before they are
                // ready use the untabled prover.
                let warm = pk.clone();
                tokio::task::spawn_blocking(move || {
                    warm.prepare_prover();
                });
                cache.proving_key = Some((params.proving_key_sha256.clone(), pk.clone()));
                pk
            }
        };
        let accepted = |m: &Membership| {
            params
                .accepted_roots
                .iter()
                .filter_map(|r| parse_fr(r).ok())
                .any(|r| r == m.root)
        };
        let tree = match &cache.tree {
            Some(tree) if tree.tree.depth() == params.depth && accepted(tree) => tree.clone(),
            _ => {
                let commitment = self.identity.commitment();
                let tree = membership::rebuild(&self.server, params.depth, commitment)
                    .await
                    .map_err(|e| self.error(e))?;
                if !accepted(&tree) {
                    return Err(ProxyError::BadUpstream(
                        "the membership tree changed while it was read; retry".into(),
                    ));
                }
                let tree = Arc::new(tree);
                cache.tree = Some(tree.clone());
                tree
            }
        };
        Ok((params, pk, tree, log_key))
    }

    /// Takes the next slot (saved before returning) and proves `text`.
    #[tracing::instrument(name = "prove", skip_all)]
    pub async fn prove(&self, text: QueryText) -> Result<Proven, ProxyError> {
        let (params, pk, tree, log_key) = self.prepare().await?;
        let (epoch, slot_bits) = (params.current_epoch, params.slot_bits);
        let (dir, key) = (self.files.state_dir.clone(), self.slot_key());
        let slot =
            tokio::task::spawn_blocking(move || slots::reserve(&dir, &key, epoch, slot_bits))
                .await
                .map_err(|_| ProxyError::Internal)?
                .map_err(|e| self.error(e))?;
        let identity = self.identity.clone();
        let proved = tokio::task::spawn_blocking(move || {
            build_request(&pk, &identity, &tree, epoch, slot, &text)
        })
        .await
        .map_err(|_| AnonError::Prove("the proving task failed".into()))
        .and_then(|r| r);
        match proved {
            Ok(prepared) => Ok(Proven {
                body: prepared.body,
                opening: prepared.opening,
                epoch,
                slot,
                log_key,
            }),
            Err(e) => {
                self.release(epoch, slot).await;
                Err(self.error(e))
            }
        }
    }

    /// The key of this identity's entry in the local slot file (never sent).
    fn slot_key(&self) -> String {
        fr_to_decimal(&self.identity.commitment())
    }

    async fn release(&self, epoch: u64, slot: u64) {
        let (dir, key) = (self.files.state_dir.clone(), self.slot_key());
        let released =
            tokio::task::spawn_blocking(move || slots::release(&dir, &key, epoch, slot)).await;
        if !matches!(released, Ok(Ok(true))) {
            tracing::warn!("a slot that was never sent could not be given back");
        }
    }

    /// Gives back the slots of requests that never left (newest first).
    pub async fn unsend(&self, proven: Vec<Proven>) {
        for p in proven.into_iter().rev() {
            self.release(p.epoch, p.slot).await;
        }
    }

    /// Checks the receipt in `answer` (one GraphQL response object) against
    /// the pinned log key and stores it with the opening. `Ok(None)`: the
    /// server refused the request (its errors say why; nothing to store).
    pub fn accept(&self, proven: Proven, answer: &Value) -> Result<Option<u64>, ProxyError> {
        let receipt = match Receipt::from_response(answer) {
            Ok(receipt) => receipt,
            Err(_) if answer.get("errors").is_some() => return Ok(None),
            Err(e) => return Err(self.error(e)),
        };
        receipt.verify(&proven.log_key).map_err(|e| self.error(e))?;
        let mut opening = proven.opening;
        opening.receipt = Some(receipt);
        self.files
            .receipts
            .save(&opening)
            .map(Some)
            .map_err(|e| self.error(e))
    }
}

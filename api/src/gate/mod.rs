//! The privacy gate (DESIGN §5): every operation that reads a protected data
//! unit must carry `extensions.zkcity`, a Groth16 proof (DESIGN §4) that a
//! registered member made this exact request within its per-epoch rate
//! limit. An accepted request is appended to the audit log as a `query`
//! entry and answered with a receipt in `extensions.zkcity.receipt`.
//!
//! - [`operation`]: the gate's part in one operation, run by the schema's
//!   extension for HTTP, batched and WebSocket requests alike (DESIGN §8);
//! - [`policy`]: which root fields belong to which unit;
//! - [`envelope`]: decoding `extensions.zkcity` without ever reducing;
//! - [`keys`]: the circuit keys the server verifies with and serves;
//! - [`Gate::check`] and [`Gate::append`]: the checks, in DESIGN §5's
//!   order, and the `query` entry.
//!
//! **Execution and the append run side by side**: once the checks passed
//! (the proof included) the resolvers run while the `query` entry is
//! appended, and the answer is released only after the append committed; a
//! failed append drops the answer and returns its error. The entry records
//! that an authorized query was made, not that it succeeded: a response
//! carries the execution's errors *and* the receipt, and the nullifier is
//! spent (the client moves on to its next slot).
//!
//! **Privacy of logs and metrics**: the gate logs and counts only outcomes
//! (codes), never a nullifier, root, proof, log index or anything else that
//! could tie an anonymous query to a connection.

pub mod capability;
pub mod envelope;
pub mod error;
pub mod keys;
pub mod nullifiers;
pub mod operation;
pub mod policy;
pub mod settings;
pub mod verifier;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use zkcity_circuits::{query_commitment, PublicInputs};
use zkcity_ledger::{AppendError, Ledger, QueryAppend, Receipt};

pub use capability::Capabilities;
pub use error::GateError;
pub use keys::KeyMaterial;
use nullifiers::SpentNullifiers;
pub use operation::GateRun;
pub use policy::{RootFields, Unit};
pub use settings::{UnitPolicy, ZkSettings};
use verifier::BatchVerifier;

/// What the gate found about one request, shared through the request's
/// data: whether the operation reads a gated unit (then the metrics never
/// label it by name) and whether the gate admitted it (then its resolvers
/// read with the reserved pool, `graphql::context::read`).
#[derive(Clone, Default)]
pub struct Verdict(Arc<VerdictFlags>);

#[derive(Default)]
struct VerdictFlags {
    gated: AtomicBool,
    admitted: AtomicBool,
}

impl Verdict {
    pub fn reads_gated_unit(&self) -> bool {
        self.0.gated.load(Ordering::Acquire)
    }

    pub fn is_admitted(&self) -> bool {
        self.0.admitted.load(Ordering::Acquire)
    }

    fn set_gated(&self, gated: bool) {
        self.0.gated.store(gated, Ordering::Release);
    }

    pub(crate) fn set_admitted(&self) {
        self.0.admitted.store(true, Ordering::Release);
    }
}

/// Unix seconds now (the epoch and capability clocks).
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Most proofs verified in one batch: beyond a few dozen the shared final
/// exponentiation is a negligible share and a failed batch costs more.
const VERIFY_BATCH: usize = 32;

/// The request as received, which the query digest is recomputed from.
#[derive(Debug, Clone)]
pub struct ReceivedRequest {
    /// Raw `extensions.zkcity`, if any.
    pub envelope: Option<serde_json::Value>,
    pub query: String,
    pub variables: Option<serde_json::Value>,
    pub operation_name: Option<String>,
}

/// The gate service; cheap to clone.
#[derive(Clone)]
pub struct Gate {
    inner: Arc<Inner>,
}

struct Inner {
    settings: ZkSettings,
    keys: KeyMaterial,
    ledger: Ledger,
    fields: RootFields,
    capabilities: Capabilities,
    verifier: BatchVerifier,
    spent: SpentNullifiers,
}

impl Gate {
    pub fn new(settings: ZkSettings, keys: KeyMaterial, ledger: Ledger) -> std::io::Result<Self> {
        let verifier = BatchVerifier::start(keys.pvk.clone(), VERIFY_BATCH)?;
        Ok(Self {
            inner: Arc::new(Inner {
                verifier,
                spent: SpentNullifiers::default(),
                settings,
                keys,
                capabilities: Capabilities::from_ledger(&ledger),
                ledger,
                fields: RootFields::from_schema(),
            }),
        })
    }

    pub fn settings(&self) -> &ZkSettings {
        &self.inner.settings
    }

    pub fn keys(&self) -> &KeyMaterial {
        &self.inner.keys
    }

    pub fn ledger(&self) -> &Ledger {
        &self.inner.ledger
    }

    /// The image capabilities, needed when the traffic unit is gated.
    pub fn image_capabilities(&self) -> Option<&Capabilities> {
        self.inner
            .settings
            .require_proof
            .requires(Unit::Traffic)
            .then_some(&self.inner.capabilities)
    }

    /// The protected units among those the operation reads.
    pub fn protected_units(
        &self,
        doc: &async_graphql::parser::types::ExecutableDocument,
        operation_name: Option<&str>,
    ) -> BTreeSet<Unit> {
        let policy = self.inner.settings.require_proof;
        self.inner
            .fields
            .touched(doc, operation_name)
            .into_iter()
            .filter(|u| policy.requires(*u))
            .collect()
    }

    /// True when the executed operation reads data units only, none of
    /// them gated: its answer depends on nothing but the request and the
    /// data, so the response cache may keep it.
    pub fn is_public_data_read(
        &self,
        doc: &async_graphql::parser::types::ExecutableDocument,
        operation_name: Option<&str>,
    ) -> bool {
        self.inner.fields.only_unit_fields(doc, operation_name)
            && self.protected_units(doc, operation_name).is_empty()
    }

    /// The root query fields that need a proof under the configured policy.
    pub fn gated_root_fields(&self) -> Vec<String> {
        let policy = self.inner.settings.require_proof;
        self.inner.fields.fields_of(|unit| policy.requires(unit))
    }

    /// Runs DESIGN §5's checks in order, up to and including the proof;
    /// every refusal here wrote nothing. The returned [`Admission`] is
    /// appended with [`Gate::append`].
    #[tracing::instrument(name = "gate", skip_all)]
    pub async fn check(
        &self,
        request: &ReceivedRequest,
        units: &BTreeSet<Unit>,
    ) -> Result<Admission, GateError> {
        let result = self.run_checks(request, units).await;
        if let Err(e) = &result {
            count_decision(e.code());
        }
        result
    }

    /// Appends an admitted request's `query` entry. `NULLIFIER_REUSED` is
    /// decided by the append transaction itself, so two racing requests with
    /// one nullifier cannot both pass.
    #[tracing::instrument(name = "gate_append", skip_all)]
    pub async fn append(&self, admission: Admission) -> Result<Receipt, GateError> {
        let Admission(append) = admission;
        let (epoch, nullifier) = (append.epoch, append.nullifier);
        let started = std::time::Instant::now();
        let appended = self.inner.ledger.append_query(append).await;
        metrics::histogram!("zkcity_gate_stage_duration_seconds", "stage" => "append")
            .record(started.elapsed().as_secs_f64());
        if matches!(&appended, Ok(_) | Err(AppendError::NullifierReused)) {
            self.inner.spent.insert(epoch, &nullifier);
        }
        let result = appended.map_err(|e| match e {
            AppendError::NullifierReused => GateError::NullifierReused,
            other => {
                tracing::error!(error = %other, "appending a query entry");
                GateError::Unavailable(other.code())
            }
        });
        count_decision(match &result {
            Ok(_) => "ACCEPTED",
            Err(e) => e.code(),
        });
        result
    }

    async fn run_checks(
        &self,
        request: &ReceivedRequest,
        units: &BTreeSet<Unit>,
    ) -> Result<Admission, GateError> {
        let raw = request
            .envelope
            .as_ref()
            .filter(|v| !v.is_null())
            .ok_or_else(|| {
                GateError::ProofRequired(
                    units
                        .iter()
                        .map(|u| u.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })?;
        let env = envelope::decode(raw)?;
        let current = self.inner.settings.current_epoch();
        if env.epoch != current && env.epoch.checked_add(1) != Some(current) {
            return Err(GateError::StaleEpoch {
                epoch: env.epoch,
                current,
            });
        }
        let roots = self.inner.ledger.recent_roots().await.map_err(|e| {
            tracing::error!(error = %e, "reading the membership roots");
            GateError::Unavailable(e.code())
        })?;
        if !roots.contains(&env.root) {
            return Err(GateError::UnknownRoot);
        }
        // A replay this process has seen is refused from memory, before
        // the pairing check; any other is decided by the append transaction.
        if self.inner.spent.contains(env.epoch, &env.nullifier) {
            return Err(GateError::NullifierReused);
        }
        let digest = zkcity_circuits::request_digest(
            &request.query,
            request.variables.as_ref(),
            request.operation_name.as_deref(),
        )
        .map_err(|_| GateError::InvalidProof)?;
        let inputs = PublicInputs {
            root: env.root,
            epoch: env.epoch,
            nullifier: env.nullifier,
            m: query_commitment(digest, env.blinding),
        };
        let started = std::time::Instant::now();
        let valid = self.inner.verifier.verify(inputs, env.proof.clone()).await;
        metrics::histogram!("zkcity_gate_stage_duration_seconds", "stage" => "verify")
            .record(started.elapsed().as_secs_f64());
        if !valid {
            return Err(GateError::InvalidProof);
        }
        Ok(Admission(QueryAppend {
            root: env.root,
            epoch: env.epoch,
            nullifier: env.nullifier,
            m: inputs.m,
            proof: env.proof_bytes,
        }))
    }
}

/// A request that passed every check of DESIGN §5 before the append; its
/// `query` entry is not written yet ([`Gate::append`]).
pub struct Admission(QueryAppend);

/// Counts a gate decision by its code only (never anything of the request).
fn count_decision(outcome: &'static str) {
    metrics::counter!("zkcity_gate_decisions_total", "outcome" => outcome).increment(1);
}

impl Gate {
    /// Validates `[zk]`, loads (or, when allowed, generates) the keys for
    /// the membership tree's depth `D` (`audit.membership_depth`) and
    /// `q = zk.slot_bits`, and builds the gate.
    pub async fn start(zk: ZkSettings, depth: usize, ledger: Ledger) -> anyhow::Result<Gate> {
        use anyhow::Context;
        if let Some(problem) = zk.problem() {
            anyhow::bail!("invalid configuration: {problem}");
        }
        let params = zkcity_circuits::CircuitParams::new(depth, zk.slot_bits)
            .context("circuit parameters")?;
        let (pk, vk, generate) = (
            zk.proving_key.clone(),
            zk.verifying_key.clone(),
            zk.generate_missing_keys,
        );
        let keys =
            tokio::task::spawn_blocking(move || KeyMaterial::load(&pk, &vk, params, generate))
                .await
                .context("loading the circuit keys")??;
        Gate::new(zk, keys, ledger).context("starting the proof verifier")
    }
}

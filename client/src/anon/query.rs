//! One anonymous query end to end (DESIGN §4, §5): parameters, keys (cached,
//! hash-checked), the membership tree rebuilt locally, a slot reserved
//! durably, the proof, the request, and the receipt checked against the
//! pinned log key. [`Requester`] keeps the loaded proving key so a library
//! user pays for it once.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use zkcity_audit::{Checkpoint, LogVerifierKey};
use zkcity_circuits::{fr_to_decimal, parse_fr, Identity, Proof, ProvingKey, PublicInputs};

use super::error::AnonError;
use super::open::Opening;
use super::prover::build_request;
use super::receipt::Receipt;
use super::server::{server_error, ZkParams, ZkServer};
use super::text::QueryText;
use super::{identity, keys, membership, slots};

/// Where each part of a query's time went.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub tree: Duration,
    pub prove: Duration,
    pub send: Duration,
    pub verify: Duration,
}

/// An accepted query.
#[derive(Debug, Clone)]
pub struct QueryOutcome {
    /// The whole response body (data, errors if execution failed, extensions).
    pub response: Value,
    pub receipt: Receipt,
    pub checkpoint: Checkpoint,
    /// The opening of `m`, with the receipt.
    pub opening: Opening,
    pub timings: Timings,
    /// The accepted proof and its public inputs `root, e, n, m`.
    pub proof: Proof,
    pub public: PublicInputs,
}

/// A requester bound to one server, identity and state directory.
pub struct Requester {
    server: ZkServer,
    identity: Identity,
    state_dir: PathBuf,
    log_key: LogVerifierKey,
    params: ZkParams,
    pk: ProvingKey,
    /// Time spent loading parameters and the proving key.
    pub key_load: Duration,
}

/// The pinned log key: `--log-key` if given, else the one pinned in the
/// state directory, else the server's, pinned now (trust on first use).
pub fn pinned_log_key(
    state_dir: &Path,
    given: Option<&str>,
    served: &str,
) -> Result<LogVerifierKey, AnonError> {
    let pin = state_dir.join("log-key");
    let text = match (given, std::fs::read_to_string(&pin)) {
        (Some(k), _) => k.to_owned(),
        (None, Ok(p)) => p.trim().to_owned(),
        (None, Err(_)) => {
            std::fs::create_dir_all(state_dir).map_err(|e| AnonError::io(state_dir, e))?;
            std::fs::write(&pin, served).map_err(|e| AnonError::io(&pin, e))?;
            served.to_owned()
        }
    };
    if text != served {
        return Err(AnonError::LogKeyChanged {
            served: served.to_owned(),
            pinned: text,
        });
    }
    LogVerifierKey::parse(&text).map_err(|e| AnonError::Receipt(format!("log key: {e}")))
}

impl Requester {
    /// Reads the identity, fetches parameters, pins the log key, loads the proving key.
    pub async fn connect(
        server: &str,
        identity_file: &Path,
        state_dir: &Path,
        log_key: Option<&str>,
    ) -> Result<Self, AnonError> {
        let start = Instant::now();
        let server = ZkServer::new(server);
        let identity = identity::load(identity_file)?;
        let params = server.zk_parameters().await?;
        let log_key = pinned_log_key(state_dir, log_key, &params.log_public_key)?;
        let pk = keys::proving_key(&server, state_dir, &params).await?;
        Ok(Self {
            server,
            identity,
            state_dir: state_dir.to_owned(),
            log_key,
            params,
            pk,
            key_load: start.elapsed(),
        })
    }

    pub fn server(&self) -> &ZkServer {
        &self.server
    }

    pub fn log_key(&self) -> &LogVerifierKey {
        &self.log_key
    }

    /// Makes one anonymous query.
    pub async fn query(&mut self, text: &QueryText) -> Result<QueryOutcome, AnonError> {
        let mut t = Timings::default();
        let start = Instant::now();
        self.params = self.server.zk_parameters().await?;
        let commitment = self.identity.commitment();
        let tree = membership::rebuild(&self.server, self.params.depth, commitment).await?;
        let accepted = self
            .params
            .accepted_roots
            .iter()
            .filter_map(|r| parse_fr(r).ok())
            .any(|r| r == tree.root);
        if !accepted {
            return Err(AnonError::Protocol(
                "the rebuilt membership root is not accepted by the server; retry".into(),
            ));
        }
        t.tree = start.elapsed();
        let epoch = self.params.current_epoch;
        let slot = slots::reserve(
            &self.state_dir,
            &fr_to_decimal(&commitment),
            epoch,
            self.params.slot_bits,
        )?;
        let start = Instant::now();
        let (pk, identity, text) = (self.pk.clone(), self.identity.clone(), text.clone());
        let prepared = tokio::task::spawn_blocking(move || {
            build_request(&pk, &identity, &tree, epoch, slot, &text)
        })
        .await
        .map_err(|e| AnonError::Prove(e.to_string()))??;
        t.prove = start.elapsed();
        let start = Instant::now();
        let response = self.server.post(&prepared.body).await?;
        t.send = start.elapsed();
        let start = Instant::now();
        let receipt = match Receipt::from_response(&response) {
            Ok(r) => r,
            Err(e) => return Err(response.pointer("/errors/0").map(server_error).unwrap_or(e)),
        };
        let checkpoint = receipt.verify(&self.log_key)?;
        t.verify = start.elapsed();
        let mut opening = prepared.opening;
        opening.receipt = Some(receipt.clone());
        Ok(QueryOutcome {
            response,
            receipt,
            checkpoint,
            opening,
            timings: t,
            proof: prepared.proof,
            public: prepared.public,
        })
    }
}

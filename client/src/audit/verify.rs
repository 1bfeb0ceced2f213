//! `zkcity audit verify`: the compliance team's check of a whole log
//! (DESIGN §6), from a server or from exported files.
//!
//! 1. pin the key the user gave; the origin is its name (C2SP);
//! 2. load the state saved for exactly that origin and key, if any;
//! 3. fetch (or read) the signed checkpoint and open it with the pinned key;
//!    with pinned witnesses, require valid cosignatures from a quorum of them;
//! 4. from a server, fetch the consistency proof from the saved size;
//! 5. stream every entry `[0, size)` through [`LogVerifier`] (chain, tree,
//!    uniqueness, each query's epoch against its timestamp, membership roots,
//!    saved prefix and leaves);
//! 6. finish against the signed checkpoint (root, size, rollback, proof);
//! 7. save the new state.

use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use futures::{Stream, StreamExt};
use zkcity_audit::{
    Checkpoint, EntryRecord, EpochRule, Hash, LogVerifier, LogVerifierKey, QueryAuthorizer,
    Summary, TrustedState, VerifyError, VerifyErrorKind,
};

use super::error::ClientError;
use super::fetch::Server;
use super::progress::Progress;
use super::proofs::ProofAuthorizer;
use super::roots::MembershipRoots;
use super::state::{self, Previous};

/// Where the log comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A zkcity server's base URL.
    Server(String),
    /// An NDJSON export and its signed checkpoint (default `<entries>.checkpoint`).
    File {
        entries: PathBuf,
        checkpoint: Option<PathBuf>,
    },
}

/// Where the auditor's Groth16 verifying key comes from (DESIGN §6
/// amendment: proofs are checked by default, the key pinned by the auditor).
#[derive(Debug, Clone)]
pub enum ProofCheck {
    /// The key in this file; with `sha256`, only if the file has that hash.
    File {
        path: PathBuf,
        sha256: Option<String>,
    },
    /// The server's `GET /keys/verifying.key`, only if it has this SHA-256
    /// (hex). The hash is the auditor's, never the server's `zkParameters`.
    Pinned { sha256: String },
    /// Proofs are not checked; the report says so ([`Report::proofs_checked`]).
    Skip,
}

/// What to verify and how.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub source: Source,
    /// The pinned verifier key `name+keyid+key`.
    pub log_key: String,
    /// State file to resume from and save to.
    pub state: Option<PathBuf>,
    /// Depth `D` of the membership tree, to rebuild its roots.
    pub membership_depth: usize,
    /// How every query's Groth16 proof is checked (in batches), with
    /// `slot_bits` `q` of the circuit; skipping is explicit.
    pub proofs: ProofCheck,
    /// Slot bits `q` the verifying key was made for.
    pub slot_bits: usize,
    /// The deployment's epoch length (and grace) every query entry's epoch is
    /// checked against (DESIGN §4). The auditor's own input: the server's
    /// `zkParameters.epochSeconds` is only compared, with a warning, because
    /// a server that misbehaves would report whatever makes its log pass.
    pub epoch_rule: EpochRule,
    /// Print progress lines to stderr.
    pub progress: bool,
    /// Witnesses whose cosignatures the checkpoint must carry.
    pub witnesses: WitnessPolicy,
}

/// The pinned witnesses and how many of them must have cosigned the
/// checkpoint (DESIGN §6 amendment "Witnesses"); the default asks for none.
#[derive(Debug, Clone, Default)]
pub struct WitnessPolicy {
    /// Verifier keys `name+keyid+base64(0x04‖key)` of the witnesses.
    pub keys: Vec<String>,
    /// Valid cosignatures required (0: none).
    pub quorum: usize,
}

impl WitnessPolicy {
    /// Checks the policy and `note` against it: `Err` if the policy itself
    /// is unusable, `Ok(Err)` if the note lacks the quorum, else the names
    /// of the witnesses that cosigned.
    pub fn check(
        &self,
        note: &str,
    ) -> Result<Result<Vec<String>, zkcity_audit::witness::QuorumError>, ClientError> {
        let keys = self
            .keys
            .iter()
            .map(|k| zkcity_audit::WitnessKey::parse(k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ClientError::Key)?;
        if self.quorum > keys.len() {
            return Err(ClientError::State {
                path: "--quorum".into(),
                reason: format!(
                    "quorum {} exceeds the {} pinned witnesses",
                    self.quorum,
                    keys.len()
                ),
            });
        }
        Ok(zkcity_audit::witness::verify_quorum(
            note,
            &keys,
            self.quorum,
        ))
    }
}

/// A log that verified.
#[derive(Debug, Clone)]
pub struct Report {
    pub checkpoint: Checkpoint,
    pub summary: Summary,
    /// Whether a server's consistency proof from the saved state was checked.
    pub consistency_checked: bool,
    /// Whether every query's Groth16 proof was checked ([`ProofCheck::Skip`] not).
    pub proofs_checked: bool,
    /// The pinned witnesses whose valid cosignatures the checkpoint carries.
    pub cosigned_by: Vec<String>,
    pub elapsed: Duration,
    pub entries_per_sec: f64,
}

/// The verdict.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Every check passed.
    Verified(Box<Report>),
    /// The first failure: the bad index (if one is to blame) and why.
    Failed(VerifyError),
}

type Lines = Pin<Box<dyn Stream<Item = Result<String, ClientError>> + Send>>;

fn failed(index: Option<u64>, kind: VerifyErrorKind) -> Outcome {
    Outcome::Failed(VerifyError { index, kind })
}

/// Runs the whole check; `Err` only when it could not run at all. Checks
/// membership roots always, and Groth16 proofs unless [`ProofCheck::Skip`].
pub async fn verify(opts: &VerifyOptions) -> Result<Outcome, ClientError> {
    let roots = MembershipRoots::new(opts.membership_depth).map_err(|e| ClientError::State {
        path: "--membership-depth".into(),
        reason: e.to_string(),
    })?;
    let (bytes, pinned, origin) = match &opts.proofs {
        ProofCheck::Skip => return verify_with(opts, roots).await,
        ProofCheck::File { path, sha256 } => {
            let bytes = std::fs::read(path).map_err(|e| ClientError::io(path, e))?;
            (bytes, sha256.as_deref(), path.display().to_string())
        }
        ProofCheck::Pinned { sha256 } => match &opts.source {
            Source::Server(url) => {
                let bytes = Server::new(url).verifying_key().await?;
                (
                    bytes,
                    Some(sha256.as_str()),
                    format!("{url}/keys/verifying.key"),
                )
            }
            Source::File { .. } => {
                return Err(ClientError::Io {
                    path: "--verifying-key".into(),
                    reason: "an export carries no verifying key: pass the key file".into(),
                })
            }
        },
    };
    let actual = zkcity_circuits::keys::sha256_hex(&bytes);
    if let Some(pinned) = pinned.filter(|p| !p.eq_ignore_ascii_case(&actual)) {
        return Err(ClientError::Io {
            path: origin,
            reason: format!("verifying key has SHA-256 {actual}, not the pinned {pinned}"),
        });
    }
    let params = zkcity_circuits::CircuitParams::new(opts.membership_depth, opts.slot_bits)
        .map_err(|e| ClientError::io(std::path::Path::new(&origin), e))?;
    let vk = zkcity_circuits::keys::verifying_key_from_bytes(&bytes, params)
        .map_err(|e| ClientError::io(std::path::Path::new(&origin), e))?;
    let proofs = ProofAuthorizer::new(roots, std::sync::Arc::new(vk.prepare()));
    verify_with(opts, proofs).await
}

/// [`verify`] with any [`QueryAuthorizer`] deciding whether queries were authorized.
pub async fn verify_with<A: QueryAuthorizer>(
    opts: &VerifyOptions,
    authorizer: A,
) -> Result<Outcome, ClientError> {
    let key = LogVerifierKey::parse(&opts.log_key).map_err(ClientError::Key)?;
    let origin = key.name().to_owned();
    let previous = match &opts.state {
        Some(path) => state::load(path, &origin, &key)?,
        None => Previous::default(),
    };
    let note = match &opts.source {
        Source::Server(url) => {
            let server = Server::new(url);
            warn_on_epoch_mismatch(&server, &opts.epoch_rule).await;
            match server.checkpoint().await {
                Err(ClientError::Server { code, .. }) if code == "SIGNER_REFUSED" => {
                    return unsigned_log(opts, &server, previous, authorizer, &origin).await;
                }
                other => other?,
            }
        }
        Source::File {
            entries,
            checkpoint,
        } => read_note(entries, checkpoint.as_ref())?,
    };
    let checkpoint = match key.open(&note) {
        Ok(cp) => cp,
        Err(e) => return Ok(failed(None, VerifyErrorKind::BadSignature(e))),
    };
    let cosigned_by = match opts.witnesses.check(&note)? {
        Ok(names) => names,
        Err(e) => return Ok(failed(None, VerifyErrorKind::WitnessQuorum(e))),
    };
    let (lines, proof) = open_source(&opts.source, &checkpoint, previous.state.as_ref()).await?;
    let mut verifier = start_verifier(opts, previous, authorizer, &origin)?;
    let mut progress = Progress::new("verify", checkpoint.size, opts.progress);
    if let Some(bad) = push_all(&mut verifier, lines, &mut progress).await? {
        return Ok(bad);
    }
    let summary = match verifier.finish_note(&note, &key, proof.as_deref()) {
        Ok(s) => s,
        Err(e) => return Ok(Outcome::Failed(e)),
    };
    if let Some(path) = &opts.state {
        state::save(
            path,
            &origin,
            &key,
            &summary.state,
            verifier.tree().leaf_hashes(),
        )?;
    }
    let report = Report {
        consistency_checked: proof.is_some(),
        proofs_checked: !matches!(opts.proofs, ProofCheck::Skip),
        cosigned_by,
        elapsed: progress.elapsed(),
        entries_per_sec: progress.rate(summary.state.size),
        checkpoint,
        summary,
    };
    Ok(Outcome::Verified(Box::new(report)))
}

/// Warns when the server reports another epoch length than the one checked.
/// Never adopts it (DESIGN §8): a log whose entries fail the rule fails, and
/// the warning tells the compliance team which `--epoch-seconds` to question.
async fn warn_on_epoch_mismatch(server: &Server, rule: &EpochRule) {
    match server.epoch_seconds().await {
        Ok(reported) if reported != rule.epoch_seconds().get() => eprintln!(
            "warning: the server reports zkParameters.epochSeconds = {reported}, but epochs \
             are checked with {} s (--epoch-seconds); the reported value is not used",
            rule.epoch_seconds()
        ),
        Ok(_) => {}
        Err(e) => eprintln!(
            "warning: could not read the server's zkParameters.epochSeconds to compare ({e}); \
             epochs are checked with {} s",
            rule.epoch_seconds()
        ),
    }
}

/// The server refuses to sign (DESIGN §6 amendment): what it serves is
/// still compared with the saved state, and the first index where they part
/// is named, rather than stopping as if the check could not run.
async fn unsigned_log<A: QueryAuthorizer>(
    opts: &VerifyOptions,
    server: &Server,
    previous: Previous,
    authorizer: A,
    origin: &str,
) -> Result<Outcome, ClientError> {
    let mut verifier = start_verifier(opts, previous, authorizer, origin)?;
    let lines: Lines = Box::pin(server.export_lines(0, None).await?);
    let mut progress = Progress::new("verify (unsigned log)", 0, opts.progress);
    if let Some(bad) = push_all(&mut verifier, lines, &mut progress).await? {
        return Ok(bad);
    }
    Ok(Outcome::Failed(verifier.finish_unsigned()))
}

/// A verifier from the saved state (and its leaf hashes, when they match it).
fn start_verifier<A: QueryAuthorizer>(
    opts: &VerifyOptions,
    previous: Previous,
    authorizer: A,
    origin: &str,
) -> Result<LogVerifier<A>, ClientError> {
    let verifier = LogVerifier::with_authorizer(origin, previous.state.clone(), authorizer)
        .with_epoch_rule(opts.epoch_rule);
    match previous.leaves {
        Some(leaves) => adopt_leaves(verifier, leaves, origin, previous.state.as_ref()),
        None => Ok(verifier),
    }
}

/// Uses the saved leaf hashes to name a fork's first entry, if they match
/// the saved state; a stale sidecar is ignored with a warning.
fn adopt_leaves<A: QueryAuthorizer>(
    verifier: LogVerifier<A>,
    leaves: Vec<Hash>,
    origin: &str,
    trusted: Option<&TrustedState>,
) -> Result<LogVerifier<A>, ClientError> {
    let probe = LogVerifier::new(origin, trusted.cloned());
    if probe.with_saved_leaves(leaves.clone()).is_err() {
        eprintln!("warning: the saved .leaves sidecar does not match the saved state; ignoring it");
        return Ok(verifier);
    }
    verifier
        .with_saved_leaves(leaves)
        .map_err(|e| ClientError::State {
            path: "leaves".into(),
            reason: e.to_string(),
        })
}

/// The entry lines `[0, checkpoint.size)` and, from a server with a saved
/// state, the consistency proof from it.
async fn open_source(
    source: &Source,
    checkpoint: &Checkpoint,
    saved: Option<&TrustedState>,
) -> Result<(Lines, Option<Vec<zkcity_audit::Hash>>), ClientError> {
    match source {
        Source::Server(url) => {
            let server = Server::new(url);
            let proof = match saved {
                Some(t) if t.size > 0 && t.size <= checkpoint.size => {
                    Some(server.consistency_proof(t.size, checkpoint.size).await?)
                }
                _ => None,
            };
            Ok((
                Box::pin(server.export_lines(0, Some(checkpoint.size)).await?),
                proof,
            ))
        }
        Source::File { entries, .. } => Ok((file_lines(entries)?, None)),
    }
}

/// Pushes every line; `Some(outcome)` at the first failure.
async fn push_all<A: zkcity_audit::QueryAuthorizer>(
    verifier: &mut LogVerifier<A>,
    mut lines: Lines,
    progress: &mut Progress,
) -> Result<Option<Outcome>, ClientError> {
    while let Some(line) = lines.next().await {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record = match EntryRecord::from_json(&line) {
            Ok(r) => r,
            Err(e) => {
                return Ok(Some(failed(
                    Some(verifier.size()),
                    VerifyErrorKind::Malformed(e),
                )))
            }
        };
        if let Err(e) = verifier.push_record(&record) {
            return Ok(Some(Outcome::Failed(e)));
        }
        progress.tick(verifier.size());
    }
    Ok(None)
}

fn read_note(
    entries: &std::path::Path,
    checkpoint: Option<&PathBuf>,
) -> Result<String, ClientError> {
    let path = checkpoint
        .cloned()
        .unwrap_or_else(|| super::export::checkpoint_path(entries));
    std::fs::read_to_string(&path).map_err(|e| ClientError::io(&path, e))
}

fn file_lines(path: &std::path::Path) -> Result<Lines, ClientError> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| ClientError::io(path, e))?;
    let owned = path.to_owned();
    let iter = std::io::BufReader::with_capacity(1 << 20, file)
        .lines()
        .map(move |l| l.map_err(|e| ClientError::io(&owned, e)));
    Ok(Box::pin(futures::stream::iter(iter)))
}

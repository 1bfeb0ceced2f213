//! `zkcity audit verify | export | open`: thin wrappers over
//! `zkcity_client::audit` for compliance teams, and over
//! `zkcity_client::anon::open` for a requester showing its own entry. Exit codes of `verify`: 0 the log verified, 2 the
//! log failed verification (the first bad index and why are printed), 1 the
//! check could not run (network, files, arguments).

use std::num::NonZeroU64;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use zkcity_client::anon::open::{open, Opening};
use zkcity_client::anon::server::ZkServer;
use zkcity_client::audit::{
    self, EpochRule, Outcome, ProofCheck, Report, Source, VerifyOptions, WitnessPolicy,
};

/// Exit code of a log that failed verification.
pub const EXIT_LOG_INVALID: u8 = 2;

/// Audit log commands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Verify the whole log from genesis against its signed checkpoint, and
    /// against the checkpoint saved by the previous run (rollback, forks).
    Verify(VerifyArgs),
    /// Export the log as NDJSON plus its signed checkpoint (`<out>.checkpoint`).
    Export(ExportArgs),
    /// Show that log entry N is the query saved by `zkcity query --receipt`.
    Open(OpenArgs),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["server", "file"])))]
pub struct VerifyArgs {
    /// Base URL of a zkcity server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub server: Option<String>,
    /// An NDJSON export written by `zkcity audit export`.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// The export's signed checkpoint (default: `<file>.checkpoint`).
    #[arg(long, requires = "file")]
    pub checkpoint: Option<PathBuf>,
    /// The pinned log key `name+keyid+key`, or `@path` of a file holding it.
    #[arg(long)]
    pub log_key: String,
    /// State file: resume from the checkpoint verified last time and save the new one.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Membership tree depth D of the deployment.
    #[arg(long, default_value_t = 20)]
    pub membership_depth: usize,
    /// Groth16 verifying key file to check every query's proof with (batched).
    #[arg(long)]
    pub verifying_key: Option<PathBuf>,
    /// The verifying key's pinned SHA-256 (hex): without --verifying-key, the
    /// server's key is downloaded and used only if it has this hash; with it,
    /// the file must have it. Take it from the operator's publication, not
    /// from the server under audit.
    #[arg(long)]
    pub verifying_key_sha256: Option<String>,
    /// Do not check the query proofs (the verdict says so). Proofs are
    /// checked by default; without a key or its hash the command refuses.
    #[arg(long, conflicts_with_all = ["verifying_key", "verifying_key_sha256"])]
    pub skip_proofs: bool,
    /// Slot bits q of the circuit the verifying key was made for.
    #[arg(long, default_value_t = 10)]
    pub slot_bits: usize,
    /// Epoch length of the deployment (its `zk.epoch_seconds`): every query
    /// entry's epoch must be the current or previous one at its timestamp.
    /// Given by the auditor, never read from the server, which is only
    /// compared against (a mismatch is a warning).
    #[arg(long, default_value_t = EpochRule::DEFAULT_EPOCH_SECONDS)]
    pub epoch_seconds: NonZeroU64,
    /// Longest time an honest server takes between checking a query's epoch
    /// and stamping its entry: within this long after an epoch boundary, an
    /// entry may carry the epoch before the previous one.
    #[arg(long, default_value_t = EpochRule::DEFAULT_GRACE_MS / 1000)]
    pub epoch_grace_seconds: u64,
    /// A witness's verifier key `name+keyid+base64(0x04‖key)`, or `@path`
    /// (repeatable): the checkpoint must carry valid cosignatures of
    /// `--quorum` of them, or the log fails verification.
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// Cosignatures of the `--witness` keys required (default: all of them).
    #[arg(long, requires = "witnesses")]
    pub quorum: Option<usize>,
    /// No progress lines on stderr.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Base URL of a zkcity server.
    #[arg(long)]
    pub server: String,
    /// First index (default 0).
    #[arg(long)]
    pub from: Option<u64>,
    /// End index, exclusive (default: the current checkpoint's size).
    #[arg(long)]
    pub to: Option<u64>,
    /// Output NDJSON file.
    #[arg(long)]
    pub out: PathBuf,
    /// No progress lines on stderr.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct OpenArgs {
    /// Base URL of the zkcity server.
    #[arg(long)]
    pub server: String,
    /// File written by `zkcity query --receipt`.
    #[arg(long)]
    pub opening: PathBuf,
    /// The pinned log key (`name+keyid+key`); default: the state directory's pin.
    #[arg(long)]
    pub log_key: Option<String>,
    #[arg(long, default_value = ".zkcity")]
    pub state_dir: PathBuf,
    /// A witness's verifier key, or `@path` (repeatable): report which of
    /// them cosigned the published checkpoint, and require `--quorum`.
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// Cosignatures of the `--witness` keys required (default: all of them).
    #[arg(long, requires = "witnesses")]
    pub quorum: Option<usize>,
}

/// Runs one audit command.
pub async fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify(args) => verify(args).await,
        AuditCommand::Export(args) => export(args).await,
        AuditCommand::Open(args) => audit_open(args).await,
    }
}

fn read_key(arg: &str) -> anyhow::Result<String> {
    match arg.strip_prefix('@') {
        Some(path) => Ok(std::fs::read_to_string(path)
            .with_context(|| format!("reading {path}"))?
            .trim()
            .to_owned()),
        None => Ok(arg.trim().to_owned()),
    }
}

async fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let source = match (args.server, args.file) {
        (Some(url), _) => Source::Server(url),
        (None, Some(entries)) => Source::File {
            entries,
            checkpoint: args.checkpoint,
        },
        (None, None) => anyhow::bail!("pass --server or --file"),
    };
    let opts = VerifyOptions {
        source,
        log_key: read_key(&args.log_key)?,
        state: args.state.clone(),
        membership_depth: args.membership_depth,
        proofs: proof_check(
            args.verifying_key,
            args.verifying_key_sha256,
            args.skip_proofs,
        )?,
        slot_bits: args.slot_bits,
        epoch_rule: EpochRule::new(args.epoch_seconds)
            .with_grace_ms(args.epoch_grace_seconds.saturating_mul(1000)),
        progress: !args.quiet,
        witnesses: witness_policy(&args.witnesses, args.quorum)?,
    };
    match audit::verify(&opts)
        .await
        .context("audit verify could not run")?
    {
        Outcome::Verified(report) => {
            print_report(&report, args.state.as_ref());
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Failed(err) => {
            eprintln!("audit log verification FAILED: {err}");
            if let Some(index) = err.index {
                eprintln!("first bad index: {index}");
            }
            Ok(ExitCode::from(EXIT_LOG_INVALID))
        }
    }
}

/// The pinned witnesses (`@path` read from files) and the quorum.
pub fn witness_policy(keys: &[String], quorum: Option<usize>) -> anyhow::Result<WitnessPolicy> {
    let keys = keys
        .iter()
        .map(|k| read_key(k))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if quorum == Some(0) {
        anyhow::bail!("--quorum must be at least 1");
    }
    Ok(WitnessPolicy {
        quorum: quorum.unwrap_or(keys.len()),
        keys,
    })
}

/// The proof check asked for; none at all is refused (DESIGN §6 amendment).
fn proof_check(
    file: Option<PathBuf>,
    sha256: Option<String>,
    skip: bool,
) -> anyhow::Result<ProofCheck> {
    Ok(match (file, sha256) {
        (Some(path), sha256) => ProofCheck::File { path, sha256 },
        (None, Some(sha256)) => ProofCheck::Pinned { sha256 },
        (None, None) if skip => ProofCheck::Skip,
        (None, None) => anyhow::bail!(
            "query proofs are checked by default: pass --verifying-key-sha256 HEX \
             (the key's published hash) or --verifying-key FILE, or --skip-proofs"
        ),
    })
}

fn print_report(r: &Report, state: Option<&PathBuf>) {
    let s = &r.summary;
    println!(
        "audit log {} verified: {} entries ({} members, {} queries)",
        r.checkpoint.origin, s.state.size, s.members, s.queries
    );
    println!(
        "  signed checkpoint: size {} root {}",
        r.checkpoint.size,
        hex::encode(r.checkpoint.root)
    );
    match &s.previous {
        Some(p) => {
            let proof = if r.consistency_checked {
                ", consistency proof checked"
            } else {
                ""
            };
            println!(
                "  extends the saved checkpoint of size {} (same prefix, no rollback{proof})",
                p.size
            );
        }
        None => println!("  verified from genesis (no saved checkpoint)"),
    }
    if !r.cosigned_by.is_empty() {
        println!(
            "  cosigned by the pinned witnesses: {}",
            r.cosigned_by.join(", ")
        );
    }
    if r.proofs_checked {
        println!("  proofs: every query's Groth16 proof verified with the pinned key");
    } else {
        println!("  proofs: NOT CHECKED (--skip-proofs): chain, tree, signature and roots only");
    }
    println!(
        "  {:.2} s, {:.0} entries/s",
        r.elapsed.as_secs_f64(),
        r.entries_per_sec
    );
    if let Some(path) = state {
        println!("  state saved to {}", path.display());
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let opts = audit::ExportOptions {
        server: args.server,
        from: args.from,
        to: args.to,
        out: args.out,
        progress: !args.quiet,
    };
    let report = audit::export(&opts).await.context("audit export failed")?;
    println!(
        "exported entries [{}, {}) ({} lines) to {}; checkpoint of size {} to {}",
        report.from,
        report.to,
        report.entries,
        opts.out.display(),
        report.checkpoint.size,
        report.checkpoint_path.display()
    );
    if report.entries != report.to - report.from {
        anyhow::bail!(
            "the server sent {} entries for a range of {}",
            report.entries,
            report.to - report.from
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkcity audit open`: shows that a log entry is the saved query.
pub async fn audit_open(args: OpenArgs) -> anyhow::Result<ExitCode> {
    let opening = Opening::load(&args.opening)
        .with_context(|| format!("reading {}", args.opening.display()))?;
    let witnesses = witness_policy(&args.witnesses, args.quorum)?;
    open_and_print(
        &args.server,
        &args.state_dir,
        args.log_key,
        &opening,
        &witnesses,
    )
    .await
}

/// Opens `opening` against `server` with `log_key`, else the key pinned in
/// `state_dir`, prints which entry it is and which of the pinned
/// `witnesses` cosigned the checkpoint (also `zkcity receipts open`).
pub async fn open_and_print(
    server: &str,
    state_dir: &std::path::Path,
    log_key: Option<String>,
    opening: &Opening,
    witnesses: &WitnessPolicy,
) -> anyhow::Result<ExitCode> {
    let key_text = match log_key {
        Some(k) => k,
        None => std::fs::read_to_string(state_dir.join("log-key"))
            .with_context(|| format!("no --log-key and no pinned key in {}", state_dir.display()))?
            .trim()
            .to_owned(),
    };
    let key = zkcity_audit::LogVerifierKey::parse(&key_text)
        .map_err(|e| anyhow::anyhow!("log key: {e}"))?;
    let server = ZkServer::new(server);
    let opened = open(&server, opening, &key)
        .await
        .context("opening the query commitment")?;
    println!(
        "log entry {} is this query (epoch {}), included in the signed checkpoint of size {} \
         (consistent with the receipt's checkpoint of size {})",
        opened.index, opened.epoch, opened.checkpoint_size, opened.receipt_size
    );
    match witnesses.check(&opened.checkpoint_note)? {
        Ok(names) if names.is_empty() => {
            println!("no pinned witness cosigned it (none pinned: pass --witness)")
        }
        Ok(names) => println!("cosigned by the pinned witnesses: {}", names.join(", ")),
        Err(e) => {
            eprintln!("witness quorum not met: {e}");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

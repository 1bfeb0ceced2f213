//! The requester's subcommands, thin over `zkcity_client::anon`:
//! `zkcity setup`, `zkcity identity new|show`, `zkcity query`, and
//! `zkcity audit open`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use zkcity_circuits::fr_to_decimal;
use zkcity_circuits::keys::{write_proving_key, write_verifying_key};
use zkcity_client::anon::identity;
use zkcity_client::anon::open::{open, Opening};
use zkcity_client::anon::prover::QueryText;
use zkcity_client::anon::query::Requester;
use zkcity_client::anon::server::ZkServer;

#[derive(Args, Debug)]
pub struct SetupArgs {
    /// Membership tree depth D (must equal the server's audit.membership_depth).
    #[arg(long, default_value_t = 20)]
    pub depth: usize,
    /// Slot bits q (2^q queries per identity per epoch).
    #[arg(long, default_value_t = 10)]
    pub slot_bits: usize,
    /// Output directory for proving.key and verifying.key.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum IdentityCommand {
    /// Create a new secret identity file (mode 0600).
    New {
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the identity commitment to hand to the operator for registration.
    Show { file: PathBuf },
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// Base URL of the zkcity server.
    #[arg(long)]
    pub server: String,
    /// Identity file from `zkcity identity new`.
    #[arg(long)]
    pub identity: PathBuf,
    /// Variables as JSON.
    #[arg(long)]
    pub variables: Option<String>,
    #[arg(long)]
    pub operation_name: Option<String>,
    /// Save the receipt and the opening (query, variables, blinding) here.
    #[arg(long)]
    pub receipt: Option<PathBuf>,
    /// State directory: key cache, used slots, pinned log key.
    #[arg(long, default_value = ".zkcity")]
    pub state_dir: PathBuf,
    /// Pin this log key (`name+keyid+key`) instead of trusting the first one seen.
    #[arg(long)]
    pub log_key: Option<String>,
    /// Print timings of each step to stderr.
    #[arg(long)]
    pub timings: bool,
    /// The GraphQL query.
    pub query: String,
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
}

/// `zkcity setup`: a single-party Groth16 setup (see the circuits crate's
/// "Trusted setup" section for what that trusts).
pub fn setup(args: SetupArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    eprintln!(
        "setting up the circuit for D = {}, q = {} ...",
        args.depth, args.slot_bits
    );
    let start = Instant::now();
    let (pk, vk) = zkcity_circuits::setup(args.depth, args.slot_bits, &mut rand::rngs::OsRng)
        .context("circuit setup")?;
    eprintln!("setup done in {:.1?}; writing keys ...", start.elapsed());
    let pk_path = args.out.join("proving.key");
    let vk_path = args.out.join("verifying.key");
    let pk_sha = write_proving_key(&pk_path, &pk)
        .with_context(|| format!("writing {}", pk_path.display()))?;
    let vk_sha = write_verifying_key(&vk_path, &vk)
        .with_context(|| format!("writing {}", vk_path.display()))?;
    println!("{}  sha256 {pk_sha}", pk_path.display());
    println!("{}  sha256 {vk_sha}", vk_path.display());
    Ok(ExitCode::SUCCESS)
}

pub fn identity(command: IdentityCommand) -> anyhow::Result<ExitCode> {
    match command {
        IdentityCommand::New { out } => {
            let id = identity::create(&out)
                .with_context(|| format!("creating the identity file {}", out.display()))?;
            eprintln!("identity written to {} (keep it secret)", out.display());
            println!("{}", fr_to_decimal(&id.commitment()));
        }
        IdentityCommand::Show { file } => {
            let id =
                identity::load(&file).with_context(|| format!("reading {}", file.display()))?;
            println!("{}", fr_to_decimal(&id.commitment()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkcity query`: one anonymous query; prints the response data.
pub async fn query(args: QueryArgs) -> anyhow::Result<ExitCode> {
    let variables = args
        .variables
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .context("--variables is not JSON")?;
    let text = QueryText {
        query: args.query,
        variables,
        operation_name: args.operation_name,
    };
    let mut requester = Requester::connect(
        &args.server,
        &args.identity,
        &args.state_dir,
        args.log_key.as_deref(),
    )
    .await
    .context("preparing the anonymous query")?;
    let outcome = requester.query(&text).await.context("anonymous query")?;
    if let Some(path) = &args.receipt {
        outcome
            .opening
            .save(path)
            .with_context(|| format!("saving the receipt to {}", path.display()))?;
    }
    if args.timings {
        let t = &outcome.timings;
        eprintln!(
            "timings: key load {:?}, tree {:?}, prove {:?}, send {:?}, verify receipt {:?}",
            requester.key_load, t.tree, t.prove, t.send, t.verify
        );
    }
    eprintln!(
        "logged as entry {} (checkpoint size {}, receipt verified)",
        outcome.receipt.index, outcome.checkpoint.size
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&outcome.response.get("data").cloned().unwrap_or_default())?
    );
    if let Some(errors) = outcome.response.get("errors") {
        eprintln!("the query was logged but its execution failed: {errors}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkcity audit open`: shows that a log entry is the saved query.
pub async fn audit_open(args: OpenArgs) -> anyhow::Result<ExitCode> {
    let opening = Opening::load(&args.opening)
        .with_context(|| format!("reading {}", args.opening.display()))?;
    let key_text = match args.log_key {
        Some(k) => k,
        None => std::fs::read_to_string(args.state_dir.join("log-key"))
            .with_context(|| {
                format!(
                    "no --log-key and no pinned key in {}",
                    args.state_dir.display()
                )
            })?
            .trim()
            .to_owned(),
    };
    let key = zkcity_audit::LogVerifierKey::parse(&key_text)
        .map_err(|e| anyhow::anyhow!("log key: {e}"))?;
    let server = ZkServer::new(&args.server);
    let opened = open(&server, &opening, &key)
        .await
        .context("opening the query commitment")?;
    println!(
        "log entry {} is this query (epoch {}), included in the signed checkpoint of size {}",
        opened.index, opened.epoch, opened.checkpoint_size
    );
    Ok(ExitCode::SUCCESS)
}

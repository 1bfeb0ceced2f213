//! The requester's commands, thin over `zkcity_client::anon`:
//! `zkcity identity new|show` and `zkcity query`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use zkcity_circuits::fr_to_decimal;
use zkcity_client::anon::identity;
use zkcity_client::anon::query::Requester;
use zkcity_client::anon::text::QueryText;

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
    /// Write the accepted proof as snarkjs `proof.json` and `public.json` into this directory.
    #[arg(long)]
    pub export_proof: Option<PathBuf>,
    /// The GraphQL query.
    pub query: String,
}

/// `zkcity identity new|show`.
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
    if let Some(dir) = &args.export_proof {
        export_proof(dir, &outcome.proof, &outcome.public)
            .with_context(|| format!("exporting the proof to {}", dir.display()))?;
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

/// `proof.json` and `public.json` for `snarkjs groth16 verify`.
fn export_proof(
    dir: &std::path::Path,
    proof: &zkcity_circuits::Proof,
    public: &zkcity_circuits::PublicInputs,
) -> anyhow::Result<()> {
    use zkcity_circuits::snarkjs::json::{proof_json, public_json};
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("proof.json"),
        serde_json::to_string_pretty(&proof_json(proof))?,
    )?;
    std::fs::write(
        dir.join("public.json"),
        serde_json::to_string_pretty(&public_json(public))?,
    )?;
    Ok(())
}

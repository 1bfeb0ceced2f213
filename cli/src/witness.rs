//! `zkcity witness serve | keygen`: a C2SP tlog-witness over
//! `zkcity_witness` (DESIGN §6 amendment "Witnesses").

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use zkcity_witness::{generate_key, WitnessConfig, DEFAULT_BODY_LIMIT};

/// Witness commands.
#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Serve `POST /add-checkpoint` for the given logs.
    Serve(ServeArgs),
    /// Create a witness key file (mode 0600) and print its verifier key.
    Keygen(KeygenArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The witness's secret key file (`zkcity witness keygen`).
    #[arg(long)]
    pub key: PathBuf,
    /// The per-origin state file (created when missing; keep it: a witness
    /// that loses it must be retired, not restarted).
    #[arg(long)]
    pub state: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7380")]
    pub listen: String,
    /// A witnessed log's verifier key `name+keyid+key` (repeatable); the
    /// log's origin is the key name.
    #[arg(long = "log", required = true)]
    pub logs: Vec<String>,
    /// Largest request body in bytes (larger: 413).
    #[arg(long, default_value_t = DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,
}

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// The witness name, e.g. `witness.example.org/w1`.
    #[arg(long)]
    pub name: String,
    /// Where to write the secret key (refuses to overwrite).
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs one witness command.
pub async fn run(command: WitnessCommand) -> anyhow::Result<ExitCode> {
    match command {
        WitnessCommand::Serve(args) => serve(args).await,
        WitnessCommand::Keygen(args) => {
            let signer = generate_key(&args.out, &args.name)?;
            println!("{}", signer.verifier());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = WitnessConfig {
        key_file: args.key,
        state_file: args.state,
        listen: args.listen,
        logs: args.logs,
        body_limit: args.body_limit,
    };
    let bound = zkcity_witness::bind(&config)
        .await
        .context("starting the witness")?;
    let addr = bound.local_addr()?;
    tracing::info!(%addr, key = %bound.verifier_key, "witness listening");
    bound
        .run(zkcity_api::startup::shutdown_signal())
        .await
        .context("serving")?;
    Ok(ExitCode::SUCCESS)
}

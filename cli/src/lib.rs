//! The one `zkcity` binary (DESIGN §2): argument parsing and wiring only.
//! Each command family has a module; the work itself lives in the libraries.
//!
//! - [`server`]: `serve` (the default), `migrate`, `import` — over `zkcity-api`;
//! - [`keys`]: `setup`, `keys export-r1cs | import | export-snarkjs` — over `zkcity-circuits`;
//! - [`requester`]: `identity`, `query` — over `zkcity_client::anon`;
//! - [`proxy`]: `proxy`, `receipts list | open` — over `zkcity_client::proxy`;
//! - [`audit`]: `audit verify | export | open` — over `zkcity_client::audit`;
//! - [`witness`]: `witness serve | keygen` — over `zkcity-witness`;
//! - [`telemetry`]: the tracing subscriber, installed here and nowhere else.
//!
//! Exit codes: 0 success, 1 failure (usage errors included), 2 only from
//! `zkcity audit verify` for a log that failed verification.

pub mod audit;
pub mod keys;
pub mod proxy;
pub mod requester;
pub mod server;
pub mod telemetry;
pub mod witness;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "zkcity",
    version,
    about = "Smart-city data over GraphQL, with anonymous, audited queries"
)]
pub struct Cli {
    /// TOML configuration file (default: ./zkcity.toml when present).
    #[arg(long, global = true, env = "ZKCITY_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Load the bundled real datasets (idempotent).
    Import(server::ImportArgs),
    /// Generate the circuit's proving and verifying keys (single-party setup).
    Setup(keys::SetupArgs),
    /// Keys from a public ceremony: export the R1CS, import a snarkjs zkey, export for snarkjs.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Create or show a requester identity.
    Identity {
        #[command(subcommand)]
        command: requester::IdentityCommand,
    },
    /// Make an anonymous, audited query.
    Query(requester::QueryArgs),
    /// Run the local privacy proxy: any GraphQL client's queries on data
    /// units leave as anonymous, proven, logged queries.
    Proxy(proxy::ProxyArgs),
    /// The proxy's receipt store: list, open.
    Receipts {
        #[command(subcommand)]
        command: proxy::ReceiptsCommand,
    },
    /// Audit log tools for compliance teams: verify, export.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Run a transparency log witness (C2SP tlog-witness).
    Witness {
        #[command(subcommand)]
        command: witness::WitnessCommand,
    },
}

/// Entry point of the binary: errors become a message and exit code 1.
/// Usage errors too (clap's own default is 2), so that 2 keeps meaning what
/// `zkcity audit verify` says with it: the log failed verification.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` are "errors" printed to stdout.
            let failed = err.use_stderr();
            let _ = err.print();
            return if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    telemetry::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Serve) {
        // Requester and auditor commands need no server configuration.
        Command::Setup(args) => keys::setup(args),
        Command::Keys { command } => keys::run(command),
        Command::Identity { command } => requester::identity(command),
        Command::Query(args) => requester::query(args).await,
        Command::Proxy(args) => proxy::proxy(args).await,
        Command::Receipts { command } => proxy::receipts(command).await,
        Command::Audit { command } => audit::run(command).await,
        Command::Witness { command } => witness::run(command).await,
        Command::Serve => server::serve(cli.config).await,
        Command::Migrate => server::migrate(cli.config).await,
        Command::Import(args) => server::import(cli.config, args).await,
    }
}

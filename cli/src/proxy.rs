//! `zkcity proxy` and `zkcity receipts list | open`: thin over
//! `zkcity_client::proxy` and its receipt store.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use zkcity_client::anon::store::ReceiptStore;
use zkcity_client::proxy::{Proxy, ProxyConfig, UpstreamProxy};

#[derive(Args, Debug)]
pub struct ProxyArgs {
    /// Base URL of the zkcity server.
    #[arg(long)]
    pub server: String,
    /// Identity file from `zkcity identity new`.
    #[arg(long)]
    pub identity: PathBuf,
    /// Address to listen on (loopback only unless --allow-remote).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Accept a non-loopback --listen address: whoever reaches the proxy
    /// spends this identity's slots.
    #[arg(long)]
    pub allow_remote: bool,
    /// Send everything through this proxy: socks5h://127.0.0.1:9050 (Tor,
    /// names resolved by the proxy), socks5://… or http://… (CONNECT). A
    /// proof hides which member asked, not the address it came from.
    #[arg(long)]
    pub upstream: Option<String>,
    /// Where receipts are stored (default: <state-dir>/receipts).
    #[arg(long)]
    pub receipts: Option<PathBuf>,
    /// State directory: key cache, used slots, pinned log key (shared with `zkcity query`).
    #[arg(long, default_value = ".zkcity")]
    pub state_dir: PathBuf,
    /// Pin this log key (`name+keyid+key`) instead of trusting the first one seen.
    #[arg(long)]
    pub log_key: Option<String>,
    /// A browser origin allowed to call the proxy (repeatable); default:
    /// http://localhost, http://127.0.0.1 and http://[::1] on any port.
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 256 * 1024)]
    pub body_limit: usize,
    /// Most operations in one batch (each gated one costs a slot).
    #[arg(long, default_value_t = 10)]
    pub max_batch: usize,
}

/// `zkcity proxy`: serves until Ctrl-C or SIGTERM.
pub async fn proxy(args: ProxyArgs) -> anyhow::Result<ExitCode> {
    let mut config = ProxyConfig::new(&args.server, &args.identity, &args.state_dir);
    config.listen = args.listen;
    config.allow_remote = args.allow_remote;
    config.upstream = args
        .upstream
        .as_deref()
        .map(UpstreamProxy::parse)
        .transpose()?;
    if let Some(dir) = args.receipts {
        config.receipts_dir = dir;
    }
    config.log_key = args.log_key;
    config.cors_allowed_origins = (!args.cors_origins.is_empty()).then_some(args.cors_origins);
    config.body_limit = args.body_limit;
    config.max_batch = args.max_batch;
    let proxy = Proxy::bind(config).await.context("starting the proxy")?;
    let addr = proxy.local_addr()?;
    // Tests and scripts read this line to find a port picked with :0.
    println!("zkcity proxy listening on http://{addr} (GraphiQL at http://{addr}/graphql)");
    proxy
        .serve(zkcity_api::startup::shutdown_signal())
        .await
        .context("serving")?;
    Ok(ExitCode::SUCCESS)
}

/// Receipt store commands.
#[derive(Subcommand, Debug)]
pub enum ReceiptsCommand {
    /// List the stored receipts: log index, operation, query.
    List(StoreArgs),
    /// Show against the server that log entry N is the stored query
    /// (as `zkcity audit open` does for a saved opening).
    Open {
        #[command(flatten)]
        store: StoreArgs,
        /// Base URL of the zkcity server.
        #[arg(long)]
        server: String,
        /// Pin this log key instead of the one pinned in the state directory.
        #[arg(long)]
        log_key: Option<String>,
        /// The log index.
        index: u64,
    },
}

#[derive(Args, Debug)]
pub struct StoreArgs {
    /// State directory of the proxy.
    #[arg(long, default_value = ".zkcity")]
    pub state_dir: PathBuf,
    /// The receipt store (default: <state-dir>/receipts).
    #[arg(long)]
    pub receipts: Option<PathBuf>,
}

impl StoreArgs {
    fn store(&self) -> ReceiptStore {
        ReceiptStore::new(
            &self
                .receipts
                .clone()
                .unwrap_or_else(|| self.state_dir.join("receipts")),
        )
    }
}

/// `zkcity receipts list | open`.
pub async fn receipts(command: ReceiptsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReceiptsCommand::List(args) => {
            for stored in args.store().list()? {
                let o = &stored.opening;
                let query: String = o.query.split_whitespace().collect::<Vec<_>>().join(" ");
                let short: String = query.chars().take(80).collect();
                println!(
                    "{}\t{}\t{short}",
                    stored.index,
                    o.operation_name.as_deref().unwrap_or("-")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ReceiptsCommand::Open {
            store,
            server,
            log_key,
            index,
        } => {
            let opening = store
                .store()
                .load(index)
                .with_context(|| format!("no stored receipt for log entry {index}"))?;
            // Receipts from the proxy are opened like `audit open` without
            // pinned witnesses (the proxy pins the log key only).
            let witnesses = crate::audit::witness_policy(&[], None)?;
            crate::audit::open_and_print(&server, &store.state_dir, log_key, &opening, &witnesses)
                .await
        }
    }
}

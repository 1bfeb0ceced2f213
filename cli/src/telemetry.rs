//! Logging setup; only the binary calls this (libraries just emit spans).

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Installs the global subscriber: `RUST_LOG` filters (default `info`),
/// `ZKCITY_LOG_FORMAT=json` switches to JSON lines for log shippers.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    // arkworks names constraints with `gr1cs` spans; a formatting subscriber
    // that records them renders constraint-system state on every span and
    // turns a 150 ms proof into minutes and gigabytes. They are for
    // debugging circuits in tests (ark-relations' ConstraintLayer), never logs.
    let filter = match "gr1cs=off".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let json = std::env::var("ZKCITY_LOG_FORMAT").is_ok_and(|v| v == "json");
    let registry = tracing_subscriber::registry().with(filter);
    if json {
        let _ = registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init();
    } else {
        let _ = registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init();
    }
}

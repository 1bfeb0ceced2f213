//! The compliance side of the audit log (DESIGN §6).
//!
//! - [`verify`](mod@verify): `zkcity audit verify`, the numbered checklist over a whole
//!   log from a server or exported files;
//! - [`roots`]: [`MembershipRoots`], every query's root was a membership root
//!   at or before its entry;
//! - [`proofs`]: [`ProofAuthorizer`], every query's Groth16 proof, batched;
//! - [`state`]: the saved state (last verified checkpoint) for rollback and
//!   fork detection;
//! - [`fetch`]: [`Server`], checkpoints, consistency proofs and the NDJSON
//!   export from a server;
//! - [`export`](mod@export): `zkcity audit export`, the log to files;
//! - [`progress`]: periodic progress lines on long logs;
//! - [`error`]: [`ClientError`], when the check could not run at all.
//!
//! ```no_run
//! # async fn run() -> Result<(), zkcity_client::audit::ClientError> {
//! use zkcity_client::audit::{verify, EpochRule, Outcome, ProofCheck, Source, VerifyOptions};
//! let opts = VerifyOptions {
//!     source: Source::Server("http://127.0.0.1:8080".into()),
//!     log_key: "zkcity.local/log+abcd1234+AQ…".into(),
//!     state: Some("audit-state.json".into()),
//!     membership_depth: 20,
//!     // Check every Groth16 proof with the server's key, pinned by its hash.
//!     proofs: ProofCheck::Pinned { sha256: "9f86d081…".into() },
//!     slot_bits: 10,
//!     // DESIGN §4's 3600 s epochs; the auditor's own input, not the server's.
//!     epoch_rule: EpochRule::default(),
//!     progress: true,
//!     // No witnesses pinned; see `WitnessPolicy` for a quorum of cosigners.
//!     witnesses: Default::default(),
//! };
//! match verify(&opts).await? {
//!     Outcome::Verified(report) => println!("{} entries verified", report.summary.state.size),
//!     Outcome::Failed(err) => eprintln!("{err}"),
//! }
//! # Ok(())
//! # }
//! ```

pub mod error;
pub mod export;
pub mod fetch;
pub mod progress;
pub mod proofs;
pub mod roots;
pub mod state;
pub mod verify;

pub use error::ClientError;
pub use export::{export, ExportOptions, ExportReport};
pub use fetch::Server;
pub use proofs::ProofAuthorizer;
pub use roots::MembershipRoots;
pub use verify::{verify, Outcome, ProofCheck, Report, Source, VerifyOptions, WitnessPolicy};
pub use zkcity_audit::EpochRule;

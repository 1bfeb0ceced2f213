//! Witness collection (DESIGN §6 amendment "Witnesses"): the log's
//! checkpoints submitted to C2SP tlog-witness witnesses, their
//! `cosignature/v1` lines kept, and the checkpoint published with them once
//! a quorum cosigned it.
//!
//! - [`settings`]: the `[audit.witnesses]` table;
//! - [`client`]: one `add-checkpoint` call;
//! - [`collector`]: the background rounds, retries and metrics;
//! - [`store`]: the rows, and the published checkpoint.

pub mod client;
pub mod collector;
pub mod settings;
pub mod store;

pub use settings::{WitnessEntry, WitnessesSettings};

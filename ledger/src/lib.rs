//! zkcity ledger: the audit log and the membership tree in the database
//! (DESIGN §4, §6), over the pure `zkcity-audit` crate. It knows nothing of
//! HTTP or GraphQL; the server (`zkcity-api`) is a thin shell over it.
//!
//! [`Ledger`] is the service the server calls:
//! - appends: [`Ledger::register_member`] and [`Ledger::append_query`]
//!   (for the privacy gate), each returning a [`Receipt`] (index, leaf hash,
//!   signed checkpoint, inclusion proof); concurrent calls are batched into
//!   one transaction per process;
//! - reads: [`Ledger::checkpoint`], proofs, entry pages;
//! - membership: [`Ledger::membership`], [`Ledger::recent_roots`],
//!   [`Ledger::is_recent_root`], member pages.
//!
//! Modules:
//! - [`service`]: the [`Ledger`] handle;
//! - [`settings`]: `[audit]` configuration ([`AuditSettings`]);
//! - [`request`]: what an append carries and its [`Receipt`];
//! - [`append`]: the writer task, one serialized transaction per batch;
//!   `batch` (screening and chaining a batch) and `writes` (its rows) beside it;
//! - [`store`]: stored entries, RFC 6962 nodes and the head; proofs from them;
//! - [`members`]: membership tree frontier, roots and member rows;
//! - [`signer`]: the checkpoint key and its memory of what it signed;
//!   `prefix` shows it the stored root at the size it remembers;
//! - [`witness`]: witness collection: checkpoints submitted to C2SP
//!   tlog-witness witnesses, cosignatures kept, the cosigned checkpoint published;
//! - [`error`]: [`AppendError`] and [`LedgerError`], each with a stable code.

pub mod append;
mod batch;
pub mod error;
pub mod members;
mod prefix;
pub mod request;
pub mod roots;
pub mod service;
pub mod settings;
pub mod signer;
pub mod store;
pub mod witness;
mod writes;

pub use error::{AppendError, LedgerError, LedgerResult};
pub use request::{AppendRequest, Appended, Receipt};
pub use service::{Ledger, MemberAdded, MembershipInfo, QueryAppend, SignedCheckpoint};
pub use settings::AuditSettings;
pub use store::{Head, StoredEntry};
pub use witness::{WitnessEntry, WitnessesSettings};

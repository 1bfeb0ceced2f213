//! The requester side of anonymous queries (DESIGN §4, §5).
//!
//! - [`identity`]: identity files (mode 0600);
//! - [`server`]: the public calls a requester makes;
//! - [`keys`]: key download, SHA-256 check, cache;
//! - [`membership`]: the tree rebuilt locally from all leaves;
//! - [`slots`]: per-epoch slots, persisted before sending;
//! - [`text`]: [`text::QueryText`], the query, variables and operation name asked;
//! - [`prover`]: the proof and the envelope (the digest `d` is
//!   [`zkcity_circuits::request_digest`], shared with the server);
//! - [`query`]: [`query::Requester`], one query end to end, receipt checked;
//! - [`receipt`], [`open`]: receipts and openings (`zkcity audit open`);
//! - [`store`]: the receipt store of the privacy proxy (`zkcity receipts`);
//! - [`error`]: [`AnonError`], each naming what to do next.
//!
//! ```no_run
//! # async fn run() -> Result<(), zkcity_client::anon::AnonError> {
//! use zkcity_client::anon::{query::Requester, text::QueryText};
//! let mut me = Requester::connect("http://127.0.0.1:8080", "me.json".as_ref(), "state".as_ref(), None).await?;
//! let text = QueryText { query: "{ stations { totalCount } }".into(), variables: None, operation_name: None };
//! let outcome = me.query(&text).await?;
//! println!("{} (log entry {})", outcome.response["data"], outcome.receipt.index);
//! # Ok(()) }
//! ```

pub mod error;
pub mod identity;
pub mod keys;
pub mod membership;
pub mod open;
pub mod prover;
pub mod query;
pub mod receipt;
pub mod server;
pub mod slots;
pub mod store;
pub mod text;

pub use error::AnonError;

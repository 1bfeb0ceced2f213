//! Power unit: electricity market transactions and clearing prices.
//!
//! The bundled real source (ENTSO-E day-ahead prices) publishes clearing
//! results, not individual trades, so a "transaction" from it is the cleared
//! result of one zone and delivery hour with no volume; sources that carry
//! trades fill `volume_mwh`.

pub mod clearing_price;
pub mod market_transaction;

//! zkcity circuits: the Groth16 membership, rate-limit and query-binding
//! proof of DESIGN §4 over BN254, natively and in R1CS.
//!
//! (crate docs completed below)

pub mod batch;
pub mod circuit;
pub mod error;
pub mod field;
pub mod identity;
pub mod keys;
pub mod params;
pub mod poseidon;
pub mod proof;
pub mod statement;
pub mod tree;

pub use ark_bn254::Fr;

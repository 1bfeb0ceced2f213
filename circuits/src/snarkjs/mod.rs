//! Interoperation with the snarkjs / iden3 ecosystem, so that the keys can
//! come from a public multi-party ceremony and the proofs can be checked by
//! the ecosystem's verifiers (DESIGN §5 amendment "Keys from a ceremony";
//! circuits/README.md "Trusted setup"):
//!
//! - [`r1cs_file`]: the circuit as an iden3 `.r1cs` file for `snarkjs groth16 setup`;
//! - [`import_zkey`]: a ceremony's final `.zkey` as a zkcity [`crate::ProvingKey`];
//! - [`json`]: `verification_key.json`, `proof.json`, `public.json`.

mod binfile;
mod contributions;
mod import;
pub mod json;
mod points;
mod r1cs_file;
mod zkey;

pub use import::import_zkey;
pub use r1cs_file::{r1cs_file, R1csInfo};

//! zkcity circuits: the Groth16 membership, rate-limit and query-binding
//! proof of DESIGN §4 over BN254, natively and in R1CS.
//!
//! A requester holding an [`Identity`] `(k, t)` whose commitment
//! `c = P(k, t)` is a leaf of the membership tree proves, without revealing
//! which leaf, that it knows a path from `c` to `root`, that its slot `s` is
//! below `2^q`, and that `n = P(k, e, s)`; the query commitment `m` is bound
//! into the proof. Public inputs are exactly `root, e, n, m`.
//!
//! Main types and functions:
//! - [`field`]: canonical decimal / 32-byte encodings of [`Fr`], never reducing (DESIGN §5).
//! - [`poseidon`]: circom-compatible `P`, native ([`poseidon::hash2`], [`poseidon::hash3`]) and
//!   in-circuit ([`poseidon::constraints`]).
//! - [`Identity`], [`nullifier`]; [`IncrementalTree`] and [`MerklePath`] for membership.
//! - [`statement`]: [`query_digest`], [`query_commitment`], [`PublicInputs`].
//! - [`request`]: [`request_digest`], `d` of a GraphQL request as client and server
//!   both compute it (absent, `null` and `{}` variables all digest as `null`).
//! - [`operation`]: [`operation::root_fields`], the root fields a request reads, as
//!   the gate and the privacy proxy both decide which requests need a proof.
//! - [`MembershipCircuit`]: the R1CS statement.
//! - [`keys`]: [`setup`], key files with validated loading and their origin, [`PreparedVerifyingKey`].
//! - [`snarkjs`]: `.r1cs` export, ceremony `.zkey` import, snarkjs JSON; [`qap`]: the two QAP reductions.
//! - [`proof`]: [`prove`], [`verify`], [`batch_verify`], and the 128-byte codec
//!   [`proof_to_bytes`] / [`proof_from_bytes`].
//!
//! # Example
//!
//! ```
//! use zkcity_circuits::{
//!     batch_verify, proof_from_bytes, proof_to_bytes, prove, query_commitment, query_digest,
//!     setup, verify, Fr, Identity, IncrementalTree, PublicInputs,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut rng = rand::thread_rng();
//! // Small depth for the example; production uses D = 20, q = 10.
//! let (pk, vk) = setup(4, 10, &mut rng)?;
//! let pvk = vk.prepare();
//!
//! let me = Identity::random(&mut rng);
//! let mut tree = IncrementalTree::new(4)?;
//! let index = tree.append(me.commitment())?;
//!
//! let d = query_digest("{ stations { id } }", None, None)?;
//! let b = Fr::from(42u64); // the client's fresh random blinding
//! let m = query_commitment(d, b);
//! let (epoch, slot) = (472_222, 0);
//!
//! let proof = prove(&pk, &me, &tree.path(index)?, epoch, slot, m, &mut rng)?;
//! let bytes = proof_to_bytes(&proof); // 128 bytes on the wire (DESIGN §5)
//!
//! let inputs = PublicInputs { root: tree.root(), epoch, nullifier: me.nullifier(epoch, slot), m };
//! let proof = proof_from_bytes(&bytes)?;
//! assert!(verify(&pvk, &inputs, &proof)?);
//! assert!(batch_verify(&pvk, &[(inputs, proof)], &mut rng)?);
//! # Ok(())
//! # }
//! ```
//!
//! # Trusted setup
//!
//! [`setup`] is a *single-party*, circuit-specific Groth16 setup: it draws
//! the secrets `α, β, γ, δ, τ` ("toxic waste") from the given RNG and
//! forgets them. Whoever ran it and kept them can forge a proof for any
//! statement — membership without being a member, any nullifier, any `m` —
//! and such proofs are indistinguishable from honest ones, so the audit log
//! could not detect them. Zero knowledge is much less exposed — a subverted
//! key can only leak a prover's witness if the prover skips well-formedness
//! checks of the key (Fuchsbauer, "Subversion-zero knowledge SNARKs", PKC
//! 2018); our loader validates every point but does not run those pairing
//! checks, so clients should use the published key pinned by its SHA-256.
//!
//! A multi-party ceremony replaces the single party (module [`snarkjs`],
//! circuits/README.md "Trusted setup"): phase 1 reuses a public BN254
//! Powers of Tau transcript; phase 2 runs snarkjs over this circuit's R1CS
//! ([`snarkjs::r1cs_file`]), each participant mixing fresh randomness into
//! `δ` and publishing a contribution hash, then a random beacon. The result
//! is sound if at least one participant destroyed their secret (1-of-N
//! honesty), and anyone can verify the transcript. [`snarkjs::import_zkey`]
//! turns the final `.zkey` into key files whose [`keys::KeyOrigin`] records
//! the ceremony and makes [`prove`] use circom's QAP reduction ([`qap`]).

pub mod batch;
pub mod circuit;
pub mod error;
pub mod field;
pub mod identity;
pub mod keys;
pub mod operation;
pub mod params;
pub mod poseidon;
pub mod proof;
pub mod prover;
pub mod qap;
pub mod r1cs;
pub mod request;
pub mod snarkjs;
pub mod statement;
pub mod tree;

pub use ark_bn254::Fr;
pub use circuit::{MembershipCircuit, Witness};
pub use error::{
    FieldError, KeyError, ParamsError, ProofDecodeError, ProofError, SnarkjsError, StatementError,
    TreeError,
};
pub use field::{fr_from_bytes, fr_to_bytes, fr_to_decimal, parse_fr};
pub use identity::{nullifier, Identity};
pub use keys::{
    load_proving_key, load_verifying_key, setup, PreparedVerifyingKey, ProvingKey, VerifyingKey,
};
pub use params::CircuitParams;
pub use proof::{batch_verify, proof_from_bytes, proof_to_bytes, prove, verify, Proof, PROOF_LEN};
pub use request::{normalize_variables, request_digest};
pub use statement::{query_commitment, query_digest, PublicInputs};
pub use tree::{IncrementalTree, MerklePath};

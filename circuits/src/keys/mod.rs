//! Groth16 keys: circuit-specific setup, key files and validated loading
//! (DESIGN §4, STYLE §14 "keys are files, not build steps").
//!
//! # Key file format (version 1)
//!
//! | bytes | content |
//! | --- | --- |
//! | 8 | magic: `ZKCITYPK` (proving key) or `ZKCITYVK` (verifying key) |
//! | 2 | format version, big-endian `u16`: 1, or 2 with an origin block |
//! | 1 | tree depth `D` |
//! | 1 | slot bits `q` |
//! | … | version 2 only: the key's [`KeyOrigin`] (see [`origin`]) |
//! | … | the arkworks compressed serialization of the key |
//!
//! Single-party keys are written as version 1 (their bytes, and so their
//! published SHA-256, are what they always were); keys imported from a
//! ceremony as version 2, whose origin selects the circom QAP reduction.
//!
//! Loading checks the header against the `(D, q)` the caller expects,
//! deserializes with `Validate::Yes` (every point on the curve and in the
//! prime-order subgroup), refuses trailing bytes, and checks the key's shape
//! (4 public inputs; a proving key's query sizes equal the circuit's
//! variable count for `(D, q)`), so a key for another circuit is refused
//! even if its header was edited. See the crate docs for the trust
//! assumption of a single-party setup.

pub mod origin;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

use crate::circuit::MembershipCircuit;
use crate::error::KeyError;
use crate::params::CircuitParams;
use crate::prover::ProverTables;
use crate::qap::Reduction;
use crate::r1cs::R1csMatrices;
use crate::statement::NUM_PUBLIC_INPUTS;
pub use origin::{Ceremony, Contribution, KeyOrigin};

/// Magic bytes of a proving key file.
pub const PROVING_KEY_MAGIC: &[u8; 8] = b"ZKCITYPK";
/// Magic bytes of a verifying key file.
pub const VERIFYING_KEY_MAGIC: &[u8; 8] = b"ZKCITYVK";
/// Key file format version of single-party keys.
pub const KEY_FORMAT_VERSION: u16 = 1;
/// Key file format version with an origin block (ceremony keys).
pub const KEY_FORMAT_VERSION_WITH_ORIGIN: u16 = 2;
const HEADER_LEN: usize = 12;

/// A Groth16 proving key together with the `(D, q)` it was generated for.
#[derive(Clone)]
pub struct ProvingKey {
    params: CircuitParams,
    inner: ark_groth16::ProvingKey<Bn254>,
    /// The circuit's matrices, shared by clones (see [`crate::r1cs`]).
    matrices: Arc<R1csMatrices>,
    origin: Arc<KeyOrigin>,
    /// The queries' MSM tables once [`ProvingKey::prepare_prover`] built
    /// them, shared by clones (see [`crate::prover::msm`]).
    tables: Arc<OnceLock<ProverTables>>,
}

/// A Groth16 verifying key together with the `(D, q)` it was generated for.
#[derive(Clone, PartialEq)]
pub struct VerifyingKey {
    params: CircuitParams,
    inner: ark_groth16::VerifyingKey<Bn254>,
    origin: KeyOrigin,
}

/// A verifying key with its pairing-friendly precomputation, built once at
/// load time and reused for every verification.
#[derive(Clone)]
pub struct PreparedVerifyingKey {
    params: CircuitParams,
    inner: ark_groth16::PreparedVerifyingKey<Bn254>,
    /// β prepared for the batch verifier's Miller loop: arkworks' prepared
    /// key keeps only −γ and −δ, and preparing β per batch cost about a
    /// tenth of a small batch.
    beta_g2_prepared: <Bn254 as ark_ec::pairing::Pairing>::G2Prepared,
}

impl ProvingKey {
    /// The circuit parameters this key proves for.
    pub fn params(&self) -> CircuitParams {
        self.params
    }
    /// The matching verifying key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            params: self.params,
            inner: self.inner.vk.clone(),
            origin: (*self.origin).clone(),
        }
    }
    /// Where the key came from.
    pub fn origin(&self) -> &KeyOrigin {
        &self.origin
    }
    /// The QAP reduction proofs with this key use.
    pub fn reduction(&self) -> Reduction {
        self.origin.reduction()
    }
    /// Wraps an arkworks key made elsewhere (a ceremony), checking its shape
    /// against the circuit for `params` as loading a key file does.
    pub fn from_ark(
        params: CircuitParams,
        inner: ark_groth16::ProvingKey<Bn254>,
        origin: KeyOrigin,
    ) -> Result<Self, KeyError> {
        check_vk_shape(&inner.vk)?;
        let matrices = R1csMatrices::for_params(params).map_err(KeyError::Synthesis)?;
        check_pk_shape(&inner, &matrices, origin.reduction())?;
        Ok(ProvingKey {
            params,
            inner,
            matrices: Arc::new(matrices),
            origin: Arc::new(origin),
            tables: Arc::default(),
        })
    }
    /// The underlying arkworks key.
    pub fn as_ark(&self) -> &ark_groth16::ProvingKey<Bn254> {
        &self.inner
    }
    /// The R1CS matrices the key was generated for.
    pub fn matrices(&self) -> &R1csMatrices {
        &self.matrices
    }
    /// Builds the precomputed MSM tables of the key's queries, with which
    /// [`crate::proof::prove`] costs 0.55× the instructions (see
    /// [`crate::prover::msm`]): a one-time cost of about 20 G instructions
    /// (what 13 proofs save) and 49 MB at D = 20, so worth it for a prover
    /// that makes many proofs with the key. Idempotent; clones share the
    /// tables.
    pub fn prepare_prover(&self) -> &ProverTables {
        self.tables.get_or_init(|| ProverTables::new(&self.inner))
    }
    /// The MSM tables, if [`Self::prepare_prover`] built them.
    pub fn prover_tables(&self) -> Option<&ProverTables> {
        self.tables.get()
    }
}

impl VerifyingKey {
    /// The circuit parameters this key verifies for.
    pub fn params(&self) -> CircuitParams {
        self.params
    }
    /// Where the key came from.
    pub fn origin(&self) -> &KeyOrigin {
        &self.origin
    }
    /// Precomputes the pairing data used by [`crate::proof::verify`].
    pub fn prepare(&self) -> PreparedVerifyingKey {
        PreparedVerifyingKey {
            params: self.params,
            inner: ark_groth16::prepare_verifying_key(&self.inner),
            beta_g2_prepared: self.inner.beta_g2.into(),
        }
    }
    /// The underlying arkworks key.
    pub fn as_ark(&self) -> &ark_groth16::VerifyingKey<Bn254> {
        &self.inner
    }
}

impl PreparedVerifyingKey {
    /// The circuit parameters this key verifies for.
    pub fn params(&self) -> CircuitParams {
        self.params
    }
    /// The underlying arkworks prepared key.
    pub fn as_ark(&self) -> &ark_groth16::PreparedVerifyingKey<Bn254> {
        &self.inner
    }
    /// β of the key, prepared for a Miller loop.
    pub fn beta_g2_prepared(&self) -> &<Bn254 as ark_ec::pairing::Pairing>::G2Prepared {
        &self.beta_g2_prepared
    }
}

impl From<&VerifyingKey> for PreparedVerifyingKey {
    fn from(vk: &VerifyingKey) -> Self {
        vk.prepare()
    }
}

macro_rules! impl_short_debug {
    ($ty:ty, $name:literal) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct($name)
                    .field("params", &self.params)
                    .finish_non_exhaustive()
            }
        }
    };
}
impl_short_debug!(ProvingKey, "ProvingKey");
impl_short_debug!(VerifyingKey, "VerifyingKey");
impl_short_debug!(PreparedVerifyingKey, "PreparedVerifyingKey");

/// Circuit-specific Groth16 setup for `(depth, slot_bits)`.
///
/// Whoever controls `rng` during this call learns the toxic waste and can
/// forge proofs; pass OS randomness and let nothing keep it (crate docs,
/// "Trusted setup").
pub fn setup<R: RngCore + CryptoRng>(
    depth: usize,
    slot_bits: usize,
    rng: &mut R,
) -> Result<(ProvingKey, VerifyingKey), KeyError> {
    let params = CircuitParams::new(depth, slot_bits)?;
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(MembershipCircuit::blank(params), rng)
        .map_err(KeyError::Synthesis)?;
    let matrices = Arc::new(R1csMatrices::for_params(params).map_err(KeyError::Synthesis)?);
    let pk = ProvingKey {
        params,
        inner: pk,
        matrices,
        origin: Arc::new(KeyOrigin::SingleParty),
        tables: Arc::default(),
    };
    let vk = VerifyingKey {
        params,
        inner: vk,
        origin: KeyOrigin::SingleParty,
    };
    Ok((pk, vk))
}

/// Lowercase hex SHA-256 of key file bytes, printed by `zkcity setup` so
/// operators can compare keys out of band.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// [`sha256_hex`] of a file's contents.
pub fn file_sha256_hex(path: &Path) -> Result<String, KeyError> {
    Ok(sha256_hex(&std::fs::read(path)?))
}

/// Serializes a proving key with its header.
pub fn proving_key_to_bytes(pk: &ProvingKey) -> Result<Vec<u8>, KeyError> {
    encode(PROVING_KEY_MAGIC, pk.params, &pk.origin, &pk.inner)
}

/// Serializes a verifying key with its header.
pub fn verifying_key_to_bytes(vk: &VerifyingKey) -> Result<Vec<u8>, KeyError> {
    encode(VERIFYING_KEY_MAGIC, vk.params, &vk.origin, &vk.inner)
}

/// Decodes and validates a proving key made for `expected`.
pub fn proving_key_from_bytes(
    bytes: &[u8],
    expected: CircuitParams,
) -> Result<ProvingKey, KeyError> {
    let (origin, body) = check_header(bytes, PROVING_KEY_MAGIC, "proving", expected)?;
    let inner: ark_groth16::ProvingKey<Bn254> = decode_body(body)?;
    ProvingKey::from_ark(expected, inner, origin)
}

/// Decodes and validates a verifying key made for `expected`.
pub fn verifying_key_from_bytes(
    bytes: &[u8],
    expected: CircuitParams,
) -> Result<VerifyingKey, KeyError> {
    let (origin, body) = check_header(bytes, VERIFYING_KEY_MAGIC, "verifying", expected)?;
    let inner: ark_groth16::VerifyingKey<Bn254> = decode_body(body)?;
    check_vk_shape(&inner)?;
    Ok(VerifyingKey {
        params: expected,
        inner,
        origin,
    })
}

/// Reads `(D, q)` from a key file header without decoding the key (for the CLI).
pub fn peek_params(bytes: &[u8]) -> Result<CircuitParams, KeyError> {
    if bytes.len() < HEADER_LEN
        || (&bytes[..8] != PROVING_KEY_MAGIC && &bytes[..8] != VERIFYING_KEY_MAGIC)
    {
        return Err(KeyError::BadMagic {
            expected: "proving or verifying",
        });
    }
    let version = u16::from_be_bytes([bytes[8], bytes[9]]);
    if version != KEY_FORMAT_VERSION && version != KEY_FORMAT_VERSION_WITH_ORIGIN {
        return Err(KeyError::UnsupportedVersion(version));
    }
    Ok(CircuitParams::new(
        usize::from(bytes[10]),
        usize::from(bytes[11]),
    )?)
}

/// Reads the origin recorded in a key file's header (either kind of key)
/// without decoding the key; version-1 files are single-party keys.
pub fn peek_origin(bytes: &[u8]) -> Result<KeyOrigin, KeyError> {
    peek_params(bytes)?;
    Ok(split_origin(bytes)?.0)
}

/// Writes a proving key file atomically; returns the file's SHA-256 (hex).
pub fn write_proving_key(path: &Path, pk: &ProvingKey) -> Result<String, KeyError> {
    write_atomically(path, &proving_key_to_bytes(pk)?)
}

/// Writes a verifying key file atomically; returns the file's SHA-256 (hex).
pub fn write_verifying_key(path: &Path, vk: &VerifyingKey) -> Result<String, KeyError> {
    write_atomically(path, &verifying_key_to_bytes(vk)?)
}

/// Loads and validates a proving key file made for `(depth, slot_bits)`.
pub fn load_proving_key(
    path: &Path,
    depth: usize,
    slot_bits: usize,
) -> Result<ProvingKey, KeyError> {
    proving_key_from_bytes(&std::fs::read(path)?, CircuitParams::new(depth, slot_bits)?)
}

/// Loads and validates a verifying key file made for `(depth, slot_bits)`.
pub fn load_verifying_key(
    path: &Path,
    depth: usize,
    slot_bits: usize,
) -> Result<VerifyingKey, KeyError> {
    verifying_key_from_bytes(&std::fs::read(path)?, CircuitParams::new(depth, slot_bits)?)
}

fn encode<T: CanonicalSerialize>(
    magic: &[u8; 8],
    params: CircuitParams,
    origin: &KeyOrigin,
    key: &T,
) -> Result<Vec<u8>, KeyError> {
    let mut out = Vec::with_capacity(HEADER_LEN + key.compressed_size());
    out.extend_from_slice(magic);
    let version = match origin {
        KeyOrigin::SingleParty => KEY_FORMAT_VERSION,
        KeyOrigin::Ceremony(_) => KEY_FORMAT_VERSION_WITH_ORIGIN,
    };
    out.extend_from_slice(&version.to_be_bytes());
    // CircuitParams guarantees both fit a byte (<= 32).
    out.push(params.depth() as u8);
    out.push(params.slot_bits() as u8);
    if version == KEY_FORMAT_VERSION_WITH_ORIGIN {
        origin.encode(&mut out)?;
    }
    key.serialize_compressed(&mut out)?;
    Ok(out)
}

/// Checks magic, version and `(D, q)`; returns the origin and the key body.
fn check_header<'a>(
    bytes: &'a [u8],
    magic: &[u8; 8],
    kind: &'static str,
    expected: CircuitParams,
) -> Result<(KeyOrigin, &'a [u8]), KeyError> {
    if bytes.len() < HEADER_LEN || &bytes[..8] != magic {
        return Err(KeyError::BadMagic { expected: kind });
    }
    let found = peek_params(bytes)?;
    if found != expected {
        return Err(KeyError::ParamsMismatch {
            expected_depth: expected.depth(),
            expected_slot_bits: expected.slot_bits(),
            found_depth: found.depth(),
            found_slot_bits: found.slot_bits(),
        });
    }
    split_origin(bytes)
}

/// The origin and the key body after a checked header: version 1 has no
/// origin block and is a single-party key.
fn split_origin(bytes: &[u8]) -> Result<(KeyOrigin, &[u8]), KeyError> {
    let rest = &bytes[HEADER_LEN..];
    if u16::from_be_bytes([bytes[8], bytes[9]]) == KEY_FORMAT_VERSION {
        return Ok((KeyOrigin::SingleParty, rest));
    }
    KeyOrigin::decode(rest)
}

/// Validated compressed decoding that must consume the whole body.
fn decode_body<T: CanonicalDeserialize>(mut body: &[u8]) -> Result<T, KeyError> {
    let key = T::deserialize_with_mode(&mut body, Compress::Yes, Validate::Yes)?;
    if !body.is_empty() {
        return Err(KeyError::TrailingBytes(body.len()));
    }
    Ok(key)
}

/// A proving key's query sizes must be the circuit's: variables for the
/// `a, b` queries, witness variables for `l`, and the QAP domain's size for
/// `h` (`n − 1` coefficients for libsnark's reduction, `n` odd-point
/// evaluations for circom's).
fn check_pk_shape(
    pk: &ark_groth16::ProvingKey<Bn254>,
    matrices: &R1csMatrices,
    reduction: Reduction,
) -> Result<(), KeyError> {
    let (instance, witness) = (matrices.num_instance, matrices.num_witness);
    let variables = instance + witness;
    let sizes = [pk.a_query.len(), pk.b_g1_query.len(), pk.b_g2_query.len()];
    if sizes.iter().any(|&n| n != variables) || pk.l_query.len() != witness {
        return Err(KeyError::ShapeMismatch {
            expected: variables,
            found: pk.a_query.len(),
        });
    }
    let domain = (matrices.num_constraints + instance).next_power_of_two();
    let h = match reduction {
        Reduction::Libsnark => domain - 1,
        Reduction::Circom => domain,
    };
    if pk.h_query.len() != h {
        return Err(KeyError::DomainMismatch {
            expected: h,
            found: pk.h_query.len(),
        });
    }
    Ok(())
}

fn check_vk_shape(vk: &ark_groth16::VerifyingKey<Bn254>) -> Result<(), KeyError> {
    let found = vk.gamma_abc_g1.len().saturating_sub(1);
    if found != NUM_PUBLIC_INPUTS {
        return Err(KeyError::PublicInputCount { found });
    }
    Ok(())
}

/// Writes to a temporary sibling and renames, so a crash never leaves a half key file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<String, KeyError> {
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    Ok(sha256_hex(bytes))
}

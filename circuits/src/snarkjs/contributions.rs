//! Section 10 of a `.zkey`: the phase-2 transcript — the initial circuit
//! hash and each contribution's public key, transcript hash, kind and name
//! (snarkjs `zkey_utils.readMPCParams`). zkcity records the contributions'
//! hashes, computed as snarkjs computes the ones it prints, so an operator
//! can publish them and each contributor can find their own.

use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use blake2::{Blake2b512, Digest};

use super::binfile::Le;
use super::points::Decoder;
use crate::error::SnarkjsError;
use crate::keys::{Ceremony, Contribution};

/// snarkjs's contribution kinds.
const KIND_CONTRIBUTION: u32 = 0;
const KIND_BEACON: u32 = 1;

/// Parameter keys in a contribution's parameter block, in increasing order.
const PARAM_NAME: u8 = 1;
const PARAM_ITERATIONS: u8 = 2;
const PARAM_BEACON_HASH: u8 = 3;

/// One contribution as stored (only what its hash and record need).
struct Stored {
    delta_after: G1Affine,
    g1_s: G1Affine,
    g1_sx: G1Affine,
    g2_spx: G2Affine,
    transcript: [u8; 64],
    beacon: bool,
    name: String,
}

/// Reads section 10 into a ceremony record for a zkey with SHA-256 `zkey_sha256`.
/// Returns the record and the last contribution's `δ` (to compare with the key's).
pub(crate) fn read(
    decoder: &Decoder,
    mut r: Le<'_>,
    zkey_sha256: [u8; 32],
) -> Result<(Ceremony, Option<G1Affine>), SnarkjsError> {
    let circuit_hash = *r.array::<64>()?;
    let count = r.u32()?;
    let mut contributions = Vec::new();
    let mut last_delta = None;
    for _ in 0..count {
        let c = read_one(decoder, &mut r)?;
        last_delta = Some(c.delta_after);
        contributions.push(Contribution {
            hash: contribution_hash(&c),
            name: c.name,
            beacon: c.beacon,
        });
    }
    r.finish()?;
    let ceremony = Ceremony {
        zkey_sha256,
        circuit_hash,
        contributions,
    };
    Ok((ceremony, last_delta))
}

fn read_one(decoder: &Decoder, r: &mut Le<'_>) -> Result<Stored, SnarkjsError> {
    let delta_after = decoder.g1_nonzero(r)?;
    let g1_s = decoder.g1(r)?;
    let g1_sx = decoder.g1(r)?;
    let g2_spx = decoder.g2(r)?;
    let transcript = *r.array::<64>()?;
    let beacon = match r.u32()? {
        KIND_CONTRIBUTION => false,
        KIND_BEACON => true,
        other => return Err(SnarkjsError::Contribution(format!("unknown kind {other}"))),
    };
    let length = usize::try_from(r.u32()?).map_err(|_| SnarkjsError::Truncated("contributions"))?;
    let name = read_params(Le::new(r.take(length)?, "contribution parameters"))?;
    Ok(Stored {
        delta_after,
        g1_s,
        g1_sx,
        g2_spx,
        transcript,
        beacon,
        name,
    })
}

/// The parameter block: `(key, value)` pairs with strictly increasing keys;
/// only the name is kept (the beacon's hash and iteration count are covered
/// by its transcript hash, which `snarkjs zkey verify` recomputes).
fn read_params(mut r: Le<'_>) -> Result<String, SnarkjsError> {
    let mut name = String::new();
    let mut last = 0u8;
    while r.remaining() > 0 {
        let key = r.u8()?;
        if key <= last {
            return Err(SnarkjsError::Contribution("parameters out of order".into()));
        }
        last = key;
        match key {
            PARAM_NAME => {
                let len = usize::from(r.u8()?);
                name = std::str::from_utf8(r.take(len)?)
                    .map_err(|_| SnarkjsError::Contribution("name is not UTF-8".into()))?
                    .to_owned();
            }
            PARAM_ITERATIONS => {
                r.u8()?;
            }
            PARAM_BEACON_HASH => {
                let len = usize::from(r.u8()?);
                r.take(len)?;
            }
            other => {
                return Err(SnarkjsError::Contribution(format!(
                    "unknown parameter {other}"
                )))
            }
        }
    }
    Ok(name)
}

/// BLAKE2b-512 over the contribution's public key and transcript, each
/// point uncompressed big-endian (snarkjs `misc.hashPubKey`).
fn contribution_hash(c: &Stored) -> [u8; 64] {
    let mut h = Blake2b512::new();
    for p in [c.delta_after, c.g1_s, c.g1_sx] {
        h.update(g1_uncompressed(p));
    }
    h.update(g2_uncompressed(c.g2_spx));
    h.update(c.transcript);
    h.finalize().into()
}

fn be(x: Fq) -> [u8; 32] {
    let BigInt(limbs) = x.into_bigint();
    let mut out = [0u8; 32];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(limbs.iter().rev()) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// `x ‖ y` big-endian; the point at infinity is flagged as snarkjs does.
fn g1_uncompressed(p: G1Affine) -> Vec<u8> {
    match p.xy() {
        Some((x, y)) => [be(x), be(y)].concat(),
        None => infinity(64),
    }
}

/// `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0` big-endian (ffjavascript's F2 `toRprBE`).
fn g2_uncompressed(p: G2Affine) -> Vec<u8> {
    match p.xy() {
        Some((x, y)) => [be(x.c1), be(x.c0), be(y.c1), be(y.c0)].concat(),
        None => infinity(128),
    }
}

fn infinity(len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    out[0] = 0x40;
    out
}

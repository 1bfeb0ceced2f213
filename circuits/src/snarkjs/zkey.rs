//! Reading a snarkjs Groth16 `.zkey` (snarkjs `zkey_utils`): ten sections —
//! 1 protocol, 2 Groth16 header (moduli, counts, α, β, γ, δ), 3 `IC`,
//! 4 the `A` and `B` coefficients, 5–9 the `A`, `B₁`, `B₂`, `C` (private
//! wires) and `H` query points, 10 the phase-2 transcript.
//!
//! The points map one to one onto ark-groth16's key: `A → a_query`,
//! `B₁ → b_g1_query`, `B₂ → b_g2_query`, `C → l_query`, `H → h_query`,
//! `IC → gamma_abc_g1`; the `H` points are in circom's odd-point basis
//! ([`crate::qap::CircomReduction`]).

use ark_bn254::{Bn254, Fq, Fr, G1Affine, G2Affine};
use ark_ff::{BigInt, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};

use super::binfile::{Le, Sections};
use super::contributions;
use super::points::{modulus_le, Decoder, N8};
use crate::error::SnarkjsError;
use crate::keys::Ceremony;

const GROTH16: u32 = 1;
const SECTIONS: u32 = 10;

/// Largest `nVars` or domain size accepted before allocating (2²⁸, far past
/// any circuit a BN254 Powers of Tau supports): a hostile header must not
/// make us allocate gigabytes.
const MAX_COUNT: u32 = 1 << 28;

/// One `(matrix, constraint, signal, coefficient)` entry of section 4;
/// matrix 0 is `A`, 1 is `B`.
pub(crate) type Coefficient = (u32, u32, u32, Fr);

/// Everything a zkey holds, decoded and validated point by point.
pub(crate) struct Zkey {
    pub n_vars: usize,
    pub n_public: usize,
    pub domain_size: usize,
    pub coefficients: Vec<Coefficient>,
    pub key: ProvingKey<Bn254>,
    pub ceremony: Ceremony,
    /// `δ` after the last contribution, if there was one.
    pub last_delta: Option<G1Affine>,
}

struct Header {
    n_vars: usize,
    n_public: usize,
    domain_size: usize,
    alpha_g1: G1Affine,
    beta_g1: G1Affine,
    beta_g2: G2Affine,
    gamma_g2: G2Affine,
    delta_g1: G1Affine,
    delta_g2: G2Affine,
}

/// Parses and validates `bytes` as a Groth16 zkey over BN254; `sha256` is
/// the file's hash, recorded in the ceremony.
pub(crate) fn read(bytes: &[u8], sha256: [u8; 32]) -> Result<Zkey, SnarkjsError> {
    let sections = Sections::read(bytes, b"zkey", SECTIONS)?;
    let mut protocol = sections.section(1, "protocol header")?;
    if protocol.u32()? != GROTH16 {
        return Err(SnarkjsError::NotGroth16);
    }
    protocol.finish()?;
    let d = Decoder::new();
    let h = header(&d, sections.section(2, "Groth16 header")?)?;
    let private = h
        .n_vars
        .checked_sub(h.n_public + 1)
        .ok_or(SnarkjsError::Counts)?;
    let ic = g1s(&d, sections.section(3, "IC points")?, h.n_public + 1)?;
    let coefficients = coefficients(&d, sections.section(4, "coefficients")?)?;
    let a_query = g1s(&d, sections.section(5, "A points")?, h.n_vars)?;
    let b_g1_query = g1s(&d, sections.section(6, "B1 points")?, h.n_vars)?;
    let b_g2_query = g2s(&d, sections.section(7, "B2 points")?, h.n_vars)?;
    let l_query = g1s(&d, sections.section(8, "C points")?, private)?;
    let h_query = g1s(&d, sections.section(9, "H points")?, h.domain_size)?;
    let (ceremony, last_delta) =
        contributions::read(&d, sections.section(10, "contributions")?, sha256)?;
    let vk = VerifyingKey {
        alpha_g1: h.alpha_g1,
        beta_g2: h.beta_g2,
        gamma_g2: h.gamma_g2,
        delta_g2: h.delta_g2,
        gamma_abc_g1: ic,
    };
    let key = ProvingKey {
        vk,
        beta_g1: h.beta_g1,
        delta_g1: h.delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    Ok(Zkey {
        n_vars: h.n_vars,
        n_public: h.n_public,
        domain_size: h.domain_size,
        coefficients,
        key,
        ceremony,
        last_delta,
    })
}

/// Section 2: both moduli must be BN254's (`n8 = 32`), then the counts and
/// the fixed points.
fn header(d: &Decoder, mut r: Le<'_>) -> Result<Header, SnarkjsError> {
    check_modulus::<Fq>(&mut r)?;
    check_modulus::<Fr>(&mut r)?;
    let count = |r: &mut Le<'_>| -> Result<usize, SnarkjsError> {
        let n = r.u32()?;
        if n > MAX_COUNT {
            return Err(SnarkjsError::Counts);
        }
        Ok(n as usize)
    };
    let (n_vars, n_public, domain_size) = (count(&mut r)?, count(&mut r)?, count(&mut r)?);
    let header = Header {
        n_vars,
        n_public,
        domain_size,
        alpha_g1: d.g1_nonzero(&mut r)?,
        beta_g1: d.g1_nonzero(&mut r)?,
        beta_g2: d.g2_nonzero(&mut r)?,
        gamma_g2: d.g2_nonzero(&mut r)?,
        delta_g1: d.g1_nonzero(&mut r)?,
        delta_g2: d.g2_nonzero(&mut r)?,
    };
    r.finish()?;
    Ok(header)
}

fn check_modulus<F: PrimeField<BigInt = BigInt<4>>>(r: &mut Le<'_>) -> Result<(), SnarkjsError> {
    if r.u32()? as usize != N8 {
        return Err(SnarkjsError::NotBn254);
    }
    if r.array::<N8>()? != &modulus_le::<F>() {
        return Err(SnarkjsError::NotBn254);
    }
    Ok(())
}

fn g1s(d: &Decoder, mut r: Le<'_>, n: usize) -> Result<Vec<G1Affine>, SnarkjsError> {
    if r.remaining() != n * 2 * N8 {
        return Err(SnarkjsError::Counts);
    }
    let points = (0..n)
        .map(|_| d.g1(&mut r))
        .collect::<Result<Vec<_>, _>>()?;
    r.finish()?;
    Ok(points)
}

fn g2s(d: &Decoder, mut r: Le<'_>, n: usize) -> Result<Vec<G2Affine>, SnarkjsError> {
    if r.remaining() != n * 4 * N8 {
        return Err(SnarkjsError::Counts);
    }
    let points = (0..n)
        .map(|_| d.g2(&mut r))
        .collect::<Result<Vec<_>, _>>()?;
    r.finish()?;
    Ok(points)
}

/// Section 4: a count, then `(matrix, constraint, signal, c·R²)` entries.
fn coefficients(d: &Decoder, mut r: Le<'_>) -> Result<Vec<Coefficient>, SnarkjsError> {
    let n = r.u32()? as usize;
    if r.remaining() != n * (12 + N8) {
        return Err(SnarkjsError::Counts);
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let (matrix, constraint, signal) = (r.u32()?, r.u32()?, r.u32()?);
        out.push((matrix, constraint, signal, d.coefficient(&mut r)?));
    }
    r.finish()?;
    Ok(out)
}

//! Field elements and curve points as snarkjs stores them in a `.zkey`:
//! coordinates in Montgomery form, little-endian ("LEM"), the point at
//! infinity as all zeros, and R1CS coefficients multiplied by `R²`.
//!
//! Every value is checked, never reduced (DESIGN §5, §8): a coordinate at
//! or above the modulus, a point off the curve or outside the prime-order
//! subgroup is refused. `R = 2²⁵⁶` is the Montgomery constant.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Field, PrimeField, Zero};

use super::binfile::Le;
use crate::error::SnarkjsError;

/// Bytes of one base-field element; scalar-field elements have the same size.
pub(crate) const N8: usize = 32;

/// Decodes snarkjs's representations with the Montgomery constants computed once.
pub(crate) struct Decoder {
    /// `R⁻¹ mod q`: a stored coordinate `x·R` times this is `x`.
    q_r_inv: Fq,
    /// `R⁻² mod r`: a stored coefficient `c·R²` times this is `c`.
    r_r2_inv: Fr,
}

impl Decoder {
    pub(crate) fn new() -> Self {
        let q_r = Fq::from(2u64).pow([256u64]);
        let r_r = Fr::from(2u64).pow([256u64]);
        Decoder {
            // Neither R is zero modulo a prime above 2, so the inverses exist.
            q_r_inv: q_r.inverse().unwrap_or_default(),
            r_r2_inv: r_r.square().inverse().unwrap_or_default(),
        }
    }

    fn fq(&self, r: &mut Le<'_>) -> Result<Fq, SnarkjsError> {
        let stored = canonical::<Fq>(r.array::<N8>()?)?;
        Ok(stored * self.q_r_inv)
    }

    /// A G1 point (`x ‖ y`, 64 bytes); all zeros is the point at infinity.
    pub(crate) fn g1(&self, r: &mut Le<'_>) -> Result<G1Affine, SnarkjsError> {
        let (x, y) = (self.fq(r)?, self.fq(r)?);
        if x.is_zero() && y.is_zero() {
            return Ok(G1Affine::zero());
        }
        checked(G1Affine::new_unchecked(x, y))
    }

    /// A G2 point (`x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`, 128 bytes).
    pub(crate) fn g2(&self, r: &mut Le<'_>) -> Result<G2Affine, SnarkjsError> {
        let x = Fq2::new(self.fq(r)?, self.fq(r)?);
        let y = Fq2::new(self.fq(r)?, self.fq(r)?);
        if x.is_zero() && y.is_zero() {
            return Ok(G2Affine::zero());
        }
        checked(G2Affine::new_unchecked(x, y))
    }

    /// A point that must not be the point at infinity (α, β, γ, δ).
    pub(crate) fn g1_nonzero(&self, r: &mut Le<'_>) -> Result<G1Affine, SnarkjsError> {
        let p = self.g1(r)?;
        if p.is_zero() {
            return Err(SnarkjsError::PointAtInfinity);
        }
        Ok(p)
    }

    /// See [`Decoder::g1_nonzero`].
    pub(crate) fn g2_nonzero(&self, r: &mut Le<'_>) -> Result<G2Affine, SnarkjsError> {
        let p = self.g2(r)?;
        if p.is_zero() {
            return Err(SnarkjsError::PointAtInfinity);
        }
        Ok(p)
    }

    /// An R1CS coefficient of the zkey's section 4 (stored as `c·R²`).
    pub(crate) fn coefficient(&self, r: &mut Le<'_>) -> Result<Fr, SnarkjsError> {
        Ok(canonical::<Fr>(r.array::<N8>()?)? * self.r_r2_inv)
    }
}

/// A little-endian integer that must be below the field's modulus.
pub(crate) fn canonical<F: PrimeField<BigInt = BigInt<4>>>(
    bytes: &[u8; N8],
) -> Result<F, SnarkjsError> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(word);
    }
    F::from_bigint(BigInt::new(limbs)).ok_or(SnarkjsError::NonCanonical)
}

/// A field's modulus as 32 little-endian bytes (the `.r1cs` and `.zkey`
/// headers state it this way).
pub(crate) fn modulus_le<F: PrimeField<BigInt = BigInt<4>>>() -> [u8; N8] {
    limbs_le(F::MODULUS)
}

/// The little-endian bytes of a field element's canonical integer.
pub(crate) fn to_le<F: PrimeField<BigInt = BigInt<4>>>(value: F) -> [u8; N8] {
    limbs_le(value.into_bigint())
}

fn limbs_le(value: BigInt<4>) -> [u8; N8] {
    let mut out = [0u8; N8];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(value.0) {
        chunk.copy_from_slice(&limb.to_le_bytes());
    }
    out
}

fn checked<C: SWCurveConfig>(p: Affine<C>) -> Result<Affine<C>, SnarkjsError> {
    if !p.is_on_curve() {
        return Err(SnarkjsError::NotOnCurve);
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(SnarkjsError::NotInSubgroup);
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::short_weierstrass::SWCurveConfig;
    use ark_ec::CurveGroup;

    fn lem(x: Fq) -> [u8; N8] {
        to_le(x * Fq::from(2u64).pow([256u64]))
    }

    #[test]
    fn points_decode_from_montgomery_and_damage_is_refused() {
        let d = Decoder::new();
        let g = (G1Affine::generator() * Fr::from(5u64)).into_affine();
        let mut bytes = [lem(g.x), lem(g.y)].concat();
        assert_eq!(d.g1(&mut Le::new(&bytes, "p")).expect("g1"), g);
        assert!(d.g1(&mut Le::new(&[0u8; 64], "p")).expect("zero").is_zero());
        assert!(matches!(
            d.g1_nonzero(&mut Le::new(&[0u8; 64], "p")),
            Err(SnarkjsError::PointAtInfinity)
        ));
        bytes[40] ^= 1;
        assert!(matches!(
            d.g1(&mut Le::new(&bytes, "p")),
            Err(SnarkjsError::NotOnCurve)
        ));
        let mut above = to_le(Fq::from(0u64) - Fq::from(1u64));
        above[0] = above[0].wrapping_add(1); // q itself: not canonical
        assert!(matches!(
            canonical::<Fq>(&above),
            Err(SnarkjsError::NonCanonical)
        ));
        assert!(matches!(
            d.g1(&mut Le::new(&bytes[..63], "p")),
            Err(SnarkjsError::Truncated("p"))
        ));
    }

    #[test]
    fn coefficients_undo_the_r_squared_factor() {
        let d = Decoder::new();
        let c = Fr::from(123_456u64);
        let stored = to_le(c * Fr::from(2u64).pow([512u64]));
        assert_eq!(d.coefficient(&mut Le::new(&stored, "c")).expect("coef"), c);
    }

    #[test]
    fn g2_points_outside_the_subgroup_are_refused() {
        let d = Decoder::new();
        let g = G2Affine::generator();
        let ok: Vec<u8> = [g.x.c0, g.x.c1, g.y.c0, g.y.c1]
            .into_iter()
            .flat_map(lem)
            .collect();
        assert_eq!(d.g2(&mut Le::new(&ok, "p")).expect("g2"), g);
        // A point on the twist but (with overwhelming probability) not in
        // the r-torsion subgroup: search x = 1, 2, … for one with a square root.
        let b = ark_bn254::g2::Config::COEFF_B;
        let off = (1u64..)
            .find_map(|i| {
                let x = Fq2::new(Fq::from(i), Fq::from(0u64));
                (x * x * x + b)
                    .sqrt()
                    .map(|y| G2Affine::new_unchecked(x, y))
            })
            .expect("a point");
        let bytes: Vec<u8> = [off.x.c0, off.x.c1, off.y.c0, off.y.c1]
            .into_iter()
            .flat_map(lem)
            .collect();
        assert!(matches!(
            d.g2(&mut Le::new(&bytes, "p")),
            Err(SnarkjsError::NotInSubgroup)
        ));
    }
}

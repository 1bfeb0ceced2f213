//! Canonical encodings of BN254 scalar field elements (DESIGN §5, §6, §8).
//!
//! The wire carries field elements as decimal strings and the audit log as
//! 32-byte big-endian words. Both decoders are *canonical*: exactly one
//! encoding per element is accepted and nothing is ever reduced modulo `r`,
//! because `n` and `n + r` must never be two distinct nullifiers (DESIGN §5).
//! In particular `ark_ff`'s `FromStr` for `Fp` reduces (and accepts a sign),
//! and `from_*_bytes_mod_order` wraps; neither is used on input here.

use ark_ff::{BigInt, BigInteger, PrimeField};

use crate::error::FieldError;
use crate::Fr;

/// Decimal digits of the largest value that fits 256 bits; longer input is rejected early.
const MAX_DECIMAL_DIGITS: usize = 78;

/// Parses a canonical decimal field element: ASCII digits only, no sign, no
/// leading zero (except `"0"`), value below the modulus (DESIGN §5 `<Fr>`).
pub fn parse_fr(s: &str) -> Result<Fr, FieldError> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Err(FieldError::Empty);
    }
    if let Some(position) = bytes.iter().position(|b| !b.is_ascii_digit()) {
        return Err(FieldError::NonDigit { position });
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return Err(FieldError::LeadingZero);
    }
    if bytes.len() > MAX_DECIMAL_DIGITS {
        return Err(FieldError::NotBelowModulus);
    }
    let limbs = decimal_to_limbs(bytes).ok_or(FieldError::NotBelowModulus)?;
    // `from_bigint` returns `None` for values >= r (checked in ark-ff 0.6's
    // Montgomery backend); it never reduces.
    Fr::from_bigint(BigInt::new(limbs)).ok_or(FieldError::NotBelowModulus)
}

/// Accumulates ASCII digits into little-endian 64-bit limbs; `None` on 256-bit overflow.
fn decimal_to_limbs(digits: &[u8]) -> Option<[u64; 4]> {
    let mut limbs = [0u64; 4];
    for &d in digits {
        let mut carry = u128::from(d - b'0');
        for limb in &mut limbs {
            let v = u128::from(*limb) * 10 + carry;
            // Truncation is the point: keep the low 64 bits, carry the rest.
            *limb = v as u64;
            carry = v >> 64;
        }
        if carry != 0 {
            return None;
        }
    }
    Some(limbs)
}

/// Formats a field element as its canonical decimal string (inverse of [`parse_fr`]).
pub fn fr_to_decimal(x: &Fr) -> String {
    // ark-ff's `Display` prints the canonical (non-Montgomery) integer in
    // decimal without leading zeros; pinned by the round-trip tests below.
    x.to_string()
}

/// Encodes a field element as 32 big-endian bytes (the audit log's format, DESIGN §6).
pub fn fr_to_bytes(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    out
}

/// Decodes 32 big-endian bytes, rejecting values `>= r` instead of reducing (DESIGN §8).
pub fn fr_from_bytes(bytes: &[u8; 32]) -> Result<Fr, FieldError> {
    let mut limbs = [0u64; 4];
    for (i, chunk) in bytes.rchunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        limbs[i] = u64::from_be_bytes(word);
    }
    Fr::from_bigint(BigInt::new(limbs)).ok_or(FieldError::NotBelowModulus)
}

/// `serde` adapter writing a field element as a canonical decimal string and
/// reading it back through [`parse_fr`], for `#[serde(with = "...")]`.
pub mod serde_decimal {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::Fr;

    /// Serializes as a decimal string.
    pub fn serialize<S: Serializer>(x: &Fr, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::fr_to_decimal(x))
    }

    /// Deserializes from a canonical decimal string; anything else is an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_fr(&s).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field, UniformRand};
    use std::str::FromStr;

    /// r, the BN254 scalar field modulus (circom's `p`, EIP-197's group order).
    const MODULUS: &str =
        "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    const MODULUS_MINUS_ONE: &str =
        "21888242871839275222246405745257275088548364400416034343698204186575808495616";

    #[test]
    fn modulus_constant_matches_arkworks() {
        assert_eq!(Fr::MODULUS.to_string(), MODULUS);
        // ark-ff's own parser reduces; ours must not (this is why it exists).
        assert_eq!(Fr::from_str(MODULUS), Ok(Fr::ZERO));
    }

    #[test]
    fn accepts_canonical_strings() {
        assert_eq!(parse_fr("0"), Ok(Fr::ZERO));
        assert_eq!(parse_fr("1"), Ok(Fr::ONE));
        assert_eq!(parse_fr("1234567890"), Ok(Fr::from(1_234_567_890u64)));
        assert_eq!(parse_fr(MODULUS_MINUS_ONE), Ok(-Fr::ONE));
    }

    #[test]
    fn rejects_non_canonical_strings() {
        assert_eq!(parse_fr(""), Err(FieldError::Empty));
        assert_eq!(parse_fr("01"), Err(FieldError::LeadingZero));
        assert_eq!(parse_fr("00"), Err(FieldError::LeadingZero));
        assert_eq!(parse_fr("+1"), Err(FieldError::NonDigit { position: 0 }));
        assert_eq!(parse_fr("-1"), Err(FieldError::NonDigit { position: 0 }));
        assert_eq!(parse_fr(" 1"), Err(FieldError::NonDigit { position: 0 }));
        assert_eq!(parse_fr("1 "), Err(FieldError::NonDigit { position: 1 }));
        assert_eq!(parse_fr("0x1"), Err(FieldError::NonDigit { position: 1 }));
        assert_eq!(parse_fr("1e3"), Err(FieldError::NonDigit { position: 1 }));
        assert_eq!(parse_fr("１"), Err(FieldError::NonDigit { position: 0 }));
        assert_eq!(parse_fr(MODULUS), Err(FieldError::NotBelowModulus));
        let above = "21888242871839275222246405745257275088548364400416034343698204186575808495618";
        assert_eq!(parse_fr(above), Err(FieldError::NotBelowModulus));
        let max256 =
            "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(parse_fr(max256), Err(FieldError::NotBelowModulus));
        let over256 =
            "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        assert_eq!(parse_fr(over256), Err(FieldError::NotBelowModulus));
        assert_eq!(parse_fr(&"9".repeat(200)), Err(FieldError::NotBelowModulus));
    }

    #[test]
    fn rejects_n_plus_r_for_valid_n() {
        let mut rng = ark_std::test_rng();
        for _ in 0..20 {
            let n = Fr::rand(&mut rng);
            let mut wide = n.into_bigint();
            let overflow = wide.add_with_carry(&Fr::MODULUS);
            assert!(!overflow, "n + r fits 256 bits for BN254");
            assert_eq!(
                parse_fr(&wide.to_string()),
                Err(FieldError::NotBelowModulus)
            );
            assert_eq!(parse_fr(&fr_to_decimal(&n)), Ok(n));
            let bytes = wide.to_bytes_be();
            let arr: [u8; 32] = bytes.try_into().expect("32 bytes");
            assert_eq!(fr_from_bytes(&arr), Err(FieldError::NotBelowModulus));
        }
    }

    #[test]
    fn decimal_and_bytes_round_trip() {
        let mut rng = ark_std::test_rng();
        for _ in 0..100 {
            let x = Fr::rand(&mut rng);
            assert_eq!(parse_fr(&fr_to_decimal(&x)), Ok(x));
            assert_eq!(fr_from_bytes(&fr_to_bytes(&x)), Ok(x));
        }
        let one = fr_to_bytes(&Fr::ONE);
        assert_eq!(one[31], 1);
        assert!(one[..31].iter().all(|&b| b == 0));
        assert_eq!(fr_to_decimal(&Fr::ZERO), "0");
        assert_eq!(fr_from_bytes(&[0xff; 32]), Err(FieldError::NotBelowModulus));
    }

    #[test]
    fn serde_adapter_is_canonical() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct W(#[serde(with = "serde_decimal")] Fr);
        let json = serde_json::to_string(&W(Fr::from(42u64))).expect("serialize");
        assert_eq!(json, "\"42\"");
        assert_eq!(
            serde_json::from_str::<W>("\"42\"").ok(),
            Some(W(Fr::from(42u64)))
        );
        assert!(serde_json::from_str::<W>("\"042\"").is_err());
        assert!(serde_json::from_str::<W>("42").is_err());
    }
}

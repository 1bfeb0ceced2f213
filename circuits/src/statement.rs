//! The public statement of a query proof (DESIGN §4): the query digest `d`,
//! the query commitment `m = P(d, b)` and the four public inputs.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::StatementError;
use crate::field::serde_decimal;
use crate::poseidon::hash2;
use crate::Fr;

/// Domain separator of the query digest (DESIGN §4).
pub const QUERY_DOMAIN: &[u8] = b"zkcity/query/v1";

/// Number of public inputs of the circuit: `root, e, n, m`.
pub const NUM_PUBLIC_INPUTS: usize = 4;

/// Query digest `d` (DESIGN §4): SHA-256 of `"zkcity/query/v1" 0x00 query
/// 0x00 JCS(variables) 0x00 operationName` with JCS per RFC 8785, `null`
/// when there are no variables and the empty string when there is no
/// operation name; the top 3 bits of the first byte are cleared so the
/// 253-bit big-endian integer is always below `r` (no reduction needed).
pub fn query_digest(
    query: &str,
    variables: Option<&serde_json::Value>,
    operation_name: Option<&str>,
) -> Result<Fr, StatementError> {
    let vars = match variables {
        Some(v) => serde_jcs::to_vec(v)?,
        None => b"null".to_vec(),
    };
    let mut h = Sha256::new();
    h.update(QUERY_DOMAIN);
    h.update([0u8]);
    h.update(query.as_bytes());
    h.update([0u8]);
    h.update(&vars);
    h.update([0u8]);
    h.update(operation_name.unwrap_or("").as_bytes());
    let mut bytes: [u8; 32] = h.finalize().into();
    bytes[0] &= 0x1f;
    Ok(digest_to_fr(&bytes))
}

/// A 253-bit big-endian integer as a field element; always canonical since `2^253 < r`.
fn digest_to_fr(bytes: &[u8; 32]) -> Fr {
    use ark_ff::{BigInt, PrimeField};
    let mut limbs = [0u64; 4];
    for (i, chunk) in bytes.rchunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        limbs[i] = u64::from_be_bytes(word);
    }
    // With the top 3 bits cleared the value is < 2^253 < r, so this is Some.
    Fr::from_bigint(BigInt::new(limbs)).unwrap_or_default()
}

/// Query commitment `m = P(d, b)` with the client's fresh blinding `b` (DESIGN §4).
pub fn query_commitment(digest: Fr, blinding: Fr) -> Fr {
    hash2(digest, blinding)
}

/// The circuit's public inputs, in the order the circuit allocates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicInputs {
    /// Membership root the proof was made against.
    #[serde(with = "serde_decimal")]
    pub root: Fr,
    /// Epoch `e = floor(unix_seconds / epoch_seconds)`.
    pub epoch: u64,
    /// Nullifier `n = P(k, e, s)`.
    #[serde(with = "serde_decimal")]
    pub nullifier: Fr,
    /// Query commitment `m = P(d, b)`.
    #[serde(with = "serde_decimal")]
    pub m: Fr,
}

impl PublicInputs {
    /// The inputs as field elements, exactly `[root, e, n, m]` (DESIGN §4).
    pub fn to_vec(&self) -> Vec<Fr> {
        self.to_array().to_vec()
    }

    /// Same as [`Self::to_vec`] without allocating.
    pub fn to_array(&self) -> [Fr; NUM_PUBLIC_INPUTS] {
        [self.root, Fr::from(self.epoch), self.nullifier, self.m]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manual_digest(preimage: &[u8]) -> Fr {
        let mut bytes: [u8; 32] = Sha256::digest(preimage).into();
        bytes[0] &= 0x1f;
        digest_to_fr(&bytes)
    }

    #[test]
    fn digest_follows_the_byte_layout() {
        let q = "query Q($a: Int) { x(a: $a) }";
        let vars = json!({"b": 2, "a": [1, "z"]});
        let d = query_digest(q, Some(&vars), Some("Q")).expect("digest");
        let pre = b"zkcity/query/v1\0query Q($a: Int) { x(a: $a) }\0{\"a\":[1,\"z\"],\"b\":2}\0Q";
        assert_eq!(d, manual_digest(pre));
        let d0 = query_digest("{ x }", None, None).expect("digest");
        assert_eq!(d0, manual_digest(b"zkcity/query/v1\0{ x }\0null\0"));
    }

    #[test]
    fn digest_is_canonical_over_variable_order_and_clears_top_bits() {
        let a = json!({"x": 1, "y": {"q": 1.0, "p": "s"}});
        let b = json!({"y": {"p": "s", "q": 1.0}, "x": 1});
        let da = query_digest("q", Some(&a), None).expect("digest");
        assert_eq!(da, query_digest("q", Some(&b), None).expect("digest"));
        // No operation name is the empty string; any other name changes d.
        assert_eq!(da, query_digest("q", Some(&a), Some("")).expect("digest"));
        assert_ne!(da, query_digest("q", Some(&a), Some("Q")).expect("digest"));
        assert_ne!(da, query_digest("q ", Some(&a), None).expect("digest"));
        // Explicit null variables equal absent variables by construction.
        assert_eq!(
            query_digest("q", Some(&serde_json::Value::Null), None).expect("digest"),
            query_digest("q", None, None).expect("digest")
        );
        for i in 0..50 {
            let d = query_digest(&format!("q{i}"), None, None).expect("digest");
            assert!(crate::field::fr_to_bytes(&d)[0] < 0x20);
        }
    }

    #[test]
    fn public_inputs_order_is_root_epoch_nullifier_m() {
        let p = PublicInputs {
            root: Fr::from(1u64),
            epoch: 2,
            nullifier: Fr::from(3u64),
            m: Fr::from(4u64),
        };
        let v = p.to_vec();
        assert_eq!(v.len(), NUM_PUBLIC_INPUTS);
        assert_eq!(v, (1..=4u64).map(Fr::from).collect::<Vec<_>>());
        let json = serde_json::to_value(p).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({"root": "1", "epoch": 2, "nullifier": "3", "m": "4"})
        );
        assert_eq!(
            query_commitment(Fr::from(1u64), Fr::from(2u64)),
            hash2(Fr::from(1u64), Fr::from(2u64))
        );
    }
}

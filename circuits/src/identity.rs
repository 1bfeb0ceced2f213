//! Identities, commitments and nullifiers, natively (DESIGN §4).

use std::fmt;

use ark_ff::{UniformRand, Zero};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::field::serde_decimal;
use crate::poseidon::{hash2, hash3};
use crate::Fr;

/// A requester's secret identity: nullifier key `k` and trapdoor `t`, both
/// uniformly random in `Fr` (DESIGN §4).
///
/// Serializes as `{"k": "<decimal>", "t": "<decimal>"}` (canonical decimals,
/// see [`crate::field::parse_fr`]). `Debug` never prints the secrets
/// (STYLE §14), only the public commitment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Secret nullifier key: whoever knows it can spend this identity's slots.
    #[serde(with = "serde_decimal")]
    pub k: Fr,
    /// Secret trapdoor: blinds the commitment so `k` cannot be guessed from `c`.
    #[serde(with = "serde_decimal")]
    pub t: Fr,
}

impl Identity {
    /// Draws a fresh identity from a cryptographic RNG.
    ///
    /// Re-draws in the (negligible) case that the commitment is `0`, the
    /// empty-leaf value the tree refuses (DESIGN §8).
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let id = Identity {
                k: Fr::rand(rng),
                t: Fr::rand(rng),
            };
            if !id.commitment().is_zero() {
                return id;
            }
        }
    }

    /// Identity commitment `c = P(k, t)`: the public leaf registered in the membership tree.
    pub fn commitment(&self) -> Fr {
        hash2(self.k, self.t)
    }

    /// This identity's nullifier for `(epoch, slot)`: see [`nullifier`].
    pub fn nullifier(&self, epoch: u64, slot: u64) -> Fr {
        nullifier(self.k, epoch, slot)
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("k", &"<redacted>")
            .field("t", &"<redacted>")
            .field("commitment", &self.commitment().to_string())
            .finish()
    }
}

/// Nullifier `n = P(k, e, s)`: one use per (identity, epoch, slot) (DESIGN §4).
pub fn nullifier(k: Fr, epoch: u64, slot: u64) -> Fr {
    hash3(k, Fr::from(epoch), Fr::from(slot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let id = Identity {
            k: Fr::from(123_456_789u64),
            t: Fr::from(987_654_321u64),
        };
        let shown = format!("{id:?}");
        assert!(!shown.contains("123456789"), "{shown}");
        assert!(!shown.contains("987654321"), "{shown}");
        assert!(shown.contains(&id.commitment().to_string()));
    }

    #[test]
    fn commitment_and_nullifier_follow_design() {
        let id = Identity {
            k: Fr::from(1u64),
            t: Fr::from(2u64),
        };
        assert_eq!(id.commitment(), hash2(Fr::from(1u64), Fr::from(2u64)));
        assert_eq!(
            id.nullifier(2, 3),
            hash3(Fr::from(1u64), Fr::from(2u64), Fr::from(3u64))
        );
        assert_ne!(id.nullifier(2, 3), id.nullifier(2, 4));
        assert_ne!(id.nullifier(2, 3), id.nullifier(3, 3));
    }

    #[test]
    fn serde_round_trip_uses_canonical_decimals() {
        let id = Identity::random(&mut rand::thread_rng());
        let json = serde_json::to_string(&id).expect("serialize");
        let back: Identity = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, id);
        assert!(serde_json::from_str::<Identity>(r#"{"k":"01","t":"2"}"#).is_err());
        assert!(serde_json::from_str::<Identity>(r#"{"k":"-1","t":"2"}"#).is_err());
    }
}

//! Capabilities for image bytes (DESIGN §5 amendment): tile bytes are data
//! of the traffic unit, so when that unit is gated `GET /images/{sha256}`
//! serves them only with a capability that an accepted answer issued.
//!
//! A capability is `EXPIRY.MAC`: the expiry (unix seconds) and
//! HMAC-SHA-256(key, sha256 ‖ expiry). The key is derived from the log key,
//! so every server process of the deployment accepts every other's. The
//! expiry is rounded up to a whole minute at most ten minutes ahead, so a
//! capability says nothing about its requester beyond the minute of the
//! accepted query that issued it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The longest a capability lives.
pub const MAX_LIFETIME_SECS: u64 = 600;

/// Label of the key derived from the log key.
const KEY_LABEL: &str = "zkcity/image-capability/v1";

/// Issues and checks image capabilities.
#[derive(Clone)]
pub struct Capabilities {
    key: [u8; 32],
}

impl std::fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Capabilities { key: <secret> }")
    }
}

impl Capabilities {
    /// Capabilities keyed from the log key of `ledger`.
    pub fn from_ledger(ledger: &zkcity_ledger::Ledger) -> Self {
        Self {
            key: ledger.derive_secret(KEY_LABEL),
        }
    }

    fn mac(&self, sha256: &str, expiry: u64) -> Hmac<Sha256> {
        // HMAC takes a key of any length; 32 bytes cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(sha256.as_bytes());
        mac.update(&expiry.to_be_bytes());
        mac
    }

    /// A capability for the tile `sha256`, issued at `now` (unix seconds).
    pub fn issue(&self, sha256: &str, now: u64) -> String {
        let expiry = (now + MAX_LIFETIME_SECS) / 60 * 60;
        let tag = self.mac(sha256, expiry).finalize().into_bytes();
        format!("{expiry}.{}", hex::encode(tag))
    }

    /// Whether `cap` opens the tile `sha256` at `now`: well formed, not
    /// expired, not from further ahead than an issuer would set, and its MAC
    /// right (compared in constant time).
    pub fn check(&self, sha256: &str, cap: &str, now: u64) -> bool {
        let Some((expiry, tag)) = cap.split_once('.') else {
            return false;
        };
        let (Ok(expiry), Ok(tag)) = (expiry.parse::<u64>(), hex::decode(tag)) else {
            return false;
        };
        if expiry < now || expiry > now + MAX_LIFETIME_SECS {
            return false;
        }
        self.mac(sha256, expiry).verify_slice(&tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TILE: &str = "ab";

    fn caps(k: u8) -> Capabilities {
        Capabilities { key: [k; 32] }
    }

    #[test]
    fn an_issued_capability_opens_its_tile_until_it_expires() {
        let now = 1_800_000_000;
        let cap = caps(1).issue(TILE, now);
        assert!(caps(1).check(TILE, &cap, now));
        assert!(caps(1).check(TILE, &cap, now + 540));
        assert!(
            !caps(1).check(TILE, &cap, now + MAX_LIFETIME_SECS + 1),
            "expired"
        );
        assert!(!caps(1).check("cd", &cap, now), "another tile");
        assert!(!caps(2).check(TILE, &cap, now), "another key");
    }

    #[test]
    fn forged_and_malformed_capabilities_are_refused() {
        let now = 1_800_000_000;
        let cap = caps(1).issue(TILE, now);
        let (expiry, tag) = cap.split_once('.').unwrap_or_default();
        let later = format!("{}.{tag}", expiry.parse::<u64>().unwrap_or(0) + 60);
        assert!(!caps(1).check(TILE, &later, now), "expiry moved");
        let far = caps(1).issue(TILE, now + 3600);
        assert!(!caps(1).check(TILE, &far, now), "too far ahead");
        for bad in [
            "",
            ".",
            "x.y",
            "1.zz",
            &format!("{expiry}."),
            &format!("{expiry}.00"),
        ] {
            assert!(!caps(1).check(TILE, bad, now), "{bad:?}");
        }
    }

    #[test]
    fn capabilities_of_one_minute_are_the_same() {
        let c = caps(1);
        assert_eq!(c.issue(TILE, 1_800_000_000), c.issue(TILE, 1_800_000_019));
    }
}

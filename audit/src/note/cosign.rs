//! C2SP tlog-cosignature `cosignature/v1`: a witness's timestamped Ed25519
//! signature over a checkpoint (DESIGN §6 amendment "Witnesses").
//!
//! - key id: first 4 bytes of `SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)`;
//! - verifier key: `name+hex(keyid)+base64(0x04 ‖ public key)` (a vkey of type 0x04);
//! - signed message: `"cosignature/v1\n" + "time <T>\n" + checkpoint body`;
//! - signature line: `— name base64(keyid ‖ u64be T ‖ Ed25519 signature)`.
//!
//! The witness's secret key file has the shape of the log's
//! (`PRIVATE+KEY+name+hex(keyid)+base64(0x04 ‖ seed)`), mode 0600.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use super::keyfile::{decode_private, encode_private};
use super::{
    check_name, key_id_for, parse_sig_line, parse_verifier_key, split_note, write_verifier_key,
    SIG_PREFIX,
};
use crate::error::NoteError;

/// Signature type byte of `cosignature/v1` keys (C2SP tlog-cosignature).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// Largest timestamp a cosignature may carry (2^63 - 1).
const MAX_TIMESTAMP: u64 = i64::MAX as u64;
/// Length of the decoded signature blob: key id, timestamp, signature.
const BLOB_LEN: usize = 4 + 8 + 64;

/// The message a `cosignature/v1` signs for `body` at `timestamp`.
fn message(body: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{body}")
}

/// A witness's signing key and name. `Debug` never shows the key.
#[derive(Clone)]
pub struct WitnessSigner {
    name: String,
    signing_key: SigningKey,
}

impl fmt::Debug for WitnessSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::debug_redacted(f, "WitnessSigner", &self.name)
    }
}

impl WitnessSigner {
    /// A fresh key from the operating system's random generator.
    pub fn generate(name: &str) -> Result<WitnessSigner, NoteError> {
        Self::from_seed(name, rand::random())
    }

    /// A signer from a 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<WitnessSigner, NoteError> {
        check_name(name)?;
        Ok(WitnessSigner {
            name: name.to_owned(),
            signing_key: SigningKey::from_bytes(&seed),
        })
    }

    /// The key name, which appears in every cosignature line.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public verifier key.
    pub fn verifier(&self) -> WitnessKey {
        let key = self.signing_key.verifying_key();
        WitnessKey {
            name: self.name.clone(),
            key_id: key_id_for(&self.name, ALG_COSIGNATURE_V1, &key),
            key,
        }
    }

    /// Cosigns a checkpoint note body (`origin\nsize\nroot\n`) at `timestamp`
    /// (POSIX seconds) and returns the signature line, ending in a newline.
    pub fn cosign(&self, body: &str, timestamp: u64) -> Result<String, NoteError> {
        if !body.ends_with('\n') || timestamp > MAX_TIMESTAMP {
            return Err(NoteError::Malformed);
        }
        let sig = self.signing_key.sign(message(body, timestamp).as_bytes());
        let mut blob = self.verifier().key_id.to_vec();
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&sig.to_bytes());
        Ok(format!(
            "{SIG_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(blob)
        ))
    }

    /// The secret key file text.
    pub fn to_key_file(&self) -> String {
        let id = self.verifier().key_id;
        encode_private(
            &self.name,
            ALG_COSIGNATURE_V1,
            id,
            self.signing_key.as_bytes(),
        )
    }

    /// Parses a secret key file, checking its key id.
    pub fn from_key_file(text: &str) -> Result<WitnessSigner, NoteError> {
        let (name, id, seed) = decode_private(text, ALG_COSIGNATURE_V1)?;
        let signer = WitnessSigner::from_seed(name, seed)?;
        if signer.verifier().key_id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// Reads a key file written by [`WitnessSigner::save`].
    pub fn load(path: &Path) -> Result<WitnessSigner, NoteError> {
        let text = std::fs::read_to_string(path).map_err(|e| NoteError::Io(e.to_string()))?;
        WitnessSigner::from_key_file(&text)
    }

    /// Writes the key file with mode 0600, refusing to overwrite one.
    pub fn save(&self, path: &Path) -> Result<(), NoteError> {
        super::write_secret_file(path, self.to_key_file().as_bytes())
            .map_err(|e| NoteError::Io(e.to_string()))
    }
}

/// A valid cosignature found in a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// The witness key name.
    pub name: String,
    /// When the witness cosigned (POSIX seconds).
    pub timestamp: u64,
}

/// A pinned witness public key, parsed from `name+hex(keyid)+base64(0x04‖pubkey)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_verifier_key(f, &self.name, self.key_id, ALG_COSIGNATURE_V1, &self.key)
    }
}

impl WitnessKey {
    /// Parses a verifier key string, checking that its key id matches the key.
    pub fn parse(s: &str) -> Result<WitnessKey, NoteError> {
        let (name, key_id, key) = parse_verifier_key(s.trim(), ALG_COSIGNATURE_V1)?;
        Ok(WitnessKey { name, key_id, key })
    }

    /// The witness key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks one signature line over `body`: `None` if the line is another
    /// key's, the cosignature if it is this key's and verifies.
    pub fn verify_line(&self, body: &str, line: &str) -> Result<Option<Cosignature>, NoteError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let (name, blob) = parse_sig_line(line)?;
        if name != self.name || blob[..4] != self.key_id {
            return Ok(None);
        }
        if blob.len() != BLOB_LEN {
            return Err(NoteError::BadSignature);
        }
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&blob[4..12]);
        let timestamp = u64::from_be_bytes(ts);
        let sig = Signature::from_slice(&blob[12..]).map_err(|_| NoteError::BadSignature)?;
        if timestamp > MAX_TIMESTAMP {
            return Err(NoteError::BadSignature);
        }
        self.key
            .verify_strict(message(body, timestamp).as_bytes(), &sig)
            .map_err(|_| NoteError::BadSignature)?;
        Ok(Some(Cosignature {
            name: name.to_owned(),
            timestamp,
        }))
    }

    /// This witness's cosignature in a signed note: [`NoteError::UnknownKey`]
    /// when the note has none, [`NoteError::BadSignature`] when one fails.
    pub fn find(&self, note: &str) -> Result<Cosignature, NoteError> {
        let (body, lines) = split_note(note)?;
        let mut found = None;
        for line in lines {
            if let Some(c) = self.verify_line(body, line)? {
                found = Some(c);
            }
        }
        found.ok_or(NoteError::UnknownKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Checkpoint, LogSigner};

    fn note() -> (String, String) {
        let log = LogSigner::from_seed("example.org/log", [1; 32]).expect("log");
        let cp = Checkpoint {
            origin: "example.org/log".into(),
            size: 7,
            root: [3; 32],
        };
        (cp.to_note_body(), log.sign(&cp).expect("sign"))
    }

    #[test]
    fn cosign_and_find_round_trip() {
        let w = WitnessSigner::from_seed("witness.example/w1", [2; 32]).expect("w");
        let (body, note) = note();
        let line = w.cosign(&body, 1_679_315_147).expect("cosign");
        let cosigned = format!("{note}{line}");
        let key = WitnessKey::parse(&w.verifier().to_string()).expect("key");
        let c = key.find(&cosigned).expect("found");
        assert_eq!(c.timestamp, 1_679_315_147);
        // The log key still opens the note with the extra line.
        let log = LogSigner::from_seed("example.org/log", [1; 32]).expect("log");
        assert!(log.verifier().open(&cosigned).is_ok());
        // Not present, tampered, or another key.
        assert_eq!(key.find(&note), Err(NoteError::UnknownKey));
        let other = WitnessSigner::from_seed("witness.example/w1", [9; 32]).expect("w");
        let tampered = cosigned.replacen("\n7\n", "\n8\n", 1);
        assert_eq!(key.find(&tampered), Err(NoteError::BadSignature));
        let foreign = format!("{note}{}", other.cosign(&body, 5).expect("cosign"));
        assert_eq!(key.find(&foreign), Err(NoteError::UnknownKey));
    }

    #[test]
    fn keys_round_trip_and_reject_the_wrong_type() {
        let w = WitnessSigner::from_seed("w", [4; 32]).expect("w");
        let vkey = w.verifier().to_string();
        assert_eq!(WitnessKey::parse(&vkey).map(|k| k.to_string()), Ok(vkey));
        let back = WitnessSigner::from_key_file(&w.to_key_file()).expect("file");
        assert_eq!(back.verifier(), w.verifier());
        assert!(!format!("{w:?}").contains(&hex::encode([4u8; 32])));
        // A log (type 0x01) key is not a witness key, and vice versa.
        let log = LogSigner::from_seed("w", [4; 32]).expect("log");
        assert_eq!(
            WitnessKey::parse(&log.verifier_key()),
            Err(NoteError::UnsupportedAlgorithm)
        );
        assert!(crate::LogVerifierKey::parse(&w.verifier().to_string()).is_err());
    }
}

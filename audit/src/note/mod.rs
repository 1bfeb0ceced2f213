//! C2SP signed notes with Ed25519 (DESIGN §8), compatible with Go's
//! `golang.org/x/mod/sumdb/note`.
//!
//! - signed note: `text + "\n" + "— name base64(keyid ‖ signature)\n"` (U+2014);
//! - key id: first 4 bytes of `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)`;
//! - verifier key: `name+hex(keyid)+base64(0x01 ‖ public key)`;
//! - signer key file: `PRIVATE+KEY+name+hex(keyid)+base64(0x01 ‖ seed)`, Go's format,
//!   so keys can be used with the Go tooling as well (`LogSigner::to_key_file`).

pub mod cosign;
mod keyfile;

pub use cosign::{Cosignature, WitnessKey, WitnessSigner};
pub use keyfile::write_secret_file;

use crate::checkpoint::Checkpoint;
use crate::error::NoteError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;

/// Algorithm byte of Ed25519 in key strings and key-id hashing.
pub(crate) const ALG_ED25519: u8 = 0x01;
/// Prefix of every signature line: em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// Prefix of a signer key string.
pub(crate) const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";
/// Signature lines read at most, as in Go's implementation.
const MAX_SIGNATURES: usize = 100;

/// Key id: first 4 bytes of `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey)` (C2SP signed-note).
pub fn key_id(name: &str, public_key: &VerifyingKey) -> [u8; 4] {
    key_id_for(name, ALG_ED25519, public_key)
}

/// Key id of a key of signature type `alg` (0x01 Ed25519 note signatures,
/// 0x04 C2SP tlog-cosignature `cosignature/v1`).
pub(crate) fn key_id_for(name: &str, alg: u8, public_key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, alg]);
    h.update(public_key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A key name is non-empty and has no whitespace and no `+` (C2SP signed-note).
fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::BadKeyName);
    }
    Ok(())
}

/// Splits `name+hex8+base64(alg ‖ key)` and checks the name, the key id's
/// shape and the signature type byte.
pub(crate) fn split_key_of(s: &str, alg: u8) -> Result<(&str, [u8; 4], Vec<u8>), NoteError> {
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::MalformedKey);
    };
    check_name(name)?;
    let mut id = [0u8; 4];
    if id_hex.len() != 8 || id_hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(NoteError::MalformedKey);
    }
    hex::decode_to_slice(id_hex, &mut id).map_err(|_| NoteError::MalformedKey)?;
    let raw = STANDARD.decode(b64).map_err(|_| NoteError::MalformedKey)?;
    match raw.split_first() {
        Some((&a, rest)) if a == alg && rest.len() == 32 => Ok((name, id, rest.to_vec())),
        Some((&a, _)) if a == alg => Err(NoteError::MalformedKey),
        _ => Err(NoteError::UnsupportedAlgorithm),
    }
}

/// The log's Ed25519 signing key and name. `Debug` never shows the key.
#[derive(Clone)]
pub struct LogSigner {
    name: String,
    signing_key: SigningKey,
}

impl fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_redacted(f, "LogSigner", &self.name)
    }
}

/// `Debug` of a signer: its name, never its key (STYLE §14).
pub(crate) fn debug_redacted(f: &mut fmt::Formatter<'_>, ty: &str, name: &str) -> fmt::Result {
    f.debug_struct(ty)
        .field("name", &name)
        .field("signing_key", &"<redacted>")
        .finish()
}

impl LogSigner {
    /// A fresh key from the operating system's random generator.
    pub fn generate(name: &str) -> Result<LogSigner, NoteError> {
        check_name(name)?;
        let signing_key = SigningKey::generate(&mut rand::rngs::OsRng);
        Ok(LogSigner {
            name: name.to_owned(),
            signing_key,
        })
    }

    /// A signer from a 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<LogSigner, NoteError> {
        check_name(name)?;
        Ok(LogSigner {
            name: name.to_owned(),
            signing_key: SigningKey::from_bytes(&seed),
        })
    }

    /// The key name, which appears in every signature line.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A secret for another purpose (`label`), derived from this key so
    /// every process holding the log key agrees on it, and independent of
    /// the signatures: SHA-256(`label` ‖ 0x00 ‖ seed).
    pub fn derive_secret(&self, label: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(label.as_bytes());
        h.update([0u8]);
        h.update(self.signing_key.to_bytes());
        h.finalize().into()
    }

    /// Signs `text` (which must end with a newline) and returns the full note.
    pub fn sign_text(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let sig = self.signing_key.sign(text.as_bytes());
        let mut blob = key_id(&self.name, &self.signing_key.verifying_key()).to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(blob)
        ))
    }

    /// Signs a checkpoint: `body + "\n" + "— name base64(keyid‖sig)\n"`.
    /// Refuses a checkpoint whose body would not parse back to itself (an
    /// origin with a newline could smuggle extra lines into the signed text).
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, NoteError> {
        let body = checkpoint.to_note_body();
        if Checkpoint::parse(&body).as_ref() != Ok(checkpoint) {
            return Err(NoteError::Checkpoint(
                crate::error::CheckpointError::BadOrigin,
            ));
        }
        self.sign_text(&body)
    }

    /// The public verifier key string `name+hex(keyid)+base64(0x01‖pubkey)`.
    pub fn verifier_key(&self) -> String {
        self.verifier().to_string()
    }

    /// The public verifier key.
    pub fn verifier(&self) -> LogVerifierKey {
        let key = self.signing_key.verifying_key();
        LogVerifierKey {
            name: self.name.clone(),
            key_id: key_id(&self.name, &key),
            key,
        }
    }
}

/// Note text must end with a newline and hold no control characters but newline.
fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed);
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::ControlCharacter);
    }
    Ok(())
}

/// A pinned log public key, parsed from `name+hex(keyid)+base64(0x01‖pubkey)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogVerifierKey {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl fmt::Display for LogVerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_verifier_key(f, &self.name, self.key_id, ALG_ED25519, &self.key)
    }
}

/// Writes a verifier key string `name+hex(keyid)+base64(alg ‖ pubkey)`
/// (C2SP signed-note; `alg` 0x01 for log keys, 0x04 for witness keys).
pub(crate) fn write_verifier_key(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    key_id: [u8; 4],
    alg: u8,
    key: &VerifyingKey,
) -> fmt::Result {
    let mut raw = vec![alg];
    raw.extend_from_slice(key.as_bytes());
    write!(f, "{name}+{}+{}", hex::encode(key_id), STANDARD.encode(raw))
}

/// Parses a verifier key string of signature type `alg`, checking that its
/// key id is the one of its name and key.
pub(crate) fn parse_verifier_key(
    s: &str,
    alg: u8,
) -> Result<(String, [u8; 4], VerifyingKey), NoteError> {
    let (name, key_id, raw) = split_key_of(s, alg)?;
    let bytes: [u8; 32] = raw.try_into().map_err(|_| NoteError::MalformedKey)?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| NoteError::BadPublicKey)?;
    if key_id_for(name, alg, &key) != key_id {
        return Err(NoteError::KeyIdMismatch);
    }
    Ok((name.to_owned(), key_id, key))
}

impl LogVerifierKey {
    /// Parses a verifier key string, checking that its key id matches the key.
    pub fn parse(s: &str) -> Result<LogVerifierKey, NoteError> {
        let (name, key_id, key) = parse_verifier_key(s, ALG_ED25519)?;
        Ok(LogVerifierKey { name, key_id, key })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// Verifies a signed note and returns its text. Signature lines of other
    /// keys are ignored; every line with this key's name and id must verify.
    pub fn open_text<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let (text, lines) = split_note(note)?;
        let mut matched = false;
        for line in lines {
            let (name, blob) = parse_sig_line(line)?;
            if name != self.name || blob[..4] != self.key_id {
                continue;
            }
            let sig = Signature::from_slice(&blob[4..]).map_err(|_| NoteError::BadSignature)?;
            self.key
                .verify_strict(text.as_bytes(), &sig)
                .map_err(|_| NoteError::BadSignature)?;
            matched = true;
        }
        if !matched {
            return Err(NoteError::UnknownKey);
        }
        Ok(text)
    }

    /// Verifies a signed checkpoint note and parses its body.
    pub fn open(&self, note: &str) -> Result<Checkpoint, NoteError> {
        Ok(Checkpoint::parse(self.open_text(note)?)?)
    }
}

/// Splits a signed note into its text (ending in a newline) and its
/// signature lines (C2SP signed-note), checking the text's characters and
/// the number of lines, but not the lines themselves.
pub fn split_note(note: &str) -> Result<(&str, Vec<&str>), NoteError> {
    let split = note.rfind("\n\n").ok_or(NoteError::Malformed)?;
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    check_text(text)?;
    let sigs = sigs.strip_suffix('\n').ok_or(NoteError::Malformed)?;
    let lines: Vec<&str> = sigs.split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures);
    }
    Ok((text, lines))
}

/// Parses `— name base64(keyid‖sig)` into the name and the decoded blob (≥ 5 bytes).
pub(crate) fn parse_sig_line(line: &str) -> Result<(&str, Vec<u8>), NoteError> {
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or(NoteError::BadSignatureLine)?;
    let (name, b64) = rest.split_once(' ').ok_or(NoteError::BadSignatureLine)?;
    check_name(name).map_err(|_| NoteError::BadSignatureLine)?;
    let blob = STANDARD
        .decode(b64)
        .map_err(|_| NoteError::BadSignatureLine)?;
    if blob.len() < 5 || line.chars().any(char::is_control) {
        return Err(NoteError::BadSignatureLine);
    }
    Ok((name, blob))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp() -> Checkpoint {
        Checkpoint {
            origin: "example.org/log".into(),
            size: 3,
            root: [9; 32],
        }
    }

    #[test]
    fn sign_open_round_trip_and_format() {
        let signer = LogSigner::from_seed("example.org/log", [1; 32]).expect("signer");
        let note = signer.sign(&cp()).expect("sign");
        assert!(note.starts_with(&cp().to_note_body()));
        assert!(note.contains("\n\n\u{2014} example.org/log "));
        let key = LogVerifierKey::parse(&signer.verifier_key()).expect("key");
        assert_eq!(key.open(&note), Ok(cp()));
        assert_eq!(key.to_string(), signer.verifier_key());
    }

    #[test]
    fn rejects_tampered_and_foreign_notes() {
        let signer = LogSigner::from_seed("log", [1; 32]).expect("signer");
        let other = LogSigner::from_seed("log", [2; 32]).expect("signer");
        let key = signer.verifier();
        let note = signer.sign(&cp()).expect("sign");
        let tampered = note.replacen("\n3\n", "\n4\n", 1);
        assert_eq!(key.open(&tampered), Err(NoteError::BadSignature));
        assert_eq!(
            key.open(&other.sign(&cp()).expect("sign")),
            Err(NoteError::UnknownKey)
        );
        assert_eq!(key.open(note.trim_end()), Err(NoteError::Malformed));
        assert_eq!(
            key.open(&note.replace('\u{2014}', "-")),
            Err(NoteError::BadSignatureLine)
        );
        // A second valid signature from another key is ignored.
        let both = format!(
            "{note}{}",
            other
                .sign(&cp())
                .expect("sign")
                .split("\n\n")
                .nth(1)
                .unwrap_or("")
        );
        assert_eq!(key.open(&both), Ok(cp()));
    }
}

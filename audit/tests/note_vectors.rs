//! C2SP signed-note known answers.
//!
//! - `PeterNeumann` / `EnochRoot`: the example of Go's reference implementation,
//!   golang.org/x/mod/sumdb/note (package documentation and `note_test.go`).
//! - `example.com/foo`: the worked example of the C2SP specification,
//!   github.com/C2SP/C2SP `signed-note.md` ("Example").
//!
//! Ed25519 signatures are deterministic (RFC 8032), so signing the same text
//! with the same seed must reproduce the published signature line exactly.

use zkcity_audit::{LogSigner, LogVerifierKey, NoteError};

const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

const SPEC_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const SPEC_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

#[test]
fn go_reference_signature_is_reproduced_byte_for_byte() {
    let signer = LogSigner::from_key_file(PETER_SKEY).expect("Go signer key");
    assert_eq!(signer.verifier_key(), PETER_VKEY);
    assert_eq!(signer.sign_text(TEXT), Ok(format!("{TEXT}\n{PETER_SIG}")));
    assert_eq!(signer.to_key_file(), format!("{PETER_SKEY}\n"));
}

#[test]
fn go_reference_note_opens_with_either_key() {
    let note = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let peter = LogVerifierKey::parse(PETER_VKEY).expect("peter");
    let enoch = LogVerifierKey::parse(ENOCH_VKEY).expect("enoch");
    assert_eq!(hex::encode(peter.key_id()), "c74f20a3");
    assert_eq!(peter.open_text(&note), Ok(TEXT));
    assert_eq!(enoch.open_text(&note), Ok(TEXT));
    assert_eq!(
        enoch.open_text(&format!("{TEXT}\n{PETER_SIG}")),
        Err(NoteError::UnknownKey)
    );
}

#[test]
fn spec_example_verifies() {
    let key = LogVerifierKey::parse(SPEC_VKEY).expect("spec key");
    assert_eq!(key.name(), "example.com/foo");
    assert_eq!(key.to_string(), SPEC_VKEY);
    assert_eq!(
        key.open_text(SPEC_NOTE),
        Ok("This is an example message.\n")
    );
    let altered = SPEC_NOTE.replace("example message", "example massage");
    assert_eq!(key.open_text(&altered), Err(NoteError::BadSignature));
}

/// Manglings from Go's `TestNewVerifier`: every strict substring and every
/// single-byte increment of the key must be rejected.
#[test]
fn mangled_verifier_keys_are_rejected() {
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if (i, j) == (0, b.len()) {
                continue;
            }
            if let Ok(s) = std::str::from_utf8(&b[i..j]) {
                assert!(LogVerifierKey::parse(s).is_err(), "{s:?}");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        if let Ok(s) = std::str::from_utf8(&m) {
            assert!(LogVerifierKey::parse(s).is_err(), "{s:?}");
        }
    }
    // Wrong key length and unknown algorithm, each with an adjusted key id.
    assert!(LogVerifierKey::parse(
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
    )
    .is_err());
    assert!(LogVerifierKey::parse(
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    )
    .is_err());
}

/// Manglings from Go's `TestNewSigner`.
#[test]
fn mangled_signer_keys_are_rejected() {
    let b = PETER_SKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if (i, j) == (0, b.len()) {
                continue;
            }
            if let Ok(s) = std::str::from_utf8(&b[i..j]) {
                assert!(LogSigner::from_key_file(s).is_err(), "{s:?}");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        if let Ok(s) = std::str::from_utf8(&m) {
            assert!(LogSigner::from_key_file(s).is_err(), "{s:?}");
        }
    }
}

#[test]
fn malformed_notes_are_rejected() {
    let key = LogVerifierKey::parse(PETER_VKEY).expect("peter");
    let good = format!("{TEXT}\n{PETER_SIG}");
    let bad = [
        TEXT.to_owned(),                                        // no signatures
        format!("{TEXT}{PETER_SIG}"),                           // no blank line
        format!("{TEXT}\n{}", PETER_SIG.trim_end()),            // no final newline
        format!("{TEXT}\n{PETER_SIG}\n"),                       // empty signature line
        format!("{TEXT}\n{}", PETER_SIG.replace("— ", "-- ")),  // wrong dash
        format!("{TEXT}\n\u{2014} PeterNeumann AAAA\n"),        // blob too short
        format!("{TEXT}\n\u{2014} PeterNeumann !!!!\n"),        // not base64
        format!("{}\n{PETER_SIG}", TEXT.replace(',', "\u{7}")), // control character
        format!("{TEXT}\n{}", PETER_SIG.repeat(101)),           // too many signatures
    ];
    assert_eq!(key.open_text(&good), Ok(TEXT));
    for note in &bad {
        assert!(key.open_text(note).is_err(), "{note:?}");
    }
}

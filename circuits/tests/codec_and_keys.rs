//! Proof decoding rejects malformed points; key files round-trip and are
//! validated (DESIGN §5 `MALFORMED_PROOF`, §8 checked decoding).

mod common;

use ark_bn254::{Fq, Fq2, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::UniformRand;
use ark_serialize::CanonicalSerialize;
use common::*;
use zkcity_circuits::error::{KeyError, ProofDecodeError};
use zkcity_circuits::keys::{
    file_sha256_hex, load_proving_key, load_verifying_key, peek_params, proving_key_from_bytes,
    proving_key_to_bytes, sha256_hex, verifying_key_from_bytes, verifying_key_to_bytes,
    write_proving_key, write_verifying_key,
};
use zkcity_circuits::params::CircuitParams;
use zkcity_circuits::proof::{proof_from_bytes, proof_to_bytes, verify};

fn honest_bytes() -> [u8; 128] {
    let k = keys();
    let (tree, ids) = members(DEPTH, 90);
    let s = statement(&tree, &ids, 0, 5, 1, 9);
    let proof = prove_statement(&k.pk, &s, 91);
    assert!(verify(&k.pvk, &s.inputs, &proof).expect("verify"));
    proof_to_bytes(&proof)
}

#[test]
fn wrong_lengths_are_rejected() {
    let bytes = honest_bytes();
    assert_eq!(
        proof_from_bytes(&bytes[..127]),
        Err(ProofDecodeError::WrongLength(127))
    );
    let mut long = bytes.to_vec();
    long.push(0);
    assert_eq!(
        proof_from_bytes(&long),
        Err(ProofDecodeError::WrongLength(129))
    );
    assert_eq!(proof_from_bytes(&[]), Err(ProofDecodeError::WrongLength(0)));
}

#[test]
fn points_off_the_curve_or_non_canonical_are_rejected() {
    let bytes = honest_bytes();
    // Flip low bytes of A's x until x^3 + 3 is a non-residue: no point has that x.
    let mut rejected_a = 0;
    for delta in 1..=16u8 {
        let mut bad = bytes;
        bad[0] ^= delta;
        if proof_from_bytes(&bad) == Err(ProofDecodeError::InvalidPoint) {
            rejected_a += 1;
        }
    }
    assert!(rejected_a > 0, "some x near A's must be off the curve");
    // Same for C (bytes 96..128) and B (bytes 32..96).
    for offset in [32usize, 96] {
        let off_curve = (1..=16u8).any(|delta| {
            let mut bad = bytes;
            bad[offset] ^= delta;
            proof_from_bytes(&bad) == Err(ProofDecodeError::InvalidPoint)
        });
        assert!(off_curve, "offset {offset}");
    }
    // x >= p (all ones below the flag bits) is not a canonical coordinate.
    let mut bad = bytes;
    bad[..31].fill(0xff);
    bad[31] = (bad[31] & 0xc0) | 0x3f;
    assert_eq!(proof_from_bytes(&bad), Err(ProofDecodeError::InvalidPoint));
}

/// A point on the G2 twist that is outside the prime-order subgroup (G2 has
/// a large cofactor), placed as B: it must be refused by validation.
#[test]
fn g2_point_outside_the_subgroup_is_rejected() {
    let mut r = rng(5);
    let point = loop {
        let x = Fq2::new(Fq::rand(&mut r), Fq::rand(&mut r));
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
            if p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
    };
    let mut encoded = Vec::new();
    point.serialize_compressed(&mut encoded).expect("serialize");
    assert_eq!(encoded.len(), 64);
    let mut bad = honest_bytes();
    bad[32..96].copy_from_slice(&encoded);
    assert_eq!(proof_from_bytes(&bad), Err(ProofDecodeError::InvalidPoint));
    // Control: a subgroup point in the same position decodes.
    let good = (G2Affine::generator() * ark_bn254::Fr::from(7u64)).into();
    let mut enc = Vec::new();
    G2Affine::serialize_compressed(&good, &mut enc).expect("serialize");
    let mut ok = honest_bytes();
    ok[32..96].copy_from_slice(&enc);
    assert!(proof_from_bytes(&ok).is_ok());
}

#[test]
fn key_files_round_trip_with_header_and_digest() {
    let k = keys();
    let dir = std::env::temp_dir().join(format!("zkcity-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let (pk_path, vk_path) = (dir.join("pk.bin"), dir.join("vk.bin"));
    let pk_digest = write_proving_key(&pk_path, &k.pk).expect("write pk");
    let vk_digest = write_verifying_key(&vk_path, &k.vk).expect("write vk");
    assert_eq!(file_sha256_hex(&pk_path).expect("digest"), pk_digest);
    assert_eq!(pk_digest.len(), 64);
    let vk_bytes = std::fs::read(&vk_path).expect("read vk");
    assert_eq!(&vk_bytes[..8], b"ZKCITYVK");
    assert_eq!(vk_digest, sha256_hex(&vk_bytes));
    assert_eq!(
        peek_params(&vk_bytes).expect("peek"),
        CircuitParams::new(DEPTH, SLOT_BITS).expect("params")
    );

    let pk = load_proving_key(&pk_path, DEPTH, SLOT_BITS).expect("load pk");
    let vk = load_verifying_key(&vk_path, DEPTH, SLOT_BITS).expect("load vk");
    assert_eq!(vk, k.vk);
    assert_eq!(pk.verifying_key(), k.vk);
    println!(
        "D={DEPTH}: pk {} bytes, vk {} bytes",
        std::fs::metadata(&pk_path).map(|m| m.len()).unwrap_or(0),
        vk_bytes.len()
    );

    assert!(matches!(
        load_verifying_key(&vk_path, 20, SLOT_BITS),
        Err(KeyError::ParamsMismatch {
            expected_depth: 20,
            found_depth: 16,
            ..
        })
    ));
    assert!(matches!(
        load_proving_key(&pk_path, DEPTH, 11),
        Err(KeyError::ParamsMismatch {
            expected_slot_bits: 11,
            found_slot_bits: 10,
            ..
        })
    ));
    assert!(matches!(
        load_verifying_key(&pk_path, DEPTH, SLOT_BITS),
        Err(KeyError::BadMagic { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn corrupted_or_relabelled_keys_are_refused() {
    let k = keys();
    let params = CircuitParams::new(DEPTH, SLOT_BITS).expect("params");
    let vk_bytes = verifying_key_to_bytes(&k.vk).expect("encode vk");
    // Trailing garbage.
    let mut long = vk_bytes.clone();
    long.push(0);
    assert!(matches!(
        verifying_key_from_bytes(&long, params),
        Err(KeyError::TrailingBytes(1))
    ));
    // Truncated.
    assert!(matches!(
        verifying_key_from_bytes(&vk_bytes[..vk_bytes.len() - 1], params),
        Err(KeyError::Encoding(_))
    ));
    // Alpha (first point after the header) pushed off the curve.
    let off_curve = (1..=16u8).any(|delta| {
        let mut bad = vk_bytes.clone();
        bad[12] ^= delta;
        matches!(
            verifying_key_from_bytes(&bad, params),
            Err(KeyError::Encoding(_))
        )
    });
    assert!(off_curve);
    // Unsupported version.
    let mut v3 = vk_bytes.clone();
    v3[9] = 3;
    assert!(matches!(
        verifying_key_from_bytes(&v3, params),
        Err(KeyError::UnsupportedVersion(3))
    ));
    // A D=16 proving key whose header claims D=17 fails the shape check.
    let mut pk_bytes = proving_key_to_bytes(&k.pk).expect("encode pk");
    pk_bytes[10] = 17;
    let claimed = CircuitParams::new(17, SLOT_BITS).expect("params");
    assert!(matches!(
        proving_key_from_bytes(&pk_bytes, claimed),
        Err(KeyError::ShapeMismatch { .. })
    ));
}

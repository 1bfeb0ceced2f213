//! snarkjs's JSON for Groth16 over BN254 ("bn128"): `verification_key.json`,
//! `proof.json` and `public.json`, so that `snarkjs groth16 verify` checks
//! zkcity proofs. Numbers are decimal strings; points are projective with
//! `z = 1`; an `Fq2` element is `[c0, c1]`.

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use serde_json::{json, Value};

use crate::field::fr_to_decimal;
use crate::keys::VerifyingKey;
use crate::proof::Proof;
use crate::statement::{PublicInputs, NUM_PUBLIC_INPUTS};

fn fq(x: Fq) -> String {
    x.to_string()
}

fn fq2(x: Fq2) -> Value {
    json!([fq(x.c0), fq(x.c1)])
}

fn g1(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq(x), fq(y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

fn g2(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq2(x), fq2(y), ["1", "0"]]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// `verification_key.json` as `snarkjs zkey export verificationkey` writes it
/// (without `vk_alphabeta_12`, which `groth16 verify` does not read).
pub fn verification_key_json(vk: &VerifyingKey) -> Value {
    let k = vk.as_ark();
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": NUM_PUBLIC_INPUTS,
        "vk_alpha_1": g1(&k.alpha_g1),
        "vk_beta_2": g2(&k.beta_g2),
        "vk_gamma_2": g2(&k.gamma_g2),
        "vk_delta_2": g2(&k.delta_g2),
        "IC": k.gamma_abc_g1.iter().map(g1).collect::<Vec<_>>(),
    })
}

/// `proof.json` as `snarkjs groth16 prove` writes it.
pub fn proof_json(proof: &Proof) -> Value {
    json!({
        "pi_a": g1(&proof.a),
        "pi_b": g2(&proof.b),
        "pi_c": g1(&proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// `public.json`: the public inputs `root, e, n, m` as decimal strings (DESIGN §4 order).
pub fn public_json(inputs: &PublicInputs) -> Value {
    Value::Array(
        inputs
            .to_vec()
            .iter()
            .map(|x| Value::String(fr_to_decimal(x)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInt, PrimeField};

    #[test]
    fn coordinates_are_decimal_and_g2_is_c0_first() {
        let g = G2Affine::generator();
        let v = g2(&g);
        // The BN254 G2 generator's x.c0 as published (EIP-197).
        assert_eq!(
            v[0][0],
            "10857046999023057135944570762232829481370756359578518086990519993285655852781"
        );
        assert_eq!(v[2], json!(["1", "0"]));
        let one = Fq::from_bigint(BigInt::from(1u64)).expect("one");
        assert_eq!(fq(one), "1");
        assert_eq!(g1(&G1Affine::generator()), json!(["1", "2", "1"]));
    }
}

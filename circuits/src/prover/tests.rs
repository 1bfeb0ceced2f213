//! The table prover computes ark-groth16's proof exactly, for keys of both
//! origins, and its proofs verify.

use ark_groth16::Groth16;
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use ark_std::UniformRand;
use rand::{rngs::StdRng, SeedableRng};

use super::*;
use crate::circuit::native::NativeAssignment;
use crate::circuit::{MembershipCircuit, Witness};
use crate::identity::Identity;
use crate::params::CircuitParams;
use crate::statement::PublicInputs;
use crate::tree::IncrementalTree;

fn bytes(proof: &Proof) -> Vec<u8> {
    let mut out = Vec::new();
    proof.serialize_compressed(&mut out).expect("serialize");
    out
}

/// Same `r, s`, same assignment: byte-identical proofs from ark-groth16
/// and [`create_proof`], with libsnark- and circom-basis keys; the proof
/// verifies, and a wrong `m` does not.
#[test]
fn equals_ark_groth16_for_both_reductions() {
    let mut rng = StdRng::seed_from_u64(21);
    let params = CircuitParams::new(5, 4).expect("params");
    let matrices = R1csMatrices::for_params(params).expect("matrices");
    let mut tree = IncrementalTree::new(5).expect("tree");
    let id = Identity::random(&mut rng);
    tree.append(Fr::from(5u64)).expect("append");
    let index = tree.append(id.commitment()).expect("append");
    let path = tree.path(index).expect("path");
    let public = PublicInputs::derive(&id, &path, 31, 9, Fr::rand(&mut rng));
    let witness = Witness::new(&id, &path, 9, 4);
    let z = NativeAssignment::compute(params, &public, &witness)
        .expect("assignment")
        .z;
    for reduction in [Reduction::Libsnark, Reduction::Circom] {
        let blank = MembershipCircuit::blank(params);
        let (pk, vk) = match reduction {
            Reduction::Libsnark => Groth16::<Bn254>::circuit_specific_setup(blank, &mut rng),
            Reduction::Circom => {
                Groth16::<Bn254, CircomReduction>::circuit_specific_setup(blank, &mut rng)
            }
        }
        .expect("setup");
        let tables = ProverTables::new(&pk);
        let pvk = ark_groth16::prepare_verifying_key(&vk);
        for _ in 0..3 {
            let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let (abc, n_in, n_c) = (
                &matrices.abc,
                matrices.num_instance,
                matrices.num_constraints,
            );
            let expected = match reduction {
                Reduction::Libsnark => {
                    Groth16::<Bn254, LibsnarkReduction>::create_proof_with_reduction_and_matrices(
                        &pk, r, s, abc, n_in, n_c, &z,
                    )
                }
                Reduction::Circom => {
                    Groth16::<Bn254, CircomReduction>::create_proof_with_reduction_and_matrices(
                        &pk, r, s, abc, n_in, n_c, &z,
                    )
                }
            }
            .expect("ark proof");
            let ours = create_proof(&pk, &tables, reduction, &matrices, r, s, &z).expect("proof");
            assert_eq!(bytes(&ours), bytes(&expected), "{reduction:?}");
            let fallback = create_proof_ark(&pk, reduction, &matrices, r, s, &z).expect("proof");
            assert_eq!(bytes(&fallback), bytes(&expected), "{reduction:?}");
            let inputs = public.to_vec();
            let ok = |inputs: &[Fr]| {
                Groth16::<Bn254>::verify_with_processed_vk(&pvk, inputs, &ours).expect("verify")
            };
            assert!(ok(&inputs));
            let mut wrong = inputs.clone();
            wrong[3] += Fr::from(1u64);
            assert!(!ok(&wrong));
        }
        // A short assignment is refused, not proved.
        let short = create_proof(
            &pk,
            &tables,
            reduction,
            &matrices,
            Fr::from(1u64),
            Fr::from(2u64),
            &z[1..],
        );
        assert!(short.is_err());
    }
}

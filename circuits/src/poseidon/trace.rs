//! The permutation of [`super::constraints`] computed natively, recording
//! the value of every variable the gadget allocates, in its order.
//!
//! The prover needs the full R1CS assignment, not just the hash. Each
//! non-constant S-box of the gadget allocates `x², x⁴, x⁵` (in that order);
//! round constants and the MDS mix are linear combinations and allocate
//! nothing. light-poseidon does not expose those intermediates, so this is
//! the same loop as the gadget over the same [`Params`] (copied from
//! light-poseidon), on plain field elements. Tests pin its output to
//! light-poseidon's hash and its trace to the synthesized assignment.

use ark_ff::Field;

use super::Params;
use crate::Fr;

/// Runs the permutation on `[0, inputs…]`, appends the S-box values the
/// gadget would allocate to `trace`, and returns `state[0]`, the hash.
///
/// `inputs.len()` must be `params.width − 1` (the callers pass 2 or 3
/// inputs with the matching parameters).
pub fn permute_traced(params: &Params, inputs: &[Fr], trace: &mut Vec<Fr>) -> Fr {
    let width = params.width;
    debug_assert_eq!(inputs.len() + 1, width);
    let mut state = [Fr::from(0u64); 5];
    let state = &mut state[..width];
    state[1..].copy_from_slice(inputs);
    // Which state elements the gadget holds as constants: only the capacity
    // element until the first MDS mix, so only round 0's first S-box folds.
    let mut constant = [false; 5];
    constant[0] = true;
    let mut mixed = [Fr::from(0u64); 5];

    let half_full = params.full_rounds / 2;
    let rounds = params.full_rounds + params.partial_rounds;
    for round in 0..rounds {
        for (x, c) in state.iter_mut().zip(&params.ark[round * width..]) {
            *x += c;
        }
        let full = round < half_full || round >= half_full + params.partial_rounds;
        let boxed = if full { width } else { 1 };
        for (x, is_constant) in state.iter_mut().zip(&constant).take(boxed) {
            let x2 = x.square();
            let x4 = x2.square();
            let x5 = x4 * *x;
            if !is_constant {
                trace.extend([x2, x4, x5]);
            }
            *x = x5;
        }
        for (out, row) in mixed.iter_mut().zip(&params.mds) {
            *out = row.iter().zip(state.iter()).map(|(m, x)| *m * x).sum();
        }
        state.copy_from_slice(&mixed[..width]);
        // An MDS row mixes every element, so one variable makes all variable.
        let all_constant = constant[..width].iter().all(|&c| c);
        constant[..width].iter_mut().for_each(|c| *c = all_constant);
    }
    state[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poseidon::{hash2, hash3};
    use ark_std::UniformRand;

    #[test]
    fn output_equals_light_poseidon_and_trace_has_the_gadget_length() {
        let mut rng = ark_std::test_rng();
        let (p2, p3) = (
            Params::for_inputs(2).expect("P2"),
            Params::for_inputs(3).expect("P3"),
        );
        for _ in 0..20 {
            let (a, b, c) = (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
            let mut trace = Vec::new();
            assert_eq!(permute_traced(p2, &[a, b], &mut trace), hash2(a, b));
            assert_eq!(trace.len(), 240);
            trace.clear();
            assert_eq!(permute_traced(p3, &[a, b, c], &mut trace), hash3(a, b, c));
            assert_eq!(trace.len(), 261);
        }
    }
}

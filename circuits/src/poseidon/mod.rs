//! Circom-compatible Poseidon over BN254 `Fr`, natively (this file) and in
//! R1CS ([`constraints`]) — DESIGN §4 `P(x1..xn)`.
//!
//! Natively we call `light-poseidon`'s `Poseidon::<Fr>::new_circom(n)`, the
//! reference the design names. The gadget cannot reuse a sponge from
//! ark-crypto-primitives (DESIGN §8: it squeezes a different state element
//! than circom), so [`constraints`] re-implements the permutation over the
//! very same round constants and MDS matrix, read from light-poseidon's
//! parameter API through [`Params`]; tests pin native == gadget == circomlibjs.

pub mod constraints;
pub mod trace;

use std::cell::RefCell;
use std::sync::OnceLock;

use light_poseidon::{parameters::bn254_x5, Poseidon, PoseidonHasher};

use crate::Fr;

thread_local! {
    // Building the parameters converts ~200 constants into Montgomery form;
    // keep one hasher per thread so a Merkle path costs only the permutations.
    static HASH2: RefCell<Option<Poseidon<Fr>>> = const { RefCell::new(None) };
    static HASH3: RefCell<Option<Poseidon<Fr>>> = const { RefCell::new(None) };
}

/// `P(a, b)`: circom `Poseidon(2)` (state width 3), used for `c = P(k, t)` and Merkle nodes.
pub fn hash2(a: Fr, b: Fr) -> Fr {
    HASH2.with(|cell| hash_with(cell, 2, &[a, b]))
}

/// `P(a, b, c)`: circom `Poseidon(3)` (state width 4), used for `n = P(k, e, s)`.
pub fn hash3(a: Fr, b: Fr, c: Fr) -> Fr {
    HASH3.with(|cell| hash_with(cell, 3, &[a, b, c]))
}

/// Runs light-poseidon with a cached hasher. Widths 3 and 4 and exact input
/// counts are fixed by the callers above, so light-poseidon's only error
/// cases (unsupported width, wrong input count) cannot occur.
fn hash_with(cell: &RefCell<Option<Poseidon<Fr>>>, inputs: usize, values: &[Fr]) -> Fr {
    let mut slot = cell.borrow_mut();
    let hasher = slot.get_or_insert_with(|| {
        Poseidon::<Fr>::new_circom(inputs).expect("circom Poseidon supports 2 and 3 inputs")
    });
    #[allow(clippy::expect_used)]
    hasher
        .hash(values)
        .expect("input count matches the hasher's width")
}

/// Round constants, MDS matrix and round counts for one state width, copied
/// from light-poseidon so the gadget uses exactly the native parameters.
#[derive(Debug)]
pub struct Params {
    /// State width `t` (inputs + 1 capacity element).
    pub width: usize,
    /// Number of full rounds (half before, half after the partial rounds).
    pub full_rounds: usize,
    /// Number of partial rounds (S-box on the first element only).
    pub partial_rounds: usize,
    /// Round constants, `width` per round, round-major.
    pub ark: Vec<Fr>,
    /// MDS matrix, row-major: `new[i] = sum_j mds[i][j] * old[j]`.
    pub mds: Vec<Vec<Fr>>,
}

impl Params {
    /// Parameters of circom's `Poseidon(inputs)` for 2 or 3 inputs.
    ///
    /// Returns `None` for any other input count: the circuit only needs these two.
    pub fn for_inputs(inputs: usize) -> Option<&'static Params> {
        static P2: OnceLock<Params> = OnceLock::new();
        static P3: OnceLock<Params> = OnceLock::new();
        let cell = match inputs {
            2 => &P2,
            3 => &P3,
            _ => return None,
        };
        Some(cell.get_or_init(|| Params::load(inputs)))
    }

    /// Number of S-box applications in one permutation.
    pub fn sbox_count(&self) -> usize {
        self.full_rounds * self.width + self.partial_rounds
    }

    fn load(inputs: usize) -> Params {
        // `inputs` is 2 or 3 here (see `for_inputs`): width 3 or 4 is always
        // within light-poseidon's supported range of 2..=13.
        let p = bn254_x5::get_poseidon_parameters::<Fr>((inputs + 1) as u8)
            .expect("light-poseidon has parameters for widths 3 and 4");
        Params {
            width: p.width,
            full_rounds: p.full_rounds,
            partial_rounds: p.partial_rounds,
            ark: p.ark,
            mds: p.mds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::parse_fr;

    /// Known-answer vectors from circomlibjs `test/poseidon.js`
    /// ("Should check constrain reference implementation poseidonperm_x5_254_3"
    /// and "..._254_5"), which circom's `Poseidon(n)` template reproduces.
    #[test]
    fn matches_circomlibjs_vectors() {
        let expected2 = parse_fr(
            "7853200120776062878684798364095072458815029376092732009249414926327459813530",
        );
        assert_eq!(Ok(hash2(Fr::from(1u64), Fr::from(2u64))), expected2);
        let expected3 = parse_fr(
            "6542985608222806190361240322586112750744169038454362455181422643027100751666",
        );
        assert_eq!(
            Ok(hash3(Fr::from(1u64), Fr::from(2u64), Fr::from(3u64))),
            expected3
        );
    }

    #[test]
    fn parameters_have_the_expected_shape() {
        let p2 = Params::for_inputs(2).expect("P2");
        assert_eq!((p2.width, p2.full_rounds, p2.partial_rounds), (3, 8, 57));
        assert_eq!(p2.ark.len(), 3 * (8 + 57));
        assert_eq!(p2.sbox_count(), 81);
        let p3 = Params::for_inputs(3).expect("P3");
        assert_eq!((p3.width, p3.full_rounds, p3.partial_rounds), (4, 8, 56));
        assert_eq!(p3.ark.len(), 4 * (8 + 56));
        assert_eq!(p3.sbox_count(), 88);
        assert!(Params::for_inputs(4).is_none());
    }

    #[test]
    fn hash_is_order_sensitive() {
        let (a, b) = (Fr::from(5u64), Fr::from(7u64));
        assert_ne!(hash2(a, b), hash2(b, a));
        assert_eq!(hash2(a, b), hash2(a, b));
    }
}

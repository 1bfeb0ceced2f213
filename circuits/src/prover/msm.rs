//! Multi-scalar multiplication over the proving key's fixed bases, with
//! every window's shift precomputed once per key.
//!
//! A Groth16 proof is five MSMs whose bases never change (the key's
//! queries). ark-ec's Pippenger treats the bases as unknown: for `b`-bit
//! scalars in `c`-bit windows it fills and sums `2^(c−1)` buckets per window
//! (⌈b/c⌉ times) and doubles between windows. With the shifted bases
//! `2^(c·j)·P_i` stored, all windows share one set of buckets: the point
//! additions per scalar are the same, but the bucket sums are done once per
//! thread instead of once per window, no doublings remain, and a wider
//! window pays off. The buckets themselves add in affine coordinates with
//! batched inversions (`Buckets`), about half the cost of the mixed
//! Jacobian addition ark-ec uses. The price is memory (`⌈255/c⌉` affine
//! points per base, 49 MB at D = 20) and a one-time build (255 doublings
//! per base), paid by [`crate::keys::ProvingKey::prepare_prover`].
//!
//! The result equals `Σ scalar_i · base_i` exactly (tests compare with
//! ark-ec's `msm` on random and edge-case scalars).

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use rayon::prelude::*;

/// Scalars' big-integer form, as the tables consume them.
pub type BigInt<P> = <<P as ark_ec::CurveConfig>::ScalarField as PrimeField>::BigInt;

/// Precomputed window shifts of a fixed list of bases.
pub struct FixedBaseMsm<P: SWCurveConfig> {
    /// Window width `c` in bits.
    window: usize,
    /// Number of windows `w`, with `c·w > bits` so the top signed digit fits.
    windows: usize,
    /// `table[i·w + j] = 2^(c·j) · base_i`.
    table: Vec<Affine<P>>,
}

impl<P: SWCurveConfig> FixedBaseMsm<P> {
    /// Builds the tables for `bases` with a window width that minimizes the
    /// additions for `bases.len()` scalars split over the current rayon pool.
    pub fn new(bases: &[Affine<P>]) -> Self {
        Self::with_window(
            bases,
            best_window(bases.len(), rayon::current_num_threads()),
        )
    }

    /// Builds the tables with window width `window` (2..=20).
    pub fn with_window(bases: &[Affine<P>], window: usize) -> Self {
        let window = window.clamp(2, 20);
        let windows = windows_for(window, scalar_bits::<P>());
        let shifted: Vec<Projective<P>> = bases
            .par_iter()
            .flat_map_iter(|base| {
                let mut p: Projective<P> = (*base).into();
                (0..windows).map(move |_| {
                    let out = p;
                    for _ in 0..window {
                        p.double_in_place();
                    }
                    out
                })
            })
            .collect();
        FixedBaseMsm {
            window,
            windows,
            table: Projective::normalize_batch(&shifted),
        }
    }

    /// Number of bases.
    pub fn len(&self) -> usize {
        self.table.len() / self.windows
    }

    /// Whether there are no bases.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Bytes held by the tables.
    pub fn memory_bytes(&self) -> usize {
        self.table.len() * std::mem::size_of::<Affine<P>>()
    }

    /// `Σ scalars[i] · base_i` over the first `min(len, scalars.len())`
    /// bases, split across the rayon pool by ranges of bases.
    pub fn msm(&self, scalars: &[BigInt<P>]) -> Projective<P> {
        let n = self.len().min(scalars.len());
        if n == 0 {
            return Projective::zero();
        }
        let chunk = n.div_ceil(rayon::current_num_threads().max(1));
        scalars[..n]
            .par_chunks(chunk)
            .enumerate()
            .map(|(k, part)| self.msm_range(k * chunk, part))
            .sum()
    }

    /// One thread's share: bases `first..first + scalars.len()`, all windows
    /// into one set of `2^(c−1)` buckets, summed at the end.
    fn msm_range(&self, first: usize, scalars: &[BigInt<P>]) -> Projective<P> {
        let mut buckets = Buckets::<P>::new(1usize << (self.window - 1));
        for (offset, scalar) in scalars.iter().enumerate() {
            if scalar.is_zero() {
                continue;
            }
            let row = &self.table[(first + offset) * self.windows..][..self.windows];
            for (digit, point) in signed_digits(scalar, self.window, self.windows).zip(row) {
                if let Some((x, y)) = point.xy() {
                    match digit.cmp(&0) {
                        std::cmp::Ordering::Greater => buckets.add((digit - 1) as usize, x, y),
                        std::cmp::Ordering::Less => buckets.add((-digit - 1) as usize, x, -y),
                        std::cmp::Ordering::Equal => {}
                    }
                }
            }
        }
        buckets.sum()
    }
}

/// Buckets that add points in affine coordinates, a batch at a time.
///
/// An affine addition `Q + P` needs one division; inverting a whole batch
/// of denominators at once (Montgomery's trick, 3 multiplications each plus
/// one inversion per batch) makes it about 6 multiplications, against 11
/// for ark's mixed Jacobian addition. A bucket may appear once per batch;
/// a second point for it, or one whose `x` equals the bucket's (a doubling
/// or a cancellation, where the affine formula divides by zero), goes to
/// the bucket's Jacobian overflow instead, which handles every case.
struct Buckets<P: SWCurveConfig> {
    /// Affine value of each bucket (`None` while empty).
    affine: Vec<Option<(P::BaseField, P::BaseField)>>,
    /// Jacobian overflow of each bucket.
    overflow: Vec<Projective<P>>,
    /// Whether a bucket has a pending addition in `batch`.
    pending: Vec<bool>,
    /// Pending additions: bucket, and the point's `x, y`.
    batch: Vec<(usize, P::BaseField, P::BaseField)>,
    /// Scratch for the batch inversion.
    scratch: Vec<P::BaseField>,
    capacity: usize,
}

impl<P: SWCurveConfig> Buckets<P> {
    fn new(count: usize) -> Self {
        let capacity = (count / 8).clamp(16, 512);
        Buckets {
            affine: vec![None; count],
            overflow: vec![Projective::zero(); count],
            pending: vec![false; count],
            batch: Vec::with_capacity(capacity),
            scratch: Vec::with_capacity(capacity),
            capacity,
        }
    }

    /// Queues `bucket += (x, y)`.
    fn add(&mut self, bucket: usize, x: P::BaseField, y: P::BaseField) {
        match self.affine[bucket] {
            _ if self.pending[bucket] => self.overflow[bucket] += Affine::<P>::new_unchecked(x, y),
            None => self.affine[bucket] = Some((x, y)),
            Some((qx, _)) if qx == x => self.overflow[bucket] += Affine::<P>::new_unchecked(x, y),
            Some(_) => {
                self.pending[bucket] = true;
                self.batch.push((bucket, x, y));
                if self.batch.len() == self.capacity {
                    self.flush();
                }
            }
        }
    }

    /// Performs the pending additions with one inversion.
    fn flush(&mut self) {
        // Prefix products of the denominators `x_P − x_Q` (all non-zero).
        self.scratch.clear();
        let mut acc = P::BaseField::one();
        for &(bucket, x, _) in &self.batch {
            if let Some((qx, _)) = self.affine[bucket] {
                self.scratch.push(acc);
                acc *= x - qx;
            }
        }
        // `acc` is a product of non-zero elements, so it is invertible.
        let mut inv = acc.inverse().unwrap_or_else(P::BaseField::zero);
        for (&(bucket, x, y), prefix) in self.batch.iter().zip(self.scratch.iter()).rev() {
            if let Some((qx, qy)) = self.affine[bucket] {
                let denominator = x - qx;
                let lambda = (y - qy) * (inv * prefix);
                inv *= denominator;
                let x3 = lambda.square() - qx - x;
                let y3 = lambda * (qx - x3) - qy;
                self.affine[bucket] = Some((x3, y3));
            }
            self.pending[bucket] = false;
        }
        self.batch.clear();
    }

    /// `Σ_d d·bucket[d]`, as a running sum from the top bucket down.
    fn sum(mut self) -> Projective<P> {
        self.flush();
        let mut running = Projective::<P>::zero();
        let mut total = Projective::<P>::zero();
        for (affine, overflow) in self.affine.iter().zip(&self.overflow).rev() {
            running += overflow;
            if let Some((x, y)) = affine {
                running += Affine::<P>::new_unchecked(*x, *y);
            }
            total += &running;
        }
        total
    }
}

/// The scalar field's bit size (254 for BN254).
fn scalar_bits<P: SWCurveConfig>() -> usize {
    P::ScalarField::MODULUS_BIT_SIZE as usize
}

/// Windows of `window` bits covering `bits + 1` bits: signed digits carry
/// into the next window, and the top one must not overflow.
fn windows_for(window: usize, bits: usize) -> usize {
    (bits + 1).div_ceil(window)
}

/// The window width minimizing `n·w` batched affine additions plus, per
/// thread, the bucket sums: two Jacobian additions per bucket, each about
/// 2.25 times an affine one (27 multiplications against 6 when batched).
pub fn best_window(n: usize, threads: usize) -> usize {
    let bits = 254;
    (6..=16)
        .min_by_key(|&c| {
            let adds = n * windows_for(c, bits);
            let sums = threads.max(1) * (1usize << (c - 1)) * 9 / 2;
            adds + sums
        })
        .unwrap_or(12)
}

/// The signed base-`2^c` digits of `scalar`, low window first, each in
/// `(−2^(c−1), 2^(c−1)]`; exactly `windows` of them (the last absorbs the
/// carry, which `windows_for` leaves room for).
fn signed_digits<B: BigInteger>(
    scalar: &B,
    window: usize,
    windows: usize,
) -> impl Iterator<Item = i64> + '_ {
    let limbs = scalar.as_ref();
    let radix = 1i64 << window;
    let half = radix >> 1;
    let mut carry = 0i64;
    (0..windows).map(move |j| {
        let raw = bits_at(limbs, j * window, window) as i64 + carry;
        if raw > half {
            carry = 1;
            raw - radix
        } else {
            carry = 0;
            raw
        }
    })
}

/// `width` (≤ 63) bits of the little-endian limbs starting at bit `start`;
/// bits past the end read as zero.
fn bits_at(limbs: &[u64], start: usize, width: usize) -> u64 {
    let (limb, shift) = (start / 64, start % 64);
    let low = limbs.get(limb).map_or(0, |l| l >> shift);
    let high = if shift + width > 64 && shift != 0 {
        limbs.get(limb + 1).map_or(0, |l| l << (64 - shift))
    } else {
        0
    };
    (low | high) & ((1u64 << width) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::VariableBaseMSM;
    use ark_ff::{One, UniformRand};
    use rand::{rngs::StdRng, SeedableRng};

    fn random_points<G: CurveGroup>(n: usize, rng: &mut StdRng) -> Vec<G::Affine> {
        let points: Vec<G> = (0..n).map(|_| G::rand(rng)).collect();
        G::normalize_batch(&points)
    }

    /// Random scalars with the edge cases a witness has: 0, 1, −1, small,
    /// `2^k` at window borders, and the largest field element.
    fn scalars(n: usize, rng: &mut StdRng) -> Vec<Fr> {
        let edge = [
            Fr::zero(),
            Fr::one(),
            -Fr::one(),
            Fr::from(2u64),
            Fr::from(1u64 << 12),
            Fr::from((1u64 << 13) - 1),
            Fr::from(u64::MAX),
            -Fr::from(1u64 << 40),
        ];
        (0..n)
            .map(|i| edge.get(i).copied().unwrap_or_else(|| Fr::rand(rng)))
            .collect()
    }

    #[test]
    fn signed_digits_recompose_the_scalar() {
        let mut rng = StdRng::seed_from_u64(3);
        for window in [2, 5, 8, 12, 13, 16] {
            let windows = windows_for(window, 254);
            for s in scalars(40, &mut rng) {
                let digits: Vec<i64> = signed_digits(&s.into_bigint(), window, windows).collect();
                let half = 1i64 << (window - 1);
                assert!(digits.iter().all(|d| -half < *d && *d <= half));
                let radix = Fr::from(1u64 << window);
                let back = digits.iter().rev().fold(Fr::zero(), |acc, d| {
                    let digit = if *d < 0 {
                        -Fr::from(d.unsigned_abs())
                    } else {
                        Fr::from(*d as u64)
                    };
                    acc * radix + digit
                });
                assert_eq!(back, s, "window {window}");
            }
        }
    }

    #[test]
    fn equals_ark_msm_in_g1_and_g2() {
        let mut rng = StdRng::seed_from_u64(5);
        for (n, window) in [(1, 4), (7, 3), (70, 8), (300, 13)] {
            let s = scalars(n, &mut rng);
            let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
            let mut g1 = random_points::<G1Projective>(n, &mut rng);
            if n > 3 {
                g1[2] = G1Affine::identity();
            }
            let table = FixedBaseMsm::with_window(&g1, window);
            assert_eq!(table.len(), n);
            let expected = G1Projective::msm(&g1, &s).expect("same length");
            assert_eq!(table.msm(&big), expected, "G1 n {n} window {window}");
            let g2 = random_points::<G2Projective>(n, &mut rng);
            let expected = G2Projective::msm(&g2, &s).expect("same length");
            assert_eq!(FixedBaseMsm::with_window(&g2, window).msm(&big), expected);
        }
        let g1: Vec<G1Affine> = random_points::<G1Projective>(50, &mut rng);
        let table = FixedBaseMsm::new(&g1);
        let s = scalars(30, &mut rng);
        let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        // Fewer scalars than bases: the remaining bases are ignored.
        assert_eq!(
            table.msm(&big),
            G1Projective::msm(&g1[..30], &s).expect("len")
        );
        assert!(table.msm(&[]).is_zero());
    }

    /// Equal and opposite points in one bucket: the affine formula would
    /// divide by zero, the overflow must take them.
    #[test]
    fn equal_and_opposite_points_in_a_bucket() {
        let mut rng = StdRng::seed_from_u64(9);
        let p = G2Projective::rand(&mut rng).into_affine();
        let q = G2Projective::rand(&mut rng).into_affine();
        let mut bases: Vec<G2Affine> = vec![p; 40];
        bases.extend([-p, q, -q, p, G2Affine::identity()]);
        let mut s: Vec<Fr> = (0..bases.len())
            .map(|i| Fr::from((i % 3) as u64 + 1))
            .collect();
        s[7] = -Fr::one();
        s[8] = Fr::rand(&mut rng);
        let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        for window in [2, 4, 9] {
            let table = FixedBaseMsm::with_window(&bases, window);
            assert_eq!(table.msm(&big), G2Projective::msm(&bases, &s).expect("len"));
        }
        // Everything cancels: p·1 + (−p)·1.
        let table = FixedBaseMsm::with_window(&[p, -p], 5);
        let one = Fr::one().into_bigint();
        assert!(table.msm(&[one, one]).is_zero());
    }

    #[test]
    fn best_window_grows_with_the_number_of_bases() {
        assert!(best_window(100, 2) < best_window(5_000, 2));
        assert!(best_window(5_000, 2) <= best_window(100_000, 2));
    }
}

//! Multi-scalar multiplication `Σ sᵢ·Pᵢ` over the `bls12_381` crate's points, which has none.
//!
//! Scalars are recoded into signed base-2^c digits in `[-2^(c-1), 2^(c-1)]`, which halves the
//! number of precomputed multiples (Straus) or buckets (Pippenger) compared to unsigned
//! digits, since negating a point is almost free. Two algorithms share that recoding:
//!
//! - Straus (interleaved windows): a table `P, 2P, …, 2^(c-1)·P` per point and one shared
//!   chain of doublings. Cheapest for small k, including the plain multiplication k = 1.
//! - Pippenger (buckets): per window, every point is added to the bucket of its digit and the
//!   buckets are summed with two running sums. Cheapest for large k.
//!
//! [`msm`] estimates the number of group additions of both for every window width and runs
//! the cheapest. Nothing here is constant time: the inputs are public calldata.

use alloc::vec;
use alloc::vec::Vec;
use bls12_381::{G1Affine, G1Projective, G2Affine, G2Projective};

/// The group operations the MSM needs, so one implementation serves G1 and G2.
pub(super) trait Group: Copy {
    /// The affine form the inputs come in (cheaper to add than projective points).
    type Affine: Copy;
    /// The neutral element.
    fn identity() -> Self;
    /// Lifts an affine point.
    fn from_affine(p: &Self::Affine) -> Self;
    /// `2·self`.
    fn double(&self) -> Self;
    /// `self + rhs`.
    fn add(&self, rhs: &Self) -> Self;
    /// `self + rhs` for an affine `rhs` (mixed addition).
    fn add_affine(&self, rhs: &Self::Affine) -> Self;
    /// `-self`.
    fn neg(&self) -> Self;
    /// `-p`.
    fn neg_affine(p: &Self::Affine) -> Self::Affine;
}

/// Implements [`Group`] by forwarding to the crate's own (complete) formulas.
macro_rules! impl_group {
    ($proj:ty, $affine:ty) => {
        impl Group for $proj {
            type Affine = $affine;
            #[inline]
            fn identity() -> Self {
                <$proj>::identity()
            }
            #[inline]
            fn from_affine(p: &$affine) -> Self {
                <$proj>::from(p)
            }
            #[inline]
            fn double(&self) -> Self {
                <$proj>::double(self)
            }
            #[inline]
            fn add(&self, rhs: &Self) -> Self {
                <$proj>::add(self, rhs)
            }
            #[inline]
            fn add_affine(&self, rhs: &$affine) -> Self {
                <$proj>::add_mixed(self, rhs)
            }
            #[inline]
            fn neg(&self) -> Self {
                -self
            }
            #[inline]
            fn neg_affine(p: &$affine) -> $affine {
                -p
            }
        }
    };
}

impl_group!(G1Projective, G1Affine);
impl_group!(G2Projective, G2Affine);

/// Bits in a scalar.
const SCALAR_BITS: usize = 256;
/// Widest window considered; 2^(MAX_WINDOW - 1) buckets is far beyond any useful size for the
/// input sizes a block's gas can pay for.
const MAX_WINDOW: usize = 16;
/// Widest Straus window: the table holds 2^(c-1) points per input point, so this bounds its
/// memory (16 G2 points, 4.5 KiB, per input point).
const MAX_STRAUS_WINDOW: usize = 5;

/// Number of signed windows of width `c` needed for a 256-bit scalar: one extra bit for the
/// final carry of the recoding.
#[inline]
fn windows(c: usize) -> usize {
    (SCALAR_BITS + c) / c
}

/// `Σ scalars[i]·points[i]`; each scalar is 32 big-endian bytes, any value. Pairs with a zero
/// scalar or an identity point may be passed but are better left out by the caller.
pub(super) fn msm<G: Group>(points: &[G::Affine], scalars: &[[u8; 32]]) -> G {
    let k = points.len().min(scalars.len());
    if k == 0 {
        return G::identity();
    }
    let k = k as u64;
    // Estimated additions (doublings, 256 in both, are left out): Straus builds 2^(c-1) - 1
    // multiples per point and adds one per window and point; Pippenger adds every point once
    // per window and sums 2^(c-1) buckets with two running sums.
    let straus = (2..=MAX_STRAUS_WINDOW)
        .map(|c| (k * ((1 << (c - 1)) - 1 + windows(c) as u64), c))
        .min()
        .unwrap_or((u64::MAX, 4));
    let pippenger = (2..=MAX_WINDOW)
        .map(|c| (windows(c) as u64 * (k + (1 << c)), c))
        .min()
        .unwrap_or((u64::MAX, 4));
    if straus.0 <= pippenger.0 {
        let c = straus.1;
        straus_msm(points, &recode(scalars, c), c)
    } else {
        let c = pippenger.1;
        pippenger_msm(points, &recode(scalars, c), c)
    }
}

/// A 32-byte big-endian scalar as little-endian 64-bit limbs.
fn limbs(s: &[u8; 32]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (limb, chunk) in out.iter_mut().zip(s.rchunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *limb = u64::from_be_bytes(b);
    }
    out
}

/// Bits `[pos, pos + c)` of `s` (zero beyond bit 255); `c` is at most [`MAX_WINDOW`].
#[inline]
fn bits(s: &[u64; 4], pos: usize, c: usize) -> u64 {
    let (limb, off) = (pos / 64, pos % 64);
    let Some(&lo) = s.get(limb) else {
        return 0;
    };
    let mut v = lo >> off;
    if off + c > 64 {
        if let Some(&hi) = s.get(limb + 1) {
            v |= hi << (64 - off);
        }
    }
    v & ((1u64 << c) - 1)
}

/// Signed base-2^c digits of every scalar, scalar-major: `digits[i * windows(c) + w]` is digit
/// `w` (least significant first) of scalar `i`, in `[-2^(c-1) + 1, 2^(c-1)]`.
fn recode(scalars: &[[u8; 32]], c: usize) -> Vec<i32> {
    let n = windows(c);
    let half = 1i64 << (c - 1);
    let mut digits = Vec::with_capacity(scalars.len() * n);
    for s in scalars {
        let s = limbs(s);
        let mut carry = 0i64;
        for w in 0..n {
            let mut d = bits(&s, w * c, c) as i64 + carry;
            carry = 0;
            if d > half {
                d -= 1 << c;
                carry = 1;
            }
            digits.push(d as i32);
        }
        // The top window holds fewer than c scalar bits, so it never carries out.
        debug_assert_eq!(carry, 0);
    }
    digits
}

/// Straus: one doubling chain, each point's digit looked up in its own table of multiples.
fn straus_msm<G: Group>(points: &[G::Affine], digits: &[i32], c: usize) -> G {
    let n = windows(c);
    let half = 1usize << (c - 1);
    let mut table = Vec::with_capacity(points.len() * half);
    for p in points {
        let first = G::from_affine(p);
        let mut cur = first;
        table.push(cur);
        for m in 2..=half {
            cur = if m == 2 {
                first.double()
            } else {
                cur.add_affine(p)
            };
            table.push(cur);
        }
    }
    let mut acc: Option<G> = None;
    for w in (0..n).rev() {
        if let Some(a) = acc.as_mut() {
            for _ in 0..c {
                *a = a.double();
            }
        }
        for (i, multiples) in table.chunks_exact(half).enumerate() {
            let d = digits[i * n + w];
            if d == 0 {
                continue;
            }
            let m = &multiples[d.unsigned_abs() as usize - 1];
            let term = if d > 0 { *m } else { m.neg() };
            acc = Some(match acc {
                Some(a) => a.add(&term),
                None => term,
            });
        }
    }
    acc.unwrap_or_else(G::identity)
}

/// Pippenger: per window, bucket the points by digit, then `Σ j·bucket[j]` via running sums.
fn pippenger_msm<G: Group>(points: &[G::Affine], digits: &[i32], c: usize) -> G {
    let n = windows(c);
    let half = 1usize << (c - 1);
    let mut buckets: Vec<Option<G>> = vec![None; half];
    let mut acc: Option<G> = None;
    for w in (0..n).rev() {
        if let Some(a) = acc.as_mut() {
            for _ in 0..c {
                *a = a.double();
            }
        }
        buckets.fill(None);
        for (i, p) in points.iter().enumerate() {
            let d = digits[i * n + w];
            if d == 0 {
                continue;
            }
            let p = if d > 0 { *p } else { G::neg_affine(p) };
            let bucket = &mut buckets[d.unsigned_abs() as usize - 1];
            *bucket = Some(match bucket {
                Some(b) => b.add_affine(&p),
                None => G::from_affine(&p),
            });
        }
        // running = Σ_{i>=j} bucket[i]; total = Σ_j running_j = Σ_j (j+1)·bucket[j].
        let mut running: Option<G> = None;
        let mut total: Option<G> = None;
        for b in buckets.iter().rev() {
            if let Some(b) = b {
                running = Some(match running {
                    Some(r) => r.add(b),
                    None => *b,
                });
            }
            if let Some(r) = &running {
                total = Some(match total {
                    Some(t) => t.add(r),
                    None => *r,
                });
            }
        }
        if let Some(t) = total {
            acc = Some(match acc {
                Some(a) => a.add(&t),
                None => t,
            });
        }
    }
    acc.unwrap_or_else(G::identity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bls12_381::Scalar;

    /// A deterministic pseudo-random 32-byte scalar (xorshift), full 256-bit range.
    fn scalar(seed: &mut u64) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            chunk.copy_from_slice(&seed.to_be_bytes());
        }
        out
    }

    /// `s·P` the slow way: the crate's multiplication by `s mod q` (valid in the subgroup).
    fn reference_g1(points: &[G1Affine], scalars: &[[u8; 32]]) -> G1Projective {
        let mut acc = G1Projective::identity();
        for (p, s) in points.iter().zip(scalars) {
            let mut wide = [0u8; 64];
            wide[..32].copy_from_slice(s);
            wide[..32].reverse();
            acc += p * Scalar::from_bytes_wide(&wide);
        }
        acc
    }

    fn sample_points(k: usize, seed: &mut u64) -> Vec<G1Affine> {
        (0..k)
            .map(|_| {
                let mut wide = [0u8; 64];
                wide[..32].copy_from_slice(&scalar(seed));
                G1Affine::from(G1Affine::generator() * Scalar::from_bytes_wide(&wide))
            })
            .collect()
    }

    #[test]
    fn recoding_reconstructs_the_scalar() {
        let mut seed = 0x1234_5678;
        for c in 2..=MAX_WINDOW {
            for s in [[0xff; 32], [0; 32], scalar(&mut seed), scalar(&mut seed)] {
                let digits = recode(&[s], c);
                // Σ d_w · 2^(c·w), evaluated in i128 limbs would overflow: compare via U256.
                let mut acc = alloy_primitives::I256::ZERO;
                for &d in digits.iter().rev() {
                    acc = (acc << c) + alloy_primitives::I256::try_from(d).unwrap();
                }
                assert_eq!(
                    acc.into_raw(),
                    alloy_primitives::U256::from_be_bytes(s),
                    "c = {c}"
                );
                let half = 1i32 << (c - 1);
                assert!(digits.iter().all(|&d| d > -half && d <= half));
            }
        }
    }

    #[test]
    fn both_algorithms_match_the_reference() {
        let mut seed = 0xdead_beef;
        for k in [1, 2, 3, 7, 20] {
            let points = sample_points(k, &mut seed);
            let mut scalars: Vec<[u8; 32]> = (0..k).map(|_| scalar(&mut seed)).collect();
            scalars[0] = [0xff; 32];
            let expect = reference_g1(&points, &scalars);
            for c in 2..=8 {
                let digits = recode(&scalars, c);
                if c <= MAX_STRAUS_WINDOW {
                    assert_eq!(straus_msm::<G1Projective>(&points, &digits, c), expect);
                }
                assert_eq!(pippenger_msm::<G1Projective>(&points, &digits, c), expect);
            }
            assert_eq!(msm::<G1Projective>(&points, &scalars), expect);
        }
        assert_eq!(msm::<G1Projective>(&[], &[]), G1Projective::identity());
    }
}

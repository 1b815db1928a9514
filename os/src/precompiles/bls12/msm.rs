//! Multi-scalar multiplication `Σ sᵢ·Pᵢ` over the `bls12_381` crate's points, which has none.
//!
//! Scalars are recoded into signed base-2^c digits in `(-2^(c-1), 2^(c-1)]`, which halves the
//! number of precomputed multiples (Straus) or buckets (Pippenger) compared to unsigned
//! digits, since negating a point is almost free. Two algorithms share that recoding:
//!
//! - Straus (interleaved windows): a table `P, 2P, …, 2^(c-1)·P` per point and one shared
//!   chain of doublings. Cheapest for small k, including the plain multiplication k = 1.
//! - Pippenger (buckets): per window, every point is added to the bucket of its digit and the
//!   buckets are summed with two running sums. Cheapest for large k.
//!
//! [`msm`] estimates the field multiplications of both for every window width and runs the
//! cheapest (the crossover is near k = 64). The estimate counts operations, which is what a
//! zk guest pays for; natively, cache effects move the crossover a little lower. Windows only
//! cover the longest scalar's bits, so short scalars cost fewer doublings.
//!
//! G1 also uses its endomorphism (GLV): [`g1_msm`] splits each scalar into two halves of
//! 128 bits, doubling the points but halving the doubling chain and the windows.
//!
//! Nothing here is constant time: the inputs are public calldata.

use super::Fp;
use alloc::vec;
use alloc::vec::Vec;
use alloy_primitives::U256;
use bls12_381::{G1Affine, G1Projective, G2Affine, G2Projective, Scalar};

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

/// Widest window considered; 2^(MAX_WINDOW - 1) buckets is far beyond any useful size for the
/// input sizes a block's gas can pay for.
const MAX_WINDOW: usize = 16;
/// Widest Straus window: the table holds 2^(c-1) points per input point, so this bounds its
/// memory (16 G2 points, 4.5 KiB, per input point).
const MAX_STRAUS_WINDOW: usize = 5;

/// Number of signed windows of width `c` for scalars of `bits` bits: the top window holds
/// fewer than `c` of the scalar's bits, which leaves room for the recoding's final carry.
#[inline]
fn windows(c: usize, bits: usize) -> usize {
    bits / c + 1
}

/// `Σ scalars[i]·points[i]`; each scalar is 32 big-endian bytes, any value. Pairs with a zero
/// scalar or an identity point may be passed but are better left out by the caller.
pub(super) fn msm<G: Group>(points: &[G::Affine], scalars: &[[u8; 32]]) -> G {
    let k = points.len().min(scalars.len());
    let (points, scalars) = (&points[..k], &scalars[..k]);
    let scalars: Vec<[u64; 4]> = scalars.iter().map(limbs).collect();
    let bits = scalars.iter().map(bit_len).max().unwrap_or(0);
    if bits == 0 {
        return G::identity();
    }
    let k = k as u64;
    let straus = (2..=MAX_STRAUS_WINDOW)
        .map(|c| (straus_cost(k, c, bits), c))
        .min()
        .unwrap_or((u64::MAX, 4));
    let pippenger = (2..=MAX_WINDOW)
        .map(|c| (pippenger_cost(k, c, bits), c))
        .min()
        .unwrap_or((u64::MAX, 4));
    if straus.0 <= pippenger.0 {
        let c = straus.1;
        straus_msm(points, &recode(&scalars, c, bits), c, bits)
    } else {
        let c = pippenger.1;
        pippenger_msm(points, &recode(&scalars, c, bits), c, bits)
    }
}

/// `z²` for the BLS parameter `z = -0xd201000000010000`. On G1 the endomorphism
/// `φ(x, y) = (β·x, y)` is multiplication by `-z²` (the identity the crate's subgroup check
/// tests), so `z²·P = (β·x, -y)`.
const Z_SQUARED: U256 = U256::from_limbs([0x0000_0001_0000_0000, 0xac45_a401_0001_a402, 0, 0]);
/// The cube root of unity β in Fp that goes with [`Z_SQUARED`], big-endian.
const BETA: [u8; 48] = alloy_primitives::hex!(
    "00000000000000005f19672fdf76ce51ba69c6076a0f77eaddb3a93be6f89688"
    "de17d813620a00022e01fffffffefffe"
);

/// [`msm`] in G1 for points in the subgroup, with the GLV split: `s mod q = a + b·z²` with
/// `a, b < 2^128`, so `s·P = a·P + b·(β·x, -y)`. Falls back to the plain MSM for an input it
/// cannot split (none exists: every point reaching here has passed the subgroup check).
pub(super) fn g1_msm(points: &[G1Affine], scalars: &[[u8; 32]]) -> G1Projective {
    let Some(beta) = Option::<Fp>::from(Fp::from_bytes(&BETA)) else {
        return msm::<G1Projective>(points, scalars);
    };
    let mut split_points = Vec::with_capacity(2 * points.len());
    let mut split_scalars = Vec::with_capacity(2 * points.len());
    for (p, s) in points.iter().zip(scalars) {
        let Some(endo) = z_squared_times(p, &beta) else {
            return msm::<G1Projective>(points, scalars);
        };
        let mut wide = [0u8; 64];
        wide[..32].copy_from_slice(s);
        wide[..32].reverse();
        let reduced = U256::from_le_bytes(Scalar::from_bytes_wide(&wide).to_bytes());
        let (b, a) = reduced.div_rem(Z_SQUARED);
        split_points.extend([*p, endo]);
        split_scalars.extend([a.to_be_bytes::<32>(), b.to_be_bytes::<32>()]);
    }
    msm::<G1Projective>(&split_points, &split_scalars)
}

/// `z²·P = (β·x, -y)` for a non-identity `P` in the G1 subgroup.
fn z_squared_times(p: &G1Affine, beta: &Fp) -> Option<G1Affine> {
    let raw = p.to_uncompressed();
    let mut x = [0u8; 48];
    let mut y = [0u8; 48];
    x.copy_from_slice(&raw[..48]);
    y.copy_from_slice(&raw[48..]);
    let x = Option::<Fp>::from(Fp::from_bytes(&x))? * beta;
    let y = -Option::<Fp>::from(Fp::from_bytes(&y))?;
    let mut out = [0u8; 96];
    out[..48].copy_from_slice(&x.to_bytes());
    out[48..].copy_from_slice(&y.to_bytes());
    Option::from(G1Affine::from_uncompressed_unchecked(&out))
}

/// Field multiplications in a full projective addition (Renes–Costello–Batina, algorithm 7).
const ADD_COST: u64 = 12;
/// Field multiplications in a mixed (projective + affine) addition (algorithm 8).
const MIXED_COST: u64 = 11;

/// Estimated work of Straus with width `c` for `k` points of `bits`-bit scalars, in field
/// multiplications, leaving out the doublings every variant shares: `2^(c-1) - 1` mixed
/// additions per point for its table, then one full addition per window and point.
fn straus_cost(k: u64, c: usize, bits: usize) -> u64 {
    let half = 1u64 << (c - 1);
    k * ((half - 1) * MIXED_COST + windows(c, bits) as u64 * ADD_COST)
}

/// Estimated work of Pippenger with width `c` for `k` points, as for [`straus_cost`]: per
/// window, a mixed addition per point except the first into each bucket (about
/// `half·k / (half + k)` buckets get one), and two full additions per bucket for the sums.
fn pippenger_cost(k: u64, c: usize, bits: usize) -> u64 {
    let half = 1u64 << (c - 1);
    let filled = half * k / (half + k);
    windows(c, bits) as u64 * ((k - filled) * MIXED_COST + 2 * half * ADD_COST)
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

/// The number of significant bits of a scalar in limbs.
fn bit_len(s: &[u64; 4]) -> usize {
    s.iter()
        .rposition(|&l| l != 0)
        .map_or(0, |i| 64 * i + 64 - s[i].leading_zeros() as usize)
}

/// Bits `[pos, pos + c)` of `s` (zero beyond bit 255); `c` is at most [`MAX_WINDOW`].
#[inline]
fn window(s: &[u64; 4], pos: usize, c: usize) -> u64 {
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

/// Signed base-2^c digits of every scalar (all below 2^bits), scalar-major:
/// `digits[i * windows(c, bits) + w]` is digit `w` (least significant first) of scalar `i`, in
/// `[-2^(c-1) + 1, 2^(c-1)]`.
fn recode(scalars: &[[u64; 4]], c: usize, bits: usize) -> Vec<i32> {
    let n = windows(c, bits);
    let half = 1i64 << (c - 1);
    let mut digits = Vec::with_capacity(scalars.len() * n);
    for s in scalars {
        let mut carry = 0i64;
        for w in 0..n {
            let mut d = window(s, w * c, c) as i64 + carry;
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
fn straus_msm<G: Group>(points: &[G::Affine], digits: &[i32], c: usize, bits: usize) -> G {
    let n = windows(c, bits);
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
fn pippenger_msm<G: Group>(points: &[G::Affine], digits: &[i32], c: usize, bits: usize) -> G {
    let n = windows(c, bits);
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
    use alloy_primitives::I256;

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
        let mut short = [0u8; 32];
        short[20] = 0x9c;
        for c in 2..=MAX_WINDOW {
            for s in [
                [0xff; 32],
                [0; 32],
                short,
                scalar(&mut seed),
                scalar(&mut seed),
            ] {
                let l = limbs(&s);
                for bits in [bit_len(&l), 256] {
                    let digits = recode(&[l], c, bits);
                    assert_eq!(digits.len(), windows(c, bits));
                    // Σ d_w · 2^(c·w), in a signed 256-bit integer.
                    let mut acc = I256::ZERO;
                    for &d in digits.iter().rev() {
                        acc = (acc << c) + I256::try_from(d).unwrap();
                    }
                    assert_eq!(acc.into_raw(), U256::from_be_bytes(s), "c = {c}");
                    let half = 1i32 << (c - 1);
                    assert!(digits.iter().all(|&d| d > -half && d <= half));
                }
            }
        }
        assert_eq!(bit_len(&limbs(&short)), 8 * 11 + 8);
        assert_eq!(bit_len(&limbs(&[0xff; 32])), 256);
    }

    #[test]
    fn both_algorithms_match_the_reference() {
        let mut seed = 0xdead_beef;
        for k in [1, 2, 3, 7, 20] {
            let points = sample_points(k, &mut seed);
            let mut scalars: Vec<[u8; 32]> = (0..k).map(|_| scalar(&mut seed)).collect();
            scalars[0] = [0xff; 32];
            let expect = reference_g1(&points, &scalars);
            let l: Vec<[u64; 4]> = scalars.iter().map(limbs).collect();
            for c in 2..=8 {
                let digits = recode(&l, c, 256);
                if c <= MAX_STRAUS_WINDOW {
                    assert_eq!(straus_msm::<G1Projective>(&points, &digits, c, 256), expect);
                }
                assert_eq!(
                    pippenger_msm::<G1Projective>(&points, &digits, c, 256),
                    expect
                );
            }
            assert_eq!(msm::<G1Projective>(&points, &scalars), expect);
            assert_eq!(g1_msm(&points, &scalars), expect);
        }
        // Short scalars (fewer windows) and zero scalars.
        let points = sample_points(3, &mut seed);
        let scalars = [
            [0u8; 32],
            {
                let mut s = [0u8; 32];
                s[31] = 200;
                s
            },
            [0u8; 32],
        ];
        let expect = reference_g1(&points, &scalars);
        assert_eq!(msm::<G1Projective>(&points, &scalars), expect);
        assert_eq!(g1_msm(&points, &scalars), expect);
        assert_eq!(
            msm::<G1Projective>(&points, &[[0; 32]; 3]),
            G1Projective::identity()
        );
        assert_eq!(msm::<G1Projective>(&[], &[]), G1Projective::identity());
        assert_eq!(g1_msm(&[], &[]), G1Projective::identity());
    }

    #[test]
    fn glv_constants() {
        // β goes with z²: (β·x, -y) = z²·P on the generator.
        let beta = Option::<Fp>::from(Fp::from_bytes(&BETA)).unwrap();
        let z = Scalar::from(0xd201_0000_0001_0000);
        let g = G1Affine::generator();
        assert_eq!(
            z_squared_times(&g, &beta).unwrap(),
            G1Affine::from(g * (z * z))
        );
        assert_eq!(
            U256::from(0xd201_0000_0001_0000u64).pow(U256::from(2)),
            Z_SQUARED
        );
        // The split halves fit 128 bits for the largest reduced scalar, q - 1.
        let q_minus_1 = U256::from_le_bytes((-Scalar::one()).to_bytes());
        let (b, a) = q_minus_1.div_rem(Z_SQUARED);
        assert!(a.bit_len() <= 128 && b.bit_len() <= 128);
    }
}

//! Multi-scalar multiplication `Σ sᵢ·Pᵢ` for subgroup points of either group.
//!
//! First every scalar is reduced mod q and split along the group's endomorphism
//! ([`Curve::times_radix`]): `s = Σ dⱼ·Rʲ` with digits below R, so `s·P = Σ dⱼ·(Rʲ·P)` with
//! `Rʲ·P` a few field multiplications each. G1 (R = t², 2 digits of 128 bits) and G2 (R = t,
//! 4 digits of 64 bits) thus run a 2× or 4× longer MSM over 2× or 4× shorter scalars, which
//! divides the doubling chain and the window count by as much.
//!
//! The digits are then recoded into signed base-2^c digits in `(-2^(c-1), 2^(c-1)]`, which
//! halves the number of precomputed multiples (Straus) or buckets (Pippenger) compared to
//! unsigned digits, since negating a point is free. Two algorithms share that recoding:
//!
//! - Straus (interleaved windows): a table `P, 2P, …, 2^(c-1)·P` per point and one shared
//!   chain of doublings. Cheapest for small k, including the plain multiplication k = 1.
//! - Pippenger (buckets): per window, every point is added to the bucket of its digit and the
//!   buckets are summed with two running sums. Cheapest for large k.
//!
//! [`msm`] estimates the field multiplications of both for every window width and runs the
//! cheapest. The estimate counts operations, which is what a zk guest pays for. Windows only
//! cover the longest digit's bits, so short scalars cost fewer doublings.
//!
//! Nothing here is constant time: the inputs are public calldata.

use super::curves::Curve;
use alloc::vec;
use alloc::vec::Vec;
use alloy_primitives::U256;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AdditiveGroup, CurveGroup};

/// The subgroup order q.
const Q: U256 = U256::from_be_bytes(alloy_primitives::hex!(
    "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"
));

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

/// `Σ scalars[i]·points[i]` for points in the subgroup; each scalar is 32 big-endian bytes,
/// any value (reduced mod q here). Pairs with a zero scalar or an identity point may be
/// passed but are better left out by the caller.
pub(super) fn msm<C: Curve>(points: &[Affine<C>], scalars: &[[u8; 32]]) -> Projective<C> {
    let mut split_points = Vec::with_capacity(C::DIGITS * points.len());
    let mut split_scalars = Vec::with_capacity(C::DIGITS * points.len());
    for (p, s) in points.iter().zip(scalars) {
        let mut rest = U256::from_be_bytes(*s).reduce_mod(Q);
        let mut power = *p;
        for j in 0..C::DIGITS {
            if j > 0 {
                power = C::times_radix(&power);
            }
            let (quotient, digit) = rest.div_rem(C::RADIX);
            if !digit.is_zero() {
                split_points.push(power);
                split_scalars.push(digit.into_limbs());
            }
            rest = quotient;
        }
        // q < RADIX^DIGITS, so nothing is left over.
        debug_assert!(rest.is_zero());
    }
    multiexp(&split_points, &split_scalars)
}

/// `Σ scalars[i]·points[i]` with scalars as little-endian limbs, by the cheaper of Straus
/// and Pippenger. Valid for any points (no endomorphism involved).
fn multiexp<C: Curve>(points: &[Affine<C>], scalars: &[[u64; 4]]) -> Projective<C> {
    let k = points.len().min(scalars.len());
    let (points, scalars) = (&points[..k], &scalars[..k]);
    let bits = scalars.iter().map(bit_len).max().unwrap_or(0);
    if bits == 0 {
        return Projective::ZERO;
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
        straus_msm(points, &recode(scalars, c, bits), c, bits)
    } else {
        let c = pippenger.1;
        pippenger_msm(points, &recode(scalars, c, bits), c, bits)
    }
}

/// Field multiplications (squarings counted as 0.8) in a full Jacobian addition
/// (add-2007-bl: 11M + 5S).
const ADD_COST: u64 = 15;
/// Field multiplications in a mixed Jacobian + affine addition (madd-2007-bl: 7M + 4S).
const MIXED_COST: u64 = 10;
/// One batch normalization of the Straus table: an inversion (~100 multiplications) plus
/// three multiplications per entry.
const NORMALIZE_COST: u64 = 100;

/// Estimated work of Straus with width `c` for `k` points of `bits`-bit scalars, in field
/// multiplications, leaving out the doublings every variant shares: `2^(c-1) - 1` additions
/// per point for its table, its normalization to affine, then one mixed addition per window
/// and point.
fn straus_cost(k: u64, c: usize, bits: usize) -> u64 {
    let half = 1u64 << (c - 1);
    NORMALIZE_COST + k * ((half - 1) * ADD_COST + 3 * half + windows(c, bits) as u64 * MIXED_COST)
}

/// Estimated work of Pippenger with width `c` for `k` points, as for [`straus_cost`]: per
/// window, a mixed addition per point except the first into each bucket (about
/// `half·k / (half + k)` buckets get one), and two full additions per bucket for the sums.
fn pippenger_cost(k: u64, c: usize, bits: usize) -> u64 {
    let half = 1u64 << (c - 1);
    let filled = half * k / (half + k);
    windows(c, bits) as u64 * ((k - filled) * MIXED_COST + 2 * half * ADD_COST)
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

/// Adds `term` into an accumulator that starts empty (saves adding to the identity).
#[inline]
fn accumulate<C: Curve>(acc: &mut Option<Projective<C>>, term: &Projective<C>) {
    match acc {
        Some(a) => *a += term,
        None => *acc = Some(*term),
    }
}

/// Straus: one doubling chain, each point's digit looked up in its own table of multiples,
/// normalized to affine in one batch so the per-window additions are mixed.
fn straus_msm<C: Curve>(
    points: &[Affine<C>],
    digits: &[i32],
    c: usize,
    bits: usize,
) -> Projective<C> {
    let n = windows(c, bits);
    let half = 1usize << (c - 1);
    let mut table = Vec::with_capacity(points.len() * half);
    for p in points {
        let first = Projective::from(*p);
        let mut cur = first;
        table.push(cur);
        for m in 2..=half {
            cur = if m == 2 { first.double() } else { cur + p };
            table.push(cur);
        }
    }
    let table = Projective::normalize_batch(&table);
    let mut acc: Option<Projective<C>> = None;
    for w in (0..n).rev() {
        if let Some(a) = acc.as_mut() {
            for _ in 0..c {
                a.double_in_place();
            }
        }
        for (i, multiples) in table.chunks_exact(half).enumerate() {
            let d = digits[i * n + w];
            if d == 0 {
                continue;
            }
            let m = &multiples[d.unsigned_abs() as usize - 1];
            let term = if d > 0 { *m } else { -*m };
            match acc.as_mut() {
                Some(a) => *a += term,
                None => acc = Some(term.into()),
            }
        }
    }
    acc.unwrap_or(Projective::ZERO)
}

/// Pippenger: per window, bucket the points by digit, then `Σ j·bucket[j]` via running sums.
fn pippenger_msm<C: Curve>(
    points: &[Affine<C>],
    digits: &[i32],
    c: usize,
    bits: usize,
) -> Projective<C> {
    let n = windows(c, bits);
    let half = 1usize << (c - 1);
    let mut buckets: Vec<Option<Projective<C>>> = vec![None; half];
    let mut acc: Option<Projective<C>> = None;
    for w in (0..n).rev() {
        if let Some(a) = acc.as_mut() {
            for _ in 0..c {
                a.double_in_place();
            }
        }
        buckets.fill(None);
        for (i, p) in points.iter().enumerate() {
            let d = digits[i * n + w];
            if d == 0 {
                continue;
            }
            let p = if d > 0 { *p } else { -*p };
            let bucket = &mut buckets[d.unsigned_abs() as usize - 1];
            match bucket {
                Some(b) => *b += p,
                None => *bucket = Some(p.into()),
            }
        }
        // running = Σ_{i>=j} bucket[i]; total = Σ_j running_j = Σ_j (j+1)·bucket[j].
        let mut running: Option<Projective<C>> = None;
        let mut total: Option<Projective<C>> = None;
        for b in buckets.iter().rev() {
            if let Some(b) = b {
                accumulate(&mut running, b);
            }
            if let Some(r) = &running {
                accumulate(&mut total, r);
            }
        }
        if let Some(t) = total {
            accumulate(&mut acc, &t);
        }
    }
    acc.unwrap_or(Projective::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::I256;
    use ark_bls12_381::{g1, g2, Fr};
    use ark_ec::PrimeGroup;
    use ark_ff::PrimeField;

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

    /// A 32-byte big-endian scalar as little-endian 64-bit limbs.
    fn limbs(s: &[u8; 32]) -> [u64; 4] {
        U256::from_be_bytes(*s).into_limbs()
    }

    /// `Σ s·P` the slow way: arkworks' multiplication by `s mod q` (valid in the subgroup).
    fn reference<C: Curve>(points: &[Affine<C>], scalars: &[[u8; 32]]) -> Projective<C> {
        let mut acc = Projective::ZERO;
        for (p, s) in points.iter().zip(scalars) {
            acc += *p * Fr::from_be_bytes_mod_order(s);
        }
        acc
    }

    fn sample_points<C: Curve>(k: usize, seed: &mut u64) -> Vec<Affine<C>> {
        (0..k)
            .map(|_| {
                (Projective::<C>::generator() * Fr::from_be_bytes_mod_order(&scalar(seed)))
                    .into_affine()
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

    fn algorithms_match<C: Curve>() {
        let mut seed = 0xdead_beef;
        for k in [1, 2, 3, 7, 20] {
            let points = sample_points::<C>(k, &mut seed);
            let mut scalars: Vec<[u8; 32]> = (0..k).map(|_| scalar(&mut seed)).collect();
            scalars[0] = [0xff; 32];
            let expect = reference(&points, &scalars);
            let l: Vec<[u64; 4]> = scalars.iter().map(limbs).collect();
            for c in 2..=8 {
                let digits = recode(&l, c, 256);
                if c <= MAX_STRAUS_WINDOW {
                    assert_eq!(straus_msm(&points, &digits, c, 256), expect);
                }
                assert_eq!(pippenger_msm(&points, &digits, c, 256), expect);
            }
            assert_eq!(multiexp(&points, &l), expect);
            assert_eq!(msm(&points, &scalars), expect);
        }
        // Short scalars (fewer windows), zero scalars, q itself and an empty input.
        let points = sample_points::<C>(3, &mut seed);
        let scalars = [[0u8; 32], super::super::test_util::s(200), Q.to_be_bytes()];
        let expect = reference(&points, &scalars);
        assert_eq!(msm(&points, &scalars), expect);
        assert_eq!(msm(&points, &[[0; 32]; 3]), Projective::ZERO);
        assert_eq!(msm::<C>(&[], &[]), Projective::ZERO);
        assert_eq!(multiexp::<C>(&[], &[]), Projective::ZERO);
    }

    #[test]
    fn both_algorithms_match_the_reference_in_g1() {
        algorithms_match::<g1::Config>();
    }

    #[test]
    fn both_algorithms_match_the_reference_in_g2() {
        algorithms_match::<g2::Config>();
    }

    #[test]
    fn split_digits_fit() {
        // The largest reduced scalar, q - 1, splits into DIGITS digits below RADIX.
        for (radix, n) in [
            (<g1::Config as Curve>::RADIX, <g1::Config as Curve>::DIGITS),
            (<g2::Config as Curve>::RADIX, <g2::Config as Curve>::DIGITS),
        ] {
            assert!(radix.pow(U256::from(n)) > Q);
            assert!(radix.pow(U256::from(n - 1)) < Q);
        }
    }
}

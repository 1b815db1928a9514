//! 0x0b..0x11: arithmetic, pairing and field-to-curve maps on BLS12-381 (EIP-2537, Prague).
//!
//! The layout follows the fact that G1 and G2 differ only in their field and constants:
//!
//! - [`curves`]: the [`Curve`] trait and its two implementations (encoding, prices, subgroup
//!   check, endomorphism, cofactor clearing): everything that differs between the groups.
//! - [`add`], [`msm`], [`map`]: one precompile body each, generic over [`Curve`], with the
//!   per-address entry points (`g1_add`, `g2_add`, …) the dispatcher calls.
//! - [`multiexp`]: the multi-scalar multiplication behind MSM (Straus / Pippenger with an
//!   endomorphism split).
//! - [`pairing`]: the pairing check, the one precompile that mixes the groups.
//!
//! Encodings (this module):
//! - An Fp element is 64 big-endian bytes whose top 16 bytes must be zero and whose value
//!   must be below p; an Fp2 element `c0 + c1·u` is `c0 ‖ c1` (128 bytes).
//! - A point is `x ‖ y`: 128 bytes in G1, 256 in G2. All zeros is the point at infinity
//!   (`(0, 0)` is on neither curve); any other encoding must be on its curve. MSM and the
//!   pairing also require the prime-order subgroup, ADD does not.
//! - A scalar is 32 big-endian bytes and may be any value (it is not reduced below q).
//!
//! Field, curve and pairing arithmetic come from arkworks (`ark-bls12-381`, plain u64 limbs,
//! `no_std`, no asm); the subgroup checks, the MSM, the isogeny evaluation and the cofactor
//! clearing are our own, variable time (all inputs are public calldata) and endomorphism based.

mod add;
mod curves;
mod map;
mod msm;
mod multiexp;
mod pairing;

pub(super) use add::{g1_add, g2_add};
pub(super) use map::{map_fp2_to_g2, map_fp_to_g1};
pub(super) use msm::{g1_msm, g2_msm};
pub(super) use pairing::pairing_check;

use super::PrecompileError;
use alloc::vec::Vec;
use ark_bls12_381::{Fq, Fq2};
use ark_ec::short_weierstrass::Affine;
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use curves::Curve;

/// Bytes of an encoded Fp element.
const FP_LEN: usize = 64;
/// Leading bytes of an Fp encoding that must be zero (p has 381 bits, 48 bytes).
const FP_PAD: usize = 16;
/// Bytes of an encoded scalar.
const SCALAR_LEN: usize = 32;

/// A field coordinate with its EIP-2537 encoding: Fp for G1, Fp2 for G2.
pub(super) trait Element: Sized {
    /// Bytes of one encoded element.
    const LEN: usize;
    /// Decodes exactly [`Self::LEN`] bytes; values >= p (in any component) fail.
    fn read(bytes: &[u8]) -> Result<Self, PrecompileError>;
    /// Appends the encoding.
    fn write(&self, out: &mut Vec<u8>);
}

impl Element for Fq {
    const LEN: usize = FP_LEN;

    fn read(bytes: &[u8]) -> Result<Self, PrecompileError> {
        if bytes.len() != FP_LEN {
            return Err(PrecompileError::Failure);
        }
        let (pad, value) = bytes.split_at(FP_PAD);
        if pad.iter().any(|&b| b != 0) {
            return Err(PrecompileError::Failure);
        }
        let mut limbs = [0u64; 6];
        for (limb, chunk) in limbs.iter_mut().zip(value.rchunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *limb = u64::from_be_bytes(b);
        }
        // `from_bigint` rejects values >= p: the encoding must be canonical.
        Fq::from_bigint(BigInt(limbs)).ok_or(PrecompileError::Failure)
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[0u8; FP_PAD]);
        for limb in self.into_bigint().0.iter().rev() {
            out.extend_from_slice(&limb.to_be_bytes());
        }
    }
}

impl Element for Fq2 {
    const LEN: usize = 2 * FP_LEN;

    fn read(bytes: &[u8]) -> Result<Self, PrecompileError> {
        if bytes.len() != 2 * FP_LEN {
            return Err(PrecompileError::Failure);
        }
        let (c0, c1) = bytes.split_at(FP_LEN);
        Ok(Fq2::new(Fq::read(c0)?, Fq::read(c1)?))
    }

    fn write(&self, out: &mut Vec<u8>) {
        self.c0.write(out);
        self.c1.write(out);
    }
}

/// The EIP-2537 MSM price: `k · mul_gas · discount(k) / 1000` with `k = len / pair_len`
/// rounded down, and 0 for k = 0 (such an input then fails on its length). Saturating, so an
/// absurd length becomes "out of gas".
fn msm_gas(len: usize, pair_len: usize, mul_gas: u64, table: &[u16; 128]) -> u64 {
    /// The discount tables are in thousandths.
    const MSM_MULTIPLIER: u64 = 1_000;
    let k = len / pair_len;
    if k == 0 {
        return 0;
    }
    let discount = u64::from(table[k.min(table.len()) - 1]);
    (k as u64).saturating_mul(mul_gas).saturating_mul(discount) / MSM_MULTIPLIER
}

/// Whether a variable-length input is a positive whole number of `unit`-byte items.
fn whole_items(input: &[u8], unit: usize) -> Result<(), PrecompileError> {
    if input.is_empty() || !input.len().is_multiple_of(unit) {
        Err(PrecompileError::Failure)
    } else {
        Ok(())
    }
}

/// A point from `x ‖ y` (exactly `C::POINT_LEN` bytes): infinity for all zeros, otherwise a
/// point on the curve and, with `subgroup`, in the order-q subgroup.
fn read_point<C: Curve>(bytes: &[u8], subgroup: bool) -> Result<Affine<C>, PrecompileError> {
    if bytes.len() != C::POINT_LEN {
        return Err(PrecompileError::Failure);
    }
    if bytes.iter().all(|&b| b == 0) {
        return Ok(Affine::identity());
    }
    let (x, y) = bytes.split_at(C::POINT_LEN / 2);
    let p = Affine::<C>::new_unchecked(C::BaseField::read(x)?, C::BaseField::read(y)?);
    if p.is_on_curve() && (!subgroup || C::in_subgroup(&p)) {
        Ok(p)
    } else {
        Err(PrecompileError::Failure)
    }
}

/// Appends `p` as `x ‖ y`, infinity as zeros.
fn write_point<C: Curve>(p: &Affine<C>, out: &mut Vec<u8>) {
    if p.is_zero() {
        out.resize(out.len() + C::POINT_LEN, 0);
        return;
    }
    p.x.write(out);
    p.y.write(out);
}

/// Fixtures and helpers shared by the precompiles' tests.
#[cfg(test)]
mod test_util {
    use super::*;
    use crate::precompiles::PrecompileResult;
    use alloy_primitives::hex;
    use ark_bls12_381::{g2, Fr};
    use ark_ec::CurveGroup;
    use ark_ff::{Field, One};

    /// The field modulus p, as a 64-byte encoding (the smallest invalid element).
    pub(super) const P: [u8; 64] = hex!(
        "00000000000000000000000000000000"
        "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab"
    );
    /// The subgroup order q as a scalar.
    pub(super) const Q: [u8; 32] =
        hex!("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
    /// The G1 generator (EIP-2537 "Curve parameters").
    pub(super) const G1: [u8; 128] = hex!(
        "00000000000000000000000000000000"
        "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
        "00000000000000000000000000000000"
        "08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1"
    );
    /// The G2 generator, `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`.
    pub(super) const G2: [u8; 256] = hex!(
        "00000000000000000000000000000000"
        "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
        "00000000000000000000000000000000"
        "13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
        "00000000000000000000000000000000"
        "0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"
        "00000000000000000000000000000000"
        "0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be"
    );
    /// `(0, 2)`: on the G1 curve (2² = 0³ + 4) but of order 3, so outside the subgroup.
    pub(super) const G1_ORDER_3: [u8; 128] = {
        let mut b = [0u8; 128];
        b[127] = 2;
        b
    };

    /// A G2 curve point outside the subgroup: the first `x = n ∈ Fp` (as an Fp2 element) for
    /// which `x³ + 4(1 + u)` is a square.
    pub(super) fn g2_not_in_subgroup() -> [u8; 256] {
        let b = Fq2::new(Fq::from(4u64), Fq::from(4u64));
        let mut x = Fq2::new(Fq::from(0u64), Fq::from(0u64));
        loop {
            x.c0 += Fq::one();
            if let Some(y) = (x.square() * x + b).sqrt() {
                let mut out = Vec::new();
                write_point::<g2::Config>(&Affine::new_unchecked(x, y), &mut out);
                return out.try_into().unwrap();
            }
        }
    }

    /// The encoding of a point of either group, affine or projective.
    pub(super) fn enc<C: Curve>(p: impl Into<Affine<C>>) -> Vec<u8> {
        let mut out = Vec::new();
        write_point::<C>(&p.into(), &mut out);
        out
    }

    /// `s·P` (the reference for our own multiplications: arkworks' GLV multiplication).
    pub(super) fn times<C: Curve>(p: impl Into<Affine<C>>, s: u64) -> Vec<u8> {
        enc::<C>((p.into() * Fr::from(s)).into_affine())
    }

    /// Concatenates byte strings.
    pub(super) fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    /// A big-endian scalar from a small integer.
    pub(super) fn s(v: u64) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[24..].copy_from_slice(&v.to_be_bytes());
        out
    }

    /// Runs a precompile and returns its result and output.
    pub(super) fn call(
        run: fn(&[u8], u64, &mut Vec<u8>) -> PrecompileResult,
        input: &[u8],
        gas_limit: u64,
    ) -> (PrecompileResult, Vec<u8>) {
        let mut out = Vec::new();
        let res = run(input, gas_limit, &mut out);
        (res, out)
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;
    use ark_bls12_381::{g1, g2, G1Affine, G2Affine};
    use ark_ec::AffineRepr;

    #[test]
    fn msm_prices_follow_the_discount_tables() {
        let g1 = |k: usize| msm_gas(k * 160, 160, 12_000, &g1::Config::MSM_DISCOUNT);
        let g2 = |k: usize| msm_gas(k * 288, 288, 22_500, &g2::Config::MSM_DISCOUNT);
        assert_eq!(g1(0), 0);
        assert_eq!(g1(1), 12_000);
        assert_eq!(g1(2), 22_776);
        assert_eq!(g1(128), 128 * 12_000 * 519 / 1000);
        // Above the table the discount stays at max_discount.
        assert_eq!(g1(129), 129 * 12_000 * 519 / 1000);
        assert_eq!(g1(1000), 1000 * 12_000 * 519 / 1000);
        assert_eq!(g2(1), 22_500);
        assert_eq!(g2(2), 45_000);
        assert_eq!(g2(128), 128 * 22_500 * 524 / 1000);
        assert_eq!(g2(200), 200 * 22_500 * 524 / 1000);
        // k counts whole pairs only.
        let table = &g1::Config::MSM_DISCOUNT;
        assert_eq!(msm_gas(319, 160, 12_000, table), 12_000);
        assert_eq!(msm_gas(159, 160, 12_000, table), 0);
        assert_eq!(msm_gas(usize::MAX, 160, 12_000, table), u64::MAX / 1000);
    }

    #[test]
    fn field_elements() {
        let mut e = P;
        assert!(Fq::read(&e).is_err());
        e[63] -= 1; // p - 1 is the largest element.
        assert_eq!(Fq::read(&e), Ok(-Fq::from(1u64)));
        let mut padded = [0u8; 64];
        padded[15] = 1; // Non-zero top padding, even with a zero value.
        assert!(Fq::read(&padded).is_err());
        let mut high = [0u8; 64];
        high[16] = 0x80; // >= 2^383.
        assert!(Fq::read(&high).is_err());
        assert_eq!(Fq::read(&[0u8; 64]), Ok(Fq::from(0u64)));
        let mut small = [0u8; 64];
        small[56..].copy_from_slice(&0x0102_0304_0506_0708u64.to_be_bytes());
        assert_eq!(Fq::read(&small), Ok(Fq::from(0x0102_0304_0506_0708u64)));
        let mut fp2 = [0u8; 128];
        fp2[64..].copy_from_slice(&P);
        assert!(Fq2::read(&fp2).is_err());
        assert!(Fq::read(&[0u8; 63]).is_err());
    }

    #[test]
    fn points_round_trip() {
        let g1 = read_point::<g1::Config>(&G1, true).unwrap();
        assert_eq!(g1, G1Affine::generator());
        assert_eq!(enc::<g1::Config>(g1), G1.to_vec());
        let g2 = read_point::<g2::Config>(&G2, true).unwrap();
        assert_eq!(g2, G2Affine::generator());
        assert_eq!(enc::<g2::Config>(g2), G2.to_vec());
        // All zeros is infinity both ways.
        assert!(read_point::<g1::Config>(&[0; 128], true).unwrap().is_zero());
        assert!(read_point::<g2::Config>(&[0; 256], true).unwrap().is_zero());
        assert_eq!(enc::<g1::Config>(G1Affine::identity()), [0u8; 128].to_vec());
        assert_eq!(enc::<g2::Config>(G2Affine::identity()), [0u8; 256].to_vec());
    }

    #[test]
    fn invalid_points() {
        // On the curve but outside the subgroup: accepted only without the subgroup check.
        assert!(read_point::<g1::Config>(&G1_ORDER_3, false).is_ok());
        assert!(read_point::<g1::Config>(&G1_ORDER_3, true).is_err());
        let g2 = g2_not_in_subgroup();
        assert!(read_point::<g2::Config>(&g2, false).is_ok());
        assert!(read_point::<g2::Config>(&g2, true).is_err());
        // Off the curve.
        let mut bad = G1;
        bad[127] ^= 1;
        assert!(read_point::<g1::Config>(&bad, false).is_err());
        let mut bad = G2;
        bad[255] ^= 1;
        assert!(read_point::<g2::Config>(&bad, false).is_err());
        // G2 with c0 and c1 swapped (the zcash serialization order) is off the curve.
        let mut swapped = G2;
        swapped[..64].copy_from_slice(&G2[64..128]);
        swapped[64..128].copy_from_slice(&G2[..64]);
        swapped[128..192].copy_from_slice(&G2[192..]);
        swapped[192..].copy_from_slice(&G2[128..192]);
        assert!(read_point::<g2::Config>(&swapped, false).is_err());
        // A coordinate >= p, and x = 0 with a non-zero padding byte, are encoding errors.
        let mut bad = G1;
        bad[..64].copy_from_slice(&P);
        assert!(read_point::<g1::Config>(&bad, false).is_err());
        let mut bad = [0u8; 128];
        bad[0] = 1;
        assert!(read_point::<g1::Config>(&bad, false).is_err());
        let mut bad = G2;
        bad[192] = 1;
        assert!(read_point::<g2::Config>(&bad, false).is_err());
        // Serialization flag bits (zcash's infinity flag) are not an encoding of infinity.
        let mut flagged = [0u8; 128];
        flagged[16] = 0x40;
        assert!(read_point::<g1::Config>(&flagged, false).is_err());
        // Wrong lengths.
        assert!(read_point::<g1::Config>(&G1[..127], false).is_err());
        assert!(read_point::<g2::Config>(&G1, false).is_err());
    }
}

//! 0x0b..0x11: arithmetic, pairing and field-to-curve maps on BLS12-381 (EIP-2537, Prague).
//!
//! Shared here: the byte encodings, the prices and the MSM discount tables.
//!
//! - An Fp element is 64 big-endian bytes whose top 16 bytes must be zero and whose value
//!   must be below p; an Fp2 element `c0 + c1·v` is `c0 ‖ c1` (128 bytes).
//! - A point is `x ‖ y`: 128 bytes in G1, 256 in G2. All zeros is the point at infinity
//!   (`(0, 0)` is on neither curve); any other encoding must be on its curve. MSM and the
//!   pairing also require the prime-order subgroup, ADD does not.
//! - A scalar is 32 big-endian bytes and may be any value (it is not reduced below q).
//!
//! Curve arithmetic comes from the `bls12_381` crate (pure Rust, `no_std`, constant time);
//! the multi-scalar multiplication is our own ([`msm`]) because the crate has none.

pub(super) mod g1_add;
pub(super) mod g1_msm;
pub(super) mod g2_add;
pub(super) mod g2_msm;
pub(super) mod map_fp2_to_g2;
pub(super) mod map_fp_to_g1;
mod msm;
pub(super) mod pairing;

use super::PrecompileError;
use alloc::vec::Vec;
use bls12_381::hash_to_curve::MapToCurve;
use bls12_381::{G1Affine, G1Projective, G2Affine, G2Projective};

/// The crate's base field, reachable only through its map-to-curve trait.
type Fp = <G1Projective as MapToCurve>::Field;
/// The crate's quadratic extension field, reached the same way.
type Fp2 = <G2Projective as MapToCurve>::Field;

/// Bytes of an encoded Fp element.
const FP_LEN: usize = 64;
/// Leading bytes of an Fp encoding that must be zero (p has 381 bits, 48 bytes).
const FP_PAD: usize = 16;
/// Bytes of an encoded G1 point.
pub(super) const G1_LEN: usize = 2 * FP_LEN;
/// Bytes of an encoded G2 point.
pub(super) const G2_LEN: usize = 4 * FP_LEN;
/// Bytes of an encoded scalar.
pub(super) const SCALAR_LEN: usize = 32;

/// G1MSM price per pair before the discount (the price of one G1 multiplication).
const G1_MUL_GAS: u64 = 12_000;
/// G2MSM price per pair before the discount.
const G2_MUL_GAS: u64 = 22_500;
/// The MSM discount tables are in thousandths.
const MSM_MULTIPLIER: u64 = 1_000;

/// G1MSM discount for k = 1..=128 pairs; larger k get the last entry (`max_discount` 519).
const G1_MSM_DISCOUNT: [u16; 128] = [
    1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677, 673, 669, 665,
    661, 658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627, 625, 623, 621, 619, 617, 615,
    613, 611, 609, 608, 606, 604, 603, 601, 599, 598, 596, 595, 593, 592, 591, 589, 588, 586, 585,
    584, 582, 581, 580, 579, 577, 576, 575, 574, 573, 572, 570, 569, 568, 567, 566, 565, 564, 563,
    562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 551, 550, 549, 548, 547, 547, 546, 545,
    544, 543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534, 533, 532, 532, 531, 530, 529,
    528, 528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520, 520, 519,
];

/// G2MSM discount for k = 1..=128 pairs; larger k get the last entry (`max_discount` 524).
const G2_MSM_DISCOUNT: [u16; 128] = [
    1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717, 711, 704,
    699, 693, 688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646, 643, 640, 637, 634, 632,
    629, 627, 624, 622, 620, 618, 615, 613, 611, 609, 607, 606, 604, 602, 600, 598, 597, 595, 593,
    592, 590, 589, 587, 586, 584, 583, 582, 580, 579, 578, 576, 575, 574, 573, 571, 570, 569, 568,
    567, 566, 565, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 552, 551, 550, 549,
    548, 547, 546, 545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537, 537, 536, 535, 535, 534,
    533, 532, 532, 531, 530, 530, 529, 528, 528, 527, 526, 526, 525, 524, 524,
];

/// The EIP-2537 MSM price: `k · mul_gas · discount(k) / 1000` with `k = len / pair_len`
/// rounded down, and 0 for k = 0 (such an input then fails on its length). Saturating, so an
/// absurd length becomes "out of gas".
fn msm_gas(len: usize, pair_len: usize, mul_gas: u64, table: &[u16; 128]) -> u64 {
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

/// The 48 significant bytes of a 64-byte Fp encoding, or `Failure` when the top 16 bytes are
/// not zero. Also rejects values with any of the top three bits of the 48 set: those are at
/// least 2^381 > p anyway, and it keeps them clear of the flag bits the crate's serialization
/// masks away in a point's first byte.
fn fp_bytes(e: &[u8; FP_LEN]) -> Result<[u8; 48], PrecompileError> {
    let (pad, value) = e.split_at(FP_PAD);
    if pad.iter().any(|&b| b != 0) || value[0] & 0xe0 != 0 {
        return Err(PrecompileError::Failure);
    }
    let mut out = [0u8; 48];
    out.copy_from_slice(value);
    Ok(out)
}

/// An Fp element; values >= p fail.
fn read_fp(e: &[u8; FP_LEN]) -> Result<Fp, PrecompileError> {
    Option::from(Fp::from_bytes(&fp_bytes(e)?)).ok_or(PrecompileError::Failure)
}

/// An Fp2 element from `c0 ‖ c1`.
fn read_fp2(e: &[u8; 2 * FP_LEN]) -> Result<Fp2, PrecompileError> {
    let mut out = Fp2::zero();
    out.c0 = read_fp(array(&e[..FP_LEN])?)?;
    out.c1 = read_fp(array(&e[FP_LEN..])?)?;
    Ok(out)
}

/// `bytes` as an `N`-byte array. Callers slice exact lengths, so a mismatch would be our bug;
/// it fails the call rather than panicking.
fn array<const N: usize>(bytes: &[u8]) -> Result<&[u8; N], PrecompileError> {
    bytes.try_into().map_err(|_| PrecompileError::Failure)
}

/// A G1 point from `x ‖ y`: infinity for all zeros, otherwise a point on the curve and, with
/// `subgroup`, in the order-q subgroup.
fn read_g1(bytes: &[u8; G1_LEN], subgroup: bool) -> Result<G1Affine, PrecompileError> {
    if bytes.iter().all(|&b| b == 0) {
        return Ok(G1Affine::identity());
    }
    let mut raw = [0u8; 96];
    raw[..48].copy_from_slice(&fp_bytes(array(&bytes[..FP_LEN])?)?);
    raw[48..].copy_from_slice(&fp_bytes(array(&bytes[FP_LEN..])?)?);
    // With the flag bits clear this only decodes the coordinates (rejecting values >= p).
    let p: G1Affine = Option::from(G1Affine::from_uncompressed_unchecked(&raw))
        .ok_or(PrecompileError::Failure)?;
    if bool::from(p.is_on_curve()) && (!subgroup || bool::from(p.is_torsion_free())) {
        Ok(p)
    } else {
        Err(PrecompileError::Failure)
    }
}

/// A G2 point from `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`, with the same rules as [`read_g1`].
fn read_g2(bytes: &[u8; G2_LEN], subgroup: bool) -> Result<G2Affine, PrecompileError> {
    if bytes.iter().all(|&b| b == 0) {
        return Ok(G2Affine::identity());
    }
    // The crate's uncompressed form puts c1 before c0 in each coordinate.
    let mut raw = [0u8; 192];
    for (e, slot) in bytes.chunks_exact(FP_LEN).zip([1, 0, 3, 2]) {
        raw[slot * 48..slot * 48 + 48].copy_from_slice(&fp_bytes(array(e)?)?);
    }
    let p: G2Affine = Option::from(G2Affine::from_uncompressed_unchecked(&raw))
        .ok_or(PrecompileError::Failure)?;
    if bool::from(p.is_on_curve()) && (!subgroup || bool::from(p.is_torsion_free())) {
        Ok(p)
    } else {
        Err(PrecompileError::Failure)
    }
}

/// Appends one 48-byte field element as its 64-byte encoding.
fn write_fp(e: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&[0u8; FP_PAD]);
    out.extend_from_slice(e);
}

/// Appends `p` as `x ‖ y` (128 bytes), infinity as zeros.
fn write_g1(p: &G1Affine, out: &mut Vec<u8>) {
    if bool::from(p.is_identity()) {
        out.extend_from_slice(&[0u8; G1_LEN]);
        return;
    }
    let raw = p.to_uncompressed();
    write_fp(&raw[..48], out);
    write_fp(&raw[48..], out);
}

/// Appends `p` as `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1` (256 bytes), infinity as zeros.
fn write_g2(p: &G2Affine, out: &mut Vec<u8>) {
    if bool::from(p.is_identity()) {
        out.extend_from_slice(&[0u8; G2_LEN]);
        return;
    }
    let raw = p.to_uncompressed();
    for slot in [1, 0, 3, 2] {
        write_fp(&raw[slot * 48..slot * 48 + 48], out);
    }
}

/// Fixtures and helpers shared by the precompiles' tests.
#[cfg(test)]
pub(super) mod test_util {
    use super::*;
    use crate::precompiles::PrecompileResult;
    use alloy_primitives::hex;

    /// The field modulus p, as a 64-byte encoding (the smallest invalid element).
    pub(crate) const P: [u8; 64] = hex!(
        "00000000000000000000000000000000"
        "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab"
    );
    /// The subgroup order q as a scalar.
    pub(crate) const Q: [u8; 32] =
        hex!("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
    /// The G1 generator (EIP-2537 "Curve parameters").
    pub(crate) const G1: [u8; 128] = hex!(
        "00000000000000000000000000000000"
        "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
        "00000000000000000000000000000000"
        "08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1"
    );
    /// The G2 generator, `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`.
    pub(crate) const G2: [u8; 256] = hex!(
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
    pub(crate) const G1_ORDER_3: [u8; 128] = {
        let mut b = [0u8; 128];
        b[127] = 2;
        b
    };

    /// A G2 curve point outside the subgroup: the first `x = n ∈ Fp` (as an Fp2 element) for
    /// which `x³ + 4(1 + v)` is a square.
    pub(crate) fn g2_not_in_subgroup() -> [u8; 256] {
        let mut four = Fp::one();
        for _ in 0..3 {
            four += Fp::one();
        }
        let mut b = Fp2::zero();
        b.c0 = four;
        b.c1 = four;
        let mut x = Fp2::zero();
        loop {
            x.c0 += Fp::one();
            if let Some(y) = Option::<Fp2>::from((x.square() * x + b).sqrt()) {
                let mut out = [0u8; 256];
                for (slot, e) in out.chunks_exact_mut(64).zip([x.c0, x.c1, y.c0, y.c1]) {
                    slot[16..].copy_from_slice(&e.to_bytes());
                }
                return out;
            }
        }
    }

    /// The encoding of a G1 point.
    pub(crate) fn enc_g1(p: impl Into<G1Affine>) -> Vec<u8> {
        let mut out = Vec::new();
        write_g1(&p.into(), &mut out);
        out
    }

    /// The encoding of a G2 point.
    pub(crate) fn enc_g2(p: impl Into<G2Affine>) -> Vec<u8> {
        let mut out = Vec::new();
        write_g2(&p.into(), &mut out);
        out
    }

    /// Concatenates byte strings.
    pub(crate) fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    /// Runs a precompile and returns its result and output.
    pub(crate) fn call(
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

    #[test]
    fn msm_prices_follow_the_discount_tables() {
        let g1 = |k: usize| msm_gas(k * 160, 160, G1_MUL_GAS, &G1_MSM_DISCOUNT);
        let g2 = |k: usize| msm_gas(k * 288, 288, G2_MUL_GAS, &G2_MSM_DISCOUNT);
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
        assert_eq!(msm_gas(319, 160, G1_MUL_GAS, &G1_MSM_DISCOUNT), 12_000);
        assert_eq!(msm_gas(159, 160, G1_MUL_GAS, &G1_MSM_DISCOUNT), 0);
        assert_eq!(
            msm_gas(usize::MAX, 160, G1_MUL_GAS, &G1_MSM_DISCOUNT),
            u64::MAX / 1000
        );
    }

    #[test]
    fn field_elements() {
        let mut e = P;
        assert!(read_fp(&e).is_err());
        e[63] -= 1; // p - 1 is the largest element.
        assert!(read_fp(&e).is_ok());
        let mut padded = [0u8; 64];
        padded[15] = 1; // Non-zero top padding, even with a zero value.
        assert!(read_fp(&padded).is_err());
        let mut high = [0u8; 64];
        high[16] = 0x80; // >= 2^383 (would be the crate's "compressed" flag).
        assert!(read_fp(&high).is_err());
        assert!(read_fp(&[0u8; 64]).is_ok());
        let mut fp2 = [0u8; 128];
        fp2[64..].copy_from_slice(&P);
        assert!(read_fp2(&fp2).is_err());
    }

    #[test]
    fn points_round_trip() {
        let g1 = read_g1(&G1, true).unwrap();
        assert_eq!(g1, G1Affine::generator());
        assert_eq!(enc_g1(g1), G1.to_vec());
        let g2 = read_g2(&G2, true).unwrap();
        assert_eq!(g2, G2Affine::generator());
        assert_eq!(enc_g2(g2), G2.to_vec());
        // All zeros is infinity both ways.
        assert!(bool::from(read_g1(&[0; 128], true).unwrap().is_identity()));
        assert!(bool::from(read_g2(&[0; 256], true).unwrap().is_identity()));
        assert_eq!(enc_g1(G1Affine::identity()), [0u8; 128].to_vec());
        assert_eq!(enc_g2(G2Affine::identity()), [0u8; 256].to_vec());
    }

    #[test]
    fn invalid_points() {
        // On the curve but outside the subgroup: accepted only without the subgroup check.
        assert!(read_g1(&G1_ORDER_3, false).is_ok());
        assert!(read_g1(&G1_ORDER_3, true).is_err());
        let g2 = g2_not_in_subgroup();
        assert!(read_g2(&g2, false).is_ok());
        assert!(read_g2(&g2, true).is_err());
        // Off the curve.
        let mut bad = G1;
        bad[127] ^= 1;
        assert!(read_g1(&bad, false).is_err());
        let mut bad = G2;
        bad[255] ^= 1;
        assert!(read_g2(&bad, false).is_err());
        // G2 with c0 and c1 swapped (the zcash serialization order) is off the curve.
        let mut swapped = G2;
        swapped[..64].copy_from_slice(&G2[64..128]);
        swapped[64..128].copy_from_slice(&G2[..64]);
        swapped[128..192].copy_from_slice(&G2[192..]);
        swapped[192..].copy_from_slice(&G2[128..192]);
        assert!(read_g2(&swapped, false).is_err());
        // A coordinate >= p, and x = 0 with a non-zero padding byte, are encoding errors.
        let mut bad = G1;
        bad[..64].copy_from_slice(&P);
        assert!(read_g1(&bad, false).is_err());
        let mut bad = [0u8; 128];
        bad[0] = 1;
        assert!(read_g1(&bad, false).is_err());
        let mut bad = G2;
        bad[192] = 1;
        assert!(read_g2(&bad, false).is_err());
        // The crate's infinity flag is not an encoding of infinity here.
        let mut flagged = [0u8; 128];
        flagged[16] = 0x40;
        assert!(read_g1(&flagged, false).is_err());
    }
}

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
/// not zero. Also rejects values with any of the top three bits of the 48 set: those are
/// >= 2^381 > p anyway, and it keeps them clear of the flag bits the crate's serialization
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
    for (i, e) in bytes.chunks_exact(FP_LEN).enumerate() {
        let slot = [1, 0, 3, 2][i] * 48;
        raw[slot..slot + 48].copy_from_slice(&fp_bytes(array(e)?)?);
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

#[cfg(test)]
mod tmp_eip_vectors {
    extern crate std;
    use crate::types::SpecId;
    use alloy_primitives::{hex, Address};

    #[test]
    fn eip_vectors() {
        let text = std::fs::read_to_string("/tmp/eipv/vectors.txt").unwrap();
        let (mut ok, mut bad) = (0, 0);
        for line in text.lines() {
            let f: std::vec::Vec<&str> = line.split(' ').collect();
            let mut a = [0u8; 20];
            a[19] = u8::from_str_radix(f[0], 16).unwrap();
            let input = if f[1] == "-" {
                std::vec![]
            } else {
                hex::decode(f[1]).unwrap()
            };
            let mut out = std::vec::Vec::new();
            let t = std::time::Instant::now();
            let res = crate::precompiles::run(
                &Address::new(a),
                &input,
                10_000_000,
                SpecId::Prague,
                &mut out,
            );
            let el = t.elapsed();
            let good = if f[2] == "ERR" {
                res.is_err()
            } else {
                let exp = if f[2] == "-" {
                    std::vec![]
                } else {
                    hex::decode(f[2]).unwrap()
                };
                res == Ok(f[3].parse().unwrap()) && out == exp
            };
            if good {
                ok += 1
            } else {
                bad += 1;
                std::println!("FAIL {} {:?}", f[4], res);
            }
            if el.as_millis() > 5 {
                std::println!("slow {} {:?}", f[4], el);
            }
        }
        std::println!("ok {ok} bad {bad}");
        assert_eq!(bad, 0);
    }
}

//! 0x0b BLS12_G1ADD and 0x0d BLS12_G2ADD (EIP-2537): the sum of two points.

use super::curves::Curve;
use super::{read_point, write_point};
use crate::precompiles::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;
use ark_bls12_381::{g1, g2};
use ark_ec::short_weierstrass::Projective;
use ark_ec::CurveGroup;

/// Input `p1 ‖ p2`, exactly `2 · POINT_LEN` bytes; output `p1 + p2`. Both points must be on
/// the curve but, per the EIP, need not be in the subgroup.
fn add<C: Curve>(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let gas = charge(C::ADD_GAS, gas_limit)?;
    if input.len() != 2 * C::POINT_LEN {
        return Err(PrecompileError::Failure);
    }
    let (a, b) = input.split_at(C::POINT_LEN);
    let a = read_point::<C>(a, false)?;
    let b = read_point::<C>(b, false)?;
    // Jacobian addition handles a = ±b and infinity, whatever the points' order.
    write_point::<C>(&(Projective::from(a) + b).into_affine(), out);
    Ok(gas)
}

/// 0x0b: 256 bytes in, a G1 point (128 bytes) out, 375 gas.
pub(in crate::precompiles) fn g1_add(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    add::<g1::Config>(input, gas_limit, out)
}

/// 0x0d: 512 bytes in, a G2 point (256 bytes) out, 600 gas.
pub(in crate::precompiles) fn g2_add(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    add::<g2::Config>(input, gas_limit, out)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use ark_bls12_381::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{AdditiveGroup, AffineRepr, PrimeGroup};

    fn add1(a: &[u8], b: &[u8]) -> (PrecompileResult, Vec<u8>) {
        call(g1_add, &cat(&[a, b]), 375)
    }

    fn add2(a: &[u8], b: &[u8]) -> (PrecompileResult, Vec<u8>) {
        call(g2_add, &cat(&[a, b]), 600)
    }

    #[test]
    fn g1_sums() {
        let g = G1Projective::generator();
        assert_eq!(add1(&G1, &G1), (Ok(375), enc::<g1::Config>(g.double())));
        assert_eq!(add1(&G1, &[0; 128]), (Ok(375), G1.to_vec()));
        assert_eq!(add1(&[0; 128], &G1), (Ok(375), G1.to_vec()));
        assert_eq!(add1(&[0; 128], &[0; 128]), (Ok(375), [0u8; 128].to_vec()));
        let neg = enc::<g1::Config>(-G1Affine::generator());
        assert_eq!(add1(&G1, &neg), (Ok(375), [0u8; 128].to_vec()));
        let two_g = enc::<g1::Config>(g.double());
        assert_eq!(add1(&two_g, &G1), (Ok(375), times::<g1::Config>(g, 3)));
    }

    #[test]
    fn g2_sums() {
        let g = G2Projective::generator();
        assert_eq!(add2(&G2, &G2), (Ok(600), enc::<g2::Config>(g.double())));
        assert_eq!(add2(&G2, &[0; 256]), (Ok(600), G2.to_vec()));
        assert_eq!(add2(&[0; 256], &[0; 256]), (Ok(600), [0u8; 256].to_vec()));
        let neg = enc::<g2::Config>(-G2Affine::generator());
        assert_eq!(add2(&neg, &G2), (Ok(600), [0u8; 256].to_vec()));
        let two_g = enc::<g2::Config>(g.double());
        assert_eq!(add2(&G2, &two_g), (Ok(600), times::<g2::Config>(g, 3)));
    }

    #[test]
    fn no_subgroup_check() {
        // (0, 2) has order 3: (0, 2) + (0, 2) = -(0, 2) = (0, p - 2), and adding it once more
        // gives infinity.
        let mut minus = G1_ORDER_3;
        minus[64..].copy_from_slice(&P);
        minus[127] -= 2;
        assert_eq!(add1(&G1_ORDER_3, &G1_ORDER_3), (Ok(375), minus.to_vec()));
        assert_eq!(add1(&G1_ORDER_3, &minus), (Ok(375), [0u8; 128].to_vec()));
        assert_eq!(add1(&G1_ORDER_3, &G1).0, Ok(375));
        // In G2 the sum is again a valid curve point outside the subgroup.
        let (res, sum) = add2(&g2_not_in_subgroup(), &G2);
        assert_eq!(res, Ok(600));
        assert!(read_point::<g2::Config>(&sum, false).is_ok());
        assert!(read_point::<g2::Config>(&sum, true).is_err());
    }

    #[test]
    fn g1_invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        let input = cat(&[&G1, &G1]);
        assert_eq!(call(g1_add, &[], 375).0, fail);
        assert_eq!(call(g1_add, &input[..255], 375).0, fail);
        assert_eq!(call(g1_add, &cat(&[&input, &[0]]), 375).0, fail);
        let mut off_curve = G1;
        off_curve[127] ^= 1;
        assert_eq!(add1(&G1, &off_curve).0, fail);
        let mut top = G1;
        top[0] = 1;
        assert_eq!(add1(&top, &G1).0, fail);
        let mut big = G1;
        big[64..].copy_from_slice(&P);
        assert_eq!(add1(&G1, &big).0, fail);
    }

    #[test]
    fn g2_invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        let input = cat(&[&G2, &G2]);
        assert_eq!(call(g2_add, &[], 600).0, fail);
        assert_eq!(call(g2_add, &input[..511], 600).0, fail);
        assert_eq!(call(g2_add, &cat(&[&input, &[0]]), 600).0, fail);
        let mut off_curve = G2;
        off_curve[255] ^= 1;
        assert_eq!(add2(&G2, &off_curve).0, fail);
        let mut top = G2;
        top[64] = 1;
        assert_eq!(add2(&top, &G2).0, fail);
        let mut big = G2;
        big[64..128].copy_from_slice(&P);
        assert_eq!(add2(&G2, &big).0, fail);
    }

    #[test]
    fn out_of_gas() {
        let oog = Err(PrecompileError::OutOfGas);
        assert_eq!(call(g1_add, &cat(&[&G1, &G1]), 374).0, oog);
        assert_eq!(call(g1_add, &[], 374).0, oog);
        assert_eq!(call(g2_add, &cat(&[&G2, &G2]), 599).0, oog);
    }
}

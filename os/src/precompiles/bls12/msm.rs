//! 0x0c BLS12_G1MSM and 0x0e BLS12_G2MSM (EIP-2537): `Σ sᵢ·Pᵢ` over k (point, scalar) pairs;
//! with k = 1 this is also the plain multiplication (the EIP has no separate MUL precompile).

use super::curves::Curve;
use super::multiexp::msm;
use super::{msm_gas, read_point, whole_items, write_point, SCALAR_LEN};
use crate::precompiles::{charge, PrecompileResult};
use alloc::vec::Vec;
use ark_bls12_381::{g1, g2};
use ark_ec::{AffineRepr, CurveGroup};

/// Input `(POINT_LEN + 32)·k` bytes, k >= 1; output the sum. Every point must be on the curve
/// and in the subgroup, even when its scalar is zero. The length is checked before the price
/// is charged, in the reference specification's order (it decides the halt reason).
fn run<C: Curve>(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let pair_len = C::POINT_LEN + SCALAR_LEN;
    whole_items(input, pair_len)?;
    let gas = charge(
        msm_gas(input.len(), pair_len, C::MUL_GAS, &C::MSM_DISCOUNT),
        gas_limit,
    )?;
    let k = input.len() / pair_len;
    let mut points = Vec::with_capacity(k);
    let mut scalars = Vec::with_capacity(k);
    for pair in input.chunks_exact(pair_len) {
        let (p, s) = pair.split_at(C::POINT_LEN);
        let p = read_point::<C>(p, true)?;
        // Terms that are the identity cost nothing; they were still validated above.
        if !p.is_zero() && s.iter().any(|&b| b != 0) {
            let mut scalar = [0u8; SCALAR_LEN];
            scalar.copy_from_slice(s);
            points.push(p);
            scalars.push(scalar);
        }
    }
    write_point::<C>(&msm::<C>(&points, &scalars).into_affine(), out);
    Ok(gas)
}

/// 0x0c: 160·k bytes in, a G1 point (128 bytes) out.
pub(in crate::precompiles) fn g1_msm(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    run::<g1::Config>(input, gas_limit, out)
}

/// 0x0e: 288·k bytes in, a G2 point (256 bytes) out.
pub(in crate::precompiles) fn g2_msm(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    run::<g2::Config>(input, gas_limit, out)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::precompiles::PrecompileError;
    use ark_bls12_381::{Fr, G1Projective, G2Projective};
    use ark_ec::short_weierstrass::Projective;
    use ark_ec::{AdditiveGroup, PrimeGroup};
    use ark_ff::PrimeField;

    #[test]
    fn g1_single_multiplication() {
        let g = G1Projective::generator();
        assert_eq!(
            call(g1_msm, &cat(&[&G1, &s(2)]), 12_000),
            (Ok(12_000), enc::<g1::Config>(g.double()))
        );
        assert_eq!(call(g1_msm, &cat(&[&G1, &s(1)]), 12_000).1, G1.to_vec());
        let zero = [0u8; 128].to_vec();
        assert_eq!(call(g1_msm, &cat(&[&G1, &s(0)]), 12_000).1, zero);
        assert_eq!(call(g1_msm, &cat(&[&[0; 128], &s(7)]), 12_000).1, zero);
        // Scalars are not reduced: q·G = 0 and (q + 5)·G = 5·G.
        assert_eq!(call(g1_msm, &cat(&[&G1, &Q]), 12_000).1, zero);
        let mut q5 = Q;
        q5[31] += 5;
        assert_eq!(
            call(g1_msm, &cat(&[&G1, &q5]), 12_000).1,
            times::<g1::Config>(g, 5)
        );
        // The largest scalar, 2^256 - 1, against arkworks' multiplication by it mod q.
        let max = g * Fr::from_be_bytes_mod_order(&[0xff; 32]);
        assert_eq!(
            call(g1_msm, &cat(&[&G1, &[0xff; 32]]), 12_000).1,
            enc::<g1::Config>(max)
        );
    }

    #[test]
    fn g2_single_multiplication() {
        let g = G2Projective::generator();
        assert_eq!(
            call(g2_msm, &cat(&[&G2, &s(2)]), 22_500),
            (Ok(22_500), enc::<g2::Config>(g.double()))
        );
        let zero = [0u8; 256].to_vec();
        assert_eq!(call(g2_msm, &cat(&[&G2, &s(0)]), 22_500).1, zero);
        assert_eq!(call(g2_msm, &cat(&[&[0; 256], &s(7)]), 22_500).1, zero);
        assert_eq!(call(g2_msm, &cat(&[&G2, &Q]), 22_500).1, zero);
        let max = g * Fr::from_be_bytes_mod_order(&[0xff; 32]);
        assert_eq!(
            call(g2_msm, &cat(&[&G2, &[0xff; 32]]), 22_500).1,
            enc::<g2::Config>(max)
        );
    }

    /// Points i·G with scalars 3^i, so every term differs, across the discount table.
    fn sums_and_gas<C: Curve>(cases: [(usize, u64); 3]) {
        let g = Projective::<C>::generator();
        for (k, gas) in cases {
            let mut input = Vec::new();
            let mut expect = Projective::<C>::ZERO;
            for i in 0..k as u64 {
                let p = g * Fr::from(i + 1);
                let sc = 3u64.pow((i % 40) as u32);
                input.extend_from_slice(&enc::<C>(p));
                input.extend_from_slice(&s(sc));
                expect += p * Fr::from(sc);
            }
            let run = run::<C>;
            assert_eq!(
                call(run, &input, gas),
                (Ok(gas), enc::<C>(expect)),
                "k = {k}"
            );
            assert_eq!(call(run, &input, gas - 1).0, Err(PrecompileError::OutOfGas));
        }
    }

    #[test]
    fn g1_sums_and_gas_across_the_discount_table() {
        sums_and_gas::<g1::Config>([(2, 22_776), (128, 797_184), (129, 803_412)]);
    }

    #[test]
    fn g2_sums_and_gas_across_the_discount_table() {
        sums_and_gas::<g2::Config>([(2, 45_000), (128, 1_509_120), (129, 1_520_910)]);
    }

    #[test]
    fn subgroup_is_checked() {
        let fail = Err(PrecompileError::Failure);
        // Even with a zero scalar, and even next to valid pairs.
        assert_eq!(call(g1_msm, &cat(&[&G1_ORDER_3, &s(1)]), 12_000).0, fail);
        assert_eq!(call(g1_msm, &cat(&[&G1_ORDER_3, &s(0)]), 12_000).0, fail);
        let input = cat(&[&G1, &s(1), &G1_ORDER_3, &s(0)]);
        assert_eq!(call(g1_msm, &input, 30_000).0, fail);
        let not_in_subgroup = cat(&[&g2_not_in_subgroup(), &s(0)]);
        assert_eq!(call(g2_msm, &not_in_subgroup, 22_500).0, fail);
    }

    #[test]
    fn g1_invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        let pair = cat(&[&G1, &s(1)]);
        // Empty input costs nothing and fails.
        assert_eq!(call(g1_msm, &[], 0), (fail, Vec::new()));
        assert_eq!(call(g1_msm, &pair[..159], 12_000).0, fail);
        assert_eq!(call(g1_msm, &cat(&[&pair, &[0]]), 12_000).0, fail);
        let mut off_curve = pair.clone();
        off_curve[100] ^= 1;
        assert_eq!(call(g1_msm, &off_curve, 12_000).0, fail);
        let mut top = pair.clone();
        top[64] = 1;
        assert_eq!(call(g1_msm, &top, 12_000).0, fail);
        let mut big = pair;
        big[..64].copy_from_slice(&P);
        assert_eq!(call(g1_msm, &big, 12_000).0, fail);
    }

    #[test]
    fn g2_invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        let pair = cat(&[&G2, &s(1)]);
        assert_eq!(call(g2_msm, &[], 0), (fail, Vec::new()));
        assert_eq!(call(g2_msm, &pair[..287], 22_500).0, fail);
        assert_eq!(call(g2_msm, &cat(&[&pair, &[0]]), 22_500).0, fail);
        let mut off_curve = pair.clone();
        off_curve[200] ^= 1;
        assert_eq!(call(g2_msm, &off_curve, 22_500).0, fail);
        let mut big = pair;
        big[128..192].copy_from_slice(&P);
        assert_eq!(call(g2_msm, &big, 22_500).0, fail);
    }

    #[test]
    fn out_of_gas() {
        let pair = cat(&[&G1, &s(1)]);
        assert_eq!(
            call(g1_msm, &pair, 11_999).0,
            Err(PrecompileError::OutOfGas)
        );
        let pair = cat(&[&G2, &s(1)]);
        assert_eq!(
            call(g2_msm, &pair, 22_499).0,
            Err(PrecompileError::OutOfGas)
        );
        // A wrong length fails before the price, even without gas (EELS's order).
        let fail = Err(PrecompileError::Failure);
        assert_eq!(call(g1_msm, &pair[..161], 0).0, fail);
        assert_eq!(call(g2_msm, &[], 0).0, fail);
    }
}

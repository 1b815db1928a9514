//! 0x0c BLS12_G1MSM (EIP-2537): `Σ sᵢ·Pᵢ` over k (G1 point, scalar) pairs; with k = 1 this is
//! also the plain G1 multiplication (the EIP has no separate MUL precompile).

use super::msm::g1_msm;
use super::{
    array, msm_gas, read_g1, whole_items, write_g1, G1_LEN, G1_MSM_DISCOUNT, G1_MUL_GAS, SCALAR_LEN,
};
use crate::precompiles::{charge, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::G1Affine;

/// Bytes per pair: a G1 point and a scalar.
const PAIR_LEN: usize = G1_LEN + SCALAR_LEN;

/// Input `160·k` bytes, k >= 1; output the sum (128 bytes). Every point must be on the curve
/// and in the subgroup, even when its scalar is zero.
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let gas = charge(
        msm_gas(input.len(), PAIR_LEN, G1_MUL_GAS, &G1_MSM_DISCOUNT),
        gas_limit,
    )?;
    whole_items(input, PAIR_LEN)?;
    let k = input.len() / PAIR_LEN;
    let mut points = Vec::with_capacity(k);
    let mut scalars = Vec::with_capacity(k);
    for pair in input.chunks_exact(PAIR_LEN) {
        let (p, s) = pair.split_at(G1_LEN);
        let p = read_g1(array(p)?, true)?;
        let s: &[u8; SCALAR_LEN] = array(s)?;
        // Terms that are the identity cost nothing; they were still validated above.
        if !bool::from(p.is_identity()) && s.iter().any(|&b| b != 0) {
            points.push(p);
            scalars.push(*s);
        }
    }
    write_g1(&G1Affine::from(g1_msm(&points, &scalars)), out);
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::precompiles::PrecompileError;
    use bls12_381::{G1Projective, Scalar};

    /// A big-endian scalar from a small integer.
    fn s(v: u64) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[24..].copy_from_slice(&v.to_be_bytes());
        out
    }

    #[test]
    fn single_multiplication() {
        let g = G1Projective::generator();
        assert_eq!(
            call(run, &cat(&[&G1, &s(2)]), 12_000),
            (Ok(12_000), enc_g1(g.double()))
        );
        assert_eq!(call(run, &cat(&[&G1, &s(1)]), 12_000).1, G1.to_vec());
        let zero = [0u8; 128].to_vec();
        assert_eq!(call(run, &cat(&[&G1, &s(0)]), 12_000).1, zero);
        assert_eq!(call(run, &cat(&[&[0; 128], &s(7)]), 12_000).1, zero);
        // Scalars are not reduced: q·G = 0 and (q + 5)·G = 5·G.
        assert_eq!(call(run, &cat(&[&G1, &Q]), 12_000).1, zero);
        let mut q5 = Q;
        q5[31] += 5;
        assert_eq!(
            call(run, &cat(&[&G1, &q5]), 12_000).1,
            enc_g1(g * Scalar::from(5))
        );
        // The largest scalar, 2^256 - 1, against the crate's multiplication by it mod q.
        let mut wide = [0u8; 64];
        wide[..32].fill(0xff);
        let max = g * Scalar::from_bytes_wide(&wide);
        assert_eq!(call(run, &cat(&[&G1, &[0xff; 32]]), 12_000).1, enc_g1(max));
    }

    #[test]
    fn sums_and_gas_across_the_discount_table() {
        let g = G1Projective::generator();
        for (k, gas) in [(2, 22_776), (128, 797_184), (129, 803_412)] {
            let mut input = Vec::new();
            let mut expect = G1Projective::identity();
            for i in 0..k as u64 {
                // Points i·G with scalars 3^i, so every term differs.
                let p = g * Scalar::from(i + 1);
                let sc = 3u64.pow((i % 40) as u32);
                input.extend_from_slice(&enc_g1(p));
                input.extend_from_slice(&s(sc));
                expect += p * Scalar::from(sc);
            }
            assert_eq!(call(run, &input, gas), (Ok(gas), enc_g1(expect)), "k = {k}");
            assert_eq!(call(run, &input, gas - 1).0, Err(PrecompileError::OutOfGas));
        }
    }

    #[test]
    fn subgroup_is_checked() {
        let fail = Err(PrecompileError::Failure);
        // Even with a zero scalar, and even next to valid pairs.
        assert_eq!(call(run, &cat(&[&G1_ORDER_3, &s(1)]), 12_000).0, fail);
        assert_eq!(call(run, &cat(&[&G1_ORDER_3, &s(0)]), 12_000).0, fail);
        let input = cat(&[&G1, &s(1), &G1_ORDER_3, &s(0)]);
        assert_eq!(call(run, &input, 30_000).0, fail);
    }

    #[test]
    fn invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        let pair = cat(&[&G1, &s(1)]);
        // Empty input costs nothing and fails.
        assert_eq!(call(run, &[], 0), (fail, Vec::new()));
        assert_eq!(call(run, &pair[..159], 12_000).0, fail);
        assert_eq!(call(run, &cat(&[&pair, &[0]]), 12_000).0, fail);
        let mut off_curve = pair.clone();
        off_curve[100] ^= 1;
        assert_eq!(call(run, &off_curve, 12_000).0, fail);
        let mut top = pair.clone();
        top[64] = 1;
        assert_eq!(call(run, &top, 12_000).0, fail);
        let mut big = pair;
        big[..64].copy_from_slice(&P);
        assert_eq!(call(run, &big, 12_000).0, fail);
    }

    #[test]
    fn out_of_gas() {
        let pair = cat(&[&G1, &s(1)]);
        assert_eq!(call(run, &pair, 11_999).0, Err(PrecompileError::OutOfGas));
    }
}

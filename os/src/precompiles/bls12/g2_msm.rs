//! 0x0e BLS12_G2MSM (EIP-2537): `Σ sᵢ·Pᵢ` over k (G2 point, scalar) pairs; with k = 1 this is
//! also the plain G2 multiplication (the EIP has no separate MUL precompile).

use super::msm::msm;
use super::{
    array, msm_gas, read_g2, whole_items, write_g2, G2_LEN, G2_MSM_DISCOUNT, G2_MUL_GAS, SCALAR_LEN,
};
use crate::precompiles::{charge, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::{G2Affine, G2Projective};

/// Bytes per pair: a G2 point and a scalar.
const PAIR_LEN: usize = G2_LEN + SCALAR_LEN;

/// Input `288·k` bytes, k >= 1; output the sum (256 bytes). Every point must be on the curve
/// and in the subgroup, even when its scalar is zero.
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let gas = charge(
        msm_gas(input.len(), PAIR_LEN, G2_MUL_GAS, &G2_MSM_DISCOUNT),
        gas_limit,
    )?;
    whole_items(input, PAIR_LEN)?;
    let k = input.len() / PAIR_LEN;
    let mut points = Vec::with_capacity(k);
    let mut scalars = Vec::with_capacity(k);
    for pair in input.chunks_exact(PAIR_LEN) {
        let (p, s) = pair.split_at(G2_LEN);
        let p = read_g2(array(p)?, true)?;
        let s: &[u8; SCALAR_LEN] = array(s)?;
        // Terms that are the identity cost nothing; they were still validated above.
        if !bool::from(p.is_identity()) && s.iter().any(|&b| b != 0) {
            points.push(p);
            scalars.push(*s);
        }
    }
    write_g2(&G2Affine::from(msm::<G2Projective>(&points, &scalars)), out);
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::precompiles::PrecompileError;
    use bls12_381::Scalar;

    /// A big-endian scalar from a small integer.
    fn s(v: u64) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[24..].copy_from_slice(&v.to_be_bytes());
        out
    }

    #[test]
    fn single_multiplication() {
        let g = G2Projective::generator();
        assert_eq!(
            call(run, &cat(&[&G2, &s(2)]), 22_500),
            (Ok(22_500), enc_g2(g.double()))
        );
        let zero = [0u8; 256].to_vec();
        assert_eq!(call(run, &cat(&[&G2, &s(0)]), 22_500).1, zero);
        assert_eq!(call(run, &cat(&[&[0; 256], &s(7)]), 22_500).1, zero);
        assert_eq!(call(run, &cat(&[&G2, &Q]), 22_500).1, zero);
        let mut wide = [0u8; 64];
        wide[..32].fill(0xff);
        let max = g * Scalar::from_bytes_wide(&wide);
        assert_eq!(call(run, &cat(&[&G2, &[0xff; 32]]), 22_500).1, enc_g2(max));
    }

    #[test]
    fn sums_and_gas_across_the_discount_table() {
        let g = G2Projective::generator();
        for (k, gas) in [(2, 45_000), (128, 1_509_120), (129, 1_520_910)] {
            let mut input = Vec::new();
            let mut expect = G2Projective::identity();
            for i in 0..k as u64 {
                let p = g * Scalar::from(i + 1);
                let sc = 3u64.pow((i % 40) as u32);
                input.extend_from_slice(&enc_g2(p));
                input.extend_from_slice(&s(sc));
                expect += p * Scalar::from(sc);
            }
            assert_eq!(call(run, &input, gas), (Ok(gas), enc_g2(expect)), "k = {k}");
            assert_eq!(call(run, &input, gas - 1).0, Err(PrecompileError::OutOfGas));
        }
    }

    #[test]
    fn invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        let pair = cat(&[&G2, &s(1)]);
        assert_eq!(call(run, &[], 0), (fail, Vec::new()));
        assert_eq!(call(run, &pair[..287], 22_500).0, fail);
        assert_eq!(call(run, &cat(&[&pair, &[0]]), 22_500).0, fail);
        let not_in_subgroup = cat(&[&g2_not_in_subgroup(), &s(0)]);
        assert_eq!(call(run, &not_in_subgroup, 22_500).0, fail);
        let mut off_curve = pair.clone();
        off_curve[200] ^= 1;
        assert_eq!(call(run, &off_curve, 22_500).0, fail);
        let mut big = pair;
        big[128..192].copy_from_slice(&P);
        assert_eq!(call(run, &big, 22_500).0, fail);
    }
}

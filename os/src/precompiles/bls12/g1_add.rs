//! 0x0b BLS12_G1ADD (EIP-2537): the sum of two G1 points.

use super::{array, read_g1, write_g1, G1_LEN};
use crate::precompiles::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::{G1Affine, G1Projective};

/// Fixed price of a call.
const GAS: u64 = 375;

/// Input `p1 ‖ p2`, exactly 256 bytes; output `p1 + p2` (128 bytes). Both points must be on
/// the curve but, per the EIP, need not be in the subgroup.
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    if input.len() != 2 * G1_LEN {
        return Err(PrecompileError::Failure);
    }
    let (a, b) = input.split_at(G1_LEN);
    let a = read_g1(array(a)?, false)?;
    let b = read_g1(array(b)?, false)?;
    write_g1(&G1Affine::from(G1Projective::from(a) + b), out);
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    fn add(a: &[u8], b: &[u8]) -> (PrecompileResult, Vec<u8>) {
        call(run, &cat(&[a, b]), 375)
    }

    #[test]
    fn sums() {
        let g = G1Projective::generator();
        assert_eq!(add(&G1, &G1), (Ok(375), enc_g1(g.double())));
        assert_eq!(add(&G1, &[0; 128]), (Ok(375), G1.to_vec()));
        assert_eq!(add(&[0; 128], &G1), (Ok(375), G1.to_vec()));
        assert_eq!(add(&[0; 128], &[0; 128]), (Ok(375), [0u8; 128].to_vec()));
        let neg = enc_g1(-G1Affine::generator());
        assert_eq!(add(&G1, &neg), (Ok(375), [0u8; 128].to_vec()));
        let three_g = enc_g1(g * bls12_381::Scalar::from(3));
        assert_eq!(add(&enc_g1(g.double()), &G1), (Ok(375), three_g));
    }

    #[test]
    fn no_subgroup_check() {
        // (0, 2) has order 3: (0, 2) + (0, 2) = -(0, 2) = (0, p - 2), and adding it once more
        // gives infinity.
        let mut minus = G1_ORDER_3;
        minus[64..].copy_from_slice(&P);
        minus[127] -= 2;
        assert_eq!(add(&G1_ORDER_3, &G1_ORDER_3), (Ok(375), minus.to_vec()));
        assert_eq!(add(&G1_ORDER_3, &minus), (Ok(375), [0u8; 128].to_vec()));
        assert_eq!(add(&G1_ORDER_3, &G1).0, Ok(375));
    }

    #[test]
    fn invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        let input = cat(&[&G1, &G1]);
        assert_eq!(call(run, &[], 375).0, fail);
        assert_eq!(call(run, &input[..255], 375).0, fail);
        assert_eq!(call(run, &cat(&[&input, &[0]]), 375).0, fail);
        let mut off_curve = G1;
        off_curve[127] ^= 1;
        assert_eq!(add(&G1, &off_curve).0, fail);
        let mut top = G1;
        top[0] = 1;
        assert_eq!(add(&top, &G1).0, fail);
        let mut big = G1;
        big[64..].copy_from_slice(&P);
        assert_eq!(add(&G1, &big).0, fail);
    }

    #[test]
    fn out_of_gas() {
        let input = cat(&[&G1, &G1]);
        assert_eq!(call(run, &input, 374).0, Err(PrecompileError::OutOfGas));
        assert_eq!(call(run, &[], 374).0, Err(PrecompileError::OutOfGas));
    }
}

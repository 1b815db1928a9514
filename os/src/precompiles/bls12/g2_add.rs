//! 0x0d BLS12_G2ADD (EIP-2537): the sum of two G2 points.

use super::{array, read_g2, write_g2, G2_LEN};
use crate::precompiles::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::{G2Affine, G2Projective};

/// Fixed price of a call.
const GAS: u64 = 600;

/// Input `p1 ‖ p2`, exactly 512 bytes; output `p1 + p2` (256 bytes). Both points must be on
/// the curve but, per the EIP, need not be in the subgroup.
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    if input.len() != 2 * G2_LEN {
        return Err(PrecompileError::Failure);
    }
    let (a, b) = input.split_at(G2_LEN);
    let a = read_g2(array(a)?, false)?;
    let b = read_g2(array(b)?, false)?;
    write_g2(&G2Affine::from(G2Projective::from(a) + b), out);
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    fn add(a: &[u8], b: &[u8]) -> (PrecompileResult, Vec<u8>) {
        call(run, &cat(&[a, b]), 600)
    }

    #[test]
    fn sums() {
        let g = G2Projective::generator();
        assert_eq!(add(&G2, &G2), (Ok(600), enc_g2(g.double())));
        assert_eq!(add(&G2, &[0; 256]), (Ok(600), G2.to_vec()));
        assert_eq!(add(&[0; 256], &[0; 256]), (Ok(600), [0u8; 256].to_vec()));
        let neg = enc_g2(-G2Affine::generator());
        assert_eq!(add(&neg, &G2), (Ok(600), [0u8; 256].to_vec()));
    }

    #[test]
    fn no_subgroup_check() {
        let p = g2_not_in_subgroup();
        let (res, sum) = add(&p, &G2);
        assert_eq!(res, Ok(600));
        // The sum is again a valid curve point outside the subgroup.
        let sum: [u8; 256] = sum.try_into().unwrap();
        assert!(super::super::read_g2(&sum, false).is_ok());
        assert!(super::super::read_g2(&sum, true).is_err());
    }

    #[test]
    fn invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        let input = cat(&[&G2, &G2]);
        assert_eq!(call(run, &[], 600).0, fail);
        assert_eq!(call(run, &input[..511], 600).0, fail);
        assert_eq!(call(run, &cat(&[&input, &[0]]), 600).0, fail);
        let mut off_curve = G2;
        off_curve[255] ^= 1;
        assert_eq!(add(&G2, &off_curve).0, fail);
        let mut top = G2;
        top[64] = 1;
        assert_eq!(add(&top, &G2).0, fail);
        let mut big = G2;
        big[64..128].copy_from_slice(&P);
        assert_eq!(add(&G2, &big).0, fail);
    }

    #[test]
    fn out_of_gas() {
        let input = cat(&[&G2, &G2]);
        assert_eq!(call(run, &input, 599).0, Err(PrecompileError::OutOfGas));
    }
}

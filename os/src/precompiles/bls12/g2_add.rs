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

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

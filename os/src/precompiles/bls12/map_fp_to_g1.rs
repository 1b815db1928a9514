//! 0x10 BLS12_MAP_FP_TO_G1 (EIP-2537): maps an Fp element to a G1 point.
//!
//! The map is RFC 9380's `map_to_curve` for BLS12-381 G1 (simplified SWU onto an 11-isogenous
//! curve, then the isogeny) followed by `clear_cofactor`; there is no hashing, the caller
//! supplies the field element.

use super::{array, read_fp, write_g1, FP_LEN};
use crate::precompiles::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::hash_to_curve::MapToCurve;
use bls12_381::{G1Affine, G1Projective};

/// Fixed price of a call.
const GAS: u64 = 5_500;

/// Input one Fp element (exactly 64 bytes, below p); output a G1 point (128 bytes).
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    if input.len() != FP_LEN {
        return Err(PrecompileError::Failure);
    }
    let u = read_fp(array(input)?)?;
    let p = G1Projective::map_to_curve(&u).clear_h();
    write_g1(&G1Affine::from(p), out);
    Ok(gas)
}

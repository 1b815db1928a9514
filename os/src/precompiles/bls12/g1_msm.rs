//! 0x0c BLS12_G1MSM (EIP-2537): `Σ sᵢ·Pᵢ` over k (G1 point, scalar) pairs; with k = 1 this is
//! also the plain G1 multiplication (the EIP has no separate MUL precompile).

use super::msm::msm;
use super::{
    array, msm_gas, read_g1, whole_items, write_g1, G1_LEN, G1_MSM_DISCOUNT, G1_MUL_GAS, SCALAR_LEN,
};
use crate::precompiles::{charge, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::{G1Affine, G1Projective};

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
    write_g1(&G1Affine::from(msm::<G1Projective>(&points, &scalars)), out);
    Ok(gas)
}

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

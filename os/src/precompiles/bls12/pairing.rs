//! 0x0f BLS12_PAIRING_CHECK (EIP-2537): whether `e(P1, Q1) · … · e(Pk, Qk) = 1`.

use super::{array, read_g1, read_g2, whole_items, G1_LEN, G2_LEN};
use crate::precompiles::{charge, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::{multi_miller_loop, G2Prepared, Gt};

/// Bytes per pair: a G1 point and a G2 point.
const PAIR_LEN: usize = G1_LEN + G2_LEN;
/// Price per pair.
const GAS_PER_PAIR: u64 = 32_600;
/// Price per call.
const GAS_BASE: u64 = 37_700;

/// Input `384·k` bytes, k >= 1, every point on its curve and in the subgroup; output a 32-byte
/// word, 1 when the product is the identity and 0 otherwise. The price is charged for the
/// whole pairs the input holds before its length is checked, as the EIP prescribes.
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let pairs = (input.len() / PAIR_LEN) as u64;
    let gas = charge(
        GAS_BASE.saturating_add(GAS_PER_PAIR.saturating_mul(pairs)),
        gas_limit,
    )?;
    whole_items(input, PAIR_LEN)?;

    let mut g1 = Vec::with_capacity(input.len() / PAIR_LEN);
    let mut g2 = Vec::with_capacity(input.len() / PAIR_LEN);
    for pair in input.chunks_exact(PAIR_LEN) {
        let (p, q) = pair.split_at(G1_LEN);
        let p = read_g1(array(p)?, true)?;
        let q = read_g2(array(q)?, true)?;
        // A pair with infinity on either side contributes e(.,.) = 1; it was validated above.
        if !bool::from(p.is_identity() | q.is_identity()) {
            g1.push(p);
            g2.push(G2Prepared::from(q));
        }
    }
    let terms: Vec<_> = g1.iter().zip(g2.iter()).collect();
    let holds =
        terms.is_empty() || multi_miller_loop(&terms).final_exponentiation() == Gt::identity();
    let mut word = [0u8; 32];
    word[31] = u8::from(holds);
    out.extend_from_slice(&word);
    Ok(gas)
}

//! 0x08 ECPAIRING (EIP-197): whether `e(a1, b1) · … · e(ak, bk) = 1` for k (G1, G2) pairs.

use super::{istanbul, read_g1, read_g2};
use crate::precompiles::{charge, PrecompileError, PrecompileResult};
use crate::types::SpecId;
use alloc::vec::Vec;
use substrate_bn::{pairing_batch, Group, Gt};

/// Bytes per pair: a G1 point (64) and a G2 point (128).
const PAIR_LEN: usize = 192;
/// Base and per-pair price before Istanbul (EIP-197).
const GAS_BYZANTIUM: (u64, u64) = (100_000, 80_000);
/// Base and per-pair price from Istanbul (EIP-1108).
const GAS_ISTANBUL: (u64, u64) = (45_000, 34_000);

/// Output is a 32-byte word, 1 when the product is the identity (also for empty input) and
/// 0 otherwise. A length that is not a multiple of 192 fails (after the price is charged
/// for the whole pairs it contains, like the reference clients).
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    spec: SpecId,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let (base, per_pair) = if istanbul(spec) {
        GAS_ISTANBUL
    } else {
        GAS_BYZANTIUM
    };
    let pairs = (input.len() / PAIR_LEN) as u64;
    let gas = charge(
        base.saturating_add(per_pair.saturating_mul(pairs)),
        gas_limit,
    )?;
    if !input.len().is_multiple_of(PAIR_LEN) {
        return Err(PrecompileError::Failure);
    }

    let mut points = Vec::with_capacity(input.len() / PAIR_LEN);
    for chunk in input.chunks_exact(PAIR_LEN) {
        let mut g1 = [0u8; 64];
        let mut g2 = [0u8; 128];
        g1.copy_from_slice(&chunk[..64]);
        g2.copy_from_slice(&chunk[64..]);
        let a = read_g1(&g1)?;
        let b = read_g2(&g2)?;
        // Pairs with a point at infinity contribute the identity; pairing_batch skips them.
        if !a.is_zero() && !b.is_zero() {
            points.push((a, b));
        }
    }
    let holds = points.is_empty() || pairing_batch(&points) == Gt::one();
    let mut word = [0u8; 32];
    word[31] = u8::from(holds);
    out.extend_from_slice(&word);
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    const G1: [u8; 64] = hex!(
        "0000000000000000000000000000000000000000000000000000000000000001"
        "0000000000000000000000000000000000000000000000000000000000000002"
    );
    const NEG_G1: [u8; 64] = hex!(
        "0000000000000000000000000000000000000000000000000000000000000001"
        "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45"
    );
    // The G2 generator of EIP-197, as x_im ‖ x_re ‖ y_im ‖ y_re.
    const G2: [u8; 128] = hex!(
        "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
        "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
        "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
        "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa"
    );

    fn word(v: u8) -> Vec<u8> {
        let mut w = [0u8; 32];
        w[31] = v;
        w.to_vec()
    }

    fn pairs(list: &[(&[u8; 64], &[u8; 128])]) -> Vec<u8> {
        let mut v = Vec::new();
        for (a, b) in list {
            v.extend_from_slice(*a);
            v.extend_from_slice(*b);
        }
        v
    }

    fn call(input: &[u8], gas_limit: u64, spec: SpecId) -> (PrecompileResult, Vec<u8>) {
        let mut out = Vec::new();
        let res = run(input, gas_limit, spec, &mut out);
        (res, out)
    }

    #[test]
    fn empty_input_is_true() {
        assert_eq!(
            call(&[], 1_000_000, SpecId::Istanbul),
            (Ok(45_000), word(1))
        );
        assert_eq!(
            call(&[], 1_000_000, SpecId::Byzantium),
            (Ok(100_000), word(1))
        );
    }

    #[test]
    fn bilinearity() {
        // e(G1, G2) · e(-G1, G2) = 1.
        let input = pairs(&[(&G1, &G2), (&NEG_G1, &G2)]);
        assert_eq!(
            call(&input, 1_000_000, SpecId::Istanbul),
            (Ok(113_000), word(1))
        );
        assert_eq!(
            call(&input, 1_000_000, SpecId::Byzantium),
            (Ok(260_000), word(1))
        );
        // e(G1, G2) alone is not 1.
        let input = pairs(&[(&G1, &G2)]);
        assert_eq!(
            call(&input, 1_000_000, SpecId::Cancun),
            (Ok(79_000), word(0))
        );
        // Infinity in either slot is the identity.
        let input = pairs(&[(&[0; 64], &G2), (&G1, &[0; 128])]);
        assert_eq!(
            call(&input, 1_000_000, SpecId::Cancun),
            (Ok(113_000), word(1))
        );
    }

    #[test]
    fn malformed_input_fails() {
        let input = pairs(&[(&G1, &G2)]);
        assert_eq!(
            call(&input[..191], 1_000_000, SpecId::Cancun).0,
            Err(PrecompileError::Failure)
        );
        assert_eq!(
            call(&[0; 1], 1_000_000, SpecId::Cancun).0,
            Err(PrecompileError::Failure)
        );
        // G1 off the curve.
        let mut bad = input.clone();
        bad[63] = 3;
        assert_eq!(
            call(&bad, 1_000_000, SpecId::Cancun).0,
            Err(PrecompileError::Failure)
        );
        // G2 off the curve.
        let mut bad = input.clone();
        bad[191] ^= 1;
        assert_eq!(
            call(&bad, 1_000_000, SpecId::Cancun).0,
            Err(PrecompileError::Failure)
        );
        // G2 with the real and imaginary parts swapped is not on the twist.
        let mut swapped = G2;
        swapped[..32].copy_from_slice(&G2[32..64]);
        swapped[32..64].copy_from_slice(&G2[..32]);
        swapped[64..96].copy_from_slice(&G2[96..]);
        swapped[96..].copy_from_slice(&G2[64..96]);
        let bad = pairs(&[(&G1, &swapped)]);
        assert_eq!(
            call(&bad, 1_000_000, SpecId::Cancun).0,
            Err(PrecompileError::Failure)
        );
    }

    #[test]
    fn out_of_gas() {
        let input = pairs(&[(&G1, &G2), (&NEG_G1, &G2)]);
        assert_eq!(
            call(&input, 112_999, SpecId::Cancun).0,
            Err(PrecompileError::OutOfGas)
        );
        assert_eq!(
            call(&[], 44_999, SpecId::Cancun).0,
            Err(PrecompileError::OutOfGas)
        );
        // Pricing counts whole pairs; a huge input is refused before being parsed.
        let big = alloc::vec![0u8; PAIR_LEN * 1000];
        assert_eq!(
            call(&big, 1_000_000, SpecId::Cancun).0,
            Err(PrecompileError::OutOfGas)
        );
    }
}

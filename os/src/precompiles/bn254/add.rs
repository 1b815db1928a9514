//! 0x06 ECADD (EIP-196): the sum of two G1 points.

use super::{istanbul, read_g1, write_g1};
use crate::precompiles::{charge, padded, PrecompileResult};
use crate::types::SpecId;
use alloc::vec::Vec;

/// Price before Istanbul (EIP-196).
const GAS_BYZANTIUM: u64 = 500;
/// Price from Istanbul (EIP-1108).
const GAS_ISTANBUL: u64 = 150;

/// Input `p1 ‖ p2` (128 bytes, zero-padded when shorter), output `p1 + p2` (64 bytes).
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    spec: SpecId,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let cost = if istanbul(spec) {
        GAS_ISTANBUL
    } else {
        GAS_BYZANTIUM
    };
    let gas = charge(cost, gas_limit)?;
    let p1 = read_g1(&padded::<64>(input, 0))?;
    let p2 = read_g1(&padded::<64>(input, 64))?;
    write_g1(p1 + p2, out)?;
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precompiles::PrecompileError;
    use alloy_primitives::hex;

    // G1 generator (1, 2).
    const G: [u8; 64] = hex!(
        "0000000000000000000000000000000000000000000000000000000000000001"
        "0000000000000000000000000000000000000000000000000000000000000002"
    );
    // 2·G.
    const G2X: [u8; 64] = hex!(
        "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
        "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4"
    );

    fn call(input: &[u8], spec: SpecId) -> (PrecompileResult, Vec<u8>) {
        let mut out = Vec::new();
        let res = run(input, 1_000, spec, &mut out);
        (res, out)
    }

    #[test]
    fn doubling_and_identity() {
        let mut input = G.to_vec();
        input.extend_from_slice(&G);
        assert_eq!(call(&input, SpecId::Istanbul), (Ok(150), G2X.to_vec()));
        assert_eq!(call(&input, SpecId::Byzantium), (Ok(500), G2X.to_vec()));
        // G + infinity (right padding supplies the zeros).
        assert_eq!(call(&G, SpecId::Cancun), (Ok(150), G.to_vec()));
        // Empty input: infinity + infinity.
        assert_eq!(call(&[], SpecId::Cancun), (Ok(150), [0u8; 64].to_vec()));
        // G + (-G) = infinity. -G = (1, p - 2).
        let mut input = G.to_vec();
        input.extend_from_slice(&hex!(
            "0000000000000000000000000000000000000000000000000000000000000001"
            "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45"
        ));
        assert_eq!(call(&input, SpecId::Cancun), (Ok(150), [0u8; 64].to_vec()));
    }

    #[test]
    fn invalid_points_fail() {
        // (1, 3) is not on y^2 = x^3 + 3.
        let mut bad = G;
        bad[63] = 3;
        assert_eq!(call(&bad, SpecId::Cancun).0, Err(PrecompileError::Failure));
        // x = p is not a field element.
        let mut input = [0u8; 128];
        input[..32].copy_from_slice(&hex!(
            "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47"
        ));
        assert_eq!(
            call(&input, SpecId::Cancun).0,
            Err(PrecompileError::Failure)
        );
    }

    #[test]
    fn out_of_gas() {
        let mut out = Vec::new();
        assert_eq!(
            run(&G, 149, SpecId::Cancun, &mut out),
            Err(PrecompileError::OutOfGas)
        );
        assert_eq!(
            run(&G, 499, SpecId::Byzantium, &mut out),
            Err(PrecompileError::OutOfGas)
        );
    }
}

//! 0x07 ECMUL (EIP-196): a G1 point times a 256-bit scalar.

use super::{istanbul, read_g1, write_g1};
use crate::precompiles::{charge, padded, PrecompileResult};
use crate::types::SpecId;
use alloc::vec::Vec;
use substrate_bn::Fr;

/// Price before Istanbul (EIP-196).
const GAS_BYZANTIUM: u64 = 40_000;
/// Price from Istanbul (EIP-1108).
const GAS_ISTANBUL: u64 = 6_000;

/// Input `p ‖ s` (96 bytes, zero-padded when shorter), output `s·p` (64 bytes). Any 256-bit
/// scalar is accepted: since p has order r, `s·p = (s mod r)·p`.
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
    let p = read_g1(&padded::<64>(input, 0))?;
    // from_slice reduces modulo r; it only fails on a length other than 32.
    let s = Fr::from_slice(&padded::<32>(input, 64))
        .map_err(|_| crate::precompiles::PrecompileError::Failure)?;
    write_g1(p * s, out)?;
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precompiles::PrecompileError;
    use alloy_primitives::hex;

    const G: [u8; 64] = hex!(
        "0000000000000000000000000000000000000000000000000000000000000001"
        "0000000000000000000000000000000000000000000000000000000000000002"
    );
    const G2X: [u8; 64] = hex!(
        "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
        "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4"
    );
    /// The group order r.
    const R: [u8; 32] = hex!("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001");

    fn call(p: &[u8], s: &[u8], spec: SpecId) -> (PrecompileResult, Vec<u8>) {
        let mut input = p.to_vec();
        input.extend_from_slice(s);
        let mut out = Vec::new();
        let res = run(&input, 100_000, spec, &mut out);
        (res, out)
    }

    #[test]
    fn known_multiples() {
        let two = U256Bytes::from(2);
        assert_eq!(call(&G, &two.0, SpecId::Istanbul), (Ok(6000), G2X.to_vec()));
        assert_eq!(
            call(&G, &two.0, SpecId::Byzantium),
            (Ok(40000), G2X.to_vec())
        );
        // Scalar omitted entirely: 0·G = infinity.
        assert_eq!(
            call(&G, &[], SpecId::Cancun),
            (Ok(6000), [0u8; 64].to_vec())
        );
        // r·G = infinity and (r + 2)·G = 2·G: scalars >= r are fine.
        assert_eq!(call(&G, &R, SpecId::Cancun), (Ok(6000), [0u8; 64].to_vec()));
        let mut r_plus_2 = R;
        r_plus_2[31] += 2;
        assert_eq!(
            call(&G, &r_plus_2, SpecId::Cancun),
            (Ok(6000), G2X.to_vec())
        );
        // A truncated scalar is padded on the right: 0x02 followed by 31 zero bytes.
        let (res, out) = call(&G, &[2], SpecId::Cancun);
        assert_eq!(res, Ok(6000));
        assert_ne!(out, G2X.to_vec());
        // The 2^256 - 1 scalar: reduced, no panic.
        assert_eq!(call(&G, &[0xff; 32], SpecId::Cancun).0, Ok(6000));
    }

    #[test]
    fn invalid_point_fails() {
        let mut bad = G;
        bad[63] = 3;
        assert_eq!(
            call(&bad, &[1], SpecId::Cancun).0,
            Err(PrecompileError::Failure)
        );
        // Invalid even with scalar 0.
        assert_eq!(
            call(&bad, &[], SpecId::Cancun).0,
            Err(PrecompileError::Failure)
        );
    }

    #[test]
    fn out_of_gas() {
        let mut out = Vec::new();
        assert_eq!(
            run(&G, 5_999, SpecId::Cancun, &mut out),
            Err(PrecompileError::OutOfGas)
        );
        assert_eq!(
            run(&G, 39_999, SpecId::Byzantium, &mut out),
            Err(PrecompileError::OutOfGas)
        );
    }

    /// A 32-byte big-endian word holding a small number.
    struct U256Bytes([u8; 32]);
    impl From<u8> for U256Bytes {
        fn from(v: u8) -> Self {
            let mut b = [0u8; 32];
            b[31] = v;
            U256Bytes(b)
        }
    }
}

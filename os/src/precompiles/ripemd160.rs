//! 0x03 RIPEMD160: the 20-byte digest, left-padded with zeros to a 32-byte word.

use super::{charge, linear_cost, PrecompileResult};
use alloc::vec::Vec;
use ripemd::{Digest, Ripemd160};

/// Base price of a call.
const BASE: u64 = 600;
/// Price of each 32-byte word of input (rounded up).
const PER_WORD: u64 = 120;

/// RIPEMD-160 of `input` as a 32-byte word; 600 + 120 per word.
pub(super) fn run(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let gas = charge(linear_cost(input.len(), BASE, PER_WORD), gas_limit)?;
    out.extend_from_slice(&[0u8; 12]);
    out.extend_from_slice(&Ripemd160::digest(input));
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precompiles::PrecompileError;
    use alloy_primitives::hex;

    #[test]
    fn known_vectors() {
        let mut out = Vec::new();
        assert_eq!(run(b"", 1000, &mut out), Ok(600));
        assert_eq!(
            out,
            hex!("0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31")
        );
        out.clear();
        assert_eq!(run(b"abc", 1000, &mut out), Ok(720));
        assert_eq!(
            out,
            hex!("0000000000000000000000008eb208f7e05d987a9b044a8e98c6b087f15a0bfc")
        );
    }

    #[test]
    fn out_of_gas() {
        let mut out = Vec::new();
        assert_eq!(run(b"abc", 719, &mut out), Err(PrecompileError::OutOfGas));
        assert!(out.is_empty());
    }
}

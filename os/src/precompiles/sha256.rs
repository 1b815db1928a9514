//! 0x02 SHA256.

use super::{charge, linear_cost, PrecompileResult};
use alloc::vec::Vec;
use sha2::{Digest, Sha256};

/// Base price of a call.
const BASE: u64 = 60;
/// Price of each 32-byte word of input (rounded up).
const PER_WORD: u64 = 12;

/// SHA-256 of `input` (32 bytes); 60 + 12 per word.
pub(super) fn run(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let gas = charge(linear_cost(input.len(), BASE, PER_WORD), gas_limit)?;
    out.extend_from_slice(&Sha256::digest(input));
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
        assert_eq!(run(b"", 1000, &mut out), Ok(60));
        assert_eq!(
            out,
            hex!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        out.clear();
        assert_eq!(run(b"abc", 1000, &mut out), Ok(72));
        assert_eq!(
            out,
            hex!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    #[test]
    fn out_of_gas() {
        let mut out = Vec::new();
        assert_eq!(run(b"abc", 71, &mut out), Err(PrecompileError::OutOfGas));
        assert!(out.is_empty());
    }
}

//! 0x04 IDENTITY: returns its input. Exists so contracts can copy memory cheaply before MCOPY.

use super::{charge, linear_cost, PrecompileResult};
use alloc::vec::Vec;

/// Base price of a call.
const BASE: u64 = 15;
/// Price of each 32-byte word of input (rounded up).
const PER_WORD: u64 = 3;

/// Copies `input` into `out`; 15 + 3 per word.
pub(super) fn run(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let gas = charge(linear_cost(input.len(), BASE, PER_WORD), gas_limit)?;
    out.extend_from_slice(input);
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precompiles::PrecompileError;

    #[test]
    fn copies() {
        let mut out = Vec::new();
        assert_eq!(run(&[], 100, &mut out), Ok(15));
        assert!(out.is_empty());
        let data = [7u8; 33];
        assert_eq!(run(&data, 100, &mut out), Ok(21));
        assert_eq!(out, data);
    }

    #[test]
    fn out_of_gas() {
        let mut out = Vec::new();
        assert_eq!(run(&[0; 32], 17, &mut out), Err(PrecompileError::OutOfGas));
        assert_eq!(run(&[0; 32], 18, &mut out), Ok(18));
    }
}

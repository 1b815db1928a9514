//! Precompiled contracts 0x01..0x0a. (Being written.)
use crate::types::SpecId;
use alloc::vec::Vec;
use alloy_primitives::Address;

/// Why a precompile call failed; either way the call consumes all gas it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecompileError {
    OutOfGas,
    Failure,
}

/// Whether `address` is a precompile under `spec`.
pub fn is_precompile(address: &Address, spec: SpecId) -> bool {
    let _ = (address, spec);
    false
}

/// The precompile addresses active under `spec` (warm from the start since Berlin).
pub fn addresses(spec: SpecId) -> impl Iterator<Item = Address> {
    let _ = spec;
    core::iter::empty()
}

/// Runs precompile `address` on `input` with `gas_limit`; writes the output into `out`
/// (cleared first) and returns the gas used.
pub fn run(
    address: &Address,
    input: &[u8],
    gas_limit: u64,
    spec: SpecId,
    out: &mut Vec<u8>,
) -> Result<u64, PrecompileError> {
    let _ = (address, input, gas_limit, spec);
    out.clear();
    Err(PrecompileError::Failure)
}

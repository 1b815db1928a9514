//! Instruction semantics both engines call: the interpreter in its dispatch loop, the JIT
//! from its builtins. Kept apart from the loop so there is one copy of each rule.

use super::arith::small;
use super::gas;
use super::interpreter::EvmFrame;
use super::opcodes::*;
use crate::arena::{Arena, FrameMemory};
use crate::ee::ExecContext;
use crate::system::SStoreOutcome;
use crate::types::{HaltReason, SpecId};
use alloy_primitives::{Address, U256};

/// An address as a stack word (right-aligned).
#[inline(always)]
pub fn word_of(a: Address) -> U256 {
    U256::from_be_bytes(a.into_word().0)
}

/// Charges for and performs memory expansion to cover `[offset, offset + len)` (both below
/// 2^32, as the callers' operand checks make them). On an error `gas` may have been charged;
/// the caller halts or discards it.
#[inline(always)]
pub fn expand(
    gas: &mut u64,
    mem: &mut FrameMemory,
    arena: &mut Arena,
    offset: usize,
    len: usize,
) -> Result<(), HaltReason> {
    if len == 0 {
        return Ok(());
    }
    // u64: offset and len are below 2^32 each, which may not fit a 32-bit usize when added.
    let end = offset as u64 + len as u64;
    if end <= mem.len as u64 {
        return Ok(());
    }
    let new_words = gas::words(end);
    let cost = gas::memory_cost(new_words) - gas::memory_cost((mem.len / 32) as u64);
    if *gas < cost {
        return Err(HaltReason::OutOfGas);
    }
    *gas -= cost;
    let Ok(new_len) = usize::try_from(new_words * 32) else {
        // Past a 32-bit address space (the guest): paid for, but not there to give.
        arena.mark_exhausted();
        return Err(HaltReason::MemoryLimit);
    };
    arena
        .grow(mem, new_len)
        .map_err(|_| HaltReason::MemoryLimit)
}

/// Copies `src[src_off..src_off+len]` (zero-filled past its end) to `dst`.
#[inline]
pub fn copy_padded(dst: &mut [u8], src: &[u8], src_off: U256) {
    let start = match small(src_off) {
        Some(s) if s < src.len() => s,
        _ => {
            dst.fill(0);
            return;
        }
    };
    let n = dst.len().min(src.len() - start);
    dst[..n].copy_from_slice(&src[start..start + n]);
    dst[n..].fill(0);
}

/// CALLDATALOAD: the 32 bytes of `calldata` at `off`, zero past its end.
#[inline(always)]
pub fn calldata_word(calldata: &[u8], off: U256) -> U256 {
    let mut w = [0u8; 32];
    copy_padded(&mut w, calldata, off);
    U256::from_be_bytes(w)
}

/// The word an environment getter pushes: the instructions with no input whose value the
/// frame, the transaction or the block fixes. Any other opcode gives zero (callers only pass
/// getters).
#[inline(always)]
pub fn env_word(op: u8, f: &EvmFrame, cx: &ExecContext<'_, '_>, spec: SpecId) -> U256 {
    match op {
        ADDRESS => word_of(f.address),
        ORIGIN => word_of(cx.tx.origin),
        CALLER => word_of(f.caller),
        CALLVALUE => f.value,
        CALLDATASIZE => U256::from(f.mem.calldata_len),
        GASPRICE => cx.tx.gas_price,
        RETURNDATASIZE => U256::from(cx.arena.returndata().len()),
        COINBASE => word_of(cx.block.coinbase),
        TIMESTAMP => U256::from(cx.block.timestamp),
        NUMBER => U256::from(cx.block.number),
        DIFFICULTY if spec >= SpecId::Paris => U256::from_be_bytes(cx.block.prev_randao.0),
        DIFFICULTY => cx.block.difficulty,
        GASLIMIT => U256::from(cx.block.gas_limit),
        CHAINID => U256::from(cx.block.chain_id),
        BASEFEE => cx.block.base_fee,
        BLOBBASEFEE => cx.tx.blob_base_fee,
        _ => U256::ZERO,
    }
}

/// Whether `op` is one of [`env_word`]'s getters.
pub const fn is_env_getter(op: u8) -> bool {
    matches!(
        op,
        ADDRESS
            | ORIGIN
            | CALLER
            | CALLVALUE
            | CALLDATASIZE
            | GASPRICE
            | RETURNDATASIZE
            | COINBASE
            | TIMESTAMP
            | NUMBER
            | DIFFICULTY
            | GASLIMIT
            | CHAINID
            | BASEFEE
            | BLOBBASEFEE
    )
}

/// EIP-2200/2929/3529 SSTORE cost and refund (and the older rules by fork).
pub fn sstore_cost(spec: SpecId, o: SStoreOutcome, new: U256) -> (u64, i64) {
    let SStoreOutcome {
        original,
        present,
        is_cold,
    } = o;
    let net = spec >= SpecId::Istanbul || spec == SpecId::Constantinople;
    if !net {
        let cost = if present.is_zero() && !new.is_zero() {
            20000
        } else {
            5000
        };
        let refund = if !present.is_zero() && new.is_zero() {
            15000
        } else {
            0
        };
        return (cost, refund);
    }
    let sload = if spec >= SpecId::Berlin {
        gas::WARM_ACCESS
    } else if spec >= SpecId::Istanbul {
        800
    } else {
        200
    };
    let reset = if spec >= SpecId::Berlin {
        5000 - gas::COLD_SLOAD
    } else {
        5000
    };
    let clear: i64 = if spec >= SpecId::London { 4800 } else { 15000 };
    let mut refund = 0i64;
    let mut cost;
    if new == present {
        cost = sload;
    } else if original == present {
        if original.is_zero() {
            cost = 20000;
        } else {
            cost = reset;
            if new.is_zero() {
                refund += clear;
            }
        }
    } else {
        cost = sload;
        if !original.is_zero() {
            if present.is_zero() {
                refund -= clear;
            } else if new.is_zero() {
                refund += clear;
            }
        }
        if original == new {
            if original.is_zero() {
                refund += (20000 - sload) as i64;
            } else {
                refund += (reset - sload) as i64;
            }
        }
    }
    if spec >= SpecId::Berlin && is_cold {
        cost += gas::COLD_SLOAD;
    }
    (cost, refund)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`gas::SSTORE_MAX`] bounds every SSTORE's cost: what lets the JIT run one without
    /// a way back when the gas left covers it.
    #[test]
    fn no_sstore_costs_more_than_sstore_max() {
        let vals = [U256::ZERO, U256::from(1u8), U256::from(2u8)];
        for spec in SpecId::ALL {
            for original in vals {
                for present in vals {
                    for new in vals {
                        for is_cold in [false, true] {
                            let o = SStoreOutcome {
                                original,
                                present,
                                is_cold,
                            };
                            assert!(sstore_cost(spec, o, new).0 <= gas::SSTORE_MAX);
                        }
                    }
                }
            }
        }
    }
}

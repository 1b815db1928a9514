//! Gas constants and formulas of the EVM (Yellow Paper and EIPs 150, 160, 2200, 2929, 3529,
//! 3860).

/// Warm state access (EIP-2929).
pub const WARM_ACCESS: u64 = 100;
/// Extra for a cold account access (EIP-2929: 2600 - 100).
pub const COLD_ACCOUNT_EXTRA: u64 = 2500;
/// Extra for a cold slot access (EIP-2929: 2100 - 100).
pub const COLD_SLOAD_EXTRA: u64 = 2000;
/// Cold slot access, in full.
pub const COLD_SLOAD: u64 = 2100;
/// Per LOG, and per topic.
pub const LOG: u64 = 375;
/// Per byte of LOG data.
pub const LOG_DATA: u64 = 8;
/// Per word of copied data.
pub const COPY_WORD: u64 = 3;
/// Per word hashed by KECCAK256 (and CREATE2).
pub const KECCAK_WORD: u64 = 6;
/// Value-bearing call.
pub const CALL_VALUE: u64 = 9000;
/// Gift to the callee of a value-bearing call.
pub const CALL_STIPEND: u64 = 2300;
/// Creating an account by calling it with value.
pub const NEW_ACCOUNT: u64 = 25000;
/// Per byte of deployed code.
pub const CODE_DEPOSIT: u64 = 200;
/// Per 32-byte word of init code (EIP-3860).
pub const INITCODE_WORD: u64 = 2;
/// Largest deployable code (EIP-170).
pub const MAX_CODE_SIZE: usize = 24576;
/// Largest init code (EIP-3860).
pub const MAX_INITCODE_SIZE: usize = 2 * MAX_CODE_SIZE;

/// A full account access (EIP-2929) that no opcode's static cost covers, e.g. the target of an
/// EIP-7702 designator: 2600 when cold, 100 when warm.
#[inline(always)]
pub const fn account_access(cold: bool) -> u64 {
    if cold {
        COLD_ACCOUNT_EXTRA + WARM_ACCESS
    } else {
        WARM_ACCESS
    }
}

/// Words needed for `len` bytes.
#[inline(always)]
pub const fn words(len: u64) -> u64 {
    len.div_ceil(32)
}

/// Total cost of a memory of `words` words (Yellow Paper C_mem).
#[inline(always)]
pub const fn memory_cost(words: u64) -> u64 {
    3 * words + words * words / 512
}

/// All but one 64th (EIP-150): the most a frame may hand to a child.
#[inline(always)]
pub const fn all_but_one_64th(gas: u64) -> u64 {
    gas - gas / 64
}

/// EXP's dynamic gas: per byte of the exponent (EIP-160 raised it in Spurious Dragon).
#[inline(always)]
pub fn exp_cost(spec: crate::types::SpecId, exponent: alloy_primitives::U256) -> u64 {
    let per_byte = if spec >= crate::types::SpecId::SpuriousDragon {
        50
    } else {
        10
    };
    per_byte * exponent.bit_len().div_ceil(8) as u64
}

/// The most any SSTORE costs in any fork: a fresh slot set (20000) that is cold (EIP-2929).
pub const SSTORE_MAX: u64 = 20000 + COLD_SLOAD;

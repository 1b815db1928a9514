//! Bytecode analysis: done once per code hash (and fork), then shared by every frame running
//! the code.
//!
//! Besides the jump destinations it splits the code into basic blocks and precomputes, for
//! each, the static gas of all its instructions and the stack heights it needs at entry. The
//! interpreter charges and checks a block once when it enters it, not per instruction. That
//! is exact: within a block every instruction runs unless the frame halts, and a halt (out of
//! gas, stack error) consumes all the frame's gas and undoes its changes whichever instruction
//! it happens at. Instructions whose behaviour depends on the gas left at that point (GAS,
//! SSTORE's stipend check, calls and creates) end their block, so they see the exact value.

use super::opcodes::{self, OpTable};
use alloc::vec;
use alloc::vec::Vec;

/// Zero bytes after the code, so PUSH32 at the last byte and falling off the end read STOP
/// without bounds checks.
pub const CODE_PADDING: usize = 33;

/// What entering a basic block costs and needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockInfo {
    /// Sum of the static gas of the block's instructions.
    pub gas: u32,
    /// Least stack height at entry.
    pub min: u16,
    /// The entry height `h` is valid when `h - min` (wrapping) is at most `span`.
    pub span: u16,
}

/// `min` of a block that no stack height can enter (it underflows or overflows whatever the
/// height). Its `gas` then holds the height below which it underflows (for the halt reason:
/// it halts anyway, so its gas does not matter).
pub const IMPOSSIBLE_MIN: u16 = 2048;

impl BlockInfo {
    const fn impossible(need: i32) -> BlockInfo {
        BlockInfo {
            gas: need as u32,
            min: IMPOSSIBLE_MIN,
            span: 0,
        }
    }
}

/// Code ready for the interpreter: padded, fork-undefined opcodes turned into INVALID, with
/// its jump destinations and basic blocks.
#[derive(Debug)]
pub struct AnalyzedCode {
    /// The executable copy: the code with undefined opcodes replaced by INVALID (0xfe),
    /// followed by `CODE_PADDING` zero bytes.
    pub padded: Vec<u8>,
    /// The code as deployed (what CODECOPY reads).
    pub original: Vec<u8>,
    /// The unpadded length.
    pub len: usize,
    /// Bit i set: byte i is a JUMPDEST opcode (not push data).
    pub jumpdests: Vec<u64>,
    /// `blocks[i]`: the block starting at i (meaningful at block starts only).
    pub blocks: Vec<BlockInfo>,
}

/// Whether `op` ends a basic block: control leaves, or the next instruction must see the
/// exact gas left.
#[inline]
pub fn ends_block(op: u8) -> bool {
    use opcodes::*;
    matches!(
        op,
        STOP | JUMP
            | JUMPI
            | RETURN
            | REVERT
            | INVALID
            | SELFDESTRUCT
            | GAS
            | SSTORE
            | CALL
            | CALLCODE
            | DELEGATECALL
            | STATICCALL
            | CREATE
            | CREATE2
    )
}

impl AnalyzedCode {
    /// Analyses `code` under the fork whose opcode table is `table`.
    pub fn new(code: &[u8], table: &OpTable) -> AnalyzedCode {
        let len = code.len();
        let mut padded = Vec::with_capacity(len + CODE_PADDING);
        padded.extend_from_slice(code);
        padded.resize(len + CODE_PADDING, 0);
        let mut jumpdests = vec![0u64; len.div_ceil(64)];
        let mut blocks = vec![BlockInfo::default(); len + 1];

        // The block being built: start, static gas, stack bounds relative to entry height.
        let mut start = 0usize;
        let mut gas = 0u64;
        let mut need = 0i32; // least entry height
        let mut rise = 0i32; // highest (delta before an instruction + its growth)
        let mut delta = 0i32; // height change so far
        let close = |blocks: &mut Vec<BlockInfo>, start: usize, gas: u64, need: i32, rise: i32| {
            let max = 1024 - rise;
            blocks[start] = if need > max || gas > u32::MAX as u64 {
                // Cannot be entered: it halts on a stack error (gas above u32 cannot occur
                // with real opcode costs but would be out of gas anyway).
                BlockInfo::impossible(need)
            } else {
                BlockInfo {
                    gas: gas as u32,
                    min: need as u16,
                    span: (max - need) as u16,
                }
            };
        };
        let mut i = 0;
        while i < len {
            let mut op = code[i];
            if op == opcodes::JUMPDEST {
                jumpdests[i / 64] |= 1 << (i % 64);
                if i != start {
                    close(&mut blocks, start, gas, need, rise);
                    (start, gas, need, rise, delta) = (i, 0, 0, 0, 0);
                }
            }
            let info = table.0[op as usize];
            let next = if (opcodes::PUSH1..=opcodes::PUSH32).contains(&op) {
                i + (op - opcodes::PUSH1) as usize + 2
            } else {
                i + 1
            };
            if info.is_undefined() {
                padded[i] = opcodes::INVALID;
                op = opcodes::INVALID;
            } else {
                let inputs = info.inputs as i32;
                let outputs = info.outputs as i32;
                gas += info.gas as u64;
                need = need.max(inputs - delta);
                rise = rise.max(delta + (outputs - inputs).max(0));
                delta += outputs - inputs;
            }
            if ends_block(op) {
                close(&mut blocks, start, gas, need, rise);
                (start, gas, need, rise, delta) = (next.min(len), 0, 0, 0, 0);
            }
            i = next;
        }
        // The last block ends at the implicit STOP after the code.
        close(&mut blocks, start.min(len), gas, need, rise);
        AnalyzedCode {
            padded,
            original: code.to_vec(),
            len,
            jumpdests,
            blocks,
        }
    }

    /// Static gas of the instructions after the one at `at` up to the end of `at`'s basic
    /// block: what entering the block charged in advance for them. The interpreter gives it
    /// back when a dynamic cost at `at` cannot be paid otherwise, because a per-instruction
    /// EVM would still have that gas at `at` (slow path only: it walks the block).
    pub fn static_gas_after(&self, table: &OpTable, at: usize) -> u64 {
        let op = self.padded[at];
        if ends_block(op) {
            return 0;
        }
        let mut i = at + 1;
        let mut gas = 0u64;
        // The padding (STOP) ends every walk by `len + 1`.
        while i < self.padded.len() {
            let op = self.padded[i];
            if op == opcodes::JUMPDEST {
                break;
            }
            gas += table.0[op as usize].gas as u64;
            if ends_block(op) {
                break;
            }
            i += if (opcodes::PUSH1..=opcodes::PUSH32).contains(&op) {
                (op - opcodes::PUSH1) as usize + 2
            } else {
                1
            };
        }
        gas
    }

    /// The code as deployed.
    #[inline]
    pub fn code(&self) -> &[u8] {
        &self.original
    }

    /// Whether `dest` is a valid jump destination.
    #[inline(always)]
    pub fn is_jumpdest(&self, dest: usize) -> bool {
        dest < self.len && (self.jumpdests[dest / 64] >> (dest % 64)) & 1 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SpecId;

    fn analyze(code: &[u8]) -> AnalyzedCode {
        AnalyzedCode::new(code, &OpTable::new(SpecId::Cancun))
    }

    #[test]
    fn push_data_is_not_a_jumpdest() {
        // PUSH1 0x5b JUMPDEST PUSH2 0x5b5b JUMPDEST
        let code = [0x60, 0x5b, 0x5b, 0x61, 0x5b, 0x5b, 0x5b];
        let a = analyze(&code);
        assert!(!a.is_jumpdest(1));
        assert!(a.is_jumpdest(2));
        assert!(!a.is_jumpdest(4));
        assert!(!a.is_jumpdest(5));
        assert!(a.is_jumpdest(6));
        assert!(!a.is_jumpdest(7));
        assert!(!a.is_jumpdest(1000));
        assert_eq!(a.padded.len(), code.len() + CODE_PADDING);
    }

    #[test]
    fn truncated_push_at_end() {
        let a = analyze(&[0x7f, 0x5b]);
        assert!(!a.is_jumpdest(1));
        assert_eq!(a.code(), &[0x7f, 0x5b]);
    }

    #[test]
    fn blocks_sum_gas_and_stack_bounds() {
        // PUSH1 1 PUSH1 2 ADD POP | JUMPDEST ADD STOP
        let a = analyze(&[0x60, 1, 0x60, 2, 0x01, 0x50, 0x5b, 0x01, 0x00]);
        assert_eq!(
            a.blocks[0],
            BlockInfo {
                gas: 3 + 3 + 3 + 2,
                min: 0,
                span: 1022
            }
        );
        // JUMPDEST (1) + ADD (3): needs two words, never grows.
        assert_eq!(
            a.blocks[6],
            BlockInfo {
                gas: 4,
                min: 2,
                span: 1022
            }
        );
    }

    #[test]
    fn gas_reading_instructions_end_blocks() {
        // GAS PUSH1 0 SSTORE CALLER
        let a = analyze(&[0x5a, 0x60, 0, 0x55, 0x33]);
        assert_eq!(a.blocks[0].gas, 2);
        assert_eq!(a.blocks[1].gas, 3);
        assert_eq!(a.blocks[4].gas, 2);
    }

    #[test]
    fn undefined_opcodes_become_invalid_but_codecopy_sees_the_original() {
        let code = [0x5f, 0x0c];
        let shanghai = AnalyzedCode::new(&code, &OpTable::new(SpecId::Shanghai));
        assert_eq!(&shanghai.padded[..2], &[0x5f, opcodes::INVALID]);
        let paris = AnalyzedCode::new(&code, &OpTable::new(SpecId::Paris));
        assert_eq!(&paris.padded[..2], &[opcodes::INVALID, opcodes::INVALID]);
        assert_eq!(paris.code(), &code);
    }

    #[test]
    fn a_block_that_must_underflow_and_overflow_cannot_be_entered() {
        // POP then 1024 pushes: needs >= 1 word at entry and at most 1023 - 1023... both.
        let mut code = vec![0x50];
        code.extend(core::iter::repeat_n(0x5f, 1025));
        let a = analyze(&code);
        assert_eq!(a.blocks[0], BlockInfo::impossible(1));
    }
}

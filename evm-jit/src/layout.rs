//! Where a contract's compiled blocks start, where compiled code can be entered, and the
//! numbering of its JUMPDESTs for the dynamic-jump table.

use zkos_os::evm::analysis::{ends_block, AnalyzedCode};
use zkos_os::evm::opcodes::*;

/// Where blocks start, where code can be entered, and the JUMPDEST numbering.
pub(crate) struct Layout {
    /// pcs of block starts in order.
    pub(crate) starts: Vec<usize>,
    /// The pcs compiled code can be entered at: 0 and the instruction after every call
    /// and create (where a suspended frame resumes), in order.
    pub(crate) entries: Vec<u32>,
    /// The JUMPDESTs in order; `jump_index[pc]` is 1 + the index of `pc` among them, or 0.
    pub(crate) jumpdests: Vec<usize>,
    pub(crate) jump_index: Box<[u32]>,
}

impl Layout {
    /// Whether a block starts at `pc` (`starts` is in pc order).
    pub(crate) fn is_start(&self, pc: usize) -> bool {
        self.starts.binary_search(&pc).is_ok()
    }

    /// Where the block starting at `pc` ends: the next block's start, or the code's end.
    pub(crate) fn end_of(&self, pc: usize, len: usize) -> Option<usize> {
        let i = self.starts.binary_search(&pc).ok()?;
        Some(self.starts.get(i + 1).copied().unwrap_or(len))
    }

    pub(crate) fn of(code: &AnalyzedCode) -> Layout {
        let bytes = &code.padded;
        let len = code.len;
        let mut starts = Vec::new();
        let mut entries = vec![0u32];
        let mut jumpdests = Vec::new();
        let mut jump_index = vec![0u32; len].into_boxed_slice();
        let mut start = 0usize;
        let mut open = false;
        let mut i = 0usize;
        while i < len {
            let op = bytes[i];
            if op == JUMPDEST {
                jumpdests.push(i);
                jump_index[i] = jumpdests.len() as u32;
            }
            if !open || (op == JUMPDEST && i != start) {
                starts.push(i);
                start = i;
                open = true;
            }
            let next = if (PUSH1..=PUSH32).contains(&op) {
                i + (op - PUSH1) as usize + 2
            } else {
                i + 1
            };
            if ends_block(op) {
                open = false;
                if matches!(
                    op,
                    CALL | CALLCODE | DELEGATECALL | STATICCALL | CREATE | CREATE2
                ) && next < len
                {
                    entries.push(next as u32);
                }
            }
            i = next;
        }
        if !open {
            // The last instruction ended a block: the implicit STOP is a block of its own.
            starts.push(len);
        }
        Layout {
            starts,
            entries,
            jumpdests,
            jump_index,
        }
    }
}

//! Bytecode analysis: done once per code hash, then shared by every frame running the code.

use alloc::vec;
use alloc::vec::Vec;

/// Zero bytes after the code, so PUSH32 at the last byte and falling off the end read STOP
/// without bounds checks.
pub const CODE_PADDING: usize = 33;

/// Code ready for the interpreter: padded, with its valid jump destinations marked.
#[derive(Debug)]
pub struct AnalyzedCode {
    /// The code followed by `CODE_PADDING` zero bytes.
    pub padded: Vec<u8>,
    /// The unpadded length.
    pub len: usize,
    /// Bit i set: byte i is a JUMPDEST opcode (not push data).
    pub jumpdests: Vec<u64>,
}

impl AnalyzedCode {
    /// Analyses `code`.
    pub fn new(code: &[u8]) -> AnalyzedCode {
        let mut padded = Vec::with_capacity(code.len() + CODE_PADDING);
        padded.extend_from_slice(code);
        padded.resize(code.len() + CODE_PADDING, 0);
        let mut jumpdests = vec![0u64; code.len().div_ceil(64)];
        let mut i = 0;
        while i < code.len() {
            let op = code[i];
            if op == super::opcodes::JUMPDEST {
                jumpdests[i / 64] |= 1 << (i % 64);
                i += 1;
            } else if (super::opcodes::PUSH1..=super::opcodes::PUSH32).contains(&op) {
                i += (op - super::opcodes::PUSH1) as usize + 2;
            } else {
                i += 1;
            }
        }
        AnalyzedCode {
            padded,
            len: code.len(),
            jumpdests,
        }
    }

    /// The unpadded code.
    #[inline]
    pub fn code(&self) -> &[u8] {
        &self.padded[..self.len]
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

    #[test]
    fn push_data_is_not_a_jumpdest() {
        // PUSH1 0x5b JUMPDEST PUSH2 0x5b5b JUMPDEST
        let code = [0x60, 0x5b, 0x5b, 0x61, 0x5b, 0x5b, 0x5b];
        let a = AnalyzedCode::new(&code);
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
        let a = AnalyzedCode::new(&[0x7f, 0x5b]);
        assert!(!a.is_jumpdest(1));
        assert_eq!(a.code(), &[0x7f, 0x5b]);
    }
}

//! A tiny bytecode writer for the generators: pushes in their shortest form for the fork,
//! labels, and jumps.

use alloy_primitives::{Address, U256};
use zkos_os::evm::opcodes as op;
use zkos_os::types::SpecId;

/// PUSH2 (the opcode table names only the ends of the push range).
pub const PUSH2: u8 = op::PUSH1 + 1;
/// LOG2.
pub const LOG2: u8 = op::LOG0 + 2;

/// Bytecode under construction.
#[derive(Clone, Debug)]
pub struct Program {
    pub code: Vec<u8>,
    pub spec: SpecId,
}

impl Program {
    /// An empty program for fork `spec` (PUSH0 only from Shanghai on).
    pub fn new(spec: SpecId) -> Program {
        Program {
            code: Vec::new(),
            spec,
        }
    }

    /// Appends raw opcodes.
    pub fn op(&mut self, ops: &[u8]) -> &mut Self {
        self.code.extend_from_slice(ops);
        self
    }

    /// Pushes `v` with the shortest push the fork has.
    pub fn push(&mut self, v: U256) -> &mut Self {
        let bytes = v.to_be_bytes::<32>();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let n = 32 - skip;
        if n == 0 {
            if self.spec >= SpecId::Shanghai {
                self.code.push(op::PUSH0);
            } else {
                self.code.extend_from_slice(&[op::PUSH1, 0]);
            }
        } else {
            self.code.push(op::PUSH1 + n as u8 - 1);
            self.code.extend_from_slice(&bytes[skip..]);
        }
        self
    }

    /// Pushes a small number.
    pub fn push_u(&mut self, v: u64) -> &mut Self {
        self.push(U256::from(v))
    }

    /// Pushes an address.
    pub fn push_addr(&mut self, a: Address) -> &mut Self {
        self.push(U256::from_be_slice(a.as_slice()))
    }

    /// Marks a jump destination here and returns its offset.
    pub fn label(&mut self) -> usize {
        let at = self.code.len();
        self.code.push(op::JUMPDEST);
        at
    }

    /// Pushes a 2-byte offset whose value is filled in later by [`Program::patch`].
    pub fn push_placeholder(&mut self) -> usize {
        self.code.extend_from_slice(&[PUSH2, 0, 0]);
        self.code.len() - 2
    }

    /// Fills a placeholder with `target`.
    pub fn patch(&mut self, at: usize, target: usize) {
        let t = (target as u16).to_be_bytes();
        self.code[at] = t[0];
        self.code[at + 1] = t[1];
    }

    /// Current length (the offset of the next instruction).
    pub fn len(&self) -> usize {
        self.code.len()
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.code.is_empty()
    }
}

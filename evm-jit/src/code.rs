//! Compiled contracts: machine code with what it needs at run time, freed when dropped.

use crate::abi::EntryFn;
use cranelift_jit::JITModule;
use std::time::Duration;

/// One contract's machine code. Immutable once built: the entry function only reads its
/// own jump table.
pub struct Compiled {
    /// Owns the executable memory; `None` only while dropping.
    module: Option<JITModule>,
    pub(crate) entry: EntryFn,
    /// The pcs the code can be entered at, in order (index = entry index).
    entries: Vec<u32>,
    /// Read by the machine code (dynamic jumps): lives exactly as long as it.
    _jump_index: Box<[u32]>,
    code_bytes: usize,
    compile_time: Duration,
}

impl Compiled {
    pub(crate) fn new(
        module: JITModule,
        entry: EntryFn,
        entries: Vec<u32>,
        jump_index: Box<[u32]>,
        code_bytes: usize,
        compile_time: Duration,
    ) -> Compiled {
        Compiled {
            module: Some(module),
            entry,
            entries,
            _jump_index: jump_index,
            code_bytes,
            compile_time,
        }
    }

    /// The entry index for resuming at `pc`, if the code has one there.
    pub fn entry_index(&self, pc: usize) -> Option<u32> {
        self.entries
            .binary_search(&(pc as u32))
            .ok()
            .map(|i| i as u32)
    }

    /// Machine-code size in bytes (the cache's measure).
    pub fn code_bytes(&self) -> usize {
        self.code_bytes
    }

    /// Wall time the compilation took.
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: no frame runs this code any more (frames hold an Rc to it).
            unsafe { m.free_memory() };
        }
    }
}

//! Compiled contracts: machine code with what it needs at run time, freed when dropped.

use crate::abi::EntryFn;
use cranelift_jit::JITModule;
use std::sync::atomic::AtomicU64;
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
    /// Last use on the cache's clock, stamped without its lock by engines that keep the
    /// code at hand (see [`crate::cache::CodeCache::generation`]).
    pub(crate) used: AtomicU64,
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
            used: AtomicU64::new(0),
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

    /// What the cache charges for this code: machine code and the tables it reads.
    pub fn footprint(&self) -> usize {
        self.code_bytes + 4 * (self._jump_index.len() + self.entries.len())
    }

    /// Wall time the compilation took.
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }
}

// SAFETY: after construction nothing touches `module` but `Drop` (which has the value to
// itself); every `&self` method reads plain immutable data (or the atomic `used`), and the
// machine code only reads its jump table. So the value can be shared and dropped on any thread.
unsafe impl Send for Compiled {}
// SAFETY: see `Send`: shared references reach only immutable data.
unsafe impl Sync for Compiled {}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: no frame runs this code any more (frames hold an Arc to it).
            unsafe { m.free_memory() };
        }
    }
}

//! Hooks into the run loop for profilers and tracers. The loop is generic over the observer,
//! so [`NoObserver`]'s empty hooks inline away and an unobserved run pays nothing.

use crate::MemoryView;

/// The machine's state as an observer sees it: registers and memory, read-only.
#[derive(Clone, Copy)]
pub struct View<'a> {
    regs: &'a [u32; 32],
    memory: MemoryView<'a>,
}

impl<'a> View<'a> {
    pub(crate) fn new(regs: &'a [u32; 32], memory: MemoryView<'a>) -> Self {
        View { regs, memory }
    }

    /// Register `r` (`r & 31`, so any index is valid; x0 reads 0).
    pub fn reg(&self, r: u32) -> u32 {
        self.regs[(r & 31) as usize]
    }

    /// All 32 registers.
    pub fn regs(&self) -> &'a [u32; 32] {
        self.regs
    }

    /// ROM and RAM.
    pub fn memory(&self) -> MemoryView<'a> {
        self.memory
    }
}

/// Receives the events of a run. Every hook has an empty default, so an observer implements
/// only what it needs. Calls and returns follow the RISC-V calling convention's hints: a JAL or
/// JALR that links into x1 or x5 is a call; a JALR to x0 from x1 or x5 is a return.
pub trait Observer {
    /// Before the instruction at `pc` executes (also for one that then traps).
    #[inline(always)]
    fn on_instruction(&mut self, pc: u32, view: &View<'_>) {
        let _ = (pc, view);
    }

    /// After a call at `pc` to `target` (the link register already written).
    #[inline(always)]
    fn on_call(&mut self, pc: u32, target: u32, view: &View<'_>) {
        let _ = (pc, target, view);
    }

    /// After a return at `pc` to `target`.
    #[inline(always)]
    fn on_return(&mut self, pc: u32, target: u32, view: &View<'_>) {
        let _ = (pc, target, view);
    }

    /// After the tape read at `pc` delivered word number `index` of the tape, `word`.
    #[inline(always)]
    fn on_tape_read(&mut self, pc: u32, index: usize, word: u32) {
        let _ = (pc, index, word);
    }
}

/// The observer of an unobserved run.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {}

/// Two observers of one run (a profile and a transaction split, say), each told everything.
impl<A: Observer, B: Observer> Observer for (A, B) {
    #[inline(always)]
    fn on_instruction(&mut self, pc: u32, view: &View<'_>) {
        self.0.on_instruction(pc, view);
        self.1.on_instruction(pc, view);
    }

    #[inline(always)]
    fn on_call(&mut self, pc: u32, target: u32, view: &View<'_>) {
        self.0.on_call(pc, target, view);
        self.1.on_call(pc, target, view);
    }

    #[inline(always)]
    fn on_return(&mut self, pc: u32, target: u32, view: &View<'_>) {
        self.0.on_return(pc, target, view);
        self.1.on_return(pc, target, view);
    }

    #[inline(always)]
    fn on_tape_read(&mut self, pc: u32, index: usize, word: u32) {
        self.0.on_tape_read(pc, index, word);
        self.1.on_tape_read(pc, index, word);
    }
}

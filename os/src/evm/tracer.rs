//! Hooks for instruction-level tracing of the EVM interpreter (EIP-3155 and the like), at no
//! cost when tracing is off.
//!
//! [`super::EvmInterpreter`] is generic over a [`Tracer`]; its dispatch loop guards every hook
//! with `if T::ENABLED`, a constant, so the interpreter monomorphised for [`NoTracer`] (the
//! default) does exactly the work it did before tracing existed. The host implements the
//! trait (JSON lines, in-memory records); the core only reports.
//!
//! # What is reported
//! - [`Tracer::step`] before each instruction, with the gas left *as a per-instruction EVM
//!   defines it* (see below), the stack, the memory and the EIP-3155 depth (1 for the
//!   transaction's frame).
//! - [`Tracer::frame_exit`] each time a frame leaves the interpreter: when it ends (return,
//!   revert, exceptional halt) or suspends for a call or create. The gas left it reports is
//!   after the last instruction, with the gas handed to a child already deducted (so a
//!   tracer computes a CALL's `gasCost` as revm and geth do: the child's gas is part of it).
//!   The gas cost of an instruction is the gas before it minus the gas before the next step of
//!   the same frame, or minus the exit's gas for the frame's last instruction before it leaves.
//! - [`Tracer::tx_start`] and [`Tracer::tx_end`] around each transaction of a block (also for
//!   transactions that run no code or are rejected), so a tracer can print per-transaction
//!   summaries.
//!
//! - [`Tracer::opcode`], when [`Tracer::OPCODES`] is set, before each instruction with just
//!   the opcode, the gas left (as in a step) and the depth; [`Tracer::frame_exit`] is then
//!   called too. A profiler's hook: it needs neither the stack nor the memory.
//!
//! Frames the bootloader answers without running code (precompiles, accounts without code)
//! produce no steps, as in geth and revm.
//!
//! # Gas before an instruction
//! The interpreter charges the static gas of a whole basic block when it enters the block
//! (see [`super::analysis`]), so its running gas counter is below the EVM's "gas before this
//! instruction" by the static gas of the block's instructions not yet executed. In trace mode
//! the interpreter keeps that amount and adds it back, so `gas` in a [`Step`] is the value a
//! per-instruction EVM would show.
//!
//! # Blocks that halt
//! When a block's entry check fails (its static gas exceeds the gas left, or an instruction
//! in it lacks stack inputs or room), the interpreter re-runs that block instruction by
//! instruction (see `interpreter::run`), so the trace shows the block's earlier instructions
//! and ends at the one that halts, with the specification's reason, as a per-instruction EVM
//! would.

use crate::ee::FrameExit;
use crate::types::{SpecId, TxReceipt};
use alloy_primitives::U256;

/// The machine state before one instruction, borrowed from the interpreter for the duration
/// of the [`Tracer::step`] call (a tracer copies what it keeps).
#[derive(Clone, Copy, Debug)]
pub struct Step<'a> {
    /// Offset of the instruction in the code.
    pub pc: usize,
    /// The opcode byte as deployed (the analysis rewrites undefined opcodes to INVALID for
    /// dispatch; the trace shows the original byte).
    pub op: u8,
    /// Gas left before the instruction, as a per-instruction EVM counts it.
    pub gas: u64,
    /// The operand stack, bottom first.
    pub stack: &'a [U256],
    /// The frame's memory (its length is EIP-3155's `memSize`).
    pub memory: &'a [u8],
    /// The output of the frame's last finished child (RETURNDATASIZE's data).
    pub return_data: &'a [u8],
    /// EIP-3155 depth: 1 for the transaction's frame.
    pub depth: usize,
    /// The transaction's refund counter so far (EIP-3529 cap not applied).
    pub refund: i64,
}

/// How a frame left the interpreter, for [`Tracer::frame_exit`].
#[derive(Clone, Copy, Debug)]
pub struct FrameEnd<'a> {
    /// EIP-3155 depth of the frame (1 for the transaction's frame).
    pub depth: usize,
    /// Gas the frame has left after its last instruction: 0 after an exceptional halt, and
    /// with a child's gas already deducted for a call or create.
    pub gas_left: u64,
    /// What the frame asked of the bootloader; `FrameExit::Halt(reason)` carries the error of
    /// the last step.
    pub exit: &'a FrameExit,
}

/// An observer of the interpreter. Every hook has an empty default, so a tracer implements
/// only what it needs.
pub trait Tracer {
    /// Whether the interpreter calls the hooks at all. The interpreter tests it as a constant,
    /// so `false` compiles the tracing out entirely.
    const ENABLED: bool = true;

    /// Whether the interpreter calls [`opcode`](Self::opcode) before each instruction (and
    /// [`frame_exit`](Self::frame_exit) when a frame leaves it), independently of
    /// [`ENABLED`](Self::ENABLED): a hook far cheaper than [`step`](Self::step), for cycle
    /// profiling by opcode. A constant like `ENABLED`; `false` (the default) compiles it out.
    const OPCODES: bool = false;

    /// Called before each instruction when [`OPCODES`](Self::OPCODES) is set: the opcode as
    /// dispatched (undefined opcodes read as INVALID), the gas left as a per-instruction EVM
    /// counts it (as in [`Step::gas`]) and the EIP-3155 depth. The implicit STOP after the
    /// code is reported as STOP.
    #[inline(always)]
    fn opcode(&mut self, _op: u8, _gas_left: u64, _depth: usize) {}

    /// Called before each instruction.
    fn step(&mut self, _step: &Step<'_>) {}

    /// Called when a frame leaves the interpreter (ends, or suspends for a child), when
    /// [`ENABLED`](Self::ENABLED) or [`OPCODES`](Self::OPCODES) is set.
    fn frame_exit(&mut self, _end: &FrameEnd<'_>) {}

    /// Called before transaction `index` of the block is validated and run.
    fn tx_start(&mut self, _index: usize) {}

    /// Called after transaction `index` with its receipt and the fork in force.
    fn tx_end(&mut self, _index: usize, _receipt: &TxReceipt, _spec: SpecId) {}
}

/// The default: no tracing, and no cost for it.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTracer;

impl Tracer for NoTracer {
    const ENABLED: bool = false;
    const OPCODES: bool = false;
}

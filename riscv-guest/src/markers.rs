//! Cycle markers for the profiler (the `opcode-markers` feature): an EVM tracer whose hooks
//! execute hint instructions the host's profiler recognises (`zkos_riscv_sim::profile`).
//!
//! The protocol, at a hint `addi x0, x0, ID` (one cycle, no effect on the machine):
//! - [`OPCODE`]: before each EVM instruction; `a0` the opcode, `a1` the low 32 bits of the gas
//!   left (as a per-instruction EVM counts it), `a2` the EIP-3155 depth (1 for a
//!   transaction's frame).
//! - [`FRAME_END`]: when a frame ends (returns, reverts or halts; not when it suspends for a
//!   child); `a1` the low 32 bits of its gas left, `a2` its depth.
//! - [`TX_START`] and [`TX_END`]: around each transaction of the block (its validation and
//!   execution; sender recovery happens before, for the whole block); `a0` the index, `a1` at
//!   the end the gas it used. Every guest has these two ([`TxMarkers`]): two cycles per
//!   transaction give the host its cycles per transaction.
//!
//! Loading the registers costs a few cycles per EVM instruction, and the gas must be kept per
//! instruction: the profiling guest runs more cycles than the plain one, which has no markers
//! (the feature is off there, and [`zkos_os::evm::tracer::NoTracer`] compiles every hook out).

use crate::platform::hint;
use zkos_os::ee::FrameExit;
use zkos_os::evm::tracer::{FrameEnd, Tracer};
use zkos_os::types::{SpecId, TxReceipt};

/// The hint immediate before each EVM instruction.
pub const OPCODE: u32 = 0x5c1;
/// The hint immediate when an EVM frame ends.
pub const FRAME_END: u32 = 0x5c2;
/// The hint immediate before a transaction.
pub const TX_START: u32 = 0x5c3;
/// The hint immediate after a transaction.
pub const TX_END: u32 = 0x5c4;

/// The tracer of the plain guest: only the transaction bounds (the interpreter's per-step
/// hooks stay compiled out).
#[derive(Clone, Copy, Debug, Default)]
pub struct TxMarkers;

impl Tracer for TxMarkers {
    const ENABLED: bool = false;

    #[inline(always)]
    fn tx_start(&mut self, index: usize) {
        hint::<TX_START>(index as u32, 0, 0);
    }

    #[inline(always)]
    fn tx_end(&mut self, index: usize, receipt: &TxReceipt, _spec: SpecId) {
        hint::<TX_END>(index as u32, receipt.gas_used as u32, 0);
    }
}

/// The tracer of the profiling guest: a marker per EVM instruction and per frame end.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpcodeMarkers;

impl Tracer for OpcodeMarkers {
    const ENABLED: bool = false;
    const OPCODES: bool = true;

    #[inline(always)]
    fn opcode(&mut self, op: u8, gas_left: u64, depth: usize) {
        hint::<OPCODE>(op as u32, gas_left as u32, depth as u32);
    }

    #[inline(always)]
    fn frame_exit(&mut self, end: &FrameEnd<'_>) {
        if !matches!(end.exit, FrameExit::Call(_) | FrameExit::Create(_)) {
            hint::<FRAME_END>(0, end.gas_left as u32, end.depth as u32);
        }
    }

    #[inline(always)]
    fn tx_start(&mut self, index: usize) {
        TxMarkers.tx_start(index);
    }

    #[inline(always)]
    fn tx_end(&mut self, index: usize, receipt: &TxReceipt, spec: SpecId) {
        TxMarkers.tx_end(index, receipt, spec);
    }
}

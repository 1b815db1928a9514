//! The execution-environment trait: how the bootloader drives a frame of any VM.
//!
//! An EE runs one frame until the frame needs the bootloader: to call or create (the
//! bootloader runs the child frame and resumes the parent with its outcome), or because it
//! ended (return, revert, exceptional halt). Frames are plain data the bootloader keeps in an
//! explicit stack, so a 1024-deep call chain never grows the host stack, and an EE can be an
//! interpreter or a JIT-compiled function with the same contract.

use crate::arena::Arena;
use crate::system::System;
use crate::types::{BlockEnv, HaltReason};
use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};

/// How a call frame relates to its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    Call,
    CallCode,
    DelegateCall,
    StaticCall,
}

/// A frame asks the bootloader to run a message call.
#[derive(Clone, Copy, Debug)]
pub struct CallRequest {
    pub kind: CallKind,
    /// `msg.sender` of the new frame.
    pub caller: Address,
    /// The account whose storage and balance the new frame runs with.
    pub target: Address,
    /// The account whose code runs.
    pub code_address: Address,
    /// `code_address` came from the target's EIP-7702 designator: its code runs even when it
    /// names a precompile (delegated precompiles do not run, EIP-7702).
    pub delegated: bool,
    /// CALLVALUE of the new frame (for DELEGATECALL the parent's, not transferred).
    pub value: U256,
    /// Whether `value` moves from `caller` to `target`.
    pub transfers_value: bool,
    /// Gas handed to the child, stipend included; already charged to the parent.
    pub gas_limit: u64,
    pub is_static: bool,
    /// Input, as a range of the calling frame's memory.
    pub input_offset: usize,
    pub input_len: usize,
}

/// A frame asks the bootloader to create a contract.
#[derive(Clone, Copy, Debug)]
pub struct CreateRequest {
    pub caller: Address,
    pub value: U256,
    /// Gas handed to the init code frame; already charged to the parent.
    pub gas_limit: u64,
    /// Init code, as a range of the calling frame's memory.
    pub init_offset: usize,
    pub init_len: usize,
    /// `Some(salt)` for CREATE2.
    pub salt: Option<U256>,
}

/// Why a frame handed control back to the bootloader.
#[derive(Clone, Copy, Debug)]
pub enum FrameExit {
    Call(CallRequest),
    Create(CreateRequest),
    /// Success; output is a range of the frame's memory (empty for STOP).
    Return {
        offset: usize,
        len: usize,
    },
    /// REVERT; output is a range of the frame's memory; unused gas goes back.
    Revert {
        offset: usize,
        len: usize,
    },
    /// Exceptional halt: the frame's gas is gone and its changes are undone.
    Halt(HaltReason),
}

/// The result of a child frame, handed to its parent on resumption. The child's output is
/// already in the arena's returndata buffer.
#[derive(Clone, Copy, Debug)]
pub struct ChildOutcome {
    pub success: bool,
    pub gas_left: u64,
    /// For a create: the new contract's address on success.
    pub created: Option<Address>,
}

/// Transaction-level values every frame can read.
#[derive(Clone, Debug, Default)]
pub struct TxContext {
    pub origin: Address,
    /// The effective gas price (GASPRICE).
    pub gas_price: U256,
    pub blob_hashes: Vec<B256>,
    /// BLOBBASEFEE.
    pub blob_base_fee: U256,
}

/// Everything a running frame may use besides itself.
pub struct ExecContext<'a, 'o> {
    pub system: &'a mut System<'o>,
    pub arena: &'a mut Arena,
    pub block: &'a BlockEnv,
    pub tx: &'a TxContext,
}

/// What a new frame runs: its code and its message.
#[derive(Clone, Copy, Debug)]
pub struct FrameSetup {
    pub address: Address,
    pub caller: Address,
    pub code_address: Address,
    pub value: U256,
    pub gas_limit: u64,
    pub is_static: bool,
    /// 0 for the transaction's frame.
    pub depth: usize,
    /// The frame runs init code (a create).
    pub is_create: bool,
}

/// An execution environment (EVM interpreter, EVM JIT, later WASM or native RISC-V).
pub trait ExecutionEnvironment {
    /// A suspended frame of this EE.
    type Frame;
    /// Code prepared for execution (analysed or compiled), cached by code hash.
    type Code: Clone;

    /// Prepares the code at `hash` (cached across transactions and blocks).
    fn prepare_code(&mut self, hash: B256, code: &[u8]) -> Self::Code;
    /// Prepares init code (not cached: it runs once).
    fn prepare_init_code(&mut self, code: &[u8]) -> Self::Code;
    /// Builds a frame whose calldata and memory are already placed in the arena.
    fn new_frame(
        &mut self,
        setup: FrameSetup,
        code: Self::Code,
        memory: crate::arena::FrameMemory,
    ) -> Self::Frame;
    /// Runs `frame` until it exits or needs the bootloader.
    fn run(&mut self, frame: &mut Self::Frame, cx: &mut ExecContext<'_, '_>) -> FrameExit;
    /// Resumes `frame` with the outcome of the child it requested.
    fn resume(
        &mut self,
        frame: &mut Self::Frame,
        outcome: ChildOutcome,
        cx: &mut ExecContext<'_, '_>,
    );
    /// Switches the fork whose rules apply (between blocks).
    fn set_spec(&mut self, spec: crate::types::SpecId);
    /// Gas the frame has left.
    fn gas_left(&self, frame: &Self::Frame) -> u64;
    /// The frame's memory placement (the bootloader reads outputs and inputs from it).
    fn memory<'f>(&self, frame: &'f Self::Frame) -> &'f crate::arena::FrameMemory;
    /// Transaction `index` of the block is about to be validated and run: the hook where an
    /// EE's tracer learns transaction boundaries (an EE keeps no per-transaction state
    /// otherwise, so the default does nothing).
    fn tx_start(&mut self, _index: usize) {}
    /// Transaction `index` has its receipt (rejected ones too); see [`Self::tx_start`].
    fn tx_end(&mut self, _index: usize, _receipt: &crate::types::TxReceipt) {}
}

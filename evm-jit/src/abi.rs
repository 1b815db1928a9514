//! The contract between compiled code and the engine: the context block compiled code reads
//! and writes, the status codes it returns, and the builtins it calls.
//!
//! Gas, the stack height and the memory length live in [`JitCtx`], not in registers across
//! blocks: a block loads them at its entry and writes what it changed, so compiled code has
//! no values live from block to block (no phis, short live ranges: fast register
//! allocation) and the frame's state is in one plain struct wherever Rust code looks at it.

use core::any::Any;
use core::mem::offset_of;
use std::panic::{catch_unwind, AssertUnwindSafe};
use zkos_os::ee::{ExecContext, FrameExit};
use zkos_os::evm::interpreter;
use zkos_os::evm::opcodes::OpTable;
use zkos_os::evm::EvmFrame;
use zkos_os::types::SpecId;

/// The frame exited; its [`FrameExit`] is in [`JitCtx::exit`] (or a builtin panicked).
pub const EXIT: u32 = 0;
/// Continue in the interpreter at `pc` with the block there not yet entered: a block whose
/// entry check failed (it halts; the interpreter finds where and why) or an entry the code
/// does not have.
pub const INTERP: u32 = 1;
/// STOP (or the end of the code): success with empty output.
pub const STOP: u32 = 2;
/// A jump to something that is not a JUMPDEST.
pub const INVALID_JUMP: u32 = 3;
/// An undefined opcode or INVALID.
pub const INVALID_OPCODE: u32 = 4;
/// Out of gas where the interpreter would halt for no other reason (see
/// `Translator::last_risky`).
pub const OUT_OF_GAS: u32 = 5;

/// What [`builtin_step`] returns when the frame goes on at the next instruction.
pub const STEP_CONTINUE: u32 = 0;
/// What [`builtin_step`] returns when the frame exited (or the interpreter panicked).
pub const STEP_EXIT: u32 = 1;

/// The entry of compiled code: `(ctx, entry index) -> status`.
pub type EntryFn = unsafe extern "C" fn(*mut JitCtx, u32) -> u32;

/// What compiled code sees of the running frame. The first fields are read and written by
/// machine code at the offsets below; the rest is for the builtins.
#[repr(C)]
pub struct JitCtx {
    /// Gas left (in and out).
    pub gas: u64,
    /// Stack height in words (in and out).
    pub sp: u64,
    /// pc of the instruction a builtin runs, or where the interpreter continues (out).
    pub pc: u64,
    /// The frame's 1024-word stack in the arena.
    pub stack: *mut u8,
    /// The frame's memory in the arena (its base never moves while the frame lives).
    pub mem_base: *mut u8,
    /// The frame's memory length in bytes (reloaded after every builtin).
    pub mem_len: u64,
    /// A dynamic jump's destination, from the jump to the dispatch (`u64::MAX` when the
    /// word does not fit 64 bits).
    pub dest: u64,
    /// Operands of a direct builtin ([`crate::builtins`]), up to six words (LOG4's) of
    /// four little-endian limbs from the top of the stack down; its result replaces the
    /// first.
    pub args: [u64; 24],
    /// The frame's calldata in the arena (fixed for the frame's life), for CALLDATALOAD.
    pub calldata: *const u8,
    pub calldata_len: u64,
    pub(crate) frame: *mut EvmFrame,
    pub(crate) cx: *mut (),
    pub(crate) spec: SpecId,
    pub(crate) table: *const OpTable,
    pub(crate) exit: Option<FrameExit>,
    pub(crate) panic: Option<Box<dyn Any + Send>>,
}

pub const GAS: i32 = offset_of!(JitCtx, gas) as i32;
pub const SP: i32 = offset_of!(JitCtx, sp) as i32;
pub const PC: i32 = offset_of!(JitCtx, pc) as i32;
pub const STACK: i32 = offset_of!(JitCtx, stack) as i32;
pub const MEM_BASE: i32 = offset_of!(JitCtx, mem_base) as i32;
pub const MEM_LEN: i32 = offset_of!(JitCtx, mem_len) as i32;
pub const DEST: i32 = offset_of!(JitCtx, dest) as i32;
pub const ARGS: i32 = offset_of!(JitCtx, args) as i32;
pub const CALLDATA: i32 = offset_of!(JitCtx, calldata) as i32;
pub const CALLDATA_LEN: i32 = offset_of!(JitCtx, calldata_len) as i32;

/// Runs the instruction at `pc` through the interpreter's own implementation
/// ([`interpreter::step`]), in the block compiled code has entered: 0 when the frame goes
/// on (gas, height and memory length updated in `ctx`), [`EXIT`] when it exited or the
/// interpreter panicked (the engine re-raises the panic outside compiled code).
///
/// # Safety
/// `ctx` is the live context the engine built for this call of compiled code.
pub unsafe extern "C" fn builtin_step(ctx: *mut JitCtx, pc: u64) -> u32 {
    // SAFETY: the engine passes its own context, valid for the whole call.
    let ctx = unsafe { &mut *ctx };
    // SAFETY: set by the engine from live references for the duration of the call.
    let (frame, cx, table) = unsafe {
        (
            &mut *ctx.frame,
            &mut *(ctx.cx as *mut ExecContext<'_, '_>),
            &*ctx.table,
        )
    };
    if ctx.panic.is_some() {
        // A direct builtin panicked and sent compiled code here: leave.
        return STEP_EXIT;
    }
    frame.pc = pc as usize;
    frame.stack_len = ctx.sp as usize;
    frame.gas = ctx.gas;
    let spec = ctx.spec;
    match catch_unwind(AssertUnwindSafe(|| {
        interpreter::step(frame, cx, spec, table)
    })) {
        Ok(None) => {
            ctx.gas = frame.gas;
            ctx.sp = frame.stack_len as u64;
            ctx.mem_len = frame.mem.len as u64;
            STEP_CONTINUE
        }
        Ok(Some(exit)) => {
            ctx.exit = Some(exit);
            STEP_EXIT
        }
        Err(p) => {
            ctx.panic = Some(p);
            STEP_EXIT
        }
    }
}

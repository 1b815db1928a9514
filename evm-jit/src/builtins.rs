//! Direct builtins: what compiled code calls instead of a step through the interpreter
//! ([`crate::abi::builtin_step`]) for the instructions that are not inlined but need neither
//! the arena's stack nor an exit. Operands travel in [`JitCtx::args`] (the top of the stack
//! first) and the result comes back in its first word, so the virtual stack stays in
//! registers and nothing is flushed. The semantics are `zkos_os`'s ([`arith`], [`ops`],
//! [`gas`]), as in the interpreter.
//!
//! Every builtin has the step's signature, `(ctx, arg) -> status`. A builtin that can fail
//! (a charge it cannot pay, memory it cannot get) changes nothing and returns
//! [`SLOW`]: compiled code then runs the instruction as a step, where the interpreter
//! halts precisely (with its give-back of the block's advance charge).

use crate::abi::JitCtx;
use alloy_primitives::{Bytes, B256, U256};
use std::panic::{catch_unwind, AssertUnwindSafe};
use zkos_os::ee::{ExecContext, FrameExit};
use zkos_os::evm::arith::small;
use zkos_os::evm::{arith, gas, ops, EvmFrame};
use zkos_os::types::{HaltReason, Log, SpecId};

/// A builtin's signature: `(ctx, arg) -> status`.
pub type BuiltinFn = unsafe extern "C" fn(*mut JitCtx, u64) -> u32;

/// The builtin did its work.
pub const DONE: u32 = 0;
/// The builtin changed nothing: run the instruction as a step. Also what a builtin that
/// panicked answers, with the panic in the context: the step then leaves at once
/// ([`crate::abi::builtin_step`]) and the engine re-raises it outside compiled code.
pub const SLOW: u32 = 1;

/// The operand `i` (0: the top).
///
/// # Safety
/// `ctx` is the live context of the call of compiled code that calls the builtin.
#[inline(always)]
unsafe fn arg(ctx: *mut JitCtx, i: usize) -> U256 {
    // SAFETY: the caller's contract; `args` holds six words.
    let a = unsafe { core::ptr::addr_of!((*ctx).args) as *const u64 };
    // One load per limb, as compiled code stored them: a wider load spanning two of its
    // stores cannot be forwarded from them and stalls.
    // SAFETY: `i < 6`, inside `args`.
    U256::from_limbs([0, 1, 2, 3].map(|j| unsafe { a.add(4 * i + j).read_volatile() }))
}

#[inline(always)]
unsafe fn set_result(ctx: *mut JitCtx, r: U256) {
    // SAFETY: as in `arg`.
    let a = unsafe { &mut (*ctx).args };
    a[..4].copy_from_slice(r.as_limbs());
}

/// The frame and the execution context behind `ctx`.
///
/// # Safety
/// As in [`arg`]; the returned borrows last no longer than the builtin's call.
#[inline(always)]
unsafe fn frame<'c>(ctx: *mut JitCtx) -> (&'c mut EvmFrame, &'c mut ExecContext<'c, 'c>) {
    // SAFETY: the engine set both from live exclusive references for the call.
    unsafe {
        (
            &mut *(*ctx).frame,
            &mut *((*ctx).cx as *mut ExecContext<'c, 'c>),
        )
    }
}

macro_rules! pure {
    ($(#[$doc:meta] $name:ident($($a:ident),+) => $e:expr;)+) => {$(
        #[$doc]
        ///
        /// # Safety
        /// Called by compiled code with its live context.
        pub unsafe extern "C" fn $name(ctx: *mut JitCtx, _: u64) -> u32 {
            let mut _i = 0;
            $(
                // SAFETY: the caller's contract.
                let $a = unsafe { arg(ctx, _i) };
                _i += 1;
            )+
            // SAFETY: the caller's contract.
            unsafe { set_result(ctx, $e) };
            DONE
        }
    )+};
}

pure! {
    /// DIV.
    div(a, b) => arith::div(a, b);
    /// SDIV.
    sdiv(a, b) => arith::sdiv(a, b);
    /// MOD.
    rem(a, b) => arith::rem(a, b);
    /// SMOD.
    smod(a, b) => arith::smod(a, b);
    /// ADDMOD.
    addmod(a, b, n) => arith::addmod(a, b, n);
    /// MULMOD.
    mulmod(a, b, n) => arith::mulmod(a, b, n);
    /// SIGNEXTEND with an index known only at run time.
    signextend(k, x) => arith::signextend(k, x);
    /// BYTE with an index known only at run time.
    byte(i, x) => arith::byte(i, x);
    /// SHL by an amount known only at run time.
    shl(s, x) => arith::shl(s, x);
    /// SHR by an amount known only at run time.
    shr(s, x) => arith::shr(s, x);
    /// SAR by an amount known only at run time.
    sar(s, x) => arith::sar(s, x);
    /// CLZ (Osaka).
    clz(x) => U256::from(x.leading_zeros());
}

/// EXP: charges the exponent's bytes, or [`SLOW`] when the gas left cannot pay them.
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn exp(ctx: *mut JitCtx, _: u64) -> u32 {
    // SAFETY: the caller's contract.
    let (base, e) = unsafe { (arg(ctx, 0), arg(ctx, 1)) };
    // SAFETY: the caller's contract.
    let c = unsafe { &mut *ctx };
    let cost = gas::exp_cost(c.spec, e);
    if c.gas < cost {
        return SLOW;
    }
    c.gas -= cost;
    // SAFETY: the caller's contract.
    unsafe { set_result(ctx, arith::exp(base, e)) };
    DONE
}

/// An environment getter (`arg`: the opcode; see [`ops::env_word`]).
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn env(ctx: *mut JitCtx, op: u64) -> u32 {
    // SAFETY: the caller's contract.
    let spec = unsafe { (*ctx).spec };
    let w = {
        // SAFETY: the caller's contract.
        let (f, cx) = unsafe { frame(ctx) };
        ops::env_word(op as u8, f, cx, spec)
    };
    // SAFETY: the caller's contract.
    unsafe { set_result(ctx, w) };
    DONE
}

/// CALLDATALOAD where the word is not wholly inside the calldata.
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn calldataload(ctx: *mut JitCtx, _: u64) -> u32 {
    // SAFETY: the caller's contract; the engine set the calldata from the frame's live
    // slice of the arena, which does not move while the frame runs.
    let w = unsafe {
        let c = &*ctx;
        let data = core::slice::from_raw_parts(c.calldata, c.calldata_len as usize);
        ops::calldata_word(data, arg(ctx, 0))
    };
    // SAFETY: the caller's contract.
    unsafe { set_result(ctx, w) };
    DONE
}

/// Grows memory to cover `[0, end)` (`end` below 2^32 + 32), charging for it; [`SLOW`]
/// when the gas or the arena cannot give it.
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn grow(ctx: *mut JitCtx, end: u64) -> u32 {
    // SAFETY: the caller's contract.
    let (f, cx) = unsafe { frame(ctx) };
    // SAFETY: the caller's contract.
    let c = unsafe { &mut *ctx };
    let mut g = c.gas;
    let Ok(len) = usize::try_from(end) else {
        return SLOW;
    };
    match ops::expand(&mut g, &mut f.mem, cx.arena, 0, len) {
        Ok(()) => {
            c.gas = g;
            c.mem_len = f.mem.len as u64;
            DONE
        }
        Err(_) => SLOW,
    }
}

/// As [`grow`], but a failure halts the frame (its exit recorded, status non-zero), for
/// sites where the interpreter could only halt with the same reason (see
/// `Translator::last_risky`).
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn grow_or_halt(ctx: *mut JitCtx, end: u64) -> u32 {
    // SAFETY: the caller's contract.
    let (f, cx) = unsafe { frame(ctx) };
    // SAFETY: the caller's contract.
    let c = unsafe { &mut *ctx };
    let mut g = c.gas;
    let grown = match usize::try_from(end) {
        Ok(len) => ops::expand(&mut g, &mut f.mem, cx.arena, 0, len),
        Err(_) => Err(HaltReason::OutOfGas),
    };
    match grown {
        Ok(()) => {
            c.gas = g;
            c.mem_len = f.mem.len as u64;
            DONE
        }
        Err(reason) => {
            f.gas = 0;
            c.exit = Some(FrameExit::Halt(reason));
            SLOW
        }
    }
}

/// Runs a builtin that reaches into the system, catching a panic (which must not unwind
/// through compiled code).
///
/// # Safety
/// As in [`arg`].
#[inline(always)]
unsafe fn guarded(ctx: *mut JitCtx, f: impl FnOnce() -> u32) -> u32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(s) => s,
        Err(p) => {
            // SAFETY: the caller's contract; `f`'s borrows have ended.
            unsafe { (*ctx).panic = Some(p) };
            SLOW
        }
    }
}

/// `[off, off + len)` as a memory range below 2^32 each (`off` is 0 for an empty range),
/// or `None` when the interpreter would halt.
fn range(off: U256, len: U256) -> Option<(usize, usize)> {
    let l = small(len)?;
    let o = if l == 0 { 0 } else { small(off)? };
    Some((o, l))
}

/// The memory input `[off, off + len)` of KECCAK256 or LOG, with `cost(len)` charged and
/// memory expanded over it: `None` (nothing charged, memory unchanged) when the interpreter
/// would halt or the gas left cannot pay.
fn memory_input(
    c: &mut JitCtx,
    f: &mut EvmFrame,
    cx: &mut ExecContext<'_, '_>,
    (off, len): (U256, U256),
    cost: impl FnOnce(u64) -> u64,
) -> Option<(usize, usize)> {
    let (o, l) = range(off, len)?;
    let mut g = c.gas.checked_sub(cost(l as u64))?;
    ops::expand(&mut g, &mut f.mem, cx.arena, o, l).ok()?;
    c.gas = g;
    c.mem_len = f.mem.len as u64;
    Some((o, l))
}

/// SLOAD, or [`SLOW`] when the gas left might not pay for a cold slot.
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn sload(ctx: *mut JitCtx, _: u64) -> u32 {
    // SAFETY: the caller's contract, for the whole call.
    unsafe {
        guarded(ctx, || {
            let key = arg(ctx, 0);
            let (f, cx) = frame(ctx);
            let c = &mut *ctx;
            let berlin = c.spec >= SpecId::Berlin;
            if berlin && c.gas < gas::COLD_SLOAD_EXTRA {
                return SLOW;
            }
            let (v, cold) = cx.system.sload(f.address, key);
            if cold && berlin {
                c.gas -= gas::COLD_SLOAD_EXTRA;
            }
            set_result(ctx, v);
            DONE
        })
    }
}

/// SSTORE, or [`SLOW`] when the frame is static or the gas left might not pay for the
/// dearest SSTORE (or is at EIP-2200's stipend sentry).
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn sstore(ctx: *mut JitCtx, _: u64) -> u32 {
    // SAFETY: the caller's contract, for the whole call.
    unsafe {
        guarded(ctx, || {
            let (k, v) = (arg(ctx, 0), arg(ctx, 1));
            let (f, cx) = frame(ctx);
            let c = &mut *ctx;
            // SSTORE_MAX is above the stipend sentry, so this covers it too.
            if f.is_static || c.gas < gas::SSTORE_MAX {
                return SLOW;
            }
            let o = cx.system.sstore(f.address, k, v);
            let (cost, refund) = ops::sstore_cost(c.spec, o, v);
            c.gas -= cost;
            cx.system.add_refund(refund);
            DONE
        })
    }
}

/// TLOAD.
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn tload(ctx: *mut JitCtx, _: u64) -> u32 {
    // SAFETY: the caller's contract, for the whole call.
    unsafe {
        guarded(ctx, || {
            let key = arg(ctx, 0);
            let (f, cx) = frame(ctx);
            let v = cx.system.tload(f.address, key);
            set_result(ctx, v);
            DONE
        })
    }
}

/// TSTORE, or [`SLOW`] in a static frame.
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn tstore(ctx: *mut JitCtx, _: u64) -> u32 {
    // SAFETY: the caller's contract, for the whole call.
    unsafe {
        guarded(ctx, || {
            let (k, v) = (arg(ctx, 0), arg(ctx, 1));
            let (f, cx) = frame(ctx);
            if f.is_static {
                return SLOW;
            }
            cx.system.tstore(f.address, k, v);
            DONE
        })
    }
}

/// KECCAK256, or [`SLOW`] when the range or its cost is out of reach.
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn keccak256(ctx: *mut JitCtx, _: u64) -> u32 {
    // SAFETY: the caller's contract, for the whole call.
    unsafe {
        guarded(ctx, || {
            let input = (arg(ctx, 0), arg(ctx, 1));
            let (f, cx) = frame(ctx);
            let cost = |l| gas::KECCAK_WORD * gas::words(l);
            let Some((o, l)) = memory_input(&mut *ctx, f, cx, input, cost) else {
                return SLOW;
            };
            let h = cx.system.keccak256(&cx.arena.memory(&f.mem)[o..o + l]);
            set_result(ctx, U256::from_be_bytes(h));
            DONE
        })
    }
}

/// LOG0..LOG4 (`arg`: the number of topics), or [`SLOW`] in a static frame or when the
/// range or its cost is out of reach.
///
/// # Safety
/// Called by compiled code with its live context.
pub unsafe extern "C" fn log(ctx: *mut JitCtx, topics: u64) -> u32 {
    // SAFETY: the caller's contract, for the whole call.
    unsafe {
        guarded(ctx, || {
            let input = (arg(ctx, 0), arg(ctx, 1));
            let (f, cx) = frame(ctx);
            if f.is_static {
                return SLOW;
            }
            let cost = |l| gas::LOG_DATA * l;
            let Some((o, l)) = memory_input(&mut *ctx, f, cx, input, cost) else {
                return SLOW;
            };
            let topics = (0..topics as usize)
                .map(|i| B256::from(arg(ctx, 2 + i).to_be_bytes::<32>()))
                .collect();
            let data = Bytes::copy_from_slice(&cx.arena.memory(&f.mem)[o..o + l]);
            cx.system.log(Log {
                address: f.address,
                topics,
                data,
            });
            DONE
        })
    }
}

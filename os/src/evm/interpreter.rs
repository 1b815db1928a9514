//! The EVM interpreter: a dispatch loop over analysed bytecode. One call of [`run`] executes a
//! frame until it ends or needs the bootloader (call, create).

use super::analysis::AnalyzedCode;
use super::arith::{self, small};
use super::gas;
use super::opcodes::*;
use super::ops::{self, copy_padded, expand, sstore_cost, word_of};
use super::tracer::{Step, Tracer};
use crate::arena::{Arena, FrameMemory};
use crate::ee::{CallKind, CallRequest, ChildOutcome, CreateRequest, ExecContext, FrameExit};
use crate::types::{HaltReason, Log, SpecId};
use alloc::rc::Rc;
use alloc::vec::Vec;
use alloy_primitives::{Address, Bytes, B256, U256};

/// A suspended or running EVM frame: plain data, kept by the bootloader's frame stack.
#[derive(Clone, Debug)]
pub struct EvmFrame {
    pub code: Rc<AnalyzedCode>,
    pub pc: usize,
    pub gas: u64,
    pub stack_len: usize,
    pub depth: usize,
    pub mem: FrameMemory,
    pub address: Address,
    pub caller: Address,
    pub value: U256,
    pub is_static: bool,
    /// Where the pending child's output goes in this frame's memory.
    pub ret_offset: usize,
    pub ret_len: usize,
    /// The pending child is a create (its result is an address, not a status).
    pub pending_create: bool,
    /// The block at `pc` is yet to be entered (charged and checked): a fresh frame, or one
    /// resumed after its child.
    pub enter_pending: bool,
}

const SIGN: U256 = U256::from_limbs([0, 0, 0, 1 << 63]);

#[inline(always)]
fn addr_of(v: U256) -> Address {
    Address::from_word(B256::from(v.to_be_bytes::<32>()))
}

/// `v` as u64, saturating.
#[inline(always)]
fn sat_u64(v: U256) -> u64 {
    let l = v.as_limbs();
    if (l[1] | l[2] | l[3]) == 0 {
        l[0]
    } else {
        u64::MAX
    }
}

/// Runs `f` until it exits or requests a child frame, reporting each instruction to `tracer`
/// when `T::ENABLED` (`table` is the fork's opcode table, for the per-instruction static gas
/// the trace needs; see [`super::tracer`]).
///
/// # Safety of the stack accesses
/// The analysis gives each basic block the stack heights it needs at entry (see
/// [`super::analysis`]); the interpreter checks them when it enters the block, so every
/// pop/push/peek below is in bounds of the frame's 1024-word stack in the arena.
pub fn run<T: Tracer>(
    f: &mut EvmFrame,
    cx: &mut ExecContext<'_, '_>,
    spec: SpecId,
    table: &OpTable,
    tracer: &mut T,
) -> FrameExit {
    match run_impl::<T, false, false>(f, cx, spec, table, tracer, false) {
        Some(exit) => exit,
        // Only the one-instruction build continues without an exit.
        None => unreachable!(),
    }
}

/// Executes the one instruction at `f.pc`, in a basic block the caller has already entered
/// (charged its static gas and checked its stack bounds, as [`BlockInfo`] says), and stops
/// before the next: `None` when the frame goes on at `f.pc`, the frame's exit otherwise. The
/// next block is never entered here, so a block-ending instruction (SSTORE) leaves that to
/// the caller.
///
/// This is how the JIT runs the instructions it does not inline: their semantics (gas,
/// memory expansion, state access, request building) stay in this one place. When the
/// instruction cannot pay a dynamic cost from what the block's advance charge left, the rest
/// of the frame runs here, instruction by instruction, until it exits (see `run_impl`).
///
/// [`BlockInfo`]: super::analysis::BlockInfo
pub fn step(
    f: &mut EvmFrame,
    cx: &mut ExecContext<'_, '_>,
    spec: SpecId,
    table: &OpTable,
) -> Option<FrameExit> {
    debug_assert!(!f.enter_pending);
    run_impl::<super::tracer::NoTracer, false, true>(
        f,
        cx,
        spec,
        table,
        &mut super::tracer::NoTracer,
        false,
    )
}

/// The dispatch loop, in two builds. The fast one (`CAREFUL = false`) charges and checks a
/// basic block once when it enters it. When that check fails the block halts somewhere, and
/// which instruction halts first, and why, is observable (the transaction's halt reason, an
/// EIP-3155 trace): the fast build then hands the frame, at the block's start, to the careful
/// build, which checks and charges instruction by instruction as the specification does
/// (stack inputs, then gas, then stack room: EELS's order) until the halt. It only ever runs
/// a block that halts, so it costs nothing on the paths that do not.
///
/// `first_traced`: the tracer has already seen the instruction at `f.pc` (a JUMPDEST that
/// entered its own block).
// `refunded` is set by arms that return right after (block-ending ones): harmless.
#[allow(unused_assignments)]
fn run_impl<T: Tracer, const CAREFUL: bool, const ONE: bool>(
    f: &mut EvmFrame,
    cx: &mut ExecContext<'_, '_>,
    spec: SpecId,
    table: &OpTable,
    tracer: &mut T,
    first_traced: bool,
) -> Option<FrameExit> {
    let mut skip_trace = CAREFUL && first_traced;
    // Whether `refund_block_rest!` gave the block's advance charge back (fast build only).
    let mut refunded = false;
    let code_rc = f.code.clone();
    let code: &AnalyzedCode = &code_rc;
    let bytes = code.padded.as_ptr();
    let blocks = code.blocks.as_ptr();
    let stack: *mut U256 = cx.arena.stack_ptr(f.depth);
    let mut pc = f.pc;
    let mut sp = f.stack_len;
    let mut gas = f.gas;
    // Trace and opcode mode only: static gas already charged (with its block) for instructions of the
    // current block not yet executed, so `gas + pending` is the gas a per-instruction EVM
    // would have. Signed: a JUMPDEST subtracts its own gas before it enters its block.
    let mut pending: i64 = 0;

    // Reports the instruction at `$at` to the tracer (trace mode only).
    macro_rules! trace_step {
        ($at:expr) => {{
            let at: usize = $at;
            let op = if at < code.len {
                code.original[at]
            } else {
                STOP
            };
            // SAFETY: the `sp` words below the top were written by pushes (or are zeroed
            // arena words), and `sp` <= 1024 between instructions.
            let words = unsafe { core::slice::from_raw_parts(stack, sp) };
            tracer.step(&Step {
                pc: at,
                op,
                gas: gas.wrapping_add_signed(pending),
                stack: words,
                memory: cx.arena.memory(&f.mem),
                return_data: cx.arena.returndata(),
                depth: f.depth + 1,
                refund: cx.system.refund(),
            });
        }};
    }

    macro_rules! save {
        () => {{
            f.pc = pc;
            f.stack_len = sp;
            f.gas = gas;
        }};
    }
    macro_rules! halt {
        ($r:expr) => {{
            f.pc = pc;
            f.stack_len = sp;
            f.gas = 0;
            return Some(FrameExit::Halt($r));
        }};
    }
    macro_rules! pop {
        () => {{
            sp -= 1;
            // SAFETY: see the function docs.
            unsafe { *stack.add(sp) }
        }};
    }
    macro_rules! top {
        () => {
            // SAFETY: see the function docs.
            unsafe { &mut *stack.add(sp - 1) }
        };
    }
    macro_rules! push {
        ($v:expr) => {{
            let v = $v;
            // SAFETY: see the function docs.
            unsafe { stack.add(sp).write(v) };
            sp += 1;
        }};
    }
    // A dynamic cost the fast build cannot pay from what the block's advance charge left:
    // give back the static gas charged for the block's later instructions (a per-instruction
    // EVM still has it here) once; the instruction then finishes and the rest of the block
    // runs in the careful build (`careful_if_refunded!`), which charges it instruction by
    // instruction.
    macro_rules! refund_block_rest {
        () => {{
            if !CAREFUL && !refunded {
                let rest = code.static_gas_after(table, pc - 1);
                if rest > 0 {
                    refunded = true;
                    gas += rest;
                    if T::ENABLED || T::OPCODES {
                        pending = 0;
                    }
                }
            }
        }};
    }
    macro_rules! charge {
        ($c:expr) => {{
            let c: u64 = $c;
            if gas < c {
                refund_block_rest!();
                if gas < c {
                    halt!(HaltReason::OutOfGas);
                }
            }
            gas -= c;
        }};
    }
    // Memory expansion with the same give-back as `charge!`.
    macro_rules! expand_or_halt {
        ($off:expr, $len:expr) => {{
            match expand(&mut gas, &mut f.mem, cx.arena, $off, $len) {
                Ok(()) => {}
                Err(HaltReason::OutOfGas) if !CAREFUL && !refunded => {
                    refund_block_rest!();
                    if let Err(e) = expand(&mut gas, &mut f.mem, cx.arena, $off, $len) {
                        halt!(e);
                    }
                }
                Err(e) => halt!(e),
            }
        }};
    }
    // After an instruction that took the give-back: the rest of its block runs careful.
    macro_rules! careful_if_refunded {
        () => {{
            if !CAREFUL && refunded {
                save!();
                return run_impl::<T, true, false>(f, cx, spec, table, tracer, false);
            }
        }};
    }
    macro_rules! mem {
        ($off:expr, $len:expr) => {{
            let len = match small($len) {
                Some(l) => l,
                None => halt!(HaltReason::OutOfGas),
            };
            let off = if len == 0 {
                0
            } else {
                match small($off) {
                    Some(o) => o,
                    None => halt!(HaltReason::OutOfGas),
                }
            };
            expand_or_halt!(off, len);
            (off, len)
        }};
    }
    macro_rules! binop {
        (|$a:ident, $b:ident| $e:expr) => {{
            let $a = pop!();
            let t = top!();
            let $b = *t;
            *t = $e;
        }};
    }
    macro_rules! unop {
        (|$a:ident| $e:expr) => {{
            let t = top!();
            let $a = *t;
            *t = $e;
        }};
    }
    macro_rules! bool_word {
        ($c:expr) => {
            if $c {
                U256::from(1u8)
            } else {
                U256::ZERO
            }
        };
    }
    macro_rules! cold_account {
        ($addr:expr) => {{
            if spec >= SpecId::Berlin && cx.system.warm_account($addr) {
                charge!(gas::COLD_ACCOUNT_EXTRA);
            }
        }};
    }
    // Charges and checks the basic block starting at `$at` (fast build; the careful build
    // checks each instruction instead). `$announced`: the tracer has seen the block's first
    // instruction already (a JUMPDEST entering its own block).
    macro_rules! enter {
        ($at:expr, $announced:expr) => {{
            if !CAREFUL {
                // SAFETY: `$at` <= len, and `blocks` has len + 1 entries.
                let b = unsafe { *blocks.add($at) };
                if sp.wrapping_sub(b.min as usize) > b.span as usize || gas < b.gas as u64 {
                    // The block halts: find where and why, instruction by instruction.
                    f.pc = $at;
                    f.stack_len = sp;
                    f.gas = gas;
                    return run_impl::<T, true, false>(f, cx, spec, table, tracer, $announced);
                }
                gas -= b.gas as u64;
                if T::ENABLED || T::OPCODES {
                    pending += b.gas as i64;
                }
            }
        }};
    }
    // Continues into the instruction at `pc` from one that ended a block; a JUMPDEST enters
    // its own block.
    macro_rules! fall_through {
        () => {{
            // SAFETY: padded code (see the loop head).
            if !ONE && unsafe { *bytes.add(pc) } != JUMPDEST {
                enter!(pc, false);
            }
        }};
    }
    macro_rules! copy_cost {
        ($len:expr) => {
            charge!(gas::COPY_WORD * gas::words($len as u64))
        };
    }

    if f.enter_pending {
        f.enter_pending = false;
        if pc >= code.len {
            if T::ENABLED {
                // The implicit STOP after the code, as a per-instruction EVM executes it.
                trace_step!(pc);
            }
            if T::OPCODES {
                tracer.opcode(STOP, gas.wrapping_add_signed(pending), f.depth + 1);
            }
            save!();
            return Some(FrameExit::Return { offset: 0, len: 0 });
        }
        fall_through!();
    }
    loop {
        // SAFETY: pc never passes code.len + 32 (pushes skip at most 32 bytes past an opcode
        // below len, jumps land below len), and the code is padded with 33 zero bytes.
        let op = unsafe { *bytes.add(pc) };
        if T::ENABLED || T::OPCODES {
            if !skip_trace {
                if T::ENABLED {
                    trace_step!(pc);
                }
                if T::OPCODES {
                    tracer.opcode(op, gas.wrapping_add_signed(pending), f.depth + 1);
                }
            }
            skip_trace = false;
            if !CAREFUL {
                pending -= table.0[op as usize].gas as i64;
            }
        }
        if CAREFUL {
            let info = table.0[op as usize];
            if sp < info.inputs as usize {
                halt!(HaltReason::StackUnderflow);
            }
            charge!(info.gas as u64);
            if sp - info.inputs as usize + info.outputs as usize > crate::arena::STACK_LIMIT {
                halt!(HaltReason::StackOverflow);
            }
        }
        pc += 1;
        match op {
            STOP => {
                save!();
                return Some(FrameExit::Return { offset: 0, len: 0 });
            }
            ADD => binop!(|a, b| a.wrapping_add(b)),
            MUL => binop!(|a, b| a.wrapping_mul(b)),
            SUB => binop!(|a, b| a.wrapping_sub(b)),
            DIV => binop!(|a, b| arith::div(a, b)),
            SDIV => binop!(|a, b| arith::sdiv(a, b)),
            MOD => binop!(|a, b| arith::rem(a, b)),
            SMOD => binop!(|a, b| arith::smod(a, b)),
            ADDMOD => {
                let a = pop!();
                let b = pop!();
                let t = top!();
                *t = arith::addmod(a, b, *t);
            }
            MULMOD => {
                let a = pop!();
                let b = pop!();
                let t = top!();
                *t = arith::mulmod(a, b, *t);
            }
            EXP => {
                let base = pop!();
                let exp = *top!();
                charge!(gas::exp_cost(spec, exp));
                *top!() = arith::exp(base, exp);
                careful_if_refunded!();
            }
            SIGNEXTEND => binop!(|b, x| arith::signextend(b, x)),
            LT => binop!(|a, b| bool_word!(a < b)),
            GT => binop!(|a, b| bool_word!(a > b)),
            SLT => binop!(|a, b| bool_word!((a ^ SIGN) < (b ^ SIGN))),
            SGT => binop!(|a, b| bool_word!((a ^ SIGN) > (b ^ SIGN))),
            EQ => binop!(|a, b| bool_word!(a == b)),
            ISZERO => unop!(|a| bool_word!(a.is_zero())),
            AND => binop!(|a, b| a & b),
            OR => binop!(|a, b| a | b),
            XOR => binop!(|a, b| a ^ b),
            NOT => unop!(|a| !a),
            BYTE => binop!(|i, x| arith::byte(i, x)),
            SHL => binop!(|s, x| arith::shl(s, x)),
            SHR => binop!(|s, x| arith::shr(s, x)),
            SAR => binop!(|s, x| arith::sar(s, x)),
            CLZ => unop!(|x| U256::from(x.leading_zeros())),
            KECCAK256 => {
                let off = pop!();
                let len = *top!();
                let (o, l) = mem!(off, len);
                charge!(gas::KECCAK_WORD * gas::words(l as u64));
                let h = cx.system.keccak256(&cx.arena.memory(&f.mem)[o..o + l]);
                *top!() = U256::from_be_bytes(h);
                careful_if_refunded!();
            }
            ADDRESS => push!(ops::env_word(ADDRESS, f, cx, spec)),
            BALANCE => {
                let a = addr_of(*top!());
                cold_account!(a);
                *top!() = cx.system.info(a).balance;
                careful_if_refunded!();
            }
            ORIGIN => push!(ops::env_word(ORIGIN, f, cx, spec)),
            CALLER => push!(ops::env_word(CALLER, f, cx, spec)),
            CALLVALUE => push!(ops::env_word(CALLVALUE, f, cx, spec)),
            CALLDATALOAD => {
                let off = *top!();
                *top!() = ops::calldata_word(cx.arena.calldata(&f.mem), off);
            }
            CALLDATASIZE => push!(ops::env_word(CALLDATASIZE, f, cx, spec)),
            CALLDATACOPY | CODECOPY | RETURNDATACOPY => {
                let dst = pop!();
                let src = pop!();
                let len = pop!();
                let (d, l) = mem!(dst, len);
                copy_cost!(l);
                // The bounds check comes after the gas, memory expansion included (EELS).
                if op == RETURNDATACOPY {
                    let rl = cx.arena.returndata().len();
                    let end = small(src).and_then(|s| s.checked_add(l));
                    match end {
                        Some(e) if e <= rl => {}
                        _ => halt!(HaltReason::ReturnDataOutOfBounds),
                    }
                }
                if l > 0 {
                    match op {
                        CALLDATACOPY => {
                            let (mem, calldata, _) = cx.arena.split(&f.mem);
                            copy_padded(&mut mem[d..d + l], calldata, src);
                        }
                        CODECOPY => copy_padded(
                            &mut cx.arena.memory_mut(&f.mem)[d..d + l],
                            code.code(),
                            src,
                        ),
                        _ => {
                            // In bounds: checked against the returndata size above.
                            let s = small(src).unwrap_or(0);
                            let (mem, _, returndata) = cx.arena.split(&f.mem);
                            mem[d..d + l].copy_from_slice(&returndata[s..s + l]);
                        }
                    }
                }
                careful_if_refunded!();
            }
            CODESIZE => push!(U256::from(code.len)),
            GASPRICE => push!(ops::env_word(GASPRICE, f, cx, spec)),
            EXTCODESIZE => {
                let a = addr_of(*top!());
                cold_account!(a);
                let (_, c) = cx.system.code(a);
                *top!() = U256::from(c.len());
                careful_if_refunded!();
            }
            EXTCODECOPY => {
                let a = addr_of(pop!());
                let dst = pop!();
                let src = pop!();
                let len = pop!();
                let (d, l) = mem!(dst, len);
                copy_cost!(l);
                cold_account!(a);
                if l > 0 {
                    let (_, c) = cx.system.code(a);
                    copy_padded(&mut cx.arena.memory_mut(&f.mem)[d..d + l], &c, src);
                }
                careful_if_refunded!();
            }
            RETURNDATASIZE => push!(ops::env_word(RETURNDATASIZE, f, cx, spec)),
            EXTCODEHASH => {
                let a = addr_of(*top!());
                cold_account!(a);
                let live = cx.system.is_live(a);
                *top!() = if live {
                    U256::from_be_bytes(cx.system.info(a).code_hash.0)
                } else {
                    U256::ZERO
                };
                careful_if_refunded!();
            }
            BLOCKHASH => {
                let n = *top!();
                let cur = cx.block.number;
                // The number is a full 256-bit word: any u64 block number is in range.
                *top!() = match u64::try_from(n) {
                    Ok(n) if n < cur && cur - n <= 256 => {
                        U256::from_be_bytes(cx.system.oracle().block_hash(n).0)
                    }
                    _ => U256::ZERO,
                };
            }
            COINBASE => push!(ops::env_word(COINBASE, f, cx, spec)),
            TIMESTAMP => push!(ops::env_word(TIMESTAMP, f, cx, spec)),
            NUMBER => push!(ops::env_word(NUMBER, f, cx, spec)),
            DIFFICULTY => push!(ops::env_word(DIFFICULTY, f, cx, spec)),
            GASLIMIT => push!(ops::env_word(GASLIMIT, f, cx, spec)),
            CHAINID => push!(ops::env_word(CHAINID, f, cx, spec)),
            SELFBALANCE => push!(cx.system.info(f.address).balance),
            BASEFEE => push!(ops::env_word(BASEFEE, f, cx, spec)),
            BLOBHASH => {
                let i = *top!();
                *top!() = match small(i) {
                    Some(i) if i < cx.tx.blob_hashes.len() => {
                        U256::from_be_bytes(cx.tx.blob_hashes[i].0)
                    }
                    _ => U256::ZERO,
                };
            }
            BLOBBASEFEE => push!(ops::env_word(BLOBBASEFEE, f, cx, spec)),
            POP => sp -= 1,
            MLOAD => {
                let off = *top!();
                let (o, _) = mem!(off, U256::from(32u8));
                let m = cx.arena.memory(&f.mem);
                let mut w = [0u8; 32];
                w.copy_from_slice(&m[o..o + 32]);
                *top!() = U256::from_be_bytes(w);
                careful_if_refunded!();
            }
            MSTORE => {
                let off = pop!();
                let v = pop!();
                let (o, _) = mem!(off, U256::from(32u8));
                cx.arena.memory_mut(&f.mem)[o..o + 32].copy_from_slice(&v.to_be_bytes::<32>());
                careful_if_refunded!();
            }
            MSTORE8 => {
                let off = pop!();
                let v = pop!();
                let (o, _) = mem!(off, U256::from(1u8));
                cx.arena.memory_mut(&f.mem)[o] = v.byte(0);
                careful_if_refunded!();
            }
            SLOAD => {
                let k = *top!();
                let (v, cold) = cx.system.sload(f.address, k);
                if cold && spec >= SpecId::Berlin {
                    charge!(gas::COLD_SLOAD_EXTRA);
                }
                *top!() = v;
                careful_if_refunded!();
            }
            SSTORE => {
                if f.is_static {
                    halt!(HaltReason::StaticViolation);
                }
                if spec >= SpecId::Istanbul && gas <= gas::CALL_STIPEND {
                    halt!(HaltReason::OutOfGas);
                }
                let k = pop!();
                let v = pop!();
                let o = cx.system.sstore(f.address, k, v);
                let (cost, refund) = sstore_cost(spec, o, v);
                charge!(cost);
                cx.system.add_refund(refund);
                fall_through!();
            }
            JUMP => {
                let d = pop!();
                match small(d) {
                    Some(d) if code.is_jumpdest(d) => pc = d,
                    _ => halt!(HaltReason::InvalidJump),
                }
            }
            JUMPI => {
                let d = pop!();
                let c = pop!();
                if !c.is_zero() {
                    match small(d) {
                        Some(d) if code.is_jumpdest(d) => pc = d,
                        _ => halt!(HaltReason::InvalidJump),
                    }
                } else {
                    fall_through!();
                }
            }
            PC => push!(U256::from(pc - 1)),
            MSIZE => push!(U256::from(f.mem.len)),
            GAS => {
                push!(U256::from(gas));
                fall_through!();
            }
            JUMPDEST => enter!(pc - 1, true),
            TLOAD => {
                let k = *top!();
                *top!() = cx.system.tload(f.address, k);
            }
            TSTORE => {
                if f.is_static {
                    halt!(HaltReason::StaticViolation);
                }
                let k = pop!();
                let v = pop!();
                cx.system.tstore(f.address, k, v);
            }
            MCOPY => {
                let dst = pop!();
                let src = pop!();
                let len = pop!();
                let l = match small(len) {
                    Some(l) => l,
                    None => halt!(HaltReason::OutOfGas),
                };
                if l > 0 {
                    let (s, d) = match (small(src), small(dst)) {
                        (Some(s), Some(d)) => (s, d),
                        _ => halt!(HaltReason::OutOfGas),
                    };
                    let hi = s.max(d);
                    expand_or_halt!(hi, l);
                    copy_cost!(l);
                    cx.arena.memory_mut(&f.mem).copy_within(s..s + l, d);
                }
                careful_if_refunded!();
            }
            PUSH0 => push!(U256::ZERO),
            PUSH1 => {
                // SAFETY: padded code (see the loop head).
                let b = unsafe { *bytes.add(pc) };
                push!(U256::from(b));
                pc += 1;
            }
            0x61..=PUSH32 => {
                // One arm per width, so each copy has a constant length (no memcpy call).
                macro_rules! push_n {
                    ($($n:literal)*) => {
                        match op - PUSH1 + 1 {
                            $($n => {
                                let mut w = [0u8; 32];
                                // SAFETY: padded code: pc + n <= len + 33.
                                unsafe {
                                    core::ptr::copy_nonoverlapping(bytes.add(pc), w.as_mut_ptr().add(32 - $n), $n)
                                };
                                push!(U256::from_be_bytes(w));
                                pc += $n;
                            })*
                            _ => unreachable!(),
                        }
                    };
                }
                push_n!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);
            }
            DUP1..=DUP16 => {
                let n = (op - DUP1 + 1) as usize;
                // SAFETY: inputs checked by the table.
                let v = unsafe { *stack.add(sp - n) };
                push!(v);
            }
            SWAP1..=SWAP16 => {
                let n = (op - SWAP1 + 1) as usize;
                // SAFETY: inputs checked by the table.
                unsafe { core::ptr::swap(stack.add(sp - 1), stack.add(sp - 1 - n)) };
            }
            LOG0..=LOG4 => {
                if f.is_static {
                    halt!(HaltReason::StaticViolation);
                }
                let n = (op - LOG0) as usize;
                let off = pop!();
                let len = pop!();
                let (o, l) = mem!(off, len);
                charge!(gas::LOG_DATA * l as u64);
                let mut topics = Vec::with_capacity(n);
                for _ in 0..n {
                    topics.push(B256::from(pop!().to_be_bytes::<32>()));
                }
                let data = Bytes::copy_from_slice(&cx.arena.memory(&f.mem)[o..o + l]);
                cx.system.log(Log {
                    address: f.address,
                    topics,
                    data,
                });
                careful_if_refunded!();
            }
            CREATE | CREATE2 => {
                if f.is_static {
                    halt!(HaltReason::StaticViolation);
                }
                let value = pop!();
                let off = pop!();
                let len = pop!();
                let salt = if op == CREATE2 { Some(pop!()) } else { None };
                // EIP-3860's size limit is checked before memory is expanded for the init code
                // (as geth and revm do; a length that does not fit 64 bits is out of gas).
                if spec >= SpecId::Shanghai
                    && u64::try_from(len).is_ok_and(|l| l > gas::MAX_INITCODE_SIZE as u64)
                {
                    halt!(HaltReason::InitCodeSizeLimit);
                }
                let (o, l) = mem!(off, len);
                if spec >= SpecId::Shanghai {
                    charge!(gas::INITCODE_WORD * gas::words(l as u64));
                }
                if salt.is_some() {
                    charge!(gas::KECCAK_WORD * gas::words(l as u64));
                }
                let child = if spec >= SpecId::TangerineWhistle {
                    gas::all_but_one_64th(gas)
                } else {
                    gas
                };
                gas -= child;
                f.pending_create = true;
                save!();
                return Some(FrameExit::Create(CreateRequest {
                    caller: f.address,
                    value,
                    gas_limit: child,
                    init_offset: o,
                    init_len: l,
                    salt,
                }));
            }
            CALL | CALLCODE | DELEGATECALL | STATICCALL => {
                let requested = pop!();
                let to = addr_of(pop!());
                let value = if op == CALL || op == CALLCODE {
                    pop!()
                } else {
                    U256::ZERO
                };
                let in_off = pop!();
                let in_len = pop!();
                let out_off = pop!();
                let out_len = pop!();
                let has_value = !value.is_zero();
                if op == CALL && f.is_static && has_value {
                    halt!(HaltReason::StaticViolation);
                }
                let (io, il) = mem!(in_off, in_len);
                let (oo, ol) = mem!(out_off, out_len);
                cold_account!(to);
                if has_value {
                    charge!(gas::CALL_VALUE);
                }
                if op == CALL {
                    let new_account = if spec >= SpecId::SpuriousDragon {
                        has_value && !cx.system.is_live(to)
                    } else {
                        !cx.system.exists(to)
                    };
                    if new_account {
                        charge!(gas::NEW_ACCOUNT);
                    }
                }
                // EIP-7702: a designator's target is one more account access, warm or cold.
                let delegate = if spec >= SpecId::Prague {
                    cx.system.delegation(to)
                } else {
                    None
                };
                if let Some(d) = delegate {
                    charge!(gas::account_access(cx.system.warm_account(d)));
                }
                let requested = sat_u64(requested);
                let mut child = if spec >= SpecId::TangerineWhistle {
                    requested.min(gas::all_but_one_64th(gas))
                } else {
                    if requested > gas {
                        halt!(HaltReason::OutOfGas);
                    }
                    requested
                };
                gas -= child;
                if has_value {
                    child = child.saturating_add(gas::CALL_STIPEND);
                }
                f.ret_offset = oo;
                f.ret_len = ol;
                f.pending_create = false;
                save!();
                let (kind, caller, target, value, transfers, is_static) = match op {
                    CALL => (CallKind::Call, f.address, to, value, true, f.is_static),
                    CALLCODE => (
                        CallKind::CallCode,
                        f.address,
                        f.address,
                        value,
                        true,
                        f.is_static,
                    ),
                    DELEGATECALL => (
                        CallKind::DelegateCall,
                        f.caller,
                        f.address,
                        f.value,
                        false,
                        f.is_static,
                    ),
                    _ => (CallKind::StaticCall, f.address, to, U256::ZERO, false, true),
                };
                return Some(FrameExit::Call(CallRequest {
                    kind,
                    caller,
                    target,
                    code_address: delegate.unwrap_or(to),
                    delegated: delegate.is_some(),
                    value,
                    transfers_value: transfers && has_value,
                    gas_limit: child,
                    is_static,
                    input_offset: io,
                    input_len: il,
                }));
            }
            RETURN | REVERT => {
                let off = pop!();
                let len = pop!();
                let (o, l) = mem!(off, len);
                save!();
                return Some(if op == RETURN {
                    FrameExit::Return { offset: o, len: l }
                } else {
                    FrameExit::Revert { offset: o, len: l }
                });
            }
            SELFDESTRUCT => {
                if f.is_static {
                    halt!(HaltReason::StaticViolation);
                }
                let target = addr_of(pop!());
                let o = cx.system.selfdestruct(f.address, target);
                if spec >= SpecId::Berlin && o.target_is_cold {
                    charge!(gas::COLD_ACCOUNT_EXTRA + gas::WARM_ACCESS);
                }
                if spec >= SpecId::TangerineWhistle {
                    let new_account = if spec >= SpecId::SpuriousDragon {
                        o.had_value && !o.target_live
                    } else {
                        !o.target_exists
                    };
                    if new_account {
                        charge!(gas::NEW_ACCOUNT);
                    }
                }
                if spec < SpecId::London && !o.previously_destroyed {
                    cx.system.add_refund(24000);
                }
                save!();
                return Some(FrameExit::Return { offset: 0, len: 0 });
            }
            _ => halt!(HaltReason::InvalidOpcode),
        }
        if ONE {
            save!();
            return None;
        }
    }
}

/// Hands a finished child's outcome to its parent: gas back, status word on the stack, and
/// the output copied into the parent's memory.
pub fn resume(f: &mut EvmFrame, outcome: ChildOutcome, arena: &mut Arena) {
    let is_create = f.pending_create;
    f.gas = f.gas.saturating_add(outcome.gas_left);
    f.enter_pending = true;
    let stack = arena.stack_ptr(f.depth);
    let word = if is_create {
        outcome.created.map(word_of).unwrap_or_default()
    } else {
        let n = f.ret_len.min(arena.returndata().len());
        if n > 0 {
            let (mem, _, returndata) = arena.split(&f.mem);
            mem[f.ret_offset..f.ret_offset + n].copy_from_slice(&returndata[..n]);
        }
        if outcome.success {
            U256::from(1u8)
        } else {
            U256::ZERO
        }
    };
    // SAFETY: the request popped at least 3 words, so there is room for the result.
    unsafe { stack.add(f.stack_len).write(word) };
    f.stack_len += 1;
}

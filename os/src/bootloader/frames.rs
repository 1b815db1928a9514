//! The frame driver: runs a transaction's message call as an explicit stack of frames.
//!
//! An EE frame runs until it asks for a child (call, create) or ends; the driver starts the
//! child (or answers at once: precompiles, empty code, failed preconditions), and when a frame
//! ends it settles it (commit or revert, code deposit, returndata) and resumes the parent.
//! The host stack never grows with the call depth.

use crate::arena::FrameMemory;
use crate::ee::{
    CallKind, CallRequest, ChildOutcome, CreateRequest, ExecContext, ExecutionEnvironment,
    FrameExit, FrameSetup,
};
use crate::evm::gas;
use crate::precompiles;
use crate::system::Checkpoint;
use crate::types::{HaltReason, SpecId, TxStatus};
use alloc::vec::Vec;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};

/// Deepest call nesting the EVM allows (the transaction frame is depth 0).
pub const MAX_CALL_DEPTH: usize = 1024;

/// What a live frame is, besides its EE state.
pub struct FrameRecord<F> {
    pub frame: F,
    pub checkpoint: Checkpoint,
    /// `Some(address)` when the frame runs init code for that address.
    pub creating: Option<Address>,
    pub depth: usize,
}

/// How the transaction's outermost frame ended.
pub struct TopOutcome {
    pub status: TxStatus,
    pub gas_left: u64,
    pub output: Bytes,
    pub created: Option<Address>,
}

/// What the transaction asks to run first.
pub enum TopRequest {
    Call {
        caller: Address,
        to: Address,
        value: U256,
        gas_limit: u64,
    },
    Create {
        caller: Address,
        value: U256,
        gas_limit: u64,
        address: Address,
    },
    /// A system call of block processing: no value, and the caller (the system address) is
    /// neither read nor touched, so it need not be in the state or the witness.
    System {
        caller: Address,
        to: Address,
        gas_limit: u64,
    },
}

enum Start<F> {
    Frame(FrameRecord<F>),
    Done(ChildOutcome, TxStatus),
}

/// The address of a CREATE: keccak256(rlp([sender, nonce]))[12..].
pub fn create_address(sender: Address, nonce: u64) -> Address {
    let mut buf = [0u8; 1 + 21 + 9];
    let nonce_bytes = nonce.to_be_bytes();
    let skip = nonce_bytes.iter().take_while(|b| **b == 0).count();
    let nonce_len = 8 - skip;
    let nonce_enc_len = if nonce == 0 || (nonce_len == 1 && nonce_bytes[7] < 0x80) {
        1
    } else {
        1 + nonce_len
    };
    buf[0] = 0xc0 + (21 + nonce_enc_len) as u8;
    buf[1] = 0x94;
    buf[2..22].copy_from_slice(sender.as_slice());
    if nonce == 0 {
        buf[22] = 0x80;
    } else if nonce_enc_len == 1 {
        buf[22] = nonce_bytes[7];
    } else {
        buf[22] = 0x80 + nonce_len as u8;
        buf[23..23 + nonce_len].copy_from_slice(&nonce_bytes[skip..]);
    }
    Address::from_slice(&keccak256(&buf[..22 + nonce_enc_len])[12..])
}

/// The address of a CREATE2: keccak256(0xff ++ sender ++ salt ++ keccak256(init))[12..].
pub fn create2_address(sender: Address, salt: U256, init_hash: B256) -> Address {
    let mut buf = [0u8; 85];
    buf[0] = 0xff;
    buf[1..21].copy_from_slice(sender.as_slice());
    buf[21..53].copy_from_slice(&salt.to_be_bytes::<32>());
    buf[53..85].copy_from_slice(init_hash.as_slice());
    Address::from_slice(&keccak256(buf)[12..])
}

/// Runs the transaction's message call to completion.
pub fn execute<E: ExecutionEnvironment>(
    ee: &mut E,
    frames: &mut Vec<FrameRecord<E::Frame>>,
    cx: &mut ExecContext<'_, '_>,
    pre_out: &mut Vec<u8>,
    request: TopRequest,
    calldata: &[u8],
) -> TopOutcome {
    frames.clear();
    let start = match request {
        TopRequest::Call {
            caller,
            to,
            value,
            gas_limit,
        } => {
            // EIP-7702: the transaction's own call runs the designated code, whose account
            // becomes warm at no charge.
            let delegate = match cx.system.spec() >= SpecId::Prague {
                true => cx.system.delegation(to),
                false => None,
            };
            if let Some(d) = delegate {
                cx.system.warm_account(d);
            }
            let req = CallRequest {
                kind: CallKind::Call,
                caller,
                target: to,
                code_address: delegate.unwrap_or(to),
                delegated: delegate.is_some(),
                value,
                transfers_value: true,
                gas_limit,
                is_static: false,
                input_offset: 0,
                input_len: calldata.len(),
            };
            start_call(ee, cx, pre_out, &req, 0, Input::Tx(calldata), false)
        }
        TopRequest::System {
            caller,
            to,
            gas_limit,
        } => {
            let req = CallRequest {
                kind: CallKind::Call,
                caller,
                target: to,
                code_address: to,
                delegated: false,
                value: U256::ZERO,
                transfers_value: false,
                gas_limit,
                is_static: false,
                input_offset: 0,
                input_len: calldata.len(),
            };
            start_call(ee, cx, pre_out, &req, 0, Input::Tx(calldata), true)
        }
        TopRequest::Create {
            caller,
            value,
            gas_limit,
            address,
        } => start_create_at(ee, cx, caller, value, gas_limit, address, calldata, 0),
    };
    match start {
        Start::Frame(rec) => push_frame(frames, rec, cx),
        Start::Done(outcome, status) => return top_outcome(outcome, status, cx),
    }
    loop {
        let rec = frames.last_mut().expect("a live frame");
        let exit = ee.run(&mut rec.frame, cx);
        let depth = rec.depth;
        match exit {
            FrameExit::Call(req) => {
                let parent_mem = *ee.memory(&rec.frame);
                let start = if depth >= MAX_CALL_DEPTH {
                    cx.arena.clear_returndata();
                    Start::Done(
                        fail_keep_gas(req.gas_limit),
                        TxStatus::Halt(HaltReason::CallDepth),
                    )
                } else {
                    let input = Input::Parent(parent_mem);
                    start_call(ee, cx, pre_out, &req, depth + 1, input, false)
                };
                match start {
                    Start::Frame(child) => push_frame(frames, child, cx),
                    Start::Done(outcome, _) => {
                        let rec = frames.last_mut().expect("a live frame");
                        ee.resume(&mut rec.frame, outcome, cx);
                    }
                }
            }
            FrameExit::Create(req) => {
                let parent_mem = *ee.memory(&rec.frame);
                let start = start_create(ee, cx, &req, depth + 1, &parent_mem);
                match start {
                    Start::Frame(child) => push_frame(frames, child, cx),
                    Start::Done(outcome, _) => {
                        let rec = frames.last_mut().expect("a live frame");
                        ee.resume(&mut rec.frame, outcome, cx);
                    }
                }
            }
            FrameExit::Return { .. } | FrameExit::Revert { .. } | FrameExit::Halt(_) => {
                let rec = frames.pop().expect("a live frame");
                let (outcome, status) = settle(ee, cx, &rec, exit);
                cx.arena.pop_frame(ee.memory(&rec.frame));
                match frames.last_mut() {
                    Some(parent) => ee.resume(&mut parent.frame, outcome, cx),
                    None => return top_outcome(outcome, status, cx),
                }
            }
        }
    }
}

/// Makes `rec` the running frame. A frame starts with empty return data (EIP-211: it is the
/// output of the last call *this* frame made), so the buffer its caller's earlier children
/// left behind is forgotten here, the one place every frame passes through.
#[inline]
fn push_frame<F>(
    frames: &mut Vec<FrameRecord<F>>,
    rec: FrameRecord<F>,
    cx: &mut ExecContext<'_, '_>,
) {
    cx.arena.clear_returndata();
    frames.push(rec);
}

fn top_outcome(
    outcome: ChildOutcome,
    status: TxStatus,
    cx: &mut ExecContext<'_, '_>,
) -> TopOutcome {
    let output = if matches!(status, TxStatus::Halt(_)) || outcome.created.is_some() {
        Bytes::new()
    } else {
        Bytes::copy_from_slice(cx.arena.returndata())
    };
    TopOutcome {
        status,
        gas_left: outcome.gas_left,
        output,
        created: outcome.created,
    }
}

#[inline]
fn fail_keep_gas(gas_left: u64) -> ChildOutcome {
    ChildOutcome {
        success: false,
        gas_left,
        created: None,
    }
}

/// A call that runs no code (empty account): success, no output, all gas back.
fn succeed_empty<F>(cx: &mut ExecContext<'_, '_>, gas_left: u64) -> Start<F> {
    cx.arena.clear_returndata();
    let outcome = ChildOutcome {
        success: true,
        gas_left,
        created: None,
    };
    Start::Done(outcome, TxStatus::Success)
}

enum Input<'a> {
    Tx(&'a [u8]),
    Parent(FrameMemory),
}

fn start_call<E: ExecutionEnvironment>(
    ee: &mut E,
    cx: &mut ExecContext<'_, '_>,
    pre_out: &mut Vec<u8>,
    req: &CallRequest,
    depth: usize,
    input: Input<'_>,
    system_call: bool,
) -> Start<E::Frame> {
    let spec = cx.system.spec();
    if req.transfers_value && depth > 0 && cx.system.info(req.caller).balance < req.value {
        cx.arena.clear_returndata();
        return Start::Done(
            fail_keep_gas(req.gas_limit),
            TxStatus::Halt(HaltReason::OutOfFunds),
        );
    }
    let checkpoint = cx.system.checkpoint();
    let is_precompile = !req.delegated && precompiles::is_precompile(&req.code_address, spec);
    match req.kind {
        CallKind::Call if system_call => {
            if !cx.system.exists(req.target) {
                return succeed_empty(cx, req.gas_limit);
            }
        }
        CallKind::Call => {
            if spec >= SpecId::SpuriousDragon
                && req.value.is_zero()
                && !is_precompile
                && !cx.system.exists(req.target)
            {
                return succeed_empty(cx, req.gas_limit);
            }
            cx.system.transfer(req.caller, req.target, req.value);
        }
        CallKind::CallCode => {
            cx.system.touch(req.caller);
        }
        CallKind::StaticCall => cx.system.touch(req.target),
        CallKind::DelegateCall => {}
    }
    if is_precompile {
        let result = {
            let data: &[u8] = match input {
                Input::Tx(d) => d,
                Input::Parent(mem) => {
                    &cx.arena.memory(&mem)[req.input_offset..req.input_offset + req.input_len]
                }
            };
            precompiles::run(&req.code_address, data, req.gas_limit, spec, pre_out)
        };
        return match result {
            Ok(used) => {
                if cx.arena.set_returndata(pre_out).is_err() {
                    cx.system.revert(checkpoint);
                    cx.arena.clear_returndata();
                    return Start::Done(fail_keep_gas(0), TxStatus::Halt(HaltReason::MemoryLimit));
                }
                let outcome = ChildOutcome {
                    success: true,
                    gas_left: req.gas_limit - used,
                    created: None,
                };
                Start::Done(outcome, TxStatus::Success)
            }
            Err(e) => {
                cx.system.revert(checkpoint);
                cx.arena.clear_returndata();
                let reason = match e {
                    precompiles::PrecompileError::OutOfGas => HaltReason::OutOfGas,
                    precompiles::PrecompileError::Failure => HaltReason::PrecompileFailure,
                };
                Start::Done(fail_keep_gas(0), TxStatus::Halt(reason))
            }
        };
    }
    let (hash, code) = cx.system.code(req.code_address);
    if code.is_empty() {
        return succeed_empty(cx, req.gas_limit);
    }
    let prepared = ee.prepare_code(hash, &code);
    let mem = match input {
        Input::Tx(d) => cx.arena.push_frame(d),
        Input::Parent(parent) => {
            cx.arena
                .push_frame_from_memory(&parent, req.input_offset, req.input_len)
        }
    };
    let mem = match mem {
        Ok(m) => m,
        Err(_) => {
            cx.system.revert(checkpoint);
            cx.arena.clear_returndata();
            return Start::Done(fail_keep_gas(0), TxStatus::Halt(HaltReason::MemoryLimit));
        }
    };
    let setup = FrameSetup {
        address: req.target,
        caller: req.caller,
        code_address: req.code_address,
        value: req.value,
        gas_limit: req.gas_limit,
        is_static: req.is_static,
        depth,
        is_create: false,
    };
    let frame = ee.new_frame(setup, prepared, mem);
    Start::Frame(FrameRecord {
        frame,
        checkpoint,
        creating: None,
        depth,
    })
}

fn start_create<E: ExecutionEnvironment>(
    ee: &mut E,
    cx: &mut ExecContext<'_, '_>,
    req: &CreateRequest,
    depth: usize,
    parent_mem: &FrameMemory,
) -> Start<E::Frame> {
    let fail = |cx: &mut ExecContext<'_, '_>, reason| {
        cx.arena.clear_returndata();
        Start::Done(fail_keep_gas(req.gas_limit), TxStatus::Halt(reason))
    };
    if depth > MAX_CALL_DEPTH {
        return fail(cx, HaltReason::CallDepth);
    }
    if cx.system.info(req.caller).balance < req.value {
        return fail(cx, HaltReason::OutOfFunds);
    }
    let init: Bytes = Bytes::copy_from_slice(
        &cx.arena.memory(parent_mem)[req.init_offset..req.init_offset + req.init_len],
    );
    let nonce = match cx.system.bump_nonce(req.caller) {
        Some(n) => n,
        None => return fail(cx, HaltReason::NonceOverflow),
    };
    let address = match req.salt {
        Some(salt) => create2_address(req.caller, salt, keccak256(&init)),
        None => create_address(req.caller, nonce),
    };
    start_create_at(
        ee,
        cx,
        req.caller,
        req.value,
        req.gas_limit,
        address,
        &init,
        depth,
    )
}

#[allow(clippy::too_many_arguments)]
fn start_create_at<E: ExecutionEnvironment>(
    ee: &mut E,
    cx: &mut ExecContext<'_, '_>,
    caller: Address,
    value: U256,
    gas_limit: u64,
    address: Address,
    init: &[u8],
    depth: usize,
) -> Start<E::Frame> {
    let spec = cx.system.spec();
    if spec >= SpecId::Berlin {
        cx.system.warm_account(address);
    }
    let checkpoint = cx.system.checkpoint();
    let target = cx.system.info(address);
    if target.nonce != 0
        || target.code_hash != crate::types::KECCAK_EMPTY
        || cx.system.has_storage(address)
    {
        cx.arena.clear_returndata();
        return Start::Done(
            fail_keep_gas(0),
            TxStatus::Halt(HaltReason::CreateCollision),
        );
    }
    cx.system.create_account(address);
    cx.system.transfer(caller, address, value);
    let mem = match cx.arena.push_frame(&[]) {
        Ok(m) => m,
        Err(_) => {
            cx.system.revert(checkpoint);
            cx.arena.clear_returndata();
            return Start::Done(fail_keep_gas(0), TxStatus::Halt(HaltReason::MemoryLimit));
        }
    };
    let prepared = ee.prepare_init_code(init);
    let setup = FrameSetup {
        address,
        caller,
        code_address: address,
        value,
        gas_limit,
        is_static: false,
        depth,
        is_create: true,
    };
    let frame = ee.new_frame(setup, prepared, mem);
    Start::Frame(FrameRecord {
        frame,
        checkpoint,
        creating: Some(address),
        depth,
    })
}

/// Settles an ended frame: commit or revert, code deposit for creates, returndata.
fn settle<E: ExecutionEnvironment>(
    ee: &mut E,
    cx: &mut ExecContext<'_, '_>,
    rec: &FrameRecord<E::Frame>,
    exit: FrameExit,
) -> (ChildOutcome, TxStatus) {
    let spec = cx.system.spec();
    let mem = *ee.memory(&rec.frame);
    let gas_left = ee.gas_left(&rec.frame);
    let halt = |cx: &mut ExecContext<'_, '_>, reason: HaltReason| {
        cx.system.revert(rec.checkpoint);
        cx.arena.clear_returndata();
        (
            ChildOutcome {
                success: false,
                gas_left: 0,
                created: None,
            },
            TxStatus::Halt(reason),
        )
    };
    match exit {
        FrameExit::Halt(reason) => halt(cx, reason),
        FrameExit::Revert { offset, len } => {
            cx.system.revert(rec.checkpoint);
            if cx
                .arena
                .set_returndata_from_memory(&mem, offset, len)
                .is_err()
            {
                cx.arena.clear_returndata();
            }
            (
                ChildOutcome {
                    success: false,
                    gas_left,
                    created: None,
                },
                TxStatus::Revert,
            )
        }
        FrameExit::Return { offset, len } => match rec.creating {
            None => {
                if cx
                    .arena
                    .set_returndata_from_memory(&mem, offset, len)
                    .is_err()
                {
                    return halt(cx, HaltReason::MemoryLimit);
                }
                (
                    ChildOutcome {
                        success: true,
                        gas_left,
                        created: None,
                    },
                    TxStatus::Success,
                )
            }
            Some(address) => {
                let code = &cx.arena.memory(&mem)[offset..offset + len];
                if spec >= SpecId::SpuriousDragon && len > gas::MAX_CODE_SIZE {
                    return halt(cx, HaltReason::CodeSizeLimit);
                }
                if spec >= SpecId::London && code.first() == Some(&0xef) {
                    return halt(cx, HaltReason::InvalidCodePrefix);
                }
                let deposit = gas::CODE_DEPOSIT * len as u64;
                let mut gas_left = gas_left;
                if gas_left < deposit {
                    if spec >= SpecId::Homestead {
                        return halt(cx, HaltReason::OutOfGas);
                    }
                } else {
                    gas_left -= deposit;
                    let code = Bytes::copy_from_slice(code);
                    let hash = keccak256(&code);
                    cx.system.set_code(address, code, hash);
                }
                cx.arena.clear_returndata();
                (
                    ChildOutcome {
                        success: true,
                        gas_left,
                        created: Some(address),
                    },
                    TxStatus::Success,
                )
            }
        },
        FrameExit::Call(_) | FrameExit::Create(_) => {
            unreachable!("settle is called on ended frames")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn create_addresses_match_known_values() {
        let sender = address!("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
        assert_eq!(
            create_address(sender, 0),
            address!("cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d")
        );
        assert_eq!(
            create_address(sender, 1),
            address!("343c43a37d37dff08ae8c4a11544c718abb4fcf8")
        );
        assert_eq!(
            create_address(sender, 2),
            address!("f778b86fa74e846c4f0a1fbd1335fe81c00a0c91")
        );
        assert_eq!(
            create_address(sender, 3),
            address!("fffd933a0bc612844eaf0c6fe3e5b8e9b6c1d19c")
        );
    }

    #[test]
    fn create2_address_matches_eip_1014_example() {
        // EIP-1014 example 0: address 0, salt 0, init code 0x00.
        let a = create2_address(Address::ZERO, U256::ZERO, keccak256([0u8]));
        assert_eq!(a, address!("4D1A2e2bB4F88F0250f26Ffff098B0b30B26BF38"));
    }
}

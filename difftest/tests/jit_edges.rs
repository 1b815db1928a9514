//! The JIT at the edges, per opcode family: each program runs on the interpreter and on the
//! JIT (every contract compiled), which must produce the same receipt (status and halt
//! reason, gas, refund, output, logs) and state diff; and each asserts the outcome the EVM
//! defines, so agreement on a wrong answer fails too.

use alloy_primitives::{address, Address, Bytes, U256};
use zkos_evm_jit::{backend_failures, JitEngine, Mode};
use zkos_os::arena::Arena;
use zkos_os::bootloader::Bootloader;
use zkos_os::ee::ExecutionEnvironment;
use zkos_os::evm::EvmInterpreter;
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::types::{BlockEnv, BlockResult, HaltReason, SpecId, TxEnv, TxReceipt, TxStatus};

const SENDER: Address = address!("00000000000000000000000000000000000a11ce");
const CONTRACT: Address = address!("00000000000000000000000000000000c0de0001");

fn oracle(spec: SpecId, code: &[u8], gas_limit: u64, data: &[u8]) -> InMemoryOracle {
    let block = BlockEnv {
        spec,
        chain_id: 1,
        number: 100,
        gas_limit: 1 << 40,
        base_fee: U256::from(1u8),
        ..Default::default()
    };
    let tx = TxEnv {
        caller: SENDER,
        to: Some(CONTRACT),
        gas_limit,
        gas_price: U256::from(1u8),
        data: Bytes::copy_from_slice(data),
        ..Default::default()
    };
    let mut o = InMemoryOracle::new(block, vec![tx]);
    o.insert_account(
        SENDER,
        GenesisAccount {
            balance: U256::from(1u128 << 100),
            ..Default::default()
        },
    );
    o.insert_account(
        CONTRACT,
        GenesisAccount {
            code: Bytes::copy_from_slice(code),
            ..Default::default()
        },
    );
    o
}

fn run<E: ExecutionEnvironment>(ee: E, o: &InMemoryOracle) -> BlockResult {
    Bootloader::with_parts(Arena::new(), ee).run_block(o)
}

/// Runs `code` with `gas` on both engines, checks they agree, returns the receipt.
fn both(spec: SpecId, code: &[u8], gas: u64) -> TxReceipt {
    both_with_data(spec, code, gas, &[])
}

/// As [`both`], with calldata.
fn both_with_data(spec: SpecId, code: &[u8], gas: u64, data: &[u8]) -> TxReceipt {
    let o = oracle(spec, code, gas, data);
    let before = backend_failures();
    let interp = run(EvmInterpreter::new(spec), &o);
    let jit = run(JitEngine::new(Mode::Jit, spec), &o);
    assert_eq!(backend_failures(), before, "the JIT refused {}", hex(code));
    assert_eq!(
        interp.receipts,
        jit.receipts,
        "receipts differ on {}",
        hex(code)
    );
    assert_eq!(
        interp.state_diff,
        jit.state_diff,
        "state differs on {}",
        hex(code)
    );
    interp.receipts.into_iter().next().expect("one receipt")
}

fn hex(code: &[u8]) -> String {
    code.iter().map(|b| format!("{b:02x}")).collect()
}

fn status(r: &TxReceipt) -> TxStatus {
    r.result.clone().expect("the transaction is valid")
}

/// The code returns the 32-byte word on top of the stack.
fn returning(mut body: Vec<u8>) -> Vec<u8> {
    body.extend([0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]); // PUSH0 MSTORE PUSH1 32 PUSH0 RETURN
    body
}

fn word(r: &TxReceipt) -> U256 {
    assert_eq!(status(r), TxStatus::Success, "{r:?}");
    U256::from_be_slice(&r.output)
}

const GAS: u64 = 1_000_000;
const S: SpecId = SpecId::Osaka;

#[test]
fn empty_code_and_stop() {
    assert_eq!(status(&both(S, &[], GAS)), TxStatus::Success);
    assert_eq!(status(&both(S, &[0x00], GAS)), TxStatus::Success);
}

#[test]
fn push_truncated_by_the_end_reads_zeros() {
    // PUSH32 with two bytes of data: the value is 0xaabb followed by 30 zero bytes, then
    // the implicit STOP; SSTORE it through a second contract would be longer: return it.
    let mut code = vec![0x7f, 0xaa, 0xbb];
    // No room for anything after a truncated push; the frame stops with empty output.
    assert_eq!(status(&both(S, &code, GAS)), TxStatus::Success);
    // The value itself: PUSH2 0xaabb is not the same as a truncated PUSH3.
    code = returning(vec![0x62, 0xaa, 0xbb, 0xcc]);
    assert_eq!(word(&both(S, &code, GAS)), U256::from(0xaabbccu32));
}

#[test]
fn arithmetic_and_comparisons_match_the_word_semantics() {
    let max = [0xff; 32];
    let p = |a: &[u8; 32], b: &[u8; 32], op: u8| {
        let mut code = vec![0x7f];
        code.extend(b);
        code.push(0x7f);
        code.extend(a);
        code.push(op);
        word(&both(S, &returning(code), GAS))
    };
    let one = {
        let mut w = [0u8; 32];
        w[31] = 1;
        w
    };
    let sign = {
        let mut w = [0u8; 32];
        w[0] = 0x80;
        w
    };
    assert_eq!(p(&max, &one, 0x01), U256::ZERO); // ADD wraps
    assert_eq!(p(&one, &max, 0x03), U256::from(2u8)); // SUB wraps: 1 - (2^256-1)
    assert_eq!(p(&max, &max, 0x02), U256::from(1u8)); // MUL: (-1)(-1)
    assert_eq!(p(&one, &max, 0x10), U256::from(1u8)); // LT
    assert_eq!(p(&one, &max, 0x12), U256::ZERO); // SLT: 1 < -1 is false
    assert_eq!(p(&sign, &one, 0x12), U256::from(1u8)); // SLT: -2^255 < 1
    assert_eq!(p(&max, &max, 0x14), U256::from(1u8)); // EQ
    assert_eq!(p(&max, &one, 0x04), U256::MAX); // DIV
    assert_eq!(p(&sign, &max, 0x05), U256::from_be_bytes(sign)); // SDIV overflow case
}

/// The JIT folds constant limbs (zero, one, all ones) as it builds each operation: every
/// binary operation on words whose limbs take those values, with each operand a constant
/// or a runtime value (through memory), gives the word semantics' answer.
#[test]
fn constant_and_runtime_limbs_fold_exactly() {
    let limbs = |l: [u64; 4]| U256::from_limbs(l);
    let words = [
        U256::ZERO,
        U256::from(1u8),
        U256::MAX,
        limbs([0, 1, 0, 0]),
        limbs([u64::MAX, 0, 0, 0]),
        limbs([u64::MAX, u64::MAX, u64::MAX, 0]),
        limbs([0, 0, u64::MAX, 1 << 63]),
        limbs([0x1234_5678_9abc_def0, 1, u64::MAX, 7]),
    ];
    type WordOp = fn(U256, U256) -> U256;
    let ops: [(u8, WordOp); 11] = [
        (0x01, |a, b| a.wrapping_add(b)),
        (0x02, |a, b| a.wrapping_mul(b)),
        (0x03, |a, b| a.wrapping_sub(b)),
        (0x10, |a, b| U256::from((a < b) as u8)),
        (0x11, |a, b| U256::from((a > b) as u8)),
        (0x12, |a, b| U256::from(slt_w(a, b) as u8)),
        (0x13, |a, b| U256::from(slt_w(b, a) as u8)),
        (0x14, |a, b| U256::from((a == b) as u8)),
        (0x16, |a, b| a & b),
        (0x17, |a, b| a | b),
        (0x18, |a, b| a ^ b),
    ];
    fn slt_w(a: U256, b: U256) -> bool {
        let s = U256::from(1u8) << 255;
        (a ^ s) < (b ^ s)
    }
    // PUSH32 w, or PUSH32 w PUSH1 0x40 MSTORE PUSH1 0x40 MLOAD (a runtime value).
    let push = |code: &mut Vec<u8>, w: U256, runtime: bool| {
        code.push(0x7f);
        code.extend(w.to_be_bytes::<32>());
        if runtime {
            code.extend([0x60, 0x40, 0x52, 0x60, 0x40, 0x51]);
        }
    };
    for (op, f) in ops {
        for &a in &words {
            for &b in &words {
                for (ra, rb) in [(false, true), (true, false), (true, true)] {
                    let mut code = Vec::new();
                    push(&mut code, b, rb);
                    push(&mut code, a, ra);
                    code.push(op);
                    // The unary ones on the result too: (r + ISZERO r) ^ (NOT r << 1).
                    code.extend([0x80, 0x15, 0x81, 0x01, 0x90, 0x19, 0x60, 0x01, 0x1b, 0x18]);
                    let got = word(&both(S, &returning(code.clone()), GAS));
                    let r = f(a, b);
                    let want = r.wrapping_add(U256::from(r.is_zero() as u8)) ^ ((!r) << 1);
                    assert_eq!(got, want, "op {op:#04x} on {a:#x}, {b:#x} ({})", hex(&code));
                }
            }
        }
    }
}

#[test]
fn shifts_by_constants_and_by_values() {
    // x = 0x8000..0001; every shift amount class: 0, 1, 63, 64, 65, 128, 255, 256, huge.
    let mut x = [0u8; 32];
    x[0] = 0x80;
    x[31] = 1;
    let xv = U256::from_be_bytes(x);
    for s in [0u64, 1, 63, 64, 65, 127, 128, 191, 255, 256, 1000] {
        for op in [0x1b, 0x1c, 0x1d] {
            // Constant shift: PUSH32 x, PUSH8 s, OP.
            let mut code = vec![0x7f];
            code.extend(x);
            code.push(0x67);
            code.extend(s.to_be_bytes());
            code.push(op);
            let constant = word(&both(S, &returning(code.clone()), GAS));
            // Shift amount from CALLDATASIZE-free runtime value: s as ADD of two halves.
            let mut dynamic = vec![0x7f];
            dynamic.extend(x);
            dynamic.push(0x67);
            dynamic.extend((s / 2).to_be_bytes());
            dynamic.push(0x67);
            dynamic.extend((s - s / 2).to_be_bytes());
            // Through memory so the amount is not a compile-time constant.
            dynamic.extend([0x01, 0x5f, 0x52, 0x5f, 0x51, op]);
            let runtime = word(&both(S, &returning(dynamic), GAS));
            let shift = U256::from(s);
            let want = match op {
                0x1b => zkos_os::evm::arith::shl(shift, xv),
                0x1c => zkos_os::evm::arith::shr(shift, xv),
                _ => zkos_os::evm::arith::sar(shift, xv),
            };
            assert_eq!(constant, want, "op {op:#x} by {s}");
            assert_eq!(runtime, want, "op {op:#x} by {s} (runtime amount)");
        }
    }
}

/// PUSH32 w, or (`runtime`) the same through memory so the JIT cannot fold it.
fn push_word(code: &mut Vec<u8>, w: U256, runtime: bool) {
    code.push(0x7f);
    code.extend(w.to_be_bytes::<32>());
    if runtime {
        code.extend([0x60, 0x40, 0x52, 0x60, 0x40, 0x51]);
    }
}

/// The builtins and their constant special cases (division by zero and by powers of two,
/// BYTE and SIGNEXTEND at constant indices) against the word semantics, each operand a
/// constant or a runtime value.
#[test]
fn division_exp_byte_and_signextend_by_constants_and_values() {
    use zkos_os::evm::arith;
    let sign = U256::from(1u8) << 255;
    let words = [
        U256::ZERO,
        U256::from(1u8),
        U256::from(2u8),
        U256::from(31u8),
        U256::from(32u8),
        U256::from(256u16),
        U256::from(1u8) << 64,
        (U256::from(1u8) << 128) + U256::from(3u8),
        sign,
        U256::MAX,
        U256::MAX - U256::from(1u8),
        U256::from_limbs([0x1234_5678_9abc_def0, 0x8000_0000_0000_0001, 7, 1 << 62]),
    ];
    type WordOp = fn(U256, U256) -> U256;
    let ops: [(u8, WordOp); 10] = [
        (0x04, arith::div),
        (0x05, arith::sdiv),
        (0x06, arith::rem),
        (0x07, arith::smod),
        (0x0a, arith::exp),
        (0x0b, arith::signextend),
        (0x1a, arith::byte),
        (0x1b, arith::shl),
        (0x1c, arith::shr),
        (0x1d, arith::sar),
    ];
    for (op, f) in ops {
        for &a in &words {
            for &b in &words {
                for (ra, rb) in [(false, false), (false, true), (true, false), (true, true)] {
                    let mut code = Vec::new();
                    push_word(&mut code, b, rb);
                    push_word(&mut code, a, ra);
                    code.push(op);
                    let got = word(&both(S, &returning(code.clone()), 10_000_000));
                    assert_eq!(
                        got,
                        f(a, b),
                        "op {op:#04x} on {a:#x}, {b:#x} ({})",
                        hex(&code)
                    );
                }
            }
        }
    }
    type TernaryOp = fn(U256, U256, U256) -> U256;
    let ternary: [(u8, TernaryOp); 2] = [(0x08, arith::addmod), (0x09, arith::mulmod)];
    let few = [words[0], words[2], words[7], words[9], words[11]];
    for (op, f) in ternary {
        for &a in &few {
            for &b in &few {
                for &n in &few {
                    for runtime in [false, true] {
                        let mut code = Vec::new();
                        push_word(&mut code, n, runtime);
                        push_word(&mut code, b, runtime);
                        push_word(&mut code, a, !runtime);
                        code.push(op);
                        let got = word(&both(S, &returning(code.clone()), GAS));
                        assert_eq!(got, f(a, b, n), "op {op:#04x} ({})", hex(&code));
                    }
                }
            }
        }
    }
    for &x in &words {
        let mut code = Vec::new();
        push_word(&mut code, x, true);
        code.push(0x1e); // CLZ
        let got = word(&both(S, &returning(code), GAS));
        assert_eq!(got, U256::from(x.leading_zeros()));
    }
}

/// Runs `code` with `gas` on both engines and checks it succeeds exactly when `gas` is at
/// least `need`, running out of gas below; returns the receipt.
fn succeeds_from(code: &[u8], need: u64, gas: u64) -> TxReceipt {
    let r = both(S, code, gas);
    let want = if gas >= need {
        TxStatus::Success
    } else {
        TxStatus::Halt(HaltReason::OutOfGas)
    };
    assert_eq!(status(&r), want, "{} with gas {gas}", hex(code));
    r
}

/// EXP charges per byte of its exponent, inside a block whose static gas is charged in
/// advance: every gas limit around the boundary, with instructions after it in the block.
#[test]
fn exp_and_memory_growth_charge_exactly() {
    // PUSH2 0x0102 (exponent, 2 bytes: 100 gas) PUSH1 3 EXP (10) POP (2) PUSH1 0 (3) POP (2).
    let code = [0x61, 0x01, 0x02, 0x60, 0x03, 0x0a, 0x50, 0x60, 0x00, 0x50];
    let need = 21_000 + 3 + 3 + 10 + 100 + 2 + 3 + 2;
    for g in need - 3..=need + 1 {
        succeeds_from(&code, need, g);
    }
    // Memory grown one word at a time at a runtime offset (the growth builtin), then more
    // instructions in the block: MSTORE(CALLDATASIZE + 32 * i, i) for i in 0..4.
    let mut code = Vec::new();
    for i in 0..4u8 {
        code.extend([0x60, i, 0x60, 32 * i, 0x36, 0x01, 0x52]);
    }
    code.extend([0x60, 0x00, 0x50]);
    // 4 * (3 + 3 + 2 + 3 + 3) static, 3 + 2 after; memory: 4 words = 12 + 0 (quadratic
    // term 16 / 512 = 0).
    let need = 21_000 + 4 * 14 + 5 + 12;
    for g in need - 2..=need + 1 {
        succeeds_from(&code, need, g);
    }
}

/// The state and hashing builtins around their gas boundaries, where each either does its
/// work or hands the instruction to the interpreter: SLOAD of a cold slot, SSTORE of a
/// fresh cold slot (the dearest store: EIP-2200's sentry and SSTORE_MAX lie on the way),
/// TSTORE/TLOAD, KECCAK256 that grows memory, LOG2 with data.
#[test]
fn storage_hashing_and_logs_charge_exactly_at_the_boundary() {
    // (code, gas the code needs after the intrinsic 21000)
    let cases: Vec<(Vec<u8>, u64)> = vec![
        // PUSH1 7 SLOAD POP: 3 + 2100 + 2
        (vec![0x60, 7, 0x54, 0x50], 2105),
        // PUSH1 1 PUSH1 7 SSTORE: 3 + 3 + 22100
        (vec![0x60, 1, 0x60, 7, 0x55], 22106),
        // PUSH1 1 PUSH1 7 TSTORE PUSH1 7 TLOAD POP: 3 + 3 + 100 + 3 + 100 + 2
        (vec![0x60, 1, 0x60, 7, 0x5d, 0x60, 7, 0x5c, 0x50], 211),
        // PUSH1 64 PUSH0 KECCAK256 POP: 3 + 2 + 30 + 2 * 6 + 6 (two words of memory) + 2
        (vec![0x60, 64, 0x5f, 0x20, 0x50], 55),
        // PUSH1 2 PUSH1 1 PUSH1 40 PUSH0 LOG2: 4 * 3 - 1 + 375 * 3 + 8 * 40 + 6 (memory)
        (
            vec![0x60, 2, 0x60, 1, 0x60, 40, 0x5f, 0xa2],
            11 + 1125 + 320 + 6,
        ),
    ];
    for (code, need) in cases {
        for g in [need - 1, need, need + 1, need + 30_000] {
            let r = succeeds_from(&code, 21_000 + need, 21_000 + g);
            if g >= need {
                assert_eq!(r.gas_used, 21_000 + need, "{}", hex(&code));
            }
        }
    }
}

/// CALLDATALOAD inside, across and past the end of the calldata, and the environment
/// getters, each against what the EVM defines for this transaction.
#[test]
fn calldataload_and_the_environment_getters() {
    // CALLDATALOAD at a runtime offset of 0 with no calldata: zero; CALLDATASIZE: zero.
    let code = returning(vec![0x36, 0x35, 0x36, 0x01]);
    assert_eq!(word(&both(S, &code, GAS)), U256::ZERO);
    // 70 bytes of calldata; offsets inside, straddling the end, at it and far past it,
    // each as a constant and as a runtime value.
    let data: Vec<u8> = (1..=70u8).collect();
    let at = |off: U256| {
        let mut w = [0u8; 32];
        for (i, b) in w.iter_mut().enumerate() {
            let p = off.saturating_add(U256::from(i));
            if p < U256::from(data.len()) {
                *b = data[p.to::<usize>()];
            }
        }
        U256::from_be_bytes(w)
    };
    for off in [0u64, 1, 37, 38, 39, 69, 70, 71, 1 << 32, u64::MAX] {
        for runtime in [false, true] {
            let mut code = Vec::new();
            push_word(&mut code, U256::from(off), runtime);
            code.push(0x35);
            let r = both_with_data(S, &returning(code), GAS, &data);
            assert_eq!(word(&r), at(U256::from(off)), "CALLDATALOAD at {off}");
        }
    }
    let mut code = Vec::new();
    push_word(&mut code, U256::MAX, true);
    code.push(0x35);
    let r = both_with_data(S, &returning(code), GAS, &data);
    assert_eq!(word(&r), U256::ZERO);
    // The getters: CALLER, ADDRESS, ORIGIN, CALLVALUE, GASPRICE, NUMBER, CHAINID, BASEFEE,
    // GASLIMIT (XORed into one word, each checked by its own run too).
    let want = [
        (0x33u8, U256::from_be_slice(SENDER.as_slice())),
        (0x30, U256::from_be_slice(CONTRACT.as_slice())),
        (0x32, U256::from_be_slice(SENDER.as_slice())),
        (0x34, U256::ZERO),
        (0x3a, U256::from(1u8)),
        (0x43, U256::from(100u8)),
        (0x46, U256::from(1u8)),
        (0x48, U256::from(1u8)),
        (0x45, U256::from(1u64 << 40)),
        (0x3d, U256::ZERO),
    ];
    for (op, w) in want {
        assert_eq!(word(&both(S, &returning(vec![op]), GAS)), w, "op {op:#x}");
    }
}

#[test]
fn stack_at_1023_and_1024() {
    // 1024 pushes fit; the 1025th overflows.
    let fits = vec![0x5f; 1024];
    assert_eq!(status(&both(S, &fits, GAS)), TxStatus::Success);
    let over = vec![0x5f; 1025];
    assert_eq!(
        status(&both(S, &over, GAS)),
        TxStatus::Halt(HaltReason::StackOverflow)
    );
    // 1023 pushes then DUP1 fits; 1024 then DUP1 overflows.
    let mut dup = vec![0x5f; 1023];
    dup.push(0x80);
    assert_eq!(status(&both(S, &dup, GAS)), TxStatus::Success);
    let mut dup = vec![0x5f; 1024];
    dup.push(0x80);
    assert_eq!(
        status(&both(S, &dup, GAS)),
        TxStatus::Halt(HaltReason::StackOverflow)
    );
    // Underflow: POP on an empty stack, SWAP16 with 16 words.
    assert_eq!(
        status(&both(S, &[0x50], GAS)),
        TxStatus::Halt(HaltReason::StackUnderflow)
    );
    let mut swap = vec![0x5f; 16];
    swap.push(0x9f);
    assert_eq!(
        status(&both(S, &swap, GAS)),
        TxStatus::Halt(HaltReason::StackUnderflow)
    );
    // Across blocks: a loop pushing one word per round until it overflows.
    // JUMPDEST PUSH0 PUSH1 0 JUMP
    let code = [0x5b, 0x5f, 0x60, 0x00, 0x56];
    assert_eq!(
        status(&both(S, &code, 10_000_000)),
        TxStatus::Halt(HaltReason::StackOverflow)
    );
}

#[test]
fn gas_exactly_enough_and_one_short() {
    // PUSH1 1 PUSH1 2 ADD POP: 3 + 3 + 3 + 2 = 11 gas after the 21000 intrinsic.
    let code = [0x60, 1, 0x60, 2, 0x01, 0x50];
    let r = both(S, &code, 21_011);
    assert_eq!(status(&r), TxStatus::Success);
    assert_eq!(r.gas_used, 21_011);
    assert_eq!(
        status(&both(S, &code, 21_010)),
        TxStatus::Halt(HaltReason::OutOfGas)
    );
    // Memory expansion: MSTORE at 0 costs 3 + 3 (one word), plus two pushes.
    let code = [0x5f, 0x5f, 0x52];
    let r = both(S, &code, 21_000 + 2 + 2 + 3 + 3);
    assert_eq!(status(&r), TxStatus::Success);
    assert_eq!(
        status(&both(S, &code, 21_000 + 2 + 2 + 3 + 2)),
        TxStatus::Halt(HaltReason::OutOfGas)
    );
    // A loop that runs until gas is gone, every gas limit around a round boundary.
    let code = [0x5b, 0x60, 0x00, 0x56]; // JUMPDEST PUSH1 0 JUMP: 12 gas per round
    for extra in 0..14 {
        assert_eq!(
            status(&both(S, &code, 21_000 + 120 + extra)),
            TxStatus::Halt(HaltReason::OutOfGas)
        );
    }
}

#[test]
fn chains_of_jumpdests_charge_and_check_like_the_interpreter() {
    // Five JUMPDESTs falling into ADD: the chain is entered by one check of the whole
    // chain's gas and of ADD's stack bound. Every gas limit around the exact cost, entering
    // at the start and (by a jump) in the middle of the chain.
    let mut code = vec![0x60, 1, 0x60, 2]; // PUSH1 1 PUSH1 2
    code.extend([0x5b; 5]);
    code.extend([0x01, 0x50]); // ADD POP
    let exact = 21_000 + 3 + 3 + 5 + 3 + 2;
    for gas in exact - 3..=exact + 1 {
        let r = both(S, &code, gas);
        let want = if gas >= exact {
            TxStatus::Success
        } else {
            TxStatus::Halt(HaltReason::OutOfGas)
        };
        assert_eq!(status(&r), want, "gas {gas}");
    }
    // PUSH1 1 PUSH1 2 PUSH1 10 JUMP STOP, then JUMPDESTs at 8..=11: the jump lands on the
    // third.
    let mut code = vec![0x60, 1, 0x60, 2, 0x60, 10, 0x56, 0x00];
    code.extend([0x5b; 4]);
    code.extend([0x01, 0x50]);
    let exact = 21_000 + 3 * 3 + 8 + 2 + 3 + 2;
    assert_eq!(status(&both(S, &code, exact)), TxStatus::Success);
    assert_eq!(
        status(&both(S, &code, exact - 1)),
        TxStatus::Halt(HaltReason::OutOfGas)
    );
    // The chain's last block needs two words and finds one: a stack underflow, with all
    // the chain's gas still left to consume.
    let mut code = vec![0x60, 1];
    code.extend([0x5b; 3]);
    code.push(0x01);
    assert_eq!(
        status(&both(S, &code, GAS)),
        TxStatus::Halt(HaltReason::StackUnderflow)
    );
    // A loop through a long chain: every round pays for every JUMPDEST.
    let mut code = vec![0x5b; 300];
    code.extend([0x5f, 0x56]); // PUSH0 JUMP
    for extra in [0, 1, 150, 301, 302] {
        assert_eq!(
            status(&both(S, &code, 21_000 + 3 * 310 + extra)),
            TxStatus::Halt(HaltReason::OutOfGas)
        );
    }
}

/// A memory growth the block's advance charge leaves no gas for: where nothing later in
/// the block can halt another way the JIT halts out of gas at once, and where something can
/// (RETURNDATACOPY out of bounds, followed by more static gas) it must halt as the
/// interpreter does, which gives the rest of the charge back and reaches that halt.
#[test]
fn growth_short_of_the_advance_charge_halts_as_the_interpreter_does() {
    // MSTORE(1024, 1): growth to 33 words, 101 gas.
    let head = [0x60, 0x01, 0x61, 0x04, 0x00, 0x52];
    // Static gas after it: ten PUSH1 0 POP.
    let tail: Vec<u8> = (0..10).flat_map(|_| [0x60, 0x00, 0x50]).collect();
    // RETURNDATACOPY(0, 0, 1) with no returndata.
    let copy = [0x60, 0x01, 0x5f, 0x5f, 0x3e];
    for (risky, body) in [
        (false, [&head[..], &tail, &[0x00]].concat()),
        (true, [&head[..], &copy, &tail, &[0x00]].concat()),
    ] {
        let mut seen = std::collections::BTreeSet::new();
        for gas in 21_000..21_300 {
            let r = both(S, &body, gas);
            if let Ok(s) = &r.result {
                seen.insert(format!("{s:?}"));
            }
        }
        let want: &[&str] = if risky {
            &["Halt(OutOfGas)", "Halt(ReturnDataOutOfBounds)"]
        } else {
            &["Halt(OutOfGas)", "Success"]
        };
        assert_eq!(
            seen.iter().map(String::as_str).collect::<Vec<_>>(),
            want,
            "{}",
            hex(&body)
        );
    }
}

#[test]
fn memory_near_2_to_32_and_far_past_it() {
    for off in [(1u64 << 32) - 32, (1u64 << 32) - 1, 1u64 << 32, u64::MAX] {
        // PUSH0 PUSH8 off MSTORE / MLOAD / MSTORE8
        for op in [0x52u8, 0x53] {
            let mut code = vec![0x5f, 0x67];
            code.extend(off.to_be_bytes());
            code.push(op);
            assert_eq!(
                status(&both(S, &code, 16_000_000)),
                TxStatus::Halt(HaltReason::OutOfGas),
                "op {op:#x} at {off:#x}"
            );
        }
        let mut code = vec![0x67];
        code.extend(off.to_be_bytes());
        code.push(0x51);
        assert_eq!(
            status(&both(S, &code, 16_000_000)),
            TxStatus::Halt(HaltReason::OutOfGas)
        );
    }
    // In bounds after growth: MSTORE at 64, MLOAD at 64 reads it back, MSIZE is 96.
    let code = returning(vec![
        0x60, 0x2a, 0x60, 0x40, 0x52, // MSTORE(64, 42)
        0x60, 0x40, 0x51, // MLOAD(64)
        0x59, 0x01, // + MSIZE
    ]);
    assert_eq!(word(&both(S, &code, GAS)), U256::from(42 + 96));
    // MSTORE8 writes the low byte only.
    let code = returning(vec![0x61, 0x12, 0x34, 0x60, 0x1f, 0x53, 0x5f, 0x51]);
    assert_eq!(word(&both(S, &code, GAS)), U256::from(0x34));
}

#[test]
fn jumps_into_push_data_past_the_end_and_dynamic() {
    // PUSH1 4 JUMP PUSH1 0x5b: byte 4 is push data that looks like a JUMPDEST.
    let code = [0x60, 0x04, 0x56, 0x60, 0x5b];
    assert_eq!(
        status(&both(S, &code, GAS)),
        TxStatus::Halt(HaltReason::InvalidJump)
    );
    // Past the end, and to a huge destination.
    for dest in [5u64, 1000, u64::MAX] {
        let mut code = vec![0x67];
        code.extend(dest.to_be_bytes());
        code.push(0x56);
        assert_eq!(
            status(&both(S, &code, GAS)),
            TxStatus::Halt(HaltReason::InvalidJump)
        );
    }
    // A dynamic jump (the destination computed at run time) to a real JUMPDEST, and JUMPI
    // both ways: PUSH1 3 PUSH1 4 ADD JUMP STOP(5) STOP(6) JUMPDEST(7) PUSH1 1 ...
    let code = returning(vec![
        0x60, 0x03, 0x60, 0x04, 0x01, 0x56, 0x00, 0x5b, // jump to 7
        0x60, 0x00, 0x60, 0x10, 0x57, // JUMPI not taken (cond 0) to 16
        0x60, 0x09, // value 9
    ]);
    assert_eq!(word(&both(S, &code, GAS)), U256::from(9u8));
    // JUMPI taken to a non-JUMPDEST halts; not taken with the same bad target does not.
    let bad_taken = [0x60, 0x01, 0x60, 0x00, 0x57];
    assert_eq!(
        status(&both(S, &bad_taken, GAS)),
        TxStatus::Halt(HaltReason::InvalidJump)
    );
    let bad_not_taken = [0x60, 0x00, 0x60, 0x00, 0x57];
    assert_eq!(status(&both(S, &bad_not_taken, GAS)), TxStatus::Success);
}

#[test]
fn invalid_opcodes_per_fork() {
    // PUSH0 (Shanghai), TLOAD (Cancun), CLZ (Osaka), 0x0c never.
    for (op, since) in [
        (0x5fu8, SpecId::Shanghai),
        (0x5c, SpecId::Cancun),
        (0x1e, SpecId::Osaka),
    ] {
        let code = [0x60, 0x01, op, 0x00];
        for spec in [
            SpecId::Istanbul,
            SpecId::Paris,
            SpecId::Shanghai,
            SpecId::Cancun,
            SpecId::Osaka,
        ] {
            let want = if spec >= since {
                TxStatus::Success
            } else {
                TxStatus::Halt(HaltReason::InvalidOpcode)
            };
            assert_eq!(status(&both(spec, &code, GAS)), want, "{op:#x} on {spec:?}");
        }
    }
    assert_eq!(
        status(&both(S, &[0x0c], GAS)),
        TxStatus::Halt(HaltReason::InvalidOpcode)
    );
    assert_eq!(
        status(&both(S, &[0xfe], GAS)),
        TxStatus::Halt(HaltReason::InvalidOpcode)
    );
}

#[test]
fn values_live_across_a_call_survive_it() {
    // Push 7 and 8, CALL an empty account (success), then ADD the status and both words.
    let code = returning(vec![
        0x60, 0x07, 0x60, 0x08, // two live words
        0x5f, 0x5f, 0x5f, 0x5f, 0x5f, // out len, out off, in len, in off, value
        0x60, 0xee, // address 0xee
        0x61, 0xff, 0xff, // gas
        0xf1, // CALL -> 1
        0x01, 0x01, // 1 + 8 + 7
    ]);
    assert_eq!(word(&both(S, &code, GAS)), U256::from(16u8));
}

//! EIP-3155 tracing of the interpreter: small assembled programs traced through the bootloader,
//! every step's pc, op, gas, gasCost, stack, depth and memory size checked against values
//! worked out by hand from the Cancun gas schedule (in the comments; none was copied from the
//! tracer's output); and tracing must not change what a block does.
//!
//! Costs used: PUSH0/GAS/POP 2, PUSHn/ADD/MSTORE 3, JUMP 8, JUMPI 10, JUMPDEST 1, RETURN and
//! STOP 0, memory C(w) = 3w + w^2/512 (the first word costs 3), CALL to a cold account
//! 100 + 2500, SSTORE of a clean cold zero slot to non-zero 20000 + 2100. A legacy call with
//! no data costs 21000 intrinsic gas, so the transaction's frame starts with limit - 21000.

use alloy_primitives::{address, hex, Address, Bytes, U256};
use zkos_host::asm::assemble;
use zkos_host::blockjson::Block;
use zkos_host::trace::{step_json, Eip3155Tracer, Recorder, TraceStep};
use zkos_os::bootloader::Bootloader;
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::types::{BlockEnv, BlockResult, HaltReason, SpecId, TxStatus};
use zkos_tests::call_tx;

const CONTRACT: Address = address!("c0de00000000000000000000000000000000c0de");
const CALLEE: Address = address!("ca11ee0000000000000000000000000000ca11ee");

fn code(src: &str) -> Bytes {
    Bytes::from(assemble(src).unwrap_or_else(|e| panic!("{e}\n--- source ---\n{src}")))
}

fn contract(src: &str) -> GenesisAccount {
    GenesisAccount {
        nonce: 1,
        code: code(src),
        ..Default::default()
    }
}

fn oracle(accounts: &[(Address, GenesisAccount)], gas_limit: u64) -> InMemoryOracle {
    let env = BlockEnv {
        spec: SpecId::Cancun,
        ..Default::default()
    };
    zkos_tests::oracle(env, accounts, vec![call_tx(CONTRACT, gas_limit)])
}

/// Runs the block traced into memory; also runs it untraced and requires the same result.
fn traced(oracle: &InMemoryOracle) -> (BlockResult, Recorder) {
    let mut boot = Bootloader::with_tracer(Eip3155Tracer::memory());
    let result = boot.run_block(oracle);
    let recorded = boot.tracer_mut().sink_mut().take();
    assert_eq!(
        result,
        Bootloader::new().run_block(oracle),
        "tracing changed the block's result"
    );
    (result, recorded)
}

/// One expected step: pc, op, depth, gas before, gasCost, stack (bottom first), memSize.
type Expected<'a> = (usize, u8, usize, u64, u64, &'a [u64], usize);

#[track_caller]
fn assert_steps(steps: &[TraceStep], expected: &[Expected<'_>]) {
    let got: Vec<String> = steps
        .iter()
        .map(|s| {
            let stack: Vec<String> = s.stack.iter().map(|w| w.to_string()).collect();
            format!(
                "pc {} op {:#04x} depth {} gas {} cost {} stack [{}] mem {}",
                s.pc,
                s.op,
                s.depth,
                s.gas,
                s.gas_cost,
                stack.join(","),
                s.mem_size
            )
        })
        .collect();
    let want: Vec<String> = expected
        .iter()
        .map(|(pc, op, depth, gas, cost, stack, mem)| {
            let stack: Vec<String> = stack.iter().map(|w| w.to_string()).collect();
            format!(
                "pc {pc} op {op:#04x} depth {depth} gas {gas} cost {cost} stack [{}] mem {mem}",
                stack.join(",")
            )
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn straight_line_jump_gas_and_jumpi_fall_through() {
    // Blocks (static gas charged at entry by the interpreter, reported per instruction by the
    // trace): [0..=9] 25, [10] INVALID (never reached), [11..=12] JUMPDEST GAS 3,
    // [13..=16] PUSH0 PUSH1 JUMPI 15, [17..=21] POP PUSH1 PUSH0 RETURN 7.
    let src = "
        PUSH1 0x01      ; pc 0
        PUSH1 0x02      ; pc 2
        ADD             ; pc 4
        PUSH0           ; pc 5
        MSTORE          ; pc 6: memory 0 -> 32 bytes
        PUSH1 0x0b      ; pc 7
        JUMP            ; pc 9
        INVALID         ; pc 10
        JUMPDEST        ; pc 11
        GAS             ; pc 12
        PUSH0           ; pc 13
        PUSH1 0x14      ; pc 14
        JUMPI           ; pc 16: condition 0, falls through
        POP             ; pc 17
        PUSH1 0x20      ; pc 18
        PUSH0           ; pc 20
        RETURN          ; pc 21
    ";
    let (result, rec) = traced(&oracle(&[(CONTRACT, contract(src))], 100_000));
    // The frame starts with 100000 - 21000 = 79000.
    // GAS pushes the gas after its own cost: 78971 - 2 = 78969.
    let g = 78_969;
    assert_steps(
        &rec.steps,
        &[
            (0, 0x60, 1, 79_000, 3, &[], 0),
            (2, 0x60, 1, 78_997, 3, &[1], 0),
            (4, 0x01, 1, 78_994, 3, &[1, 2], 0),
            (5, 0x5f, 1, 78_991, 2, &[3], 0),
            // MSTORE: 3 + one word of memory 3.
            (6, 0x52, 1, 78_989, 6, &[3, 0], 0),
            (7, 0x60, 1, 78_983, 3, &[], 32),
            (9, 0x56, 1, 78_980, 8, &[11], 32),
            (11, 0x5b, 1, 78_972, 1, &[], 32),
            (12, 0x5a, 1, 78_971, 2, &[], 32),
            (13, 0x5f, 1, 78_969, 2, &[g], 32),
            (14, 0x60, 1, 78_967, 3, &[g, 0], 32),
            (16, 0x57, 1, 78_964, 10, &[g, 0, 20], 32),
            (17, 0x50, 1, 78_954, 2, &[g], 32),
            (18, 0x60, 1, 78_952, 3, &[], 32),
            (20, 0x5f, 1, 78_949, 2, &[32], 32),
            // RETURN of memory already paid for.
            (21, 0xf3, 1, 78_947, 0, &[32, 0], 32),
        ],
    );
    assert!(rec.steps.iter().all(|s| s.error.is_none() && s.tx == 0));
    let receipt = &result.receipts[0];
    assert_eq!(receipt.result, Ok(TxStatus::Success));
    // 21000 + (79000 - 78947).
    assert_eq!(receipt.gas_used, 21_053);
    assert_eq!(rec.summaries.len(), 1);
    let summary = &rec.summaries[0];
    assert!(summary.pass());
    assert_eq!(summary.gas_used, 21_053);
    assert_eq!(summary.output, U256::from(3u8).to_be_bytes::<32>().to_vec());
    assert_eq!(summary.fork, SpecId::Cancun);

    // The same steps as JSON lines.
    let line = |i: usize| {
        let mut s = String::new();
        step_json(&rec.steps[i], &mut s);
        s
    };
    assert_eq!(
        line(0),
        r#"{"pc":0,"op":96,"gas":"0x13498","gasCost":"0x3","memSize":0,"stack":[],"returnData":"0x","depth":1,"refund":0,"opName":"PUSH1"}"#
    );
    assert_eq!(
        line(6),
        r#"{"pc":9,"op":86,"gas":"0x13484","gasCost":"0x8","memSize":32,"stack":["0xb"],"returnData":"0x","depth":1,"refund":0,"opName":"JUMP"}"#
    );
}

#[test]
fn call_into_a_second_contract_runs_at_depth_two() {
    // The callee pushes and pops, then runs off the end of its code: the implicit STOP is
    // traced, as a per-instruction EVM executes it.
    let callee = "
        PUSH1 0x07      ; pc 0
        POP             ; pc 2
    ";
    // The caller's CALL is its last instruction, so after the call it too runs off the end.
    let caller = format!(
        "
        PUSH0           ; pc 0: retLen
        PUSH0           ; pc 1: retOffset
        PUSH0           ; pc 2: argsLen
        PUSH0           ; pc 3: argsOffset
        PUSH0           ; pc 4: value
        PUSH20 0x{}     ; pc 5
        PUSH2 0x1388    ; pc 26: gas 5000
        CALL            ; pc 29
    ",
        hex::encode(CALLEE)
    );
    let accounts = [(CONTRACT, contract(&caller)), (CALLEE, contract(callee))];
    let (result, rec) = traced(&oracle(&accounts, 100_000));
    let callee_word = U256::from_be_slice(CALLEE.as_slice());
    // A u64 stack literal cannot hold the address: check it apart, then zero it.
    let mut steps = rec.steps.clone();
    for step in &mut steps[6..8] {
        assert_eq!(step.stack[5], callee_word);
        step.stack[5] = U256::ZERO;
    }
    assert_steps(
        &steps,
        &[
            (0, 0x5f, 1, 79_000, 2, &[], 0),
            (1, 0x5f, 1, 78_998, 2, &[0], 0),
            (2, 0x5f, 1, 78_996, 2, &[0, 0], 0),
            (3, 0x5f, 1, 78_994, 2, &[0, 0, 0], 0),
            (4, 0x5f, 1, 78_992, 2, &[0, 0, 0, 0], 0),
            (5, 0x73, 1, 78_990, 3, &[0, 0, 0, 0, 0], 0),
            (26, 0x61, 1, 78_987, 3, &[0, 0, 0, 0, 0, 0], 0), // [5]: CALLEE
            // CALL: 100 warm + 2500 cold account, plus the 5000 handed to the callee (below
            // 63/64 of the 76384 left after the access cost).
            (29, 0xf1, 1, 78_984, 7_600, &[0, 0, 0, 0, 0, 0, 5_000], 0), // [5]: CALLEE
            (0, 0x60, 2, 5_000, 3, &[], 0),
            (2, 0x50, 2, 4_997, 2, &[7], 0),
            (3, 0x00, 2, 4_995, 0, &[], 0),
            // Back in the caller with 78984 - 7600 + 4995 unused by the callee; status 1.
            (30, 0x00, 1, 76_379, 0, &[1], 0),
        ],
    );
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
    // 21000 + (79000 - 76379).
    assert_eq!(result.receipts[0].gas_used, 23_621);
}

#[test]
fn out_of_gas_halts_with_an_error_on_its_step() {
    // SSTORE of a cold clean zero slot to 1 costs 22100; the frame has 10000 (above the
    // EIP-2200 stipend check of 2300, so the halt is the charge itself).
    let src = "
        PUSH1 0x01      ; pc 0
        PUSH0           ; pc 2
        SSTORE          ; pc 3
        STOP            ; pc 4
    ";
    let (result, rec) = traced(&oracle(&[(CONTRACT, contract(src))], 31_000));
    assert_steps(
        &rec.steps,
        &[
            (0, 0x60, 1, 10_000, 3, &[], 0),
            (2, 0x5f, 1, 9_997, 2, &[1], 0),
            // The halt consumes all the gas the frame had.
            (3, 0x55, 1, 9_995, 9_995, &[1, 0], 0),
        ],
    );
    let errors: Vec<_> = rec.steps.iter().map(|s| s.error).collect();
    assert_eq!(errors, [None, None, Some(HaltReason::OutOfGas)]);
    assert_eq!(
        result.receipts[0].result,
        Ok(TxStatus::Halt(HaltReason::OutOfGas))
    );
    assert_eq!(result.receipts[0].gas_used, 31_000);
    assert!(!rec.summaries[0].pass());
}

#[test]
fn a_block_the_frame_cannot_pay_for_halts_where_a_per_instruction_evm_does() {
    // The block PUSH1 PUSH1 ADD STOP costs 9 and the frame has 5: the first PUSH1 runs (3)
    // and the second cannot pay (2 left), exactly as in a per-instruction EVM.
    let src = "
        PUSH1 0x01
        PUSH1 0x02
        ADD
        STOP
    ";
    let (result, rec) = traced(&oracle(&[(CONTRACT, contract(src))], 21_005));
    assert_steps(
        &rec.steps,
        &[(0, 0x60, 1, 5, 3, &[], 0), (2, 0x60, 1, 2, 2, &[1], 0)],
    );
    let errors: Vec<_> = rec.steps.iter().map(|s| s.error).collect();
    assert_eq!(errors, [None, Some(HaltReason::OutOfGas)]);
    assert_eq!(
        result.receipts[0].result,
        Ok(TxStatus::Halt(HaltReason::OutOfGas))
    );
}

#[test]
fn a_stack_underflow_in_a_block_entered_by_fall_through_is_traced() {
    // GAS ends its block; the next block (POP POP POP STOP) needs 3 words and has 1: the
    // first POP runs, the second underflows and carries the error.
    let src = "
        GAS             ; pc 0
        POP             ; pc 1
        POP             ; pc 2
        POP             ; pc 3
        STOP            ; pc 4
    ";
    let (_, rec) = traced(&oracle(&[(CONTRACT, contract(src))], 100_000));
    assert_steps(
        &rec.steps,
        &[
            (0, 0x5a, 1, 79_000, 2, &[], 0),
            (1, 0x50, 1, 78_998, 2, &[78_998], 0),
            (2, 0x50, 1, 78_996, 78_996, &[], 0),
        ],
    );
    assert_eq!(rec.steps[2].error, Some(HaltReason::StackUnderflow));
}

#[test]
fn json_lines_and_records_agree_and_tracing_changes_nothing() {
    // The example block: transfers, a deployment, token calls, a revert.
    let path = zkos_host::shared::workspace_root()
        .unwrap()
        .join("examples")
        .join("block.json");
    let block = Block::from_json_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let oracle = block.oracle();
    let (result, rec) = traced(&oracle);
    assert_eq!(rec.summaries.len(), block.txs.len());
    for (i, (summary, receipt)) in rec.summaries.iter().zip(&result.receipts).enumerate() {
        assert_eq!(summary.tx, i);
        assert_eq!(summary.gas_used, receipt.gas_used);
        assert_eq!(summary.output, receipt.output);
    }
    // Steps per transaction come in transaction order, and the first step of each executed
    // transaction is its frame's first instruction with the whole frame gas.
    assert!(rec.steps.windows(2).all(|w| w[0].tx <= w[1].tx));
    assert!(rec.steps.iter().any(|s| s.depth == 1));

    let mut json = Vec::new();
    let mut boot = Bootloader::with_tracer(Eip3155Tracer::json(&mut json));
    let json_result = boot.run_block(&oracle);
    boot.tracer_mut().sink_mut().finish().unwrap();
    drop(boot);
    assert_eq!(json_result, result);
    let text = String::from_utf8(json).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (steps, summaries): (Vec<_>, Vec<_>) = lines.iter().partition(|v| v.get("pc").is_some());
    assert_eq!(steps.len(), rec.steps.len());
    assert_eq!(summaries.len(), block.txs.len());
    for (v, s) in steps.iter().zip(&rec.steps) {
        assert_eq!(v["pc"], s.pc);
        assert_eq!(v["gas"], format!("{:#x}", s.gas));
        assert_eq!(v["gasCost"], format!("{:#x}", s.gas_cost));
        assert_eq!(v["depth"], s.depth);
        assert_eq!(v["stack"].as_array().unwrap().len(), s.stack.len());
    }
}

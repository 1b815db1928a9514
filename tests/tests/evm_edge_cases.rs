//! Edge cases of the EVM interpreter, pinned by running small assembled contracts through the
//! bootloader and asserting exact observable behaviour: status, gas used, storage, returned
//! data, balances.
//!
//! Every expected number is worked out by hand from the Yellow Paper and the EIPs in force
//! (Cancun unless a test says otherwise), in the comment next to it; none was copied from
//! the interpreter's output. Gas prices are zero unless a test is about fees, so balances
//! only move when a test means them to.
//!
//! Costs used throughout (Cancun): PUSH0/ADDRESS/CALLER/GAS/POP/MSIZE/RETURNDATASIZE 2,
//! PUSHn/DUPn/SWAPn/ADD/MLOAD/MSTORE/CALLDATALOAD 3, JUMP 8, JUMPI 10, JUMPDEST 1,
//! memory C(w) = 3w + w^2/512, warm account/slot access 100, cold account 2600 (EIP-2929),
//! cold SLOAD 2100, SSTORE of a clean zero slot to non-zero 20000 (+2100 when cold),
//! SSTORE of a dirty slot or of the present value 100 (+2100 when cold), CALL with value
//! +9000 and +25000 for a new account, stipend 2300, SELFDESTRUCT 5000 (+2600 cold
//! beneficiary, +25000 when it sends value to a dead account), CREATE 32000 + 2 per word of
//! init code (EIP-3860).

use alloy_primitives::{address, hex, keccak256, Address, Bytes, U256};
use zkos_host::asm::assemble;
use zkos_os::bootloader::Bootloader;
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::types::{
    AccountDiff, AccountInfo, BlockEnv, BlockResult, HaltReason, InvalidTx, SpecId, TxEnv,
    TxReceipt, TxStatus, KECCAK_EMPTY,
};
use zkos_tests::{call_tx, SENDER};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const CONTRACT: Address = address!("c0de00000000000000000000000000000000c0de");
const CALLEE: Address = address!("ca11ee0000000000000000000000000000ca11ee");
const OTHER: Address = address!("0712e50000000000000000000000000000712e50");
/// No zero byte, so init code embedding it has a simple calldata cost (16 per byte).
const BENEFICIARY: Address = address!("beefbeefbeefbeefbeefbeefbeefbeefbeefbeef");
const COINBASE: Address = address!("c014ba5e00000000000000000000000000c014ba");

const INTRINSIC: u64 = 21_000;
const ETHER: u128 = 1_000_000_000_000_000_000;

/// Assembles `src`, panicking with the assembler's message.
fn code(src: &str) -> Bytes {
    Bytes::from(assemble(src).unwrap_or_else(|e| panic!("{e}\n--- source ---\n{src}")))
}

/// `0x`-prefixed lower-case hex of an address, for `PUSH20` in assembler sources.
fn hex_addr(a: Address) -> String {
    format!("0x{}", hex::encode(a))
}

/// An externally owned account with `balance` wei.
fn eoa(balance: u128) -> GenesisAccount {
    GenesisAccount {
        balance: U256::from(balance),
        ..Default::default()
    }
}

/// A contract account (nonce 1, EIP-161) running `src`.
fn contract(src: &str) -> GenesisAccount {
    GenesisAccount {
        nonce: 1,
        code: code(src),
        ..Default::default()
    }
}

/// The block environment of fork `spec`, with a distinct coinbase and zero base fee.
fn env(spec: SpecId) -> BlockEnv {
    BlockEnv {
        spec,
        coinbase: COINBASE,
        ..Default::default()
    }
}

/// A legacy create from SENDER (nonce 0) with init code `init`.
fn create_tx(init: Bytes, gas_limit: u64) -> TxEnv {
    TxEnv {
        caller: SENDER,
        to: None,
        gas_limit,
        data: init,
        chain_id: Some(1),
        ..Default::default()
    }
}

/// Builds the oracle over `accounts` and runs the block with a fresh bootloader.
fn run(env: BlockEnv, accounts: &[(Address, GenesisAccount)], txs: Vec<TxEnv>) -> BlockResult {
    let mut oracle = InMemoryOracle::new(env, txs);
    for (address, account) in accounts {
        oracle.insert_account(*address, account.clone());
    }
    Bootloader::new().run_block(&oracle)
}

/// Runs one transaction and returns the whole block result (one receipt).
fn run_one(env: BlockEnv, accounts: &[(Address, GenesisAccount)], tx: TxEnv) -> BlockResult {
    let result = run(env, accounts, vec![tx]);
    assert_eq!(result.receipts.len(), 1);
    result
}

/// Calls CONTRACT running `src` (Cancun unless `spec` says otherwise) with `gas_limit`.
fn run_code(spec: SpecId, src: &str, gas_limit: u64) -> BlockResult {
    let accounts = [(SENDER, eoa(ETHER)), (CONTRACT, contract(src))];
    run_one(env(spec), &accounts, call_tx(CONTRACT, gas_limit))
}

fn receipt(result: &BlockResult) -> &TxReceipt {
    &result.receipts[0]
}

/// The account's entry in the state diff, if the block changed it.
fn diff(result: &BlockResult, address: Address) -> Option<&AccountDiff> {
    result
        .state_diff
        .accounts
        .iter()
        .find(|a| a.address == address)
}

/// The final value of a slot the block changed (`None`: the slot is not in the diff).
fn slot(result: &BlockResult, address: Address, key: u64) -> Option<U256> {
    diff(result, address)?
        .storage
        .iter()
        .find(|(k, _)| *k == U256::from(key))
        .map(|(_, v)| *v)
}

/// The final info of an account the block changed (`None` when absent or deleted).
fn info(result: &BlockResult, address: Address) -> Option<AccountInfo> {
    diff(result, address)?.info
}

/// Asserts the one transaction halted with `reason`, consumed its whole gas limit and left
/// CONTRACT's storage untouched.
#[track_caller]
fn assert_halt(result: &BlockResult, reason: HaltReason, gas_limit: u64, what: &str) {
    let r = receipt(result);
    assert_eq!(r.result, Ok(TxStatus::Halt(reason)), "{what}");
    assert_eq!(
        r.gas_used, gas_limit,
        "{what}: an exceptional halt consumes all gas"
    );
    assert!(r.output.is_empty(), "{what}: a halt returns no data");
    assert!(r.logs.is_empty(), "{what}");
    if let Some(d) = diff(result, CONTRACT) {
        assert!(
            d.storage.is_empty(),
            "{what}: a halt reverts storage writes: {d:?}"
        );
    }
}

/// `n` copies of `line`, one per line.
fn repeat(line: &str, n: usize) -> String {
    format!("{line}\n").repeat(n)
}

// ---------------------------------------------------------------------------------------
// 1. Stack bounds
// ---------------------------------------------------------------------------------------

/// YP §9.4.2: an instruction with fewer than δ items on the stack halts exceptionally
/// (StackUnderflow) and the whole gas limit is charged: the sender pays limit x price and the
/// coinbase earns limit x (price - base fee).
#[test]
fn stack_underflow_halts_and_consumes_all_gas() {
    let gas_limit = 100_000;
    let mut block = env(SpecId::Cancun);
    block.base_fee = U256::from(7u8);
    let accounts = [(SENDER, eoa(ETHER)), (CONTRACT, contract("ADD"))];
    let tx = TxEnv {
        gas_price: U256::from(10u8),
        ..call_tx(CONTRACT, gas_limit)
    };
    let result = run_one(block, &accounts, tx);
    assert_halt(
        &result,
        HaltReason::StackUnderflow,
        gas_limit,
        "ADD on an empty stack",
    );
    assert_eq!(result.gas_used, gas_limit);
    let sender = info(&result, SENDER).unwrap();
    assert_eq!(sender.balance, U256::from(ETHER - 100_000 * 10));
    assert_eq!(
        sender.nonce, 1,
        "a halted transaction still bumps the nonce"
    );
    assert_eq!(
        info(&result, COINBASE).unwrap().balance,
        U256::from(100_000u64 * 3)
    );
}

/// Underflow for every stack-reading family: binary op with one item, POP/JUMP on empty,
/// DUPn and SWAPn one item short, CALL with 6 of its 7 arguments.
#[test]
fn stack_underflow_variants() {
    let cases = [
        "PUSH0\nADD".to_string(),
        "POP".to_string(),
        "JUMP".to_string(),
        "PUSH0\nDUP2".to_string(),
        "PUSH0\nSWAP1".to_string(),
        format!("{}CALL", repeat("PUSH0", 6)),
        format!("{}DUP16", repeat("PUSH0", 15)),
        format!("{}SWAP16", repeat("PUSH0", 16)),
    ];
    for src in &cases {
        let result = run_code(SpecId::Cancun, src, 50_000);
        assert_halt(&result, HaltReason::StackUnderflow, 50_000, src);
    }
}

/// YP §9.4.2: the stack holds at most 1024 items; 1024 pushes are fine (21000 + 1024 x 2 gas
/// for PUSH0), the 1025th halts with StackOverflow and consumes all gas.
#[test]
fn stack_overflow_at_1025_items() {
    let ok = run_code(SpecId::Cancun, &repeat("PUSH0", 1024), 100_000);
    assert_eq!(receipt(&ok).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&ok).gas_used, INTRINSIC + 1024 * 2);

    let over = run_code(SpecId::Cancun, &repeat("PUSH0", 1025), 100_000);
    assert_halt(&over, HaltReason::StackOverflow, 100_000, "1025 x PUSH0");

    // DUP1 on a full stack grows it past 1024 too; SWAP1 does not grow it.
    let dup = run_code(
        SpecId::Cancun,
        &format!("{}DUP1", repeat("PUSH0", 1024)),
        100_000,
    );
    assert_halt(
        &dup,
        HaltReason::StackOverflow,
        100_000,
        "DUP1 on 1024 items",
    );
    let swap = run_code(
        SpecId::Cancun,
        &format!("{}SWAP1", repeat("PUSH0", 1024)),
        100_000,
    );
    assert_eq!(receipt(&swap).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&swap).gas_used, INTRINSIC + 1024 * 2 + 3);
}

// ---------------------------------------------------------------------------------------
// 2. Jump validation
// ---------------------------------------------------------------------------------------

/// YP §9.4.3: a 0x5b byte inside PUSH data is not a JUMPDEST; JUMP there is InvalidJump.
#[test]
fn jump_into_push_data_is_invalid() {
    // 0: PUSH1 0x04, 2: JUMP, 3: PUSH1 0x5b (the 0x5b sits at offset 4), 5: STOP.
    let src = "PUSH1 0x04\nJUMP\nPUSH1 0x5b\nSTOP";
    assert_eq!(code(src).as_ref(), &[0x60, 0x04, 0x56, 0x60, 0x5b, 0x00]);
    assert_halt(
        &run_code(SpecId::Cancun, src, 60_000),
        HaltReason::InvalidJump,
        60_000,
        src,
    );

    // Same with the 0x5b in the data of a PUSH2 truncated by the end of the code.
    let src = "PUSH1 0x03\nJUMP\nDATA 0x615b";
    assert_halt(
        &run_code(SpecId::Cancun, src, 60_000),
        HaltReason::InvalidJump,
        60_000,
        src,
    );
}

/// YP §9.4.3: JUMP to a real JUMPDEST continues there. Gas: PUSH1 3 + JUMP 8 + JUMPDEST 1 +
/// PUSH1 3 + PUSH0 2 + SSTORE cold 0 -> 1 22100 = 22117.
#[test]
fn jump_to_jumpdest_continues() {
    // 0: PUSH1 0x04, 2: JUMP, 3: INVALID (skipped), 4: JUMPDEST.
    let src = "PUSH1 0x04\nJUMP\nINVALID\nJUMPDEST\nPUSH1 1\nPUSH0\nSSTORE\nSTOP";
    assert_eq!(code(src)[4], 0x5b);
    let result = run_code(SpecId::Cancun, src, 100_000);
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(
        receipt(&result).gas_used,
        INTRINSIC + 3 + 8 + 1 + 3 + 2 + 22_100
    );
    assert_eq!(slot(&result, CONTRACT, 0), Some(U256::from(1u8)));
}

/// JUMP targets are checked as full 256-bit values: past the end of the code, 2^32 + 12 and
/// 2^64 + 12 (12 being a real JUMPDEST) are all invalid, never truncated.
#[test]
fn jump_targets_out_of_range_are_invalid() {
    let cases = [
        // 0: PUSH1 3, 2: JUMP; the code is 3 bytes long, 3 is past its end.
        "PUSH1 0x03\nJUMP".to_string(),
        // 0: PUSH9, 10: JUMP, 11: INVALID, 12: JUMPDEST.
        "PUSH9 0x01000000000000000c\nJUMP\nINVALID\nJUMPDEST\nSTOP".to_string(),
        "PUSH9 0x00000000010000000c\nJUMP\nINVALID\nJUMPDEST\nSTOP".to_string(),
        format!("PUSH32 0x{}\nJUMP", "ff".repeat(32)),
    ];
    assert_eq!(code(&cases[1])[12], 0x5b);
    for src in &cases {
        assert_halt(
            &run_code(SpecId::Cancun, src, 60_000),
            HaltReason::InvalidJump,
            60_000,
            src,
        );
    }
    // And the same target 12 as a small number is fine: 3 + 8 + 1 gas.
    let ok = run_code(
        SpecId::Cancun,
        "PUSH9 0x0c\nJUMP\nINVALID\nJUMPDEST\nSTOP",
        60_000,
    );
    assert_eq!(receipt(&ok).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&ok).gas_used, INTRINSIC + 3 + 8 + 1);
}

/// YP §9.4.3: JUMPI with a zero condition falls through without validating the destination.
/// Gas: PUSH0 2 + PUSH2 3 + JUMPI 10 + PUSH1 3 + PUSH0 2 + SSTORE 22100 = 22120. With a
/// non-zero condition the same bad destination is InvalidJump.
#[test]
fn jumpi_with_zero_condition_ignores_destination() {
    let src = "PUSH0\nPUSH2 0xffff\nJUMPI\nPUSH1 1\nPUSH0\nSSTORE\nSTOP";
    let result = run_code(SpecId::Cancun, src, 100_000);
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(
        receipt(&result).gas_used,
        INTRINSIC + 2 + 3 + 10 + 3 + 2 + 22_100
    );
    assert_eq!(slot(&result, CONTRACT, 0), Some(U256::from(1u8)));

    let src = "PUSH1 1\nPUSH2 0xffff\nJUMPI\nSTOP";
    assert_halt(
        &run_code(SpecId::Cancun, src, 60_000),
        HaltReason::InvalidJump,
        60_000,
        src,
    );
}

// ---------------------------------------------------------------------------------------
// 3. Memory expansion
// ---------------------------------------------------------------------------------------

/// YP Appendix H.1: C_mem(w) = 3w + floor(w^2 / 512), charged on the growth. MSTORE at 0
/// (w = 1): PUSH0 2 + PUSH0 2 + MSTORE 3 + C(1) 3 = 10 gas, exactly: 21010 succeeds, 21009
/// runs out of gas.
#[test]
fn mstore_at_zero_costs_exactly_ten() {
    let src = "PUSH0\nPUSH0\nMSTORE";
    let ok = run_code(SpecId::Cancun, src, INTRINSIC + 10);
    assert_eq!(receipt(&ok).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&ok).gas_used, INTRINSIC + 10);
    let short = run_code(SpecId::Cancun, src, INTRINSIC + 9);
    assert_halt(&short, HaltReason::OutOfGas, INTRINSIC + 9, "one gas short");
}

/// Memory cost at growing offsets, quadratic term included:
/// - offset 992 = 32 x 31: w = 32, C = 96 + 1024/512 = 98;
/// - offset 0xffe0: w = 2048, C = 6144 + 2048^2/512 = 6144 + 8192 = 14336;
/// - offset 0x0fffe0: w = 32768, C = 98304 + 32768^2/512 = 98304 + 2097152 = 2195456.
///
/// Each plus PUSH0 2 + PUSH2/3 3 + MSTORE 3.
#[test]
fn mstore_memory_cost_is_quadratic() {
    for (src, mem_cost) in [
        ("PUSH0\nPUSH2 0x03e0\nMSTORE", 98),
        ("PUSH0\nPUSH2 0xffe0\nMSTORE", 14_336),
        ("PUSH0\nPUSH3 0x0fffe0\nMSTORE", 2_195_456),
    ] {
        let result = run_code(SpecId::Cancun, src, 3_000_000);
        assert_eq!(receipt(&result).result, Ok(TxStatus::Success), "{src}");
        assert_eq!(
            receipt(&result).gas_used,
            INTRINSIC + 2 + 3 + 3 + mem_cost,
            "{src}"
        );
    }
}

/// Expansion charges only the difference C(new) - C(old), and MSIZE reports whole words:
/// MSTORE 0 (C(1) = 3), MSTORE 64 (C(3) - C(1) = 6), then MSIZE = 96 is returned.
/// Gas: 2+2+3+3 + 2+3+3+6 + MSIZE 2 + PUSH0 2 + MSTORE 3 + PUSH1 3 + PUSH0 2 + RETURN 0 = 36.
/// MSTORE8 at 100 touches one byte but grows memory to 4 words (C(4) = 12), MSIZE = 128:
/// PUSH1 3 + PUSH1 3 + MSTORE8 3 + 12 + 7 + 5 = 33.
#[test]
fn memory_expansion_is_incremental_and_word_granular() {
    let src = "PUSH0\nPUSH0\nMSTORE\nPUSH0\nPUSH1 64\nMSTORE\n\
               MSIZE\nPUSH0\nMSTORE\nPUSH1 32\nPUSH0\nRETURN";
    let result = run_code(SpecId::Cancun, src, 100_000);
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 36);
    assert_eq!(
        receipt(&result).output.as_ref(),
        &U256::from(96u8).to_be_bytes::<32>()
    );

    let src = "PUSH1 0xff\nPUSH1 100\nMSTORE8\nMSIZE\nPUSH0\nMSTORE\nPUSH1 32\nPUSH0\nRETURN";
    let result = run_code(SpecId::Cancun, src, 100_000);
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 33);
    assert_eq!(
        receipt(&result).output.as_ref(),
        &U256::from(128u8).to_be_bytes::<32>()
    );
}

/// YP H.1: a zero-length access never expands memory, whatever its offset: RETURN(2^256-1, 0)
/// costs PUSH0 2 + PUSH32 3; KECCAK256 of zero bytes at that offset is keccak256("")
/// (2 + 3 + 30 + PUSH0 2 + SSTORE 22100).
#[test]
fn zero_length_access_at_huge_offset_is_free() {
    let max = format!("0x{}", "ff".repeat(32));
    let result = run_code(
        SpecId::Cancun,
        &format!("PUSH0\nPUSH32 {max}\nRETURN"),
        100_000,
    );
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 5);
    assert!(receipt(&result).output.is_empty());

    let src = format!("PUSH0\nPUSH32 {max}\nKECCAK256\nPUSH0\nSSTORE");
    let result = run_code(SpecId::Cancun, &src, 100_000);
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(
        receipt(&result).gas_used,
        INTRINSIC + 2 + 3 + 30 + 2 + 22_100
    );
    assert_eq!(
        slot(&result, CONTRACT, 0),
        Some(U256::from_be_bytes(KECCAK_EMPTY.0))
    );
}

/// Absurd memory offsets and lengths (2^32 - 32 .. 2^256 - 1) cost more gas than exists: the
/// frame halts out of gas, all gas is consumed and the host neither panics nor allocates.
#[test]
fn absurd_memory_offsets_run_out_of_gas() {
    let p64 = "PUSH9 0x010000000000000000"; // 2^64
    let p32 = "PUSH5 0x0100000000"; // 2^32
    let max = format!("PUSH32 0x{}", "ff".repeat(32));
    let cases = [
        format!("PUSH0\n{p64}\nMSTORE"),
        format!("PUSH0\n{p32}\nMSTORE"),
        "PUSH0\nPUSH4 0xffffffe0\nMSTORE".to_string(),
        format!("{max}\nMLOAD"),
        format!("PUSH1 1\n{max}\nMSTORE8"),
        format!("{p64}\nPUSH0\nRETURN"),
        format!("{p64}\nPUSH0\nREVERT"),
        format!("{p64}\nPUSH0\nPUSH0\nCALLDATACOPY"),
        format!("{p64}\nPUSH0\nPUSH0\nCODECOPY"),
        format!("{p32}\nPUSH0\nKECCAK256"),
        format!("PUSH1 1\nPUSH0\n{p64}\nMCOPY"),
        format!("PUSH1 1\n{p64}\nPUSH0\nMCOPY"),
        format!("{p64}\nPUSH0\nLOG0"),
        format!("PUSH1 1\n{p64}\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nCALL"),
        format!("{p64}\nPUSH0\nPUSH0\nCREATE"),
    ];
    for src in &cases {
        for gas_limit in [1_000_000, 30_000_000] {
            let result = run_code(SpecId::Cancun, src, gas_limit);
            assert_halt(&result, HaltReason::OutOfGas, gas_limit, src);
        }
    }
}

/// A child's absurd MSTORE only fails the child: CALL pushes 0 and the caller goes on.
/// Gas: 5 x PUSH0 10 + PUSH20 3 + PUSH2 3 + CALL cold 2600 + the child's 50000 (all consumed)
/// + PUSH1 3 + ADD 3 + PUSH0 2 + SSTORE cold 22100 = 74724.
#[test]
fn absurd_memory_in_child_fails_only_the_child() {
    let caller = format!(
        "PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH20 {}\nPUSH2 50000\nCALL\n\
         PUSH1 1\nADD\nPUSH0\nSSTORE",
        hex_addr(CALLEE)
    );
    let accounts = [
        (SENDER, eoa(ETHER)),
        (CONTRACT, contract(&caller)),
        (
            CALLEE,
            contract("PUSH0\nPUSH9 0x010000000000000000\nMSTORE"),
        ),
    ];
    let result = run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 200_000));
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(
        slot(&result, CONTRACT, 0),
        Some(U256::from(1u8)),
        "CALL pushed 0"
    );
    assert_eq!(
        receipt(&result).gas_used,
        INTRINSIC + 10 + 3 + 3 + 2600 + 50_000 + 8 + 22_100
    );
}

// ---------------------------------------------------------------------------------------
// 4. Call depth
// ---------------------------------------------------------------------------------------

/// A contract that calls itself with its depth d (calldata word; the transaction frame has
/// d = 0). On the way down each frame writes slot 0 = d; on the way up it adds its CALL's
/// success bit to slot 1, and the frame whose CALL failed writes slot 2 = d.
const RECURSE: &str = "
    PUSH0
    CALLDATALOAD        ; d
    DUP1
    PUSH0
    SSTORE              ; slot0 = d
    PUSH1 1
    ADD
    PUSH0
    MSTORE              ; mem[0..32] = d + 1
    PUSH0               ; out size
    PUSH0               ; out offset
    PUSH1 32            ; in size
    PUSH0               ; in offset
    PUSH0               ; value
    ADDRESS
    GAS
    CALL                ; success
    DUP1
    PUSH1 1
    SLOAD
    ADD
    PUSH1 1
    SSTORE              ; slot1 += success
    PUSH @ok
    JUMPI
    PUSH0
    CALLDATALOAD
    PUSH1 2
    SSTORE              ; slot2 = d (only where the CALL failed)
    STOP
    JUMPDEST @ok
    STOP";

/// YP §9.4 / EIP-150: the deepest frame that runs is at depth 1024 (1025 frames in all); its
/// CALL fails without running anything and pushes 0, every shallower CALL succeeds. The
/// bootloader drives frames iteratively, so this runs on a thread with a 2 MiB stack.
///
/// With 63/64 forwarding the depth-1024 frame gets about G x (63/64)^1024 ~ G x 1e-7, so the
/// transaction gets G = 10^12 (the block gas limit is raised to match, the gas price is 0).
/// Exact gas, per frame: 164 static gas on every path (PUSH0 2, CALLDATALOAD 3, DUP1 3,
/// PUSH0 2 | PUSH1 3, ADD 3, PUSH0 2, MSTORE 3 + C(1) 3 | 5 pushes 11, ADDRESS 2, GAS 2,
/// warm CALL 100 | DUP1 3, PUSH1 3, ADD 3, PUSH1 3 | PUSH2 3, JUMPI 10), +1 (JUMPDEST) on the
/// 1024 successful paths, +8 and a cold 0 -> 1024 SSTORE (22100) on the failing one; then:
/// - slot 0 writes: d = 0 writes 0 over 0 cold (2200), d = 1 writes a clean zero slot (20000),
///   d = 2..1024 rewrite a dirty slot (1023 x 100);
/// - slot 1 reads: the first (at d = 1024) cold 2100, 1024 warm 100;
/// - slot 1 writes: d = 1024 writes 0 over 0 (100), d = 1023 writes 1 over a clean 0
///   (20000), d = 1022..0 rewrite a dirty slot (1023 x 100). No refunds (originals are 0).
#[test]
fn call_depth_limit_is_1024_without_host_recursion() {
    let handle = std::thread::Builder::new()
        .name("depth-1024".into())
        .stack_size(2 << 20)
        .spawn(|| {
            let gas = 1_000_000_000_000u64;
            let mut block = env(SpecId::Cancun);
            block.gas_limit = gas;
            let accounts = [(SENDER, eoa(0)), (CONTRACT, contract(RECURSE))];
            run_one(block, &accounts, call_tx(CONTRACT, gas))
        })
        .expect("spawn");
    let result = handle
        .join()
        .expect("the 1025-frame chain must not overflow the host stack");
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(
        slot(&result, CONTRACT, 0),
        Some(U256::from(1024u32)),
        "deepest frame ran"
    );
    assert_eq!(
        slot(&result, CONTRACT, 1),
        Some(U256::from(1024u32)),
        "1024 CALLs succeeded"
    );
    assert_eq!(
        slot(&result, CONTRACT, 2),
        Some(U256::from(1024u32)),
        "the depth-1024 CALL failed"
    );
    let statics = 1024 * 165 + 172 + 22_100;
    let slot0 = 2200 + 20_000 + 1023 * 100;
    let slot1_reads = 2100 + 1024 * 100;
    let slot1_writes = 100 + 20_000 + 1023 * 100;
    let expected = INTRINSIC + statics + slot0 + slot1_reads + slot1_writes;
    assert_eq!(expected, 563_632);
    assert_eq!(receipt(&result).gas_used, expected);
}

// ---------------------------------------------------------------------------------------
// 5. Gas forwarding (EIP-150 63/64 rule, stipend)
// ---------------------------------------------------------------------------------------

/// EIP-150: CALL hands the callee min(requested, all_but_one_64th(gas left after the CALL's
/// own costs)). The caller asks for everything (GAS as the gas argument); the callee stores
/// GAS as its first instruction.
///
/// Caller starts with 1,000,000 - 21000 = 979000; 5 x PUSH0 10, PUSH20 3, GAS 2 -> GAS pushes
/// 978985; CALL cold 2600 leaves 976385; 976385 - floor(976385 / 64) = 976385 - 15256 = 961129
/// goes to the callee, whose GAS (2) pushes 961127. Total gas: 15 + 2600 + the callee's GAS 2
/// + PUSH0 2 + SSTORE 22100 = 24719 (the 1/64 kept and the callee's leftover come back).
#[test]
fn call_forwards_all_but_one_64th() {
    let caller = format!(
        "PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH20 {}\nGAS\nCALL",
        hex_addr(CALLEE)
    );
    let accounts = [
        (SENDER, eoa(ETHER)),
        (CONTRACT, contract(&caller)),
        (CALLEE, contract("GAS\nPUSH0\nSSTORE")),
    ];
    let result = run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 1_000_000));
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    let after_costs: u64 = 979_000 - 15 - 2600;
    assert_eq!(after_costs / 64, 15_256);
    assert_eq!(slot(&result, CALLEE, 0), Some(U256::from(961_127u64)));
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 24_719);

    // Asking for less than the cap gets exactly what was asked: 50000 - 2.
    let caller = format!(
        "PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH20 {}\nPUSH2 50000\nCALL",
        hex_addr(CALLEE)
    );
    let accounts = [
        (SENDER, eoa(ETHER)),
        (CONTRACT, contract(&caller)),
        (CALLEE, contract("GAS\nPUSH0\nSSTORE")),
    ];
    let result = run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 1_000_000));
    assert_eq!(slot(&result, CALLEE, 0), Some(U256::from(49_998u64)));
}

/// EIP-150 for CREATE: the init code gets all_but_one_64th of what is left after CREATE's
/// costs. Factory: PUSH4 3, PUSH0 2, MSTORE 3 + 3, PUSH1 3, PUSH1 3, PUSH0 2 = 19; CREATE
/// 32000 + 2 (one word of init code) leaves 979000 - 19 - 32002 = 946979;
/// 946979 - floor(946979 / 64) = 946979 - 14796 = 932183 reaches the init code, whose GAS
/// pushes 932181 and stores it in the new contract's slot 0. Total: 32021 + init code
/// (2 + 2 + cold SSTORE 22100) = 54125.
#[test]
fn create_forwards_all_but_one_64th() {
    // Init code: GAS PUSH0 SSTORE STOP = 0x5a5f5500, stored right-aligned in word 0.
    assert_eq!(
        code("GAS\nPUSH0\nSSTORE\nSTOP").as_ref(),
        &[0x5a, 0x5f, 0x55, 0x00]
    );
    let factory = "PUSH4 0x5a5f5500\nPUSH0\nMSTORE\nPUSH1 4\nPUSH1 28\nPUSH0\nCREATE";
    let accounts = [(SENDER, eoa(ETHER)), (CONTRACT, contract(factory))];
    let result = run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 1_000_000));
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    let child = CONTRACT.create(1);
    assert_eq!(slot(&result, child, 0), Some(U256::from(932_181u64)));
    assert_eq!(
        info(&result, child).map(|i| i.nonce),
        Some(1),
        "EIP-161: created with nonce 1"
    );
    assert_eq!(info(&result, CONTRACT).map(|i| i.nonce), Some(2));
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 54_125);
}

/// YP / EIP-150: a CALL with value adds the 2300 stipend to the callee's gas, on top of the
/// requested amount (here 0). The callee returns GAS (2300 - 2 = 2298), which the caller
/// stores. Gas: pushes 17 (PUSH1 3, 3 x PUSH0, PUSH1 3, PUSH20 3, PUSH0 2) + CALL 100 + cold
/// 2500 + value 9000 + C(1) 3 for the output word, minus the callee's unused 2300 - 15 = 2285
/// (callee: GAS 2, PUSH0 2, MSTORE 6, PUSH1 3, PUSH0 2), then POP 2, PUSH0 2, MLOAD 3, PUSH0 2,
/// SSTORE 22100: 17 + 11603 - 2285 + 22109 = 31444.
#[test]
fn value_call_adds_the_stipend() {
    let caller = format!(
        "PUSH1 32\nPUSH0\nPUSH0\nPUSH0\nPUSH1 1\nPUSH20 {}\nPUSH0\nCALL\n\
         POP\nPUSH0\nMLOAD\nPUSH0\nSSTORE",
        hex_addr(CALLEE)
    );
    let mut caller = contract(&caller);
    caller.balance = U256::from(10u8);
    let accounts = [
        (SENDER, eoa(ETHER)),
        (CONTRACT, caller),
        (
            CALLEE,
            contract("GAS\nPUSH0\nMSTORE\nPUSH1 32\nPUSH0\nRETURN"),
        ),
    ];
    let result = run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 1_000_000));
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(slot(&result, CONTRACT, 0), Some(U256::from(2298u32)));
    assert_eq!(info(&result, CALLEE).unwrap().balance, U256::from(1u8));
    assert_eq!(info(&result, CONTRACT).unwrap().balance, U256::from(9u8));
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 31_444);
}

/// EIP-2200: SSTORE needs more than the 2300 stipend left (`gas <= 2300` is out of gas), so a
/// value call with only the stipend cannot write storage: the callee halts, CALL pushes 0,
/// the value stays. Gas: 4 x PUSH0 8 + PUSH1 3 + PUSH20 3 + PUSH0 2 + CALL 100 + cold 2500 +
/// value 9000 (the stipend is free and is consumed) + PUSH1 3 + ADD 3 + PUSH0 2 + SSTORE 22100
/// = 16 + 11600 + 22108.
#[test]
fn stipend_cannot_pay_for_sstore() {
    let caller = format!(
        "PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH1 1\nPUSH20 {}\nPUSH0\nCALL\nPUSH1 1\nADD\nPUSH0\nSSTORE",
        hex_addr(CALLEE)
    );
    let mut caller = contract(&caller);
    caller.balance = U256::from(10u8);
    let accounts = [
        (SENDER, eoa(ETHER)),
        (CONTRACT, caller),
        (CALLEE, contract("PUSH1 1\nPUSH0\nSSTORE")),
    ];
    let result = run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 1_000_000));
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(
        slot(&result, CONTRACT, 0),
        Some(U256::from(1u8)),
        "CALL pushed 0"
    );
    assert!(diff(&result, CALLEE).is_none(), "no value, no storage");
    assert_eq!(
        info(&result, CONTRACT).map(|i| i.balance),
        Some(U256::from(10u8))
    );
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 16 + 11_600 + 22_108);
}

/// YP §8 / EIP-150: a value CALL the caller cannot afford does not run the callee; it pushes
/// 0 and returns the callee's whole allowance, stipend included (as geth and revm do), and
/// writes nothing to the output area. Same caller as `value_call_adds_the_stipend` with a
/// zero balance: 17 + 11603 - 2300 + POP 2 + PUSH0 2 + MLOAD 3 + PUSH0 2 + SSTORE of 0 over 0
/// cold 2200 = 11529.
#[test]
fn unaffordable_value_call_fails_softly() {
    let caller = format!(
        "PUSH1 32\nPUSH0\nPUSH0\nPUSH0\nPUSH1 1\nPUSH20 {}\nPUSH0\nCALL\n\
         POP\nPUSH0\nMLOAD\nPUSH0\nSSTORE",
        hex_addr(CALLEE)
    );
    let accounts = [
        (SENDER, eoa(ETHER)),
        (CONTRACT, contract(&caller)),
        (
            CALLEE,
            contract("GAS\nPUSH0\nMSTORE\nPUSH1 32\nPUSH0\nRETURN"),
        ),
    ];
    let result = run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 1_000_000));
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(slot(&result, CONTRACT, 0), None, "the callee did not run");
    assert!(diff(&result, CALLEE).is_none());
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 11_529);
}

// ---------------------------------------------------------------------------------------
// 6. Static calls (EIP-214)
// ---------------------------------------------------------------------------------------

/// STATICCALLs CALLEE with 100000 gas, stores success + 1 in slot 0 (1: failed, 2: succeeded)
/// and then 1 in slot 1 to show it went on. Gas besides the callee's: 4 x PUSH0 8, PUSH20 3,
/// PUSH3 3, STATICCALL cold 2600, PUSH1 3 + ADD 3 + PUSH0 2 + SSTORE 22100, PUSH1 3 + PUSH1 3
/// + SSTORE 22100 = 14 + 2600 + 22108 + 22106 = 46828.
fn static_caller() -> String {
    format!(
        "PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH20 {}\nPUSH3 100000\nSTATICCALL\n\
         PUSH1 1\nADD\nPUSH0\nSSTORE\nPUSH1 1\nPUSH1 1\nSSTORE",
        hex_addr(CALLEE)
    )
}

/// Runs static_caller() against a CALLEE running `callee` (with 5 wei, so value moves are
/// possible) and OTHER running `other`.
fn run_static(callee: &str, other: &str) -> BlockResult {
    let mut callee = contract(callee);
    callee.balance = U256::from(5u8);
    let accounts = [
        (SENDER, eoa(ETHER)),
        (CONTRACT, contract(&static_caller())),
        (CALLEE, callee),
        (OTHER, contract(other)),
    ];
    run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 1_000_000))
}

/// EIP-214: state-modifying instructions in a static frame halt it exceptionally: all 100000
/// gas handed to it is consumed, STATICCALL pushes 0, the caller goes on. This holds even
/// when the write would change nothing (SSTORE of the present value, LOG of zero bytes, a
/// value CALL the frame could not even afford is still a violation, not a failed call).
/// EIP-1153: TSTORE too.
#[test]
fn static_call_violations_fail_the_static_frame() {
    let other = hex_addr(OTHER);
    let cases = [
        "PUSH1 1\nPUSH0\nSSTORE".to_string(),
        "PUSH0\nPUSH0\nSSTORE".to_string(),
        "PUSH0\nPUSH0\nLOG0".to_string(),
        format!("{}LOG4", repeat("PUSH0", 6)),
        "PUSH0\nPUSH0\nPUSH0\nCREATE".to_string(),
        "PUSH0\nPUSH0\nPUSH0\nPUSH0\nCREATE2".to_string(),
        format!("PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH1 1\nPUSH20 {other}\nPUSH2 0xffff\nCALL"),
        format!("PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH1 100\nPUSH20 {other}\nPUSH2 0xffff\nCALL"),
        "CALLER\nSELFDESTRUCT".to_string(),
        "PUSH1 1\nPUSH0\nTSTORE".to_string(),
        "PUSH0\nPUSH0\nTSTORE".to_string(),
    ];
    for src in &cases {
        let result = run_static(src, "STOP");
        assert_eq!(receipt(&result).result, Ok(TxStatus::Success), "{src}");
        assert_eq!(
            slot(&result, CONTRACT, 0),
            Some(U256::from(1u8)),
            "{src}: STATICCALL pushed 0"
        );
        assert_eq!(
            slot(&result, CONTRACT, 1),
            Some(U256::from(1u8)),
            "{src}: caller went on"
        );
        assert_eq!(
            receipt(&result).gas_used,
            INTRINSIC + 46_828 + 100_000,
            "{src}"
        );
        assert!(receipt(&result).logs.is_empty(), "{src}");
        assert!(
            diff(&result, CALLEE).is_none(),
            "{src}: the callee is unchanged"
        );
        assert!(
            diff(&result, OTHER).is_none(),
            "{src}: nothing was called or created"
        );
        assert!(
            diff(&result, CONTRACT.create(1)).is_none()
                && diff(&result, CALLEE.create(1)).is_none()
        );
    }
}

/// EIP-214: reads are fine in a static frame (SLOAD, TLOAD, BALANCE, a CALL without value),
/// and static-ness is inherited: a nested CALL whose callee writes storage fails inside the
/// static frame, which itself succeeds. Exact gas for the SLOAD case: 46828 + PUSH0 2 + cold
/// SLOAD 2100 + POP 2.
#[test]
fn static_call_allows_reads() {
    let result = run_static("PUSH0\nSLOAD\nPOP", "STOP");
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(
        slot(&result, CONTRACT, 0),
        Some(U256::from(2u8)),
        "STATICCALL pushed 1"
    );
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 46_828 + 2104);

    let other = hex_addr(OTHER);
    let cases = [
        "PUSH0\nTLOAD\nPOP".to_string(),
        "ADDRESS\nBALANCE\nPOP".to_string(),
        format!("PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH20 {other}\nPUSH2 0xffff\nCALL\nPOP"),
        // The nested CALL must fail (push 0), else the frame hits INVALID.
        format!(
            "PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH20 {other}\nPUSH2 0xffff\nCALL\n\
             PUSH @wrong\nJUMPI\nSTOP\nJUMPDEST @wrong\nINVALID"
        ),
    ];
    for src in &cases {
        let result = run_static(src, "PUSH1 1\nPUSH0\nSSTORE");
        assert_eq!(receipt(&result).result, Ok(TxStatus::Success), "{src}");
        assert_eq!(
            slot(&result, CONTRACT, 0),
            Some(U256::from(2u8)),
            "{src}: STATICCALL pushed 1"
        );
        assert_eq!(slot(&result, CONTRACT, 1), Some(U256::from(1u8)), "{src}");
        assert!(
            diff(&result, OTHER).is_none(),
            "{src}: OTHER's storage untouched"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 7. SELFDESTRUCT (EIP-6780 from Cancun)
// ---------------------------------------------------------------------------------------

/// `PUSH20 BENEFICIARY SELFDESTRUCT`: 22 bytes, none zero.
fn destructor() -> String {
    format!("PUSH20 {}\nSELFDESTRUCT", hex_addr(BENEFICIARY))
}

/// CALLEE: a pre-existing contract with 1000 wei and slot 5 = 7 running `src`.
fn doomed(src: &str) -> GenesisAccount {
    GenesisAccount {
        balance: U256::from(1000u32),
        nonce: 1,
        code: code(src),
        storage: vec![(U256::from(5u8), U256::from(7u8))],
    }
}

/// Gas of a first SELFDESTRUCT sending value to a dead, cold beneficiary: PUSH20 3 + 5000 +
/// cold 2600 + new account 25000 (EIP-2929, EIP-161).
const DESTRUCT_TO_NEW: u64 = 3 + 5000 + 2600 + 25_000;

/// EIP-6780: in Cancun a pre-existing contract's SELFDESTRUCT only moves its balance; code,
/// nonce and storage stay, so a second transaction runs the code again (this time with no
/// value to move: 3 + 5000 + cold 2600 = 7603).
#[test]
fn cancun_selfdestruct_of_existing_contract_keeps_it() {
    let src = destructor();
    let accounts = [(SENDER, eoa(ETHER)), (CALLEE, doomed(&src))];
    let second = TxEnv {
        nonce: 1,
        ..call_tx(CALLEE, 100_000)
    };
    let result = run(
        env(SpecId::Cancun),
        &accounts,
        vec![call_tx(CALLEE, 100_000), second],
    );
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(result.receipts[0].gas_used, INTRINSIC + DESTRUCT_TO_NEW);
    assert_eq!(result.receipts[1].result, Ok(TxStatus::Success));
    assert_eq!(
        result.receipts[1].gas_used,
        INTRINSIC + 7603,
        "the code is still there"
    );
    let d = diff(&result, CALLEE).expect("the balance changed");
    assert_eq!(
        d.info,
        Some(AccountInfo {
            balance: U256::ZERO,
            nonce: 1,
            code_hash: keccak256(code(&src))
        })
    );
    assert!(!d.storage_cleared, "storage survives");
    assert!(d.storage.is_empty(), "slot 5 keeps its value: {d:?}");
    assert_eq!(
        info(&result, BENEFICIARY),
        Some(AccountInfo {
            balance: U256::from(1000u32),
            nonce: 0,
            code_hash: KECCAK_EMPTY
        })
    );
}

/// Before Cancun (Shanghai) SELFDESTRUCT deletes the account at the end of the transaction:
/// its diff says it no longer exists and its storage is cleared; a later call is a plain
/// transfer (21000). Same gas as in Cancun (no refund since London, EIP-3529).
#[test]
fn shanghai_selfdestruct_deletes_existing_contract() {
    let accounts = [(SENDER, eoa(ETHER)), (CALLEE, doomed(&destructor()))];
    let second = TxEnv {
        nonce: 1,
        ..call_tx(CALLEE, 100_000)
    };
    let result = run(
        env(SpecId::Shanghai),
        &accounts,
        vec![call_tx(CALLEE, 100_000), second],
    );
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(result.receipts[0].gas_used, INTRINSIC + DESTRUCT_TO_NEW);
    assert_eq!(
        result.receipts[1].gas_used, INTRINSIC,
        "no code left to run"
    );
    let d = diff(&result, CALLEE).expect("deleted accounts are in the diff");
    assert_eq!(d.info, None);
    assert!(d.storage_cleared);
    assert_eq!(
        info(&result, BENEFICIARY).map(|i| i.balance),
        Some(U256::from(1000u32))
    );
}

/// EIP-6780: a contract created in the same transaction is deleted by SELFDESTRUCT (here in
/// its own init code), and its balance moves. It did not exist before, so it is absent from
/// the diff. Intrinsic: 21000 + 32000 + 22 non-zero bytes x 16 + 1 init code word x 2 =
/// 53354; execution DESTRUCT_TO_NEW; no code deposited.
#[test]
fn cancun_selfdestruct_in_init_code_deletes_the_new_account() {
    let init = code(&destructor());
    assert_eq!(init.len(), 22);
    assert!(init.iter().all(|b| *b != 0));
    let tx = TxEnv {
        value: U256::from(500u32),
        ..create_tx(init, 200_000)
    };
    let result = run_one(env(SpecId::Cancun), &[(SENDER, eoa(ETHER))], tx);
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&result).gas_used, 53_354 + DESTRUCT_TO_NEW);
    let created = SENDER.create(0);
    assert!(
        info(&result, created).is_none(),
        "{:?}",
        diff(&result, created)
    );
    assert_eq!(
        info(&result, BENEFICIARY).map(|i| i.balance),
        Some(U256::from(500u32))
    );
    assert_eq!(
        info(&result, SENDER).map(|i| i.balance),
        Some(U256::from(ETHER - 500))
    );
}

/// EIP-6780 "same transaction", not just init code: a factory CREATEs a child (with 300 wei)
/// whose runtime code self-destructs, then CALLs it in the same transaction; the child is
/// deleted, its 300 wei go to the beneficiary.
#[test]
fn cancun_selfdestruct_after_create_in_same_tx_deletes() {
    let runtime = code(&destructor());
    let init = code(&format!(
        "PUSH22 0x{}\nPUSH0\nMSTORE\nPUSH1 22\nPUSH1 10\nRETURN",
        hex::encode(&runtime)
    ));
    assert_eq!(init.len(), 30);
    let factory = format!(
        "PUSH30 0x{}\nPUSH0\nMSTORE\nPUSH1 30\nPUSH1 2\nPUSH2 300\nCREATE\n\
         DUP1\nPUSH0\nSSTORE\n\
         PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nDUP6\nGAS\nCALL\nPUSH1 1\nSSTORE",
        hex::encode(&init)
    );
    let mut factory = contract(&factory);
    factory.balance = U256::from(1000u32);
    let accounts = [(SENDER, eoa(ETHER)), (CONTRACT, factory)];
    let result = run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 1_000_000));
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    let child = CONTRACT.create(1);
    assert_eq!(
        slot(&result, CONTRACT, 0),
        Some(U256::from_be_slice(child.as_slice()))
    );
    assert_eq!(
        slot(&result, CONTRACT, 1),
        Some(U256::from(1u8)),
        "the CALL succeeded"
    );
    assert!(info(&result, child).is_none(), "{:?}", diff(&result, child));
    assert_eq!(
        info(&result, BENEFICIARY).map(|i| i.balance),
        Some(U256::from(300u32))
    );
    assert_eq!(
        info(&result, CONTRACT).map(|i| (i.balance, i.nonce)),
        Some((U256::from(700u32), 2))
    );
}

/// EIP-6780 with the contract as its own beneficiary: a pre-existing contract keeps its
/// balance; a contract created in the transaction is deleted and its balance burned.
/// Create case: intrinsic 21000 + 32000 + 2 x 16 + 2 = 53034; ADDRESS 2 + SELFDESTRUCT 5000
/// (the new address is warm, EIP-2929, and alive, so no new-account charge).
#[test]
fn cancun_selfdestruct_to_self() {
    let accounts = [
        (SENDER, eoa(ETHER)),
        (CALLEE, doomed("ADDRESS\nSELFDESTRUCT")),
    ];
    let result = run_one(env(SpecId::Cancun), &accounts, call_tx(CALLEE, 100_000));
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 2 + 5000);
    if let Some(d) = diff(&result, CALLEE) {
        assert_eq!(
            d.info.map(|i| i.balance),
            Some(U256::from(1000u32)),
            "{d:?}"
        );
        assert!(!d.storage_cleared && d.storage.is_empty(), "{d:?}");
    }

    let tx = TxEnv {
        value: U256::from(500u32),
        ..create_tx(code("ADDRESS\nSELFDESTRUCT"), 100_000)
    };
    let result = run_one(env(SpecId::Cancun), &[(SENDER, eoa(ETHER))], tx);
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&result).gas_used, 53_034 + 5002);
    assert!(info(&result, SENDER.create(0)).is_none());
    assert_eq!(
        info(&result, SENDER).map(|i| i.balance),
        Some(U256::from(ETHER - 500)),
        "burned"
    );
}

// ---------------------------------------------------------------------------------------
// 8. REVERT and returndata
// ---------------------------------------------------------------------------------------

/// CALLEE for the returndata tests: writes slot 0 (undone by the revert), then REVERTs with
/// the 5 bytes 0x1122334455. Gas: PUSH1 3 + PUSH0 2 + SSTORE 22100 + PUSH5 3 + PUSH0 2 +
/// MSTORE 3 + C(1) 3 + PUSH1 3 + PUSH1 3 = 22122.
const REVERTER: &str =
    "PUSH1 1\nPUSH0\nSSTORE\nPUSH5 0x1122334455\nPUSH0\nMSTORE\nPUSH1 5\nPUSH1 27\nREVERT";

/// CALLs CALLEE with 100000 gas and no output area, then runs `tail`. Before the tail:
/// 5 x PUSH0 10 + PUSH20 3 + PUSH3 3 + CALL cold 2600.
fn revert_caller(tail: &str) -> BlockResult {
    let caller = format!(
        "PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH20 {}\nPUSH3 100000\nCALL\n{tail}",
        hex_addr(CALLEE)
    );
    let accounts = [
        (SENDER, eoa(ETHER)),
        (CONTRACT, contract(&caller)),
        (CALLEE, contract(REVERTER)),
    ];
    run_one(env(SpecId::Cancun), &accounts, call_tx(CONTRACT, 200_000))
}

/// EIP-140: REVERT undoes the callee's changes but hands back its unused gas and its output
/// (EIP-211: RETURNDATASIZE / RETURNDATACOPY). The caller stores CALL's result + 1, the
/// returndata size and the copied word. Gas: 2616 + callee 22122 + (PUSH1 3, ADD 3, PUSH0 2,
/// SSTORE 22100) + (RETURNDATASIZE 2, PUSH1 3, SSTORE 22100) + (PUSH1 3, PUSH0 2, PUSH0 2,
/// RETURNDATACOPY 3 + 1 word 3 + C(1) 3) + (PUSH0 2, MLOAD 3, PUSH1 3, SSTORE 22100) = 91075;
/// only 22122 of the callee's 100000 is used.
#[test]
fn revert_returns_unused_gas_and_data() {
    let result = revert_caller(
        "PUSH1 1\nADD\nPUSH0\nSSTORE\nRETURNDATASIZE\nPUSH1 1\nSSTORE\n\
         PUSH1 5\nPUSH0\nPUSH0\nRETURNDATACOPY\nPUSH0\nMLOAD\nPUSH1 2\nSSTORE",
    );
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(
        slot(&result, CONTRACT, 0),
        Some(U256::from(1u8)),
        "CALL pushed 0"
    );
    assert_eq!(
        slot(&result, CONTRACT, 1),
        Some(U256::from(5u8)),
        "RETURNDATASIZE"
    );
    assert_eq!(
        slot(&result, CONTRACT, 2),
        Some(U256::from(0x1122334455u64) << 216),
        "RETURNDATACOPY"
    );
    assert!(
        diff(&result, CALLEE).is_none(),
        "the callee's SSTORE was reverted"
    );
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 91_075);
}

/// A top-level REVERT: status Revert, the output is the revert data, the state change is
/// undone, only the gas used is charged: PUSH1 3 + PUSH0 2 + SSTORE 22100 + PUSH2 3 + PUSH0 2
/// + MSTORE 6 + PUSH1 3 + PUSH1 3 = 22122.
#[test]
fn top_level_revert_charges_only_used_gas() {
    let src = "PUSH1 1\nPUSH0\nSSTORE\nPUSH2 0xbeef\nPUSH0\nMSTORE\nPUSH1 2\nPUSH1 30\nREVERT";
    let result = run_code(SpecId::Cancun, src, 100_000);
    assert_eq!(receipt(&result).result, Ok(TxStatus::Revert));
    assert_eq!(receipt(&result).output.as_ref(), &[0xbe, 0xef]);
    assert_eq!(receipt(&result).gas_used, INTRINSIC + 22_122);
    assert!(diff(&result, CONTRACT).is_none());
    assert_eq!(info(&result, SENDER).map(|i| i.nonce), Some(1));
}

/// EIP-211: RETURNDATACOPY with offset + size beyond RETURNDATASIZE halts the frame
/// (even for size 0, and for offsets that overflow 256 bits); exactly up to the end is fine
/// (PUSH0 2, PUSH1 3, PUSH0 2, RETURNDATACOPY 3: 2616 + 22122 + 10). Without any earlier call
/// the returndata is empty.
#[test]
fn returndatacopy_out_of_bounds_halts() {
    let max = format!("0x{}", "ff".repeat(32));
    for tail in [
        "PUSH1 6\nPUSH0\nPUSH0\nRETURNDATACOPY".to_string(),
        "PUSH1 5\nPUSH1 1\nPUSH0\nRETURNDATACOPY".to_string(),
        "PUSH0\nPUSH1 6\nPUSH0\nRETURNDATACOPY".to_string(),
        format!("PUSH1 1\nPUSH32 {max}\nPUSH0\nRETURNDATACOPY"),
    ] {
        assert_halt(
            &revert_caller(&tail),
            HaltReason::ReturnDataOutOfBounds,
            200_000,
            &tail,
        );
    }
    // The gas (copy and memory expansion) is charged before the bounds check (EELS): a
    // 2^256 - 1 byte copy runs out of gas first.
    let tail = format!("PUSH32 {max}\nPUSH1 1\nPUSH0\nRETURNDATACOPY");
    assert_halt(&revert_caller(&tail), HaltReason::OutOfGas, 200_000, &tail);
    let ok = revert_caller("PUSH0\nPUSH1 5\nPUSH0\nRETURNDATACOPY");
    assert_eq!(receipt(&ok).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&ok).gas_used, INTRINSIC + 2616 + 22_122 + 10);

    let src = "PUSH1 1\nPUSH0\nPUSH0\nRETURNDATACOPY";
    assert_halt(
        &run_code(SpecId::Cancun, src, 60_000),
        HaltReason::ReturnDataOutOfBounds,
        60_000,
        src,
    );
    let ok = run_code(
        SpecId::Cancun,
        "PUSH0\nPUSH0\nPUSH0\nRETURNDATACOPY",
        60_000,
    );
    assert_eq!(receipt(&ok).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&ok).gas_used, INTRINSIC + 6 + 3);
}

// ---------------------------------------------------------------------------------------
// 9. Invalid and fork-gated opcodes
// ---------------------------------------------------------------------------------------

/// YP §9.4.2: INVALID (0xfe, EIP-141) and undefined opcodes halt with InvalidOpcode and
/// consume all gas, whatever the stack holds (an undefined opcode on a full stack is still
/// InvalidOpcode).
#[test]
fn invalid_and_undefined_opcodes_halt() {
    let cases = [
        "INVALID".to_string(),
        "DATA 0x0c".to_string(),
        "PUSH0\nPUSH0\nDATA 0x0c".to_string(),
        "DATA 0x21".to_string(),
        "DATA 0x4b".to_string(),
        "DATA 0xef".to_string(),
        "DATA 0xf6".to_string(),
        "DATA 0xfb".to_string(),
        format!("{}DATA 0x0c", repeat("PUSH0", 1024)),
    ];
    for src in &cases {
        assert_halt(
            &run_code(SpecId::Cancun, src, 100_000),
            HaltReason::InvalidOpcode,
            100_000,
            src,
        );
    }
}

/// EIP-3855: PUSH0 exists from Shanghai on (2 gas) and is undefined before (Paris); likewise
/// EIP-1153/5656/4844 opcodes before Cancun and BASEFEE (EIP-3198) before London.
#[test]
fn fork_gated_opcodes() {
    let ok = run_code(SpecId::Shanghai, "PUSH0", 100_000);
    assert_eq!(receipt(&ok).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&ok).gas_used, INTRINSIC + 2);

    let cases = [
        (SpecId::Paris, "PUSH0"),
        (SpecId::Shanghai, "PUSH0\nTLOAD"),
        (SpecId::Shanghai, "PUSH0\nPUSH0\nTSTORE"),
        (SpecId::Shanghai, "PUSH0\nPUSH0\nPUSH0\nMCOPY"),
        (SpecId::Shanghai, "PUSH0\nBLOBHASH"),
        (SpecId::Shanghai, "BLOBBASEFEE"),
        (SpecId::Berlin, "BASEFEE"),
    ];
    for (spec, src) in cases {
        let what = format!("{src} in {spec}");
        assert_halt(
            &run_code(spec, src, 100_000),
            HaltReason::InvalidOpcode,
            100_000,
            &what,
        );
    }
}

// ---------------------------------------------------------------------------------------
// 10. Transaction validation
// ---------------------------------------------------------------------------------------

/// Base fee of the validation tests' block.
const BASE_FEE: u64 = 7;
/// Gas price of their transactions (tip 3 per gas).
const PRICE: u64 = 10;
/// Their sender's nonce.
const NONCE: u64 = 5;

/// A block with base fee 7 where SENDER has 1 ether and nonce 5.
fn fee_world() -> (BlockEnv, Vec<(Address, GenesisAccount)>) {
    let mut block = env(SpecId::Cancun);
    block.base_fee = U256::from(BASE_FEE);
    let sender = GenesisAccount {
        balance: U256::from(ETHER),
        nonce: NONCE,
        ..Default::default()
    };
    (block, vec![(SENDER, sender)])
}

/// A valid 1-wei transfer to OTHER at price 10 with nonce 5.
fn transfer() -> TxEnv {
    TxEnv {
        nonce: NONCE,
        gas_price: U256::from(PRICE),
        value: U256::from(1u8),
        ..call_tx(OTHER, 21_000)
    }
}

/// Asserts the block's one transaction was rejected with `err` and changed nothing.
#[track_caller]
fn assert_rejected(result: &BlockResult, err: InvalidTx) {
    let r = receipt(result);
    assert_eq!(r.result, Err(err));
    assert_eq!(
        (r.gas_used, r.cumulative_gas_used, result.gas_used),
        (0, 0, 0)
    );
    assert!(r.logs.is_empty() && r.output.is_empty() && r.created_address.is_none());
    assert!(
        result.state_diff.accounts.is_empty(),
        "{:?}",
        result.state_diff
    );
}

/// The base transfer is valid: 21000 gas, the sender pays 21000 x 10 + 1, the coinbase earns
/// the 3-per-gas tip, the base fee is burned (EIP-1559).
#[test]
fn valid_transfer_baseline() {
    let (block, accounts) = fee_world();
    let result = run_one(block, &accounts, transfer());
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&result).gas_used, INTRINSIC);
    let sender = info(&result, SENDER).unwrap();
    assert_eq!(
        (sender.balance, sender.nonce),
        (U256::from(ETHER - 210_000 - 1), NONCE + 1)
    );
    assert_eq!(
        info(&result, OTHER).map(|i| i.balance),
        Some(U256::from(1u8))
    );
    assert_eq!(
        info(&result, COINBASE).map(|i| i.balance),
        Some(U256::from(21_000u64 * 3))
    );
}

/// The transaction nonce must equal the sender's (YP §6.2): lower and higher are rejected.
#[test]
fn nonce_mismatch_is_rejected() {
    let (block, accounts) = fee_world();
    let low = run_one(
        block.clone(),
        &accounts,
        TxEnv {
            nonce: NONCE - 1,
            ..transfer()
        },
    );
    assert_rejected(
        &low,
        InvalidTx::NonceTooLow {
            tx: NONCE - 1,
            state: NONCE,
        },
    );
    let high = run_one(
        block,
        &accounts,
        TxEnv {
            nonce: NONCE + 1,
            ..transfer()
        },
    );
    assert_rejected(
        &high,
        InvalidTx::NonceTooHigh {
            tx: NONCE + 1,
            state: NONCE,
        },
    );
}

/// The sender must afford gas_limit x price + value up front (YP §6.2); exactly enough is
/// fine and leaves a zero balance.
#[test]
fn insufficient_funds_is_rejected() {
    let (block, accounts) = fee_world();
    let tx = TxEnv {
        value: U256::from(ETHER - 210_000 + 1),
        ..transfer()
    };
    let result = run_one(block.clone(), &accounts, tx);
    assert_rejected(
        &result,
        InvalidTx::InsufficientFunds {
            needed: U256::from(ETHER + 1),
            balance: U256::from(ETHER),
        },
    );
    let tx = TxEnv {
        value: U256::from(ETHER - 210_000),
        ..transfer()
    };
    let result = run_one(block, &accounts, tx);
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(info(&result, SENDER).map(|i| i.balance), Some(U256::ZERO));
}

/// The gas limit must cover the intrinsic gas (YP §6.2, EIP-2028, EIP-3860): 21000; + 4 per
/// zero and 16 per non-zero calldata byte; a create adds 32000 and 2 per init code word.
#[test]
fn intrinsic_gas_too_low_is_rejected() {
    let (block, accounts) = fee_world();
    let result = run_one(
        block.clone(),
        &accounts,
        TxEnv {
            gas_limit: 20_999,
            ..transfer()
        },
    );
    assert_rejected(
        &result,
        InvalidTx::IntrinsicGasTooLow {
            intrinsic: 21_000,
            limit: 20_999,
        },
    );

    let tx = TxEnv {
        gas_limit: 21_019,
        data: Bytes::from(vec![0, 1]),
        ..transfer()
    };
    let result = run_one(block.clone(), &accounts, tx);
    assert_rejected(
        &result,
        InvalidTx::IntrinsicGasTooLow {
            intrinsic: 21_020,
            limit: 21_019,
        },
    );

    let tx = TxEnv {
        nonce: NONCE,
        gas_price: U256::from(PRICE),
        ..create_tx(Bytes::from(vec![0x01]), 53_017)
    };
    let result = run_one(block, &accounts, tx);
    assert_rejected(
        &result,
        InvalidTx::IntrinsicGasTooLow {
            intrinsic: 53_018,
            limit: 53_017,
        },
    );
}

/// EIP-3860 for the CREATE opcode: init code above 49152 bytes is an exceptional abort of the
/// creating frame (all gas gone; checked before memory expansion, as geth and revm do); 49152 is fine. For 49152 zero bytes: PUSH2 3 + PUSH0 2 +
/// PUSH0 2 + CREATE 32000 + C(1536) = 4608 + 1536^2/512 = 9216 + 1536 words x 2 = 3072, and the
/// all-STOP init code deploys an empty contract.
#[test]
fn create_opcode_initcode_limit() {
    let too_big = run_code(
        SpecId::Cancun,
        "PUSH2 0xc001\nPUSH0\nPUSH0\nCREATE",
        1_000_000,
    );
    assert_halt(
        &too_big,
        HaltReason::InitCodeSizeLimit,
        1_000_000,
        "CREATE of 49153 bytes",
    );
    assert!(diff(&too_big, CONTRACT.create(1)).is_none());

    let ok = run_code(
        SpecId::Cancun,
        "PUSH2 0xc000\nPUSH0\nPUSH0\nCREATE",
        1_000_000,
    );
    assert_eq!(receipt(&ok).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&ok).gas_used, INTRINSIC + 7 + 32_000 + 9216 + 3072);
    assert_eq!(
        info(&ok, CONTRACT.create(1)).map(|i| (i.nonce, i.code_hash)),
        Some((1, KECCAK_EMPTY))
    );
}

/// EIP-1559: the (max) fee per gas must reach the base fee, for legacy and type-2
/// transactions alike; the priority fee may not exceed the max fee.
#[test]
fn gas_price_below_base_fee_is_rejected() {
    let (block, accounts) = fee_world();
    let result = run_one(
        block.clone(),
        &accounts,
        TxEnv {
            gas_price: U256::from(6u8),
            ..transfer()
        },
    );
    assert_rejected(&result, InvalidTx::GasPriceBelowBaseFee);

    let dynamic = TxEnv {
        tx_type: 2,
        gas_price: U256::from(6u8),
        max_priority_fee_per_gas: Some(U256::from(1u8)),
        ..transfer()
    };
    assert_rejected(
        &run_one(block.clone(), &accounts, dynamic.clone()),
        InvalidTx::GasPriceBelowBaseFee,
    );
    let greedy = TxEnv {
        gas_price: U256::from(10u8),
        max_priority_fee_per_gas: Some(U256::from(11u8)),
        ..dynamic
    };
    assert_rejected(
        &run_one(block, &accounts, greedy),
        InvalidTx::PriorityFeeAboveMaxFee,
    );
}

/// EIP-3607: a sender with code is rejected.
#[test]
fn sender_with_code_is_rejected() {
    let (block, mut accounts) = fee_world();
    accounts[0].1.code = code("STOP");
    assert_rejected(
        &run_one(block, &accounts, transfer()),
        InvalidTx::SenderHasCode,
    );
}

/// EIP-3860: create transactions with more than 49152 bytes of init code are rejected; 49152
/// is fine. 49152 zero bytes (all STOP): intrinsic 21000 + 32000 + 49152 x 4 + 1536 words x 2
/// = 252680, and STOP uses nothing more.
#[test]
fn initcode_too_large_is_rejected() {
    let (block, accounts) = fee_world();
    let create = |len: usize| TxEnv {
        nonce: NONCE,
        gas_price: U256::from(PRICE),
        ..create_tx(Bytes::from(vec![0u8; len]), 1_000_000)
    };
    let result = run_one(block.clone(), &accounts, create(49_153));
    assert_rejected(&result, InvalidTx::InitcodeTooLarge { size: 49_153 });

    let result = run_one(block, &accounts, create(49_152));
    assert_eq!(receipt(&result).result, Ok(TxStatus::Success));
    assert_eq!(receipt(&result).gas_used, 252_680);
    assert_eq!(receipt(&result).created_address, Some(SENDER.create(NONCE)));
}

/// A rejected transaction between two valid ones changes nothing and uses no block gas: the
/// receipts read 21000 / 0 / 21000 with cumulative 21000 / 21000 / 42000, the second valid
/// transaction sees the nonce the first left (6), and the rejected one (nonce 5 again) is
/// NonceTooLow.
#[test]
fn rejected_transaction_between_valid_ones() {
    let (block, accounts) = fee_world();
    let txs = vec![
        transfer(),
        transfer(),
        TxEnv {
            nonce: NONCE + 1,
            ..transfer()
        },
    ];
    let result = run(block, &accounts, txs);
    let statuses: Vec<_> = result.receipts.iter().map(|r| r.result.clone()).collect();
    assert_eq!(
        statuses,
        vec![
            Ok(TxStatus::Success),
            Err(InvalidTx::NonceTooLow {
                tx: NONCE,
                state: NONCE + 1
            }),
            Ok(TxStatus::Success)
        ]
    );
    let gas: Vec<_> = result
        .receipts
        .iter()
        .map(|r| (r.gas_used, r.cumulative_gas_used))
        .collect();
    assert_eq!(gas, vec![(21_000, 21_000), (0, 21_000), (21_000, 42_000)]);
    assert_eq!(result.gas_used, 42_000);
    let sender = info(&result, SENDER).unwrap();
    assert_eq!(
        (sender.balance, sender.nonce),
        (U256::from(ETHER - 2 * (210_000 + 1)), NONCE + 2)
    );
    assert_eq!(
        info(&result, OTHER).map(|i| i.balance),
        Some(U256::from(2u8))
    );
    assert_eq!(
        info(&result, COINBASE).map(|i| i.balance),
        Some(U256::from(2 * 21_000u64 * 3))
    );
}

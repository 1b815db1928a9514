//! Regressions found by differential testing against revm that the Ethereum state tests miss.
//! Each case is the program that exposed the bug, with the value the specification gives.

use alloy_primitives::{address, b256, hex, Address, Bytes, B256, U256};
use zkos_os::bootloader::Bootloader;
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::types::{BlockEnv, BlockResult, TxEnv, TxStatus};
use zkos_tests::call_tx;

const A: Address = address!("aaaa00000000000000000000000000000000aaaa");
const B: Address = address!("bbbb00000000000000000000000000000000bbbb");

fn contract(code: &str) -> GenesisAccount {
    GenesisAccount {
        nonce: 1,
        code: Bytes::from(hex::decode(code).expect("hex")),
        ..Default::default()
    }
}

fn run(oracle: &InMemoryOracle) -> BlockResult {
    Bootloader::new().run_block(oracle)
}

fn slot(result: &BlockResult, address: Address, key: u64) -> Option<U256> {
    let account = result
        .state_diff
        .accounts
        .iter()
        .find(|a| a.address == address)?;
    account
        .storage
        .iter()
        .find(|(k, _)| *k == U256::from(key))
        .map(|(_, v)| *v)
}

fn oracle(env: BlockEnv, accounts: &[(Address, GenesisAccount)], tx: TxEnv) -> InMemoryOracle {
    zkos_tests::oracle(env, accounts, vec![tx])
}

/// A STATICCALLs the identity precompile with one byte (its return data is then one byte),
/// then CALLs B, which stores RETURNDATASIZE. B is a new frame: its return data is empty.
#[test]
fn a_new_call_frame_starts_with_empty_return_data() {
    let a = "5f5f60015f60045afa505f5f5f5f5f73bbbb00000000000000000000000000000000bbbb5af15000";
    let b = "3d5f55";
    let o = oracle(
        BlockEnv::default(),
        &[(A, contract(a)), (B, contract(b))],
        call_tx(A, 100_000),
    );
    let result = run(&o);
    let receipt = &result.receipts[0];
    assert_eq!(receipt.result, Ok(TxStatus::Success));
    // SSTORE(0, 0) on a clean zero slot changes nothing: no diff entry for B's slot 0, and
    // it costs 100 + 2100 (cold) rather than 20000 + 2100.
    assert_eq!(slot(&result, B, 0), None);
    assert_eq!(receipt.gas_used, 25_958);
}

/// The same through CREATE: the init code stores RETURNDATASIZE into the new account after
/// its creator made a call that returned 32 bytes.
#[test]
fn init_code_starts_with_empty_return_data() {
    // Init code: RETURNDATASIZE PUSH0 SSTORE STOP  (3d5f5500), placed in memory by PUSH4 +
    // PUSH0 MSTORE, so it sits at bytes 28..32.
    // Creator: STATICCALL identity with 32 bytes in (return data 32 bytes), then
    // CREATE(0, 28, 4), then store the new address at slot 0 of the creator.
    let creator = concat!(
        "60205f60205f60045afa50", // STATICCALL(gas, 4, 0, 32, 0, 32); POP
        "633d5f55005f52",         // MSTORE(0, 0x3d5f5500)
        "6004601c5ff0",           // CREATE(0, 28, 4)
        "5f5500",                 // SSTORE(0, address); STOP
    );
    let o = oracle(
        BlockEnv::default(),
        &[(A, contract(creator))],
        call_tx(A, 200_000),
    );
    let result = run(&o);
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
    let created = slot(&result, A, 0).expect("the creator stored the new address");
    assert!(!created.is_zero(), "the create succeeded");
    let created = Address::from_word(B256::from(created));
    // The new account's slot 0 holds RETURNDATASIZE = 0: no change, so no diff entry.
    assert_eq!(slot(&result, created, 0), None);
}

/// After a call, the caller's return data is its child's output, and a grandchild's call does
/// not change what the caller sees: B calls the identity precompile with 7 bytes and returns
/// nothing; A then sees B's empty output, not the 7 bytes.
#[test]
fn return_data_is_the_last_child_output_of_this_frame() {
    // B: STATICCALL(gas, 4, 0, 7, 0, 0); POP; STOP (returns empty)
    let b = "5f5f60075f60045afa5000";
    // A: CALL B; POP; SSTORE(0, RETURNDATASIZE + 1); STOP
    let a = "5f5f5f5f5f73bbbb00000000000000000000000000000000bbbb5af15060013d015f5500";
    let o = oracle(
        BlockEnv::default(),
        &[(A, contract(a)), (B, contract(b))],
        call_tx(A, 100_000),
    );
    let result = run(&o);
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
    assert_eq!(slot(&result, A, 0), Some(U256::from(1)));
}

/// BLOCKHASH at block numbers above 2^32: the 256-block window applies to the full number.
#[test]
fn blockhash_above_2_pow_32() {
    let number = 4_294_968_296u64; // 2^32 + 1000
    let hash = |n: u64| -> B256 {
        let mut h = b256!("1100000000000000000000000000000000000000000000000000000000000000");
        h.0[24..].copy_from_slice(&n.to_be_bytes());
        h
    };
    // For each distance d in 1, 256, 257, 0: SSTORE(d, BLOCKHASH(NUMBER - d)), as
    // PUSH2 d NUMBER SUB BLOCKHASH PUSH2 d SSTORE.
    let mut code = String::new();
    for d in [1u16, 256, 257, 0] {
        code += &format!("61{d:04x}43034061{d:04x}55");
    }
    code += "00";
    let env = BlockEnv {
        number,
        ..Default::default()
    };
    let mut o = oracle(env, &[(A, contract(&code))], call_tx(A, 200_000));
    for n in number - 300..=number {
        o.set_block_hash(n, hash(n));
    }
    let result = run(&o);
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
    let word = |n: u64| Some(U256::from_be_bytes(hash(n).0));
    assert_eq!(slot(&result, A, 1), word(number - 1));
    assert_eq!(slot(&result, A, 256), word(number - 256));
    assert_eq!(
        slot(&result, A, 257),
        None,
        "257 blocks back is outside the window"
    );
    assert_eq!(
        slot(&result, A, 0),
        None,
        "the current block has no hash yet"
    );
}

fn halt_of(code: &str, gas_for_code: u64) -> TxStatus {
    let o = oracle(
        BlockEnv::default(),
        &[(A, contract(code))],
        call_tx(A, 21_000 + gas_for_code),
    );
    let result = run(&o);
    result.receipts[0].result.clone().expect("executed")
}

/// A basic block that halts, halts at the instruction a per-instruction EVM halts at, for that
/// instruction's reason. PUSH1 1 PUSH1 2 ADD ADD: the second ADD underflows, but with 5 gas
/// the second PUSH1 already cannot pay.
#[test]
fn a_halting_block_halts_at_its_first_failing_instruction() {
    use zkos_os::types::HaltReason::*;
    let code = "600160020101";
    assert_eq!(halt_of(code, 5), TxStatus::Halt(OutOfGas));
    assert_eq!(
        halt_of(code, 8),
        TxStatus::Halt(OutOfGas),
        "the first ADD cannot pay"
    );
    // With 9, the second ADD is reached with no gas left: its missing input comes first.
    assert_eq!(halt_of(code, 9), TxStatus::Halt(StackUnderflow));
    assert_eq!(halt_of(code, 12), TxStatus::Halt(StackUnderflow));
    // Stack inputs are checked before gas (EELS pops before it charges): the lone ADD with
    // no gas at all underflows.
    assert_eq!(halt_of("01", 0), TxStatus::Halt(StackUnderflow));
}

/// The block's static gas is charged when it is entered; a dynamic cost that the rest cannot
/// pay must not halt early when a per-instruction EVM still has the gas at that point.
/// PUSH1 0 PUSH1 0 MSTORE (3 for memory) | PUSH1 1 PUSH1 0 PUSH1 0 RETURNDATACOPY (3 to copy;
/// out of bounds: there is no return data) | PUSH1 0 PUSH1 0 STOP. Reaching the failing
/// RETURNDATACOPY costs 9 + 3 + 12 + 3 = 27 gas.
#[test]
fn dynamic_costs_see_the_gas_of_the_blocks_later_instructions() {
    use zkos_os::types::HaltReason::*;
    let code = "60006000526001600060003e6000600000";
    assert_eq!(halt_of(code, 27), TxStatus::Halt(ReturnDataOutOfBounds));
    assert_eq!(halt_of(code, 26), TxStatus::Halt(OutOfGas));
}

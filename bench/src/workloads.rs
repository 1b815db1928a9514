//! The workloads: contracts in `bench/contracts/*.asm` (assembled with `zkos_host::asm`),
//! the pre-state and transaction around them, and the result a correct run must produce,
//! computed here in Rust independently of either engine.
//!
//! Sizes are set so one run takes a few milliseconds: long enough that per-block overhead
//! does not dominate, short enough that criterion collects plenty of samples.

use crate::{Expected, Workload};
use alloy_primitives::{address, b256, Address, Bytes, U256};
use zkos_os::oracle::GenesisAccount;
use zkos_os::types::{BlockEnv, SpecId, TxEnv};

/// The externally owned account that sends every workload's transaction.
pub const CALLER: Address = address!("00000000000000000000000000000000ca11e400");
/// The contract every transaction calls.
pub const CONTRACT: Address = address!("00000000000000000000000000000000c0de0001");
/// The call-heavy workload's callee.
pub const CALLEE: Address = address!("00000000000000000000000000000000c0de0002");
/// The block's fee recipient.
pub const COINBASE: Address = address!("00000000000000000000000000000000c014ba5e");

/// Gas limit of both the transaction and the block: high enough that no workload comes
/// near it, so gas never shapes how much work is done.
pub const GAS_LIMIT: u64 = 1_000_000_000;

/// Loop rounds of the loop-heavy workload.
pub const LOOP_ITERATIONS: u64 = 30_000;
/// Slots per phase of the storage-heavy workload.
pub const STORAGE_SLOTS: u64 = 2_000;
/// Pre-set slots the storage-heavy workload clears at the end (its refunds).
pub const STORAGE_CLEARED: u64 = 500;
/// Where the storage workload's pre-set slots start.
pub const STORAGE_BASE: u64 = 0x1_0000;
/// CALLs made by the call-heavy workload.
pub const CALLS: u64 = 5_000;

const LOOP_SEED: u64 = 0x5eed;
const LOOP_MUL: u64 = 0x9e37_79b9_7f4a_7c15;

/// Every workload, in report order.
pub fn all() -> Vec<Workload> {
    vec![loop_heavy(), storage_heavy(), call_heavy()]
}

/// Arithmetic in a tight loop, no storage: interpreter dispatch and 256-bit ALU cost.
pub fn loop_heavy() -> Workload {
    let code = assemble(
        include_str!("../contracts/loop.asm"),
        &[
            ("iterations", LOOP_ITERATIONS.to_string()),
            ("seed", LOOP_SEED.to_string()),
            ("mul", LOOP_MUL.to_string()),
        ],
    );
    let acc = loop_native(LOOP_ITERATIONS);
    Workload {
        name: "loop".into(),
        summary: "arithmetic loop (MUL/ADD/SHL/SHR/XOR, counter, JUMPI), no storage".into(),
        expected: Expected {
            output: Some(word(acc)),
            storage: Vec::new(),
        },
        ..call_to(vec![(CONTRACT, contract(code, Vec::new()))])
    }
}

/// The loop workload in plain Rust on 256-bit words: its expected output, and the bench's
/// `native` column (the physical limit for any EVM on this loop).
pub fn loop_native(iterations: u64) -> U256 {
    let mut acc = U256::from(LOOP_SEED);
    for i in 0..iterations {
        acc = acc
            .wrapping_mul(U256::from(LOOP_MUL))
            .wrapping_add(U256::from(i));
        acc ^= acc << 7;
        acc ^= acc >> 11;
    }
    acc
}

/// SSTORE/SLOAD over many distinct slots, cold and warm, with overwrites and clears.
pub fn storage_heavy() -> Workload {
    let code = assemble(
        include_str!("../contracts/storage.asm"),
        &[
            ("slots", STORAGE_SLOTS.to_string()),
            ("cleared", STORAGE_CLEARED.to_string()),
            ("base", STORAGE_BASE.to_string()),
        ],
    );
    let preset = |i: u64| U256::from(3 * i + 5);
    let pre_storage = (0..STORAGE_SLOTS)
        .map(|i| (U256::from(STORAGE_BASE + i), preset(i)))
        .collect();
    let mut expected = Vec::new();
    for i in 0..STORAGE_SLOTS {
        expected.push((CONTRACT, U256::from(i), U256::from(2 * (i + 1))));
        let cleared = i < STORAGE_CLEARED;
        let value = if cleared {
            U256::ZERO
        } else {
            preset(i) + U256::from(1)
        };
        expected.push((CONTRACT, U256::from(STORAGE_BASE + i), value));
    }
    Workload {
        name: "storage".into(),
        summary: "SSTORE/SLOAD over distinct slots: cold writes, warm read-modify-write, \
                  cold reads of pre-set slots, clears with refunds"
            .into(),
        expected: Expected {
            output: None,
            storage: expected,
        },
        ..call_to(vec![(CONTRACT, contract(code, pre_storage))])
    }
}

/// A contract CALLing another one in a loop and reading its RETURNDATA: frame setup and
/// teardown cost.
pub fn call_heavy() -> Workload {
    let callee = assemble(include_str!("../contracts/call_callee.asm"), &[]);
    let caller = assemble(
        include_str!("../contracts/call_caller.asm"),
        &[
            ("calls", CALLS.to_string()),
            ("callee", format!("{CALLEE:#x}")),
        ],
    );
    let mut acc = U256::ZERO;
    for i in 0..CALLS {
        let x = U256::from(i);
        acc = acc.wrapping_add(x.wrapping_mul(x).wrapping_add(x ^ U256::from(0x5555)));
    }
    Workload {
        name: "call".into(),
        summary: "CALL to a small contract in a loop, RETURNDATASIZE/RETURNDATACOPY of its result"
            .into(),
        expected: Expected {
            output: Some(word(acc)),
            storage: Vec::new(),
        },
        ..call_to(vec![
            (CONTRACT, contract(caller, Vec::new())),
            (CALLEE, contract(callee, Vec::new())),
        ])
    }
}

/// The part every workload shares: a Cancun block and one EIP-1559 call from [`CALLER`] to
/// [`CONTRACT`] with no calldata, over `contracts` plus the funded caller.
pub(crate) fn call_to(contracts: Vec<(Address, GenesisAccount)>) -> Workload {
    let gwei = U256::from(1_000_000_000u64);
    let block = BlockEnv {
        spec: SpecId::Cancun,
        chain_id: 1,
        number: 1,
        coinbase: COINBASE,
        timestamp: 1_700_000_000,
        gas_limit: GAS_LIMIT,
        base_fee: gwei,
        difficulty: U256::ZERO,
        prev_randao: b256!("00000000000000000000000000000000000000000000000000000000000000aa"),
        excess_blob_gas: 0,
        blob_schedule: None,
    };
    let tx = TxEnv {
        tx_type: 2,
        caller: CALLER,
        nonce: 0,
        gas_limit: GAS_LIMIT,
        gas_price: gwei * U256::from(2),
        max_priority_fee_per_gas: Some(gwei),
        to: Some(CONTRACT),
        chain_id: Some(1),
        ..TxEnv::default()
    };
    let caller = GenesisAccount {
        // 1e24 wei: far more than GAS_LIMIT at the max fee (2e18).
        balance: U256::from(10u64).pow(U256::from(24)),
        ..GenesisAccount::default()
    };
    let mut accounts = vec![(CALLER, caller)];
    accounts.extend(contracts);
    Workload {
        name: String::new(),
        summary: String::new(),
        block,
        accounts,
        tx,
        expected: Expected::default(),
    }
}

/// A contract account with `code` and `storage` and nothing else.
pub(crate) fn contract(code: Bytes, storage: Vec<(U256, U256)>) -> GenesisAccount {
    GenesisAccount {
        balance: U256::ZERO,
        nonce: 1,
        code,
        storage,
    }
}

/// A 256-bit value as the 32 bytes a contract returns.
fn word(value: U256) -> Bytes {
    Bytes::copy_from_slice(&value.to_be_bytes::<32>())
}

/// Fills the `{name}` placeholders of an assembly source and assembles it. The sources are
/// part of this crate, so a failure is a bug here: panic with the assembler's message.
fn assemble(template: &str, params: &[(&str, String)]) -> Bytes {
    let mut source = template.to_string();
    for (name, value) in params {
        source = source.replace(&format!("{{{name}}}"), value);
    }
    if let Some(at) = source.find('{') {
        let rest = &source[at..];
        panic!(
            "unfilled placeholder in contract source: {}",
            &rest[..rest.len().min(40)]
        );
    }
    match zkos_host::asm::assemble(&source) {
        Ok(code) => Bytes::from(code),
        Err(error) => panic!("contract source does not assemble: {error}"),
    }
}

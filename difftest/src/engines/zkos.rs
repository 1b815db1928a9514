//! zkos as an engine: the bootloader over any execution environment.

use super::Engine;
use crate::case::Case;
use crate::outcome::{AccountState, HaltClass, LogEntry, Outcome, Status, TxOutcome};
use alloy_primitives::Bytes;
use std::collections::BTreeMap;
use zkos_os::arena::Arena;
use zkos_os::bootloader::Bootloader;
use zkos_os::ee::ExecutionEnvironment;
use zkos_os::evm::EvmInterpreter;
use zkos_os::types::{BlockResult, HaltReason, SpecId, TxStatus, KECCAK_EMPTY};

/// The bootloader with execution environment `E`, kept across cases (warm caches and arena,
/// as the sequencer keeps it across blocks: a bug that needs warm state shows up too).
pub struct ZkosEngine<E: ExecutionEnvironment> {
    name: String,
    bootloader: Bootloader<E>,
}

impl ZkosEngine<EvmInterpreter> {
    /// The interpreter.
    pub fn interpreter() -> Self {
        ZkosEngine::with_ee("zkos", EvmInterpreter::new(SpecId::Cancun))
    }
}

impl ZkosEngine<zkos_evm_jit::JitEngine> {
    /// The JIT engine in `mode` (`jit` compiles every contract and init code).
    pub fn jit(mode: zkos_evm_jit::Mode) -> Self {
        let name = match mode {
            zkos_evm_jit::Mode::Interp => "jit-interp",
            zkos_evm_jit::Mode::Jit => "jit",
            zkos_evm_jit::Mode::Tiered { .. } => "tiered",
        };
        ZkosEngine::with_ee(name, zkos_evm_jit::JitEngine::new(mode, SpecId::Cancun))
    }
}

impl<E: ExecutionEnvironment> ZkosEngine<E> {
    /// The bootloader over `ee` (the JIT, a tiered engine, ...), reported as `name`.
    pub fn with_ee(name: &str, ee: E) -> Self {
        ZkosEngine {
            name: name.to_string(),
            bootloader: Bootloader::with_parts(Arena::new(), ee),
        }
    }
}

impl<E: ExecutionEnvironment> Engine for ZkosEngine<E> {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(&mut self, case: &Case) -> Result<Outcome, String> {
        let oracle = case.oracle()?;
        let result = self.bootloader.run_block(&oracle);
        Ok(outcome_of(case, &result))
    }

    /// The interpreter's trace: the engine under test may be another EE (the JIT), whose
    /// divergence from revm is then located through the interpreter it must equal.
    fn trace(&mut self, case: &Case) -> Result<Vec<crate::trace::Step>, String> {
        crate::trace::zkos_steps(case)
    }
}

/// The halt class of a zkos halt reason.
pub fn halt_class(reason: HaltReason) -> HaltClass {
    match reason {
        // The arena's reservation is far beyond what any gas limit can pay for: reaching it
        // is running out of gas by other means.
        HaltReason::OutOfGas | HaltReason::MemoryLimit => HaltClass::OutOfGas,
        HaltReason::StackUnderflow => HaltClass::StackUnderflow,
        HaltReason::StackOverflow => HaltClass::StackOverflow,
        HaltReason::InvalidJump => HaltClass::InvalidJump,
        HaltReason::InvalidOpcode => HaltClass::InvalidOpcode,
        HaltReason::StaticViolation => HaltClass::StaticViolation,
        HaltReason::ReturnDataOutOfBounds => HaltClass::ReturnDataOutOfBounds,
        HaltReason::CreateCollision => HaltClass::CreateCollision,
        HaltReason::CodeSizeLimit => HaltClass::CodeSizeLimit,
        HaltReason::InvalidCodePrefix => HaltClass::InvalidCodePrefix,
        HaltReason::InitCodeSizeLimit => HaltClass::InitCodeSizeLimit,
        HaltReason::PrecompileFailure => HaltClass::PrecompileFailure,
        HaltReason::CallDepth => HaltClass::CallDepth,
        HaltReason::OutOfFunds => HaltClass::OutOfFunds,
        HaltReason::NonceOverflow => HaltClass::NonceOverflow,
    }
}

/// The outcome of a block result: receipts, and the pre-state with the state diff applied.
pub fn outcome_of(case: &Case, result: &BlockResult) -> Outcome {
    let txs = result
        .receipts
        .iter()
        .map(|r| TxOutcome {
            status: match &r.result {
                Ok(TxStatus::Success) => Status::Success,
                Ok(TxStatus::Revert) => Status::Revert,
                Ok(TxStatus::Halt(reason)) => Status::Halt(halt_class(*reason)),
                Err(invalid) => Status::Invalid(invalid.to_string()),
            },
            gas_used: r.gas_used,
            refund: r.gas_refunded,
            output: r.output.clone(),
            logs: r
                .logs
                .iter()
                .map(|l| LogEntry {
                    address: l.address,
                    topics: l.topics.clone(),
                    data: l.data.clone(),
                })
                .collect(),
        })
        .collect();
    let mut state: BTreeMap<_, _> = case
        .pre
        .iter()
        .map(|(address, a)| {
            let account = AccountState {
                balance: a.balance,
                nonce: a.nonce,
                code: a.code.clone(),
                storage: a
                    .storage
                    .iter()
                    .filter(|(_, v)| !v.is_zero())
                    .map(|(k, v)| (*k, *v))
                    .collect(),
            };
            (*address, account)
        })
        .collect();
    for diff in &result.state_diff.accounts {
        let Some(info) = diff.info else {
            state.remove(&diff.address);
            continue;
        };
        let account = state.entry(diff.address).or_insert_with(|| AccountState {
            balance: Default::default(),
            nonce: 0,
            code: Bytes::new(),
            storage: BTreeMap::new(),
        });
        account.balance = info.balance;
        account.nonce = info.nonce;
        if let Some(code) = &diff.code {
            account.code = code.clone();
        } else if info.code_hash == KECCAK_EMPTY {
            account.code = Bytes::new();
        }
        if diff.storage_cleared {
            account.storage.clear();
        }
        for (key, value) in &diff.storage {
            if value.is_zero() {
                account.storage.remove(key);
            } else {
                account.storage.insert(*key, *value);
            }
        }
    }
    Outcome { txs, state }
}

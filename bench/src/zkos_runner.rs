//! The zkos side: a workload as a one-transaction block on an [`InMemoryOracle`].

use crate::{Outcome, Status, Workload};
use std::collections::BTreeMap;
use zkos_evm_jit::{JitEngine, Mode};
use zkos_os::arena::Arena;
use zkos_os::bootloader::Bootloader;
use zkos_os::ee::ExecutionEnvironment;
use zkos_os::evm::EvmInterpreter;
use zkos_os::oracle::InMemoryOracle;
use zkos_os::types::{BlockResult, TxStatus};

/// A workload ready to run on zkos. The bootloader is kept across runs, as the sequencer keeps
/// it across blocks, so its arena and caches are warm and the bench times execution rather
/// than first-use allocation.
pub struct ZkosRunner<E: ExecutionEnvironment = EvmInterpreter> {
    bootloader: Bootloader<E>,
    oracle: InMemoryOracle,
}

impl ZkosRunner {
    /// The interpreter. Builds the oracle (pre-state, block, transaction) from the shared
    /// description.
    pub fn new(workload: &Workload) -> Self {
        ZkosRunner::with_ee(workload, EvmInterpreter::new(workload.block.spec))
    }
}

impl ZkosRunner<JitEngine> {
    /// The JIT engine in `mode`.
    pub fn jit(workload: &Workload, mode: Mode) -> Self {
        ZkosRunner::with_ee(workload, JitEngine::new(mode, workload.block.spec))
    }

    /// Why the engine last refused to compile a contract.
    pub fn last_error(&self) -> Option<String> {
        self.bootloader.ee().last_error()
    }

    /// Waits for the engine's background compiler (the tiered engine's) to finish what it has
    /// queued, so the next run uses the compiled code.
    pub fn wait_compiled(&self) {
        self.bootloader.ee().cache().wait_idle()
    }

    /// What the engine has compiled and run so far.
    pub fn stats(&self) -> zkos_evm_jit::JitStats {
        self.bootloader.ee().stats()
    }
}

impl<E: ExecutionEnvironment> ZkosRunner<E> {
    /// The workload on execution environment `ee`.
    pub fn with_ee(workload: &Workload, ee: E) -> Self {
        let mut oracle = InMemoryOracle::new(workload.block.clone(), vec![workload.tx.clone()]);
        for (address, account) in &workload.accounts {
            oracle.insert_account(*address, account.clone());
        }
        ZkosRunner {
            bootloader: Bootloader::with_parts(Arena::new(), ee),
            oracle,
        }
    }

    /// Executes the block once; the oracle is never written to, so every run sees the same
    /// pre-state.
    pub fn run(&mut self) -> BlockResult {
        self.bootloader.run_block(&self.oracle)
    }

    /// Runs once and reduces the result to an [`Outcome`].
    pub fn outcome(&mut self) -> Outcome {
        outcome_of(&self.run())
    }
}

/// The [`Outcome`] of the block's first (only) transaction.
pub fn outcome_of(result: &BlockResult) -> Outcome {
    let storage_changes = result
        .state_diff
        .accounts
        .iter()
        .filter(|a| !a.storage.is_empty())
        .map(|a| {
            (
                a.address,
                a.storage.iter().copied().collect::<BTreeMap<_, _>>(),
            )
        })
        .collect();
    let Some(receipt) = result.receipts.first() else {
        return Outcome {
            status: Status::Missing,
            gas_used: 0,
            output: Default::default(),
            storage_changes,
        };
    };
    let status = match &receipt.result {
        Ok(TxStatus::Success) => Status::Success,
        Ok(TxStatus::Revert) => Status::Revert,
        Ok(TxStatus::Halt(reason)) => Status::Halt(format!("{reason:?}")),
        Err(invalid) => Status::Invalid(invalid.to_string()),
    };
    Outcome {
        status,
        gas_used: receipt.gas_used,
        output: receipt.output.clone(),
        storage_changes,
    }
}

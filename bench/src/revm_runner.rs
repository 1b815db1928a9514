//! The revm side: the same workload translated into revm's types, over revm's in-memory
//! database.

use crate::{Outcome, Status, Workload};
use alloy_primitives::U256;
use revm::context::{CfgEnv, TxEnv};
use revm::context_interface::result::{ExecResultAndState, ExecutionResult, HaltReason};
use revm::database::InMemoryDB;
use revm::database_interface::WrapDatabaseRef;
use revm::handler::{MainnetContext, MainnetEvm};
use revm::state::{AccountInfo, Bytecode, EvmState};
use revm::{Context, ExecuteEvm, MainBuilder, MainContext};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The database the EVM reads through: the pre-state, shared and never written, so every run
/// starts from the same state without cloning it.
pub type RevmDb = WrapDatabaseRef<Arc<InMemoryDB>>;

/// revm's mainnet EVM over [`RevmDb`].
pub type RevmEvm = MainnetEvm<MainnetContext<RevmDb>>;

/// What one revm run returns: the result and the touched state, uncommitted.
pub type RevmResult = ExecResultAndState<ExecutionResult<HaltReason>, EvmState>;

/// A workload ready to run on revm. The EVM is built once and reused: `transact` clears its
/// journal after each run and never commits, which mirrors the reused zkos bootloader.
pub struct RevmRunner {
    evm: RevmEvm,
    tx: TxEnv,
}

impl RevmRunner {
    /// Builds the database, block, config (the workload's fork) and transaction from the
    /// shared description.
    pub fn new(workload: &Workload) -> Self {
        let mut db = InMemoryDB::default();
        for (address, account) in &workload.accounts {
            let info = AccountInfo::default()
                .with_balance(account.balance)
                .with_nonce(account.nonce);
            let info = if account.code.is_empty() {
                info
            } else {
                info.with_code(Bytecode::new_raw(account.code.clone()))
            };
            db.insert_account_info(*address, info);
            for &(key, value) in &account.storage {
                db.insert_account_storage(*address, key, value)
                    .unwrap_or_else(|never| match never {});
            }
        }
        let spec = spec_id(workload.block.spec);
        let cfg = CfgEnv::new_with_spec(spec).with_chain_id(workload.block.chain_id);
        let evm = Context::mainnet()
            .with_ref_db(Arc::new(db))
            .with_cfg(cfg)
            .with_block(block_env(&workload.block, spec))
            .build_mainnet();
        RevmRunner {
            evm,
            tx: tx_env(&workload.tx),
        }
    }

    /// Executes the transaction once, without committing; `Err` only for a rejected
    /// transaction (the database cannot fail).
    pub fn run(&mut self) -> Result<RevmResult, String> {
        self.evm
            .transact(self.tx.clone())
            .map_err(|e| e.to_string())
    }

    /// Runs once and reduces the result to an [`Outcome`].
    pub fn outcome(&mut self) -> Outcome {
        match self.run() {
            Ok(result) => outcome_of(&result),
            Err(error) => Outcome {
                status: Status::Invalid(error),
                gas_used: 0,
                output: Default::default(),
                storage_changes: BTreeMap::new(),
            },
        }
    }
}

/// The [`Outcome`] of one revm run.
pub fn outcome_of(run: &RevmResult) -> Outcome {
    let status = match &run.result {
        ExecutionResult::Success { .. } => Status::Success,
        ExecutionResult::Revert { .. } => Status::Revert,
        ExecutionResult::Halt { reason, .. } => Status::Halt(format!("{reason:?}")),
    };
    let storage_changes = run
        .state
        .iter()
        .filter_map(|(address, account)| {
            let changed: BTreeMap<U256, U256> = account
                .storage
                .iter()
                .filter(|(_, slot)| slot.is_changed())
                .map(|(key, slot)| (*key, slot.present_value()))
                .collect();
            (!changed.is_empty()).then_some((*address, changed))
        })
        .collect();
    Outcome {
        status,
        gas_used: run.result.tx_gas_used(),
        output: run.result.output().cloned().unwrap_or_default(),
        storage_changes,
    }
}

/// The translation of zkos's types into revm's lives with the differential harness, so the
/// bench and the harness set revm up identically.
pub use zkos_difftest::engines::revm::{block_env, spec_id, tx_env};

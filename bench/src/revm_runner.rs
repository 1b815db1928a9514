//! The revm side: the same workload translated into revm's types, over revm's in-memory
//! database.

use crate::{Outcome, Status, Workload};
use alloy_primitives::U256;
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::result::{ExecResultAndState, ExecutionResult, HaltReason};
use revm::context_interface::transaction::{AccessList, AccessListItem};
use revm::database::InMemoryDB;
use revm::database_interface::WrapDatabaseRef;
use revm::handler::{MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::primitives::TxKind;
use revm::state::{AccountInfo, Bytecode, EvmState};
use revm::{Context, ExecuteEvm, MainBuilder, MainContext};
use std::collections::BTreeMap;
use std::sync::Arc;
use zkos_os::types as zk;

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

/// revm's name for a fork. revm has no separate Constantinople: it only ever ran as
/// Petersburg on mainnet.
pub fn spec_id(spec: zk::SpecId) -> SpecId {
    match spec {
        zk::SpecId::Frontier => SpecId::FRONTIER,
        zk::SpecId::Homestead => SpecId::HOMESTEAD,
        zk::SpecId::TangerineWhistle => SpecId::TANGERINE,
        zk::SpecId::SpuriousDragon => SpecId::SPURIOUS_DRAGON,
        zk::SpecId::Byzantium => SpecId::BYZANTIUM,
        zk::SpecId::Constantinople | zk::SpecId::Petersburg => SpecId::PETERSBURG,
        zk::SpecId::Istanbul => SpecId::ISTANBUL,
        zk::SpecId::Berlin => SpecId::BERLIN,
        zk::SpecId::London => SpecId::LONDON,
        zk::SpecId::Paris => SpecId::MERGE,
        zk::SpecId::Shanghai => SpecId::SHANGHAI,
        zk::SpecId::Cancun => SpecId::CANCUN,
        zk::SpecId::Prague => SpecId::PRAGUE,
        zk::SpecId::Osaka => SpecId::OSAKA,
    }
}

/// revm's block environment for the same block. The blob fee is derived from the excess
/// blob gas by revm itself, with the fork's update fraction.
pub fn block_env(block: &zk::BlockEnv, spec: SpecId) -> BlockEnv {
    let post_merge = spec >= SpecId::MERGE;
    BlockEnv {
        number: U256::from(block.number),
        beneficiary: block.coinbase,
        timestamp: U256::from(block.timestamp),
        gas_limit: block.gas_limit,
        basefee: block.base_fee.saturating_to(),
        difficulty: block.difficulty,
        prevrandao: post_merge.then_some(block.prev_randao),
        blob_excess_gas_and_price: (spec >= SpecId::CANCUN)
            .then(|| BlobExcessGasAndPrice::new_with_spec(block.excess_blob_gas, spec)),
        ..BlockEnv::default()
    }
}

/// revm's transaction for the same transaction. Authorizations (EIP-7702) are not carried
/// over: no workload uses them, and they would need revm's signed form.
pub fn tx_env(tx: &zk::TxEnv) -> TxEnv {
    assert!(
        tx.authorization_list.is_empty(),
        "workloads with EIP-7702 authorizations are not translated to revm"
    );
    TxEnv {
        tx_type: tx.tx_type,
        caller: tx.caller,
        gas_limit: tx.gas_limit,
        gas_price: tx.gas_price.saturating_to(),
        kind: match tx.to {
            Some(to) => TxKind::Call(to),
            None => TxKind::Create,
        },
        value: tx.value,
        data: tx.data.clone(),
        nonce: tx.nonce,
        chain_id: tx.chain_id,
        access_list: AccessList(
            tx.access_list
                .iter()
                .map(|item| AccessListItem {
                    address: item.address,
                    storage_keys: item.storage_keys.clone(),
                })
                .collect(),
        ),
        gas_priority_fee: tx.max_priority_fee_per_gas.map(|fee| fee.saturating_to()),
        blob_hashes: tx.blob_hashes.clone(),
        max_fee_per_blob_gas: tx
            .max_fee_per_blob_gas
            .map(|fee| fee.saturating_to())
            .unwrap_or_default(),
        ..TxEnv::default()
    }
}

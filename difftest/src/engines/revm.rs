//! revm as the reference engine, and the translation of zkos's block and transaction types
//! into revm's (shared with the benchmark lab, so the two never drift apart).

use super::Engine;
use crate::case::{blob_limits_with, Case};
use crate::outcome::{AccountState, HaltClass, LogEntry, Outcome, Status, TxOutcome};
use alloy_primitives::{Address, Bytes, U256};
use revm::context::result::{ExecutionResult, HaltReason, OutOfGasError};
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::either::Either;
use revm::context_interface::transaction::{
    AccessList, AccessListItem, Authorization, SignedAuthorization,
};
use revm::database::{AccountState as DbState, CacheDB, DbAccount, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::primitives::TxKind;
use revm::state::{AccountInfo, Bytecode};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};
use std::collections::BTreeMap;
use zkos_os::types as zk;

/// revm over an in-memory database built from each case's pre-state.
#[derive(Default)]
pub struct RevmEngine;

impl RevmEngine {
    /// The reference engine.
    pub fn new() -> Self {
        RevmEngine
    }
}

/// revm's name for a fork. revm has no separate Constantinople (it only ran as Petersburg on
/// mainnet), which is why the generators never pick it.
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
        // The BPO forks are Osaka with other blob parameters, which revm takes per block.
        zk::SpecId::Osaka | zk::SpecId::Bpo1 | zk::SpecId::Bpo2 => SpecId::OSAKA,
    }
}

/// revm's block environment for the same block. The blob fee is derived from the excess
/// blob gas by revm itself, with the block's update fraction (the fork's, or the override).
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
        blob_excess_gas_and_price: (spec >= SpecId::CANCUN).then(|| {
            BlobExcessGasAndPrice::new(block.excess_blob_gas, block.blob_params().update_fraction)
        }),
        ..BlockEnv::default()
    }
}

/// An EIP-7702 tuple in revm's signed form, so that revm recovers the authority itself (with
/// its own signing hash and checks) rather than trusting zkos's recovery. revm keeps the y
/// parity in a byte: anything above 255 becomes 255, invalid either way.
pub fn signed_authorization(auth: &zk::Authorization) -> SignedAuthorization {
    SignedAuthorization::new_unchecked(
        Authorization {
            chain_id: auth.chain_id,
            address: auth.address,
            nonce: auth.nonce,
        },
        auth.y_parity.saturating_to::<u8>(),
        auth.r,
        auth.s,
    )
}

/// revm's transaction for the same transaction, authorizations included (signed, see
/// [`signed_authorization`]).
pub fn tx_env(tx: &zk::TxEnv) -> TxEnv {
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
        authorization_list: tx
            .authorization_list
            .iter()
            .map(|a| Either::Left(signed_authorization(a)))
            .collect(),
    }
}

/// The halt class of a revm halt reason.
pub fn halt_class(reason: &HaltReason) -> HaltClass {
    match reason {
        HaltReason::OutOfGas(OutOfGasError::Precompile) => HaltClass::OutOfGas,
        HaltReason::OutOfGas(_) => HaltClass::OutOfGas,
        HaltReason::OpcodeNotFound | HaltReason::InvalidFEOpcode | HaltReason::NotActivated => {
            HaltClass::InvalidOpcode
        }
        HaltReason::InvalidJump => HaltClass::InvalidJump,
        HaltReason::StackUnderflow => HaltClass::StackUnderflow,
        HaltReason::StackOverflow => HaltClass::StackOverflow,
        HaltReason::OutOfOffset => HaltClass::ReturnDataOutOfBounds,
        HaltReason::CreateCollision => HaltClass::CreateCollision,
        HaltReason::PrecompileError | HaltReason::PrecompileErrorWithContext(_) => {
            HaltClass::PrecompileFailure
        }
        HaltReason::NonceOverflow => HaltClass::NonceOverflow,
        HaltReason::CreateContractSizeLimit => HaltClass::CodeSizeLimit,
        HaltReason::CreateContractStartingWithEF => HaltClass::InvalidCodePrefix,
        HaltReason::CreateInitCodeSizeLimit => HaltClass::InitCodeSizeLimit,
        HaltReason::StateChangeDuringStaticCall | HaltReason::CallNotAllowedInsideStatic => {
            HaltClass::StaticViolation
        }
        HaltReason::OutOfFunds => HaltClass::OutOfFunds,
        HaltReason::CallTooDeep => HaltClass::CallDepth,
        other => HaltClass::Other(format!("{other:?}")),
    }
}

/// The pre-state as revm's database. Before Prague every code is legacy bytecode (revm would
/// read a leading 0xef01 as an EIP-7702 designator and refuse a malformed one); from Prague on
/// a designator becomes revm's EIP-7702 bytecode (`new_raw_checked` recognises it, which is
/// what makes revm follow it), and a malformed one cannot be represented, which is an error
/// for the case.
pub fn database(case: &Case) -> Result<CacheDB<EmptyDB>, String> {
    let spec = case.spec()?;
    let mut db = CacheDB::new(EmptyDB::default());
    for (address, account) in &case.pre {
        let mut info = AccountInfo::default()
            .with_balance(account.balance)
            .with_nonce(account.nonce);
        if !account.code.is_empty() {
            let code = if spec >= zk::SpecId::Prague {
                Bytecode::new_raw_checked(account.code.clone())
                    .map_err(|e| format!("code of {address}: {e:?}"))?
            } else {
                Bytecode::new_legacy(account.code.clone())
            };
            info = info.with_code(code);
        }
        db.insert_account_info(*address, info);
        for (key, value) in &account.storage {
            db.insert_account_storage(*address, *key, *value)
                .unwrap_or_else(|never| match never {});
        }
    }
    Ok(db)
}

/// revm's configuration for a block: the fork, the chain, and the blob schedule, which revm
/// does not derive from the fork — without `max_blobs_per_tx` it checks no blob count at all
/// (EIP-7594's six from Osaka, the block's maximum before, see [`crate::case::blob_limits`]); the update
/// fraction is set too though the block environment already carries the blob price. The
/// EIP-7825 gas cap is revm's own default for Osaka.
pub fn cfg_env(block: &zk::BlockEnv) -> CfgEnv {
    let mut cfg = CfgEnv::new_with_spec(spec_id(block.spec)).with_chain_id(block.chain_id);
    if block.spec >= zk::SpecId::Cancun {
        cfg.set_max_blobs_per_tx(blob_limits_with(block.spec, block.blob_params()).0);
        cfg.blob_base_fee_update_fraction = Some(block.blob_params().update_fraction);
    }
    cfg
}

/// The configuration, block and transactions of a case in revm's types.
pub fn environment(case: &Case) -> Result<(CfgEnv, BlockEnv, Vec<TxEnv>), String> {
    let block = case.block_env()?;
    let spec = spec_id(block.spec);
    let cfg = cfg_env(&block);
    let txs = case.txs.iter().map(|t| tx_env(&t.to_zkos())).collect();
    Ok((cfg, block_env(&block, spec), txs))
}

fn tx_outcome(result: &ExecutionResult) -> TxOutcome {
    let logs = result
        .logs()
        .iter()
        .map(|l| LogEntry {
            address: l.address,
            topics: l.topics().to_vec(),
            data: l.data.data.clone(),
        })
        .collect();
    let (status, output) = match result {
        ExecutionResult::Success { output, .. } => {
            // A successful create reports no output (its deployed code is in the state).
            let data = match output {
                revm::context::result::Output::Call(b) => b.clone(),
                revm::context::result::Output::Create(..) => Bytes::new(),
            };
            (Status::Success, data)
        }
        ExecutionResult::Revert { output, .. } => (Status::Revert, output.clone()),
        ExecutionResult::Halt { reason, .. } => (Status::Halt(halt_class(reason)), Bytes::new()),
    };
    TxOutcome {
        status,
        gas_used: result.tx_gas_used(),
        refund: result.gas().final_refunded(),
        output,
        logs,
    }
}

impl RevmEngine {
    /// The reference's name in reports.
    pub const NAME: &'static str = "revm";
}

impl Engine for RevmEngine {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn run(&mut self, case: &Case) -> Result<Outcome, String> {
        let spec = case.spec()?;
        let (cfg, block, txs) = environment(case)?;
        let mut evm = Context::mainnet()
            .with_db(database(case)?)
            .with_cfg(cfg)
            .with_block(block)
            .build_mainnet();
        let mut outcomes = Vec::with_capacity(txs.len());
        for tx in txs {
            let result = evm.transact_commit(tx);
            clear_touched_empty(&mut evm.ctx.journaled_state.database, spec);
            outcomes.push(match result {
                Ok(result) => tx_outcome(&result),
                Err(error) => TxOutcome {
                    status: Status::Invalid(error.to_string()),
                    gas_used: 0,
                    refund: 0,
                    output: Bytes::new(),
                    logs: Vec::new(),
                },
            });
        }
        let db = &evm.ctx.journaled_state.database;
        Ok(Outcome {
            txs: outcomes,
            state: post_state(db, spec),
        })
    }

    fn trace(&mut self, case: &Case) -> Result<Vec<crate::trace::Step>, String> {
        crate::trace::revm_steps(case)
    }
}

/// EIP-161 (from Spurious Dragon) between transactions: an account a transaction touched and
/// left empty no longer exists. A node's state layer (revm's own `State` too) deletes it on
/// commit; the in-memory database keeps it, and from Prague that is observable — an EIP-7702
/// authority that "exists" earns a refund — so the engine deletes it after every transaction.
pub fn clear_touched_empty(db: &mut CacheDB<EmptyDB>, spec: zk::SpecId) {
    if spec < zk::SpecId::SpuriousDragon {
        return;
    }
    for account in db.cache.accounts.values_mut() {
        let touched = matches!(
            account.account_state,
            DbState::Touched | DbState::StorageCleared
        );
        if touched && account.info.is_empty() {
            *account = DbAccount::new_not_existing();
        }
    }
}

/// Every account that exists after the block, read off the committed database.
///
/// revm's in-memory database keeps a touched account that became empty; EIP-161 (from
/// Spurious Dragon) deletes it, as a node's state layer does on commit, so it is dropped here.
fn post_state(db: &CacheDB<EmptyDB>, spec: zk::SpecId) -> BTreeMap<Address, AccountState> {
    let mut state = BTreeMap::new();
    for (address, account) in &db.cache.accounts {
        if matches!(account.account_state, DbState::NotExisting) {
            continue;
        }
        let info = &account.info;
        let touched = matches!(
            account.account_state,
            DbState::Touched | DbState::StorageCleared
        );
        let empty = info.nonce == 0
            && info.balance.is_zero()
            && info.code_hash == revm::primitives::KECCAK_EMPTY;
        if touched && empty && spec >= zk::SpecId::SpuriousDragon {
            continue;
        }
        let code = match &info.code {
            Some(code) => code.original_bytes(),
            None => db
                .cache
                .contracts
                .get(&info.code_hash)
                .map(|c| c.original_bytes())
                .unwrap_or_default(),
        };
        let storage = account
            .storage
            .iter()
            .filter(|(_, v)| !v.is_zero())
            .map(|(k, v)| (*k, *v))
            .collect();
        state.insert(
            *address,
            AccountState {
                balance: info.balance,
                nonce: info.nonce,
                code,
                storage,
            },
        );
    }
    state
}

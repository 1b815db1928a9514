//! Ethereum block processing around the transactions: the header checks against the parent,
//! the EIP-4788 and EIP-2935 system calls before the first transaction, the EIP-4895
//! withdrawals and the EIP-7685 requests after the last, and the receipts root, logs bloom and
//! requests hash the header commits to. The state root is the state commitment's business
//! ([`crate::stateless`] computes it); everything else a header holds is computed here.

pub mod header_checks;
pub mod receipts;
pub mod requests;

use super::system_contracts::{
    BEACON_ROOTS_ADDRESS, CONSOLIDATION_REQUEST_ADDRESS, HISTORY_STORAGE_ADDRESS, SYSTEM_ADDRESS,
    SYSTEM_CALL_GAS, WITHDRAWAL_REQUEST_ADDRESS,
};
use super::{BlockSession, Bootloader, SystemCall};
use crate::block::Block;
use crate::block::Header;
use crate::chain::ChainConfig;
use crate::commitment::mpt::MptError;
use crate::ee::ExecutionEnvironment;
use crate::oracle::Oracle;
use crate::types::{BlockEnv, BlockResult, InvalidTx, SpecId, TxEnv, TxStatus, KECCAK_EMPTY};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use alloy_primitives::{hex, keccak256, Address, B256, U256};
use core::fmt;
use header_checks::InvalidHeader;
use receipts::Bloom;
use requests::BadDepositLog;

/// Why a block is invalid before its results can even be compared with its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockRejection {
    /// The chain's schedule has no fork at this block.
    NoFork {
        number: u64,
        timestamp: u64,
    },
    /// Proof-of-work blocks are not processed (no ethash, no ommer rewards).
    PreMerge {
        spec: SpecId,
    },
    Header(InvalidHeader),
    TransactionsRoot {
        header: B256,
        computed: B256,
    },
    WithdrawalsRoot {
        header: B256,
        computed: B256,
    },
    /// Transaction `index` is not valid at its place in the block.
    Transaction {
        index: usize,
        error: InvalidTx,
    },
    /// A system contract the fork requires has no code (EIP-7002, EIP-7251).
    SystemContractMissing {
        address: Address,
    },
    /// A system call that must succeed did not.
    SystemCallFailed {
        address: Address,
        status: TxStatus,
    },
    Deposit(BadDepositLog),
    /// Building an ordered trie failed (cannot happen with index keys; kept as an error
    /// rather than a panic).
    Trie(MptError),
    /// The oracle could not answer a read; its own error says why.
    OracleFailed,
}

impl fmt::Display for BlockRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockRejection::NoFork { number, timestamp } => write!(
                f,
                "the chain schedules no fork for block {number} at timestamp {timestamp}"
            ),
            BlockRejection::PreMerge { spec } => {
                write!(f, "{spec} is a proof-of-work fork, not processed")
            }
            BlockRejection::Header(e) => write!(f, "header: {e}"),
            BlockRejection::TransactionsRoot { header, computed } => write!(
                f,
                "transactions root: header {header}, transactions give {computed}"
            ),
            BlockRejection::WithdrawalsRoot { header, computed } => write!(
                f,
                "withdrawals root: header {header}, withdrawals give {computed}"
            ),
            BlockRejection::Transaction { index, error } => {
                write!(f, "transaction {index} invalid: {error}")
            }
            BlockRejection::SystemContractMissing { address } => {
                write!(f, "system contract {address} has no code")
            }
            BlockRejection::SystemCallFailed { address, status } => {
                write!(f, "system call to {address} failed: {status:?}")
            }
            BlockRejection::Deposit(e) => write!(f, "{e}"),
            BlockRejection::Trie(e) => write!(f, "ordered trie: {e}"),
            BlockRejection::OracleFailed => f.write_str("a state read could not be answered"),
        }
    }
}

/// A block executed: its receipts and state diff, and the figures its header commits to.
#[derive(Clone, Debug)]
pub struct ExecutedBlock {
    pub spec: SpecId,
    pub result: BlockResult,
    pub receipts_root: B256,
    pub logs_bloom: Bloom,
    /// From Prague on.
    pub requests_hash: Option<B256>,
}

/// A header field that differs from what execution computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub field: &'static str,
    pub header: String,
    pub computed: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: header {}, computed {}",
            self.field, self.header, self.computed
        )
    }
}

impl ExecutedBlock {
    /// Every header field execution determines that differs from `header`: gas used, blob
    /// gas used, receipts root, logs bloom, requests hash and, when given, the state root.
    pub fn mismatches(&self, header: &Header, state_root: Option<B256>) -> Vec<Mismatch> {
        let mut out = Vec::new();
        let mut check = |field, header: String, computed: String| {
            if header != computed {
                out.push(Mismatch {
                    field,
                    header,
                    computed,
                });
            }
        };
        if let Some(root) = state_root {
            check(
                "state_root",
                format!("{}", header.state_root),
                format!("{root}"),
            );
        }
        check(
            "receipts_root",
            format!("{}", header.receipts_root),
            format!("{}", self.receipts_root),
        );
        check(
            "logs_bloom",
            format!("0x{}", hex::encode(header.logs_bloom)),
            format!("0x{}", hex::encode(self.logs_bloom)),
        );
        check(
            "gas_used",
            format!("{}", header.gas_used),
            format!("{}", self.result.gas_used),
        );
        if let Some(used) = header.blob_gas_used {
            check(
                "blob_gas_used",
                format!("{used}"),
                format!("{}", self.result.blob_gas_used),
            );
        }
        check(
            "requests_hash",
            format!("{:?}", header.requests_hash),
            format!("{:?}", self.requests_hash),
        );
        out
    }
}

/// The block environment of `header` under the chain's schedule, once the fork is known.
pub fn block_env(chain: &ChainConfig, header: &Header) -> Result<BlockEnv, BlockRejection> {
    let (spec, params) =
        chain
            .fork_at(header.number, header.timestamp)
            .ok_or(BlockRejection::NoFork {
                number: header.number,
                timestamp: header.timestamp,
            })?;
    if spec < SpecId::Paris {
        return Err(BlockRejection::PreMerge { spec });
    }
    Ok(BlockEnv {
        spec,
        chain_id: chain.chain_id,
        number: header.number,
        coinbase: header.coinbase,
        timestamp: header.timestamp,
        gas_limit: header.gas_limit,
        base_fee: U256::from(header.base_fee_per_gas.unwrap_or(0)),
        difficulty: header.difficulty,
        prev_randao: header.mix_hash,
        excess_blob_gas: header.excess_blob_gas.unwrap_or(0),
        blob_schedule: Some(params),
    })
}

/// Checks what can be checked before execution: the header against the parent, and the
/// transactions and withdrawals against the header's roots. Returns the block environment.
pub fn check_block(
    chain: &ChainConfig,
    block: &Block,
    parent: &Header,
) -> Result<BlockEnv, BlockRejection> {
    let env = block_env(chain, &block.header)?;
    let params = env.blob_params();
    header_checks::check_header(&block.header, parent, env.spec, params)
        .map_err(BlockRejection::Header)?;
    let computed =
        receipts::transactions_root(&block.transactions).map_err(BlockRejection::Trie)?;
    if computed != block.header.transactions_root {
        return Err(BlockRejection::TransactionsRoot {
            header: block.header.transactions_root,
            computed,
        });
    }
    if let (Some(header), Some(list)) = (block.header.withdrawals_root, &block.withdrawals) {
        let computed = receipts::withdrawals_root(list).map_err(BlockRejection::Trie)?;
        if computed != header {
            return Err(BlockRejection::WithdrawalsRoot { header, computed });
        }
    }
    Ok(env)
}

fn system_call<E: ExecutionEnvironment>(
    session: &mut BlockSession<'_, '_, E>,
    to: Address,
    data: &[u8],
) -> super::SystemCallOutcome {
    session.system_call(&SystemCall {
        caller: SYSTEM_ADDRESS,
        to,
        data,
        gas_limit: SYSTEM_CALL_GAS,
    })
}

/// A system call whose contract must exist and succeed (EIP-7002, EIP-7251): its output is
/// the request data.
fn checked_system_call<E: ExecutionEnvironment>(
    session: &mut BlockSession<'_, '_, E>,
    to: Address,
) -> Result<alloy_primitives::Bytes, BlockRejection> {
    if session.account_info(to).code_hash == KECCAK_EMPTY {
        return Err(BlockRejection::SystemContractMissing { address: to });
    }
    let out = system_call(session, to, &[]);
    if out.status != TxStatus::Success {
        return Err(BlockRejection::SystemCallFailed {
            address: to,
            status: out.status,
        });
    }
    Ok(out.output)
}

/// Executes a checked block ([`check_block`] gave `env`) over `oracle`'s state: system calls,
/// transactions (`txs`, senders recovered, in block order), withdrawals, requests. Any invalid
/// transaction rejects the block; so does a read the oracle could not answer.
pub fn execute_block<E: ExecutionEnvironment>(
    boot: &mut Bootloader<E>,
    oracle: &dyn Oracle,
    chain: &ChainConfig,
    block: &Block,
    env: BlockEnv,
    txs: &[TxEnv],
) -> Result<ExecutedBlock, BlockRejection> {
    let spec = env.spec;
    let header = &block.header;
    let oracle_ok = || match oracle.failed() {
        true => Err(BlockRejection::OracleFailed),
        false => Ok(()),
    };
    let mut session = boot.begin_block(oracle, env);

    // Before the transactions: the parent's beacon root (EIP-4788) and hash (EIP-2935).
    if let Some(root) = header.parent_beacon_block_root {
        system_call(&mut session, BEACON_ROOTS_ADDRESS, root.as_slice());
    }
    if spec >= SpecId::Prague {
        system_call(
            &mut session,
            HISTORY_STORAGE_ADDRESS,
            header.parent_hash.as_slice(),
        );
    }
    oracle_ok()?;

    for (index, tx) in txs.iter().enumerate() {
        if let Err(error) = &session.transaction(tx).result {
            return Err(BlockRejection::Transaction {
                index,
                error: error.clone(),
            });
        }
        oracle_ok()?;
    }

    for w in block.withdrawals.iter().flatten() {
        session.credit(w.address, w.amount_wei());
    }
    oracle_ok()?;

    let requests_hash = if spec >= SpecId::Prague {
        let deposits = requests::deposit_requests(
            chain.deposit_contract,
            session.receipts().iter().map(|r| &r.logs[..]),
        )
        .map_err(BlockRejection::Deposit)?;
        let withdrawals = checked_system_call(&mut session, WITHDRAWAL_REQUEST_ADDRESS)?;
        let consolidations = checked_system_call(&mut session, CONSOLIDATION_REQUEST_ADDRESS)?;
        oracle_ok()?;
        Some(requests::requests_hash(&[
            (requests::DEPOSIT_REQUEST_TYPE, &deposits),
            (requests::WITHDRAWAL_REQUEST_TYPE, &withdrawals),
            (requests::CONSOLIDATION_REQUEST_TYPE, &consolidations),
        ]))
    } else {
        None
    };

    let result = session.finish();
    oracle_ok()?;
    let types: Vec<u8> = block.transactions.iter().map(|t| t.tx_type).collect();
    let (receipts_root, logs_bloom) = receipts::receipts_root_and_bloom(&types, &result.receipts)
        .map_err(BlockRejection::Trie)?;
    Ok(ExecutedBlock {
        spec,
        result,
        receipts_root,
        logs_bloom,
        requests_hash,
    })
}

/// keccak256 of a logs bloom: how the block output commits to it.
pub fn bloom_hash(bloom: &Bloom) -> B256 {
    keccak256(bloom)
}

//! Stateless block validation: a block and its execution witness in, the block output (and
//! its 32-byte commitment) out, trusting nothing but the chain's configuration.
//!
//! The steps are public so a host can time them, and [`validate_block`] runs them all:
//! 1. decode the block ([`Block::decode`]) and recover its senders ([`Block::tx_envs`]);
//! 2. [`load_witness`]: the parent header by hash, the ancestor chain, the state tries
//!    against the parent's state root, the codes by hash;
//! 3. [`execute`]: header checks, system calls, transactions, withdrawals, requests, every
//!    read served by the [`WitnessOracle`];
//! 4. [`post_state_root`]: the state diff applied to the partial tries, the new root;
//! 5. [`ExecutedBlock::mismatches`] against the header, then [`output`].

pub mod env_block;
pub mod oracle;
pub mod output;
pub mod witness;

pub use env_block::{EnvBlock, EnvOutput};
pub use oracle::WitnessOracle;
pub use output::BlockOutput;
pub use witness::{Ancestors, ExecutionWitness, WitnessError};

use crate::block::{Block, BlockError, Header};
use crate::bootloader::ethereum::{self, BlockRejection, ExecutedBlock, Mismatch};
use crate::bootloader::Bootloader;
use crate::chain::ChainConfig;
use crate::commitment::mpt::MptState;
use crate::commitment::StateCommitment;
use crate::ee::ExecutionEnvironment;
use crate::types::{BlockEnv, StateDiff, TxEnv};
use alloc::vec::Vec;
use alloy_primitives::B256;
use core::fmt;

/// Why a block does not validate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatelessError {
    /// The block's bytes, or a transaction signature, are invalid.
    Block(BlockError),
    /// The witness cannot serve the block.
    Witness(WitnessError),
    /// The block breaks a rule of block processing.
    Rejected(BlockRejection),
    /// Execution disagrees with the header on these fields.
    Mismatch(Vec<Mismatch>),
    /// A frame needed more memory than this machine's arena holds
    /// ([`crate::types::BlockResult::memory_limit_hit`]): the block may well be valid, but
    /// this run cannot say what it does.
    MemoryLimit,
}

impl fmt::Display for StatelessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatelessError::Block(e) => write!(f, "invalid block: {e}"),
            StatelessError::Witness(e) => write!(f, "witness: {e}"),
            StatelessError::Rejected(e) => write!(f, "invalid block: {e}"),
            StatelessError::MemoryLimit => {
                f.write_str("a frame needed more memory than this machine's arena holds")
            }
            StatelessError::Mismatch(list) => {
                f.write_str("header mismatch:")?;
                for m in list {
                    write!(f, " {m};")?;
                }
                Ok(())
            }
        }
    }
}

/// Step 2: finds the parent among the witness headers, follows the ancestor chain, loads the
/// state tries against the parent's state root and indexes the codes. Returns the parent
/// header and the oracle (whose block data is `env` and `txs`).
pub fn load_witness<'a>(
    parent_hash: B256,
    witness: &ExecutionWitness<'a>,
    env: BlockEnv,
    txs: Vec<TxEnv>,
) -> Result<(Header, WitnessOracle<'a>), WitnessError> {
    let (parent, ancestors) = Ancestors::from_headers(parent_hash, witness.headers)?;
    let state = MptState::from_witness(parent.state_root, witness.state.iter().copied())?;
    let oracle = WitnessOracle::new(env, txs, state, witness.codes, ancestors);
    Ok((parent, oracle))
}

/// Step 3: checks the block against its parent and executes it over the witness. A read the
/// witness could not prove is reported as that [`WitnessError`].
pub fn execute<E: ExecutionEnvironment>(
    boot: &mut Bootloader<E>,
    chain: &ChainConfig,
    block: &Block,
    parent: &Header,
    txs: &[TxEnv],
    oracle: &WitnessOracle<'_>,
) -> Result<ExecutedBlock, StatelessError> {
    let env = ethereum::check_block(chain, block, parent).map_err(StatelessError::Rejected)?;
    let executed = ethereum::execute_block(boot, oracle, chain, block, env, txs);
    // A witness failure comes first: whatever else went wrong may follow from its defaults.
    if let Some(e) = oracle.error() {
        return Err(StatelessError::Witness(e));
    }
    let executed = executed.map_err(StatelessError::Rejected)?;
    if executed.result.memory_limit_hit {
        return Err(StatelessError::MemoryLimit);
    }
    Ok(executed)
}

/// Step 4: applies the block's changes to the witness tries and returns the new state root.
pub fn post_state_root(mut state: MptState, diff: &StateDiff) -> Result<B256, WitnessError> {
    state.apply(diff)?;
    Ok(state.root()?)
}

/// Step 5: the output of a block whose execution matched its header.
pub fn output(
    chain: &ChainConfig,
    block: &Block,
    parent: &Header,
    executed: &ExecutedBlock,
    post_state_root: B256,
) -> BlockOutput {
    let h = &block.header;
    BlockOutput {
        chain_id: chain.chain_id,
        chain_hash: chain.hash(),
        number: h.number,
        timestamp: h.timestamp,
        block_hash: h.hash,
        parent_hash: h.parent_hash,
        pre_state_root: parent.state_root,
        post_state_root,
        transactions_root: h.transactions_root,
        receipts_root: executed.receipts_root,
        withdrawals_root: h.withdrawals_root.unwrap_or_default(),
        requests_hash: executed.requests_hash.unwrap_or_default(),
        logs_bloom_hash: ethereum::bloom_hash(&executed.logs_bloom),
        gas_used: executed.result.gas_used,
        blob_gas_used: executed.result.blob_gas_used,
    }
}

/// Everything a stateless run produced, for a caller that wants more than the output (the
/// replay tool prints the receipts).
pub struct Validated {
    pub block: Block,
    pub parent: Header,
    pub executed: ExecutedBlock,
    pub post_state_root: B256,
    /// The header fields that differ from execution; empty for a valid block.
    pub mismatches: Vec<Mismatch>,
}

impl Validated {
    /// The output, if nothing differs from the header.
    pub fn output(&self, chain: &ChainConfig) -> Result<BlockOutput, StatelessError> {
        if !self.mismatches.is_empty() {
            return Err(StatelessError::Mismatch(self.mismatches.clone()));
        }
        Ok(output(
            chain,
            &self.block,
            &self.parent,
            &self.executed,
            self.post_state_root,
        ))
    }
}

/// Runs steps 1 to 4 and compares with the header; the caller decides what a mismatch
/// means ([`validate_block`] treats it as an error).
pub fn run_block<E: ExecutionEnvironment>(
    boot: &mut Bootloader<E>,
    chain: &ChainConfig,
    block_bytes: &[u8],
    witness: &ExecutionWitness<'_>,
) -> Result<Validated, StatelessError> {
    let block = Block::decode(block_bytes).map_err(StatelessError::Block)?;
    let txs = block.tx_envs().map_err(StatelessError::Block)?;
    let env = ethereum::block_env(chain, &block.header).map_err(StatelessError::Rejected)?;
    let (parent, oracle) = load_witness(block.header.parent_hash, witness, env, Vec::new())
        .map_err(StatelessError::Witness)?;
    let executed = execute(boot, chain, &block, &parent, &txs, &oracle)?;
    let post_state_root = post_state_root(oracle.into_state(), &executed.result.state_diff)
        .map_err(StatelessError::Witness)?;
    let mismatches = executed.mismatches(&block.header, Some(post_state_root));
    Ok(Validated {
        block,
        parent,
        executed,
        post_state_root,
        mismatches,
    })
}

/// Validates a block from its bytes and witness alone: the output whose commitment the
/// guest publishes, or why the block is invalid.
pub fn validate_block<E: ExecutionEnvironment>(
    boot: &mut Bootloader<E>,
    chain: &ChainConfig,
    block_bytes: &[u8],
    witness: &ExecutionWitness<'_>,
) -> Result<BlockOutput, StatelessError> {
    run_block(boot, chain, block_bytes, witness)?.output(chain)
}

//! The oracle: the only way non-deterministic data enters execution.
//!
//! On x86 the sequencer backs it with a state snapshot ([`InMemoryOracle`]); in the guest the
//! same trait is served from the prover's input tape. Execution never reads anything else, so
//! whatever the oracle answered is exactly what the proof commits to.

use crate::types::{AccountInfo, BlockEnv, TxEnv};
use alloc::vec::Vec;
use alloy_primitives::{Address, Bytes, B256, U256};
use hashbrown::HashMap;

/// Source of block data, transactions and the initial state.
pub trait Oracle {
    /// The block's environment (fork, number, coinbase, fees, ...).
    fn block_env(&self) -> BlockEnv;
    /// How many transactions the block holds.
    fn tx_count(&self) -> usize;
    /// Transaction `index` (0-based, `< tx_count()`).
    fn tx(&self, index: usize) -> TxEnv;
    /// The initial account, or `None` when it does not exist.
    fn account(&self, address: Address) -> Option<AccountInfo>;
    /// The initial value of a storage slot (zero when unset).
    fn storage(&self, address: Address, key: U256) -> U256;
    /// Whether the account's initial storage is empty (EIP-7610: creating over non-empty
    /// storage is a collision). A state with storage roots answers `root != EMPTY_ROOT`.
    fn storage_is_empty(&self, address: Address) -> bool;
    /// The bytecode whose keccak256 is `code_hash` (empty for `KECCAK_EMPTY` or unknown).
    fn code(&self, code_hash: B256) -> Bytes;
    /// The hash of an earlier block, for BLOCKHASH (zero when unknown).
    fn block_hash(&self, number: u64) -> B256;
    /// Whether a read could not be answered truthfully (a witness that cannot prove it):
    /// every answer since is a default, so the block's results must be thrown away. Block
    /// processing checks it after each step.
    fn failed(&self) -> bool {
        false
    }
}

/// An account of a state snapshot, as handed to [`InMemoryOracle::insert_account`].
#[derive(Clone, Debug, Default)]
pub struct GenesisAccount {
    pub balance: U256,
    pub nonce: u64,
    pub code: Bytes,
    pub storage: Vec<(U256, U256)>,
}

/// An oracle over a state snapshot held in memory: what the sequencer and the tests use.
#[derive(Clone, Debug, Default)]
pub struct InMemoryOracle {
    pub env: BlockEnv,
    pub txs: Vec<TxEnv>,
    accounts: HashMap<Address, AccountInfo>,
    /// Per account, so a lookup hashes a 32-byte key in a small map.
    storage: HashMap<Address, HashMap<U256, U256>>,
    codes: HashMap<B256, Bytes>,
    block_hashes: HashMap<u64, B256>,
}

impl InMemoryOracle {
    /// An empty state with the given block environment and transactions.
    pub fn new(env: BlockEnv, txs: Vec<TxEnv>) -> Self {
        InMemoryOracle {
            env,
            txs,
            ..Default::default()
        }
    }

    /// Adds (or replaces) an account of the initial state.
    pub fn insert_account(&mut self, address: Address, account: GenesisAccount) {
        let code_hash = if account.code.is_empty() {
            crate::types::KECCAK_EMPTY
        } else {
            let hash = alloy_primitives::keccak256(&account.code);
            self.codes.insert(hash, account.code);
            hash
        };
        self.accounts.insert(
            address,
            AccountInfo {
                balance: account.balance,
                nonce: account.nonce,
                code_hash,
            },
        );
        let slots: HashMap<U256, U256> = account
            .storage
            .into_iter()
            .filter(|(_, v)| !v.is_zero())
            .collect();
        if slots.is_empty() {
            self.storage.remove(&address);
        } else {
            self.storage.insert(address, slots);
        }
    }

    /// Sets the answer of BLOCKHASH for `number`.
    pub fn set_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
    }
}

impl Oracle for InMemoryOracle {
    fn block_env(&self) -> BlockEnv {
        self.env.clone()
    }
    fn tx_count(&self) -> usize {
        self.txs.len()
    }
    fn tx(&self, index: usize) -> TxEnv {
        self.txs[index].clone()
    }
    fn account(&self, address: Address) -> Option<AccountInfo> {
        self.accounts.get(&address).copied()
    }
    fn storage(&self, address: Address, key: U256) -> U256 {
        self.storage
            .get(&address)
            .and_then(|slots| slots.get(&key))
            .copied()
            .unwrap_or_default()
    }
    fn storage_is_empty(&self, address: Address) -> bool {
        !self.storage.contains_key(&address)
    }
    fn code(&self, code_hash: B256) -> Bytes {
        self.codes.get(&code_hash).cloned().unwrap_or_default()
    }
    fn block_hash(&self, number: u64) -> B256 {
        self.block_hashes.get(&number).copied().unwrap_or_default()
    }
}

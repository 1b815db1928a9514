//! A differential case: a pre-state, a block and its transactions, engine-neutral and saved as
//! JSON so that a mismatch found once can be replayed, minimised and turned into a test.
//!
//! BLOCKHASH answers keccak256 of the block number's decimal string for the 256 blocks below
//! the current one, on both sides (the state-test convention, and revm's empty database).

use alloy_primitives::{Address, Bytes, B256, U256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::types::{self as zk, AccessListItem, BlockEnv, SpecId, TxEnv};

/// One generated (or saved) case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    /// The fork, as the state tests name it (`Cancun`, `Berlin`, ...).
    pub fork: String,
    pub env: Env,
    /// The state before the block.
    pub pre: BTreeMap<Address, Account>,
    pub txs: Vec<Tx>,
    /// Where the case came from (generator and seed), for people reading a saved case.
    #[serde(default)]
    pub origin: String,
}

/// The block's environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Env {
    pub chain_id: u64,
    pub number: u64,
    pub timestamp: u64,
    pub gas_limit: u64,
    pub base_fee: u64,
    pub coinbase: Address,
    pub prev_randao: B256,
    pub difficulty: U256,
    pub excess_blob_gas: u64,
}

/// An account of the pre-state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub balance: U256,
    pub nonce: u64,
    #[serde(default)]
    pub code: Bytes,
    #[serde(default)]
    pub storage: BTreeMap<U256, U256>,
}

/// A transaction with its sender already known (no signature: both engines take the sender).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tx {
    /// 0 legacy, 1 EIP-2930, 2 EIP-1559, 3 EIP-4844, 4 EIP-7702.
    pub tx_type: u8,
    pub from: Address,
    /// `None` creates a contract.
    pub to: Option<Address>,
    pub nonce: u64,
    pub gas_limit: u64,
    /// `gasPrice` for types 0 and 1, `maxFeePerGas` from type 2 on.
    pub gas_price: u64,
    #[serde(default)]
    pub max_priority_fee: Option<u64>,
    pub value: U256,
    #[serde(default)]
    pub data: Bytes,
    #[serde(default)]
    pub chain_id: Option<u64>,
    #[serde(default)]
    pub access_list: Vec<(Address, Vec<B256>)>,
    #[serde(default)]
    pub blob_hashes: Vec<B256>,
    #[serde(default)]
    pub max_fee_per_blob_gas: Option<u64>,
    /// EIP-7702 authorizations (type 4), signed: each engine recovers the authorities itself.
    #[serde(default)]
    pub authorization_list: Vec<Authorization>,
}

/// An EIP-7702 authorization tuple as signed. Kept as raw numbers (y parity and s included,
/// unchecked) so that a case can carry the invalid signatures the rules skip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorization {
    pub chain_id: U256,
    pub address: Address,
    pub nonce: u64,
    pub y_parity: U256,
    pub r: U256,
    pub s: U256,
}

impl Authorization {
    /// The tuple as zkos's bootloader takes it.
    pub fn to_zkos(&self) -> zk::Authorization {
        zk::Authorization {
            chain_id: self.chain_id,
            address: self.address,
            nonce: self.nonce,
            y_parity: self.y_parity,
            r: self.r,
            s: self.s,
        }
    }
}

/// EIP-7594's cap on one transaction's blobs (Osaka on).
pub const MAX_BLOBS_PER_TX_OSAKA: u64 = 6;

/// A fork's blob limits as (per transaction, per block). The block's maximum is the fork's
/// schedule (EIP-4844, EIP-7691, the BPO forks); before Osaka one transaction may use all of
/// it, from Osaka on at most [`MAX_BLOBS_PER_TX_OSAKA`].
pub fn blob_limits(spec: SpecId) -> (u64, u64) {
    blob_limits_with(spec, spec.blob_params())
}

/// [`blob_limits`] under blob parameters `params` (a block's override of the fork's).
pub fn blob_limits_with(spec: SpecId, params: zk::BlobParams) -> (u64, u64) {
    let max = params.max;
    let per_tx = if spec >= SpecId::Osaka {
        max.min(MAX_BLOBS_PER_TX_OSAKA)
    } else {
        max
    };
    (per_tx, max)
}

impl Case {
    /// The fork's rules; a saved case with an unknown fork name is an error, not a default.
    pub fn spec(&self) -> Result<SpecId, String> {
        SpecId::from_name(&self.fork).ok_or_else(|| format!("unsupported fork `{}`", self.fork))
    }

    /// The case as zkos's block environment.
    pub fn block_env(&self) -> Result<BlockEnv, String> {
        let e = &self.env;
        Ok(BlockEnv {
            spec: self.spec()?,
            chain_id: e.chain_id,
            number: e.number,
            coinbase: e.coinbase,
            timestamp: e.timestamp,
            gas_limit: e.gas_limit,
            base_fee: U256::from(e.base_fee),
            difficulty: e.difficulty,
            prev_randao: e.prev_randao,
            excess_blob_gas: e.excess_blob_gas,
            blob_schedule: None,
        })
    }

    /// The case as zkos's oracle: pre-state, block, transactions and block hashes.
    pub fn oracle(&self) -> Result<InMemoryOracle, String> {
        let txs = self.txs.iter().map(Tx::to_zkos).collect();
        let mut oracle = InMemoryOracle::new(self.block_env()?, txs);
        for (address, account) in &self.pre {
            oracle.insert_account(
                *address,
                GenesisAccount {
                    balance: account.balance,
                    nonce: account.nonce,
                    code: account.code.clone(),
                    storage: account.storage.iter().map(|(k, v)| (*k, *v)).collect(),
                },
            );
        }
        zkos_host::envjson::set_test_block_hashes(&mut oracle, self.env.number);
        Ok(oracle)
    }

    /// Reads a saved case (or a saved mismatch, whose `case` field is the case).
    pub fn from_json(text: &str) -> Result<Case, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let value = match value.get("case") {
            Some(inner) => inner.clone(),
            None => value,
        };
        serde_json::from_value(value).map_err(|e| format!("not a case: {e}"))
    }
}

impl Tx {
    /// The transaction as zkos's bootloader takes it.
    pub fn to_zkos(&self) -> TxEnv {
        TxEnv {
            tx_type: self.tx_type,
            caller: self.from,
            nonce: self.nonce,
            gas_limit: self.gas_limit,
            gas_price: U256::from(self.gas_price),
            max_priority_fee_per_gas: self.max_priority_fee.map(U256::from),
            to: self.to,
            value: self.value,
            data: self.data.clone(),
            chain_id: self.chain_id,
            access_list: self
                .access_list
                .iter()
                .map(|(address, keys)| AccessListItem {
                    address: *address,
                    storage_keys: keys.clone(),
                })
                .collect(),
            blob_hashes: self.blob_hashes.clone(),
            max_fee_per_blob_gas: self.max_fee_per_blob_gas.map(U256::from),
            authorization_list: self
                .authorization_list
                .iter()
                .map(Authorization::to_zkos)
                .collect(),
        }
    }
}

//! The `env` and `pre` sections and the access-list shape, which the state-test format and
//! our block format (`blockjson`) share, parsed in one place so the two cannot drift.

use crate::hexjson::{self, FieldResult};
use crate::state::State;
use alloy_primitives::{keccak256, Address, B256, U256};
use serde_json::Value;
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::stateless::Ancestors;
use zkos_os::types::{AccessListItem, Authorization, BlockEnv, SpecId};

/// Parses an `env` object (`currentCoinbase`, `currentNumber`, `currentTimestamp`,
/// `currentGasLimit`, `currentDifficulty`, optional `currentBaseFee`, `currentRandom`,
/// `currentExcessBlobGas`) into a block environment for `spec`.
pub fn parse_env(env: &Value, path: &str, spec: SpecId, chain_id: u64) -> FieldResult<BlockEnv> {
    let field = |key: &str| hexjson::join(path, key);
    let req = |key: &str| hexjson::get(env, key, path);
    let opt_u256 = |key: &str| -> FieldResult<U256> {
        hexjson::opt(env, key).map_or(Ok(U256::ZERO), |v| hexjson::u256(v, &field(key)))
    };
    Ok(BlockEnv {
        spec,
        chain_id,
        number: hexjson::u64(req("currentNumber")?, &field("currentNumber"))?,
        coinbase: hexjson::address(req("currentCoinbase")?, &field("currentCoinbase"))?,
        timestamp: hexjson::u64(req("currentTimestamp")?, &field("currentTimestamp"))?,
        gas_limit: hexjson::u64(req("currentGasLimit")?, &field("currentGasLimit"))?,
        base_fee: opt_u256("currentBaseFee")?,
        difficulty: opt_u256("currentDifficulty")?,
        prev_randao: hexjson::opt(env, "currentRandom").map_or(Ok(B256::ZERO), |v| {
            hexjson::b256(v, &field("currentRandom"))
        })?,
        excess_blob_gas: hexjson::opt(env, "currentExcessBlobGas")
            .map_or(Ok(0), |v| hexjson::u64(v, &field("currentExcessBlobGas")))?,
        blob_schedule: None,
    })
}

/// Parses a `pre` object: address -> {balance, nonce, code, storage{slot: value}}.
/// Missing members default to zero/empty, since hand-written blocks often leave them out.
pub fn parse_pre(pre: &Value, path: &str) -> FieldResult<State> {
    let mut state = State::default();
    for (key, account) in hexjson::object(pre, path)? {
        let apath = format!("{path}[{key}]");
        let address = hexjson::address_str(key, &apath)?;
        let field = |k: &str| hexjson::join(&apath, k);
        hexjson::object(account, &apath)?;
        let mut genesis = GenesisAccount {
            balance: hexjson::opt(account, "balance")
                .map_or(Ok(U256::ZERO), |v| hexjson::u256(v, &field("balance")))?,
            nonce: hexjson::opt(account, "nonce")
                .map_or(Ok(0), |v| hexjson::u64(v, &field("nonce")))?,
            code: hexjson::opt(account, "code").map_or(Ok(Default::default()), |v| {
                hexjson::bytes(v, &field("code"))
            })?,
            storage: Vec::new(),
        };
        if let Some(storage) = hexjson::opt(account, "storage") {
            let spath = field("storage");
            for (slot, value) in hexjson::object(storage, &spath)? {
                let vpath = format!("{spath}[{slot}]");
                genesis.storage.push((
                    hexjson::u256_str(slot, &vpath)?,
                    hexjson::u256(value, &vpath)?,
                ));
            }
        }
        state.insert_genesis(address, &genesis);
    }
    Ok(state)
}

/// Parses an access list: `[{"address": .., "storageKeys": [..]}, ..]`.
pub fn parse_access_list(value: &Value, path: &str) -> FieldResult<Vec<AccessListItem>> {
    let mut items = Vec::new();
    for (i, entry) in hexjson::array(value, path)?.iter().enumerate() {
        let epath = format!("{path}[{i}]");
        let address = hexjson::address(hexjson::get(entry, "address", &epath)?, &epath)?;
        let kpath = hexjson::join(&epath, "storageKeys");
        let keys = match hexjson::opt(entry, "storageKeys") {
            None => Vec::new(),
            Some(keys) => hexjson::array(keys, &kpath)?
                .iter()
                .enumerate()
                .map(|(j, k)| hexjson::b256(k, &format!("{kpath}[{j}]")))
                .collect::<FieldResult<Vec<B256>>>()?,
        };
        items.push(AccessListItem {
            address,
            storage_keys: keys,
        });
    }
    Ok(items)
}

/// Parses a list of 32-byte hashes (e.g. `blobVersionedHashes`).
pub fn parse_hashes(value: &Value, path: &str) -> FieldResult<Vec<B256>> {
    hexjson::array(value, path)?
        .iter()
        .enumerate()
        .map(|(i, h)| hexjson::b256(h, &format!("{path}[{i}]")))
        .collect()
}

/// The BLOCKHASH answers geth's state-test runner gives: keccak256 of the block number's
/// decimal string, for the 256 blocks below the current one.
pub fn set_test_block_hashes(oracle: &mut InMemoryOracle, number: u64) {
    for n in number.saturating_sub(256)..number {
        oracle.set_block_hash(n, keccak256(n.to_string().as_bytes()));
    }
}

/// The same answers as a verified-looking ancestor chain for the stateless path
/// ([`Ancestors::trusted`]): the hashes of the 256 blocks below `number`, newest first.
pub fn test_ancestors(number: u64) -> Ancestors {
    let newest = number.saturating_sub(1);
    let hashes = (number.saturating_sub(256)..number)
        .rev()
        .map(|n| keccak256(n.to_string().as_bytes()))
        .collect();
    Ancestors::trusted(newest, hashes)
}

/// Parses an optional `to`: absent or `""` is a contract creation.
pub fn parse_to(value: Option<&Value>, path: &str) -> FieldResult<Option<Address>> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(v) => hexjson::address(v, path).map(Some),
    }
}

/// Parses an EIP-7702 authorization list as signed (`yParity`, or `v`, `r`, `s`); the
/// bootloader recovers each authority itself, so the filled tests' `signer` is not read.
pub fn parse_authorizations(list: &Value, path: &str) -> FieldResult<Vec<Authorization>> {
    hexjson::array(list, path)?
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let p = format!("{path}[{i}]");
            let f = |k: &str| hexjson::join(&p, k);
            let word = |k: &str| hexjson::u256(hexjson::get(a, k, &p)?, &f(k));
            let y_parity = match hexjson::opt(a, "yParity") {
                Some(v) => hexjson::u256(v, &f("yParity"))?,
                None => word("v")?,
            };
            Ok(Authorization {
                chain_id: word("chainId")?,
                address: hexjson::address(hexjson::get(a, "address", &p)?, &f("address"))?,
                nonce: hexjson::u64(hexjson::get(a, "nonce", &p)?, &f("nonce"))?,
                y_parity,
                r: word("r")?,
                s: word("s")?,
            })
        })
        .collect()
}

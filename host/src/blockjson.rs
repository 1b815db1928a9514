//! The JSON block format of `zkos run`: one block, its pre-state and its transactions, close
//! to the state-test format so test data can be turned into blocks by hand.
//!
//! ```json
//! {
//!   "fork": "Cancun",
//!   "env": {
//!     "currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba",
//!     "currentNumber": "0x01",
//!     "currentTimestamp": "0x03e8",
//!     "currentGasLimit": "0x01c9c380",
//!     "currentBaseFee": "0x0a",
//!     "currentDifficulty": "0x00",
//!     "currentRandom": "0x00",
//!     "currentExcessBlobGas": "0x00",
//!     "chainId": "0x01"
//!   },
//!   "pre": {
//!     "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b": {
//!       "balance": "0x0de0b6b3a7640000", "nonce": "0x00", "code": "0x", "storage": {}
//!     }
//!   },
//!   "transactions": [
//!     {
//!       "sender": "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b",
//!       "to": "0x095e7baea6a6c7c4c2dfeb977efac326af552d87",
//!       "nonce": "0x00",
//!       "gasLimit": "0x5208",
//!       "gasPrice": "0x0a",
//!       "value": "0x01",
//!       "data": "0x"
//!     }
//!   ]
//! }
//! ```
//!
//! - `fork`: a fork name as the state tests spell it (`Cancun`, `Shanghai`, `Berlin`, ...).
//! - `env`: the state-test `env` keys. `currentCoinbase`, `currentNumber`,
//!   `currentTimestamp` and `currentGasLimit` are required; `currentBaseFee`,
//!   `currentDifficulty`, `currentRandom` (PREVRANDAO), `currentExcessBlobGas` default to
//!   zero; `chainId` defaults to 1. BLOCKHASH of the 256 previous blocks answers
//!   keccak256(decimal block number), as in geth's state-test runner.
//! - `pre`: address -> `{balance, nonce, code, storage: {slot: value}}`; missing members
//!   are zero / empty.
//! - `transactions`, each with single values (not the state tests' lists):
//!   - `sender` (required: there is no signature, the sender is taken as given),
//!   - `to` (absent or `""` creates a contract), `nonce` (required), `gasLimit` (required),
//!   - `gasPrice`, or `maxFeePerGas` + `maxPriorityFeePerGas` (one of the two is required),
//!   - `value` and `data` (default 0 and empty),
//!   - optional `accessList: [{address, storageKeys: [..]}]`, `blobVersionedHashes: [..]`
//!     with `maxFeePerBlobGas`, and `type` (0..=4).
//!
//!   Without `type`, the type follows from the fields: blob hashes -> 3, `maxFeePerGas` -> 2,
//!   `accessList` -> 1, else 0. Every transaction is taken as signed for the block's chain id.
//!
//! Numbers are `"0x.."` hex, decimal strings or JSON integers; byte strings are `"0x.."`.
//! Unknown keys (e.g. `"_comment"`) are ignored, so a block can carry notes.
//! The same description lives in docs/block-format.md.

use crate::envjson;
use crate::hexjson::{self, ErrorKind, FieldError, FieldResult};
use crate::state::State;
use serde_json::Value;
use zkos_os::oracle::InMemoryOracle;
use zkos_os::types::{BlockEnv, SpecId, TxEnv};

/// A parsed block file.
#[derive(Clone, Debug)]
pub struct Block {
    /// The block's environment, fork included.
    pub env: BlockEnv,
    /// The state before the block.
    pub pre: State,
    /// The transactions, in order.
    pub txs: Vec<TxEnv>,
}

impl Block {
    /// Parses the JSON text of a block file.
    pub fn from_json_str(text: &str) -> Result<Block, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        Block::from_json(&value).map_err(|e| e.to_string())
    }

    /// Parses a block from JSON.
    pub fn from_json(root: &Value) -> FieldResult<Block> {
        hexjson::object(root, "block")?;
        let fork_name = hexjson::string(hexjson::get(root, "fork", "")?, "fork")?;
        let spec = SpecId::from_name(fork_name).ok_or_else(|| {
            FieldError::new(
                "fork",
                ErrorKind::Invalid,
                format!("unknown fork name {fork_name:?}"),
            )
        })?;
        let env_value = hexjson::get(root, "env", "")?;
        let chain_id =
            hexjson::opt(env_value, "chainId").map_or(Ok(1), |v| hexjson::u64(v, "env.chainId"))?;
        let env = envjson::parse_env(env_value, "env", spec, chain_id)?;
        let pre = match hexjson::opt(root, "pre") {
            Some(p) => envjson::parse_pre(p, "pre")?,
            None => State::default(),
        };
        let txs = match hexjson::opt(root, "transactions") {
            None => Vec::new(),
            Some(list) => hexjson::array(list, "transactions")?
                .iter()
                .enumerate()
                .map(|(i, tx)| parse_tx(tx, &format!("transactions[{i}]"), chain_id))
                .collect::<FieldResult<Vec<_>>>()?,
        };
        Ok(Block { env, pre, txs })
    }

    /// The oracle that serves this block to the bootloader.
    pub fn oracle(&self) -> InMemoryOracle {
        let mut oracle = InMemoryOracle::new(self.env.clone(), self.txs.clone());
        self.pre.fill_oracle(&mut oracle);
        envjson::set_test_block_hashes(&mut oracle, self.env.number);
        oracle
    }
}

/// Parses one transaction of the `transactions` list.
fn parse_tx(tx: &Value, path: &str, chain_id: u64) -> FieldResult<TxEnv> {
    hexjson::object(tx, path)?;
    let field = |k: &str| hexjson::join(path, k);
    let req = |k: &str| hexjson::get(tx, k, path);
    let opt_u256 = |k: &str| {
        hexjson::opt(tx, k)
            .map(|v| hexjson::u256(v, &field(k)))
            .transpose()
    };

    let max_fee = opt_u256("maxFeePerGas")?;
    let gas_price = match (max_fee, opt_u256("gasPrice")?) {
        (Some(fee), _) => fee,
        (None, Some(price)) => price,
        (None, None) => {
            return Err(FieldError::new(
                &field("gasPrice"),
                ErrorKind::Missing,
                "missing (give gasPrice, or maxFeePerGas and maxPriorityFeePerGas)",
            ))
        }
    };
    let priority = opt_u256("maxPriorityFeePerGas")?;
    if max_fee.is_some() && priority.is_none() {
        return Err(FieldError::new(
            &field("maxPriorityFeePerGas"),
            ErrorKind::Missing,
            "missing (required with maxFeePerGas)",
        ));
    }
    let access_list = hexjson::opt(tx, "accessList")
        .map(|v| envjson::parse_access_list(v, &field("accessList")))
        .transpose()?;
    let blob_hashes = hexjson::opt(tx, "blobVersionedHashes")
        .map(|v| envjson::parse_hashes(v, &field("blobVersionedHashes")))
        .transpose()?;
    let authorizations = hexjson::opt(tx, "authorizationList")
        .map(|v| envjson::parse_authorizations(v, &field("authorizationList")))
        .transpose()?;
    let inferred = if blob_hashes.is_some() {
        3
    } else if authorizations.is_some() {
        4
    } else if max_fee.is_some() {
        2
    } else if access_list.is_some() {
        1
    } else {
        0
    };
    let tx_type = match hexjson::opt(tx, "type") {
        None => inferred,
        Some(v) => {
            let t = hexjson::u64(v, &field("type"))?;
            u8::try_from(t).ok().filter(|t| *t <= 4).ok_or_else(|| {
                FieldError::new(
                    &field("type"),
                    ErrorKind::Invalid,
                    format!("unknown type {t}"),
                )
            })?
        }
    };
    Ok(TxEnv {
        tx_type,
        caller: hexjson::address(req("sender")?, &field("sender"))?,
        nonce: hexjson::u64(req("nonce")?, &field("nonce"))?,
        gas_limit: hexjson::u64(req("gasLimit")?, &field("gasLimit"))?,
        gas_price,
        max_priority_fee_per_gas: priority,
        to: envjson::parse_to(hexjson::opt(tx, "to"), &field("to"))?,
        value: opt_u256("value")?.unwrap_or_default(),
        data: hexjson::opt(tx, "data").map_or(Ok(Default::default()), |v| {
            hexjson::bytes(v, &field("data"))
        })?,
        chain_id: Some(chain_id),
        access_list: access_list.unwrap_or_default(),
        blob_hashes: blob_hashes.unwrap_or_default(),
        max_fee_per_blob_gas: opt_u256("maxFeePerBlobGas")?,
        authorization_list: authorizations.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    const BLOCK: &str = r#"{
        "fork": "Cancun",
        "env": {"currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba",
                "currentNumber": "0x01", "currentTimestamp": "0x03e8",
                "currentGasLimit": "0x01c9c380", "chainId": 5},
        "pre": {"0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b": {"balance": "0x0de0b6b3a7640000"}},
        "transactions": [
            {"sender": "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b", "nonce": "0x00",
             "to": "0x095e7baea6a6c7c4c2dfeb977efac326af552d87", "gasLimit": "21000",
             "gasPrice": "0x0a", "value": "0x01"},
            {"sender": "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b", "nonce": 1,
             "gasLimit": "0x0186a0", "maxFeePerGas": "0x0a", "maxPriorityFeePerGas": "0x01",
             "data": "0x6000", "accessList": []}
        ]
    }"#;

    #[test]
    fn parses_a_block() {
        let block = Block::from_json_str(BLOCK).unwrap();
        assert_eq!(block.env.spec, SpecId::Cancun);
        assert_eq!(block.env.chain_id, 5);
        assert_eq!(block.pre.accounts.len(), 1);
        assert_eq!(block.txs.len(), 2);
        assert_eq!(block.txs[0].tx_type, 0);
        assert_eq!(block.txs[0].gas_limit, 21000);
        assert_eq!(block.txs[1].tx_type, 2);
        assert_eq!(block.txs[1].to, None);
        assert_eq!(block.txs[1].chain_id, Some(5));
    }

    #[test]
    fn parses_set_code_transactions_and_new_forks() {
        let text = BLOCK.replace("\"Cancun\"", "\"Osaka\"").replace(
            "\"accessList\": []",
            r#""accessList": [], "to": "0x095e7baea6a6c7c4c2dfeb977efac326af552d87",
               "authorizationList": [{"chainId": "0x01", "nonce": "0x00", "yParity": "0x01",
                 "address": "0x095e7baea6a6c7c4c2dfeb977efac326af552d87",
                 "r": "0x02", "s": "0x03"}]"#,
        );
        let block = Block::from_json_str(&text).unwrap();
        assert_eq!(block.env.spec, SpecId::Osaka);
        let tx = &block.txs[1];
        assert_eq!(tx.tx_type, 4);
        assert_eq!(tx.authorization_list.len(), 1);
        let auth = &tx.authorization_list[0];
        assert_eq!(
            (auth.y_parity, auth.r, auth.s),
            (U256::from(1), U256::from(2), U256::from(3))
        );
        let bad = text.replace("\"r\": \"0x02\", ", "");
        assert_eq!(
            Block::from_json_str(&bad).unwrap_err(),
            "transactions[1].authorizationList[0].r: missing"
        );
    }

    #[test]
    fn errors_name_the_field() {
        let bad = BLOCK.replace("\"gasLimit\": \"21000\"", "\"gasLimit\": \"0xzz\"");
        let err = Block::from_json_str(&bad).unwrap_err();
        assert_eq!(err, r#"transactions[0].gasLimit: invalid hex "0xzz""#);
        let bad = BLOCK.replace("\"Cancun\"", "\"Cancun2\"");
        assert_eq!(
            Block::from_json_str(&bad).unwrap_err(),
            r#"fork: unknown fork name "Cancun2""#
        );
        assert!(Block::from_json_str("{")
            .unwrap_err()
            .starts_with("invalid JSON"));
        assert_eq!(
            Block::from_json_str("[]").unwrap_err(),
            "block: expected an object, got []"
        );
    }
}

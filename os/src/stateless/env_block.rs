//! A block given as its environment and its transactions, senders included, with the
//! pre-state root and BLOCKHASH answers it is trusted for: what `zkos run` blocks and the
//! state tests are, neither being an RLP block with headers. Run over a witness of the
//! pre-state, it yields the post-state root and an [`EnvOutput`] whose commitment the guest
//! publishes, so the guest can be checked on inputs whose answer is known.
//!
//! The input's canonical form ([`EnvBlock::encode`], RLP) is what the guest's tape carries
//! and what [`EnvOutput::input_hash`] hashes, so the output names exactly what it covers.

use super::{Ancestors, ExecutionWitness, StatelessError, WitnessError, WitnessOracle};
use crate::bootloader::ethereum::receipts::logs_hash;
use crate::bootloader::Bootloader;
use crate::commitment::mpt::{MptError, MptState};
use crate::commitment::StateCommitment;
use crate::ee::ExecutionEnvironment;
use crate::rlp::{self, Item, RlpError};
use crate::types::{
    AccessListItem, AccountDiff, Authorization, BlobParams, BlockEnv, BlockResult, SpecId,
    StateDiff, TxEnv, TxStatus,
};
use alloc::vec::Vec;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};

/// The block as an environment and transactions, with what it is trusted for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvBlock {
    pub env: BlockEnv,
    /// The transactions in order, each with its sender.
    pub txs: Vec<TxEnv>,
    /// The BLOCKHASH answers (given, not proven: such blocks have no headers).
    pub ancestors: Ancestors,
    /// Do what geth's state-test runner does after the block: from Spurious Dragon on, an
    /// empty coinbase is deleted, even when the block never made it exist.
    pub touch_coinbase: bool,
    /// The root every read of the witness is proven against.
    pub pre_state_root: B256,
}

/// What running an [`EnvBlock`] proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvOutput {
    /// keccak256 of [`EnvBlock::encode`]: the whole input but the witness.
    pub input_hash: B256,
    pub pre_state_root: B256,
    pub post_state_root: B256,
    /// keccak256 of the RLP list of every log, in order: the state tests' `logs` field.
    pub logs_hash: B256,
    /// keccak256 of [`outcomes_encoding`]: each transaction's outcome and gas.
    pub outcomes_hash: B256,
    pub gas_used: u64,
    pub blob_gas_used: u64,
}

/// Tag of [`EnvOutput::encode`]'s layout (the block output has its own).
pub const ENV_OUTPUT_VERSION: &[u8; 16] = b"zkos-env-out-1\0\0";

/// Byte length of [`EnvOutput::encode`].
pub const ENV_ENCODED_LEN: usize = 16 + 32 * 5 + 8 * 2;

impl EnvOutput {
    /// The fixed layout the commitment hashes: the tag; the five hashes in declaration
    /// order; gas used and blob gas used as 8-byte big-endian.
    pub fn encode(&self) -> [u8; ENV_ENCODED_LEN] {
        super::output::pack(&[
            ENV_OUTPUT_VERSION,
            self.input_hash.as_slice(),
            self.pre_state_root.as_slice(),
            self.post_state_root.as_slice(),
            self.logs_hash.as_slice(),
            self.outcomes_hash.as_slice(),
            &self.gas_used.to_be_bytes(),
            &self.blob_gas_used.to_be_bytes(),
        ])
    }

    /// keccak256 of [`Self::encode`]: the guest's public output for such a block.
    pub fn commitment(&self) -> B256 {
        keccak256(self.encode())
    }
}

/// The outcome of each transaction as RLP, `[[kind, gas_used, gas_refunded], ...]` with
/// kind 0 success, 1 revert, 2 exceptional halt, 3 rejected (not included): what an
/// [`EnvOutput`] commits to besides the logs, so a changed status or gas is visible.
pub fn outcomes_encoding(result: &BlockResult) -> Vec<u8> {
    list(|out| {
        for r in &result.receipts {
            let kind = match &r.result {
                Ok(TxStatus::Success) => 0,
                Ok(TxStatus::Revert) => 1,
                Ok(TxStatus::Halt(_)) => 2,
                Err(_) => 3,
            };
            out.extend(list(|o| {
                rlp::encode_u64(o, kind);
                rlp::encode_u64(o, r.gas_used);
                rlp::encode_u64(o, r.gas_refunded);
            }));
        }
    })
}

/// Step 1 of an env block: the state tries against its pre-state root, and the oracle over
/// them and the witness codes (the witness headers are not used).
pub fn load_env_witness<'a>(
    block: &EnvBlock,
    witness: &ExecutionWitness<'a>,
) -> Result<WitnessOracle<'a>, WitnessError> {
    let state = MptState::from_witness(block.pre_state_root, witness.state.iter().copied())?;
    Ok(WitnessOracle::new(
        block.env.clone(),
        block.txs.clone(),
        state,
        witness.codes,
        block.ancestors.clone(),
    ))
}

/// Step 2, after the block ran over the oracle: the first read the witness could not prove,
/// else a frame the arena could not hold ([`StatelessError::MemoryLimit`], as for real
/// blocks), else the diff applied (and the coinbase touched if asked), the new root and the
/// output.
pub fn finish_env_block(
    block: &EnvBlock,
    oracle: WitnessOracle<'_>,
    result: &BlockResult,
) -> Result<EnvOutput, StatelessError> {
    if let Some(e) = oracle.error() {
        return Err(StatelessError::Witness(e));
    }
    if result.memory_limit_hit {
        return Err(StatelessError::MemoryLimit);
    }
    let mut state = oracle.into_state();
    let post_state_root = post_state(block, &mut state, &result.state_diff)
        .map_err(|e| StatelessError::Witness(e.into()))?;
    Ok(EnvOutput {
        input_hash: keccak256(block.encode()),
        pre_state_root: block.pre_state_root,
        post_state_root,
        logs_hash: logs_hash(result.receipts.iter().flat_map(|r| &r.logs)),
        outcomes_hash: keccak256(outcomes_encoding(result)),
        gas_used: result.gas_used,
        blob_gas_used: result.blob_gas_used,
    })
}

/// Applies the block's diff to `state`, then the coinbase touch if the block asks for it;
/// the new root. The witness builder calls it on its tracking state, so the nodes the touch
/// folds in are recorded too.
pub fn post_state(
    block: &EnvBlock,
    state: &mut MptState,
    diff: &StateDiff,
) -> Result<B256, MptError> {
    state.apply(diff)?;
    if block.touch_coinbase {
        touch_coinbase(state, block.env.coinbase, block.env.spec)?;
    }
    state.root()
}

/// Runs an env block over its witness: both steps with the bootloader between them.
pub fn run_env_block<E: ExecutionEnvironment>(
    boot: &mut Bootloader<E>,
    block: &EnvBlock,
    witness: &ExecutionWitness<'_>,
) -> Result<(BlockResult, EnvOutput), StatelessError> {
    let oracle = load_env_witness(block, witness).map_err(StatelessError::Witness)?;
    let result = boot.run_block(&oracle);
    let output = finish_env_block(block, oracle, &result)?;
    Ok((result, output))
}

/// geth's state-test coinbase touch on the commitment: from Spurious Dragon on, a coinbase
/// that exists and is empty after the block is deleted (a second, one-account diff).
pub fn touch_coinbase(
    state: &mut MptState,
    coinbase: Address,
    spec: SpecId,
) -> Result<(), MptError> {
    if spec < SpecId::SpuriousDragon {
        return Ok(());
    }
    if state.account(coinbase)?.is_some_and(|a| a.info.is_empty()) {
        state.apply(&StateDiff {
            accounts: alloc::vec![AccountDiff {
                address: coinbase,
                info: None,
                code: None,
                storage_cleared: true,
                storage: Vec::new(),
            }],
        })?;
    }
    Ok(())
}

/// Encodes `f`'s items as one RLP list.
fn list(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut payload = Vec::new();
    f(&mut payload);
    let mut out = Vec::with_capacity(payload.len() + 9);
    rlp::encode_list_header(&mut out, payload.len());
    out.extend_from_slice(&payload);
    out
}

/// An optional integer: the empty list for `None`, so that zero and absent differ.
fn put_opt_u256(out: &mut Vec<u8>, v: &Option<U256>) {
    match v {
        None => out.push(rlp::EMPTY_LIST),
        Some(v) => rlp::encode_u256(out, v),
    }
}

fn take_opt_u256(item: Item<'_>) -> Result<Option<U256>, RlpError> {
    if item.is_list() {
        item.list()?.finish()?;
        Ok(None)
    } else {
        item.u256().map(Some)
    }
}

fn take_bool(item: Item<'_>) -> Result<bool, RlpError> {
    match item.u64()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(RlpError::IntegerOverflow),
    }
}

/// Why bytes are not an [`EnvBlock`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvBlockError {
    Rlp(RlpError),
    /// A fork byte that names no [`SpecId`].
    UnknownFork(u64),
    /// A transaction type other than 0 to 4.
    UnknownTxType(u64),
}

impl From<RlpError> for EnvBlockError {
    fn from(e: RlpError) -> Self {
        EnvBlockError::Rlp(e)
    }
}

impl core::fmt::Display for EnvBlockError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EnvBlockError::Rlp(e) => write!(f, "env block: {e}"),
            EnvBlockError::UnknownFork(id) => write!(f, "env block: unknown fork {id}"),
            EnvBlockError::UnknownTxType(t) => write!(f, "env block: transaction type {t}"),
        }
    }
}

impl EnvBlock {
    /// The canonical form, one RLP list:
    /// `[env, [tx...], [ancestors_newest, [hash...]], touch_coinbase, pre_state_root]` with
    /// `env = [spec, chain_id, number, coinbase, timestamp, gas_limit, base_fee, difficulty,
    /// prev_randao, excess_blob_gas, blob_schedule]` (the schedule the empty list or
    /// `[target, max, update_fraction]`) and each transaction
    /// `[type, caller, nonce, gas_limit, gas_price, max_priority_fee, to, value, data,
    /// chain_id, [[address, [key...]]...], [blob_hash...], max_fee_per_blob_gas,
    /// [[chain_id, address, nonce, y_parity, r, s]...]]`; an absent optional integer is the
    /// empty list, an absent `to` the empty string.
    pub fn encode(&self) -> Vec<u8> {
        list(|out| {
            out.extend(encode_env(&self.env));
            out.extend(list(|o| {
                for tx in &self.txs {
                    o.extend(encode_tx(tx));
                }
            }));
            out.extend(list(|o| {
                rlp::encode_u64(o, self.ancestors.newest());
                o.extend(list(|h| {
                    for hash in self.ancestors.hashes() {
                        rlp::encode_bytes(h, hash.as_slice());
                    }
                }));
            }));
            rlp::encode_u64(out, self.touch_coinbase as u64);
            rlp::encode_bytes(out, self.pre_state_root.as_slice());
        })
    }

    /// Decodes [`Self::encode`]'s form exactly: one meaning per input.
    pub fn decode(bytes: &[u8]) -> Result<EnvBlock, EnvBlockError> {
        let top = Item::decode(bytes)?;
        let mut items = top.list()?;
        let env = decode_env(items.next_item()?)?;
        let mut txs = Vec::new();
        for tx in items.next_item()?.list()? {
            txs.push(decode_tx(tx)?);
        }
        let mut anc = items.next_item()?.list()?;
        let newest = anc.next_item()?.u64()?;
        let mut hashes = Vec::new();
        for h in anc.next_item()?.list()? {
            hashes.push(h.b256()?);
        }
        anc.finish()?;
        let touch_coinbase = take_bool(items.next_item()?)?;
        let pre_state_root = items.next_item()?.b256()?;
        items.finish()?;
        Ok(EnvBlock {
            env,
            txs,
            ancestors: Ancestors::trusted(newest, hashes),
            touch_coinbase,
            pre_state_root,
        })
    }
}

fn encode_env(env: &BlockEnv) -> Vec<u8> {
    list(|o| {
        rlp::encode_u64(o, env.spec as u64);
        rlp::encode_u64(o, env.chain_id);
        rlp::encode_u64(o, env.number);
        rlp::encode_bytes(o, env.coinbase.as_slice());
        rlp::encode_u64(o, env.timestamp);
        rlp::encode_u64(o, env.gas_limit);
        rlp::encode_u256(o, &env.base_fee);
        rlp::encode_u256(o, &env.difficulty);
        rlp::encode_bytes(o, env.prev_randao.as_slice());
        rlp::encode_u64(o, env.excess_blob_gas);
        o.extend(list(|b| {
            if let Some(p) = env.blob_schedule {
                rlp::encode_u64(b, p.target);
                rlp::encode_u64(b, p.max);
                rlp::encode_u64(b, p.update_fraction);
            }
        }));
    })
}

fn decode_env(item: Item<'_>) -> Result<BlockEnv, EnvBlockError> {
    let mut f = item.list()?;
    let id = f.next_item()?.u64()?;
    let spec = *usize::try_from(id)
        .ok()
        .and_then(|i| SpecId::ALL.get(i))
        .ok_or(EnvBlockError::UnknownFork(id))?;
    let env = BlockEnv {
        spec,
        chain_id: f.next_item()?.u64()?,
        number: f.next_item()?.u64()?,
        coinbase: f.next_item()?.address()?,
        timestamp: f.next_item()?.u64()?,
        gas_limit: f.next_item()?.u64()?,
        base_fee: f.next_item()?.u256()?,
        difficulty: f.next_item()?.u256()?,
        prev_randao: f.next_item()?.b256()?,
        excess_blob_gas: f.next_item()?.u64()?,
        blob_schedule: {
            let mut b = f.next_item()?.list()?;
            if b.is_empty() {
                None
            } else {
                let p = BlobParams {
                    target: b.next_item()?.u64()?,
                    max: b.next_item()?.u64()?,
                    update_fraction: b.next_item()?.u64()?,
                };
                b.finish()?;
                Some(p)
            }
        },
    };
    f.finish()?;
    Ok(env)
}

fn encode_tx(tx: &TxEnv) -> Vec<u8> {
    list(|o| {
        rlp::encode_u64(o, u64::from(tx.tx_type));
        rlp::encode_bytes(o, tx.caller.as_slice());
        rlp::encode_u64(o, tx.nonce);
        rlp::encode_u64(o, tx.gas_limit);
        rlp::encode_u256(o, &tx.gas_price);
        put_opt_u256(o, &tx.max_priority_fee_per_gas);
        match &tx.to {
            Some(to) => rlp::encode_bytes(o, to.as_slice()),
            None => rlp::encode_bytes(o, &[]),
        }
        rlp::encode_u256(o, &tx.value);
        rlp::encode_bytes(o, &tx.data);
        put_opt_u256(o, &tx.chain_id.map(U256::from));
        o.extend(list(|l| {
            for item in &tx.access_list {
                l.extend(list(|i| {
                    rlp::encode_bytes(i, item.address.as_slice());
                    i.extend(list(|k| {
                        for key in &item.storage_keys {
                            rlp::encode_bytes(k, key.as_slice());
                        }
                    }));
                }));
            }
        }));
        o.extend(list(|l| {
            for hash in &tx.blob_hashes {
                rlp::encode_bytes(l, hash.as_slice());
            }
        }));
        put_opt_u256(o, &tx.max_fee_per_blob_gas);
        o.extend(list(|l| {
            for a in &tx.authorization_list {
                l.extend(list(|i| {
                    rlp::encode_u256(i, &a.chain_id);
                    rlp::encode_bytes(i, a.address.as_slice());
                    rlp::encode_u64(i, a.nonce);
                    rlp::encode_u256(i, &a.y_parity);
                    rlp::encode_u256(i, &a.r);
                    rlp::encode_u256(i, &a.s);
                }));
            }
        }));
    })
}

fn decode_tx(item: Item<'_>) -> Result<TxEnv, EnvBlockError> {
    let mut f = item.list()?;
    let tx_type = f.next_item()?.u64()?;
    if tx_type > 4 {
        return Err(EnvBlockError::UnknownTxType(tx_type));
    }
    let caller = f.next_item()?.address()?;
    let nonce = f.next_item()?.u64()?;
    let gas_limit = f.next_item()?.u64()?;
    let gas_price = f.next_item()?.u256()?;
    let max_priority_fee_per_gas = take_opt_u256(f.next_item()?)?;
    let to_item = f.next_item()?;
    let to = match to_item.bytes()? {
        [] => None,
        _ => Some(to_item.address()?),
    };
    let value = f.next_item()?.u256()?;
    let data = Bytes::copy_from_slice(f.next_item()?.bytes()?);
    let chain_id = match take_opt_u256(f.next_item()?)? {
        None => None,
        Some(v) => Some(u64::try_from(v).map_err(|_| RlpError::IntegerOverflow)?),
    };
    let mut access_list = Vec::new();
    for entry in f.next_item()?.list()? {
        let mut e = entry.list()?;
        let address = e.next_item()?.address()?;
        let mut storage_keys = Vec::new();
        for key in e.next_item()?.list()? {
            storage_keys.push(key.b256()?);
        }
        e.finish()?;
        access_list.push(AccessListItem {
            address,
            storage_keys,
        });
    }
    let mut blob_hashes = Vec::new();
    for hash in f.next_item()?.list()? {
        blob_hashes.push(hash.b256()?);
    }
    let max_fee_per_blob_gas = take_opt_u256(f.next_item()?)?;
    let mut authorization_list = Vec::new();
    for entry in f.next_item()?.list()? {
        let mut a = entry.list()?;
        authorization_list.push(Authorization {
            chain_id: a.next_item()?.u256()?,
            address: a.next_item()?.address()?,
            nonce: a.next_item()?.u64()?,
            y_parity: a.next_item()?.u256()?,
            r: a.next_item()?.u256()?,
            s: a.next_item()?.u256()?,
        });
        a.finish()?;
    }
    f.finish()?;
    Ok(TxEnv {
        tx_type: tx_type as u8,
        caller,
        nonce,
        gas_limit,
        gas_price,
        max_priority_fee_per_gas,
        to,
        value,
        data,
        chain_id,
        access_list,
        blob_hashes,
        max_fee_per_blob_gas,
        authorization_list,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Log, TxReceipt};
    use alloc::vec;

    /// A block that sets every field, optional ones included.
    fn full() -> EnvBlock {
        let tx = TxEnv {
            tx_type: 4,
            caller: Address::repeat_byte(1),
            nonce: 7,
            gas_limit: 100_000,
            gas_price: U256::from(10),
            max_priority_fee_per_gas: Some(U256::ZERO),
            to: Some(Address::repeat_byte(2)),
            value: U256::MAX,
            data: Bytes::from_static(&[0, 1, 2]),
            chain_id: Some(1),
            access_list: vec![AccessListItem {
                address: Address::repeat_byte(3),
                storage_keys: vec![B256::repeat_byte(4), B256::ZERO],
            }],
            blob_hashes: vec![B256::repeat_byte(5)],
            max_fee_per_blob_gas: Some(U256::from(1)),
            authorization_list: vec![Authorization {
                chain_id: U256::from(1),
                address: Address::repeat_byte(6),
                nonce: u64::MAX,
                y_parity: U256::from(2),
                r: U256::from(3),
                s: U256::ZERO,
            }],
        };
        EnvBlock {
            env: BlockEnv {
                spec: SpecId::Osaka,
                number: 300,
                coinbase: Address::repeat_byte(9),
                base_fee: U256::from(7),
                prev_randao: B256::repeat_byte(8),
                excess_blob_gas: 5,
                blob_schedule: Some(BlobParams {
                    target: 1,
                    max: 2,
                    update_fraction: 3,
                }),
                ..BlockEnv::default()
            },
            txs: vec![tx, TxEnv::default()],
            ancestors: Ancestors::trusted(299, vec![B256::repeat_byte(1), B256::repeat_byte(2)]),
            touch_coinbase: true,
            pre_state_root: B256::repeat_byte(0xaa),
        }
    }

    #[test]
    fn encoding_round_trips() {
        for block in [
            full(),
            EnvBlock {
                env: BlockEnv::default(),
                txs: vec![],
                ancestors: Ancestors::default(),
                touch_coinbase: false,
                pre_state_root: B256::ZERO,
            },
        ] {
            let bytes = block.encode();
            assert_eq!(EnvBlock::decode(&bytes), Ok(block));
        }
    }

    #[test]
    fn absent_and_zero_are_different_inputs() {
        let a = full();
        let mut b = a.clone();
        b.txs[0].max_priority_fee_per_gas = None;
        let mut c = a.clone();
        c.txs[1].chain_id = Some(0);
        let mut d = a.clone();
        d.txs[1].to = Some(Address::ZERO);
        let mut e = a.clone();
        e.env.blob_schedule = None;
        let encodings: Vec<_> = [&a, &b, &c, &d, &e].iter().map(|x| x.encode()).collect();
        for (i, x) in encodings.iter().enumerate() {
            for y in &encodings[i + 1..] {
                assert_ne!(x, y);
            }
        }
        for (x, block) in encodings.iter().zip([&a, &b, &c, &d, &e]) {
            assert_eq!(&EnvBlock::decode(x).unwrap(), block);
        }
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let bytes = full().encode();
        for cut in 0..bytes.len() {
            assert!(EnvBlock::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0x80);
        assert!(EnvBlock::decode(&longer).is_err());
        // The fork byte is the env list's first item: [outer hdr][env hdr][spec].
        let mut fork = bytes.clone();
        let at = 3 + 2;
        assert_eq!(fork[at], SpecId::Osaka as u8);
        fork[at] = 0x7f;
        assert_eq!(
            EnvBlock::decode(&fork),
            Err(EnvBlockError::UnknownFork(0x7f))
        );
        let mut block = full();
        block.txs[0].tx_type = 5;
        assert_eq!(
            EnvBlock::decode(&block.encode()),
            Err(EnvBlockError::UnknownTxType(5))
        );
    }

    #[test]
    fn every_output_field_changes_the_commitment() {
        let base = EnvOutput {
            input_hash: B256::repeat_byte(1),
            pre_state_root: B256::repeat_byte(2),
            post_state_root: B256::repeat_byte(3),
            logs_hash: B256::repeat_byte(4),
            outcomes_hash: B256::repeat_byte(5),
            gas_used: 6,
            blob_gas_used: 7,
        };
        let variants = [
            EnvOutput {
                input_hash: B256::ZERO,
                ..base
            },
            EnvOutput {
                pre_state_root: B256::ZERO,
                ..base
            },
            EnvOutput {
                post_state_root: B256::ZERO,
                ..base
            },
            EnvOutput {
                logs_hash: B256::ZERO,
                ..base
            },
            EnvOutput {
                outcomes_hash: B256::ZERO,
                ..base
            },
            EnvOutput {
                gas_used: 0,
                ..base
            },
            EnvOutput {
                blob_gas_used: 0,
                ..base
            },
        ];
        for v in variants {
            assert_ne!(v.commitment(), base.commitment(), "{v:?}");
        }
    }

    #[test]
    fn outcomes_and_logs_hashes() {
        // keccak256(rlp([])): the state tests' hash of no logs.
        assert_eq!(
            logs_hash([]),
            alloy_primitives::b256!(
                "1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"
            )
        );
        let receipt = |result, gas_used| TxReceipt {
            result,
            gas_used,
            gas_refunded: 0,
            cumulative_gas_used: gas_used,
            logs: vec![Log::default()],
            output: Bytes::new(),
            created_address: None,
        };
        let ok = BlockResult {
            receipts: vec![receipt(Ok(TxStatus::Success), 21_000)],
            ..BlockResult::default()
        };
        let reverted = BlockResult {
            receipts: vec![receipt(Ok(TxStatus::Revert), 21_000)],
            ..BlockResult::default()
        };
        assert_ne!(outcomes_encoding(&ok), outcomes_encoding(&reverted));
        // [[0, 21000, 0]]: the inner list's five payload bytes, the outer list's six.
        assert_eq!(
            outcomes_encoding(&ok),
            vec![0xc6, 0xc5, 0x80, 0x82, 0x52, 0x08, 0x80]
        );
    }
}

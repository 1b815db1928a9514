//! The block header, every field through Prague/Osaka (21 fields); older headers end earlier.

use crate::rlp::{Item, List, RlpError};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use core::fmt;

/// Why bytes are not a header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// `field` is missing or not canonical RLP of its type (`field` "header" for the list).
    Field {
        field: &'static str,
        error: RlpError,
    },
    /// A number of fields no fork defines: 15 (Frontier), 16 (London), 17 (Shanghai),
    /// 20 (Cancun) and 21 (Prague) are the valid ones.
    FieldCount(usize),
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Field { field, error } => write!(f, "field {field}: {error}"),
            HeaderError::FieldCount(n) => write!(f, "{n} fields, no fork has that many"),
        }
    }
}

/// A block header. Fields a fork added are `None` in headers of earlier forks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub parent_hash: B256,
    pub ommers_hash: B256,
    pub coinbase: Address,
    pub state_root: B256,
    pub transactions_root: B256,
    pub receipts_root: B256,
    pub logs_bloom: [u8; 256],
    pub difficulty: U256,
    pub number: u64,
    pub gas_limit: u64,
    pub gas_used: u64,
    pub timestamp: u64,
    pub extra_data: Bytes,
    /// The mix hash; PREVRANDAO after the merge.
    pub mix_hash: B256,
    pub nonce: [u8; 8],
    /// London (EIP-1559).
    pub base_fee_per_gas: Option<u64>,
    /// Shanghai (EIP-4895).
    pub withdrawals_root: Option<B256>,
    /// Cancun (EIP-4844).
    pub blob_gas_used: Option<u64>,
    /// Cancun (EIP-4844).
    pub excess_blob_gas: Option<u64>,
    /// Cancun (EIP-4788).
    pub parent_beacon_block_root: Option<B256>,
    /// Prague (EIP-7685).
    pub requests_hash: Option<B256>,
    /// keccak256 of the header's RLP as given: the block hash.
    pub hash: B256,
}

/// Reads the next field of `list`, naming it in the error.
fn field<'a, T>(
    list: &mut List<'a>,
    name: &'static str,
    read: impl FnOnce(&Item<'a>) -> Result<T, RlpError>,
) -> Result<T, HeaderError> {
    let err = |error| HeaderError::Field { field: name, error };
    read(&list.next_item().map_err(err)?).map_err(err)
}

impl Header {
    /// Decodes a header from exactly its RLP bytes.
    pub fn decode(bytes: &[u8]) -> Result<Header, HeaderError> {
        let item = Item::decode(bytes).map_err(|error| HeaderError::Field {
            field: "header",
            error,
        })?;
        Self::decode_item(&item)
    }

    /// Decodes a header from an already validated RLP item (inside a block).
    pub fn decode_item(item: &Item<'_>) -> Result<Header, HeaderError> {
        let mut list = item.list().map_err(|error| HeaderError::Field {
            field: "header",
            error,
        })?;
        let count = list.count();
        if !matches!(count, 15 | 16 | 17 | 20 | 21) {
            return Err(HeaderError::FieldCount(count));
        }
        let l = &mut list;
        let mut header = Header {
            parent_hash: field(l, "parent_hash", Item::b256)?,
            ommers_hash: field(l, "ommers_hash", Item::b256)?,
            coinbase: field(l, "coinbase", Item::address)?,
            state_root: field(l, "state_root", Item::b256)?,
            transactions_root: field(l, "transactions_root", Item::b256)?,
            receipts_root: field(l, "receipts_root", Item::b256)?,
            logs_bloom: field(l, "logs_bloom", Item::fixed::<256>)?,
            difficulty: field(l, "difficulty", Item::u256)?,
            number: field(l, "number", Item::u64)?,
            gas_limit: field(l, "gas_limit", Item::u64)?,
            gas_used: field(l, "gas_used", Item::u64)?,
            timestamp: field(l, "timestamp", Item::u64)?,
            extra_data: field(l, "extra_data", |i| i.bytes().map(Bytes::copy_from_slice))?,
            mix_hash: field(l, "mix_hash", Item::b256)?,
            nonce: field(l, "nonce", Item::fixed::<8>)?,
            base_fee_per_gas: None,
            withdrawals_root: None,
            blob_gas_used: None,
            excess_blob_gas: None,
            parent_beacon_block_root: None,
            requests_hash: None,
            hash: keccak256(item.raw()),
        };
        if count >= 16 {
            header.base_fee_per_gas = Some(field(l, "base_fee_per_gas", Item::u64)?);
        }
        if count >= 17 {
            header.withdrawals_root = Some(field(l, "withdrawals_root", Item::b256)?);
        }
        if count >= 20 {
            header.blob_gas_used = Some(field(l, "blob_gas_used", Item::u64)?);
            header.excess_blob_gas = Some(field(l, "excess_blob_gas", Item::u64)?);
            header.parent_beacon_block_root =
                Some(field(l, "parent_beacon_block_root", Item::b256)?);
        }
        if count >= 21 {
            header.requests_hash = Some(field(l, "requests_hash", Item::b256)?);
        }
        list.finish().map_err(|error| HeaderError::Field {
            field: "header",
            error,
        })?;
        Ok(header)
    }
}

//! Transactions as a block body carries them: legacy (pre-EIP-155 and EIP-155) and the typed
//! envelopes of EIP-2718, types 1 (EIP-2930), 2 (EIP-1559), 3 (EIP-4844, without sidecar) and
//! 4 (EIP-7702).
//!
//! The signing hash is taken over the received bytes of the unsigned fields rather than a
//! re-encoding: the decoder accepts only canonical RLP, so the two are the same bytes, and
//! this hashes each transaction without copying it.

use crate::precompiles::ecrecover::recover_address;
use crate::rlp::{self, Item, List, RlpError};
use crate::types::{AccessListItem, Authorization, TxEnv};
use alloc::vec::Vec;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use core::fmt;

/// secp256k1's group order halved: transactions with a larger s are malleable copies of
/// another signature and invalid since Homestead (EIP-2).
pub const SECP256K1_HALF_N: U256 = U256::from_limbs([
    0xdfe9_2f46_681b_20a0,
    0x5d57_6e73_57a4_501d,
    0xffff_ffff_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
]);

/// Why bytes are not a valid signed transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxError {
    /// `field` is missing or not canonical RLP of its type (`field` "transaction" for the
    /// list itself).
    Field {
        field: &'static str,
        error: RlpError,
    },
    /// Entry `index` of the access list has a malformed `field`.
    AccessList {
        index: usize,
        field: &'static str,
        error: RlpError,
    },
    /// Tuple `index` of the authorization list has a malformed `field`.
    Authorization {
        index: usize,
        field: &'static str,
        error: RlpError,
    },
    /// An authorization's y parity is not below 2^8 (EIP-7702 bounds the field itself).
    AuthorizationYParity { index: usize },
    /// No bytes at all.
    Empty,
    /// An envelope type that is not 1..=4.
    UnknownType(u8),
    /// A legacy v that is neither 27/28 nor 35 + 2·chain_id + {0, 1}.
    InvalidV(u64),
    /// A typed transaction's y parity is not 0 or 1.
    InvalidYParity(u64),
    /// s above n/2 (EIP-2).
    HighS,
    /// r or s out of range, or no public key recovers from the signature.
    InvalidSignature,
}

impl fmt::Display for TxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxError::Field { field, error } => write!(f, "field {field}: {error}"),
            TxError::AccessList {
                index,
                field,
                error,
            } => write!(f, "access list entry {index}, field {field}: {error}"),
            TxError::Authorization {
                index,
                field,
                error,
            } => write!(f, "authorization {index}, field {field}: {error}"),
            TxError::AuthorizationYParity { index } => {
                write!(f, "authorization {index}: y parity above 255")
            }
            TxError::Empty => f.write_str("empty transaction"),
            TxError::UnknownType(t) => write!(f, "unknown transaction type 0x{t:02x}"),
            TxError::InvalidV(v) => write!(f, "invalid legacy v {v}"),
            TxError::InvalidYParity(y) => write!(f, "invalid y parity {y}"),
            TxError::HighS => f.write_str("signature s above n/2 (EIP-2)"),
            TxError::InvalidSignature => f.write_str("invalid signature: no sender recovers"),
        }
    }
}

/// A transaction's ECDSA signature, with the y parity already derived from a legacy v.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// 0 or 1.
    pub y_parity: u8,
    pub r: U256,
    pub s: U256,
}

/// A decoded signed transaction, sender not yet recovered (that is the costly part, done by
/// [`Transaction::recover_sender`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// 0 legacy, 1 EIP-2930, 2 EIP-1559, 3 EIP-4844, 4 EIP-7702.
    pub tx_type: u8,
    /// `None` only for a pre-EIP-155 legacy transaction (replayable on any chain).
    pub chain_id: Option<u64>,
    pub nonce: u64,
    /// `gasPrice` for types 0 and 1, `maxFeePerGas` from type 2 on.
    pub gas_price: U256,
    /// `maxPriorityFeePerGas`, from type 2 on.
    pub max_priority_fee_per_gas: Option<U256>,
    pub gas_limit: u64,
    /// `None` creates a contract (never for types 3 and 4, whose `to` is required).
    pub to: Option<Address>,
    pub value: U256,
    pub data: Bytes,
    pub access_list: Vec<AccessListItem>,
    /// Type 3 only.
    pub max_fee_per_blob_gas: Option<U256>,
    /// Type 3 only.
    pub blob_hashes: Vec<B256>,
    /// Type 4 only: the tuples as signed; their authorities are recovered by the bootloader,
    /// where an invalid one is skipped rather than failing the transaction.
    pub authorization_list: Vec<Authorization>,
    pub signature: Signature,
    /// What the sender signed.
    pub signing_hash: B256,
    /// keccak256 of [`Transaction::encoded`]: the transaction hash.
    pub hash: B256,
    /// The canonical encoding: the RLP list for legacy, `type || rlp(payload)` otherwise. It is
    /// the value of the transactions trie.
    pub encoded: Bytes,
}

/// Reads the next item of `list` as `name`.
fn next<'a, T>(
    list: &mut List<'a>,
    name: &'static str,
    read: impl FnOnce(&Item<'a>) -> Result<T, RlpError>,
) -> Result<(T, usize), TxError> {
    let err = |error| TxError::Field { field: name, error };
    let item = list.next_item().map_err(err)?;
    let value = read(&item).map_err(err)?;
    Ok((value, item.raw().len()))
}

/// Running decode of a field list: counts the bytes of the unsigned part as it goes.
struct Fields<'a> {
    list: List<'a>,
    unsigned_len: usize,
}

impl<'a> Fields<'a> {
    fn take<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&Item<'a>) -> Result<T, RlpError>,
    ) -> Result<T, TxError> {
        let (value, len) = next(&mut self.list, name, read)?;
        self.unsigned_len += len;
        Ok(value)
    }

    fn data(&mut self) -> Result<Bytes, TxError> {
        self.take("data", |i| i.bytes().map(Bytes::copy_from_slice))
    }

    /// A recipient that may be empty (contract creation).
    fn optional_to(&mut self) -> Result<Option<Address>, TxError> {
        self.take("to", |i| {
            if i.bytes()?.is_empty() {
                Ok(None)
            } else {
                i.address().map(Some)
            }
        })
    }

    fn required_to(&mut self) -> Result<Option<Address>, TxError> {
        self.take("to", Item::address).map(Some)
    }

    fn access_list(&mut self) -> Result<Vec<AccessListItem>, TxError> {
        let item = self.take("access_list", |i| Ok(*i))?;
        decode_access_list(&item)
    }

    /// y parity, r, s of a typed transaction, then the end of the list.
    fn typed_signature(mut self) -> Result<(Signature, usize), TxError> {
        let (y, _) = next(&mut self.list, "y_parity", Item::u64)?;
        let (r, _) = next(&mut self.list, "r", Item::u256)?;
        let (s, _) = next(&mut self.list, "s", Item::u256)?;
        self.list.finish().map_err(|error| TxError::Field {
            field: "transaction",
            error,
        })?;
        if y > 1 {
            return Err(TxError::InvalidYParity(y));
        }
        let signature = Signature {
            y_parity: y as u8,
            r,
            s,
        };
        Ok((signature, self.unsigned_len))
    }
}

fn decode_access_list(item: &Item<'_>) -> Result<Vec<AccessListItem>, TxError> {
    let list = item.list().map_err(|error| TxError::Field {
        field: "access_list",
        error,
    })?;
    let mut out = Vec::new();
    for (index, entry) in list.enumerate() {
        let err = |field| {
            move |error| TxError::AccessList {
                index,
                field,
                error,
            }
        };
        let mut fields = entry.list().map_err(err("entry"))?;
        let address = fields
            .next_item()
            .and_then(|i| i.address())
            .map_err(err("address"))?;
        let keys_item = fields.next_item().map_err(err("storage_keys"))?;
        fields.finish().map_err(err("entry"))?;
        let mut storage_keys = Vec::new();
        for key in keys_item.list().map_err(err("storage_keys"))? {
            storage_keys.push(key.b256().map_err(err("storage_key"))?);
        }
        out.push(AccessListItem {
            address,
            storage_keys,
        });
    }
    Ok(out)
}

fn decode_authorization_list(item: &Item<'_>) -> Result<Vec<Authorization>, TxError> {
    let list = item.list().map_err(|error| TxError::Field {
        field: "authorization_list",
        error,
    })?;
    let mut out = Vec::new();
    for (index, tuple) in list.enumerate() {
        let err = |field| {
            move |error| TxError::Authorization {
                index,
                field,
                error,
            }
        };
        let mut f = tuple.list().map_err(err("tuple"))?;
        let mut take = |name| f.next_item().map_err(err(name));
        let chain_id = take("chain_id")?.u256().map_err(err("chain_id"))?;
        let address = take("address")?.address().map_err(err("address"))?;
        let nonce = take("nonce")?.u64().map_err(err("nonce"))?;
        let y_parity = take("y_parity")?.u256().map_err(err("y_parity"))?;
        let r = take("r")?.u256().map_err(err("r"))?;
        let s = take("s")?.u256().map_err(err("s"))?;
        f.finish().map_err(err("tuple"))?;
        if y_parity > U256::from(u8::MAX) {
            return Err(TxError::AuthorizationYParity { index });
        }
        out.push(Authorization {
            chain_id,
            address,
            nonce,
            y_parity,
            r,
            s,
        });
    }
    Ok(out)
}

/// keccak256(prefix || list header || payload || suffix): a signing hash over received bytes.
fn hash_list(prefix: Option<u8>, payload: &[u8], suffix: &[u8]) -> B256 {
    let mut msg = Vec::with_capacity(1 + 9 + payload.len() + suffix.len());
    msg.extend(prefix);
    rlp::encode_list_header(&mut msg, payload.len() + suffix.len());
    msg.extend_from_slice(payload);
    msg.extend_from_slice(suffix);
    keccak256(&msg)
}

impl Transaction {
    /// Decodes a transaction from its canonical encoding (a legacy RLP list, or a type byte
    /// followed by the RLP payload), as in the transactions trie or `eth_sendRawTransaction`.
    pub fn decode(encoded: &[u8]) -> Result<Transaction, TxError> {
        let first = *encoded.first().ok_or(TxError::Empty)?;
        if first >= rlp::EMPTY_LIST {
            let item = Item::decode(encoded).map_err(|error| TxError::Field {
                field: "transaction",
                error,
            })?;
            Self::decode_legacy(&item)
        } else {
            Self::decode_typed(encoded)
        }
    }

    /// Decodes an item of a block's transactions list: a legacy transaction is a list there,
    /// a typed one a string holding `type || payload`.
    pub fn decode_block_item(item: &Item<'_>) -> Result<Transaction, TxError> {
        if item.is_list() {
            Self::decode_legacy(item)
        } else {
            Self::decode_typed(item.payload())
        }
    }

    fn decode_legacy(item: &Item<'_>) -> Result<Transaction, TxError> {
        let list = item.list().map_err(|error| TxError::Field {
            field: "transaction",
            error,
        })?;
        let payload = item.payload();
        let mut f = Fields {
            list,
            unsigned_len: 0,
        };
        let nonce = f.take("nonce", Item::u64)?;
        let gas_price = f.take("gas_price", Item::u256)?;
        let gas_limit = f.take("gas_limit", Item::u64)?;
        let to = f.optional_to()?;
        let value = f.take("value", Item::u256)?;
        let data = f.data()?;
        let unsigned = &payload[..f.unsigned_len];
        let (v, _) = next(&mut f.list, "v", Item::u64)?;
        let (r, _) = next(&mut f.list, "r", Item::u256)?;
        let (s, _) = next(&mut f.list, "s", Item::u256)?;
        f.list.finish().map_err(|error| TxError::Field {
            field: "transaction",
            error,
        })?;
        let (chain_id, y_parity, signing_hash) = match v {
            27 | 28 => (None, (v - 27) as u8, hash_list(None, unsigned, &[])),
            35.. => {
                let chain_id = (v - 35) / 2;
                // EIP-155: the signed list ends with chain_id, 0, 0.
                let mut suffix = Vec::with_capacity(11);
                rlp::encode_u64(&mut suffix, chain_id);
                suffix.extend_from_slice(&[rlp::EMPTY_STRING, rlp::EMPTY_STRING]);
                let hash = hash_list(None, unsigned, &suffix);
                (Some(chain_id), ((v - 35) % 2) as u8, hash)
            }
            _ => return Err(TxError::InvalidV(v)),
        };
        Ok(Transaction {
            tx_type: 0,
            chain_id,
            nonce,
            gas_price,
            max_priority_fee_per_gas: None,
            gas_limit,
            to,
            value,
            data,
            access_list: Vec::new(),
            max_fee_per_blob_gas: None,
            blob_hashes: Vec::new(),
            authorization_list: Vec::new(),
            signature: Signature { y_parity, r, s },
            signing_hash,
            hash: keccak256(item.raw()),
            encoded: Bytes::copy_from_slice(item.raw()),
        })
    }

    fn decode_typed(encoded: &[u8]) -> Result<Transaction, TxError> {
        let (&tx_type, rest) = encoded.split_first().ok_or(TxError::Empty)?;
        if !(1..=4).contains(&tx_type) {
            return Err(TxError::UnknownType(tx_type));
        }
        let field_err = |error| TxError::Field {
            field: "transaction",
            error,
        };
        let item = Item::decode(rest).map_err(field_err)?;
        let payload = item.payload();
        let mut f = Fields {
            list: item.list().map_err(field_err)?,
            unsigned_len: 0,
        };
        let chain_id = f.take("chain_id", Item::u64)?;
        let nonce = f.take("nonce", Item::u64)?;
        let (max_priority_fee_per_gas, gas_price) = if tx_type == 1 {
            (None, f.take("gas_price", Item::u256)?)
        } else {
            let tip = f.take("max_priority_fee_per_gas", Item::u256)?;
            (Some(tip), f.take("max_fee_per_gas", Item::u256)?)
        };
        let gas_limit = f.take("gas_limit", Item::u64)?;
        let to = if tx_type >= 3 {
            f.required_to()?
        } else {
            f.optional_to()?
        };
        let value = f.take("value", Item::u256)?;
        let data = f.data()?;
        let access_list = f.access_list()?;
        let mut max_fee_per_blob_gas = None;
        let mut blob_hashes = Vec::new();
        let mut authorization_list = Vec::new();
        if tx_type == 3 {
            max_fee_per_blob_gas = Some(f.take("max_fee_per_blob_gas", Item::u256)?);
            let hashes = f.take("blob_versioned_hashes", Item::list)?;
            for h in hashes {
                blob_hashes.push(h.b256().map_err(|error| TxError::Field {
                    field: "blob_versioned_hash",
                    error,
                })?);
            }
        } else if tx_type == 4 {
            let list = f.take("authorization_list", |i| Ok(*i))?;
            authorization_list = decode_authorization_list(&list)?;
        }
        let (signature, unsigned_len) = f.typed_signature()?;
        Ok(Transaction {
            tx_type,
            chain_id: Some(chain_id),
            nonce,
            gas_price,
            max_priority_fee_per_gas,
            gas_limit,
            to,
            value,
            data,
            access_list,
            max_fee_per_blob_gas,
            blob_hashes,
            authorization_list,
            signature,
            signing_hash: hash_list(Some(tx_type), &payload[..unsigned_len], &[]),
            hash: keccak256(encoded),
            encoded: Bytes::copy_from_slice(encoded),
        })
    }

    /// The sender: the address whose key signed [`Transaction::signing_hash`]. A high s
    /// (EIP-2) or a signature no key satisfies is an error, never a wrong address.
    pub fn recover_sender(&self) -> Result<Address, TxError> {
        let sig = &self.signature;
        if sig.s > SECP256K1_HALF_N {
            return Err(TxError::HighS);
        }
        recover_address(
            &self.signing_hash.0,
            sig.y_parity,
            &sig.r.to_be_bytes::<32>(),
            &sig.s.to_be_bytes::<32>(),
        )
        .map(Address::new)
        .ok_or(TxError::InvalidSignature)
    }

    /// The transaction as the bootloader executes it, sender recovered.
    pub fn to_env(&self) -> Result<TxEnv, TxError> {
        Ok(TxEnv {
            tx_type: self.tx_type,
            caller: self.recover_sender()?,
            nonce: self.nonce,
            gas_limit: self.gas_limit,
            gas_price: self.gas_price,
            max_priority_fee_per_gas: self.max_priority_fee_per_gas,
            to: self.to,
            value: self.value,
            data: self.data.clone(),
            chain_id: self.chain_id,
            access_list: self.access_list.clone(),
            blob_hashes: self.blob_hashes.clone(),
            max_fee_per_blob_gas: self.max_fee_per_blob_gas,
            authorization_list: self.authorization_list.clone(),
        })
    }
}

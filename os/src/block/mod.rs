//! Ethereum blocks as a stateless client receives them: the RLP block `[header, transactions,
//! ommers, withdrawals]` decoded strictly (one meaning per input), each transaction's signing
//! hash and hash computed from the bytes as given, and senders recovered in `os` (blocks carry
//! no senders, and a prover must not trust any).
//!
//! Decoding never panics: any bytes give a [`Block`] or a [`BlockError`] naming the part, the
//! index and the field that is wrong.

pub mod header;
pub mod transaction;
pub mod withdrawal;

#[cfg(test)]
mod tests;

pub use header::{Header, HeaderError};
pub use transaction::{Signature, Transaction, TxError};
pub use withdrawal::Withdrawal;

use crate::rlp::{Item, RlpError};
use crate::types::TxEnv;
use alloc::vec::Vec;
use alloy_primitives::B256;
use core::fmt;

/// Why bytes are not a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// The block's own structure (`part`: "block", "transactions", "ommers", "withdrawals").
    Rlp { part: &'static str, error: RlpError },
    /// The header is malformed.
    Header(HeaderError),
    /// Ommer header `index` is malformed.
    Ommer { index: usize, error: HeaderError },
    /// Transaction `index` is malformed or its signature invalid.
    Transaction { index: usize, error: TxError },
    /// Withdrawal `index` has a malformed `field`.
    Withdrawal {
        index: usize,
        field: &'static str,
        error: RlpError,
    },
    /// The body has a withdrawals list exactly when the header has a withdrawals root
    /// (Shanghai on); here one is present without the other.
    WithdrawalsMismatch { in_header: bool, in_body: bool },
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockError::Rlp { part, error } => write!(f, "block {part}: {error}"),
            BlockError::Header(e) => write!(f, "header: {e}"),
            BlockError::Ommer { index, error } => write!(f, "ommer {index}: {error}"),
            BlockError::Transaction { index, error } => write!(f, "transaction {index}: {error}"),
            BlockError::Withdrawal {
                index,
                field,
                error,
            } => write!(f, "withdrawal {index}, field {field}: {error}"),
            BlockError::WithdrawalsMismatch { in_header, in_body } => write!(
                f,
                "withdrawals root in header: {in_header}, withdrawals in body: {in_body}"
            ),
        }
    }
}

/// A decoded block. Transactions keep their canonical encoding, so the transactions root can
/// be rebuilt from exactly the bytes that were signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub header: Header,
    pub transactions: Vec<Transaction>,
    /// Always empty after the merge; decoded so a pre-merge block still parses.
    pub ommers: Vec<Header>,
    /// `None` before Shanghai (no withdrawals list in the body).
    pub withdrawals: Option<Vec<Withdrawal>>,
}

impl Block {
    /// Decodes a whole block from its RLP bytes (nothing may follow it).
    pub fn decode(bytes: &[u8]) -> Result<Block, BlockError> {
        let rlp = |part| move |error| BlockError::Rlp { part, error };
        let item = Item::decode(bytes).map_err(rlp("block"))?;
        let mut fields = item.list().map_err(rlp("block"))?;

        let header = Header::decode_item(&fields.next_item().map_err(rlp("header"))?)
            .map_err(BlockError::Header)?;

        let txs_item = fields.next_item().map_err(rlp("transactions"))?;
        let mut transactions = Vec::new();
        for (index, tx) in txs_item.list().map_err(rlp("transactions"))?.enumerate() {
            let tx = Transaction::decode_block_item(&tx)
                .map_err(|error| BlockError::Transaction { index, error })?;
            transactions.push(tx);
        }

        let ommers_item = fields.next_item().map_err(rlp("ommers"))?;
        let mut ommers = Vec::new();
        for (index, ommer) in ommers_item.list().map_err(rlp("ommers"))?.enumerate() {
            ommers.push(
                Header::decode_item(&ommer).map_err(|error| BlockError::Ommer { index, error })?,
            );
        }

        let withdrawals = match fields.next() {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for (index, w) in list.list().map_err(rlp("withdrawals"))?.enumerate() {
                    out.push(Withdrawal::decode_item(&w).map_err(|(field, error)| {
                        BlockError::Withdrawal {
                            index,
                            field,
                            error,
                        }
                    })?);
                }
                Some(out)
            }
        };
        fields.finish().map_err(rlp("block"))?;

        let in_header = header.withdrawals_root.is_some();
        let in_body = withdrawals.is_some();
        if in_header != in_body {
            return Err(BlockError::WithdrawalsMismatch { in_header, in_body });
        }
        Ok(Block {
            header,
            transactions,
            ommers,
            withdrawals,
        })
    }

    /// The block hash: keccak256 of the header's RLP as given.
    pub fn hash(&self) -> B256 {
        self.header.hash
    }

    /// Every transaction as the bootloader takes it, senders recovered; the first invalid
    /// signature rejects the block, naming its transaction.
    pub fn tx_envs(&self) -> Result<Vec<TxEnv>, BlockError> {
        self.transactions
            .iter()
            .enumerate()
            .map(|(index, tx)| {
                tx.to_env()
                    .map_err(|error| BlockError::Transaction { index, error })
            })
            .collect()
    }
}

//! Ethereum's secure Merkle-Patricia trie as a [`StateCommitment`](super::StateCommitment):
//! keccak-hashed keys, RLP nodes, account leaves `[nonce, balance, storage_root, code_hash]`
//! and one storage trie per account.
//!
//! [`trie::Mpt`] is the generic partial trie (any key up to 32 bytes, so the transaction and
//! receipt tries can use it too); [`MptState`] puts the account and storage tries on top of
//! it.

pub mod nibbles;
pub mod node;
mod state;
pub mod trie;

#[cfg(test)]
mod tests;

pub use state::MptState;
pub use trie::{Mpt, TrieId};

use crate::rlp::RlpError;
use alloy_primitives::{Address, B256, U256};
use core::fmt;

/// Why a witness node cannot be a node of a canonical trie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeProblem {
    /// The bytes are not canonical RLP.
    Rlp(RlpError),
    /// Neither a 17-item branch nor a 2-item leaf or extension.
    NotANode,
    /// A hex-prefix path with a bad flag or padding nibble.
    BadPath,
    /// A path going deeper than 64 nibbles.
    PathTooLong,
    /// An extension with an empty path.
    EmptyExtension,
    /// A leaf with an empty value.
    EmptyValue,
    /// A branch holding a value (keys of a secure trie never end at a branch).
    BranchValue,
    /// A branch with fewer than two children.
    TooFewChildren,
    /// A child reference that is neither empty, a 32-byte hash nor an embedded node.
    BadChildRef,
    /// An embedded node of 32 bytes or more (it must be referenced by hash).
    EmbeddedTooLarge,
    /// A node under 32 bytes referenced by hash (it must be embedded).
    ShortNodeByHash,
}

impl fmt::Display for NodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeProblem::Rlp(e) => write!(f, "{e}"),
            NodeProblem::NotANode => f.write_str("not a branch, extension or leaf"),
            NodeProblem::BadPath => f.write_str("bad hex-prefix path"),
            NodeProblem::PathTooLong => f.write_str("path longer than the key"),
            NodeProblem::EmptyExtension => f.write_str("extension with an empty path"),
            NodeProblem::EmptyValue => f.write_str("leaf with an empty value"),
            NodeProblem::BranchValue => f.write_str("branch with a value"),
            NodeProblem::TooFewChildren => f.write_str("branch with fewer than two children"),
            NodeProblem::BadChildRef => f.write_str("bad child reference"),
            NodeProblem::EmbeddedTooLarge => f.write_str("embedded node of 32 bytes or more"),
            NodeProblem::ShortNodeByHash => f.write_str("node under 32 bytes referenced by hash"),
        }
    }
}

/// What is wrong with a witness, or with an operation on the partial trie it backs. Every
/// variant names the node, account or slot concerned, so a rejected block says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MptError {
    /// A node the operation needs is not in the witness: a read it cannot prove, or the
    /// sibling a deletion must fold into its parent.
    MissingNode { hash: B256 },
    /// The witness node with this hash is not a valid trie node.
    BadNode { hash: B256, problem: NodeProblem },
    /// A node given under a hash does not hash to it.
    HashMismatch { expected: B256, actual: B256 },
    /// A key longer than 32 bytes.
    KeyTooLong { len: usize },
    /// A key that is a prefix of another key (or the other way round): it would need a
    /// branch value, which secure tries never have.
    KeyIsPrefix,
    /// An account leaf that is not `[nonce, balance, storage_root, code_hash]`.
    BadAccount { address: Address, error: RlpError },
    /// A storage leaf that is not a canonical 256-bit integer.
    BadStorageValue {
        address: Address,
        slot: U256,
        error: RlpError,
    },
}

impl fmt::Display for MptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MptError::MissingNode { hash } => {
                write!(f, "trie node {hash} missing from the witness")
            }
            MptError::BadNode { hash, problem } => write!(f, "bad trie node {hash}: {problem}"),
            MptError::HashMismatch { expected, actual } => {
                write!(f, "trie node given as {expected} hashes to {actual}")
            }
            MptError::KeyTooLong { len } => write!(f, "trie key of {len} bytes, at most 32"),
            MptError::KeyIsPrefix => f.write_str("trie key is a prefix of another key"),
            MptError::BadAccount { address, error } => {
                write!(f, "bad account leaf for {address}: {error}")
            }
            MptError::BadStorageValue {
                address,
                slot,
                error,
            } => write!(f, "bad storage leaf for {address} slot {slot:#x}: {error}"),
        }
    }
}

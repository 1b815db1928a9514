//! The state commitment: what binds a block's pre- and post-state to 32-byte roots.
//!
//! A prover trusts no state it is handed: every account and slot the block reads must be
//! proven against the parent's state root, and the new root must be computed from the block's
//! changes. [`StateCommitment`] is that contract, kept small so the storage model stays
//! pluggable (Ethereum's Merkle-Patricia trie first, [`mpt::MptState`]; a ZK-friendly binary
//! tree later). A read the witness cannot prove is an error, never a default value.

pub mod mpt;

use crate::types::{AccountInfo, StateDiff};
use alloy_primitives::{b256, Address, B256, U256};
use core::fmt;

/// Root of the empty Merkle-Patricia trie, keccak256(rlp("")): the state root of an empty
/// state and the storage root of an account without storage.
pub const EMPTY_ROOT: B256 =
    b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

/// An account as the commitment holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountState {
    /// Nonce, balance and code hash.
    pub info: AccountInfo,
    /// The commitment to the account's storage ([`EMPTY_ROOT`] when it has none): what
    /// EIP-7610's "non-empty storage" checks, and the storage part of the state root.
    pub storage_root: B256,
}

impl AccountState {
    /// Whether the account has any storage.
    pub fn has_storage(&self) -> bool {
        self.storage_root != EMPTY_ROOT
    }
}

/// A state known only through a root and a witness: proven reads, then the block's changes
/// and the new root.
///
/// After an error the commitment is in an unspecified state: the block is rejected, and the
/// commitment is dropped with it.
pub trait StateCommitment: Sized {
    /// What is wrong with the witness or an operation: names the missing or bad node.
    type Error: fmt::Debug + fmt::Display;

    /// Loads a witness, a set of nodes (each identified by its hash), against the trusted
    /// `root`. Fails when the root's node is missing or malformed; nodes nothing reaches are
    /// ignored, since real witnesses carry some.
    fn from_witness<'a>(
        root: B256,
        nodes: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Self, Self::Error>;

    /// The account at `address`, `None` when the witness proves it absent. After
    /// [`StateCommitment::apply`], the account as changed, with its new storage root.
    fn account(&mut self, address: Address) -> Result<Option<AccountState>, Self::Error>;

    /// The value of a storage slot, zero when proven absent (or when the account is).
    fn storage(&mut self, address: Address, slot: U256) -> Result<U256, Self::Error>;

    /// Applies a block's changes: account updates, creations and deletions, slots set or
    /// zeroed, storage wiped where `storage_cleared`. Computes every touched storage root.
    fn apply(&mut self, diff: &StateDiff) -> Result<(), Self::Error>;

    /// The current state root: the pre-state root after loading, the post-state root after
    /// [`StateCommitment::apply`]. Hashes each changed node once.
    fn root(&mut self) -> Result<B256, Self::Error>;
}

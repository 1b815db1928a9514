//! The journal: every state change of the running transaction, in order, so a frame's
//! changes can be undone when it reverts. Accounts and slots are named by their place in the
//! system's caches (stable for the whole transaction), so an entry is small and undoing it
//! hashes nothing.

use super::account::AccountId;
use alloy_primitives::{Address, B256, U256};

/// One undoable change; each variant records what was there before. Slots are named by
/// account and position in its [`super::slots::Slots`].
#[derive(Clone, Debug)]
pub(crate) enum Entry {
    AccountWarmed(AccountId),
    SlotWarmed(AccountId, u32),
    Touched {
        account: AccountId,
        was_touched: bool,
        existed: bool,
    },
    Balance(AccountId, U256),
    Nonce(AccountId, u64),
    Code {
        account: AccountId,
        hash: B256,
        changed: bool,
    },
    Storage(AccountId, u32, U256),
    /// A slot zeroed because its account was created anew: old present and original values.
    StorageReset(AccountId, u32, U256, U256),
    /// Transient storage names its account by address: TSTORE must not load the account (a
    /// stateless witness holds only what execution reads).
    Transient(Address, U256, U256),
    Created {
        account: AccountId,
        was_created: bool,
        was_cleared: bool,
        existed: bool,
    },
    Destructed(AccountId, bool),
    Refund(i64),
}

/// A point to revert to: journal and log lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub(crate) journal: usize,
    pub(crate) logs: usize,
}

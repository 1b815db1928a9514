//! The journal: every state change of the running transaction, in order, so a frame's
//! changes can be undone when it reverts.

use alloy_primitives::{Address, B256, U256};

/// One undoable change; each variant records what was there before.
#[derive(Clone, Debug)]
pub(crate) enum Entry {
    AccountWarmed(Address),
    SlotWarmed(Address, U256),
    Touched {
        address: Address,
        was_touched: bool,
        existed: bool,
    },
    Balance(Address, U256),
    Nonce(Address, u64),
    Code {
        address: Address,
        hash: B256,
        changed: bool,
    },
    Storage(Address, U256, U256),
    /// A slot zeroed because its account was created anew: old present and original values.
    StorageReset(Address, U256, U256, U256),
    Transient(Address, U256, U256),
    Created {
        address: Address,
        was_created: bool,
        was_cleared: bool,
        existed: bool,
    },
    Destructed(Address, bool),
    Refund(i64),
}

/// A point to revert to: journal and log lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub(crate) journal: usize,
    pub(crate) logs: usize,
}

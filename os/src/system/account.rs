//! What the system caches of one account: its current and block-initial state, its loaded
//! storage slots and the per-transaction flags (warm, touched, created, destroyed).

use super::slots::Slots;
use crate::types::AccountInfo;
use alloy_primitives::{Address, U256};

/// An account's place in the system's account cache for the running block: what the journal
/// and the written list name it by.
pub type AccountId = u32;

/// One storage slot, stamped with the transaction that last touched it so the
/// per-transaction parts (original, warm) reset lazily, without a pass over the slots at each
/// transaction's end. Kept small: slot maps are the largest working set of storage-heavy
/// blocks. The block-initial value stays with the oracle.
#[derive(Clone, Copy, Debug, Default)]
pub struct Slot {
    /// Value at the start of transaction `tx` (EIP-2200 "original").
    pub original: U256,
    /// Current value.
    pub present: U256,
    /// The transaction (block-local counter) the `original` and `warm` fields belong to.
    pub tx: u32,
    /// Accessed in transaction `tx` (EIP-2929).
    pub warm: bool,
    /// Written in this block: the key is in the system's written list.
    pub written: bool,
}

impl Slot {
    /// Brings the per-transaction fields up to transaction `tx`.
    #[inline(always)]
    pub fn refresh(&mut self, tx: u32) {
        if self.tx != tx {
            self.tx = tx;
            self.original = self.present;
            self.warm = false;
        }
    }
}

/// A cached account.
#[derive(Clone, Debug, Default)]
pub struct Account {
    pub address: Address,
    pub info: AccountInfo,
    /// The account as the oracle had it (`None`: did not exist before the block).
    pub initial: Option<AccountInfo>,
    /// Whether the account currently exists in the state.
    pub exists: bool,
    pub storage: Slots,
    /// The storage the account had before the block no longer applies: unloaded slots read
    /// as zero, not from the oracle.
    pub storage_cleared: bool,
    /// The code was set during the block.
    pub code_changed: bool,
    pub warm: bool,
    pub touched: bool,
    pub created_in_tx: bool,
    pub destructed: bool,
}

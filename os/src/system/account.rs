//! What the system caches of one account: its current and block-initial state, its loaded
//! storage slots and the per-transaction flags (warm, touched, created, destroyed).

use crate::types::AccountInfo;
use alloy_primitives::U256;
use hashbrown::HashMap;

/// One storage slot's values at two moments (the block-initial value stays in the oracle).
#[derive(Clone, Copy, Debug, Default)]
pub struct Slot {
    /// Value at the start of the transaction (EIP-2200 "original").
    pub original: U256,
    /// Current value.
    pub present: U256,
    /// Accessed in this transaction (EIP-2929).
    pub warm: bool,
    /// Written during the block: a candidate for the state diff.
    pub dirty: bool,
}

/// A cached account.
#[derive(Clone, Debug, Default)]
pub struct Account {
    pub info: AccountInfo,
    /// The account as the oracle had it (`None`: did not exist before the block).
    pub initial: Option<AccountInfo>,
    /// Whether the account currently exists in the state.
    pub exists: bool,
    pub storage: HashMap<U256, Slot>,
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

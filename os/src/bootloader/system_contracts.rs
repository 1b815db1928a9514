//! Addresses of the system contracts that block processing calls outside any transaction.
//! Only the addresses live here for now; the calls belong to block processing (EIP-4788 and
//! EIP-2935 at the start of a block), which comes with stateless validation.

use alloy_primitives::{address, Address};

/// EIP-4788: the beacon roots contract (Cancun).
pub const BEACON_ROOTS_ADDRESS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// EIP-2935: the history storage contract, serving the last 8191 block hashes (Prague).
pub const HISTORY_STORAGE_ADDRESS: Address = address!("0000F90827F1C53a10cb7A02335B175320002935");
/// EIP-2935: how many block hashes the history contract keeps.
pub const HISTORY_SERVE_WINDOW: u64 = 8191;

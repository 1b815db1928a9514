//! The system contracts that block processing calls outside any transaction, from the system
//! address with gas no one pays for (EIP-4788 and EIP-2935 at the start of a block, EIP-7002
//! and EIP-7251 at its end).

use alloy_primitives::{address, Address};

/// The caller of every system call (EIP-4788's SYSTEM_ADDRESS).
pub const SYSTEM_ADDRESS: Address = address!("fffffffffffffffffffffffffffffffffffffffe");
/// The gas a system call gets; it is not counted against the block.
pub const SYSTEM_CALL_GAS: u64 = 30_000_000;
/// EIP-4788: the beacon roots contract (Cancun).
pub const BEACON_ROOTS_ADDRESS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// EIP-2935: the history storage contract, serving the last 8191 block hashes (Prague).
pub const HISTORY_STORAGE_ADDRESS: Address = address!("0000F90827F1C53a10cb7A02335B175320002935");
/// EIP-2935: how many block hashes the history contract keeps.
pub const HISTORY_SERVE_WINDOW: u64 = 8191;
/// EIP-7002: the withdrawal request queue (Prague).
pub const WITHDRAWAL_REQUEST_ADDRESS: Address =
    address!("00000961Ef480Eb55e80D19ad83579A64c007002");
/// EIP-7251: the consolidation request queue (Prague).
pub const CONSOLIDATION_REQUEST_ADDRESS: Address =
    address!("0000BBdDc7CE488642fb579F8B00f3a590007251");

//! The execution core of the rollup: it turns block data and a prior state into a new state.
//!
//! The same code runs on x86 (the sequencer, with `std`) and on riscv32im bare metal (the
//! prover's guest, `no_std` + `alloc`). Every input enters through [`oracle::Oracle`]; the
//! [`bootloader`] drives blocks and transactions; the [`system`] owns state and journaling;
//! [`arena`] is the one memory layer; [`ee`] is the execution-environment trait and [`evm`]
//! its first implementation.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod arena;
pub mod block;
pub mod bootloader;
pub mod chain;
pub mod commitment;
pub mod crypto;
pub mod ee;
pub mod evm;
pub mod keccak;
pub mod keccak_memo;
pub mod oracle;
pub mod precompiles;
pub mod rlp;
pub mod stateless;
pub mod system;
pub mod types;

pub use alloy_primitives::{keccak256, Address, Bytes, B256, U256};

//! Atomics for the guest, standing in for the `portable-atomic` crate (see the root
//! `Cargo.toml`'s `[patch]`).
//!
//! The guest runs on one hart with no interrupts, so every memory operation is already atomic
//! and ordered. On riscv32 these types are therefore plain memory operations: no FENCE (the
//! compiler emits one for every acquire load, and Airbender's machine model traps on it) and
//! no atomic instructions (the target has none). On every other target they are core's
//! atomics, so a host build that happens to use this crate stays correct under threads.
#![no_std]

pub use core::sync::atomic::{compiler_fence, Ordering};

#[cfg(not(target_arch = "riscv32"))]
pub use core::sync::atomic::{
    fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr,
    AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize,
};

#[cfg(any(target_arch = "riscv32", test))]
mod single_core;

#[cfg(target_arch = "riscv32")]
pub use single_core::*;

pub mod hint {
    //! Spin-wait hints.
    pub use core::hint::spin_loop;
}

//! The guest program: `zkos-os` without std, for riscv32im bare metal. The entry point, the
//! input-tape oracle and the host runner come with the guest issue; for now this crate proves
//! that the core builds for the target (`cargo build -p zkos-riscv-guest --target
//! riscv32im-unknown-none-elf`).
#![no_std]

pub use zkos_os;

//! secp256k1 public-key recovery for the guest, written for RV32IM.
//!
//! Sender recovery is a third or more of a mainnet block's guest cycles, and k256's 10×26-bit
//! field spends about 1.4k cycles per multiplication there. This implementation is built
//! around what the guest's machine does cheaply: 32×32 → 64-bit products (MUL + MULHU), one
//! instruction per cycle, no carry flag. Parts, each in its own file:
//! - [`field`]: GF(p) in eight 32-bit limbs with the fold reduction of p = 2^256 − 2^32 − 977;
//! - [`scalar`]: integers mod the group order n;
//! - [`modinv`]: inversion mod p or n by a variable-time binary GCD (divsteps);
//! - [`point`]: Jacobian and mixed additions and doublings on y² = x³ + 7;
//! - [`glv`]: the endomorphism split of a scalar into two 128-bit halves;
//! - [`wnaf`]: width-w non-adjacent forms;
//! - [`table`]: precomputed multiples of G and 2^128·G;
//! - [`recover`]: the recovery itself, one 4-way multi-scalar multiplication.
//!
//! Nothing here is constant time: signatures and messages are public.

pub mod field;
mod glv;
mod modinv;
pub mod point;
pub mod recover;
pub mod scalar;
mod table;
mod wnaf;

#[cfg(test)]
pub(crate) mod tests;

pub use recover::recover_public_key;

//! Host-side tooling around `zkos-os`: everything that runs on a developer's machine or the
//! sequencer but never inside the prover (JSON formats, state roots, the state-test runner).

#![warn(missing_docs)]

pub mod asm;
pub mod blockdir;
pub mod blockjson;
pub mod envjson;
pub mod guest;
pub mod hexjson;
pub mod shared;
pub mod skips;
pub mod state;
pub mod statetest;
pub mod trace;
pub mod witness_builder;

//! Differential testing of zkos against revm (and, through the same harness, of the JIT
//! against the interpreter): generated programs run on two engines, and every observable is
//! compared — status and halt class, gas used, refund, output, logs, and the full post-state
//! of every account (balance, nonce, code, storage, existence).
//!
//! - [`case`]: the engine-neutral, JSON-saved case (pre-state, block, transactions);
//! - [`gen`]: the generators (raw bytes, opcode soup, structured programs, multi-tx blocks),
//!   on every fork from Frontier to Osaka and the BPO forks;
//! - [`engines`]: zkos over any execution environment, and revm;
//! - [`outcome`]: the common report and its comparison;
//! - [`runner`]: one case or a seeded parallel batch, with gas-limit boundary variants;
//! - [`minimize`]: shrinks a saved mismatch;
//! - [`trace`]: EIP-3155 traces and the first step where two engines part;
//! - [`deviations`]: revm's known, specification-justified differences.
//!
//! The command is `zkos-diff` (see its `--help`); the bounded run is `difftest/tests/`.

pub mod case;
pub mod deviations;
pub mod engines;
pub mod gen;
pub mod minimize;
pub mod outcome;
pub mod rng;
pub mod runner;
pub mod trace;

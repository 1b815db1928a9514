//! The Cranelift JIT for EVM bytecode: the sequencer's fast path.
//!
//! [`JitEngine`] implements `zkos_os::ee::ExecutionEnvironment` over the same arena, system,
//! gas schedule, opcode table and analysis as the interpreter, whose frame it shares: compiled
//! code inlines the cheap instructions and runs the others through the interpreter's own
//! implementation ([`zkos_os::evm::interpreter::step`]), so there is one copy of the EVM's
//! semantics. A frame can move from compiled code to the interpreter at any block boundary,
//! which is how the rare paths (a block that halts, an entry compiled code lacks) stay
//! exact without being compiled.

pub mod abi;
pub mod builtins;
pub mod cache;
pub mod code;
pub mod compiler;
pub mod engine;
mod layout;
mod translate;
mod word;

pub use cache::{backend_failures, CacheStats, CodeCache};
pub use compiler::{compile, host_isa, CompileError, HostIsa};
pub use engine::{JitEngine, JitStats, Mode};

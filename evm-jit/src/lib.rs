//! The Cranelift JIT for EVM bytecode: the sequencer's fast path. It will implement
//! `zkos_os::ee::ExecutionEnvironment` over the same arena and system as the interpreter.
//! Nothing is compiled yet; this crate holds the place in the workspace.

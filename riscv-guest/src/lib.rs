//! The guest program's logic: read the input tape, validate the block statelessly with `os`,
//! and produce the 8 output words, the block output's commitment or a failure value. The
//! same code runs in the riscv32im binary (`src/main.rs`, Airbender's machine model) and
//! natively in host tests, through the [`platform`] layer.
//!
//! Output words: on success, the 32-byte [`zkos_os::stateless::BlockOutput::commitment`] (for
//! an env tape, [`zkos_os::stateless::EnvOutput::commitment`]) as eight big-endian words
//! (word `i` is bytes `4i..4i+4`). On failure, seven words
//! `0xffff_ffff` and an eighth naming the failure ([`Failure`]). A panic, or running out of
//! memory, ends in an illegal-instruction trap instead: no output at all.
#![no_std]

extern crate alloc;

pub mod heap;
pub mod markers;
pub mod platform;
pub mod tape;

pub use zkos_os;

use zkos_os::arena::Arena;
use zkos_os::bootloader::Bootloader;
use zkos_os::chain::ChainConfig;
use zkos_os::ee::ExecutionEnvironment;
use zkos_os::evm::EvmInterpreter;
use zkos_os::stateless::{self, env_block, EnvBlock, ExecutionWitness, StatelessError};
use zkos_os::types::SpecId;

/// Why a run published a failure value; the code is the eighth output word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Failure {
    /// The tape is malformed (or ends early).
    Tape = 1,
    /// The chain config on the tape is malformed.
    Chain = 2,
    /// The block's bytes or a signature are invalid (for an env tape: the env block does
    /// not decode).
    Block = 3,
    /// The witness cannot serve the block.
    Witness = 4,
    /// The block breaks a rule of block processing (an invalid transaction, a bad header).
    Rejected = 5,
    /// Execution disagrees with the header.
    Mismatch = 6,
    /// A frame needed more EVM memory than the guest's arena holds: the input may be valid,
    /// but the run says nothing about it. Under Osaka's transaction gas cap (2^24) no
    /// transaction can need that much (see `main.rs`); older forks' tests with gas limits in
    /// the billions can.
    MemoryLimit = 7,
}

/// The output words of a failure.
pub fn failure_words(f: Failure) -> [u32; 8] {
    let mut w = [u32::MAX; 8];
    w[7] = f as u32;
    w
}

/// The output words of a 32-byte commitment.
pub fn commitment_words(c: &[u8; 32]) -> [u32; 8] {
    let mut w = [0u32; 8];
    for (i, word) in w.iter_mut().enumerate() {
        *word = u32::from_be_bytes([c[4 * i], c[4 * i + 1], c[4 * i + 2], c[4 * i + 3]]);
    }
    w
}

/// Validates the block a tape holds; `arena` is the EVM's memory (a static region in the
/// guest).
pub fn validate_tape(words: &[u32], arena: Arena) -> [u32; 8] {
    let tape = match tape::decode(words) {
        Ok(t) => t,
        Err(_) => return failure_words(Failure::Tape),
    };
    let mut boot = bootloader(arena);
    let witness = ExecutionWitness {
        state: &tape.state,
        codes: &tape.codes,
        headers: &tape.headers,
    };
    if tape.kind == tape::Kind::Env {
        return run_env(&mut boot, tape.block, &witness);
    }
    let chain = match ChainConfig::decode(tape.chain) {
        Ok(c) => c,
        Err(_) => return failure_words(Failure::Chain),
    };
    match stateless::validate_block(&mut boot, &chain, tape.block, &witness) {
        Ok(output) => commitment_words(&output.commitment().0),
        Err(e) => failure_words(failure_of(&e)),
    }
}

/// The failure value of a validation error.
fn failure_of(e: &StatelessError) -> Failure {
    match e {
        StatelessError::Block(_) => Failure::Block,
        StatelessError::Witness(_) => Failure::Witness,
        StatelessError::Rejected(_) => Failure::Rejected,
        StatelessError::Mismatch(_) => Failure::Mismatch,
        StatelessError::MemoryLimit => Failure::MemoryLimit,
    }
}

/// An env tape: the env block decoded (else [`Failure::Block`]) and run over the witness
/// (else [`Failure::Witness`]) within the arena (else [`Failure::MemoryLimit`]); the
/// output's commitment.
fn run_env<E: ExecutionEnvironment>(
    boot: &mut Bootloader<E>,
    bytes: &[u8],
    witness: &ExecutionWitness<'_>,
) -> [u32; 8] {
    let Ok(block) = EnvBlock::decode(bytes) else {
        return failure_words(Failure::Block);
    };
    match env_block::run_env_block(boot, &block, witness) {
        Ok((_, output)) => commitment_words(&output.commitment().0),
        Err(e) => failure_words(failure_of(&e)),
    }
}

/// The guest's bootloader: the interpreter with the transaction markers.
#[cfg(not(feature = "opcode-markers"))]
fn bootloader(arena: Arena) -> Bootloader<EvmInterpreter<markers::TxMarkers>> {
    Bootloader::with_parts(
        arena,
        EvmInterpreter::with_tracer(SpecId::Osaka, markers::TxMarkers),
    )
}

/// The profiling build's: every EVM instruction marked for the profiler.
#[cfg(feature = "opcode-markers")]
fn bootloader(arena: Arena) -> Bootloader<EvmInterpreter<markers::OpcodeMarkers>> {
    Bootloader::with_parts(
        arena,
        EvmInterpreter::with_tracer(SpecId::Osaka, markers::OpcodeMarkers),
    )
}

/// The whole guest: reads the tape from `p` and validates it.
pub fn run(p: &mut impl platform::Platform, arena: Arena) -> [u32; 8] {
    match platform::read_tape(p) {
        Some(words) => validate_tape(&words, arena),
        None => failure_words(Failure::Tape),
    }
}

//! The guest program's logic: read the input tape, validate the block statelessly with `os`,
//! and produce the 8 output words, the block output's commitment or a failure value. The
//! same code runs in the riscv32im binary (`src/main.rs`, Airbender's machine model) and
//! natively in host tests, through the [`platform`] layer.
//!
//! Output words: on success, the 32-byte [`zkos_os::stateless::BlockOutput::commitment`] as
//! eight big-endian words (word `i` is bytes `4i..4i+4`). On failure, seven words
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
use zkos_os::evm::EvmInterpreter;
use zkos_os::stateless::{self, ExecutionWitness, StatelessError};
use zkos_os::types::SpecId;

/// Why a run published a failure value; the code is the eighth output word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Failure {
    /// The tape is malformed (or ends early).
    Tape = 1,
    /// The chain config on the tape is malformed.
    Chain = 2,
    /// The block's bytes or a signature are invalid.
    Block = 3,
    /// The witness cannot serve the block.
    Witness = 4,
    /// The block breaks a rule of block processing (an invalid transaction, a bad header).
    Rejected = 5,
    /// Execution disagrees with the header.
    Mismatch = 6,
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
    let chain = match ChainConfig::decode(tape.chain) {
        Ok(c) => c,
        Err(_) => return failure_words(Failure::Chain),
    };
    let witness = ExecutionWitness {
        state: &tape.state,
        codes: &tape.codes,
        headers: &tape.headers,
    };
    #[cfg(not(feature = "opcode-markers"))]
    let mut boot = Bootloader::with_parts(
        arena,
        EvmInterpreter::with_tracer(SpecId::Osaka, markers::TxMarkers),
    );
    // The profiling build marks every EVM instruction for the profiler.
    #[cfg(feature = "opcode-markers")]
    let mut boot = Bootloader::with_parts(
        arena,
        EvmInterpreter::with_tracer(SpecId::Osaka, markers::OpcodeMarkers),
    );
    match stateless::validate_block(&mut boot, &chain, tape.block, &witness) {
        Ok(output) => commitment_words(&output.commitment().0),
        Err(e) => failure_words(match e {
            StatelessError::Block(_) => Failure::Block,
            StatelessError::Witness(_) => Failure::Witness,
            StatelessError::Rejected(_) => Failure::Rejected,
            StatelessError::Mismatch(_) => Failure::Mismatch,
        }),
    }
}

/// The whole guest: reads the tape from `p` and validates it.
pub fn run(p: &mut impl platform::Platform, arena: Arena) -> [u32; 8] {
    match platform::read_tape(p) {
        Some(words) => validate_tape(&words, arena),
        None => failure_words(Failure::Tape),
    }
}

//! The platform layer between the guest logic and the machine: input words, the published
//! output, aborting, and cycle markers. Nothing in `os` knows which machine it runs on; the
//! guest program picks a backend: [`airbender`] on the prover's machine, [`native`] in host
//! tests.

#[cfg(target_arch = "riscv32")]
pub mod airbender;
pub mod native;

/// What a machine offers the guest.
pub trait Platform {
    /// The next word of the input tape; `None` past its end (on the prover's machine that
    /// read is a trap instead, so it never answers `None`).
    fn read_word(&mut self) -> Option<u32>;
}

/// A cycle marker for the profiler: on the prover's machine the hint `addi x0, x0, ID` (one
/// cycle, no effect; `ID` in 1..=2047) with `a0`..`a2` loaded for the profiler to read;
/// elsewhere nothing. [`crate::markers`] defines the ids.
#[inline(always)]
pub fn hint<const ID: u32>(a0: u32, a1: u32, a2: u32) {
    #[cfg(target_arch = "riscv32")]
    airbender::hint::<ID>(a0, a1, a2);
    #[cfg(not(target_arch = "riscv32"))]
    let _ = (a0, a1, a2);
}

/// Reads a whole tape: its two header words, then the rest, into one buffer. `None` when the
/// tape ends early or its total is implausible.
pub fn read_tape(p: &mut impl Platform) -> Option<alloc::vec::Vec<u32>> {
    let magic = p.read_word()?;
    let total = p.read_word()?;
    if !crate::tape::total_is_plausible(total) {
        return None;
    }
    let mut words = alloc::vec::Vec::with_capacity(total as usize);
    words.push(magic);
    words.push(total);
    for _ in 2..total {
        words.push(p.read_word()?);
    }
    Some(words)
}

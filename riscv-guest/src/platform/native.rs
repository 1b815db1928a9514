//! The host backend: the tape is a slice, for tests and for running the guest logic natively
//! beside the simulator.

use super::Platform;

/// A tape held in memory.
pub struct NativePlatform<'a> {
    tape: &'a [u32],
    at: usize,
}

impl<'a> NativePlatform<'a> {
    /// A platform whose input is `tape`.
    pub fn new(tape: &'a [u32]) -> Self {
        NativePlatform { tape, at: 0 }
    }
}

impl Platform for NativePlatform<'_> {
    fn read_word(&mut self) -> Option<u32> {
        let w = self.tape.get(self.at).copied();
        self.at += 1;
        w
    }
}

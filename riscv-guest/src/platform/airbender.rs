//! Airbender's machine model: non-determinism is read one word at a time from CSR 0x7c0, the
//! output is x10..x17 at a self-loop, and there is nothing else (no ECALL, no other CSR).

use super::Platform;

/// The prover's machine.
pub struct Airbender;

impl Platform for Airbender {
    #[inline(always)]
    fn read_word(&mut self) -> Option<u32> {
        let w: u32;
        // SAFETY: reading the non-determinism CSR has no effect besides advancing the tape.
        unsafe { core::arch::asm!("csrrw {0}, 0x7c0, x0", out(reg) w, options(nomem, nostack)) };
        Some(w)
    }
}

/// `addi x0, x0, ID` with `a0`..`a2` set: see [`super::hint`].
#[inline(always)]
pub fn hint<const ID: u32>(a0: u32, a1: u32, a2: u32) {
    // SAFETY: a write to x0 changes nothing; the registers are only read.
    unsafe {
        core::arch::asm!(
            "addi x0, x0, {id}",
            id = const ID,
            in("a0") a0, in("a1") a1, in("a2") a2,
            options(nomem, nostack, preserves_flags)
        )
    }
}

/// Publishes `words` in x10..x17 and stops the machine: a jump to itself.
pub fn publish(words: [u32; 8]) -> ! {
    // SAFETY: the self-loop never returns; the registers are the output convention.
    unsafe {
        core::arch::asm!(
            "2: j 2b",
            in("x10") words[0], in("x11") words[1], in("x12") words[2], in("x13") words[3],
            in("x14") words[4], in("x15") words[5], in("x16") words[6], in("x17") words[7],
            options(noreturn, nomem, nostack)
        )
    }
}

/// Stops the run with a trap: `unimp`, an illegal instruction (the documented end of a
/// panic or an allocation failure).
pub fn abort() -> ! {
    // SAFETY: the illegal instruction traps; nothing follows.
    unsafe { core::arch::asm!("unimp", options(noreturn, nomem, nostack)) }
}

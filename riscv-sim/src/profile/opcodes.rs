//! Cycles by EVM opcode, from the guest's cycle markers.
//!
//! The protocol (the profiling guest's `zkos_riscv_guest::markers`): a hint
//! `addi x0, x0, OPCODE` before each EVM instruction with `a0` the opcode, `a1` the low 32 bits
//! of the gas left (as a per-instruction EVM counts it) and `a2` the EIP-3155 depth; a hint
//! `addi x0, x0, FRAME_END` when a frame ends (not when it suspends for a child), with `a1`
//! its gas left and `a2` its depth.
//!
//! # Attribution
//! The profiler keeps a stack of the EVM frames in flight, each with the instruction it is at.
//! Every cycle goes to the instruction of the innermost frame in flight, from its marker to
//! the next marker (the hint itself included, the register loads before the next one too);
//! with no frame in flight it goes to "outside the EVM" (transaction validation, signatures,
//! witness and trie work, the roots). So:
//! - a CALL-family or CREATE instruction gets its own work, the bootloader's frame setup up
//!   to the child's first instruction, and everything after the child's end until the
//!   caller's next instruction (state commit or rollback, returndata, the code deposit of a
//!   create); the child's instructions count as themselves. A call the bootloader answers
//!   without running code (a precompile, an account without code) has no child frame, so the
//!   precompile's cycles and gas are the CALL's: precompiles show in the CALL rows (and by
//!   function in the function profile);
//! - an instruction's gas is the drop of its frame's gas left from its marker to the frame's
//!   next marker, less the gas its children used (their first marker's gas left minus their
//!   end's), so gas is never counted twice: the per-opcode gas sums to the gas the frames
//!   used, i.e. the block's execution gas without intrinsic gas and before refunds (system
//!   calls included).

/// Marker immediates (`addi x0, x0, ID`, 1..=2047).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarkerIds {
    /// Before each EVM instruction.
    pub opcode: u32,
    /// When an EVM frame ends.
    pub frame_end: u32,
}

/// One opcode's totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpcodeRow {
    /// The opcode byte.
    pub op: u8,
    /// How many times it ran.
    pub count: u64,
    /// Cycles attributed to it (see the module docs).
    pub cycles: u64,
    /// Gas it used (see the module docs).
    pub gas: u64,
}

impl OpcodeRow {
    /// Cycles per unit of gas (`None` for an opcode that used none).
    pub fn cycles_per_gas(&self) -> Option<f64> {
        (self.gas > 0).then(|| self.cycles as f64 / self.gas as f64)
    }
}

/// The cycles of a run by EVM opcode.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpcodeProfile {
    /// Opcodes that ran, by cycles (most first).
    pub rows: Vec<OpcodeRow>,
    /// Cycles with no EVM frame in flight.
    pub outside: u64,
    /// Markers that did not fit the frame stack (a frame end or instruction at a depth the
    /// stack did not expect); 0 for a well-formed run.
    pub mismatches: u64,
}

impl OpcodeProfile {
    /// Cycles attributed to EVM instructions.
    pub fn evm_cycles(&self) -> u64 {
        self.rows.iter().map(|r| r.cycles).sum()
    }

    /// Gas used by EVM instructions.
    pub fn gas(&self) -> u64 {
        self.rows.iter().map(|r| r.gas).sum()
    }

    /// EVM instructions executed.
    pub fn instructions(&self) -> u64 {
        self.rows.iter().map(|r| r.count).sum()
    }

    /// A text table of the opcodes by cycles (at most `top` rows), names from `name`.
    pub fn table(&self, top: usize, name: impl Fn(u8) -> String) -> String {
        use std::fmt::Write;
        let total = (self.evm_cycles() + self.outside).max(1) as f64;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<16} {:>12} {:>15} {:>7} {:>13} {:>10}",
            "opcode", "count", "cycles", "share", "gas", "cycles/gas"
        );
        for r in self.rows.iter().take(top) {
            let cpg = match r.cycles_per_gas() {
                Some(c) => format!("{c:.1}"),
                None => "-".into(),
            };
            let _ = writeln!(
                s,
                "{:<16} {:>12} {:>15} {:>6.2}% {:>13} {:>10}",
                name(r.op),
                r.count,
                r.cycles,
                100.0 * r.cycles as f64 / total,
                r.gas,
                cpg
            );
        }
        let (cycles, gas) = (self.evm_cycles(), self.gas());
        let _ = writeln!(
            s,
            "{:<16} {:>12} {:>15} {:>6.2}% {:>13} {:>10}",
            "all EVM",
            self.instructions(),
            cycles,
            100.0 * cycles as f64 / total,
            gas,
            if gas > 0 {
                format!("{:.1}", cycles as f64 / gas as f64)
            } else {
                "-".into()
            }
        );
        let _ = writeln!(
            s,
            "{:<16} {:>12} {:>15} {:>6.2}%",
            "outside the EVM",
            "",
            self.outside,
            100.0 * self.outside as f64 / total
        );
        s
    }
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    depth: u32,
    op: u8,
    /// Gas left at the current instruction's marker.
    gas_at: u32,
    /// Gas left at the frame's first marker.
    entry_gas: u32,
    /// Gas the current instruction's children used.
    child_used: u64,
}

/// The attribution state during a run.
pub(crate) struct OpcodeCounter {
    count: [u64; 256],
    cycles: [u64; 256],
    gas: [u64; 256],
    outside: u64,
    mismatches: u64,
    frames: Vec<Frame>,
    /// The cycle count at the last switch of attribution.
    since: u64,
}

impl OpcodeCounter {
    pub(crate) fn new() -> Self {
        OpcodeCounter {
            count: [0; 256],
            cycles: [0; 256],
            gas: [0; 256],
            outside: 0,
            mismatches: 0,
            frames: Vec::new(),
            since: 0,
        }
    }

    /// Gives the cycles from the last switch to `now` to whatever is current.
    fn attribute(&mut self, now: u64) {
        let n = now - self.since;
        match self.frames.last() {
            Some(f) => self.cycles[f.op as usize] += n,
            None => self.outside += n,
        }
        self.since = now;
    }

    /// Closes the current instruction of the top frame at gas left `gas`.
    fn close(&mut self, gas: u32) {
        if let Some(f) = self.frames.last() {
            let drop = f.gas_at.wrapping_sub(gas) as u64;
            self.gas[f.op as usize] += drop.saturating_sub(f.child_used);
        }
    }

    /// Frames deeper than `depth` that never ended: dropped, counted as mismatches.
    fn unwind_to(&mut self, depth: u32) {
        while self.frames.last().is_some_and(|f| f.depth > depth) {
            self.frames.pop();
            self.mismatches += 1;
        }
    }

    /// The opcode marker, at cycle `now` (the marker's own cycle is the new instruction's).
    pub(crate) fn opcode(&mut self, now: u64, op: u8, gas: u32, depth: u32) {
        self.attribute(now);
        self.unwind_to(depth);
        self.count[op as usize] += 1;
        match self.frames.last().map(|f| f.depth) {
            Some(d) if d == depth => {
                self.close(gas);
                let f = self.frames.last_mut().expect("a frame");
                f.op = op;
                f.gas_at = gas;
                f.child_used = 0;
            }
            top => {
                if top.map_or(depth != 1, |d| d + 1 != depth) {
                    self.mismatches += 1;
                }
                self.frames.push(Frame {
                    depth,
                    op,
                    gas_at: gas,
                    entry_gas: gas,
                    child_used: 0,
                });
            }
        }
    }

    /// The frame-end marker, at cycle `now`.
    pub(crate) fn frame_end(&mut self, now: u64, gas: u32, depth: u32) {
        self.attribute(now);
        self.unwind_to(depth);
        match self.frames.last().copied() {
            Some(f) if f.depth == depth => {
                self.close(gas);
                let used = f.entry_gas.wrapping_sub(gas) as u64;
                self.frames.pop();
                if let Some(parent) = self.frames.last_mut() {
                    parent.child_used += used;
                }
            }
            _ => self.mismatches += 1,
        }
    }

    /// The result, the cycles up to `end` attributed.
    pub(crate) fn finish(mut self, end: u64) -> OpcodeProfile {
        self.attribute(end);
        let mut rows: Vec<OpcodeRow> = (0..256)
            .filter(|&i| self.count[i] > 0 || self.cycles[i] > 0)
            .map(|i| OpcodeRow {
                op: i as u8,
                count: self.count[i],
                cycles: self.cycles[i],
                gas: self.gas[i],
            })
            .collect();
        rows.sort_by(|a, b| b.cycles.cmp(&a.cycles).then(a.op.cmp(&b.op)));
        OpcodeProfile {
            rows,
            outside: self.outside,
            mismatches: self.mismatches + self.frames.len() as u64,
        }
    }
}

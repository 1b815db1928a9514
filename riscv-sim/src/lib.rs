//! A simulator of Airbender's machine model, the machine the guest (`riscv-guest`) is proven
//! on, so the host can run the guest, count its cycles exactly and profile it.
//!
//! The model: RV32IM in machine mode, nothing else. Code and read-only data live in ROM from
//! address 0 (an ELF's loadable segments, flattened at their load addresses); RAM lies above
//! it, zero at the start (see [`MachineConfig`]). Every run starts at pc 0 with all registers
//! zero. The only input is a tape of 32-bit words, one per `csrrw rd, 0x7c0, x0`. A run ends
//! at a self-loop (`jal x0, 0`, or a taken branch to itself); its output is x10..x17 there.
//! One retired instruction is one cycle, the self-loop included. Everything else traps, and a
//! trap (a [`Trap`]) means the run is unprovable: ECALL, EBREAK, FENCE,
//! FENCE.I, WFI, any other CSR access, misaligned loads, stores and jump targets, fetches
//! outside ROM, accesses outside ROM and RAM, stores to ROM, reading past the tape.
//!
//! The loader never copies `.data` to RAM: a real guest's entry code does that (from a load
//! address in ROM), so the simulator does not, and an ELF with file bytes outside ROM is
//! refused ([`LoadError::SegmentOutsideRom`]).
//!
//! Speed comes from predecoding ROM once ([`decode`]), a flat address space ([`memory`]) and a
//! run loop generic over an [`Observer`], whose no-op default compiles away.
//!
//! [`profile`] is the cycle profiler, an observer: cycles by function (inclusive and
//! exclusive, inlined frames from the DWARF), folded stacks and flamegraphs, and cycles and
//! gas by EVM opcode from the profiling guest's markers.

#![warn(missing_docs)]

pub mod config;
pub mod decode;
mod elf;
pub mod encode;
mod exec;
pub mod memory;
pub mod observer;
pub mod profile;
pub mod trap;

pub use config::MachineConfig;
pub use memory::MemoryView;
pub use observer::{NoObserver, Observer, View};
pub use trap::{Error, IllegalKind, LoadError, Trap, TrapKind};

use decode::Insn;
use exec::State;
use memory::Memory;

/// How a run ended: at a self-loop, with its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunResult {
    /// x10..x17 at the self-loop: the program's public output.
    pub output: [u32; 8],
    /// Instructions retired, the self-loop included (Airbender's cycle count).
    pub cycles: u64,
}

/// A loaded, predecoded program: load and decode once, then run it any number of times.
pub struct Simulator {
    config: MachineConfig,
    rom: Vec<u8>,
    insns: Vec<Insn>,
}

impl Simulator {
    /// Loads an ELF executable (see the crate docs for what it must look like).
    pub fn from_elf(config: MachineConfig, elf: &[u8]) -> Result<Simulator, LoadError> {
        let rom = elf::rom_image(&config, elf)?;
        Simulator::from_rom_image(config, &rom)
    }

    /// Loads a flat ROM image (what `objcopy -O binary` makes), placed at address 0.
    pub fn from_rom_image(config: MachineConfig, image: &[u8]) -> Result<Simulator, LoadError> {
        config.validate()?;
        if image.len() > config.rom_size as usize {
            return Err(LoadError::ImageTooLarge {
                len: image.len(),
                rom_size: config.rom_size,
            });
        }
        Ok(Simulator {
            config,
            rom: image.to_vec(),
            insns: decode::decode_image(image),
        })
    }

    /// Loads instruction words (e.g. from [`encode`]) as the ROM image.
    pub fn from_words(config: MachineConfig, words: &[u32]) -> Result<Simulator, LoadError> {
        let image: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        Simulator::from_rom_image(config, &image)
    }

    /// The memory map.
    pub fn config(&self) -> &MachineConfig {
        &self.config
    }

    /// The ROM image, from address 0 (ROM beyond it is zero).
    pub fn rom_image(&self) -> &[u8] {
        &self.rom
    }

    /// The predecoded ROM, one entry per word from address 0.
    pub fn instructions(&self) -> &[Insn] {
        &self.insns
    }

    /// A fresh machine at reset (pc 0, registers and RAM zero) for one run.
    pub fn machine(&self) -> Result<Machine<'_>, LoadError> {
        Machine::new(self)
    }

    /// Runs the program once on `tape`, allowing at most `cycle_limit` retired instructions.
    pub fn run(&self, tape: &[u32], cycle_limit: u64) -> Result<RunResult, Error> {
        Ok(self.machine()?.run(tape, cycle_limit)?)
    }
}

/// One run's machine: registers, pc, memory and the tape position. Keeping them after the run
/// lets an observer or a test inspect the final state, and lets a run that hit its cycle limit
/// continue.
pub struct Machine<'s> {
    sim: &'s Simulator,
    memory: Memory,
    state: State,
    halted: bool,
}

impl<'s> Machine<'s> {
    /// A machine at reset for `sim`'s program; maps its memory.
    pub fn new(sim: &'s Simulator) -> Result<Machine<'s>, LoadError> {
        Ok(Machine {
            sim,
            memory: Memory::new(&sim.config, &sim.rom)?,
            state: State::default(),
            halted: false,
        })
    }

    /// Runs until a self-loop or a trap. `cycle_limit` bounds the total number of retired
    /// instructions of this machine (earlier calls included), so after a
    /// [`TrapKind::CycleLimit`] a call with a higher limit and the same tape continues exactly
    /// where the run stopped. After a self-loop, further calls return the same result.
    pub fn run(&mut self, tape: &[u32], cycle_limit: u64) -> Result<RunResult, Trap> {
        self.run_with(tape, cycle_limit, &mut NoObserver)
    }

    /// [`run`](Self::run), reporting every event to `observer`.
    pub fn run_with<O: Observer>(
        &mut self,
        tape: &[u32],
        cycle_limit: u64,
        observer: &mut O,
    ) -> Result<RunResult, Trap> {
        if !self.halted {
            let outcome = exec::run(
                &self.sim.insns,
                &mut self.memory,
                &mut self.state,
                tape,
                cycle_limit,
                observer,
            );
            if let Err(kind) = outcome {
                return Err(Trap {
                    pc: self.state.pc,
                    kind,
                    cycles: self.state.cycles,
                });
            }
            self.halted = true;
        }
        Ok(RunResult {
            output: self.output(),
            cycles: self.state.cycles,
        })
    }

    /// x10..x17 now (the output, once the run has ended at a self-loop).
    pub fn output(&self) -> [u32; 8] {
        let mut out = [0; 8];
        out.copy_from_slice(&self.state.regs[10..18]);
        out
    }

    /// The pc: of the self-loop after a run, of the trapping instruction after a trap.
    pub fn pc(&self) -> u32 {
        self.state.pc
    }

    /// Instructions retired so far.
    pub fn cycles(&self) -> u64 {
        self.state.cycles
    }

    /// How many tape words have been read.
    pub fn tape_position(&self) -> usize {
        self.state.tape_pos
    }

    /// Whether the run has ended at a self-loop.
    pub fn halted(&self) -> bool {
        self.halted
    }

    /// Registers and memory, read-only.
    pub fn view(&self) -> View<'_> {
        View::new(
            &self.state.regs,
            MemoryView::new(self.memory.bytes(), self.memory.rom_size()),
        )
    }
}

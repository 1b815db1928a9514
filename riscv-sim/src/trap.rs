//! Why a run or a load stops early. On Airbender every trap makes the run unprovable, so a trap
//! is an error here, never something a program handles.

use std::fmt;

/// Why an instruction is not executable on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IllegalKind {
    /// `ecall`: there is no environment to call.
    Ecall,
    /// `ebreak`: there is no debugger.
    Ebreak,
    /// `fence`: the machine has no memory ordering to enforce, and Airbender rejects it.
    Fence,
    /// `fence.i`: ROM cannot change, so there is nothing to synchronise, and Airbender rejects it.
    FenceI,
    /// `wfi`: there are no interrupts to wait for.
    Wfi,
    /// A CSR instruction other than the tape read `csrrw rd, 0x7c0, x0` (with `rd` not x0).
    Csr {
        /// The CSR number the instruction names.
        csr: u16,
    },
    /// Anything else outside RV32IM (including compressed encodings and the all-zero word).
    Unknown,
}

impl fmt::Display for IllegalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IllegalKind::Ecall => f.write_str("ecall"),
            IllegalKind::Ebreak => f.write_str("ebreak"),
            IllegalKind::Fence => f.write_str("fence"),
            IllegalKind::FenceI => f.write_str("fence.i"),
            IllegalKind::Wfi => f.write_str("wfi"),
            IllegalKind::Csr { csr } => write!(
                f,
                "access to CSR {csr:#05x} (only `csrrw rd, 0x7c0, x0` with rd != x0 exists)"
            ),
            IllegalKind::Unknown => f.write_str("not an RV32IM instruction"),
        }
    }
}

/// What went wrong, with the address involved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapKind {
    /// The instruction word at pc is unsupported or undefined.
    IllegalInstruction {
        /// The raw instruction word.
        word: u32,
        /// Which kind of unsupported instruction it is.
        kind: IllegalKind,
    },
    /// A jump or taken branch to an address that is not 4-aligned (there is no C extension).
    MisalignedJump {
        /// The target, after JALR cleared bit 0.
        target: u32,
    },
    /// A halfword or word load from an address not aligned to its size.
    MisalignedLoad {
        /// The effective address.
        addr: u32,
    },
    /// A halfword or word store to an address not aligned to its size.
    MisalignedStore {
        /// The effective address.
        addr: u32,
    },
    /// Instruction fetch outside ROM (code runs only from ROM); pc is the address fetched.
    FetchOutsideRom,
    /// A load beyond the end of RAM.
    LoadOutsideMemory {
        /// The effective address.
        addr: u32,
    },
    /// A store beyond the end of RAM.
    StoreOutsideMemory {
        /// The effective address.
        addr: u32,
    },
    /// A store into ROM.
    WriteToRom {
        /// The effective address.
        addr: u32,
    },
    /// A tape read after the last word of the tape.
    TapeExhausted {
        /// How many words the tape has (all of them were read).
        len: usize,
    },
    /// The run retired as many instructions as it was allowed without reaching a self-loop.
    CycleLimit,
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TrapKind::IllegalInstruction { word, kind } => {
                write!(f, "illegal instruction {word:#010x}: {kind}")
            }
            TrapKind::MisalignedJump { target } => {
                write!(f, "jump to misaligned target {target:#010x}")
            }
            TrapKind::MisalignedLoad { addr } => write!(f, "misaligned load from {addr:#010x}"),
            TrapKind::MisalignedStore { addr } => write!(f, "misaligned store to {addr:#010x}"),
            TrapKind::FetchOutsideRom => f.write_str("instruction fetch outside ROM"),
            TrapKind::LoadOutsideMemory { addr } => {
                write!(f, "load from {addr:#010x}, outside ROM and RAM")
            }
            TrapKind::StoreOutsideMemory { addr } => {
                write!(f, "store to {addr:#010x}, outside RAM")
            }
            TrapKind::WriteToRom { addr } => write!(f, "store to {addr:#010x}, in ROM"),
            TrapKind::TapeExhausted { len } => {
                write!(f, "tape read past its end (all {len} words read)")
            }
            TrapKind::CycleLimit => f.write_str("cycle limit reached"),
        }
    }
}

/// A run that stopped without reaching a self-loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trap {
    /// The pc of the instruction that trapped (for `FetchOutsideRom`, the address fetched;
    /// for `CycleLimit`, the next instruction, not executed).
    pub pc: u32,
    /// What happened.
    pub kind: TrapKind,
    /// Instructions retired before the trap; the trapping one does not retire.
    pub cycles: u64,
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "trap at pc {:#010x} after {} cycles: {}",
            self.pc, self.cycles, self.kind
        )
    }
}

impl std::error::Error for Trap {}

/// Why a program could not be loaded or a machine not set up.
#[derive(Debug)]
pub enum LoadError {
    /// The [`MachineConfig`](crate::MachineConfig) is unusable.
    Config(String),
    /// The bytes are not an ELF file this machine can run (the message says which check failed).
    BadElf(String),
    /// A loadable segment has file bytes at a load address outside ROM. The machine only
    /// loads ROM: `.data` belongs in RAM with its load address in ROM (`> RAM AT > ROM`),
    /// copied by the program's own entry code.
    SegmentOutsideRom {
        /// Index of the program header.
        index: usize,
        /// Its load (physical) address.
        paddr: u32,
        /// Its file size.
        filesz: u32,
    },
    /// A loadable segment's run-time addresses fall outside ROM and RAM.
    SegmentOutsideMemory {
        /// Index of the program header.
        index: usize,
        /// Its run-time (virtual) address.
        vaddr: u32,
        /// Its size in memory.
        memsz: u32,
    },
    /// A writable segment runs in ROM, where every store would trap.
    WritableSegmentInRom {
        /// Index of the program header.
        index: usize,
        /// Its run-time (virtual) address.
        vaddr: u32,
    },
    /// Two loadable segments put file bytes at the same ROM addresses.
    OverlappingSegments {
        /// Index of the first program header.
        first: usize,
        /// Index of the second program header.
        second: usize,
    },
    /// The entry point is not 0: Airbender starts every run at address 0.
    EntryNotZero(u32),
    /// A raw ROM image larger than ROM.
    ImageTooLarge {
        /// The image's length in bytes.
        len: usize,
        /// ROM's size in bytes.
        rom_size: u32,
    },
    /// The host could not map the machine's memory.
    Memory(std::io::Error),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Config(msg) => write!(f, "bad machine config: {msg}"),
            LoadError::BadElf(msg) => write!(f, "not a runnable RV32 ELF: {msg}"),
            LoadError::SegmentOutsideRom {
                index,
                paddr,
                filesz,
            } => write!(
                f,
                "segment {index} puts {filesz} file bytes at {paddr:#010x}, outside ROM: the \
                 machine loads only ROM; give .data a load address in ROM (`> RAM AT > ROM`) \
                 and copy it in the entry code"
            ),
            LoadError::SegmentOutsideMemory {
                index,
                vaddr,
                memsz,
            } => write!(
                f,
                "segment {index} ({memsz} bytes at {vaddr:#010x}) lies outside ROM and RAM"
            ),
            LoadError::WritableSegmentInRom { index, vaddr } => write!(
                f,
                "segment {index} is writable but runs in ROM at {vaddr:#010x}, where stores trap"
            ),
            LoadError::OverlappingSegments { first, second } => {
                write!(f, "segments {first} and {second} overlap in ROM")
            }
            LoadError::EntryNotZero(entry) => write!(
                f,
                "entry point {entry:#010x} is not 0: the machine starts every run at address 0"
            ),
            LoadError::ImageTooLarge { len, rom_size } => {
                write!(f, "ROM image of {len} bytes exceeds ROM ({rom_size} bytes)")
            }
            LoadError::Memory(e) => write!(f, "cannot map the machine's memory: {e}"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Memory(e) => Some(e),
            _ => None,
        }
    }
}

/// Either failure of [`Simulator::run`](crate::Simulator::run), which sets up a machine and
/// runs it in one call.
#[derive(Debug)]
pub enum Error {
    /// The machine's memory could not be set up.
    Load(LoadError),
    /// The run trapped.
    Trap(Trap),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(e) => e.fmt(f),
            Error::Trap(t) => t.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Load(e) => Some(e),
            Error::Trap(t) => Some(t),
        }
    }
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        Error::Load(e)
    }
}

impl From<Trap> for Error {
    fn from(t: Trap) -> Self {
        Error::Trap(t)
    }
}

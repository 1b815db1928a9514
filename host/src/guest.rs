//! The guest on the host: builds the guest binary, writes a block folder's input tape, and
//! runs the guest on the simulator of Airbender's machine model, with its cycle count.

use crate::blockdir::{BlockDir, WitnessFile};
use std::path::{Path, PathBuf};
use std::process::Command;
use zkos_os::stateless::EnvBlock;
use zkos_riscv_guest::tape::{self, Kind, Tape};
use zkos_riscv_sim::profile::opcodes::MarkerIds;
use zkos_riscv_sim::profile::Profiler;
pub use zkos_riscv_sim::profile::{opcodes::OpcodeProfile, Profile};
use zkos_riscv_sim::{MachineConfig, RunResult, Simulator};

/// The guest's target triple.
pub const TARGET: &str = "riscv32im-unknown-none-elf";
/// Cycles a run may take before it is stopped: far above a mainnet block's 10^9.
pub const CYCLE_LIMIT: u64 = 200_000_000_000;

/// The workspace's target folder (or `CARGO_TARGET_DIR`).
fn target_dir() -> Result<PathBuf, String> {
    Ok(match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => crate::shared::workspace_root()?.join("target"),
    })
}

/// The target folder of a guest build with `features`: the plain guest builds in the
/// workspace's, a featured one in a folder of its own beside it (`guest-<features>`), so the
/// two binaries never overwrite each other and neither is relinked for the other.
fn target_dir_with(features: &[&str]) -> Result<PathBuf, String> {
    let target = target_dir()?;
    Ok(if features.is_empty() {
        target
    } else {
        target.join(format!("guest-{}", features.join("+")))
    })
}

/// Where cargo puts the guest binary (the workspace's target folder, or `CARGO_TARGET_DIR`).
pub fn guest_elf_path() -> Result<PathBuf, String> {
    guest_elf_path_with(&[])
}

/// Where [`build_guest_with`] puts the guest binary built with `features`.
pub fn guest_elf_path_with(features: &[&str]) -> Result<PathBuf, String> {
    Ok(target_dir_with(features)?
        .join(TARGET)
        .join("guest")
        .join("zkos-guest"))
}

/// Builds the guest binary (`cargo build -p zkos-riscv-guest --target riscv32im-unknown-none-elf
/// --profile guest`; quick when it is up to date) and returns its path.
pub fn build_guest() -> Result<PathBuf, String> {
    build_guest_with(&[])
}

/// The profiling guest's features: a cycle marker around every EVM instruction
/// (`zkos_riscv_guest::markers`).
pub const PROFILING_FEATURES: &[&str] = &["opcode-markers"];

/// Builds the profiling guest ([`PROFILING_FEATURES`]) and returns its path.
pub fn build_profiling_guest() -> Result<PathBuf, String> {
    build_guest_with(PROFILING_FEATURES)
}

/// Builds the guest binary with the cargo `features` of `zkos-riscv-guest` (none: the plain
/// guest, [`build_guest`]) in its own target folder, and returns its path.
pub fn build_guest_with(features: &[&str]) -> Result<PathBuf, String> {
    let root = crate::shared::workspace_root()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&root)
        .args(["build", "-q", "-p", "zkos-riscv-guest", "--target", TARGET])
        .args(["--profile", "guest"]);
    if !features.is_empty() {
        command
            .arg("--features")
            .arg(features.join(","))
            .arg("--target-dir")
            .arg(target_dir_with(features)?);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo to build the guest: {e}"))?;
    if !status.success() {
        return Err(format!("building the guest failed ({status})"));
    }
    guest_elf_path_with(features)
}

/// The input tape of a block folder: chain config, block, witness.
pub fn tape_of(input: &BlockDir) -> Vec<u32> {
    tape_with_block(input, &input.block)
}

/// The input tape of a block folder with other block bytes (tests tamper with the block).
pub fn tape_with_block(input: &BlockDir, block: &[u8]) -> Vec<u32> {
    let slices = input.witness.lend();
    let witness = slices.witness();
    let chain = input.chain.encode();
    tape::encode(&Tape {
        kind: Kind::Block,
        chain: &chain,
        block,
        state: witness.state.to_vec(),
        codes: witness.codes.to_vec(),
        headers: witness.headers.to_vec(),
    })
}

/// The env tape of an env block and the witness of its pre-state (`zkos run` blocks and
/// state tests, whose witness the host builds).
pub fn env_tape(block: &EnvBlock, witness: &WitnessFile) -> Vec<u32> {
    let encoded = block.encode();
    let slices = witness.lend();
    let view = slices.witness();
    tape::encode(&Tape {
        kind: Kind::Env,
        block: &encoded,
        state: view.state.to_vec(),
        codes: view.codes.to_vec(),
        ..Tape::default()
    })
}

/// The guest loaded into the simulator.
pub struct Guest {
    sim: Simulator,
    elf: Vec<u8>,
}

impl std::fmt::Debug for Guest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Guest({} byte ELF)", self.elf.len())
    }
}

impl Guest {
    /// Loads the guest ELF at `path` with the default machine (ROM 0..2 MiB, RAM to 1 GiB).
    pub fn load(path: &Path) -> Result<Guest, String> {
        let elf =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let sim = Simulator::from_elf(MachineConfig::default(), &elf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Guest { sim, elf })
    }

    /// The simulator, e.g. to run it with an observer.
    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }

    /// The ELF it was loaded from.
    pub fn elf(&self) -> &[u8] {
        &self.elf
    }

    /// Runs the guest on `tape` under the cycle profiler (`zkos_riscv_sim::profile`): by
    /// function always, by EVM opcode when the binary has the markers of the profiling guest
    /// ([`build_profiling_guest`]; [`Profile::opcodes`] is then `Some`).
    pub fn profile(&self, tape: &[u32]) -> Result<(RunResult, Profile), String> {
        self.profile_by_transaction(tape)
            .map(|(run, profile, _)| (run, profile))
    }

    /// [`Self::profile`] and [`Self::run_by_transaction`] in one run.
    pub fn profile_by_transaction(
        &self,
        tape: &[u32],
    ) -> Result<(RunResult, Profile, Vec<TxCycles>), String> {
        let stopped = |e: &dyn std::fmt::Display| format!("the guest stopped: {e}");
        let mut observers = (
            Profiler::new(&self.sim, Some(MARKERS)),
            TxObserver::new(self.sim.rom_image()),
        );
        let mut machine = self.sim.machine().map_err(|e| stopped(&e))?;
        let run = machine
            .run_with(tape, CYCLE_LIMIT, &mut observers)
            .map_err(|e| stopped(&e))?;
        let (profiler, txs) = observers;
        let mut profile = profiler.finish(&self.elf)?;
        if profile.opcodes.as_ref().is_some_and(|o| o.rows.is_empty()) {
            profile.opcodes = None;
        }
        Ok((run, profile, txs.done))
    }

    /// Runs the guest on `tape` and splits its cycles by transaction, from the transaction
    /// markers every guest carries (`zkos_riscv_guest::markers::TX_START` and `TX_END`).
    pub fn run_by_transaction(&self, tape: &[u32]) -> Result<(RunResult, Vec<TxCycles>), String> {
        let mut observer = TxObserver::new(self.sim.rom_image());
        let mut machine = self
            .sim
            .machine()
            .map_err(|e| format!("the guest stopped: {e}"))?;
        let run = machine
            .run_with(tape, CYCLE_LIMIT, &mut observer)
            .map_err(|e| format!("the guest stopped: {e}"))?;
        Ok((run, observer.done))
    }

    /// Runs the guest on `tape`; a trap is an error naming it.
    pub fn run(&self, tape: &[u32]) -> Result<RunResult, String> {
        self.sim
            .run(tape, CYCLE_LIMIT)
            .map_err(|e| format!("the guest stopped: {e}"))
    }
}

/// The cycles of one transaction in the guest: from its start marker to its end marker (its
/// validation and execution in the bootloader; sender recovery is done for the whole block
/// before the first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxCycles {
    /// The transaction's index in the block.
    pub index: u32,
    /// Instructions retired between its markers.
    pub cycles: u64,
    /// The gas the guest reported for it (low 32 bits, enough for any transaction).
    pub gas_used: u32,
}

/// Finds the transaction markers by their encoding in ROM, then watches for them.
struct TxObserver {
    /// One bit per ROM word: a transaction marker sits there.
    marker_words: Vec<u64>,
    /// `addi x0, x0, TX_START` and `TX_END`.
    start_word: u32,
    rom: Vec<u32>,
    cycles: u64,
    open: Option<(u32, u64)>,
    done: Vec<TxCycles>,
}

/// The encoding of the hint `addi x0, x0, imm`.
fn hint_word(imm: u32) -> u32 {
    zkos_riscv_sim::encode::addi(0, 0, imm as i32)
}

impl TxObserver {
    fn new(rom_image: &[u8]) -> Self {
        let rom: Vec<u32> = rom_image
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let start_word = hint_word(zkos_riscv_guest::markers::TX_START);
        let end_word = hint_word(zkos_riscv_guest::markers::TX_END);
        let mut marker_words = vec![0u64; rom.len().div_ceil(64)];
        for (i, w) in rom.iter().enumerate() {
            if *w == start_word || *w == end_word {
                marker_words[i / 64] |= 1 << (i % 64);
            }
        }
        TxObserver {
            marker_words,
            start_word,
            rom,
            cycles: 0,
            open: None,
            done: Vec::new(),
        }
    }
}

impl zkos_riscv_sim::Observer for TxObserver {
    #[inline(always)]
    fn on_instruction(&mut self, pc: u32, view: &zkos_riscv_sim::View<'_>) {
        self.cycles += 1;
        let i = (pc / 4) as usize;
        let marked = self
            .marker_words
            .get(i / 64)
            .is_some_and(|bits| bits & (1 << (i % 64)) != 0);
        if !marked {
            return;
        }
        if self.rom[i] == self.start_word {
            self.open = Some((view.reg(10), self.cycles));
        } else if let Some((index, start)) = self.open.take() {
            self.done.push(TxCycles {
                index,
                cycles: self.cycles - start,
                gas_used: view.reg(11),
            });
        }
    }
}

/// The profiling guest's marker ids (`zkos_riscv_guest::markers`).
pub const MARKERS: MarkerIds = MarkerIds {
    opcode: zkos_riscv_guest::markers::OPCODE,
    frame_end: zkos_riscv_guest::markers::FRAME_END,
};

/// The commitment words the guest publishes (see `zkos_riscv_guest`).
pub use zkos_riscv_guest::commitment_words;

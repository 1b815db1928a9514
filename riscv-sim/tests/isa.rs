//! The riscv-tests ISA suites rv32ui and rv32um (`../shared/riscv-tests`), assembled with the
//! GNU cross binutils against this crate's own environment (`tests/env`: `riscv_test.h` and
//! `link.ld`), run on the simulator. Every program must pass, except those whose purpose needs
//! an instruction the machine traps on: those must stop with exactly that trap.
//!
//! Also here, because they need a real linked ELF: the loader's refusals (`.data` loaded
//! outside ROM, an entry point other than 0) and its robustness to truncated or corrupted files.

use std::path::{Path, PathBuf};
use std::process::Command;

use zkos_riscv_sim::{
    Error, IllegalKind, LoadError, Machine, MachineConfig, Simulator, Trap, TrapKind,
};

const AS: &str = "riscv64-unknown-elf-as";
const LD: &str = "riscv64-unknown-elf-ld";
/// `zifencei` only so that `fence.i` assembles: the test asserts it traps.
const MARCH: &str = "-march=rv32im_zifencei";
/// The environment's mark of an exit through RVTEST_PASS / RVTEST_FAIL (in a2).
const EXIT_MAGIC: u32 = 0x7e57;
const CYCLE_LIMIT: u64 = 1_000_000;
/// TESTNUM (gp).
const GP: u32 = 3;

fn env_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/env")
}

fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("create the temp dir");
    dir
}

/// Fails with the setup instruction when the cross binutils are missing.
fn require_binutils() {
    for tool in [AS, LD] {
        let found = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{tool} not found: run `bash scripts/setup.sh` (it installs the Debian package \
             binutils-riscv64-unknown-elf, the assembler and linker of the RISC-V ISA tests)"
        );
    }
}

fn run_tool(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Preprocesses, assembles and links `source` (with `includes` on the include path) into
/// `out_dir/name.elf`, linked by `script`.
fn build(
    source: &Path,
    includes: &[&Path],
    script: &Path,
    out_dir: &Path,
    name: &str,
) -> Result<Vec<u8>, String> {
    let s = out_dir.join(format!("{name}.s"));
    let o = out_dir.join(format!("{name}.o"));
    let elf = out_dir.join(format!("{name}.elf"));
    let mut cpp = Command::new("cpp");
    cpp.args(["-x", "assembler-with-cpp", "-D__riscv_xlen=32"]);
    for dir in includes {
        cpp.arg("-I").arg(dir);
    }
    run_tool(cpp.arg(source).arg("-o").arg(&s))?;
    run_tool(
        Command::new(AS)
            .args([MARCH, "-mabi=ilp32", "-o"])
            .arg(&o)
            .arg(&s),
    )?;
    run_tool(
        Command::new(LD)
            .args(["-m", "elf32lriscv", "-T"])
            .arg(script)
            .arg("-o")
            .arg(&elf)
            .arg(&o),
    )?;
    std::fs::read(&elf).map_err(|e| format!("read {}: {e}", elf.display()))
}

/// Checks that a run stopped with the trap its program is about.
type TrapCheck = fn(&Simulator, &Machine, &Trap) -> Result<(), String>;

/// The trap a program must stop with instead of passing, if any.
fn expected_trap(name: &str) -> Option<TrapCheck> {
    match name {
        // Self-modifying code synchronised by fence.i: the machine rejects fence.i (and could
        // not run code from RAM anyway).
        "rv32ui-fence_i" => Some(|sim, _, trap| {
            let at = sim
                .rom_image()
                .chunks(4)
                .position(|w| w == 0x0000_100f_u32.to_le_bytes())
                .ok_or("no fence.i in the image")?;
            let want = TrapKind::IllegalInstruction {
                word: 0x0000_100f,
                kind: IllegalKind::FenceI,
            };
            if trap.kind == want && trap.pc == at as u32 * 4 {
                Ok(())
            } else {
                Err(format!(
                    "expected {want} at the first fence.i ({:#x})",
                    at * 4
                ))
            }
        }),
        // Misaligned loads and stores: the very first (test 1, `lh` from data + 1) traps.
        "rv32ui-ma_data" => Some(|sim, machine, trap| {
            let word = machine.view().memory().read_u32(trap.pc).unwrap_or(0);
            let is_lh = word & 0x707f == 0x1003;
            let in_ram = sim.config().ram_start();
            match trap.kind {
                TrapKind::MisalignedLoad { addr }
                    if addr & 1 == 1 && addr >= in_ram && is_lh && machine.view().reg(GP) == 1 =>
                {
                    Ok(())
                }
                _ => Err("expected a misaligned `lh` in test 1".into()),
            }
        }),
        _ => None,
    }
}

#[test]
fn rv32ui_and_rv32um() {
    require_binutils();
    let shared = zkos_host::shared::shared_dir().unwrap_or_else(|e| panic!("{e}"));
    let isa = shared.join("riscv-tests/isa");
    assert!(
        isa.is_dir(),
        "{} is missing: the shared folder has no riscv-tests",
        isa.display()
    );
    let out = work_dir("isa");
    let env = env_dir();
    let macros = isa.join("macros/scalar");
    let mut passed = Vec::new();
    let mut trapped = Vec::new();
    let mut failures = Vec::new();
    for suite in ["rv32ui", "rv32um"] {
        let mut sources: Vec<PathBuf> = std::fs::read_dir(isa.join(suite))
            .unwrap_or_else(|e| panic!("read {suite}: {e}"))
            .map(|entry| entry.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "S"))
            .collect();
        sources.sort();
        assert!(!sources.is_empty(), "no tests in {suite}");
        for source in sources {
            let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
            let name = format!("{suite}-{stem}");
            let elf = match build(&source, &[&env, &macros], &env.join("link.ld"), &out, &name) {
                Ok(elf) => elf,
                Err(e) => {
                    failures.push(format!("{name}: build: {e}"));
                    continue;
                }
            };
            let sim = match Simulator::from_elf(MachineConfig::default(), &elf) {
                Ok(sim) => sim,
                Err(e) => {
                    failures.push(format!("{name}: load: {e}"));
                    continue;
                }
            };
            let mut machine = sim.machine().expect("memory maps");
            let outcome = machine.run(&[], CYCLE_LIMIT);
            match (expected_trap(&name), outcome) {
                (None, Ok(r)) if r.output[0] == 0 && r.output[2] == EXIT_MAGIC => passed.push(name),
                (None, Ok(r)) => failures.push(format!(
                    "{name}: failed test {} (a0 = {}, a2 = {:#x}) after {} cycles",
                    r.output[1], r.output[0], r.output[2], r.cycles
                )),
                (None, Err(trap)) => failures.push(format!("{name}: {trap}")),
                (Some(check), Err(trap)) => match check(&sim, &machine, &trap) {
                    Ok(()) => trapped.push(format!("{name} ({})", trap.kind)),
                    Err(why) => failures.push(format!("{name}: {trap}; {why}")),
                },
                (Some(_), Ok(r)) => failures.push(format!(
                    "{name}: should trap but ended with a0 = {}",
                    r.output[0]
                )),
            }
        }
    }
    eprintln!(
        "riscv-tests: {} programs pass, {} stop with their expected trap: {}",
        passed.len(),
        trapped.len(),
        trapped.join(", ")
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    assert_eq!(trapped.len(), 2, "fence_i and ma_data must both be checked");
    assert!(passed.len() >= 45, "only {} programs ran", passed.len());
}

/// A minimal program with `.data`, assembled directly (no preprocessing).
const DATA_PROGRAM: &str = "
    .section .text.init, \"ax\"
    .globl _start
_start:
    la t0, value
    lw a0, 0(t0)
    j .
    .data
value:
    .word 0x12345678
";

fn build_plain(name: &str, source: &str, script: &str) -> Vec<u8> {
    require_binutils();
    let dir = work_dir("loader");
    let src = dir.join(format!("{name}.S"));
    let ld = dir.join(format!("{name}.ld"));
    std::fs::write(&src, source).expect("write source");
    std::fs::write(&ld, script).expect("write script");
    build(&src, &[], &ld, &dir, name).unwrap_or_else(|e| panic!("{e}"))
}

/// The ISA tests' script with `.data` loaded where it runs (in RAM), not in ROM.
fn script_with_data_in_ram() -> String {
    let script = std::fs::read_to_string(env_dir().join("link.ld")).expect("read link.ld");
    let patched = script.replace("} > RAM AT > ROM", "} > RAM");
    assert_ne!(patched, script, "link.ld changed: update this test");
    patched
}

#[test]
fn data_loaded_in_rom_runs_and_data_loaded_in_ram_is_refused() {
    let script = std::fs::read_to_string(env_dir().join("link.ld")).expect("read link.ld");
    // Loaded in ROM but not copied to RAM: the load reads RAM, still zero.
    let elf = build_plain("data_rom", DATA_PROGRAM, &script);
    let sim = Simulator::from_elf(MachineConfig::default(), &elf).expect("loads");
    assert_eq!(sim.run(&[], 100).expect("halts").output[0], 0);

    let elf = build_plain("data_ram", DATA_PROGRAM, &script_with_data_in_ram());
    match Simulator::from_elf(MachineConfig::default(), &elf) {
        Err(e @ LoadError::SegmentOutsideRom { paddr, .. }) => {
            assert_eq!(paddr, MachineConfig::default().ram_start());
            assert!(e.to_string().contains("AT > ROM"), "{e}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("an ELF with file bytes in RAM must be refused"),
    }
}

#[test]
fn entry_point_must_be_zero() {
    let source = "
        .text
        nop
        .globl _start
    _start:
        j .
    ";
    let script = "ENTRY(_start) SECTIONS { .text 0 : { *(.text) } }";
    let elf = build_plain("entry", source, script);
    match Simulator::from_elf(MachineConfig::default(), &elf) {
        Err(LoadError::EntryNotZero(4)) => {}
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("entry 4 must be refused"),
    }
}

#[test]
fn truncated_and_corrupted_elfs_give_errors() {
    let script = std::fs::read_to_string(env_dir().join("link.ld")).expect("read link.ld");
    let elf = build_plain("robust", DATA_PROGRAM, &script);
    Simulator::from_elf(MachineConfig::default(), &elf).expect("the original loads");
    // Every truncation that cuts the headers or the segment data is refused.
    let needed = 0x1000 + 4;
    for len in 0..needed.min(elf.len()) {
        let result = Simulator::from_elf(MachineConfig::default(), &elf[..len]);
        if len < 52 {
            assert!(result.is_err(), "truncated to {len} bytes");
        }
    }
    // Corrupting any byte of the headers never panics; whatever loads must run or trap cleanly.
    let mut state = 0x9e37_79b9_u32;
    for i in 0..(52 + 3 * 32) {
        for _ in 0..8 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let mut bad = elf.clone();
            bad[i] ^= (state as u8) | 1;
            if let Ok(sim) = Simulator::from_elf(MachineConfig::default(), &bad) {
                match sim.run(&[], 1000) {
                    Ok(_) | Err(Error::Trap(_)) => {}
                    Err(e) => panic!("byte {i}: {e}"),
                }
            }
        }
    }
    assert!(matches!(
        Simulator::from_elf(MachineConfig::default(), b"not an elf"),
        Err(LoadError::BadElf(_))
    ));
}

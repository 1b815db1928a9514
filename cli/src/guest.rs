//! `zkos guest run DIR...`: runs the riscv32im guest on the simulator of Airbender's machine model
//! for each block folder, and checks its output against stateless validation on the host;
//! with `--profile`, the profiling guest under the cycle profiler.

use crate::UsageError;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use zkos_host::blockdir::BlockDir;
use zkos_host::guest::{build_guest, build_profiling_guest, commitment_words, tape_of, Guest};
use zkos_host::guest::{Profile, TxCycles};

/// Parses the arguments of `guest` (its one subcommand today is `run`) and runs it.
pub fn main(args: &[String]) -> Result<ExitCode, UsageError> {
    let args = match args.split_first() {
        Some((sub, rest)) if sub == "run" => rest,
        Some((sub, _)) => {
            return Err(UsageError(format!(
                "unknown guest subcommand {sub:?} (expected run)"
            )))
        }
        None => return Err(UsageError("guest needs a subcommand: run".into())),
    };
    let mut dirs = Vec::new();
    let mut elf = None;
    let mut profile = false;
    for arg in args {
        if let Some(path) = arg.strip_prefix("--elf=") {
            elf = Some(PathBuf::from(path));
            continue;
        }
        match arg.as_str() {
            "--profile" => profile = true,
            flag if flag.starts_with("--") => {
                return Err(UsageError(format!("unknown option {flag:?} for guest")))
            }
            dir => dirs.push(PathBuf::from(dir)),
        }
    }
    if dirs.is_empty() {
        return Err(UsageError("guest needs at least one block folder".into()));
    }
    Ok(match run(&dirs, elf, profile) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    })
}

fn hex_words(words: &[u32; 8]) -> String {
    words.iter().map(|w| format!("{w:08x}")).collect()
}

fn run(dirs: &[PathBuf], elf: Option<PathBuf>, profile: bool) -> Result<bool, String> {
    let path = match elf {
        Some(p) => p,
        None if profile => build_profiling_guest()?,
        None => build_guest()?,
    };
    let guest = Guest::load(&path)?;
    let mut ok = true;
    for dir in dirs {
        let input = BlockDir::load(dir)?;
        let native = input.validate();
        let started = Instant::now();
        let (run, prof, txs) = if profile {
            let (run, p) = guest.profile(&tape_of(&input))?;
            (run, Some(p), Vec::new())
        } else {
            let (run, txs) = guest.run_by_transaction(&tape_of(&input))?;
            (run, None, txs)
        };
        let elapsed = started.elapsed();
        println!("{}:", dir.display());
        println!("  output 0x{}", hex_words(&run.output));
        let gas = match &native {
            Ok(out) => {
                let expected = commitment_words(&out.commitment().0);
                let same = expected == run.output;
                ok &= same;
                println!(
                    "  host   0x{} ({})",
                    hex_words(&expected),
                    if same { "equal" } else { "DIFFERENT" }
                );
                Some(out.gas_used)
            }
            Err(e) => {
                println!("  host: invalid block: {e}");
                None
            }
        };
        print!("  cycles {}", run.cycles);
        if let Some(gas) = gas.filter(|g| *g > 0) {
            print!(
                " for {gas} gas: {:.1} cycles per gas",
                run.cycles as f64 / gas as f64
            );
        }
        println!(
            "; {} in {:.2} s ({:.0} M instructions/s)",
            if profile { "profiled" } else { "simulated" },
            elapsed.as_secs_f64(),
            run.cycles as f64 / elapsed.as_secs_f64() / 1e6
        );
        if !txs.is_empty() {
            print_transactions(&txs, run.cycles);
        }
        if let Some(p) = prof {
            let number = match &native {
                Ok(out) => out.number.to_string(),
                Err(_) => dir
                    .file_name()
                    .map_or("block".into(), |n| n.to_string_lossy().into_owned()),
            };
            report(&p, &number, gas)?;
        }
    }
    Ok(ok)
}

/// Cycles per transaction: one line each, then their share of the block.
fn print_transactions(txs: &[TxCycles], total: u64) {
    println!("  per transaction (validation and execution; senders are recovered before):");
    for t in txs {
        let per_gas = if t.gas_used > 0 {
            format!(
                "{:.1} cycles per gas",
                t.cycles as f64 / f64::from(t.gas_used)
            )
        } else {
            String::new()
        };
        println!(
            "    tx {:>3} {:>12} cycles {:>9} gas {per_gas}",
            t.index, t.cycles, t.gas_used
        );
    }
    let sum: u64 = txs.iter().map(|t| t.cycles).sum();
    println!(
        "  transactions: {sum} cycles, {:.1}% of the block",
        100.0 * sum as f64 / total.max(1) as f64
    );
}

/// A frame of the standard library's plumbing (iterators, collections, pointers), inlined
/// around most code.
fn is_std_frame(name: &str) -> bool {
    let name = name.strip_prefix('<').unwrap_or(name);
    name.starts_with("core::") || name.starts_with("alloc::")
}

/// The precompiles' cycles (part of the CALL-family rows, which run them without a child
/// frame): the inclusive cycles of the precompile dispatcher and of each precompile's `run`.
fn precompiles(p: &Profile) {
    const PREFIX: &str = "zkos_os::precompiles::";
    let Some(all) = p.function("zkos_os::precompiles::run") else {
        return;
    };
    println!(
        "  precompiles (within the CALL rows): {} cycles ({:.2}%)",
        all.inclusive,
        100.0 * p.share(all.inclusive)
    );
    let mut each: Vec<_> = p
        .functions
        .iter()
        .filter(|f| {
            f.name
                .strip_prefix(PREFIX)
                .and_then(|rest| rest.strip_suffix("::run"))
                .is_some_and(|name| !name.contains("::"))
        })
        .collect();
    each.sort_by_key(|f| std::cmp::Reverse(f.inclusive));
    for f in each {
        println!(
            "    {:<24} {:>15} {:>6.2}%",
            &f.name[PREFIX.len()..f.name.len() - "::run".len()],
            f.inclusive,
            100.0 * p.share(f.inclusive)
        );
    }
}

/// Opcodes shown, by cycles (the totals follow).
const OPCODE_ROWS: usize = 50;

/// Prints a profile's tables and writes its flamegraph files.
fn report(p: &Profile, number: &str, gas: Option<u64>) -> Result<(), String> {
    println!(
        "  profile: {} cycles, {} call paths, {} unmatched returns",
        p.total, p.call_paths, p.resyncs
    );
    println!(
        "  (core and alloc frames left out of the inclusive table; the folded stacks have them)"
    );
    for line in p.table_hiding(30, is_std_frame).lines() {
        println!("  {line}");
    }
    match &p.opcodes {
        Some(ops) => {
            println!(
                "  by EVM opcode ({} instructions; cycles per gas of the block {}):",
                ops.instructions(),
                match gas.filter(|g| *g > 0) {
                    Some(g) => format!("{:.1}", p.total as f64 / g as f64),
                    None => "-".into(),
                }
            );
            let table = ops.table(OPCODE_ROWS, |op| {
                zkos_os::evm::opcodes::op_name(op).to_string()
            });
            for line in table.lines() {
                println!("  {line}");
            }
            precompiles(p);
            if ops.mismatches > 0 {
                println!("  ({} markers did not fit the frame stack)", ops.mismatches);
            }
        }
        None => println!("  no EVM opcode markers in this binary (not the profiling guest)"),
    }
    let dir = zkos_host::shared::workspace_root()?.join("flamegraphs");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let folded = dir.join(format!("guest-{number}.folded"));
    let svg = dir.join(format!("guest-{number}.svg"));
    p.write_folded(&folded)
        .map_err(|e| format!("{}: {e}", folded.display()))?;
    p.write_svg(
        &svg,
        &format!("zkos guest, block {number}: {} cycles", p.total),
    )
    .map_err(|e| format!("{}: {e}", svg.display()))?;
    println!("  wrote {} and {}", folded.display(), svg.display());
    Ok(())
}

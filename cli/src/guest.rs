//! `zkos guest`: the riscv32im guest on the simulator of Airbender's machine model.
//! - `run PATH...`: each PATH a stateless block folder (consecutive folders must chain) or
//!   a `zkos run` block file (whose witness the host builds); the guest's output beside the
//!   x86 run's commitment, cycles,
//!   cycles per gas and per transaction, and the top functions of the cycle profile.
//! - `statetest PATH...`: the state tests through the guest (see [`crate::statetest`]).

use crate::run::Guarded;
use crate::UsageError;
use alloy_primitives::B256;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use zkos_host::blockdir::BlockDir;
use zkos_host::blockjson;
use zkos_host::guest::{build_guest, build_profiling_guest, commitment_words, env_tape, tape_of};
use zkos_host::guest::{Guest, Profile, TxCycles};
use zkos_host::witness_builder;
use zkos_os::bootloader::Bootloader;

/// Functions in the table `run` always prints.
const TOP_FUNCTIONS: usize = 15;

/// What `guest run` prints and writes beyond the default.
struct RunOptions {
    elf: Option<PathBuf>,
    /// Write the flamegraph here (and the folded stacks beside it).
    flamegraph: Option<PathBuf>,
    /// Run the profiling guest and print the per-opcode table.
    opcodes: bool,
}

/// Parses the arguments of `guest` and runs its subcommand.
pub fn main(args: &[String]) -> Result<ExitCode, UsageError> {
    let args = match args.split_first() {
        Some((sub, rest)) if sub == "run" => rest,
        Some((sub, rest)) if sub == "statetest" => return crate::statetest::main_with(rest, true),
        Some((sub, _)) => {
            return Err(UsageError(format!(
                "unknown guest subcommand {sub:?} (expected run or statetest)"
            )))
        }
        None => {
            return Err(UsageError(
                "guest needs a subcommand: run or statetest".into(),
            ))
        }
    };
    let mut paths = Vec::new();
    let mut options = RunOptions {
        elf: None,
        flamegraph: None,
        opcodes: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(path) = arg.strip_prefix("--elf=") {
            options.elf = Some(PathBuf::from(path));
            continue;
        }
        if let Some(path) = arg.strip_prefix("--flamegraph=") {
            options.flamegraph = Some(PathBuf::from(path));
            continue;
        }
        match arg.as_str() {
            "--flamegraph" => {
                let path = it
                    .next()
                    .ok_or_else(|| UsageError("--flamegraph needs a file name".into()))?;
                options.flamegraph = Some(PathBuf::from(path));
            }
            "--opcodes" => options.opcodes = true,
            flag if flag.starts_with("--") => {
                return Err(UsageError(format!("unknown option {flag:?} for guest run")))
            }
            path => paths.push(PathBuf::from(path)),
        }
    }
    if paths.is_empty() {
        return Err(UsageError(
            "guest run needs a block folder or a block file".into(),
        ));
    }
    crate::quiet_panics();
    Ok(match run(&paths, &options) {
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

/// One input: its tape and what the x86 run of the same input gives (the commitment words
/// and the gas, or why it is invalid), with a label for file names.
struct Input {
    tape: Vec<u32>,
    host: Result<([u32; 8], u64), String>,
    label: String,
    /// A block folder's link to its neighbours, from the host's block output (which the
    /// guest's commitment covers): (block hash, parent hash, pre-state root, post-state root).
    link: Option<Link>,
}

/// What chains two blocks: the hashes and roots of a block output.
#[derive(Clone, Copy)]
struct Link {
    hash: B256,
    parent: B256,
    pre_root: B256,
    post_root: B256,
}

/// A block folder (stateless validation on the host), or a `zkos run` block file (its
/// witness built on the host, then the env block run over it in `os`).
fn load(path: &Path) -> Result<Input, String> {
    let name = path
        .file_stem()
        .map_or("block".into(), |n| n.to_string_lossy().into_owned());
    if path.is_dir() {
        let input = BlockDir::load(path)?;
        let validated = input.validate();
        let label = validated
            .as_ref()
            .map_or(name, |out| out.number.to_string());
        let link = validated.as_ref().ok().map(|out| Link {
            hash: out.block_hash,
            parent: out.parent_hash,
            pre_root: out.pre_state_root,
            post_root: out.post_state_root,
        });
        let host = validated
            .map(|out| (commitment_words(&out.commitment().0), out.gas_used))
            .map_err(|e| format!("invalid block: {e}"));
        return Ok(Input {
            tape: tape_of(&input),
            host,
            label,
            link,
        });
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let block =
        blockjson::Block::from_json_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut runner = Guarded(Bootloader::new());
    let (env_block, built) = witness_builder::witness_of_json_block(&block, &mut runner)?;
    let host = witness_builder::run_stateless(&built.witness, &env_block, &mut runner)
        .map(|run| {
            (
                commitment_words(&run.output.commitment().0),
                run.output.gas_used,
            )
        })
        .map_err(|e| format!("stateless run: {e}"));
    Ok(Input {
        tape: env_tape(&env_block, &built.witness),
        host,
        label: name,
        link: None,
    })
}

fn run(paths: &[PathBuf], options: &RunOptions) -> Result<bool, String> {
    let elf = match &options.elf {
        Some(p) => p.clone(),
        None if options.opcodes => build_profiling_guest()?,
        None => build_guest()?,
    };
    let guest = Guest::load(&elf)?;
    let mut ok = true;
    let mut previous: Option<Link> = None;
    for path in paths {
        let input = load(path)?;
        let started = Instant::now();
        let (run, profile, txs) = guest.profile_by_transaction(&input.tape)?;
        let elapsed = started.elapsed();
        println!("{}:", path.display());
        if let (Some(prev), Some(link)) = (previous, input.link) {
            // Both commitments name these, so equal outputs prove the chain.
            if link.parent == prev.hash && link.pre_root == prev.post_root {
                println!(
                    "  chained: parent is the previous block, pre-state root is its post-state root"
                );
            } else {
                ok = false;
                println!(
                    "  does NOT chain: parent {} pre-state root {}, the previous block is {} with post-state root {}",
                    link.parent, link.pre_root, prev.hash, prev.post_root
                );
            }
        }
        previous = input.link;
        println!("  output 0x{}", hex_words(&run.output));
        let gas = match &input.host {
            Ok((expected, gas)) => {
                let same = *expected == run.output;
                ok &= same;
                println!(
                    "  x86    0x{} ({})",
                    hex_words(expected),
                    if same { "equal" } else { "DIFFERENT" }
                );
                Some(*gas)
            }
            Err(e) => {
                println!("  x86: {e}");
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
            "; profiled in {:.2} s ({:.0} M instructions/s)",
            elapsed.as_secs_f64(),
            run.cycles as f64 / elapsed.as_secs_f64() / 1e6
        );
        if !txs.is_empty() {
            print_transactions(&txs, run.cycles);
        }
        functions(&profile);
        if options.opcodes {
            opcodes(&profile, gas);
        }
        if let Some(svg) = &options.flamegraph {
            let svg = flamegraph_path(svg, &input.label, paths.len() > 1);
            write_flamegraph(&profile, &svg, &input.label)?;
        }
    }
    Ok(ok)
}

/// `path` itself for one input; with several, the label goes before the extension.
fn flamegraph_path(path: &Path, label: &str, several: bool) -> PathBuf {
    if !several {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map_or("guest".into(), |s| s.to_string_lossy().into_owned());
    let ext = path
        .extension()
        .map_or("svg".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}-{label}.{ext}"))
}

/// Cycles per transaction: one line each, then their share of the block.
fn print_transactions(txs: &[TxCycles], total: u64) {
    println!("  per transaction (validation and execution in the bootloader):");
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

/// The profile's header and its top functions.
fn functions(p: &Profile) {
    println!(
        "  profile: {} cycles, {} call paths, {} unmatched returns",
        p.total, p.call_paths, p.resyncs
    );
    println!("  top functions (core and alloc frames left out; the flamegraph has them):");
    for line in p.table_hiding(TOP_FUNCTIONS, is_std_frame).lines() {
        println!("  {line}");
    }
}

/// The per-opcode table and the precompiles (`--opcodes`).
fn opcodes(p: &Profile, gas: Option<u64>) {
    let Some(ops) = &p.opcodes else {
        println!("  no EVM opcode markers in this binary (not the profiling guest)");
        return;
    };
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

/// Writes the SVG flamegraph at `svg` and the folded stacks beside it (`.folded`).
fn write_flamegraph(p: &Profile, svg: &Path, label: &str) -> Result<(), String> {
    if let Some(dir) = svg.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let folded = svg.with_extension("folded");
    p.write_folded(&folded)
        .map_err(|e| format!("{}: {e}", folded.display()))?;
    p.write_svg(svg, &format!("zkos guest, {label}: {} cycles", p.total))
        .map_err(|e| format!("{}: {e}", svg.display()))?;
    println!("  wrote {} and {}", svg.display(), folded.display());
    Ok(())
}

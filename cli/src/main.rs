//! `zkos`: run a JSON block, or the Ethereum state tests, against the execution core.
//!
//! Arguments are parsed by hand (two subcommands and a few flags do not justify a parser
//! dependency). Exit codes: 0 success, 1 a failed run or bad input, 2 usage error.

mod guest;
mod replay;
mod run;
mod statetest;

use std::process::ExitCode;

/// The usage text, printed by `help` and on any usage error.
const USAGE: &str = "\
usage:
  zkos run BLOCK.json [--json] [--trace | --trace=FILE] [--witness FILE] [--stateless]
                [--engine interp|jit|tiered] [--stats]
      execute a block (format: docs/block-format.md) and print receipts, state root,
      gas used and execution time; --engine picks the interpreter, the JIT (every contract
      compiled on first use) or the tiered engine (the default: a contract is compiled,
      on a background thread, once the interpreter has spent 2,000 gas per byte of its
      code on it; tiered=N sets N gas per byte); --stats prints what was compiled and how
      long it took; --witness writes the block's minimal execution witness
      (debug_executionWitness JSON: state nodes, codes, keys) to FILE; --stateless runs
      the block again over that witness alone and prints the state root computed in os
      beside the stateful one (exit 1 if they differ)
  zkos statetest [PATH...] [--fork F]... [--filter S] [--skip-file F] [--json] [--dump]
                 [--stateless] [--trace | --trace=FILE] [--engine interp|jit|tiered]
      run Ethereum GeneralStateTests (files or folders; default: all of
      ../shared/ethtests/GeneralStateTests); --fork repeats; --filter keeps files or cases
      whose name contains S; --skip-file defaults to tests/statetest-skips.txt; --dump
      prints our post state of every entry run (combine with --filter); --stateless runs
      every entry through the witness path (minimal witness built from the pre-state, a
      fresh run over it alone, the post-state root computed in os); --engine as for run
      (default interp)
  zkos replay DIR... [--engine interp|jit|tiered] [--stats] [--repeat N]
      validate block folders statelessly (block.rlp, witness.json, chain.json beside or
      above): per-transaction status and gas, then the state root, receipts root, logs
      bloom, gas used, blob gas used and requests hash against the header, and the time
      of each step; several folders are chained (each one's parent is the one before);
      --engine and --stats as for run; --repeat executes each block N times more, each on
      a fresh (cold) engine, and prints the median execution time
  zkos guest run PATH... [--elf=PATH] [--flamegraph SVG] [--opcodes]
      run the riscv32im guest (built with --profile guest unless --elf names one) on the
      simulator of Airbender's machine model, under the cycle profiler. PATH is a block
      folder (as for replay; consecutive folders must chain) or a block file (as for run:
      its witness is built on the host and the guest runs the env block over it). Prints the guest's
      output and whether it equals the x86 run of the same input, the cycles, cycles per
      gas, cycles per transaction and the top 15 functions. --flamegraph writes the SVG
      flamegraph to SVG and the folded stacks beside it (one input; with several, each
      input's label goes before the extension); --opcodes runs the profiling guest (a
      cycle marker around each EVM instruction) and prints cycles, gas and cycles per gas
      by EVM opcode and the precompiles' cycles
  zkos guest statetest [PATH...] [--fork F]... [--filter S] [--skip-file F] [--elf=PATH]
      statetest --stateless with every entry also run in the guest on the simulator (an
      env tape: the entry's environment, transaction and witness); an entry passes only
      if the guest's output equals the host's commitment; [guest] entries of the skip
      file apply; prints the guest's total cycles
  zkos help
      this text

  --trace writes an EIP-3155 trace (JSON lines: one per instruction, then a summary
  per transaction) to stderr, --trace=FILE to FILE. statetest runs single-threaded when
  tracing, needs a PATH or --filter, and ends each entry with a summary carrying its
  post-state root.";

/// A command-line mistake: reported with the usage, exit code 2.
pub struct UsageError(pub String);

/// Where `--trace` sends the trace.
pub enum TraceTarget {
    Stderr,
    File(String),
}

impl TraceTarget {
    /// Opens the destination (the tracer buffers it).
    pub fn open(&self) -> Result<Box<dyn std::io::Write + Send>, String> {
        match self {
            TraceTarget::Stderr => Ok(Box::new(std::io::stderr())),
            TraceTarget::File(path) => std::fs::File::create(path)
                .map(|f| Box::new(f) as Box<dyn std::io::Write + Send>)
                .map_err(|e| format!("cannot create {path}: {e}")),
        }
    }
}

/// Parses `--trace` (stderr) and `--trace=FILE`; `None` when `arg` is neither. The value is
/// joined with `=` so that a following path stays a positional argument.
pub fn trace_option(arg: &str) -> Option<Result<TraceTarget, UsageError>> {
    if arg == "--trace" {
        return Some(Ok(TraceTarget::Stderr));
    }
    let file = arg.strip_prefix("--trace=")?;
    Some(if file.is_empty() {
        Err(UsageError("--trace= needs a file name".into()))
    } else {
        Ok(TraceTarget::File(file.to_string()))
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "run" => run::main(rest),
        "statetest" => statetest::main(rest),
        "replay" => replay::main(rest),
        "guest" => guest::main(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            return ExitCode::from(2);
        }
        other => Err(UsageError(format!("unknown command {other:?}"))),
    };
    match result {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("error: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The status of a receipt in words (`run` and `replay` print it per transaction).
pub fn receipt_status(receipt: &zkos_os::types::TxReceipt) -> String {
    use zkos_os::types::TxStatus;
    match &receipt.result {
        Ok(TxStatus::Success) => "success".into(),
        Ok(TxStatus::Revert) => "revert".into(),
        Ok(TxStatus::Halt(reason)) => format!("halt: {reason:?}"),
        Err(invalid) => format!("rejected: {invalid}"),
    }
}

/// Makes panics quiet: the tools report panics themselves (as test failures or one-line
/// errors), and the default hook would print a backtrace note for every caught one.
pub fn quiet_panics() {
    if std::env::var_os("ZKOS_PANIC_HOOK").is_some() {
        return;
    }
    std::panic::set_hook(Box::new(|_| {}));
}

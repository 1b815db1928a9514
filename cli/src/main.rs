//! `zkos`: run a JSON block, or the Ethereum state tests, against the execution core.
//!
//! Arguments are parsed by hand (two subcommands and a few flags do not justify a parser
//! dependency). Exit codes: 0 success, 1 a failed run or bad input, 2 usage error.

mod run;
mod statetest;

use std::process::ExitCode;

/// The usage text, printed by `help` and on any usage error.
const USAGE: &str = "\
usage:
  zkos run BLOCK.json [--json]
      execute a block (format: docs/block-format.md) and print receipts, state root,
      gas used and execution time
  zkos statetest [PATH...] [--fork F]... [--filter S] [--skip-file F] [--json] [--dump]
      run Ethereum GeneralStateTests (files or folders; default: all of
      ../shared/ethtests/GeneralStateTests); --fork repeats; --filter keeps files or cases
      whose name contains S; --skip-file defaults to tests/statetest-skips.txt; --dump
      prints our post state of every entry run (combine with --filter)
  zkos help
      this text";

/// A command-line mistake: reported with the usage, exit code 2.
pub struct UsageError(pub String);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "run" => run::main(rest),
        "statetest" => statetest::main(rest),
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

/// Makes panics quiet: the tools report panics themselves (as test failures or one-line
/// errors), and the default hook would print a backtrace note for every caught one.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

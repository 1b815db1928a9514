//! `zkos guest DIR...`: runs the riscv32im guest on the simulator of Airbender's machine model
//! for each block folder, and checks its output against stateless validation on the host.

use crate::UsageError;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use zkos_host::blockdir::BlockDir;
use zkos_host::guest::{build_guest, commitment_words, tape_of, Guest};
use zkos_os::bootloader::Bootloader;
use zkos_os::stateless;

/// Parses the arguments of `guest` and runs it.
pub fn main(args: &[String]) -> Result<ExitCode, UsageError> {
    let mut dirs = Vec::new();
    let mut elf = None;
    for arg in args {
        if let Some(path) = arg.strip_prefix("--elf=") {
            elf = Some(PathBuf::from(path));
            continue;
        }
        match arg.as_str() {
            flag if flag.starts_with("--") => {
                return Err(UsageError(format!("unknown option {flag:?} for guest")))
            }
            dir => dirs.push(PathBuf::from(dir)),
        }
    }
    if dirs.is_empty() {
        return Err(UsageError("guest needs at least one block folder".into()));
    }
    Ok(match run(&dirs, elf) {
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

fn run(dirs: &[PathBuf], elf: Option<PathBuf>) -> Result<bool, String> {
    let path = match elf {
        Some(p) => p,
        None => build_guest()?,
    };
    let guest = Guest::load(&path)?;
    let mut ok = true;
    for dir in dirs {
        let input = BlockDir::load(dir)?;
        let slices = input.witness.lend();
        let native = stateless::validate_block(
            &mut Bootloader::new(),
            &input.chain,
            &input.block,
            &slices.witness(),
        );
        let started = Instant::now();
        let run = guest.run(&tape_of(&input))?;
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
            "; simulated in {:.2} s ({:.0} M instructions/s)",
            elapsed.as_secs_f64(),
            run.cycles as f64 / elapsed.as_secs_f64() / 1e6
        );
    }
    Ok(ok)
}

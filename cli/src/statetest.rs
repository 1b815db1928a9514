//! `zkos statetest`: runs Ethereum GeneralStateTests and prints failures and counts.

use crate::UsageError;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use zkos_host::guest::{build_guest, Guest};
use zkos_host::shared;
use zkos_host::skips::SkipList;
use zkos_host::statetest::{run_paths, Options, TraceOutput};
use zkos_os::types::SpecId;

/// Parses the arguments of `statetest` and runs it.
pub fn main(args: &[String]) -> Result<ExitCode, UsageError> {
    main_with(args, false)
}

/// `statetest`, or with `in_guest` `guest statetest`: every entry also runs in the riscv32im
/// guest on the simulator (the stateless path, whose env tape the guest reads), its output
/// checked against the host's commitment; `--elf=PATH` names the guest binary.
pub fn main_with(args: &[String], in_guest: bool) -> Result<ExitCode, UsageError> {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut elf: Option<PathBuf> = None;
    let mut options = Options::default();
    let mut skip_file: Option<PathBuf> = None;
    let mut trace = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(t) = crate::trace_option(arg) {
            trace = Some(t?);
            continue;
        }
        if let Some(path) = arg.strip_prefix("--elf=").filter(|_| in_guest) {
            elf = Some(PathBuf::from(path));
            continue;
        }
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| UsageError(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--fork" => {
                let name = value("--fork")?;
                let spec = SpecId::from_name(&name)
                    .ok_or_else(|| UsageError(format!("unknown fork {name:?}")))?;
                options.forks.get_or_insert_with(Vec::new).push(spec);
            }
            "--filter" => options.filter = Some(value("--filter")?),
            "--skip-file" => skip_file = Some(PathBuf::from(value("--skip-file")?)),
            "--json" => options.json = true,
            "--dump" => options.dump = true,
            "--stateless" => options.stateless = true,
            "--engine" => {
                let name = value("--engine")?;
                options.engine = zkos_evm_jit::Mode::parse(&name).ok_or_else(|| {
                    UsageError(format!("unknown engine {name:?} (interp, jit or tiered)"))
                })?;
            }
            flag if flag.starts_with("--") => {
                return Err(UsageError(format!("unknown option {flag:?} for statetest")))
            }
            path => paths.push(PathBuf::from(path)),
        }
    }
    if trace.is_some() && paths.is_empty() && options.filter.is_none() {
        return Err(UsageError(
            "--trace needs a PATH or --filter (a trace of the whole suite would be huge)".into(),
        ));
    }
    if in_guest {
        if trace.is_some() || options.dump {
            return Err(UsageError(
                "guest statetest takes neither --trace nor --dump (run statetest for those)".into(),
            ));
        }
        options.stateless = true;
        let guest = elf
            .map_or_else(build_guest, Ok)
            .and_then(|path| Guest::load(&path));
        match guest {
            Ok(g) => options.guest = Some(Arc::new(g)),
            Err(message) => {
                eprintln!("error: {message}");
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(match run(paths, skip_file, options, trace) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    })
}

/// Resolves paths and the skip file, runs, prints.
fn run(
    mut paths: Vec<PathBuf>,
    skip_file: Option<PathBuf>,
    mut options: Options,
    trace: Option<crate::TraceTarget>,
) -> Result<ExitCode, String> {
    if paths.is_empty() {
        paths.push(shared::general_state_tests_dir()?);
    } else if let Ok(base) = shared::general_state_tests_dir() {
        // A path that does not exist here may be meant relative to GeneralStateTests.
        for path in &mut paths {
            if !path.exists() && base.join(&*path).exists() {
                *path = base.join(&*path);
            }
        }
    }
    options.skips = match skip_file {
        Some(file) => SkipList::load(&file)?,
        None => {
            let default = SkipList::project_file()?;
            if default.is_file() {
                SkipList::load(&default)?
            } else {
                SkipList::default()
            }
        }
    };
    if let Some(target) = trace {
        options.trace = Some(TraceOutput::new(target.open()?));
    }
    crate::quiet_panics();
    let summary = run_paths(&paths, &options);
    if let Some(e) = options.trace.as_ref().and_then(TraceOutput::error) {
        return Err(format!("cannot write the trace: {e}"));
    }

    if options.json {
        let out = serde_json::to_string_pretty(&summary.to_json()).unwrap_or_default();
        println!("{out}");
        eprintln!("{}", summary.closing_line());
    } else {
        for dump in &summary.dumps {
            println!("post state of {}:", dump.label);
            println!(
                "{}",
                serde_json::to_string_pretty(&dump.state).unwrap_or_default()
            );
        }
        for failure in &summary.failures {
            println!("{failure}");
        }
        for (fork, counts) in &summary.per_fork {
            println!("fork {fork}: {counts}");
        }
        if options.engine != zkos_evm_jit::Mode::Interp {
            // A refused compilation ran interpreted: it passed without testing the JIT.
            println!(
                "engine {:?}: {} compilations refused",
                options.engine,
                zkos_evm_jit::backend_failures()
            );
        }
        if summary.guest.runs > 0 {
            let g = summary.guest;
            // No ratio: a halting entry burns its whole gas limit (up to 2^63) in a few
            // cycles, so the sum of gas says little about the work done.
            println!(
                "guest: {} entries equal to the host, {} cycles for {} gas",
                g.runs, g.cycles, g.gas
            );
        }
        println!("{}", summary.closing_line());
    }
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

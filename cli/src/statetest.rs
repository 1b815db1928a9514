//! `zkos statetest`: runs Ethereum GeneralStateTests and prints failures and counts.

use crate::UsageError;
use std::path::PathBuf;
use std::process::ExitCode;
use zkos_host::shared;
use zkos_host::skips::SkipList;
use zkos_host::statetest::{run_paths, Options, TraceOutput};
use zkos_os::types::SpecId;

/// Parses the arguments of `statetest` and runs it.
pub fn main(args: &[String]) -> Result<ExitCode, UsageError> {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut options = Options::default();
    let mut skip_file: Option<PathBuf> = None;
    let mut trace = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(t) = crate::trace_option(arg) {
            trace = Some(t?);
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
            let default = shared::workspace_root()?
                .join("tests")
                .join("statetest-skips.txt");
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
        println!("{}", summary.closing_line());
    }
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

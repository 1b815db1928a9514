//! The Ethereum GeneralStateTests (../shared/ethtests) and the execution-spec-tests state
//! tests (../shared/eest: Prague, Osaka and the older forks refilled) through the runner, with
//! the project's skip list: the EVM's conformance gate, two tests that run side by side.
//! `ZKOS_STATETEST_PATHS` (a comma list relative to GeneralStateTests) runs a subset of the
//! first, e.g. `ZKOS_STATETEST_PATHS=stExample,stSStoreTest`; `ZKOS_EEST_PATHS` (relative to
//! eest/state_tests, e.g. `prague,osaka/eip7939_count_leading_zeros`) of the second.
//!
//! The `_stateless` twins run the same suites (and subsets) through the witness path: each
//! entry's minimal witness built from its pre-state, a fresh run over that witness alone, the
//! post-state root computed in `os`. The `_jit` twins run them with the JIT compiling every
//! contract and init code, and fail if any compilation was refused (code over the size limit
//! aside): a refused one runs interpreted and would hide a JIT bug.

use std::io::Write;
use std::path::{Path, PathBuf};
use zkos_evm_jit::Mode;
use zkos_host::shared;
use zkos_host::skips::SkipList;
use zkos_host::statetest::{run_paths, Options, Summary};

/// How many failures to print before summarising the rest.
const MAX_PRINTED: usize = 300;

#[test]
fn general_state_tests() {
    let dir = shared::general_state_tests_dir().unwrap_or_else(|e| panic!("{e}"));
    run_suite(&dir, "ZKOS_STATETEST_PATHS", false);
}

#[test]
fn eest_state_tests() {
    let dir = shared::eest_state_tests_dir().unwrap_or_else(|e| panic!("{e}"));
    let summary = run_suite(&dir, "ZKOS_EEST_PATHS", false);
    // Every fork of the set is one this build runs.
    assert_eq!(summary.unsupported, 0, "{}", summary.closing_line());
}

#[test]
fn general_state_tests_jit() {
    let dir = shared::general_state_tests_dir().unwrap_or_else(|e| panic!("{e}"));
    run_suite_with(&dir, "ZKOS_STATETEST_PATHS", false, Mode::Jit);
}

#[test]
fn eest_state_tests_jit() {
    let dir = shared::eest_state_tests_dir().unwrap_or_else(|e| panic!("{e}"));
    let summary = run_suite_with(&dir, "ZKOS_EEST_PATHS", false, Mode::Jit);
    assert_eq!(summary.unsupported, 0, "{}", summary.closing_line());
}

#[test]
fn general_state_tests_stateless() {
    let dir = shared::general_state_tests_dir().unwrap_or_else(|e| panic!("{e}"));
    run_suite(&dir, "ZKOS_STATETEST_PATHS", true);
}

#[test]
fn eest_state_tests_stateless() {
    let dir = shared::eest_state_tests_dir().unwrap_or_else(|e| panic!("{e}"));
    let summary = run_suite(&dir, "ZKOS_EEST_PATHS", true);
    assert_eq!(summary.unsupported, 0, "{}", summary.closing_line());
}

/// Runs the folder `dir` (or the subset the variable `subset` names), statelessly if asked,
/// prints the counts past the harness's capture and fails on any failure.
fn run_suite(dir: &Path, subset: &str, stateless: bool) -> Summary {
    run_suite_with(dir, subset, stateless, Mode::Interp)
}

/// [`run_suite`] on `engine`.
fn run_suite_with(dir: &Path, subset: &str, stateless: bool, engine: Mode) -> Summary {
    let paths: Vec<PathBuf> = match std::env::var(subset) {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| dir.join(p))
            .collect(),
        _ => vec![dir.to_path_buf()],
    };
    let skips = SkipList::load_project().unwrap_or_else(|e| panic!("{e}"));
    let summary = run_paths(
        &paths,
        &Options {
            skips,
            stateless,
            engine,
            ..Default::default()
        },
    );

    for failure in summary.failures.iter().take(MAX_PRINTED) {
        println!("{failure}");
    }
    if summary.failures.len() > MAX_PRINTED {
        println!(
            "... and {} more failures",
            summary.failures.len() - MAX_PRINTED
        );
    }
    // Written past the test harness's capture, so the counts show even when the test passes.
    let mut out = std::io::stdout().lock();
    let path = if stateless { " (stateless)" } else { "" };
    let _ = writeln!(out, "{}{path} on {engine:?}:", dir.display());
    for (fork, c) in &summary.per_fork {
        let _ = writeln!(out, "fork {fork}: {c}");
    }
    let _ = writeln!(out, "{}", summary.closing_line());
    drop(out);
    assert!(summary.passed + summary.failed > 0, "no state test ran");
    if engine != Mode::Interp {
        assert_eq!(
            zkos_evm_jit::backend_failures(),
            0,
            "the JIT refused to compile some code (it ran interpreted)"
        );
    }
    assert_eq!(
        summary.failed,
        0,
        "state tests failed: {}",
        summary.closing_line()
    );
    summary
}

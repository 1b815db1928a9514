//! The Ethereum GeneralStateTests (../shared/ethtests) through the runner, with the project's
//! skip list: the EVM's conformance gate. `ZKOS_STATETEST_PATHS` (a comma list relative to
//! GeneralStateTests) runs a subset, e.g. `ZKOS_STATETEST_PATHS=stExample,stSStoreTest`.

use std::io::Write;
use std::path::PathBuf;
use zkos_host::shared;
use zkos_host::skips::SkipList;
use zkos_host::statetest::{run_paths, Options};

/// How many failures to print before summarising the rest.
const MAX_PRINTED: usize = 300;

#[test]
fn general_state_tests() {
    let dir = shared::general_state_tests_dir().unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<PathBuf> = match std::env::var("ZKOS_STATETEST_PATHS") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| dir.join(p))
            .collect(),
        _ => vec![dir],
    };
    let root = shared::workspace_root().unwrap_or_else(|e| panic!("{e}"));
    let skips = SkipList::load(&root.join("tests").join("statetest-skips.txt"))
        .unwrap_or_else(|e| panic!("{e}"));
    let summary = run_paths(
        &paths,
        &Options {
            skips,
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
    for (fork, c) in &summary.per_fork {
        let _ = writeln!(out, "fork {fork}: {c}");
    }
    let _ = writeln!(out, "{}", summary.closing_line());
    drop(out);
    assert!(summary.passed + summary.failed > 0, "no state test ran");
    assert_eq!(
        summary.failed,
        0,
        "state tests failed: {}",
        summary.closing_line()
    );
}

//! The ipsilon benchmarks of ../shared/bench-contracts are complete state tests (post-state
//! root and logs hash): the lab's smoke run of them, on the host and in the guest on the
//! simulator (each entry's guest output equal to the host's commitment). Prints the guest's
//! cycles per gas of each benchmark, the guest column of the lab (never asserted).

use std::path::PathBuf;
use std::sync::Arc;
use zkos_host::guest::{build_guest, Guest};
use zkos_host::statetest::{run_paths, Options};

/// Every `ipsilon-evm-benchmarks` folder one or two levels below the bench-contracts folder.
fn ipsilon_dirs() -> Vec<PathBuf> {
    let root = zkos_host::shared::bench_contracts_dir().unwrap_or_else(|e| panic!("{e}"));
    let mut dirs = Vec::new();
    for base in [root.clone(), root.join("micro")] {
        for entry in std::fs::read_dir(&base).unwrap() {
            let dir = entry.unwrap().path().join("ipsilon-evm-benchmarks");
            if dir.is_dir() {
                dirs.push(dir);
            }
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn ipsilon_benchmarks_pass_on_the_host_and_in_the_guest() {
    let dirs = ipsilon_dirs();
    assert!(dirs.len() >= 10, "{dirs:?}");
    let elf = build_guest().unwrap_or_else(|e| panic!("{e}"));
    let guest = Arc::new(Guest::load(&elf).unwrap_or_else(|e| panic!("{e}")));
    let mut entries = 0;
    for dir in &dirs {
        let host = run_paths(std::slice::from_ref(dir), &Options::default());
        assert_eq!(host.failed, 0, "{}: {}", dir.display(), host.closing_line());
        let in_guest = run_paths(
            std::slice::from_ref(dir),
            &Options {
                stateless: true,
                guest: Some(guest.clone()),
                ..Default::default()
            },
        );
        assert_eq!(
            in_guest.failed,
            0,
            "{}: {}",
            dir.display(),
            in_guest.closing_line()
        );
        assert_eq!(in_guest.passed, host.passed, "{}", dir.display());
        assert_eq!(in_guest.guest.runs, host.passed, "{}", dir.display());
        entries += host.passed;
        let g = in_guest.guest;
        println!(
            "{:<60} {:>3} entries {:>12} cycles {:>11} gas {:>6.1} cycles/gas",
            dir.display(),
            g.runs,
            g.cycles,
            g.gas,
            g.cycles as f64 / g.gas.max(1) as f64
        );
    }
    assert!(entries >= 20, "{entries} entries");
}

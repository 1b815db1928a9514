//! A representative part of the state tests through the guest: every entry's minimal witness
//! built on the host, the entry run statelessly in `os` on x86 and, from an env tape of the
//! same block and witness, by the riscv32im guest on the simulator; the guest's output must
//! be the host's commitment and the host's result the test's. The whole sets are
//! `zkos guest statetest` and `zkos guest statetest ../shared/eest/state_tests` (about half
//! an hour on two cores). `ZKOS_GUEST_STATETEST_PATHS` (a comma list relative to
//! ../shared) runs another part.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use zkos_host::guest::{build_guest, Guest};
use zkos_host::shared;
use zkos_host::skips::SkipList;
use zkos_host::statetest::{run_paths, Options};

/// The part CI runs, relative to ../shared: the opcodes and call kinds of the classic tests,
/// the witness-heavy features (transient storage, SELFDESTRUCT, set-code delegations, blobs)
/// and the precompiles the guest runs in pure Rust (P-256, BLS12-381, modexp), a few
/// minutes on two cores.
const PART: &[&str] = &[
    "ethtests/GeneralStateTests/stExample",
    "ethtests/GeneralStateTests/stCallCodes",
    "ethtests/GeneralStateTests/stTransactionTest",
    "eest/state_tests/frontier/opcodes",
    "eest/state_tests/cancun/eip1153_tstore",
    "eest/state_tests/cancun/eip6780_selfdestruct",
    "eest/state_tests/prague/eip7702_set_code_tx",
    "eest/state_tests/osaka/eip7939_count_leading_zeros",
    "eest/state_tests/osaka/eip7951_p256verify_precompiles",
];

#[test]
fn state_tests_in_the_guest_equal_the_host() {
    let shared = shared::shared_dir().unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<PathBuf> = match std::env::var("ZKOS_GUEST_STATETEST_PATHS") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| shared.join(p))
            .collect(),
        _ => PART.iter().map(|p| shared.join(p)).collect(),
    };
    let elf = build_guest().unwrap_or_else(|e| panic!("{e}"));
    let guest = Guest::load(&elf).unwrap_or_else(|e| panic!("{e}"));
    let skips = SkipList::load_project().unwrap_or_else(|e| panic!("{e}"));
    let summary = run_paths(
        &paths,
        &Options {
            skips,
            stateless: true,
            guest: Some(Arc::new(guest)),
            ..Default::default()
        },
    );
    for failure in summary.failures.iter().take(100) {
        println!("{failure}");
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", summary.closing_line());
    let g = summary.guest;
    let _ = writeln!(
        out,
        "guest: {} entries equal to the host, {} cycles for {} gas",
        g.runs, g.cycles, g.gas
    );
    drop(out);
    assert_eq!(summary.failed, 0, "{}", summary.closing_line());
    assert!(summary.passed > 1000, "{}", summary.closing_line());
    // Every entry that ran on the host ran in the guest too.
    assert_eq!(g.runs, summary.passed, "{}", summary.closing_line());
    // Each run decodes its tape, loads the witness tries and hashes a root at least.
    assert!(g.cycles > 1000 * g.runs as u64, "{g:?}");
}

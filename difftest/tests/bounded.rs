//! The bounded differential run of the test suite: tens of thousands of generated programs
//! (raw bytes, opcode soup, structured programs, multi-transaction blocks, gas limits at the
//! exact gas spent and one below) on every fork from Frontier to Osaka and the BPO forks
//! through the zkos interpreter and revm, with every observable compared. The long run is `zkos-diff run --seed S --count N` (see the README).

use zkos_difftest::engines::{RevmEngine, ZkosEngine};
use zkos_difftest::gen::Kind;
use zkos_difftest::runner::{self, Config};

/// The seed of the suite's run: fixed, so a failure here reproduces with
/// `zkos-diff run --seed 0x5eed --count 52000`.
const SEED: u64 = 0x5eed;
const COUNT: u64 = 52_000;

#[test]
fn interpreter_matches_revm_on_generated_programs() {
    let config = Config {
        seed: SEED,
        count: COUNT,
        kinds: Kind::ALL.to_vec(),
        boundary: 4,
    };
    let summary = runner::run(
        &config,
        || Box::new(ZkosEngine::interpreter()),
        || Box::new(RevmEngine::new()),
    );
    let dir = std::env::temp_dir().join("zkos-difftest-bounded");
    if !summary.mismatches.is_empty() {
        let saved = runner::save(&summary.mismatches, &dir).expect("save mismatches");
        eprintln!("saved {} mismatches into {}", saved.len(), dir.display());
    }
    for m in summary
        .mismatches
        .iter()
        .filter(|m| m.deviation.is_none())
        .take(20)
    {
        eprintln!("{m}");
    }
    for (status, n) in &summary.statuses {
        eprintln!("  {status}: {n}");
    }
    for (fork, n) in &summary.forks {
        eprintln!("  fork {fork}: {n}");
    }
    for (feature, n) in &summary.features {
        eprintln!("  {feature}: {n}");
    }
    eprintln!("{}", summary.closing_line());
    assert!(
        summary.errors.is_empty(),
        "engine errors: {:?}",
        summary.errors
    );
    assert_eq!(summary.unexplained(), 0, "{}", summary.closing_line());
    assert!(summary.cases >= 50_000, "only {} cases", summary.cases);
    // The generators must reach every way a transaction can end, or the run proves little.
    for status in [
        "success",
        "revert",
        "invalid",
        "halt OutOfGas",
        "halt StackUnderflow",
        "halt StackOverflow",
        "halt InvalidJump",
        "halt InvalidOpcode",
        "halt ReturnDataOutOfBounds",
        "halt CodeSizeLimit",
        "halt InvalidCodePrefix",
        "halt InitCodeSizeLimit",
        "halt PrecompileFailure",
    ] {
        let n = summary.statuses.get(status).copied().unwrap_or(0);
        assert!(n >= 5, "only {n} transactions ended as `{status}`");
    }
    // The newest forks are drawn most, and their rules are reached, not only generated.
    for (fork, least) in [
        ("Prague", 5_000),
        ("Osaka", 8_000),
        ("BPO1", 200),
        ("BPO2", 200),
    ] {
        let n = summary.forks.get(fork).copied().unwrap_or(0);
        assert!(n >= least, "only {n} cases on {fork}");
    }
    for (feature, least) in [
        ("set-code transaction", 2_000),
        ("delegation written", 2_000),
        ("calldata floor charged", 500),
        ("gas above the cap", 100),
        ("blob transaction", 2_000),
    ] {
        let n = summary.features.get(feature).copied().unwrap_or(0);
        assert!(n >= least, "only {n} times `{feature}`");
    }
}

/// The JIT's seed: a failure reproduces with
/// `zkos-diff run --engine jit --against interpreter --seed 0x71e --count 20000`.
const JIT_SEED: u64 = 0x71e;
const JIT_COUNT: u64 = 20_000;

/// The same generators through the JIT (every contract and init code compiled) against the
/// interpreter: nothing is excused, every observable must be equal.
#[test]
fn jit_matches_interpreter_on_generated_programs() {
    let config = Config {
        seed: JIT_SEED,
        count: JIT_COUNT,
        kinds: Kind::ALL.to_vec(),
        boundary: 4,
    };
    let failures_before = zkos_evm_jit::backend_failures();
    let summary = runner::run(
        &config,
        || Box::new(ZkosEngine::jit(zkos_evm_jit::Mode::Jit)),
        || Box::new(ZkosEngine::interpreter()),
    );
    for m in summary.mismatches.iter().take(20) {
        eprintln!("{m}");
    }
    eprintln!("{}", summary.closing_line());
    assert!(
        summary.errors.is_empty(),
        "engine errors: {:?}",
        summary.errors
    );
    assert!(summary.mismatches.is_empty(), "{}", summary.closing_line());
    assert!(summary.cases >= 20_000, "only {} cases", summary.cases);
    assert_eq!(
        zkos_evm_jit::backend_failures(),
        failures_before,
        "the JIT refused to compile some code (it ran interpreted)"
    );
}

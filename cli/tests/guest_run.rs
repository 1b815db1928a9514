//! `zkos guest run` end to end: the example block through the guest equals the x86 run,
//! both mainnet block folders chain, and bad arguments are errors rather than panics.

use std::process::Command;

fn zkos(args: &[&str]) -> (bool, String, String) {
    let root = zkos_host::shared::workspace_root().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_zkos"))
        .args(args)
        .current_dir(root)
        .output()
        .expect("zkos runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn guest_run_of_the_example_block_equals_x86() {
    let (ok, out, err) = zkos(&["guest", "run", "examples/block.json"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("(equal)"), "{out}");
    assert!(out.contains("cycles per gas"), "{out}");
    assert!(out.contains("tx   5"), "six transactions: {out}");
    assert!(
        out.contains("zkos_os::keccak::permute"),
        "the top functions: {out}"
    );
}

#[test]
fn guest_run_chains_the_mainnet_blocks() {
    let dir = zkos_host::shared::mainnet_blocks_dir().unwrap_or_else(|e| panic!("{e}"));
    let a = dir.join("24628607");
    let b = dir.join("24628608");
    let (ok, out, err) = zkos(&["guest", "run", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert_eq!(out.matches("(equal)").count(), 2, "{out}");
    assert!(
        out.contains("chained: parent is the previous block"),
        "{out}"
    );
    // The other order does not chain, and says so.
    let (ok, out, _) = zkos(&["guest", "run", b.to_str().unwrap(), a.to_str().unwrap()]);
    assert!(!ok);
    assert!(out.contains("does NOT chain"), "{out}");
}

#[test]
fn guest_run_rejects_bad_arguments() {
    let (ok, _, err) = zkos(&["guest", "run"]);
    assert!(!ok && err.contains("block folder"), "{err}");
    let (ok, _, err) = zkos(&["guest", "run", "no/such/block.json"]);
    assert!(!ok && err.contains("no/such/block.json"), "{err}");
    let (ok, _, err) = zkos(&["guest", "fly"]);
    assert!(!ok && err.contains("unknown guest subcommand"), "{err}");
}

//! The state-test runner on broken input: every problem is one failure naming the file and
//! the field, nothing panics, and the other files still run.

use std::path::{Path, PathBuf};
use zkos_host::envjson::parse_pre;
use zkos_host::state::logs_hash;
use zkos_host::statetest::{run_paths, Options, Summary};

/// A fresh scratch folder for this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkos-runner-input-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const PRE: &str = r#"{
    "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b": {
        "balance": "0x0de0b6b3a7640000", "code": "0x", "nonce": "0x00", "storage": {}
    },
    "0x095e7baea6a6c7c4c2dfeb977efac326af552d87": {
        "balance": "0x00", "code": "0x600160010160005500", "nonce": "0x00",
        "storage": {"0x01": "0x02"}
    }
}"#;

/// A one-case state test; `gas` is the gasLimit list entry, `post` the post object.
fn case(gas: &str, post: &str) -> String {
    format!(
        r#"{{"case1": {{
            "env": {{
                "currentBaseFee": "0x0a",
                "currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba",
                "currentDifficulty": "0x020000", "currentGasLimit": "0xff112233445566",
                "currentNumber": "0x01", "currentRandom": "0x0000000000000000000000000000000000000000000000000000000000020000",
                "currentTimestamp": "0x03e8"
            }},
            "pre": {PRE},
            "transaction": {{
                "data": ["0x"], "gasLimit": [{gas}], "gasPrice": "0x0a", "nonce": "0x00",
                "sender": "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b",
                "to": "0x095e7baea6a6c7c4c2dfeb977efac326af552d87", "value": ["0x01"]
            }},
            "post": {post}
        }}}}"#
    )
}

/// A post entry expecting the pre state unchanged (the coinbase is not in `pre`).
fn rejected_post(fork: &str) -> String {
    let pre = parse_pre(&serde_json_value(PRE), "pre").unwrap();
    format!(
        r#"{{"{fork}": [{{"hash": "{}", "logs": "{}", "indexes": {{"data": 0, "gas": 0, "value": 0}},
            "expectException": "TransactionException.INTRINSIC_GAS_TOO_LOW"}}]}}"#,
        pre.root(),
        logs_hash([])
    )
}

fn serde_json_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn failures_of<'a>(summary: &'a Summary, file: &Path) -> Vec<&'a str> {
    let file = file.display().to_string();
    summary
        .failures
        .iter()
        .filter(|f| f.file == file)
        .map(|f| f.message.as_str())
        .collect()
}

#[test]
fn bad_input_is_reported_and_the_rest_runs() {
    let dir = scratch("mixed");
    let malformed = write(&dir, "malformed.json", r#"{"case1": {"env": "#);
    let bad_hex = write(
        &dir,
        "bad_hex.json",
        &case(r#""0xzz""#, &rejected_post("Cancun")),
    );
    let unknown_fork = write(
        &dir,
        "unknown_fork.json",
        &case(r#""0x5208""#, &rejected_post("Cancun2")),
    );
    let bad_pre = write(
        &dir,
        "bad_pre.json",
        &case(r#""0x5208""#, &rejected_post("Cancun"))
            .replace(r#""0x01": "0x02""#, r#""0x01": "0xg2""#),
    );
    // Passes even before the EVM exists: the gas limit does not fit in 64 bits, so the
    // transaction is unrepresentable, which counts as rejected, as the entry expects.
    let good = write(
        &dir,
        "good.json",
        &case(r#""0x010000000000000000""#, &rejected_post("Cancun")),
    );
    let missing = dir.join("does_not_exist.json");

    let paths = vec![dir.clone(), missing.clone()];
    let summary = run_paths(&paths, &Options::default());
    for f in &summary.failures {
        println!("{f}");
    }

    let msgs = failures_of(&summary, &malformed);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(msgs[0].starts_with("invalid JSON"), "{msgs:?}");

    let msgs = failures_of(&summary, &bad_hex);
    assert_eq!(msgs, vec![r#"transaction.gasLimit[0]: invalid hex "0xzz""#]);

    // A fork this build cannot name is not a failure but counted apart, under its name.
    assert!(failures_of(&summary, &unknown_fork).is_empty());
    assert_eq!(summary.per_fork["Cancun2"].unsupported, 1);

    let msgs = failures_of(&summary, &bad_pre);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains(".storage[0x01]: invalid hex \"0xg2\""),
        "{msgs:?}"
    );

    let msgs = failures_of(&summary, &missing);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(msgs[0].starts_with("cannot read"), "{msgs:?}");

    assert!(
        failures_of(&summary, &good).is_empty(),
        "{:?}",
        failures_of(&summary, &good)
    );
    assert_eq!(summary.passed, 1);
    assert_eq!(summary.failed, 4);
    assert_eq!(
        summary.closing_line(),
        "1 passed, 4 failed, 0 skipped, 1 unsupported"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn new_forks_run_and_skips_are_counted_skipped() {
    let dir = scratch("skips");
    for fork in ["Prague", "Osaka", "BPO1", "BPO2"] {
        let file = write(
            &dir,
            "a.json",
            &case(r#""0x010000000000000000""#, &rejected_post(fork)),
        );
        let summary = run_paths(std::slice::from_ref(&file), &Options::default());
        assert_eq!(
            summary.closing_line(),
            "1 passed, 0 failed, 0 skipped, 0 unsupported",
            "{fork}"
        );
    }

    let file = write(
        &dir,
        "b.json",
        &case(r#""0x010000000000000000""#, &rejected_post("Cancun")),
    );
    let skips = zkos_host::skips::SkipList::parse(
        &format!("{}::case1::Cancun::d0g0v0 | testing skips", file.display()),
        "inline",
    )
    .unwrap();
    let summary = run_paths(
        std::slice::from_ref(&file),
        &Options {
            skips,
            ..Default::default()
        },
    );
    assert_eq!(
        summary.closing_line(),
        "0 passed, 0 failed, 1 skipped, 0 unsupported"
    );

    // --fork selection: entries of other forks are not counted at all.
    let options = Options {
        forks: Some(vec![zkos_os::types::SpecId::Shanghai]),
        ..Default::default()
    };
    let summary = run_paths(std::slice::from_ref(&file), &options);
    assert_eq!(
        summary.closing_line(),
        "0 passed, 0 failed, 0 skipped, 0 unsupported"
    );

    // --filter on the case name.
    let options = Options {
        filter: Some("case1".into()),
        ..Default::default()
    };
    assert_eq!(run_paths(std::slice::from_ref(&file), &options).passed, 1);
    let options = Options {
        filter: Some("nothing-matches".into()),
        ..Default::default()
    };
    assert_eq!(
        run_paths(std::slice::from_ref(&file), &options).closing_line(),
        "0 passed, 0 failed, 0 skipped, 0 unsupported"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

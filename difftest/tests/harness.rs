//! The harness itself: it notices a wrong engine, saves and replays cases, shrinks them, and
//! names revm's known deviations instead of blaming zkos.

use alloy_primitives::{Address, Bytes, U256};
use std::collections::BTreeMap;
use zkos_difftest::case::{Account, Case, Env, Tx};
use zkos_difftest::engines::{Engine, RevmEngine, ZkosEngine};
use zkos_difftest::gen::{self, Kind};
use zkos_difftest::minimize::minimize;
use zkos_difftest::outcome::{compare, Outcome};
use zkos_difftest::runner;

/// zkos with a planted bug: when any account's code holds TIMESTAMP (0x42), the first
/// transaction reports one more gas.
struct Planted(ZkosEngine<zkos_os::evm::EvmInterpreter>);

impl Engine for Planted {
    fn name(&self) -> &str {
        "planted"
    }
    fn run(&mut self, case: &Case) -> Result<Outcome, String> {
        let mut o = self.0.run(case)?;
        if case.pre.values().any(|a| a.code.contains(&0x42)) {
            o.txs[0].gas_used += 1;
        }
        Ok(o)
    }
    fn trace(&mut self, case: &Case) -> Result<Vec<zkos_difftest::trace::Step>, String> {
        self.0.trace(case)
    }
}

fn planted_case() -> Case {
    (0..)
        .map(|i| gen::generate(Kind::Structured, i))
        .find(|c| c.pre.values().any(|a| a.code.contains(&0x42)) && c.txs.len() == 1)
        .expect("some generated case uses TIMESTAMP")
}

#[test]
fn a_wrong_engine_is_caught_and_the_case_shrinks_to_the_cause() {
    let case = planted_case();
    let mut planted = Planted(ZkosEngine::interpreter());
    let mut revm = RevmEngine::new();
    let m = runner::check(&case, &mut planted, &mut revm)
        .expect("runs")
        .expect("the planted bug is a mismatch");
    assert!(m.differences.iter().any(|d| d.what == "tx 0 gas used"));
    assert!(m.deviation.is_none());

    let mut fails = |c: &Case| {
        let (Ok(l), Ok(r)) = (planted.run(c), revm.run(c)) else {
            return false;
        };
        !compare(&l, &r).is_empty()
    };
    let small = minimize(&case, &mut fails, 20_000);
    let code: Vec<&Bytes> = small
        .pre
        .values()
        .map(|a| &a.code)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(code.len(), 1, "one account keeps code: {small:?}");
    assert_eq!(
        code[0].as_ref(),
        &[0x42],
        "and it is the one byte that triggers the bug"
    );
    assert!(fails(&small));
}

#[test]
fn cases_and_mismatches_round_trip_through_json() {
    for i in 0..50 {
        let case = gen::generate(Kind::ALL[i % 4], i as u64);
        let json = serde_json::to_string(&case).unwrap();
        assert_eq!(Case::from_json(&json).unwrap(), case);
    }
    let case = planted_case();
    let mut planted = Planted(ZkosEngine::interpreter());
    let m = runner::check(&case, &mut planted, &mut RevmEngine::new())
        .unwrap()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("zkos-difftest-rt-{}", std::process::id()));
    let paths = runner::save(&[m], &dir).unwrap();
    let text = std::fs::read_to_string(&paths[0]).unwrap();
    assert_eq!(
        Case::from_json(&text).unwrap(),
        case,
        "a saved mismatch replays its case"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_case_json_is_an_error_not_a_panic() {
    assert!(Case::from_json("{").is_err());
    assert!(Case::from_json("{\"fork\": 3}").is_err());
    // Code that starts like an EIP-7702 designator but is not one is plain code before Prague.
    let mut case = gen::generate(Kind::Raw, 1);
    for account in case.pre.values_mut().filter(|a| !a.code.is_empty()) {
        account.code = Bytes::from_static(&[0xef, 0x01, 0x00, 0x60]);
    }
    case.fork = "Cancun".into();
    let (l, r) = (
        ZkosEngine::interpreter().run(&case).unwrap(),
        RevmEngine::new().run(&case).unwrap(),
    );
    assert_eq!(compare(&l, &r), vec![]);
    case.fork = "Atlantis".into();
    assert!(ZkosEngine::interpreter().run(&case).is_err());
    assert!(RevmEngine::new().run(&case).is_err());
}

/// EIP-7610: CREATE onto an address with storage but no code and nonce 0 is a collision in
/// the specification (zkos); revm 43 deploys. The harness names the deviation.
#[test]
fn eip7610_is_reported_as_revm_deviation() {
    let sender = gen::addr::SENDERS[0];
    // The address of sender's first CREATE (nonce 0).
    let target = zkos_os::bootloader::frames::create_address(sender, 0);
    let mut pre = BTreeMap::new();
    pre.insert(
        sender,
        Account {
            balance: U256::from(10u64.pow(18)),
            ..Default::default()
        },
    );
    pre.insert(
        target,
        Account {
            storage: [(U256::from(1), U256::from(1))].into_iter().collect(),
            ..Default::default()
        },
    );
    let case = Case {
        fork: "Cancun".into(),
        env: Env {
            chain_id: 1,
            number: 1000,
            timestamp: 1,
            gas_limit: 30_000_000,
            base_fee: 0,
            coinbase: Address::repeat_byte(0xcb),
            prev_randao: Default::default(),
            difficulty: U256::ZERO,
            excess_blob_gas: 0,
        },
        pre,
        txs: vec![Tx {
            tx_type: 0,
            from: sender,
            to: None,
            nonce: 0,
            gas_limit: 100_000,
            gas_price: 0,
            max_priority_fee: None,
            // Init code: RETURN(0, 1) deploys one zero byte.
            value: U256::ZERO,
            data: Bytes::from_static(&[0x60, 0x01, 0x5f, 0xf3]),
            chain_id: Some(1),
            access_list: vec![],
            blob_hashes: vec![],
            max_fee_per_blob_gas: None,
        }],
        origin: "EIP-7610 by hand".into(),
    };
    let m = runner::check(
        &case,
        &mut ZkosEngine::interpreter(),
        &mut RevmEngine::new(),
    )
    .unwrap()
    .expect("revm deploys where the specification collides");
    assert!(m.differences.iter().any(|d| d.what == "tx 0 status"));
    assert_eq!(
        m.deviation.as_deref(),
        Some(zkos_difftest::deviations::EIP7610.name)
    );
}

//! The benchmark lab: the same contracts run through the zkos interpreter and through revm, so
//! every number we publish comes with the ratio to the interpreter users would otherwise pick.
//!
//! A [`Workload`] is described once, in zkos's own types (pre-state, block, one transaction,
//! and what the run must leave behind). [`zkos_runner::ZkosRunner`] and
//! [`revm_runner::RevmRunner`] are both built from that one description, so the two engines
//! cannot drift apart in setup. [`verify`] runs both once and refuses a workload on which they
//! disagree: timing an interpreter that computes something else would be meaningless.

pub mod evmone;
pub mod revm_runner;
pub mod revmc;
pub mod workloads;
pub mod zkos_runner;

use alloy_primitives::{Address, Bytes, U256};
use std::collections::BTreeMap;
use std::fmt;
use zkos_os::oracle::GenesisAccount;
use zkos_os::types::{BlockEnv, TxEnv};

/// One benchmark case, engine-neutral.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Short name; the criterion group (`<name>/zkos`, `<name>/revm`).
    pub name: String,
    /// What the workload stresses, for reports.
    pub summary: String,
    pub block: BlockEnv,
    /// The initial state: every account the transaction may touch.
    pub accounts: Vec<(Address, GenesisAccount)>,
    pub tx: TxEnv,
    /// What a correct run leaves behind, checked on both engines.
    pub expected: Expected,
}

/// Observable proof that a run did the intended work, not merely the same amount of gas.
#[derive(Clone, Debug, Default)]
pub struct Expected {
    /// The exact return data, when the contract returns its result.
    pub output: Option<Bytes>,
    /// `(account, slot, value)` that must hold after the transaction.
    pub storage: Vec<(Address, U256, U256)>,
}

/// How a transaction ended, reduced to what both engines can report alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Success,
    Revert,
    /// Exceptional halt; the engine's own reason, for messages only (names differ by engine).
    Halt(String),
    /// The transaction was rejected before execution; the engine's reason.
    Invalid(String),
    /// The engine produced no receipt at all.
    Missing,
}

impl Status {
    /// Whether two statuses mean the same outcome, ignoring the engine-specific wording.
    pub fn same_kind(&self, other: &Status) -> bool {
        core::mem::discriminant(self) == core::mem::discriminant(other)
    }
}

/// What one engine reports about one run of a workload, in a form both can fill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    /// Gas charged to the sender, after refunds (the receipt's value).
    pub gas_used: u64,
    pub output: Bytes,
    /// Final values of the slots whose value the transaction changed, per account.
    pub storage_changes: BTreeMap<Address, BTreeMap<U256, U256>>,
}

impl Outcome {
    /// The final value of a slot: the changed value if the run changed it, else `None`.
    pub fn changed_slot(&self, address: Address, key: U256) -> Option<U256> {
        self.storage_changes.get(&address)?.get(&key).copied()
    }
}

/// Why a workload may not be benchmarked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub workload: String,
    /// One line per problem found.
    pub problems: Vec<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "workload {}:", self.workload)?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Mismatch {}

/// Checks one engine's outcome against the workload's expectations; returns the problems.
pub fn check_expected(engine: &str, workload: &Workload, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if outcome.status != Status::Success {
        problems.push(format!(
            "{engine}: status {:?}, expected Success",
            outcome.status
        ));
    }
    if let Some(output) = &workload.expected.output {
        if &outcome.output != output {
            problems.push(format!(
                "{engine}: output {}, expected {output}",
                outcome.output
            ));
        }
    }
    let mut wrong = 0usize;
    let mut first = None;
    for &(address, key, value) in &workload.expected.storage {
        let got = outcome.changed_slot(address, key);
        if got != Some(value) {
            wrong += 1;
            first.get_or_insert((address, key, value, got));
        }
    }
    if let Some((address, key, value, got)) = first {
        problems.push(format!(
            "{engine}: {wrong} of {} expected slots wrong, first {address} slot {key}: \
             got {got:?}, expected {value}",
            workload.expected.storage.len()
        ));
    }
    problems
}

/// Compares the two engines' outcomes; returns the disagreements.
pub fn compare(zkos: &Outcome, revm: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if !zkos.status.same_kind(&revm.status) {
        problems.push(format!(
            "status differs: zkos {:?}, revm {:?}",
            zkos.status, revm.status
        ));
    }
    if zkos.gas_used != revm.gas_used {
        problems.push(format!(
            "gas used differs: zkos {}, revm {} (zkos - revm = {})",
            zkos.gas_used,
            revm.gas_used,
            zkos.gas_used as i128 - revm.gas_used as i128
        ));
    }
    if zkos.output != revm.output {
        problems.push(format!(
            "output differs: zkos {}, revm {}",
            zkos.output, revm.output
        ));
    }
    if zkos.storage_changes != revm.storage_changes {
        let count = |o: &Outcome| o.storage_changes.values().map(BTreeMap::len).sum::<usize>();
        problems.push(format!(
            "storage changes differ: zkos changed {} slots, revm {}",
            count(zkos),
            count(revm)
        ));
    }
    problems
}

/// The engines' outcomes on a workload that passed every check.
#[derive(Clone, Debug)]
pub struct Agreement {
    pub zkos: Outcome,
    pub revm: Outcome,
}

/// Runs the workload once on each engine (the interpreter, the JIT compiling everything, the
/// tiered engine, revm) and checks that each did the expected work and that all agree on
/// status, gas used, output and storage changes.
pub fn verify(workload: &Workload) -> Result<Agreement, Mismatch> {
    use zkos_evm_jit::Mode;
    let revm = revm_runner::RevmRunner::new(workload).outcome();
    let zkos = zkos_runner::ZkosRunner::new(workload).outcome();
    let mut problems = check_expected("revm", workload, &revm);
    problems.extend(check_expected("zkos", workload, &zkos));
    problems.extend(compare(&zkos, &revm));
    for (name, mode) in [
        ("jit", Mode::Jit),
        ("tiered", Mode::Tiered { gas_per_byte: 0 }),
    ] {
        let mut runner = zkos_runner::ZkosRunner::jit(workload, mode);
        let mut outcome = runner.outcome();
        if name == "tiered" {
            // The first run queued the hot code for the background compiler; the second
            // runs what it compiled.
            problems.extend(
                compare(&outcome, &zkos)
                    .into_iter()
                    .map(|p| format!("tiered, first run, vs interpreter: {p}")),
            );
            runner.wait_compiled();
            outcome = runner.outcome();
        }
        problems.extend(check_expected(name, workload, &outcome));
        problems.extend(
            compare(&outcome, &zkos)
                .into_iter()
                .map(|p| format!("{name} vs interpreter: {p}")),
        );
        if runner.stats().fallbacks > 0 {
            problems.push(format!(
                "{name}: a contract failed to compile: {}",
                runner.last_error().unwrap_or_default()
            ));
        }
    }
    if problems.is_empty() {
        Ok(Agreement { zkos, revm })
    } else {
        Err(Mismatch {
            workload: workload.name.clone(),
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The workload descriptions themselves are right: revm, the reference, does exactly the
    /// work each one expects. (Independent of the zkos interpreter.)
    #[test]
    fn revm_does_the_expected_work() {
        for workload in workloads::all() {
            let outcome = revm_runner::RevmRunner::new(&workload).outcome();
            let problems = check_expected("revm", &workload, &outcome);
            assert!(problems.is_empty(), "{}: {problems:#?}", workload.name);
        }
    }

    fn agree(workload: Workload) {
        if let Err(mismatch) = verify(&workload) {
            panic!("{mismatch}");
        }
    }

    #[test]
    fn zkos_agrees_with_revm_on_loop() {
        agree(workloads::loop_heavy());
    }

    #[test]
    fn zkos_agrees_with_revm_on_storage() {
        agree(workloads::storage_heavy());
    }

    #[test]
    fn zkos_agrees_with_revm_on_call() {
        agree(workloads::call_heavy());
    }

    /// A reused runner gives the same outcome every time: nothing leaks from one run into
    /// the next, which the benchmark's reuse of both runners relies on.
    #[test]
    fn revm_runs_are_repeatable() {
        let workload = workloads::storage_heavy();
        let mut runner = revm_runner::RevmRunner::new(&workload);
        let first = runner.outcome();
        assert_eq!(first, runner.outcome());
    }

    /// The same for the reused zkos bootloader: its kept arena and caches must not carry
    /// state from one block into the next.
    #[test]
    fn zkos_runs_are_repeatable() {
        let workload = workloads::storage_heavy();
        let mut runner = zkos_runner::ZkosRunner::new(&workload);
        let first = runner.run();
        assert_eq!(first, runner.run());
    }
}

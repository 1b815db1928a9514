//! Runs cases on two engines and collects what disagrees: one case ([`check`]) or a seeded
//! batch in parallel ([`run`]), with gas-limit boundary variants and saved mismatches.

use crate::case::Case;
use crate::deviations;
use crate::engines::Engine;
use crate::gen::{self, Kind};
use crate::outcome::{compare, Difference, Outcome, Status};
use crate::rng::Rng;
use crate::trace;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use zkos_os::system::delegation;
use zkos_os::types::SpecId;

/// Two engines disagreed on a case.
#[derive(Clone, Debug, Serialize)]
pub struct Mismatch {
    pub case: Case,
    pub left: String,
    pub right: String,
    pub differences: Vec<Difference>,
    /// The known deviation the case triggers, when it does (then it is not a zkos bug).
    pub deviation: Option<String>,
    /// The first step where the EIP-3155 traces part, when both engines can trace.
    pub divergence: Option<String>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} vs {} on {} ({}):",
            self.left, self.right, self.case.origin, self.case.fork
        )?;
        for d in &self.differences {
            writeln!(f, "  {d}")?;
        }
        if let Some(dev) = &self.deviation {
            writeln!(f, "  known deviation: {dev}")?;
        }
        if let Some(div) = &self.divergence {
            writeln!(f, "  {}", div.replace('\n', "\n  "))?;
        }
        Ok(())
    }
}

/// Runs `case` on both engines; `Ok(None)` when every observable agrees.
pub fn check(
    case: &Case,
    left: &mut dyn Engine,
    right: &mut dyn Engine,
) -> Result<Option<Mismatch>, String> {
    let (l, r) = (left.run(case)?, right.run(case)?);
    Ok(mismatch(case, left, right, &l, &r))
}

fn mismatch(
    case: &Case,
    left: &mut dyn Engine,
    right: &mut dyn Engine,
    l: &Outcome,
    r: &Outcome,
) -> Option<Mismatch> {
    let differences = compare(l, r);
    if differences.is_empty() {
        return None;
    }
    let (left_steps, right_steps) = match (left.trace(case), right.trace(case)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => (Vec::new(), Vec::new()),
    };
    let divergence = trace::first_divergence(&left_steps, &right_steps).map(|d| d.to_string());
    // revm's known deviations excuse a difference from revm only: two zkos engines (the JIT
    // and the interpreter) must agree on everything.
    let deviation = if right.name() == crate::engines::RevmEngine::NAME {
        deviations::triggered_by(case)
            .or_else(|| deviations::explains(case, &differences, &left_steps, &right_steps))
    } else {
        None
    };
    Some(Mismatch {
        case: case.clone(),
        left: left.name().to_string(),
        right: right.name().to_string(),
        differences,
        deviation: deviation.map(|d| d.name.to_string()),
        divergence,
    })
}

/// What a batch covers and where it writes.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    /// Generated cases (boundary variants come on top).
    pub count: u64,
    /// The kinds, cycled through case by case.
    pub kinds: Vec<Kind>,
    /// Every `boundary`-th single-transaction case is also run with its gas limit at exactly
    /// the gas it spends and one below (0 turns this off).
    pub boundary: u64,
}

/// A batch's results.
#[derive(Debug, Default)]
pub struct Summary {
    /// Cases compared (generated ones and their boundary variants).
    pub cases: u64,
    /// Transactions by how they ended on the left engine (evidence of what was exercised).
    pub statuses: BTreeMap<String, u64>,
    /// Cases per fork.
    pub forks: BTreeMap<String, u64>,
    /// How often the rules of the newer forks were reached on the left engine (see
    /// [`features`]): evidence that a run exercised them, not only generated them.
    pub features: BTreeMap<&'static str, u64>,
    pub mismatches: Vec<Mismatch>,
    /// Engine errors (a case an engine could not take at all).
    pub errors: Vec<String>,
}

impl Summary {
    /// Mismatches not explained by a known deviation.
    pub fn unexplained(&self) -> usize {
        self.mismatches
            .iter()
            .filter(|m| m.deviation.is_none())
            .count()
    }

    /// How many mismatches each known deviation explained.
    pub fn deviations(&self) -> BTreeMap<&str, u64> {
        let mut counts = BTreeMap::new();
        for m in &self.mismatches {
            if let Some(d) = &m.deviation {
                *counts.entry(d.as_str()).or_default() += 1;
            }
        }
        counts
    }

    /// The closing line: `N passed, M failed` (failed = unexplained mismatches and errors).
    pub fn closing_line(&self) -> String {
        let failed = self.unexplained() as u64 + self.errors.len() as u64;
        let deviations = self.mismatches.len() as u64 - self.unexplained() as u64;
        format!(
            "{} passed, {} failed, {} skipped",
            self.cases - failed - deviations,
            failed,
            deviations
        )
    }

    fn merge(mut self, other: Summary) -> Summary {
        self.cases += other.cases;
        for (k, v) in other.statuses {
            *self.statuses.entry(k).or_default() += v;
        }
        for (k, v) in other.forks {
            *self.forks.entry(k).or_default() += v;
        }
        for (k, v) in other.features {
            *self.features.entry(k).or_default() += v;
        }
        self.mismatches.extend(other.mismatches);
        self.errors.extend(other.errors);
        self
    }
}

fn status_name(s: &Status) -> String {
    match s {
        Status::Success => "success".into(),
        Status::Revert => "revert".into(),
        Status::Halt(c) => format!("halt {c:?}"),
        Status::Invalid(_) => "invalid".into(),
    }
}

/// The newer forks' rules a case reached, by the left engine's outcome: set-code
/// transactions included, delegations written or cleared, transactions charged the EIP-7623
/// floor, blob transactions included, and transactions refused by EIP-7825's cap.
pub fn features(case: &Case, outcome: &Outcome) -> Vec<&'static str> {
    let mut found = Vec::new();
    let Ok(spec) = case.spec() else {
        return found;
    };
    for (tx, o) in case.txs.iter().zip(&outcome.txs) {
        let included = !matches!(o.status, Status::Invalid(_));
        if included && tx.tx_type == 4 {
            found.push("set-code transaction");
        }
        if included && tx.tx_type == 3 {
            found.push("blob transaction");
        }
        if included && spec >= SpecId::Prague && o.gas_used == gen::floor_gas(&tx.data) {
            found.push("calldata floor charged");
        }
        if !included && spec >= SpecId::Osaka && tx.gas_limit > 1 << 24 {
            found.push("gas above the cap");
        }
    }
    for (address, after) in &outcome.state {
        let before = case
            .pre
            .get(address)
            .map(|a| a.code.clone())
            .unwrap_or_default();
        if before != after.code
            && (delegation::is_designator(&before) || delegation::is_designator(&after.code))
        {
            found.push("delegation written");
        }
    }
    found
}

/// The cases one generated case stands for: itself, and its gas-limit boundary variants.
fn with_variants(case: Case, first: &Outcome, boundary: bool) -> Vec<Case> {
    let mut cases = Vec::new();
    if boundary && case.txs.len() == 1 {
        if let Some(tx) = first.txs.first() {
            let spent = tx.gas_used + tx.refund;
            if !matches!(tx.status, Status::Invalid(_)) && spent > 21_000 {
                for limit in [spent, spent - 1] {
                    let mut c = case.clone();
                    c.txs[0].gas_limit = limit;
                    c.origin = format!("{} gas limit {limit}", case.origin);
                    cases.push(c);
                }
            }
        }
    }
    cases.insert(0, case);
    cases
}

/// Case `index` of a batch.
pub fn generated(config: &Config, index: u64) -> Case {
    let kind = config.kinds[(index % config.kinds.len() as u64) as usize];
    let mut case = gen::generate(kind, Rng::case_seed(config.seed, index));
    case.origin = format!(
        "{} (run seed {:#x}, case {index})",
        case.origin, config.seed
    );
    case
}

/// Runs a batch in parallel, each thread with its own pair of engines.
pub fn run<L, R>(config: &Config, make_left: L, make_right: R) -> Summary
where
    L: Fn() -> Box<dyn Engine> + Sync + Send,
    R: Fn() -> Box<dyn Engine> + Sync + Send,
{
    (0..config.count)
        .into_par_iter()
        .map_init(
            || (make_left(), make_right()),
            |engines, index| {
                // A panic in either engine is a finding, not the end of the run: it is
                // reported for its case and the thread goes on with fresh engines.
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let (left, right) = (&mut engines.0, &mut engines.1);
                    run_one(config, index, left.as_mut(), right.as_mut())
                }));
                run.unwrap_or_else(|panic| {
                    *engines = (make_left(), make_right());
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Summary {
                        cases: 1,
                        errors: vec![format!(
                            "{}: panicked: {what}",
                            generated(config, index).origin
                        )],
                        ..Summary::default()
                    }
                })
            },
        )
        .reduce(Summary::default, Summary::merge)
}

/// Case `index` of a batch and its boundary variants on both engines.
fn run_one(config: &Config, index: u64, left: &mut dyn Engine, right: &mut dyn Engine) -> Summary {
    let mut summary = Summary::default();
    let case = generated(config, index);
    let boundary = config.boundary > 0 && index.is_multiple_of(config.boundary);
    let first = match left.run(&case) {
        Ok(o) => o,
        Err(e) => {
            summary.errors.push(format!("{}: {e}", case.origin));
            return summary;
        }
    };
    for (i, c) in with_variants(case, &first, boundary)
        .into_iter()
        .enumerate()
    {
        summary.cases += 1;
        let l = if i == 0 {
            first.clone()
        } else {
            match left.run(&c) {
                Ok(o) => o,
                Err(e) => {
                    summary.errors.push(format!("{}: {e}", c.origin));
                    continue;
                }
            }
        };
        for tx in &l.txs {
            *summary.statuses.entry(status_name(&tx.status)).or_default() += 1;
        }
        *summary.forks.entry(c.fork.clone()).or_default() += 1;
        for f in features(&c, &l) {
            *summary.features.entry(f).or_default() += 1;
        }
        let r = match right.run(&c) {
            Ok(o) => o,
            Err(e) => {
                summary.errors.push(format!("{}: {e}", c.origin));
                continue;
            }
        };
        if let Some(m) = mismatch(&c, left, right, &l, &r) {
            summary.mismatches.push(m);
        }
    }
    summary
}

/// Writes each mismatch as replayable JSON into `dir` (created if missing); returns the
/// paths written.
pub fn save(mismatches: &[Mismatch], dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut paths = Vec::new();
    for m in mismatches {
        let name: String = m
            .case
            .origin
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path = dir.join(format!("mismatch-{name}.json"));
        let json = serde_json::to_string_pretty(m).map_err(std::io::Error::other)?;
        std::fs::write(&path, json)?;
        paths.push(path);
    }
    Ok(paths)
}

//! `zkos replay DIR...`: validates block folders statelessly (block.rlp, witness.json,
//! chain.json beside or above), prints each transaction, checks every header field execution
//! determines and times each step. Several folders are chained: each block's parent must be
//! the one before, and its pre-state root that block's computed post-state root.
//! `--engine` picks the execution environment (default tiered, as for run), `--stats` prints
//! what it compiled, and `--repeat N` executes each block N times more, each time on a fresh
//! engine (so each run is cold: no contract compiled yet), and prints the median.

use crate::UsageError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use zkos_evm_jit::{JitEngine, Mode};
use zkos_host::blockdir::BlockDir;
use zkos_os::arena::Arena;
use zkos_os::block::Block;
use zkos_os::bootloader::ethereum::ExecutedBlock;
use zkos_os::bootloader::Bootloader;
use zkos_os::stateless::{self, StatelessError, WitnessOracle};
use zkos_os::types::SpecId;
use zkos_os::B256;

/// How `replay` executes.
struct Options {
    engine: Mode,
    stats: bool,
    /// Extra cold executions of each block, for timing.
    repeat: usize,
}

/// Parses the arguments of `replay` and runs it.
pub fn main(args: &[String]) -> Result<ExitCode, UsageError> {
    let mut dirs = Vec::new();
    let mut options = Options {
        engine: Mode::default_tiered(),
        stats: false,
        repeat: 0,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--engine" => options.engine = crate::run::engine_option(it.next())?,
            "--stats" => options.stats = true,
            "--repeat" => {
                options.repeat = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| UsageError("--repeat needs a count".into()))?
            }
            flag if flag.starts_with("--") => {
                return Err(UsageError(format!("unknown option {flag:?} for replay")))
            }
            dir => dirs.push(PathBuf::from(dir)),
        }
    }
    if dirs.is_empty() {
        return Err(UsageError("replay needs at least one block folder".into()));
    }
    crate::quiet_panics();
    let mut previous: Option<(B256, B256)> = None;
    let mut ok = true;
    for dir in &dirs {
        let outcome = catch_unwind(AssertUnwindSafe(|| replay(dir, previous, &options)));
        match outcome {
            Ok(Ok(next)) => previous = Some(next),
            Ok(Err(message)) => {
                println!("{}: INVALID: {message}", dir.display());
                ok = false;
                previous = None;
            }
            Err(p) => {
                println!(
                    "{}: PANIC: {}",
                    dir.display(),
                    zkos_host::statetest::panic_message(p.as_ref())
                );
                ok = false;
                previous = None;
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Executes the block on a new engine of `options.engine` (the bootloader's set-up is not
/// timed), adding the execution's time to `t`; prints the engine's statistics when `stats`.
#[allow(clippy::too_many_arguments)]
fn execute_on(
    options: &Options,
    stats: bool,
    t: &mut Duration,
    chain: &zkos_os::chain::ChainConfig,
    block: &Block,
    parent: &zkos_os::block::Header,
    txs: &[zkos_os::types::TxEnv],
    oracle: &WitnessOracle<'_>,
) -> Result<ExecutedBlock, StatelessError> {
    if options.engine == Mode::Interp {
        let mut boot = Bootloader::new();
        let out = timed(t, || {
            stateless::execute(&mut boot, chain, block, parent, txs, oracle)
        });
        if stats {
            crate::run::print_stats(options.engine, false, None);
        }
        return out;
    }
    let engine = JitEngine::new(options.engine, SpecId::Cancun);
    let mut boot = Bootloader::with_parts(Arena::new(), engine);
    let out = timed(t, || {
        stateless::execute(&mut boot, chain, block, parent, txs, oracle)
    });
    if stats {
        crate::run::print_stats(options.engine, false, Some(boot.ee().stats()));
    }
    out
}

/// Times `f`, adding its duration to `total`.
fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    *total += started.elapsed();
    out
}

/// Replays one folder. `previous` is the (hash, post-state root) of the block before, when
/// chaining. Returns this block's pair; `Err` says why the block is invalid.
fn replay(
    dir: &std::path::Path,
    previous: Option<(B256, B256)>,
    options: &Options,
) -> Result<(B256, B256), String> {
    let input = BlockDir::load(dir)?;
    let slices = input.witness.lend();
    let witness = slices.witness();
    let chain = &input.chain;
    let err = |e: StatelessError| e.to_string();

    let (mut t_decode, mut t_senders, mut t_witness, mut t_exec, mut t_roots) = Default::default();
    let block = timed(&mut t_decode, || Block::decode(&input.block))
        .map_err(|e| err(StatelessError::Block(e)))?;
    let h = &block.header;
    println!(
        "block {} {} ({} transactions, {} witness nodes, {} codes, {} headers)",
        h.number,
        h.hash,
        block.transactions.len(),
        witness.state.len(),
        witness.codes.len(),
        witness.headers.len()
    );
    let txs =
        timed(&mut t_senders, || block.tx_envs()).map_err(|e| err(StatelessError::Block(e)))?;
    let env = zkos_os::bootloader::ethereum::block_env(chain, h)
        .map_err(|e| err(StatelessError::Rejected(e)))?;
    println!("  fork {} (chain {})", env.spec, chain.chain_id);
    let (parent, oracle) = timed(&mut t_witness, || {
        stateless::load_witness(h.parent_hash, &witness, env, Vec::new())
    })
    .map_err(|e| err(StatelessError::Witness(e)))?;
    if let Some((prev_hash, prev_root)) = previous {
        if h.parent_hash != prev_hash {
            return Err(format!(
                "does not chain: parent hash {} but the previous block is {prev_hash}",
                h.parent_hash
            ));
        }
        if parent.state_root != prev_root {
            return Err(format!(
                "does not chain: pre-state root {} but the previous block computed {prev_root}",
                parent.state_root
            ));
        }
        println!("  chained: parent is the previous block, pre-state root is its post-state root");
    }
    let execute = |t: &mut Duration, stats: bool| {
        execute_on(options, stats, t, chain, &block, &parent, &txs, &oracle)
    };
    let executed = execute(&mut t_exec, options.stats).map_err(err)?;
    if options.repeat > 0 {
        let mut times: Vec<Duration> = (0..options.repeat)
            .map(|_| {
                let mut t = Duration::ZERO;
                // Same block, same witness: the outcome was checked on the first run.
                let _ = execute(&mut t, false);
                t
            })
            .collect();
        times.sort_unstable();
        println!(
            "  execute x{} ({:?}, each on a fresh engine): median {:.3} ms, min {:.3} ms",
            options.repeat,
            options.engine,
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3
        );
    }
    for ((i, receipt), tx) in executed
        .result
        .receipts
        .iter()
        .enumerate()
        .zip(&block.transactions)
    {
        println!(
            "  tx {i:>3} {} type {} {:<12} gas {}",
            tx.hash,
            tx.tx_type,
            crate::receipt_status(receipt),
            receipt.gas_used
        );
    }
    let root = timed(&mut t_roots, || {
        stateless::post_state_root(oracle.into_state(), &executed.result.state_diff)
    })
    .map_err(|e| err(StatelessError::Witness(e)))?;
    let mismatches = executed.mismatches(h, Some(root));
    let checks = [
        ("state_root", format!("{root}")),
        ("receipts_root", format!("{}", executed.receipts_root)),
        ("logs_bloom", "(256 bytes)".to_string()),
        ("gas_used", format!("{}", executed.result.gas_used)),
        (
            "blob_gas_used",
            format!("{}", executed.result.blob_gas_used),
        ),
        (
            "requests_hash",
            executed
                .requests_hash
                .map_or("none".into(), |r| format!("{r}")),
        ),
    ];
    for (field, computed) in checks {
        match mismatches.iter().find(|m| m.field == field) {
            None => println!("  {field:<14} ok      {computed}"),
            Some(m) => println!(
                "  {field:<14} DIFFERS header {} computed {}",
                m.header, m.computed
            ),
        }
    }
    let total = t_decode + t_senders + t_witness + t_exec + t_roots;
    let share = |d: Duration| 100.0 * d.as_secs_f64() / total.as_secs_f64().max(1e-12);
    println!(
        "  time {:.2} ms: decode {:.2} ms ({:.0}%), senders {:.2} ms ({:.0}%), witness {:.2} ms \
         ({:.0}%), execute {:.2} ms ({:.0}%), roots {:.2} ms ({:.0}%)",
        total.as_secs_f64() * 1e3,
        t_decode.as_secs_f64() * 1e3,
        share(t_decode),
        t_senders.as_secs_f64() * 1e3,
        share(t_senders),
        t_witness.as_secs_f64() * 1e3,
        share(t_witness),
        t_exec.as_secs_f64() * 1e3,
        share(t_exec),
        t_roots.as_secs_f64() * 1e3,
        share(t_roots),
    );
    if !mismatches.is_empty() {
        return Err(err(StatelessError::Mismatch(mismatches)));
    }
    let output = stateless::output(chain, &block, &parent, &executed, root);
    println!("  valid: output commitment {}", output.commitment());
    Ok((h.hash, root))
}

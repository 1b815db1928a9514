//! `zkos replay DIR...`: validates block folders statelessly (block.rlp, witness.json,
//! chain.json beside or above), prints each transaction, checks every header field execution
//! determines and times each step. Several folders are chained: each block's parent must be
//! the one before, and its pre-state root that block's computed post-state root.

use crate::UsageError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use zkos_host::blockdir::BlockDir;
use zkos_os::block::Block;
use zkos_os::bootloader::Bootloader;
use zkos_os::stateless::{self, StatelessError};
use zkos_os::B256;

/// Parses the arguments of `replay` and runs it.
pub fn main(args: &[String]) -> Result<ExitCode, UsageError> {
    let mut dirs = Vec::new();
    for arg in args {
        match arg.as_str() {
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
        let outcome = catch_unwind(AssertUnwindSafe(|| replay(dir, previous)));
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

/// Times `f`, adding its duration to `total`.
fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    *total += started.elapsed();
    out
}

/// Replays one folder. `previous` is the (hash, post-state root) of the block before, when
/// chaining. Returns this block's pair; `Err` says why the block is invalid.
fn replay(dir: &std::path::Path, previous: Option<(B256, B256)>) -> Result<(B256, B256), String> {
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
    let mut boot = Bootloader::new();
    let executed = timed(&mut t_exec, || {
        stateless::execute(&mut boot, chain, &block, &parent, &txs, &oracle)
    })
    .map_err(err)?;
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

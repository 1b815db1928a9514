//! `zkos run BLOCK.json`: executes one block and prints what happened.

use crate::UsageError;
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use zkos_host::blockjson::Block;
use zkos_host::state::logs_hash;
use zkos_host::trace::Eip3155Tracer;
use zkos_os::bootloader::Bootloader;
use zkos_os::ee::ExecutionEnvironment;
use zkos_os::oracle::InMemoryOracle;
use zkos_os::types::{BlockResult, TxReceipt, TxStatus};

/// Parses the arguments of `run` and runs it.
pub fn main(args: &[String]) -> Result<ExitCode, UsageError> {
    let mut path = None;
    let mut as_json = false;
    let mut trace = None;
    for arg in args {
        if let Some(t) = crate::trace_option(arg) {
            trace = Some(t?);
            continue;
        }
        match arg.as_str() {
            "--json" => as_json = true,
            flag if flag.starts_with("--") => {
                return Err(UsageError(format!("unknown option {flag:?} for run")))
            }
            p if path.is_none() => path = Some(p.to_string()),
            extra => return Err(UsageError(format!("unexpected argument {extra:?}"))),
        }
    }
    let path = path.ok_or_else(|| UsageError("run needs a BLOCK.json".into()))?;
    Ok(match run(&path, as_json, trace) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    })
}

/// The status of a receipt in words.
fn status(receipt: &TxReceipt) -> String {
    match &receipt.result {
        Ok(TxStatus::Success) => "success".into(),
        Ok(TxStatus::Revert) => "revert".into(),
        Ok(TxStatus::Halt(reason)) => format!("halt: {reason:?}"),
        Err(invalid) => format!("rejected: {invalid}"),
    }
}

/// Runs the block on `bootloader`, timed; a panic is an error message.
fn execute<E: ExecutionEnvironment>(
    bootloader: &mut Bootloader<E>,
    oracle: &InMemoryOracle,
) -> Result<(BlockResult, Duration), String> {
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| bootloader.run_block(oracle)));
    let elapsed = started.elapsed();
    let result = outcome.map_err(|p| {
        format!(
            "execution panicked: {}",
            zkos_host::statetest::panic_message(p.as_ref())
        )
    })?;
    Ok((result, elapsed))
}

/// Loads, executes and prints one block; with `trace`, writes its EIP-3155 trace there.
fn run(path: &str, as_json: bool, trace: Option<crate::TraceTarget>) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let block = Block::from_json_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let oracle = block.oracle();
    crate::quiet_panics();
    let (result, elapsed) = match trace {
        None => execute(&mut Bootloader::new(), &oracle)?,
        Some(target) => {
            let mut bootloader = Bootloader::with_tracer(Eip3155Tracer::json(target.open()?));
            let outcome = execute(&mut bootloader, &oracle);
            bootloader
                .tracer_mut()
                .sink_mut()
                .finish()
                .map_err(|e| format!("cannot write the trace: {e}"))?;
            outcome?
        }
    };
    if result.receipts.len() != block.txs.len() {
        eprintln!(
            "warning: {} receipts for {} transactions",
            result.receipts.len(),
            block.txs.len()
        );
    }
    let mut post = block.pre.clone();
    post.apply_diff(&result.state_diff);
    let root = post.root();

    if as_json {
        let receipts: Vec<Value> = result
            .receipts
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "index": i,
                    "status": status(r),
                    "gasUsed": r.gas_used,
                    "cumulativeGasUsed": r.cumulative_gas_used,
                    "createdAddress": r.created_address.map(|a| format!("{a:#x}")),
                    "output": r.output.to_string(),
                    "logs": r.logs.iter().map(|l| json!({
                        "address": format!("{:#x}", l.address),
                        "topics": l.topics.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
                        "data": l.data.to_string(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let out = json!({
            "receipts": receipts,
            "stateRoot": root.to_string(),
            "logsHash": logs_hash(result.receipts.iter().flat_map(|r| &r.logs)).to_string(),
            "gasUsed": result.gas_used,
            "blobGasUsed": result.blob_gas_used,
            "executionNanos": elapsed.as_nanos() as u64,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }

    for (i, r) in result.receipts.iter().enumerate() {
        println!("tx {i}: {}, gas used {}", status(r), r.gas_used);
        if let Some(created) = r.created_address {
            println!("  created {created:#x}");
        } else if !r.output.is_empty() {
            println!("  output {}", r.output);
        }
        for (j, log) in r.logs.iter().enumerate() {
            println!("  log {j}: address {:#x}", log.address);
            for topic in &log.topics {
                println!("    topic {topic}");
            }
            println!("    data {}", log.data);
        }
    }
    println!("state root: {root}");
    println!("block gas used: {}", result.gas_used);
    println!("execution time: {elapsed:?}");
    Ok(())
}

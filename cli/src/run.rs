//! `zkos run BLOCK.json`: executes one block and prints what happened.

use crate::UsageError;
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use zkos_evm_jit::{JitEngine, JitStats, Mode};
use zkos_host::blockjson::Block;
use zkos_host::state::logs_hash;
use zkos_host::trace::Eip3155Tracer;
use zkos_host::witness_builder::{self, BlockRunner};
use zkos_os::arena::Arena;
use zkos_os::bootloader::Bootloader;
use zkos_os::ee::ExecutionEnvironment;
use zkos_os::oracle::{InMemoryOracle, Oracle};
use zkos_os::types::{BlockResult, SpecId};
use zkos_os::B256;

/// What `run` was asked to do besides executing.
struct Extras {
    /// `--witness FILE`: write the block's minimal witness there.
    witness: Option<String>,
    /// `--stateless`: run the block again over that witness alone and compare roots.
    stateless: bool,
    /// `--engine`: the interpreter, the JIT or the tiered engine (the default).
    engine: Mode,
    /// `--stats`: print what the JIT compiled and ran.
    stats: bool,
}

impl Default for Extras {
    fn default() -> Extras {
        Extras {
            witness: None,
            stateless: false,
            engine: Mode::default_tiered(),
            stats: false,
        }
    }
}

/// The value of `--engine` (shared by run and replay).
pub(crate) fn engine_option(name: Option<&String>) -> Result<Mode, UsageError> {
    let name = name.ok_or_else(|| UsageError("--engine needs interp, jit or tiered".into()))?;
    Mode::parse(name)
        .ok_or_else(|| UsageError(format!("unknown engine {name:?} (interp, jit or tiered)")))
}

/// Parses the arguments of `run` and runs it.
pub fn main(args: &[String]) -> Result<ExitCode, UsageError> {
    let mut path = None;
    let mut as_json = false;
    let mut trace = None;
    let mut extras = Extras::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(t) = crate::trace_option(arg) {
            trace = Some(t?);
            continue;
        }
        match arg.as_str() {
            "--json" => as_json = true,
            "--stateless" => extras.stateless = true,
            "--stats" => extras.stats = true,
            "--engine" => extras.engine = engine_option(it.next())?,
            "--witness" => {
                let file = it
                    .next()
                    .ok_or_else(|| UsageError("--witness needs a file name".into()))?;
                extras.witness = Some(file.clone());
            }
            flag if flag.starts_with("--") => {
                return Err(UsageError(format!("unknown option {flag:?} for run")))
            }
            p if path.is_none() => path = Some(p.to_string()),
            extra => return Err(UsageError(format!("unexpected argument {extra:?}"))),
        }
    }
    let path = path.ok_or_else(|| UsageError("run needs a BLOCK.json".into()))?;
    Ok(match run(&path, as_json, trace, &extras) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    })
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

/// A bootloader whose panics are error messages: the witness builder's runner.
pub(crate) struct Guarded(pub(crate) Bootloader);

impl BlockRunner for Guarded {
    fn run<O: Oracle>(&mut self, oracle: &O) -> Result<BlockResult, String> {
        catch_unwind(AssertUnwindSafe(|| self.0.run_block(oracle))).map_err(|p| {
            format!(
                "execution panicked: {}",
                zkos_host::statetest::panic_message(p.as_ref())
            )
        })
    }
}

/// What the witness path gave: the witness's size and the root computed in `os` from it
/// alone (`None` when only the witness was asked for).
struct WitnessPath {
    nodes: usize,
    codes: usize,
    keys: usize,
    stateless_root: Option<B256>,
}

/// Builds the block's minimal witness from its pre-state, writes it if asked, and runs the
/// block over it alone if asked.
fn witness_path(block: &Block, extras: &Extras) -> Result<WitnessPath, String> {
    let mut runner = Guarded(Bootloader::new());
    let (input, built) = witness_builder::witness_of_json_block(block, &mut runner)?;
    if let Some(file) = &extras.witness {
        let text = serde_json::to_string_pretty(&built.witness.to_json())
            .map_err(|e| format!("cannot encode the witness: {e}"))?;
        std::fs::write(file, text + "\n").map_err(|e| format!("cannot write {file}: {e}"))?;
    }
    let stateless_root = if extras.stateless {
        let run = witness_builder::run_stateless(&built.witness, &input, &mut runner)
            .map_err(|e| format!("stateless run: {e}"))?;
        Some(run.output.post_state_root)
    } else {
        None
    };
    Ok(WitnessPath {
        nodes: built.witness.state.len(),
        codes: built.witness.codes.len(),
        keys: built.witness.keys.len(),
        stateless_root,
    })
}

/// Loads, executes and prints one block; with `trace`, writes its EIP-3155 trace there.
fn run(
    path: &str,
    as_json: bool,
    trace: Option<crate::TraceTarget>,
    extras: &Extras,
) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let block = Block::from_json_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let oracle = block.oracle();
    crate::quiet_panics();
    let trace_used = trace.is_some();
    let mut stats = None;
    let (result, elapsed) = match trace {
        None if extras.engine == Mode::Interp => execute(&mut Bootloader::new(), &oracle)?,
        None => {
            let engine = JitEngine::new(extras.engine, SpecId::Cancun);
            let mut bootloader = Bootloader::with_parts(Arena::new(), engine);
            let outcome = execute(&mut bootloader, &oracle)?;
            stats = Some(bootloader.ee().stats());
            outcome
        }
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
    let witness = if extras.stateless || extras.witness.is_some() {
        Some(witness_path(&block, extras)?)
    } else {
        None
    };
    let stateless_root = witness.as_ref().and_then(|w| w.stateless_root);
    let verdict = match stateless_root {
        Some(os) if os != root => Err(format!(
            "the stateless state root {os} differs from the stateful {root}"
        )),
        _ => Ok(()),
    };

    if as_json {
        let receipts: Vec<Value> = result
            .receipts
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "index": i,
                    "status": crate::receipt_status(r),
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
        let mut out = out;
        if let (Some(w), Value::Object(map)) = (&witness, &mut out) {
            map.insert(
                "witness".into(),
                json!({"nodes": w.nodes, "codes": w.codes, "keys": w.keys}),
            );
            if let Some(os) = w.stateless_root {
                map.insert("statelessStateRoot".into(), Value::String(os.to_string()));
            }
        }
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return verdict;
    }

    for (i, r) in result.receipts.iter().enumerate() {
        println!(
            "tx {i}: {}, gas used {}",
            crate::receipt_status(r),
            r.gas_used
        );
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
    if let Some(w) = &witness {
        let size = format!("{} nodes, {} codes, {} keys", w.nodes, w.codes, w.keys);
        if let Some(file) = &extras.witness {
            println!("witness: {file} ({size})");
        }
        if let Some(os) = w.stateless_root {
            let same = if os == root { "the same" } else { "DIFFERENT" };
            println!("stateless state root: {os} ({same}, from a witness of {size})");
        }
    }
    println!("block gas used: {}", result.gas_used);
    println!("execution time: {elapsed:?}");
    if extras.stats {
        print_stats(extras.engine, trace_used, stats);
    }
    verdict
}

/// `--stats`: what the engine compiled and ran.
pub(crate) fn print_stats(mode: Mode, traced: bool, stats: Option<JitStats>) {
    let Some(s) = stats else {
        let why = if traced {
            "tracing interprets"
        } else {
            "interpreter"
        };
        println!("engine: {mode:?} ({why}; nothing compiled)");
        return;
    };
    println!("engine: {mode:?}");
    println!(
        "  compiled: {} ({} bytes of bytecode, {} bytes of machine code, {:?})",
        s.compiled, s.compiled_bytes, s.machine_bytes, s.compile_time
    );
    println!(
        "  frames: {} compiled, {} interpreted; fallbacks: {}; evicted: {}",
        s.jit_frames, s.interpreted_frames, s.fallbacks, s.evicted
    );
}

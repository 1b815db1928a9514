//! EIP-3155 traces of a case on each engine, and the first step where two traces part: what
//! a person needs to see first when two engines disagree.

use crate::case::Case;
use crate::engines::revm::{clear_touched_empty, database, environment};
use alloy_primitives::U256;
use revm::context::{ContextTr, JournalTr};
use revm::inspector::inspectors::TracerEip3155;
use revm::interpreter::interpreter_types::{Jumps, MemoryTr};
use revm::interpreter::Interpreter;
use revm::{Context, InspectCommitEvm, Inspector, MainBuilder, MainContext};
use serde_json::Value;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use zkos_host::trace::Eip3155Tracer;
use zkos_os::bootloader::Bootloader;

/// A writer the tracer can own (`'static`) while the caller keeps the bytes.
#[derive(Clone, Default)]
struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// revm's EIP-3155 trace of the case (its own tracer), as JSON lines per transaction.
pub fn revm_json(case: &Case) -> Result<Vec<String>, String> {
    let buf = SharedBuf::default();
    let spec = case.spec()?;
    let (cfg, block, txs) = environment(case)?;
    let mut evm = Context::mainnet()
        .with_db(database(case)?)
        .with_cfg(cfg)
        .with_block(block)
        .build_mainnet_with_inspector(TracerEip3155::new(Box::new(buf.clone())));
    let mut per_tx = Vec::with_capacity(txs.len());
    for tx in txs {
        let _ = evm.inspect_tx_commit(tx);
        clear_touched_empty(&mut evm.ctx.journaled_state.database, spec);
        let mut bytes = buf.0.borrow_mut();
        per_tx.push(String::from_utf8_lossy(&bytes).into_owned());
        bytes.clear();
    }
    Ok(per_tx)
}

/// Records revm's steps as [`Step`]s directly, with the values revm's EIP-3155 tracer prints
/// (pc, opcode, gas left, stack and memory size before the instruction, the journal's depth
/// after it): the JSON round trip costs more than the run, and a runaway loop traces
/// millions of steps.
#[derive(Default)]
struct StepRecorder {
    tx: usize,
    current: Option<Step>,
    steps: Vec<Step>,
}

impl<CTX: ContextTr> Inspector<CTX> for StepRecorder {
    fn step(&mut self, interp: &mut Interpreter, _: &mut CTX) {
        self.current = Some(Step {
            tx: self.tx,
            depth: 0,
            pc: interp.bytecode.pc() as u64,
            op: interp.bytecode.opcode() as u64,
            gas: interp.gas.remaining(),
            stack: interp.stack.data().to_vec(),
            mem_size: interp.memory.size() as u64,
        });
    }

    fn step_end(&mut self, _: &mut Interpreter, context: &mut CTX) {
        if let Some(mut step) = self.current.take() {
            step.depth = context.journal_mut().depth() as u64;
            self.steps.push(step);
        }
    }
}

/// revm's trace of the case as steps (the same steps as parsing [`revm_json`]).
pub fn revm_steps(case: &Case) -> Result<Vec<Step>, String> {
    let spec = case.spec()?;
    let (cfg, block, txs) = environment(case)?;
    let mut evm = Context::mainnet()
        .with_db(database(case)?)
        .with_cfg(cfg)
        .with_block(block)
        .build_mainnet_with_inspector(StepRecorder::default());
    for (i, tx) in txs.into_iter().enumerate() {
        evm.inspector.tx = i;
        let _ = evm.inspect_tx_commit(tx);
        clear_touched_empty(&mut evm.ctx.journaled_state.database, spec);
    }
    Ok(std::mem::take(&mut evm.inspector.steps))
}

/// revm's trace of the case through its own EIP-3155 tracer, parsed: what [`revm_steps`]
/// must equal (a check of the recorder).
pub fn revm_steps_via_json(case: &Case) -> Result<Vec<Step>, String> {
    Ok(revm_json(case)?
        .iter()
        .enumerate()
        .flat_map(|(tx, text)| steps(text, tx))
        .collect())
}

/// zkos's EIP-3155 trace of the case as JSON lines (the interpreter with the JSON tracer).
pub fn zkos_json(case: &Case, out: impl Write) -> Result<(), String> {
    let oracle = case.oracle()?;
    let mut boot = Bootloader::with_tracer(Eip3155Tracer::json(out));
    boot.run_block(&oracle);
    boot.tracer_mut()
        .sink_mut()
        .finish()
        .map_err(|e| e.to_string())
}

/// zkos's trace of the case as steps (recorded in memory, no JSON in between).
pub fn zkos_steps(case: &Case) -> Result<Vec<Step>, String> {
    let oracle = case.oracle()?;
    let mut boot = Bootloader::with_tracer(Eip3155Tracer::memory());
    boot.run_block(&oracle);
    let recorded = boot.tracer_mut().sink_mut().take();
    Ok(recorded
        .steps
        .into_iter()
        .map(|s| Step {
            tx: s.tx,
            depth: s.depth as u64,
            pc: s.pc as u64,
            op: s.op as u64,
            gas: s.gas,
            stack: s.stack,
            mem_size: s.mem_size as u64,
        })
        .collect())
}

/// One instruction of a trace, as far as engines must agree on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Which transaction of the block (0-based).
    pub tx: usize,
    pub depth: u64,
    pub pc: u64,
    pub op: u64,
    pub gas: u64,
    pub stack: Vec<U256>,
    pub mem_size: u64,
}

fn number(v: Option<&Value>) -> u64 {
    match v {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(u64::MAX),
        Some(Value::String(s)) => {
            let s = s.trim_start_matches("0x");
            u64::from_str_radix(s, 16).unwrap_or(u64::MAX)
        }
        _ => u64::MAX,
    }
}

/// The instruction lines of transaction `tx`'s trace; summary lines and anything unparsable
/// are skipped.
pub fn steps(trace: &str, tx: usize) -> Vec<Step> {
    trace
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|v| v.get("pc").is_some())
        .map(|v| Step {
            tx,
            depth: number(v.get("depth")),
            pc: number(v.get("pc")),
            op: number(v.get("op")),
            gas: number(v.get("gas")),
            stack: v
                .get("stack")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .map(|s| {
                            s.as_str()
                                .and_then(|s| s.parse::<U256>().ok())
                                .unwrap_or(U256::MAX)
                        })
                        .collect()
                })
                .unwrap_or_default(),
            mem_size: number(v.get("memSize")),
        })
        .collect()
}

/// The last instruction transaction `tx` executed, in a trace's steps.
pub fn last_of_tx(steps: &[Step], tx: usize) -> Option<&Step> {
    steps.iter().rev().find(|s| s.tx == tx)
}

/// Where two traces first differ: the step index and each side's step there (`None` when
/// that trace has already ended).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub index: usize,
    pub left: Option<Step>,
    pub right: Option<Step>,
    /// The step before, common to both (context for the reader).
    pub previous: Option<Step>,
}

/// The first step where `left` and `right` differ, or `None` when they are the same.
pub fn first_divergence(left: &[Step], right: &[Step]) -> Option<Divergence> {
    let n = left.len().max(right.len());
    (0..n).find_map(|i| {
        let (l, r) = (left.get(i), right.get(i));
        (l != r).then(|| Divergence {
            index: i,
            left: l.cloned(),
            right: r.cloned(),
            previous: i.checked_sub(1).and_then(|p| left.get(p).cloned()),
        })
    })
}

fn show(step: &Option<Step>) -> String {
    match step {
        None => "(trace ended)".to_string(),
        Some(s) => format!(
            "tx {} depth {} pc {} op 0x{:02x} gas {} memSize {} stack [{}]",
            s.tx,
            s.depth,
            s.pc,
            s.op,
            s.gas,
            s.mem_size,
            s.stack
                .iter()
                .map(|w| format!("{w:#x}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "traces part at step {}", self.index)?;
        if self.previous.is_some() {
            writeln!(f, "  before: {}", show(&self.previous))?;
        }
        writeln!(f, "  left:   {}", show(&self.left))?;
        write!(f, "  right:  {}", show(&self.right))
    }
}

//! EIP-3155 traces of the EVM interpreter: one record per executed instruction and one
//! summary per transaction, as JSON lines (to compare with geth's or revm's traces) or as
//! records in memory (for a differential harness, without parsing JSON back).
//!
//! [`Eip3155Tracer`] implements [`zkos_os::evm::tracer::Tracer`] and does the EIP's
//! bookkeeping once: the interpreter reports the gas *before* each instruction, and the
//! tracer holds each step back until the next step of the same frame, or the frame's exit,
//! tells it the instruction's `gasCost` (see the interpreter's side in
//! [`zkos_os::evm::tracer`], including its one known limitation). A [`TraceSink`] receives the
//! finished records: [`JsonLines`] writes them, [`Recorder`] keeps them.
//!
//! ```no_run
//! use zkos_host::trace::Eip3155Tracer;
//! use zkos_os::bootloader::Bootloader;
//! # let oracle: zkos_os::oracle::InMemoryOracle = unimplemented!();
//! let mut boot = Bootloader::with_tracer(Eip3155Tracer::memory());
//! let result = boot.run_block(&oracle);
//! let recorded = boot.tracer_mut().sink_mut().take();
//! for step in &recorded.steps {
//!     println!("tx {} pc {} {} gas {} cost {}", step.tx, step.pc, step.op_name(), step.gas, step.gas_cost);
//! }
//! # let _ = result;
//! ```
//!
//! Field conventions (EIP-3155, as geth prints them): `pc`, `op`, `depth`, `memSize` and
//! `refund` are JSON numbers; `gas`, `gasCost`, `gasUsed` and stack words are hex numbers
//! (`"0x0"` for zero); `output`, `returnData` and `memory` are hex strings. For a step that
//! halts exceptionally `gasCost` is all the gas the frame had before it (a halt consumes it)
//! and `error` names the halt. Rejected transactions (never executed) get no summary line, as
//! in revm; [`Recorder`] keeps a summary for them anyway, marked by its `result`.

use alloy_primitives::{Bytes, B256, U256};
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::time::Instant;
use zkos_os::ee::FrameExit;
use zkos_os::evm::opcodes::op_name;
use zkos_os::evm::tracer::{FrameEnd, Step, Tracer};
use zkos_os::types::{HaltReason, InvalidTx, SpecId, TxReceipt, TxStatus};

/// One executed instruction, with its cost known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceStep {
    /// Index of the transaction in its block.
    pub tx: usize,
    /// Offset of the instruction in its frame's code.
    pub pc: usize,
    /// The opcode byte as deployed.
    pub op: u8,
    /// Gas left before the instruction.
    pub gas: u64,
    /// Gas the instruction consumed, including the gas it handed to a child frame (CALL,
    /// CREATE and the like); for a halting step, all the gas the frame had.
    pub gas_cost: u64,
    /// The operand stack before the instruction, bottom first.
    pub stack: Vec<U256>,
    /// EIP-3155 depth: 1 for the transaction's frame.
    pub depth: usize,
    /// Memory size in bytes before the instruction.
    pub mem_size: usize,
    /// Memory contents before the instruction, when the tracer was asked to keep them
    /// ([`Eip3155Tracer::with_memory`]): copying memory at every step is costly.
    pub memory: Option<Vec<u8>>,
    /// The output of the frame's last finished child.
    pub return_data: Vec<u8>,
    /// The transaction's refund counter before the instruction.
    pub refund: i64,
    /// The exceptional halt this instruction caused, if any.
    pub error: Option<HaltReason>,
}

impl TraceStep {
    /// The opcode's mnemonic (EIP-3155's `opName`).
    pub fn op_name(&self) -> &'static str {
        op_name(self.op)
    }
}

/// The end of one transaction: EIP-3155's summary line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxSummary {
    /// Index of the transaction in its block.
    pub tx: usize,
    /// The state root after the transaction, when the caller knows it (the bootloader
    /// computes no root mid-block; the state-test runner fills it in).
    pub state_root: Option<B256>,
    /// What the transaction returned (or reverted with).
    pub output: Bytes,
    /// Gas charged to the sender, after refunds.
    pub gas_used: u64,
    /// How the transaction ended, or why it was rejected.
    pub result: Result<TxStatus, InvalidTx>,
    /// Nanoseconds from the transaction's start to its receipt (tracing included).
    pub time_ns: Option<u128>,
    /// The fork whose rules applied.
    pub fork: SpecId,
}

impl TxSummary {
    /// The summary of transaction `tx` from its receipt.
    pub fn from_receipt(tx: usize, receipt: &TxReceipt, fork: SpecId) -> TxSummary {
        TxSummary {
            tx,
            state_root: None,
            output: receipt.output.clone(),
            gas_used: receipt.gas_used,
            result: receipt.result.clone(),
            time_ns: None,
            fork,
        }
    }

    /// EIP-3155's `pass`: the transaction executed successfully.
    pub fn pass(&self) -> bool {
        self.result == Ok(TxStatus::Success)
    }
}

/// Where an [`Eip3155Tracer`] delivers finished records.
pub trait TraceSink {
    /// An instruction, with its cost and error known.
    fn step(&mut self, step: &TraceStep);
    /// A transaction ended (every transaction of the block, rejected ones included).
    fn summary(&mut self, summary: &TxSummary);
}

/// The EIP-3155 tracer: turns the interpreter's hooks into [`TraceStep`]s and
/// [`TxSummary`]s for its sink.
#[derive(Debug)]
pub struct Eip3155Tracer<S> {
    sink: S,
    /// The last instruction seen, waiting for its cost (valid when `held` is set). Kept
    /// across steps so its buffers are reused.
    last: TraceStep,
    held: bool,
    keep_memory: bool,
    tx: usize,
    started: Option<Instant>,
}

impl<S: TraceSink> Eip3155Tracer<S> {
    /// A tracer delivering to `sink`.
    pub fn new(sink: S) -> Self {
        Eip3155Tracer {
            sink,
            last: TraceStep::default(),
            held: false,
            keep_memory: false,
            tx: 0,
            started: None,
        }
    }

    /// Also records the memory at every step (EIP-3155's optional `memory`).
    pub fn with_memory(mut self) -> Self {
        self.keep_memory = true;
        self
    }

    /// The sink, to read what it received.
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// The sink, to take its records or write to it between blocks.
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// Gives the sink back.
    pub fn into_sink(self) -> S {
        self.sink
    }

    /// Hands the held step to the sink with the gas left after it.
    fn release(&mut self, gas_after: u64, error: Option<HaltReason>) {
        if self.held {
            self.held = false;
            self.last.gas_cost = self.last.gas.saturating_sub(gas_after);
            self.last.error = error;
            self.sink.step(&self.last);
        }
    }
}

impl<W: Write> Eip3155Tracer<JsonLines<W>> {
    /// A tracer writing JSON lines to `out` (buffered), with a summary line per executed
    /// transaction.
    pub fn json(out: W) -> Self {
        Eip3155Tracer::new(JsonLines::new(out))
    }
}

impl Eip3155Tracer<Recorder> {
    /// A tracer keeping every record in memory.
    pub fn memory() -> Self {
        Eip3155Tracer::new(Recorder::default())
    }
}

impl<S: TraceSink> Tracer for Eip3155Tracer<S> {
    fn step(&mut self, step: &Step<'_>) {
        // The next instruction of the same frame: the held one cost the difference.
        self.release(step.gas, None);
        let last = &mut self.last;
        last.tx = self.tx;
        last.pc = step.pc;
        last.op = step.op;
        last.gas = step.gas;
        last.stack.clear();
        last.stack.extend_from_slice(step.stack);
        last.depth = step.depth;
        last.mem_size = step.memory.len();
        last.memory = self.keep_memory.then(|| step.memory.to_vec());
        last.return_data.clear();
        last.return_data.extend_from_slice(step.return_data);
        last.refund = step.refund;
        self.held = true;
    }

    fn frame_exit(&mut self, end: &FrameEnd<'_>) {
        let error = match end.exit {
            FrameExit::Halt(reason) => Some(*reason),
            _ => None,
        };
        self.release(end.gas_left, error);
    }

    fn tx_start(&mut self, index: usize) {
        self.tx = index;
        self.held = false;
        self.started = Some(Instant::now());
    }

    fn tx_end(&mut self, index: usize, receipt: &TxReceipt, spec: SpecId) {
        // Every frame exits before its transaction ends; nothing should be held here.
        self.release(self.last.gas, None);
        let mut summary = TxSummary::from_receipt(index, receipt, spec);
        summary.time_ns = self.started.take().map(|t| t.elapsed().as_nanos());
        self.sink.summary(&summary);
    }
}

/// Records kept in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorder {
    /// Every executed instruction, in order, each tagged with its transaction.
    pub steps: Vec<TraceStep>,
    /// One per transaction of the block, in order.
    pub summaries: Vec<TxSummary>,
}

impl Recorder {
    /// Takes the records so far, leaving the recorder empty (for the next block).
    pub fn take(&mut self) -> Recorder {
        std::mem::take(self)
    }
}

impl TraceSink for Recorder {
    fn step(&mut self, step: &TraceStep) {
        self.steps.push(step.clone());
    }

    fn summary(&mut self, summary: &TxSummary) {
        self.summaries.push(summary.clone());
    }
}

/// JSON lines to a writer. A write error stops the output (the run goes on); it is kept for
/// [`JsonLines::finish`], so a full disk never panics the tool nor goes unnoticed.
#[derive(Debug)]
pub struct JsonLines<W: Write> {
    out: BufWriter<W>,
    summaries: bool,
    error: Option<io::Error>,
    line: String,
}

impl<W: Write> JsonLines<W> {
    /// Lines to `out`, buffered, with automatic summary lines.
    pub fn new(out: W) -> Self {
        JsonLines {
            out: BufWriter::new(out),
            summaries: true,
            error: None,
            line: String::new(),
        }
    }

    /// No automatic summary lines: the caller writes them with [`Self::write_summary`] when
    /// it knows more (the state-test runner adds the state root).
    pub fn without_summaries(mut self) -> Self {
        self.summaries = false;
        self
    }

    /// Writes a summary line (in order with the step lines).
    pub fn write_summary(&mut self, summary: &TxSummary) {
        self.line.clear();
        summary_json(summary, &mut self.line);
        self.emit();
    }

    /// Flushes, and reports the first write error since the last call.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()
    }

    fn emit(&mut self) {
        if self.error.is_some() {
            return;
        }
        self.line.push('\n');
        if let Err(e) = self.out.write_all(self.line.as_bytes()) {
            self.error = Some(e);
        }
    }
}

impl<W: Write> TraceSink for JsonLines<W> {
    fn step(&mut self, step: &TraceStep) {
        self.line.clear();
        step_json(step, &mut self.line);
        self.emit();
    }

    fn summary(&mut self, summary: &TxSummary) {
        if self.summaries && summary.result.is_ok() {
            self.write_summary(summary);
        }
    }
}

fn hex_bytes(out: &mut String, bytes: &[u8]) {
    out.push_str("0x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

/// The EIP-3155 line of a step (without the newline), fields in the order geth prints them.
pub fn step_json(s: &TraceStep, out: &mut String) {
    let _ = write!(
        out,
        r#"{{"pc":{},"op":{},"gas":"{:#x}","gasCost":"{:#x}","#,
        s.pc, s.op, s.gas, s.gas_cost
    );
    if let Some(memory) = &s.memory {
        out.push_str(r#""memory":""#);
        hex_bytes(out, memory);
        out.push_str("\",");
    }
    let _ = write!(out, r#""memSize":{},"stack":["#, s.mem_size);
    for (i, w) in s.stack.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{w:#x}\"");
    }
    out.push_str(r#"],"returnData":""#);
    hex_bytes(out, &s.return_data);
    let _ = write!(
        out,
        r#"","depth":{},"refund":{},"opName":"{}""#,
        s.depth,
        s.refund,
        s.op_name()
    );
    if let Some(e) = s.error {
        let _ = write!(out, r#","error":"{e:?}""#);
    }
    out.push('}');
}

/// The EIP-3155 summary line (without the newline). Besides the EIP's fields it carries
/// `"error"` for a transaction that halted or was rejected, so a failed run says why.
pub fn summary_json(s: &TxSummary, out: &mut String) {
    out.push('{');
    if let Some(root) = s.state_root {
        let _ = write!(out, r#""stateRoot":"{root}","#);
    }
    out.push_str(r#""output":""#);
    hex_bytes(out, &s.output);
    let _ = write!(
        out,
        r#"","gasUsed":"{:#x}","pass":{}"#,
        s.gas_used,
        s.pass()
    );
    if let Some(t) = s.time_ns {
        let _ = write!(out, r#","time":{t}"#);
    }
    let _ = write!(out, r#","fork":"{}""#, s.fork.name());
    let error = match &s.result {
        Ok(TxStatus::Halt(reason)) => Some(format!("{reason:?}")),
        Err(invalid) => Some(invalid.to_string()),
        Ok(_) => None,
    };
    if let Some(e) = error {
        // Through serde_json: the rejection text is free-form.
        let _ = write!(out, r#","error":{}"#, serde_json::Value::String(e));
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> TraceStep {
        TraceStep {
            tx: 0,
            pc: 2,
            op: 0x01,
            gas: 0x2540be3fd,
            gas_cost: 3,
            stack: vec![U256::from(1u8), U256::ZERO, U256::MAX],
            depth: 1,
            mem_size: 64,
            memory: None,
            return_data: vec![0xab, 0x01],
            refund: 4800,
            error: None,
        }
    }

    #[test]
    fn step_line_has_the_eip_fields_and_types() {
        let mut line = String::new();
        step_json(&step(), &mut line);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["pc"], 2);
        assert_eq!(v["op"], 1);
        assert_eq!(v["gas"], "0x2540be3fd");
        assert_eq!(v["gasCost"], "0x3");
        assert_eq!(v["memSize"], 64);
        let max = format!("0x{}", "f".repeat(64));
        assert_eq!(v["stack"], serde_json::json!(["0x1", "0x0", max]));
        assert_eq!(v["returnData"], "0xab01");
        assert_eq!(v["depth"], 1);
        assert_eq!(v["refund"], 4800);
        assert_eq!(v["opName"], "ADD");
        assert!(v.get("error").is_none() && v.get("memory").is_none());
        // Field order as geth prints it.
        let keys = [
            "\"pc\"",
            "\"op\"",
            "\"gas\"",
            "\"gasCost\"",
            "\"memSize\"",
            "\"stack\"",
            "\"returnData\"",
            "\"depth\"",
            "\"refund\"",
            "\"opName\"",
        ];
        let at: Vec<usize> = keys.iter().map(|k| line.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{line}");
    }

    #[test]
    fn halting_step_and_memory() {
        let mut s = step();
        s.error = Some(HaltReason::OutOfGas);
        s.memory = Some(vec![0; 2]);
        s.stack.clear();
        let mut line = String::new();
        step_json(&s, &mut line);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["error"], "OutOfGas");
        assert_eq!(v["memory"], "0x0000");
        assert_eq!(v["stack"], serde_json::json!([]));
    }

    #[test]
    fn summary_line() {
        let mut s = TxSummary {
            tx: 0,
            state_root: None,
            output: Bytes::from(vec![0x40]),
            gas_used: 0x515c,
            result: Ok(TxStatus::Success),
            time_ns: Some(1234),
            fork: SpecId::Cancun,
        };
        let mut line = String::new();
        summary_json(&s, &mut line);
        assert_eq!(
            line,
            r#"{"output":"0x40","gasUsed":"0x515c","pass":true,"time":1234,"fork":"Cancun"}"#
        );
        s.state_root = Some(B256::repeat_byte(0x11));
        s.result = Ok(TxStatus::Halt(HaltReason::StackUnderflow));
        s.time_ns = None;
        line.clear();
        summary_json(&s, &mut line);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["stateRoot"], format!("0x{}", "11".repeat(32)));
        assert_eq!(v["pass"], false);
        assert_eq!(v["error"], "StackUnderflow");
        assert!(v.get("time").is_none());
    }

    /// A writer that fails: the tracer must keep going and report it, never panic.
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::other("disk full"))
        }
    }

    #[test]
    fn a_failing_writer_is_reported_not_fatal() {
        let mut sink = JsonLines {
            out: BufWriter::with_capacity(1, Broken),
            summaries: true,
            error: None,
            line: String::new(),
        };
        for _ in 0..3 {
            sink.step(&step());
        }
        assert!(sink.finish().is_err());
    }
}

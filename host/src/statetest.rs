//! The runner for Ethereum GeneralStateTests (`../shared/ethtests`): the conformance check of
//! the EVM against the reference clients.
//!
//! Each file maps case names to `{env, pre, transaction, post}`; `post[fork]` lists expected
//! outcomes, one per combination of the transaction's `data`/`gasLimit`/`value` indexes. For
//! each we run a one-transaction block, rebuild the post state from the block's diff, do what
//! geth's runner does afterwards (touch the coinbase) and compare the state root and logs hash.
//!
//! Robustness is part of the job: a broken file, a panic or an unknown fork is one failure
//! line naming the file and field, never the end of the run.

use crate::envjson;
use crate::guest::{commitment_words, env_tape, Guest};
use crate::hexjson::{self, ErrorKind, FieldError, FieldResult};
use crate::skips::SkipList;
use crate::state::{logs_hash, State};
use crate::trace::{Eip3155Tracer, JsonLines, TxSummary};
use crate::witness_builder::{self, BlockRunner, EnvBlock, PreState};
use alloy_primitives::{Bytes, B256, U256};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::cell::OnceCell;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use zkos_evm_jit::cache::DEFAULT_LIMIT;
use zkos_evm_jit::{CodeCache, JitEngine, Mode};
use zkos_os::arena::Arena;
use zkos_os::bootloader::Bootloader;
use zkos_os::ee::ExecutionEnvironment;
use zkos_os::evm::EvmInterpreter;
use zkos_os::oracle::{InMemoryOracle, Oracle};
use zkos_os::types::{BlobParams, BlockEnv, BlockResult, SpecId, TxEnv};
use zkos_riscv_guest::{failure_words, Failure as GuestFailure};

/// What to run and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only these forks; `None` runs every fork a file names (unknown names count as
    /// unsupported).
    pub forks: Option<Vec<SpecId>>,
    /// Only files whose path, or cases whose name, contains this text.
    pub filter: Option<String>,
    /// Known failures not to run.
    pub skips: SkipList,
    /// Machine-readable output was asked for (the runner itself does not print; the caller
    /// uses [`Summary::to_json`]).
    pub json: bool,
    /// Keep our post state of every run entry in [`Summary::dumps`], to debug a root mismatch
    /// (the test files hold only the expected root, not the expected state).
    pub dump: bool,
    /// Write an EIP-3155 trace of every entry run here: its instruction lines, then a summary
    /// line with our post-state root. Tracing runs the files one at a time, so that the lines
    /// of one entry stay together; meant for a case or two (`filter`).
    pub trace: Option<TraceOutput>,
    /// Run every entry through the witness path instead: build the minimal witness from the
    /// pre-state ([`crate::witness_builder`]), then execute over a fresh state holding only
    /// that witness, apply the diff and compute the root in `os`.
    pub stateless: bool,
    /// With [`Self::stateless`]: also run every entry in this guest on the simulator (an env
    /// tape of the same block and witness) and require its output to equal the host's
    /// commitment. The cycles add up in [`Summary::guest`].
    pub guest: Option<Arc<Guest>>,
    /// The engine that executes (the interpreter by default; tracing always interprets).
    pub engine: Mode,
}

/// A trace destination shared by the runner's threads; remembers the first write error so
/// the caller can report it ([`TraceOutput::error`]) instead of losing the trace silently.
#[derive(Clone)]
pub struct TraceOutput(Arc<Mutex<TraceState>>);

struct TraceState {
    out: Box<dyn Write + Send>,
    error: Option<String>,
}

impl TraceOutput {
    /// Traces to `out` (the runner buffers; `out` need not).
    pub fn new(out: Box<dyn Write + Send>) -> TraceOutput {
        TraceOutput(Arc::new(Mutex::new(TraceState { out, error: None })))
    }

    /// The first write error, if any.
    pub fn error(&self) -> Option<String> {
        self.0.lock().ok().and_then(|s| s.error.clone())
    }

    fn same(&self, other: &TraceOutput) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    fn record(&self, result: io::Result<()>) -> io::Result<()> {
        if let (Err(e), Ok(mut state)) = (&result, self.0.lock()) {
            state.error.get_or_insert_with(|| e.to_string());
        }
        result
    }
}

impl Write for TraceOutput {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let result = match self.0.lock() {
            Ok(mut state) => state.out.write(data),
            Err(_) => Err(io::Error::other("trace output poisoned by a panic")),
        };
        match result {
            Ok(n) => Ok(n),
            Err(e) => self.record(Err(e)).map(|_| 0),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = match self.0.lock() {
            Ok(mut state) => state.out.flush(),
            Err(_) => Err(io::Error::other("trace output poisoned by a panic")),
        };
        self.record(result)
    }
}

impl fmt::Debug for TraceOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TraceOutput")
    }
}

/// One test that did not pass (or a file that could not be run).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Failure {
    /// The test file, as given or found.
    pub file: String,
    /// Case name, empty for file-level errors.
    pub case: String,
    /// Fork name, empty when not fork-specific.
    pub fork: String,
    /// `d{N}g{N}v{N}`, empty when not entry-specific.
    pub index: String,
    /// What differed, or what went wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FAIL {}", self.file)?;
        for part in [&self.case, &self.fork, &self.index] {
            if !part.is_empty() {
                write!(f, " :: {part}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Counts for one fork.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ForkCounts {
    /// Entries that matched.
    pub passed: usize,
    /// Entries that did not.
    pub failed: usize,
    /// Entries skipped by the skip list.
    pub skipped: usize,
    /// Entries of a fork this build does not run: a fork name it does not know.
    pub unsupported: usize,
}

impl fmt::Display for ForkCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "passed {}, failed {}, skipped {}, unsupported {}",
            self.passed, self.failed, self.skipped, self.unsupported
        )
    }
}

/// Our post state for one run entry (with `--dump`).
#[derive(Clone, Debug)]
pub struct Dump {
    /// `file :: case :: fork :: index`.
    pub label: String,
    /// The post state in the `pre` layout, plus the roots.
    pub state: Value,
}

/// The outcome of a run.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Entries that matched.
    pub passed: usize,
    /// Entries that did not, plus file- and case-level errors.
    pub failed: usize,
    /// Entries the skip list kept from running.
    pub skipped: usize,
    /// Entries of forks this build does not run.
    pub unsupported: usize,
    /// Every failure, sorted.
    pub failures: Vec<Failure>,
    /// Counts by fork name.
    pub per_fork: BTreeMap<String, ForkCounts>,
    /// Post states, when [`Options::dump`] was set, sorted by label.
    pub dumps: Vec<Dump>,
    /// The guest runs, when [`Options::guest`] was set.
    pub guest: GuestTotals,
}

/// What the guest runs of a state-test run cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestTotals {
    /// Entries run in the guest.
    pub runs: usize,
    /// Their cycles.
    pub cycles: u64,
    /// Their block gas (saturating: a halting entry burns its whole gas limit, which the
    /// tests set as high as 2^63, in a few cycles).
    pub gas: u64,
}

impl GuestTotals {
    fn add(&mut self, other: GuestTotals) {
        self.runs += other.runs;
        self.cycles += other.cycles;
        self.gas = self.gas.saturating_add(other.gas);
    }
}

impl Summary {
    fn merge(&mut self, other: Summary) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.unsupported += other.unsupported;
        self.failures.extend(other.failures);
        self.dumps.extend(other.dumps);
        self.guest.add(other.guest);
        for (fork, c) in other.per_fork {
            let mine = self.per_fork.entry(fork).or_default();
            mine.passed += c.passed;
            mine.failed += c.failed;
            mine.skipped += c.skipped;
            mine.unsupported += c.unsupported;
        }
    }

    fn fail(&mut self, failure: Failure) {
        self.failed += 1;
        if !failure.fork.is_empty() && !failure.index.is_empty() {
            self.per_fork
                .entry(failure.fork.clone())
                .or_default()
                .failed += 1;
        }
        self.failures.push(failure);
    }

    fn pass(&mut self, fork: &str) {
        self.passed += 1;
        self.per_fork.entry(fork.to_string()).or_default().passed += 1;
    }

    fn skip(&mut self, fork: &str) {
        self.skipped += 1;
        self.per_fork.entry(fork.to_string()).or_default().skipped += 1;
    }

    fn unsupported(&mut self, fork: &str, entries: usize) {
        self.unsupported += entries;
        self.per_fork
            .entry(fork.to_string())
            .or_default()
            .unsupported += entries;
    }

    /// The closing line, `N passed, M failed, K skipped, U unsupported`.
    pub fn closing_line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped, {} unsupported",
            self.passed, self.failed, self.skipped, self.unsupported
        )
    }

    /// Everything as JSON, for `--json`.
    pub fn to_json(&self) -> Value {
        json!({
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "unsupported": self.unsupported,
            "perFork": self.per_fork.iter().map(|(fork, c)| (fork.clone(), json!({
                "passed": c.passed, "failed": c.failed, "skipped": c.skipped,
                "unsupported": c.unsupported,
            }))).collect::<serde_json::Map<_, _>>(),
            "failures": self.failures.iter().map(|f| json!({
                "file": f.file, "case": f.case, "fork": f.fork, "index": f.index,
                "message": f.message,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Runs every state test under `paths` (files, or folders walked recursively for `*.json`).
pub fn run_paths(paths: &[PathBuf], options: &Options) -> Summary {
    let mut summary = Summary::default();
    let mut files = Vec::new();
    for path in paths {
        if let Err(e) = collect_files(path, &mut files) {
            summary.fail(Failure {
                file: path.display().to_string(),
                message: e,
                ..Default::default()
            });
        }
    }
    files.sort();
    files.dedup();
    let results: Vec<Summary> = if options.trace.is_some() {
        files.iter().map(|file| run_file(file, options)).collect()
    } else {
        files
            .par_iter()
            .map(|file| run_file(file, options))
            .collect()
    };
    for result in results {
        summary.merge(result);
    }
    summary.failures.sort();
    summary.dumps.sort_by(|a, b| a.label.cmp(&b.label));
    summary
}

/// Adds `path` itself (a file) or the `*.json` files below it (a folder).
fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let p = entry.path();
        if p.is_dir() {
            collect_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// The path as the skip list spells it, `/`-separated: below `GeneralStateTests/` for the
/// classic tests, `eest/` and the path below the first `state_tests/` for execution-spec-tests,
/// else the whole path.
pub fn relative_test_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(i) = parts.iter().rposition(|p| p == "GeneralStateTests") {
        return parts[i + 1..].join("/");
    }
    match parts.iter().position(|p| p == "state_tests") {
        Some(i) => format!("eest/{}", parts[i + 1..].join("/")),
        None => path.to_string_lossy().replace('\\', "/"),
    }
}

/// The interpreter the runner traces with.
type TracedBootloader = Bootloader<EvmInterpreter<Eip3155Tracer<JsonLines<TraceOutput>>>>;

thread_local! {
    /// One bootloader per worker thread: it owns a large arena that should be reused.
    static BOOTLOADER: RefCell<Option<Bootloader>> = const { RefCell::new(None) };
    /// The tracing one, with the output it writes to.
    static TRACED: RefCell<Option<(TraceOutput, TracedBootloader)>> = const { RefCell::new(None) };
    /// The JIT engine's, with the mode it was made for.
    static JIT: RefCell<Option<(Mode, Bootloader<JitEngine>)>> = const { RefCell::new(None) };
}

/// Runs a block on `slot`'s bootloader (made by `make` if there is none); a panic discards
/// the bootloader, since its arena may be left inconsistent.
fn run_guarded<E: ExecutionEnvironment, O: Oracle>(
    slot: &mut Option<Bootloader<E>>,
    make: impl FnOnce() -> Bootloader<E>,
    oracle: &O,
) -> Result<BlockResult, String> {
    let boot = slot.get_or_insert_with(make);
    match catch_unwind(AssertUnwindSafe(|| boot.run_block(oracle))) {
        Ok(result) => Ok(result),
        Err(panic) => {
            *slot = None;
            Err(format!("panic: {}", panic_message(panic.as_ref())))
        }
    }
}

/// The code cache every worker thread's engine in `mode` shares (a sequencer's parallel
/// workers do the same), so each contract is compiled once per run.
fn shared_cache(mode: Mode) -> Arc<CodeCache> {
    static JIT_CACHE: OnceLock<Arc<CodeCache>> = OnceLock::new();
    static TIERED_CACHE: OnceLock<Arc<CodeCache>> = OnceLock::new();
    match mode {
        Mode::Tiered { .. } => TIERED_CACHE
            .get_or_init(|| Arc::new(CodeCache::with_background(DEFAULT_LIMIT)))
            .clone(),
        _ => JIT_CACHE
            .get_or_init(|| Arc::new(CodeCache::new(DEFAULT_LIMIT)))
            .clone(),
    }
}

/// Runs a block on this thread's bootloader, the tracing one when `trace` is set.
fn execute<O: Oracle>(
    oracle: &O,
    trace: Option<&TraceOutput>,
    engine: Mode,
) -> Result<BlockResult, String> {
    let Some(out) = trace else {
        if engine != Mode::Interp {
            return JIT.with(|cell| {
                let mut cell = cell.borrow_mut();
                let mut slot = match cell.take() {
                    Some((mode, boot)) if mode == engine => Some(boot),
                    _ => None,
                };
                let make = || {
                    let ee = JitEngine::with_cache(engine, SpecId::Cancun, shared_cache(engine));
                    Bootloader::with_parts(Arena::new(), ee)
                };
                let result = run_guarded(&mut slot, make, oracle);
                *cell = slot.map(|boot| (engine, boot));
                result
            });
        }
        return BOOTLOADER
            .with(|cell| run_guarded(&mut cell.borrow_mut(), Bootloader::new, oracle));
    };
    TRACED.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.as_ref().is_some_and(|(o, _)| !o.same(out)) {
            *cell = None;
        }
        let mut slot = cell.take().map(|(_, boot)| boot);
        let make = || {
            let tracer = Eip3155Tracer::new(JsonLines::new(out.clone()).without_summaries());
            Bootloader::with_tracer(tracer)
        };
        let result = run_guarded(&mut slot, make, oracle);
        *cell = slot.map(|boot| (out.clone(), boot));
        result
    })
}

/// [`execute`] as the witness builder's runner.
struct ThreadRunner<'t> {
    trace: Option<&'t TraceOutput>,
    engine: Mode,
}

impl BlockRunner for ThreadRunner<'_> {
    fn run<O: Oracle>(&mut self, oracle: &O) -> Result<BlockResult, String> {
        execute(oracle, self.trace, self.engine)
    }
}

/// Writes the summary line of a traced entry after its steps (the tracing bootloader's
/// writer holds them buffered) and flushes.
fn write_trace_summary(out: &TraceOutput, summary: &TxSummary) {
    TRACED.with(|cell| {
        if let Some((o, boot)) = cell.borrow_mut().as_mut() {
            if o.same(out) {
                let sink = boot.tracer_mut().sink_mut();
                sink.write_summary(summary);
                let _ = out.record(sink.finish());
            }
        }
    })
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// Runs one file; never panics (the per-entry work runs under `catch_unwind`).
fn run_file(path: &Path, options: &Options) -> Summary {
    let mut summary = Summary::default();
    let file = path.display().to_string();
    let file_fail = |summary: &mut Summary, message: String| {
        summary.fail(Failure {
            file: file.clone(),
            message,
            ..Default::default()
        })
    };
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) => {
            file_fail(&mut summary, format!("cannot read: {e}"));
            return summary;
        }
    };
    let root: Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => {
            file_fail(&mut summary, format!("invalid JSON: {e}"));
            return summary;
        }
    };
    let Some(cases) = root.as_object() else {
        file_fail(&mut summary, "expected a JSON object of test cases".into());
        return summary;
    };
    let rel = relative_test_path(path);
    let file_selected = options
        .filter
        .as_ref()
        .is_none_or(|f| file.contains(f.as_str()));
    for (name, case) in cases {
        if !file_selected
            && !options
                .filter
                .as_ref()
                .is_some_and(|f| name.contains(f.as_str()))
        {
            continue;
        }
        let ctx = CaseCtx {
            file: &file,
            rel: &rel,
            name,
            options,
        };
        match catch_unwind(AssertUnwindSafe(|| ctx.run(case))) {
            Ok(s) => summary.merge(s),
            Err(panic) => summary.fail(Failure {
                file: file.clone(),
                case: name.clone(),
                message: format!("panic: {}", panic_message(panic.as_ref())),
                ..Default::default()
            }),
        }
    }
    summary
}

/// The `indexes` of a post entry: which `data`, `gasLimit` and `value` element it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indexes {
    /// Index into `transaction.data` (and `accessLists`).
    pub data: usize,
    /// Index into `transaction.gasLimit`.
    pub gas: usize,
    /// Index into `transaction.value`.
    pub value: usize,
}

impl Indexes {
    fn label(&self) -> String {
        format!("d{}g{}v{}", self.data, self.gas, self.value)
    }
}

/// The parts of a case shared by all its entries.
struct Case<'a> {
    pre: State,
    env: &'a Value,
    tx: &'a Value,
    chain_id: u64,
    config: Option<&'a Value>,
    /// The pre-state as a full witness, built on the first stateless entry.
    witness: OnceCell<Result<PreState, String>>,
}

impl Case<'_> {
    /// The full witness of the pre-state (built once per case).
    fn full_witness(&self) -> Result<&PreState, String> {
        self.witness
            .get_or_init(|| {
                PreState::from_state(&self.pre).map_err(|e| format!("pre-state tries: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Where we are, for failure messages.
struct CaseCtx<'a> {
    file: &'a str,
    rel: &'a str,
    name: &'a str,
    options: &'a Options,
}

impl CaseCtx<'_> {
    fn failure(&self, fork: &str, index: &str, message: String) -> Failure {
        Failure {
            file: self.file.to_string(),
            case: self.name.to_string(),
            fork: fork.to_string(),
            index: index.to_string(),
            message,
        }
    }

    /// Parses the case and runs its selected entries.
    fn run(&self, case: &Value) -> Summary {
        let mut summary = Summary::default();
        let parsed = (|| -> FieldResult<Case<'_>> {
            let chain_id =
                match hexjson::opt(case, "config").and_then(|c| hexjson::opt(c, "chainid")) {
                    Some(v) => hexjson::u64(v, "config.chainid")?,
                    None => 1,
                };
            Ok(Case {
                pre: envjson::parse_pre(hexjson::get(case, "pre", "")?, "pre")?,
                env: hexjson::get(case, "env", "")?,
                tx: hexjson::get(case, "transaction", "")?,
                chain_id,
                config: hexjson::opt(case, "config"),
                witness: OnceCell::new(),
            })
        })();
        let case_data = match parsed {
            Ok(c) => c,
            Err(e) => {
                summary.fail(self.failure("", "", e.to_string()));
                return summary;
            }
        };
        let post = match hexjson::get(case, "post", "").and_then(|p| hexjson::object(p, "post")) {
            Ok(p) => p,
            Err(e) => {
                summary.fail(self.failure("", "", e.to_string()));
                return summary;
            }
        };
        for (fork_name, entries) in post {
            let Some(spec) = SpecId::from_name(fork_name) else {
                if self.options.forks.is_none() {
                    let n = entries.as_array().map_or(1, Vec::len);
                    summary.unsupported(fork_name, n);
                }
                continue;
            };
            if let Some(forks) = &self.options.forks {
                if !forks.contains(&spec) {
                    continue;
                }
            }
            let fork = spec.name();
            let fpath = format!("post.{fork_name}");
            let entries = match hexjson::array(entries, &fpath) {
                Ok(e) => e,
                Err(e) => {
                    summary.fail(self.failure(fork, "", e.to_string()));
                    continue;
                }
            };
            for (i, entry) in entries.iter().enumerate() {
                let epath = format!("{fpath}[{i}]");
                let indexes = match parse_indexes(entry, &epath) {
                    Ok(ix) => ix,
                    Err(e) => {
                        summary.fail(self.failure(fork, &format!("#{i}"), e.to_string()));
                        continue;
                    }
                };
                let label = indexes.label();
                if self
                    .options
                    .skips
                    .reason_in(
                        self.options.guest.is_some(),
                        self.rel,
                        self.name,
                        fork,
                        &label,
                    )
                    .is_some()
                {
                    summary.skip(fork);
                    continue;
                }
                match self.run_entry(&case_data, spec, entry, &epath, indexes) {
                    Ok((None, dump, guest)) => {
                        summary.pass(fork);
                        summary.dumps.extend(dump);
                        summary.guest.add(guest);
                    }
                    Ok((Some(problem), dump, _)) => {
                        summary.fail(self.failure(fork, &label, problem));
                        summary.dumps.extend(dump);
                    }
                    Err(e) => summary.fail(self.failure(fork, &label, e.to_string())),
                }
            }
        }
        summary
    }

    /// Runs one post entry: `Ok((None, _))` when it matched, `Ok((Some(why), _))` when not,
    /// `Err` when the file itself is broken.
    fn run_entry(
        &self,
        case: &Case<'_>,
        spec: SpecId,
        entry: &Value,
        epath: &str,
        ix: Indexes,
    ) -> FieldResult<(Option<String>, Option<Dump>, GuestTotals)> {
        let expect_exception = hexjson::opt(entry, "expectException")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
        let mut env = envjson::parse_env(case.env, "env", spec, case.chain_id)?;
        env.blob_schedule = blob_schedule(case.config, spec.name())?;
        let coinbase = env.coinbase;
        let tx = build_tx(case.tx, ix, case.chain_id)?;

        if self.options.stateless {
            return match self.stateless_entry(case, &env, tx) {
                Ok((outcome, guest)) => {
                    let (problem, dump) =
                        self.check(entry, epath, spec, ix, &expect_exception, outcome)?;
                    Ok((problem, dump, guest))
                }
                Err(message) => Ok((Some(message), None, GuestTotals::default())),
            };
        }
        let mut traced: Option<TxSummary> = None;
        let mut post = case.pre.clone();
        let (rejected, logs) = match tx {
            Err(why) => (
                Some(format!("transaction not representable: {why}")),
                B256::ZERO,
            ),
            Ok(tx) => {
                let mut oracle = InMemoryOracle::new(env.clone(), vec![tx]);
                case.pre.fill_oracle(&mut oracle);
                envjson::set_test_block_hashes(&mut oracle, env.number);
                let started = Instant::now();
                let result =
                    match execute(&oracle, self.options.trace.as_ref(), self.options.engine) {
                        Ok(r) => r,
                        Err(panic) => return Ok((Some(panic), None, GuestTotals::default())),
                    };
                let elapsed = started.elapsed().as_nanos();
                let Some(receipt) = result.receipts.first() else {
                    return Ok((
                        Some(format!(
                            "the bootloader returned {} receipts for 1 transaction",
                            result.receipts.len()
                        )),
                        None,
                        GuestTotals::default(),
                    ));
                };
                post.apply_diff(&result.state_diff);
                if self.options.trace.is_some() {
                    let mut summary = TxSummary::from_receipt(0, receipt, spec);
                    summary.time_ns = Some(elapsed);
                    traced = Some(summary);
                }
                let logs = logs_hash(result.receipts.iter().flat_map(|r| &r.logs));
                (
                    receipt
                        .result
                        .as_ref()
                        .err()
                        .map(|e| format!("tx rejected: {e}")),
                    logs,
                )
            }
        };
        post.touch_coinbase(coinbase, spec);
        let root = post.root();
        let outcome = Outcome {
            post,
            root,
            rejected,
            logs,
            traced,
        };
        let (problem, dump) = self.check(entry, epath, spec, ix, &expect_exception, outcome)?;
        Ok((problem, dump, GuestTotals::default()))
    }

    /// The witness path of one entry: the minimal witness built from the case's pre-state,
    /// then a fresh run over only that witness, its diff applied and the root computed in
    /// `os`. An unrepresentable transaction leaves the block empty (only the coinbase touch).
    /// `Err` is a failure of either run (a [`zkos_os::stateless::WitnessError`] names what
    /// the witness lacked).
    fn stateless_entry(
        &self,
        case: &Case<'_>,
        env: &BlockEnv,
        tx: Result<TxEnv, String>,
    ) -> Result<(Outcome, GuestTotals), String> {
        let pre = case.full_witness()?;
        let (txs, unrepresentable) = match tx {
            Ok(tx) => (vec![tx], None),
            Err(why) => (
                Vec::new(),
                Some(format!("transaction not representable: {why}")),
            ),
        };
        let block = EnvBlock {
            env: env.clone(),
            txs,
            ancestors: envjson::test_ancestors(env.number),
            touch_coinbase: true,
            pre_state_root: pre.root,
        };
        let built = witness_builder::build_witness(
            pre,
            &block,
            &mut ThreadRunner {
                trace: None,
                engine: self.options.engine,
            },
        )
        .map_err(|e| format!("witness builder: {e}"))?;
        let started = Instant::now();
        let mut runner = ThreadRunner {
            trace: self.options.trace.as_ref(),
            engine: self.options.engine,
        };
        let run = witness_builder::run_stateless(&built.witness, &block, &mut runner)
            .map_err(|e| format!("stateless run: {e}"))?;
        let elapsed = started.elapsed().as_nanos();
        if run.output.post_state_root != built.post_root {
            return Err(format!(
                "the stateless run's root {} differs from the recording run's {}",
                run.output.post_state_root, built.post_root
            ));
        }
        let guest = match &self.options.guest {
            Some(guest) => Some(run_in_guest(guest, &block, &built.witness, &run.output)?),
            None => None,
        };
        let mut traced = None;
        let rejected = match (unrepresentable, run.result.receipts.first()) {
            (Some(why), _) => Some(why),
            (None, Some(receipt)) => {
                if self.options.trace.is_some() {
                    let mut summary = TxSummary::from_receipt(0, receipt, env.spec);
                    summary.time_ns = Some(elapsed);
                    traced = Some(summary);
                }
                receipt
                    .result
                    .as_ref()
                    .err()
                    .map(|e| format!("tx rejected: {e}"))
            }
            (None, None) => {
                return Err(format!(
                    "the bootloader returned {} receipts for 1 transaction",
                    run.result.receipts.len()
                ))
            }
        };
        let mut post = case.pre.clone();
        post.apply_diff(&run.result.state_diff);
        post.touch_coinbase(env.coinbase, env.spec);
        let outcome = Outcome {
            post,
            root: run.output.post_state_root,
            rejected,
            logs: run.output.logs_hash,
            traced,
        };
        Ok((outcome, guest.unwrap_or_default()))
    }

    /// Compares an entry's outcome with what the test expects: `Ok((None, _))` when it
    /// matched, `Ok((Some(why), _))` when not; the dump when asked for.
    fn check(
        &self,
        entry: &Value,
        epath: &str,
        spec: SpecId,
        ix: Indexes,
        expect_exception: &Option<String>,
        outcome: Outcome,
    ) -> FieldResult<(Option<String>, Option<Dump>)> {
        let Outcome {
            post,
            root,
            rejected,
            logs,
            traced,
        } = outcome;
        let expected_root = hexjson::b256(
            hexjson::get(entry, "hash", epath)?,
            &format!("{epath}.hash"),
        )?;
        let expected_logs = hexjson::b256(
            hexjson::get(entry, "logs", epath)?,
            &format!("{epath}.logs"),
        )?;
        if let (Some(out), Some(mut summary)) = (&self.options.trace, traced) {
            summary.state_root = Some(root);
            write_trace_summary(out, &summary);
        }

        let mut problems = Vec::new();
        match (&expect_exception, &rejected) {
            (Some(exc), None) => {
                problems.push(format!("expected exception {exc} but tx was included"))
            }
            (None, Some(why)) => problems.push(format!("{why} but no exception expected")),
            _ => {}
        }
        if root != expected_root {
            // execution-spec-tests give the whole expected post state: say what differs.
            let detail = match hexjson::opt(entry, "state") {
                Some(state) => {
                    let expected = envjson::parse_pre(state, &format!("{epath}.state"))?;
                    format!(" [{}]", post.differences(&expected, 4).join("; "))
                }
                None => String::new(),
            };
            // The stateless root is the os trie's: say whether the host's agrees with it.
            let host = if self.options.stateless {
                match post.root() {
                    host if host == root => " (the host's trie agrees)".to_string(),
                    host => format!(" (the host's trie gives {host} from the same diff)"),
                }
            } else {
                String::new()
            };
            problems.push(format!(
                "state root: expected {expected_root}, got {root}{host}{detail} (see our post state \
                 with --dump --filter {:?})",
                self.name
            ));
        }
        if expect_exception.is_none() && rejected.is_none() && logs != expected_logs {
            problems.push(format!("logs hash: expected {expected_logs}, got {logs}"));
        }
        let dump = self.options.dump.then(|| {
            let mut state = post.to_json();
            if let Value::Object(map) = &mut state {
                map.insert("_stateRoot".into(), Value::String(format!("{root}")));
                map.insert(
                    "_expectedRoot".into(),
                    Value::String(format!("{expected_root}")),
                );
            }
            Dump {
                label: format!(
                    "{} :: {} :: {} :: {}",
                    self.file,
                    self.name,
                    spec.name(),
                    ix.label()
                ),
                state,
            }
        });
        Ok(((!problems.is_empty()).then(|| problems.join("; ")), dump))
    }
}

/// Runs one stateless entry in the guest: its env tape, the simulator, the output compared
/// with the host's commitment (`Err` when they differ or the guest stops).
fn run_in_guest(
    guest: &Guest,
    block: &EnvBlock,
    witness: &crate::blockdir::WitnessFile,
    host: &witness_builder::EnvOutput,
) -> Result<GuestTotals, String> {
    let run = guest.run(&env_tape(block, witness))?;
    let expected = commitment_words(&host.commitment().0);
    if run.output == failure_words(GuestFailure::MemoryLimit) {
        return Err(format!(
            "the guest published failure {} (a frame needed more memory than its arena \
             holds): a [guest] entry of the skip file if the test is meant to need that much",
            GuestFailure::MemoryLimit as u32
        ));
    }
    if run.output != expected {
        return Err(format!(
            "the guest's output {:08x?} differs from the host's commitment {:08x?}",
            run.output, expected
        ));
    }
    Ok(GuestTotals {
        runs: 1,
        cycles: run.cycles,
        gas: host.gas_used,
    })
}

/// What an entry's run gave, whichever path ran it.
struct Outcome {
    /// The host's post state (pre-state, diff, coinbase touch): for reports and dumps.
    post: State,
    /// The post-state root compared with the test's.
    root: B256,
    /// Why the transaction was not included, if it was not.
    rejected: Option<String>,
    /// The logs hash.
    logs: B256,
    /// The summary line of a traced entry, without its root yet.
    traced: Option<TxSummary>,
}

/// Parses `{data, gas, value}` indexes.
fn parse_indexes(entry: &Value, path: &str) -> FieldResult<Indexes> {
    let ipath = hexjson::join(path, "indexes");
    let indexes = hexjson::get(entry, "indexes", path)?;
    let one = |key: &str| -> FieldResult<usize> {
        let field = hexjson::join(&ipath, key);
        let n = hexjson::u64(hexjson::get(indexes, key, &ipath)?, &field)?;
        usize::try_from(n)
            .map_err(|_| FieldError::new(&field, ErrorKind::Invalid, "index too large"))
    };
    Ok(Indexes {
        data: one("data")?,
        gas: one("gas")?,
        value: one("value")?,
    })
}

/// Element `i` of the list `transaction.<key>`.
fn indexed<'a>(tx: &'a Value, key: &str, i: usize) -> FieldResult<(&'a Value, String)> {
    let path = format!("transaction.{key}");
    let list = hexjson::array(hexjson::get(tx, key, "transaction")?, &path)?;
    let item = list.get(i).ok_or_else(|| {
        FieldError::new(
            &path,
            ErrorKind::Invalid,
            format!("index {i} out of range ({} entries)", list.len()),
        )
    })?;
    Ok((item, format!("{path}[{i}]")))
}

/// Builds the transaction for one entry. The outer error is a broken file; the inner one a
/// value the transaction format cannot carry (e.g. a gas limit above 2^64), which the
/// reference clients reject, so it must match an `expectException` entry.
pub fn build_tx(tx: &Value, ix: Indexes, chain_id: u64) -> FieldResult<Result<TxEnv, String>> {
    /// Splits overflow (unrepresentable) from the other errors.
    fn rep<T>(r: FieldResult<T>) -> FieldResult<Result<T, String>> {
        match r {
            Ok(v) => Ok(Ok(v)),
            Err(e) if e.kind == ErrorKind::Overflow => Ok(Err(e.to_string())),
            Err(e) => Err(e),
        }
    }
    macro_rules! tryrep {
        ($e:expr) => {
            match rep($e)? {
                Ok(v) => v,
                Err(why) => return Ok(Err(why)),
            }
        };
    }
    let field = |k: &str| hexjson::join("transaction", k);
    let opt_u256 = |key: &str| -> FieldResult<Option<U256>> {
        hexjson::opt(tx, key)
            .map(|v| hexjson::u256(v, &field(key)))
            .transpose()
    };

    let (data_v, data_path) = indexed(tx, "data", ix.data)?;
    let data: Bytes = hexjson::bytes(data_v, &data_path)?;
    let (gas_v, gas_path) = indexed(tx, "gasLimit", ix.gas)?;
    let gas_limit = tryrep!(hexjson::u64(gas_v, &gas_path));
    let (value_v, value_path) = indexed(tx, "value", ix.value)?;
    let value = tryrep!(hexjson::u256(value_v, &value_path));
    let nonce = tryrep!(hexjson::u64(
        hexjson::get(tx, "nonce", "transaction")?,
        &field("nonce")
    ));
    let caller = hexjson::address(hexjson::get(tx, "sender", "transaction")?, &field("sender"))?;
    let to = envjson::parse_to(hexjson::opt(tx, "to"), &field("to"))?;

    let max_fee = tryrep!(opt_u256("maxFeePerGas"));
    let priority = tryrep!(opt_u256("maxPriorityFeePerGas"));
    let gas_price = match (max_fee, tryrep!(opt_u256("gasPrice"))) {
        (Some(fee), _) => fee,
        (None, Some(price)) => price,
        (None, None) => {
            return Err(FieldError::new(
                "transaction.gasPrice",
                ErrorKind::Missing,
                "missing (and no maxFeePerGas)",
            ))
        }
    };
    let access_list = match hexjson::opt(tx, "accessLists") {
        None => None,
        Some(lists) => {
            let lpath = field("accessLists");
            let list = hexjson::array(lists, &lpath)?;
            match list.get(ix.data) {
                // A null entry means this data index is sent without an access list.
                None | Some(Value::Null) => None,
                Some(l) => Some(envjson::parse_access_list(
                    l,
                    &format!("{lpath}[{}]", ix.data),
                )?),
            }
        }
    };
    let blob_hashes = hexjson::opt(tx, "blobVersionedHashes")
        .map(|v| envjson::parse_hashes(v, &field("blobVersionedHashes")))
        .transpose()?;
    let max_fee_per_blob_gas = tryrep!(opt_u256("maxFeePerBlobGas"));
    let authorizations = match hexjson::opt(tx, "authorizationList") {
        None => None,
        Some(list) => Some(tryrep!(envjson::parse_authorizations(
            list,
            &field("authorizationList")
        ))),
    };

    let tx_type = if blob_hashes.is_some() {
        3
    } else if authorizations.is_some() {
        4
    } else if max_fee.is_some() {
        2
    } else if access_list.is_some() {
        1
    } else {
        0
    };
    Ok(Ok(TxEnv {
        tx_type,
        caller,
        nonce,
        gas_limit,
        gas_price,
        max_priority_fee_per_gas: priority,
        to,
        value,
        data,
        // The suites' legacy transactions are mostly signed without EIP-155; typed ones
        // always carry the chain id.
        chain_id: (tx_type != 0).then_some(chain_id),
        access_list: access_list.unwrap_or_default(),
        blob_hashes: blob_hashes.unwrap_or_default(),
        max_fee_per_blob_gas,
        authorization_list: authorizations.unwrap_or_default(),
    }))
}

/// The blob schedule `config.blobSchedule` gives for `fork`, if any: `{target, max,
/// baseFeeUpdateFraction}`.
fn blob_schedule(config: Option<&Value>, fork: &str) -> FieldResult<Option<BlobParams>> {
    let Some(entry) = config
        .and_then(|c| hexjson::opt(c, "blobSchedule"))
        .and_then(|b| hexjson::opt(b, fork))
    else {
        return Ok(None);
    };
    let path = format!("config.blobSchedule.{fork}");
    let field = |k: &str| hexjson::u64(hexjson::get(entry, k, &path)?, &hexjson::join(&path, k));
    Ok(Some(BlobParams {
        target: field("target")?,
        max: field("max")?,
        update_fraction: field("baseFeeUpdateFraction")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A case whose transaction must be rejected leaves the state unchanged (apart from the
    /// coinbase touch), so its expected post root is the root of its `pre`: a check of our
    /// trie and RLP code on real data, independent of the EVM.
    #[test]
    fn rejected_case_root_is_pre_root() {
        let dir = crate::shared::general_state_tests_dir().unwrap_or_else(|e| panic!("{e}"));
        let mut files = Vec::new();
        for folder in [
            "stTransactionTest",
            "stEIP3607",
            "stEIP1559",
            "Cancun/stEIP4844-blobtransactions",
        ] {
            let _ = collect_files(&dir.join(folder), &mut files);
        }
        files.sort();
        let fork = "Cancun";
        let mut checked = 0;
        for path in files {
            let file = path.display().to_string();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let root: Value = serde_json::from_str(&text).unwrap();
            for (name, case) in root.as_object().unwrap() {
                let mut pre = envjson::parse_pre(&case["pre"], "pre").unwrap();
                let spec = SpecId::from_name(fork).unwrap();
                let env = envjson::parse_env(&case["env"], "env", spec, 1).unwrap();
                pre.touch_coinbase(env.coinbase, spec);
                for entry in case["post"][fork].as_array().unwrap() {
                    if entry.get("expectException").is_none() {
                        continue;
                    }
                    let expected = hexjson::b256(&entry["hash"], "hash").unwrap();
                    assert_eq!(pre.root(), expected, "{file} {name}");
                    checked += 1;
                }
            }
        }
        eprintln!("checked the pre-state root of {checked} rejected entries");
        assert!(
            checked > 100,
            "only {checked} rejected entries found to check"
        );
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_test_path(Path::new("/a/ethtests/GeneralStateTests/stX/y.json")),
            "stX/y.json"
        );
        assert_eq!(
            relative_test_path(Path::new("some/file.json")),
            "some/file.json"
        );
        assert_eq!(
            relative_test_path(Path::new(
                "/s/eest/state_tests/static/state_tests/stX/y.json"
            )),
            "eest/static/state_tests/stX/y.json"
        );
    }

    #[test]
    fn tx_types_and_unrepresentable() {
        let base = serde_json::json!({
            "data": ["0x", "0x01"], "gasLimit": ["0x5208", "0x10000000000000000"],
            "value": ["0x00"], "nonce": "0x00", "gasPrice": "0x0a",
            "sender": "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b", "to": "",
            "accessLists": [null, []],
        });
        let ix = |d, g| Indexes {
            data: d,
            gas: g,
            value: 0,
        };
        let t0 = build_tx(&base, ix(0, 0), 1).unwrap().unwrap();
        assert_eq!((t0.tx_type, t0.to, t0.chain_id), (0, None, None));
        let t1 = build_tx(&base, ix(1, 0), 1).unwrap().unwrap();
        assert_eq!((t1.tx_type, t1.chain_id), (1, Some(1)));
        let why = build_tx(&base, ix(0, 1), 1).unwrap().unwrap_err();
        assert!(why.contains("transaction.gasLimit[1]"), "{why}");
        let err = build_tx(&base, ix(2, 0), 1).unwrap_err();
        assert!(
            err.to_string()
                .contains("transaction.data: index 2 out of range"),
            "{err}"
        );
    }
}

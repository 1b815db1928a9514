//! The execution environment a sequencer picks: interpreter, JIT, or tiered.

use crate::abi::{self, JitCtx};
use crate::cache::{self, CodeCache, CodeKey, Decision, Heat, KeyHasher};
use crate::code::Compiled;
use crate::compiler;
use alloy_primitives::B256;
use cranelift_codegen::isa::OwnedTargetIsa;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use zkos_os::arena::FrameMemory;
use zkos_os::ee::{ChildOutcome, ExecContext, ExecutionEnvironment, FrameExit, FrameSetup};
use zkos_os::evm::analysis::AnalyzedCode;
use zkos_os::evm::interpreter;
use zkos_os::evm::opcodes::OpTable;
use zkos_os::evm::EvmFrame;
use zkos_os::types::{HaltReason, SpecId};

/// Which engine runs contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Always the interpreter.
    Interp,
    /// Compile every contract (and init code) on first use.
    Jit,
    /// Interpret a code hash until its frames have spent `gas_per_byte` gas per byte of
    /// its code in the interpreter (counting no less than [`Mode::MIN_HEAT_BYTES`]), then
    /// compile it. Work, not frames: compiling costs time in proportion to the code's
    /// size, and pays back in proportion to the work it then runs, so a block of cold
    /// contracts called a few times each starts no compilation.
    Tiered { gas_per_byte: u32 },
}

impl Mode {
    /// The tiered engine's default. Compiling costs about 2.5 us per byte of real
    /// contracts; the interpreter runs mainnet blocks at roughly 400 to 1,000 gas per us.
    /// So compiling once the interpreter has spent about as long on the code as compiling
    /// it would take (the classic rent-or-buy rule, never worse than twice the best
    /// choice in hindsight) means about 1,000 to 2,500 gas per byte.
    pub const DEFAULT_GAS_PER_BYTE: u32 = 2000;

    /// Small code is counted as this many bytes: compiling has a fixed cost too.
    pub const MIN_HEAT_BYTES: u64 = 256;

    /// The tiered engine at its default threshold.
    pub fn default_tiered() -> Mode {
        Mode::Tiered {
            gas_per_byte: Mode::DEFAULT_GAS_PER_BYTE,
        }
    }

    /// The work after which the tiered engine compiles code of `len` bytes.
    fn heat_threshold(gas_per_byte: u32, len: usize) -> u64 {
        u64::from(gas_per_byte).saturating_mul((len as u64).max(Mode::MIN_HEAT_BYTES))
    }

    /// Parses `interp`, `jit` or `tiered` (the CLI's `--engine`).
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "interp" => Some(Mode::Interp),
            "jit" => Some(Mode::Jit),
            "tiered" => Some(Mode::default_tiered()),
            _ => {
                // `tiered=N`: the tiered engine compiling after N gas per byte.
                let n = s.strip_prefix("tiered=")?.parse().ok()?;
                Some(Mode::Tiered { gas_per_byte: n })
            }
        }
    }
}

/// What the engine did, for `--stats` and the benchmarks. The compile figures are its
/// cache's, so with a shared cache they sum over every engine using it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Contracts (and init codes) compiled.
    pub compiled: u64,
    /// Compilations refused (too large, or a backend failure): they run interpreted.
    pub fallbacks: u64,
    /// Frames that started in compiled code.
    pub jit_frames: u64,
    /// Frames that ran interpreted from the start.
    pub interpreted_frames: u64,
    /// Bytecode bytes compiled.
    pub compiled_bytes: u64,
    /// Machine code produced.
    pub machine_bytes: u64,
    /// Total compile time.
    pub compile_time: Duration,
    /// Cache entries evicted to stay under its bound.
    pub evicted: u64,
}

/// Code prepared for a frame: its analysis, and its machine code when it has some.
#[derive(Clone)]
pub struct JitCode {
    analyzed: Rc<AnalyzedCode>,
    compiled: Option<Arc<Compiled>>,
    heat: Option<Rc<Cell<u64>>>,
}

/// A frame of the engine: the interpreter's frame (the state both engines share, so a frame
/// can move from compiled code to the interpreter at any block boundary) and its code.
pub struct JitFrame {
    evm: EvmFrame,
    compiled: Option<Arc<Compiled>>,
    /// Where an interpreted frame of the tiered engine adds the work it does, reported
    /// to the cache at the next frame of the same code.
    heat: Option<Rc<Cell<u64>>>,
}

/// An analysis the engine keeps, with the tiered engine's interpreted work on it not yet
/// reported to the cache.
struct Analysis {
    code: Rc<AnalyzedCode>,
    heat: Rc<Cell<u64>>,
}

/// The EVM with a Cranelift JIT, as an execution environment.
pub struct JitEngine {
    mode: Mode,
    spec: SpecId,
    table: OpTable,
    isa: Option<OwnedTargetIsa>,
    analyses: HashMap<CodeKey, Analysis, BuildHasherDefault<KeyHasher>>,
    cache: Arc<CodeCache>,
    /// Compiled code this engine got from the cache, kept at hand so a frame of hot code
    /// takes no lock; valid while the cache's generation is `kept_generation`.
    kept: HashMap<CodeKey, Arc<Compiled>, BuildHasherDefault<KeyHasher>>,
    kept_generation: u64,
    jit_frames: u64,
    interpreted_frames: u64,
}

/// Code above this size is interpreted (twice the EIP-3860 init-code limit).
pub const DEFAULT_MAX_CODE: usize = 2 * 49152;

impl JitEngine {
    /// An engine in `mode` for fork `spec` with a cache of its own (the tiered engine's
    /// compiles on a background thread). Without a usable host ISA every mode interprets.
    pub fn new(mode: Mode, spec: SpecId) -> JitEngine {
        let cache = match mode {
            Mode::Tiered { .. } => CodeCache::with_background(cache::DEFAULT_LIMIT),
            _ => CodeCache::new(cache::DEFAULT_LIMIT),
        };
        JitEngine::with_cache(mode, spec, Arc::new(cache))
    }

    /// An engine using `cache`, which engines on other threads may share.
    pub fn with_cache(mode: Mode, spec: SpecId, cache: Arc<CodeCache>) -> JitEngine {
        JitEngine {
            mode,
            spec,
            table: OpTable::new(spec),
            isa: compiler::host_isa().ok(),
            analyses: HashMap::default(),
            kept_generation: cache.generation(),
            kept: HashMap::default(),
            cache,
            jit_frames: 0,
            interpreted_frames: 0,
        }
    }

    /// The mode in force.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The cache this engine compiles into.
    pub fn cache(&self) -> &Arc<CodeCache> {
        &self.cache
    }

    /// Why the last refused compilation was refused.
    pub fn last_error(&self) -> Option<String> {
        self.cache.last_error()
    }

    /// What the engine has done so far.
    pub fn stats(&self) -> JitStats {
        let c = self.cache.stats();
        JitStats {
            compiled: c.compiled,
            fallbacks: c.fallbacks,
            jit_frames: self.jit_frames,
            interpreted_frames: self.interpreted_frames,
            compiled_bytes: c.compiled_bytes,
            machine_bytes: c.machine_bytes,
            compile_time: c.compile_time,
            evicted: c.evicted,
        }
    }

    fn compiled_for(
        &mut self,
        hash: B256,
        bytes: &[u8],
        code: &Rc<AnalyzedCode>,
        work: &Cell<u64>,
    ) -> Option<Arc<Compiled>> {
        let heat = match self.mode {
            Mode::Interp => return None,
            Mode::Jit => None,
            Mode::Tiered { gas_per_byte } => Some(Heat {
                work: work.replace(0),
                threshold: Mode::heat_threshold(gas_per_byte, bytes.len()),
            }),
        };
        let isa = self.isa.as_ref()?;
        let key = (hash, self.spec);
        let generation = self.cache.generation();
        if generation != self.kept_generation {
            self.kept.clear();
            self.kept_generation = generation;
        }
        if let Some(c) = self.kept.get(&key) {
            self.cache.stamp(c);
            return Some(c.clone());
        }
        match self.cache.decide(key, heat, bytes) {
            Decision::Run(c) => {
                self.kept.insert(key, c.clone());
                Some(c)
            }
            Decision::Interpret => None,
            Decision::CompileHere => {
                let result = cache::compile_within(isa, code, &self.table);
                self.cache.finish(key, code, result)
            }
        }
    }

    fn interpret(&mut self, f: &mut EvmFrame, cx: &mut ExecContext<'_, '_>) -> FrameExit {
        interpreter::run(
            f,
            cx,
            self.spec,
            &self.table,
            &mut zkos_os::evm::tracer::NoTracer,
        )
    }
}

impl ExecutionEnvironment for JitEngine {
    type Frame = JitFrame;
    type Code = JitCode;

    fn prepare_code(&mut self, hash: B256, code: &[u8]) -> JitCode {
        let table = &self.table;
        let kept = self
            .analyses
            .entry((hash, self.spec))
            .or_insert_with(|| Analysis {
                code: Rc::new(AnalyzedCode::new(code, table)),
                heat: Rc::new(Cell::new(0)),
            });
        let (analyzed, heat) = (kept.code.clone(), kept.heat.clone());
        let compiled = self.compiled_for(hash, code, &analyzed, &heat);
        let heat = match self.mode {
            Mode::Tiered { .. } if compiled.is_none() => Some(heat),
            _ => None,
        };
        JitCode {
            analyzed,
            compiled,
            heat,
        }
    }

    fn prepare_init_code(&mut self, code: &[u8]) -> JitCode {
        let analyzed = Rc::new(AnalyzedCode::new(code, &self.table));
        let compiled = match (&self.isa, self.mode) {
            (Some(isa), Mode::Jit) => self.cache.compile_uncached(isa, &analyzed, &self.table),
            _ => None,
        };
        JitCode {
            analyzed,
            compiled,
            heat: None,
        }
    }

    fn new_frame(&mut self, s: FrameSetup, code: JitCode, mem: FrameMemory) -> JitFrame {
        if code.compiled.is_some() {
            self.jit_frames += 1;
        } else {
            self.interpreted_frames += 1;
        }
        JitFrame {
            evm: EvmFrame {
                code: code.analyzed,
                pc: 0,
                gas: s.gas_limit,
                stack_len: 0,
                depth: s.depth,
                mem,
                address: s.address,
                caller: s.caller,
                value: s.value,
                is_static: s.is_static,
                ret_offset: 0,
                ret_len: 0,
                pending_create: false,
                enter_pending: true,
            },
            compiled: code.compiled,
            heat: code.heat,
        }
    }

    fn run(&mut self, frame: &mut JitFrame, cx: &mut ExecContext<'_, '_>) -> FrameExit {
        let f = &mut frame.evm;
        // The frame holds its code's Arc for as long as it runs: no clone needed here.
        let entry = match &frame.compiled {
            Some(c) if f.enter_pending && f.pc < f.code.len => {
                c.entry_index(f.pc).map(|i| (c.entry, i))
            }
            _ => None,
        };
        let Some((entry, index)) = entry else {
            let gas = f.gas;
            let exit = self.interpret(f, cx);
            if let Some(heat) = &frame.heat {
                heat.set(
                    heat.get()
                        .saturating_add(interpreted_work(gas, f.gas, &exit)),
                );
            }
            return exit;
        };
        f.enter_pending = false;
        let mem_base = cx.arena.memory_mut(&f.mem).as_mut_ptr();
        let stack = cx.arena.stack_ptr(f.depth) as *mut u8;
        let calldata = cx.arena.calldata(&f.mem);
        let (calldata, calldata_len) = (calldata.as_ptr(), calldata.len() as u64);
        let mut ctx = JitCtx {
            gas: f.gas,
            sp: f.stack_len as u64,
            pc: f.pc as u64,
            stack,
            mem_base,
            mem_len: f.mem.len as u64,
            dest: 0,
            args: [0; 24],
            calldata,
            calldata_len,
            frame: f as *mut EvmFrame,
            cx: cx as *mut ExecContext<'_, '_> as *mut (),
            spec: self.spec,
            table: &self.table as *const OpTable,
            exit: None,
            panic: None,
        };
        // SAFETY: the context points at this frame, its stack and memory in the arena, and
        // `cx`, all live and not otherwise used until the call returns; the code was
        // compiled from this frame's analysis.
        let status = unsafe { entry(&mut ctx, index) };
        if let Some(p) = ctx.panic.take() {
            std::panic::resume_unwind(p);
        }
        let f = &mut frame.evm;
        if status == abi::EXIT {
            // The interpreter recorded the frame's state with the exit.
            return ctx
                .exit
                .take()
                .unwrap_or(FrameExit::Halt(HaltReason::InvalidOpcode));
        }
        f.pc = ctx.pc as usize;
        f.stack_len = ctx.sp as usize;
        f.gas = ctx.gas;
        match status {
            abi::STOP => FrameExit::Return { offset: 0, len: 0 },
            abi::INVALID_JUMP => {
                f.gas = 0;
                FrameExit::Halt(HaltReason::InvalidJump)
            }
            abi::INVALID_OPCODE => {
                f.gas = 0;
                FrameExit::Halt(HaltReason::InvalidOpcode)
            }
            abi::OUT_OF_GAS => {
                f.gas = 0;
                FrameExit::Halt(HaltReason::OutOfGas)
            }
            _ => {
                // INTERP: the block at `pc` is not entered yet.
                f.enter_pending = true;
                self.interpret(f, cx)
            }
        }
    }

    fn resume(
        &mut self,
        frame: &mut JitFrame,
        outcome: ChildOutcome,
        cx: &mut ExecContext<'_, '_>,
    ) {
        interpreter::resume(&mut frame.evm, outcome, cx.arena)
    }

    fn set_spec(&mut self, spec: SpecId) {
        if spec != self.spec {
            self.spec = spec;
            self.table = OpTable::new(spec);
        }
    }

    fn gas_left(&self, frame: &JitFrame) -> u64 {
        frame.evm.gas
    }

    fn memory<'f>(&self, frame: &'f JitFrame) -> &'f FrameMemory {
        &frame.evm.mem
    }
}

/// The gas a stretch of interpretation spent on the frame's own code: what it charged,
/// less what it passed on to a child. A halt counts nothing, since the gas it burns says
/// nothing about the work done.
fn interpreted_work(before: u64, after: u64, exit: &FrameExit) -> u64 {
    let passed = match exit {
        FrameExit::Call(r) => r.gas_limit,
        FrameExit::Create(r) => r.gas_limit,
        FrameExit::Halt(_) => return 0,
        _ => 0,
    };
    before.saturating_sub(after).saturating_sub(passed)
}

impl Default for Mode {
    /// The interpreter: what every runner used before there was a choice.
    fn default() -> Mode {
        Mode::Interp
    }
}

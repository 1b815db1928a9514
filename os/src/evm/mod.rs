//! The EVM execution environment: bytecode analysis, gas schedule, opcode table and the
//! interpreter, behind [`crate::ee::ExecutionEnvironment`].

pub mod analysis;
pub mod arith;
pub mod gas;
pub mod interpreter;
pub mod opcodes;
pub mod ops;
pub mod tracer;

use crate::arena::FrameMemory;
use crate::ee::{ChildOutcome, ExecContext, ExecutionEnvironment, FrameExit, FrameSetup};
use crate::types::SpecId;
use alloc::rc::Rc;
use alloy_primitives::B256;
use analysis::AnalyzedCode;
use hashbrown::HashMap;
pub use interpreter::EvmFrame;
use opcodes::OpTable;
use tracer::{FrameEnd, NoTracer, Tracer};

/// The EVM interpreter as an execution environment. Keeps the analysed code of every code
/// hash it has seen, across transactions and blocks.
///
/// `T` observes execution (see [`tracer`]); the default [`NoTracer`] compiles every hook out,
/// so untraced execution pays nothing for tracing.
pub struct EvmInterpreter<T: Tracer = NoTracer> {
    spec: SpecId,
    table: OpTable,
    /// Analyses by code hash, for the current fork (cleared when the fork changes).
    cache: HashMap<B256, Rc<AnalyzedCode>>,
    tracer: T,
}

impl EvmInterpreter {
    /// An untraced interpreter for fork `spec`.
    pub fn new(spec: SpecId) -> Self {
        EvmInterpreter::with_tracer(spec, NoTracer)
    }
}

impl<T: Tracer> EvmInterpreter<T> {
    /// An interpreter for fork `spec` that reports every instruction to `tracer`.
    pub fn with_tracer(spec: SpecId, tracer: T) -> Self {
        EvmInterpreter {
            spec,
            table: OpTable::new(spec),
            cache: HashMap::new(),
            tracer,
        }
    }

    /// Switches the fork (rebuilds the opcode table when it changes).
    pub fn set_spec(&mut self, spec: SpecId) {
        if spec != self.spec {
            self.spec = spec;
            self.table = OpTable::new(spec);
            self.cache.clear();
        }
    }

    /// The fork in force.
    pub fn spec(&self) -> SpecId {
        self.spec
    }

    /// The tracer, to read what it recorded.
    pub fn tracer(&self) -> &T {
        &self.tracer
    }

    /// The tracer, to take its records or reconfigure it between runs.
    pub fn tracer_mut(&mut self) -> &mut T {
        &mut self.tracer
    }

    /// Gives the tracer back, ending the interpreter.
    pub fn into_tracer(self) -> T {
        self.tracer
    }
}

impl<T: Tracer> ExecutionEnvironment for EvmInterpreter<T> {
    type Frame = EvmFrame;
    type Code = Rc<AnalyzedCode>;

    fn prepare_code(&mut self, hash: B256, code: &[u8]) -> Rc<AnalyzedCode> {
        self.cache
            .entry(hash)
            .or_insert_with(|| Rc::new(AnalyzedCode::new(code, &self.table)))
            .clone()
    }

    fn prepare_init_code(&mut self, code: &[u8]) -> Rc<AnalyzedCode> {
        Rc::new(AnalyzedCode::new(code, &self.table))
    }

    fn new_frame(&mut self, s: FrameSetup, code: Rc<AnalyzedCode>, mem: FrameMemory) -> EvmFrame {
        EvmFrame {
            code,
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
        }
    }

    fn run(&mut self, frame: &mut EvmFrame, cx: &mut ExecContext<'_, '_>) -> FrameExit {
        let exit = interpreter::run(frame, cx, self.spec, &self.table, &mut self.tracer);
        if T::ENABLED || T::OPCODES {
            self.tracer.frame_exit(&FrameEnd {
                depth: frame.depth + 1,
                gas_left: frame.gas,
                exit: &exit,
            });
        }
        exit
    }

    fn resume(
        &mut self,
        frame: &mut EvmFrame,
        outcome: ChildOutcome,
        cx: &mut ExecContext<'_, '_>,
    ) {
        interpreter::resume(frame, outcome, cx.arena)
    }

    fn set_spec(&mut self, spec: SpecId) {
        EvmInterpreter::<T>::set_spec(self, spec)
    }

    fn gas_left(&self, frame: &EvmFrame) -> u64 {
        frame.gas
    }

    fn memory<'f>(&self, frame: &'f EvmFrame) -> &'f FrameMemory {
        &frame.mem
    }

    // Once per transaction, whatever the tracer traces: the guest marks transaction bounds
    // for its cycle counts with an otherwise disabled tracer. NoTracer's hooks are empty.
    fn tx_start(&mut self, index: usize) {
        self.tracer.tx_start(index);
    }

    fn tx_end(&mut self, index: usize, receipt: &crate::types::TxReceipt) {
        self.tracer.tx_end(index, receipt, self.spec);
    }
}

//! The EVM execution environment: bytecode analysis, gas schedule, opcode table and the
//! interpreter, behind [`crate::ee::ExecutionEnvironment`].

pub mod analysis;
pub mod gas;
pub mod interpreter;
pub mod opcodes;

use crate::arena::FrameMemory;
use crate::ee::{ChildOutcome, ExecContext, ExecutionEnvironment, FrameExit, FrameSetup};
use crate::types::SpecId;
use alloc::rc::Rc;
use alloy_primitives::B256;
use analysis::AnalyzedCode;
use hashbrown::HashMap;
pub use interpreter::EvmFrame;
use opcodes::OpTable;

/// The EVM interpreter as an execution environment. Keeps the analysed code of every code
/// hash it has seen, across transactions and blocks.
pub struct EvmInterpreter {
    spec: SpecId,
    table: OpTable,
    /// Analyses by code hash, for the current fork (cleared when the fork changes).
    cache: HashMap<B256, Rc<AnalyzedCode>>,
}

impl EvmInterpreter {
    /// An interpreter for fork `spec`.
    pub fn new(spec: SpecId) -> Self {
        EvmInterpreter {
            spec,
            table: OpTable::new(spec),
            cache: HashMap::new(),
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
}

impl ExecutionEnvironment for EvmInterpreter {
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
        interpreter::run(frame, cx, self.spec)
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
        EvmInterpreter::set_spec(self, spec)
    }

    fn gas_left(&self, frame: &EvmFrame) -> u64 {
        frame.gas
    }

    fn memory<'f>(&self, frame: &'f EvmFrame) -> &'f FrameMemory {
        &frame.mem
    }
}

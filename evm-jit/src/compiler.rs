//! EVM bytecode to Cranelift IR to machine code.
//!
//! One function per contract. Its basic blocks are the analysis's ([`AnalyzedCode::blocks`]):
//! each is entered by one check of its stack bounds and one charge of its static gas, as in
//! the interpreter. Inside a block the operand stack is virtual ([`VStack`]): words are SSA
//! values (four 64-bit limbs) or constants, and reach the arena's stack only at block edges
//! and before a builtin. Instructions that are not inlined run through
//! [`crate::abi::builtin_step`], the interpreter's own implementation. Static jumps are
//! direct branches; dynamic ones go through a table of the JUMPDESTs.

use crate::abi::{self, EntryFn};
use crate::code::Compiled;
use alloy_primitives::U256;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, InstBuilder, JumpTableData, MemFlagsData, SigRef, Signature,
    Value,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use std::collections::HashMap;
use std::time::Instant;
use zkos_os::evm::analysis::{ends_block, AnalyzedCode, IMPOSSIBLE_MIN};
use zkos_os::evm::arith;
use zkos_os::evm::opcodes::*;

/// Why code was not compiled (it then runs in the interpreter).
#[derive(Debug)]
pub enum CompileError {
    /// Above the engine's size limit.
    TooLarge(usize),
    /// Cranelift refused the function (a compiler bug or limit; never the user's problem).
    Backend(String),
    /// The translator met a stack shape the analysis should have excluded.
    Internal(&'static str),
}

impl core::fmt::Display for CompileError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CompileError::TooLarge(n) => write!(f, "code of {n} bytes is above the JIT's limit"),
            CompileError::Backend(e) => write!(f, "cranelift: {e}"),
            CompileError::Internal(e) => write!(f, "translator: {e}"),
        }
    }
}

/// The target compiled code runs on (the host's, from [`host_isa`]).
pub type HostIsa = OwnedTargetIsa;

/// The host's instruction set, made once and shared by every compilation.
pub fn host_isa() -> Result<OwnedTargetIsa, CompileError> {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v)
            .map_err(|e| CompileError::Backend(format!("{k}={v}: {e}")))
    };
    set(&mut flags, "opt_level", "speed")?;
    set(&mut flags, "use_colocated_libcalls", "false")?;
    set(&mut flags, "is_pic", "false")?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    let isa = cranelift_native::builder().map_err(|e| CompileError::Backend(e.to_string()))?;
    isa.finish(settings::Flags::new(flags))
        .map_err(|e| CompileError::Backend(e.to_string()))
}

/// Compiles analysed code. `entries` are the pcs compiled code can be entered at: 0 and
/// the instruction after every call and create (where a suspended frame resumes).
pub fn compile(
    isa: &OwnedTargetIsa,
    code: &AnalyzedCode,
    table: &OpTable,
) -> Result<Compiled, CompileError> {
    let started = Instant::now();
    let layout = Layout::of(code);
    let mut module = JITModule::new(JITBuilder::with_isa(isa.clone(), default_libcall_names()));
    let mut ctx = module.make_context();
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I32));
    sig.returns.push(AbiParam::new(types::I32));
    ctx.func.signature = sig.clone();
    let id = module
        .declare_function("evm", Linkage::Local, &sig)
        .map_err(|e| CompileError::Backend(e.to_string()))?;
    let mut fcx = FunctionBuilderContext::new();
    {
        let b = FunctionBuilder::new(&mut ctx.func, &mut fcx);
        let mut t = Translator::new(b, code, table, &layout, ptr);
        let result = t.translate();
        t.b.seal_all_blocks();
        let config = module.target_config();
        t.b.finalize(config);
        result?;
    }
    module
        .define_function(id, &mut ctx)
        .map_err(|e| CompileError::Backend(format!("{e:?}")))?;
    let code_size = ctx
        .compiled_code()
        .map(|c| c.code_buffer().len())
        .unwrap_or(0);
    module.clear_context(&mut ctx);
    module
        .finalize_definitions()
        .map_err(|e| CompileError::Backend(e.to_string()))?;
    let f = module.get_finalized_function(id);
    // SAFETY: the function was defined with exactly `EntryFn`'s signature.
    let entry: EntryFn = unsafe { core::mem::transmute::<*const u8, EntryFn>(f) };
    Ok(Compiled::new(
        module,
        entry,
        layout.entries,
        layout.jump_index,
        code_size,
        started.elapsed(),
    ))
}

/// Where blocks start, where code can be entered, and the JUMPDEST numbering.
struct Layout {
    /// pcs of block starts in order, each with whether it is live (reachable).
    starts: Vec<(usize, bool)>,
    entries: Vec<u32>,
    /// The JUMPDESTs in order; `jump_index[pc]` is 1 + the index of `pc` among them, or 0.
    jumpdests: Vec<usize>,
    jump_index: Box<[u32]>,
}

impl Layout {
    fn of(code: &AnalyzedCode) -> Layout {
        let bytes = &code.padded;
        let len = code.len;
        let mut starts = Vec::new();
        let mut entries = vec![0u32];
        let mut jumpdests = Vec::new();
        let mut jump_index = vec![0u32; len].into_boxed_slice();
        // The previous block falls through into the next (its last instruction is not an
        // unconditional exit): the next block is reachable without a jump.
        let mut falls = true;
        let mut start = 0usize;
        let mut open = false;
        let mut i = 0usize;
        while i < len {
            let op = bytes[i];
            if op == JUMPDEST {
                jumpdests.push(i);
                jump_index[i] = jumpdests.len() as u32;
            }
            if !open || (op == JUMPDEST && i != start) {
                let entry = entries.last() == Some(&(i as u32));
                starts.push((i, falls || op == JUMPDEST || entry));
                start = i;
                open = true;
            }
            let next = if (PUSH1..=PUSH32).contains(&op) {
                i + (op - PUSH1) as usize + 2
            } else {
                i + 1
            };
            if ends_block(op) {
                open = false;
                falls = !matches!(op, STOP | JUMP | RETURN | REVERT | INVALID | SELFDESTRUCT);
                if matches!(
                    op,
                    CALL | CALLCODE | DELEGATECALL | STATICCALL | CREATE | CREATE2
                ) && next < len
                {
                    entries.push(next as u32);
                }
            } else if op == INVALID {
                falls = false;
            }
            i = next;
        }
        if !open {
            // The last instruction ended a block: the implicit STOP is a block of its own.
            starts.push((len, falls));
        }
        Layout {
            starts,
            entries,
            jumpdests,
            jump_index,
        }
    }
}

/// A word of the virtual stack.
#[derive(Clone, Copy)]
enum Slot {
    /// In the arena's stack at its position, not loaded.
    Mem,
    /// Four limbs, least significant first; `dirty`: not yet written to the arena.
    Val([Value; 4], bool),
    /// A constant; `dirty` as for `Val`.
    Const(U256, bool),
}

/// The operand stack of one basic block. `items[k]` is the word at height
/// `entry height - below + k`.
struct VStack {
    /// Words below the entry height the block may touch (its `min`).
    below: usize,
    items: Vec<Slot>,
    /// Address of the word at the entry height.
    base: Value,
    /// The entry height.
    sp0: Value,
}

struct Translator<'a, 'l> {
    b: FunctionBuilder<'a>,
    code: &'l AnalyzedCode,
    table: &'l OpTable,
    layout: &'l Layout,
    ptr: types::Type,
    ctx: Value,
    stack_base: Value,
    mem_base: Value,
    gas: Variable,
    sp: Variable,
    mem_len: Variable,
    step_sig: SigRef,
    blocks: HashMap<usize, Block>,
    /// Returns INTERP with ctx.pc = its parameter.
    interp_exit: Block,
    /// Returns EXIT (a builtin recorded the exit).
    exit: Block,
    invalid_jump: Block,
    /// Four limbs: a dynamic jump's destination.
    dyn_jump: Block,
}

const I64: types::Type = types::I64;

impl<'a, 'l> Translator<'a, 'l> {
    fn new(
        mut b: FunctionBuilder<'a>,
        code: &'l AnalyzedCode,
        table: &'l OpTable,
        layout: &'l Layout,
        ptr: types::Type,
    ) -> Self {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let ctx = b.block_params(entry)[0];
        let index = b.block_params(entry)[1];
        let flags = MemFlagsData::trusted();
        let stack_base = b.ins().load(ptr, flags, ctx, abi::STACK);
        let mem_base = b.ins().load(ptr, flags, ctx, abi::MEM_BASE);
        let gas = b.declare_var(I64);
        let sp = b.declare_var(I64);
        let mem_len = b.declare_var(I64);
        let v = b.ins().load(I64, flags, ctx, abi::GAS);
        b.def_var(gas, v);
        let v = b.ins().load(I64, flags, ctx, abi::SP);
        b.def_var(sp, v);
        let v = b.ins().load(I64, flags, ctx, abi::MEM_LEN);
        b.def_var(mem_len, v);
        let mut step = Signature::new(b.func.signature.call_conv);
        step.params.push(AbiParam::new(ptr));
        step.returns.push(AbiParam::new(types::I32));
        let step_sig = b.import_signature(step);
        let interp_exit = b.create_block();
        b.append_block_param(interp_exit, I64);
        let exit = b.create_block();
        let invalid_jump = b.create_block();
        let dyn_jump = b.create_block();
        for _ in 0..4 {
            b.append_block_param(dyn_jump, I64);
        }
        let mut t = Translator {
            b,
            code,
            table,
            layout,
            ptr,
            ctx,
            stack_base,
            mem_base,
            gas,
            sp,
            mem_len,
            step_sig,
            blocks: HashMap::new(),
            interp_exit,
            exit,
            invalid_jump,
            dyn_jump,
        };
        // Dispatch on the entry index; an unknown one (never passed) hands back untouched.
        let bad_entry = t.b.create_block();
        let targets: Vec<_> = layout
            .entries
            .iter()
            .map(|&pc| {
                let blk = t.block_at(pc as usize);
                t.b.func.dfg.block_call(blk, &[])
            })
            .collect();
        let def = t.b.func.dfg.block_call(bad_entry, &[]);
        let jt = t.b.create_jump_table(JumpTableData::new(def, &targets));
        t.b.ins().br_table(index, jt);
        t.b.switch_to_block(bad_entry);
        let s = t.b.ins().iconst(types::I32, abi::INTERP as i64);
        t.b.ins().return_(&[s]);
        t
    }

    fn block_at(&mut self, pc: usize) -> Block {
        if let Some(&b) = self.blocks.get(&pc) {
            return b;
        }
        let b = self.b.create_block();
        self.blocks.insert(pc, b);
        b
    }

    fn status(&mut self, s: u32) {
        let v = self.b.ins().iconst(types::I32, s as i64);
        self.b.ins().return_(&[v]);
    }

    fn store_ctx(&mut self, v: Value, off: i32) {
        self.b
            .ins()
            .store(MemFlagsData::trusted(), v, self.ctx, off);
    }

    fn translate(&mut self) -> Result<(), CompileError> {
        // Shared exits.
        self.b.switch_to_block(self.interp_exit);
        let pc = self.b.block_params(self.interp_exit)[0];
        self.store_ctx(pc, abi::PC);
        self.save_regs();
        self.status(abi::INTERP);

        self.b.switch_to_block(self.exit);
        self.status(abi::EXIT);

        self.b.switch_to_block(self.invalid_jump);
        self.save_regs();
        self.status(abi::INVALID_JUMP);

        self.translate_dyn_jump();

        let starts = self.layout.starts.clone();
        for (i, &(start, live)) in starts.iter().enumerate() {
            if !live && !self.blocks.contains_key(&start) {
                continue;
            }
            let end = starts.get(i + 1).map(|s| s.0).unwrap_or(self.code.len);
            self.translate_block(start, end)?;
        }
        // Blocks referred to but never translated (jumps are only made to translated
        // JUMPDESTs, so this is only the defensive case): hand over to the interpreter.
        let pending: Vec<(usize, Block)> = self.blocks.iter().map(|(&p, &b)| (p, b)).collect();
        for (pc, blk) in pending {
            if self.b.func.layout.is_block_inserted(blk) {
                continue;
            }
            self.b.switch_to_block(blk);
            let v = self.b.ins().iconst(I64, pc as i64);
            self.b.ins().jump(self.interp_exit, &[BlockArg::Value(v)]);
        }
        Ok(())
    }

    fn save_regs(&mut self) {
        let sp = self.b.use_var(self.sp);
        self.store_ctx(sp, abi::SP);
        let gas = self.b.use_var(self.gas);
        self.store_ctx(gas, abi::GAS);
    }

    fn translate_dyn_jump(&mut self) {
        let blk = self.dyn_jump;
        self.b.switch_to_block(blk);
        let l: Vec<Value> = self.b.block_params(blk).to_vec();
        let hi = self.b.ins().bor(l[1], l[2]);
        let hi = self.b.ins().bor(hi, l[3]);
        let hi_bad = self.b.ins().icmp_imm_u(IntCC::NotEqual, hi, 0);
        let lo_bad = self.b.ins().icmp_imm_u(
            IntCC::UnsignedGreaterThanOrEqual,
            l[0],
            self.code.len as i64,
        );
        let bad = self.b.ins().bor(hi_bad, lo_bad);
        let lookup = self.b.create_block();
        self.b.ins().brif(bad, self.invalid_jump, &[], lookup, &[]);
        self.b.switch_to_block(lookup);
        let table = self
            .b
            .ins()
            .iconst(self.ptr, self.layout.jump_index.as_ptr() as i64);
        let off = self.b.ins().ishl_imm_u(l[0], 2);
        let addr = self.b.ins().iadd(table, off);
        let idx = self
            .b
            .ins()
            .load(types::I32, MemFlagsData::trusted().with_readonly(), addr, 0);
        // Every BlockCall is its own: the SSA builder appends arguments to each.
        let invalid = self.b.func.dfg.block_call(self.invalid_jump, &[]);
        let mut targets = vec![self.b.func.dfg.block_call(self.invalid_jump, &[])];
        for &d in &self.layout.jumpdests.clone() {
            let b = self.block_at(d);
            targets.push(self.b.func.dfg.block_call(b, &[]));
        }
        let jt = self
            .b
            .create_jump_table(JumpTableData::new(invalid, &targets));
        self.b.ins().br_table(idx, jt);
    }

    /// Translates the block `[start, end)` (`end`: the next block's start).
    fn translate_block(&mut self, start: usize, end: usize) -> Result<(), CompileError> {
        let blk = self.block_at(start);
        self.b.switch_to_block(blk);
        let info = self.code.blocks[start];
        if info.min == IMPOSSIBLE_MIN {
            let v = self.b.ins().iconst(I64, start as i64);
            self.b.ins().jump(self.interp_exit, &[BlockArg::Value(v)]);
            return Ok(());
        }
        // Entry: one check of the stack bounds and the gas, one charge.
        let sp0 = self.b.use_var(self.sp);
        let gas = self.b.use_var(self.gas);
        let rel = self.b.ins().iadd_imm_s(sp0, -(info.min as i64));
        let bad_stack = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThan, rel, info.span as i64);
        let bad_gas = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, gas, info.gas as i64);
        let bad = self.b.ins().bor(bad_stack, bad_gas);
        let body = self.b.create_block();
        let pcv = self.b.ins().iconst(I64, start as i64);
        self.b
            .ins()
            .brif(bad, self.interp_exit, &[BlockArg::Value(pcv)], body, &[]);
        self.b.switch_to_block(body);
        let g = self.b.ins().iadd_imm_s(gas, -(info.gas as i64));
        self.b.def_var(self.gas, g);
        let off = self.b.ins().ishl_imm_u(sp0, 5);
        let base = self.b.ins().iadd(self.stack_base, off);
        let mut vs = VStack {
            below: info.min as usize,
            items: vec![Slot::Mem; info.min as usize],
            base,
            sp0,
        };
        let mut pc = start;
        if pc < self.code.len && self.code.padded[pc] == JUMPDEST {
            pc += 1;
        }
        loop {
            if pc >= self.code.len {
                // The implicit STOP after the code.
                self.exit_stop(&mut vs, pc);
                return Ok(());
            }
            if pc >= end {
                // Falls into the next block, a JUMPDEST.
                self.end_block(&mut vs);
                let next = self.block_at(pc);
                self.b.ins().jump(next, &[]);
                return Ok(());
            }
            let op = self.code.padded[pc];
            match self.instruction(&mut vs, pc, op)? {
                Flow::Next(n) => pc = n,
                Flow::FallInto(n) => {
                    self.end_block(&mut vs);
                    if n >= self.code.len && !self.layout.starts.iter().any(|s| s.0 == n) {
                        self.exit_stop(&mut vs, n);
                    } else {
                        let next = self.block_at(n);
                        self.b.ins().jump(next, &[]);
                    }
                    return Ok(());
                }
                Flow::Done => return Ok(()),
            }
        }
    }

    fn exit_stop(&mut self, vs: &mut VStack, pc: usize) {
        self.set_sp(vs);
        let v = self.b.ins().iconst(I64, pc as i64 + 1);
        self.store_ctx(v, abi::PC);
        self.save_regs();
        self.status(abi::STOP);
    }

    /// The runtime height for the virtual stack's current top.
    fn height(&mut self, vs: &VStack) -> Value {
        let d = vs.items.len() as i64 - vs.below as i64;
        self.b.ins().iadd_imm_s(vs.sp0, d)
    }

    fn set_sp(&mut self, vs: &VStack) {
        let h = self.height(vs);
        self.b.def_var(self.sp, h);
    }

    /// Writes every dirty word to the arena; `clean`: mark them written (the write happens
    /// on every path from here on).
    fn flush(&mut self, vs: &mut VStack, clean: bool) {
        let flags = MemFlagsData::trusted();
        for k in 0..vs.items.len() {
            let off = (k as i64 - vs.below as i64) * 32;
            let limbs = match vs.items[k] {
                Slot::Val(l, true) => l,
                Slot::Const(c, true) => {
                    let l = c.as_limbs();
                    [0, 1, 2, 3].map(|i| self.b.ins().iconst(I64, l[i] as i64))
                }
                _ => continue,
            };
            for (i, v) in limbs.iter().enumerate() {
                self.b
                    .ins()
                    .store(flags, *v, vs.base, (off + 8 * i as i64) as i32);
            }
            if clean {
                vs.items[k] = match vs.items[k] {
                    Slot::Val(l, _) => Slot::Val(l, false),
                    Slot::Const(c, _) => Slot::Const(c, false),
                    s => s,
                };
            }
        }
    }

    fn end_block(&mut self, vs: &mut VStack) {
        self.flush(vs, true);
        self.set_sp(vs);
    }

    fn pop(&mut self, vs: &mut VStack) -> Result<Slot, CompileError> {
        vs.items
            .pop()
            .ok_or(CompileError::Internal("stack below the block's bound"))
    }

    fn index(&self, vs: &VStack, from_top: usize) -> Result<usize, CompileError> {
        vs.items
            .len()
            .checked_sub(from_top + 1)
            .ok_or(CompileError::Internal("stack below the block's bound"))
    }

    /// The limbs of the word at `k`, loading it if it is in the arena.
    fn limbs_at(&mut self, vs: &mut VStack, k: usize) -> [Value; 4] {
        match vs.items[k] {
            Slot::Val(l, _) => l,
            Slot::Const(c, _) => {
                let l = c.as_limbs();
                [0, 1, 2, 3].map(|i| self.b.ins().iconst(I64, l[i] as i64))
            }
            Slot::Mem => {
                let off = (k as i64 - vs.below as i64) * 32;
                let l = [0, 1, 2, 3].map(|i| {
                    self.b
                        .ins()
                        .load(I64, MemFlagsData::trusted(), vs.base, (off + 8 * i) as i32)
                });
                vs.items[k] = Slot::Val(l, false);
                l
            }
        }
    }

    fn pop_limbs(&mut self, vs: &mut VStack) -> Result<[Value; 4], CompileError> {
        let k = self.index(vs, 0)?;
        let l = self.limbs_at(vs, k);
        vs.items.pop();
        Ok(l)
    }

    fn push_val(&mut self, vs: &mut VStack, l: [Value; 4]) {
        vs.items.push(Slot::Val(l, true));
    }

    fn bool_word(&mut self, c: Value) -> [Value; 4] {
        let w = self.b.ins().uextend(I64, c);
        let z = self.b.ins().iconst(I64, 0);
        [w, z, z, z]
    }

    /// The two top words as constants, when both are.
    fn consts2(&self, vs: &VStack) -> Option<(U256, U256)> {
        let n = vs.items.len();
        if n < 2 {
            return None;
        }
        match (vs.items[n - 1], vs.items[n - 2]) {
            (Slot::Const(a, _), Slot::Const(b, _)) => Some((a, b)),
            _ => None,
        }
    }

    fn top_const(&self, vs: &VStack) -> Option<U256> {
        match vs.items.last() {
            Some(Slot::Const(c, _)) => Some(*c),
            _ => None,
        }
    }

    /// Runs the instruction at `pc` through the interpreter: flush, call, exit on exit,
    /// reload what it may have changed. Its outputs are then in the arena.
    fn step(&mut self, vs: &mut VStack, pc: usize, op: u8) -> Result<(), CompileError> {
        let info = self.table.0[op as usize];
        self.flush(vs, true);
        let h = self.height(vs);
        self.store_ctx(h, abi::SP);
        let gas = self.b.use_var(self.gas);
        self.store_ctx(gas, abi::GAS);
        let p = self.b.ins().iconst(I64, pc as i64);
        self.store_ctx(p, abi::PC);
        let f = self
            .b
            .ins()
            .iconst(self.ptr, abi::builtin_step as *const () as i64);
        let call = self.b.ins().call_indirect(self.step_sig, f, &[self.ctx]);
        let st = self.b.inst_results(call)[0];
        let cont = self.b.create_block();
        self.b.ins().brif(st, self.exit, &[], cont, &[]);
        self.b.switch_to_block(cont);
        let flags = MemFlagsData::trusted();
        let g = self.b.ins().load(I64, flags, self.ctx, abi::GAS);
        self.b.def_var(self.gas, g);
        let m = self.b.ins().load(I64, flags, self.ctx, abi::MEM_LEN);
        self.b.def_var(self.mem_len, m);
        for _ in 0..info.inputs {
            self.pop(vs)?;
        }
        for _ in 0..info.outputs {
            vs.items.push(Slot::Mem);
        }
        Ok(())
    }

    /// A step whose instruction always leaves the frame (call, create, return, ...).
    fn step_exit(
        &mut self,
        vs: &mut VStack,
        pc: usize,
        op: u8,
        next: usize,
    ) -> Result<Flow, CompileError> {
        self.step(vs, pc, op)?;
        // The interpreter never continues after these; hand over if it ever did.
        self.set_sp(vs);
        let v = self.b.ins().iconst(I64, next as i64);
        self.b.ins().jump(self.interp_exit, &[BlockArg::Value(v)]);
        Ok(Flow::Done)
    }

    fn instruction(&mut self, vs: &mut VStack, pc: usize, op: u8) -> Result<Flow, CompileError> {
        let next = pc + 1;
        macro_rules! bin {
            ($fold:expr, $emit:ident) => {{
                if let Some((a, b)) = self.consts2(vs) {
                    vs.items.pop();
                    vs.items.pop();
                    let f: fn(U256, U256) -> U256 = $fold;
                    vs.items.push(Slot::Const(f(a, b), true));
                } else {
                    let a = self.pop_limbs(vs)?;
                    let b = self.pop_limbs(vs)?;
                    let r = self.$emit(a, b);
                    self.push_val(vs, r);
                }
                return Ok(Flow::Next(next));
            }};
        }
        match op {
            STOP => {
                self.exit_stop(vs, pc);
                return Ok(Flow::Done);
            }
            ADD => bin!(|a, b| a.wrapping_add(b), add),
            SUB => bin!(|a, b| a.wrapping_sub(b), sub),
            MUL => bin!(|a, b| a.wrapping_mul(b), mul),
            AND => bin!(|a, b| a & b, and),
            OR => bin!(|a, b| a | b, or),
            XOR => bin!(|a, b| a ^ b, xor),
            LT => bin!(|a, b| U256::from((a < b) as u8), lt),
            GT => bin!(|a, b| U256::from((a > b) as u8), gt),
            SLT => bin!(|a, b| U256::from(slt(a, b) as u8), slt_w),
            SGT => bin!(|a, b| U256::from(slt(b, a) as u8), sgt_w),
            EQ => bin!(|a, b| U256::from((a == b) as u8), eq),
            ISZERO => {
                if let Some(c) = self.top_const(vs) {
                    vs.items.pop();
                    vs.items
                        .push(Slot::Const(U256::from(c.is_zero() as u8), true));
                } else {
                    let a = self.pop_limbs(vs)?;
                    let z = self.is_zero(a);
                    let r = self.bool_word(z);
                    self.push_val(vs, r);
                }
            }
            NOT => {
                if let Some(c) = self.top_const(vs) {
                    vs.items.pop();
                    vs.items.push(Slot::Const(!c, true));
                } else {
                    let a = self.pop_limbs(vs)?;
                    let r = a.map(|x| self.b.ins().bnot(x));
                    self.push_val(vs, r);
                }
            }
            SHL | SHR | SAR => {
                let n = vs.items.len();
                let shift = match vs.items.get(n.wrapping_sub(1)) {
                    Some(Slot::Const(s, _)) => Some(*s),
                    _ => None,
                };
                match (shift, self.consts2(vs)) {
                    (_, Some((s, x))) => {
                        vs.items.pop();
                        vs.items.pop();
                        let r = match op {
                            SHL => arith::shl(s, x),
                            SHR => arith::shr(s, x),
                            _ => arith::sar(s, x),
                        };
                        vs.items.push(Slot::Const(r, true));
                    }
                    (Some(s), None) => {
                        vs.items.pop();
                        let x = self.pop_limbs(vs)?;
                        let s = arith::small(s).filter(|&s| s < 256).unwrap_or(256);
                        let r = self.shift_const(op, x, s as u32);
                        self.push_val(vs, r);
                    }
                    (None, None) => self.step(vs, pc, op)?,
                }
            }
            POP => {
                self.pop(vs)?;
            }
            PUSH0 => vs.items.push(Slot::Const(U256::ZERO, true)),
            PUSH1..=PUSH32 => {
                let n = (op - PUSH1 + 1) as usize;
                let mut w = [0u8; 32];
                // Padded code: a push cut off by the end reads zeros.
                w[32 - n..].copy_from_slice(&self.code.padded[pc + 1..pc + 1 + n]);
                vs.items.push(Slot::Const(U256::from_be_bytes(w), true));
                return Ok(Flow::Next(pc + 1 + n));
            }
            DUP1..=DUP16 => {
                let n = (op - DUP1) as usize;
                let k = self.index(vs, n)?;
                let s = match vs.items[k] {
                    Slot::Const(c, _) => Slot::Const(c, true),
                    _ => Slot::Val(self.limbs_at(vs, k), true),
                };
                vs.items.push(s);
            }
            SWAP1..=SWAP16 => {
                let n = (op - SWAP1 + 1) as usize;
                let top = self.index(vs, 0)?;
                let other = self.index(vs, n)?;
                for k in [top, other] {
                    if let Slot::Mem = vs.items[k] {
                        self.limbs_at(vs, k);
                    }
                }
                vs.items.swap(top, other);
                for k in [top, other] {
                    vs.items[k] = match vs.items[k] {
                        Slot::Val(l, _) => Slot::Val(l, true),
                        Slot::Const(c, _) => Slot::Const(c, true),
                        s => s,
                    };
                }
            }
            PC => vs.items.push(Slot::Const(U256::from(pc), true)),
            CODESIZE => vs.items.push(Slot::Const(U256::from(self.code.len), true)),
            GAS => {
                let g = self.b.use_var(self.gas);
                let z = self.b.ins().iconst(I64, 0);
                self.push_val(vs, [g, z, z, z]);
                return Ok(Flow::FallInto(next));
            }
            MSIZE => {
                let m = self.b.use_var(self.mem_len);
                let z = self.b.ins().iconst(I64, 0);
                self.push_val(vs, [m, z, z, z]);
            }
            MLOAD | MSTORE | MSTORE8 => self.memory_op(vs, pc, op)?,
            JUMP => {
                let k = self.index(vs, 0)?;
                match vs.items[k] {
                    Slot::Const(d, _) => {
                        vs.items.pop();
                        self.end_block(vs);
                        let target = self.static_target(d);
                        self.b.ins().jump(target, &[]);
                    }
                    _ => {
                        let l = self.limbs_at(vs, k);
                        vs.items.pop();
                        self.end_block(vs);
                        let args = l.map(BlockArg::Value);
                        self.b.ins().jump(self.dyn_jump, &args);
                    }
                }
                return Ok(Flow::Done);
            }
            JUMPI => {
                let kd = self.index(vs, 0)?;
                let kc = self.index(vs, 1)?;
                let d = vs.items[kd];
                let dl = match d {
                    Slot::Const(..) => None,
                    _ => Some(self.limbs_at(vs, kd)),
                };
                let cond = match vs.items[kc] {
                    Slot::Const(c, _) => Err(!c.is_zero()),
                    _ => {
                        let l = self.limbs_at(vs, kc);
                        Ok(self.is_zero(l))
                    }
                };
                vs.items.pop();
                vs.items.pop();
                self.end_block(vs);
                let fall =
                    if next >= self.code.len && !self.layout.starts.iter().any(|s| s.0 == next) {
                        None
                    } else {
                        Some(self.block_at(next.min(self.code.len)))
                    };
                let taken = self.b.create_block();
                let not_taken = match fall {
                    Some(b) => b,
                    None => self.b.create_block(),
                };
                match cond {
                    Err(true) => {
                        self.b.ins().jump(taken, &[]);
                    }
                    Err(false) => {
                        self.b.ins().jump(not_taken, &[]);
                    }
                    Ok(is_zero) => {
                        self.b.ins().brif(is_zero, not_taken, &[], taken, &[]);
                    }
                }
                self.b.switch_to_block(taken);
                match (d, dl) {
                    (Slot::Const(d, _), _) => {
                        let t = self.static_target(d);
                        self.b.ins().jump(t, &[]);
                    }
                    (_, Some(l)) => {
                        let args = l.map(BlockArg::Value);
                        self.b.ins().jump(self.dyn_jump, &args);
                    }
                    _ => return Err(CompileError::Internal("jump destination")),
                }
                if fall.is_none() {
                    self.b.switch_to_block(not_taken);
                    let v = self.b.ins().iconst(I64, next as i64 + 1);
                    self.store_ctx(v, abi::PC);
                    self.save_regs();
                    self.status(abi::STOP);
                }
                return Ok(Flow::Done);
            }
            JUMPDEST => return Ok(Flow::FallInto(pc)),
            INVALID => {
                self.set_sp(vs);
                let v = self.b.ins().iconst(I64, next as i64);
                self.store_ctx(v, abi::PC);
                self.save_regs();
                self.status(abi::INVALID_OPCODE);
                return Ok(Flow::Done);
            }
            CALL | CALLCODE | DELEGATECALL | STATICCALL | CREATE | CREATE2 | RETURN | REVERT
            | SELFDESTRUCT => return self.step_exit(vs, pc, op, next),
            SSTORE => {
                self.step(vs, pc, op)?;
                return Ok(Flow::FallInto(next));
            }
            _ => self.step(vs, pc, op)?,
        }
        Ok(Flow::Next(next))
    }

    fn static_target(&mut self, d: U256) -> Block {
        match arith::small(d) {
            Some(d) if self.code.is_jumpdest(d) => self.block_at(d),
            _ => self.invalid_jump,
        }
    }

    fn memory_op(&mut self, vs: &mut VStack, pc: usize, op: u8) -> Result<(), CompileError> {
        let width: i64 = if op == MSTORE8 { 1 } else { 32 };
        let ko = self.index(vs, 0)?;
        let off = self.limbs_at(vs, ko);
        let value = if op == MLOAD {
            None
        } else {
            let kv = self.index(vs, 1)?;
            Some(self.limbs_at(vs, kv))
        };
        // In bounds of the current memory: no expansion, no gas.
        let hi = self.b.ins().bor(off[1], off[2]);
        let hi = self.b.ins().bor(hi, off[3]);
        let lo_hi = self.b.ins().ushr_imm_u(off[0], 32);
        let big = self.b.ins().bor(hi, lo_hi);
        let big = self.b.ins().icmp_imm_u(IntCC::NotEqual, big, 0);
        let end = self.b.ins().iadd_imm_s(off[0], width);
        let len = self.b.use_var(self.mem_len);
        let past = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        let slow_needed = self.b.ins().bor(big, past);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let merge = self.b.create_block();
        if op == MLOAD {
            for _ in 0..4 {
                self.b.append_block_param(merge, I64);
            }
        }
        self.b.ins().brif(slow_needed, slow, &[], fast, &[]);

        // Fast path.
        self.b.switch_to_block(fast);
        let addr = self.b.ins().iadd(self.mem_base, off[0]);
        let flags = MemFlagsData::trusted();
        match value {
            None => {
                let l: Vec<BlockArg> = (0..4)
                    .map(|i| {
                        let w = self.b.ins().load(I64, flags, addr, 24 - 8 * i);
                        BlockArg::Value(self.b.ins().bswap(w))
                    })
                    .collect();
                self.b.ins().jump(merge, &l);
            }
            Some(v) if op == MSTORE => {
                for (i, &limb) in v.iter().enumerate() {
                    let w = self.b.ins().bswap(limb);
                    self.b.ins().store(flags, w, addr, (24 - 8 * i) as i32);
                }
                self.b.ins().jump(merge, &[]);
            }
            Some(v) => {
                self.b.ins().istore8(flags, v[0], addr, 0);
                self.b.ins().jump(merge, &[]);
            }
        }

        // Slow path: the interpreter expands memory and charges for it.
        self.b.switch_to_block(slow);
        let saved = vs.items.clone();
        self.step(vs, pc, op)?;
        if op == MLOAD {
            let k = self.index(vs, 0)?;
            let l = self.limbs_at(vs, k);
            let args = l.map(BlockArg::Value);
            self.b.ins().jump(merge, &args);
        } else {
            self.b.ins().jump(merge, &[]);
        }
        // After the merge the words below are as on the fast path (still dirty there).
        vs.items = saved;
        self.b.switch_to_block(merge);
        if op == MLOAD {
            let p = self.b.block_params(merge).to_vec();
            vs.items.pop();
            self.push_val(vs, [p[0], p[1], p[2], p[3]]);
        } else {
            vs.items.pop();
            vs.items.pop();
        }
        Ok(())
    }

    // ---- 256-bit arithmetic on limbs ----

    // x64 Cranelift has no add-with-carry instruction in its IR lowering (`uadd_overflow_cin`
    // is unimplemented there), so carries are the flags of two plain adds, or'ed.

    /// `x + y + carry_in` and the carry out (both carries are `i8` booleans).
    fn adc(&mut self, x: Value, y: Value, cin: Value) -> (Value, Value) {
        let (s, c1) = self.b.ins().uadd_overflow(x, y);
        let c = self.b.ins().uextend(I64, cin);
        let (r, c2) = self.b.ins().uadd_overflow(s, c);
        (r, self.b.ins().bor(c1, c2))
    }

    /// `x - y - borrow_in` and the borrow out.
    fn sbb(&mut self, x: Value, y: Value, bin: Value) -> (Value, Value) {
        let (s, b1) = self.b.ins().usub_overflow(x, y);
        let b = self.b.ins().uextend(I64, bin);
        let (r, b2) = self.b.ins().usub_overflow(s, b);
        (r, self.b.ins().bor(b1, b2))
    }

    fn add(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        let (r0, c) = self.b.ins().uadd_overflow(a[0], b[0]);
        let (r1, c) = self.adc(a[1], b[1], c);
        let (r2, c) = self.adc(a[2], b[2], c);
        let t = self.b.ins().iadd(a[3], b[3]);
        let c = self.b.ins().uextend(I64, c);
        let r3 = self.b.ins().iadd(t, c);
        [r0, r1, r2, r3]
    }

    /// `a - b` and the final borrow (`a < b`).
    fn sub_borrow(&mut self, a: [Value; 4], b: [Value; 4]) -> ([Value; 4], Value) {
        let (r0, c) = self.b.ins().usub_overflow(a[0], b[0]);
        let (r1, c) = self.sbb(a[1], b[1], c);
        let (r2, c) = self.sbb(a[2], b[2], c);
        let (r3, c) = self.sbb(a[3], b[3], c);
        ([r0, r1, r2, r3], c)
    }

    fn sub(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        self.sub_borrow(a, b).0
    }

    fn mul(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        let zero = self.b.ins().iconst(I64, 0);
        let mut r = [zero; 4];
        for i in 0..4 {
            let mut carry = zero;
            for j in 0..4 - i {
                if i + j == 3 {
                    let p = self.b.ins().imul(a[i], b[j]);
                    let t = self.b.ins().iadd(r[3], p);
                    r[3] = self.b.ins().iadd(t, carry);
                } else {
                    let lo = self.b.ins().imul(a[i], b[j]);
                    let hi = self.b.ins().umulhi(a[i], b[j]);
                    let (s, c1) = self.b.ins().uadd_overflow(lo, r[i + j]);
                    let (s, c2) = self.b.ins().uadd_overflow(s, carry);
                    r[i + j] = s;
                    let c1 = self.b.ins().uextend(I64, c1);
                    let c2 = self.b.ins().uextend(I64, c2);
                    let h = self.b.ins().iadd(hi, c1);
                    carry = self.b.ins().iadd(h, c2);
                }
            }
        }
        r
    }

    fn and(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        [0, 1, 2, 3].map(|i| self.b.ins().band(a[i], b[i]))
    }

    fn or(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        [0, 1, 2, 3].map(|i| self.b.ins().bor(a[i], b[i]))
    }

    fn xor(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        [0, 1, 2, 3].map(|i| self.b.ins().bxor(a[i], b[i]))
    }

    fn is_zero(&mut self, a: [Value; 4]) -> Value {
        let x = self.b.ins().bor(a[0], a[1]);
        let y = self.b.ins().bor(a[2], a[3]);
        let z = self.b.ins().bor(x, y);
        self.b.ins().icmp_imm_u(IntCC::Equal, z, 0)
    }

    fn eq(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        let x = self.xor(a, b);
        let z = self.is_zero(x);
        self.bool_word(z)
    }

    fn lt(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        let (_, borrow) = self.sub_borrow(a, b);
        self.bool_word(borrow)
    }

    fn gt(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        self.lt(b, a)
    }

    fn flip_sign(&mut self, mut a: [Value; 4]) -> [Value; 4] {
        a[3] = self.b.ins().bxor_imm_s(a[3], i64::MIN);
        a
    }

    fn slt_w(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        let a = self.flip_sign(a);
        let b = self.flip_sign(b);
        self.lt(a, b)
    }

    fn sgt_w(&mut self, a: [Value; 4], b: [Value; 4]) -> [Value; 4] {
        self.slt_w(b, a)
    }

    /// SHL/SHR/SAR by a constant `s` (256 for every shift of 256 or more).
    #[allow(clippy::needless_range_loop)] // limb i of the result reads limbs i + k of the input
    fn shift_const(&mut self, op: u8, x: [Value; 4], s: u32) -> [Value; 4] {
        let zero = self.b.ins().iconst(I64, 0);
        let fill = if op == SAR {
            self.b.ins().sshr_imm_u(x[3], 63)
        } else {
            zero
        };
        if s >= 256 {
            return [fill; 4];
        }
        let (k, bits) = ((s / 64) as usize, (s % 64) as i64);
        let mut r = [fill; 4];
        match op {
            SHL => {
                for i in (k..4).rev() {
                    let src = i - k;
                    let mut v = self.b.ins().ishl_imm_u(x[src], bits);
                    if bits != 0 && src > 0 {
                        let lo = self.b.ins().ushr_imm_u(x[src - 1], 64 - bits);
                        v = self.b.ins().bor(v, lo);
                    }
                    r[i] = v;
                }
                for v in r.iter_mut().take(k) {
                    *v = zero;
                }
            }
            _ => {
                for i in 0..4 - k {
                    let src = i + k;
                    let hi_word = if src + 1 < 4 { Some(x[src + 1]) } else { None };
                    let mut v = if src == 3 && op == SAR {
                        self.b.ins().sshr_imm_u(x[src], bits)
                    } else {
                        self.b.ins().ushr_imm_u(x[src], bits)
                    };
                    if bits != 0 {
                        let h = hi_word.unwrap_or(fill);
                        if src + 1 < 4 || op == SAR {
                            let h = self.b.ins().ishl_imm_u(h, 64 - bits);
                            v = self.b.ins().bor(v, h);
                        }
                    }
                    r[i] = v;
                }
            }
        }
        r
    }
}

/// Signed less-than on words.
fn slt(a: U256, b: U256) -> bool {
    let sign = U256::from(1u8) << 255;
    (a ^ sign) < (b ^ sign)
}

enum Flow {
    /// The next instruction of the block.
    Next(usize),
    /// The block ends; control falls into the block at the given pc.
    FallInto(usize),
    /// The block ended with its own branch or exit.
    Done,
}

//! One contract's bytecode to one Cranelift function.
//!
//! The function's basic blocks are the analysis's ([`AnalyzedCode::blocks`]): each is entered
//! by one check of its stack bounds and one charge of its static gas, as in the interpreter.
//! Gas, the stack height and the memory length stay in the context ([`crate::abi::JitCtx`]):
//! no value is live from one block to the next but the context pointer, so the function has
//! no phis and register allocation stays linear. Inside a block the operand stack is virtual
//! ([`VStack`]): words are limbs ([`crate::word`]), constant or SSA, and reach the arena's
//! stack only at block edges and before a step. Instructions that are not inlined call a
//! direct builtin ([`crate::builtins`]: operands in the context, nothing flushed) or run
//! through [`crate::abi::builtin_step`], the interpreter's own implementation. Static jumps
//! are direct branches; dynamic ones go through a table of the JUMPDESTs.

use crate::abi;
use crate::builtins::{self, BuiltinFn};
use crate::compiler::CompileError;
use crate::layout::Layout;
use crate::word::{self, Flag, Limb, Word};
use alloy_primitives::U256;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, InstBuilder, JumpTableData, MemFlagsData, SigRef, Signature,
    Value,
};
use cranelift_frontend::FunctionBuilder;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use zkos_os::evm::analysis::{AnalyzedCode, IMPOSSIBLE_MIN};
use zkos_os::evm::arith;
use zkos_os::evm::opcodes::*;
use zkos_os::evm::ops;

const I64: types::Type = types::I64;

/// A word of the virtual stack.
#[derive(Clone, Copy)]
enum Slot {
    /// In the arena's stack at its position, not loaded.
    Mem,
    /// Limbs; `dirty`: not yet written to the arena.
    Word(Word, bool),
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
    /// The height (relative to the entry) the context's `sp` holds, when known.
    stored: Option<i64>,
}

impl VStack {
    /// The virtual top's height relative to the entry height.
    fn delta(&self) -> i64 {
        self.items.len() as i64 - self.below as i64
    }

    /// Byte offset from `base` of the word at `k`.
    fn offset(&self, k: usize) -> i64 {
        (k as i64 - self.below as i64) * 32
    }

    fn index(&self, from_top: usize) -> Result<usize, CompileError> {
        self.items
            .len()
            .checked_sub(from_top + 1)
            .ok_or(CompileError::Internal("stack below the block's bound"))
    }

    fn pop(&mut self) -> Result<Slot, CompileError> {
        self.items
            .pop()
            .ok_or(CompileError::Internal("stack below the block's bound"))
    }

    fn push(&mut self, w: Word) {
        self.items.push(Slot::Word(w, true));
    }

    fn push_const(&mut self, c: U256) {
        self.push(word::constant(c));
    }

    /// The constant at `from_top`, when it is one.
    fn constant(&self, from_top: usize) -> Option<U256> {
        let k = self.items.len().checked_sub(from_top + 1)?;
        match &self.items[k] {
            Slot::Word(w, _) => word::as_constant(w),
            Slot::Mem => None,
        }
    }
}

/// Bytes of immediate data after `op` (PUSH1..PUSH32).
fn push_len(op: u8) -> usize {
    if (PUSH1..=PUSH32).contains(&op) {
        (op - PUSH1 + 1) as usize
    } else {
        0
    }
}

/// How the translation of a block goes on after an instruction.
enum Flow {
    /// The next instruction of the block.
    Next(usize),
    /// The block ends; control falls into the block at the given pc.
    FallInto(usize),
    /// The block ended with its own branch or exit.
    Done,
}

pub(crate) struct Translator<'a, 'l> {
    pub(crate) b: FunctionBuilder<'a>,
    code: &'l AnalyzedCode,
    table: &'l OpTable,
    layout: &'l Layout,
    ptr: types::Type,
    ctx: Value,
    step_sig: SigRef,
    blocks: HashMap<usize, Block>,
    /// The code after the charge of blocks that end a chain of JUMPDESTs.
    rests: HashMap<usize, Block>,
    /// For a block that is a lone JUMPDEST falling into the next block: the first block of
    /// its chain that is not one, and the gas of the whole chain up to and including it.
    chains: HashMap<usize, (usize, u64)>,
    /// The blocks chains end in.
    targets: HashSet<usize>,
    /// Blocks whose entry check failed, each handing over at its pc: emitted after all
    /// the others, out of the hot path. (A shared exit taking the pc as a parameter would
    /// have a predecessor per block, which the single-pass allocator handles in quadratic
    /// time.)
    cold: Vec<(Block, usize)>,
    /// Returns EXIT (a builtin recorded the exit).
    exit: Block,
    /// Returns OUT_OF_GAS; made on first use.
    oog: Option<Block>,
    /// The pc of the last instruction of the block being translated that can halt the
    /// frame for a reason other than gas (see [`Self::may_halt_otherwise`]). An instruction
    /// after it that cannot pay for its dynamic part with the block's advance charge taken
    /// halts out of gas at once: the interpreter would give the rest of the charge back and
    /// go on, but the rest then cannot be paid either, and nothing before it can end the
    /// frame another way. That needs no flush of the virtual stack and no slow step.
    last_risky: Option<usize>,
    invalid_jump: Block,
    /// The dispatch of dynamic jumps (destination in the context's `dest`). Made by the first
    /// dynamic jump, which makes every JUMPDEST reachable.
    dyn_jump: Option<Block>,
    /// Blocks referred to and not yet translated, lowest pc first. Only what is reachable
    /// is translated: Cranelift's removal of unreachable blocks is quadratic in the fan-in
    /// of their successors (a chain of lone JUMPDESTs that no jump reaches).
    queue: BinaryHeap<Reverse<usize>>,
}

impl<'a, 'l> Translator<'a, 'l> {
    pub(crate) fn new(
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
        let mut step = Signature::new(b.func.signature.call_conv);
        step.params.push(AbiParam::new(ptr));
        step.params.push(AbiParam::new(I64));
        step.returns.push(AbiParam::new(types::I32));
        let step_sig = b.import_signature(step);
        let exit = b.create_block();
        let invalid_jump = b.create_block();
        let mut t = Translator {
            b,
            code,
            table,
            layout,
            ptr,
            ctx,
            step_sig,
            blocks: HashMap::new(),
            rests: HashMap::new(),
            chains: HashMap::new(),
            targets: Default::default(),
            cold: Vec::new(),
            exit,
            oog: None,
            last_risky: None,
            invalid_jump,
            dyn_jump: None,
            queue: BinaryHeap::new(),
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
        t.status(abi::INTERP);
        t
    }

    /// Where the block at `pc` goes on after its charge, for blocks that end a chain of
    /// JUMPDESTs (entered from each link after that link's check and charge).
    fn rest_at(&mut self, pc: usize) -> Block {
        if let Some(&b) = self.rests.get(&pc) {
            return b;
        }
        let b = self.b.create_block();
        self.rests.insert(pc, b);
        b
    }

    /// Finds the chains of lone JUMPDESTs that fall through into the next block: each is
    /// entered by one check and charge for the whole chain and its last block (what the
    /// interpreter would charge on its way there), then branches straight to that block's
    /// body. Without this, code of many JUMPDESTs runs (and compiles) a check per byte.
    fn find_chains(&mut self) {
        let starts = &self.layout.starts;
        for i in (0..starts.len().saturating_sub(1)).rev() {
            let (s, next) = (starts[i], starts[i + 1]);
            if next != s + 1 || next >= self.code.len || self.code.padded[s] != JUMPDEST {
                continue;
            }
            let (target, gas) = match self.chains.get(&next) {
                Some(&c) => c,
                None => {
                    let t = self.code.blocks[next];
                    if t.min == IMPOSSIBLE_MIN {
                        continue;
                    }
                    (next, u64::from(t.gas))
                }
            };
            let gas = gas.saturating_add(u64::from(self.code.blocks[s].gas));
            self.chains.insert(s, (target, gas));
            self.targets.insert(target);
        }
    }

    fn block_at(&mut self, pc: usize) -> Block {
        if let Some(&b) = self.blocks.get(&pc) {
            return b;
        }
        let b = self.b.create_block();
        self.blocks.insert(pc, b);
        self.queue.push(Reverse(pc));
        b
    }

    /// The dynamic-jump dispatch, made on first use.
    fn dyn_jump_block(&mut self) -> Block {
        if let Some(b) = self.dyn_jump {
            return b;
        }
        let b = self.b.create_block();
        self.dyn_jump = Some(b);
        for &d in &self.layout.jumpdests {
            self.block_at(d);
        }
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

    fn load_ctx(&mut self, ty: types::Type, off: i32) -> Value {
        self.b
            .ins()
            .load(ty, MemFlagsData::trusted(), self.ctx, off)
    }

    /// Leaves compiled code for the interpreter, which goes on at `pc`.
    fn hand_over(&mut self, pc: usize) {
        let v = self.b.ins().iconst(I64, pc as i64);
        self.store_ctx(v, abi::PC);
        self.status(abi::INTERP);
    }

    pub(crate) fn translate(&mut self) -> Result<(), CompileError> {
        // Shared exits.
        self.b.switch_to_block(self.exit);
        self.status(abi::EXIT);

        self.b.switch_to_block(self.invalid_jump);
        self.status(abi::INVALID_JUMP);

        self.find_chains();
        let mut dyn_done = false;
        loop {
            while let Some(Reverse(pc)) = self.queue.pop() {
                match self.layout.end_of(pc, self.code.len) {
                    Some(end) => self.translate_block(pc, end)?,
                    None => {
                        // Not a block start (only the defensive case: jumps go to
                        // JUMPDESTs): hand over to the interpreter.
                        let blk = self.blocks[&pc];
                        self.b.switch_to_block(blk);
                        self.hand_over(pc);
                    }
                }
            }
            match self.dyn_jump {
                Some(blk) if !dyn_done => {
                    dyn_done = true;
                    self.translate_dyn_jump(blk);
                }
                _ => break,
            }
        }
        if let Some(b) = self.oog {
            self.b.switch_to_block(b);
            self.status(abi::OUT_OF_GAS);
        }
        for (blk, pc) in std::mem::take(&mut self.cold) {
            self.b.switch_to_block(blk);
            self.hand_over(pc);
        }
        // A body is only branched to after its block's charge: one never translated would
        // be a translator bug, and handing over there would charge twice.
        if self
            .rests
            .values()
            .any(|&b| !self.b.func.layout.is_block_inserted(b))
        {
            return Err(CompileError::Internal(
                "a chain ends in an untranslated block",
            ));
        }
        Ok(())
    }

    fn translate_dyn_jump(&mut self, blk: Block) {
        self.b.switch_to_block(blk);
        let dest = self.load_ctx(I64, abi::DEST);
        let bad = self.b.ins().icmp_imm_u(
            IntCC::UnsignedGreaterThanOrEqual,
            dest,
            self.code.len as i64,
        );
        let lookup = self.b.create_block();
        self.b.ins().brif(bad, self.invalid_jump, &[], lookup, &[]);
        self.b.switch_to_block(lookup);
        let table = self
            .b
            .ins()
            .iconst(self.ptr, self.layout.jump_index.as_ptr() as i64);
        let off = self.b.ins().ishl_imm_u(dest, 2);
        let addr = self.b.ins().iadd(table, off);
        let idx = self
            .b
            .ins()
            .load(types::I32, MemFlagsData::trusted().with_readonly(), addr, 0);
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
            self.hand_over(start);
            return Ok(());
        }
        if let Some(&(target, gas)) = self.chains.get(&start) {
            let (_, left) = self.entry_check(start, target, gas);
            self.store_ctx(left, abi::GAS);
            // The chain's last block must be translated: it is reachable through here.
            self.block_at(target);
            let rest = self.rest_at(target);
            self.b.ins().jump(rest, &[]);
            return Ok(());
        }
        self.last_risky = self.last_risky_in(start, end);
        let (mut sp0, left) = self.entry_check(start, start, u64::from(info.gas));
        if info.gas != 0 {
            self.store_ctx(left, abi::GAS);
        }
        if self.targets.contains(&start) {
            // Links of a chain come here too, charged: the height is reloaded.
            let rest = self.rest_at(start);
            self.b.ins().jump(rest, &[]);
            self.b.switch_to_block(rest);
            sp0 = self.load_ctx(I64, abi::SP);
        }
        let stack = self.load_ctx(self.ptr, abi::STACK);
        let off = self.b.ins().ishl_imm_u(sp0, 5);
        let base = self.b.ins().iadd(stack, off);
        let mut vs = VStack {
            below: info.min as usize,
            items: vec![Slot::Mem; info.min as usize],
            base,
            sp0,
            stored: Some(0),
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
                    if n >= self.code.len && !self.layout.is_start(n) {
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

    /// The last instruction in `[start, end)` that [`Self::may_halt_otherwise`] with static
    /// gas still to pay after it in the block. One with none after it cannot be reached by a
    /// frame short of gas for an earlier instruction's dynamic part: reaching it means
    /// paying the block's whole static charge and that dynamic part, more than the frame has.
    fn last_risky_in(&self, start: usize, end: usize) -> Option<usize> {
        let mut last = None;
        let mut pc = start;
        while pc < end.min(self.code.len) {
            let op = self.code.padded[pc];
            if self.may_halt_otherwise(op) {
                last = Some(pc);
            }
            pc += 1 + push_len(op);
        }
        let risky = last?;
        // Static gas after it.
        let mut pc = risky + 1 + push_len(self.code.padded[risky]);
        while pc < end.min(self.code.len) {
            let op = self.code.padded[pc];
            if self.table.0[op as usize].gas > 0 {
                return Some(risky);
            }
            pc += 1 + push_len(op);
        }
        // Nothing to pay after it: the one before it, if any, decides.
        self.last_risky_in(start, risky)
    }

    /// Whether the instruction can halt the frame for a reason other than gas, its stack
    /// having been checked at the block's entry: undefined opcodes, jumps, RETURNDATACOPY
    /// (out of bounds), and what a static frame forbids (state changes, calls, creates).
    fn may_halt_otherwise(&self, op: u8) -> bool {
        match op {
            JUMP
            | JUMPI
            | RETURNDATACOPY
            | SSTORE
            | TSTORE
            | LOG0..=LOG4
            | CALL
            | CALLCODE
            | DELEGATECALL
            | STATICCALL
            | CREATE
            | CREATE2
            | SELFDESTRUCT
            | INVALID => true,
            _ => self.table.0[op as usize].is_undefined(),
        }
    }

    /// Whether the instruction at `pc` may halt out of gas at once (see `last_risky`).
    fn halts_directly(&self, pc: usize) -> bool {
        self.last_risky.is_none_or(|r| r < pc)
    }

    /// The shared out-of-gas exit.
    fn oog_block(&mut self) -> Block {
        if let Some(b) = self.oog {
            return b;
        }
        let b = self.b.create_block();
        self.oog = Some(b);
        b
    }

    /// The entry of the block at `start`: one check of the stack bounds of `target`'s
    /// block and of `gas`, failing to the interpreter at `start` (which finds where and why
    /// the frame halts). Leaves the builder where the check passed, with the entry height
    /// and the gas left after the charge (not stored yet).
    fn entry_check(&mut self, start: usize, target: usize, gas: u64) -> (Value, Value) {
        let info = self.code.blocks[target];
        let sp0 = self.load_ctx(I64, abi::SP);
        let have = self.load_ctx(I64, abi::GAS);
        let cost = self.b.ins().iconst(I64, gas as i64);
        let (left, short) = self.b.ins().usub_overflow(have, cost);
        // Heights are 0..=1024: a block that takes any of them needs no stack check.
        let bad = if info.min == 0 && info.span >= 1024 {
            short
        } else {
            let rel = self.b.ins().iadd_imm_s(sp0, -(info.min as i64));
            let bad_stack =
                self.b
                    .ins()
                    .icmp_imm_u(IntCC::UnsignedGreaterThan, rel, info.span as i64);
            self.b.ins().bor(bad_stack, short)
        };
        let body = self.b.create_block();
        let cold = self.b.create_block();
        self.cold.push((cold, start));
        self.b.ins().brif(bad, cold, &[], body, &[]);
        self.b.switch_to_block(body);
        (sp0, left)
    }

    fn exit_stop(&mut self, vs: &mut VStack, pc: usize) {
        self.set_sp(vs);
        let v = self.b.ins().iconst(I64, pc as i64 + 1);
        self.store_ctx(v, abi::PC);
        self.status(abi::STOP);
    }

    /// Makes the context's `sp` the virtual stack's current height (a store only when it
    /// holds another).
    fn set_sp(&mut self, vs: &mut VStack) {
        let d = vs.delta();
        if vs.stored != Some(d) {
            let h = self.b.ins().iadd_imm_s(vs.sp0, d);
            self.store_ctx(h, abi::SP);
            vs.stored = Some(d);
        }
    }

    /// Writes every dirty word to the arena; `clean`: mark them written (the write happens
    /// on every path from here on).
    fn flush(&mut self, vs: &mut VStack, clean: bool) {
        let flags = MemFlagsData::trusted();
        for k in 0..vs.items.len() {
            let Slot::Word(w, true) = vs.items[k] else {
                continue;
            };
            let off = vs.offset(k);
            for (i, l) in w.iter().enumerate() {
                let v = word::value(&mut self.b, *l);
                self.b
                    .ins()
                    .store(flags, v, vs.base, (off + 8 * i as i64) as i32);
            }
            if clean {
                vs.items[k] = Slot::Word(w, false);
            }
        }
    }

    fn end_block(&mut self, vs: &mut VStack) {
        self.flush(vs, true);
        self.set_sp(vs);
    }

    /// The limbs of the word at `k`, loading it if it is in the arena.
    fn word_at(&mut self, vs: &mut VStack, k: usize) -> Word {
        match vs.items[k] {
            Slot::Word(w, _) => w,
            Slot::Mem => {
                let off = vs.offset(k);
                let w = [0, 1, 2, 3].map(|i| {
                    Limb::V(self.b.ins().load(
                        I64,
                        MemFlagsData::trusted(),
                        vs.base,
                        (off + 8 * i) as i32,
                    ))
                });
                vs.items[k] = Slot::Word(w, false);
                w
            }
        }
    }

    fn pop_word(&mut self, vs: &mut VStack) -> Result<Word, CompileError> {
        let k = vs.index(0)?;
        let w = self.word_at(vs, k);
        vs.items.pop();
        Ok(w)
    }

    /// Runs the instruction at `pc` through the interpreter: flush, call, exit on exit.
    /// Its outputs are then in the arena.
    fn step(&mut self, vs: &mut VStack, pc: usize, op: u8) -> Result<(), CompileError> {
        let info = self.table.0[op as usize];
        self.flush(vs, true);
        self.set_sp(vs);
        let p = self.b.ins().iconst(I64, pc as i64);
        let f = self
            .b
            .ins()
            .iconst(self.ptr, abi::builtin_step as *const () as i64);
        let call = self.b.ins().call_indirect(self.step_sig, f, &[self.ctx, p]);
        let st = self.b.inst_results(call)[0];
        let cont = self.b.create_block();
        self.b.ins().brif(st, self.exit, &[], cont, &[]);
        self.b.switch_to_block(cont);
        for _ in 0..info.inputs {
            vs.pop()?;
        }
        for _ in 0..info.outputs {
            vs.items.push(Slot::Mem);
        }
        // Words already in the arena are reloaded rather than kept across the call.
        for s in vs.items.iter_mut() {
            if let Slot::Word(w, false) = s {
                if word::as_constant(w).is_none() {
                    *s = Slot::Mem;
                }
            }
        }
        // The interpreter left the context's `sp` at the new height.
        vs.stored = Some(vs.delta());
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
        // The interpreter never continues after these; hand over if it ever did (the step
        // left the context's `sp` current).
        self.hand_over(next);
        Ok(Flow::Done)
    }

    fn instruction(&mut self, vs: &mut VStack, pc: usize, op: u8) -> Result<Flow, CompileError> {
        let next = pc + 1;
        macro_rules! bin {
            ($emit:expr) => {{
                let a = self.pop_word(vs)?;
                let b = self.pop_word(vs)?;
                let r = $emit(&mut self.b, a, b);
                vs.push(r);
            }};
        }
        macro_rules! cmp {
            ($emit:expr) => {{
                let a = self.pop_word(vs)?;
                let b = self.pop_word(vs)?;
                let f: Flag = $emit(&mut self.b, a, b);
                let r = word::from_flag(&mut self.b, f);
                vs.push(r);
            }};
        }
        match op {
            STOP => {
                self.exit_stop(vs, pc);
                return Ok(Flow::Done);
            }
            ADD => bin!(word::add),
            SUB => bin!(word::sub),
            MUL => bin!(word::mul),
            AND => bin!(word::and),
            OR => bin!(word::or),
            XOR => bin!(word::xor),
            LT => cmp!(word::lt),
            GT => cmp!(|b: &mut FunctionBuilder, x, y| word::lt(b, y, x)),
            SLT => cmp!(word::slt),
            SGT => cmp!(|b: &mut FunctionBuilder, x, y| word::slt(b, y, x)),
            EQ => cmp!(word::eq),
            ISZERO => {
                let a = self.pop_word(vs)?;
                let f = word::is_zero(&mut self.b, a);
                let r = word::from_flag(&mut self.b, f);
                vs.push(r);
            }
            NOT => {
                let a = self.pop_word(vs)?;
                let r = word::not(&mut self.b, a);
                vs.push(r);
            }
            SHL => self.by_index(
                vs,
                256,
                |b, x, s| word::shift(b, x, s, true, false),
                builtins::shl,
            )?,
            SHR => self.by_index(
                vs,
                256,
                |b, x, s| word::shift(b, x, s, false, false),
                builtins::shr,
            )?,
            SAR => self.by_index(
                vs,
                256,
                |b, x, s| word::shift(b, x, s, false, true),
                builtins::sar,
            )?,
            DIV | MOD => match vs.constant(1).map(|d| (d, arith::small(d))) {
                // By zero: zero.
                Some((_, Some(0))) => {
                    vs.pop()?;
                    vs.pop()?;
                    vs.push_const(U256::ZERO);
                }
                // By a power of two: a shift or a mask.
                Some((d, _)) if d.is_power_of_two() => {
                    let x = self.pop_word(vs)?;
                    vs.pop()?;
                    let n = d.trailing_zeros() as u32;
                    let r = if op == DIV {
                        word::shift(&mut self.b, x, n, false, false)
                    } else {
                        let m = word::constant(d - U256::from(1u8));
                        word::and(&mut self.b, x, m)
                    };
                    vs.push(r);
                }
                _ => self.pure(
                    vs,
                    if op == DIV {
                        builtins::div
                    } else {
                        builtins::rem
                    },
                    2,
                )?,
            },
            SDIV => self.pure(vs, builtins::sdiv, 2)?,
            SMOD => self.pure(vs, builtins::smod, 2)?,
            ADDMOD => self.pure(vs, builtins::addmod, 3)?,
            MULMOD => self.pure(vs, builtins::mulmod, 3)?,
            CLZ => self.pure(vs, builtins::clz, 1)?,
            EXP => self.checked(vs, pc, op, builtins::exp, 2, true, 0)?,
            SLOAD => self.checked(vs, pc, op, builtins::sload, 1, true, 0)?,
            TLOAD => self.checked(vs, pc, op, builtins::tload, 1, true, 0)?,
            TSTORE => self.checked(vs, pc, op, builtins::tstore, 2, false, 0)?,
            KECCAK256 => self.checked(vs, pc, op, builtins::keccak256, 2, true, 0)?,
            LOG0..=LOG4 => {
                let n = (op - LOG0) as usize;
                self.checked(vs, pc, op, builtins::log, 2 + n, false, n as i64)?
            }
            BYTE => self.by_index(vs, 32, word::byte, builtins::byte)?,
            SIGNEXTEND => self.by_index(vs, 31, word::signextend, builtins::signextend)?,
            CALLDATALOAD => self.calldataload(vs)?,
            _ if ops::is_env_getter(op) => self.pure_arg(vs, builtins::env, 0, op as i64)?,
            POP => {
                vs.pop()?;
            }
            PUSH0 => vs.push_const(U256::ZERO),
            PUSH1..=PUSH32 => {
                let n = (op - PUSH1 + 1) as usize;
                let mut w = [0u8; 32];
                // Padded code: a push cut off by the end reads zeros.
                w[32 - n..].copy_from_slice(&self.code.padded[pc + 1..pc + 1 + n]);
                vs.push_const(U256::from_be_bytes(w));
                return Ok(Flow::Next(pc + 1 + n));
            }
            DUP1..=DUP16 => {
                let k = vs.index((op - DUP1) as usize)?;
                let w = self.word_at(vs, k);
                vs.push(w);
            }
            SWAP1..=SWAP16 => {
                let top = vs.index(0)?;
                let other = vs.index((op - SWAP1 + 1) as usize)?;
                let a = self.word_at(vs, top);
                let b = self.word_at(vs, other);
                vs.items[top] = Slot::Word(b, true);
                vs.items[other] = Slot::Word(a, true);
            }
            PC => vs.push_const(U256::from(pc)),
            CODESIZE => vs.push_const(U256::from(self.code.len)),
            GAS => {
                let g = self.load_ctx(I64, abi::GAS);
                vs.push([Limb::V(g), Limb::K(0), Limb::K(0), Limb::K(0)]);
                return Ok(Flow::FallInto(next));
            }
            MSIZE => {
                let m = self.load_ctx(I64, abi::MEM_LEN);
                vs.push([Limb::V(m), Limb::K(0), Limb::K(0), Limb::K(0)]);
            }
            MLOAD | MSTORE | MSTORE8 => self.memory_op(vs, pc, op)?,
            JUMP => {
                let d = self.pop_word(vs)?;
                self.end_block(vs);
                match word::as_constant(&d) {
                    Some(d) => {
                        let target = self.static_target(d);
                        self.b.ins().jump(target, &[]);
                    }
                    None => self.jump_dynamic(d),
                }
                return Ok(Flow::Done);
            }
            JUMPI => {
                let d = self.pop_word(vs)?;
                let c = self.pop_word(vs)?;
                let cond = word::is_nonzero(&mut self.b, c);
                self.end_block(vs);
                let fall = if next >= self.code.len && !self.layout.is_start(next) {
                    None
                } else {
                    Some(self.block_at(next.min(self.code.len)))
                };
                let not_taken = match fall {
                    Some(b) => b,
                    None => self.b.create_block(),
                };
                let taken = match (word::as_constant(&d), cond) {
                    (Some(d), _) => self.static_target(d),
                    (None, Flag::K(false)) => not_taken,
                    (None, _) => self.b.create_block(),
                };
                match cond {
                    Flag::K(true) => {
                        self.b.ins().jump(taken, &[]);
                    }
                    Flag::K(false) => {
                        self.b.ins().jump(not_taken, &[]);
                    }
                    Flag::V(c) => {
                        self.b.ins().brif(c, taken, &[], not_taken, &[]);
                    }
                }
                if word::as_constant(&d).is_none() && cond != Flag::K(false) {
                    self.b.switch_to_block(taken);
                    self.jump_dynamic(d);
                }
                if fall.is_none() {
                    self.b.switch_to_block(not_taken);
                    let v = self.b.ins().iconst(I64, next as i64 + 1);
                    self.store_ctx(v, abi::PC);
                    self.status(abi::STOP);
                }
                return Ok(Flow::Done);
            }
            JUMPDEST => return Ok(Flow::FallInto(pc)),
            INVALID => {
                self.set_sp(vs);
                let v = self.b.ins().iconst(I64, next as i64);
                self.store_ctx(v, abi::PC);
                self.status(abi::INVALID_OPCODE);
                return Ok(Flow::Done);
            }
            CALL | CALLCODE | DELEGATECALL | STATICCALL | CREATE | CREATE2 | RETURN | REVERT
            | SELFDESTRUCT => return self.step_exit(vs, pc, op, next),
            SSTORE => {
                self.checked(vs, pc, op, builtins::sstore, 2, false, 0)?;
                return Ok(Flow::FallInto(next));
            }
            _ => self.step(vs, pc, op)?,
        }
        Ok(Flow::Next(next))
    }

    /// An instruction on `(index, x)` (SHL/SHR/SAR, BYTE, SIGNEXTEND): inline by `emit` when
    /// the index is a constant (`limit` standing for any index of `limit` or more, all of
    /// which give the same result), by the builtin `f` otherwise.
    fn by_index(
        &mut self,
        vs: &mut VStack,
        limit: usize,
        emit: impl FnOnce(&mut FunctionBuilder<'a>, Word, u32) -> Word,
        f: BuiltinFn,
    ) -> Result<(), CompileError> {
        let Some(i) = vs.constant(0) else {
            return self.pure(vs, f, 2);
        };
        vs.pop()?;
        let x = self.pop_word(vs)?;
        let i = arith::small(i).filter(|&i| i < limit).unwrap_or(limit);
        let r = emit(&mut self.b, x, i as u32);
        vs.push(r);
        Ok(())
    }

    /// Calls the direct builtin `f` with `arg`: its status.
    fn call_builtin(&mut self, f: BuiltinFn, arg: i64) -> Value {
        let a = self.b.ins().iconst(I64, arg);
        self.call_builtin_value(f, a)
    }

    fn call_builtin_value(&mut self, f: BuiltinFn, arg: Value) -> Value {
        let f = self.b.ins().iconst(self.ptr, f as *const () as i64);
        let call = self
            .b
            .ins()
            .call_indirect(self.step_sig, f, &[self.ctx, arg]);
        self.b.inst_results(call)[0]
    }

    /// Writes the `n` top words to the context's operands (the top first).
    fn store_args(&mut self, vs: &mut VStack, n: usize) -> Result<(), CompileError> {
        for j in 0..n {
            let k = vs.index(j)?;
            let w = self.word_at(vs, k);
            for (i, l) in w.iter().enumerate() {
                let v = word::value(&mut self.b, *l);
                self.store_ctx(v, abi::ARGS + (32 * j + 8 * i) as i32);
            }
        }
        Ok(())
    }

    /// The word a direct builtin left in the context's operands.
    fn load_result(&mut self) -> Word {
        [0, 1, 2, 3].map(|i| Limb::V(self.load_ctx(I64, abi::ARGS + 8 * i)))
    }

    /// An instruction computed by a builtin that cannot fail: `n` inputs, one output.
    fn pure(&mut self, vs: &mut VStack, f: BuiltinFn, n: usize) -> Result<(), CompileError> {
        self.pure_arg(vs, f, n, 0)
    }

    /// As [`Self::pure`], passing `arg` to the builtin.
    fn pure_arg(
        &mut self,
        vs: &mut VStack,
        f: BuiltinFn,
        n: usize,
        arg: i64,
    ) -> Result<(), CompileError> {
        self.store_args(vs, n)?;
        self.call_builtin(f, arg);
        for _ in 0..n {
            vs.pop()?;
        }
        let r = self.load_result();
        vs.push(r);
        Ok(())
    }

    /// An instruction computed by a builtin that may answer [`builtins::SLOW`] (`n` inputs;
    /// one output when `out`): then it runs as a step.
    #[allow(clippy::too_many_arguments)]
    fn checked(
        &mut self,
        vs: &mut VStack,
        pc: usize,
        op: u8,
        f: BuiltinFn,
        n: usize,
        out: bool,
        arg: i64,
    ) -> Result<(), CompileError> {
        self.store_args(vs, n)?;
        let st = self.call_builtin(f, arg);
        let ok = self.b.create_block();
        let slow = self.b.create_block();
        let merge = if out {
            self.word_merge()
        } else {
            self.b.create_block()
        };
        self.b.ins().brif(st, slow, &[], ok, &[]);
        self.b.switch_to_block(ok);
        if out {
            let r = self.load_result();
            let args = word::values(&mut self.b, r).map(BlockArg::Value);
            self.b.ins().jump(merge, &args);
        } else {
            self.b.ins().jump(merge, &[]);
        }
        self.b.switch_to_block(slow);
        self.slow_step(vs, pc, op, Some(merge))?;
        self.b.switch_to_block(merge);
        for _ in 0..n {
            vs.pop()?;
        }
        if out {
            let p = self.b.block_params(merge).to_vec();
            vs.push([p[0], p[1], p[2], p[3]].map(Limb::V));
        }
        Ok(())
    }

    /// A block taking a word as four parameters.
    fn word_merge(&mut self) -> Block {
        let merge = self.b.create_block();
        for _ in 0..4 {
            self.b.append_block_param(merge, I64);
        }
        merge
    }

    /// The slow path of an instruction with a fast one: runs it as a step and jumps to
    /// `merge`, with its output word when `merge` takes one. The virtual stack is left as
    /// it was before the instruction, with the context's `sp` unknown: what the fast path
    /// leaves after the merge.
    fn slow_step(
        &mut self,
        vs: &mut VStack,
        pc: usize,
        op: u8,
        merge: Option<Block>,
    ) -> Result<(), CompileError> {
        let saved = vs.items.clone();
        self.step(vs, pc, op)?;
        match merge {
            Some(m) if !self.b.block_params(m).is_empty() => {
                let k = vs.index(0)?;
                let w = self.word_at(vs, k);
                let args = word::values(&mut self.b, w).map(BlockArg::Value);
                self.b.ins().jump(m, &args);
            }
            Some(m) => {
                self.b.ins().jump(m, &[]);
            }
            None => {}
        }
        // After the merge the words below are as on the fast path (still dirty there), and
        // the context's `sp` holds the entry's or the step's height.
        vs.items = saved;
        vs.stored = None;
        Ok(())
    }

    /// CALLDATALOAD: inline when the word lies wholly inside the calldata.
    fn calldataload(&mut self, vs: &mut VStack) -> Result<(), CompileError> {
        let k = vs.index(0)?;
        let off = self.word_at(vs, k);
        let small = word::fits_u32(&mut self.b, off);
        let merge = self.word_merge();
        let outside = self.b.create_block();
        if small != Flag::K(false) {
            let o = word::value(&mut self.b, off[0]);
            let end = self.b.ins().iadd_imm_s(o, 32);
            let len = self.load_ctx(I64, abi::CALLDATA_LEN);
            let inside = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, len);
            let inside = match small {
                Flag::V(s) => self.b.ins().band(s, inside),
                _ => inside,
            };
            let fast = self.b.create_block();
            self.b.ins().brif(inside, fast, &[], outside, &[]);
            self.b.switch_to_block(fast);
            let data = self.load_ctx(self.ptr, abi::CALLDATA);
            let addr = self.b.ins().iadd(data, o);
            let flags = MemFlagsData::trusted().with_readonly();
            let l: Vec<BlockArg> = (0..4)
                .map(|i| {
                    let w = self.b.ins().load(I64, flags, addr, 24 - 8 * i);
                    BlockArg::Value(self.b.ins().bswap(w))
                })
                .collect();
            self.b.ins().jump(merge, &l);
        } else {
            self.b.ins().jump(outside, &[]);
        }
        self.b.switch_to_block(outside);
        self.store_args(vs, 1)?;
        self.call_builtin(builtins::calldataload, 0);
        let r = self.load_result();
        let args = word::values(&mut self.b, r).map(BlockArg::Value);
        self.b.ins().jump(merge, &args);
        self.b.switch_to_block(merge);
        vs.pop()?;
        let p = self.b.block_params(merge).to_vec();
        vs.push([p[0], p[1], p[2], p[3]].map(Limb::V));
        Ok(())
    }

    /// Jumps to the word `d` through the dispatch: the destination goes through the
    /// context, not a block parameter (a parameter on a block with a predecessor per jump
    /// costs the single-pass allocator quadratic time). A destination of 2^64 or more
    /// becomes `u64::MAX`, which no code reaches.
    fn jump_dynamic(&mut self, d: Word) {
        let l = word::values(&mut self.b, d);
        let hi = self.b.ins().bor(l[1], l[2]);
        let hi = self.b.ins().bor(hi, l[3]);
        let far = self.b.ins().icmp_imm_u(IntCC::NotEqual, hi, 0);
        let never = self.b.ins().iconst(I64, -1);
        let dest = self.b.ins().select(far, never, l[0]);
        self.store_ctx(dest, abi::DEST);
        let blk = self.dyn_jump_block();
        self.b.ins().jump(blk, &[]);
    }

    fn static_target(&mut self, d: U256) -> Block {
        match arith::small(d) {
            Some(d) if self.code.is_jumpdest(d) => self.block_at(d),
            _ => self.invalid_jump,
        }
    }

    /// MLOAD, MSTORE, MSTORE8: inline when the access lies inside the current memory (no
    /// expansion, no gas); the interpreter expands and charges otherwise.
    fn memory_op(&mut self, vs: &mut VStack, pc: usize, op: u8) -> Result<(), CompileError> {
        let width: i64 = if op == MSTORE8 { 1 } else { 32 };
        let ko = vs.index(0)?;
        let off = self.word_at(vs, ko);
        let value = if op == MLOAD {
            None
        } else {
            let kv = vs.index(1)?;
            Some(self.word_at(vs, kv))
        };
        let small = word::fits_u32(&mut self.b, off);
        let len = self.load_ctx(I64, abi::MEM_LEN);
        let fits = match (small, off[0]) {
            (Flag::K(false), _) => Flag::K(false),
            (Flag::K(true), Limb::K(o)) => {
                let end = o as i64 + width;
                Flag::V(
                    self.b
                        .ins()
                        .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, len, end),
                )
            }
            (small, o) => {
                let o = word::value(&mut self.b, o);
                let end = self.b.ins().iadd_imm_s(o, width);
                let inside = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, len);
                match small {
                    Flag::V(s) => Flag::V(self.b.ins().band(s, inside)),
                    Flag::K(_) => Flag::V(inside),
                }
            }
        };
        let merge = if op == MLOAD {
            self.word_merge()
        } else {
            self.b.create_block()
        };
        if self.halts_directly(pc) {
            self.memory_direct(op, off, value, small, fits, width, merge);
            self.b.switch_to_block(merge);
            vs.items.pop();
            if op == MLOAD {
                let p = self.b.block_params(merge).to_vec();
                vs.push([p[0], p[1], p[2], p[3]].map(Limb::V));
            } else {
                vs.items.pop();
            }
            return Ok(());
        }
        let slow = self.b.create_block();
        match fits {
            Flag::V(f) => {
                let fast = self.b.create_block();
                let outside = self.b.create_block();
                self.b.ins().brif(f, fast, &[], outside, &[]);
                // Outside memory but below 2^32: the builtin grows it (or answers SLOW).
                self.b.switch_to_block(outside);
                if let Flag::V(s) = small {
                    let grow = self.b.create_block();
                    self.b.ins().brif(s, grow, &[], slow, &[]);
                    self.b.switch_to_block(grow);
                }
                let o = word::value(&mut self.b, off[0]);
                let end = self.b.ins().iadd_imm_s(o, width);
                let st = self.call_builtin_value(builtins::grow, end);
                self.b.ins().brif(st, slow, &[], fast, &[]);
                self.b.switch_to_block(fast);
                self.memory_fast(op, off[0], value, merge);
            }
            // The offset cannot be inside memory.
            Flag::K(_) => {
                self.b.ins().jump(slow, &[]);
            }
        }

        // Slow path: the interpreter expands memory and charges for it, or halts.
        self.b.switch_to_block(slow);
        self.slow_step(vs, pc, op, Some(merge))?;
        self.b.switch_to_block(merge);
        if op == MLOAD {
            let p = self.b.block_params(merge).to_vec();
            vs.items.pop();
            vs.push([p[0], p[1], p[2], p[3]].map(Limb::V));
        } else {
            vs.items.pop();
            vs.items.pop();
        }
        Ok(())
    }
    /// A memory access that halts out of gas at once when it cannot pay (see `last_risky`):
    /// inside memory it runs inline; below 2^32 the builtin grows memory or halts; past it
    /// the frame is out of gas. Ends with a jump to `merge`.
    #[allow(clippy::too_many_arguments)]
    fn memory_direct(
        &mut self,
        op: u8,
        off: Word,
        value: Option<Word>,
        small: Flag,
        fits: Flag,
        width: i64,
        merge: Block,
    ) {
        let oog = self.oog_block();
        let Flag::V(f) = fits else {
            self.b.ins().jump(oog, &[]);
            return;
        };
        let fast = self.b.create_block();
        let outside = self.b.create_block();
        self.b.ins().brif(f, fast, &[], outside, &[]);
        self.b.switch_to_block(outside);
        if let Flag::V(s) = small {
            let grow = self.b.create_block();
            self.b.ins().brif(s, grow, &[], oog, &[]);
            self.b.switch_to_block(grow);
        }
        let o = word::value(&mut self.b, off[0]);
        let end = self.b.ins().iadd_imm_s(o, width);
        let st = self.call_builtin_value(builtins::grow_or_halt, end);
        self.b.ins().brif(st, self.exit, &[], fast, &[]);
        self.b.switch_to_block(fast);
        self.memory_fast(op, off[0], value, merge);
    }

    /// The in-bounds access at `off` (below 2^32), then a jump to `merge` (with the loaded
    /// word for MLOAD).
    fn memory_fast(&mut self, op: u8, off: Limb, value: Option<Word>, merge: Block) {
        let mem_base = self.load_ctx(self.ptr, abi::MEM_BASE);
        let addr = match off {
            Limb::K(o) => self.b.ins().iadd_imm_s(mem_base, o as i64),
            Limb::V(o) => self.b.ins().iadd(mem_base, o),
        };
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
                    let w = word::bswap(&mut self.b, limb);
                    let w = word::value(&mut self.b, w);
                    self.b.ins().store(flags, w, addr, (24 - 8 * i) as i32);
                }
                self.b.ins().jump(merge, &[]);
            }
            Some(v) => {
                let w = word::value(&mut self.b, v[0]);
                self.b.ins().istore8(flags, w, addr, 0);
                self.b.ins().jump(merge, &[]);
            }
        }
    }
}

//! The cycle profiler: an [`Observer`] that attributes every retired instruction exactly, by
//! function (inclusive and exclusive, inlined frames included) and, with the guest's cycle
//! markers, by EVM opcode ([`opcodes`]).
//!
//! # How
//! During the run the profiler keeps a shadow call stack from the call and return hints
//! (`jal`/`jalr` linking x1 or x5, `jalr x0` from them), as nodes of a call-path trie (one
//! node per distinct path of call sites and targets), and counts straight-line runs of instructions:
//! a run is `(node, first pc, end pc)`, counted in a hash map each time control leaves it (a
//! taken branch, a jump, a call or return), so the per-instruction work is an increment and
//! a compare. That is exact: every retired instruction is in exactly one run, and a run's pcs
//! each ran once per count. At the end, once per distinct pc, the DWARF line tables give its
//! frames (the function and the inlined calls in it, addr2line), and once per node the trie
//! gives its path: for each call on it, the call site's frames (so a call made from inlined
//! code sits under the inlined function) and the called function; a stack is the node's path
//! followed by the pc's frames. Exclusive cycles are by a stack's last frame, inclusive by every function on it
//! (once per stack, so recursion does not count twice). The totals equal the run's cycles.
//!
//! A return whose target is not the top of the shadow stack pops to the frame it returns to
//! (a frame some code skipped, e.g. a tail call's callee returning to its caller's caller);
//! a return to no frame on the stack is ignored. A tail call (`jalr x0` to a function) is
//! not a call: its callee's code shows under its caller's node, with the callee's own frames
//! from the DWARF after it.
//!
//! On a run that ends in a trap the trapping instruction is observed (and counted) although
//! it did not retire.

pub mod opcodes;
mod symbols;

use crate::observer::{Observer, View};
use crate::{RunResult, Simulator, Trap};
use opcodes::{MarkerIds, OpcodeCounter, OpcodeProfile};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write;
use std::path::Path;
use symbols::Symbolizer;

/// A multiplicative hash for the profiler's integer keys (hot: one lookup per run).
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0 ^ i).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A node of the call-path trie: the path of its parent plus a call at `site` to `target`.
#[derive(Clone, Copy, Debug)]
struct Node {
    parent: u32,
    site: u32,
    target: u32,
}

/// The root node: code before any call (the entry).
const ROOT: u32 = 0;
/// A pc no instruction has (not 4-aligned): ends the current run.
const NO_PC: u32 = 1;

const MARK_NONE: u8 = 0;
const MARK_OPCODE: u8 = 1;
const MARK_FRAME_END: u8 = 2;

/// The profiling observer; run a machine with it ([`crate::Machine::run_with`]), then
/// [`finish`](Self::finish) it with the ELF for the names.
pub struct Profiler {
    /// Instructions observed.
    count: u64,
    node: u32,
    run_start: u32,
    run_end: u32,
    runs: FastMap<(u32, u32, u32), u64>,
    nodes: Vec<Node>,
    children: FastMap<(u32, u32, u32), u32>,
    /// The shadow call stack: node and return address of each call in flight.
    stack: Vec<(u32, u32)>,
    /// Returns that did not match the top of the shadow stack.
    resyncs: u64,
    /// Per ROM word: which marker it is, if any.
    marks: Vec<u8>,
    opcodes: Option<OpcodeCounter>,
}

impl Profiler {
    /// A profiler for `sim`'s program; with `markers`, the hints `addi x0, x0, ID` of those
    /// ids in its ROM are the EVM opcode markers ([`opcodes`]).
    pub fn new(sim: &Simulator, markers: Option<MarkerIds>) -> Profiler {
        let rom = sim.rom_image();
        let mut marks = vec![MARK_NONE; rom.len() / 4];
        if let Some(ids) = markers {
            let hint = |id: u32| crate::encode::addi(0, 0, (id & 0x7ff) as i32);
            for (i, w) in rom.chunks_exact(4).enumerate() {
                let w = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                if w == hint(ids.opcode) {
                    marks[i] = MARK_OPCODE;
                } else if w == hint(ids.frame_end) {
                    marks[i] = MARK_FRAME_END;
                }
            }
        }
        Profiler {
            count: 0,
            node: ROOT,
            run_start: 0,
            run_end: 0,
            runs: FastMap::default(),
            nodes: vec![Node {
                parent: ROOT,
                site: 0,
                target: 0,
            }],
            children: FastMap::default(),
            stack: Vec::new(),
            resyncs: 0,
            marks,
            opcodes: markers.map(|_| OpcodeCounter::new()),
        }
    }

    /// How many marker instructions the ROM holds (of both kinds).
    pub fn marker_sites(&self) -> usize {
        self.marks.iter().filter(|&&m| m != MARK_NONE).count()
    }

    /// Instructions observed so far.
    pub fn instructions(&self) -> u64 {
        self.count
    }

    #[inline]
    fn end_run(&mut self) {
        if self.run_end != self.run_start && self.run_end != NO_PC {
            *self
                .runs
                .entry((self.node, self.run_start, self.run_end))
                .or_insert(0) += 1;
        }
        self.run_start = NO_PC;
        self.run_end = NO_PC;
    }

    #[cold]
    fn marker(&mut self, kind: u8, view: &View<'_>) {
        let Some(ops) = &mut self.opcodes else {
            return;
        };
        let now = self.count - 1;
        let (gas, depth) = (view.reg(11), view.reg(12));
        if kind == MARK_OPCODE {
            ops.opcode(now, view.reg(10) as u8, gas, depth);
        } else {
            ops.frame_end(now, gas, depth);
        }
    }

    /// Symbolizes the run with `elf` (the program's ELF, for its symbols and DWARF).
    pub fn finish(self, elf: &[u8]) -> Result<Profile, String> {
        let sym = Symbolizer::new(elf)?;
        Ok(self.finish_with(&sym))
    }

    /// Symbolizes the run with a symbol table instead of an ELF (for a ROM image): each entry
    /// names the code from its start to its end (exclusive).
    pub fn finish_with_symbols(self, symbols: &[(u32, u32, &str)]) -> Profile {
        self.finish_with(&Symbolizer::from_symbols(symbols))
    }

    fn finish_with(mut self, sym: &Symbolizer) -> Profile {
        self.end_run();
        let mut names = Names::new(sym);
        // Per (node, chain of the pc's frames): cycles.
        let mut by_stack: FastMap<(u32, u32), u64> = FastMap::default();
        for (&(node, start, end), &n) in &self.runs {
            let mut pc = start;
            while pc != end {
                *by_stack.entry((node, names.chain(pc))).or_insert(0) += n;
                pc = pc.wrapping_add(4);
            }
        }
        // Per node: its stack of names, root first: the parent's, then the call site's
        // inlined frames, then the called function.
        let mut paths: Vec<Option<Vec<u32>>> = vec![None; self.nodes.len()];
        let entry = names.outer(0);
        paths[ROOT as usize] = Some(vec![entry]);
        let mut stacks: HashMap<Vec<u32>, u64> = HashMap::new();
        for (&(node, chain), &n) in &by_stack {
            let mut stack = path_of(node, &self.nodes, &mut paths, &mut names);
            join(&mut stack, &names.chains[chain as usize]);
            *stacks.entry(stack).or_insert(0) += n;
        }
        let names = names.names;
        // Inclusive and exclusive by name.
        let mut inclusive = vec![0u64; names.len()];
        let mut exclusive = vec![0u64; names.len()];
        let mut seen = vec![u32::MAX; names.len()];
        let mut total = 0u64;
        let mut folded: Vec<(String, u64)> = Vec::with_capacity(stacks.len());
        for (i, (stack, &n)) in stacks.iter().enumerate() {
            total += n;
            if let Some(&leaf) = stack.last() {
                exclusive[leaf as usize] += n;
            }
            for &f in stack {
                if seen[f as usize] != i as u32 {
                    seen[f as usize] = i as u32;
                    inclusive[f as usize] += n;
                }
            }
            let line: Vec<&str> = stack.iter().map(|&f| names[f as usize].as_str()).collect();
            folded.push((line.join(";"), n));
        }
        folded.sort();
        let mut functions: Vec<FunctionRow> = names
            .into_iter()
            .enumerate()
            .filter(|(i, _)| inclusive[*i] > 0)
            .map(|(i, name)| FunctionRow {
                name,
                exclusive: exclusive[i],
                inclusive: inclusive[i],
            })
            .collect();
        functions.sort_by(|a, b| {
            b.inclusive
                .cmp(&a.inclusive)
                .then(b.exclusive.cmp(&a.exclusive))
                .then(a.name.cmp(&b.name))
        });
        debug_assert_eq!(total, self.count);
        Profile {
            total,
            functions,
            folded,
            call_paths: self.nodes.len(),
            resyncs: self.resyncs,
            opcodes: self.opcodes.map(|o| o.finish(self.count)),
        }
    }
}

impl Observer for Profiler {
    #[inline(always)]
    fn on_instruction(&mut self, pc: u32, view: &View<'_>) {
        self.count += 1;
        if pc != self.run_end {
            self.end_run();
            self.run_start = pc;
        }
        self.run_end = pc.wrapping_add(4);
        if let Some(&m) = self.marks.get((pc >> 2) as usize) {
            if m != MARK_NONE {
                self.marker(m, view);
            }
        }
    }

    #[inline(always)]
    fn on_call(&mut self, pc: u32, target: u32, _view: &View<'_>) {
        self.end_run();
        let key = (self.node, pc, target);
        let child = match self.children.get(&key) {
            Some(&c) => c,
            None => {
                let c = self.nodes.len() as u32;
                self.nodes.push(Node {
                    parent: self.node,
                    site: pc,
                    target,
                });
                self.children.insert(key, c);
                c
            }
        };
        self.stack.push((self.node, pc.wrapping_add(4)));
        self.node = child;
    }

    #[inline(always)]
    fn on_return(&mut self, _pc: u32, target: u32, _view: &View<'_>) {
        self.end_run();
        match self.stack.last() {
            Some(&(caller, ret)) if ret == target => {
                self.stack.pop();
                self.node = caller;
            }
            _ => {
                self.resyncs += 1;
                if let Some(i) = self.stack.iter().rposition(|&(_, ret)| ret == target) {
                    self.node = self.stack[i].0;
                    self.stack.truncate(i);
                }
            }
        }
    }
}

/// Appends `frames` (outermost first) to `stack`, without repeating the frame they share:
/// the function a call site or pc is in is the last function on the stack.
fn join(stack: &mut Vec<u32>, frames: &[u32]) {
    let skip = usize::from(!frames.is_empty() && stack.last() == frames.first());
    stack.extend_from_slice(&frames[skip..]);
}

/// The stack of names of trie node `n` (memoised in `paths`; the root's is set).
fn path_of(n: u32, nodes: &[Node], paths: &mut [Option<Vec<u32>>], names: &mut Names) -> Vec<u32> {
    if let Some(p) = &paths[n as usize] {
        return p.clone();
    }
    // Iteratively: up to the nearest ancestor with a path, then down again.
    let mut chain = vec![n];
    let mut at = nodes[n as usize].parent;
    while paths[at as usize].is_none() {
        chain.push(at);
        at = nodes[at as usize].parent;
    }
    let mut p = paths[at as usize].clone().expect("an ancestor's path");
    for &m in chain.iter().rev() {
        let node = nodes[m as usize];
        let site = names.chain(node.site);
        join(&mut p, &names.chains[site as usize].clone());
        p.push(names.outer(node.target));
        paths[m as usize] = Some(p.clone());
    }
    p
}

/// Interned names and frame chains, resolved once per distinct pc.
struct Names<'s> {
    sym: &'s Symbolizer,
    names: Vec<String>,
    ids: HashMap<String, u32>,
    chain_of_pc: FastMap<u32, u32>,
    chains: Vec<Vec<u32>>,
    chain_ids: HashMap<Vec<u32>, u32>,
    outer_of_pc: FastMap<u32, u32>,
}

impl<'s> Names<'s> {
    fn new(sym: &'s Symbolizer) -> Self {
        Names {
            sym,
            names: Vec::new(),
            ids: HashMap::new(),
            chain_of_pc: FastMap::default(),
            chains: Vec::new(),
            chain_ids: HashMap::new(),
            outer_of_pc: FastMap::default(),
        }
    }

    fn intern(&mut self, s: String) -> u32 {
        let names = &mut self.names;
        *self.ids.entry(s).or_insert_with_key(|k| {
            names.push(k.clone());
            names.len() as u32 - 1
        })
    }

    /// The chain of `pc`'s frames, outermost first.
    fn chain(&mut self, pc: u32) -> u32 {
        if let Some(&c) = self.chain_of_pc.get(&pc) {
            return c;
        }
        let frames: Vec<u32> = self
            .sym
            .frames(pc)
            .into_iter()
            .map(|f| self.intern(f))
            .collect();
        let next = self.chains.len() as u32;
        let chains = &mut self.chains;
        let c = *self.chain_ids.entry(frames.clone()).or_insert_with(|| {
            chains.push(frames);
            next
        });
        self.chain_of_pc.insert(pc, c);
        c
    }

    /// The function `pc` is in (its outermost frame): the name of a call target.
    fn outer(&mut self, pc: u32) -> u32 {
        if let Some(&n) = self.outer_of_pc.get(&pc) {
            return n;
        }
        let c = self.chain(pc);
        let n = self.chains[c as usize][0];
        self.outer_of_pc.insert(pc, n);
        n
    }
}

/// One function's cycles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionRow {
    /// The demangled name (without the hash).
    pub name: String,
    /// Cycles in its own code (inlined functions' code excluded: theirs).
    pub exclusive: u64,
    /// Cycles with it on the stack (called or inlined), once per stack.
    pub inclusive: u64,
}

/// The profile of a run.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Instructions observed: the run's cycles.
    pub total: u64,
    /// Every function on some stack, by inclusive cycles (most first).
    pub functions: Vec<FunctionRow>,
    /// Folded stacks (`a;b;c`, root first) and their cycles, sorted by stack.
    pub folded: Vec<(String, u64)>,
    /// Distinct call paths seen.
    pub call_paths: usize,
    /// Returns that did not match the shadow stack's top (resynchronised or ignored).
    pub resyncs: u64,
    /// Cycles by EVM opcode, when the profiler was given the marker ids.
    pub opcodes: Option<OpcodeProfile>,
}

impl Profile {
    /// The row of the function named `name`.
    pub fn function(&self, name: &str) -> Option<&FunctionRow> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// A function's share of the run's cycles.
    pub fn share(&self, cycles: u64) -> f64 {
        cycles as f64 / self.total.max(1) as f64
    }

    /// The folded stacks, one `stack count` line each (the input of flamegraph tools).
    pub fn folded_text(&self) -> String {
        let mut s = String::new();
        for (stack, n) in &self.folded {
            s.push_str(stack);
            s.push(' ');
            s.push_str(&n.to_string());
            s.push('\n');
        }
        s
    }

    /// Writes the folded stacks to `path`.
    pub fn write_folded(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.folded_text())
    }

    /// Writes an SVG flamegraph of the folded stacks to `path` (inferno), titled `title`.
    pub fn write_svg(&self, path: &Path, title: &str) -> std::io::Result<()> {
        let text = self.folded_text();
        let mut options = inferno::flamegraph::Options::default();
        options.title = title.to_string();
        options.count_name = "cycles".to_string();
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        inferno::flamegraph::from_lines(&mut options, text.lines(), &mut out)
            .map_err(std::io::Error::other)?;
        out.flush()
    }

    /// A text table: the `top` functions by inclusive cycles, then by exclusive cycles.
    pub fn table(&self, top: usize) -> String {
        self.table_hiding(top, |_| false)
    }

    /// [`table`](Self::table), leaving the functions `hide` names out of the inclusive half
    /// (e.g. the standard library's iterator adapters, inlined around everything; the
    /// exclusive half and the folded stacks keep every frame).
    pub fn table_hiding(&self, top: usize, hide: impl Fn(&str) -> bool) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let row = |s: &mut String, f: &FunctionRow| {
            let _ = writeln!(
                s,
                "{:>14} {:>6.2}% {:>14} {:>6.2}%  {}",
                f.inclusive,
                100.0 * self.share(f.inclusive),
                f.exclusive,
                100.0 * self.share(f.exclusive),
                f.name
            );
        };
        let header = format!(
            "{:>14} {:>7} {:>14} {:>7}  function",
            "inclusive", "", "exclusive", ""
        );
        let _ = writeln!(s, "by inclusive cycles (of {} total):", self.total);
        let _ = writeln!(s, "{header}");
        for f in self.functions.iter().filter(|f| !hide(&f.name)).take(top) {
            row(&mut s, f);
        }
        let mut by_self: Vec<&FunctionRow> = self.functions.iter().collect();
        by_self.sort_by(|a, b| b.exclusive.cmp(&a.exclusive).then(a.name.cmp(&b.name)));
        let _ = writeln!(s, "by exclusive cycles:");
        let _ = writeln!(s, "{header}");
        for f in by_self.into_iter().take(top) {
            row(&mut s, f);
        }
        s
    }
}

/// Runs `sim` once on `tape` under the profiler and symbolizes it with `elf`.
pub fn profile_run(
    sim: &Simulator,
    elf: &[u8],
    tape: &[u32],
    cycle_limit: u64,
    markers: Option<MarkerIds>,
) -> Result<(RunResult, Profile), ProfileError> {
    let mut profiler = Profiler::new(sim, markers);
    let mut machine = sim
        .machine()
        .map_err(|e| ProfileError::Other(e.to_string()))?;
    let run = machine
        .run_with(tape, cycle_limit, &mut profiler)
        .map_err(ProfileError::Trap)?;
    let profile = profiler.finish(elf).map_err(ProfileError::Other)?;
    Ok((run, profile))
}

/// Why [`profile_run`] failed.
#[derive(Debug)]
pub enum ProfileError {
    /// The run trapped.
    Trap(Trap),
    /// Loading or symbolizing failed.
    Other(String),
}

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProfileError::Trap(t) => write!(f, "{t}"),
            ProfileError::Other(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for ProfileError {}

#[cfg(test)]
mod tests;

//! Compiled code shared by every engine of a process: keyed by (code hash, fork), bounded
//! in bytes with least-recently-used eviction, and able to compile on a background thread
//! so a block never waits for the compiler.
//!
//! Engines on several threads hold one `Arc<CodeCache>`, so parallel workers compile each
//! contract once. The tiered engine's work counts live here too: a contract gets hot from
//! the frames of all workers together.

use crate::code::Compiled;
use crate::compiler::{self, CompileError, HostIsa};
use alloy_primitives::B256;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use zkos_os::evm::analysis::AnalyzedCode;
use zkos_os::evm::opcodes::OpTable;
use zkos_os::types::SpecId;

/// What a cache key names: one contract's code under one fork's rules.
pub type CodeKey = (B256, SpecId);

/// The default bound: 256 MiB of machine code and tables.
pub const DEFAULT_LIMIT: usize = 256 << 20;

/// What an entry that holds no machine code (a run count, a refusal) is charged, so the
/// bound also holds against floods of distinct cold contracts.
const ENTRY_COST: usize = 96;

/// Jobs the background compiler may have queued; past this, hot code waits for its next
/// run to be queued (it keeps running interpreted meanwhile).
const QUEUE_DEPTH: usize = 64;

/// Compilations refused for a reason other than size, in this process: each is a compiler
/// gap (the code still ran, interpreted), so the test suites require none.
static BACKEND_FAILURES: AtomicU64 = AtomicU64::new(0);

/// How many compilations failed in this process for a reason other than size.
pub fn backend_failures() -> u64 {
    BACKEND_FAILURES.load(Ordering::Relaxed)
}

/// What the cache has done, summed over every engine that uses it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Contracts (and init codes) compiled.
    pub compiled: u64,
    /// Compilations refused (too large, or a backend failure): they run interpreted.
    pub fallbacks: u64,
    /// Bytecode bytes compiled.
    pub compiled_bytes: u64,
    /// Machine code produced.
    pub machine_bytes: u64,
    /// Total compile time (on whichever thread compiled).
    pub compile_time: Duration,
    /// Entries evicted to stay under the bound.
    pub evicted: u64,
    /// Bytes the cache holds now.
    pub held_bytes: u64,
}

/// Where a key stands.
enum Slot {
    /// Interpreted so far: this much work (gas spent in the interpreter), the tiered
    /// engine's measure of heat.
    Counting(u64),
    /// Hot, queued for (or being compiled by) someone; run interpreted meanwhile.
    Pending,
    Ready(Arc<Compiled>),
    /// Refused: interpreted for as long as the entry lives.
    Refused,
}

struct Entry {
    slot: Slot,
    /// Last use (the cache's clock).
    tick: u64,
    cost: usize,
}

#[derive(Default)]
struct State {
    entries: HashMap<CodeKey, Entry, BuildHasherDefault<KeyHasher>>,
    tick: u64,
    bytes: usize,
    /// Jobs queued or running on the background compiler.
    in_flight: usize,
    stats: CacheStats,
    last_error: Option<String>,
}

/// Hashes cache keys: a code hash is a keccak digest, already uniform, so a few multiplies
/// over its words replace SipHash on the per-frame lookup. (Keys cannot be chosen to
/// collide without keccak preimages.)
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 =
                (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The tiered engine's evidence about a key at a frame's start: the work (gas) its frames
/// spent in the interpreter since the engine last asked, and the work after which compiling
/// it pays (see [`crate::Mode::Tiered`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Heat {
    pub work: u64,
    pub threshold: u64,
}

/// What an engine should do with a frame's code.
pub(crate) enum Decision {
    /// Run this machine code.
    Run(Arc<Compiled>),
    /// Interpret it (cold, refused, or being compiled elsewhere).
    Interpret,
    /// Compile it now, on this thread, then [`CodeCache::finish`] it.
    CompileHere,
}

struct Shared {
    limit: usize,
    state: Mutex<State>,
    idle: Condvar,
    /// `State::tick`, readable without the lock.
    clock: AtomicU64,
    /// Bumped whenever compiled code leaves the cache (see [`CodeCache::generation`]).
    generation: AtomicU64,
}

/// A job for the background compiler: the code as deployed, and whose it is.
struct Job {
    key: CodeKey,
    code: Vec<u8>,
}

/// Machine code of many contracts, shared by the engines of many threads.
pub struct CodeCache {
    shared: Arc<Shared>,
    queue: Option<SyncSender<Job>>,
    worker: Option<JoinHandle<()>>,
}

impl CodeCache {
    /// A cache holding at most `limit` bytes, compiling on the threads that ask.
    pub fn new(limit: usize) -> CodeCache {
        CodeCache {
            shared: Arc::new(Shared {
                limit,
                state: Mutex::new(State::default()),
                idle: Condvar::new(),
                clock: AtomicU64::new(0),
                generation: AtomicU64::new(0),
            }),
            queue: None,
            worker: None,
        }
    }

    /// A cache holding at most `limit` bytes whose tiered compilations run on a background
    /// thread. Without a usable host ISA it is a plain cache.
    pub fn with_background(limit: usize) -> CodeCache {
        let mut cache = CodeCache::new(limit);
        let Ok(isa) = compiler::host_isa() else {
            return cache;
        };
        let (tx, rx) = sync_channel::<Job>(QUEUE_DEPTH);
        let shared = cache.shared.clone();
        let spawned = std::thread::Builder::new()
            .name("zkos-jit".into())
            .spawn(move || {
                let mut tables: HashMap<SpecId, OpTable> = HashMap::new();
                while let Ok(job) = rx.recv() {
                    let spec = job.key.1;
                    let table = tables.entry(spec).or_insert_with(|| OpTable::new(spec));
                    let analyzed = AnalyzedCode::new(&job.code, table);
                    let result = compile_within(&isa, &analyzed, table);
                    shared.finish(job.key, &analyzed, result);
                    let mut st = shared.lock();
                    st.in_flight -= 1;
                    if st.in_flight == 0 {
                        shared.idle.notify_all();
                    }
                }
            });
        if let Ok(handle) = spawned {
            cache.queue = Some(tx);
            cache.worker = Some(handle);
        }
        cache
    }

    /// What the cache has done so far.
    pub fn stats(&self) -> CacheStats {
        let st = self.shared.lock();
        let mut s = st.stats;
        s.held_bytes = st.bytes as u64;
        s
    }

    /// Why the last refused compilation was refused.
    pub fn last_error(&self) -> Option<String> {
        self.shared.lock().last_error.clone()
    }

    /// Whether compiled code for `key` is in the cache now.
    pub fn contains(&self, key: &CodeKey) -> bool {
        matches!(
            self.shared.lock().entries.get(key),
            Some(Entry {
                slot: Slot::Ready(_),
                ..
            })
        )
    }

    /// Blocks until the background compiler has nothing queued (benchmarks and tests use
    /// this to measure warm code; a sequencer never needs to).
    pub fn wait_idle(&self) {
        let mut st = self.shared.lock();
        while st.in_flight > 0 {
            st = self.shared.idle.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Changes whenever compiled code leaves the cache. An engine may keep code it got
    /// from [`Self::decide`] at hand, skipping the lock on its next frames, for as long as
    /// the generation stays the same (stamping its use with [`Self::stamp`]), and must drop
    /// what it keeps when it changes so evicted code is freed.
    pub(crate) fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::Acquire)
    }

    /// Records a use of `code` kept at hand, for the least-recently-used order.
    pub(crate) fn stamp(&self, code: &Compiled) {
        code.used
            .store(self.shared.clock.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    /// Looks `key` up for a frame about to start. `heat` is `None` to compile on first use,
    /// or the tiered engine's report of work; the work of every engine sharing the cache
    /// adds up. `code` is the deployed bytecode, copied to the background compiler when the
    /// key gets hot.
    pub(crate) fn decide(&self, key: CodeKey, heat: Option<Heat>, code: &[u8]) -> Decision {
        let mut st = self.shared.lock();
        let tick = st.next_tick();
        self.shared.clock.store(tick, Ordering::Relaxed);
        if !st.entries.contains_key(&key) {
            st.insert(key, Slot::Counting(0), ENTRY_COST, tick);
            self.shared.evict(&mut st, Some(key));
        }
        let Some(entry) = st.entries.get_mut(&key) else {
            return Decision::Interpret;
        };
        entry.tick = tick;
        let settled = match &mut entry.slot {
            Slot::Ready(c) => {
                c.used.store(tick, Ordering::Relaxed);
                Some(Decision::Run(c.clone()))
            }
            Slot::Pending | Slot::Refused => Some(Decision::Interpret),
            Slot::Counting(n) => {
                *n = n.saturating_add(heat.map_or(0, |h| h.work));
                if heat.is_some_and(|h| *n < h.threshold) {
                    Some(Decision::Interpret)
                } else {
                    entry.slot = Slot::Pending;
                    None
                }
            }
        };
        if let Some(d) = settled {
            return d;
        }
        let (Some(queue), Some(_)) = (&self.queue, heat) else {
            return Decision::CompileHere;
        };
        let job = Job {
            key,
            code: code.to_vec(),
        };
        match queue.try_send(job) {
            Ok(()) => st.in_flight += 1,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                // The queue is full: still hot, queued on a later run.
                let work = heat.map_or(0, |h| h.threshold);
                if let Some(e) = st.entries.get_mut(&key) {
                    e.slot = Slot::Counting(work);
                }
            }
        }
        Decision::Interpret
    }

    /// Records the result of a [`Decision::CompileHere`] (or of the background compiler),
    /// returning the code to run.
    pub(crate) fn finish(
        &self,
        key: CodeKey,
        code: &AnalyzedCode,
        result: Result<Compiled, CompileError>,
    ) -> Option<Arc<Compiled>> {
        self.shared.finish(key, code, result)
    }

    /// Compiles code that is never cached (init code): counted in the statistics like the
    /// rest.
    pub(crate) fn compile_uncached(
        &self,
        isa: &HostIsa,
        code: &AnalyzedCode,
        table: &OpTable,
    ) -> Option<Arc<Compiled>> {
        let result = compile_within(isa, code, table);
        let mut st = self.shared.lock();
        st.account(code, result).map(Arc::new)
    }
}

/// Compiles `code` unless it is above the engine's size limit.
pub(crate) fn compile_within(
    isa: &HostIsa,
    code: &AnalyzedCode,
    table: &OpTable,
) -> Result<Compiled, CompileError> {
    if code.len > crate::engine::DEFAULT_MAX_CODE {
        return Err(CompileError::TooLarge(code.len));
    }
    compiler::compile(isa, code, table)
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the maps consistent (every update is a
        // single insert or remove), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn finish(
        &self,
        key: CodeKey,
        code: &AnalyzedCode,
        result: Result<Compiled, CompileError>,
    ) -> Option<Arc<Compiled>> {
        let mut st = self.lock();
        // Machine code that could never fit the bound is refused like oversized bytecode.
        let result = result.and_then(|c| {
            if c.footprint() > self.limit {
                Err(CompileError::TooLarge(code.len))
            } else {
                Ok(c)
            }
        });
        let compiled = st.account(code, result).map(Arc::new);
        let tick = st.next_tick();
        self.clock.store(tick, Ordering::Relaxed);
        let (slot, cost) = match &compiled {
            Some(c) => (Slot::Ready(c.clone()), c.footprint()),
            None => (Slot::Refused, ENTRY_COST),
        };
        st.insert(key, slot, cost, tick);
        self.evict(&mut st, Some(key));
        compiled
    }

    /// Over the bound, evicts the least recently used entries (never `keep`) until the
    /// cache holds an eighth less than its bound: one sort per batch, so a lookup only
    /// stamps its entry and eviction costs O(log n) per entry evicted. Frames running
    /// evicted code keep it alive; its memory is freed when the last of them ends.
    fn evict(&self, st: &mut State, keep: Option<CodeKey>) {
        if st.bytes <= self.limit {
            return;
        }
        let target = self.limit - self.limit / 8;
        let mut order: Vec<(u64, CodeKey)> = st
            .entries
            .iter()
            .filter(|(k, _)| Some(**k) != keep)
            .map(|(k, e)| match &e.slot {
                Slot::Ready(c) => (e.tick.max(c.used.load(Ordering::Relaxed)), *k),
                _ => (e.tick, *k),
            })
            .collect();
        order.sort_unstable_by_key(|&(tick, _)| tick);
        for (_, key) in order {
            if st.bytes <= target {
                break;
            }
            // A pending key evicted here is re-inserted by its compiler's result.
            if let Some(e) = st.entries.remove(&key) {
                st.bytes -= e.cost;
                st.stats.evicted += 1;
                if matches!(e.slot, Slot::Ready(_)) {
                    self.generation.fetch_add(1, Ordering::Release);
                }
            }
        }
    }
}

impl State {
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// Inserts or replaces `key`'s entry.
    fn insert(&mut self, key: CodeKey, slot: Slot, cost: usize, tick: u64) {
        if let Some(old) = self.entries.insert(key, Entry { slot, tick, cost }) {
            self.bytes -= old.cost;
        }
        self.bytes += cost;
    }

    /// Counts a compilation's result in the statistics.
    fn account(
        &mut self,
        code: &AnalyzedCode,
        result: Result<Compiled, CompileError>,
    ) -> Option<Compiled> {
        match result {
            Ok(c) => {
                self.stats.compiled += 1;
                self.stats.compiled_bytes += code.len as u64;
                self.stats.machine_bytes += c.code_bytes() as u64;
                self.stats.compile_time += c.compile_time();
                Some(c)
            }
            Err(e) => {
                self.stats.fallbacks += 1;
                if !matches!(e, CompileError::TooLarge(_)) {
                    BACKEND_FAILURES.fetch_add(1, Ordering::Relaxed);
                }
                self.last_error = Some(e.to_string());
                None
            }
        }
    }
}

impl Drop for CodeCache {
    fn drop(&mut self) {
        // Closing the queue ends the worker once it has finished its current job.
        self.queue.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzed(code: &[u8], table: &OpTable) -> AnalyzedCode {
        AnalyzedCode::new(code, table)
    }

    fn key(n: u8) -> CodeKey {
        (B256::repeat_byte(n), SpecId::Cancun)
    }

    #[test]
    fn eviction_keeps_the_cache_under_its_bound_and_frees_least_recent_first() {
        let isa = compiler::host_isa().expect("host ISA");
        let table = OpTable::new(SpecId::Cancun);
        // Three different contracts of similar size.
        let codes: Vec<AnalyzedCode> = (1..=3u8)
            .map(|n| analyzed(&[0x60, n, 0x60, n, 0x01, 0x50].repeat(64), &table))
            .collect();
        let one = compiler::compile(&isa, &codes[0], &table)
            .unwrap()
            .footprint();
        assert!(
            one > 4 * ENTRY_COST,
            "the contracts must outweigh the bookkeeping"
        );
        // Room for two compiled contracts, not three.
        let cache = CodeCache::new(2 * one + one / 2);
        let generation = cache.generation();
        let mut first: Option<Arc<Compiled>> = None;
        for (i, code) in codes.iter().enumerate() {
            let k = key(i as u8 + 1);
            assert!(matches!(
                cache.decide(k, None, &code.original),
                Decision::CompileHere
            ));
            if i == 2 {
                // Use the first, as an engine keeping it at hand does (no lookup: the
                // stamp is the clock of the cache's last operation, the lookup above), so
                // the second is the least recent.
                assert_eq!(cache.generation(), generation);
                cache.stamp(first.as_ref().expect("kept"));
            }
            let c = compiler::compile(&isa, code, &table);
            let c = cache.finish(k, code, c).expect("compiled");
            if i == 0 {
                first = Some(c);
            }
        }
        let s = cache.stats();
        assert!(s.held_bytes as usize <= 2 * one + one / 2);
        assert_eq!(s.evicted, 1);
        assert_ne!(
            cache.generation(),
            generation,
            "engines must drop code kept at hand"
        );
        assert!(cache.contains(&key(1)));
        assert!(
            !cache.contains(&key(2)),
            "the least recently used goes first"
        );
        assert!(cache.contains(&key(3)));
    }

    #[test]
    fn tiered_counts_are_shared_and_background_compiles_once() {
        let cache = Arc::new(CodeCache::with_background(DEFAULT_LIMIT));
        let table = OpTable::new(SpecId::Cancun);
        let code = analyzed(&[0x60, 1, 0x60, 2, 0x01, 0x50, 0x00], &table);
        let k = key(7);
        // Two threads, two frames each reporting 10 gas of interpreted work: together 40,
        // short of the threshold of 50, which the next report of 10 reaches.
        let heat = |work| {
            Some(Heat {
                work,
                threshold: 50,
            })
        };
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let cache = cache.clone();
                let bytes = code.original.clone();
                std::thread::spawn(move || {
                    for _ in 0..2 {
                        assert!(matches!(
                            cache.decide(k, heat(10), &bytes),
                            Decision::Interpret
                        ));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        cache.wait_idle();
        assert!(!cache.contains(&k), "40 gas of work is not hot yet");
        assert!(matches!(
            cache.decide(k, heat(10), &code.original),
            Decision::Interpret
        ));
        cache.wait_idle();
        assert!(cache.contains(&k));
        assert!(matches!(
            cache.decide(k, heat(0), &code.original),
            Decision::Run(_)
        ));
        assert_eq!(cache.stats().compiled, 1);
    }
}

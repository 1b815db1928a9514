//! JIT compile latency and machine-code size per KiB of bytecode: every distinct contract of
//! the lab's workloads (../shared/bench-contracts and the hand-written ones), then adversarial
//! 24 KiB contracts and 48 KiB init code. `cargo run --release -p zkos-bench --example
//! jit_compile` prints one line per code and the median and worst cases.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use zkos_bench::{evmone, revmc, workloads};
use zkos_evm_jit::{compile, host_isa, HostIsa};
use zkos_os::evm::analysis::AnalyzedCode;
use zkos_os::evm::opcodes::OpTable;
use zkos_os::types::SpecId;

/// Best of a few compilations: the latency of the compiler, not of a cold cache.
fn measure(isa: &HostIsa, table: &OpTable, code: &[u8]) -> (Duration, usize) {
    let analyzed = AnalyzedCode::new(code, table);
    let mut best = Duration::MAX;
    let mut size = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let compiled = compile(isa, &analyzed, table).unwrap_or_else(|e| panic!("{e}"));
        best = best.min(started.elapsed());
        size = compiled.code_bytes();
    }
    (best, size)
}

fn per_kib(d: Duration, bytes: usize) -> f64 {
    d.as_secs_f64() * 1e3 / (bytes.max(1) as f64 / 1024.0)
}

fn adversarial() -> Vec<(String, Vec<u8>)> {
    const K24: usize = 24 * 1024;
    let mut out = Vec::new();
    out.push(("all JUMPDEST (24 KiB)".to_string(), vec![0x5b; K24]));
    let mut push32 = Vec::new();
    while push32.len() + 33 <= K24 {
        push32.push(0x7f);
        push32.extend([0xab; 32]);
    }
    out.push(("all PUSH32 (24 KiB)".into(), push32));
    let mut dup_swap = vec![0x5f; 16];
    while dup_swap.len() + 3 <= K24 {
        dup_swap.extend([0x8f, 0x9f, 0x50]); // DUP16 SWAP16 POP: the height stays 16
    }
    out.push(("DUP16/SWAP16 chain (24 KiB)".into(), dup_swap));
    let mut tiny = Vec::new();
    while tiny.len() + 4 <= K24 {
        tiny.extend([0x5b, 0x60, 0x01, 0x50]); // JUMPDEST PUSH1 1 POP: a block each
    }
    out.push(("tiny blocks (24 KiB)".into(), tiny));
    let mut jumps = Vec::new();
    while jumps.len() + 6 <= K24 {
        // JUMPDEST PUSH1 0 CALLDATALOAD JUMPI(with itself as condition) : dynamic jumps
        jumps.extend([0x5b, 0x5f, 0x35, 0x80, 0x57, 0x50]);
    }
    out.push(("dynamic jumps between JUMPDESTs (24 KiB)".into(), jumps));
    let mut arith = Vec::new();
    while arith.len() + 5 <= K24 {
        arith.extend([0x80, 0x60, 0x07, 0x02, 0x01]); // DUP1 PUSH1 7 MUL ADD: height stays
    }
    arith.splice(0..0, [0x5f, 0x35, 0x80]);
    out.push(("MUL/ADD chain, one block (24 KiB)".into(), arith));
    let mut mem = Vec::new();
    while mem.len() + 5 <= K24 {
        mem.extend([0x5f, 0x51, 0x5f, 0x52, 0x5b]); // MLOAD/MSTORE, block each
    }
    out.push(("MLOAD/MSTORE blocks (24 KiB)".into(), mem));
    let mut init = Vec::new();
    while init.len() + 4 <= 48 * 1024 {
        init.extend([0x5b, 0x5f, 0x35, 0x01]);
    }
    out.push(("init code at the 48 KiB limit".into(), init));
    out
}

fn main() {
    let isa = host_isa().unwrap_or_else(|e| panic!("{e}"));
    let table = OpTable::new(SpecId::Osaka);
    let root = zkos_host::shared::bench_contracts_dir().unwrap_or_else(|e| panic!("{e}"));
    let mut all = workloads::all();
    all.extend(evmone::workloads(&root).unwrap_or_else(|e| panic!("{e}")));
    all.extend(revmc::workloads(&root).unwrap_or_else(|e| panic!("{e}")));
    let mut codes: BTreeMap<Vec<u8>, String> = BTreeMap::new();
    for w in &all {
        for (address, account) in &w.accounts {
            if !account.code.is_empty() {
                let bench = w.name.rsplit_once('/').map_or(&*w.name, |(b, _)| b);
                codes.entry(account.code.to_vec()).or_insert(format!(
                    "{bench} {:#06x}",
                    address.0[18..].iter().fold(0u16, |a, &b| a << 8 | b as u16)
                ));
            }
        }
    }
    println!(
        "{:<44} {:>8} {:>10} {:>10} {:>10}",
        "code", "bytes", "compile", "ms/KiB", "mc/byte"
    );
    let mut rates = Vec::new();
    // `jit_compile <filter>`: only the codes whose name contains it.
    let filter = std::env::args().nth(1).unwrap_or_default();
    for (code, name) in &codes {
        if !name.contains(&filter) {
            continue;
        }
        let (t, size) = measure(&isa, &table, code);
        let r = per_kib(t, code.len());
        rates.push(r);
        println!(
            "{name:<44} {:>8} {:>10.3?} {r:>10.3} {:>10.1}",
            code.len(),
            t,
            size as f64 / code.len() as f64
        );
    }
    rates.sort_by(f64::total_cmp);
    if !rates.is_empty() {
        println!(
            "bench contracts: {} codes, median {:.3} ms/KiB, worst {:.3} ms/KiB",
            rates.len(),
            rates[rates.len() / 2],
            rates[rates.len() - 1]
        );
    }
    let mut worst: f64 = 0.0;
    for (name, code) in adversarial() {
        if !name.contains(&filter) {
            continue;
        }
        let (t, size) = measure(&isa, &table, &code);
        let r = per_kib(t, code.len());
        worst = worst.max(r);
        println!(
            "{name:<44} {:>8} {:>10.3?} {r:>10.3} {:>10.1}",
            code.len(),
            t,
            size as f64 / code.len() as f64
        );
    }
    println!("adversarial: worst {worst:.3} ms/KiB");
}

//! Runs one workload on one engine a given number of times, with no criterion around it: for
//! profilers and instruction counters (`valgrind --tool=callgrind`, `perf stat`), whose counts
//! do not depend on how loaded the machine is, unlike criterion's wall-clock times.
//!
//! `cargo run --release -p zkos-bench --example run_once -- <loop|storage|call|BENCH/LABEL> <zkos|jit|tiered|revm> [runs]`
//! (BENCH/LABEL: an evmone benchmark of ../shared/bench-contracts, e.g. `snailtracer/benchmark`)
//! Running it with 0 and with N runs and subtracting gives the per-run count without setup.

use std::hint::black_box;
use zkos_bench::revm_runner::RevmRunner;
use zkos_bench::workloads;
use zkos_bench::zkos_runner::ZkosRunner;
use zkos_evm_jit::Mode;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: run_once <loop|storage|call|BENCH/LABEL> <zkos|jit|tiered|revm> [runs]";
    let (Some(name), Some(engine)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let runs: u32 = args.get(2).map_or(1, |r| r.parse().expect(usage));
    let mut all = workloads::all();
    if let Ok(root) = zkos_host::shared::bench_contracts_dir() {
        all.extend(zkos_bench::evmone::workloads(&root).unwrap_or_else(|e| panic!("{e}")));
        all.extend(zkos_bench::revmc::workloads(&root).unwrap_or_else(|e| panic!("{e}")));
    }
    let Some(workload) = all.into_iter().find(|w| &w.name == name) else {
        eprintln!("unknown workload {name}; {usage}");
        std::process::exit(2);
    };
    match engine.as_str() {
        "zkos" => {
            let mut runner = ZkosRunner::new(&workload);
            for _ in 0..runs {
                black_box(runner.run());
            }
        }
        "jit" | "tiered" => {
            let mode = if engine == "jit" {
                Mode::Jit
            } else {
                Mode::default_tiered()
            };
            let mut runner = ZkosRunner::jit(&workload, mode);
            for _ in 0..runs {
                black_box(runner.run());
            }
        }
        "revm" => {
            let mut runner = RevmRunner::new(&workload);
            for _ in 0..runs {
                black_box(runner.run().expect("revm rejected the transaction"));
            }
        }
        _ => {
            eprintln!("unknown engine {engine}; {usage}");
            std::process::exit(2);
        }
    }
}

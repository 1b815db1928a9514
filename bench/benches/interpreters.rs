//! zkos vs revm on the lab's workloads (the hand-written ones, then the evmone-format
//! benchmarks of ../shared/bench-contracts): one criterion group per workload, with `zkos`
//! (the interpreter), `jit`, `tiered` and `revm` side by side (and `native`, plain Rust, for
//! the loop); `cargo bench -p zkos-bench --bench interpreters -- snailtracer` runs
//! one. Throughput is reported in gas ("elements" = gas units), so criterion's
//! `Melem/s` reads as Mgas/s.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use zkos_bench::revm_runner::RevmRunner;
use zkos_bench::zkos_runner::ZkosRunner;
use zkos_bench::{evmone, revmc, verify, workloads};
use zkos_evm_jit::Mode;

/// Set to benchmark even when the engines disagree (e.g. profiling an interpreter that is
/// still wrong on one workload); the disagreement is printed instead of aborting.
const SKIP_CHECK_VAR: &str = "ZKOS_BENCH_SKIP_CHECK";

fn interpreters(c: &mut Criterion) {
    let strict = std::env::var_os(SKIP_CHECK_VAR).is_none();
    let mut all = workloads::all();
    let root = zkos_host::shared::bench_contracts_dir().unwrap_or_else(|e| panic!("{e}"));
    all.extend(evmone::workloads(&root).unwrap_or_else(|e| panic!("{e}")));
    all.extend(revmc::workloads(&root).unwrap_or_else(|e| panic!("{e}")));
    // Criterion's filter (`cargo bench ... -- loop`): the workloads it cannot match are not
    // checked either (checking all of them on four engines takes minutes).
    let args: Vec<String> = std::env::args().skip(1).collect();
    let takes_value = |a: &str| {
        a.starts_with("--")
            && !a.contains('=')
            && !matches!(
                a,
                "--bench"
                    | "--test"
                    | "--list"
                    | "--exact"
                    | "--quiet"
                    | "--verbose"
                    | "--noplot"
                    | "--discard-baseline"
            )
    };
    let filter = (0..args.len())
        .find(|&i| !args[i].starts_with('-') && (i == 0 || !takes_value(&args[i - 1])))
        .map(|i| args[i].clone())
        .filter(|f| !f.contains(|c: char| "|()[]*+?^$\\.{}".contains(c)));
    for workload in all {
        if let Some(f) = &filter {
            if !workload.name.contains(f.as_str()) {
                continue;
            }
        }
        let gas = match verify(&workload) {
            Ok(agreement) => {
                eprintln!(
                    "{}: zkos and revm agree, {} gas, {}",
                    workload.name, agreement.revm.gas_used, workload.summary
                );
                agreement.revm.gas_used
            }
            Err(mismatch) if strict => {
                panic!("{mismatch}refusing to benchmark; set {SKIP_CHECK_VAR}=1 to override")
            }
            Err(mismatch) => {
                eprintln!("WARNING, benchmarking anyway ({SKIP_CHECK_VAR}):\n{mismatch}");
                RevmRunner::new(&workload).outcome().gas_used
            }
        };

        let mut group = c.benchmark_group(&workload.name);
        group.throughput(Throughput::Elements(gas));
        let mut zkos = ZkosRunner::new(&workload);
        group.bench_function("zkos", |b| b.iter(|| black_box(zkos.run())));
        let mut jit = ZkosRunner::jit(&workload, Mode::Jit);
        group.bench_function("jit", |b| b.iter(|| black_box(jit.run())));
        let mut tiered = ZkosRunner::jit(&workload, Mode::default_tiered());
        group.bench_function("tiered", |b| b.iter(|| black_box(tiered.run())));
        // Tiered where nothing ever gets hot: the interpreter plus the cache's bookkeeping,
        // what a block of cold contracts costs.
        let cold = Mode::Tiered {
            gas_per_byte: u32::MAX,
        };
        let mut tiered_cold = ZkosRunner::jit(&workload, cold);
        group.bench_function("tiered-cold", |b| b.iter(|| black_box(tiered_cold.run())));
        let mut revm = RevmRunner::new(&workload);
        group.bench_function("revm", |b| b.iter(|| black_box(revm.run())));
        if workload.name == "loop" {
            // The same loop in plain Rust: the physical limit.
            let n = workloads::LOOP_ITERATIONS;
            group.bench_function("native", |b| {
                b.iter(|| black_box(workloads::loop_native(black_box(n))))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, interpreters);
criterion_main!(benches);

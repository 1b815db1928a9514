//! Simulator throughput on a hand-encoded loop that mixes what a guest does most: ALU ops,
//! word loads and stores to RAM, a multiply, a data-dependent branch and the loop branch.
//! Throughput is in simulated instructions ("elements"), so criterion's `Melem/s` reads as
//! millions of simulated instructions per second (MIPS).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use zkos_riscv_sim::encode::*;
use zkos_riscv_sim::{MachineConfig, Simulator};

/// Loop iterations; about 12 instructions each.
const ITERATIONS: u32 = 2_000_000;

/// Register numbers by ABI name.
const T0: u32 = 5;
const T1: u32 = 6;
const T2: u32 = 7;
const S0: u32 = 8;
const S1: u32 = 9;
const A0: u32 = 10;
const A1: u32 = 11;
const T3: u32 = 28;

fn program() -> Vec<u32> {
    let mut p = Vec::new();
    p.extend(li(S0, MachineConfig::default().ram_start()));
    p.extend(li(S1, ITERATIONS));
    p.push(addi(A0, 0, 0));
    p.push(addi(A1, 0, 1));
    let top = p.len();
    p.push(andi(T0, S1, 0xff)); // a slot among 256 words of RAM
    p.push(slli(T0, T0, 2));
    p.push(add(T0, T0, S0));
    p.push(lw(T1, T0, 0));
    p.push(mul(T2, A1, S1));
    p.push(add(T1, T1, T2));
    p.push(xor(A0, A0, T1));
    p.push(sw(T1, T0, 0));
    p.push(srli(T3, A0, 3));
    p.push(bltu(T3, A1, 8)); // over the next instruction
    p.push(addi(A1, A1, 1));
    p.push(addi(S1, S1, -1));
    let back = (top as i32 - p.len() as i32) * 4;
    p.push(bne(S1, 0, back));
    p.push(HALT);
    p
}

fn sim(c: &mut Criterion) {
    let sim = Simulator::from_words(MachineConfig::default(), &program()).expect("program loads");
    let result = sim.run(&[], u64::MAX).expect("program halts");
    eprintln!(
        "loop: {} simulated instructions per run, output a0 = {:#010x}",
        result.cycles, result.output[0]
    );
    let mut group = c.benchmark_group("riscv-sim");
    group.throughput(Throughput::Elements(result.cycles));
    group.sample_size(20);
    group.bench_function("loop", |b| {
        b.iter_batched(
            || sim.machine().expect("memory maps"),
            |mut machine| black_box(machine.run(&[], u64::MAX)),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, sim);
criterion_main!(benches);

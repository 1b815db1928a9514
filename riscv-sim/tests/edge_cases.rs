//! Edge cases of the machine model on hand-encoded programs (no assembler needed): the M
//! extension's corner values, shifts, extensions, x0, JALR and AUIPC, every trap kind, the
//! tape, the self-loop, exact cycle counts and the cycle limit, and the observer hooks.

use zkos_riscv_sim::encode::*;
use zkos_riscv_sim::{
    Error, IllegalKind, LoadError, MachineConfig, Observer, RunResult, Simulator, Trap, TrapKind,
    View,
};

const T0: u32 = 5;
const T1: u32 = 6;
const A0: u32 = 10;
const A1: u32 = 11;
const A2: u32 = 12;
const A3: u32 = 13;
const A4: u32 = 14;
const A5: u32 = 15;
const A6: u32 = 16;
const A7: u32 = 17;
const RA: u32 = 1;
const RAM: u32 = 2 << 20;
const LIMIT: u64 = 10_000;

fn sim(words: &[u32]) -> Simulator {
    Simulator::from_words(MachineConfig::default(), words).expect("loads")
}

fn run_tape(words: &[u32], tape: &[u32]) -> Result<RunResult, Trap> {
    match sim(words).run(tape, LIMIT) {
        Ok(r) => Ok(r),
        Err(Error::Trap(t)) => Err(t),
        Err(Error::Load(e)) => panic!("{e}"),
    }
}

fn run(words: &[u32]) -> Result<RunResult, Trap> {
    run_tape(words, &[])
}

/// Runs `words` followed by a halt and returns x10..x17.
fn output(mut words: Vec<u32>) -> [u32; 8] {
    words.push(HALT);
    run(&words).unwrap_or_else(|t| panic!("{t}")).output
}

/// Loads `a` into a0 and `b` into a1, applies the R-type `op` into a2, returns a2.
fn binop(op: fn(u32, u32, u32) -> u32, a: u32, b: u32) -> u32 {
    let mut p = Vec::new();
    p.extend(li(A0, a));
    p.extend(li(A1, b));
    p.push(op(A2, A0, A1));
    output(p)[2]
}

fn trap(words: &[u32]) -> Trap {
    match run(words) {
        Err(t) => t,
        Ok(r) => panic!("expected a trap, got {r:?}"),
    }
}

#[test]
fn division_by_zero_and_overflow() {
    let min = i32::MIN as u32;
    let minus1 = u32::MAX;
    assert_eq!(binop(div, 7, 0), u32::MAX);
    assert_eq!(binop(div, min, 0), u32::MAX);
    assert_eq!(binop(divu, 7, 0), u32::MAX);
    assert_eq!(binop(rem, 7, 0), 7);
    assert_eq!(binop(rem, min, 0), min);
    assert_eq!(binop(remu, 7, 0), 7);
    assert_eq!(binop(div, min, minus1), min);
    assert_eq!(binop(rem, min, minus1), 0);
    assert_eq!(binop(divu, min, minus1), 0);
    assert_eq!(binop(remu, min, minus1), min);
    // Signed division truncates toward zero; the remainder has the dividend's sign.
    assert_eq!(binop(div, -7i32 as u32, 2), -3i32 as u32);
    assert_eq!(binop(rem, -7i32 as u32, 2), -1i32 as u32);
    assert_eq!(binop(rem, 7, -2i32 as u32), 1);
    assert_eq!(binop(divu, -7i32 as u32, 2), 0x7fff_fffc);
}

#[test]
fn multiply_high_signs() {
    let m1 = u32::MAX;
    let min = i32::MIN as u32;
    assert_eq!(binop(mul, m1, m1), 1);
    assert_eq!(binop(mulh, m1, m1), 0);
    assert_eq!(binop(mulhu, m1, m1), 0xffff_fffe);
    // -1 (signed) * 0xffffffff (unsigned) = -0xffffffff: high word all ones.
    assert_eq!(binop(mulhsu, m1, m1), m1);
    assert_eq!(binop(mulhsu, 1, m1), 0);
    assert_eq!(binop(mulh, min, min), 0x4000_0000);
    assert_eq!(binop(mulhu, min, min), 0x4000_0000);
    assert_eq!(binop(mulhsu, min, min), 0xc000_0000);
    assert_eq!(binop(mulh, min, 1), m1);
    assert_eq!(binop(mulh, 0x7fff_ffff, 0x7fff_ffff), 0x3fff_ffff);
}

#[test]
fn shifts_use_the_low_five_bits() {
    let v = 0x8000_0001;
    assert_eq!(binop(sll, 1, 31), 0x8000_0000);
    assert_eq!(binop(srl, v, 31), 1);
    assert_eq!(binop(sra, v, 31), u32::MAX);
    // Bit 5 (and above) of the amount is ignored: 33 shifts by 1, 32 by 0.
    assert_eq!(binop(sll, v, 33), 2);
    assert_eq!(binop(srl, v, 33), 0x4000_0000);
    assert_eq!(binop(sra, v, 33), 0xc000_0000);
    assert_eq!(binop(sll, v, 32), v);
    assert_eq!(binop(sra, v, 0xffff_ffe4), 0xf800_0000); // amount 4
    assert_eq!(binop(sra, 0x7fff_ffff, 31), 0);
    let mut p = li(A0, v).to_vec();
    p.push(slli(A1, A0, 31));
    p.push(srli(A2, A0, 31));
    p.push(srai(A3, A0, 31));
    p.push(srai(A4, A0, 4));
    p.push(srli(A5, A0, 4));
    let out = output(p);
    assert_eq!(
        out[1..6],
        [0x8000_0000, 1, u32::MAX, 0xf800_0000, 0x0800_0000]
    );
}

#[test]
fn load_extension() {
    let mut p = Vec::new();
    p.extend(li(T0, RAM + 0x100));
    p.extend(li(T1, 0x8081_7f80));
    p.push(sw(T1, T0, 0));
    p.push(lb(A0, T0, 0)); // 0x80
    p.push(lbu(A1, T0, 0));
    p.push(lb(A2, T0, 1)); // 0x7f
    p.push(lh(A3, T0, 2)); // 0x8081
    p.push(lhu(A4, T0, 2));
    p.push(lh(A5, T0, 0)); // 0x7f80
    p.push(lw(A6, T0, 0));
    p.push(lbu(A7, T0, 3));
    let out = output(p);
    assert_eq!(
        out,
        [
            0xffff_ff80,
            0x80,
            0x7f,
            0xffff_8081,
            0x8081,
            0x7f80,
            0x8081_7f80,
            0x80
        ]
    );
}

#[test]
fn stores_write_only_their_width() {
    let mut p = Vec::new();
    p.extend(li(T0, RAM));
    p.extend(li(T1, 0x1122_3344));
    p.push(sw(T1, T0, 0));
    p.extend(li(T1, 0xaabb_ccdd));
    p.push(sb(T1, T0, 1));
    p.push(sh(T1, T0, 2));
    p.push(lw(A0, T0, 0));
    assert_eq!(output(p)[0], 0xccdd_dd44);
}

#[test]
fn loads_from_rom_read_the_image() {
    let p = vec![lw(A0, 0, 4), lbu(A1, 0, 7)];
    let out = output(p.clone());
    assert_eq!(out[0], p[1]);
    assert_eq!(out[1], p[1] >> 24);
}

#[test]
fn writes_to_x0_are_discarded() {
    let mut p = Vec::new();
    p.push(addi(0, 0, 5));
    p.push(lui(0, 0x12345));
    p.push(auipc(0, 1));
    p.extend(li(T0, 7));
    p.push(add(0, T0, T0));
    p.push(mul(0, T0, T0));
    p.push(lw(0, 0, 0));
    p.push(jal(0, 4)); // to the next instruction
    p.push(add(A0, 0, 0));
    p.push(addi(A1, 0, 0));
    p.push(or(A2, 0, T0));
    assert_eq!(output(p)[..3], [0, 0, 7]);
}

#[test]
fn jalr_clears_bit_zero_and_links() {
    // 0: li t0, 17 (2 words); 8: jalr ra, 0(t0) -> 16; 12: (skipped) li a0 1; 16: mv a1, ra
    let mut p = li(T0, 17).to_vec();
    p.push(jalr(RA, T0, 0));
    p.push(addi(A0, 0, 1));
    p.push(addi(A1, RA, 0));
    let out = output(p);
    assert_eq!(out[..2], [0, 12]);
    // rd == rs1: the target uses the old value.
    let mut p = li(T0, 16).to_vec();
    p.push(jalr(T0, T0, 0));
    p.push(addi(A0, 0, 1));
    p.push(addi(A1, T0, 0));
    assert_eq!(output(p)[..2], [0, 12]);
}

#[test]
fn auipc_and_lui() {
    let p = vec![
        addi(0, 0, 0),
        addi(0, 0, 0),
        auipc(A0, 1),       // at 8
        auipc(A1, 0xfffff), // at 12: 12 - 4096
        lui(A2, 0xfffff),
        auipc(A3, 0),
    ];
    let out = output(p);
    assert_eq!(
        out[..4],
        [0x1008, 12u32.wrapping_sub(0x1000), 0xffff_f000, 20]
    );
}

#[test]
fn compares() {
    let m1 = u32::MAX;
    assert_eq!(binop(slt, m1, 0), 1);
    assert_eq!(binop(sltu, m1, 0), 0);
    assert_eq!(binop(sltu, 0, m1), 1);
    let mut p = li(A0, m1).to_vec();
    p.push(slti(A1, A0, 0));
    p.push(sltiu(A2, 0, -1)); // 0 < 0xffffffff
    p.push(sltiu(A3, A0, -1));
    p.push(xori(A4, A0, -1));
    assert_eq!(output(p)[1..5], [1, 1, 0, 0]);
}

#[test]
fn branches_taken_and_not() {
    type Branch = fn(u32, u32, i32) -> u32;
    let cases: [(Branch, u32, u32, bool); 12] = [
        (beq, 1, 1, true),
        (beq, 1, 2, false),
        (bne, 1, 2, true),
        (bne, 2, 2, false),
        (blt, u32::MAX, 0, true),
        (blt, 0, u32::MAX, false),
        (bge, 0, u32::MAX, true),
        (bge, u32::MAX, 0, false),
        (bltu, 0, u32::MAX, true),
        (bltu, u32::MAX, 0, false),
        (bgeu, u32::MAX, u32::MAX, true),
        (bgeu, 0, 1, false),
    ];
    for (branch, a, b, taken) in cases {
        let mut p = li(A1, a).to_vec();
        p.extend(li(A2, b));
        p.push(branch(A1, A2, 8));
        p.push(addi(A0, 0, 1));
        let out = output(p);
        assert_eq!(out[0] == 0, taken, "{a:#x} vs {b:#x}");
    }
}

#[test]
fn self_loops_end_the_run_with_the_output() {
    // jal x0, 0
    let mut p = Vec::new();
    for r in 0..8 {
        p.extend(li(A0 + r, 0x1000 + r));
    }
    p.push(HALT);
    let r = run(&p).expect("halts");
    assert_eq!(r.output, core::array::from_fn(|r| 0x1000 + r as u32));
    assert_eq!(r.cycles, 17);
    // A taken branch to itself.
    let r = run(&[addi(A0, 0, 3), beq(0, 0, 0)]).expect("halts");
    assert_eq!((r.output[0], r.cycles), (3, 2));
    // A branch to itself that is not taken falls through.
    let r = run(&[bne(0, 0, 0), addi(A0, 0, 4), blt(0, A0, 0)]).expect("halts");
    assert_eq!((r.output[0], r.cycles), (4, 3));
    // A linking jump to itself also stops, after writing its link.
    let r = run(&[addi(A0, 0, 1), jal(A1, 0)]).expect("halts");
    assert_eq!(r.output[..2], [1, 8]);
}

#[test]
fn cycle_count_is_exact() {
    for n in [1u32, 2, 10, 1000] {
        let mut p = li(T0, n).to_vec();
        p.push(addi(T0, T0, -1)); // 8
        p.push(bne(T0, 0, -4));
        p.push(HALT);
        let r = run(&p).expect("halts");
        assert_eq!(r.cycles, 2 + 2 * u64::from(n) + 1);
    }
}

#[test]
fn cycle_limit_stops_exactly_and_resumes() {
    let mut p = li(T0, 100).to_vec();
    p.push(addi(T0, T0, -1));
    p.push(bne(T0, 0, -4));
    p.extend(li(A0, 0xabcd));
    p.push(HALT);
    let exact = 2 + 200 + 2 + 1;
    let sim = sim(&p);
    assert_eq!(sim.run(&[], exact).expect("fits").cycles, exact);
    let mut m = sim.machine().expect("maps");
    let t = m.run(&[], exact - 1).expect_err("one short");
    assert_eq!(t.kind, TrapKind::CycleLimit);
    assert_eq!(t.cycles, exact - 1);
    assert_eq!(t.pc, 4 * (p.len() as u32 - 1));
    let r = m.run(&[], exact).expect("resumes");
    assert_eq!((r.output[0], r.cycles), (0xabcd, exact));
    assert_eq!(m.run(&[], 0).expect("stays halted"), r);
    let t = sim.machine().expect("maps").run(&[], 0).expect_err("none");
    assert_eq!((t.kind, t.pc, t.cycles), (TrapKind::CycleLimit, 0, 0));
}

#[test]
fn tape_reads_in_order_then_exhausts() {
    let p = [
        csrrw(A0, 0x7c0, 0),
        csrrw(A1, 0x7c0, 0),
        csrrw(A2, 0x7c0, 0),
        HALT,
    ];
    let r = run_tape(&p, &[7, 8, 9, 10]).expect("halts");
    assert_eq!(r.output[..3], [7, 8, 9]);
    let t = run_tape(&p, &[7, 8]).expect_err("short tape");
    assert_eq!(t.kind, TrapKind::TapeExhausted { len: 2 });
    assert_eq!((t.pc, t.cycles), (8, 2));
    let t = run_tape(&p, &[]).expect_err("empty tape");
    assert_eq!(t.kind, TrapKind::TapeExhausted { len: 0 });
}

fn illegal(word: u32) -> IllegalKind {
    match trap(&[addi(A0, 0, 1), word, HALT]) {
        Trap {
            pc: 4,
            cycles: 1,
            kind: TrapKind::IllegalInstruction { word: w, kind },
        } if w == word => kind,
        t => panic!("{word:#010x}: {t}"),
    }
}

#[test]
fn unsupported_instructions_trap() {
    assert_eq!(illegal(ECALL), IllegalKind::Ecall);
    assert_eq!(illegal(EBREAK), IllegalKind::Ebreak);
    assert_eq!(illegal(FENCE), IllegalKind::Fence);
    assert_eq!(illegal(0x0000_000f), IllegalKind::Fence);
    assert_eq!(illegal(FENCE_I), IllegalKind::FenceI);
    assert_eq!(illegal(WFI), IllegalKind::Wfi);
    assert_eq!(illegal(UNIMP), IllegalKind::Csr { csr: 0xc00 });
    assert_eq!(
        illegal(csrrs(A0, 0x7c0, 0)),
        IllegalKind::Csr { csr: 0x7c0 }
    );
    assert_eq!(illegal(csrrw(0, 0x7c0, 0)), IllegalKind::Csr { csr: 0x7c0 });
    assert_eq!(
        illegal(csrrw(A0, 0x7c0, A1)),
        IllegalKind::Csr { csr: 0x7c0 }
    );
    assert_eq!(
        illegal(csrrw(A0, 0x300, 0)),
        IllegalKind::Csr { csr: 0x300 }
    );
    assert_eq!(illegal(0x3020_0073), IllegalKind::Unknown); // mret
    assert_eq!(illegal(0), IllegalKind::Unknown);
    assert_eq!(illegal(0xffff_ffff), IllegalKind::Unknown);
    assert_eq!(illegal(0x0000_4501), IllegalKind::Unknown); // c.li a0, 0
}

#[test]
fn reserved_encodings_trap() {
    let reserved = [
        0x0000_3003_u32,         // ld (funct3 3)
        0x0000_6003,             // lwu
        0x0000_3023,             // sd
        0x0000_2063,             // branch funct3 2
        0x0200_1013,             // slli with shamt bit 5 (RV64 only)
        0x4000_1013,             // slli with funct7 0x20
        0x4000_0033 | (1 << 12), // sll with funct7 0x20
        0x0000_101b,             // slliw (OP-IMM-32)
        0x0200_003b,             // mulw
        0x0000_1067,             // jalr funct3 1
        0x0000_0007,             // flw
    ];
    for word in reserved {
        assert_eq!(illegal(word), IllegalKind::Unknown, "{word:#010x}");
    }
}

#[test]
fn data_words_trap_only_if_executed() {
    let r = run(&[addi(A0, 0, 2), HALT, 0, 0xffff_ffff, ECALL]).expect("halts");
    assert_eq!(r.output[0], 2);
}

#[test]
fn misaligned_jumps_trap() {
    // jal to +2.
    let t = trap(&[NOP, jal(0, 2), HALT]);
    assert_eq!((t.pc, t.kind), (4, TrapKind::MisalignedJump { target: 6 }));
    // jalr to 10 (bit 1 set after clearing bit 0 of 11).
    let t = trap(&[addi(T0, 0, 11), jalr(RA, T0, 0), HALT]);
    assert_eq!((t.pc, t.kind), (4, TrapKind::MisalignedJump { target: 10 }));
    // No link is written by the trapping jump.
    let sim = sim(&[addi(T0, 0, 11), jalr(RA, T0, 0), HALT]);
    let mut m = sim.machine().expect("maps");
    m.run(&[], LIMIT).expect_err("traps");
    assert_eq!(m.view().reg(RA), 0);
    // A taken branch to +6 traps; the same branch not taken does not.
    let t = trap(&[beq(0, 0, 6), HALT]);
    assert_eq!((t.pc, t.kind), (0, TrapKind::MisalignedJump { target: 6 }));
    assert!(run(&[bne(0, 0, 6), HALT]).is_ok());
}

#[test]
fn misaligned_loads_and_stores_trap() {
    let base = li(T0, RAM).to_vec();
    let at = |insn: u32| {
        let mut p = base.clone();
        p.push(insn);
        p.push(HALT);
        let t = trap(&p);
        assert_eq!(t.pc, 8);
        t.kind
    };
    let a = RAM;
    assert_eq!(at(lh(A0, T0, 1)), TrapKind::MisalignedLoad { addr: a + 1 });
    assert_eq!(at(lhu(A0, T0, 3)), TrapKind::MisalignedLoad { addr: a + 3 });
    assert_eq!(at(lw(A0, T0, 2)), TrapKind::MisalignedLoad { addr: a + 2 });
    assert_eq!(at(lw(A0, T0, 1)), TrapKind::MisalignedLoad { addr: a + 1 });
    assert_eq!(at(sh(A0, T0, 1)), TrapKind::MisalignedStore { addr: a + 1 });
    assert_eq!(at(sw(A0, T0, 2)), TrapKind::MisalignedStore { addr: a + 2 });
    assert_eq!(at(sw(A0, T0, 3)), TrapKind::MisalignedStore { addr: a + 3 });
    // Byte accesses at odd addresses are fine; so are aligned halfwords at 2 mod 4.
    let mut p = base.clone();
    p.extend([addi(T1, 0, 0x1a5), sb(T1, T0, 1), lbu(A0, T0, 1)]);
    p.extend([sh(T1, T0, 2), lhu(A1, T0, 2), HALT]);
    assert_eq!(run(&p).expect("halts").output[..2], [0xa5, 0x1a5]);
}

#[test]
fn accesses_outside_memory_trap() {
    let end = MachineConfig::default().ram_end();
    let at = |addr: u32, insn: fn(u32, u32, i32) -> u32| {
        let mut p = li(T0, addr).to_vec();
        p.push(insn(A0, T0, 0));
        p.push(HALT);
        let t = trap(&p);
        assert_eq!(t.pc, 8);
        t.kind
    };
    assert_eq!(at(end, lw), TrapKind::LoadOutsideMemory { addr: end });
    assert_eq!(at(end, lb), TrapKind::LoadOutsideMemory { addr: end });
    assert_eq!(
        at(u32::MAX, lbu),
        TrapKind::LoadOutsideMemory { addr: u32::MAX }
    );
    assert_eq!(
        at(u32::MAX - 1, lh),
        TrapKind::LoadOutsideMemory { addr: u32::MAX - 1 }
    );
    assert_eq!(at(end, sw), TrapKind::StoreOutsideMemory { addr: end });
    assert_eq!(
        at(u32::MAX, sb),
        TrapKind::StoreOutsideMemory { addr: u32::MAX }
    );
    assert_eq!(
        at(0xffff_fffc, sw),
        TrapKind::StoreOutsideMemory { addr: 0xffff_fffc }
    );
    assert_eq!(at(0, sw), TrapKind::WriteToRom { addr: 0 });
    assert_eq!(at(RAM - 1, sb), TrapKind::WriteToRom { addr: RAM - 1 });
    assert_eq!(at(RAM - 2, sh), TrapKind::WriteToRom { addr: RAM - 2 });
    // The last word of RAM is writable and readable.
    let mut p = li(T0, end - 4).to_vec();
    p.extend([addi(T1, 0, 9), sw(T1, T0, 0), lw(A0, T0, 0), HALT]);
    assert_eq!(run(&p).expect("halts").output[0], 9);
}

#[test]
fn fetches_outside_the_image_trap() {
    // Past the image but inside ROM: zeros, an illegal instruction.
    let t = trap(&[NOP]);
    assert_eq!(t.pc, 4);
    assert_eq!(
        t.kind,
        TrapKind::IllegalInstruction {
            word: 0,
            kind: IllegalKind::Unknown
        }
    );
    // Into RAM: code runs only from ROM.
    let mut p = li(T0, RAM).to_vec();
    p.push(jalr(0, T0, 0));
    let t = trap(&p);
    assert_eq!(
        (t.pc, t.kind, t.cycles),
        (RAM, TrapKind::FetchOutsideRom, 3)
    );
    // Far away, and by a jal that wraps below 0.
    let t = trap(&[jal(0, -4)]);
    assert_eq!((t.pc, t.kind), (u32::MAX - 3, TrapKind::FetchOutsideRom));
    // Falling off the end of a full ROM.
    let config = MachineConfig {
        rom_size: 8,
        ram_size: 4096,
    };
    let sim = Simulator::from_words(config, &[NOP, NOP]).expect("loads");
    match sim.run(&[], LIMIT) {
        Err(Error::Trap(t)) => assert_eq!((t.pc, t.kind), (8, TrapKind::FetchOutsideRom)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn configs_and_images_are_checked() {
    let bad = [
        MachineConfig {
            rom_size: 0,
            ram_size: 4096,
        },
        MachineConfig {
            rom_size: 4096,
            ram_size: 6,
        },
        MachineConfig {
            rom_size: 0x8000_0000,
            ram_size: 0x8000_0000,
        },
    ];
    for config in bad {
        assert!(matches!(
            Simulator::from_words(config, &[HALT]),
            Err(LoadError::Config(_))
        ));
    }
    let small = MachineConfig {
        rom_size: 8,
        ram_size: 8,
    };
    assert!(matches!(
        Simulator::from_words(small, &[NOP, NOP, HALT]),
        Err(LoadError::ImageTooLarge { len: 12, .. })
    ));
    // A small map's bounds: RAM is 32..48.
    let mut p = vec![addi(T0, 0, 44), sw(T0, T0, 0)];
    p.extend([lw(A0, T0, 0), sw(T0, T0, 4), HALT]);
    let config = MachineConfig {
        rom_size: 32,
        ram_size: 16,
    };
    let sim = Simulator::from_words(config, &p).expect("loads");
    match sim.run(&[], LIMIT) {
        Err(Error::Trap(t)) => assert_eq!(t.kind, TrapKind::StoreOutsideMemory { addr: 48 }),
        other => panic!("{other:?}"),
    }
}

#[test]
fn traps_keep_the_state_for_inspection() {
    let mut p = li(A0, 0x5555).to_vec();
    p.push(ECALL);
    let sim = sim(&p);
    let mut m = sim.machine().expect("maps");
    let t = m.run(&[], LIMIT).expect_err("traps");
    assert_eq!((t.pc, t.cycles), (8, 2));
    assert_eq!((m.pc(), m.cycles(), m.halted()), (8, 2, false));
    assert_eq!(m.output()[0], 0x5555);
    assert_eq!(m.view().memory().read_u32(8), Some(ECALL));
    // Running again hits the same trap: nothing retired.
    assert_eq!(m.run(&[], LIMIT).expect_err("again"), t);
    assert!(t.to_string().contains("ecall"), "{t}");
}

/// Counts what the hooks see.
#[derive(Default)]
struct Counter {
    instructions: u64,
    last_pc: u32,
    calls: Vec<(u32, u32, u32)>,
    returns: Vec<(u32, u32)>,
    tape: Vec<(u32, usize, u32)>,
    markers: u32,
}

impl Observer for Counter {
    fn on_instruction(&mut self, pc: u32, view: &View<'_>) {
        self.instructions += 1;
        self.last_pc = pc;
        // `addi x0, x0, 7`: a marker, recognised by its encoding.
        if view.memory().read_u32(pc) == Some(addi(0, 0, 7)) {
            self.markers += 1;
        }
    }
    fn on_call(&mut self, pc: u32, target: u32, view: &View<'_>) {
        self.calls.push((pc, target, view.reg(RA)));
    }
    fn on_return(&mut self, pc: u32, target: u32, _: &View<'_>) {
        self.returns.push((pc, target));
    }
    fn on_tape_read(&mut self, pc: u32, index: usize, word: u32) {
        self.tape.push((pc, index, word));
    }
}

#[test]
fn observer_sees_every_instruction_call_return_and_tape_read() {
    let p = [
        csrrw(A0, 0x7c0, 0), // 0
        jal(RA, 12),         // 4: call 16
        addi(0, 0, 7),       // 8: marker
        HALT,                // 12
        addi(A1, 0, 1),      // 16
        jalr(0, RA, 0),      // 20: return to 8
    ];
    let sim = sim(&p);
    let mut m = sim.machine().expect("maps");
    let mut c = Counter::default();
    let r = m.run_with(&[42], LIMIT, &mut c).expect("halts");
    assert_eq!(r.cycles, 6);
    assert_eq!(c.instructions, 6);
    assert_eq!(c.last_pc, 12);
    assert_eq!(c.calls, [(4, 16, 8)]);
    assert_eq!(c.returns, [(20, 8)]);
    assert_eq!(c.tape, [(0, 0, 42)]);
    assert_eq!(c.markers, 1);
    assert_eq!(r.output[..2], [42, 1]);
    // The trapping instruction is seen too.
    let sim2 = Simulator::from_words(MachineConfig::default(), &[NOP, ECALL]).expect("loads");
    let mut c = Counter::default();
    sim2.machine()
        .expect("maps")
        .run_with(&[], LIMIT, &mut c)
        .expect_err("traps");
    assert_eq!((c.instructions, c.last_pc), (2, 4));
}

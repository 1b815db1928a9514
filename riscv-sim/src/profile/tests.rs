//! The profiler on hand-encoded programs: exact attribution through calls and returns.

use super::opcodes::MarkerIds;
use super::*;
use crate::encode::*;
use crate::MachineConfig;

const RA: u32 = 1;
const T0: u32 = 5;
const A0: u32 = 10;
const A1: u32 = 11;
const A2: u32 = 12;

fn profile(words: &[u32], markers: Option<MarkerIds>, symbols: &[(u32, u32, &str)]) -> Profile {
    let sim = Simulator::from_words(MachineConfig::default(), words).unwrap();
    let mut profiler = Profiler::new(&sim, markers);
    let run = sim
        .machine()
        .unwrap()
        .run_with(&[], 1_000, &mut profiler)
        .unwrap();
    assert_eq!(profiler.instructions(), run.cycles);
    let p = profiler.finish_with_symbols(symbols);
    assert_eq!(
        p.total, run.cycles,
        "the profile's total is the run's cycles"
    );
    let folded: u64 = p.folded.iter().map(|(_, n)| n).sum();
    assert_eq!(folded, run.cycles, "the folded stacks sum to the cycles");
    let exclusive: u64 = p.functions.iter().map(|f| f.exclusive).sum();
    assert_eq!(exclusive, run.cycles, "exclusive cycles sum to the cycles");
    p
}

fn row(p: &Profile, name: &str) -> (u64, u64) {
    let f = p.function(name).unwrap_or_else(|| panic!("no row {name}"));
    (f.inclusive, f.exclusive)
}

fn folded(p: &Profile) -> Vec<(&str, u64)> {
    p.folded.iter().map(|(s, n)| (s.as_str(), *n)).collect()
}

/// main calls f twice; f calls g (linking through t0, so ra survives) and returns.
#[test]
fn nested_calls_are_attributed_exactly() {
    let words = [
        jal(RA, 16),     // 0: main: call f
        jal(RA, 12),     // 4: call f
        jal(0, 0),       // 8: self-loop
        addi(0, 0, 0),   // 12
        addi(A0, A0, 1), // 16: f
        jal(T0, 12),     // 20: call g
        jalr(0, RA, 0),  // 24: ret
        addi(0, 0, 0),   // 28
        addi(A1, A1, 1), // 32: g
        addi(A1, A1, 1), // 36
        jalr(0, T0, 0),  // 40: ret through t0
    ];
    let syms = [(0, 16, "main"), (16, 32, "f"), (32, 44, "g")];
    let p = profile(&words, None, &syms);
    assert_eq!(p.total, 15);
    assert_eq!(row(&p, "main"), (15, 3));
    assert_eq!(row(&p, "f"), (12, 6));
    assert_eq!(row(&p, "g"), (6, 6));
    assert_eq!(folded(&p), [("main", 3), ("main;f", 6), ("main;f;g", 6)]);
    assert_eq!(p.resyncs, 0);
    let table = p.table(10);
    assert!(
        table.contains("main") && table.contains("by exclusive"),
        "{table}"
    );
}

/// g returns straight to main (its ra set to main's return address), skipping f's frame:
/// the shadow stack pops both, and what follows is main's again.
#[test]
fn a_return_past_frames_resynchronises() {
    let words = [
        jal(RA, 16),     // 0: main: call f
        addi(A0, A0, 1), // 4: back in main
        jal(0, 0),       // 8: self-loop
        addi(0, 0, 0),   // 12
        addi(A0, A0, 1), // 16: f
        jal(RA, 12),     // 20: call g (ra = 24)
        jalr(0, RA, 0),  // 24: never reached
        addi(0, 0, 0),   // 28
        addi(RA, 0, 4),  // 32: g: ra = 4, main's return address
        jalr(0, RA, 0),  // 36: return to main
    ];
    let syms = [(0, 16, "main"), (16, 32, "f"), (32, 40, "g")];
    let p = profile(&words, None, &syms);
    // main: 0, 4, 8; f: 16, 20; g: 32, 36.
    assert_eq!(p.total, 7);
    assert_eq!(p.resyncs, 1);
    assert_eq!(row(&p, "main"), (7, 3));
    assert_eq!(row(&p, "f"), (4, 2));
    assert_eq!(row(&p, "g"), (2, 2));
    assert_eq!(folded(&p), [("main", 3), ("main;f", 2), ("main;f;g", 2)]);
}

/// Recursion counts once per stack; a return to no frame on the stack changes nothing.
#[test]
fn recursion_counts_once_and_stray_returns_are_ignored() {
    const SP: u32 = 2;
    let words = [
        lui(SP, 0x300),   // 0: main: sp in RAM
        addi(A0, 0, 3),   // 4: a0 = 3
        jal(RA, 20),      // 8: call r (28)
        addi(RA, 0, 20),  // 12: ra = 20
        jalr(0, RA, 0),   // 16: a return to no frame: to 20
        jal(0, 0),        // 20: self-loop
        addi(0, 0, 0),    // 24
        beq(A0, 0, 28),   // 28: r: if a0 == 0 return (56)
        addi(SP, SP, -4), // 32
        sw(RA, SP, 0),    // 36
        addi(A0, A0, -1), // 40
        jal(RA, -16),     // 44: call r (28)
        lw(RA, SP, 0),    // 48
        addi(SP, SP, 4),  // 52
        jalr(0, RA, 0),   // 56: ret
    ];
    let p = profile(&words, None, &[(0, 28, "main"), (28, 60, "r")]);
    assert_eq!(p.total, 32);
    assert_eq!(p.resyncs, 1);
    assert_eq!(row(&p, "main"), (32, 6));
    assert_eq!(row(&p, "r"), (26, 26));
    assert_eq!(
        folded(&p),
        [
            ("main", 6),
            ("main;r", 8),
            ("main;r;r", 8),
            ("main;r;r;r", 8),
            ("main;r;r;r;r", 2)
        ]
    );
}

const IDS: MarkerIds = MarkerIds {
    opcode: 0x5c1,
    frame_end: 0x5c2,
};

/// An ADD, a CALL whose child runs one STOP, another ADD, the frame's end: cycles and gas by
/// opcode, the child's gas not counted twice.
#[test]
fn opcode_markers_attribute_cycles_and_gas() {
    let op = addi(0, 0, IDS.opcode as i32);
    let end = addi(0, 0, IDS.frame_end as i32);
    let words = [
        addi(A0, 0, 0x01), // 0 outside
        addi(A1, 0, 100),  // 1 outside
        addi(A2, 0, 1),    // 2 outside
        op,                // 3 ADD at gas 100
        addi(A0, 0, 0xf1), // 4 ADD
        addi(A1, 0, 97),   // 5 ADD
        op,                // 6 CALL at gas 97
        addi(A0, 0, 0),    // 7 CALL (frame setup)
        addi(A1, 0, 50),   // 8 CALL
        addi(A2, 0, 2),    // 9 CALL
        op,                // 10 STOP at depth 2, gas 50
        end,               // 11 the child ends with 50 left (it used 0)
        addi(A2, 0, 1),    // 12 CALL (teardown)
        addi(A0, 0, 0x01), // 13 CALL
        addi(A1, 0, 60),   // 14 CALL
        op,                // 15 ADD at gas 60
        addi(A1, 0, 57),   // 16 ADD
        end,               // 17 outside: the transaction's frame ends with 57 left
        jal(0, 0),         // 18 outside
    ];
    let p = profile(&words, Some(IDS), &[(0, 76, "main")]);
    assert_eq!(p.total, 19);
    let ops = p.opcodes.as_ref().unwrap();
    assert_eq!(ops.mismatches, 0);
    assert_eq!(ops.outside, 5);
    let get = |o: u8| *ops.rows.iter().find(|r| r.op == o).unwrap();
    assert_eq!(
        get(0xf1),
        opcodes::OpcodeRow {
            op: 0xf1,
            count: 1,
            cycles: 8,
            gas: 37
        }
    );
    assert_eq!(
        get(0x01),
        opcodes::OpcodeRow {
            op: 0x01,
            count: 2,
            cycles: 5,
            gas: 6
        }
    );
    assert_eq!(
        get(0x00),
        opcodes::OpcodeRow {
            op: 0x00,
            count: 1,
            cycles: 1,
            gas: 0
        }
    );
    assert_eq!(ops.evm_cycles() + ops.outside, p.total);
    assert_eq!(ops.gas(), 100 - 57, "the gas the frame used");
    assert_eq!(ops.rows[0].op, 0xf1, "sorted by cycles");
    let table = ops.table(10, |o| format!("op{o:02x}"));
    assert!(
        table.contains("opf1") && table.contains("outside the EVM"),
        "{table}"
    );
}

/// The folded stacks and the SVG are written.
#[test]
fn folded_and_svg_files_are_written() {
    let words = [jal(RA, 8), jal(0, 0), addi(A0, A0, 1), jalr(0, RA, 0)];
    let p = profile(&words, None, &[(0, 8, "main"), (8, 16, "f")]);
    let dir = std::env::temp_dir().join(format!("zkos-profile-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (folded, svg) = (dir.join("p.folded"), dir.join("p.svg"));
    p.write_folded(&folded).unwrap();
    p.write_svg(&svg, "test").unwrap();
    assert_eq!(
        std::fs::read_to_string(&folded).unwrap(),
        "main 2\nmain;f 2\n"
    );
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.contains("<svg") && svg_text.contains("main"));
    std::fs::remove_dir_all(&dir).unwrap();
}

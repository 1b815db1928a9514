//! The cycle profiler on the profiling guest (cycle markers around every EVM instruction) and
//! a mainnet block: the profile accounts for every cycle, names the entry, the interpreter's
//! dispatch loop and keccak, attributes the EVM instructions' gas, and writes the folded
//! stacks and the flamegraph. Prints the tops of the tables (timings are never asserted).

use zkos_host::blockdir::BlockDir;
use zkos_host::guest::{build_profiling_guest, commitment_words, tape_of, Guest};
use zkos_host::shared;

#[test]
fn profile_of_a_mainnet_block_accounts_for_every_cycle() {
    let path = build_profiling_guest().unwrap_or_else(|e| panic!("{e}"));
    let guest = Guest::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let dir = shared::mainnet_blocks_dir().unwrap_or_else(|e| panic!("{e}"));
    let input = BlockDir::load(&dir.join("24628607")).unwrap_or_else(|e| panic!("{e}"));
    let native = input.validate().unwrap();
    let tape = tape_of(&input);

    let plain = guest.run(&tape).unwrap();
    let started = std::time::Instant::now();
    let (run, profile) = guest.profile(&tape).unwrap();
    let elapsed = started.elapsed();
    println!(
        "{} cycles profiled in {:.1} s",
        run.cycles,
        elapsed.as_secs_f64()
    );
    assert_eq!(run.output, commitment_words(&native.commitment().0));
    // Every cycle, exactly: the unprofiled run's count, and the folded stacks' sum.
    assert_eq!(run.cycles, plain.cycles);
    assert_eq!(profile.total, plain.cycles);
    let folded: u64 = profile.folded.iter().map(|(_, n)| n).sum();
    assert_eq!(folded, plain.cycles);
    let exclusive: u64 = profile.functions.iter().map(|f| f.exclusive).sum();
    assert_eq!(exclusive, plain.cycles);

    // The entry holds everything but the few instructions before the call to it.
    let main = profile
        .function("guest_main")
        .expect("guest_main in the profile");
    assert!(main.inclusive + 100 > profile.total, "{main:?}");
    assert!(profile.function("_start").is_some(), "the entry is named");
    for name in [
        "zkos_os::evm::interpreter::run_impl",
        "zkos_os::keccak::permute",
    ] {
        let f = profile
            .function(name)
            .unwrap_or_else(|| panic!("{name} is not in the profile"));
        assert!(f.inclusive > 0 && f.exclusive > 0, "{f:?}");
    }
    println!("{}", profile.table(15));

    // By opcode: every cycle is an instruction's or outside the EVM, every marker fits the
    // frame stack, and the instructions' gas (the frames' execution gas: no intrinsic gas,
    // before refunds, system calls included) lies between a fifth of the block's gas and
    // the block's gas plus its largest possible refund (a fifth of the gas before refunds,
    // so at most a quarter of the gas used).
    let ops = profile.opcodes.as_ref().expect("the opcode markers");
    println!(
        "{}",
        ops.table(15, |op| zkos_os::evm::opcodes::op_name(op).to_string())
    );
    assert_eq!(ops.mismatches, 0);
    assert_eq!(ops.evm_cycles() + ops.outside, profile.total);
    let gas = ops.gas();
    let block_gas = native.gas_used;
    assert!(
        gas * 5 > block_gas && gas * 4 <= block_gas * 5,
        "{gas} of {block_gas}"
    );
    for (op, name) in [(0x54u8, "SLOAD"), (0x20, "KECCAK256"), (0xfa, "STATICCALL")] {
        let row = ops
            .rows
            .iter()
            .find(|r| r.op == op)
            .unwrap_or_else(|| panic!("no {name}"));
        assert!(
            row.count > 0 && row.cycles > 0 && row.gas > 0,
            "{name}: {row:?}"
        );
    }

    let out = std::env::temp_dir().join(format!("zkos-guest-profile-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let (folded_path, svg_path) = (out.join("guest.folded"), out.join("guest.svg"));
    profile.write_folded(&folded_path).unwrap();
    profile.write_svg(&svg_path, "block 24628607").unwrap();
    let text = std::fs::read_to_string(&folded_path).unwrap();
    assert!(text.lines().any(|l| l.contains(";guest_main;")));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("run_impl"));
    std::fs::remove_dir_all(&out).unwrap();
}

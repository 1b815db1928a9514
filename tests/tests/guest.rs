//! The guest program on the simulator of Airbender's machine model: the riscv32im binary
//! validates both mainnet blocks and publishes exactly the commitment `os` computes natively;
//! a bad witness publishes the documented failure value; a tape that ends early is the
//! machine's trap. Prints the cycle counts (measured, never asserted as a speed).

use zkos_host::blockdir::BlockDir;
use zkos_host::guest::{build_guest, commitment_words, tape_of, Guest};
use zkos_host::shared;
use zkos_riscv_guest::{failure_words, Failure};

fn load(number: &str) -> BlockDir {
    let dir = shared::mainnet_blocks_dir().unwrap_or_else(|e| panic!("{e}"));
    BlockDir::load(&dir.join(number)).unwrap_or_else(|e| panic!("{e}"))
}

fn guest() -> Guest {
    let path = build_guest().unwrap_or_else(|e| panic!("{e}"));
    Guest::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn guest_validates_the_mainnet_blocks_like_the_host() {
    let guest = guest();
    for number in ["24628607", "24628608"] {
        let input = load(number);
        let native = input.validate().unwrap();
        let started = std::time::Instant::now();
        let (run, txs) = guest
            .run_by_transaction(&tape_of(&input))
            .unwrap_or_else(|e| panic!("{number}: {e}"));
        let elapsed = started.elapsed();
        // Every transaction between its markers, in order, with the gas the host charged it.
        let slices = input.witness.lend();
        let host = zkos_os::stateless::run_block(
            &mut zkos_os::bootloader::Bootloader::new(),
            &input.chain,
            &input.block,
            &slices.witness(),
        )
        .unwrap();
        let receipts = &host.executed.result.receipts;
        assert_eq!(txs.len(), receipts.len(), "{number}");
        for (i, (t, r)) in txs.iter().zip(receipts).enumerate() {
            assert_eq!(t.index as usize, i, "{number}");
            assert_eq!(u64::from(t.gas_used), r.gas_used, "{number} tx {i}");
            assert!(t.cycles > 0, "{number} tx {i}");
        }
        assert!(txs.iter().map(|t| t.cycles).sum::<u64>() < run.cycles);
        assert_eq!(
            run.output,
            commitment_words(&native.commitment().0),
            "{number}"
        );
        println!(
            "block {number}: {} cycles, {:.1} cycles/gas, simulated at {:.0} M instructions/s",
            run.cycles,
            run.cycles as f64 / native.gas_used as f64,
            run.cycles as f64 / elapsed.as_secs_f64() / 1e6
        );
    }
}

#[test]
fn guest_publishes_failures_and_traps_on_a_short_tape() {
    let guest = guest();
    let input = load("24628607");
    let mut emptied = load("24628607");
    emptied
        .witness
        .state
        .truncate(emptied.witness.state.len() / 2);
    let run = guest.run(&tape_of(&emptied)).unwrap();
    assert_eq!(run.output, failure_words(Failure::Witness));

    let tape = tape_of(&input);
    let err = guest.run(&tape[..tape.len() / 2]).unwrap_err();
    assert!(err.contains("tape"), "{err}");
}

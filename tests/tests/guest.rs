//! The guest program on the simulator of Airbender's machine model: the riscv32im binary
//! validates both mainnet blocks, and runs the example block from an env tape, publishing
//! exactly the commitment `os` computes natively; a bad witness or a malformed env block
//! publishes the documented failure value; a tape that ends early is the machine's trap.
//! Prints the cycle counts (measured, never asserted as a speed).

use zkos_host::blockdir::BlockDir;
use zkos_host::blockjson::Block;
use zkos_host::guest::{build_guest, commitment_words, env_tape, tape_of, Guest};
use zkos_host::shared;
use zkos_host::witness_builder::{run_stateless, witness_of_json_block, EnvBlock, Recorded};
use zkos_os::bootloader::Bootloader;
use zkos_riscv_guest::tape::{self, Kind, Tape};
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

/// examples/block.json as an env block with its minimal witness, built on the host.
fn example_block() -> (EnvBlock, Recorded) {
    let root = shared::workspace_root().unwrap_or_else(|e| panic!("{e}"));
    let path = root.join("examples").join("block.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let block = Block::from_json_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    witness_of_json_block(&block, &mut Bootloader::new()).unwrap()
}

#[test]
fn guest_runs_the_example_block_like_the_host() {
    let guest = guest();
    let (block, built) = example_block();
    let host = run_stateless(&built.witness, &block, &mut Bootloader::new()).unwrap();
    // The witness path agrees with the recording run over the full pre-state.
    assert_eq!(host.output.post_state_root, built.post_root);
    assert_eq!(host.result.receipts.len(), block.txs.len());
    let gas: u64 = host.result.receipts.iter().map(|r| r.gas_used).sum();
    assert_eq!(host.output.gas_used, gas);
    assert!(gas > 0);

    let (run, txs) = guest
        .run_by_transaction(&env_tape(&block, &built.witness))
        .unwrap();
    assert_eq!(run.output, commitment_words(&host.output.commitment().0));
    assert_ne!(run.output, failure_words(Failure::Witness));
    assert_eq!(txs.len(), block.txs.len());
    for (t, r) in txs.iter().zip(&host.result.receipts) {
        assert_eq!(u64::from(t.gas_used), r.gas_used);
    }
    println!(
        "example block: {} cycles, {:.1} cycles/gas",
        run.cycles,
        run.cycles as f64 / gas as f64
    );
}

#[test]
fn env_tapes_that_cannot_be_run_publish_their_failure() {
    let guest = guest();
    let (block, built) = example_block();
    let slices = built.witness.lend();
    let view = slices.witness();
    let with = |bytes: &[u8], state: Vec<&[u8]>| {
        tape::encode(&Tape {
            kind: Kind::Env,
            block: bytes,
            state,
            codes: view.codes.to_vec(),
            ..Tape::default()
        })
    };
    let encoded = block.encode();
    let all = view.state.to_vec();
    // The well-formed tape, to show the cases below differ from it in one thing only.
    let ok = guest.run(&with(&encoded, all.clone())).unwrap();
    assert_ne!(ok.output[..7], [u32::MAX; 7]);

    // A malformed env block: garbage, one byte cut, one byte more.
    for bytes in [
        &b"not an env block"[..],
        &encoded[..encoded.len() - 1],
        &[&encoded[..], &[0u8]].concat(),
    ] {
        let run = guest.run(&with(bytes, all.clone())).unwrap();
        assert_eq!(run.output, failure_words(Failure::Block));
    }
    // A witness missing the node the block needs most: the state root's.
    let without_root: Vec<&[u8]> = all
        .iter()
        .copied()
        .filter(|n| zkos_os::keccak::keccak256(n) != block.pre_state_root.0)
        .collect();
    assert_eq!(
        without_root.len() + 1,
        all.len(),
        "the witness holds the root node once"
    );
    let run = guest.run(&with(&encoded, without_root)).unwrap();
    assert_eq!(run.output, failure_words(Failure::Witness));
    // An env tape cut short is the machine's trap, as for block tapes.
    let cut = with(&encoded, all);
    let err = guest.run(&cut[..cut.len() / 2]).unwrap_err();
    assert!(err.contains("tape"), "{err}");
}

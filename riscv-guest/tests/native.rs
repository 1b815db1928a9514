//! The guest logic run natively (the same code the riscv32im binary runs, on the native
//! platform): the mainnet blocks give the commitment `os` computes, and every kind of bad
//! input gives its documented failure value.

use zkos_host::blockdir::BlockDir;
use zkos_host::guest::tape_with_block;
use zkos_host::shared;
use zkos_os::arena::Arena;
use zkos_riscv_guest::platform::native::NativePlatform;
use zkos_riscv_guest::tape::{self, Tape};
use zkos_riscv_guest::{commitment_words, failure_words, run, Failure};

fn load(number: &str) -> BlockDir {
    let dir = shared::mainnet_blocks_dir().unwrap_or_else(|e| panic!("{e}"));
    BlockDir::load(&dir.join(number)).unwrap_or_else(|e| panic!("{e}"))
}

fn run_native(words: &[u32]) -> [u32; 8] {
    run(&mut NativePlatform::new(words), Arena::new())
}

#[test]
fn mainnet_blocks_publish_their_commitment() {
    for number in ["24628607", "24628608"] {
        let input = load(number);
        let expected = input.validate().unwrap();
        let words = tape_with_block(&input, &input.block);
        assert_eq!(
            run_native(&words),
            commitment_words(&expected.commitment().0),
            "{number}"
        );
    }
}

#[test]
fn bad_inputs_publish_their_failure() {
    let input = load("24628607");
    let words = tape_with_block(&input, &input.block);
    // The tape ends early, or is not a tape.
    assert_eq!(
        run_native(&words[..words.len() - 1]),
        failure_words(Failure::Tape)
    );
    assert_eq!(run_native(&[]), failure_words(Failure::Tape));
    let mut bad = words.clone();
    bad[0] = 0;
    assert_eq!(run_native(&bad), failure_words(Failure::Tape));
    // A chain config that is not one (a well-formed tape around it).
    let garbage = tape::encode(&Tape {
        chain: b"not a chain config",
        block: &input.block,
        ..Default::default()
    });
    assert_eq!(run_native(&garbage), failure_words(Failure::Chain));
    // A truncated block; a witness without its nodes; a header mismatch (another chain id
    // makes the first transaction invalid instead: rejected).
    let short = &input.block[..input.block.len() - 1];
    assert_eq!(
        run_native(&tape_with_block(&input, short)),
        failure_words(Failure::Block)
    );
    let mut empty = input.witness.clone();
    empty.state.clear();
    let emptied = BlockDir {
        witness: empty,
        ..load("24628607")
    };
    assert_eq!(
        run_native(&tape_with_block(&emptied, &input.block)),
        failure_words(Failure::Witness)
    );
    let other_chain = BlockDir {
        chain: zkos_os::chain::ChainConfig {
            chain_id: 5,
            ..input.chain.clone()
        },
        ..load("24628607")
    };
    assert_eq!(
        run_native(&tape_with_block(&other_chain, &input.block)),
        failure_words(Failure::Rejected)
    );
    // Failure values never look like a commitment's first word pattern: seven all-ones words.
    assert_eq!(&failure_words(Failure::Mismatch)[..7], &[u32::MAX; 7]);
}

//! examples/block.json and examples/erc20.asm: the assembled token matches the block's
//! create transaction, and (once the EVM runs) the block does what its comments say.

use alloy_primitives::{address, keccak256, Address, B256, U256};
use std::path::PathBuf;
use zkos_host::asm::assemble;
use zkos_host::blockjson::Block;
use zkos_os::bootloader::Bootloader;
use zkos_os::types::TxStatus;

const ALICE: Address = address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b");
const BOB: Address = address!("b0b000000000000000000000000000000000b0b0");
const CAROL: Address = address!("ca401000000000000000000000000000000ca401");
const SUPPLY: u64 = 1_000_000;
const SENT_TO_BOB: u64 = 250_000;

fn examples_dir() -> PathBuf {
    zkos_host::shared::workspace_root()
        .unwrap_or_else(|e| panic!("{e}"))
        .join("examples")
}

fn block() -> Block {
    let path = examples_dir().join("block.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Block::from_json_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The deployed token's address: keccak256(rlp([sender, nonce]))[12..].
fn token() -> Address {
    ALICE.create(2)
}

#[test]
fn erc20_asm_is_the_blocks_initcode() {
    let source = std::fs::read_to_string(examples_dir().join("erc20.asm")).unwrap();
    let code = assemble(&source).unwrap_or_else(|e| panic!("erc20.asm: {e}"));
    let block = block();
    let creates: Vec<_> = block.txs.iter().filter(|tx| tx.to.is_none()).collect();
    assert_eq!(creates.len(), 1, "the example has one create transaction");
    assert_eq!(
        creates[0].data.as_ref(),
        code.as_slice(),
        "re-assemble erc20.asm into block.json"
    );
    assert_eq!((creates[0].caller, creates[0].nonce), (ALICE, 2));
}

#[test]
fn token_calls_target_the_computed_address() {
    assert_eq!(
        token(),
        address!("248f0f0f33eadb89e9d87fd5c127f58567f3ffde")
    );
    let block = block();
    for tx in &block.txs[3..] {
        assert_eq!(tx.to, Some(token()));
    }
}

/// Needs the EVM: fails while the bootloader is a stub.
#[test]
fn the_example_block_runs_as_described() {
    let block = block();
    let result = Bootloader::new().run_block(&block.oracle());
    assert_eq!(result.receipts.len(), 6, "one receipt per transaction");
    let status: Vec<_> = result.receipts.iter().map(|r| r.result.clone()).collect();
    assert_eq!(status[0], Ok(TxStatus::Success), "ETH transfer to bob");
    assert_eq!(status[1], Ok(TxStatus::Success), "ETH transfer to carol");
    assert_eq!(status[2], Ok(TxStatus::Success), "token deployment");
    assert_eq!(result.receipts[2].created_address, Some(token()));
    assert_eq!(status[3], Ok(TxStatus::Success), "token transfer");
    assert_eq!(
        status[4],
        Ok(TxStatus::Revert),
        "transfer above the balance"
    );
    assert_eq!(status[5], Ok(TxStatus::Success), "balanceOf");
    assert_eq!(result.receipts[0].gas_used, 21_000);

    let logs = &result.receipts[3].logs;
    assert_eq!(logs.len(), 1, "one Transfer event");
    let word = |a: Address| B256::left_padding_from(a.as_slice());
    assert_eq!(logs[0].address, token());
    assert_eq!(
        logs[0].topics,
        vec![
            keccak256("Transfer(address,address,uint256)"),
            word(ALICE),
            word(BOB)
        ]
    );
    assert_eq!(
        logs[0].data.as_ref(),
        &U256::from(SENT_TO_BOB).to_be_bytes::<32>()
    );
    assert!(
        result.receipts[4].logs.is_empty(),
        "a revert drops its logs"
    );

    assert_eq!(
        result.receipts[5].output.as_ref(),
        &U256::from(SENT_TO_BOB).to_be_bytes::<32>()
    );

    let mut post = block.pre.clone();
    post.apply_diff(&result.state_diff);
    let storage = &post.accounts[&token()].storage;
    let slot = |a: Address| U256::from_be_slice(a.as_slice());
    assert_eq!(
        storage.get(&slot(ALICE)),
        Some(&U256::from(SUPPLY - SENT_TO_BOB))
    );
    assert_eq!(storage.get(&slot(BOB)), Some(&U256::from(SENT_TO_BOB)));
    assert_eq!(storage.get(&slot(CAROL)), None);
    assert_eq!(post.accounts[&BOB].info.nonce, 1);
}

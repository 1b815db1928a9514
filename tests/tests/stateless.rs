//! Stateless validation on the real mainnet blocks of ../shared/blocks: each block alone and
//! the two chained, every header check equal; then tampered inputs, each rejected with the
//! error that names what is wrong, and a bounded fuzz of the whole path (never a panic, never
//! a changed block accepted).

use alloy_primitives::keccak256;
use zkos_host::blockdir::{BlockDir, WitnessFile};
use zkos_host::shared;
use zkos_os::block::{BlockError, TxError};
use zkos_os::bootloader::ethereum::BlockRejection;
use zkos_os::bootloader::Bootloader;
use zkos_os::chain::ChainConfig;
use zkos_os::commitment::mpt::MptError;
use zkos_os::rlp::Item;
use zkos_os::stateless::{self, BlockOutput, StatelessError, Validated, WitnessError};
use zkos_os::types::InvalidTx;

const FIRST: &str = "24628607";
const SECOND: &str = "24628608";

fn load(number: &str) -> BlockDir {
    let dir = shared::mainnet_blocks_dir().unwrap_or_else(|e| panic!("{e}"));
    BlockDir::load(&dir.join(number)).unwrap_or_else(|e| panic!("{e}"))
}

fn run(
    chain: &ChainConfig,
    block: &[u8],
    witness: &WitnessFile,
) -> Result<Validated, StatelessError> {
    let slices = witness.lend();
    stateless::run_block(&mut Bootloader::new(), chain, block, &slices.witness())
}

fn validate(
    chain: &ChainConfig,
    block: &[u8],
    witness: &WitnessFile,
) -> Result<BlockOutput, StatelessError> {
    run(chain, block, witness).and_then(|v| v.output(chain))
}

#[test]
fn mainnet_blocks_validate_alone_and_chained() {
    let first = load(FIRST);
    let second = load(SECOND);
    let mut boot = Bootloader::new();
    let mut outputs = Vec::new();
    for input in [&first, &second] {
        let slices = input.witness.lend();
        let v = stateless::run_block(&mut boot, &input.chain, &input.block, &slices.witness())
            .unwrap_or_else(|e| panic!("{}: {e}", input.dir.display()));
        assert!(v.mismatches.is_empty(), "{:?}", v.mismatches);
        let h = &v.block.header;
        assert_eq!(v.post_state_root, h.state_root);
        assert_eq!(v.executed.receipts_root, h.receipts_root);
        assert_eq!(v.executed.logs_bloom, h.logs_bloom);
        assert_eq!(v.executed.result.gas_used, h.gas_used);
        assert_eq!(Some(v.executed.result.blob_gas_used), h.blob_gas_used);
        assert_eq!(v.executed.requests_hash, h.requests_hash);
        assert!(v.executed.result.receipts.iter().all(|r| r.result.is_ok()));
        let out = v.output(&input.chain).unwrap();
        assert_eq!(out.block_hash, h.hash);
        assert_eq!(
            out.block_hash,
            keccak256(
                Item::decode(&input.block)
                    .unwrap()
                    .list()
                    .unwrap()
                    .next_item()
                    .unwrap()
                    .raw()
            )
        );
        assert_eq!(out.pre_state_root, v.parent.state_root);
        outputs.push(out);
    }
    // Chained: the second block's parent is the first, its pre-state the first's result.
    assert_eq!(outputs[1].parent_hash, outputs[0].block_hash);
    assert_eq!(outputs[1].pre_state_root, outputs[0].post_state_root);
    assert_eq!(outputs[1].number, outputs[0].number + 1);
    assert_ne!(outputs[0].commitment(), outputs[1].commitment());
    // The same input gives the same output with a fresh bootloader (no state carried over).
    let again = validate(&first.chain, &first.block, &first.witness).unwrap();
    assert_eq!(again, outputs[0]);
}

/// The byte range of `item` inside `whole` (both from the same buffer).
fn range_of(whole: &[u8], item: &[u8]) -> std::ops::Range<usize> {
    let start = item.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + item.len()
}

/// The byte range of header field `index` inside the block's bytes.
fn header_field(block: &[u8], index: usize) -> std::ops::Range<usize> {
    let item = Item::decode(block).unwrap();
    let header = item.list().unwrap().next_item().unwrap();
    let field = header.list().unwrap().nth(index).unwrap();
    range_of(block, field.payload())
}

/// The byte range of transaction `index`'s encoding (typed: the string's payload).
fn tx_range(block: &[u8], index: usize) -> std::ops::Range<usize> {
    let item = Item::decode(block).unwrap();
    let mut parts = item.list().unwrap();
    parts.next_item().unwrap();
    let txs = parts.next_item().unwrap();
    let tx = txs.list().unwrap().nth(index).unwrap();
    if tx.is_list() {
        range_of(block, tx.raw())
    } else {
        range_of(block, tx.payload())
    }
}

#[test]
fn unneeded_nodes_and_codes_are_ignored() {
    let input = load(FIRST);
    let mut witness = input.witness.clone();
    witness.state.push(vec![0xc0]);
    witness
        .state
        .push(b"not a node at all, never reached".to_vec());
    witness.codes.push(vec![0x60, 0x00, 0xfe]);
    witness.headers.push(witness.headers[0].clone());
    let expected = validate(&input.chain, &input.block, &input.witness).unwrap();
    assert_eq!(
        validate(&input.chain, &input.block, &witness).unwrap(),
        expected
    );
}

#[test]
fn tampered_witness_is_rejected_with_its_reason() {
    let input = load(FIRST);
    let chain = &input.chain;
    let parent = zkos_os::block::Header::decode(&input.witness.headers[0]).unwrap();

    // The root node missing: the witness cannot even be loaded.
    let mut w = input.witness.clone();
    w.state.retain(|n| keccak256(n) != parent.state_root);
    match validate(chain, &input.block, &w) {
        Err(StatelessError::Witness(WitnessError::State(MptError::MissingNode { hash }))) => {
            assert_eq!(hash, parent.state_root)
        }
        other => panic!("{other:?}"),
    }

    // A flipped byte in each of several nodes: the node no longer hashes to its reference,
    // so the read that needs it fails naming the account or slot (or, at the end, the
    // node a root computation needs). Never a valid block with another root.
    let mut rejected = 0;
    for i in (0..input.witness.state.len()).step_by(97) {
        let mut w = input.witness.clone();
        let node = &mut w.state[i];
        let at = node.len() / 2;
        node[at] ^= 0x01;
        match validate(chain, &input.block, &w) {
            Err(StatelessError::Witness(e)) => {
                let text = e.to_string();
                assert!(
                    text.contains("missing from the witness") || text.contains("bad"),
                    "{text}"
                );
                rejected += 1;
            }
            // A node the block never needs: its loss changes nothing.
            Ok(out) => assert_eq!(out, validate(chain, &input.block, &input.witness).unwrap()),
            Err(other) => panic!("node {i}: unexpected {other}"),
        }
    }
    assert!(rejected > 0, "no tampered node was needed");

    // A bytecode changed: it is indexed under its own hash, so the code the block runs is
    // missing, by its hash.
    let mut w = input.witness.clone();
    let code_hash = keccak256(&w.codes[0]);
    w.codes[0].push(0x00);
    match validate(chain, &input.block, &w) {
        Err(StatelessError::Witness(WitnessError::MissingCode { hash })) => {
            assert_eq!(hash, code_hash)
        }
        Ok(_) => panic!("a changed bytecode was accepted"),
        Err(other) => panic!("{other}"),
    }

    // The parent header changed: no witness header links to the block's parent hash.
    let mut w = input.witness.clone();
    let last = w.headers[0].len() - 1;
    w.headers[0][last] ^= 0x01;
    match validate(chain, &input.block, &w) {
        Err(StatelessError::Witness(WitnessError::MissingParent { parent_hash })) => {
            assert_eq!(parent_hash, parent.hash)
        }
        other => panic!("{other:?}"),
    }
    // ... or is not a header at all.
    let mut w = input.witness.clone();
    w.headers.insert(0, vec![0xc1, 0x80]);
    assert!(matches!(
        validate(chain, &input.block, &w),
        Err(StatelessError::Witness(WitnessError::BadHeader {
            index: 0,
            ..
        }))
    ));
}

#[test]
fn tampered_block_is_rejected_with_its_reason() {
    let input = load(FIRST);
    let chain = &input.chain;
    let witness = &input.witness;

    // Truncated, and with trailing bytes.
    let truncated = &input.block[..input.block.len() - 1];
    assert!(matches!(
        validate(chain, truncated, witness),
        Err(StatelessError::Block(BlockError::Rlp { .. }))
    ));
    let mut longer = input.block.clone();
    longer.push(0);
    assert!(matches!(
        validate(chain, &longer, witness),
        Err(StatelessError::Block(BlockError::Rlp { .. }))
    ));

    // A signature with s ≥ n/2 (all ones): invalid, naming the transaction.
    let (index, range) = (0..66)
        .map(|i| (i, tx_range(&input.block, i)))
        .find(|(_, r)| input.block[r.end - 33] == 0xa0)
        .expect("a transaction with a 32-byte s");
    let mut bad_sig = input.block.clone();
    bad_sig[range.end - 32..range.end].fill(0xff);
    match validate(chain, &bad_sig, witness) {
        Err(StatelessError::Block(BlockError::Transaction { index: i, error })) => {
            assert_eq!(i, index);
            assert!(
                matches!(error, TxError::HighS | TxError::InvalidSignature),
                "{error:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    // Another chain id: the first transaction is for chain 1.
    let other_chain = ChainConfig {
        chain_id: 5,
        ..chain.clone()
    };
    match validate(&other_chain, &input.block, witness) {
        Err(StatelessError::Rejected(BlockRejection::Transaction { index: 0, error })) => {
            assert_eq!(error, InvalidTx::ChainIdMismatch)
        }
        other => panic!("{other:?}"),
    }

    // The header's gas used changed in place (same length): execution disagrees, and the
    // mismatch names the field (the block hash changed too, so the output would differ).
    let gas_used = header_field(&input.block, 10);
    let mut bad_gas = input.block.clone();
    bad_gas[gas_used.end - 1] ^= 0x01;
    match validate(chain, &bad_gas, witness) {
        Err(StatelessError::Mismatch(list)) => {
            assert_eq!(list.len(), 1, "{list:?}");
            assert_eq!(list[0].field, "gas_used");
        }
        other => panic!("{other:?}"),
    }

    // The state root changed: only the state root differs.
    let root = header_field(&input.block, 3);
    let mut bad_root = input.block.clone();
    bad_root[root.start] ^= 0x80;
    match validate(chain, &bad_root, witness) {
        Err(StatelessError::Mismatch(list)) => {
            assert_eq!(
                list.iter().map(|m| m.field).collect::<Vec<_>>(),
                ["state_root"]
            );
        }
        other => panic!("{other:?}"),
    }

    // A leading zero in the timestamp: not canonical RLP, named by its field.
    let timestamp = header_field(&input.block, 11);
    let mut non_canonical = input.block.clone();
    non_canonical[timestamp.start] = 0x00;
    match validate(chain, &non_canonical, witness) {
        Err(StatelessError::Block(BlockError::Header(e))) => {
            assert!(e.to_string().contains("timestamp"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // The parent's timestamp (same length): not after the parent, a header rule.
    let parent = zkos_os::block::Header::decode(&witness.headers[0]).unwrap();
    let parent_time = parent.timestamp.to_be_bytes();
    let mut same_time = input.block.clone();
    same_time[timestamp.clone()].copy_from_slice(&parent_time[8 - timestamp.len()..]);
    match validate(chain, &same_time, witness) {
        Err(StatelessError::Rejected(BlockRejection::Header(e))) => {
            assert!(e.to_string().contains("not after the parent"), "{e}")
        }
        other => panic!("{other:?}"),
    }

    // A transaction byte changed in its data: the transactions root no longer matches (or
    // the signature recovers someone else, who cannot pay).
    let range = tx_range(&input.block, 1);
    let mut bad_tx = input.block.clone();
    bad_tx[range.start + range.len() / 3] ^= 0x01;
    assert!(validate(chain, &bad_tx, witness).is_err());
}

/// xorshift64*, deterministic.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn bounded_fuzz_of_block_and_witness() {
    let input = load(FIRST);
    let chain = &input.chain;
    let expected = validate(chain, &input.block, &input.witness).unwrap();
    let mut rng = Rng(0x005e_ed0f_b10c);
    let (mut rejected, mut same) = (0, 0);
    for round in 0..48 {
        let mut block = input.block.clone();
        let mut witness = input.witness.clone();
        for _ in 0..1 + rng.below(3) {
            match rng.below(4) {
                0 => {
                    let at = rng.below(block.len());
                    block[at] ^= 1 << rng.below(8);
                }
                1 => {
                    let node = rng.below(witness.state.len());
                    let bytes = &mut witness.state[node];
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
                2 => {
                    let node = rng.below(witness.state.len());
                    witness.state.swap_remove(node);
                }
                _ => {
                    let at = rng.below(block.len());
                    block.truncate(at);
                }
            }
        }
        let changed_block = block != input.block;
        let outcome = std::panic::catch_unwind(|| validate(chain, &block, &witness));
        match outcome {
            Err(_) => panic!("round {round}: validation panicked"),
            Ok(Ok(out)) => {
                // A witness change the block never depends on validates to the very same
                // output; a changed block that is still valid (a bit of PREVRANDAO no
                // transaction reads, say) is another block, with another hash in its output.
                if changed_block {
                    assert_ne!(out.block_hash, expected.block_hash, "round {round}");
                } else {
                    assert_eq!(out, expected, "round {round}");
                }
                same += 1;
            }
            Ok(Err(_)) => rejected += 1,
        }
    }
    assert!(rejected > 0);
    println!("fuzz: {rejected} rejected, {same} still valid");
}

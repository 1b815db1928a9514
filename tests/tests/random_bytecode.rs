//! Untrusted bytecode never panics the host: thousands of random programs (seeded, so a
//! failure reproduces) run through the bootloader under several forks. Each block must give a
//! receipt per transaction with sane gas accounting, and running the same block again on the
//! same (warm) bootloader must give exactly the same result: the arena, the pooled state maps
//! and the code caches carry nothing from one block into the next.
//!
//! The programs lean towards opcodes that reach the interesting machinery (memory with small
//! offsets, storage, calls and creates between the two contracts, returndata, logs,
//! self-destruct) rather than towards uniform noise, which mostly halts at once.

use alloy_primitives::{address, Address, Bytes, U256};
use zkos_os::bootloader::Bootloader;
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::types::{BlockEnv, SpecId, TxEnv};

const SENDER: Address = address!("5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e");
const A: Address = address!("00000000000000000000000000000000000a0a0a");
const B: Address = address!("00000000000000000000000000000000000b0b0b");

/// xorshift64*: a small deterministic generator, so failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Opcodes worth hitting often, with the small arguments that make them do something.
const FAVOURITES: &[u8] = &[
    0x01, 0x02, 0x03, 0x04, 0x06, 0x0a, 0x10, 0x14, 0x15, 0x16, 0x1b, 0x1c, 0x20, 0x30, 0x31, 0x33,
    0x34, 0x35, 0x36, 0x37, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x47, 0x50, 0x51, 0x52, 0x53,
    0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x80, 0x81, 0x82, 0x90,
    0x91, 0xa0, 0xa2, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xfa, 0xfd, 0xff,
];

fn program(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut code = Vec::with_capacity(len + 32);
    while code.len() < len {
        match rng.below(10) {
            // Small pushes: offsets, lengths, slots, jump targets into this code.
            0..=3 => {
                code.push(0x60);
                let bound = if rng.below(2) == 0 { 64 } else { len as u64 };
                code.push(rng.below(bound) as u8);
            }
            // An address of one of the contracts (for calls, balance, extcode*).
            4 => {
                code.push(0x73);
                let target = if rng.below(2) == 0 { A } else { B };
                code.extend_from_slice(target.as_slice());
            }
            // Huge values now and then (absurd offsets, gas, values).
            5 => {
                code.push(0x7f);
                for _ in 0..32 {
                    code.push(rng.below(256) as u8);
                }
            }
            6..=8 => code.push(FAVOURITES[rng.below(FAVOURITES.len() as u64) as usize]),
            _ => code.push(rng.below(256) as u8),
        }
    }
    code
}

fn block(rng: &mut Rng, spec: SpecId) -> InMemoryOracle {
    let env = BlockEnv {
        spec,
        number: 10,
        gas_limit: 100_000_000,
        ..Default::default()
    };
    let mut txs = Vec::new();
    for nonce in 0..4 {
        let create = rng.below(5) == 0;
        txs.push(TxEnv {
            caller: SENDER,
            nonce,
            gas_limit: 200_000 + rng.below(2_000_000),
            gas_price: U256::from(1u8),
            to: if create {
                None
            } else {
                Some(if rng.below(2) == 0 { A } else { B })
            },
            value: U256::from(rng.below(3)),
            data: if create {
                Bytes::from(program(rng, 64))
            } else {
                Bytes::from(
                    (0..rng.below(70))
                        .map(|_| rng.below(256) as u8)
                        .collect::<Vec<_>>(),
                )
            },
            ..Default::default()
        });
    }
    let mut oracle = InMemoryOracle::new(env, txs);
    oracle.insert_account(
        SENDER,
        GenesisAccount {
            balance: U256::from(10u128.pow(20)),
            ..Default::default()
        },
    );
    for address in [A, B] {
        let len = 8 + rng.below(200) as usize;
        oracle.insert_account(
            address,
            GenesisAccount {
                balance: U256::from(rng.below(1000)),
                nonce: 1,
                code: Bytes::from(program(rng, len)),
                storage: vec![(U256::from(rng.below(64)), U256::from(rng.below(5)))],
            },
        );
    }
    oracle
}

/// Random blocks under four forks: no panic, sane receipts, identical reruns.
#[test]
fn random_programs_never_panic_and_rerun_identically() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut bootloader = Bootloader::new();
    let forks = [
        SpecId::Frontier,
        SpecId::Byzantium,
        SpecId::Berlin,
        SpecId::Cancun,
    ];
    let mut executed = 0usize;
    for round in 0..1200 {
        let spec = forks[round % forks.len()];
        let oracle = block(&mut rng, spec);
        let first = bootloader.run_block(&oracle);
        assert_eq!(first.receipts.len(), oracle.txs.len());
        let mut cumulative = 0;
        for (receipt, tx) in first.receipts.iter().zip(&oracle.txs) {
            assert!(
                receipt.gas_used <= tx.gas_limit,
                "round {round}: gas above limit"
            );
            cumulative += receipt.gas_used;
            assert_eq!(receipt.cumulative_gas_used, cumulative, "round {round}");
            executed += receipt.result.is_ok() as usize;
        }
        assert_eq!(first.gas_used, cumulative);
        let again = bootloader.run_block(&oracle);
        assert_eq!(
            first, again,
            "round {round} ({spec}): a rerun on the warm bootloader differs"
        );
    }
    // The generator must really exercise execution, not only rejections.
    assert!(executed > 3000, "only {executed} transactions executed");
}

//! Case generators. Every case is a pure function of (kind, seed).
//!
//! All generators share one world: two funded senders, contracts at `cc..cc0i`, externally
//! owned accounts, an existing empty account, addresses that do not exist, the precompiles,
//! and "blob" accounts whose code is init code for CREATE and CREATE2 to copy. What differs
//! is what the entry contract runs:
//! - [`Kind::Raw`]: random bytes;
//! - [`Kind::Soup`]: random defined opcodes over a stack pre-filled with edge values;
//! - [`Kind::Structured`]: programs built from snippets that each exercise one area (edge
//!   arithmetic, memory at its edges, storage transitions and refunds, transient storage,
//!   logs, calls of every kind, creates of every outcome, loops, bad jumps, stack overflow)
//!   and make their results observable by storing them;
//! - [`Kind::Multi`]: blocks of several structured transactions from two senders.

mod program;
mod structured;

pub use program::Program;

use crate::case::{Account, Case, Env, Tx};
use crate::rng::Rng;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::collections::BTreeMap;
use zkos_os::evm::opcodes::{self as op, OpTable};
use zkos_os::types::SpecId;

/// The kinds of generated cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Raw,
    Soup,
    Structured,
    Multi,
}

impl Kind {
    /// Every kind, in the order a mixed run cycles through them.
    pub const ALL: [Kind; 4] = [Kind::Raw, Kind::Soup, Kind::Structured, Kind::Multi];

    /// The kind's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Raw => "raw",
            Kind::Soup => "soup",
            Kind::Structured => "structured",
            Kind::Multi => "multi",
        }
    }

    /// Parses a name of [`Kind::name`].
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The world's addresses.
pub mod addr {
    use alloy_primitives::Address;

    const fn fill(b: u8, last: u8) -> Address {
        let mut a = [b; 20];
        a[19] = last;
        Address::new(a)
    }
    /// The transaction senders.
    pub const SENDERS: [Address; 2] = [fill(0x5e, 0x01), fill(0x5e, 0x02)];
    /// Contract `i` (0 is the entry point).
    pub const fn contract(i: u8) -> Address {
        fill(0xcc, i)
    }
    /// Funded externally owned account `i`.
    pub const fn eoa(i: u8) -> Address {
        fill(0xee, i)
    }
    /// Existing account with no balance, nonce or code (EIP-161 touches matter).
    pub const EMPTY: Address = fill(0xdd, 0x00);
    /// An address that does not exist, `i`.
    pub const fn missing(i: u8) -> Address {
        fill(0x99, i)
    }
    /// Blob account `i`: holds init code for creates to copy.
    pub const fn blob(i: u8) -> Address {
        fill(0xd0, i)
    }
    /// The block's coinbase.
    pub const COINBASE: Address = fill(0xcb, 0xcb);
}

/// How many contracts a world has (the entry contract included).
pub const CONTRACTS: u8 = 4;
/// How many blob accounts hold init code.
pub const BLOBS: u8 = 4;

/// The forks the generators draw from: every fork revm names the same way, weighted towards
/// the recent ones. (revm has no Constantinople, only Petersburg.)
const FORKS: [(SpecId, u64); 12] = [
    (SpecId::Frontier, 3),
    (SpecId::Homestead, 3),
    (SpecId::TangerineWhistle, 3),
    (SpecId::SpuriousDragon, 3),
    (SpecId::Byzantium, 4),
    (SpecId::Petersburg, 4),
    (SpecId::Istanbul, 5),
    (SpecId::Berlin, 6),
    (SpecId::London, 6),
    (SpecId::Paris, 5),
    (SpecId::Shanghai, 12),
    (SpecId::Cancun, 46),
];

fn pick_fork(rng: &mut Rng) -> SpecId {
    let total: u64 = FORKS.iter().map(|(_, w)| w).sum();
    let mut x = rng.below(total);
    for (spec, w) in FORKS {
        if x < w {
            return spec;
        }
        x -= w;
    }
    SpecId::Cancun
}

/// A call target: anything a program may name.
pub fn target(rng: &mut Rng, spec: SpecId) -> Address {
    let precompiles = if spec >= SpecId::Cancun {
        10
    } else if spec >= SpecId::Istanbul {
        9
    } else if spec >= SpecId::Byzantium {
        8
    } else {
        4
    };
    match rng.below(12) {
        0..=3 => addr::contract(rng.below(CONTRACTS as u64) as u8),
        4 => addr::eoa(rng.below(2) as u8),
        5 => addr::EMPTY,
        6 => addr::missing(rng.below(2) as u8),
        7 | 8 => {
            let mut a = [0u8; 20];
            a[19] = rng.range(1, precompiles + 1) as u8;
            Address::new(a)
        }
        9 => addr::SENDERS[0],
        10 => addr::blob(rng.below(BLOBS as u64) as u8),
        _ => addr::COINBASE,
    }
}

/// Generates case `seed` of `kind`.
pub fn generate(kind: Kind, seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let spec = pick_fork(&mut rng);
    let mut pre = BTreeMap::new();
    for (i, sender) in addr::SENDERS.iter().enumerate() {
        pre.insert(
            *sender,
            Account {
                balance: U256::from(10u128.pow(24)),
                nonce: if i == 0 { rng.below(3) } else { 0 },
                ..Default::default()
            },
        );
    }
    for i in 0..2 {
        pre.insert(
            addr::eoa(i),
            Account {
                balance: U256::from(rng.range(1, 1_000_000)),
                nonce: rng.below(2),
                ..Default::default()
            },
        );
    }
    if rng.chance(70) {
        pre.insert(addr::EMPTY, Account::default());
    }
    let env = Env {
        chain_id: 1,
        number: if rng.chance(10) {
            (1u64 << 32) + rng.below(1000)
        } else {
            rng.range(300, 20_000_000)
        },
        timestamp: rng.range(1, 2_000_000_000),
        gas_limit: 60_000_000,
        base_fee: if spec >= SpecId::London {
            *rng.pick(&[0, 7, 1_000])
        } else {
            0
        },
        coinbase: if rng.chance(10) {
            addr::contract(1)
        } else {
            addr::COINBASE
        },
        prev_randao: B256::from(rng.word()),
        difficulty: if spec >= SpecId::Paris {
            U256::ZERO
        } else {
            U256::from(rng.range(1, 1 << 40))
        },
        excess_blob_gas: if spec >= SpecId::Cancun {
            *rng.pick(&[0, 1 << 20, 10_000_000])
        } else {
            0
        },
    };

    // Contracts: the entry contract's code depends on the kind; the callees are structured.
    let entry = match kind {
        Kind::Raw => {
            let n = rng.range(0, 200) as usize;
            rng.bytes(n)
        }
        Kind::Soup => soup(&mut rng, spec),
        Kind::Structured | Kind::Multi => structured::program(&mut rng, spec, 0, 10),
    };
    let mut contracts = vec![entry];
    for i in 1..CONTRACTS {
        contracts.push(if kind == Kind::Raw && rng.chance(50) {
            let n = rng.range(0, 100) as usize;
            rng.bytes(n)
        } else {
            structured::program(&mut rng, spec, i, 4)
        });
    }
    for (i, code) in contracts.into_iter().enumerate() {
        let mut storage = BTreeMap::new();
        for key in 0..4u64 {
            if rng.chance(40) {
                storage.insert(U256::from(key), U256::from(rng.range(1, 3)));
            }
        }
        // EIP-7610 steering (see `deviations`): accounts with storage always have code and a
        // nonce, so no create can land on storage without code.
        pre.insert(
            addr::contract(i as u8),
            Account {
                balance: U256::from(rng.below(3) * 1_000),
                nonce: 1,
                code: Bytes::from(code),
                storage,
            },
        );
    }
    for i in 0..BLOBS {
        pre.insert(
            addr::blob(i),
            Account {
                balance: U256::ZERO,
                nonce: 1,
                code: Bytes::from(structured::init_code(&mut rng, spec)),
                storage: BTreeMap::new(),
            },
        );
    }

    let n_txs = if kind == Kind::Multi {
        rng.range(2, 5) as usize
    } else {
        1
    };
    let mut nonces = [pre[&addr::SENDERS[0]].nonce, 0];
    let mut txs = Vec::new();
    // The block's blob limit (Cancun: 6), a block-validity rule revm's transaction API does
    // not check (see `deviations`).
    let mut blobs_left = 6;
    for t in 0..n_txs {
        let s = if t == 0 { 0 } else { rng.index(2) };
        let tx = transaction(&mut rng, spec, &env, s, nonces[s], &mut blobs_left, t);
        nonces[s] += 1;
        txs.push(tx);
    }
    Case {
        fork: spec.name().to_string(),
        env,
        pre,
        txs,
        origin: format!("{} seed {seed:#x}", kind.name()),
    }
}

/// A transaction from sender `s` with the expected nonce `nonce` (sometimes a wrong one).
fn transaction(
    rng: &mut Rng,
    spec: SpecId,
    env: &Env,
    s: usize,
    nonce: u64,
    blobs_left: &mut u64,
    index: usize,
) -> Tx {
    let mut types = vec![0u8];
    if spec >= SpecId::Berlin {
        types.push(1);
    }
    if spec >= SpecId::London {
        types.push(2);
    }
    if spec >= SpecId::Cancun && *blobs_left > 0 {
        types.push(3);
    }
    let tx_type = *rng.pick(&types);
    let to = if index == 0 || rng.chance(60) {
        if rng.chance(85) {
            Some(addr::contract(0))
        } else {
            Some(target(rng, spec))
        }
    } else if tx_type != 3 && rng.chance(50) {
        None
    } else {
        Some(addr::contract(rng.below(CONTRACTS as u64) as u8))
    };
    let data = match to {
        None => structured::init_code(rng, spec),
        Some(_) => {
            let n = *rng.pick(&[0usize, 4, 32, 36, 68, 100]);
            let mut d = rng.bytes(n);
            for b in d.iter_mut() {
                if rng.chance(40) {
                    *b = 0;
                }
            }
            d
        }
    };
    let gas_limit = match rng.below(10) {
        0 => rng.range(21_000, 60_000),
        1..=2 => rng.range(60_000, 300_000),
        3..=8 => rng.range(300_000, 3_000_000),
        _ => rng.range(3_000_000, 12_000_000),
    };
    let fee = env.base_fee + *rng.pick(&[0, 0, 1, 3]);
    let value = match rng.below(100) {
        0..=59 => U256::ZERO,
        60..=96 => U256::from(rng.range(1, 10_000)),
        _ => U256::from(10u128.pow(25)), // more than the sender has: rejected
    };
    let blob_hashes = if tx_type == 3 {
        let n = rng.range(1, 6).min(*blobs_left);
        *blobs_left -= n;
        (0..n)
            .map(|_| {
                let mut h = B256::from(rng.word());
                h.0[0] = if rng.chance(97) { 0x01 } else { 0x02 };
                h
            })
            .collect()
    } else {
        Vec::new()
    };
    let access_list = if tx_type >= 1 && rng.chance(50) {
        (0..rng.range(1, 3))
            .map(|_| {
                let keys = (0..rng.below(3))
                    .map(|_| B256::from(U256::from(rng.below(5))))
                    .collect();
                (target(rng, spec), keys)
            })
            .collect()
    } else {
        Vec::new()
    };
    Tx {
        tx_type,
        from: addr::SENDERS[s],
        to,
        nonce: if rng.chance(3) { nonce + 1 } else { nonce },
        gas_limit,
        gas_price: fee,
        max_priority_fee: (tx_type >= 2).then(|| *rng.pick(&[0, 1, 2])),
        value,
        data: Bytes::from(data),
        chain_id: if tx_type == 0 && rng.chance(30) {
            None
        } else {
            Some(1)
        },
        access_list,
        blob_hashes,
        max_fee_per_blob_gas: (tx_type == 3).then(|| *rng.pick(&[1u64, 1_000_000_000])),
    }
}

/// Random defined opcodes over a stack pre-filled with edge values and world addresses.
fn soup(rng: &mut Rng, spec: SpecId) -> Vec<u8> {
    let table = OpTable::new(spec);
    let defined: Vec<u8> = (0..=255u8)
        .filter(|o| !table.0[*o as usize].is_undefined())
        .collect();
    let mut p = Program::new(spec);
    for _ in 0..rng.range(0, 16) {
        match rng.below(4) {
            0 => p.push_addr(target(rng, spec)),
            1 => p.push_u(rng.below(96)),
            _ => p.push(rng.edge_word()),
        };
    }
    for _ in 0..rng.range(1, 60) {
        let o = *rng.pick(&defined);
        p.op(&[o]);
        if (op::PUSH1..=op::PUSH32).contains(&o) {
            let n = (o - op::PUSH1 + 1) as usize;
            let imm = rng.bytes(n);
            p.op(&imm);
        }
    }
    p.code
}

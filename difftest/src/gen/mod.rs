//! Case generators. Every case is a pure function of (kind, seed).
//!
//! All generators share one world: two funded senders (keyed, so that they can sign their
//! own EIP-7702 authorizations), contracts at `cc..cc0i`, externally owned accounts, an
//! existing empty account, addresses that do not exist, the precompiles of the fork, "blob"
//! accounts whose code is init code for CREATE and CREATE2 to copy, and keyed authorities
//! that from Prague on often hold a delegation designator already (to a contract, an EOA, a
//! precompile, another authority). What differs is what the entry contract runs:
//! - [`Kind::Raw`]: random bytes;
//! - [`Kind::Soup`]: random defined opcodes over a stack pre-filled with edge values;
//! - [`Kind::Structured`]: programs built from snippets that each exercise one area (edge
//!   arithmetic and CLZ, memory at its edges, storage transitions and refunds, transient
//!   storage, logs, calls of every kind, precompile calls with built inputs, creates of every
//!   outcome, loops, bad jumps, stack overflow) and make their results observable by storing
//!   them;
//! - [`Kind::Multi`]: blocks of several structured transactions from two senders.
//!
//! Transactions of every type the fork has: blob counts per the fork's schedule, set-code
//! transactions with valid and invalid authorizations (self-sponsored ones too),
//! calldata-heavy ones where the EIP-7623 floor is what is paid, and gas limits around
//! EIP-7825's cap.

pub mod keys;
pub mod precompile;
mod program;
mod structured;

pub use program::Program;

use crate::case::{blob_limits, Account, Authorization, Case, Env, Tx};
use crate::rng::Rng;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::collections::BTreeMap;
use zkos_os::evm::opcodes::{self as op, OpTable};
use zkos_os::system::delegation;
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
    use alloy_primitives::{address, Address};

    const fn fill(b: u8, last: u8) -> Address {
        let mut a = [b; 20];
        a[19] = last;
        Address::new(a)
    }
    /// The transaction senders: the addresses of secrets 1 and 2 ([`super::keys`]), so that a
    /// sender can sign its own EIP-7702 authorization.
    pub const SENDERS: [Address; 2] = [
        address!("7e5f4552091a69125d5dfcb7b8c2659029395bdf"),
        address!("2b5ad5c4795c026514f8317c7a215e218dccd6cf"),
    ];
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
    /// Authority `i`: a keyed account that signs EIP-7702 delegations, and from Prague on
    /// often holds one in the pre-state already.
    pub fn authority(i: u8) -> Address {
        super::keys::authority(i)
    }
}

/// How many contracts a world has (the entry contract included).
pub const CONTRACTS: u8 = 4;
/// How many blob accounts hold init code.
pub const BLOBS: u8 = 4;
pub use keys::AUTHORITIES;

/// The forks the generators draw from: every fork revm names the same way, weighted towards
/// the recent ones. (revm has no Constantinople, only Petersburg.) The BPO forks are Osaka
/// with larger blob schedules.
const FORKS: [(SpecId, u64); 16] = [
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
    (SpecId::Shanghai, 10),
    (SpecId::Cancun, 14),
    (SpecId::Prague, 12),
    (SpecId::Osaka, 20),
    (SpecId::Bpo1, 1),
    (SpecId::Bpo2, 1),
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
    SpecId::Osaka
}

/// A call target: anything a program may name.
pub fn target(rng: &mut Rng, spec: SpecId) -> Address {
    match rng.below(14) {
        0..=3 => addr::contract(rng.below(CONTRACTS as u64) as u8),
        4 => addr::eoa(rng.below(2) as u8),
        5 => addr::EMPTY,
        6 => addr::missing(rng.below(2) as u8),
        7 | 8 => precompile::pick(rng, spec),
        9 => addr::SENDERS[0],
        10 => addr::blob(rng.below(BLOBS as u64) as u8),
        11 | 12 => addr::authority(rng.below(AUTHORITIES as u64) as u8),
        _ => addr::COINBASE,
    }
}

/// What a delegation designator points at: a contract, an EOA, a precompile (whose code is
/// empty: a delegated call runs nothing), another authority (a chain, which is not followed;
/// or itself), a sender, an account that does not exist, a blob's init code, or the zero
/// address.
fn delegate(rng: &mut Rng, spec: SpecId) -> Address {
    match rng.below(20) {
        0..=7 => addr::contract(rng.below(CONTRACTS as u64) as u8),
        8 | 9 => addr::eoa(rng.below(2) as u8),
        10 | 11 => precompile::pick(rng, spec),
        12..=14 => addr::authority(rng.below(AUTHORITIES as u64) as u8),
        15 => addr::SENDERS[rng.index(2)],
        16 => addr::missing(rng.below(2) as u8),
        17 => addr::EMPTY,
        18 => addr::blob(rng.below(BLOBS as u64) as u8),
        _ => Address::ZERO,
    }
}

/// A designator to `target`, as pre-state code.
fn designator(target: Address) -> Bytes {
    Bytes::copy_from_slice(&delegation::designator(target))
}

/// EIP-7623's floor for calldata `data`: 21000 and 10 gas per token (a zero byte is one
/// token, any other byte four).
pub fn floor_gas(data: &[u8]) -> u64 {
    let zeros = data.iter().filter(|b| **b == 0).count() as u64;
    let nonzeros = data.len() as u64 - zeros;
    21_000 + 10 * (zeros + 4 * nonzeros)
}

/// Generates case `seed` of `kind`.
pub fn generate(kind: Kind, seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let spec = pick_fork(&mut rng);
    let prague = spec >= SpecId::Prague;
    let mut pre = BTreeMap::new();
    for (i, sender) in addr::SENDERS.iter().enumerate() {
        // From Prague a sender may be delegated already (EIP-7702 relaxes EIP-3607 for it).
        let code = if prague && rng.chance(12) {
            designator(delegate(&mut rng, spec))
        } else {
            Bytes::new()
        };
        pre.insert(
            *sender,
            Account {
                balance: U256::from(10u128.pow(24)),
                nonce: if i == 0 { rng.below(3) } else { 0 },
                code,
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
    for i in 0..AUTHORITIES {
        let account = match rng.below(20) {
            0..=2 => None,
            3..=5 => Some(Account::default()),
            6..=10 => Some(Account {
                balance: U256::from(rng.range(1, 1 << 60)),
                nonce: rng.below(3),
                ..Default::default()
            }),
            // EIP-7702 designators can only exist from Prague on; before, the same bytes are
            // plain code starting with 0xef, which both engines must run as such.
            11..=18 if prague || rng.chance(15) => {
                let mut storage = BTreeMap::new();
                if rng.chance(40) {
                    storage.insert(U256::from(rng.below(4)), U256::from(rng.range(1, 3)));
                }
                Some(Account {
                    balance: U256::from(rng.below(3) * 1_000),
                    nonce: rng.range(1, 3),
                    code: designator(delegate(&mut rng, spec)),
                    storage,
                })
            }
            19 => Some(Account {
                balance: U256::ZERO,
                nonce: 1,
                code: Bytes::from(structured::program(&mut rng, spec, 0, 3)),
                storage: BTreeMap::new(),
            }),
            _ => Some(Account {
                balance: U256::from(rng.range(1, 1_000_000)),
                nonce: rng.below(2),
                ..Default::default()
            }),
        };
        if let Some(account) = account {
            pre.insert(addr::authority(i), account);
        }
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
    if prague {
        // From Prague a code starting 0xef01 is a designator or cannot exist (EIP-3541 keeps
        // 0xef out of deployed code); random bytes that happen to start so are made plain.
        for account in pre.values_mut() {
            if account.code.starts_with(&[0xef, 0x01]) && !delegation::is_designator(&account.code)
            {
                let mut code = account.code.to_vec();
                code[0] = 0xfe;
                account.code = Bytes::from(code);
            }
        }
    }

    let n_txs = if kind == Kind::Multi {
        rng.range(2, 5) as usize
    } else {
        1
    };
    let mut nonces: BTreeMap<Address, u64> = pre.iter().map(|(a, acc)| (*a, acc.nonce)).collect();
    let mut txs = Vec::new();
    // The block's blob limit, a block-validity rule revm's transaction API does not check
    // (see `deviations`): the generators keep every block within it.
    let mut blobs_left = blob_limits(spec).1;
    for t in 0..n_txs {
        let s = if t == 0 { 0 } else { rng.index(2) };
        let tx = transaction(&mut rng, spec, &env, s, &mut nonces, &mut blobs_left, t);
        *nonces.entry(addr::SENDERS[s]).or_default() += 1;
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

/// An EIP-7702 authorization signed by the sender itself (with its nonce after the
/// transaction's increment), the other sender or an authority; usually valid, sometimes
/// broken in one of the ways the EIP skips: another chain, a nonce off by one or at its
/// maximum, a high s, a y parity above 1, a zero r or s, or a signature of nobody's key.
/// `nonces` tracks what each signer's nonce will be, assuming the earlier entries apply.
/// Returns the tuple and the address meant to sign it.
fn authorization(
    rng: &mut Rng,
    spec: SpecId,
    chain_id: u64,
    s: usize,
    nonces: &mut BTreeMap<Address, u64>,
) -> (Authorization, Address) {
    let (signer, key) = match rng.below(10) {
        0..=2 => (addr::SENDERS[s], keys::sender_key(s)),
        3 => (addr::SENDERS[1 - s], keys::sender_key(1 - s)),
        _ => {
            let i = rng.below(AUTHORITIES as u64) as u8;
            (addr::authority(i), keys::authority_key(i))
        }
    };
    let self_sponsored = signer == addr::SENDERS[s];
    let expected = nonces.get(&signer).copied().unwrap_or(0) + u64::from(self_sponsored);
    let target = if rng.chance(12) {
        Address::ZERO
    } else {
        delegate(rng, spec)
    };
    let mut chain = U256::from(chain_id);
    let mut nonce = expected;
    let mut valid = true;
    match rng.below(24) {
        0 | 1 => chain = U256::ZERO, // any chain: valid
        2 => {
            chain = U256::from(chain_id + 1);
            valid = false;
        }
        3 => {
            chain = U256::MAX;
            valid = false;
        }
        4 => {
            nonce = expected + 1;
            valid = false;
        }
        5 if expected > 0 => {
            nonce = expected - 1;
            valid = false;
        }
        6 => {
            nonce = u64::MAX;
            valid = false;
        }
        _ => {}
    }
    let mut auth = keys::sign_authorization(key, chain, target, nonce);
    match rng.below(30) {
        0 => {
            // The malleable twin: it would recover the same authority, but s is high.
            auth.s = keys::SECP256K1_N - auth.s;
            auth.y_parity = U256::from(1) - auth.y_parity;
            valid = false;
        }
        1 => {
            auth.y_parity = U256::from(*rng.pick(&[2u64, 27, 28, 256]));
            valid = false;
        }
        2 => {
            if rng.chance(50) {
                auth.r = U256::ZERO;
            } else {
                auth.s = U256::ZERO;
            }
            valid = false;
        }
        3 => {
            // Some other key's signature, or none: the authority is whoever recovers.
            auth.r = rng.word() % keys::SECP256K1_N;
            auth.s = rng.word() % (keys::SECP256K1_N / U256::from(2));
            valid = false;
        }
        _ => {}
    }
    if valid {
        nonces.insert(signer, nonce + 1 - u64::from(self_sponsored));
    }
    (auth, signer)
}

/// A transaction from sender `s` with the expected nonce (sometimes a wrong one).
fn transaction(
    rng: &mut Rng,
    spec: SpecId,
    env: &Env,
    s: usize,
    nonces: &mut BTreeMap<Address, u64>,
    blobs_left: &mut u64,
    index: usize,
) -> Tx {
    let nonce = nonces.get(&addr::SENDERS[s]).copied().unwrap_or(0);
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
    if spec >= SpecId::Prague {
        types.push(4);
    }
    let tx_type = *rng.pick(&types);
    let mut authorization_list = Vec::new();
    let mut signers = Vec::new();
    if tx_type == 4 && !rng.chance(2) {
        for _ in 0..rng.range(1, 4) {
            let (auth, signer) = authorization(rng, spec, env.chain_id, s, nonces);
            authorization_list.push(auth);
            signers.push(signer);
        }
    }
    let to = if tx_type == 4 {
        // Often the account just delegated, so the delegation runs in the same transaction.
        // Never a create (see `deviations::SETCODE_CREATE`).
        match rng.below(50) {
            0..=20 if !signers.is_empty() => Some(*rng.pick(&signers)),
            21..=35 => Some(addr::contract(0)),
            _ => Some(target(rng, spec)),
        }
    } else if index == 0 || rng.chance(60) {
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
    // Calldata-heavy transactions, where the EIP-7623 floor is what the sender pays.
    let heavy = to.is_some() && rng.chance(8);
    let to = if heavy && rng.chance(50) {
        Some(target(rng, spec))
    } else {
        to
    };
    let data = match to {
        None => structured::init_code(rng, spec),
        Some(t) if precompile::addresses(spec).contains(&t) && rng.chance(60) => {
            precompile::input(rng, spec, t)
        }
        Some(_) => {
            let n = if heavy {
                rng.range(100, 4_000) as usize
            } else {
                *rng.pick(&[0usize, 4, 32, 36, 68, 100])
            };
            let zeros = if heavy {
                *rng.pick(&[0, 5, 20, 100])
            } else {
                40
            };
            let mut d = rng.bytes(n);
            for b in d.iter_mut() {
                if rng.chance(zeros) {
                    *b = 0;
                }
            }
            d
        }
    };
    let mut gas_limit = match rng.below(25) {
        0..=2 => rng.range(21_000, 60_000),
        3..=6 => rng.range(60_000, 300_000),
        7..=20 => rng.range(300_000, 3_000_000),
        21..=23 => rng.range(3_000_000, 12_000_000),
        // Around EIP-7825's cap (2^24, Osaka on): above it is rejected. (Before Osaka such
        // limits only make runaway loops longer.)
        _ if spec < SpecId::Osaka => rng.range(300_000, 3_000_000),
        _ => {
            let cap = 1u64 << 24;
            let far = rng.range(cap + 2, 30_000_000);
            *rng.pick(&[cap - 1, cap, cap + 1, far])
        }
    };
    if heavy && spec >= SpecId::Prague && rng.chance(60) {
        // At the floor, one below it (rejected), or a little above.
        let floor = floor_gas(&data);
        gas_limit = match rng.below(4) {
            0 => floor,
            1 => floor - 1,
            _ => floor + rng.below(30_000),
        };
    }
    let fee = env.base_fee + *rng.pick(&[0, 0, 1, 3]);
    let value = match rng.below(100) {
        0..=59 => U256::ZERO,
        60..=96 => U256::from(rng.range(1, 10_000)),
        _ => U256::from(10u128.pow(25)), // more than the sender has: rejected
    };
    let blob_hashes = if tx_type == 3 {
        // Within the fork's per-transaction limit (EIP-4844's block maximum, EIP-7594's six
        // from Osaka) and the block's remaining blobs; now and then one over the
        // per-transaction limit, which both sides reject.
        let per_tx = blob_limits(spec).0;
        let n = if rng.chance(4) {
            per_tx + 1
        } else {
            let n = rng.range(1, per_tx).min(*blobs_left);
            *blobs_left -= n;
            n
        };
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
        authorization_list,
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

//! Structured programs: sequences of snippets, each exercising one area of the EVM and
//! storing what it computed, so that a wrong value shows in the post-state and not only in
//! the gas.

use super::program::{LOG2, PUSH2};
use super::{addr, precompile, target, Program, BLOBS};
use crate::rng::Rng;
use alloy_primitives::U256;
use zkos_os::evm::opcodes::*;
use zkos_os::types::SpecId;

/// Where results go: slots from 0x100 on (0..4 are the storage-transition slots).
const RESULT_SLOTS: u64 = 0x100;

struct Gen<'r> {
    rng: &'r mut Rng,
    p: Program,
    spec: SpecId,
    /// The next result slot.
    slot: u64,
    /// This contract's index (for self-calls).
    me: u8,
}

impl Gen<'_> {
    /// Stores the word on top of the stack in the next result slot.
    fn store(&mut self) {
        self.p.push_u(RESULT_SLOTS + self.slot).op(&[SSTORE]);
        self.slot += 1;
    }

    fn at_least(&self, spec: SpecId) -> bool {
        self.spec >= spec
    }

    /// A memory offset: mostly small, sometimes far, rarely absurd (out of gas).
    fn mem_offset(&mut self) -> U256 {
        match self.rng.below(100) {
            0..=84 => U256::from(self.rng.below(200)),
            85..=94 => U256::from(self.rng.range(200, 70_000)),
            95..=97 => U256::from((1u64 << 32) - 1 + self.rng.below(40)),
            98 => U256::from(u64::MAX),
            _ => U256::MAX,
        }
    }

    /// A memory length: mostly small, sometimes zero, rarely absurd.
    fn mem_len(&mut self) -> U256 {
        match self.rng.below(100) {
            0..=19 => U256::ZERO,
            20..=89 => U256::from(self.rng.range(1, 100)),
            90..=96 => U256::from(self.rng.range(100, 5_000)),
            97 => U256::from(1u64 << 32),
            _ => U256::MAX,
        }
    }

    fn arithmetic(&mut self) {
        let mut binary = vec![
            ADD, MUL, SUB, DIV, SDIV, MOD, SMOD, EXP, SIGNEXTEND, LT, GT, SLT, SGT, EQ, AND, OR,
            XOR, BYTE,
        ];
        if self.at_least(SpecId::Constantinople) {
            binary.extend([SHL, SHR, SAR]);
        }
        match self.rng.below(10) {
            0 => {
                let o = *self.rng.pick(&[ADDMOD, MULMOD]);
                let (n, b, a) = (
                    self.rng.edge_word(),
                    self.rng.edge_word(),
                    self.rng.edge_word(),
                );
                self.p.push(n).push(b).push(a).op(&[o]);
            }
            1 => {
                // CLZ (EIP-7939) from Osaka; before, now and then, as the undefined opcode
                // it is there.
                let mut unary = vec![ISZERO, NOT];
                if self.at_least(SpecId::Osaka) {
                    unary.extend([CLZ, CLZ]);
                } else if self.rng.chance(5) {
                    unary = vec![CLZ];
                }
                let o = *self.rng.pick(&unary);
                let a = if self.rng.chance(30) {
                    U256::from(1) << self.rng.below(256) as usize
                } else {
                    self.rng.edge_word()
                };
                self.p.push(a).op(&[o]);
            }
            _ => {
                let o = *self.rng.pick(&binary);
                let (b, a) = (self.rng.edge_word(), self.rng.edge_word());
                // Shifts and BYTE mostly get a sensible first operand.
                let a = if matches!(o, SHL | SHR | SAR | BYTE | SIGNEXTEND) && self.rng.chance(70) {
                    U256::from(self.rng.below(260))
                } else {
                    a
                };
                self.p.push(b).push(a).op(&[o]);
            }
        }
        self.store();
    }

    fn environment(&mut self) {
        let mut plain = vec![
            ADDRESS,
            ORIGIN,
            CALLER,
            CALLVALUE,
            CALLDATASIZE,
            CODESIZE,
            GASPRICE,
            COINBASE,
            TIMESTAMP,
            NUMBER,
            DIFFICULTY,
            GASLIMIT,
            PC,
            MSIZE,
            GAS,
        ];
        if self.at_least(SpecId::Byzantium) {
            plain.push(RETURNDATASIZE);
        }
        if self.at_least(SpecId::Istanbul) {
            plain.extend([CHAINID, SELFBALANCE]);
        }
        if self.at_least(SpecId::London) {
            plain.push(BASEFEE);
        }
        if self.at_least(SpecId::Cancun) {
            plain.push(BLOBBASEFEE);
        }
        match self.rng.below(8) {
            0..=2 => {
                let o = *self.rng.pick(&plain);
                self.p.op(&[o]);
            }
            3 | 4 => {
                let mut with_address = vec![BALANCE, EXTCODESIZE];
                if self.at_least(SpecId::Constantinople) {
                    with_address.push(EXTCODEHASH);
                }
                let o = *self.rng.pick(&with_address);
                let t = target(self.rng, self.spec);
                self.p.push_addr(t).op(&[o]);
            }
            5 => {
                let back = *self.rng.pick(&[0u64, 1, 2, 255, 256, 257, 1000]);
                self.p.push_u(back).op(&[NUMBER, SUB, BLOCKHASH]);
            }
            6 => {
                let off = if self.rng.chance(80) {
                    U256::from(self.rng.below(120))
                } else {
                    self.rng.edge_word()
                };
                self.p.push(off).op(&[CALLDATALOAD]);
            }
            _ => {
                if self.at_least(SpecId::Cancun) {
                    let i = if self.rng.chance(80) {
                        U256::from(self.rng.below(8))
                    } else {
                        self.rng.edge_word()
                    };
                    self.p.push(i).op(&[BLOBHASH]);
                } else {
                    self.p.op(&[GAS]);
                }
            }
        }
        self.store();
    }

    fn memory(&mut self) {
        match self.rng.below(9) {
            0 | 1 => {
                let (v, off) = (self.rng.edge_word(), self.mem_offset());
                let o = *self.rng.pick(&[MSTORE, MSTORE8]);
                self.p.push(v).push(off).op(&[o]);
            }
            2 => {
                let off = self.mem_offset();
                self.p.push(off).op(&[MLOAD]);
                self.store();
            }
            3 => {
                let (len, off) = (self.mem_len(), self.mem_offset());
                self.p.push(len).push(off).op(&[KECCAK256]);
                self.store();
            }
            4 => {
                if self.at_least(SpecId::Cancun) {
                    let (len, src, dst) = (self.mem_len(), self.mem_offset(), self.mem_offset());
                    self.p.push(len).push(src).push(dst).op(&[MCOPY]);
                } else {
                    self.p.op(&[MSIZE]);
                    self.store();
                }
            }
            5 | 6 => {
                let o = *self.rng.pick(&[CALLDATACOPY, CODECOPY]);
                let (len, dst) = (self.mem_len(), self.mem_offset());
                let src = if self.rng.chance(80) {
                    U256::from(self.rng.below(300))
                } else {
                    self.rng.edge_word()
                };
                self.p.push(len).push(src).push(dst).op(&[o]);
            }
            7 => {
                let (len, dst) = (self.mem_len(), self.mem_offset());
                let src = U256::from(self.rng.below(100));
                let t = target(self.rng, self.spec);
                self.p
                    .push(len)
                    .push(src)
                    .push(dst)
                    .push_addr(t)
                    .op(&[EXTCODECOPY]);
            }
            _ => {
                if self.at_least(SpecId::Byzantium) {
                    // Often out of bounds: a halt the specification defines exactly.
                    let len = U256::from(self.rng.below(40));
                    let src = U256::from(self.rng.below(40));
                    let dst = self.mem_offset();
                    self.p.push(len).push(src).push(dst).op(&[RETURNDATACOPY]);
                } else {
                    self.p.op(&[MSIZE]);
                    self.store();
                }
            }
        }
        if self.rng.chance(30) {
            self.p.op(&[MSIZE]);
            self.store();
        }
    }

    fn storage(&mut self) {
        for _ in 0..self.rng.range(1, 4) {
            let key = self.rng.below(4);
            match self.rng.below(3) {
                0 => {
                    self.p.push_u(key).op(&[SLOAD]);
                    self.store();
                }
                _ => {
                    let v = *self.rng.pick(&[0u64, 0, 1, 2, 3]);
                    self.p.push_u(v).push_u(key).op(&[SSTORE]);
                }
            }
        }
    }

    fn transient(&mut self) {
        if !self.at_least(SpecId::Cancun) {
            return self.storage();
        }
        for _ in 0..self.rng.range(1, 4) {
            let key = self.rng.below(3);
            if self.rng.chance(50) {
                self.p.push_u(key).op(&[TLOAD]);
                self.store();
            } else {
                let v = self.rng.range(0, 2);
                self.p.push_u(v).push_u(key).op(&[TSTORE]);
            }
        }
    }

    fn log(&mut self) {
        let n = self.rng.below(5) as u8;
        for _ in 0..n {
            let t = self.rng.edge_word();
            self.p.push(t);
        }
        let (len, off) = (self.mem_len(), self.mem_offset());
        self.p.push(len).push(off).op(&[LOG0 + n]);
    }

    /// Gas for a call: everything, a little, none, or an absurd request.
    fn call_gas(&mut self) {
        match self.rng.below(6) {
            0 | 1 => {
                self.p.op(&[GAS]);
            }
            2 => {
                let g = self.rng.range(0, 3_000);
                self.p.push_u(g);
            }
            3 => {
                let g = self.rng.range(3_000, 100_000);
                self.p.push_u(g);
            }
            4 => {
                self.p.push(U256::MAX);
            }
            _ => {
                self.p.push_u(0);
            }
        }
    }

    fn call(&mut self) {
        let mut kinds = vec![CALL, CALLCODE];
        if self.at_least(SpecId::Homestead) {
            kinds.push(DELEGATECALL);
        }
        if self.at_least(SpecId::Byzantium) {
            kinds.push(STATICCALL);
        }
        let o = *self.rng.pick(&kinds);
        let ret_len = U256::from(*self.rng.pick(&[0u64, 1, 32, 64]));
        let ret_off = U256::from(self.rng.below(64));
        let arg_len = U256::from(*self.rng.pick(&[0u64, 1, 4, 32, 100, 128, 192, 213]));
        let arg_off = U256::from(self.rng.below(64));
        self.p
            .push(ret_len)
            .push(ret_off)
            .push(arg_len)
            .push(arg_off);
        if o == CALL || o == CALLCODE {
            let value = match self.rng.below(10) {
                0..=5 => U256::ZERO,
                6 | 7 => U256::from(1),
                8 => U256::from(self.rng.range(2, 5_000)),
                _ => U256::MAX,
            };
            self.p.push(value);
        }
        let t = if self.rng.chance(15) {
            addr::contract(self.me)
        } else {
            target(self.rng, self.spec)
        };
        self.p.push_addr(t);
        self.call_gas();
        self.p.op(&[o]);
        self.store();
        if self.at_least(SpecId::Byzantium) && self.rng.chance(60) {
            self.p.op(&[RETURNDATASIZE]);
            self.store();
        }
        if self.rng.chance(30) {
            self.p.push(ret_off).op(&[MLOAD]);
            self.store();
        }
    }

    /// Writes `bytes` into memory from `at` (whole words: the tail of the last is zeros).
    fn write_memory(&mut self, at: u64, bytes: &[u8]) {
        for (i, chunk) in bytes.chunks(32).enumerate() {
            let mut w = [0u8; 32];
            w[..chunk.len()].copy_from_slice(chunk);
            self.p
                .push(U256::from_be_bytes(w))
                .push_u(at + 32 * i as u64)
                .op(&[MSTORE]);
        }
    }

    /// A call of a precompile with an input built for it (see [`precompile::input`]); stores
    /// the success flag, the output's size and its hash, so a wrong result shows in the state.
    fn precompile(&mut self) {
        let a = precompile::pick(self.rng, self.spec);
        let input = precompile::input(self.rng, self.spec, a);
        let at = 32 * self.rng.below(3);
        self.write_memory(at, &input);
        let ret_off = at + input.len() as u64 + self.rng.below(2) * 32;
        let ret_len = *self.rng.pick(&[0u64, 32, 64, 128, 256]);
        self.p
            .push_u(ret_len)
            .push_u(ret_off)
            .push_u(input.len() as u64)
            .push_u(at);
        let o = match self.rng.below(10) {
            0..=4 => STATICCALL,
            5..=7 => CALL,
            8 => DELEGATECALL,
            _ => CALLCODE,
        };
        if o == CALL || o == CALLCODE {
            let value = if self.rng.chance(20) { 1 } else { 0 };
            self.p.push_u(value);
        }
        self.p.push_addr(a);
        if self.rng.chance(60) {
            self.p.op(&[GAS]);
        } else {
            self.call_gas();
        }
        self.p.op(&[o]);
        self.store();
        self.p.op(&[RETURNDATASIZE]);
        self.store();
        self.p
            .op(&[RETURNDATASIZE])
            .push_u(0)
            .push_u(ret_off)
            .op(&[RETURNDATACOPY, RETURNDATASIZE])
            .push_u(ret_off)
            .op(&[KECCAK256]);
        self.store();
    }

    fn create(&mut self) {
        let blob = addr::blob(self.rng.below(BLOBS as u64) as u8);
        let len = match self.rng.below(10) {
            0 => U256::ZERO,
            1..=7 => U256::from(self.rng.range(1, 400)),
            8 => U256::from(49_152),
            _ => U256::from(49_153),
        };
        self.p
            .push(len)
            .push_u(0)
            .push_u(0)
            .push_addr(blob)
            .op(&[EXTCODECOPY]);
        let value = match self.rng.below(10) {
            0..=6 => U256::ZERO,
            7 | 8 => U256::from(self.rng.range(1, 2_000)),
            _ => U256::MAX,
        };
        if self.at_least(SpecId::Constantinople) && self.rng.chance(50) {
            let salt = U256::from(self.rng.below(3));
            self.p
                .push(salt)
                .push(len)
                .push_u(0)
                .push(value)
                .op(&[CREATE2]);
        } else {
            self.p.push(len).push_u(0).push(value).op(&[CREATE]);
        }
        self.store();
        if self.at_least(SpecId::Byzantium) && self.rng.chance(60) {
            self.p.op(&[RETURNDATASIZE]);
            self.store();
        }
    }

    /// A counted loop around one cheap snippet.
    fn looped(&mut self) {
        let n = self.rng.range(1, 8);
        self.p.push_u(n);
        let top = self.p.label();
        match self.rng.below(4) {
            0 => self.arithmetic(),
            1 => self.memory(),
            2 => self.storage(),
            _ => self.log(),
        }
        self.p.push_u(1).op(&[SWAP1, SUB, DUP1]);
        let at = self.p.push_placeholder();
        self.p.patch(at, top);
        self.p.op(&[JUMPI, POP]);
    }

    fn jump(&mut self) {
        match self.rng.below(4) {
            0 => {
                // Forward over a block, to a real JUMPDEST.
                let at = self.p.push_placeholder();
                self.p.op(&[JUMP, INVALID]);
                let dest = self.p.label();
                self.p.patch(at, dest);
            }
            1 => {
                // Conditional on an edge value.
                let c = if self.rng.chance(50) {
                    U256::ZERO
                } else {
                    self.rng.edge_word()
                };
                self.p.push(c);
                let at = self.p.push_placeholder();
                self.p.op(&[JUMPI, ADDRESS]);
                self.store();
                let dest = self.p.label();
                self.p.patch(at, dest);
            }
            2 => {
                // Anywhere: usually not a JUMPDEST (or inside push data).
                let d = self.rng.below(self.p.len() as u64 + 8);
                self.p.push_u(d).op(&[JUMP]);
            }
            _ => {
                let d = self.rng.edge_word();
                self.p.push(d).op(&[JUMP]);
            }
        }
    }

    /// Pushes until the stack overflows.
    fn overflow(&mut self) {
        let top = self.p.label();
        self.p.push_u(1);
        let at = self.p.push_placeholder();
        self.p.patch(at, top);
        self.p.op(&[JUMP]);
    }

    fn snippet(&mut self) {
        match self.rng.below(100) {
            0..=16 => self.arithmetic(),
            17..=30 => self.environment(),
            31..=44 => self.memory(),
            45..=54 => self.storage(),
            55..=59 => self.transient(),
            60..=64 => self.log(),
            65..=73 => self.call(),
            // RETURNDATA* (Byzantium) make a precompile's output observable.
            74..=79 if self.at_least(SpecId::Byzantium) => self.precompile(),
            74..=79 => self.call(),
            80..=87 => self.create(),
            88..=93 => self.looped(),
            94..=97 => self.jump(),
            98 => self.overflow(),
            _ => {
                // Underflow: an opcode with more inputs than the stack holds.
                self.p
                    .op(&[*self.rng.pick(&[ADD, MSTORE, CALL, LOG2, SWAP16, DUP16])]);
            }
        }
    }

    fn ending(&mut self) {
        match self.rng.below(10) {
            0..=2 => {}
            3 => {
                self.p.op(&[STOP]);
            }
            4 | 5 => {
                let (len, off) = (self.mem_len(), U256::from(self.rng.below(64)));
                self.p.push(len).push(off).op(&[RETURN]);
            }
            6 | 7 if self.at_least(SpecId::Byzantium) => {
                let (len, off) = (self.mem_len(), U256::from(self.rng.below(64)));
                self.p.push(len).push(off).op(&[REVERT]);
            }
            8 => {
                let t = target(self.rng, self.spec);
                self.p.push_addr(t).op(&[SELFDESTRUCT]);
            }
            _ => {
                self.p.op(&[INVALID]);
            }
        }
    }
}

/// A program of about `snippets` snippets for contract `me`.
pub fn program(rng: &mut Rng, spec: SpecId, me: u8, snippets: u64) -> Vec<u8> {
    let n = rng.range(1, snippets);
    let mut g = Gen {
        rng,
        p: Program::new(spec),
        spec,
        slot: 0,
        me,
    };
    for _ in 0..n {
        g.snippet();
    }
    g.ending();
    g.p.code
}

/// Init code for a create: deploys some code (small, empty, oversized, 0xEF-prefixed),
/// reverts, self-destructs, or runs out of gas; sometimes after a few snippets of its own.
pub fn init_code(rng: &mut Rng, spec: SpecId) -> Vec<u8> {
    let body_snippets = if rng.chance(40) { rng.range(1, 3) } else { 0 };
    let mut g = Gen {
        rng,
        p: Program::new(spec),
        spec,
        slot: 0,
        me: 0,
    };
    for _ in 0..body_snippets {
        g.snippet();
    }
    let zero: &[u8] = if spec >= SpecId::Shanghai {
        &[PUSH0]
    } else {
        &[PUSH1, 0]
    };
    match g.rng.below(10) {
        0..=4 => {
            // Deploy runtime code appended after a CODECOPY/RETURN prefix.
            let runtime = match g.rng.below(4) {
                0 => {
                    let n = g.rng.range(0, 40) as usize;
                    g.rng.bytes(n)
                }
                1 => {
                    let n = g.rng.range(1, 8) as usize;
                    let mut r = g.rng.bytes(n);
                    r[0] = 0xef;
                    r
                }
                _ => program(g.rng, spec, 0, 3),
            };
            let len = (runtime.len() as u16).to_be_bytes();
            let prefix_len = 3 + 3 + zero.len() + 1 + 3 + zero.len() + 1;
            let start = ((g.p.len() + prefix_len) as u16).to_be_bytes();
            g.p.op(&[PUSH2, len[0], len[1], PUSH2, start[0], start[1]]);
            g.p.op(zero).op(&[CODECOPY, PUSH2, len[0], len[1]]);
            g.p.op(zero).op(&[RETURN]);
            g.p.op(&runtime);
        }
        5 => {
            // Deploy zeros of a size at the EIP-170 limit or one above.
            let n = *g.rng.pick(&[24_576u64, 24_577]);
            g.p.push_u(n).op(zero).op(&[RETURN]);
        }
        6 if spec >= SpecId::Byzantium => {
            let w = g.rng.edge_word();
            let n = g.rng.range(0, 40);
            g.p.push(w)
                .op(zero)
                .op(&[MSTORE])
                .push_u(n)
                .op(zero)
                .op(&[REVERT]);
        }
        7 => {
            let t = target(g.rng, spec);
            g.p.push_addr(t).op(&[SELFDESTRUCT]);
        }
        8 => {
            let top = g.p.label();
            let at = g.p.push_placeholder();
            g.p.patch(at, top);
            g.p.op(&[JUMP]);
        }
        _ => {
            // Falls off the end: deploys empty code.
        }
    }
    g.p.code
}

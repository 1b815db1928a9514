//! A memo of recent 64-byte KECCAK256 inputs. Solidity finds a mapping's slot as
//! `keccak256(key . slot)` on every access, so a transaction hashes the same 64 bytes again
//! and again (an ERC-20 transfer reads and writes two balances; the revmc transfer batch hashes
//! two distinct inputs 15,000 times). The permutation costs ~150 ns on x86 and thousands of
//! cycles in the guest; a hit here costs a multiply and a 64-byte compare, a miss about as
//! much again. The answer is always the hash of the very input compared, so the memo changes
//! no result, only the cost.

use alloc::vec::Vec;

/// Entries kept: direct-mapped by a hash of the input.
const ENTRIES: usize = 256;
const BITS: u32 = ENTRIES.trailing_zeros();

#[derive(Clone)]
struct Entry {
    input: [u8; 64],
    hash: [u8; 32],
}

/// The memo; empty (unallocated) until the first 64-byte input.
#[derive(Clone, Default)]
pub struct KeccakMemo {
    entries: Vec<Entry>,
}

impl core::fmt::Debug for KeccakMemo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeccakMemo")
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// The hash itself: keccak-asm on x86, the crate's own Keccak in the guest.
#[inline(always)]
fn hash(input: &[u8]) -> [u8; 32] {
    alloy_primitives::keccak256(input).0
}

/// The entry `input` maps to: all eight words mixed, so keys that differ in any byte
/// (addresses in the low bytes of the first word, slot numbers in the last) spread.
#[inline(always)]
fn index(input: &[u8; 64]) -> usize {
    let mut h: u64 = 0;
    for (i, w) in input.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15 ^ ((i as u64) << 1));
    }
    (h >> (64 - BITS)) as usize
}

impl KeccakMemo {
    /// keccak256 of `input`, from the memo when it holds this very input.
    #[inline]
    pub fn keccak256(&mut self, input: &[u8]) -> [u8; 32] {
        let Ok(input) = <&[u8; 64]>::try_from(input) else {
            return hash(input);
        };
        if self.entries.is_empty() {
            self.fill();
        }
        let e = &mut self.entries[index(input) & (ENTRIES - 1)];
        if e.input != *input {
            e.input = *input;
            e.hash = hash(input);
        }
        e.hash
    }

    /// Every entry starts as the zero input with its true hash, so no entry is ever wrong.
    #[cold]
    fn fill(&mut self) {
        let zero = Entry {
            input: [0; 64],
            hash: hash(&[0u8; 64]),
        };
        self.entries = alloc::vec![zero; ENTRIES];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_match_the_hash_through_hits_misses_and_evictions() {
        let mut memo = KeccakMemo::default();
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for i in 0..2000u32 {
            let mut v = alloc::vec![0u8; 64];
            v[..4].copy_from_slice(&i.to_be_bytes());
            v[60..].copy_from_slice(&(i % 7).to_be_bytes());
            inputs.push(v);
        }
        // Other lengths pass through.
        inputs.push(alloc::vec![0u8; 0]);
        inputs.push(alloc::vec![1u8; 32]);
        inputs.push(alloc::vec![2u8; 65]);
        inputs.push(alloc::vec![0u8; 64]);
        for round in 0..3 {
            for v in inputs.iter().chain(inputs.iter().rev().step_by(3)) {
                assert_eq!(memo.keccak256(v), hash(v), "round {round}");
            }
        }
    }

    #[test]
    fn a_repeated_input_hits() {
        let mut memo = KeccakMemo::default();
        let a = [7u8; 64];
        let h = memo.keccak256(&a);
        let e = &mut memo.entries[index(&a)];
        // Tamper with the stored answer: a hit returns it, so the second call must see it.
        e.hash[0] ^= 1;
        assert_ne!(memo.keccak256(&a), h);
    }
}

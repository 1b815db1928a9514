//! A small deterministic generator (SplitMix64): a case is a pure function of its seed, so a
//! seed and a count name a run exactly, on any machine.

use alloy_primitives::U256;

/// The generator's state.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The seed of case `index` of a run seeded with `seed` (independent streams per case).
    pub fn case_seed(seed: u64, index: u64) -> u64 {
        let mut r = Rng::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ index);
        r.next_u64()
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// An index into a slice of length `n` (`n > 0`).
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of `items` (non-empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A uniformly random 256-bit word.
    pub fn word(&mut self) -> U256 {
        U256::from_limbs([
            self.next_u64(),
            self.next_u64(),
            self.next_u64(),
            self.next_u64(),
        ])
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    /// A word from the edges where arithmetic goes wrong: 0, 1, powers of two and their
    /// neighbours, the sign bit, all ones, and now and then a random word.
    pub fn edge_word(&mut self) -> U256 {
        match self.below(12) {
            0 => U256::ZERO,
            1 => U256::from(1),
            2 => U256::from(self.below(40)),
            3 => U256::MAX,
            4 => U256::MAX - U256::from(self.below(3)),
            5 => U256::from(1) << 255,
            6 => (U256::from(1) << 255) - U256::from(1),
            7 => U256::from(1) << self.below(256) as usize,
            8 => (U256::from(1) << self.below(256) as usize) - U256::from(1),
            9 => (U256::from(1) << self.below(256) as usize) + U256::from(1),
            10 => U256::from(self.next_u64()),
            _ => self.word(),
        }
    }
}

//! keccak256 for 32-bit machines: the guest's hash.
//!
//! Keccak-f[1600] works on 64-bit lanes, which a 32-bit machine without a rotate instruction
//! emulates at great cost (a generic implementation took 32,000 cycles per permutation on
//! riscv32im). Here each lane is kept bit-interleaved: its even bits in one 32-bit word, its
//! odd bits in another. A 64-bit rotation then becomes two 32-bit rotations (by half the
//! amount, the halves swapped for odd amounts), and XOR, AND and NOT work on the halves
//! independently. Bytes are interleaved when absorbed and the 32 output bytes de-interleaved
//! at the end; between permutations the state stays interleaved.
//!
//! On riscv32 this is alloy-primitives' `native_keccak256` hook, so every `keccak256` of the
//! guest (in `os` and in alloy) runs it; elsewhere it is compiled for its tests only.

/// ι's round constants as 64-bit lanes.
const RC: [u64; 24] = [
    0x0000000000000001,
    0x0000000000008082,
    0x800000000000808A,
    0x8000000080008000,
    0x000000000000808B,
    0x0000000080000001,
    0x8000000080008081,
    0x8000000000008009,
    0x000000000000008A,
    0x0000000000000088,
    0x0000000080008009,
    0x000000008000000A,
    0x000000008000808B,
    0x800000000000008B,
    0x8000000000008089,
    0x8000000000008003,
    0x8000000000008002,
    0x8000000000000080,
    0x000000000000800A,
    0x800000008000000A,
    0x8000000080008081,
    0x8000000000008080,
    0x0000000080000001,
    0x8000000080008008,
];

/// Moves the even bits of `x` to its low half and the odd bits to its high half (delta
/// swaps; each is its own inverse, so [`shuffle`] runs them backwards).
#[inline(always)]
const fn unshuffle(mut x: u32) -> u32 {
    let mut t = (x ^ (x >> 1)) & 0x2222_2222;
    x ^= t ^ (t << 1);
    t = (x ^ (x >> 2)) & 0x0c0c_0c0c;
    x ^= t ^ (t << 2);
    t = (x ^ (x >> 4)) & 0x00f0_00f0;
    x ^= t ^ (t << 4);
    t = (x ^ (x >> 8)) & 0x0000_ff00;
    x ^= t ^ (t << 8);
    x
}

/// The inverse of [`unshuffle`].
#[inline(always)]
const fn shuffle(mut x: u32) -> u32 {
    let mut t = (x ^ (x >> 8)) & 0x0000_ff00;
    x ^= t ^ (t << 8);
    t = (x ^ (x >> 4)) & 0x00f0_00f0;
    x ^= t ^ (t << 4);
    t = (x ^ (x >> 2)) & 0x0c0c_0c0c;
    x ^= t ^ (t << 2);
    t = (x ^ (x >> 1)) & 0x2222_2222;
    x ^= t ^ (t << 1);
    x
}

/// A 64-bit lane given as its low and high words, interleaved: (even bits, odd bits).
#[inline(always)]
const fn interleave(lo: u32, hi: u32) -> (u32, u32) {
    let (l, h) = (unshuffle(lo), unshuffle(hi));
    ((l & 0xffff) | (h << 16), (l >> 16) | (h & 0xffff_0000))
}

/// The inverse of [`interleave`]: (low word, high word).
#[inline(always)]
const fn deinterleave(even: u32, odd: u32) -> (u32, u32) {
    let l = (even & 0xffff) | (odd << 16);
    let h = (even >> 16) | (odd & 0xffff_0000);
    (shuffle(l), shuffle(h))
}

/// The round constants, interleaved.
const RC_INTERLEAVED: [(u32, u32); 24] = {
    let mut out = [(0u32, 0u32); 24];
    let mut i = 0;
    while i < 24 {
        out[i] = interleave(RC[i] as u32, (RC[i] >> 32) as u32);
        i += 1;
    }
    out
};

/// Rotates the interleaved lane (`e`, `o`) left by `r` as a 64-bit word: the rule
/// [`permute`]'s written-out rotations follow, checked here against `u64::rotate_left`.
#[cfg(test)]
fn rot(e: u32, o: u32, r: u32) -> (u32, u32) {
    if r.is_multiple_of(2) {
        (e.rotate_left(r / 2), o.rotate_left(r / 2))
    } else {
        (o.rotate_left(r / 2 + 1), e.rotate_left(r / 2))
    }
}

/// The interleaved state: lane `i` (`x + 5y`) is `(e[i], o[i])`.
#[derive(Clone, Copy)]
struct State {
    e: [u32; 25],
    o: [u32; 25],
}

/// Keccak-f[1600]: 24 rounds of θ, ρ, π, χ, ι, the round body written out (generated from
/// the ρ and π tables) so that every lane index is a constant and the state lives in
/// registers and fixed stack slots, not in indexed memory.
#[allow(clippy::needless_range_loop)]
fn permute(s: &mut State) {
    let (mut ae, mut ao) = (s.e, s.o);
    for &(rc_e, rc_o) in RC_INTERLEAVED.iter() {
        let c0e = ae[0] ^ ae[5] ^ ae[10] ^ ae[15] ^ ae[20];
        let c0o = ao[0] ^ ao[5] ^ ao[10] ^ ao[15] ^ ao[20];
        let c1e = ae[1] ^ ae[6] ^ ae[11] ^ ae[16] ^ ae[21];
        let c1o = ao[1] ^ ao[6] ^ ao[11] ^ ao[16] ^ ao[21];
        let c2e = ae[2] ^ ae[7] ^ ae[12] ^ ae[17] ^ ae[22];
        let c2o = ao[2] ^ ao[7] ^ ao[12] ^ ao[17] ^ ao[22];
        let c3e = ae[3] ^ ae[8] ^ ae[13] ^ ae[18] ^ ae[23];
        let c3o = ao[3] ^ ao[8] ^ ao[13] ^ ao[18] ^ ao[23];
        let c4e = ae[4] ^ ae[9] ^ ae[14] ^ ae[19] ^ ae[24];
        let c4o = ao[4] ^ ao[9] ^ ao[14] ^ ao[19] ^ ao[24];
        let d0e = c4e ^ c1o.rotate_left(1);
        let d0o = c4o ^ c1e;
        let d1e = c0e ^ c2o.rotate_left(1);
        let d1o = c0o ^ c2e;
        let d2e = c1e ^ c3o.rotate_left(1);
        let d2o = c1o ^ c3e;
        let d3e = c2e ^ c4o.rotate_left(1);
        let d3o = c2o ^ c4e;
        let d4e = c3e ^ c0o.rotate_left(1);
        let d4o = c3o ^ c0e;
        let b0e = ae[0] ^ d0e;
        let b0o = ao[0] ^ d0o;
        let b1e = (ae[6] ^ d1e).rotate_left(22);
        let b1o = (ao[6] ^ d1o).rotate_left(22);
        let b2e = (ao[12] ^ d2o).rotate_left(22);
        let b2o = (ae[12] ^ d2e).rotate_left(21);
        let b3e = (ao[18] ^ d3o).rotate_left(11);
        let b3o = (ae[18] ^ d3e).rotate_left(10);
        let b4e = (ae[24] ^ d4e).rotate_left(7);
        let b4o = (ao[24] ^ d4o).rotate_left(7);
        let b5e = (ae[3] ^ d3e).rotate_left(14);
        let b5o = (ao[3] ^ d3o).rotate_left(14);
        let b6e = (ae[9] ^ d4e).rotate_left(10);
        let b6o = (ao[9] ^ d4o).rotate_left(10);
        let b7e = (ao[10] ^ d0o).rotate_left(2);
        let b7o = (ae[10] ^ d0e).rotate_left(1);
        let b8e = (ao[16] ^ d1o).rotate_left(23);
        let b8o = (ae[16] ^ d1e).rotate_left(22);
        let b9e = (ao[22] ^ d2o).rotate_left(31);
        let b9o = (ae[22] ^ d2e).rotate_left(30);
        let b10e = (ao[1] ^ d1o).rotate_left(1);
        let b10o = ae[1] ^ d1e;
        let b11e = (ae[7] ^ d2e).rotate_left(3);
        let b11o = (ao[7] ^ d2o).rotate_left(3);
        let b12e = (ao[13] ^ d3o).rotate_left(13);
        let b12o = (ae[13] ^ d3e).rotate_left(12);
        let b13e = (ae[19] ^ d4e).rotate_left(4);
        let b13o = (ao[19] ^ d4o).rotate_left(4);
        let b14e = (ae[20] ^ d0e).rotate_left(9);
        let b14o = (ao[20] ^ d0o).rotate_left(9);
        let b15e = (ao[4] ^ d4o).rotate_left(14);
        let b15o = (ae[4] ^ d4e).rotate_left(13);
        let b16e = (ae[5] ^ d0e).rotate_left(18);
        let b16o = (ao[5] ^ d0o).rotate_left(18);
        let b17e = (ae[11] ^ d1e).rotate_left(5);
        let b17o = (ao[11] ^ d1o).rotate_left(5);
        let b18e = (ao[17] ^ d2o).rotate_left(8);
        let b18o = (ae[17] ^ d2e).rotate_left(7);
        let b19e = (ae[23] ^ d3e).rotate_left(28);
        let b19o = (ao[23] ^ d3o).rotate_left(28);
        let b20e = (ae[2] ^ d2e).rotate_left(31);
        let b20o = (ao[2] ^ d2o).rotate_left(31);
        let b21e = (ao[8] ^ d3o).rotate_left(28);
        let b21o = (ae[8] ^ d3e).rotate_left(27);
        let b22e = (ao[14] ^ d4o).rotate_left(20);
        let b22o = (ae[14] ^ d4e).rotate_left(19);
        let b23e = (ao[15] ^ d0o).rotate_left(21);
        let b23o = (ae[15] ^ d0e).rotate_left(20);
        let b24e = (ae[21] ^ d1e).rotate_left(1);
        let b24o = (ao[21] ^ d1o).rotate_left(1);
        ae[0] = b0e ^ (!b1e & b2e);
        ao[0] = b0o ^ (!b1o & b2o);
        ae[1] = b1e ^ (!b2e & b3e);
        ao[1] = b1o ^ (!b2o & b3o);
        ae[2] = b2e ^ (!b3e & b4e);
        ao[2] = b2o ^ (!b3o & b4o);
        ae[3] = b3e ^ (!b4e & b0e);
        ao[3] = b3o ^ (!b4o & b0o);
        ae[4] = b4e ^ (!b0e & b1e);
        ao[4] = b4o ^ (!b0o & b1o);
        ae[5] = b5e ^ (!b6e & b7e);
        ao[5] = b5o ^ (!b6o & b7o);
        ae[6] = b6e ^ (!b7e & b8e);
        ao[6] = b6o ^ (!b7o & b8o);
        ae[7] = b7e ^ (!b8e & b9e);
        ao[7] = b7o ^ (!b8o & b9o);
        ae[8] = b8e ^ (!b9e & b5e);
        ao[8] = b8o ^ (!b9o & b5o);
        ae[9] = b9e ^ (!b5e & b6e);
        ao[9] = b9o ^ (!b5o & b6o);
        ae[10] = b10e ^ (!b11e & b12e);
        ao[10] = b10o ^ (!b11o & b12o);
        ae[11] = b11e ^ (!b12e & b13e);
        ao[11] = b11o ^ (!b12o & b13o);
        ae[12] = b12e ^ (!b13e & b14e);
        ao[12] = b12o ^ (!b13o & b14o);
        ae[13] = b13e ^ (!b14e & b10e);
        ao[13] = b13o ^ (!b14o & b10o);
        ae[14] = b14e ^ (!b10e & b11e);
        ao[14] = b14o ^ (!b10o & b11o);
        ae[15] = b15e ^ (!b16e & b17e);
        ao[15] = b15o ^ (!b16o & b17o);
        ae[16] = b16e ^ (!b17e & b18e);
        ao[16] = b16o ^ (!b17o & b18o);
        ae[17] = b17e ^ (!b18e & b19e);
        ao[17] = b17o ^ (!b18o & b19o);
        ae[18] = b18e ^ (!b19e & b15e);
        ao[18] = b18o ^ (!b19o & b15o);
        ae[19] = b19e ^ (!b15e & b16e);
        ao[19] = b19o ^ (!b15o & b16o);
        ae[20] = b20e ^ (!b21e & b22e);
        ao[20] = b20o ^ (!b21o & b22o);
        ae[21] = b21e ^ (!b22e & b23e);
        ao[21] = b21o ^ (!b22o & b23o);
        ae[22] = b22e ^ (!b23e & b24e);
        ao[22] = b22o ^ (!b23o & b24o);
        ae[23] = b23e ^ (!b24e & b20e);
        ao[23] = b23o ^ (!b24o & b20o);
        ae[24] = b24e ^ (!b20e & b21e);
        ao[24] = b24o ^ (!b20o & b21o);
        ae[0] ^= rc_e;
        ao[0] ^= rc_o;
    }
    s.e = ae;
    s.o = ao;
}

/// Bytes absorbed per permutation (1088 bits: Keccak-256's rate).
const RATE: usize = 136;

/// XORs one rate-sized block into the state.
#[inline(always)]
fn absorb(s: &mut State, block: &[u8; RATE]) {
    for (i, lane) in block.chunks_exact(8).enumerate() {
        let lo = u32::from_le_bytes([lane[0], lane[1], lane[2], lane[3]]);
        let hi = u32::from_le_bytes([lane[4], lane[5], lane[6], lane[7]]);
        let (e, o) = interleave(lo, hi);
        s.e[i] ^= e;
        s.o[i] ^= o;
    }
}

/// keccak256 (the original Keccak padding, as Ethereum uses it).
pub fn keccak256(input: &[u8]) -> [u8; 32] {
    let mut s = State {
        e: [0; 25],
        o: [0; 25],
    };
    let mut blocks = input.chunks_exact(RATE);
    for block in &mut blocks {
        let block: &[u8; RATE] = block.try_into().unwrap_or(&[0; RATE]);
        absorb(&mut s, block);
        permute(&mut s);
    }
    let rest = blocks.remainder();
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb(&mut s, &last);
    permute(&mut s);
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
        let (lo, hi) = deinterleave(s.e[i], s.o[i]);
        chunk[..4].copy_from_slice(&lo.to_le_bytes());
        chunk[4..].copy_from_slice(&hi.to_le_bytes());
    }
    out
}

/// alloy-primitives' hook for machines with their own keccak (its `native-keccak` feature,
/// enabled for riscv32): every `keccak256` of the guest lands here.
///
/// # Safety
/// `bytes` points to `len` readable bytes and `output` to 32 writable bytes.
#[cfg(target_arch = "riscv32")]
#[no_mangle]
pub unsafe extern "C" fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8) {
    // SAFETY: the caller's contract above.
    let input = unsafe { core::slice::from_raw_parts(bytes, len) };
    let hash = keccak256(input);
    // SAFETY: as above.
    unsafe { core::ptr::copy_nonoverlapping(hash.as_ptr(), output, 32) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaving_round_trips() {
        for v in [
            0u64,
            1,
            2,
            3,
            u64::MAX,
            0x8000_0000_0000_0000,
            0x0123_4567_89ab_cdef,
        ] {
            let (e, o) = interleave(v as u32, (v >> 32) as u32);
            for bit in 0..32 {
                assert_eq!(
                    (e >> bit) & 1,
                    ((v >> (2 * bit)) & 1) as u32,
                    "{v:#x} even {bit}"
                );
                assert_eq!(
                    (o >> bit) & 1,
                    ((v >> (2 * bit + 1)) & 1) as u32,
                    "{v:#x} odd {bit}"
                );
            }
            let (lo, hi) = deinterleave(e, o);
            assert_eq!(u64::from(lo) | u64::from(hi) << 32, v);
            for r in 0..64 {
                let (re, ro) = rot(e, o, r);
                let (lo, hi) = deinterleave(re, ro);
                assert_eq!(
                    u64::from(lo) | u64::from(hi) << 32,
                    v.rotate_left(r),
                    "{v:#x} rot {r}"
                );
            }
        }
    }

    #[test]
    fn matches_keccak256_at_every_length_around_the_rate() {
        let data: alloc::vec::Vec<u8> = (0..700u32).map(|i| (i * 31 + 7) as u8).collect();
        for len in (0..=300).chain([407, 408, 409, 543, 544, 545, 700]) {
            let input = &data[..len];
            assert_eq!(
                keccak256(input),
                alloy_primitives::keccak256(input).0,
                "length {len}"
            );
        }
        // The empty string's hash, as the code hash of an empty account.
        assert_eq!(keccak256(&[]), crate::types::KECCAK_EMPTY.0);
    }
}

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

/// Rotation of lane (x, y) in ρ, indexed `x + 5y`.
const RHO: [u32; 25] = [
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
];

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

/// Rotates the interleaved lane (`e`, `o`) left by `r` as a 64-bit word.
#[inline(always)]
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

/// Keccak-f[1600]: 24 rounds of θ, ρ, π, χ, ι.
fn permute(s: &mut State) {
    let (a_e, a_o) = (&mut s.e, &mut s.o);
    for &(rc_e, rc_o) in RC_INTERLEAVED.iter() {
        // θ
        let mut c_e = [0u32; 5];
        let mut c_o = [0u32; 5];
        for x in 0..5 {
            c_e[x] = a_e[x] ^ a_e[x + 5] ^ a_e[x + 10] ^ a_e[x + 15] ^ a_e[x + 20];
            c_o[x] = a_o[x] ^ a_o[x + 5] ^ a_o[x + 10] ^ a_o[x + 15] ^ a_o[x + 20];
        }
        for x in 0..5 {
            let (r_e, r_o) = rot(c_e[(x + 1) % 5], c_o[(x + 1) % 5], 1);
            let d_e = c_e[(x + 4) % 5] ^ r_e;
            let d_o = c_o[(x + 4) % 5] ^ r_o;
            for y in 0..5 {
                a_e[x + 5 * y] ^= d_e;
                a_o[x + 5 * y] ^= d_o;
            }
        }
        // ρ and π: B[y, 2x + 3y] = rot(A[x, y], RHO[x, y]).
        let mut b_e = [0u32; 25];
        let mut b_o = [0u32; 25];
        for x in 0..5 {
            for y in 0..5 {
                let i = x + 5 * y;
                let j = y + 5 * ((2 * x + 3 * y) % 5);
                let (e, o) = rot(a_e[i], a_o[i], RHO[i]);
                b_e[j] = e;
                b_o[j] = o;
            }
        }
        // χ
        for y in 0..5 {
            for x in 0..5 {
                let i = x + 5 * y;
                let i1 = (x + 1) % 5 + 5 * y;
                let i2 = (x + 2) % 5 + 5 * y;
                a_e[i] = b_e[i] ^ (!b_e[i1] & b_e[i2]);
                a_o[i] = b_o[i] ^ (!b_o[i1] & b_o[i2]);
            }
        }
        // ι
        a_e[0] ^= rc_e;
        a_o[0] ^= rc_o;
    }
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

//! 0x09 BLAKE2F (EIP-152): the BLAKE2b compression function F with a caller-chosen number of
//! rounds, so contracts can verify BLAKE2b-based proofs (Zcash Equihash) on chain.
//!
//! Input, exactly 213 bytes: `rounds` (u32 big-endian) ‖ `h` (8 × u64 LE) ‖ `m` (16 × u64 LE)
//! ‖ `t` (2 × u64 LE) ‖ `f` (one byte, 0 or 1). Output: the new `h`, 64 bytes LE. Price: one
//! gas per round. Written out here (RFC 7693 §3.2) because hashing crates only expose whole
//! hashes with the standard 12 rounds.

use super::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;

/// The only valid input length.
const INPUT_LEN: usize = 213;

/// BLAKE2b initialisation vector (the SHA-512 IV).
const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// Message word schedule; round i uses row i mod 10.
const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// Runs BLAKE2F; wrong length or a final flag other than 0/1 fails.
pub(super) fn run(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let Ok(input) = <&[u8; INPUT_LEN]>::try_from(input) else {
        return Err(PrecompileError::Failure);
    };
    let rounds = u32::from_be_bytes([input[0], input[1], input[2], input[3]]);
    let gas = charge(u64::from(rounds), gas_limit)?;
    let last = match input[212] {
        0 => false,
        1 => true,
        _ => return Err(PrecompileError::Failure),
    };

    let word = |offset: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&input[offset..offset + 8]);
        u64::from_le_bytes(b)
    };
    let mut h = [0u64; 8];
    for (i, w) in h.iter_mut().enumerate() {
        *w = word(4 + 8 * i);
    }
    let mut m = [0u64; 16];
    for (i, w) in m.iter_mut().enumerate() {
        *w = word(68 + 8 * i);
    }
    let t = [word(196), word(204)];

    compress(rounds, &mut h, &m, t, last);
    for w in h {
        out.extend_from_slice(&w.to_le_bytes());
    }
    Ok(gas)
}

/// The mixing function G on four words of the working vector.
/// The working vector. Rounds copy it into a local array indexed only by constants, which the
/// compiler keeps in registers: the mixing is the whole cost of a 2^32-round call.
struct State([u64; 16]);

macro_rules! g {
    ($v:ident, $a:literal, $b:literal, $c:literal, $d:literal, $x:expr, $y:expr) => {
        $v[$a] = $v[$a].wrapping_add($v[$b]).wrapping_add($x);
        $v[$d] = ($v[$d] ^ $v[$a]).rotate_right(32);
        $v[$c] = $v[$c].wrapping_add($v[$d]);
        $v[$b] = ($v[$b] ^ $v[$c]).rotate_right(24);
        $v[$a] = $v[$a].wrapping_add($v[$b]).wrapping_add($y);
        $v[$d] = ($v[$d] ^ $v[$a]).rotate_right(16);
        $v[$c] = $v[$c].wrapping_add($v[$d]);
        $v[$b] = ($v[$b] ^ $v[$c]).rotate_right(63);
    };
}

/// One round with message schedule `s`; always inlined, so with a constant `s` every index
/// is a constant and the state stays in registers.
#[inline(always)]
fn round(st: &mut State, m: &[u64; 16], s: &[usize; 16]) {
    let mut v = st.0;
    g!(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    g!(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    g!(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    g!(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    g!(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    g!(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    g!(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    g!(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    st.0 = v;
}

/// Ten rounds: one full cycle of the message schedule, unrolled with constant schedules.
#[inline(never)]
fn ten_rounds(st: &mut State, m: &[u64; 16], cycles: u32) {
    let mut local = State(st.0);
    for _ in 0..cycles {
        round(&mut local, m, &SIGMA[0]);
        round(&mut local, m, &SIGMA[1]);
        round(&mut local, m, &SIGMA[2]);
        round(&mut local, m, &SIGMA[3]);
        round(&mut local, m, &SIGMA[4]);
        round(&mut local, m, &SIGMA[5]);
        round(&mut local, m, &SIGMA[6]);
        round(&mut local, m, &SIGMA[7]);
        round(&mut local, m, &SIGMA[8]);
        round(&mut local, m, &SIGMA[9]);
    }
    st.0 = local.0;
}

fn compress(rounds: u32, h: &mut [u64; 8], m: &[u64; 16], t: [u64; 2], last: bool) {
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= t[0];
    v[13] ^= t[1];
    if last {
        v[14] = !v[14];
    }
    let mut st = State(v);
    ten_rounds(&mut st, m, rounds / 10);
    for s in SIGMA.iter().take((rounds % 10) as usize) {
        round(&mut st, m, s);
    }
    for (i, w) in h.iter_mut().enumerate() {
        *w ^= st.0[i] ^ st.0[i + 8];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    /// EIP-152 test vector 4 body (after the 4 rounds bytes): BLAKE2b-512 state for "abc".
    const BODY: [u8; 209] = hex!(
        "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b"
        "6162630000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000"
        "03000000000000000000000000000000"
        "01"
    );

    fn input(rounds: u32, last: u8) -> Vec<u8> {
        let mut v = rounds.to_be_bytes().to_vec();
        v.extend_from_slice(&BODY);
        v[212] = last;
        v
    }

    fn call(input: &[u8], gas_limit: u64) -> (PrecompileResult, Vec<u8>) {
        let mut out = Vec::new();
        let res = run(input, gas_limit, &mut out);
        (res, out)
    }

    #[test]
    fn eip152_vectors() {
        // Vector 4: 12 rounds, final block: BLAKE2b-512("abc").
        let expect4 = hex!(
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
        );
        assert_eq!(call(&input(12, 1), 12), (Ok(12), expect4.to_vec()));
        // Vector 3: 0 rounds.
        let expect3 = hex!(
            "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"
            "d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b"
        );
        assert_eq!(call(&input(0, 1), 0), (Ok(0), expect3.to_vec()));
        // Vector 5: 12 rounds, not final.
        let expect5 = hex!(
            "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d28752"
            "98743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735"
        );
        assert_eq!(call(&input(12, 0), 12), (Ok(12), expect5.to_vec()));
        // Vector 6: 1 round.
        let expect6 = hex!(
            "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fb"
            "a551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421"
        );
        assert_eq!(call(&input(1, 1), 1), (Ok(1), expect6.to_vec()));
    }

    #[test]
    fn malformed_input_fails() {
        // Vectors 0 and 1: 212 and 214 bytes; vector 2: final flag 2.
        let good = input(12, 1);
        assert_eq!(call(&good[..212], 100).0, Err(PrecompileError::Failure));
        let mut long = good.clone();
        long.push(0);
        assert_eq!(call(&long, 100).0, Err(PrecompileError::Failure));
        assert_eq!(call(&input(12, 2), 100).0, Err(PrecompileError::Failure));
        assert_eq!(call(&[], 100).0, Err(PrecompileError::Failure));
    }

    #[test]
    fn out_of_gas_before_rounds() {
        // Vector 7 asks for 2^32 - 1 rounds; with less gas it must fail at once.
        assert_eq!(
            call(&input(u32::MAX, 1), 1_000_000).0,
            Err(PrecompileError::OutOfGas)
        );
        assert_eq!(call(&input(12, 1), 11).0, Err(PrecompileError::OutOfGas));
    }
}

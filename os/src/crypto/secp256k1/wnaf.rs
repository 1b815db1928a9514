//! Width-w non-adjacent form: k = Σ d_i·2^i with every nonzero digit odd and below 2^(w−1)
//! in magnitude, and at least w − 1 zeros after each. A table of the 2^(w−2) odd multiples
//! of a point then costs one addition per nonzero digit, about one per w + 1 bits.

/// Digits per representation: a 256-bit value, plus the carry past its top, for w ≤ 8.
pub(super) const LEN: usize = 264;

/// Writes the width-`w` NAF digits of `k` (2 ≤ w ≤ 8) into `out`, least significant first,
/// and returns the number of digits up to the highest nonzero one (0 for k = 0). `out`
/// must be all zeros on entry.
pub(super) fn wnaf(k: &[u32; 8], w: u32, out: &mut [i8; LEN]) -> usize {
    debug_assert!((2..=8).contains(&w));
    let bits = match k.iter().rposition(|&l| l != 0) {
        Some(top) => 32 * top + 32 - k[top].leading_zeros() as usize,
        None => return 0,
    };
    let window = |at: usize| -> u32 {
        let (word, shift) = (at / 32, at % 32);
        let mut v = k[word] >> shift;
        if shift + w as usize > 32 && word + 1 < 8 {
            v |= k[word + 1] << (32 - shift);
        }
        v & ((1 << w) - 1)
    };
    // `carry` is a pending +1 at position i (a negative digit borrowed 2^w from above).
    let mut carry = 0u32;
    let mut i = 0;
    let mut len = 0;
    while i < bits {
        let bit = (k[i / 32] >> (i % 32)) & 1;
        if bit == carry {
            // The effective bit (bit + carry) is even: digit 0, the carry moves up.
            i += 1;
            continue;
        }
        let v = window(i) + carry;
        let digit = if v >= 1 << (w - 1) {
            carry = 1;
            v as i32 - (1 << w)
        } else {
            carry = 0;
            v as i32
        };
        out[i] = digit as i8;
        len = i + 1;
        i += w as usize;
    }
    if carry != 0 {
        out[i] = 1;
        len = i + 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::{BigInt, Sign};

    fn value(digits: &[i8]) -> BigInt {
        digits
            .iter()
            .rev()
            .fold(BigInt::from(0), |acc, &d| acc * 2 + BigInt::from(d))
    }

    #[test]
    fn digits_sum_to_k_and_are_sparse() {
        let mut seed = 0x1234_5678u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let mut cases: Vec<[u32; 8]> = vec![[0; 8], [1, 0, 0, 0, 0, 0, 0, 0], [u32::MAX; 8]];
        cases.push([0, 0, 0, 0x8000_0000, 0, 0, 0, 0]);
        for _ in 0..200 {
            let mut k = [0u32; 8];
            let words = (next() % 9) as usize;
            for limb in k.iter_mut().take(words) {
                *limb = next();
            }
            cases.push(k);
        }
        for k in cases {
            for w in 2..=8u32 {
                let mut out = [0i8; LEN];
                let len = wnaf(&k, w, &mut out);
                let bytes: Vec<u8> = k.iter().flat_map(|l| l.to_le_bytes()).collect();
                assert_eq!(
                    value(&out),
                    BigInt::from_bytes_le(Sign::Plus, &bytes),
                    "{k:?} w{w}"
                );
                assert!(out[len..].iter().all(|&d| d == 0));
                assert!(len == 0 || out[len - 1] != 0);
                let mut last: Option<usize> = None;
                for (i, &d) in out.iter().enumerate() {
                    if d != 0 {
                        assert!(d % 2 != 0 && (d as i32).abs() < 1 << (w - 1), "digit {d}");
                        if let Some(l) = last {
                            assert!(i - l >= w as usize, "digits too close");
                        }
                        last = Some(i);
                    }
                }
            }
        }
    }
}

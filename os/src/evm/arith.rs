//! The EVM's pure word operations that are more than one machine instruction per limb: one
//! copy for the interpreter, the JIT's builtins and its constant folding.

use alloy_primitives::U256;

/// `v` as a memory offset or length; `None` when it cannot be one (it would cost more gas
/// than exists).
#[inline(always)]
pub fn small(v: U256) -> Option<usize> {
    let l = v.as_limbs();
    if (l[1] | l[2] | l[3]) == 0 && l[0] <= u32::MAX as u64 {
        Some(l[0] as usize)
    } else {
        None
    }
}

/// Quotient and remainder of `a / b` for `b != 0`. Operands that fit 64 or 128 bits (most
/// of them: amounts, fixed-point numbers, indices) divide natively; the general long
/// division only runs for wide ones.
#[inline(always)]
fn udivrem(a: U256, b: U256) -> (U256, U256) {
    let (x, y) = (a.as_limbs(), b.as_limbs());
    if (x[2] | x[3] | y[2] | y[3]) == 0 {
        if (x[1] | y[1]) == 0 {
            return (U256::from(x[0] / y[0]), U256::from(x[0] % y[0]));
        }
        let (p, q) = (
            (x[1] as u128) << 64 | x[0] as u128,
            (y[1] as u128) << 64 | y[0] as u128,
        );
        return (U256::from(p / q), U256::from(p % q));
    }
    if a < b {
        return (U256::ZERO, a);
    }
    a.div_rem(b)
}

/// DIV: zero for a zero divisor.
#[inline]
pub fn div(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    udivrem(a, b).0
}

/// MOD: zero for a zero modulus.
#[inline]
pub fn rem(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    udivrem(a, b).1
}

/// ADDMOD: `(a + b) % n` without overflow, zero for `n = 0`.
#[inline]
pub fn addmod(a: U256, b: U256, n: U256) -> U256 {
    a.add_mod(b, n)
}

/// MULMOD: `(a * b) % n` without overflow, zero for `n = 0`.
#[inline]
pub fn mulmod(a: U256, b: U256, n: U256) -> U256 {
    a.mul_mod(b, n)
}

/// SDIV: two's-complement division truncating toward zero (`-2^255 / -1` wraps).
#[inline]
pub fn sdiv(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let (an, bn) = (a.bit(255), b.bit(255));
    let ua = if an { a.wrapping_neg() } else { a };
    let ub = if bn { b.wrapping_neg() } else { b };
    let q = udivrem(ua, ub).0;
    if an != bn {
        q.wrapping_neg()
    } else {
        q
    }
}

/// SMOD: the remainder takes the dividend's sign.
#[inline]
pub fn smod(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let an = a.bit(255);
    let ua = if an { a.wrapping_neg() } else { a };
    let ub = if b.bit(255) { b.wrapping_neg() } else { b };
    let r = udivrem(ua, ub).1;
    if an {
        r.wrapping_neg()
    } else {
        r
    }
}

/// SIGNEXTEND: extends the sign of byte `b` (counted from the low end) over the word.
#[inline]
pub fn signextend(b: U256, x: U256) -> U256 {
    match small(b) {
        Some(b) if b < 31 => {
            let bit = b * 8 + 7;
            let mask = (U256::from(1u8) << bit) - U256::from(1u8);
            if x.bit(bit) {
                x | !mask
            } else {
                x & mask
            }
        }
        _ => x,
    }
}

/// BYTE: byte `i` of `x` counted from the most significant end, zero past 31.
#[inline]
pub fn byte(i: U256, x: U256) -> U256 {
    match small(i) {
        Some(i) if i < 32 => U256::from(x.byte(31 - i)),
        _ => U256::ZERO,
    }
}

/// SHL: zero for shifts of 256 and more.
#[inline]
pub fn shl(shift: U256, x: U256) -> U256 {
    match small(shift) {
        Some(s) if s < 256 => x << s,
        _ => U256::ZERO,
    }
}

/// SHR: zero for shifts of 256 and more.
#[inline]
pub fn shr(shift: U256, x: U256) -> U256 {
    match small(shift) {
        Some(s) if s < 256 => x >> s,
        _ => U256::ZERO,
    }
}

/// SAR: arithmetic shift; all sign bits for shifts of 256 and more.
#[inline]
pub fn sar(shift: U256, x: U256) -> U256 {
    let neg = x.bit(255);
    match small(shift) {
        Some(s) if s < 256 => {
            if neg {
                !((!x) >> s)
            } else {
                x >> s
            }
        }
        _ => {
            if neg {
                U256::MAX
            } else {
                U256::ZERO
            }
        }
    }
}

/// EXP's word (its gas depends on the exponent's byte length, charged by the caller).
#[inline]
pub fn exp(base: U256, exponent: U256) -> U256 {
    base.wrapping_pow(exponent)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The native 64- and 128-bit paths give ruint's long division's answers, at and
    /// around the limb boundaries.
    #[test]
    fn native_division_paths_agree_with_long_division() {
        let one = U256::from(1u8);
        let mut vals = vec![U256::ZERO, one, U256::from(3u8), U256::from(7u8), U256::MAX];
        for bits in [32usize, 63, 64, 65, 127, 128, 129, 192, 255] {
            let p = one << bits;
            vals.extend([p - one, p, p + one, p + U256::from(0x1234_5678u64)]);
        }
        for &a in &vals {
            for &b in &vals {
                if b.is_zero() {
                    assert_eq!(div(a, b), U256::ZERO);
                    assert_eq!(rem(a, b), U256::ZERO);
                    continue;
                }
                let (q, r) = a.div_rem(b);
                assert_eq!(udivrem(a, b), (q, r), "{a:#x} / {b:#x}");
                assert_eq!(div(a, b), q);
                assert_eq!(rem(a, b), r);
            }
        }
        // Signed: -7 / 2 = -3, -7 % 2 = -1, 7 / -2 = -3, -2^255 / -1 wraps.
        let neg = |v: u64| U256::from(v).wrapping_neg();
        assert_eq!(sdiv(neg(7), U256::from(2u8)), neg(3));
        assert_eq!(smod(neg(7), U256::from(2u8)), neg(1));
        assert_eq!(sdiv(U256::from(7u8), neg(2)), neg(3));
        assert_eq!(sdiv(one << 255, U256::MAX), one << 255);
    }
}

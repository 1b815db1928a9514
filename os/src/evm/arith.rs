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

/// DIV: zero for a zero divisor.
#[inline]
pub fn div(a: U256, b: U256) -> U256 {
    a.checked_div(b).unwrap_or_default()
}

/// MOD: zero for a zero modulus.
#[inline]
pub fn rem(a: U256, b: U256) -> U256 {
    a.checked_rem(b).unwrap_or_default()
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
pub fn sdiv(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let (an, bn) = (a.bit(255), b.bit(255));
    let ua = if an { a.wrapping_neg() } else { a };
    let ub = if bn { b.wrapping_neg() } else { b };
    let q = ua / ub;
    if an != bn {
        q.wrapping_neg()
    } else {
        q
    }
}

/// SMOD: the remainder takes the dividend's sign.
pub fn smod(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let an = a.bit(255);
    let ua = if an { a.wrapping_neg() } else { a };
    let ub = if b.bit(255) { b.wrapping_neg() } else { b };
    let r = ua % ub;
    if an {
        r.wrapping_neg()
    } else {
        r
    }
}

/// SIGNEXTEND: extends the sign of byte `b` (counted from the low end) over the word.
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

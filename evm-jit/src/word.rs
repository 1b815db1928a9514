//! 256-bit words as four 64-bit limbs in Cranelift IR, folded as they are built.
//!
//! Each limb is a constant or an SSA value, and every operation folds what it can on the
//! spot: solidity's masks (`AND 0xff..ff`), selectors, small offsets and `PUSH`ed factors
//! have mostly constant limbs, and an operation on a zero or all-ones limb emits nothing.
//! The JIT runs Cranelift without its optimiser (whose cost grows faster than the code),
//! so this folding is what keeps the IR — and with it compile time — small.

use alloy_primitives::U256;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use cranelift_frontend::FunctionBuilder;

const I64: types::Type = types::I64;

/// One limb: a constant or a 64-bit SSA value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Limb {
    K(u64),
    V(Value),
}

/// A word, least significant limb first.
pub(crate) type Word = [Limb; 4];

/// A condition: a constant or an `i8` SSA value that is 0 or 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flag {
    K(bool),
    V(Value),
}

use Limb::K;

/// The word of a constant.
pub(crate) fn constant(c: U256) -> Word {
    c.as_limbs().map(K)
}

/// The constant a word is, when every limb is one.
pub(crate) fn as_constant(w: &Word) -> Option<U256> {
    let mut l = [0u64; 4];
    for (d, s) in l.iter_mut().zip(w) {
        match s {
            K(k) => *d = *k,
            Limb::V(_) => return None,
        }
    }
    Some(U256::from_limbs(l))
}

/// Emits the limb as a value (an `iconst` for a constant).
pub(crate) fn value(b: &mut FunctionBuilder, l: Limb) -> Value {
    match l {
        K(k) => b.ins().iconst(I64, k as i64),
        Limb::V(v) => v,
    }
}

fn v(x: Value) -> Limb {
    Limb::V(x)
}

/// The word of a flag: 0 or 1.
pub(crate) fn from_flag(b: &mut FunctionBuilder, f: Flag) -> Word {
    [flag_limb(b, f), K(0), K(0), K(0)]
}

fn flag_limb(b: &mut FunctionBuilder, f: Flag) -> Limb {
    match f {
        Flag::K(k) => K(k as u64),
        Flag::V(x) => v(b.ins().uextend(I64, x)),
    }
}

fn flag_or(b: &mut FunctionBuilder, x: Flag, y: Flag) -> Flag {
    match (x, y) {
        (Flag::K(true), _) | (_, Flag::K(true)) => Flag::K(true),
        (Flag::K(false), o) | (o, Flag::K(false)) => o,
        (Flag::V(x), Flag::V(y)) => Flag::V(b.ins().bor(x, y)),
    }
}

// ---- limbs ----

fn band(b: &mut FunctionBuilder, x: Limb, y: Limb) -> Limb {
    match (x, y) {
        (K(a), K(c)) => K(a & c),
        (K(0), _) | (_, K(0)) => K(0),
        (K(u64::MAX), o) | (o, K(u64::MAX)) => o,
        (K(a), Limb::V(o)) | (Limb::V(o), K(a)) => v(b.ins().band_imm_s(o, a as i64)),
        (Limb::V(a), Limb::V(c)) => v(b.ins().band(a, c)),
    }
}

fn bor(b: &mut FunctionBuilder, x: Limb, y: Limb) -> Limb {
    match (x, y) {
        (K(a), K(c)) => K(a | c),
        (K(u64::MAX), _) | (_, K(u64::MAX)) => K(u64::MAX),
        (K(0), o) | (o, K(0)) => o,
        (K(a), Limb::V(o)) | (Limb::V(o), K(a)) => v(b.ins().bor_imm_s(o, a as i64)),
        (Limb::V(a), Limb::V(c)) => v(b.ins().bor(a, c)),
    }
}

fn bxor(b: &mut FunctionBuilder, x: Limb, y: Limb) -> Limb {
    match (x, y) {
        (K(a), K(c)) => K(a ^ c),
        (K(0), o) | (o, K(0)) => o,
        (K(u64::MAX), Limb::V(o)) | (Limb::V(o), K(u64::MAX)) => v(b.ins().bnot(o)),
        (K(a), Limb::V(o)) | (Limb::V(o), K(a)) => v(b.ins().bxor_imm_s(o, a as i64)),
        (Limb::V(a), Limb::V(c)) => v(b.ins().bxor(a, c)),
    }
}

fn bnot(b: &mut FunctionBuilder, x: Limb) -> Limb {
    match x {
        K(a) => K(!a),
        Limb::V(o) => v(b.ins().bnot(o)),
    }
}

/// Wrapping `x + y`, no carry out.
fn add_nc(b: &mut FunctionBuilder, x: Limb, y: Limb) -> Limb {
    match (x, y) {
        (K(a), K(c)) => K(a.wrapping_add(c)),
        (K(0), o) | (o, K(0)) => o,
        (K(a), Limb::V(o)) | (Limb::V(o), K(a)) => v(b.ins().iadd_imm_s(o, a as i64)),
        (Limb::V(a), Limb::V(c)) => v(b.ins().iadd(a, c)),
    }
}

/// `x + y + cin` and the carry out.
fn adc(b: &mut FunctionBuilder, x: Limb, y: Limb, cin: Flag) -> (Limb, Flag) {
    add_sub(b, x, y, cin, false)
}

/// `x - y - bin` and the borrow out.
fn sbb(b: &mut FunctionBuilder, x: Limb, y: Limb, bin: Flag) -> (Limb, Flag) {
    add_sub(b, x, y, bin, true)
}

/// `x + y + c`, or `x - y - c` when `sub`, and the carry (borrow) out.
fn add_sub(b: &mut FunctionBuilder, x: Limb, y: Limb, c: Flag, sub: bool) -> (Limb, Flag) {
    match (x, y, c) {
        (K(a), K(d), Flag::K(k)) => {
            let f = if sub {
                u64::overflowing_sub
            } else {
                u64::overflowing_add
            };
            let (r, o1) = f(a, d);
            let (r, o2) = f(r, k as u64);
            (K(r), Flag::K(o1 | o2))
        }
        (o, K(0), Flag::K(false)) => (o, Flag::K(false)),
        (K(0), o, Flag::K(false)) if !sub => (o, Flag::K(false)),
        (x, y, Flag::K(false)) => {
            let (xv, yv) = (value(b, x), value(b, y));
            let (r, o) = if sub {
                b.ins().usub_overflow(xv, yv)
            } else {
                b.ins().uadd_overflow(xv, yv)
            };
            (v(r), Flag::V(o))
        }
        (x, y, c) => {
            // x64 Cranelift has no add-with-carry (`uadd_overflow_cin` is unimplemented
            // there): the carry is the or of two plain operations' overflows.
            let (r, o1) = add_sub(b, x, y, Flag::K(false), sub);
            let cl = flag_limb(b, c);
            let (r, o2) = add_sub(b, r, cl, Flag::K(false), sub);
            (r, flag_or(b, o1, o2))
        }
    }
}

/// The low and high halves of `x * y`.
fn mul_wide(b: &mut FunctionBuilder, x: Limb, y: Limb) -> (Limb, Limb) {
    match (x, y) {
        (K(a), K(c)) => {
            let p = a as u128 * c as u128;
            (K(p as u64), K((p >> 64) as u64))
        }
        (K(0), _) | (_, K(0)) => (K(0), K(0)),
        (K(1), o) | (o, K(1)) => (o, K(0)),
        (x, y) => {
            let (xv, yv) = (value(b, x), value(b, y));
            (v(b.ins().imul(xv, yv)), v(b.ins().umulhi(xv, yv)))
        }
    }
}

fn mul_lo(b: &mut FunctionBuilder, x: Limb, y: Limb) -> Limb {
    match (x, y) {
        (K(a), K(c)) => K(a.wrapping_mul(c)),
        (K(0), _) | (_, K(0)) => K(0),
        (K(1), o) | (o, K(1)) => o,
        (K(a), Limb::V(o)) | (Limb::V(o), K(a)) => v(b.ins().imul_imm_s(o, a as i64)),
        (Limb::V(a), Limb::V(c)) => v(b.ins().imul(a, c)),
    }
}

pub(crate) fn ishl(b: &mut FunctionBuilder, x: Limb, s: u32) -> Limb {
    match x {
        _ if s == 0 => x,
        K(a) => K(a << s),
        Limb::V(o) => v(b.ins().ishl_imm_u(o, s as i64)),
    }
}

pub(crate) fn ushr(b: &mut FunctionBuilder, x: Limb, s: u32) -> Limb {
    match x {
        _ if s == 0 => x,
        K(a) => K(a >> s),
        Limb::V(o) => v(b.ins().ushr_imm_u(o, s as i64)),
    }
}

fn sshr(b: &mut FunctionBuilder, x: Limb, s: u32) -> Limb {
    match x {
        _ if s == 0 => x,
        K(a) => K(((a as i64) >> s) as u64),
        Limb::V(o) => v(b.ins().sshr_imm_u(o, s as i64)),
    }
}

/// Byte-swapped limb (memory is big-endian).
pub(crate) fn bswap(b: &mut FunctionBuilder, x: Limb) -> Limb {
    match x {
        K(a) => K(a.swap_bytes()),
        Limb::V(o) => v(b.ins().bswap(o)),
    }
}

/// `x != 0` as a flag.
fn nonzero(b: &mut FunctionBuilder, x: Limb) -> Flag {
    match x {
        K(a) => Flag::K(a != 0),
        Limb::V(o) => Flag::V(b.ins().icmp_imm_u(IntCC::NotEqual, o, 0)),
    }
}

// ---- words ----

pub(crate) fn and(b: &mut FunctionBuilder, x: Word, y: Word) -> Word {
    [0, 1, 2, 3].map(|i| band(b, x[i], y[i]))
}

pub(crate) fn or(b: &mut FunctionBuilder, x: Word, y: Word) -> Word {
    [0, 1, 2, 3].map(|i| bor(b, x[i], y[i]))
}

pub(crate) fn xor(b: &mut FunctionBuilder, x: Word, y: Word) -> Word {
    [0, 1, 2, 3].map(|i| bxor(b, x[i], y[i]))
}

pub(crate) fn not(b: &mut FunctionBuilder, x: Word) -> Word {
    x.map(|l| bnot(b, l))
}

pub(crate) fn add(b: &mut FunctionBuilder, x: Word, y: Word) -> Word {
    let (r0, c) = adc(b, x[0], y[0], Flag::K(false));
    let (r1, c) = adc(b, x[1], y[1], c);
    let (r2, c) = adc(b, x[2], y[2], c);
    let t = add_nc(b, x[3], y[3]);
    let c = flag_limb(b, c);
    let r3 = add_nc(b, t, c);
    [r0, r1, r2, r3]
}

/// `x - y` and the final borrow (`x < y`).
fn sub_borrow(b: &mut FunctionBuilder, x: Word, y: Word) -> (Word, Flag) {
    let (r0, c) = sbb(b, x[0], y[0], Flag::K(false));
    let (r1, c) = sbb(b, x[1], y[1], c);
    let (r2, c) = sbb(b, x[2], y[2], c);
    let (r3, c) = sbb(b, x[3], y[3], c);
    ([r0, r1, r2, r3], c)
}

pub(crate) fn sub(b: &mut FunctionBuilder, x: Word, y: Word) -> Word {
    sub_borrow(b, x, y).0
}

/// The low 256 bits of `x * y`, schoolbook; products of zero limbs vanish.
pub(crate) fn mul(b: &mut FunctionBuilder, x: Word, y: Word) -> Word {
    let mut r = [K(0); 4];
    for i in 0..4 {
        let mut carry = K(0);
        for j in 0..4 - i {
            if i + j == 3 {
                let p = mul_lo(b, x[i], y[j]);
                let t = add_nc(b, r[3], p);
                r[3] = add_nc(b, t, carry);
            } else {
                let (lo, hi) = mul_wide(b, x[i], y[j]);
                let (s, c1) = adc(b, lo, r[i + j], Flag::K(false));
                let (s, c2) = adc(b, s, carry, Flag::K(false));
                r[i + j] = s;
                let c1 = flag_limb(b, c1);
                let c2 = flag_limb(b, c2);
                let h = add_nc(b, hi, c1);
                carry = add_nc(b, h, c2);
            }
        }
    }
    r
}

/// Whether any of the limbs is not zero.
fn any_nonzero(b: &mut FunctionBuilder, limbs: &[Limb]) -> Flag {
    let mut acc = K(0);
    for l in limbs {
        acc = bor(b, acc, *l);
    }
    nonzero(b, acc)
}

fn flag_not(b: &mut FunctionBuilder, f: Flag) -> Flag {
    match f {
        Flag::K(k) => Flag::K(!k),
        Flag::V(o) => Flag::V(b.ins().bxor_imm_s(o, 1)),
    }
}

/// `x == 0`.
pub(crate) fn is_zero(b: &mut FunctionBuilder, x: Word) -> Flag {
    let nz = is_nonzero(b, x);
    flag_not(b, nz)
}

/// `x != 0` (a jump condition).
pub(crate) fn is_nonzero(b: &mut FunctionBuilder, x: Word) -> Flag {
    any_nonzero(b, &x)
}

pub(crate) fn eq(b: &mut FunctionBuilder, x: Word, y: Word) -> Flag {
    let d = xor(b, x, y);
    is_zero(b, d)
}

/// Unsigned `x < y`.
pub(crate) fn lt(b: &mut FunctionBuilder, x: Word, y: Word) -> Flag {
    sub_borrow(b, x, y).1
}

/// Signed `x < y`: unsigned after flipping the sign bits.
pub(crate) fn slt(b: &mut FunctionBuilder, mut x: Word, mut y: Word) -> Flag {
    x[3] = bxor(b, x[3], K(1 << 63));
    y[3] = bxor(b, y[3], K(1 << 63));
    lt(b, x, y)
}

/// SHL (`left`), SHR or SAR (`arith`) of `x` by a constant `s` (256 for any shift of 256
/// or more).
pub(crate) fn shift(b: &mut FunctionBuilder, x: Word, s: u32, left: bool, arith: bool) -> Word {
    let fill = if arith { sshr(b, x[3], 63) } else { K(0) };
    if s >= 256 {
        return [fill; 4];
    }
    let (k, bits) = ((s / 64) as usize, s % 64);
    let mut r = [fill; 4];
    if left {
        for (i, out) in r.iter_mut().enumerate() {
            *out = if i < k {
                K(0)
            } else {
                let hi = ishl(b, x[i - k], bits);
                if bits != 0 && i > k {
                    let lo = ushr(b, x[i - k - 1], 64 - bits);
                    bor(b, hi, lo)
                } else {
                    hi
                }
            };
        }
    } else {
        for (i, out) in r.iter_mut().enumerate().take(4 - k) {
            let src = i + k;
            let lo = if src == 3 && arith {
                sshr(b, x[src], bits)
            } else {
                ushr(b, x[src], bits)
            };
            *out = if bits != 0 && (src < 3 || arith) {
                let above = if src < 3 { x[src + 1] } else { fill };
                let hi = ishl(b, above, 64 - bits);
                bor(b, lo, hi)
            } else {
                lo
            };
        }
    }
    r
}

/// BYTE with a constant index `i` (32 for any index of 32 or more): byte `i` of `x`
/// counted from the most significant.
pub(crate) fn byte(b: &mut FunctionBuilder, x: Word, i: u32) -> Word {
    if i >= 32 {
        return [K(0); 4];
    }
    let bit = (31 - i) * 8;
    let l = ushr(b, x[(bit / 64) as usize], bit % 64);
    [band(b, l, K(0xff)), K(0), K(0), K(0)]
}

/// SIGNEXTEND from byte `k` (31 for any `k` of 31 or more: `x` unchanged).
pub(crate) fn signextend(b: &mut FunctionBuilder, x: Word, k: u32) -> Word {
    if k >= 31 {
        return x;
    }
    let bit = 8 * k + 7;
    let (j, up) = ((bit / 64) as usize, 63 - bit % 64);
    let mut r = x;
    let shifted = ishl(b, x[j], up);
    r[j] = sshr(b, shifted, up);
    let fill = sshr(b, r[j], 63);
    for l in r.iter_mut().skip(j + 1) {
        *l = fill;
    }
    r
}

/// Emits every limb (for block arguments).
pub(crate) fn values(b: &mut FunctionBuilder, x: Word) -> [Value; 4] {
    x.map(|l| value(b, l))
}

/// Whether `x` fits in 32 bits: the shape of every in-range memory offset.
pub(crate) fn fits_u32(b: &mut FunctionBuilder, x: Word) -> Flag {
    let hi = ushr(b, x[0], 32);
    let big = any_nonzero(b, &[hi, x[1], x[2], x[3]]);
    flag_not(b, big)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_round_trip() {
        let c = U256::from_limbs([1, 2, 3, u64::MAX]);
        assert_eq!(as_constant(&constant(c)), Some(c));
    }
}

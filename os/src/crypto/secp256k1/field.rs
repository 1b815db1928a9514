//! The base field of secp256k1: integers mod p = 2^256 − 2^32 − 977.
//!
//! Eight 32-bit limbs, least significant first: the guest is RV32IM, where a 32×32 → 64-bit
//! product is one MUL and one MULHU, so full 32-bit limbs take the fewest multiplications
//! (64 per product, against 100 for ten 26-bit limbs). Values are kept *weakly* reduced:
//! any 256-bit integer, congruent to the element, possibly ≥ p. Every operation accepts and
//! returns such values; only [`FieldElement::normalize`] (and what serializes or compares)
//! reduces fully. Nothing here is constant time: recovery works on public data only.
//!
//! Reduction uses the form of p: 2^256 ≡ 2^32 + 977 (mod p), so the high half H of a 512-bit
//! product folds into the low half L as L + H·977 + H·2^32 (one multiply-by-977 per limb and
//! a one-limb shift), and the few bits left above 2^256 fold the same way once more.

use super::modinv;

/// 977: with 2^32, the value of 2^256 mod p.
const FOLD: u32 = 977;

/// p, little-endian limbs.
pub(super) const P: [u32; 8] = [
    0xFFFF_FC2F,
    0xFFFF_FFFE,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
];

/// An element of GF(p), weakly reduced (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct FieldElement(pub(super) [u32; 8]);

impl FieldElement {
    /// 0.
    pub const ZERO: Self = Self([0; 8]);
    /// 1.
    pub const ONE: Self = Self([1, 0, 0, 0, 0, 0, 0, 0]);

    /// The element of the big-endian bytes, or `None` when they encode a value ≥ p (a
    /// coordinate or an x candidate must be canonical).
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        let v = Self(limbs_from_be(bytes));
        let canonical = v.normalize();
        (canonical.0 == v.0).then_some(v)
    }

    /// The canonical big-endian encoding (fully reduced).
    pub fn to_bytes(&self) -> [u8; 32] {
        limbs_to_be(&self.normalize().0)
    }

    /// The same element as the integer in [0, p): the only representation that may be
    /// compared limb by limb or serialized.
    pub fn normalize(&self) -> Self {
        // v ≥ p exactly when v + (2^32 + 977) carries out of 256 bits, and then that sum
        // mod 2^256 is v − p. A weakly reduced value is < 2^256 < 2p: one subtraction is enough.
        let mut t = self.0;
        if add_fold(&mut t, 1) {
            Self(t)
        } else {
            *self
        }
    }

    /// Whether the element is 0 (its limbs are 0 or p).
    pub fn is_zero(&self) -> bool {
        self.normalize().0 == [0; 8]
    }

    /// Whether the canonical value is odd: the y parity of a signature's recovery id.
    pub fn is_odd(&self) -> bool {
        self.normalize().0[0] & 1 == 1
    }

    /// Equality of elements (not of representations).
    pub fn equals(&self, rhs: &Self) -> bool {
        self.normalize().0 == rhs.normalize().0
    }

    /// self + rhs.
    #[inline(always)]
    pub fn add(&self, rhs: &Self) -> Self {
        let (a, b) = (&self.0, &rhs.0);
        let mut r = [0u32; 8];
        let mut carry = 0u32;
        for i in 0..8 {
            let (s, c1) = a[i].overflowing_add(b[i]);
            let (s, c2) = s.overflowing_add(carry);
            r[i] = s;
            carry = (c1 | c2) as u32;
        }
        if carry != 0 {
            fold_carry(&mut r, 1);
        }
        Self(r)
    }

    /// 2·self.
    pub fn double(&self) -> Self {
        self.add(self)
    }

    /// self − rhs.
    #[inline(always)]
    pub fn sub(&self, rhs: &Self) -> Self {
        let (a, b) = (&self.0, &rhs.0);
        let mut r = [0u32; 8];
        let mut borrow = 0u32;
        for i in 0..8 {
            let (d, b1) = a[i].overflowing_sub(b[i]);
            let (d, b2) = d.overflowing_sub(borrow);
            r[i] = d;
            borrow = (b1 | b2) as u32;
        }
        if borrow != 0 {
            // The wrapped result is a − b + 2^256; adding p is subtracting 2^32 + 977 mod
            // 2^256. If that wraps too, a − b + p was negative (b ≥ p): once more.
            if sub_fold(&mut r) {
                sub_fold(&mut r);
            }
        }
        Self(r)
    }

    /// −self.
    pub fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    /// self/2: self or self + p (whichever is even), shifted right; spares the doubling
    /// formula its constant factors.
    #[inline(always)]
    pub fn half(&self) -> Self {
        let mut t = self.0;
        let mut top = 0;
        if t[0] & 1 == 1 {
            // self + p = (self − (2^32 + 977)) + 2^256: bit 256 is set unless that wraps.
            top = !sub_fold(&mut t) as u32;
        }
        for i in 0..7 {
            t[i] = (t[i] >> 1) | (t[i + 1] << 31);
        }
        t[7] = (t[7] >> 1) | (top << 31);
        Self(t)
    }

    /// self·k for a small k (< 2^16): the curve formulas' 3·, 4·, 8·.
    #[inline(always)]
    pub fn mul_small(&self, k: u32) -> Self {
        debug_assert!(k < 1 << 16);
        let mut r = [0u32; 8];
        let mut carry = 0u32;
        for (out, &limb) in r.iter_mut().zip(&self.0) {
            let v = limb as u64 * k as u64 + carry as u64;
            *out = v as u32;
            carry = (v >> 32) as u32;
        }
        if carry != 0 {
            fold_carry(&mut r, carry);
        }
        Self(r)
    }

    /// self·rhs.
    #[inline(never)]
    pub fn mul(&self, rhs: &Self) -> Self {
        Self(reduce_wide(&mul_wide(&self.0, &rhs.0)))
    }

    /// self²: the 28 cross products once, doubled, plus the 8 squares.
    #[inline(never)]
    pub fn square(&self) -> Self {
        Self(reduce_wide(&square_wide(&self.0)))
    }

    /// self^(2^n): n squarings, for the square root's exponentiation chain (253 of them),
    /// in one loop without a call or a copy per squaring.
    #[inline(never)]
    fn square_n(&self, n: u32) -> Self {
        let mut r = self.0;
        for _ in 0..n {
            r = reduce_wide(&square_wide(&r));
        }
        Self(r)
    }

    /// self⁻¹ (0 for 0), by the variable-time binary GCD of [`modinv`]: far cheaper than
    /// Fermat's 255 squarings.
    pub fn invert(&self) -> Self {
        Self(modinv::invert(&self.normalize().0, &modinv::FIELD))
    }

    /// A square root of self, or `None` when self is not a square. p ≡ 3 (mod 4), so a
    /// root, if any, is self^((p+1)/4); which of ±root comes out is unspecified.
    pub fn sqrt(&self) -> Option<Self> {
        // (p+1)/4 in binary: 223 ones, a zero, 22 ones, then 0000 1100. Powers x^(2^k − 1)
        // ("xk", k ones) are built by x_{a+b} = x_a^(2^b) · x_b.
        let x = *self;
        let x2 = x.square().mul(&x);
        let x3 = x2.square().mul(&x);
        let x6 = x3.square_n(3).mul(&x3);
        let x9 = x6.square_n(3).mul(&x3);
        let x11 = x9.square_n(2).mul(&x2);
        let x22 = x11.square_n(11).mul(&x11);
        let x44 = x22.square_n(22).mul(&x22);
        let x88 = x44.square_n(44).mul(&x44);
        let x176 = x88.square_n(88).mul(&x88);
        let x220 = x176.square_n(44).mul(&x44);
        let x223 = x220.square_n(3).mul(&x3);
        let root = x223.square_n(23).mul(&x22).square_n(6).mul(&x2).square_n(2);
        root.square().equals(self).then_some(root)
    }
}

/// r += k·(2^32 + 977) (k small), returning the carry out of 256 bits.
#[inline(always)]
fn add_fold(r: &mut [u32; 8], k: u32) -> bool {
    // Straight-line (no exit at the first limb without a carry) so that r stays in registers.
    let v = r[0] as u64 + k as u64 * FOLD as u64;
    r[0] = v as u32;
    let v = r[1] as u64 + (v >> 32) + k as u64;
    r[1] = v as u32;
    let mut carry = (v >> 32) as u32;
    for limb in r.iter_mut().skip(2) {
        let (s, c) = limb.overflowing_add(carry);
        *limb = s;
        carry = c as u32;
    }
    carry != 0
}

/// Folds a carry k·2^256 (k small) back in: adds k·(2^32 + 977), and once more 2^32 + 977 if
/// that carries out again (then the value is tiny and cannot carry a third time).
#[inline(always)]
fn fold_carry(r: &mut [u32; 8], k: u32) {
    if add_fold(r, k) {
        add_fold(r, 1);
    }
}

/// r −= 2^32 + 977 mod 2^256, returning the borrow.
#[inline(always)]
fn sub_fold(r: &mut [u32; 8]) -> bool {
    let (d, b0) = r[0].overflowing_sub(FOLD);
    r[0] = d;
    let (d, b1) = r[1].overflowing_sub(1 + b0 as u32);
    r[1] = d;
    let mut borrow = b1 as u32;
    for limb in r.iter_mut().skip(2) {
        let (d, b) = limb.overflowing_sub(borrow);
        *limb = d;
        borrow = b as u32;
    }
    borrow != 0
}

/// (c0, c1, c2) += a·b: one step of column-wise (product-scanning) multiplication with a
/// three-limb accumulator: MUL, MULHU, then two add-with-carry steps (ADD, SLTU, ADD) — eight
/// RV32IM instructions.
///
/// On riscv32 it is written in assembly: LLVM's scheduler otherwise hoists all 64 products
/// of a multiplication ahead of the additions and spills them, which costs half as much
/// again. The sequence is the same as the portable code below.
#[inline(always)]
fn mac(c: &mut (u32, u32, u32), a: u32, b: u32) {
    #[cfg(target_arch = "riscv32")]
    // SAFETY: register-only arithmetic; no memory, stack or flags are touched.
    unsafe {
        core::arch::asm!(
            "mul {lo}, {a}, {b}",
            "mulhu {hi}, {a}, {b}",
            "add {c0}, {c0}, {lo}",
            "sltu {lo}, {c0}, {lo}",
            "add {hi}, {hi}, {lo}",
            "add {c1}, {c1}, {hi}",
            "sltu {hi}, {c1}, {hi}",
            "add {c2}, {c2}, {hi}",
            a = in(reg) a,
            b = in(reg) b,
            c0 = inout(reg) c.0,
            c1 = inout(reg) c.1,
            c2 = inout(reg) c.2,
            lo = out(reg) _,
            hi = out(reg) _,
            options(pure, nomem, nostack),
        );
    }
    #[cfg(not(target_arch = "riscv32"))]
    {
        let p = a as u64 * b as u64;
        let (lo, hi) = (p as u32, (p >> 32) as u32);
        let (s0, k0) = c.0.overflowing_add(lo);
        // hi ≤ 2^32 − 2, so hi + k0 cannot wrap.
        let hi = hi + k0 as u32;
        let (s1, k1) = c.1.overflowing_add(hi);
        c.0 = s0;
        c.1 = s1;
        c.2 += k1 as u32;
    }
}

/// One column of a product: the accumulator takes a_i·b_j for each listed (i, j), then the
/// finished low limb goes to `t[k]` and the accumulator shifts down a limb. The columns are
/// spelled out (rather than looped over) so that LLVM emits straight-line code with the
/// operands in registers: a loop with column-dependent bounds stays a loop.
macro_rules! columns {
    ($c:ident, $t:ident, $a:ident, $b:ident, $first:expr; $([$($i:literal $j:literal,)*])*) => {{
        let mut k = $first;
        $(
            $( mac(&mut $c, $a[$i], $b[$j]); )*
            $t[k] = $c.0;
            $c = ($c.1, $c.2, 0);
            k += 1;
        )*
        let _ = k;
    }};
}

/// The 512-bit product a·b, column by column (product scanning): each output limb is
/// finished before the next is started, so only the accumulator and the operands are live.
#[inline(always)]
pub(super) fn mul_wide(a: &[u32; 8], b: &[u32; 8]) -> [u32; 16] {
    let (a, b) = (*a, *b);
    let mut t = [0u32; 16];
    let mut c = (0u32, 0u32, 0u32);
    #[rustfmt::skip]
    columns!(c, t, a, b, 0;
        [0 0,]
        [0 1, 1 0,]
        [0 2, 1 1, 2 0,]
        [0 3, 1 2, 2 1, 3 0,]
        [0 4, 1 3, 2 2, 3 1, 4 0,]
        [0 5, 1 4, 2 3, 3 2, 4 1, 5 0,]
        [0 6, 1 5, 2 4, 3 3, 4 2, 5 1, 6 0,]
        [0 7, 1 6, 2 5, 3 4, 4 3, 5 2, 6 1, 7 0,]
        [1 7, 2 6, 3 5, 4 4, 5 3, 6 2, 7 1,]
        [2 7, 3 6, 4 5, 5 4, 6 3, 7 2,]
        [3 7, 4 6, 5 5, 6 4, 7 3,]
        [4 7, 5 6, 6 5, 7 4,]
        [5 7, 6 6, 7 5,]
        [6 7, 7 6,]
        [7 7,]
    );
    t[15] = c.0;
    t
}

/// The 512-bit square a², as the cross products a_i·a_j (i < j) column by column, doubled
/// in one shift pass that also adds the diagonal squares a_i².
#[inline(always)]
fn square_wide(a: &[u32; 8]) -> [u32; 16] {
    let a = *a;
    let mut t = [0u32; 16];
    let mut c = (0u32, 0u32, 0u32);
    #[rustfmt::skip]
    columns!(c, t, a, a, 1;
        [0 1,]
        [0 2,]
        [0 3, 1 2,]
        [0 4, 1 3,]
        [0 5, 1 4, 2 3,]
        [0 6, 1 5, 2 4,]
        [0 7, 1 6, 2 5, 3 4,]
        [1 7, 2 6, 3 5,]
        [2 7, 3 6, 4 5,]
        [3 7, 4 6,]
        [4 7, 5 6,]
        [5 7,]
        [6 7,]
    );
    t[14] = c.0;
    t[15] = c.1;
    // t = 2·t + Σ a_i²·2^(64i). Neither half of a square a² < 2^64 is 2^32 − 1 (the low
    // half would make a² ≡ 7 mod 8, the high half a² ≥ 2^64 − 2^32), so the carry adds to
    // it without overflow.
    let mut carry = 0u32;
    let mut prev = 0u32;
    for (i, &limb) in a.iter().enumerate() {
        let sq = limb as u64 * limb as u64;
        for (j, d) in [(2 * i, sq as u32), (2 * i + 1, (sq >> 32) as u32)] {
            let w = t[j];
            let shifted = (w << 1) | (prev >> 31);
            prev = w;
            let (s, k) = shifted.overflowing_add(d + carry);
            t[j] = s;
            carry = k as u32;
        }
    }
    t
}

/// A 512-bit value mod p, weakly reduced: L + H·977 + H·2^32, then the top limb (below
/// 2^33) folded the same way, then a last carry if any. Straight-line code on registers
/// (the rare last carry aside): a loop that stops at the first limb without a carry would
/// keep the result in memory.
#[inline(always)]
fn reduce_wide(t: &[u32; 16]) -> [u32; 8] {
    let mut r = [0u32; 8];
    let mut carry = 0u64;
    for i in 0..8 {
        let shifted = if i > 0 { t[7 + i] as u64 } else { 0 };
        let v = t[8 + i] as u64 * FOLD as u64 + t[i] as u64 + shifted + carry;
        r[i] = v as u32;
        carry = v >> 32;
    }
    // What is left is top·2^256 with top = carry + H[7] < 2^33: fold it once more.
    let top = carry + t[15] as u64;
    let v = r[0] as u64 + top * FOLD as u64;
    r[0] = v as u32;
    let v = r[1] as u64 + (v >> 32) + top;
    r[1] = v as u32;
    let mut c = (v >> 32) as u32;
    for limb in r.iter_mut().skip(2) {
        let (s, k) = limb.overflowing_add(c);
        *limb = s;
        c = k as u32;
    }
    if c != 0 {
        // The value wrapped past 2^256 by less than 2^67: adding 2^32 + 977 cannot carry
        // beyond limb 2.
        let (s0, k0) = r[0].overflowing_add(FOLD);
        let (s1, k1) = r[1].overflowing_add(1 + k0 as u32);
        r[0] = s0;
        r[1] = s1;
        r[2] += k1 as u32;
    }
    r
}

/// Little-endian limbs of a big-endian 32-byte integer.
pub(super) fn limbs_from_be(bytes: &[u8; 32]) -> [u32; 8] {
    let mut r = [0u32; 8];
    for (i, limb) in r.iter_mut().enumerate() {
        let at = 28 - 4 * i;
        *limb = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    }
    r
}

/// The big-endian 32 bytes of little-endian limbs.
pub(super) fn limbs_to_be(limbs: &[u32; 8]) -> [u8; 32] {
    let mut r = [0u8; 32];
    for (i, limb) in limbs.iter().enumerate() {
        let at = 28 - 4 * i;
        r[at..at + 4].copy_from_slice(&limb.to_be_bytes());
    }
    r
}

//! Scalars: integers mod the group order n.
//!
//! A recovery does one inversion and a handful of multiplications mod n, against thousands
//! of field operations, so this is written for clarity: the 512-bit product is folded with
//! 2^256 ≡ 2^256 − n (a 129-bit constant) until it fits, then reduced by one subtraction.
//! Values are always fully reduced, in [0, n).

use super::field::{limbs_from_be, limbs_to_be, mul_wide};
use super::modinv;

/// n, little-endian limbs.
pub(super) const N: [u32; 8] = [
    0xD036_4141,
    0xBFD2_5E8C,
    0xAF48_A03B,
    0xBAAE_DCE6,
    0xFFFF_FFFE,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
];

/// 2^256 − n (129 bits), little-endian limbs.
const N_C: [u32; 5] = [0x2FC9_BEBF, 0x402D_A173, 0x50B7_5FC4, 0x4551_2319, 1];

/// ⌊n / 2⌋: scalars above it are "negative" small numbers in the GLV split.
const HALF_N: [u32; 8] = [
    0x681B_20A0,
    0xDFE9_2F46,
    0x57A4_501D,
    0x5D57_6E73,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0x7FFF_FFFF,
];

/// An integer mod n, in [0, n).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scalar(pub(super) [u32; 8]);

impl Scalar {
    /// 0.
    pub const ZERO: Self = Self([0; 8]);

    /// The scalar of big-endian bytes, or `None` when they encode a value ≥ n (a signature's
    /// r and s must lie below n).
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        let v = limbs_from_be(bytes);
        (!geq(&v, &N)).then_some(Self(v))
    }

    /// The big-endian bytes reduced mod n: the message hash z of ECDSA. 2^256 < 2n, so one
    /// subtraction is enough.
    pub fn reduce_bytes(bytes: &[u8; 32]) -> Self {
        let mut v = limbs_from_be(bytes);
        if geq(&v, &N) {
            sub_in_place(&mut v, &N);
        }
        Self(v)
    }

    /// The big-endian encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        limbs_to_be(&self.0)
    }

    /// Whether the scalar is 0.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 8]
    }

    /// Whether the scalar is above n/2, i.e. closer to n than to 0.
    pub fn is_high(&self) -> bool {
        !geq(&HALF_N, &self.0)
    }

    /// −self.
    pub fn neg(&self) -> Self {
        if self.is_zero() {
            return *self;
        }
        let mut r = N;
        sub_in_place(&mut r, &self.0);
        Self(r)
    }

    /// self + rhs.
    pub fn add(&self, rhs: &Self) -> Self {
        let mut r = self.0;
        let carry = add_in_place(&mut r, &rhs.0);
        // The sum is < 2n: subtract n when it is ≥ n (a carry out means ≥ 2^256 > n).
        if carry || geq(&r, &N) {
            sub_in_place(&mut r, &N);
        }
        Self(r)
    }

    /// self − rhs.
    pub fn sub(&self, rhs: &Self) -> Self {
        self.add(&rhs.neg())
    }

    /// self·rhs.
    pub fn mul(&self, rhs: &Self) -> Self {
        Self(reduce_wide(mul_wide(&self.0, &rhs.0)))
    }

    /// self⁻¹ (0 for 0), by the binary GCD of [`modinv`].
    pub fn invert(&self) -> Self {
        Self(modinv::invert(&self.0, &modinv::ORDER))
    }

    /// round(self·g / 2^384) for a 256-bit g: the GLV split's approximation of a division
    /// by n with a precomputed g = round(2^384·b / n).
    pub(super) fn mul_shift_384(&self, g: &[u32; 8]) -> Self {
        let t = mul_wide(&self.0, g);
        let mut r = [0u32; 8];
        r[..4].copy_from_slice(&t[12..16]);
        // Round: add bit 383.
        let round = [t[11] >> 31, 0, 0, 0, 0, 0, 0, 0];
        add_in_place(&mut r, &round);
        Self(r)
    }
}

/// a ≥ b, as 256-bit integers.
fn geq(a: &[u32; 8], b: &[u32; 8]) -> bool {
    for i in (0..8).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// a += b, returning the carry out.
fn add_in_place(a: &mut [u32; 8], b: &[u32; 8]) -> bool {
    let mut carry = 0u64;
    for i in 0..8 {
        let v = a[i] as u64 + b[i] as u64 + carry;
        a[i] = v as u32;
        carry = v >> 32;
    }
    carry != 0
}

/// a −= b mod 2^256.
fn sub_in_place(a: &mut [u32; 8], b: &[u32; 8]) {
    let mut borrow = 0u32;
    for i in 0..8 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(borrow);
        a[i] = d;
        borrow = (b1 | b2) as u32;
    }
}

/// A 512-bit value mod n: t ← low + high·(2^256 − n) until the high half is 0 (512 → 386 →
/// 259 → at most 257 bits, then at most once more), then one conditional subtraction.
fn reduce_wide(mut t: [u32; 16]) -> [u32; 8] {
    while t[8..].iter().any(|&w| w != 0) {
        let mut out = [0u32; 16];
        out[..8].copy_from_slice(&t[..8]);
        for i in 0..8 {
            let h = t[8 + i] as u64;
            if h == 0 {
                continue;
            }
            let mut carry = 0u64;
            for (j, &c) in N_C.iter().enumerate() {
                let v = out[i + j] as u64 + h * c as u64 + carry;
                out[i + j] = v as u32;
                carry = v >> 32;
            }
            let mut k = i + N_C.len();
            while carry != 0 {
                let v = out[k] as u64 + carry;
                out[k] = v as u32;
                carry = v >> 32;
                k += 1;
            }
        }
        t = out;
    }
    let mut r = [0u32; 8];
    r.copy_from_slice(&t[..8]);
    if geq(&r, &N) {
        sub_in_place(&mut r, &N);
    }
    r
}

//! Modular inversion for the field (mod p) and the scalars (mod n): Bernstein and Yang's
//! "divsteps" binary GCD ("Fast constant-time gcd computation and modular inversion", 2019),
//! in its variable-time form (stop when g reaches 0; skip runs of even g at once).
//!
//! Why not Fermat: x^(m−2) costs about 255 squarings and 15 multiplications (≈ 150k guest
//! cycles in the field, twice that mod n); this costs about 15 batches of 30 divsteps, each a
//! few hundred instructions on the low limbs plus one 2×2 matrix applied to the full numbers.
//!
//! Numbers are 9 signed limbs of 30 bits (value = Σ v_i·2^(30i), limbs 0..7 in [0, 2^30),
//! the top one signed), so that the matrix products fit i64 with room for their sums.
//! Invariants, with x the input and M the modulus: f ≡ d·x and g ≡ e·x (mod M); gcd(f, g) =
//! gcd(M, x) = 1, so when g = 0, f = ±1 and x⁻¹ = ±d.

use super::field::P;
use super::scalar::N;

/// Low 30 bits.
const M30: i32 = (1 << 30) - 1;

/// A prime modulus in the forms the inversion needs.
pub(super) struct Modulus {
    /// M in signed 30-bit limbs.
    m: [i32; 9],
    /// M⁻¹ mod 2^30: makes d + k·M divisible by 2^30.
    m_inv: u32,
}

impl Modulus {
    /// The modulus of little-endian 32-bit limbs (odd).
    const fn new(limbs: &[u32; 8]) -> Self {
        // Newton's iteration for the inverse mod 2^32: x·m ≡ 1 holds to 3 bits for x = m
        // (m odd), and each step doubles the bits.
        let m0 = limbs[0];
        let mut x = m0;
        let mut i = 0;
        while i < 4 {
            x = x.wrapping_mul(2u32.wrapping_sub(m0.wrapping_mul(x)));
            i += 1;
        }
        Self {
            m: to_signed30(limbs),
            m_inv: x & M30 as u32,
        }
    }
}

/// The field modulus p.
pub(super) const FIELD: Modulus = Modulus::new(&P);
/// The group order n.
pub(super) const ORDER: Modulus = Modulus::new(&N);

/// x⁻¹ mod M for x in [0, M) (0 for 0).
pub(super) fn invert(x: &[u32; 8], modulus: &Modulus) -> [u32; 8] {
    let mut f = modulus.m;
    let mut g = to_signed30(x);
    let mut d = [0i32; 9];
    let mut e = [0i32; 9];
    e[0] = 1;
    if is_zero(&g) {
        return [0; 8];
    }
    // η = −δ of the paper; δ starts at 1.
    let mut eta = -1i32;
    loop {
        let t = divsteps_30(&mut eta, f[0] as u32, g[0] as u32);
        update_de(&mut d, &mut e, &t, modulus);
        update_fg(&mut f, &mut g, &t);
        if is_zero(&g) {
            break;
        }
    }
    // f = ±1; d is in [0, M).
    if f[8] < 0 && !is_zero(&d) {
        let mut r = modulus.m;
        add_multiple(&mut r, &d, -1);
        d = r;
    }
    from_signed30(&d)
}

/// The transition matrix of 30 divsteps: 2^30·(f', g') = (u·f + v·g, q·f + r·g).
struct Matrix {
    u: i32,
    v: i32,
    q: i32,
    r: i32,
}

/// 30 divsteps on the low 30 bits of f (odd) and g, updating η; returns their matrix.
/// A divstep: if η < 0 and g is odd, (f, g) ← (g, (g − f)/2) and η ← −η − 1; else if g is
/// odd, g ← (g + f)/2; else g ← g/2; then η ← η − 1 in both. Written as: halve g over its
/// run of trailing zeros (one step each), then, g odd, swap to (g, −f) with η ← −η if η < 0,
/// then g ← g + f, which is even again. The matrix rows follow f and g; halving g doubles
/// f's row instead, so that the matrix stays integral. |u| + |v| ≤ 2^30, likewise q, r.
fn divsteps_30(eta: &mut i32, f0: u32, g0: u32) -> Matrix {
    let (mut u, mut v, mut q, mut r) = (1i32, 0i32, 0i32, 1i32);
    let (mut f, mut g) = (f0, g0);
    let mut left = 30u32;
    loop {
        // The bit at `left` caps the run at the steps left.
        let zeros = (g | (1 << left)).trailing_zeros();
        g >>= zeros;
        u <<= zeros;
        v <<= zeros;
        *eta -= zeros as i32;
        left -= zeros;
        if left == 0 {
            break;
        }
        if *eta < 0 {
            *eta = -*eta;
            (f, g) = (g, f.wrapping_neg());
            (u, v, q, r) = (q, r, -u, -v);
        }
        g = g.wrapping_add(f);
        q += u;
        r += v;
    }
    Matrix { u, v, q, r }
}

/// (f, g) ← (u·f + v·g, q·f + r·g) / 2^30, exact by construction of the matrix.
fn update_fg(f: &mut [i32; 9], g: &mut [i32; 9], t: &Matrix) {
    let (u, v, q, r) = (t.u as i64, t.v as i64, t.q as i64, t.r as i64);
    let mut cf = u * f[0] as i64 + v * g[0] as i64;
    let mut cg = q * f[0] as i64 + r * g[0] as i64;
    debug_assert!(cf & M30 as i64 == 0 && cg & M30 as i64 == 0);
    cf >>= 30;
    cg >>= 30;
    for i in 1..9 {
        cf += u * f[i] as i64 + v * g[i] as i64;
        cg += q * f[i] as i64 + r * g[i] as i64;
        f[i - 1] = cf as i32 & M30;
        g[i - 1] = cg as i32 & M30;
        cf >>= 30;
        cg >>= 30;
    }
    f[8] = cf as i32;
    g[8] = cg as i32;
}

/// (d, e) ← (u·d + v·e, q·d + r·e) / 2^30 mod M, with d and e in [0, M) before and after:
/// a multiple of M in [0, 2^30·M) makes each numerator divisible by 2^30, which puts the
/// quotient in [−M, 2M); one addition or subtraction of M brings it back.
fn update_de(d: &mut [i32; 9], e: &mut [i32; 9], t: &Matrix, modulus: &Modulus) {
    let m = &modulus.m;
    let (u, v, q, r) = (t.u as i64, t.v as i64, t.q as i64, t.r as i64);
    let mut cd = u * d[0] as i64 + v * e[0] as i64;
    let mut ce = q * d[0] as i64 + r * e[0] as i64;
    let md = ((cd as u32).wrapping_mul(modulus.m_inv).wrapping_neg() & M30 as u32) as i64;
    let me = ((ce as u32).wrapping_mul(modulus.m_inv).wrapping_neg() & M30 as u32) as i64;
    cd += md * m[0] as i64;
    ce += me * m[0] as i64;
    debug_assert!(cd & M30 as i64 == 0 && ce & M30 as i64 == 0);
    cd >>= 30;
    ce >>= 30;
    for i in 1..9 {
        cd += u * d[i] as i64 + v * e[i] as i64 + md * m[i] as i64;
        ce += q * d[i] as i64 + r * e[i] as i64 + me * m[i] as i64;
        d[i - 1] = cd as i32 & M30;
        e[i - 1] = ce as i32 & M30;
        cd >>= 30;
        ce >>= 30;
    }
    d[8] = cd as i32;
    e[8] = ce as i32;
    into_range(d, m);
    into_range(e, m);
}

/// x ∈ [−M, 2M) → [0, M).
fn into_range(x: &mut [i32; 9], m: &[i32; 9]) {
    if x[8] < 0 {
        add_multiple(x, m, 1);
    } else {
        let mut t = *x;
        add_multiple(&mut t, m, -1);
        if t[8] >= 0 {
            *x = t;
        }
    }
}

/// x ← x + k·y (k = ±1), limbs renormalized.
fn add_multiple(x: &mut [i32; 9], y: &[i32; 9], k: i32) {
    let mut carry = 0i32;
    for i in 0..8 {
        let v = x[i] + k * y[i] + carry;
        x[i] = v & M30;
        carry = v >> 30;
    }
    x[8] += k * y[8] + carry;
}

/// Whether all limbs are 0.
fn is_zero(x: &[i32; 9]) -> bool {
    x.iter().fold(0, |acc, &l| acc | l) == 0
}

/// Signed 30-bit limbs of a 256-bit integer.
const fn to_signed30(x: &[u32; 8]) -> [i32; 9] {
    let mut r = [0i32; 9];
    let mut i = 0;
    while i < 9 {
        let bit = 30 * i;
        let (word, shift) = (bit / 32, bit % 32);
        let mut v = x[word] >> shift;
        if shift > 2 && word + 1 < 8 {
            v |= x[word + 1] << (32 - shift);
        }
        r[i] = (v & M30 as u32) as i32;
        i += 1;
    }
    r
}

/// The 256-bit integer of signed 30-bit limbs in [0, 2^256) with limbs 0..7 in [0, 2^30).
fn from_signed30(x: &[i32; 9]) -> [u32; 8] {
    let mut r = [0u32; 8];
    let mut acc = 0u64;
    let mut bits = 0;
    let mut out = 0;
    for &limb in x {
        acc |= (limb as u32 as u64) << bits;
        bits += 30;
        while bits >= 32 && out < 8 {
            r[out] = acc as u32;
            acc >>= 32;
            bits -= 32;
            out += 1;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed30_round_trip() {
        let x = [
            0xFFFF_FFFF,
            0x1234_5678,
            0x9ABC_DEF0,
            0,
            0x8000_0000,
            1,
            0xDEAD_BEEF,
            0xFFFF_FFFF,
        ];
        assert_eq!(from_signed30(&to_signed30(&x)), x);
        assert_eq!(from_signed30(&to_signed30(&P)), P);
        assert_eq!(from_signed30(&to_signed30(&N)), N);
    }

    #[test]
    fn modulus_inverse_mod_2_30() {
        for m in [&FIELD, &ORDER] {
            assert_eq!((m.m[0] as u32).wrapping_mul(m.m_inv) & M30 as u32, 1);
        }
    }
}

//! ECDSA public-key recovery: Q = r⁻¹·(s·R − z·G) = u₁·G + u₂·R with u₁ = −z·r⁻¹ and
//! u₂ = s·r⁻¹, computed as one multi-scalar multiplication (Straus: a single chain of
//! doublings shared by all four ~128-bit parts):
//! - u₁·G as lo·G + hi·H with u₁ = lo + hi·2^128 and H = 2^128·G, from the precomputed
//!   tables of [`super::table`] along width-8 NAFs;
//! - u₂·R as k₁·R + k₂·λR by the GLV split ([`super::glv`]), from a table of the odd
//!   multiples R, 3R, …, 15R built per signature (λ multiplies x by β), along width-5 NAFs;
//!   that table is affine on an isomorphic curve, where the whole sum is computed.

use super::field::FieldElement;
use super::glv::{self, Half, BETA};
use super::point::{Affine, Jacobian};
use super::scalar::Scalar;
use super::table::{G_ODD, H_ODD};
use super::wnaf::{wnaf, LEN};

/// The curve's b: y² = x³ + 7.
const B: FieldElement = FieldElement([7, 0, 0, 0, 0, 0, 0, 0]);

/// NAF width of the per-signature table of R: 8 odd multiples.
const R_WINDOW: u32 = 5;
/// Entries of R's table, 2^(w−2).
const R_ENTRIES: usize = 1 << (R_WINDOW - 2);
/// NAF width of the fixed G and H tables.
const G_WINDOW: u32 = 8;

/// The uncompressed public key x ‖ y (big-endian, 64 bytes) that signed the 32-byte `hash`
/// with (`r`, `s`) and the y parity `y_is_odd` of R, or `None` when the signature is
/// invalid: r or s outside [1, n−1], no curve point with x = r, or Q at infinity. x is r
/// itself (never r + n), z is the hash reduced mod n, and high s is accepted: callers impose
/// their own rules on s.
pub fn recover_public_key(
    hash: &[u8; 32],
    y_is_odd: bool,
    r: &[u8; 32],
    s: &[u8; 32],
) -> Option<[u8; 64]> {
    let r_scalar = Scalar::from_bytes(r)?;
    let s_scalar = Scalar::from_bytes(s)?;
    if r_scalar.is_zero() || s_scalar.is_zero() {
        return None;
    }
    // r < n < p, so it is a canonical field element.
    let x = FieldElement::from_bytes(r)?;
    let mut y = x.square().mul(&x).add(&B).sqrt()?;
    if y.is_odd() != y_is_odd {
        y = y.neg();
    }
    let big_r = Affine { x, y };
    let z = Scalar::reduce_bytes(hash);
    let r_inv = r_scalar.invert();
    let u1 = z.mul(&r_inv).neg();
    let u2 = s_scalar.mul(&r_inv);
    let q = mul_add(&u1, &u2, &big_r).to_affine()?;
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&q.x.to_bytes());
    out[32..].copy_from_slice(&q.y.to_bytes());
    Some(out)
}

/// One NAF stream of the multi-scalar multiplication: its digits and which table they
/// index (with a sign flip for a negative GLV half).
struct Stream {
    digits: [i8; LEN],
    len: usize,
    negate: bool,
}

impl Stream {
    fn new(magnitude: &[u32; 8], w: u32, negate: bool) -> Self {
        let mut digits = [0i8; LEN];
        let len = wnaf(magnitude, w, &mut digits);
        Self {
            digits,
            len,
            negate,
        }
    }

    /// The digit at `i` as (table index, negative), or `None` for 0.
    fn at(&self, i: usize) -> Option<(usize, bool)> {
        let d = self.digits[i];
        (d != 0).then(|| ((d.unsigned_abs() as usize) >> 1, (d < 0) ^ self.negate))
    }
}

/// The odd multiples P, 3P, …, (2m−1)P as affine points of an isomorphic curve, with the
/// scale c of that curve: the entries are Jacobian points on y² = x³ + 7 sharing one Z = c,
/// so (X, Y) are affine on E_c: y² = x³ + 7c⁶ under (x, y) ↦ (c²x, c³y), where the
/// main loop can add them with mixed additions (libsecp256k1's "effective affine" idea).
///
/// Built with co-Z additions: 2P = (X, Y, Z) from a doubling, P rescaled to the same Z, then
/// (2i+1)P = (2i−1)P + 2P keeps 2P co-Z with the newest entry; every entry is then brought
/// to the last Z with the product of the later Z ratios.
fn odd_multiples(p: &Affine) -> ([Affine; R_ENTRIES], FieldElement) {
    let mut twice = Jacobian::from_affine(p);
    twice.double_assign();
    let z2 = twice.z.square();
    let first = Jacobian {
        x: p.x.mul(&z2),
        y: p.y.mul(&z2.mul(&twice.z)),
        z: twice.z,
    };
    let mut entries = [first; R_ENTRIES];
    let mut ratios = [FieldElement::ONE; R_ENTRIES];
    for i in 1..R_ENTRIES {
        let (sum, rescaled, ratio) = twice.add_co_z(&entries[i - 1]);
        entries[i] = sum;
        twice = rescaled;
        ratios[i] = ratio;
    }
    let last = entries[R_ENTRIES - 1];
    let mut table = [Affine {
        x: last.x,
        y: last.y,
    }; R_ENTRIES];
    // Z_last / Z_i = ratios[i+1] ⋯ ratios[last].
    let mut scale = ratios[R_ENTRIES - 1];
    for i in (0..R_ENTRIES - 1).rev() {
        if i < R_ENTRIES - 2 {
            scale = scale.mul(&ratios[i + 1]);
        }
        let scale2 = scale.square();
        table[i] = Affine {
            x: entries[i].x.mul(&scale2),
            y: entries[i].y.mul(&scale2.mul(&scale)),
        };
    }
    (table, last.z)
}

/// u₁·G + u₂·P.
pub(super) fn mul_add(u1: &Scalar, u2: &Scalar, p: &Affine) -> Jacobian {
    // u₁ = lo + hi·2^128.
    let mut lo = [0u32; 8];
    let mut hi = [0u32; 8];
    lo[..4].copy_from_slice(&u1.0[..4]);
    hi[..4].copy_from_slice(&u1.0[4..]);
    let g_lo = Stream::new(&lo, G_WINDOW, false);
    let g_hi = Stream::new(&hi, G_WINDOW, false);
    let (k1, k2): (Half, Half) = glv::split(u2);
    let p1 = Stream::new(&k1.magnitude, R_WINDOW, k1.negative);
    let p2 = Stream::new(&k2.magnitude, R_WINDOW, k2.negative);

    // The accumulator lives on E_c (see `odd_multiples`); G's tables are on E.
    let (table, c) = odd_multiples(p);
    let mut lambda_table = table;
    for t in lambda_table.iter_mut() {
        t.x = t.x.mul(&BETA);
    }

    let len = g_lo.len.max(g_hi.len).max(p1.len).max(p2.len);
    let mut acc = Jacobian::INFINITY;
    let mut started = false;
    for i in (0..len).rev() {
        if started {
            acc.double_assign();
        }
        for (stream, table) in [(&p1, &table), (&p2, &lambda_table)] {
            if let Some((index, negative)) = stream.at(i) {
                acc.add_affine_assign(&table[index], negative);
                started = true;
            }
        }
        for (stream, table) in [(&g_lo, &G_ODD), (&g_hi, &H_ODD)] {
            if let Some((index, negative)) = stream.at(i) {
                acc.add_affine_scaled_assign(&table[index], negative, &c);
                started = true;
            }
        }
    }
    // Back from E_c to E: (X, Y, Z) on E_c is (X, Y, c·Z) on E.
    acc.z = acc.z.mul(&c);
    acc
}

//! Tests of the field, scalar, group and recovery code against references: num-bigint for
//! the arithmetic mod p and n, k256 for the group and for recovery.

extern crate std;

use super::field::{FieldElement, P};
use super::glv::{self, BETA, LAMBDA};
use super::point::{Affine, Jacobian};
use super::recover::{mul_add, recover_public_key};
use super::scalar::{Scalar, N};
use super::table::{G_ODD, H_ODD};
use alloc::vec;
use alloc::vec::Vec;
use alloy_primitives::keccak256;
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::ops::{LinearCombination, Reduce};
use k256::elliptic_curve::sec1::ToEncodedPoint;
use num_bigint::BigUint;

/// Deterministic 32-byte values.
struct Rng([u8; 32]);

impl Rng {
    fn new(seed: u8) -> Self {
        Self([seed; 32])
    }

    fn bytes(&mut self) -> [u8; 32] {
        self.0 = keccak256(self.0).0;
        self.0
    }

    /// Mostly uniform words, sometimes with runs of 0x00 or 0xff limbs (carry chains).
    fn limbs(&mut self) -> [u32; 8] {
        let b = self.bytes();
        let mut l = limbs_of(&b);
        let pattern = self.bytes();
        for (i, limb) in l.iter_mut().enumerate() {
            match pattern[i] % 8 {
                0 => *limb = 0,
                1 => *limb = u32::MAX,
                _ => {}
            }
        }
        l
    }
}

fn limbs_of(bytes: &[u8; 32]) -> [u32; 8] {
    super::field::limbs_from_be(bytes)
}

fn big(limbs: &[u32; 8]) -> BigUint {
    BigUint::from_slice(limbs)
}

fn p() -> BigUint {
    big(&P)
}

fn n() -> BigUint {
    big(&N)
}

fn limbs_of_big(x: &BigUint) -> [u32; 8] {
    let digits = x.to_u32_digits();
    assert!(digits.len() <= 8);
    let mut r = [0u32; 8];
    r[..digits.len()].copy_from_slice(&digits);
    r
}

fn fe_big(x: &FieldElement) -> BigUint {
    big(&x.0) % p()
}

/// Field values that stress the reduction: 0, 1, p − 1, p, p + 1, 2^256 − 1 (all weakly
/// reduced representations), values around 2^32 + 977 and single high limbs.
fn field_edges() -> Vec<[u32; 8]> {
    let pm1 = limbs_of_big(&(p() - 1u32));
    let pp1 = limbs_of_big(&(p() + 1u32));
    let max = [u32::MAX; 8];
    let fold = [977, 1, 0, 0, 0, 0, 0, 0];
    let big_minus_fold = limbs_of_big(&((BigUint::from(1u32) << 256u32) - big(&fold) - 1u32));
    let mut v = vec![
        [0; 8],
        [1, 0, 0, 0, 0, 0, 0, 0],
        pm1,
        P,
        pp1,
        max,
        fold,
        big_minus_fold,
        [0, 0, 0, 0, 0, 0, 0, 0x8000_0000],
        [u32::MAX, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 1],
    ];
    let mut rng = Rng::new(1);
    for _ in 0..300 {
        v.push(rng.limbs());
    }
    v
}

#[test]
fn field_arithmetic_matches_bigint() {
    let values = field_edges();
    let p = p();
    let mut count = 0;
    for (i, a) in values.iter().enumerate() {
        // Pair each value with a spread of partners (all edges for the first ones).
        let partners: Vec<&[u32; 8]> = if i < 11 {
            values.iter().collect()
        } else {
            values.iter().skip(i % 7).step_by(13).collect()
        };
        let fa = FieldElement(*a);
        let ba = big(a);
        for b in partners {
            let fb = FieldElement(*b);
            let bb = big(b);
            assert_eq!(fe_big(&fa.add(&fb)), (&ba + &bb) % &p, "add {a:x?} {b:x?}");
            assert_eq!(
                fe_big(&fa.sub(&fb)),
                (&ba + &p * 2u32 - &bb) % &p,
                "sub {a:x?} {b:x?}"
            );
            assert_eq!(fe_big(&fa.mul(&fb)), (&ba * &bb) % &p, "mul {a:x?} {b:x?}");
            count += 1;
        }
        assert_eq!(fe_big(&fa.square()), (&ba * &ba) % &p, "square {a:x?}");
        assert_eq!(fe_big(&fa.neg()), (&p - &ba % &p) % &p, "neg {a:x?}");
        assert_eq!(fe_big(&fa.double()), (&ba * 2u32) % &p);
        assert_eq!(fe_big(&fa.half().double()), &ba % &p, "half {a:x?}");
        for k in [0u32, 1, 2, 3, 4, 8, 977, 0xFFFF] {
            assert_eq!(fe_big(&fa.mul_small(k)), (&ba * k) % &p, "mul_small {k}");
        }
        let norm = fa.normalize();
        assert_eq!(big(&norm.0), &ba % &p, "normalize {a:x?}");
        assert_eq!(fa.is_zero(), &ba % &p == BigUint::from(0u32));
        assert_eq!(fa.is_odd(), (&ba % &p).bit(0));
        // Bytes: canonical values round-trip, values ≥ p are refused.
        let bytes = super::field::limbs_to_be(a);
        assert_eq!(FieldElement::from_bytes(&bytes).is_some(), ba < p);
        assert_eq!(
            BigUint::from_bytes_be(&fa.to_bytes()),
            &ba % &p,
            "to_bytes {a:x?}"
        );
        // Inverse and square root.
        let inv = fa.invert();
        if &ba % &p == BigUint::from(0u32) {
            assert!(inv.is_zero());
        } else {
            assert_eq!(fe_big(&inv.mul(&fa)), BigUint::from(1u32), "inv {a:x?}");
        }
        let legendre = (&ba % &p).modpow(&((&p - 1u32) >> 1u32), &p);
        match fa.sqrt() {
            Some(root) => assert_eq!(fe_big(&root.square()), &ba % &p, "sqrt {a:x?}"),
            None => assert_eq!(legendre, &p - 1u32, "sqrt refused a square {a:x?}"),
        }
    }
    assert!(count > 3000);
}

#[test]
fn field_long_chains_stay_consistent() {
    // Results fed back in, so that weakly reduced outputs are also tested as inputs.
    let p = p();
    let mut rng = Rng::new(2);
    let mut x = FieldElement(rng.limbs());
    let mut bx = big(&x.0) % &p;
    for i in 0..2000 {
        let y = FieldElement(rng.limbs());
        let by = big(&y.0);
        (x, bx) = match i % 6 {
            0 => (x.mul(&y), (&bx * &by) % &p),
            1 => (x.square(), (&bx * &bx) % &p),
            2 => (x.add(&y), (&bx + &by) % &p),
            3 => (x.sub(&y), (&bx + &p * 2u32 - &by) % &p),
            4 => (x.mul_small(8).neg(), (&p * 8u32 - &bx * 8u32) % &p),
            _ => (x.half(), (&bx * ((&p + 1u32) >> 1u32)) % &p),
        };
        assert_eq!(fe_big(&x), bx, "step {i}");
    }
}

#[test]
fn scalar_arithmetic_matches_bigint() {
    let n = n();
    let nm1 = limbs_of_big(&(&n - 1u32));
    let mut values = vec![[0u32; 8], [1, 0, 0, 0, 0, 0, 0, 0], nm1, N, [u32::MAX; 8]];
    let mut rng = Rng::new(3);
    for _ in 0..200 {
        values.push(rng.limbs());
    }
    for (i, a) in values.iter().enumerate() {
        let ba = big(a);
        let bytes = super::field::limbs_to_be(a);
        // from_bytes refuses ≥ n; reduce_bytes reduces.
        assert_eq!(Scalar::from_bytes(&bytes).is_some(), ba < n);
        let sa = Scalar::reduce_bytes(&bytes);
        assert_eq!(big(&sa.0), &ba % &n);
        assert_eq!(BigUint::from_bytes_be(&sa.to_bytes()), &ba % &n);
        let ra = &ba % &n;
        assert_eq!(big(&sa.neg().0), (&n - &ra) % &n);
        assert_eq!(sa.is_high(), ra > (&n >> 1u32));
        let inv = sa.invert();
        if ra == BigUint::from(0u32) {
            assert!(inv.is_zero());
        } else {
            assert_eq!(big(&inv.mul(&sa).0), BigUint::from(1u32), "inv {a:x?}");
        }
        for b in values.iter().skip(i % 5).step_by(7) {
            let sb = Scalar::reduce_bytes(&super::field::limbs_to_be(b));
            let rb = big(b) % &n;
            assert_eq!(big(&sa.mul(&sb).0), (&ra * &rb) % &n, "mul {a:x?} {b:x?}");
            assert_eq!(big(&sa.add(&sb).0), (&ra + &rb) % &n);
            assert_eq!(big(&sa.sub(&sb).0), (&ra + &n - &rb) % &n);
        }
    }
}

#[test]
fn glv_constants_and_split() {
    let (n, p) = (n(), p());
    let one = BigUint::from(1u32);
    assert_eq!(big(&LAMBDA.0).modpow(&BigUint::from(3u32), &n), one);
    assert_eq!(big(&BETA.0).modpow(&BigUint::from(3u32), &p), one);
    // λ·G = (β·x, y).
    let g = G_ODD[0];
    let lambda = k256::Scalar::from_repr(LAMBDA.to_bytes().into()).unwrap();
    let lg = (k256::ProjectivePoint::GENERATOR * lambda).to_affine();
    let enc = lg.to_encoded_point(false);
    assert_eq!(&enc.x().unwrap()[..], &g.x.mul(&BETA).to_bytes()[..]);
    assert_eq!(&enc.y().unwrap()[..], &g.y.to_bytes()[..]);

    let mut ks = vec![
        Scalar::ZERO,
        Scalar([1, 0, 0, 0, 0, 0, 0, 0]),
        Scalar(limbs_of_big(&(&n - 1u32))),
        LAMBDA,
        LAMBDA.neg(),
        Scalar(limbs_of_big(&(&n >> 1u32))),
        Scalar(limbs_of_big(&((&n >> 1u32) + 1u32))),
        Scalar(limbs_of_big(&(one.clone() << 128u32))),
    ];
    let mut rng = Rng::new(4);
    for _ in 0..2000 {
        ks.push(Scalar::reduce_bytes(&rng.bytes()));
    }
    let signed = |h: &glv::Half| -> BigUint {
        let m = big(&h.magnitude);
        assert!(m.bits() <= 128, "half of {} bits", m.bits());
        if h.negative {
            (&n - m) % &n
        } else {
            m
        }
    };
    for k in ks {
        let (k1, k2) = glv::split(&k);
        let sum = (signed(&k1) + signed(&k2) * big(&LAMBDA.0)) % &n;
        assert_eq!(sum, big(&k.0), "{k:?}");
    }
}

/// A k256 scalar of bytes reduced mod n.
fn kscalar(bytes: [u8; 32]) -> k256::Scalar {
    <k256::Scalar as Reduce<k256::U256>>::reduce_bytes(&bytes.into())
}

fn k256_point(p: &Affine) -> k256::ProjectivePoint {
    use k256::elliptic_curve::sec1::FromEncodedPoint;
    let enc = k256::EncodedPoint::from_affine_coordinates(
        &p.x.to_bytes().into(),
        &p.y.to_bytes().into(),
        false,
    );
    k256::ProjectivePoint::from(k256::AffinePoint::from_encoded_point(&enc).unwrap())
}

fn k256_scalar(s: &Scalar) -> k256::Scalar {
    k256::Scalar::from_repr(s.to_bytes().into()).unwrap()
}

fn same_point(ours: &Jacobian, theirs: &k256::ProjectivePoint) -> bool {
    use k256::elliptic_curve::group::Group;
    match ours.to_affine() {
        None => bool::from(theirs.is_identity()),
        Some(a) => {
            !bool::from(theirs.is_identity()) && {
                let enc = theirs.to_affine().to_encoded_point(false);
                enc.x().unwrap()[..] == a.x.to_bytes()[..]
                    && enc.y().unwrap()[..] == a.y.to_bytes()[..]
            }
        }
    }
}

#[test]
fn tables_are_odd_multiples() {
    let g = k256::ProjectivePoint::GENERATOR;
    let h = g * k256::Scalar::from_repr({
        let mut b = [0u8; 32];
        b[15] = 1; // 2^128
        b.into()
    })
    .unwrap();
    for (table, base) in [(&G_ODD, g), (&H_ODD, h)] {
        let twice = base.double();
        let mut expected = base;
        for entry in table.iter() {
            assert!(entry.x.equals(&entry.x.normalize()) && entry.x.0 == entry.x.normalize().0);
            assert!(same_point(&Jacobian::from_affine(entry), &expected));
            expected += twice;
        }
    }
}

#[test]
fn group_law_edge_cases() {
    let g = G_ODD[0];
    let kg = k256::ProjectivePoint::GENERATOR;
    let k = |v: u32| kg * k256::Scalar::from(v);
    let add = |p: &Jacobian, q: &Affine, negate: bool| {
        let mut r = *p;
        r.add_affine_assign(q, negate);
        r
    };
    let jg = Jacobian::from_affine(&g);
    let mut two = jg;
    two.double_assign();
    assert!(same_point(&two, &k(2)));
    // 2G with Z ≠ 1, and its affine form.
    let two_affine = two.to_affine().unwrap();
    // P + P doubles; P − P and P + (−P) are infinity, with Z = 1 and Z ≠ 1.
    assert!(same_point(&add(&jg, &g, false), &k(2)));
    assert!(same_point(&add(&two, &two_affine, false), &k(4)));
    assert!(add(&jg, &g, true).is_infinity());
    assert!(add(&jg, &g.neg(), false).is_infinity());
    assert!(add(&two, &two_affine, true).is_infinity());
    // −P − P doubles −P; P + Q and P − Q.
    assert!(same_point(&add(&jg.neg(), &g, true), &-k(2)));
    assert!(same_point(&add(&two, &g, false), &k(3)));
    assert!(same_point(&add(&two, &g, true), &k(1)));
    assert!(same_point(&add(&two, &g.neg(), true), &k(3)));
    // Infinity is neutral, also for −Q; doubling it stays at infinity.
    assert!(same_point(&add(&Jacobian::INFINITY, &g, false), &k(1)));
    assert!(same_point(&add(&Jacobian::INFINITY, &g, true), &-k(1)));
    let mut inf = Jacobian::INFINITY;
    inf.double_assign();
    assert!(inf.is_infinity());
    assert!(Jacobian::INFINITY.to_affine().is_none());

    // On E_c (scale c): a point of E added with the scaled addition equals the unscaled
    // sum mapped to E_c; P = ±Q cases included. E_c's (X, Y, Z) is E's (X, Y, c·Z).
    let c = FieldElement::from_bytes(&[0x5a; 32]).unwrap();
    let c2 = c.square();
    let on_ec = |p: &Affine| Jacobian {
        x: p.x.mul(&c2),
        y: p.y.mul(&c2.mul(&c)),
        z: FieldElement::ONE,
    };
    let back = |p: &Jacobian| Jacobian {
        z: p.z.mul(&c),
        ..*p
    };
    let scaled = |p: &Jacobian, q: &Affine, negate: bool| {
        let mut r = *p;
        r.add_affine_scaled_assign(q, negate, &c);
        back(&r)
    };
    let g_c = on_ec(&g);
    let mut two_c = g_c;
    two_c.double_assign();
    assert!(same_point(&back(&g_c), &k(1)));
    assert!(same_point(&scaled(&g_c, &g, false), &k(2)));
    assert!(scaled(&g_c, &g, true).is_infinity());
    assert!(same_point(&scaled(&two_c, &g, false), &k(3)));
    assert!(same_point(&scaled(&two_c, &g, true), &k(1)));
    assert!(same_point(&scaled(&Jacobian::INFINITY, &g, true), &-k(1)));

    // Co-Z: 2G and G at the same Z give 3G, and 2G again at the new Z.
    let z2 = two.z.square();
    let g_same_z = Jacobian {
        x: g.x.mul(&z2),
        y: g.y.mul(&z2.mul(&two.z)),
        z: two.z,
    };
    assert!(same_point(&g_same_z, &k(1)));
    let (sum, rescaled, ratio) = two.add_co_z(&g_same_z);
    assert!(same_point(&sum, &k(3)));
    assert!(same_point(&rescaled, &k(2)));
    assert!(rescaled.z.equals(&sum.z) && sum.z.equals(&two.z.mul(&ratio)));
}

#[test]
fn mul_add_matches_k256() {
    let n = n();
    let mut rng = Rng::new(5);
    let special = [
        Scalar::ZERO,
        Scalar([1, 0, 0, 0, 0, 0, 0, 0]),
        Scalar(limbs_of_big(&(&n - 1u32))),
        LAMBDA,
        Scalar([0, 0, 0, 0, 1, 0, 0, 0]),
    ];
    let mut cases = Vec::new();
    for a in special {
        for b in special {
            cases.push((a, b));
        }
    }
    for _ in 0..60 {
        cases.push((
            Scalar::reduce_bytes(&rng.bytes()),
            Scalar::reduce_bytes(&rng.bytes()),
        ));
    }
    let base = {
        let k = kscalar(rng.bytes());
        (k256::ProjectivePoint::GENERATOR * k).to_affine()
    };
    let enc = base.to_encoded_point(false);
    let ours_base = Affine {
        x: FieldElement::from_bytes(&(*enc.x().unwrap()).into()).unwrap(),
        y: FieldElement::from_bytes(&(*enc.y().unwrap()).into()).unwrap(),
    };
    for (bases, label) in [((ours_base, k256_point(&ours_base)), "random"), {
        // P = G: u₂·P and u₁·G meet in the same accumulator (and cancel for u₂ = −u₁).
        let g = G_ODD[0];
        ((g, k256_point(&g)), "G")
    }] {
        let (p, kp) = bases;
        for &(u1, u2) in &cases {
            let ours = mul_add(&u1, &u2, &p);
            let theirs = k256::ProjectivePoint::lincomb(
                &k256::ProjectivePoint::GENERATOR,
                &k256_scalar(&u1),
                &kp,
                &k256_scalar(&u2),
            );
            assert!(same_point(&ours, &theirs), "{label} {u1:?} {u2:?}");
        }
        // u₂ = −u₁ with P = G gives infinity.
        if label == "G" {
            let u = Scalar::reduce_bytes(&rng.bytes());
            assert!(mul_add(&u, &u.neg(), &p).is_infinity());
        }
    }
}

/// k256's recovery, as in the precompile before this module: the reference.
pub(crate) fn k256_recover(
    hash: &[u8; 32],
    y_odd: bool,
    r: &[u8; 32],
    s: &[u8; 32],
) -> Option<[u8; 64]> {
    use k256::elliptic_curve::point::DecompressPoint;
    use k256::elliptic_curve::subtle::Choice;
    let r_s: k256::Scalar = Option::from(k256::Scalar::from_repr((*r).into()))?;
    let s_s: k256::Scalar = Option::from(k256::Scalar::from_repr((*s).into()))?;
    if bool::from(r_s.is_zero()) || bool::from(s_s.is_zero()) {
        return None;
    }
    let big_r: k256::AffinePoint = Option::from(k256::AffinePoint::decompress(
        &(*r).into(),
        Choice::from(y_odd as u8),
    ))?;
    let z = <k256::Scalar as Reduce<k256::U256>>::reduce_bytes(&(*hash).into());
    let r_inv: k256::Scalar = Option::from(r_s.invert())?;
    let q = k256::ProjectivePoint::lincomb(
        &k256::ProjectivePoint::GENERATOR,
        &-(z * r_inv),
        &k256::ProjectivePoint::from(big_r),
        &(s_s * r_inv),
    );
    use k256::elliptic_curve::group::Group;
    if bool::from(q.is_identity()) {
        return None;
    }
    let enc = q.to_affine().to_encoded_point(false);
    enc.as_bytes()[1..].try_into().ok()
}

/// Signs `hash` with `key` and nonce `k` (no normalization of s); returns (y odd, r, s).
fn sign(key: &k256::Scalar, k: &k256::Scalar, hash: &[u8; 32]) -> (bool, [u8; 32], [u8; 32]) {
    let point = (k256::ProjectivePoint::GENERATOR * k).to_affine();
    let enc = point.to_encoded_point(false);
    let x: [u8; 32] = (*enc.x().unwrap()).into();
    let r = <k256::Scalar as Reduce<k256::U256>>::reduce_bytes(&x.into());
    let z = <k256::Scalar as Reduce<k256::U256>>::reduce_bytes(&(*hash).into());
    let s = k.invert().unwrap() * (z + r * key);
    (
        enc.y().unwrap()[31] & 1 == 1,
        r.to_repr().into(),
        s.to_repr().into(),
    )
}

#[test]
fn recovery_of_real_signatures() {
    let mut rng = Rng::new(6);
    for i in 0..100 {
        let key = kscalar(rng.bytes());
        let k = kscalar(rng.bytes());
        let mut hash = rng.bytes();
        if i % 10 == 0 {
            // Hashes ≥ n reduce first.
            hash[..16].fill(0xff);
        }
        let (y_odd, r, s) = sign(&key, &k, &hash);
        let public = (k256::ProjectivePoint::GENERATOR * key).to_affine();
        let enc = public.to_encoded_point(false);
        let expected: [u8; 64] = enc.as_bytes()[1..].try_into().unwrap();
        if x_mod_n_differs(&k) {
            continue;
        }
        assert_eq!(recover_public_key(&hash, y_odd, &r, &s), Some(expected));
        // High s (n − s) with the parity flipped is the same signature.
        let high: [u8; 32] = (-k256::Scalar::from_repr(s.into()).unwrap())
            .to_repr()
            .into();
        assert_eq!(recover_public_key(&hash, !y_odd, &r, &high), Some(expected));
        // The wrong parity recovers another key.
        let other = recover_public_key(&hash, !y_odd, &r, &s);
        assert!(other.is_some() && other != Some(expected));
        assert_eq!(other, k256_recover(&hash, !y_odd, &r, &s));
    }
}

/// Whether k·G has x ≥ n (then r = x − n and recovery with x = r finds another point).
fn x_mod_n_differs(k: &k256::Scalar) -> bool {
    let enc = (k256::ProjectivePoint::GENERATOR * k)
        .to_affine()
        .to_encoded_point(false);
    BigUint::from_bytes_be(enc.x().unwrap()) >= n()
}

#[test]
fn recovery_matches_k256_on_edge_cases() {
    let n = n();
    let nb = |x: &BigUint| -> [u8; 32] {
        let mut b = [0u8; 32];
        let v = x.to_bytes_be();
        b[32 - v.len()..].copy_from_slice(&v);
        b
    };
    let mut rng = Rng::new(7);
    let (hash, r, s) = (rng.bytes(), rng.bytes(), rng.bytes());
    let mut five = [0u8; 32];
    five[31] = 5;
    let words = [
        [0u8; 32],
        nb(&BigUint::from(1u32)),
        nb(&(&n - 1u32)),
        nb(&n),
        nb(&(&n + 1u32)),
        nb(&(p() - 1u32)),
        nb(&p()),
        [0xff; 32],
        five,
        r,
        s,
    ];
    let mut cases = Vec::new();
    for &rv in &words {
        for &sv in &words {
            for y in [false, true] {
                cases.push((hash, y, rv, sv));
            }
        }
    }
    for &h in &words {
        cases.push((h, true, r, s));
        cases.push((h, false, r, s));
    }
    for i in 0..300 {
        cases.push((rng.bytes(), i % 2 == 0, rng.bytes(), rng.bytes()));
    }
    let mut valid = 0;
    for (h, y, rv, sv) in cases {
        let ours = recover_public_key(&h, y, &rv, &sv);
        assert_eq!(
            ours,
            k256_recover(&h, y, &rv, &sv),
            "{h:x?} {y} {rv:x?} {sv:x?}"
        );
        valid += ours.is_some() as usize;
    }
    assert!(valid > 150, "{valid}");
}

#[test]
fn recovery_of_infinity_is_none() {
    // s·R = z·G makes Q = r⁻¹·(s·R − z·G) the point at infinity: R = k·G, z = s·k.
    let mut rng = Rng::new(8);
    let mut checked = 0;
    while checked < 5 {
        let k = kscalar(rng.bytes());
        if x_mod_n_differs(&k) {
            continue;
        }
        let s = kscalar(rng.bytes());
        let z: [u8; 32] = (s * k).to_repr().into();
        let point = (k256::ProjectivePoint::GENERATOR * k).to_affine();
        let enc = point.to_encoded_point(false);
        let r: [u8; 32] = (*enc.x().unwrap()).into();
        let y_odd = enc.y().unwrap()[31] & 1 == 1;
        let s: [u8; 32] = s.to_repr().into();
        assert_eq!(k256_recover(&z, y_odd, &r, &s), None);
        assert_eq!(recover_public_key(&z, y_odd, &r, &s), None);
        // The other parity is a valid recovery of some key.
        assert_eq!(
            recover_public_key(&z, !y_odd, &r, &s),
            k256_recover(&z, !y_odd, &r, &s)
        );
        checked += 1;
    }
}

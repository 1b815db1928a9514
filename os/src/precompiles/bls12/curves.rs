//! What G1 and G2 do differently: the [`Curve`] trait the precompile bodies are generic over,
//! implemented on arkworks' two curve configurations.
//!
//! Both groups have a cheap endomorphism that acts on the subgroup as multiplication by a
//! power of the BLS parameter `x = -t` with `t = 0xd201000000010000`:
//!
//! - G1: `φ(x, y) = (β·x, y)` is `-x²` (Scott, eprint 2021/1130 §6), so `t²·P = (β·x, -y)`.
//! - G2: `ψ`, untwist–Frobenius–twist, is `x` (ibid. §4), so `t·P = -ψ(P)`.
//!
//! Each gives a subgroup check that costs one or two multiplications by the 64-bit `t`
//! (correct for every point on the curve, eprint 2022/352), instead of one by the 255-bit q,
//! and the MSM splits scalars along the same endomorphism ([`Curve::times_radix`]).

use super::Element;
use alloy_primitives::U256;
use ark_bls12_381::{g1, g2, Fq, Fq2, Fr};
use ark_ec::hashing::curve_maps::wb::WBConfig;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr};
use ark_ff::MontFp;

/// `t = |x|` for the BLS parameter `x = -0xd201000000010000`.
const T: u64 = 0xd201_0000_0001_0000;

/// One group of EIP-2537: its encoding, prices and the arithmetic the generic bodies need.
pub(super) trait Curve:
    SWCurveConfig<BaseField: Element, ScalarField = Fr> + WBConfig
{
    /// Bytes of an encoded point (two coordinates).
    const POINT_LEN: usize = 2 * <Self::BaseField as Element>::LEN;
    /// Price of ADD.
    const ADD_GAS: u64;
    /// MSM price per pair before the discount (the price of one multiplication).
    const MUL_GAS: u64;
    /// MSM discount for k = 1..=128 pairs, in thousandths; larger k get the last entry.
    const MSM_DISCOUNT: [u16; 128];
    /// Price of MAP_FP(2)_TO_G.
    const MAP_GAS: u64;
    /// The MSM writes a reduced scalar as [`Self::DIGITS`] digits in base `RADIX`, each
    /// below `RADIX`, and `RADIX·P` is [`Self::times_radix`]`(P)`.
    const RADIX: U256;
    /// Number of base-[`Self::RADIX`] digits of a scalar below q.
    const DIGITS: usize;

    /// `RADIX·P` for `P` in the subgroup, by the endomorphism (a few field multiplications).
    fn times_radix(p: &Affine<Self>) -> Affine<Self>;
    /// Whether a point already known to be on the curve is in the order-q subgroup.
    fn in_subgroup(p: &Affine<Self>) -> bool;
    /// RFC 9380's `clear_cofactor` (multiplication by the effective cofactor `h_eff`).
    fn clear_h_eff(p: &Projective<Self>) -> Projective<Self>;
}

/// `t·P`, left to right over the six set bits of `t` (63 doublings, 5 additions).
fn times_t<C: SWCurveConfig>(p: &Projective<C>) -> Projective<C> {
    let mut acc = *p;
    for bit in (0..63).rev() {
        acc.double_in_place();
        if (T >> bit) & 1 == 1 {
            acc += p;
        }
    }
    acc
}

/// The cube root of unity β in Fp for which `φ(x, y) = (β·x, y)` is `-x²` on G1 (it is
/// arkworks' `g1::BETA`; [`tests`] checks the relation on the generator).
const BETA: Fq = g1::BETA;

impl Curve for g1::Config {
    const ADD_GAS: u64 = 375;
    const MUL_GAS: u64 = 12_000;
    /// `max_discount` 519.
    const MSM_DISCOUNT: [u16; 128] = [
        1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677, 673, 669,
        665, 661, 658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627, 625, 623, 621, 619,
        617, 615, 613, 611, 609, 608, 606, 604, 603, 601, 599, 598, 596, 595, 593, 592, 591, 589,
        588, 586, 585, 584, 582, 581, 580, 579, 577, 576, 575, 574, 573, 572, 570, 569, 568, 567,
        566, 565, 564, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 551, 550, 549,
        548, 547, 547, 546, 545, 544, 543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534,
        533, 532, 532, 531, 530, 529, 528, 528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520,
        520, 519,
    ];
    const MAP_GAS: u64 = 5_500;
    /// `t²` (128 bits): a scalar below q < t⁴ has two digits.
    const RADIX: U256 = U256::from_limbs([0x0000_0001_0000_0000, 0xac45_a401_0001_a402, 0, 0]);
    const DIGITS: usize = 2;

    fn times_radix(p: &Affine<Self>) -> Affine<Self> {
        if p.is_zero() {
            return *p;
        }
        Affine::new_unchecked(BETA * p.x, -p.y)
    }

    /// `φ(P) = -x²·P = -t²·P`.
    fn in_subgroup(p: &Affine<Self>) -> bool {
        if p.is_zero() {
            return true;
        }
        let t2p = times_t(&times_t(&Projective::from(*p)));
        -t2p == Affine::new_unchecked(BETA * p.x, p.y)
    }

    /// `h_eff = 1 - x = 1 + t` (RFC 9380 §8.8.1).
    fn clear_h_eff(p: &Projective<Self>) -> Projective<Self> {
        times_t(p) + p
    }
}

/// `1 / (1 + u)^((p - 1) / 3)`: ψ's factor on x (its c0 is zero).
const PSI_X_C1: Fq = MontFp!("4002409555221667392624310435006688643935503118305586438271171395842971157480381377015405980053539358417135540939437");
/// `1 / (1 + u)^((p - 1) / 2)`: ψ's factor on y.
const PSI_Y: Fq2 = Fq2::new(
    MontFp!("2973677408986561043442465346520108879172042883009249989176415018091420807192182638567116318576472649347015917690530"),
    MontFp!("1028732146235106349975324479215795277384839936929757896155643118032610843298655225875571310552543014690878354869257"),
);
/// ψ²'s factor on x, in Fp (`ψ²(x, y) = (c·x, -y)`): the cube root of unity `PSI_X · conj(PSI_X)`.
const PSI2_X: Fq = MontFp!("4002409555221667392624310435006688643935503118305586438271171395842971157480381377015405980053539358417135540939436");

/// `ψ(X, Y, Z) = (conj(X)·cx, conj(Y)·cy, conj(Z))` in Jacobian coordinates: conjugation (the
/// Frobenius on Fp2) is a field automorphism, so it commutes with `X/Z²`, `Y/Z³`.
fn psi(p: &Projective<g2::Config>) -> Projective<g2::Config> {
    let mut x = p.x;
    x.conjugate_in_place();
    let mut y = p.y;
    y.conjugate_in_place();
    let mut z = p.z;
    z.conjugate_in_place();
    // x·(PSI_X_C1·u) = -PSI_X_C1·x.c1 + PSI_X_C1·x.c0·u.
    let x = Fq2::new(-(PSI_X_C1 * x.c1), PSI_X_C1 * x.c0);
    Projective::new_unchecked(x, y * PSI_Y, z)
}

/// `ψ²(X, Y, Z) = (c·X, -Y, Z)`.
fn psi2(p: &Projective<g2::Config>) -> Projective<g2::Config> {
    let mut x = p.x;
    x.mul_assign_by_basefield(&PSI2_X);
    Projective::new_unchecked(x, -p.y, p.z)
}

impl Curve for g2::Config {
    const ADD_GAS: u64 = 600;
    const MUL_GAS: u64 = 22_500;
    /// `max_discount` 524.
    const MSM_DISCOUNT: [u16; 128] = [
        1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717, 711, 704,
        699, 693, 688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646, 643, 640, 637, 634,
        632, 629, 627, 624, 622, 620, 618, 615, 613, 611, 609, 607, 606, 604, 602, 600, 598, 597,
        595, 593, 592, 590, 589, 587, 586, 584, 583, 582, 580, 579, 578, 576, 575, 574, 573, 571,
        570, 569, 568, 567, 566, 565, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552,
        552, 551, 550, 549, 548, 547, 546, 545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537,
        537, 536, 535, 535, 534, 533, 532, 532, 531, 530, 530, 529, 528, 528, 527, 526, 526, 525,
        524, 524,
    ];
    const MAP_GAS: u64 = 23_800;
    /// `t` (64 bits): a scalar below q < t⁴ has four digits.
    const RADIX: U256 = U256::from_limbs([T, 0, 0, 0]);
    const DIGITS: usize = 4;

    /// `t·P = -x·P = -ψ(P)`.
    fn times_radix(p: &Affine<Self>) -> Affine<Self> {
        if p.is_zero() {
            return *p;
        }
        let mut x = p.x;
        x.conjugate_in_place();
        let mut y = p.y;
        y.conjugate_in_place();
        Affine::new_unchecked(Fq2::new(-(PSI_X_C1 * x.c1), PSI_X_C1 * x.c0), -(y * PSI_Y))
    }

    /// `ψ(P) = x·P = -t·P`.
    fn in_subgroup(p: &Affine<Self>) -> bool {
        if p.is_zero() {
            return true;
        }
        let p = Projective::from(*p);
        psi(&p) == -times_t(&p)
    }

    /// RFC 9380 §G.3 (Budroni–Pintore): `h(ψ)·P = (x² - x - 1)·P + (x - 1)·ψ(P) + ψ²(2P)`,
    /// in the RFC's step order.
    fn clear_h_eff(p: &Projective<Self>) -> Projective<Self> {
        let times_x = |q: &Projective<Self>| -times_t(q);
        let t1 = times_x(p);
        let mut t2 = psi(p);
        let mut t3 = psi2(&p.double());
        t3 -= t2;
        t2 += t1;
        t2 = times_x(&t2);
        t3 += t2;
        t3 -= t1;
        t3 - p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::{BigInteger, Field, One, PrimeField};

    /// `x` as a scalar: `-t mod q`.
    fn x() -> Fr {
        -Fr::from(T)
    }

    #[test]
    fn endomorphism_constants() {
        // ψ's factors from their definition, (1 + u)^-((p - 1) / k).
        let p_minus_1 = {
            let mut m = Fq::MODULUS;
            m.sub_with_borrow(&ark_ff::BigInt::from(1u64));
            m
        };
        let mut third = p_minus_1;
        let mut half = p_minus_1;
        half.div2();
        // (p - 1) / 3 by long division on the 6 limbs.
        let mut rem = 0u128;
        for limb in third.0.iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*limb);
            *limb = (cur / 3) as u64;
            rem = cur % 3;
        }
        assert_eq!(rem, 0);
        let one_plus_u = Fq2::new(Fq::one(), Fq::one());
        let cx = one_plus_u.pow(third).inverse().unwrap();
        assert_eq!(cx, Fq2::new(Fq::from(0u64), PSI_X_C1));
        assert_eq!(one_plus_u.pow(half).inverse().unwrap(), PSI_Y);
        let mut conj = cx;
        conj.conjugate_in_place();
        assert_eq!(cx * conj, Fq2::new(PSI2_X, Fq::from(0u64)));
        // t² as RADIX.
        assert_eq!(
            U256::from(T).pow(U256::from(2)),
            <g1::Config as Curve>::RADIX
        );
    }

    #[test]
    fn endomorphisms_are_multiplications() {
        let g1 = G1Projective::generator() * Fr::from(12345u64);
        let g1a = g1.into_affine();
        // φ = -x² and so t²·P = (β·x, -y).
        assert_eq!(
            g1::Config::times_radix(&g1a),
            (g1 * Fr::from(T) * Fr::from(T)).into_affine()
        );
        assert_eq!(times_t(&g1), g1 * Fr::from(T));
        let g2 = G2Projective::generator() * Fr::from(6789u64);
        let g2a = g2.into_affine();
        assert_eq!(psi(&g2), g2 * x());
        assert_eq!(psi2(&g2), g2 * (x() * x()));
        assert_eq!(
            g2::Config::times_radix(&g2a),
            (g2 * Fr::from(T)).into_affine()
        );
        assert_eq!(psi(&psi(&g2)), psi2(&g2));
        assert!(g1::Config::in_subgroup(&g1a));
        assert!(g2::Config::in_subgroup(&g2a));
        assert!(g1::Config::in_subgroup(&G1Affine::identity()));
        assert!(g2::Config::in_subgroup(&G2Affine::identity()));
        assert_eq!(Fr::MODULUS.num_bits(), 255);
    }

    #[test]
    fn cofactor_clearing_matches_h_eff() {
        // On subgroup points h_eff·P; h_eff for G1 is 1 - x.
        let g1 = G1Projective::generator() * Fr::from(77u64);
        assert_eq!(g1::Config::clear_h_eff(&g1), g1 * (Fr::one() - x()));
        // G2's h_eff acts on the subgroup as the scalar x² - x - 1 + (x - 1)·x + 2x²,
        // since ψ = x there.
        let g2 = G2Projective::generator() * Fr::from(91u64);
        let h = x() * x() - x() - Fr::one() + (x() - Fr::one()) * x() + Fr::from(2u64) * x() * x();
        assert_eq!(g2::Config::clear_h_eff(&g2), g2 * h);
        // And off the subgroup it lands in it.
        let off = super::super::read_point::<g2::Config>(
            &super::super::test_util::g2_not_in_subgroup(),
            false,
        )
        .unwrap();
        assert!(!g2::Config::in_subgroup(&off));
        let cleared = g2::Config::clear_h_eff(&off.into_group()).into_affine();
        assert!(g2::Config::in_subgroup(&cleared) && !cleared.is_zero());
        let off =
            super::super::read_point::<g1::Config>(&super::super::test_util::G1_ORDER_3, false)
                .unwrap();
        let cleared = g1::Config::clear_h_eff(&off.into_group()).into_affine();
        assert!(g1::Config::in_subgroup(&cleared));
    }
}

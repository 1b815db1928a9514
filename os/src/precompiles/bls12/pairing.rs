//! 0x0f BLS12_PAIRING_CHECK (EIP-2537): whether `e(P1, Q1) · … · e(Pk, Qk) = 1`.

use super::curves::Curve;
use super::{read_point, whole_items};
use crate::precompiles::{charge, PrecompileResult};
use alloc::vec::Vec;
use ark_bls12_381::{g1, g2, Bls12_381};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use ark_ff::One;

/// Bytes of a G1 point.
const G1_LEN: usize = g1::Config::POINT_LEN;
/// Bytes per pair: a G1 point and a G2 point.
const PAIR_LEN: usize = G1_LEN + g2::Config::POINT_LEN;
/// Price per pair.
const GAS_PER_PAIR: u64 = 32_600;
/// Price per call.
const GAS_BASE: u64 = 37_700;

/// Input `384·k` bytes, k >= 1, every point on its curve and in the subgroup; output a 32-byte
/// word, 1 when the product is the identity and 0 otherwise. The length is checked before the
/// price is charged, in the reference specification's (EELS) order.
pub(in crate::precompiles) fn pairing_check(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    whole_items(input, PAIR_LEN)?;
    let pairs = (input.len() / PAIR_LEN) as u64;
    let gas = charge(
        GAS_BASE.saturating_add(GAS_PER_PAIR.saturating_mul(pairs)),
        gas_limit,
    )?;

    let mut g1 = Vec::with_capacity(input.len() / PAIR_LEN);
    let mut g2 = Vec::with_capacity(input.len() / PAIR_LEN);
    for pair in input.chunks_exact(PAIR_LEN) {
        let (p, q) = pair.split_at(G1_LEN);
        let p = read_point::<g1::Config>(p, true)?;
        let q = read_point::<g2::Config>(q, true)?;
        // A pair with infinity on either side contributes e(.,.) = 1; it was validated above.
        if !p.is_zero() && !q.is_zero() {
            g1.push(p);
            g2.push(q);
        }
    }
    // One shared Miller loop and one final exponentiation for the whole product.
    let holds = g1.is_empty() || Bls12_381::multi_pairing(g1, g2).0.is_one();
    let mut word = [0u8; 32];
    word[31] = u8::from(holds);
    out.extend_from_slice(&word);
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::precompiles::PrecompileError;
    use ark_bls12_381::{Fr, G1Affine, G1Projective, G2Projective};
    use ark_ec::{AffineRepr, PrimeGroup};

    fn word(v: u8) -> Vec<u8> {
        let mut w = [0u8; 32];
        w[31] = v;
        w.to_vec()
    }

    fn gas(k: u64) -> u64 {
        37_700 + 32_600 * k
    }

    #[test]
    fn bilinearity() {
        let neg_g1 = enc::<g1::Config>(-G1Affine::generator());
        // e(P, Q) · e(-P, Q) = 1.
        let input = cat(&[&G1, &G2, &neg_g1, &G2]);
        assert_eq!(call(pairing_check, &input, gas(2)), (Ok(gas(2)), word(1)));
        // e(P, Q) alone is not 1.
        assert_eq!(
            call(pairing_check, &cat(&[&G1, &G2]), gas(1)),
            (Ok(gas(1)), word(0))
        );
        // e(a·P, b·Q) · e(-(a·b)·P, Q) = 1, and with a wrong product it is not.
        let (a, b) = (Fr::from(1234u64), Fr::from(5678u64));
        let ap = enc::<g1::Config>(G1Projective::generator() * a);
        let bq = enc::<g2::Config>(G2Projective::generator() * b);
        let minus_ab = enc::<g1::Config>(-(G1Projective::generator() * (a * b)));
        let input = cat(&[&ap, &bq, &minus_ab, &G2]);
        assert_eq!(call(pairing_check, &input, gas(2)), (Ok(gas(2)), word(1)));
        let wrong = enc::<g1::Config>(-(G1Projective::generator() * (a * b + Fr::one())));
        let input = cat(&[&ap, &bq, &wrong, &G2]);
        assert_eq!(call(pairing_check, &input, gas(2)), (Ok(gas(2)), word(0)));
    }

    #[test]
    fn infinity_contributes_one() {
        let input = cat(&[&[0; 128], &G2, &G1, &[0; 256]]);
        assert_eq!(call(pairing_check, &input, gas(2)), (Ok(gas(2)), word(1)));
        // Infinity next to a pair that is not 1 leaves it not 1.
        let input = cat(&[&[0; 128], &G2, &G1, &G2]);
        assert_eq!(call(pairing_check, &input, gas(2)), (Ok(gas(2)), word(0)));
    }

    #[test]
    fn subgroup_and_curve_are_checked() {
        let fail = Err(PrecompileError::Failure);
        // Outside the subgroup fails even when the other side is infinity.
        let input = cat(&[&G1_ORDER_3, &[0; 256]]);
        assert_eq!(call(pairing_check, &input, gas(1)).0, fail);
        let input = cat(&[&[0; 128], &g2_not_in_subgroup()]);
        assert_eq!(call(pairing_check, &input, gas(1)).0, fail);
        let mut off_curve = G1;
        off_curve[127] ^= 1;
        assert_eq!(
            call(pairing_check, &cat(&[&off_curve, &G2]), gas(1)).0,
            fail
        );
        let mut off_curve = G2;
        off_curve[255] ^= 1;
        assert_eq!(
            call(pairing_check, &cat(&[&G1, &off_curve]), gas(1)).0,
            fail
        );
        let mut big = G1;
        big[64..].copy_from_slice(&P);
        assert_eq!(call(pairing_check, &cat(&[&big, &G2]), gas(1)).0, fail);
    }

    #[test]
    fn lengths_and_gas() {
        let fail = Err(PrecompileError::Failure);
        // A bad length fails before any price is charged, even with no gas at all.
        assert_eq!(call(pairing_check, &[], gas(0)).0, fail);
        assert_eq!(call(pairing_check, &[], 0).0, fail);
        assert_eq!(call(pairing_check, &[0; 385], 0).0, fail);
        let pair = cat(&[&G1, &G2]);
        assert_eq!(call(pairing_check, &pair[..383], gas(1)).0, fail);
        assert_eq!(call(pairing_check, &cat(&[&pair, &[0]]), gas(1)).0, fail);
        assert_eq!(
            call(pairing_check, &pair, gas(1) - 1).0,
            Err(PrecompileError::OutOfGas)
        );
    }
}

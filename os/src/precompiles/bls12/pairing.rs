//! 0x0f BLS12_PAIRING_CHECK (EIP-2537): whether `e(P1, Q1) · … · e(Pk, Qk) = 1`.

use super::{array, read_g1, read_g2, whole_items, G1_LEN, G2_LEN};
use crate::precompiles::{charge, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::{multi_miller_loop, G2Prepared, Gt};

/// Bytes per pair: a G1 point and a G2 point.
const PAIR_LEN: usize = G1_LEN + G2_LEN;
/// Price per pair.
const GAS_PER_PAIR: u64 = 32_600;
/// Price per call.
const GAS_BASE: u64 = 37_700;

/// Input `384·k` bytes, k >= 1, every point on its curve and in the subgroup; output a 32-byte
/// word, 1 when the product is the identity and 0 otherwise. The price is charged for the
/// whole pairs the input holds before its length is checked, as the EIP prescribes.
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let pairs = (input.len() / PAIR_LEN) as u64;
    let gas = charge(
        GAS_BASE.saturating_add(GAS_PER_PAIR.saturating_mul(pairs)),
        gas_limit,
    )?;
    whole_items(input, PAIR_LEN)?;

    let mut g1 = Vec::with_capacity(input.len() / PAIR_LEN);
    let mut g2 = Vec::with_capacity(input.len() / PAIR_LEN);
    for pair in input.chunks_exact(PAIR_LEN) {
        let (p, q) = pair.split_at(G1_LEN);
        let p = read_g1(array(p)?, true)?;
        let q = read_g2(array(q)?, true)?;
        // A pair with infinity on either side contributes e(.,.) = 1; it was validated above.
        if !bool::from(p.is_identity() | q.is_identity()) {
            g1.push(p);
            g2.push(G2Prepared::from(q));
        }
    }
    let terms: Vec<_> = g1.iter().zip(g2.iter()).collect();
    let holds =
        terms.is_empty() || multi_miller_loop(&terms).final_exponentiation() == Gt::identity();
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
    use bls12_381::{G1Affine, G1Projective, G2Projective, Scalar};

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
        let neg_g1 = enc_g1(-G1Affine::generator());
        // e(P, Q) · e(-P, Q) = 1.
        let input = cat(&[&G1, &G2, &neg_g1, &G2]);
        assert_eq!(call(run, &input, gas(2)), (Ok(gas(2)), word(1)));
        // e(P, Q) alone is not 1.
        assert_eq!(call(run, &cat(&[&G1, &G2]), gas(1)), (Ok(gas(1)), word(0)));
        // e(a·P, b·Q) · e(-(a·b)·P, Q) = 1, and with a wrong product it is not.
        let (a, b) = (Scalar::from(1234), Scalar::from(5678));
        let ap = enc_g1(G1Projective::generator() * a);
        let bq = enc_g2(G2Projective::generator() * b);
        let minus_ab = enc_g1(-(G1Projective::generator() * (a * b)));
        let input = cat(&[&ap, &bq, &minus_ab, &G2]);
        assert_eq!(call(run, &input, gas(2)), (Ok(gas(2)), word(1)));
        let wrong = enc_g1(-(G1Projective::generator() * (a * b + Scalar::one())));
        let input = cat(&[&ap, &bq, &wrong, &G2]);
        assert_eq!(call(run, &input, gas(2)), (Ok(gas(2)), word(0)));
    }

    #[test]
    fn infinity_contributes_one() {
        let input = cat(&[&[0; 128], &G2, &G1, &[0; 256]]);
        assert_eq!(call(run, &input, gas(2)), (Ok(gas(2)), word(1)));
        // Infinity next to a pair that is not 1 leaves it not 1.
        let input = cat(&[&[0; 128], &G2, &G1, &G2]);
        assert_eq!(call(run, &input, gas(2)), (Ok(gas(2)), word(0)));
    }

    #[test]
    fn subgroup_and_curve_are_checked() {
        let fail = Err(PrecompileError::Failure);
        // Outside the subgroup fails even when the other side is infinity.
        let input = cat(&[&G1_ORDER_3, &[0; 256]]);
        assert_eq!(call(run, &input, gas(1)).0, fail);
        let input = cat(&[&[0; 128], &g2_not_in_subgroup()]);
        assert_eq!(call(run, &input, gas(1)).0, fail);
        let mut off_curve = G1;
        off_curve[127] ^= 1;
        assert_eq!(call(run, &cat(&[&off_curve, &G2]), gas(1)).0, fail);
        let mut off_curve = G2;
        off_curve[255] ^= 1;
        assert_eq!(call(run, &cat(&[&G1, &off_curve]), gas(1)).0, fail);
        let mut big = G1;
        big[64..].copy_from_slice(&P);
        assert_eq!(call(run, &cat(&[&big, &G2]), gas(1)).0, fail);
    }

    #[test]
    fn lengths_and_gas() {
        let fail = Err(PrecompileError::Failure);
        // Empty input is priced at the base cost and then fails.
        assert_eq!(call(run, &[], gas(0)).0, fail);
        assert_eq!(call(run, &[], gas(0) - 1).0, Err(PrecompileError::OutOfGas));
        let pair = cat(&[&G1, &G2]);
        assert_eq!(call(run, &pair[..383], gas(1)).0, fail);
        assert_eq!(call(run, &cat(&[&pair, &[0]]), gas(1)).0, fail);
        assert_eq!(
            call(run, &pair, gas(1) - 1).0,
            Err(PrecompileError::OutOfGas)
        );
    }
}

//! 0x10 BLS12_MAP_FP_TO_G1 and 0x11 BLS12_MAP_FP2_TO_G2 (EIP-2537): a field element to a
//! point of the subgroup.
//!
//! The map is RFC 9380's `map_to_curve` for BLS12-381 (simplified SWU onto an isogenous curve,
//! 11-isogenous for G1 and 3-isogenous for G2, then the isogeny) followed by
//! `clear_cofactor`; there is no hashing, the caller supplies the field element. The SSWU
//! step is arkworks' (it takes RFC 9380's `x1 = B / (Z·A)` branch at u = 0 and picks the sign
//! of y by `sgn0`, so u = 0 needs no special case); the isogeny is evaluated here from
//! arkworks' coefficient tables, because a point whose denominators vanish must map to
//! infinity (RFC 9380 §6.6.3), and the cofactor is cleared by [`Curve::clear_h_eff`].

use super::curves::Curve;
use super::{write_point, Element};
use crate::precompiles::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;
use ark_bls12_381::{g1, g2};
use ark_ec::hashing::curve_maps::swu::SWUMap;
use ark_ec::hashing::map_to_curve_hasher::MapToCurve;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, Zero};

/// RFC 9380's `map_to_curve` then `clear_cofactor`.
fn map_to_group<C: Curve>(u: C::BaseField) -> Result<Affine<C>, PrecompileError> {
    let iso = SWUMap::<C::IsogenousCurve>::map_to_curve(u).map_err(|_| PrecompileError::Failure)?;
    Ok(C::clear_h_eff(&isogeny::<C>(&iso)).into_affine())
}

/// The isogeny `(x, y) ↦ (x_num(x) / x_den(x), y · y_num(x) / y_den(x))` from the SSWU curve,
/// with one inversion for both denominators.
fn isogeny<C: Curve>(p: &Affine<C::IsogenousCurve>) -> Projective<C> {
    if p.is_zero() {
        return Projective::from(Affine::identity());
    }
    let map = &C::ISOGENY_MAP;
    // Coefficients are stored lowest degree first.
    let eval = |coeffs: &[C::BaseField]| {
        coeffs
            .iter()
            .rev()
            .fold(C::BaseField::zero(), |acc, c| acc * p.x + c)
    };
    let (x_num, x_den) = (eval(map.x_map_numerator), eval(map.x_map_denominator));
    let (y_num, y_den) = (eval(map.y_map_numerator), eval(map.y_map_denominator));
    let Some(inv) = (x_den * y_den).inverse() else {
        return Projective::from(Affine::identity());
    };
    let x = x_num * y_den * inv;
    let y = p.y * y_num * x_den * inv;
    Projective::from(Affine::new_unchecked(x, y))
}

/// Input one field element (exactly `POINT_LEN / 2` bytes, every component below p); output
/// a point of the subgroup.
fn run<C: Curve>(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let gas = charge(C::MAP_GAS, gas_limit)?;
    let u = C::BaseField::read(input)?;
    write_point::<C>(&map_to_group::<C>(u)?, out);
    Ok(gas)
}

/// 0x10: one Fp element (64 bytes) in, a G1 point (128 bytes) out, 5500 gas.
pub(in crate::precompiles) fn map_fp_to_g1(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    run::<g1::Config>(input, gas_limit, out)
}

/// 0x11: one Fp2 element `c0 ‖ c1` (128 bytes) in, a G2 point (256 bytes) out, 23800 gas.
pub(in crate::precompiles) fn map_fp2_to_g2(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    run::<g2::Config>(input, gas_limit, out)
}

#[cfg(test)]
mod tests {
    use super::super::read_point;
    use super::super::test_util::*;
    use super::*;
    use alloy_primitives::{b256, hex, keccak256};

    #[test]
    fn g1_known_vectors() {
        // EIP-2537 assets/eip-2537/map_fp_to_G1_bls.json, "bls_g1map_616263".
        let input = hex!(
            "00000000000000000000000000000000147e1ed29f06e4c5079b9d14fc89d282"
            "0d32419b990c1c7bb7dbea2a36a045124b31ffbde7c99329c05c559af1c6cc82"
        );
        let expect = hex!(
            "00000000000000000000000000000000009769f3ab59bfd551d53a5f846b9984"
            "c59b97d6842b20a2c565baa167945e3d026a3755b6345df8ec7e6acb6868ae6d"
            "000000000000000000000000000000001532c00cf61aa3d0ce3e5aa20c3b531a"
            "2abd2c770a790a2613818303c6b830ffc0ecf6c357af3317b9575c567f11cd2c"
        );
        assert_eq!(
            call(map_fp_to_g1, &input, 5_500),
            (Ok(5_500), expect.to_vec())
        );
        // u = 0 (the SSWU exceptional case), checked against blst's map_to_g1.
        let zero = hex!(
            "0000000000000000000000000000000011a9a0372b8f332d5c30de9ad14e5037"
            "2a73fa4c45d5f2fa5097f2d6fb93bcac592f2e1711ac43db0519870c7d0ea415"
            "00000000000000000000000000000000092c0f994164a0719f51c24ba3788de2"
            "40ff926b55f58c445116e8bc6a47cd63392fd4e8e22bdf9feaa96ee773222133"
        );
        assert_eq!(
            call(map_fp_to_g1, &[0; 64], 5_500),
            (Ok(5_500), zero.to_vec())
        );
    }

    #[test]
    fn g2_known_vectors() {
        // EIP-2537 assets/eip-2537/map_fp2_to_G2_bls.json, "bls_g2map_616263".
        let input = hex!(
            "00000000000000000000000000000000138879a9559e24cecee8697b8b4ad32c"
            "ced053138ab913b99872772dc753a2967ed50aabc907937aefb2439ba06cc50c"
            "000000000000000000000000000000000a1ae7999ea9bab1dcc9ef8887a6cb6e"
            "8f1e22566015428d220b7eec90ffa70ad1f624018a9ad11e78d588bd3617f9f2"
        );
        let expect = hex!(
            "00000000000000000000000000000000108ed59fd9fae381abfd1d6bce2fd2fa"
            "220990f0f837fa30e0f27914ed6e1454db0d1ee957b219f61da6ff8be0d6441f"
            "000000000000000000000000000000000296238ea82c6d4adb3c838ee3cb2346"
            "049c90b96d602d7bb1b469b905c9228be25c627bffee872def773d5b2a2eb57d"
            "00000000000000000000000000000000033f90f6057aadacae7963b0a0b379dd"
            "46750c1c94a6357c99b65f63b79e321ff50fe3053330911c56b6ceea08fee656"
            "00000000000000000000000000000000153606c417e59fb331b7ae6bce4fbf7c"
            "5190c33ce9402b5ebe2b70e44fca614f3f1382a3625ed5493843d0b0a652fc3f"
        );
        assert_eq!(
            call(map_fp2_to_g2, &input, 23_800),
            (Ok(23_800), expect.to_vec())
        );
    }

    /// `MAP_FP2_TO_G2(0)`, computed with blst's `blst_map_to_g2` (an independent RFC 9380
    /// implementation). The `bls12_381` crate this module used to build on got it wrong (its
    /// constant-time SSWU took the `x2` branch and collapsed to infinity).
    const MAP_OF_ZERO: [u8; 256] = hex!(
        "00000000000000000000000000000000018320896ec9eef9d5e619848dc29ce2"
        "66f413d02dd31d9b9d44ec0c79cd61f18b075ddba6d7bd20b7ff27a4b324bfce"
        "000000000000000000000000000000000a67d12118b5a35bb02d2e86b3ebfa7e"
        "23410db93de39fb06d7025fa95e96ffa428a7a27c3ae4dd4b40bd251ac658892"
        "000000000000000000000000000000000260e03644d1a2c321256b3246bad2b8"
        "95cad13890cbe6f85df55106a0d334604fb143c7a042d878006271865bc35941"
        "0000000000000000000000000000000004c69777a43f0bda07679d5805e63f18"
        "cf4e0e7c6112ac7f70266d199b4f76ae27c6269a3ceebdae30806e9a76aadf5c"
    );

    #[test]
    fn g2_zero_maps_to_the_rfc_point() {
        let (res, out) = call(map_fp2_to_g2, &[0; 128], 23_800);
        assert_eq!(res, Ok(23_800));
        assert_eq!(out, MAP_OF_ZERO.to_vec());
        // The hash the EEST fixtures (test_call_types, fp_0) store for this output.
        assert_eq!(
            keccak256(&out),
            b256!("8b4fe500cdc83e0b47a5d229a695df12a5361740d2c203abeb079929d0175ab8")
        );
        assert!(read_point::<g2::Config>(&MAP_OF_ZERO, true).is_ok());
        // u = v (c0 = 0, c1 = 1) is an ordinary input.
        let mut c1 = [0u8; 128];
        c1[127] = 1;
        let (res, out) = call(map_fp2_to_g2, &c1, 23_800);
        assert_eq!(res, Ok(23_800));
        assert!(read_point::<g2::Config>(&out, true).is_ok());
    }

    #[test]
    fn outputs_are_in_the_subgroup() {
        for v in 1..20u8 {
            let mut u = [0u8; 128];
            u[63] = v;
            u[127] = v.wrapping_mul(7);
            let (res, out) = call(map_fp_to_g1, &u[..64], 5_500);
            assert_eq!(res, Ok(5_500));
            assert!(read_point::<g1::Config>(&out, true).is_ok());
            let (res, out) = call(map_fp2_to_g2, &u, 23_800);
            assert_eq!(res, Ok(23_800));
            assert!(read_point::<g2::Config>(&out, true).is_ok());
        }
    }

    #[test]
    fn invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        let g1 = map_fp_to_g1;
        assert_eq!(call(g1, &[], 5_500).0, fail);
        assert_eq!(call(g1, &[0; 63], 5_500).0, fail);
        assert_eq!(call(g1, &[0; 65], 5_500).0, fail);
        assert_eq!(call(g1, &P, 5_500).0, fail);
        let mut top = [0u8; 64];
        top[0] = 1;
        assert_eq!(call(g1, &top, 5_500).0, fail);
        let mut max = P;
        max[63] -= 1;
        assert_eq!(call(g1, &max, 5_500).0, Ok(5_500));
        let g2 = map_fp2_to_g2;
        assert_eq!(call(g2, &[], 23_800).0, fail);
        assert_eq!(call(g2, &[0; 127], 23_800).0, fail);
        assert_eq!(call(g2, &[0; 129], 23_800).0, fail);
        let mut big = [0u8; 128];
        big[64..].copy_from_slice(&P);
        assert_eq!(call(g2, &big, 23_800).0, fail);
        let mut top = [0u8; 128];
        top[64] = 1;
        assert_eq!(call(g2, &top, 23_800).0, fail);
    }

    #[test]
    fn out_of_gas() {
        let oog = Err(PrecompileError::OutOfGas);
        assert_eq!(call(map_fp_to_g1, &[0; 64], 5_499).0, oog);
        assert_eq!(call(map_fp2_to_g2, &[0; 128], 23_799).0, oog);
    }
}

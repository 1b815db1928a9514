//! 0x11 BLS12_MAP_FP2_TO_G2 (EIP-2537): maps an Fp2 element to a G2 point.
//!
//! The map is RFC 9380's `map_to_curve` for BLS12-381 G2 (simplified SWU onto a 3-isogenous
//! curve, then the isogeny) followed by `clear_cofactor`; there is no hashing, the caller
//! supplies the field element.
//!
//! One input is special-cased: `bls12_381` 0.8 gets u = 0 wrong in G2 (its constant-time
//! SSWU picks the `x2` branch there because `g(x2) = 0` looks square, and the result collapses
//! to infinity, while RFC 9380 takes `x1 = B / (Z·A)`). For every other u at most one of
//! `g(x1)`, `g(x2)` is square and the crate is correct; for u = 0 we return the right point
//! as a constant.

use super::{array, read_fp2, write_g2, FP_LEN};
use crate::precompiles::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::hash_to_curve::MapToCurve;
use bls12_381::{G2Affine, G2Projective};

/// Fixed price of a call.
const GAS: u64 = 23_800;

/// `MAP_FP2_TO_G2(0)`, encoded. Computed with blst's `blst_map_to_g2` (an independent
/// RFC 9380 implementation); its keccak256 is the one the EEST `test_call_types` /
/// `test_gas` fixtures for `fp_0` store.
const MAP_OF_ZERO: [u8; 256] = alloy_primitives::hex!(
    "00000000000000000000000000000000018320896ec9eef9d5e619848dc29ce2"
    "66f413d02dd31d9b9d44ec0c79cd61f18b075ddba6d7bd20b7ff27a4b324bfce"
    "000000000000000000000000000000000a67d12118b5a35bb02d2e86b3ebfa7e"
    "23410db93de39fb06d7025fa95e96ffa428a7a27c3ae4dd4b40bd251ac658892"
    "000000000000000000000000000000000260e03644d1a2c321256b3246bad2b8"
    "95cad13890cbe6f85df55106a0d334604fb143c7a042d878006271865bc35941"
    "0000000000000000000000000000000004c69777a43f0bda07679d5805e63f18"
    "cf4e0e7c6112ac7f70266d199b4f76ae27c6269a3ceebdae30806e9a76aadf5c"
);

/// Input one Fp2 element `c0 ‖ c1` (exactly 128 bytes, both below p); output a G2 point
/// (256 bytes).
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    if input.len() != 2 * FP_LEN {
        return Err(PrecompileError::Failure);
    }
    if input.iter().all(|&b| b == 0) {
        out.extend_from_slice(&MAP_OF_ZERO);
        return Ok(gas);
    }
    let u = read_fp2(array(input)?)?;
    let p = G2Projective::map_to_curve(&u).clear_h();
    write_g2(&G2Affine::from(p), out);
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use alloy_primitives::{b256, hex, keccak256};

    #[test]
    fn known_vectors() {
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
        assert_eq!(call(run, &input, 23_800), (Ok(23_800), expect.to_vec()));
    }

    #[test]
    fn zero_maps_to_the_rfc_point() {
        let (res, out) = call(run, &[0; 128], 23_800);
        assert_eq!(res, Ok(23_800));
        assert_eq!(out, MAP_OF_ZERO.to_vec());
        // The hash the EEST fixtures (test_call_types, fp_0) store for this output.
        assert_eq!(
            keccak256(&out),
            b256!("8b4fe500cdc83e0b47a5d229a695df12a5361740d2c203abeb079929d0175ab8")
        );
        // A valid subgroup point, not the infinity the crate's own map returns for u = 0.
        assert!(super::super::read_g2(&MAP_OF_ZERO, true).is_ok());
        let crate_map = G2Projective::map_to_curve(&read_fp2(&[0; 128]).unwrap()).clear_h();
        assert!(bool::from(crate_map.is_identity()));
        // u = v (c0 = 0, c1 = 1) is an ordinary input and goes through the crate.
        let mut c1 = [0u8; 128];
        c1[127] = 1;
        let (res, out) = call(run, &c1, 23_800);
        assert_eq!(res, Ok(23_800));
        assert!(super::super::read_g2(&out.try_into().unwrap(), true).is_ok());
    }

    #[test]
    fn invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        assert_eq!(call(run, &[], 23_800).0, fail);
        assert_eq!(call(run, &[0; 127], 23_800).0, fail);
        assert_eq!(call(run, &[0; 129], 23_800).0, fail);
        let mut big = [0u8; 128];
        big[64..].copy_from_slice(&P);
        assert_eq!(call(run, &big, 23_800).0, fail);
        let mut top = [0u8; 128];
        top[64] = 1;
        assert_eq!(call(run, &top, 23_800).0, fail);
    }

    #[test]
    fn out_of_gas() {
        assert_eq!(
            call(run, &[0; 128], 23_799).0,
            Err(PrecompileError::OutOfGas)
        );
    }
}

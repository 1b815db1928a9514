//! 0x10 BLS12_MAP_FP_TO_G1 (EIP-2537): maps an Fp element to a G1 point.
//!
//! The map is RFC 9380's `map_to_curve` for BLS12-381 G1 (simplified SWU onto an 11-isogenous
//! curve, then the isogeny) followed by `clear_cofactor`; there is no hashing, the caller
//! supplies the field element.

use super::{array, read_fp, write_g1, FP_LEN};
use crate::precompiles::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::hash_to_curve::MapToCurve;
use bls12_381::{G1Affine, G1Projective};

/// Fixed price of a call.
const GAS: u64 = 5_500;

/// Input one Fp element (exactly 64 bytes, below p); output a G1 point (128 bytes).
pub(in crate::precompiles) fn run(
    input: &[u8],
    gas_limit: u64,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    if input.len() != FP_LEN {
        return Err(PrecompileError::Failure);
    }
    let u = read_fp(array(input)?)?;
    let p = G1Projective::map_to_curve(&u).clear_h();
    write_g1(&G1Affine::from(p), out);
    Ok(gas)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use alloy_primitives::hex;

    #[test]
    fn known_vectors() {
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
        assert_eq!(call(run, &input, 5_500), (Ok(5_500), expect.to_vec()));
        // u = 0 (the SSWU exceptional case), checked against blst's map_to_g1.
        let zero = hex!(
            "0000000000000000000000000000000011a9a0372b8f332d5c30de9ad14e5037"
            "2a73fa4c45d5f2fa5097f2d6fb93bcac592f2e1711ac43db0519870c7d0ea415"
            "00000000000000000000000000000000092c0f994164a0719f51c24ba3788de2"
            "40ff926b55f58c445116e8bc6a47cd63392fd4e8e22bdf9feaa96ee773222133"
        );
        assert_eq!(call(run, &[0; 64], 5_500), (Ok(5_500), zero.to_vec()));
    }

    #[test]
    fn invalid_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        assert_eq!(call(run, &[], 5_500).0, fail);
        assert_eq!(call(run, &[0; 63], 5_500).0, fail);
        assert_eq!(call(run, &[0; 65], 5_500).0, fail);
        assert_eq!(call(run, &P, 5_500).0, fail);
        let mut top = [0u8; 64];
        top[0] = 1;
        assert_eq!(call(run, &top, 5_500).0, fail);
        let mut max = P;
        max[63] -= 1;
        assert_eq!(call(run, &max, 5_500).0, Ok(5_500));
    }

    #[test]
    fn out_of_gas() {
        assert_eq!(call(run, &[0; 64], 5_499).0, Err(PrecompileError::OutOfGas));
    }
}

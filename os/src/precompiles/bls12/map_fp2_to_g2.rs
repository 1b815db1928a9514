//! 0x11 BLS12_MAP_FP2_TO_G2 (EIP-2537): maps an Fp2 element to a G2 point.
//!
//! The map is RFC 9380's `map_to_curve` for BLS12-381 G2 (simplified SWU onto a 3-isogenous
//! curve, then the isogeny) followed by `clear_cofactor`; there is no hashing, the caller
//! supplies the field element.

use super::{array, read_fp2, write_g2, FP_LEN};
use crate::precompiles::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::hash_to_curve::MapToCurve;
use bls12_381::{G2Affine, G2Projective};

/// Fixed price of a call.
const GAS: u64 = 23_800;

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
    let u = read_fp2(array(input)?)?;
    let p = G2Projective::map_to_curve(&u).clear_h();
    write_g2(&G2Affine::from(p), out);
    Ok(gas)
}

#[cfg(test)]
mod tmp_derive {
    use bls12_381::hash_to_curve::MapToCurve;
    extern crate std;
    #[test]
    fn derive() {
        let h = alloy_primitives::hex!("00000000000000000000000000000000018320896ec9eef9d5e619848dc29ce266f413d02dd31d9b9d44ec0c79cd61f18b075ddba6d7bd20b7ff27a4b324bfce000000000000000000000000000000000a67d12118b5a35bb02d2e86b3ebfa7e23410db93de39fb06d7025fa95e96ffa428a7a27c3ae4dd4b40bd251ac658892000000000000000000000000000000000260e03644d1a2c321256b3246bad2b895cad13890cbe6f85df55106a0d334604fb143c7a042d878006271865bc359410000000000000000000000000000000004c69777a43f0bda07679d5805e63f18cf4e0e7c6112ac7f70266d199b4f76ae27c6269a3ceebdae30806e9a76aadf5c");
        std::println!("keccak {}", alloy_primitives::keccak256(h));
        let mut lib = std::vec::Vec::new();
        super::super::write_g2(
            &bls12_381::G2Affine::from(
                <bls12_381::G2Projective as bls12_381::hash_to_curve::MapToCurve>::map_to_curve(
                    &super::super::Fp2::zero(),
                )
                .clear_h(),
            ),
            &mut lib,
        );
        std::println!("lib {}", alloy_primitives::hex::encode(&lib));
    }
}

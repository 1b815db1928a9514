//! 0x0a POINT_EVALUATION (EIP-4844): verifies a KZG proof that the blob committed to by a
//! versioned hash evaluates to `y` at `z`.
//!
//! Input, exactly 192 bytes: `versioned_hash ‖ z ‖ y ‖ commitment (48) ‖ proof (48)`, with z
//! and y big-endian scalars below the BLS12-381 group order and commitment / proof compressed
//! G1 points. Success returns `FIELD_ELEMENTS_PER_BLOB ‖ BLS_MODULUS` as two 32-byte words;
//! any malformed input or a proof that does not verify fails the call.
//!
//! The check is `e(C - [y]G1, -G2) · e(π, [τ]G2 - [z]G2) = 1`, i.e. the pairing form of
//! `q(X)·(X - z) = p(X) - y` at the secret τ of the trusted setup.

use super::{charge, PrecompileError, PrecompileResult};
use alloc::vec::Vec;
use bls12_381::{
    multi_miller_loop, G1Affine, G1Projective, G2Affine, G2Prepared, G2Projective, Gt, Scalar,
};
use sha2::{Digest, Sha256};

/// Fixed price of a call.
const GAS: u64 = 50_000;
/// The only valid input length.
const INPUT_LEN: usize = 192;
/// The version byte a KZG versioned hash starts with.
const VERSIONED_HASH_VERSION_KZG: u8 = 0x01;

/// `[τ]G2`, the second G2 point of the Ethereum KZG ceremony's trusted setup, compressed.
/// Taken from c-kzg-4844's `src/trusted_setup.txt`, line 4100 (the file has 2 header lines,
/// 4096 G1 points, then the 65 G2 points starting with the generator at line 4099), as of
/// c-kzg-4844 commit b7e4098813e02c866d8def4e88524be8a6bedc7f.
const TAU_G2: [u8; 96] = alloy_primitives::hex!(
    "b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d"
    "2914e5870cb452d2afaaab24f3499f72185cbfee53492714734429b7b38608e2"
    "3926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2"
);

/// The success output: FIELD_ELEMENTS_PER_BLOB (4096) and BLS_MODULUS, big-endian words.
const RETURN_VALUE: [u8; 64] = alloy_primitives::hex!(
    "0000000000000000000000000000000000000000000000000000000000001000"
    "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"
);

/// Runs POINT_EVALUATION; see the module docs.
pub(super) fn run(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    let Ok(input) = <&[u8; INPUT_LEN]>::try_from(input) else {
        return Err(PrecompileError::Failure);
    };
    if verify(input).is_none() {
        return Err(PrecompileError::Failure);
    }
    out.extend_from_slice(&RETURN_VALUE);
    Ok(gas)
}

/// `Some(())` when every field is well formed and the proof verifies.
fn verify(input: &[u8; INPUT_LEN]) -> Option<()> {
    let versioned_hash = &input[..32];
    let mut commitment = [0u8; 48];
    commitment.copy_from_slice(&input[96..144]);
    let mut proof = [0u8; 48];
    proof.copy_from_slice(&input[144..192]);

    let mut hash: [u8; 32] = Sha256::digest(commitment).into();
    hash[0] = VERSIONED_HASH_VERSION_KZG;
    if hash[..] != versioned_hash[..] {
        return None;
    }

    let z = read_scalar(&input[32..64])?;
    let y = read_scalar(&input[64..96])?;
    // from_compressed rejects non-canonical encodings, points off the curve and points
    // outside the prime-order subgroup (the KZG spec's validate_kzg_g1), and accepts the
    // canonical encoding of infinity.
    let commitment: G1Affine = Option::from(G1Affine::from_compressed(&commitment))?;
    let proof: G1Affine = Option::from(G1Affine::from_compressed(&proof))?;
    // A constant known to be a valid subgroup point: the subgroup check can be skipped.
    let tau_g2: G2Affine = Option::from(G2Affine::from_compressed_unchecked(&TAU_G2))?;

    let p_minus_y = G1Affine::from(G1Projective::from(commitment) - G1Projective::generator() * y);
    let x_minus_z = G2Affine::from(G2Projective::from(tau_g2) - G2Projective::generator() * z);
    let neg_g2 = G2Prepared::from(-G2Affine::generator());
    let x_minus_z = G2Prepared::from(x_minus_z);
    let result =
        multi_miller_loop(&[(&p_minus_y, &neg_g2), (&proof, &x_minus_z)]).final_exponentiation();
    (result == Gt::identity()).then_some(())
}

/// A big-endian 32-byte scalar; values >= BLS_MODULUS are rejected.
fn read_scalar(bytes: &[u8]) -> Option<Scalar> {
    let mut le = [0u8; 32];
    le.copy_from_slice(bytes);
    le.reverse();
    Option::from(Scalar::from_bytes(&le))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    // From the Cancun point-evaluation state tests
    // (Pyspecs/cancun/eip4844_blobs/point_evaluation_precompile_external_vectors.json):
    // verify_kzg_proof_case_correct_proof_392169c16a2e5ef6, a non-trivial polynomial...
    const CORRECT: [u8; 192] = hex!(
        "014edfed8547661f6cb416eba53061a2f6dce872c0497e6dd485a876fe2567f1"
        "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000"
        "304962b3598a0adf33189fdfd9789feab1096ff40006900400000003fffffffc"
        "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06"
        "aa86c458b3065e7ec244033a2ade91a7499561f482419a3a372c42a636dad98262a2ce926d142fd7cfe26ca148efe8b4"
    );
    // ...and verify_kzg_proof_case_incorrect_proof_392169c16a2e5ef6: same claim, other proof.
    const INCORRECT: [u8; 192] = hex!(
        "014edfed8547661f6cb416eba53061a2f6dce872c0497e6dd485a876fe2567f1"
        "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000"
        "304962b3598a0adf33189fdfd9789feab1096ff40006900400000003fffffffc"
        "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06"
        "b08a5afbb1717334e08e05576b07bff58e8851d8cfd9ea71da1ab4233ad4217cffabd669dfa89c3ebf4c44f91694a2f4"
    );

    fn call(input: &[u8], gas_limit: u64) -> (PrecompileResult, Vec<u8>) {
        let mut out = Vec::new();
        let res = run(input, gas_limit, &mut out);
        (res, out)
    }

    #[test]
    fn tau_g2_is_a_valid_point() {
        assert!(bool::from(G2Affine::from_compressed(&TAU_G2).is_some()));
    }

    #[test]
    fn correct_proof() {
        assert_eq!(call(&CORRECT, 50_000), (Ok(50_000), RETURN_VALUE.to_vec()));
        assert_eq!(call(&INCORRECT, 50_000).0, Err(PrecompileError::Failure));
    }

    #[test]
    fn infinity_commitment_zero_polynomial() {
        // The zero polynomial: commitment and proof at infinity, y = 0 at any z (here z = 0).
        let mut input = [0u8; 192];
        input[96] = 0xc0;
        input[144] = 0xc0;
        let mut hash: [u8; 32] = Sha256::digest(&input[96..144]).into();
        hash[0] = 1;
        input[..32].copy_from_slice(&hash);
        assert_eq!(
            &hash,
            &hex!("010657f37554c781402a22917dee2f75def7ab966d7b770905398eba3c444014")
        );
        assert_eq!(call(&input, 50_000), (Ok(50_000), RETURN_VALUE.to_vec()));
        // y = 1 is a wrong claim for the zero polynomial.
        input[95] = 1;
        assert_eq!(call(&input, 50_000).0, Err(PrecompileError::Failure));
    }

    #[test]
    fn malformed_inputs_fail() {
        let fail = Err(PrecompileError::Failure);
        // Wrong length.
        assert_eq!(call(&CORRECT[..191], 50_000).0, fail);
        let mut long = CORRECT.to_vec();
        long.push(0);
        assert_eq!(call(&long, 50_000).0, fail);
        assert_eq!(call(&[], 50_000).0, fail);
        // Wrong version byte / hash mismatch.
        let mut bad = CORRECT;
        bad[0] = 0x02;
        assert_eq!(call(&bad, 50_000).0, fail);
        // A different y (the proof no longer verifies).
        let mut bad = CORRECT;
        bad[95] ^= 1;
        assert_eq!(call(&bad, 50_000).0, fail);
        // z = BLS_MODULUS is not a canonical scalar.
        let mut bad = CORRECT;
        bad[32..64].copy_from_slice(&RETURN_VALUE[32..]);
        assert_eq!(call(&bad, 50_000).0, fail);
        // A proof that is not a valid compressed point (compression flag cleared).
        let mut bad = CORRECT;
        bad[144] &= 0x7f;
        assert_eq!(call(&bad, 50_000).0, fail);
    }

    #[test]
    fn out_of_gas() {
        assert_eq!(call(&CORRECT, 49_999).0, Err(PrecompileError::OutOfGas));
        assert_eq!(call(&[], 49_999).0, Err(PrecompileError::OutOfGas));
    }
}

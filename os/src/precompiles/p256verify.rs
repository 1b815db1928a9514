//! 0x100 P256VERIFY (EIP-7951, Osaka on): ECDSA signature verification over secp256r1.
//!
//! Input: exactly 160 bytes, `hash ‖ r ‖ s ‖ qx ‖ qy`, each a 32-byte big-endian word.
//! Output: the word 1 for a valid signature; nothing at all for an invalid signature or an
//! invalid input (wrong length, `r` or `s` outside `1..n`, a coordinate not below `p`, a key
//! off the curve or at infinity). Either way the call succeeds and costs the same 6900 gas:
//! the EIP forbids reverting and asks failures to consume what success would, which is why
//! this function has no `Failure` path.
//!
//! The verification is written out on the curve (`R' = (h·s⁻¹)·G + (r·s⁻¹)·Q`, accept iff
//! `R'` is not infinity and `R'.x ≡ r (mod n)`) rather than through an ECDSA API, so every
//! rule of the EIP is visible here: high `s` is accepted (secp256r1 signatures are malleable
//! by the EIP's own words), the hash is any 256-bit number (reduced mod n), and the
//! comparison is modular, so `R'.x` in `n..p` still matches `r = R'.x - n`.

use super::{charge, PrecompileResult};
use alloc::vec::Vec;
use p256::elliptic_curve::ff::{Field, PrimeField};
use p256::elliptic_curve::group::Group;
use p256::elliptic_curve::ops::{LinearCombination, Reduce};
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::sec1::FromEncodedPoint;
use p256::{AffinePoint, EncodedPoint, FieldBytes, ProjectivePoint, Scalar, U256};

/// Fixed price of a call (EIP-7951), charged whether or not the signature is valid.
const GAS: u64 = 6900;

/// The only accepted input length: five 32-byte words.
const INPUT_LEN: usize = 160;

/// What a valid signature returns: the 32-byte big-endian word 1.
const VALID: [u8; 32] = {
    let mut word = [0u8; 32];
    word[31] = 1;
    word
};

/// Verifies the signature in `input`; see the module docs for the encoding.
pub(super) fn run(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    if let Ok(input) = <&[u8; INPUT_LEN]>::try_from(input) {
        if verify(input) {
            out.extend_from_slice(&VALID);
        }
    }
    Ok(gas)
}

/// Whether `input` holds a valid (hash, signature, public key); every EIP-7951 input check
/// and the verification itself, in the EIP's order.
fn verify(input: &[u8; INPUT_LEN]) -> bool {
    let word = |i: usize| -> FieldBytes {
        let mut bytes = FieldBytes::default();
        bytes.copy_from_slice(&input[32 * i..32 * (i + 1)]);
        bytes
    };
    let (hash, r, s, qx, qy) = (word(0), word(1), word(2), word(3), word(4));

    // 0 < r < n and 0 < s < n: from_repr rejects values >= n, the zero checks the rest.
    let Some(r) = Option::<Scalar>::from(Scalar::from_repr(r)) else {
        return false;
    };
    let Some(s) = Option::<Scalar>::from(Scalar::from_repr(s)) else {
        return false;
    };
    if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
        return false;
    }

    // The public key: (0, 0) is the EIP's encoding of infinity and is refused outright; any
    // other pair must be two canonical field elements (< p) on the curve, which the
    // uncompressed-SEC1 decoding checks (it never yields infinity for 0x04 ‖ x ‖ y).
    if qx.iter().chain(qy.iter()).all(|&b| b == 0) {
        return false;
    }
    let encoded = EncodedPoint::from_affine_coordinates(&qx, &qy, false);
    let Some(q) = Option::<AffinePoint>::from(AffinePoint::from_encoded_point(&encoded)) else {
        return false;
    };

    // s is non-zero, so its inverse exists.
    let Some(s_inv) = Option::<Scalar>::from(s.invert()) else {
        return false;
    };
    let z = <Scalar as Reduce<U256>>::reduce_bytes(&hash);
    let big_r = ProjectivePoint::lincomb(
        &ProjectivePoint::GENERATOR,
        &(z * s_inv),
        &ProjectivePoint::from(q),
        &(r * s_inv),
    );
    if bool::from(big_r.is_identity()) {
        return false;
    }
    // R'.x is a field element (< p); reducing it mod n gives the modular comparison.
    let x = big_r.to_affine().x();
    <Scalar as Reduce<U256>>::reduce_bytes(&x) == r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precompiles::PrecompileError;
    use alloy_primitives::{hex, U256 as Word};
    use p256::elliptic_curve::scalar::IsHigh;

    /// EEST `test_valid` "valid_r1_sig": hash, r, s (high), qx, qy.
    const VALID_SIG: [u8; 160] = hex!(
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        "434287fa699ff2be2a4475ccd9c063d1a22a424b6ab357d9bb0b31f7a71307b9"
        "be6af716032d408183c53f6f76945363144555fad2a5ff7854159166e52fc1d0"
        "da3c553a4215893e6d95d5818df2519e13233a1e0e56e0ea7b4817a92a6973f9"
        "d8c8877a49383e20c3fdc21d4e8e280ef1feeb72c333036770369a4387168d33"
    );
    /// EEST `test_modular_comparison` "x_coordinate_exceeds_n": valid, R'.x >= n and
    /// r = R'.x - n.
    const X_EXCEEDS_N: [u8; 160] = hex!(
        "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
        "000000000000000000000000000000004319055358e8617b0c46353d039cdaab"
        "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254e"
        "0ad99500288d466940031d72a9f5445a4d43784640855bf0a69874d2de5fe103"
        "c5011e6ef2c42dcd50d5d3d29f99ae6eba2c80c9244f4c5422f0979ff0c3ba5e"
    );
    /// EEST `test_valid` "x_0_y_positive": valid, with a public key whose x is 0.
    const KEY_X_ZERO: [u8; 160] = hex!(
        "c3d3be9eb3577f217ae0ab360529a30b18adc751aec886328593d7d6fe042809"
        "3a4e97b44cbf88b90e6205a45ba957e520f63f3c6072b53c244653278a1819d8"
        "6a184aa037688a5ebd25081fd2c0b10bb64fa558b671bd81955ca86e09d9d722"
        "0000000000000000000000000000000000000000000000000000000000000000"
        "66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4"
    );
    /// EEST `test_valid` "y_1": valid, with a public key whose y is 1.
    const KEY_Y_ONE: [u8; 160] = hex!(
        "65b0e03e7a27e6f9f4989c72486fcaf0a3ecf3ef60d14f1c11fb5bf071a8fd1b"
        "0b0cc9e314e4180fe18d205010dd1c4410632d472cc4e7ab56cbc04091abe006"
        "8d12c4f19ac41d7877705453a247ab96394e7c093f57ec073a9d150cde6b68c6"
        "09e78d4ef60d05f750f6636209092bc43cbdd6b47e11a9de20a9feb2a50bb96c"
        "0000000000000000000000000000000000000000000000000000000000000001"
    );
    /// EEST `test_invalid` "R_at_infinity_v1": R' is the point at infinity.
    const R_AT_INFINITY: [u8; 160] = hex!(
        "2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18"
        "2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18"
        "4cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76"
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        "b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a"
    );

    const N: [u8; 32] = hex!("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    const P: [u8; 32] = hex!("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");

    fn call(input: &[u8]) -> (PrecompileResult, Vec<u8>) {
        let mut out = Vec::new();
        let res = run(input, 10_000, &mut out);
        (res, out)
    }

    fn valid() -> (PrecompileResult, Vec<u8>) {
        (Ok(GAS), VALID.to_vec())
    }

    fn invalid() -> (PrecompileResult, Vec<u8>) {
        (Ok(GAS), Vec::new())
    }

    fn with(base: [u8; 160], word: usize, value: &[u8; 32]) -> [u8; 160] {
        let mut input = base;
        input[32 * word..32 * (word + 1)].copy_from_slice(value);
        input
    }

    #[test]
    fn valid_vectors() {
        assert_eq!(call(&VALID_SIG), valid());
        assert_eq!(call(&X_EXCEEDS_N), valid());
        assert_eq!(call(&KEY_X_ZERO), valid());
        assert_eq!(call(&KEY_Y_ONE), valid());
    }

    #[test]
    fn high_and_low_s_both_verify() {
        // VALID_SIG's s is above n/2; n - s is its low twin (same R'.x), and both verify.
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&VALID_SIG[64..96]);
        let s: Scalar = Option::from(Scalar::from_repr(s_bytes.into())).unwrap();
        assert!(bool::from(s.is_high()));
        let low: [u8; 32] = (-s).to_repr().into();
        assert_eq!(call(&with(VALID_SIG, 2, &low)), valid());
    }

    #[test]
    fn wrong_signature_or_hash() {
        let mut input = VALID_SIG;
        input[0] ^= 1;
        assert_eq!(call(&input), invalid());
        let mut input = VALID_SIG;
        input[63] ^= 1;
        assert_eq!(call(&input), invalid());
        // r = R'.x itself (not reduced) is out of range (>= n) and rejected.
        let r = Word::from_be_slice(&X_EXCEEDS_N[32..64]);
        let r_plus_n = r + Word::from_be_bytes(N);
        assert_eq!(
            call(&with(X_EXCEEDS_N, 1, &r_plus_n.to_be_bytes())),
            invalid()
        );
        assert_eq!(call(&R_AT_INFINITY), invalid());
    }

    #[test]
    fn scalar_bounds() {
        let zero = [0u8; 32];
        assert_eq!(call(&with(VALID_SIG, 1, &zero)), invalid());
        assert_eq!(call(&with(VALID_SIG, 2, &zero)), invalid());
        assert_eq!(call(&with(VALID_SIG, 1, &N)), invalid());
        assert_eq!(call(&with(VALID_SIG, 2, &N)), invalid());
        assert_eq!(call(&with(VALID_SIG, 2, &[0xff; 32])), invalid());
    }

    #[test]
    fn public_key_checks() {
        let zero = [0u8; 32];
        // (0, 0): the point at infinity.
        let infinity = with(with(VALID_SIG, 3, &zero), 4, &zero);
        assert_eq!(call(&infinity), invalid());
        // Off the curve: qy + 1.
        let mut off = VALID_SIG;
        off[159] ^= 1;
        assert_eq!(call(&off), invalid());
        // Non-canonical coordinates: x = p names x = 0, y = p + 1 names y = 1; both keys are
        // on the curve in canonical form (the valid vectors above) and refused here.
        assert_eq!(call(&with(KEY_X_ZERO, 3, &P)), invalid());
        let p_plus_one = Word::from_be_bytes(P) + Word::from(1u8);
        assert_eq!(
            call(&with(KEY_Y_ONE, 4, &p_plus_one.to_be_bytes())),
            invalid()
        );
        assert_eq!(call(&with(VALID_SIG, 3, &[0xff; 32])), invalid());
    }

    #[test]
    fn input_length_must_be_exact() {
        assert_eq!(call(&[]), invalid());
        assert_eq!(call(&VALID_SIG[..159]), invalid());
        let mut long = VALID_SIG.to_vec();
        long.push(0);
        assert_eq!(call(&long), invalid());
    }

    #[test]
    fn gas() {
        let mut out = Vec::new();
        assert_eq!(run(&VALID_SIG, GAS, &mut out), Ok(6900));
        assert_eq!(out, VALID.to_vec());
        out.clear();
        assert_eq!(
            run(&VALID_SIG, GAS - 1, &mut out),
            Err(PrecompileError::OutOfGas)
        );
        assert!(out.is_empty());
        assert_eq!(run(&[], 0, &mut out), Err(PrecompileError::OutOfGas));
        // Invalid inputs cost the same as valid ones.
        assert_eq!(run(&[], GAS, &mut out), Ok(6900));
        assert!(out.is_empty());
    }
}

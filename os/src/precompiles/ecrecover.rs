//! 0x01 ECRECOVER: the address that signed a 32-byte hash.
//!
//! Input (right-padded with zeros to 128 bytes): `hash ‖ v ‖ r ‖ s`, each a 32-byte word.
//! Output: the signer's address left-padded to 32 bytes, or nothing at all when the signature
//! is invalid. An invalid signature is still a successful call that costs the full 3000 gas;
//! that is why this function has no `Failure` path.
//!
//! The recovery is done directly on the curve (Q = r⁻¹·(s·R − z·G)) rather than through an
//! ECDSA API: those re-verify the recovered key (twice the work) and some reject high-s
//! signatures, which Ethereum accepts here.

use super::{charge, padded, PrecompileResult};
use alloc::vec::Vec;
use alloy_primitives::keccak256;
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::group::Group;
use k256::elliptic_curve::ops::{LinearCombination, Reduce};
use k256::elliptic_curve::point::DecompressPoint;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::elliptic_curve::subtle::Choice;
use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar, U256};

/// Fixed price of a call, charged whether or not the signature is valid.
const GAS: u64 = 3000;

/// Recovers the signer of `input`; see the module docs for the encoding.
pub(super) fn run(input: &[u8], gas_limit: u64, out: &mut Vec<u8>) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    let input: [u8; 128] = padded(input, 0);
    if let Some(address) = recover(&input) {
        out.extend_from_slice(&[0u8; 12]);
        out.extend_from_slice(&address);
    }
    Ok(gas)
}

/// The 20-byte signer address, or `None` for any invalid signature.
fn recover(input: &[u8; 128]) -> Option<[u8; 20]> {
    let word = |i: usize| -> [u8; 32] { padded(input, 32 * i) };
    let (hash, v, r, s) = (word(0), word(1), word(2), word(3));

    // v must be exactly 27 or 28 as a full word: 0x..01b with 31 zero bytes in front.
    if v[..31].iter().any(|&b| b != 0) {
        return None;
    }
    let y_is_odd = match v[31] {
        27 => 0u8,
        28 => 1u8,
        _ => return None,
    };
    recover_address(&hash, y_is_odd, &r, &s)
}

/// The address whose key signed `hash` with signature (`r`, `s`) and y parity `y_is_odd`
/// (0 or 1), or `None` when the signature is invalid. Shared by the precompile and the
/// bootloader's EIP-7702 authority recovery; callers impose their own rules on s (the
/// precompile accepts high s, transactions do not).
pub(crate) fn recover_address(
    hash: &[u8; 32],
    y_is_odd: u8,
    r: &[u8; 32],
    s: &[u8; 32],
) -> Option<[u8; 20]> {
    let (hash, r, s) = (*hash, *r, *s);
    // r and s must lie in [1, n-1]; from_repr rejects values >= n.
    let r_bytes = FieldBytes::from(r);
    let r_scalar: Scalar = Option::from(Scalar::from_repr(r_bytes))?;
    let s_scalar: Scalar = Option::from(Scalar::from_repr(FieldBytes::from(s)))?;
    if bool::from(r_scalar.is_zero()) || bool::from(s_scalar.is_zero()) {
        return None;
    }

    // R is the curve point with x = r (r < n < p, and v 27/28 never asks for x = r + n).
    let big_r: AffinePoint =
        Option::from(AffinePoint::decompress(&r_bytes, Choice::from(y_is_odd)))?;
    let z = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(hash));
    let r_inv: Scalar = Option::from(r_scalar.invert())?;
    let u1 = -(z * r_inv);
    let u2 = s_scalar * r_inv;
    let q = ProjectivePoint::lincomb(
        &ProjectivePoint::GENERATOR,
        &u1,
        &ProjectivePoint::from(big_r),
        &u2,
    );
    if bool::from(q.is_identity()) {
        return None;
    }
    let encoded = q.to_affine().to_encoded_point(false);
    // Uncompressed SEC1: 0x04 ‖ x ‖ y; the address hashes x ‖ y.
    let xy = encoded.as_bytes().get(1..65)?;
    let digest = keccak256(xy);
    let mut address = [0u8; 20];
    address.copy_from_slice(&digest[12..]);
    Some(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precompiles::PrecompileError;
    use alloy_primitives::hex;

    // The classic vector (also in go-ethereum's precompile tests): hash, v = 28, r, s.
    const INPUT: [u8; 128] = hex!(
        "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c"
        "000000000000000000000000000000000000000000000000000000000000001c"
        "73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f"
        "eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549"
    );
    const EXPECTED: [u8; 32] =
        hex!("000000000000000000000000a94f5374fce5edbc8e2a8697c15331677e6ebf0b");

    fn call(input: &[u8]) -> (PrecompileResult, Vec<u8>) {
        let mut out = Vec::new();
        let res = run(input, 10_000, &mut out);
        (res, out)
    }

    #[test]
    fn recovers_known_signer() {
        assert_eq!(call(&INPUT), (Ok(3000), EXPECTED.to_vec()));
        // Trailing bytes beyond 128 are ignored.
        let mut long = INPUT.to_vec();
        long.extend_from_slice(&[0xff; 10]);
        assert_eq!(call(&long), (Ok(3000), EXPECTED.to_vec()));
    }

    #[test]
    fn invalid_inputs_give_empty_output() {
        let empty = (Ok(3000), Vec::new());
        assert_eq!(call(&[]), empty);
        // Truncated: s is zero-padded into a different number, so a different (or no) signer.
        assert_ne!(call(&INPUT[..100]).1, EXPECTED.to_vec());
        let mutate = |f: &dyn Fn(&mut [u8; 128])| {
            let mut input = INPUT;
            f(&mut input);
            call(&input)
        };
        // v = 29, v = 0, v = 27 with garbage in the high bytes.
        assert_eq!(mutate(&|i| i[63] = 29), empty);
        assert_eq!(mutate(&|i| i[63] = 0), empty);
        assert_eq!(mutate(&|i| i[32] = 1), empty);
        // r = 0, s = 0.
        assert_eq!(mutate(&|i| i[64..96].fill(0)), empty);
        assert_eq!(mutate(&|i| i[96..128].fill(0)), empty);
        // r = n, s = n (the group order) are out of range.
        let n = hex!("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
        assert_eq!(mutate(&|i| i[64..96].copy_from_slice(&n)), empty);
        assert_eq!(mutate(&|i| i[96..128].copy_from_slice(&n)), empty);
        // r = 5 is not the x of any curve point (5^3 + 7 = 132 is a non-residue mod p).
        assert_eq!(
            mutate(&|i| {
                i[64..96].fill(0);
                i[95] = 5;
            }),
            empty
        );
    }

    #[test]
    fn flipped_v_gives_another_signer() {
        let mut input = INPUT;
        input[63] = 27;
        let (res, out) = call(&input);
        assert_eq!(res, Ok(3000));
        assert_eq!(out.len(), 32);
        assert_ne!(out, EXPECTED.to_vec());
    }

    #[test]
    fn out_of_gas() {
        let mut out = Vec::new();
        assert_eq!(run(&INPUT, 2999, &mut out), Err(PrecompileError::OutOfGas));
        assert!(out.is_empty());
    }
}

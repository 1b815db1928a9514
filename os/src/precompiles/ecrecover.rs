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
/// (0 or 1), or `None` when the signature is invalid. Shared by the precompile, sender
/// recovery and the bootloader's EIP-7702 authority recovery; callers impose their own rules
/// on s (the precompile accepts high s, transactions do not). On x86 with `std` it runs on
/// libsecp256k1; elsewhere (the guest) on [`crate::crypto::secp256k1`], written for RV32IM.
pub(crate) fn recover_address(
    hash: &[u8; 32],
    y_is_odd: u8,
    r: &[u8; 32],
    s: &[u8; 32],
) -> Option<[u8; 20]> {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        recover_native(hash, y_is_odd, r, s)
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    {
        recover_portable(hash, y_is_odd, r, s)
    }
}

/// [`recover_address`] on this crate's own secp256k1 arithmetic: the guest's path, and on
/// x86 tested against libsecp256k1 and k256. A y parity other than 0 or 1 is invalid.
#[cfg_attr(
    all(target_arch = "x86_64", feature = "std", not(test)),
    allow(dead_code)
)]
fn recover_portable(hash: &[u8; 32], y_is_odd: u8, r: &[u8; 32], s: &[u8; 32]) -> Option<[u8; 20]> {
    if y_is_odd > 1 {
        return None;
    }
    let key = crate::crypto::secp256k1::recover_public_key(hash, y_is_odd == 1, r, s)?;
    let digest = keccak256(key);
    let mut address = [0u8; 20];
    address.copy_from_slice(&digest[12..]);
    Some(address)
}

/// [`recover_address`] on libsecp256k1 (its recovery accepts high s, as Ethereum's
/// precompile must; r or s zero or ≥ n fail to parse or to recover).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
fn recover_native(hash: &[u8; 32], y_is_odd: u8, r: &[u8; 32], s: &[u8; 32]) -> Option<[u8; 20]> {
    use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
    let id = RecoveryId::try_from(i32::from(y_is_odd)).ok()?;
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(r);
    compact[32..].copy_from_slice(s);
    let sig = RecoverableSignature::from_compact(&compact, id).ok()?;
    let message = secp256k1::Message::from_digest(*hash);
    let key = secp256k1::SECP256K1.recover_ecdsa(message, &sig).ok()?;
    let uncompressed = key.serialize_uncompressed();
    let digest = keccak256(&uncompressed[1..]);
    let mut address = [0u8; 20];
    address.copy_from_slice(&digest[12..]);
    Some(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precompiles::PrecompileError;
    use alloy_primitives::hex;

    /// [`recover_address`] on k256's arithmetic (the reference of the crate's own secp256k1
    /// tests too): what both other paths are tested against.
    fn recover_k256(hash: &[u8; 32], y_is_odd: u8, r: &[u8; 32], s: &[u8; 32]) -> Option<[u8; 20]> {
        let key = crate::crypto::secp256k1::tests::k256_recover(hash, y_is_odd == 1, r, s)?;
        let mut address = [0u8; 20];
        address.copy_from_slice(&keccak256(key)[12..]);
        Some(address)
    }

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

    #[test]
    fn portable_backend_recovers_known_signer() {
        let w = |i: usize| -> [u8; 32] { INPUT[32 * i..32 * i + 32].try_into().unwrap() };
        let (hash, r, s) = (w(0), w(2), w(3));
        assert_eq!(
            recover_portable(&hash, 1, &r, &s).map(|a| a.to_vec()),
            Some(EXPECTED[12..].to_vec())
        );
        assert_eq!(recover_portable(&hash, 2, &r, &s), None);
    }

    /// libsecp256k1, k256 and this crate's own arithmetic agree on valid signatures, high s,
    /// r or s zero, n and above, x not on the curve, and random words.
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    #[test]
    fn native_backend_matches_k256() {
        let n = hex!("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
        /// hash, y parity, r, s.
        type Case = ([u8; 32], u8, [u8; 32], [u8; 32]);
        let mut cases: Vec<Case> = Vec::new();
        let w = |i: usize| -> [u8; 32] { INPUT[32 * i..32 * i + 32].try_into().unwrap() };
        let (hash, r, s) = (w(0), w(2), w(3));
        cases.push((hash, 1, r, s));
        cases.push((hash, 0, r, s));
        cases.push((hash, 1, [0; 32], s));
        cases.push((hash, 1, r, [0; 32]));
        cases.push((hash, 1, n, s));
        cases.push((hash, 1, r, n));
        cases.push((hash, 1, [0xff; 32], s));
        // High s: n - s, with the parity flipped, is the same signature.
        let high = (alloy_primitives::U256::from_be_bytes(n)
            - alloy_primitives::U256::from_be_bytes(s))
        .to_be_bytes::<32>();
        cases.push((hash, 0, r, high));
        let mut seed = [7u8; 32];
        for i in 0..200u32 {
            seed = keccak256(seed).0;
            let r = keccak256([&seed[..], b"r"].concat()).0;
            let s = keccak256([&seed[..], b"s"].concat()).0;
            cases.push((seed, (i % 2) as u8, r, s));
        }
        let mut valid = 0;
        for (hash, y, r, s) in cases {
            let native = recover_native(&hash, y, &r, &s);
            assert_eq!(
                native,
                recover_k256(&hash, y, &r, &s),
                "{hash:?} {y} {r:?} {s:?}"
            );
            assert_eq!(
                native,
                recover_portable(&hash, y, &r, &s),
                "{hash:?} {y} {r:?} {s:?}"
            );
            valid += native.is_some() as usize;
        }
        assert!(valid > 100, "most random (r, s) recover some key: {valid}");
        // Both high-s forms recover the known signer.
        assert_eq!(
            recover_native(&hash, 0, &r, &high).map(|a| a.to_vec()),
            Some(EXPECTED[12..].to_vec())
        );
    }

    /// Signatures made by libsecp256k1 for random keys and messages (both y parities occur,
    /// and each is also tried with high s and the parity flipped) recover the signer on the
    /// portable path; the wrong parity recovers the same other key on all three paths.
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    #[test]
    fn portable_backend_recovers_libsecp256k1_signatures() {
        let n = alloy_primitives::U256::from_be_bytes(hex!(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        ));
        let mut seed = [3u8; 32];
        let mut parities = [0usize; 2];
        for _ in 0..300 {
            seed = keccak256(seed).0;
            let Ok(key) = secp256k1::SecretKey::from_byte_array(seed) else {
                continue;
            };
            let hash = keccak256([&seed[..], b"message"].concat()).0;
            let message = secp256k1::Message::from_digest(hash);
            let sig = secp256k1::SECP256K1.sign_ecdsa_recoverable(message, &key);
            let (id, compact) = sig.serialize_compact();
            let y = i32::from(id) as u8;
            parities[y as usize] += 1;
            let r: [u8; 32] = compact[..32].try_into().unwrap();
            let s: [u8; 32] = compact[32..].try_into().unwrap();
            let public = key
                .public_key(secp256k1::SECP256K1)
                .serialize_uncompressed();
            let mut expected = [0u8; 20];
            expected.copy_from_slice(&keccak256(&public[1..])[12..]);
            assert_eq!(recover_portable(&hash, y, &r, &s), Some(expected));
            let high = (n - alloy_primitives::U256::from_be_bytes(s)).to_be_bytes::<32>();
            assert_eq!(recover_portable(&hash, y ^ 1, &r, &high), Some(expected));
            let other = recover_portable(&hash, y ^ 1, &r, &s);
            assert_ne!(other, Some(expected));
            assert_eq!(other, recover_native(&hash, y ^ 1, &r, &s));
            assert_eq!(other, recover_k256(&hash, y ^ 1, &r, &s));
        }
        assert!(parities[0] > 100 && parities[1] > 100, "{parities:?}");
    }
}

//! The world's signing keys: the transaction senders (so that a sender can sponsor its own
//! EIP-7702 authorization) and the authorities that sign delegations. Each key is a small
//! secret, so every keyed address is a pure function of its index like the rest of the world.
//!
//! Signatures are RFC 6979 (deterministic): a case stays a pure function of its seed.

use crate::case::Authorization;
use alloy_primitives::{keccak256, Address, U256};
use k256::ecdsa::SigningKey;
use std::sync::LazyLock;
use zkos_os::bootloader::authorization::signing_hash;

/// How many authorities the world has.
pub const AUTHORITIES: u8 = 4;

/// The secrets: senders 1 and 2, authorities from 0x1001 on.
const SENDER_SECRETS: [u64; 2] = [1, 2];
const AUTHORITY_SECRET_BASE: u64 = 0x1001;

/// A key with its address, derived once.
struct Keyed {
    key: SigningKey,
    address: Address,
}

fn keyed(secret: u64) -> Keyed {
    let key = key(secret);
    let address = key_address(&key);
    Keyed { key, address }
}

static SENDERS: LazyLock<Vec<Keyed>> =
    LazyLock::new(|| SENDER_SECRETS.iter().map(|s| keyed(*s)).collect());
static AUTHORITY_KEYS: LazyLock<Vec<Keyed>> = LazyLock::new(|| {
    (0..AUTHORITIES as u64)
        .map(|i| keyed(AUTHORITY_SECRET_BASE + i))
        .collect()
});

/// The key whose secret is the number `secret` (non-zero, below the group order).
pub fn key(secret: u64) -> SigningKey {
    let mut bytes = [0u8; 32];
    bytes[24..].copy_from_slice(&secret.to_be_bytes());
    SigningKey::from_slice(&bytes).expect("a small non-zero secret is a valid key")
}

/// The address of `key`: the last 20 bytes of keccak256 of its uncompressed public key.
pub fn key_address(key: &SigningKey) -> Address {
    let point = key.verifying_key().to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

/// Sender `i`'s key (the addresses are [`super::addr::SENDERS`]).
pub fn sender_key(i: usize) -> &'static SigningKey {
    &SENDERS[i].key
}

/// Authority `i`'s address.
pub fn authority(i: u8) -> Address {
    AUTHORITY_KEYS[i as usize].address
}

/// Authority `i`'s key.
pub fn authority_key(i: u8) -> &'static SigningKey {
    &AUTHORITY_KEYS[i as usize].key
}

/// The key of `address`, when it is one of the world's keyed accounts.
pub fn key_of(address: Address) -> Option<&'static SigningKey> {
    SENDERS
        .iter()
        .chain(AUTHORITY_KEYS.iter())
        .find(|k| k.address == address)
        .map(|k| &k.key)
}

/// secp256k1's group order.
pub const SECP256K1_N: U256 = U256::from_limbs([
    0xbfd2_5e8c_d036_4141,
    0xbaae_dce6_af48_a03b,
    0xffff_ffff_ffff_fffe,
    0xffff_ffff_ffff_ffff,
]);

/// Signs a 32-byte hash; returns (y parity, r, s) with s in the lower half (EIP-2).
pub fn sign_hash(key: &SigningKey, hash: &[u8; 32]) -> (u8, U256, U256) {
    let (sig, recid) = key
        .sign_prehash_recoverable(hash)
        .expect("signing a 32-byte hash");
    let (sig, flipped) = match sig.normalize_s() {
        Some(low) => (low, true),
        None => (sig, false),
    };
    let bytes = sig.to_bytes();
    (
        u8::from(recid.is_y_odd() ^ flipped),
        U256::from_be_slice(&bytes[..32]),
        U256::from_be_slice(&bytes[32..]),
    )
}

/// An EIP-7702 authorization of `address` at `nonce` on `chain_id`, signed by `key`.
pub fn sign_authorization(
    key: &SigningKey,
    chain_id: U256,
    address: Address,
    nonce: u64,
) -> Authorization {
    let mut auth = Authorization {
        chain_id,
        address,
        nonce,
        y_parity: U256::ZERO,
        r: U256::ZERO,
        s: U256::ZERO,
    };
    let (y, r, s) = sign_hash(key, &signing_hash(&auth.to_zkos()));
    auth.y_parity = U256::from(y);
    auth.r = r;
    auth.s = s;
    auth
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_senders_are_the_keyed_addresses() {
        for (i, a) in super::super::addr::SENDERS.iter().enumerate() {
            assert_eq!(SENDERS[i].address, *a);
            assert_eq!(key_of(*a).map(key_address), Some(*a));
        }
        let authorities: std::collections::BTreeSet<_> = (0..AUTHORITIES).map(authority).collect();
        assert_eq!(authorities.len(), AUTHORITIES as usize);
    }

    #[test]
    fn signatures_are_low_s_and_recover_in_zkos() {
        for i in 0..AUTHORITIES {
            let auth =
                sign_authorization(authority_key(i), U256::from(1), Address::repeat_byte(7), 3);
            assert!(auth.s <= SECP256K1_N / U256::from(2));
            let recovered = zkos_os::bootloader::authorization::recover_authority(&auth.to_zkos());
            assert_eq!(recovered, Some(authority(i)));
        }
    }
}

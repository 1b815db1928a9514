//! EIP-7702 authorization lists: recovering each tuple's authority and installing (or
//! clearing) its delegation designator before the transaction's call runs.
//!
//! A tuple that fails any check is skipped, never an error of the transaction: its
//! intrinsic gas is paid either way. What a skipped tuple already did stays done (the
//! authority is warm once recovered), as in the specification's order of checks.

use super::validate::{PER_AUTH_BASE_COST, PER_EMPTY_ACCOUNT_COST};
use crate::precompiles::ecrecover::recover_address;
use crate::system::{delegation, System};
use crate::types::{Authorization, KECCAK_EMPTY};
use alloy_primitives::{keccak256, Address, Bytes, U256};

/// The domain byte an authorization's signing hash starts with.
const MAGIC: u8 = 0x05;
/// secp256k1's group order halved: a larger s is a malleable signature (EIP-2).
const HALF_N: U256 = U256::from_limbs([
    0xdfe9_2f46_681b_20a0,
    0x5d57_6e73_57a4_501d,
    0xffff_ffff_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
]);

/// Appends the RLP encoding of the unsigned integer whose big-endian bytes are `be`.
fn rlp_uint(out: &mut alloc::vec::Vec<u8>, be: &[u8]) {
    let skip = be.iter().take_while(|b| **b == 0).count();
    let bytes = &be[skip..];
    match bytes {
        [] => out.push(0x80),
        [b] if *b < 0x80 => out.push(*b),
        _ => {
            out.push(0x80 + bytes.len() as u8);
            out.extend_from_slice(bytes);
        }
    }
}

/// keccak256(0x05 || rlp([chain_id, address, nonce])): what the authority signed.
pub fn signing_hash(auth: &Authorization) -> [u8; 32] {
    let mut payload = alloc::vec::Vec::with_capacity(64);
    rlp_uint(&mut payload, &auth.chain_id.to_be_bytes::<32>());
    payload.push(0x80 + 20);
    payload.extend_from_slice(auth.address.as_slice());
    rlp_uint(&mut payload, &auth.nonce.to_be_bytes());
    // The payload is at most 33 + 21 + 9 = 63 bytes: a one-byte long-list length at most.
    let mut msg = alloc::vec::Vec::with_capacity(payload.len() + 3);
    msg.push(MAGIC);
    if payload.len() < 56 {
        msg.push(0xc0 + payload.len() as u8);
    } else {
        msg.push(0xf8);
        msg.push(payload.len() as u8);
    }
    msg.extend_from_slice(&payload);
    keccak256(&msg).0
}

/// The authority that signed `auth`, or `None` for an invalid signature: y parity not 0 or 1,
/// r outside [1, n), s outside [1, n/2], or no key recovers.
pub fn recover_authority(auth: &Authorization) -> Option<Address> {
    let y = u8::try_from(auth.y_parity).ok().filter(|y| *y <= 1)?;
    if auth.s > HALF_N {
        return None;
    }
    let hash = signing_hash(auth);
    let address = recover_address(
        &hash,
        y,
        &auth.r.to_be_bytes::<32>(),
        &auth.s.to_be_bytes::<32>(),
    )?;
    Some(Address::new(address))
}

/// Processes the list in order against the state; returns the refund earned by tuples whose
/// authority already existed (PER_EMPTY_ACCOUNT_COST - PER_AUTH_BASE_COST each).
pub fn apply(system: &mut System<'_>, chain_id: u64, list: &[Authorization]) -> u64 {
    let mut refund = 0;
    for auth in list {
        if !auth.chain_id.is_zero() && auth.chain_id != U256::from(chain_id) {
            continue;
        }
        if auth.nonce == u64::MAX {
            continue;
        }
        let Some(authority) = recover_authority(auth) else {
            continue;
        };
        system.warm_account(authority);
        let info = system.info(authority);
        if info.code_hash != KECCAK_EMPTY && system.delegation(authority).is_none() {
            continue;
        }
        if info.nonce != auth.nonce {
            continue;
        }
        if system.exists(authority) {
            refund += PER_EMPTY_ACCOUNT_COST - PER_AUTH_BASE_COST;
        }
        if auth.address == Address::ZERO {
            system.set_code(authority, Bytes::new(), KECCAK_EMPTY);
        } else {
            let code = delegation::designator(auth.address);
            system.set_code(authority, Bytes::copy_from_slice(&code), keccak256(code));
        }
        system.set_nonce(authority, auth.nonce + 1);
    }
    refund
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, hex};

    #[test]
    fn half_n_is_half_the_order() {
        let n = U256::from_be_bytes(hex!(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        ));
        assert_eq!(HALF_N, n / U256::from(2u8));
    }

    /// A tuple of execution-spec-tests (prague/eip7702_set_code_tx, test_pointer_to_static)
    /// with the signer its filler recorded.
    #[test]
    fn recovers_a_filled_tests_signer() {
        let mut auth = Authorization {
            chain_id: U256::ZERO,
            address: address!("096fec08774bc2a36c61daa00d11da4a0395f4bb"),
            nonce: 0,
            y_parity: U256::ZERO,
            r: U256::from_be_bytes(hex!(
                "1e47e961cc521742f840e5c2417f9bfcb344b27757e8e5b320a65545e8d7316b"
            )),
            s: U256::from_be_bytes(hex!(
                "73e70d604ad26877ca9f5feab050ff10dab63bb1174850f09fbdb6e42e78a421"
            )),
        };
        let signer = address!("8ad5c1bd95f0b2147ec55508372980dcd9a5c37b");
        assert_eq!(recover_authority(&auth), Some(signer));
        // Any other nonce is another message, so another (or no) signer.
        auth.nonce = 1;
        assert_ne!(recover_authority(&auth), Some(signer));
        auth.nonce = 0;
        auth.y_parity = U256::from(2u8);
        assert_eq!(recover_authority(&auth), None);
        auth.y_parity = U256::ZERO;
        auth.s = HALF_N + U256::from(1u8);
        assert_eq!(recover_authority(&auth), None);
    }

    #[test]
    fn signing_hash_encodes_long_lists() {
        // chain id 2^256 - 1 (33-byte RLP) makes the list payload 63 bytes: the long form.
        let auth = Authorization {
            chain_id: U256::MAX,
            address: address!("0000000000000000000000000000000000001234"),
            nonce: u64::MAX - 1,
            y_parity: U256::ZERO,
            r: U256::from(1u8),
            s: U256::from(1u8),
        };
        let short = Authorization {
            chain_id: U256::from(1u8),
            ..auth.clone()
        };
        assert_ne!(signing_hash(&auth), signing_hash(&short));
        let mut payload = alloc::vec::Vec::new();
        rlp_uint(&mut payload, &[0, 0, 0x7f]);
        rlp_uint(&mut payload, &[0x80]);
        rlp_uint(&mut payload, &[0, 0]);
        assert_eq!(payload, [0x7f, 0x81, 0x80, 0x80]);
    }
}

//! Integration tests live in tests/tests/; this is what several of them build blocks with.

use alloy_primitives::{address, keccak256, Address, U256};
use k256::ecdsa::SigningKey;
use zkos_os::bootloader::authorization::signing_hash;
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::types::{Authorization, BlockEnv, TxEnv};

/// The sender of the test transactions (funded by [`oracle`]).
pub const SENDER: Address = address!("5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e");

/// A legacy call from [`SENDER`] (nonce 0) to `to`, at gas price zero.
pub fn call_tx(to: Address, gas_limit: u64) -> TxEnv {
    TxEnv {
        caller: SENDER,
        to: Some(to),
        gas_limit,
        chain_id: Some(1),
        ..Default::default()
    }
}

/// A block over `accounts` with [`SENDER`] holding one ether.
pub fn oracle(
    env: BlockEnv,
    accounts: &[(Address, GenesisAccount)],
    txs: Vec<TxEnv>,
) -> InMemoryOracle {
    let mut oracle = InMemoryOracle::new(env, txs);
    oracle.insert_account(
        SENDER,
        GenesisAccount {
            balance: U256::from(10u128.pow(18)),
            ..Default::default()
        },
    );
    for (address, account) in accounts {
        oracle.insert_account(*address, account.clone());
    }
    oracle
}

/// The signing key with secret `secret` (any non-zero value below the group order).
pub fn key(secret: u8) -> SigningKey {
    let mut bytes = [0u8; 32];
    bytes[31] = secret;
    SigningKey::from_slice(&bytes).expect("a valid secret")
}

/// The address of `key`: the last 20 bytes of keccak256 of its uncompressed public key.
pub fn key_address(key: &SigningKey) -> Address {
    let point = key.verifying_key().to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

/// An EIP-7702 authorization of `address` signed by `key` (low s, as the EIP requires).
pub fn sign_authorization(
    key: &SigningKey,
    chain_id: u64,
    address: Address,
    nonce: u64,
) -> Authorization {
    let mut auth = Authorization {
        chain_id: U256::from(chain_id),
        address,
        nonce,
        y_parity: U256::ZERO,
        r: U256::ZERO,
        s: U256::ZERO,
    };
    let (sig, recid) = key
        .sign_prehash_recoverable(&signing_hash(&auth))
        .expect("signing a 32-byte hash");
    let (sig, flip) = match sig.normalize_s() {
        Some(low) => (low, true),
        None => (sig, false),
    };
    let bytes = sig.to_bytes();
    auth.r = U256::from_be_slice(&bytes[..32]);
    auth.s = U256::from_be_slice(&bytes[32..]);
    auth.y_parity = U256::from(u8::from(recid.is_y_odd() ^ flip));
    auth
}

//! Integration tests live in tests/tests/; this is what several of them build blocks with.

use alloy_primitives::{address, Address, U256};
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::types::{BlockEnv, TxEnv};

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

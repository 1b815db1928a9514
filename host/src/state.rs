//! The world state as the host sees it: a pre-state plus a block's [`StateDiff`], and the two
//! commitments the Ethereum tests check, the state root and the logs hash.
//!
//! Kept apart from the runners so `zkos run` and the state-test runner compute roots the
//! same way.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_rlp::{Encodable, Header};
use alloy_trie::{HashBuilder, Nibbles};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use zkos_os::oracle::{GenesisAccount, InMemoryOracle};
use zkos_os::types::{AccountInfo, SpecId, StateDiff, KECCAK_EMPTY};

/// Root of the empty trie: keccak256(rlp("")).
pub const EMPTY_ROOT: B256 =
    alloy_primitives::b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

/// One account of the state, with its code and non-zero storage.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Account {
    /// Balance, nonce and code hash.
    pub info: AccountInfo,
    /// The code whose hash is `info.code_hash` (empty when unknown or none).
    pub code: Bytes,
    /// Non-zero slots only, so the map is the trie's content as is.
    pub storage: BTreeMap<U256, U256>,
}

impl Account {
    /// An account from its genesis description (zero slots dropped).
    pub fn from_genesis(genesis: &GenesisAccount) -> Self {
        let code_hash = if genesis.code.is_empty() {
            KECCAK_EMPTY
        } else {
            keccak256(&genesis.code)
        };
        Account {
            info: AccountInfo {
                balance: genesis.balance,
                nonce: genesis.nonce,
                code_hash,
            },
            code: genesis.code.clone(),
            storage: genesis
                .storage
                .iter()
                .filter(|(_, v)| !v.is_zero())
                .copied()
                .collect(),
        }
    }

    /// The account in the form the oracle takes.
    pub fn to_genesis(&self) -> GenesisAccount {
        GenesisAccount {
            balance: self.info.balance,
            nonce: self.info.nonce,
            code: self.code.clone(),
            storage: self.storage.iter().map(|(k, v)| (*k, *v)).collect(),
        }
    }

    /// Root of the account's storage trie.
    pub fn storage_root(&self) -> B256 {
        storage_root(self.storage.iter().map(|(k, v)| (*k, *v)))
    }
}

/// A whole state, ordered by address for deterministic dumps.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct State {
    /// Every existing account.
    pub accounts: BTreeMap<Address, Account>,
}

impl State {
    /// What differs from `expected`, account by account (at most `limit` lines): the report
    /// behind a state-root mismatch when the test gives its full post state.
    pub fn differences(&self, expected: &State, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        let addresses: std::collections::BTreeSet<&Address> = self
            .accounts
            .keys()
            .chain(expected.accounts.keys())
            .collect();
        for address in addresses {
            match (self.accounts.get(address), expected.accounts.get(address)) {
                (Some(_), None) => out.push(format!("{address}: exists, expected absent")),
                (None, Some(_)) => out.push(format!("{address}: absent, expected to exist")),
                (Some(ours), Some(theirs)) if ours != theirs => {
                    let mut what = Vec::new();
                    if ours.info.balance != theirs.info.balance {
                        what.push(format!(
                            "balance {} expected {}",
                            ours.info.balance, theirs.info.balance
                        ));
                    }
                    if ours.info.nonce != theirs.info.nonce {
                        what.push(format!(
                            "nonce {} expected {}",
                            ours.info.nonce, theirs.info.nonce
                        ));
                    }
                    if ours.info.code_hash != theirs.info.code_hash {
                        what.push(format!("code {} expected {}", ours.code, theirs.code));
                    }
                    let keys: std::collections::BTreeSet<&U256> =
                        ours.storage.keys().chain(theirs.storage.keys()).collect();
                    for key in keys {
                        let (a, b) = (ours.storage.get(key), theirs.storage.get(key));
                        if a != b {
                            what.push(format!(
                                "slot {key:#x} = {:#x} expected {:#x}",
                                a.copied().unwrap_or_default(),
                                b.copied().unwrap_or_default()
                            ));
                        }
                    }
                    out.push(format!("{address}: {}", what.join(", ")));
                }
                _ => {}
            }
            if out.len() >= limit {
                break;
            }
        }
        out
    }

    /// Adds (or replaces) an account given in genesis form.
    pub fn insert_genesis(&mut self, address: Address, genesis: &GenesisAccount) {
        self.accounts
            .insert(address, Account::from_genesis(genesis));
    }

    /// Loads every account into `oracle` as its initial state.
    pub fn fill_oracle(&self, oracle: &mut InMemoryOracle) {
        for (address, account) in &self.accounts {
            oracle.insert_account(*address, account.to_genesis());
        }
    }

    /// Applies a block's changes: a diff without info deletes the account; `storage_cleared`
    /// drops the old storage before the diff's slots apply; zero slots are removed; the code
    /// changes only when the diff carries one.
    pub fn apply_diff(&mut self, diff: &StateDiff) {
        for change in &diff.accounts {
            let Some(info) = change.info else {
                self.accounts.remove(&change.address);
                continue;
            };
            let account = self.accounts.entry(change.address).or_default();
            if change.storage_cleared {
                account.storage.clear();
            }
            for (key, value) in &change.storage {
                if value.is_zero() {
                    account.storage.remove(key);
                } else {
                    account.storage.insert(*key, *value);
                }
            }
            if let Some(code) = &change.code {
                account.code = code.clone();
            } else if info.code_hash == KECCAK_EMPTY {
                account.code = Bytes::new();
            }
            account.info = info;
        }
    }

    /// What geth's state-test runner does after the transaction: it touches the coinbase, so
    /// from Spurious Dragon on (EIP-161) an empty coinbase disappears even when the fee was 0.
    pub fn touch_coinbase(&mut self, coinbase: Address, spec: SpecId) {
        if spec >= SpecId::SpuriousDragon
            && self
                .accounts
                .get(&coinbase)
                .is_some_and(|a| a.info.is_empty())
        {
            self.accounts.remove(&coinbase);
        }
    }

    /// The secure Merkle-Patricia root over every account.
    pub fn root(&self) -> B256 {
        let mut leaves: Vec<(B256, Vec<u8>)> = self
            .accounts
            .iter()
            .map(|(address, account)| {
                (
                    keccak256(address),
                    account_rlp(&account.info, account.storage_root()),
                )
            })
            .collect();
        trie_root(&mut leaves)
    }

    /// The state as JSON in the test files' `pre` layout, for `--dump`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        for (address, account) in &self.accounts {
            let storage: Map<String, Value> = account
                .storage
                .iter()
                .map(|(k, v)| (format!("{k:#x}"), Value::String(format!("{v:#x}"))))
                .collect();
            out.insert(
                format!("{address:#x}"),
                json!({
                    "balance": format!("{:#x}", account.info.balance),
                    "nonce": format!("{:#x}", account.info.nonce),
                    "code": format!("{}", account.code),
                    "codeHash": format!("{:#x}", account.info.code_hash),
                    "storage": storage,
                    "storageRoot": format!("{:#x}", account.storage_root()),
                }),
            );
        }
        Value::Object(out)
    }
}

/// rlp([nonce, balance, storage_root, code_hash]), the leaf value of the state trie.
pub fn account_rlp(info: &AccountInfo, storage_root: B256) -> Vec<u8> {
    let payload_length = info.nonce.length()
        + info.balance.length()
        + storage_root.length()
        + info.code_hash.length();
    let mut out = Vec::with_capacity(payload_length + 4);
    Header {
        list: true,
        payload_length,
    }
    .encode(&mut out);
    info.nonce.encode(&mut out);
    info.balance.encode(&mut out);
    storage_root.encode(&mut out);
    info.code_hash.encode(&mut out);
    out
}

/// The storage trie root: keys keccak256(slot as 32 bytes big-endian), values rlp(value),
/// zero values left out.
pub fn storage_root(slots: impl IntoIterator<Item = (U256, U256)>) -> B256 {
    let mut leaves: Vec<(B256, Vec<u8>)> = slots
        .into_iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(k, v)| (keccak256(k.to_be_bytes::<32>()), alloy_rlp::encode(v)))
        .collect();
    trie_root(&mut leaves)
}

/// Root of a trie over already-hashed keys (sorted here, since the builder needs order).
fn trie_root(leaves: &mut [(B256, Vec<u8>)]) -> B256 {
    if leaves.is_empty() {
        return EMPTY_ROOT;
    }
    leaves.sort_unstable_by_key(|leaf| leaf.0);
    let mut builder = HashBuilder::default();
    for (key, value) in leaves.iter() {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

/// keccak256(rlp([[address, [topics...], data], ...])), the `logs` field of the state tests:
/// `os`'s, which the env block's output commits to.
pub use zkos_os::bootloader::ethereum::receipts::logs_hash;

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256};
    use zkos_os::types::AccountDiff;

    #[test]
    fn empty_state_root() {
        assert_eq!(State::default().root(), EMPTY_ROOT);
        assert_eq!(storage_root([(U256::from(1), U256::ZERO)]), EMPTY_ROOT);
    }

    #[test]
    fn empty_logs_hash() {
        // keccak256(rlp([])) = keccak256(0xc0), the `logs` of every state test without logs.
        assert_eq!(
            logs_hash([]),
            b256!("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")
        );
    }

    #[test]
    fn diff_application() {
        let a = address!("00000000000000000000000000000000000000aa");
        let b = address!("00000000000000000000000000000000000000bb");
        let mut state = State::default();
        state.insert_genesis(
            a,
            &GenesisAccount {
                balance: U256::from(5),
                nonce: 1,
                code: Bytes::from_static(&[0x00]),
                storage: vec![
                    (U256::from(1), U256::from(1)),
                    (U256::from(2), U256::from(2)),
                ],
            },
        );
        state.insert_genesis(
            b,
            &GenesisAccount {
                balance: U256::from(1),
                ..Default::default()
            },
        );
        let info_a = state.accounts[&a].info;
        let diff = StateDiff {
            accounts: vec![
                AccountDiff {
                    address: a,
                    info: Some(AccountInfo {
                        balance: U256::from(6),
                        ..info_a
                    }),
                    code: None,
                    storage_cleared: false,
                    storage: vec![(U256::from(1), U256::ZERO), (U256::from(3), U256::from(3))],
                },
                AccountDiff {
                    address: b,
                    info: None,
                    code: None,
                    storage_cleared: false,
                    storage: vec![],
                },
            ],
        };
        state.apply_diff(&diff);
        let acc = &state.accounts[&a];
        assert_eq!(acc.info.balance, U256::from(6));
        assert_eq!(
            acc.code.as_ref(),
            &[0x00],
            "code unchanged without a diff code"
        );
        let slots: Vec<_> = acc
            .storage
            .iter()
            .map(|(k, v)| (k.to::<u64>(), v.to::<u64>()))
            .collect();
        assert_eq!(slots, vec![(2, 2), (3, 3)]);
        assert!(!state.accounts.contains_key(&b));

        let cleared = StateDiff {
            accounts: vec![AccountDiff {
                address: a,
                info: Some(info_a),
                code: None,
                storage_cleared: true,
                storage: vec![(U256::from(9), U256::from(9))],
            }],
        };
        state.apply_diff(&cleared);
        assert_eq!(state.accounts[&a].storage.len(), 1);
    }

    #[test]
    fn coinbase_touch() {
        let c = address!("2adc25665018aa1fe0e6bc666dac8fc2697ff9ba");
        let mut state = State::default();
        state.insert_genesis(c, &GenesisAccount::default());
        let mut old = state.clone();
        old.touch_coinbase(c, SpecId::Homestead);
        assert!(old.accounts.contains_key(&c));
        state.touch_coinbase(c, SpecId::Cancun);
        assert!(state.accounts.is_empty());
    }
}

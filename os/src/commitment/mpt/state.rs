//! The Ethereum state over partial tries: the account trie keyed by keccak(address), and per
//! account a storage trie keyed by keccak(slot), values RLP-encoded.

use super::trie::{Mpt, TrieId};
use super::MptError;
use crate::commitment::{AccountState, StateCommitment, EMPTY_ROOT};
use crate::rlp::{self, Item};
use crate::types::{AccountInfo, StateDiff};
use alloc::vec::Vec;
use alloy_primitives::{keccak256, Address, B256, U256};
use hashbrown::HashMap;

/// The state as a Merkle-Patricia trie backed by a witness.
#[derive(Clone, Debug)]
pub struct MptState {
    trie: Mpt,
    accounts: TrieId,
    /// Storage tries opened so far, by account (a wiped storage gets a fresh empty trie).
    storage: HashMap<Address, TrieId>,
    /// Reused value encoding buffer.
    buf: Vec<u8>,
}

/// Decodes an account leaf: `[nonce, balance, storage_root, code_hash]`, nothing more.
fn decode_account(bytes: &[u8]) -> Result<AccountState, rlp::RlpError> {
    let mut fields = Item::decode(bytes)?.list()?;
    let nonce = fields.next_item()?.u64()?;
    let balance = fields.next_item()?.u256()?;
    let storage_root = fields.next_item()?.b256()?;
    let code_hash = fields.next_item()?.b256()?;
    fields.finish()?;
    Ok(AccountState {
        info: AccountInfo {
            balance,
            nonce,
            code_hash,
        },
        storage_root,
    })
}

/// Appends the account leaf of `info` with `storage_root`.
pub(crate) fn encode_account(info: &AccountInfo, storage_root: &B256, out: &mut Vec<u8>) {
    let payload = rlp::u64_len(info.nonce) + rlp::u256_len(&info.balance) + 33 + 33;
    rlp::encode_list_header(out, payload);
    rlp::encode_u64(out, info.nonce);
    rlp::encode_u256(out, &info.balance);
    rlp::encode_bytes(out, storage_root.as_slice());
    rlp::encode_bytes(out, info.code_hash.as_slice());
}

impl MptState {
    /// A state over an already filled [`Mpt`] (witness nodes added), rooted at `root`.
    pub fn new(mut trie: Mpt, root: B256) -> Result<Self, MptError> {
        let accounts = trie.open(root);
        // Resolve the root now: a missing or malformed root node fails the load itself.
        trie.resolve_root(accounts)?;
        Ok(MptState {
            trie,
            accounts,
            storage: HashMap::new(),
            buf: Vec::new(),
        })
    }

    /// The empty state (root [`EMPTY_ROOT`]), needing no witness: filled by
    /// [`StateCommitment::apply`], it is a whole state whose nodes
    /// [`MptState::export_nodes`] gives.
    pub fn empty() -> Self {
        let mut trie = Mpt::new();
        let accounts = trie.empty_trie();
        MptState {
            trie,
            accounts,
            storage: HashMap::new(),
            buf: Vec::new(),
        }
    }

    /// Starts (or stops) recording the witness nodes that reads, [`StateCommitment::apply`]
    /// and [`StateCommitment::root`] resolve, so that [`MptState::used_witness_nodes`] is the
    /// minimal witness of what ran since. Turned on right after loading, it also records the
    /// account trie's root node, resolved by the load. Off by default.
    pub fn set_tracking(&mut self, on: bool) {
        self.trie.set_tracking(on);
        if on {
            self.trie.record_root(self.accounts);
        }
    }

    /// The witness nodes resolved while tracking, each once: the state witness that serves
    /// the same operations again from a fresh [`StateCommitment::from_witness`].
    pub fn used_witness_nodes(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.trie.used_nodes()
    }

    /// The encodings of every node the state holds resolved, the account trie's and every
    /// opened storage trie's (storage tries in address order; a node two tries share may
    /// appear twice): for a state built by [`StateCommitment::apply`] on [`MptState::empty`],
    /// the full witness of that state. Hashes what changed first.
    pub fn export_nodes(&mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        self.trie.export_nodes(self.accounts, &mut out);
        let mut tries: Vec<(Address, TrieId)> =
            self.storage.iter().map(|(a, id)| (*a, *id)).collect();
        tries.sort_unstable_by_key(|(address, _)| *address);
        for (_, id) in tries {
            self.trie.export_nodes(id, &mut out);
        }
        out
    }

    /// The arena and witness underneath, for statistics and whole-witness checks.
    pub fn trie(&self) -> &Mpt {
        &self.trie
    }

    /// The arena mutably, with the account trie's id: for whole-witness walks.
    pub fn trie_mut(&mut self) -> (&mut Mpt, TrieId) {
        (&mut self.trie, self.accounts)
    }

    /// The storage trie of `address`, opened from its account's storage root on first use.
    fn storage_trie(&mut self, address: Address) -> Result<TrieId, MptError> {
        if let Some(&id) = self.storage.get(&address) {
            return Ok(id);
        }
        let root = match self.account(address)? {
            Some(account) => account.storage_root,
            None => EMPTY_ROOT,
        };
        let id = self.trie.open(root);
        self.storage.insert(address, id);
        Ok(id)
    }

    /// The root of the account's storage as it stands (hashing what changed).
    pub fn storage_root(&mut self, address: Address) -> Result<B256, MptError> {
        let id = self.storage_trie(address)?;
        Ok(self.trie.root_hash(id))
    }
}

impl StateCommitment for MptState {
    type Error = MptError;

    fn from_witness<'a>(
        root: B256,
        nodes: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Self, MptError> {
        let mut trie = Mpt::new();
        for node in nodes {
            trie.add_node(node);
        }
        MptState::new(trie, root)
    }

    fn account(&mut self, address: Address) -> Result<Option<AccountState>, MptError> {
        let key = keccak256(address);
        match self.trie.get(self.accounts, key.as_slice())? {
            None => Ok(None),
            Some(bytes) => decode_account(bytes)
                .map(Some)
                .map_err(|error| MptError::BadAccount { address, error }),
        }
    }

    fn storage(&mut self, address: Address, slot: U256) -> Result<U256, MptError> {
        let id = self.storage_trie(address)?;
        let key = keccak256(slot.to_be_bytes::<32>());
        match self.trie.get(id, key.as_slice())? {
            None => Ok(U256::ZERO),
            Some(bytes) => Item::decode(bytes)
                .and_then(|item| item.u256())
                .map_err(|error| MptError::BadStorageValue {
                    address,
                    slot,
                    error,
                }),
        }
    }

    fn apply(&mut self, diff: &StateDiff) -> Result<(), MptError> {
        let mut buf = core::mem::take(&mut self.buf);
        for change in &diff.accounts {
            let address = change.address;
            let key = keccak256(address);
            let Some(info) = change.info else {
                self.trie.remove(self.accounts, key.as_slice())?;
                self.storage.remove(&address);
                continue;
            };
            let storage_root = if change.storage_cleared
                || !change.storage.is_empty()
                || self.storage.contains_key(&address)
            {
                let id = if change.storage_cleared {
                    let id = self.trie.empty_trie();
                    self.storage.insert(address, id);
                    id
                } else {
                    self.storage_trie(address)?
                };
                for (slot, value) in &change.storage {
                    let slot_key = keccak256(slot.to_be_bytes::<32>());
                    if value.is_zero() {
                        self.trie.remove(id, slot_key.as_slice())?;
                    } else {
                        buf.clear();
                        rlp::encode_u256(&mut buf, value);
                        self.trie.insert(id, slot_key.as_slice(), &buf)?;
                    }
                }
                self.trie.root_hash(id)
            } else {
                match self.account(address)? {
                    Some(account) => account.storage_root,
                    None => EMPTY_ROOT,
                }
            };
            buf.clear();
            encode_account(&info, &storage_root, &mut buf);
            self.trie.insert(self.accounts, key.as_slice(), &buf)?;
        }
        self.buf = buf;
        Ok(())
    }

    fn root(&mut self) -> Result<B256, MptError> {
        Ok(self.trie.root_hash(self.accounts))
    }
}

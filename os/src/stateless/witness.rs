//! The execution witness as a stateless client receives it (a node's `debug_executionWitness`
//! answer): trie nodes, bytecodes and ancestor headers, all unverified bytes. Nothing here is
//! trusted until [`super::WitnessOracle`] has checked it against the parent's state root and
//! the block's parent hash.

use crate::block::{Header, HeaderError};
use crate::commitment::mpt::MptError;
use alloc::boxed::Box;
use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};
use core::fmt;
use hashbrown::HashMap;

/// The witness, borrowed from wherever its bytes live (the guest's input tape, a host buffer),
/// so loading it copies nothing it does not need.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExecutionWitness<'a> {
    /// RLP trie nodes of the account and storage tries, in any order.
    pub state: &'a [&'a [u8]],
    /// Bytecodes, each found by its keccak256.
    pub codes: &'a [&'a [u8]],
    /// RLP headers of recent ancestors, in any order; the parent must be among them.
    pub headers: &'a [&'a [u8]],
}

/// Why the witness cannot serve the block: it rejects the block, and names what is missing or
/// wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitnessError {
    /// A trie node is missing, malformed or does not hash to its reference.
    State(MptError),
    /// The block runs code whose hash no witness bytecode has (a bytecode that differs from
    /// the hash it is read for is this error too: it is indexed under its own hash).
    MissingCode { hash: B256 },
    /// No witness header hashes to the block's parent hash.
    MissingParent { parent_hash: B256 },
    /// Witness header `index` is not a header.
    BadHeader { index: usize, error: HeaderError },
    /// BLOCKHASH asked for a block within the last 256 whose header does not chain to the
    /// parent in the witness.
    MissingBlockHash { number: u64 },
    /// The read of this account cannot be proven.
    Account { address: Address, error: MptError },
    /// The read of this slot cannot be proven.
    Storage {
        address: Address,
        slot: U256,
        error: Box<MptError>,
    },
}

impl fmt::Display for WitnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WitnessError::State(e) => write!(f, "state witness: {e}"),
            WitnessError::MissingCode { hash } => {
                write!(f, "no witness bytecode hashes to {hash}")
            }
            WitnessError::MissingParent { parent_hash } => {
                write!(
                    f,
                    "no witness header hashes to the parent hash {parent_hash}"
                )
            }
            WitnessError::BadHeader { index, error } => {
                write!(f, "witness header {index}: {error}")
            }
            WitnessError::MissingBlockHash { number } => write!(
                f,
                "BLOCKHASH({number}) needs a header the witness does not chain to the parent"
            ),
            WitnessError::Account { address, error } => write!(f, "account {address}: {error}"),
            WitnessError::Storage {
                address,
                slot,
                error,
            } => write!(f, "storage of {address} slot {slot:#x}: {error}"),
        }
    }
}

impl From<MptError> for WitnessError {
    fn from(e: MptError) -> Self {
        WitnessError::State(e)
    }
}

/// The hashes of the parent and the ancestors before it, verified: the newest is the block's
/// parent hash and each older one is the parent hash of the header after it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ancestors {
    /// Number of the newest ancestor (the parent).
    newest: u64,
    /// `hashes[i]` is the hash of block `newest - i`.
    hashes: Vec<B256>,
}

impl Ancestors {
    /// Hashes given by a trusted source (the state tests define their own); `hashes[i]` is
    /// block `newest - i`.
    pub fn trusted(newest: u64, hashes: Vec<B256>) -> Self {
        Ancestors { newest, hashes }
    }

    /// Decodes the witness headers and follows parent hashes from `parent_hash` as far as
    /// they go: returns the parent header and the chain. Headers off the chain are ignored.
    pub fn from_headers(
        parent_hash: B256,
        headers: &[&[u8]],
    ) -> Result<(Header, Ancestors), WitnessError> {
        let mut by_hash: HashMap<B256, Header> = HashMap::with_capacity(headers.len());
        for (index, bytes) in headers.iter().enumerate() {
            let header =
                Header::decode(bytes).map_err(|error| WitnessError::BadHeader { index, error })?;
            by_hash.insert(header.hash, header);
        }
        let parent = by_hash
            .remove(&parent_hash)
            .ok_or(WitnessError::MissingParent { parent_hash })?;
        let mut hashes = alloc::vec![parent.hash];
        let mut next = parent.parent_hash;
        let mut number = parent.number;
        // At most 256 ancestors are ever read; a header must also be numbered one below its
        // child, or the chain ends there.
        while hashes.len() < 256 && number > 0 {
            match by_hash.remove(&next) {
                Some(h) if h.number == number - 1 => {
                    hashes.push(h.hash);
                    next = h.parent_hash;
                    number = h.number;
                }
                _ => break,
            }
        }
        let ancestors = Ancestors {
            newest: parent.number,
            hashes,
        };
        Ok((parent, ancestors))
    }

    /// Number of the newest ancestor (the parent).
    pub fn newest(&self) -> u64 {
        self.newest
    }

    /// `hashes()[i]` is the hash of block `newest() - i`.
    pub fn hashes(&self) -> &[B256] {
        &self.hashes
    }

    /// The hash of block `number`, if the chain reaches it.
    pub fn get(&self, number: u64) -> Option<B256> {
        let back = self.newest.checked_sub(number)?;
        self.hashes.get(usize::try_from(back).ok()?).copied()
    }
}

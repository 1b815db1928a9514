//! The witness-backed oracle: serves the bootloader's reads from the verified partial tries,
//! the witness bytecodes and the verified ancestor chain.
//!
//! The [`Oracle`] trait is infallible (execution has no error path for a read), so a read the
//! witness cannot prove records a [`WitnessError`], answers a default, and every later read
//! answers defaults too. Block processing checks [`WitnessOracle::error`] after each step and
//! rejects the block: whatever was computed from a default value is thrown away with it.

use super::witness::{Ancestors, WitnessError};
use crate::commitment::mpt::MptState;
use crate::commitment::StateCommitment;
use crate::oracle::Oracle;
use crate::types::{AccountInfo, BlockEnv, TxEnv, KECCAK_EMPTY};
use alloc::vec::Vec;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use core::cell::RefCell;
use hashbrown::HashMap;

/// An oracle over a witness: the pre-state is only what the witness proves.
pub struct WitnessOracle<'a> {
    env: BlockEnv,
    txs: Vec<TxEnv>,
    state: RefCell<MptState>,
    codes: HashMap<B256, &'a [u8]>,
    ancestors: Ancestors,
    error: RefCell<Option<WitnessError>>,
}

impl<'a> WitnessOracle<'a> {
    /// An oracle over `state` (already loaded against the pre-state root), indexing every
    /// bytecode by its hash. `env` and `txs` are the block's, for [`Oracle::block_env`] and
    /// [`Oracle::tx`].
    pub fn new(
        env: BlockEnv,
        txs: Vec<TxEnv>,
        state: MptState,
        codes: &[&'a [u8]],
        ancestors: Ancestors,
    ) -> Self {
        let codes = codes.iter().map(|c| (keccak256(c), *c)).collect();
        WitnessOracle {
            env,
            txs,
            state: RefCell::new(state),
            codes,
            ancestors,
            error: RefCell::new(None),
        }
    }

    /// The first read the witness could not prove, if any.
    pub fn error(&self) -> Option<WitnessError> {
        self.error.borrow().clone()
    }

    /// The state, for applying the block's changes once execution is over.
    pub fn into_state(self) -> MptState {
        self.state.into_inner()
    }

    /// Records `e` unless an earlier error is already recorded.
    fn fail(&self, e: WitnessError) {
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(e);
        }
    }

    /// The account with its storage root, `None` when absent or unprovable.
    fn account_state(&self, address: Address) -> Option<crate::commitment::AccountState> {
        if self.failed() {
            return None;
        }
        match self.state.borrow_mut().account(address) {
            Ok(account) => account,
            Err(error) => {
                self.fail(WitnessError::Account { address, error });
                None
            }
        }
    }
}

impl Oracle for WitnessOracle<'_> {
    fn block_env(&self) -> BlockEnv {
        self.env.clone()
    }

    fn tx_count(&self) -> usize {
        self.txs.len()
    }

    fn tx(&self, index: usize) -> TxEnv {
        self.txs[index].clone()
    }

    fn account(&self, address: Address) -> Option<AccountInfo> {
        self.account_state(address).map(|a| a.info)
    }

    fn storage(&self, address: Address, key: U256) -> U256 {
        if self.failed() {
            return U256::ZERO;
        }
        let read = self.state.borrow_mut().storage(address, key);
        read.unwrap_or_else(|error| {
            self.fail(WitnessError::Storage {
                address,
                slot: key,
                error: alloc::boxed::Box::new(error),
            });
            U256::ZERO
        })
    }

    fn storage_is_empty(&self, address: Address) -> bool {
        self.account_state(address).is_none_or(|a| !a.has_storage())
    }

    fn code(&self, code_hash: B256) -> Bytes {
        if code_hash == KECCAK_EMPTY || self.failed() {
            return Bytes::new();
        }
        match self.codes.get(&code_hash) {
            Some(code) => Bytes::copy_from_slice(code),
            None => {
                self.fail(WitnessError::MissingCode { hash: code_hash });
                Bytes::new()
            }
        }
    }

    fn failed(&self) -> bool {
        self.error.borrow().is_some()
    }

    fn block_hash(&self, number: u64) -> B256 {
        if self.failed() {
            return B256::ZERO;
        }
        self.ancestors.get(number).unwrap_or_else(|| {
            self.fail(WitnessError::MissingBlockHash { number });
            B256::ZERO
        })
    }
}

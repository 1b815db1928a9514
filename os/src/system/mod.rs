//! The system: everything below execution. Accounts, storage, transient storage, logs,
//! warm/cold sets, refunds and EIP-6780 destruction, all journaled so a frame can be reverted,
//! over the initial state the [`Oracle`] serves. At the end of a block it yields the state diff.

mod account;
pub mod delegation;
mod journal;
mod slots;

pub use account::{Account, AccountId, Slot};
pub use journal::Checkpoint;
pub use slots::Slots;

use crate::keccak_memo::KeccakMemo;
use crate::oracle::Oracle;
use crate::types::{AccountDiff, AccountInfo, Log, SpecId, StateDiff, KECCAK_EMPTY};
use alloc::vec::Vec;
use alloy_primitives::{Address, Bytes, B256, U256};
use hashbrown::{HashMap, HashSet};
use journal::Entry;

/// What an SSTORE saw, for its gas and refund rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SStoreOutcome {
    pub original: U256,
    pub present: U256,
    pub is_cold: bool,
}

/// What a SELFDESTRUCT did, for its gas rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelfDestructOutcome {
    pub had_value: bool,
    pub target_exists: bool,
    /// The target existed and was not empty (EIP-161) before the balance moved.
    pub target_live: bool,
    pub target_is_cold: bool,
    pub previously_destroyed: bool,
}

/// A slot the block wrote, with the value it held before: see [`System`]'s `written`.
#[derive(Clone, Copy, Debug)]
struct Written {
    account: AccountId,
    /// Where the slot was in its account's store. A store cleared later (the account was
    /// destroyed) voids it; the key then finds the slot again, if it was loaded anew.
    position: u32,
    key: U256,
    before: U256,
}

/// The allocations of a [`System`], handed from block to block so that a warm sequencer does
/// not allocate (or page-fault) its maps and journal anew each block.
#[derive(Default)]
pub struct StateBuffers {
    accounts: Vec<Account>,
    ids: HashMap<Address, AccountId>,
    codes: HashMap<B256, Bytes>,
    journal: Vec<Entry>,
    logs: Vec<Log>,
    transient: HashMap<(Address, U256), U256>,
    storage_pool: Vec<Slots>,
    written: Vec<Written>,
    prewarmed: HashSet<Address>,
    prewarmed_slots: HashSet<(Address, U256)>,
    keccak: KeccakMemo,
}

/// Storage maps kept for reuse at most; more are dropped.
const STORAGE_POOL_LIMIT: usize = 4096;
/// Room for distinct codes kept across blocks at most (the map is kept, never its codes).
const CODE_CACHE_LIMIT: usize = 65536;

/// The journaled state of one block's execution.
pub struct System<'o> {
    oracle: &'o dyn Oracle,
    spec: SpecId,
    /// Accounts in the order the block loaded them; an account's index is its
    /// [`AccountId`] until the block ends (accounts leave the cache only then).
    accounts: Vec<Account>,
    ids: HashMap<Address, AccountId>,
    /// The account looked up last: runs of state access to one account (a contract's SLOADs
    /// and SSTOREs) skip the address lookup.
    last: Option<(Address, AccountId)>,
    codes: HashMap<B256, Bytes>,
    journal: Vec<Entry>,
    logs: Vec<Log>,
    transient: HashMap<(Address, U256), U256>,
    storage_pool: Vec<Slots>,
    /// Slots in the order the block first wrote them, with the value they held before: the
    /// state diff's storage, in an order fixed by execution alone (no sort, no dependence on
    /// hash-map layout). The value before the first write is the block-initial one wherever
    /// it matters: storage is only wiped (create, destruct) where it is empty or already
    /// wiped, and wiped storage is compared against zero.
    written: Vec<Written>,
    /// Accounts and slots warm for the whole transaction from its start (EIP-2929 and
    /// EIP-2930: sender, recipient, precompiles, access list, coinbase), kept apart from the
    /// account cache so that warming reads nothing: a stateless witness holds only what the
    /// transaction actually reads.
    prewarmed: HashSet<Address>,
    prewarmed_slots: HashSet<(Address, U256)>,
    /// KECCAK256's memo, kept from block to block (it holds hashes, not state).
    keccak: KeccakMemo,
    refund: i64,
    /// Counts the block's transactions; stamps slots (see [`Slot::refresh`]).
    tx: u32,
}

impl<'o> System<'o> {
    /// A system over the oracle's initial state under fork `spec`.
    pub fn new(oracle: &'o dyn Oracle, spec: SpecId) -> Self {
        Self::with_buffers(oracle, spec, StateBuffers::default())
    }

    /// Like [`System::new`], reusing the allocations of an earlier block.
    pub fn with_buffers(oracle: &'o dyn Oracle, spec: SpecId, b: StateBuffers) -> Self {
        System {
            oracle,
            spec,
            accounts: b.accounts,
            ids: b.ids,
            last: None,
            codes: b.codes,
            journal: b.journal,
            logs: b.logs,
            transient: b.transient,
            storage_pool: b.storage_pool,
            written: b.written,
            prewarmed: b.prewarmed,
            prewarmed_slots: b.prewarmed_slots,
            keccak: b.keccak,
            refund: 0,
            tx: 0,
        }
    }

    /// Ends the block's use of the system, keeping its allocations (emptied) for the next.
    fn into_buffers(mut self) -> StateBuffers {
        self.ids.clear();
        for mut acc in self.accounts.drain(..) {
            if self.storage_pool.len() < STORAGE_POOL_LIMIT && acc.storage.capacity() > 0 {
                acc.storage.clear();
                self.storage_pool.push(acc.storage);
            }
        }
        // Roomiest last: `slot` pops from the end.
        self.storage_pool.sort_unstable_by_key(|m| m.capacity());
        // Codes are this block's oracle's answers: the next block asks its own. Served from
        // here, a code would reach a block whose witness lacks it (a witness the guest, cold,
        // rejects), and the empty answer to a code the oracle could not give would outlive
        // its block. The analysed code stays cached by hash in the execution environment.
        if self.codes.capacity() > CODE_CACHE_LIMIT {
            self.codes = HashMap::new();
        } else {
            self.codes.clear();
        }
        self.journal.clear();
        self.logs.clear();
        self.transient.clear();
        self.written.clear();
        self.prewarmed.clear();
        self.prewarmed_slots.clear();
        StateBuffers {
            accounts: self.accounts,
            ids: self.ids,
            codes: self.codes,
            journal: self.journal,
            logs: self.logs,
            transient: self.transient,
            storage_pool: self.storage_pool,
            written: self.written,
            prewarmed: self.prewarmed,
            prewarmed_slots: self.prewarmed_slots,
            keccak: self.keccak,
        }
    }

    /// The fork in force.
    #[inline]
    pub fn spec(&self) -> SpecId {
        self.spec
    }

    /// The oracle behind the state (for BLOCKHASH and the like).
    pub fn oracle(&self) -> &'o dyn Oracle {
        self.oracle
    }

    /// The account's id, loading it from the oracle on first use.
    #[inline]
    fn id(&mut self, address: Address) -> AccountId {
        if let Some((last, id)) = self.last {
            if last == address {
                return id;
            }
        }
        let id = self.lookup(address);
        self.last = Some((address, id));
        id
    }

    fn lookup(&mut self, address: Address) -> AccountId {
        let (accounts, oracle) = (&mut self.accounts, self.oracle);
        *self.ids.entry(address).or_insert_with(|| {
            let initial = oracle.account(address);
            accounts.push(Account {
                address,
                info: initial.unwrap_or_default(),
                initial,
                exists: initial.is_some(),
                ..Default::default()
            });
            // Ids are u32: a block cannot load 2^32 accounts (each costs gas).
            (accounts.len() - 1) as AccountId
        })
    }

    #[inline]
    fn load(&mut self, address: Address) -> &mut Account {
        let id = self.id(address);
        &mut self.accounts[id as usize]
    }

    /// The loaded account `id` (journal entries name only loaded accounts).
    #[inline]
    fn acc(&mut self, id: AccountId) -> &mut Account {
        &mut self.accounts[id as usize]
    }

    /// The account (loading it from the oracle on first use).
    pub fn account(&mut self, address: Address) -> &Account {
        self.load(address)
    }

    /// Marks the account warm; returns whether it was cold (EIP-2929).
    pub fn warm_account(&mut self, address: Address) -> bool {
        let id = self.id(address);
        let acc = self.acc(id);
        if acc.warm {
            return false;
        }
        acc.warm = true;
        self.journal.push(Entry::AccountWarmed(id));
        !self.prewarmed.contains(&address)
    }

    /// Makes the account warm for the rest of the transaction without reading it (the
    /// transaction's own addresses and access list, at its start).
    pub fn prewarm_account(&mut self, address: Address) {
        self.prewarmed.insert(address);
    }

    /// Makes a slot warm for the rest of the transaction without reading it (EIP-2930).
    pub fn prewarm_slot(&mut self, address: Address, key: U256) {
        self.prewarmed_slots.insert((address, key));
    }

    /// Whether a slot not yet warm in the cache was warmed at the transaction's start.
    #[inline]
    fn slot_prewarmed(&self, address: Address, key: U256) -> bool {
        !self.prewarmed_slots.is_empty() && self.prewarmed_slots.contains(&(address, key))
    }

    /// Current account data.
    #[inline]
    pub fn info(&mut self, address: Address) -> AccountInfo {
        self.load(address).info
    }

    /// Whether the account exists (EIP-161 distinguishes existing-but-empty accounts).
    pub fn exists(&mut self, address: Address) -> bool {
        self.load(address).exists
    }

    /// Exists and is not empty: what "dead" means in EIP-161 reversed.
    pub fn is_live(&mut self, address: Address) -> bool {
        let acc = self.load(address);
        acc.exists && !acc.info.is_empty()
    }

    /// The account's code.
    pub fn code(&mut self, address: Address) -> (B256, Bytes) {
        let hash = self.load(address).info.code_hash;
        (hash, self.code_by_hash(hash))
    }

    /// EIP-7702: the account `address` delegates to, when its code is a designator. Callers
    /// check the fork (designators only mean this from Prague on).
    pub fn delegation(&mut self, address: Address) -> Option<Address> {
        let hash = self.load(address).info.code_hash;
        if hash == KECCAK_EMPTY {
            return None;
        }
        // Every CALL asks this: read the cached code in place rather than clone it.
        let oracle = self.oracle;
        let code = self.codes.entry(hash).or_insert_with(|| oracle.code(hash));
        delegation::target(code)
    }

    /// Code by hash, from the cache or the oracle.
    pub fn code_by_hash(&mut self, hash: B256) -> Bytes {
        if hash == KECCAK_EMPTY {
            return Bytes::new();
        }
        if let Some(code) = self.codes.get(&hash) {
            return code.clone();
        }
        let code = self.oracle.code(hash);
        self.codes.insert(hash, code.clone());
        code
    }

    /// Makes the account part of the state for this transaction (EIP-161 "touch").
    pub fn touch(&mut self, address: Address) {
        let id = self.id(address);
        let acc = self.acc(id);
        if acc.touched && acc.exists {
            return;
        }
        let entry = Entry::Touched {
            account: id,
            was_touched: acc.touched,
            existed: acc.exists,
        };
        acc.touched = true;
        acc.exists = true;
        self.journal.push(entry);
    }

    /// Sets the balance (touches the account).
    pub fn set_balance(&mut self, address: Address, balance: U256) {
        self.touch(address);
        let id = self.id(address);
        let acc = self.acc(id);
        let old = acc.info.balance;
        acc.info.balance = balance;
        self.journal.push(Entry::Balance(id, old));
    }

    /// Adds to the balance; `false` (and no change) on overflow.
    pub fn add_balance(&mut self, address: Address, value: U256) -> bool {
        self.update_balance(address, |b| b.checked_add(value))
    }

    /// Subtracts from the balance; `false` (and no change) when it is too small.
    pub fn sub_balance(&mut self, address: Address, value: U256) -> bool {
        self.update_balance(address, |b| b.checked_sub(value))
    }

    /// Applies `f` to the balance; `None` from `f` leaves it unchanged and returns `false`.
    fn update_balance(&mut self, address: Address, f: impl FnOnce(U256) -> Option<U256>) -> bool {
        match f(self.info(address).balance) {
            Some(b) => {
                self.set_balance(address, b);
                true
            }
            None => false,
        }
    }

    /// Moves `value` from `from` to `to`, touching both; `false` when `from` cannot pay.
    pub fn transfer(&mut self, from: Address, to: Address, value: U256) -> bool {
        if from == to || value.is_zero() {
            if self.info(from).balance < value {
                return false;
            }
            // A zero-value (or self) transfer changes no balance but still touches both.
            self.touch(from);
            self.touch(to);
            return true;
        }
        if !self.sub_balance(from, value) {
            return false;
        }
        if !self.add_balance(to, value) {
            // Cannot happen with a real supply; keep the state consistent anyway.
            self.add_balance(from, value);
            return false;
        }
        true
    }

    /// Sets the nonce.
    pub fn set_nonce(&mut self, address: Address, nonce: u64) {
        self.touch(address);
        let id = self.id(address);
        let acc = self.acc(id);
        let old = acc.info.nonce;
        acc.info.nonce = nonce;
        self.journal.push(Entry::Nonce(id, old));
    }

    /// Increments the nonce; `None` when it is at its maximum.
    pub fn bump_nonce(&mut self, address: Address) -> Option<u64> {
        let nonce = self.info(address).nonce;
        let next = nonce.checked_add(1)?;
        self.set_nonce(address, next);
        Some(nonce)
    }

    /// Installs code (a finished CREATE).
    pub fn set_code(&mut self, address: Address, code: Bytes, hash: B256) {
        self.codes.entry(hash).or_insert(code);
        self.touch(address);
        let id = self.id(address);
        let acc = self.acc(id);
        let entry = Entry::Code {
            account: id,
            hash: acc.info.code_hash,
            changed: acc.code_changed,
        };
        acc.info.code_hash = hash;
        acc.code_changed = true;
        self.journal.push(entry);
    }

    /// Turns `address` into a freshly created account: storage empty, flagged as created in
    /// this transaction (EIP-6780), nonce 1 from Spurious Dragon on. Balance is kept.
    pub fn create_account(&mut self, address: Address) {
        self.touch(address);
        let spec = self.spec;
        let tx = self.tx;
        let id = self.id(address);
        let acc = self.acc(id);
        let entry = Entry::Created {
            account: id,
            was_created: acc.created_in_tx,
            was_cleared: acc.storage_cleared,
            existed: acc.exists,
        };
        acc.created_in_tx = true;
        acc.storage_cleared = true;
        let mut resets = Vec::new();
        for (position, _, slot) in acc.storage.iter_mut() {
            slot.refresh(tx);
            if !slot.present.is_zero() || !slot.original.is_zero() {
                resets.push(Entry::StorageReset(
                    id,
                    position,
                    slot.present,
                    slot.original,
                ));
                slot.present = U256::ZERO;
                slot.original = U256::ZERO;
            }
        }
        self.journal.push(entry);
        self.journal.extend(resets);
        if spec >= SpecId::SpuriousDragon {
            self.set_nonce(address, 1);
        }
    }

    /// The slot with its account id and position, loaded from the oracle on first use (zero
    /// when the block wiped the storage).
    #[inline]
    fn slot(&mut self, address: Address, key: U256) -> (AccountId, u32, &mut Slot) {
        let id = self.id(address);
        let oracle = self.oracle;
        let tx = self.tx;
        let acc = &mut self.accounts[id as usize];
        if acc.storage.capacity() == 0 {
            // The first slot of this account in the block: take the roomiest pooled store
            // (accounts without storage never take one, so the big ones go where slots are).
            if let Some(store) = self.storage_pool.pop() {
                acc.storage = store;
            }
        }
        let cleared = acc.storage_cleared;
        let position = acc.storage.position_or_insert(key, || {
            let v = if cleared {
                U256::ZERO
            } else {
                oracle.storage(address, key)
            };
            Slot {
                original: v,
                present: v,
                tx,
                warm: false,
                written: false,
            }
        });
        let slot = acc.storage.at(position);
        slot.refresh(tx);
        (id, position, slot)
    }

    /// Reads a slot; returns the value and whether the slot was cold.
    #[inline]
    pub fn sload(&mut self, address: Address, key: U256) -> (U256, bool) {
        let (id, position, slot) = self.slot(address, key);
        let value = slot.present;
        if slot.warm {
            return (value, false);
        }
        slot.warm = true;
        self.journal.push(Entry::SlotWarmed(id, position));
        (value, !self.slot_prewarmed(address, key))
    }

    /// Writes a slot; returns what its gas rules need.
    #[inline(always)]
    pub fn sstore(&mut self, address: Address, key: U256, value: U256) -> SStoreOutcome {
        let (id, position, slot) = self.slot(address, key);
        let was_warm = slot.warm;
        let (original, present) = (slot.original, slot.present);
        slot.warm = true;
        let first_write = present != value && !slot.written;
        if present != value {
            slot.present = value;
            slot.written = true;
        }
        if first_write {
            self.written.push(Written {
                account: id,
                position,
                key,
                before: present,
            });
        }
        if !was_warm {
            self.journal.push(Entry::SlotWarmed(id, position));
        }
        if present != value {
            self.journal.push(Entry::Storage(id, position, present));
        }
        let is_cold = !was_warm && !self.slot_prewarmed(address, key);
        SStoreOutcome {
            original,
            present,
            is_cold,
        }
    }

    /// KECCAK256 of `input` (memoized: mapping slots are hashed again and again).
    #[inline]
    pub fn keccak256(&mut self, input: &[u8]) -> [u8; 32] {
        self.keccak.keccak256(input)
    }

    /// TLOAD (EIP-1153).
    pub fn tload(&mut self, address: Address, key: U256) -> U256 {
        self.transient
            .get(&(address, key))
            .copied()
            .unwrap_or_default()
    }

    /// TSTORE (EIP-1153).
    pub fn tstore(&mut self, address: Address, key: U256, value: U256) {
        let old = self
            .transient
            .insert((address, key), value)
            .unwrap_or_default();
        if old != value {
            self.journal.push(Entry::Transient(address, key, old));
        }
    }

    /// Records an event.
    pub fn log(&mut self, log: Log) {
        self.logs.push(log);
    }

    /// Adds `delta` to the refund counter.
    pub fn add_refund(&mut self, delta: i64) {
        if delta != 0 {
            self.journal.push(Entry::Refund(self.refund));
            self.refund += delta;
        }
    }

    /// The refund counter of the running transaction.
    pub fn refund(&self) -> i64 {
        self.refund
    }

    /// SELFDESTRUCT of `address` in favour of `target`: moves the balance and, before Cancun
    /// or for an account created in this transaction (EIP-6780), marks it for deletion.
    pub fn selfdestruct(&mut self, address: Address, target: Address) -> SelfDestructOutcome {
        let target_is_cold = self.warm_account(target);
        let target_exists = self.exists(target);
        let target_live = self.is_live(target);
        let acc = self.load(address);
        let balance = acc.info.balance;
        let previously_destroyed = acc.destructed;
        let created = acc.created_in_tx;
        let destroy = self.spec < SpecId::Cancun || created;
        if address != target {
            self.add_balance(target, balance);
            self.set_balance(address, U256::ZERO);
        } else if destroy {
            self.set_balance(address, U256::ZERO);
        } else {
            self.touch(address);
        }
        if destroy && !previously_destroyed {
            let id = self.id(address);
            self.acc(id).destructed = true;
            self.journal.push(Entry::Destructed(id, false));
        }
        SelfDestructOutcome {
            had_value: !balance.is_zero(),
            target_exists,
            target_live,
            target_is_cold,
            previously_destroyed,
        }
    }

    /// Whether the account has storage (EIP-7610 collision rule): what the oracle says for the
    /// initial state, unless the block wiped it, or any non-zero slot written since.
    pub fn has_storage(&mut self, address: Address) -> bool {
        let oracle = self.oracle;
        let acc = self.load(address);
        (!acc.storage_cleared && !oracle.storage_is_empty(address))
            || acc.storage.iter().any(|(_, _, s)| !s.present.is_zero())
    }

    /// Whether the account was created in the running transaction.
    pub fn created_in_tx(&mut self, address: Address) -> bool {
        self.load(address).created_in_tx
    }

    /// A point the running frame can revert to.
    #[inline]
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            journal: self.journal.len(),
            logs: self.logs.len(),
        }
    }

    /// Undoes every change since `cp`.
    pub fn revert(&mut self, cp: Checkpoint) {
        while self.journal.len() > cp.journal {
            let entry = self.journal.pop().expect("non-empty");
            self.undo(entry);
        }
        self.logs.truncate(cp.logs);
    }

    fn undo(&mut self, entry: Entry) {
        match entry {
            Entry::AccountWarmed(a) => self.acc(a).warm = false,
            Entry::SlotWarmed(a, i) => self.acc(a).storage.at(i).warm = false,
            Entry::Touched {
                account,
                was_touched,
                existed,
            } => {
                let acc = self.acc(account);
                acc.touched = was_touched;
                acc.exists = existed;
            }
            Entry::Balance(a, v) => self.acc(a).info.balance = v,
            Entry::Nonce(a, v) => self.acc(a).info.nonce = v,
            Entry::Code {
                account,
                hash,
                changed,
            } => {
                let acc = self.acc(account);
                acc.info.code_hash = hash;
                acc.code_changed = changed;
            }
            Entry::Storage(a, i, v) => self.acc(a).storage.at(i).present = v,
            Entry::StorageReset(a, i, present, original) => {
                let s = self.acc(a).storage.at(i);
                s.present = present;
                s.original = original;
            }
            Entry::Transient(a, k, v) => {
                self.transient.insert((a, k), v);
            }
            Entry::Created {
                account,
                was_created,
                was_cleared,
                existed,
            } => {
                let acc = self.acc(account);
                acc.created_in_tx = was_created;
                acc.storage_cleared = was_cleared;
                acc.exists = existed;
            }
            Entry::Destructed(a, v) => self.acc(a).destructed = v,
            Entry::Refund(v) => self.refund = v,
        }
    }

    /// Takes the logs emitted so far (at the end of a transaction).
    pub fn take_logs(&mut self) -> Vec<Log> {
        core::mem::take(&mut self.logs)
    }

    /// Ends the transaction: deletes destroyed and (from Spurious Dragon) touched empty
    /// accounts, turns present values into originals and clears per-transaction state.
    pub fn finish_tx(&mut self) {
        let journal = core::mem::take(&mut self.journal);
        let clear_empty = self.spec >= SpecId::SpuriousDragon;
        // Slots need nothing: the new transaction stamp makes their `original` and `warm`
        // fields stale, and `Slot::refresh` renews them on next access.
        self.tx = self.tx.wrapping_add(1);
        for entry in journal.iter() {
            let id = match *entry {
                Entry::AccountWarmed(a)
                | Entry::Balance(a, _)
                | Entry::Nonce(a, _)
                | Entry::Destructed(a, _) => a,
                Entry::Touched { account, .. }
                | Entry::Code { account, .. }
                | Entry::Created { account, .. } => account,
                _ => continue,
            };
            let acc = self.acc(id);
            let delete =
                acc.destructed || (clear_empty && acc.touched && acc.exists && acc.info.is_empty());
            if delete {
                acc.info = AccountInfo::default();
                acc.exists = false;
                acc.storage.clear();
                acc.storage_cleared = true;
                acc.code_changed = false;
            }
            acc.warm = false;
            acc.touched = false;
            acc.created_in_tx = false;
            acc.destructed = false;
        }
        let mut journal = journal;
        journal.clear();
        self.journal = journal;
        self.transient.clear();
        self.logs.clear();
        self.prewarmed.clear();
        self.prewarmed_slots.clear();
        self.refund = 0;
    }

    /// Drops the running transaction's changes entirely (it turned out invalid).
    pub fn discard_tx(&mut self) {
        self.revert(Checkpoint {
            journal: 0,
            logs: 0,
        });
        self.finish_tx();
    }

    /// Ends the block: everything it changed (accounts sorted by address, each account's
    /// slots in the order the block first wrote them) and the allocations for the next block.
    pub fn finish_block(mut self) -> (StateDiff, StateBuffers) {
        const NONE: u32 = u32::MAX;
        let mut accounts = Vec::new();
        // Per account id: its place in `accounts`, or NONE.
        let mut diff_of: Vec<u32> = alloc::vec![NONE; self.accounts.len()];
        for (id, acc) in self.accounts.iter().enumerate() {
            if !acc.exists {
                if acc.initial.is_some() {
                    accounts.push(AccountDiff {
                        address: acc.address,
                        info: None,
                        code: None,
                        storage_cleared: true,
                        storage: Vec::new(),
                    });
                }
                continue;
            }
            if acc.initial != Some(acc.info) || acc.storage_cleared || acc.code_changed {
                diff_of[id] = accounts.len() as u32;
                accounts.push(self.account_diff(acc));
            }
        }
        let written = core::mem::take(&mut self.written);
        for w in written.iter() {
            let acc = &mut self.accounts[w.account as usize];
            if !acc.exists {
                continue;
            }
            let cleared = acc.storage_cleared;
            let position = match acc.storage.entry_at(w.position) {
                Some((key, _)) if key == w.key => Some(w.position),
                // The store was cleared since: the key is where it was loaded anew, if it was.
                _ => acc.storage.position(&w.key),
            };
            let Some(slot) = position.map(|i| acc.storage.at(i)).filter(|s| s.written) else {
                continue;
            };
            // A key written again after its account's storage was wiped appears twice: the
            // first visit clears the mark, so it is reported once.
            slot.written = false;
            let present = slot.present;
            let changed = if cleared {
                !present.is_zero()
            } else {
                present != w.before
            };
            if !changed {
                continue;
            }
            let id = w.account as usize;
            if diff_of[id] == NONE {
                diff_of[id] = accounts.len() as u32;
                accounts.push(self.account_diff(&self.accounts[id]));
            }
            accounts[diff_of[id] as usize]
                .storage
                .push((w.key, present));
        }
        self.written = written;
        accounts.sort_unstable_by_key(|a| a.address);
        (StateDiff { accounts }, self.into_buffers())
    }

    fn account_diff(&self, acc: &Account) -> AccountDiff {
        AccountDiff {
            address: acc.address,
            info: Some(acc.info),
            code: if acc.code_changed {
                self.codes.get(&acc.info.code_hash).cloned()
            } else {
                None
            },
            storage_cleared: acc.storage_cleared,
            storage: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::bootloader::Bootloader;
    use crate::oracle::{GenesisAccount, InMemoryOracle, Oracle};
    use crate::types::{AccountInfo, BlockEnv, TxEnv, TxStatus};
    use alloy_primitives::{Address, Bytes, B256, U256};
    use core::cell::Cell;

    /// An oracle that counts code reads and can withhold codes.
    struct Counting {
        inner: InMemoryOracle,
        code_reads: Cell<usize>,
        withhold: bool,
    }

    impl Oracle for Counting {
        fn block_env(&self) -> BlockEnv {
            self.inner.block_env()
        }
        fn tx_count(&self) -> usize {
            self.inner.tx_count()
        }
        fn tx(&self, index: usize) -> TxEnv {
            self.inner.tx(index)
        }
        fn account(&self, address: Address) -> Option<AccountInfo> {
            self.inner.account(address)
        }
        fn storage(&self, address: Address, key: U256) -> U256 {
            self.inner.storage(address, key)
        }
        fn storage_is_empty(&self, address: Address) -> bool {
            self.inner.storage_is_empty(address)
        }
        fn code(&self, code_hash: B256) -> Bytes {
            self.code_reads.set(self.code_reads.get() + 1);
            if self.withhold {
                Bytes::new()
            } else {
                self.inner.code(code_hash)
            }
        }
        fn block_hash(&self, number: u64) -> B256 {
            self.inner.block_hash(number)
        }
    }

    /// A block calling a contract that stores 1 at slot 0.
    fn block(withhold: bool) -> Counting {
        let caller = Address::repeat_byte(0xca);
        let contract = Address::repeat_byte(0xc0);
        let tx = TxEnv {
            caller,
            to: Some(contract),
            gas_limit: 100_000,
            ..Default::default()
        };
        let mut inner = InMemoryOracle::new(BlockEnv::default(), alloc::vec![tx]);
        inner.insert_account(
            caller,
            GenesisAccount {
                balance: U256::from(10u64.pow(18)),
                ..Default::default()
            },
        );
        inner.insert_account(
            contract,
            GenesisAccount {
                // SSTORE(0, 1) STOP
                code: Bytes::from_static(&[0x60, 0x01, 0x60, 0x00, 0x55, 0x00]),
                ..Default::default()
            },
        );
        Counting {
            inner,
            code_reads: Cell::new(0),
            withhold,
        }
    }

    #[test]
    fn every_block_asks_its_own_oracle_for_code() {
        let mut boot = Bootloader::new();
        let first = block(false);
        let result = boot.run_block(&first);
        assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
        assert_eq!(result.state_diff.accounts.len(), 2, "caller and contract");
        assert_eq!(first.code_reads.get(), 1);

        // The same contract in the next block: its code comes from that block's oracle,
        // here one that cannot give it, so the call runs no code and stores nothing.
        let second = block(true);
        let result = boot.run_block(&second);
        assert!(second.code_reads.get() >= 1, "the code was asked for again");
        assert_eq!(
            result.state_diff.accounts.len(),
            1,
            "only the caller changed"
        );

        // And the empty answer does not outlive its block either.
        let third = block(false);
        let result = boot.run_block(&third);
        assert_eq!(result.state_diff.accounts.len(), 2);
    }
}

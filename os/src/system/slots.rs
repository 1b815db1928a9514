//! One account's loaded storage slots: kept dense in the order they were first loaded, with a
//! hash index of 4-byte positions beside them. A slot's position stays fixed until the store
//! is cleared (at a transaction's end at the earliest), so the journal and the block's written
//! list name slots by position and reach them without hashing. The index is a twelfth of a
//! map holding the slots themselves, so it stays in cache on storage-heavy blocks.

use super::account::Slot;
use alloc::vec::Vec;
use alloy_primitives::U256;
use core::hash::BuildHasher;
use hashbrown::{DefaultHashBuilder, HashTable};

/// Loaded slots of one account, by key; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct Slots {
    entries: Vec<(U256, Slot)>,
    index: HashTable<u32>,
    /// Seeded per store: an attacker choosing keys cannot aim at collisions.
    hasher: DefaultHashBuilder,
}

impl Slots {
    #[inline(always)]
    fn hash(&self, key: &U256) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The position of `key`, inserting the slot `make` builds when it is not loaded yet.
    #[inline]
    pub fn position_or_insert(&mut self, key: U256, make: impl FnOnce() -> Slot) -> u32 {
        let hash = self.hash(&key);
        let entries = &self.entries;
        if let Some(&i) = self.index.find(hash, |&i| entries[i as usize].0 == key) {
            return i;
        }
        self.insert_new(hash, key, make())
    }

    #[cold]
    #[inline(never)]
    fn insert_new(&mut self, hash: u64, key: U256, slot: Slot) -> u32 {
        // Positions are u32: a block cannot load 2^32 slots (each costs at least 100 gas).
        let i = self.entries.len() as u32;
        self.entries.push((key, slot));
        let (entries, hasher) = (&self.entries, &self.hasher);
        self.index
            .insert_unique(hash, i, |&j| hasher.hash_one(entries[j as usize].0));
        i
    }

    /// The position of `key`, when it is loaded.
    #[inline]
    pub fn position(&self, key: &U256) -> Option<u32> {
        let hash = self.hash(key);
        self.index
            .find(hash, |&i| self.entries[i as usize].0 == *key)
            .copied()
    }

    /// The slot at position `i` (from [`Slots::position_or_insert`] since the last clear).
    #[inline(always)]
    pub fn at(&mut self, i: u32) -> &mut Slot {
        &mut self.entries[i as usize].1
    }

    /// The key and slot at position `i`, when the position exists.
    #[inline]
    pub fn entry_at(&mut self, i: u32) -> Option<(U256, &mut Slot)> {
        self.entries
            .get_mut(i as usize)
            .map(|(key, slot)| (*key, slot))
    }

    /// The slot of `key`, when it is loaded.
    #[inline]
    pub fn get_mut(&mut self, key: &U256) -> Option<&mut Slot> {
        let i = self.position(key)?;
        Some(self.at(i))
    }

    /// Every loaded slot with its position, in load order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &U256, &Slot)> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, (key, slot))| (i as u32, key, slot))
    }

    /// Every loaded slot, mutably, with its position and key.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, U256, &mut Slot)> {
        self.entries
            .iter_mut()
            .enumerate()
            .map(|(i, (key, slot))| (i as u32, *key, slot))
    }

    /// Forgets every slot (positions handed out before are void), keeping the allocations.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
    }

    /// Room allocated, in slots: zero for a store that never held one.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(v: u64) -> Slot {
        Slot {
            original: U256::from(v),
            present: U256::from(v),
            ..Default::default()
        }
    }

    #[test]
    fn positions_are_stable_and_found_again() {
        let mut s = Slots::default();
        let keys: Vec<U256> = (0..5000u64)
            .map(|i| U256::from(i).wrapping_mul(U256::from(0x9e37_79b9_7f4a_7c15u64)) << 7)
            .collect();
        for (n, k) in keys.iter().enumerate() {
            assert_eq!(s.position_or_insert(*k, || slot(n as u64)), n as u32);
        }
        for (n, k) in keys.iter().enumerate() {
            // Present keys are not rebuilt.
            let i = s.position_or_insert(*k, || panic!("key {n} was loaded"));
            assert_eq!(i, n as u32);
            assert_eq!(s.position(k), Some(n as u32));
            assert_eq!(s.at(i).present, U256::from(n));
            assert_eq!(s.entry_at(i).map(|(key, _)| key), Some(*k));
        }
        assert_eq!(s.position(&U256::from(1)), None);
        assert!(s.entry_at(5000).is_none());
        let order: Vec<u32> = s.iter().map(|(i, _, _)| i).collect();
        assert_eq!(order, (0..5000).collect::<Vec<_>>());
    }

    #[test]
    fn clear_forgets_but_keeps_room() {
        let mut s = Slots::default();
        assert_eq!(s.capacity(), 0);
        for i in 0..100u64 {
            s.position_or_insert(U256::from(i), || slot(i));
        }
        let room = s.capacity();
        s.clear();
        assert_eq!(s.capacity(), room);
        assert_eq!(s.position(&U256::from(3)), None);
        assert!(s.get_mut(&U256::from(3)).is_none());
        assert_eq!(s.position_or_insert(U256::from(7), || slot(9)), 0);
        assert_eq!(
            s.get_mut(&U256::from(7)).map(|s| s.present),
            Some(U256::from(9))
        );
    }
}

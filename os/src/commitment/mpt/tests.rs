//! The trie against alloy-trie's roots and proofs: random operation sequences on full and
//! partial tries, the collapse cases, state diffs, tampered witnesses and the mainnet witness.

use super::node::NONE;
use super::*;
use crate::commitment::{StateCommitment, EMPTY_ROOT};
use crate::rlp::tests::Rng;
use crate::rlp::Item;
use crate::types::{AccountDiff, AccountInfo, StateDiff, KECCAK_EMPTY};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_trie::proof::ProofRetainer;
use alloy_trie::{HashBuilder, Nibbles as AlloyNibbles};
use std::collections::HashMap;

type Map = BTreeMap<B256, Vec<u8>>;

/// alloy-trie's root over `map`.
fn reference_root(map: &Map) -> B256 {
    let mut builder = HashBuilder::default();
    for (key, value) in map {
        builder.add_leaf(AlloyNibbles::unpack(key), value);
    }
    builder.root()
}

/// The nodes alloy-trie retains as the proofs of `targets` (present or absent keys): what a
/// witness for those keys holds.
fn reference_proof(map: &Map, targets: &[B256]) -> Vec<Vec<u8>> {
    let retainer = ProofRetainer::new(targets.iter().map(AlloyNibbles::unpack).collect());
    let mut builder = HashBuilder::default().with_proof_retainer(retainer);
    for (key, value) in map {
        builder.add_leaf(AlloyNibbles::unpack(key), value);
    }
    builder.root();
    builder
        .take_proof_nodes()
        .into_inner()
        .into_values()
        .map(|node| node.to_vec())
        .collect()
}

/// Every node of the trie over `map`, by hash.
fn all_nodes(map: &Map) -> HashMap<B256, Vec<u8>> {
    let keys: Vec<B256> = map.keys().copied().collect();
    reference_proof(map, &keys)
        .into_iter()
        .map(|node| (keccak256(&node), node))
        .collect()
}

fn random_b256(rng: &mut Rng) -> B256 {
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes());
    }
    B256::new(out)
}

/// Keys that share long prefixes with earlier ones often, so extensions, deep branches and
/// embedded nodes all occur.
fn random_key(rng: &mut Rng, seen: &[B256]) -> B256 {
    let fresh = random_b256(rng);
    if seen.is_empty() || rng.next().is_multiple_of(3) {
        return fresh;
    }
    let base = seen[(rng.next() % seen.len() as u64) as usize];
    // Keep the first `keep` nibbles of the base, randomise the rest.
    let keep = match rng.next() % 3 {
        0 => (rng.next() % 64) as usize,
        _ => 56 + (rng.next() % 8) as usize,
    };
    let mut out = fresh.0;
    for i in 0..keep {
        let nibble = (base.0[i / 2] >> (4 * (1 - i % 2))) & 0xf;
        let shift = 4 * (1 - i % 2);
        out[i / 2] = (out[i / 2] & !(0xf << shift)) | (nibble << shift);
    }
    B256::new(out)
}

/// Short values (embedded leaves) and long ones (hashed leaves).
fn random_value(rng: &mut Rng) -> Vec<u8> {
    let len = 1 + (rng.next() % 40) as usize;
    (0..len).map(|_| rng.next() as u8).collect()
}

#[test]
fn random_operations_match_alloy() {
    for seed in 1..=12u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut mpt = Mpt::new();
        let trie = mpt.empty_trie();
        let mut model = Map::new();
        let mut seen = Vec::new();
        for step in 0..600 {
            let r = rng.next() % 10;
            if r < 6 || model.is_empty() {
                let key = random_key(&mut rng, &seen);
                seen.push(key);
                let value = random_value(&mut rng);
                mpt.insert(trie, key.as_slice(), &value).unwrap();
                model.insert(key, value);
            } else if r < 8 {
                // Update an existing key.
                let key = *model
                    .keys()
                    .nth((rng.next() % model.len() as u64) as usize)
                    .unwrap();
                let value = random_value(&mut rng);
                mpt.insert(trie, key.as_slice(), &value).unwrap();
                model.insert(key, value);
            } else {
                let key = if rng.next().is_multiple_of(4) {
                    random_key(&mut rng, &seen)
                } else {
                    *model
                        .keys()
                        .nth((rng.next() % model.len() as u64) as usize)
                        .unwrap()
                };
                let removed = mpt.remove(trie, key.as_slice()).unwrap();
                assert_eq!(removed, model.remove(&key).is_some());
            }
            if step % 7 == 0 || model.len() < 4 {
                assert_eq!(
                    mpt.root_hash(trie),
                    reference_root(&model),
                    "seed {seed} step {step}"
                );
            }
        }
        assert_eq!(mpt.root_hash(trie), reference_root(&model));
        for (key, value) in &model {
            assert_eq!(
                mpt.get(trie, key.as_slice()).unwrap(),
                Some(value.as_slice())
            );
        }
        // Delete everything: back to the empty root.
        for key in model.keys() {
            assert!(mpt.remove(trie, key.as_slice()).unwrap());
        }
        assert_eq!(mpt.root_hash(trie), EMPTY_ROOT);
    }
}

#[test]
fn variable_length_keys_match_alloy() {
    // The transaction and receipt tries: keys rlp(index), values arbitrary.
    let mut rng = Rng(99);
    for count in [0usize, 1, 2, 3, 16, 127, 128, 129, 300] {
        let mut mpt = Mpt::new();
        let trie = mpt.empty_trie();
        let mut model = BTreeMap::new();
        for i in 0..count {
            let key = alloy_rlp::encode(i);
            let value = random_value(&mut rng);
            mpt.insert(trie, &key, &value).unwrap();
            model.insert(key, value);
        }
        let mut builder = HashBuilder::default();
        for (key, value) in &model {
            builder.add_leaf(AlloyNibbles::unpack(key), value);
        }
        assert_eq!(mpt.root_hash(trie), builder.root(), "{count} items");
    }
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    mpt.insert(trie, &[0x12, 0x34], b"x").unwrap();
    assert_eq!(mpt.insert(trie, &[0x12], b"y"), Err(MptError::KeyIsPrefix));
    assert_eq!(
        mpt.insert(trie, &[0u8; 33], b"y"),
        Err(MptError::KeyTooLong { len: 33 })
    );
}

/// Applies `ops` (key, Some(value) to set, None to delete) to a partial trie built from
/// `witness`, adding each node the trie reports missing from `full` (which must hold it and
/// the witness must lack) until it succeeds. Returns the root and how many nodes were added.
fn apply_with_retries(
    root: B256,
    witness: &mut Vec<Vec<u8>>,
    full: &HashMap<B256, Vec<u8>>,
    ops: &[(B256, Option<Vec<u8>>)],
) -> (B256, usize) {
    let mut added = 0;
    loop {
        let mut mpt = Mpt::new();
        for node in witness.iter() {
            mpt.add_node(node);
        }
        let trie = mpt.open(root);
        let result = ops.iter().try_for_each(|(key, value)| match value {
            Some(value) => mpt.insert(trie, key.as_slice(), value),
            None => mpt.remove(trie, key.as_slice()).map(|_| ()),
        });
        match result {
            Ok(()) => return (mpt.root_hash(trie), added),
            Err(MptError::MissingNode { hash }) => {
                assert!(!mpt.has_node(&hash), "reported missing but present");
                let node = full.get(&hash).expect("missing node is a node of the trie");
                witness.push(node.clone());
                added += 1;
                assert!(added < 64, "too many missing nodes");
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
}

#[test]
fn partial_trie_from_proofs_matches_alloy() {
    let mut needed_siblings = 0;
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) + 7);
        let mut model = Map::new();
        let mut seen = Vec::new();
        let size = 1 + (rng.next() % 400) as usize;
        for _ in 0..size {
            let key = random_key(&mut rng, &seen);
            seen.push(key);
            model.insert(key, random_value(&mut rng));
        }
        let root = reference_root(&model);
        let full = all_nodes(&model);

        // Touch some present and some absent keys.
        let present: Vec<B256> = model.keys().copied().collect();
        let mut targets = BTreeSet::new();
        for _ in 0..1 + rng.next() % 20 {
            if rng.next().is_multiple_of(2) {
                targets.insert(present[(rng.next() % present.len() as u64) as usize]);
            } else {
                targets.insert(random_key(&mut rng, &seen));
            }
        }
        let targets: Vec<B256> = targets.into_iter().collect();
        let mut witness = reference_proof(&model, &targets);

        // Reads of the targets are proven, present or absent.
        let mut mpt = Mpt::new();
        for node in &witness {
            mpt.add_node(node);
        }
        let trie = mpt.open(root);
        for key in &targets {
            assert_eq!(
                mpt.get(trie, key.as_slice()).unwrap(),
                model.get(key).map(Vec::as_slice)
            );
        }
        // Any other read is either proven right or a missing-node error: never a wrong value.
        for _ in 0..50 {
            let key = random_key(&mut rng, &seen);
            match mpt.get(trie, key.as_slice()) {
                Ok(value) => assert_eq!(value, model.get(&key).map(Vec::as_slice)),
                Err(MptError::MissingNode { hash }) => assert!(full.contains_key(&hash)),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(
            mpt.root_hash(trie),
            root,
            "an untouched partial trie keeps its root"
        );

        // Updates, inserts and deletes on the targets.
        let mut ops = Vec::new();
        let mut after = model.clone();
        for key in &targets {
            if rng.next().is_multiple_of(2) {
                ops.push((*key, None));
                after.remove(key);
            } else {
                let value = random_value(&mut rng);
                ops.push((*key, Some(value.clone())));
                after.insert(*key, value);
            }
        }
        let (new_root, added) = apply_with_retries(root, &mut witness, &full, &ops);
        needed_siblings += added;
        assert_eq!(new_root, reference_root(&after), "seed {seed}");
    }
    // The deletions must have exercised collapses that needed a sibling from the witness.
    assert!(needed_siblings > 0);
}

/// Two keys with the given leading nibbles, the rest of their nibbles fixed per key.
fn key(prefix: &[u8], fill: u8) -> B256 {
    let mut nibbles = [fill & 0xf; 64];
    nibbles[..prefix.len()].copy_from_slice(prefix);
    let mut out = [0u8; 32];
    for i in 0..32 {
        out[i] = (nibbles[2 * i] << 4) | nibbles[2 * i + 1];
    }
    B256::new(out)
}

/// Builds the trie over `keys` (40-byte values, so every node is hashed), deletes `delete`,
/// and checks the root against alloy-trie's, from a full trie and from a witness with just the
/// deleted key's proof (so a collapse must ask for the sibling by hash).
fn check_collapse(keys: &[B256], delete: B256) -> Option<B256> {
    let mut model: Map = keys.iter().map(|k| (*k, alloc::vec![0x42; 40])).collect();
    let root = reference_root(&model);
    let full = all_nodes(&model);
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    for key in keys {
        mpt.insert(trie, key.as_slice(), &[0x42; 40]).unwrap();
    }
    assert_eq!(mpt.root_hash(trie), root);
    assert!(mpt.remove(trie, delete.as_slice()).unwrap());
    model.remove(&delete);
    assert_eq!(mpt.root_hash(trie), reference_root(&model));

    let mut partial = Mpt::new();
    for node in reference_proof(&model_with(&model, delete), &[delete]) {
        partial.add_node(&node);
    }
    let trie = partial.open(root);
    match partial.remove(trie, delete.as_slice()) {
        Ok(removed) => {
            assert!(removed);
            assert_eq!(partial.root_hash(trie), reference_root(&model));
            None
        }
        Err(MptError::MissingNode { hash }) => {
            assert!(
                full.contains_key(&hash),
                "the missing sibling is a real node"
            );
            Some(hash)
        }
        Err(e) => panic!("{e}"),
    }
}

fn model_with(model: &Map, key: B256) -> Map {
    let mut out = model.clone();
    out.insert(key, alloc::vec![0x42; 40]);
    out
}

#[test]
fn branch_collapses_to_leaf_and_extension() {
    // Root branch of two leaves: deleting one leaves a single leaf at the root.
    let a = key(&[0], 1);
    let b = key(&[1], 2);
    let sibling = check_collapse(&[a, b], b).expect("the other leaf is needed");
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    mpt.insert(trie, a.as_slice(), &[0x42; 40]).unwrap();
    mpt.insert(trie, b.as_slice(), &[0x42; 40]).unwrap();
    let Kind::Branch { children } = mpt_root_kind(&mut mpt, trie) else {
        panic!("two keys differing in the first nibble hang from a branch")
    };
    assert_eq!(children.iter().filter(|&&c| c != NONE).count(), 2);
    let _ = sibling;
    mpt.remove(trie, b.as_slice()).unwrap();
    assert!(matches!(mpt_root_kind(&mut mpt, trie), Kind::Leaf { path, .. } if path.len() == 64));

    // Branch whose remaining child is an extension: the extension absorbs the nibble.
    let a = key(&[0, 0, 0, 0], 1);
    let b = key(&[0, 0, 0, 1], 2);
    let c = key(&[1], 3);
    check_collapse(&[a, b, c], c);
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    for k in [a, b, c] {
        mpt.insert(trie, k.as_slice(), &[0x42; 40]).unwrap();
    }
    mpt.remove(trie, c.as_slice()).unwrap();
    assert!(
        matches!(mpt_root_kind(&mut mpt, trie), Kind::Extension { path, .. } if path.as_slice() == [0, 0, 0])
    );

    // Branch whose remaining child is a branch: a one-nibble extension above it.
    let a = key(&[0, 0], 1);
    let b = key(&[0, 1], 2);
    let c = key(&[1], 3);
    check_collapse(&[a, b, c], c);
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    for k in [a, b, c] {
        mpt.insert(trie, k.as_slice(), &[0x42; 40]).unwrap();
    }
    mpt.remove(trie, c.as_slice()).unwrap();
    assert!(
        matches!(mpt_root_kind(&mut mpt, trie), Kind::Extension { path, .. } if path.as_slice() == [0])
    );

    // Extension over a two-leaf branch: deleting a leaf merges all three into one leaf.
    let a = key(&[5, 5, 5, 0], 1);
    let b = key(&[5, 5, 5, 1], 2);
    check_collapse(&[a, b], a);
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    for k in [a, b] {
        mpt.insert(trie, k.as_slice(), &[0x42; 40]).unwrap();
    }
    assert!(matches!(
        mpt_root_kind(&mut mpt, trie),
        Kind::Extension { .. }
    ));
    mpt.remove(trie, a.as_slice()).unwrap();
    assert!(matches!(mpt_root_kind(&mut mpt, trie), Kind::Leaf { path, .. } if path.len() == 64));
    assert_eq!(mpt.get(trie, b.as_slice()).unwrap(), Some(&[0x42; 40][..]));

    // A deep branch with an extension above it and a sibling subtree: the middle collapses.
    let keys = [
        key(&[3, 1, 2, 0], 1),
        key(&[3, 1, 2, 1, 0], 2),
        key(&[3, 1, 2, 1, 1], 3),
        key(&[7], 4),
    ];
    check_collapse(&keys, keys[0]);
    check_collapse(&keys, keys[1]);
    check_collapse(&keys, keys[3]);
}

use super::node::Kind;

fn mpt_root_kind(mpt: &mut Mpt, trie: TrieId) -> Kind {
    mpt.resolve_root(trie).unwrap();
    mpt.root_kind(trie)
}

#[test]
fn missing_sibling_is_named() {
    // Root branch {0: subtree of two leaves, 1: one leaf}; the witness proves only the lone
    // leaf, so deleting it must fold the other subtree into the root and needs its node.
    let keys = [key(&[0, 0], 1), key(&[0, 1], 2), key(&[1], 3)];
    let model: Map = keys.iter().map(|k| (*k, alloc::vec![0x42; 40])).collect();
    let full = all_nodes(&model);
    let mut mpt = Mpt::new();
    for node in reference_proof(&model, &[keys[2]]) {
        mpt.add_node(&node);
    }
    let trie = mpt.open(reference_root(&model));
    let err = mpt.remove(trie, keys[2].as_slice()).unwrap_err();
    let MptError::MissingNode { hash } = err else {
        panic!("{err}")
    };
    // The missing node is the branch under nibble 0: the root's child 0 reference.
    let root_node = full.get(&reference_root(&model)).unwrap();
    let item = Item::decode(root_node).unwrap();
    let child0 = item.list().unwrap().next().unwrap().b256().unwrap();
    assert_eq!(hash, child0);
    assert!(err.to_string().contains(&alloc::format!("{child0}")));
}

#[test]
fn untouched_subtrees_are_not_rehashed() {
    let mut rng = Rng(5);
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    let mut model = Map::new();
    for _ in 0..2000 {
        let (k, v) = (random_b256(&mut rng), random_value(&mut rng));
        mpt.insert(trie, k.as_slice(), &v).unwrap();
        model.insert(k, v);
    }
    let hashes = mpt.hash_count();
    let root = mpt.root_hash(trie);
    assert_eq!(root, reference_root(&model));
    let full_cost = mpt.hash_count() - hashes;
    assert!(
        full_cost >= 2000,
        "each leaf and branch hashed: {full_cost}"
    );
    // Nothing changed: no hashing at all.
    let before = mpt.hash_count();
    assert_eq!(mpt.root_hash(trie), root);
    assert_eq!(mpt.hash_count(), before);
    // One update: only the nodes on its path (depth about 4 for 2000 keys).
    let key = *model.keys().next().unwrap();
    mpt.insert(trie, key.as_slice(), b"new value, long enough to be hashed")
        .unwrap();
    model.insert(key, b"new value, long enough to be hashed".to_vec());
    let before = mpt.hash_count();
    assert_eq!(mpt.root_hash(trie), reference_root(&model));
    let cost = mpt.hash_count() - before;
    assert!((1..=6).contains(&cost), "{cost} hashes for one update");
    // Writing the same value again changes nothing.
    mpt.insert(trie, key.as_slice(), b"new value, long enough to be hashed")
        .unwrap();
    let before = mpt.hash_count();
    mpt.root_hash(trie);
    assert_eq!(mpt.hash_count(), before);
}

#[test]
fn tampered_nodes_are_errors() {
    let mut rng = Rng(11);
    let mut model = Map::new();
    for _ in 0..50 {
        model.insert(random_b256(&mut rng), random_value(&mut rng));
    }
    let root = reference_root(&model);
    let target = *model.keys().nth(17).unwrap();
    let proof = reference_proof(&model, &[target]);
    let by_hash: Vec<(B256, Vec<u8>)> = proof.iter().map(|n| (keccak256(n), n.clone())).collect();

    // A node given under its hash with one byte flipped: a hash mismatch naming both hashes.
    for (i, (hash, node)) in by_hash.iter().enumerate() {
        let mut flipped = node.clone();
        let at = (i * 13) % flipped.len();
        flipped[at] ^= 0x01;
        let mut mpt = Mpt::new();
        assert_eq!(
            mpt.add_node_with_hash(*hash, &flipped),
            Err(MptError::HashMismatch {
                expected: *hash,
                actual: keccak256(&flipped)
            })
        );
    }
    // The same flip in a witness given as a plain list: the node the path needs is missing.
    for (i, (hash, node)) in by_hash.iter().enumerate() {
        let mut mpt = Mpt::new();
        for (j, (_, other)) in by_hash.iter().enumerate() {
            if i == j {
                let mut flipped = node.clone();
                let at = flipped.len() / 2;
                flipped[at] ^= 0x80;
                mpt.add_node(&flipped);
            } else {
                mpt.add_node(other);
            }
        }
        let trie = mpt.open(root);
        assert_eq!(
            mpt.get(trie, target.as_slice()),
            Err(MptError::MissingNode { hash: *hash })
        );
    }
    // Dropping any node of the proof: the read names the dropped node.
    for (i, (hash, _)) in by_hash.iter().enumerate() {
        let mut mpt = Mpt::new();
        for (j, (_, node)) in by_hash.iter().enumerate() {
            if i != j {
                mpt.add_node(node);
            }
        }
        let trie = mpt.open(root);
        assert_eq!(
            mpt.get(trie, target.as_slice()),
            Err(MptError::MissingNode { hash: *hash })
        );
    }
    // Nodes that hash right but are not valid nodes: each a bad-node error naming them.
    let h = B256::repeat_byte(0x11);
    let bad_nodes: Vec<(Vec<u8>, NodeProblem)> = alloc::vec![
        // A branch whose value slot is set.
        (
            branch_with(|items| items[16] = alloc::vec![0x01]),
            NodeProblem::BranchValue
        ),
        // A branch with one child.
        (
            branch_with(|items| items[1..16].iter_mut().for_each(|i| *i = alloc::vec![0x80])),
            NodeProblem::TooFewChildren
        ),
        // A child reference of 31 bytes.
        (
            branch_with(|items| {
                let mut r = alloc::vec![0x9f];
                r.extend_from_slice(&[7; 31]);
                items[2] = r;
            }),
            NodeProblem::BadChildRef
        ),
        // A 3-item list.
        (alloc::vec![0xc3, 0x01, 0x02, 0x03], NodeProblem::NotANode),
        // A leaf with an empty value.
        (
            [&[0xe2, 0xa0, 0x20][..], &[0x33; 31], &[0x80]].concat(),
            NodeProblem::EmptyValue
        ),
        // An extension with an empty path.
        (
            [&[0xe2, 0x00, 0xa0][..], h.as_slice()].concat(),
            NodeProblem::EmptyExtension
        ),
        // A leaf path with a bad flag nibble.
        (
            [&[0xe3, 0xa0, 0x40][..], &[0x33; 31], &[0x81, 0x99]].concat(),
            NodeProblem::BadPath
        ),
        // Non-canonical RLP inside the node.
        (
            branch_with(|items| items[3] = alloc::vec![0x81, 0x05]),
            NodeProblem::Rlp(crate::rlp::RlpError::NonCanonicalByte)
        ),
        // Truncated.
        (
            alloc::vec![0xf9, 0x02],
            NodeProblem::Rlp(crate::rlp::RlpError::Truncated)
        ),
    ];
    for (node, problem) in bad_nodes {
        let mut mpt = Mpt::new();
        let hash = mpt.add_node(&node);
        let trie = mpt.open(hash);
        assert_eq!(
            mpt.get(trie, target.as_slice()),
            Err(MptError::BadNode { hash, problem }),
            "{node:02x?}"
        );
    }
}

/// A branch of 16 hash children with `edit` applied to its 17 item encodings.
fn branch_with(edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let mut items: Vec<Vec<u8>> = (0..16u8)
        .map(|i| [&[0xa0][..], B256::repeat_byte(i + 1).as_slice()].concat())
        .collect();
    items.push(alloc::vec![0x80]);
    edit(&mut items);
    let payload: Vec<u8> = items.concat();
    let mut out = Vec::new();
    crate::rlp::encode_list_header(&mut out, payload.len());
    out.extend_from_slice(&payload);
    out
}

// ---- The state: accounts and storage tries ----

#[derive(Clone, Debug, Default)]
struct ModelAccount {
    info: AccountInfo,
    storage: BTreeMap<U256, U256>,
}

fn storage_map(storage: &BTreeMap<U256, U256>) -> Map {
    storage
        .iter()
        .map(|(k, v)| (keccak256(k.to_be_bytes::<32>()), alloy_rlp::encode(v)))
        .collect()
}

fn state_map(model: &BTreeMap<Address, ModelAccount>) -> Map {
    model
        .iter()
        .map(|(address, account)| {
            let storage_root = reference_root(&storage_map(&account.storage));
            (
                keccak256(address),
                reference_account(&account.info, storage_root),
            )
        })
        .collect()
}

/// rlp([nonce, balance, storage_root, code_hash]) written with alloy-rlp.
fn reference_account(info: &AccountInfo, storage_root: B256) -> Vec<u8> {
    use alloy_rlp::Encodable;
    let payload_length = info.nonce.length()
        + info.balance.length()
        + storage_root.length()
        + info.code_hash.length();
    let mut out = Vec::new();
    alloy_rlp::Header {
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

/// The host's semantics of a diff (host/src/state.rs), on the model.
fn apply_model(model: &mut BTreeMap<Address, ModelAccount>, diff: &StateDiff) {
    for change in &diff.accounts {
        let Some(info) = change.info else {
            model.remove(&change.address);
            continue;
        };
        let account = model.entry(change.address).or_default();
        if change.storage_cleared {
            account.storage.clear();
        }
        for (k, v) in &change.storage {
            if v.is_zero() {
                account.storage.remove(k);
            } else {
                account.storage.insert(*k, *v);
            }
        }
        account.info = info;
    }
}

fn random_address(rng: &mut Rng) -> Address {
    Address::from_slice(&random_b256(rng)[..20])
}

fn random_info(rng: &mut Rng) -> AccountInfo {
    AccountInfo {
        balance: U256::from(rng.next()) << (rng.next() % 128) as usize,
        nonce: rng.next() % 1000,
        code_hash: if rng.next().is_multiple_of(3) {
            random_b256(rng)
        } else {
            KECCAK_EMPTY
        },
    }
}

/// Witness for `diff`'s touched accounts and slots (plus `reads`), as a node would give it.
fn state_witness(
    model: &BTreeMap<Address, ModelAccount>,
    touched: &[(Address, Vec<U256>)],
) -> Vec<Vec<u8>> {
    let keys: Vec<B256> = touched.iter().map(|(a, _)| keccak256(a)).collect();
    let mut nodes = reference_proof(&state_map(model), &keys);
    for (address, slots) in touched {
        if let Some(account) = model.get(address) {
            let keys: Vec<B256> = slots
                .iter()
                .map(|s| keccak256(s.to_be_bytes::<32>()))
                .collect();
            nodes.extend(reference_proof(&storage_map(&account.storage), &keys));
        }
    }
    nodes
}

/// Every node of the state and of every storage trie.
fn state_nodes(model: &BTreeMap<Address, ModelAccount>) -> HashMap<B256, Vec<u8>> {
    let mut out = all_nodes(&state_map(model));
    for account in model.values() {
        out.extend(all_nodes(&storage_map(&account.storage)));
    }
    out
}

/// Loads `witness`, checks the reads of the touched accounts and slots, applies `diff`,
/// adding nodes reported missing from `full`; returns the state after the diff.
fn load_apply(
    root: B256,
    witness: &mut Vec<Vec<u8>>,
    full: &HashMap<B256, Vec<u8>>,
    model: &BTreeMap<Address, ModelAccount>,
    touched: &[(Address, Vec<U256>)],
    diff: &StateDiff,
) -> (MptState, usize) {
    let mut added = 0;
    loop {
        let mut state = MptState::from_witness(root, witness.iter().map(Vec::as_slice)).unwrap();
        assert_eq!(state.root().unwrap(), root);
        for (address, slots) in touched {
            let account = state.account(*address).unwrap();
            let expected = model.get(address);
            assert_eq!(account.map(|a| a.info), expected.map(|a| a.info));
            if let (Some(account), Some(expected)) = (account, expected) {
                assert_eq!(
                    account.storage_root,
                    reference_root(&storage_map(&expected.storage))
                );
            }
            for slot in slots {
                let value = expected
                    .and_then(|a| a.storage.get(slot))
                    .copied()
                    .unwrap_or_default();
                assert_eq!(state.storage(*address, *slot).unwrap(), value);
            }
        }
        match state.apply(diff) {
            Ok(()) => return (state, added),
            Err(MptError::MissingNode { hash }) => {
                witness.push(full.get(&hash).expect("a node of the state").clone());
                added += 1;
                assert!(added < 64);
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn state_diffs_match_alloy() {
    let mut siblings = 0;
    for seed in 1..=25u64 {
        let mut rng = Rng(seed.wrapping_mul(0x1000_0000_01b3) + 3);
        let mut model: BTreeMap<Address, ModelAccount> = BTreeMap::new();
        for _ in 0..1 + rng.next() % 60 {
            let mut account = ModelAccount {
                info: random_info(&mut rng),
                ..Default::default()
            };
            for _ in 0..rng.next() % 12 {
                let slot = U256::from(rng.next() % 40);
                account
                    .storage
                    .insert(slot, U256::from(1 + rng.next() % 1000));
            }
            model.insert(random_address(&mut rng), account);
        }
        let root = reference_root(&state_map(&model));
        let full = state_nodes(&model);
        let existing: Vec<Address> = model.keys().copied().collect();

        let mut diff = StateDiff::default();
        let mut touched = Vec::new();
        let mut addresses = BTreeSet::new();
        for _ in 0..1 + rng.next() % 10 {
            let address = if rng.next().is_multiple_of(3) {
                random_address(&mut rng)
            } else {
                existing[(rng.next() % existing.len() as u64) as usize]
            };
            if !addresses.insert(address) {
                continue;
            }
            let old = model.get(&address);
            let mut change = AccountDiff {
                address,
                info: Some(random_info(&mut rng)),
                code: None,
                storage_cleared: false,
                storage: Vec::new(),
            };
            let mut slots = Vec::new();
            match rng.next() % 6 {
                // Destroyed (or created and destroyed in the block: absent before and after).
                0 => change.info = None,
                // Recreated over wiped storage.
                1 => {
                    change.storage_cleared = true;
                    for _ in 0..rng.next() % 3 {
                        change
                            .storage
                            .push((U256::from(rng.next() % 40), U256::from(7)));
                    }
                }
                // Every slot zeroed: the storage root goes back to the empty root.
                2 => {
                    for slot in old
                        .map(|a| a.storage.keys().copied().collect::<Vec<U256>>())
                        .unwrap_or_default()
                    {
                        change.storage.push((slot, U256::ZERO));
                        slots.push(slot);
                    }
                }
                // Info only.
                3 => {}
                // Slots set, updated and zeroed.
                _ => {
                    for _ in 0..1 + rng.next() % 6 {
                        let slot = U256::from(rng.next() % 40);
                        let value = if rng.next().is_multiple_of(3) {
                            U256::ZERO
                        } else {
                            U256::from(rng.next())
                        };
                        change.storage.push((slot, value));
                        slots.push(slot);
                    }
                }
            }
            touched.push((address, slots));
            diff.accounts.push(change);
        }
        diff.accounts.sort_by_key(|c| c.address);

        let mut witness = state_witness(&model, &touched);
        let (mut state, added) = load_apply(root, &mut witness, &full, &model, &touched, &diff);
        siblings += added;
        let mut after = model.clone();
        apply_model(&mut after, &diff);
        assert_eq!(
            state.root().unwrap(),
            reference_root(&state_map(&after)),
            "seed {seed}"
        );
        for change in &diff.accounts {
            let account = state.account(change.address).unwrap();
            let expected = after.get(&change.address);
            assert_eq!(account.map(|a| a.info), expected.map(|a| a.info));
            if let (Some(account), Some(expected)) = (account, expected) {
                let storage_root = reference_root(&storage_map(&expected.storage));
                assert_eq!(account.storage_root, storage_root);
                assert_eq!(account.has_storage(), !expected.storage.is_empty());
            }
        }
    }
    assert!(siblings > 0, "some deletion should have needed a sibling");
}

#[test]
fn empty_state_and_storage() {
    let mut state = MptState::from_witness(EMPTY_ROOT, core::iter::empty()).unwrap();
    assert_eq!(state.root().unwrap(), EMPTY_ROOT);
    let a = Address::repeat_byte(0xaa);
    assert_eq!(state.account(a).unwrap(), None);
    assert_eq!(state.storage(a, U256::from(1)).unwrap(), U256::ZERO);
    // Create an account without storage: its storage root is the empty root.
    let info = AccountInfo {
        balance: U256::from(5),
        nonce: 1,
        code_hash: KECCAK_EMPTY,
    };
    let diff = |storage: Vec<(U256, U256)>| StateDiff {
        accounts: alloc::vec![AccountDiff {
            address: a,
            info: Some(info),
            code: None,
            storage_cleared: false,
            storage,
        }],
    };
    state.apply(&diff(Vec::new())).unwrap();
    let account = state.account(a).unwrap().unwrap();
    assert_eq!(account.storage_root, EMPTY_ROOT);
    let mut model = BTreeMap::new();
    model.insert(
        a,
        ModelAccount {
            info,
            storage: BTreeMap::new(),
        },
    );
    assert_eq!(state.root().unwrap(), reference_root(&state_map(&model)));
    // One slot, then deleting the last slot: back to the empty storage root.
    state
        .apply(&diff(alloc::vec![(U256::from(3), U256::from(9))]))
        .unwrap();
    assert_ne!(state.account(a).unwrap().unwrap().storage_root, EMPTY_ROOT);
    assert_eq!(state.storage(a, U256::from(3)).unwrap(), U256::from(9));
    state
        .apply(&diff(alloc::vec![(U256::from(3), U256::ZERO)]))
        .unwrap();
    assert_eq!(state.account(a).unwrap().unwrap().storage_root, EMPTY_ROOT);
    assert_eq!(state.root().unwrap(), reference_root(&state_map(&model)));
    // Destroyed: the empty state again.
    state
        .apply(&StateDiff {
            accounts: alloc::vec![AccountDiff {
                address: a,
                info: None,
                code: None,
                storage_cleared: true,
                storage: Vec::new(),
            }],
        })
        .unwrap();
    assert_eq!(state.root().unwrap(), EMPTY_ROOT);
    assert_eq!(state.storage(a, U256::from(3)).unwrap(), U256::ZERO);
}

#[test]
fn created_then_destroyed_account() {
    let mut rng = Rng(77);
    let mut model: BTreeMap<Address, ModelAccount> = BTreeMap::new();
    for _ in 0..200 {
        let mut account = ModelAccount {
            info: random_info(&mut rng),
            ..Default::default()
        };
        account.storage.insert(U256::from(1), U256::from(2));
        model.insert(random_address(&mut rng), account);
    }
    let root = reference_root(&state_map(&model));
    let fresh = random_address(&mut rng);
    let touched = [(fresh, alloc::vec![U256::from(1)])];
    let witness = state_witness(&model, &touched);
    let destroy = StateDiff {
        accounts: alloc::vec![AccountDiff {
            address: fresh,
            info: None,
            code: None,
            storage_cleared: true,
            storage: Vec::new(),
        }],
    };

    // Created and destroyed within one block: the diff deletes an absent account, a no-op
    // that still needs its proof of absence.
    let mut state = MptState::from_witness(root, witness.iter().map(Vec::as_slice)).unwrap();
    assert_eq!(state.account(fresh).unwrap(), None);
    state.apply(&destroy).unwrap();
    assert_eq!(state.root().unwrap(), root);

    // Created with storage in one block, destroyed in the next: back to the first root.
    let mut state = MptState::from_witness(root, witness.iter().map(Vec::as_slice)).unwrap();
    let create = StateDiff {
        accounts: alloc::vec![AccountDiff {
            address: fresh,
            info: Some(random_info(&mut rng)),
            code: None,
            storage_cleared: true,
            storage: alloc::vec![
                (U256::from(1), U256::from(5)),
                (U256::from(2), U256::from(6))
            ],
        }],
    };
    state.apply(&create).unwrap();
    let mut after = model.clone();
    apply_model(&mut after, &create);
    assert_eq!(state.root().unwrap(), reference_root(&state_map(&after)));
    assert_eq!(state.storage(fresh, U256::from(2)).unwrap(), U256::from(6));
    let full = state_nodes(&model);
    let mut witness = witness;
    let mut state = loop {
        // The deletion may fold a sibling from the witness into the parent.
        let mut state = MptState::from_witness(root, witness.iter().map(Vec::as_slice)).unwrap();
        state.apply(&create).unwrap();
        match state.apply(&destroy) {
            Ok(()) => break state,
            Err(MptError::MissingNode { hash }) => witness.push(full[&hash].clone()),
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(state.root().unwrap(), root);
    assert_eq!(state.account(fresh).unwrap(), None);

    // Without the proof of absence, the deletion of the absent account is an error.
    let mut state = MptState::from_witness(root, core::iter::once(full[&root].as_slice())).unwrap();
    assert!(matches!(
        state.apply(&destroy),
        Err(MptError::MissingNode { .. })
    ));
    // And so is any read the witness cannot prove.
    let mut state = MptState::from_witness(root, core::iter::once(full[&root].as_slice())).unwrap();
    assert!(matches!(
        state.account(fresh),
        Err(MptError::MissingNode { .. })
    ));
    // A root the witness lacks fails the load.
    assert_eq!(
        MptState::from_witness(root, core::iter::empty()).err(),
        Some(MptError::MissingNode { hash: root })
    );
}

#[test]
fn bad_account_leaf_is_named() {
    // A state trie whose one leaf holds [nonce] only.
    let address = Address::repeat_byte(3);
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    mpt.insert(trie, keccak256(address).as_slice(), &[0xc1, 0x01])
        .unwrap();
    let root = mpt.root_hash(trie);
    let mut model = Map::new();
    model.insert(keccak256(address), alloc::vec![0xc1, 0x01]);
    let nodes = reference_proof(&model, &[keccak256(address)]);
    let mut state = MptState::from_witness(root, nodes.iter().map(Vec::as_slice)).unwrap();
    assert_eq!(
        state.account(address),
        Err(MptError::BadAccount {
            address,
            error: crate::rlp::RlpError::ListTooShort
        })
    );
}

#[test]
fn witness_loader_bounded_fuzz() {
    // Random mutations of real proof nodes, given as a witness: a clear error or a correct
    // answer, never a panic, never a wrong value.
    let mut rng = Rng(2024);
    let mut model = Map::new();
    let mut seen = Vec::new();
    for _ in 0..200 {
        let k = random_key(&mut rng, &seen);
        seen.push(k);
        model.insert(k, random_value(&mut rng));
    }
    let root = reference_root(&model);
    let targets: Vec<B256> = model.keys().step_by(17).copied().collect();
    let proof = reference_proof(&model, &targets);
    for round in 0..3000 {
        let mut nodes = proof.clone();
        let i = (rng.next() % nodes.len() as u64) as usize;
        let node = &mut nodes[i];
        match rng.next() % 3 {
            0 => {
                let at = (rng.next() % node.len() as u64) as usize;
                node[at] = rng.next() as u8;
            }
            1 => node.truncate((rng.next() % node.len() as u64) as usize),
            _ => node.push(rng.next() as u8),
        }
        // The mutated node may even be the new root: open it by its own hash as well.
        let mutated_root = keccak256(&nodes[i]);
        for trie_root in [root, mutated_root] {
            let mut mpt = Mpt::new();
            for node in &nodes {
                mpt.add_node(node);
            }
            let trie = mpt.open(trie_root);
            for key in &targets {
                match mpt.get(trie, key.as_slice()) {
                    Ok(value) if trie_root == root => {
                        assert_eq!(value, model.get(key).map(Vec::as_slice), "round {round}")
                    }
                    _ => {}
                }
                let _ = mpt.insert(trie, key.as_slice(), b"v");
                let _ = mpt.remove(trie, key.as_slice());
            }
            let _ = mpt.root_hash(trie);
        }
    }
}

// ---- The mainnet witness ----

fn shared_block(number: &str) -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/blocks/mainnet")
        .join(number);
    if dir.join("witness.json").exists() {
        Some(dir)
    } else {
        std::eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

fn hex_list(json: &serde_json::Value, field: &str) -> Vec<Vec<u8>> {
    json[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| alloy_primitives::hex::decode(v.as_str().unwrap()).unwrap())
        .collect()
}

#[test]
fn mainnet_witness_verifies() {
    for number in ["24628607", "24628608"] {
        let Some(dir) = shared_block(number) else {
            return;
        };
        let t0 = std::time::Instant::now();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("witness.json")).unwrap()).unwrap();
        let nodes = hex_list(&json, "state");
        let headers = hex_list(&json, "headers");
        let keys = hex_list(&json, "keys");
        let t_json = t0.elapsed();

        // The parent header: stateRoot is its 4th field, its hash the block's parentHash.
        let parent = Item::decode(&headers[0]).unwrap();
        let mut fields = parent.list().unwrap();
        let state_root = fields.nth(3).unwrap().b256().unwrap();
        let block_bytes = std::fs::read(dir.join("block.rlp")).unwrap();
        let block = Item::decode(&block_bytes).unwrap();
        let mut parts = block.list().unwrap();
        let header = parts.next_item().unwrap();
        let parent_hash = header.list().unwrap().next_item().unwrap().b256().unwrap();
        assert_eq!(
            parent_hash,
            keccak256(&headers[0]),
            "the witness header is the parent"
        );
        assert_eq!(
            parts.count(),
            3,
            "[header, transactions, uncles, withdrawals]"
        );

        // Load: every node hashed once and indexed.
        let t1 = std::time::Instant::now();
        let mut state =
            MptState::from_witness(state_root, nodes.iter().map(Vec::as_slice)).unwrap();
        let t_load = t1.elapsed();
        assert!(
            state.trie().has_node(&state_root),
            "the state root is a witness node"
        );
        for node in &nodes {
            let hash = keccak256(node);
            assert_eq!(state.trie().node(&hash), Some(node.as_slice()));
        }

        // Every read the block makes is proven: accounts, then their slots.
        let t2 = std::time::Instant::now();
        let mut current = None;
        let (mut accounts, mut present, mut slots, mut nonzero) = (0, 0, 0, 0);
        for key in &keys {
            if key.len() == 20 {
                let address = Address::from_slice(key);
                present += state.account(address).unwrap().is_some() as usize;
                accounts += 1;
                current = Some(address);
            } else {
                let slot = U256::from_be_slice(key);
                let value = state.storage(current.unwrap(), slot).unwrap();
                slots += 1;
                nonzero += !value.is_zero() as usize;
            }
        }
        let t_reads = t2.elapsed();

        // Resolve everything the witness holds, state trie and every storage trie it reaches.
        let t3 = std::time::Instant::now();
        let (mpt, accounts_trie) = state.trie_mut();
        let stubs = mpt.resolve_all(accounts_trie).unwrap();
        let storage_roots: Vec<B256> = mpt
            .leaves(accounts_trie)
            .into_iter()
            .map(|(_, leaf)| {
                let mut fields = Item::decode(leaf).unwrap().list().unwrap();
                fields.nth(2).unwrap().b256().unwrap()
            })
            .filter(|root| *root != EMPTY_ROOT && mpt.has_node(root))
            .collect();
        let mut storage_tries = Vec::new();
        let mut storage_stubs = 0;
        for root in &storage_roots {
            let trie = mpt.open(*root);
            storage_stubs += mpt.resolve_all(trie).unwrap();
            storage_tries.push((trie, *root));
        }
        let t_resolve = t3.elapsed();

        // Re-encode and re-hash everything resolved: the real roots must come out.
        mpt.forget_hashes();
        let before = mpt.hash_count();
        let t4 = std::time::Instant::now();
        for (trie, root) in &storage_tries {
            assert_eq!(mpt.root_hash(*trie), *root);
        }
        assert_eq!(mpt.root_hash(accounts_trie), state_root);
        let t_rehash = t4.elapsed();
        let rehashed = mpt.hash_count() - before;

        // A block-sized update: every read account's balance and every read slot changed.
        let mut diff = StateDiff::default();
        let mut current: Option<usize> = None;
        for key in &keys {
            if key.len() == 20 {
                let address = Address::from_slice(key);
                let info = state
                    .account(address)
                    .unwrap()
                    .map(|a| a.info)
                    .unwrap_or_default();
                diff.accounts.push(AccountDiff {
                    address,
                    info: Some(AccountInfo {
                        balance: info.balance + U256::from(1),
                        ..info
                    }),
                    code: None,
                    storage_cleared: false,
                    storage: Vec::new(),
                });
                current = Some(diff.accounts.len() - 1);
            } else {
                let change = &mut diff.accounts[current.unwrap()];
                let slot = U256::from_be_slice(key);
                let value = state.storage(change.address, slot).unwrap();
                // Never zero (allowances of 2^256-1 are common): a deletion could need a
                // sibling the real witness has no reason to hold.
                let changed = if value == U256::MAX {
                    value - U256::from(1)
                } else {
                    value + U256::from(1)
                };
                change.storage.push((slot, changed));
            }
        }
        diff.accounts.sort_by_key(|c| c.address);
        diff.accounts.dedup_by_key(|c| c.address);
        let mut fresh =
            MptState::from_witness(state_root, nodes.iter().map(Vec::as_slice)).unwrap();
        let t5 = std::time::Instant::now();
        let hashes_before = fresh.trie().hash_count();
        fresh.apply(&diff).unwrap();
        let new_root = fresh.root().unwrap();
        let t_update = t5.elapsed();
        let update_hashes = fresh.trie().hash_count() - hashes_before;
        assert_ne!(new_root, state_root);
        // Same diff, another order of operations (reads first): the same root.
        for change in &diff.accounts {
            state.account(change.address).unwrap();
        }
        state.apply(&diff).unwrap();
        assert_eq!(state.root().unwrap(), new_root);

        // Best of five, the machine being shared: load alone; load and every proven read;
        // load, the block-sized update and the root.
        let best = |f: &mut dyn FnMut()| {
            (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    f();
                    t.elapsed()
                })
                .min()
                .unwrap()
        };
        let load = || MptState::from_witness(state_root, nodes.iter().map(Vec::as_slice)).unwrap();
        let b_load = best(&mut || drop(load()));
        let b_keccak = best(&mut || {
            for node in &nodes {
                core::hint::black_box(keccak256(node));
            }
        });
        let b_reads = best(&mut || {
            let mut s = load();
            let mut current = Address::ZERO;
            for key in &keys {
                if key.len() == 20 {
                    current = Address::from_slice(key);
                    s.account(current).unwrap();
                } else {
                    s.storage(current, U256::from_be_slice(key)).unwrap();
                }
            }
        });
        let b_update = best(&mut || {
            let mut s = load();
            s.apply(&diff).unwrap();
            assert_eq!(s.root().unwrap(), new_root);
        });
        std::println!(
            "block {number} best of 5: keccak of every node {b_keccak:?}; load {b_load:?}; load + reads {b_reads:?}; load + \
             update + root {b_update:?}"
        );

        std::println!(
            "block {number}: {} witness nodes ({} bytes), {} headers, {accounts} accounts read \
             ({present} present), {slots} slots ({nonzero} non-zero)\n  json+hex {t_json:?}; \
             load (hash + index) {t_load:?}; proven reads {t_reads:?}; resolve all \
             ({} storage tries, {stubs}+{storage_stubs} unresolved stubs) {t_resolve:?}; \
             full re-hash ({rehashed} nodes) {t_rehash:?}; update {} accounts + root ({update_hashes} nodes hashed) {t_update:?}",
            nodes.len(),
            nodes.iter().map(Vec::len).sum::<usize>(),
            headers.len(),
            storage_tries.len(),
            diff.accounts.len(),
        );
    }
}

// ---- Node-access tracking and the full export ----

/// The set of `nodes` a parent refers to by hash (32 bytes or more) plus `root`'s own node:
/// what a witness must hold (embedded nodes travel inside their parents).
fn hashed_set(nodes: impl IntoIterator<Item = Vec<u8>>, root: B256) -> BTreeSet<Vec<u8>> {
    nodes
        .into_iter()
        .filter(|node| node.len() >= 32 || keccak256(node) == root)
        .collect()
}

#[test]
fn tracked_nodes_of_a_read_are_its_proof() {
    for seed in 1..=16u64 {
        let mut rng = Rng(seed.wrapping_mul(0xd6e8_feb8_6659_fd93) + 11);
        let mut model = Map::new();
        let mut seen = Vec::new();
        for _ in 0..1 + rng.next() % 300 {
            let key = random_key(&mut rng, &seen);
            seen.push(key);
            model.insert(key, random_value(&mut rng));
        }
        let root = reference_root(&model);
        let full = all_nodes(&model);
        for _ in 0..8 {
            let key = if rng.next().is_multiple_of(2) {
                *model
                    .keys()
                    .nth((rng.next() % model.len() as u64) as usize)
                    .unwrap()
            } else {
                random_key(&mut rng, &seen)
            };
            let mut mpt = Mpt::new();
            for node in full.values() {
                mpt.add_node(node);
            }
            mpt.set_tracking(true);
            let trie = mpt.open(root);
            assert_eq!(
                mpt.get(trie, key.as_slice()).unwrap(),
                model.get(&key).map(Vec::as_slice)
            );
            let used: Vec<Vec<u8>> = mpt.used_nodes().map(<[u8]>::to_vec).collect();
            let unique: BTreeSet<Vec<u8>> = used.iter().cloned().collect();
            assert_eq!(unique.len(), used.len(), "each node once");
            assert_eq!(
                unique,
                hashed_set(reference_proof(&model, &[key]), root),
                "seed {seed}: the tracked nodes are the proof of the key"
            );
            // A second read of the same key resolves nothing new.
            mpt.get(trie, key.as_slice()).unwrap();
            assert_eq!(mpt.used_nodes().count(), used.len());
            // And the tracked nodes alone serve the read again.
            let mut minimal = Mpt::new();
            for node in &used {
                minimal.add_node(node);
            }
            let trie = minimal.open(root);
            assert_eq!(
                minimal.get(trie, key.as_slice()).unwrap(),
                model.get(&key).map(Vec::as_slice)
            );
        }
        // Tracking off: nothing is recorded.
        let mut mpt = Mpt::new();
        for node in full.values() {
            mpt.add_node(node);
        }
        let trie = mpt.open(root);
        mpt.get(trie, seen[0].as_slice()).unwrap();
        assert_eq!(mpt.used_nodes().count(), 0);
    }
}

#[test]
fn exported_trie_reloads_to_the_same_root() {
    for seed in 1..=12u64 {
        let mut rng = Rng(seed.wrapping_mul(0xa076_1d64_78bd_642f) + 5);
        let mut mpt = Mpt::new();
        let trie = mpt.empty_trie();
        let mut model = Map::new();
        let mut seen = Vec::new();
        for _ in 0..1 + rng.next() % 300 {
            let key = random_key(&mut rng, &seen);
            seen.push(key);
            let value = random_value(&mut rng);
            mpt.insert(trie, key.as_slice(), &value).unwrap();
            model.insert(key, value);
        }
        // Some deletions, so collapsed shapes are exported too.
        for _ in 0..rng.next() % 40 {
            let key = *model
                .keys()
                .nth((rng.next() % model.len() as u64) as usize)
                .unwrap();
            if model.len() > 1 {
                mpt.remove(trie, key.as_slice()).unwrap();
                model.remove(&key);
            }
        }
        let root = reference_root(&model);
        let mut nodes = Vec::new();
        mpt.export_nodes(trie, &mut nodes);
        assert_eq!(mpt.root_hash(trie), root);
        let exported: BTreeSet<Vec<u8>> = nodes.iter().cloned().collect();
        assert_eq!(
            exported,
            hashed_set(all_nodes(&model).into_values(), root),
            "seed {seed}: every node of the trie, nothing else"
        );

        let mut reloaded = Mpt::new();
        for node in &nodes {
            reloaded.add_node(node);
        }
        let trie = reloaded.open(root);
        assert_eq!(reloaded.resolve_all(trie).unwrap(), 0, "nothing missing");
        reloaded.forget_hashes();
        assert_eq!(reloaded.root_hash(trie), root);
        for (key, value) in &model {
            assert_eq!(
                reloaded.get(trie, key.as_slice()).unwrap(),
                Some(value.as_slice())
            );
        }
    }
    // A short root (a trie of one short key) is exported although it is under 32 bytes.
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    mpt.insert(trie, &[0x12], &[0x01]).unwrap();
    let root = mpt.root_hash(trie);
    let mut nodes = Vec::new();
    mpt.export_nodes(trie, &mut nodes);
    assert_eq!(nodes.len(), 1);
    assert!(nodes[0].len() < 32);
    let mut reloaded = Mpt::new();
    reloaded.add_node(&nodes[0]);
    let trie = reloaded.open(root);
    assert_eq!(reloaded.get(trie, &[0x12]).unwrap(), Some(&[0x01][..]));
    // The empty trie exports nothing.
    let mut empty = Mpt::new();
    let trie = empty.empty_trie();
    let mut nodes = Vec::new();
    empty.export_nodes(trie, &mut nodes);
    assert!(nodes.is_empty());
}

/// A whole state built by `apply` on the empty state, as the host's witness builder does.
fn built_state(model: &BTreeMap<Address, ModelAccount>) -> MptState {
    let mut state = MptState::empty();
    let diff = StateDiff {
        accounts: model
            .iter()
            .map(|(address, account)| AccountDiff {
                address: *address,
                info: Some(account.info),
                code: None,
                storage_cleared: false,
                storage: account.storage.iter().map(|(k, v)| (*k, *v)).collect(),
            })
            .collect(),
    };
    state.apply(&diff).unwrap();
    state
}

/// Runs the reads of `touched`, then `diffs` one after the other, on `state`; returns the
/// root.
fn reads_and_diffs(
    state: &mut MptState,
    touched: &[(Address, Vec<U256>)],
    diffs: &[StateDiff],
) -> B256 {
    for (address, slots) in touched {
        state.account(*address).unwrap();
        for slot in slots {
            state.storage(*address, *slot).unwrap();
        }
    }
    for diff in diffs {
        state.apply(diff).unwrap();
    }
    state.root().unwrap()
}

#[test]
fn minimal_witness_reproduces_the_post_root() {
    let mut total_minimal = 0;
    let mut total_full = 0;
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9fb2_1c65_1e98_df25) + 1);
        let mut model: BTreeMap<Address, ModelAccount> = BTreeMap::new();
        for _ in 0..1 + rng.next() % 80 {
            let mut account = ModelAccount {
                info: random_info(&mut rng),
                ..Default::default()
            };
            for _ in 0..rng.next() % 10 {
                account.storage.insert(
                    U256::from(rng.next() % 30),
                    U256::from(1 + rng.next() % 999),
                );
            }
            model.insert(random_address(&mut rng), account);
        }
        let root = reference_root(&state_map(&model));

        // The full witness of a state built from nothing.
        let mut full_state = built_state(&model);
        assert_eq!(full_state.root().unwrap(), root, "seed {seed}");
        let full = full_state.export_nodes();
        let reference = state_nodes(&model);
        let exported: BTreeSet<Vec<u8>> = full.iter().cloned().collect();
        let expected: BTreeSet<Vec<u8>> = reference
            .values()
            .filter(|n| n.len() >= 32)
            .cloned()
            .collect();
        assert_eq!(
            exported, expected,
            "seed {seed}: the export is the whole state"
        );

        // A block: reads, then changes with deletions (accounts and slots), then a second
        // one-account deletion as the state-test coinbase touch makes.
        let existing: Vec<Address> = model.keys().copied().collect();
        let mut touched = Vec::new();
        let mut diff = StateDiff::default();
        let mut seen = BTreeSet::new();
        for _ in 0..1 + rng.next() % 8 {
            let address = if rng.next().is_multiple_of(4) {
                random_address(&mut rng)
            } else {
                existing[(rng.next() % existing.len() as u64) as usize]
            };
            if !seen.insert(address) {
                continue;
            }
            let slots: Vec<U256> = (0..rng.next() % 4)
                .map(|_| U256::from(rng.next() % 30))
                .collect();
            let mut change = AccountDiff {
                address,
                info: Some(random_info(&mut rng)),
                code: None,
                storage_cleared: false,
                storage: Vec::new(),
            };
            match rng.next() % 4 {
                0 => change.info = None,
                1 => change.storage_cleared = true,
                _ => {
                    for slot in &slots {
                        let value = if rng.next().is_multiple_of(2) {
                            U256::ZERO
                        } else {
                            U256::from(rng.next())
                        };
                        change.storage.push((*slot, value));
                    }
                }
            }
            touched.push((address, slots));
            diff.accounts.push(change);
        }
        diff.accounts.sort_by_key(|c| c.address);
        let victim = existing[(rng.next() % existing.len() as u64) as usize];
        let second = StateDiff {
            accounts: alloc::vec![AccountDiff {
                address: victim,
                info: None,
                code: None,
                storage_cleared: true,
                storage: Vec::new(),
            }],
        };
        let diffs = [diff, second];
        let mut after = model.clone();
        for d in &diffs {
            apply_model(&mut after, d);
        }
        let post = reference_root(&state_map(&after));

        // The recording run over the full witness.
        let mut state = MptState::from_witness(root, full.iter().map(Vec::as_slice)).unwrap();
        state.set_tracking(true);
        assert_eq!(reads_and_diffs(&mut state, &touched, &diffs), post);
        let minimal: Vec<Vec<u8>> = state.used_witness_nodes().map(<[u8]>::to_vec).collect();
        assert!(minimal.len() <= full.len());
        total_minimal += minimal.len();
        total_full += full.len();

        // A fresh state over the minimal witness alone does the same.
        let mut fresh = MptState::from_witness(root, minimal.iter().map(Vec::as_slice)).unwrap();
        assert_eq!(
            reads_and_diffs(&mut fresh, &touched, &diffs),
            post,
            "seed {seed}"
        );
        // Tracking the fresh run finds the same nodes: the witness is minimal.
        let mut again = MptState::from_witness(root, minimal.iter().map(Vec::as_slice)).unwrap();
        again.set_tracking(true);
        reads_and_diffs(&mut again, &touched, &diffs);
        assert_eq!(again.used_witness_nodes().count(), minimal.len());
    }
    assert!(total_minimal < total_full, "the minimal witness is smaller");
}

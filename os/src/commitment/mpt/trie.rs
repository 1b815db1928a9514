//! A partial Merkle-Patricia trie over an arena: the nodes a witness proves, resolved lazily
//! from their hashes, with lookups, inserts and deletes that keep the trie canonical.
//!
//! Several tries (the account trie and every storage trie) share one [`Mpt`]: one node arena,
//! one byte store (the witness nodes, then values written since) and one index of witness
//! nodes by hash. A trie is named by its root's arena slot ([`TrieId`]), which stays the same
//! however the trie changes, because nodes are rewritten in place.
//!
//! A subtree the block never touches stays a single [`Kind::Hash`] entry, so its hash is
//! reused as is; a node on a changed path is marked dirty and re-hashed once by
//! [`Mpt::root_hash`]. Every node is decoded at most once per reference and every witness node
//! hashed once, when it is added.

use super::nibbles::{common_prefix, Nibbles, MAX_NIBBLES};
use super::node::{self, is_hash_at, Kind, Node, NodeId, NodeRef, Span, NONE};
use super::MptError;
use crate::commitment::EMPTY_ROOT;
use alloc::vec::Vec;
use alloy_primitives::{keccak256, B256};
use hashbrown::HashMap;

/// A trie inside an [`Mpt`]: the arena slot of its root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrieId(NodeId);

/// The longest walk from a root to a leaf: a branch or extension consumes at least one nibble.
const MAX_PATH: usize = MAX_NIBBLES + 2;

/// Node arena, byte store and witness index shared by a set of partial tries.
#[derive(Clone, Debug, Default)]
pub struct Mpt {
    nodes: Vec<Node>,
    /// Witness node encodings, then leaf values written by inserts.
    bytes: Vec<u8>,
    /// Witness nodes by the keccak hash of their encoding.
    witness: HashMap<B256, Span>,
    /// Reused encoding buffer of [`Mpt::root_hash`].
    scratch: Vec<u8>,
    /// keccak calls made for nodes, for measurements and the "hash once" tests.
    hashes: u64,
    /// Whether resolutions are recorded in `used` (off unless a host asks: the guest never
    /// pays for it).
    tracking: bool,
    /// Witness nodes resolved while tracking, as their spans in the byte store (a node
    /// resolved at two places of the arena is listed twice).
    used: Vec<Span>,
}

impl Mpt {
    /// An empty arena without witness nodes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a witness node, indexed by its hash (returned). A node given twice is kept once;
    /// nodes no trie reaches are simply never decoded.
    pub fn add_node(&mut self, encoding: &[u8]) -> B256 {
        let hash = keccak256(encoding);
        self.insert_node(hash, encoding);
        hash
    }

    /// Adds a witness node that its producer stored under `hash`, checking that it hashes to
    /// it: for witnesses given as a map from hash to node.
    pub fn add_node_with_hash(&mut self, hash: B256, encoding: &[u8]) -> Result<(), MptError> {
        let actual = keccak256(encoding);
        if actual != hash {
            return Err(MptError::HashMismatch {
                expected: hash,
                actual,
            });
        }
        self.insert_node(hash, encoding);
        Ok(())
    }

    fn insert_node(&mut self, hash: B256, encoding: &[u8]) {
        self.hashes += 1;
        if self.witness.contains_key(&hash) {
            return;
        }
        let span = Span {
            start: self.bytes.len(),
            len: encoding.len(),
        };
        self.bytes.extend_from_slice(encoding);
        self.witness.insert(hash, span);
    }

    /// Whether the witness holds the node with this hash.
    pub fn has_node(&self, hash: &B256) -> bool {
        self.witness.contains_key(hash)
    }

    /// The witness node stored under `hash`.
    pub fn node(&self, hash: &B256) -> Option<&[u8]> {
        self.witness.get(hash).map(|span| span.of(&self.bytes))
    }

    /// Number of distinct witness nodes.
    pub fn witness_len(&self) -> usize {
        self.witness.len()
    }

    /// Number of arena entries (resolved nodes, embedded nodes and hash stubs).
    pub fn arena_len(&self) -> usize {
        self.nodes.len()
    }

    /// How many node hashes have been computed so far (witness nodes and re-hashed nodes).
    pub fn hash_count(&self) -> u64 {
        self.hashes
    }

    /// Starts (or stops) recording which witness nodes are resolved: the nodes an execution
    /// needs, i.e. its minimal witness ([`Mpt::used_nodes`]). Only resolutions from now on are
    /// recorded; see [`Mpt::record_root`] for a root resolved before.
    pub fn set_tracking(&mut self, on: bool) {
        self.tracking = on;
    }

    /// Records the trie's root node as used if it is a witness node resolved and unchanged
    /// since: for a root resolved when the witness was loaded, before tracking began.
    pub fn record_root(&mut self, trie: TrieId) {
        let node = &self.nodes[trie.0 as usize];
        if matches!(node.kind, Kind::Hash | Kind::Empty) {
            return;
        }
        let hash = match (node.cached.as_hash(), node.cached.as_inline()) {
            (Some(hash), _) => hash,
            (None, Some(encoding)) => keccak256(encoding),
            (None, None) => return,
        };
        if let Some(span) = self.witness.get(&hash) {
            self.used.push(*span);
        }
    }

    /// The witness nodes resolved while tracking, each once, in the order they were added to
    /// the witness: every node the operations since [`Mpt::set_tracking`] needed.
    pub fn used_nodes(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut spans = self.used.clone();
        spans.sort_unstable_by_key(|span| span.start);
        spans.dedup();
        spans.into_iter().map(|span| span.of(&self.bytes))
    }

    /// Forgets the nodes recorded so far (tracking stays as it is).
    pub fn clear_used(&mut self) {
        self.used.clear();
    }

    fn push(&mut self, kind: Kind, cached: NodeRef) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node { kind, cached });
        id
    }

    /// A trie with root hash `root`, resolved from the witness as it is walked.
    pub fn open(&mut self, root: B256) -> TrieId {
        if root == EMPTY_ROOT {
            self.empty_trie()
        } else {
            TrieId(self.push(Kind::Hash, NodeRef::hash(root)))
        }
    }

    /// A new empty trie.
    pub fn empty_trie(&mut self) -> TrieId {
        TrieId(self.push(Kind::Empty, NodeRef::DIRTY))
    }

    /// The arena index of child `slot` of `parent` (0..16 a branch's, 16 an extension's),
    /// [`NONE`] if absent. A child known only by its hash in the byte store becomes a
    /// [`Kind::Hash`] entry here, the first time a walk needs it.
    fn child(&mut self, parent: NodeId, slot: usize) -> NodeId {
        let c = match &self.nodes[parent as usize].kind {
            Kind::Branch { children } if slot < 16 => children[slot],
            Kind::Extension { child, .. } if slot == 16 => *child,
            _ => return NONE,
        };
        if !is_hash_at(c) {
            return c;
        }
        let hash = node::hash_at(&self.bytes, c);
        let id = self.push(Kind::Hash, NodeRef::hash(hash));
        match &mut self.nodes[parent as usize].kind {
            Kind::Branch { children } => children[slot] = id,
            Kind::Extension { child, .. } => *child = id,
            _ => {}
        }
        id
    }

    /// Resolves the trie's root node from the witness: whether the root is there and well
    /// formed, checked when a witness is loaded rather than at the first read.
    pub fn resolve_root(&mut self, trie: TrieId) -> Result<(), MptError> {
        self.resolve(trie.0, 0)
    }

    /// Replaces a hash stub by its decoded witness node; `depth` is the node's distance from
    /// the root in nibbles, which bounds its paths.
    fn resolve(&mut self, id: NodeId, depth: usize) -> Result<(), MptError> {
        let node = &self.nodes[id as usize];
        if !matches!(node.kind, Kind::Hash) {
            return Ok(());
        }
        let Some(hash) = node.cached.as_hash() else {
            return Ok(());
        };
        let span = *self
            .witness
            .get(&hash)
            .ok_or(MptError::MissingNode { hash })?;
        if self.tracking {
            self.used.push(span);
        }
        let kind = node::decode(&self.bytes, span, depth, &mut self.nodes, hash)?;
        let node = &mut self.nodes[id as usize];
        node.kind = kind;
        if span.len < 32 {
            // Only a root can be this short; a parent would embed it.
            node.cached = NodeRef::of_encoding(span.of(&self.bytes));
        }
        Ok(())
    }

    /// The value stored under `key` (at most 32 bytes), or `None` when the witness proves it
    /// absent. A path through a node the witness lacks is [`MptError::MissingNode`].
    pub fn get(&mut self, trie: TrieId, key: &[u8]) -> Result<Option<&[u8]>, MptError> {
        let key = Nibbles::from_key(key)?;
        let key = key.as_slice();
        let (mut id, mut depth) = (trie.0, 0);
        loop {
            self.resolve(id, depth)?;
            match self.nodes[id as usize].kind {
                Kind::Empty | Kind::Hash => return Ok(None),
                Kind::Leaf { path, value } => {
                    return Ok((path.as_slice() == &key[depth..]).then(|| value.of(&self.bytes)));
                }
                Kind::Extension { path, .. } => {
                    if !key[depth..].starts_with(path.as_slice()) {
                        return Ok(None);
                    }
                    depth += path.len();
                    id = self.child(id, 16);
                }
                Kind::Branch { .. } => {
                    let Some(&nibble) = key.get(depth) else {
                        return Ok(None);
                    };
                    id = self.child(id, nibble as usize);
                    if id == NONE {
                        return Ok(None);
                    }
                    depth += 1;
                }
            }
        }
    }

    /// Sets `key` (at most 32 bytes) to `value` (non-empty), creating the leaf and the
    /// branches and extensions it needs.
    pub fn insert(&mut self, trie: TrieId, key: &[u8], value: &[u8]) -> Result<(), MptError> {
        if value.is_empty() {
            // An empty value is a deletion in Ethereum's tries.
            return self.remove(trie, key).map(|_| ());
        }
        let key = Nibbles::from_key(key)?;
        let key = key.as_slice();
        let mut path_ids = [NONE; MAX_PATH];
        let mut len = 0;
        let (mut id, mut depth) = (trie.0, 0);
        loop {
            self.resolve(id, depth)?;
            if len == MAX_PATH {
                return Err(MptError::KeyIsPrefix);
            }
            path_ids[len] = id;
            len += 1;
            let rest = &key[depth..];
            match self.nodes[id as usize].kind {
                Kind::Empty | Kind::Hash => {
                    let value = self.store(value);
                    self.nodes[id as usize].kind = Kind::Leaf {
                        path: Nibbles::from_slice(rest),
                        value,
                    };
                    break;
                }
                Kind::Leaf { path, value: old } => {
                    let path = path.as_slice();
                    if path == rest {
                        if old.of(&self.bytes) == value {
                            return Ok(());
                        }
                        let value = self.store(value);
                        self.nodes[id as usize].kind = Kind::Leaf {
                            path: Nibbles::from_slice(path),
                            value,
                        };
                        break;
                    }
                    let c = common_prefix(path, rest);
                    if c == path.len() || c == rest.len() {
                        return Err(MptError::KeyIsPrefix);
                    }
                    let old_leaf = self.push(
                        Kind::Leaf {
                            path: Nibbles::from_slice(&path[c + 1..]),
                            value: old,
                        },
                        NodeRef::DIRTY,
                    );
                    self.split(id, rest, c, path[c], old_leaf, value);
                    break;
                }
                Kind::Extension { path, child } => {
                    let path = path.as_slice();
                    let c = common_prefix(path, rest);
                    if c == path.len() {
                        depth += c;
                        id = self.child(id, 16);
                        continue;
                    }
                    if c == rest.len() {
                        return Err(MptError::KeyIsPrefix);
                    }
                    let tail = if c + 1 == path.len() {
                        child
                    } else {
                        self.push(
                            Kind::Extension {
                                path: Nibbles::from_slice(&path[c + 1..]),
                                child,
                            },
                            NodeRef::DIRTY,
                        )
                    };
                    self.split(id, rest, c, path[c], tail, value);
                    break;
                }
                Kind::Branch { mut children } => {
                    let Some(&nibble) = rest.first() else {
                        return Err(MptError::KeyIsPrefix);
                    };
                    if children[nibble as usize] != NONE {
                        id = self.child(id, nibble as usize);
                        depth += 1;
                        continue;
                    }
                    let value = self.store(value);
                    children[nibble as usize] = self.push(
                        Kind::Leaf {
                            path: Nibbles::from_slice(&rest[1..]),
                            value,
                        },
                        NodeRef::DIRTY,
                    );
                    self.nodes[id as usize].kind = Kind::Branch { children };
                    break;
                }
            }
        }
        self.mark_dirty(&path_ids[..len]);
        Ok(())
    }

    /// Turns node `id` into a branch (under an extension for a shared prefix of `c` nibbles)
    /// holding `existing` at nibble `existing_nibble` and a new leaf for the rest of `rest`.
    fn split(
        &mut self,
        id: NodeId,
        rest: &[u8],
        c: usize,
        existing_nibble: u8,
        existing: NodeId,
        value: &[u8],
    ) {
        let value = self.store(value);
        let leaf = self.push(
            Kind::Leaf {
                path: Nibbles::from_slice(&rest[c + 1..]),
                value,
            },
            NodeRef::DIRTY,
        );
        let mut children = [NONE; 16];
        children[existing_nibble as usize] = existing;
        children[rest[c] as usize] = leaf;
        let branch = Kind::Branch { children };
        self.nodes[id as usize].kind = if c == 0 {
            branch
        } else {
            let branch = self.push(branch, NodeRef::DIRTY);
            Kind::Extension {
                path: Nibbles::from_slice(&rest[..c]),
                child: branch,
            }
        };
    }

    /// Removes `key`; returns whether it was present. Branches left with one child collapse
    /// into it (which may need that sibling from the witness: missing, it is a
    /// [`MptError::MissingNode`] naming it), and extensions merge with what follows them.
    pub fn remove(&mut self, trie: TrieId, key: &[u8]) -> Result<bool, MptError> {
        let key = Nibbles::from_key(key)?;
        let key = key.as_slice();
        let mut stack = [(NONE, 0usize); MAX_PATH];
        let mut len = 0;
        let (mut id, mut depth) = (trie.0, 0);
        loop {
            self.resolve(id, depth)?;
            if len == MAX_PATH {
                return Ok(false);
            }
            stack[len] = (id, depth);
            len += 1;
            match self.nodes[id as usize].kind {
                Kind::Empty | Kind::Hash => return Ok(false),
                Kind::Leaf { path, .. } => {
                    if path.as_slice() != &key[depth..] {
                        return Ok(false);
                    }
                    break;
                }
                Kind::Extension { path, .. } => {
                    if !key[depth..].starts_with(path.as_slice()) {
                        return Ok(false);
                    }
                    depth += path.len();
                    id = self.child(id, 16);
                }
                Kind::Branch { .. } => {
                    let Some(&nibble) = key.get(depth) else {
                        return Ok(false);
                    };
                    id = self.child(id, nibble as usize);
                    if id == NONE {
                        return Ok(false);
                    }
                    depth += 1;
                }
            }
        }
        self.nodes[id as usize].kind = Kind::Empty;
        for &(id, depth) in stack[..len - 1].iter().rev() {
            self.normalize(id, depth)?;
        }
        for &(id, _) in &stack[..len] {
            self.nodes[id as usize].cached = NodeRef::DIRTY;
        }
        Ok(true)
    }

    /// Restores the canonical shape of node `id` (at `depth`) after a deletion below it:
    /// branches drop emptied children and collapse when one child is left, extensions vanish
    /// over an empty child and absorb a leaf or extension child.
    fn normalize(&mut self, id: NodeId, depth: usize) -> Result<(), MptError> {
        let kind = match self.nodes[id as usize].kind {
            Kind::Branch { mut children } => {
                let mut count = 0;
                let mut last = 0;
                for (nibble, child) in children.iter_mut().enumerate() {
                    if *child != NONE
                        && !is_hash_at(*child)
                        && matches!(self.nodes[*child as usize].kind, Kind::Empty)
                    {
                        *child = NONE;
                    }
                    if *child != NONE {
                        count += 1;
                        last = nibble;
                    }
                }
                match count {
                    0 => Kind::Empty,
                    1 => {
                        // Write the cleared slots back before the child is looked up.
                        self.nodes[id as usize].kind = Kind::Branch { children };
                        let only = self.child(id, last);
                        self.resolve(only, depth + 1)?;
                        match self.nodes[only as usize].kind {
                            Kind::Leaf { path, value } => Kind::Leaf {
                                path: path.prepend(last as u8),
                                value,
                            },
                            Kind::Extension { path, child } => Kind::Extension {
                                path: path.prepend(last as u8),
                                child,
                            },
                            _ => Kind::Extension {
                                path: Nibbles::from_slice(&[last as u8]),
                                child: only,
                            },
                        }
                    }
                    _ => Kind::Branch { children },
                }
            }
            // The child is on the deleted key's path, so already an arena entry.
            Kind::Extension { path, child } if !is_hash_at(child) => {
                match self.nodes[child as usize].kind {
                    Kind::Empty => Kind::Empty,
                    Kind::Leaf { path: tail, value } => Kind::Leaf {
                        path: path.append(tail.as_slice()),
                        value,
                    },
                    Kind::Extension { path: tail, child } => Kind::Extension {
                        path: path.append(tail.as_slice()),
                        child,
                    },
                    _ => return Ok(()),
                }
            }
            _ => return Ok(()),
        };
        self.nodes[id as usize].kind = kind;
        Ok(())
    }

    fn mark_dirty(&mut self, ids: &[NodeId]) {
        for &id in ids {
            self.nodes[id as usize].cached = NodeRef::DIRTY;
        }
    }

    /// Appends a value to the byte store.
    fn store(&mut self, value: &[u8]) -> Span {
        let span = Span {
            start: self.bytes.len(),
            len: value.len(),
        };
        self.bytes.extend_from_slice(value);
        span
    }

    /// The trie's root hash: dirty nodes are encoded and hashed (each once), every other
    /// node's cached reference is reused, and unresolved subtrees keep their witness hash.
    pub fn root_hash(&mut self, trie: TrieId) -> B256 {
        if matches!(self.nodes[trie.0 as usize].kind, Kind::Empty) {
            return EMPTY_ROOT;
        }
        let r = self.node_ref(trie.0);
        match r.as_hash() {
            Some(hash) => hash,
            None => {
                self.hashes += 1;
                keccak256(r.as_inline().unwrap_or(&[]))
            }
        }
    }

    /// The reference of node `id`, computing (and caching) those of its dirty descendants.
    fn node_ref(&mut self, id: NodeId) -> NodeRef {
        let node = self.nodes[id as usize];
        if node.cached.is_known() {
            return node.cached;
        }
        match node.kind {
            Kind::Branch { children } => {
                for child in children {
                    if child != NONE && !is_hash_at(child) {
                        self.node_ref(child);
                    }
                }
            }
            Kind::Extension { child, .. } if !is_hash_at(child) => {
                self.node_ref(child);
            }
            _ => {}
        }
        let mut out = core::mem::take(&mut self.scratch);
        out.clear();
        node::encode(&node.kind, &self.nodes, &self.bytes, &mut out);
        if out.len() >= 32 {
            self.hashes += 1;
        }
        let r = NodeRef::of_encoding(&out);
        self.scratch = out;
        self.nodes[id as usize].cached = r;
        r
    }

    /// Resolves every node of the trie the witness holds (stopping at the ones it lacks) and
    /// returns how many arena entries are still hash stubs: for checking a witness as a whole.
    pub fn resolve_all(&mut self, trie: TrieId) -> Result<usize, MptError> {
        let mut stubs = 0;
        let mut todo: Vec<(NodeId, usize)> = alloc::vec![(trie.0, 0)];
        while let Some((id, depth)) = todo.pop() {
            match self.resolve(id, depth) {
                Ok(()) => {}
                Err(MptError::MissingNode { .. }) => {
                    stubs += 1;
                    continue;
                }
                Err(e) => return Err(e),
            }
            match self.nodes[id as usize].kind {
                Kind::Branch { children } => {
                    for (slot, child) in children.into_iter().enumerate() {
                        if child != NONE {
                            todo.push((self.child(id, slot), depth + 1));
                        }
                    }
                }
                Kind::Extension { path, .. } => todo.push((self.child(id, 16), depth + path.len())),
                _ => {}
            }
        }
        Ok(stubs)
    }

    /// Appends the encoding of every node of the trie's resolved part that its parent refers
    /// to by hash (32 bytes or more), and of the root whatever its size: a witness proving the
    /// whole of it. Dirty nodes are hashed first. Subtrees known only by their hash are left
    /// out, so for a trie built by inserts (or fully resolved) this is every node, and loading
    /// the nodes back gives the same trie.
    pub fn export_nodes(&mut self, trie: TrieId, out: &mut Vec<Vec<u8>>) {
        if matches!(self.nodes[trie.0 as usize].kind, Kind::Empty | Kind::Hash) {
            return;
        }
        self.root_hash(trie);
        let mut todo: Vec<NodeId> = alloc::vec![trie.0];
        let mut buf = Vec::new();
        while let Some(id) = todo.pop() {
            let node = self.nodes[id as usize];
            match node.kind {
                Kind::Empty | Kind::Hash => continue,
                Kind::Branch { children } => todo.extend(
                    children
                        .into_iter()
                        .filter(|&c| c != NONE && !is_hash_at(c)),
                ),
                Kind::Extension { child, .. } if !is_hash_at(child) => todo.push(child),
                _ => {}
            }
            if id == trie.0 || node.cached.as_hash().is_some() {
                buf.clear();
                node::encode(&node.kind, &self.nodes, &self.bytes, &mut buf);
                out.push(buf.clone());
            }
        }
    }

    /// Every leaf value of the resolved part of the trie, with its key nibbles: for walking a
    /// witness's accounts.
    pub fn leaves(&self, trie: TrieId) -> Vec<(Nibbles, &[u8])> {
        let mut out = Vec::new();
        let mut todo: Vec<(NodeId, Nibbles)> = alloc::vec![(trie.0, Nibbles::EMPTY)];
        while let Some((id, prefix)) = todo.pop() {
            match self.nodes[id as usize].kind {
                Kind::Leaf { path, value } => {
                    out.push((prefix.append(path.as_slice()), value.of(&self.bytes)))
                }
                Kind::Extension { path, child } if !is_hash_at(child) => {
                    todo.push((child, prefix.append(path.as_slice())))
                }
                Kind::Branch { children } => {
                    for (nibble, child) in children.into_iter().enumerate() {
                        if child != NONE && !is_hash_at(child) {
                            todo.push((child, prefix.append(&[nibble as u8])));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// What the trie's root node currently is.
    #[cfg(test)]
    pub(crate) fn root_kind(&self, trie: TrieId) -> Kind {
        self.nodes[trie.0 as usize].kind
    }

    /// Forgets every cached reference of resolved nodes, so the next [`Mpt::root_hash`]
    /// re-encodes the whole resolved trie: a test of the encoder against real roots.
    #[cfg(test)]
    pub(crate) fn forget_hashes(&mut self) {
        for node in &mut self.nodes {
            if !matches!(node.kind, Kind::Hash) {
                node.cached = NodeRef::DIRTY;
            }
        }
    }
}

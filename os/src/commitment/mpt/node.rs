//! Trie nodes as they sit in the arena, and their RLP form: decoding a witness node (with its
//! embedded children) into arena entries, and encoding an entry back for hashing.
//!
//! A node refers to its children by arena index, never by pointer or box, so a whole trie is
//! two flat vectors (nodes and bytes) and building or changing it allocates nothing per node.

use super::nibbles::{Nibbles, MAX_NIBBLES};
use super::{MptError, NodeProblem};
use crate::rlp::{self, Item};
use alloc::vec::Vec;
use alloy_primitives::B256;

/// Index of a node in the arena.
pub type NodeId = u32;

/// "No child" in a branch slot.
pub const NONE: NodeId = u32::MAX;

/// A child slot with this bit set (and not [`NONE`]) holds no arena index but the offset, in
/// the byte store, of the child's 32-byte hash inside its parent's witness encoding. Decoding
/// a branch thus creates no entry for the (typically fifteen) children a block never visits;
/// a walk that does visit one turns it into a [`Kind::Hash`] entry first.
pub const HASH_AT: NodeId = 1 << 31;

/// Whether child slot value `c` is a hash in the byte store (see [`HASH_AT`]).
pub fn is_hash_at(c: NodeId) -> bool {
    c != NONE && c & HASH_AT != 0
}

/// The hash a [`HASH_AT`] slot value points to.
pub fn hash_at(bytes: &[u8], c: NodeId) -> B256 {
    let start = (c & !HASH_AT) as usize;
    bytes
        .get(start..start + 32)
        .map(B256::from_slice)
        .unwrap_or_default()
}

/// A byte range of the arena's byte store: a leaf value, inside a witness node or written
/// later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Number of bytes.
    pub len: usize,
}

impl Span {
    /// The bytes of the span in `bytes` (empty if out of range, which spans never are).
    pub fn of<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        bytes.get(self.start..self.start + self.len).unwrap_or(&[])
    }
}

/// What a node is.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// The empty trie (a root), or a node deleted and not yet folded into its parent.
    Empty,
    /// A subtree known only by its hash (held in the node's [`NodeRef`]): resolved from the
    /// witness when a path goes through it, left as is otherwise.
    Hash,
    /// The rest of a key and its value.
    Leaf { path: Nibbles, value: Span },
    /// A shared run of nibbles above a branch.
    Extension { path: Nibbles, child: NodeId },
    /// Sixteen children by next nibble ([`NONE`] when absent). Secure tries have fixed-length
    /// keys, so a branch never holds a value.
    Branch { children: [NodeId; 16] },
}

/// How a parent refers to a node: its encoding when shorter than 32 bytes (embedded), else
/// its keccak hash. Length 0 means "not computed": the node changed since it was hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeRef {
    len: u8,
    bytes: [u8; 32],
}

impl NodeRef {
    /// Not known yet: the node is dirty.
    pub const DIRTY: NodeRef = NodeRef {
        len: 0,
        bytes: [0; 32],
    };

    /// A reference by hash.
    pub fn hash(hash: B256) -> NodeRef {
        NodeRef {
            len: 32,
            bytes: hash.0,
        }
    }

    /// The reference of a node whose whole encoding is `encoding`: itself when under 32 bytes.
    pub fn of_encoding(encoding: &[u8]) -> NodeRef {
        if encoding.len() < 32 {
            let mut bytes = [0; 32];
            bytes[..encoding.len()].copy_from_slice(encoding);
            NodeRef {
                len: encoding.len() as u8,
                bytes,
            }
        } else {
            NodeRef::hash(alloy_primitives::keccak256(encoding))
        }
    }

    /// Whether the reference is known.
    pub fn is_known(&self) -> bool {
        self.len != 0
    }

    /// The hash, when the reference is one.
    pub fn as_hash(&self) -> Option<B256> {
        (self.len == 32).then_some(B256::new(self.bytes))
    }

    /// The embedded encoding, when the node is short.
    pub fn as_inline(&self) -> Option<&[u8]> {
        (self.len > 0 && self.len < 32).then(|| &self.bytes[..self.len as usize])
    }

    /// Length of the reference inside a parent's encoding.
    pub fn encoded_len(&self) -> usize {
        if self.len == 32 {
            33
        } else {
            self.len as usize
        }
    }

    /// Appends the reference as its parent encodes it: a 32-byte string or the inline node.
    pub fn encode(&self, out: &mut Vec<u8>) {
        if self.len == 32 {
            out.push(0xa0);
        }
        out.extend_from_slice(&self.bytes[..self.len as usize]);
    }
}

/// One arena entry: what the node is and its cached reference.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    /// The node's shape and content.
    pub kind: Kind,
    /// Its reference as last computed ([`NodeRef::DIRTY`] after a change).
    pub cached: NodeRef,
}

/// Decodes the witness node at `span` of the byte store `base`, found at `depth` nibbles
/// below the root. Hash children become [`HASH_AT`] slot values, embedded children are
/// decoded on the spot into new `nodes` entries, and leaf values stay where they are in
/// `base`. `hash` names the node in errors.
pub fn decode(
    base: &[u8],
    span: Span,
    depth: usize,
    nodes: &mut Vec<Node>,
    hash: B256,
) -> Result<Kind, MptError> {
    let bad = |problem| MptError::BadNode { hash, problem };
    let raw = span.of(base);
    let item = Item::decode(raw).map_err(|e| bad(NodeProblem::Rlp(e)))?;
    if !item.is_list() {
        // Only the empty trie's root is a string (0x80).
        return if depth == 0 && item.payload().is_empty() {
            Ok(Kind::Empty)
        } else {
            Err(bad(NodeProblem::NotANode))
        };
    }
    if depth > 0 && raw.len() < 32 {
        // A parent embeds a short node instead of hashing it.
        return Err(bad(NodeProblem::ShortNodeByHash));
    }
    decode_list(item, base, span.start, depth, nodes).map_err(bad)
}

/// Offset of `inner` (a sub-slice of `outer`) within `outer`.
fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

/// A node's list item to its kind (recursing into embedded children).
fn decode_list(
    item: Item<'_>,
    base: &[u8],
    base_start: usize,
    depth: usize,
    nodes: &mut Vec<Node>,
) -> Result<Kind, NodeProblem> {
    let mut items = item.list().map_err(NodeProblem::Rlp)?;
    let count = items.count();
    match count {
        17 => {
            if depth >= MAX_NIBBLES {
                return Err(NodeProblem::PathTooLong);
            }
            let mut children = [NONE; 16];
            let mut present = 0;
            for child in children.iter_mut() {
                let child_item = items.next().ok_or(NodeProblem::NotANode)?;
                *child = decode_child(child_item, base, base_start, depth + 1, nodes)?;
                present += (*child != NONE) as usize;
            }
            let value = items.next().ok_or(NodeProblem::NotANode)?;
            if value.is_list() || !value.payload().is_empty() {
                return Err(NodeProblem::BranchValue);
            }
            if present < 2 {
                return Err(NodeProblem::TooFewChildren);
            }
            Ok(Kind::Branch { children })
        }
        2 => {
            let path_item = items.next().ok_or(NodeProblem::NotANode)?;
            let second = items.next().ok_or(NodeProblem::NotANode)?;
            let path_bytes = path_item.bytes().map_err(NodeProblem::Rlp)?;
            let (path, leaf) = Nibbles::decode_hex_prefix(path_bytes)?;
            if leaf {
                if depth + path.len() > MAX_NIBBLES {
                    return Err(NodeProblem::PathTooLong);
                }
                let value = second.bytes().map_err(NodeProblem::Rlp)?;
                if value.is_empty() {
                    return Err(NodeProblem::EmptyValue);
                }
                let start = base_start + offset_in(&base[base_start..], value);
                Ok(Kind::Leaf {
                    path,
                    value: Span {
                        start,
                        len: value.len(),
                    },
                })
            } else {
                if path.is_empty() {
                    return Err(NodeProblem::EmptyExtension);
                }
                if depth + path.len() >= MAX_NIBBLES {
                    return Err(NodeProblem::PathTooLong);
                }
                let child = decode_child(second, base, base_start, depth + path.len(), nodes)?;
                if child == NONE {
                    return Err(NodeProblem::BadChildRef);
                }
                Ok(Kind::Extension { path, child })
            }
        }
        _ => Err(NodeProblem::NotANode),
    }
}

/// A child reference: empty (no child), a 32-byte hash, or an embedded node under 32 bytes.
fn decode_child(
    item: Item<'_>,
    base: &[u8],
    base_start: usize,
    depth: usize,
    nodes: &mut Vec<Node>,
) -> Result<NodeId, NodeProblem> {
    let id = nodes.len() as NodeId;
    if item.is_list() {
        if item.raw().len() >= 32 {
            return Err(NodeProblem::EmbeddedTooLarge);
        }
        // Reserve the slot first so the child's own children come after it.
        nodes.push(Node {
            kind: Kind::Empty,
            cached: NodeRef::of_encoding(item.raw()),
        });
        let kind = decode_list(item, base, base_start, depth, nodes)?;
        nodes[id as usize].kind = kind;
        return Ok(id);
    }
    match item.payload().len() {
        0 => Ok(NONE),
        32 => {
            let start = base_start + offset_in(&base[base_start..], item.payload());
            if start < (NONE & !HASH_AT) as usize {
                return Ok(HASH_AT | start as NodeId);
            }
            // A byte store beyond 2 GiB: an arena entry instead.
            let mut hash = [0u8; 32];
            hash.copy_from_slice(item.payload());
            nodes.push(Node {
                kind: Kind::Hash,
                cached: NodeRef::hash(B256::new(hash)),
            });
            Ok(id)
        }
        _ => Err(NodeProblem::BadChildRef),
    }
}

/// Appends the RLP encoding of a node whose children's references are all known (see
/// [`super::trie::Mpt::root_hash`], which computes them first). `bytes` is the byte store
/// holding leaf values.
pub fn encode(kind: &Kind, nodes: &[Node], bytes: &[u8], out: &mut Vec<u8>) {
    let mut hp = [0u8; 33];
    match kind {
        Kind::Empty | Kind::Hash => out.push(rlp::EMPTY_STRING),
        Kind::Leaf { path, value } => {
            let n = path.encode_hex_prefix(true, &mut hp);
            let value = value.of(bytes);
            rlp::encode_list_header(out, rlp::bytes_len(&hp[..n]) + rlp::bytes_len(value));
            rlp::encode_bytes(out, &hp[..n]);
            rlp::encode_bytes(out, value);
        }
        Kind::Extension { path, child } => {
            let n = path.encode_hex_prefix(false, &mut hp);
            let child = child_ref(nodes, bytes, *child);
            rlp::encode_list_header(out, rlp::bytes_len(&hp[..n]) + child.encoded_len());
            rlp::encode_bytes(out, &hp[..n]);
            child.encode(out);
        }
        Kind::Branch { children } => {
            let payload: usize = 1 + children
                .iter()
                .map(|&c| child_ref(nodes, bytes, c).encoded_len().max(1))
                .sum::<usize>();
            rlp::encode_list_header(out, payload);
            for &c in children {
                let r = child_ref(nodes, bytes, c);
                if r.is_known() {
                    r.encode(out);
                } else {
                    out.push(rlp::EMPTY_STRING);
                }
            }
            out.push(rlp::EMPTY_STRING);
        }
    }
}

/// The cached reference of child `id`, or "unknown" (encoded as empty) for [`NONE`].
fn child_ref(nodes: &[Node], bytes: &[u8], id: NodeId) -> NodeRef {
    if is_hash_at(id) {
        return NodeRef::hash(hash_at(bytes, id));
    }
    match nodes.get(id as usize) {
        Some(node) if !matches!(node.kind, Kind::Empty) => node.cached,
        _ => NodeRef::DIRTY,
    }
}

//! Nibble paths: trie keys split into 4-bit digits, and the hex-prefix encoding that stores a
//! path in a leaf or extension node.
//!
//! Paths are at most 64 nibbles (32-byte keys), so they live inline in the node, unpacked one
//! nibble per byte: splitting and joining paths at odd positions stays a plain slice copy, and
//! no node owns heap memory.

use super::{MptError, NodeProblem};

/// The longest path: a 32-byte key.
pub const MAX_NIBBLES: usize = 64;

/// A path of up to [`MAX_NIBBLES`] nibbles, stored inline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Nibbles {
    len: u8,
    nibbles: [u8; MAX_NIBBLES],
}

impl core::fmt::Debug for Nibbles {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for n in self.as_slice() {
            write!(f, "{n:x}")?;
        }
        Ok(())
    }
}

impl Nibbles {
    /// The empty path.
    pub const EMPTY: Nibbles = Nibbles {
        len: 0,
        nibbles: [0; MAX_NIBBLES],
    };

    /// The nibbles of a key of at most 32 bytes, high nibble first.
    pub fn from_key(key: &[u8]) -> Result<Nibbles, MptError> {
        if key.len() * 2 > MAX_NIBBLES {
            return Err(MptError::KeyTooLong { len: key.len() });
        }
        let mut out = Nibbles::EMPTY;
        for (i, b) in key.iter().enumerate() {
            out.nibbles[2 * i] = b >> 4;
            out.nibbles[2 * i + 1] = b & 0x0f;
        }
        out.len = (key.len() * 2) as u8;
        Ok(out)
    }

    /// A path from a slice of nibbles (each below 16); at most [`MAX_NIBBLES`] are kept, which
    /// every caller's path is by construction.
    pub fn from_slice(nibbles: &[u8]) -> Nibbles {
        let len = nibbles.len().min(MAX_NIBBLES);
        debug_assert_eq!(len, nibbles.len());
        let mut out = Nibbles::EMPTY;
        out.nibbles[..len].copy_from_slice(&nibbles[..len]);
        out.len = len as u8;
        out
    }

    /// Number of nibbles.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the path has no nibble.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The nibbles, one per byte.
    pub fn as_slice(&self) -> &[u8] {
        &self.nibbles[..self.len as usize]
    }

    /// `nibble` followed by this path: a branch collapsing into its only child.
    pub fn prepend(&self, nibble: u8) -> Nibbles {
        let mut out = Nibbles::EMPTY;
        out.nibbles[0] = nibble;
        out.len = 1;
        out.append(self.as_slice())
    }

    /// This path followed by `tail` (capped at [`MAX_NIBBLES`], which valid tries never reach).
    pub fn append(mut self, tail: &[u8]) -> Nibbles {
        let start = self.len as usize;
        let n = tail.len().min(MAX_NIBBLES - start);
        debug_assert_eq!(n, tail.len());
        self.nibbles[start..start + n].copy_from_slice(&tail[..n]);
        self.len = (start + n) as u8;
        self
    }

    /// Hex-prefix encoding of the path (flag nibble: 2 for a leaf, 0 for an extension, plus 1
    /// for an odd length), written into `out`; returns its length (at most 33 bytes).
    pub fn encode_hex_prefix(&self, leaf: bool, out: &mut [u8; 33]) -> usize {
        let path = self.as_slice();
        let odd = path.len() % 2;
        let flag = if leaf { 2 } else { 0 } + odd as u8;
        let (first, rest) = if odd == 1 {
            ((flag << 4) | path[0], &path[1..])
        } else {
            (flag << 4, path)
        };
        out[0] = first;
        for (i, pair) in rest.chunks_exact(2).enumerate() {
            out[1 + i] = (pair[0] << 4) | pair[1];
        }
        1 + rest.len() / 2
    }

    /// Decodes a hex-prefix path strictly: flag 0..=3, a zero padding nibble for even lengths,
    /// at most [`MAX_NIBBLES`] nibbles. Returns the path and whether it is a leaf's.
    pub fn decode_hex_prefix(bytes: &[u8]) -> Result<(Nibbles, bool), NodeProblem> {
        let (&first, rest) = bytes.split_first().ok_or(NodeProblem::BadPath)?;
        let flag = first >> 4;
        if flag > 3 {
            return Err(NodeProblem::BadPath);
        }
        let odd = flag & 1 == 1;
        if !odd && first & 0x0f != 0 {
            return Err(NodeProblem::BadPath);
        }
        let len = rest.len() * 2 + odd as usize;
        if len > MAX_NIBBLES {
            return Err(NodeProblem::PathTooLong);
        }
        let mut out = Nibbles::EMPTY;
        let mut i = 0;
        if odd {
            out.nibbles[0] = first & 0x0f;
            i = 1;
        }
        for b in rest {
            out.nibbles[i] = b >> 4;
            out.nibbles[i + 1] = b & 0x0f;
            i += 2;
        }
        out.len = len as u8;
        Ok((out, flag >= 2))
    }
}

/// Length of the common prefix of two nibble slices.
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_prefix_round_trip() {
        let mut buf = [0u8; 33];
        for len in 0..=MAX_NIBBLES {
            let path = Nibbles::from_slice(
                &(0..len)
                    .map(|i| (i * 7 % 16) as u8)
                    .collect::<alloc::vec::Vec<_>>(),
            );
            for leaf in [false, true] {
                let n = path.encode_hex_prefix(leaf, &mut buf);
                assert_eq!(n, 1 + len / 2);
                assert_eq!(Nibbles::decode_hex_prefix(&buf[..n]), Ok((path, leaf)));
            }
        }
        // Known encodings: [1,2,3,4,5] extension -> 0x11 0x23 0x45; [0,f,1,c,b,8] leaf -> 0x20 0x0f 0x1c 0xb8.
        let n = Nibbles::from_slice(&[1, 2, 3, 4, 5]).encode_hex_prefix(false, &mut buf);
        assert_eq!(&buf[..n], &[0x11, 0x23, 0x45]);
        let n = Nibbles::from_slice(&[0, 0xf, 1, 0xc, 0xb, 8]).encode_hex_prefix(true, &mut buf);
        assert_eq!(&buf[..n], &[0x20, 0x0f, 0x1c, 0xb8]);
    }

    #[test]
    fn hex_prefix_rejects_bad_flags_and_padding() {
        assert_eq!(Nibbles::decode_hex_prefix(&[]), Err(NodeProblem::BadPath));
        assert_eq!(
            Nibbles::decode_hex_prefix(&[0x40]),
            Err(NodeProblem::BadPath)
        );
        assert_eq!(
            Nibbles::decode_hex_prefix(&[0x21]),
            Err(NodeProblem::BadPath)
        );
        assert_eq!(
            Nibbles::decode_hex_prefix(&[0x05, 0x12]),
            Err(NodeProblem::BadPath)
        );
        assert_eq!(
            Nibbles::decode_hex_prefix(&[0x31; 33]),
            Err(NodeProblem::PathTooLong)
        );
        assert!(Nibbles::decode_hex_prefix(&[0x20; 33]).is_ok());
    }
}

//! The guest's input tape: everything stateless validation needs, as 32-bit words, the unit
//! the machine hands out one per read. Two kinds, told apart by the magic word:
//!
//! ```text
//! block tape: MAGIC      total_words item(chain) item(block) list(state) list(codes) list(headers)
//! env tape:   MAGIC_ENV  total_words item(env block) list(state) list(codes)
//! item = byte_len, then the bytes packed little-endian into words, the last one padded
//!        with zero bytes
//! list = count, then count items
//! ```
//! A block tape carries a real RLP block, its chain config and a full execution witness. An
//! env tape carries an [`zkos_os::stateless::EnvBlock`] (environment, transactions with
//! senders, trusted pre-state root and ancestors: the state tests and `zkos run` blocks) and
//! the witness of its pre-state.
//!
//! The guest reads `total_words` words into one buffer and [`decode`] points every item into
//! it: no byte is copied. Decoding is strict (one meaning per tape): the magic, the total,
//! every length, zero padding and no trailing words are checked; anything else is a
//! [`TapeError`].

use alloc::vec::Vec;
use core::fmt;

/// "ZKT1": the block tape's tag and version.
pub const MAGIC: u32 = 0x5a4b_5431;
/// "ZKE1": the env tape's tag and version.
pub const MAGIC_ENV: u32 = 0x5a4b_4531;
/// Most words a tape may have (1 GiB of RAM holds the tape and everything else).
pub const MAX_TAPE_WORDS: usize = 64 << 20;

/// Why words are not a tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TapeError {
    BadMagic(u32),
    /// The total is below the header, above [`MAX_TAPE_WORDS`] or not the buffer's length.
    BadTotal(u32),
    /// An item or list runs past the end (`at` is the word where it starts).
    Truncated {
        at: usize,
    },
    /// An item's padding bytes are not zero.
    BadPadding {
        at: usize,
    },
    /// Words remain after the last list.
    Trailing {
        at: usize,
    },
}

impl fmt::Display for TapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TapeError::BadMagic(m) => write!(f, "tape: magic {m:#010x}, expected {MAGIC:#010x}"),
            TapeError::BadTotal(t) => write!(f, "tape: total of {t} words is not the tape's"),
            TapeError::Truncated { at } => write!(f, "tape: item at word {at} runs past the end"),
            TapeError::BadPadding { at } => {
                write!(f, "tape: item at word {at} has non-zero padding")
            }
            TapeError::Trailing { at } => write!(f, "tape: words after the last list, from {at}"),
        }
    }
}

/// Which input a tape holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// A real block: chain config, RLP block, witness with headers.
    #[default]
    Block,
    /// An env block: [`Tape::block`] is [`zkos_os::stateless::EnvBlock::encode`]'s form,
    /// [`Tape::chain`] and [`Tape::headers`] are empty.
    Env,
}

/// A decoded tape: slices into the word buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tape<'a> {
    pub kind: Kind,
    /// [`zkos_os::chain::ChainConfig::encode`]'s form.
    pub chain: &'a [u8],
    /// The RLP block, or the env block.
    pub block: &'a [u8],
    pub state: Vec<&'a [u8]>,
    pub codes: Vec<&'a [u8]>,
    pub headers: Vec<&'a [u8]>,
}

/// The words as bytes, in memory order (little-endian: the guest's and x86's).
fn as_bytes(words: &[u32]) -> &[u8] {
    // SAFETY: u8 has no alignment or validity requirements; the length is the words'.
    unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 4) }
}

#[cfg(not(target_endian = "little"))]
compile_error!("the tape packs bytes little-endian into words");

/// A cursor over the words.
struct Reader<'a> {
    words: &'a [u32],
    at: usize,
}

impl<'a> Reader<'a> {
    fn word(&mut self) -> Result<u32, TapeError> {
        let w = *self
            .words
            .get(self.at)
            .ok_or(TapeError::Truncated { at: self.at })?;
        self.at += 1;
        Ok(w)
    }

    fn item(&mut self) -> Result<&'a [u8], TapeError> {
        let start = self.at;
        let len = self.word()? as usize;
        let words = len.div_ceil(4);
        let end = self
            .at
            .checked_add(words)
            .filter(|&e| e <= self.words.len())
            .ok_or(TapeError::Truncated { at: start })?;
        let bytes = as_bytes(&self.words[self.at..end]);
        if bytes[len..].iter().any(|&b| b != 0) {
            return Err(TapeError::BadPadding { at: start });
        }
        self.at = end;
        Ok(&bytes[..len])
    }

    fn list(&mut self) -> Result<Vec<&'a [u8]>, TapeError> {
        let start = self.at;
        let count = self.word()? as usize;
        // Every item takes at least a word: bound the allocation by what is left.
        if count > self.words.len() - self.at {
            return Err(TapeError::Truncated { at: start });
        }
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(self.item()?);
        }
        Ok(out)
    }
}

/// Decodes a whole tape (the buffer holds exactly `total_words` words).
pub fn decode(words: &[u32]) -> Result<Tape<'_>, TapeError> {
    let mut r = Reader { words, at: 0 };
    let magic = r.word()?;
    let kind = match magic {
        MAGIC => Kind::Block,
        MAGIC_ENV => Kind::Env,
        _ => return Err(TapeError::BadMagic(magic)),
    };
    let total = r.word()?;
    if total as usize != words.len() {
        return Err(TapeError::BadTotal(total));
    }
    let tape = match kind {
        Kind::Block => Tape {
            kind,
            chain: r.item()?,
            block: r.item()?,
            state: r.list()?,
            codes: r.list()?,
            headers: r.list()?,
        },
        Kind::Env => Tape {
            kind,
            chain: &[],
            block: r.item()?,
            state: r.list()?,
            codes: r.list()?,
            headers: Vec::new(),
        },
    };
    if r.at != words.len() {
        return Err(TapeError::Trailing { at: r.at });
    }
    Ok(tape)
}

/// Whether a tape's total (its second word) is one the guest can hold.
pub fn total_is_plausible(total: u32) -> bool {
    (2..=MAX_TAPE_WORDS).contains(&(total as usize))
}

fn push_item(out: &mut Vec<u32>, bytes: &[u8]) {
    out.push(bytes.len() as u32);
    for chunk in bytes.chunks(4) {
        let mut w = [0u8; 4];
        w[..chunk.len()].copy_from_slice(chunk);
        out.push(u32::from_le_bytes(w));
    }
}

fn push_list<'b>(out: &mut Vec<u32>, items: impl ExactSizeIterator<Item = &'b [u8]>) {
    out.push(items.len() as u32);
    for item in items {
        push_item(out, item);
    }
}

/// Encodes a tape (the host side of [`decode`]); an env tape ignores `chain` and
/// `headers`.
pub fn encode(tape: &Tape<'_>) -> Vec<u32> {
    let magic = match tape.kind {
        Kind::Block => MAGIC,
        Kind::Env => MAGIC_ENV,
    };
    let mut out = alloc::vec![magic, 0];
    if tape.kind == Kind::Block {
        push_item(&mut out, tape.chain);
    }
    push_item(&mut out, tape.block);
    push_list(&mut out, tape.state.iter().copied());
    push_list(&mut out, tape.codes.iter().copied());
    if tape.kind == Kind::Block {
        push_list(&mut out, tape.headers.iter().copied());
    }
    out[1] = out.len() as u32;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sample() -> Vec<u32> {
        let node = [1u8, 2, 3, 4, 5];
        let code = [0x60u8];
        encode(&Tape {
            kind: Kind::Block,
            chain: b"chain",
            block: b"block bytes",
            state: vec![&node[..], &[]],
            codes: vec![&code[..]],
            headers: vec![],
        })
    }

    #[test]
    fn round_trip_points_into_the_words() {
        let words = sample();
        let tape = decode(&words).unwrap();
        assert_eq!(tape.chain, b"chain");
        assert_eq!(tape.block, b"block bytes");
        assert_eq!(tape.state, vec![&[1u8, 2, 3, 4, 5][..], &[]]);
        assert_eq!(tape.codes, vec![&[0x60u8][..]]);
        assert!(tape.headers.is_empty());
        let range = words.as_ptr() as usize..words.as_ptr() as usize + words.len() * 4;
        assert!(range.contains(&(tape.block.as_ptr() as usize)), "no copy");
    }

    #[test]
    fn every_malformation_is_an_error() {
        let words = sample();
        for cut in 0..words.len() {
            assert!(decode(&words[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = words.clone();
        bad[0] ^= 1;
        assert!(matches!(decode(&bad), Err(TapeError::BadMagic(_))));
        let mut longer = words.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(TapeError::BadTotal(_))));
        longer[1] += 1;
        assert!(matches!(decode(&longer), Err(TapeError::Trailing { .. })));
        // "chain" is 5 bytes: its second word holds one byte and three of padding.
        let mut padded = words.clone();
        padded[4] |= 0xff00;
        assert_eq!(decode(&padded), Err(TapeError::BadPadding { at: 2 }));
        // A length far past the end.
        let mut huge = words.clone();
        huge[2] = u32::MAX;
        assert_eq!(decode(&huge), Err(TapeError::Truncated { at: 2 }));
        // A list count past the end.
        let mut count = words;
        let block_at = 2 + 1 + 2;
        let state_at = block_at + 1 + 3;
        count[state_at] = 1 << 30;
        assert_eq!(decode(&count), Err(TapeError::Truncated { at: state_at }));
    }

    #[test]
    fn env_tape_round_trip_and_cuts() {
        let node = [9u8; 7];
        let words = encode(&Tape {
            kind: Kind::Env,
            block: b"env block",
            state: vec![&node[..]],
            codes: vec![],
            ..Tape::default()
        });
        assert_eq!(words[0], MAGIC_ENV);
        let tape = decode(&words).unwrap();
        assert_eq!(tape.kind, Kind::Env);
        assert_eq!(tape.block, b"env block");
        assert_eq!(tape.state, vec![&node[..]]);
        assert!(tape.chain.is_empty() && tape.codes.is_empty() && tape.headers.is_empty());
        for cut in 0..words.len() {
            assert!(decode(&words[..cut]).is_err(), "cut at {cut}");
        }
        // The block layout read as an env tape (or the reverse) does not decode.
        let mut swapped = sample();
        swapped[0] = MAGIC_ENV;
        assert!(decode(&swapped).is_err());
    }
}

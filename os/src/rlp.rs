//! Strict RLP: a zero-copy decoder that accepts only canonical encodings, and the small
//! encoder the trie and the block commitments need.
//!
//! Everything the core decodes (trie nodes, accounts, headers, transactions) comes from
//! untrusted bytes, and a proof must give every input exactly one meaning: so a non-minimal
//! length, a single byte below 0x80 written as a string, trailing bytes or a truncated item are
//! errors, never silently accepted. [`Item::decode`] validates the whole tree of nested items
//! up front (to a depth limit) and never panics; after that, iterating a [`List`] cannot fail
//! and only the typed accessors ([`Item::u64`], [`Item::address`], ...) check the content.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};
use core::fmt;

/// How deeply lists may nest below the decoded item by default: blocks need about 6 levels
/// (block, transactions, transaction, access list, entry, keys), so 16 leaves room and still
/// bounds the validation's recursion.
pub const DEFAULT_MAX_DEPTH: usize = 16;

/// The encoding of the empty string: also zero, and the empty child slot of a trie branch.
pub const EMPTY_STRING: u8 = 0x80;

/// The encoding of the empty list.
pub const EMPTY_LIST: u8 = 0xc0;

/// Why bytes are not the canonical RLP the caller asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RlpError {
    /// The input ends before the item does.
    Truncated,
    /// Bytes remain after the item the input must consist of.
    TrailingBytes,
    /// A length written in more bytes than needed: a leading zero byte in the length, or the
    /// long form for a payload under 56 bytes.
    NonCanonicalLength,
    /// A single byte below 0x80 written as a one-byte string (`0x81 0x00..=0x7f`).
    NonCanonicalByte,
    /// An integer with a leading zero byte (zero itself is the empty string).
    LeadingZero,
    /// An integer too large for the type asked for.
    IntegerOverflow,
    /// A list where a string was expected.
    ExpectedString,
    /// A string where a list was expected.
    ExpectedList,
    /// A fixed-size string (address, hash) of the wrong length.
    WrongLength { expected: usize, actual: usize },
    /// Lists nested more deeply than the decoder allows.
    TooDeep,
    /// A list ended before an item the caller needs.
    ListTooShort,
    /// A list has more items than the caller expects.
    ListTooLong,
}

impl fmt::Display for RlpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RlpError::Truncated => f.write_str("RLP item truncated"),
            RlpError::TrailingBytes => f.write_str("trailing bytes after the RLP item"),
            RlpError::NonCanonicalLength => f.write_str("non-canonical RLP length"),
            RlpError::NonCanonicalByte => {
                f.write_str("single byte below 0x80 encoded as an RLP string")
            }
            RlpError::LeadingZero => f.write_str("RLP integer with a leading zero"),
            RlpError::IntegerOverflow => f.write_str("RLP integer too large"),
            RlpError::ExpectedString => f.write_str("expected an RLP string, found a list"),
            RlpError::ExpectedList => f.write_str("expected an RLP list, found a string"),
            RlpError::WrongLength { expected, actual } => {
                write!(f, "RLP string of {actual} bytes, expected {expected}")
            }
            RlpError::TooDeep => f.write_str("RLP lists nested too deeply"),
            RlpError::ListTooShort => f.write_str("RLP list has too few items"),
            RlpError::ListTooLong => f.write_str("RLP list has too many items"),
        }
    }
}

/// One decoded item: a string or a list, borrowing the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    is_list: bool,
    payload: &'a [u8],
    raw: &'a [u8],
}

/// Parses the header at the start of `input`: (is_list, header length, payload length), with
/// every canonicity rule of the header itself checked and the payload known to be in bounds.
fn header(input: &[u8]) -> Result<(bool, usize, usize), RlpError> {
    let first = *input.first().ok_or(RlpError::Truncated)?;
    let (is_list, header_len, payload_len) = match first {
        0x00..=0x7f => return Ok((false, 0, 1)),
        0x80..=0xb7 => {
            let len = (first - 0x80) as usize;
            if len == 1 {
                let byte = *input.get(1).ok_or(RlpError::Truncated)?;
                if byte < 0x80 {
                    return Err(RlpError::NonCanonicalByte);
                }
            }
            (false, 1, len)
        }
        0xb8..=0xbf => {
            let (hl, len) = long_length(input, (first - 0xb7) as usize)?;
            (false, hl, len)
        }
        0xc0..=0xf7 => (true, 1, (first - 0xc0) as usize),
        0xf8..=0xff => {
            let (hl, len) = long_length(input, (first - 0xf7) as usize)?;
            (true, hl, len)
        }
    };
    let end = header_len
        .checked_add(payload_len)
        .ok_or(RlpError::Truncated)?;
    if end > input.len() {
        return Err(RlpError::Truncated);
    }
    Ok((is_list, header_len, payload_len))
}

/// The big-endian length of `len_of_len` bytes after the first byte: minimal and at least 56.
fn long_length(input: &[u8], len_of_len: usize) -> Result<(usize, usize), RlpError> {
    let bytes = input.get(1..1 + len_of_len).ok_or(RlpError::Truncated)?;
    if bytes[0] == 0 {
        return Err(RlpError::NonCanonicalLength);
    }
    let mut len: usize = 0;
    for &b in bytes {
        // A length beyond usize cannot be backed by the input.
        len = len
            .checked_mul(256)
            .and_then(|l| l.checked_add(b as usize))
            .ok_or(RlpError::Truncated)?;
    }
    if len < 56 {
        return Err(RlpError::NonCanonicalLength);
    }
    Ok((1 + len_of_len, len))
}

/// Splits the first item off `input` without validating its nested items.
fn split_shallow(input: &[u8]) -> Result<(Item<'_>, &[u8]), RlpError> {
    let (is_list, header_len, payload_len) = header(input)?;
    let end = header_len + payload_len;
    let payload = if header_len == 0 {
        &input[..1]
    } else {
        &input[header_len..end]
    };
    Ok((
        Item {
            is_list,
            payload,
            raw: &input[..end],
        },
        &input[end..],
    ))
}

/// Checks that every item of a list payload is canonical, nesting at most `depth_left` more
/// list levels.
fn validate_list(mut payload: &[u8], depth_left: usize) -> Result<(), RlpError> {
    while !payload.is_empty() {
        let (item, rest) = split_shallow(payload)?;
        if item.is_list {
            if depth_left == 0 {
                return Err(RlpError::TooDeep);
            }
            validate_list(item.payload, depth_left - 1)?;
        }
        payload = rest;
    }
    Ok(())
}

impl<'a> Item<'a> {
    /// Decodes `input` as exactly one canonical item (nested lists up to
    /// [`DEFAULT_MAX_DEPTH`] levels), validating everything inside it.
    pub fn decode(input: &'a [u8]) -> Result<Self, RlpError> {
        Self::decode_with_depth(input, DEFAULT_MAX_DEPTH)
    }

    /// [`Item::decode`] with an explicit nesting limit: `max_depth` list levels below the item.
    pub fn decode_with_depth(input: &'a [u8], max_depth: usize) -> Result<Self, RlpError> {
        let (item, rest) = Self::decode_prefix_with_depth(input, max_depth)?;
        if !rest.is_empty() {
            return Err(RlpError::TrailingBytes);
        }
        Ok(item)
    }

    /// Decodes the first item of `input` (fully validated) and returns it with the bytes after
    /// it: for streams of concatenated items.
    pub fn decode_prefix(input: &'a [u8]) -> Result<(Self, &'a [u8]), RlpError> {
        Self::decode_prefix_with_depth(input, DEFAULT_MAX_DEPTH)
    }

    /// [`Item::decode_prefix`] with an explicit nesting limit.
    pub fn decode_prefix_with_depth(
        input: &'a [u8],
        max_depth: usize,
    ) -> Result<(Self, &'a [u8]), RlpError> {
        let (item, rest) = split_shallow(input)?;
        if item.is_list {
            validate_list(item.payload, max_depth)?;
        }
        Ok((item, rest))
    }

    /// Whether the item is a list.
    pub fn is_list(&self) -> bool {
        self.is_list
    }

    /// The item's whole encoding, header included: what a hash over the item covers.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The item's content: a string's bytes, or a list's concatenated item encodings.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The bytes of a string item.
    pub fn bytes(&self) -> Result<&'a [u8], RlpError> {
        if self.is_list {
            return Err(RlpError::ExpectedString);
        }
        Ok(self.payload)
    }

    /// A string of exactly `N` bytes (hashes, addresses, nonces of fixed width).
    pub fn fixed<const N: usize>(&self) -> Result<[u8; N], RlpError> {
        let bytes = self.bytes()?;
        bytes.try_into().map_err(|_| RlpError::WrongLength {
            expected: N,
            actual: bytes.len(),
        })
    }

    /// A 20-byte address.
    pub fn address(&self) -> Result<Address, RlpError> {
        self.fixed::<20>().map(Address::from)
    }

    /// A 32-byte hash.
    pub fn b256(&self) -> Result<B256, RlpError> {
        self.fixed::<32>().map(B256::from)
    }

    /// The big-endian bytes of a canonical integer of at most `max_len` bytes: no leading
    /// zero, zero as the empty string.
    fn uint_bytes(&self, max_len: usize) -> Result<&'a [u8], RlpError> {
        let bytes = self.bytes()?;
        if bytes.first() == Some(&0) {
            return Err(RlpError::LeadingZero);
        }
        if bytes.len() > max_len {
            return Err(RlpError::IntegerOverflow);
        }
        Ok(bytes)
    }

    /// A canonical integer below 2^64.
    pub fn u64(&self) -> Result<u64, RlpError> {
        let bytes = self.uint_bytes(8)?;
        Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64))
    }

    /// A canonical integer below 2^256.
    pub fn u256(&self) -> Result<U256, RlpError> {
        let bytes = self.uint_bytes(32)?;
        U256::try_from_be_slice(bytes).ok_or(RlpError::IntegerOverflow)
    }

    /// The items of a list item.
    pub fn list(&self) -> Result<List<'a>, RlpError> {
        if !self.is_list {
            return Err(RlpError::ExpectedList);
        }
        Ok(List { rest: self.payload })
    }
}

/// The items of a validated list, in order.
#[derive(Clone, Copy, Debug)]
pub struct List<'a> {
    rest: &'a [u8],
}

impl<'a> List<'a> {
    /// The next item, or [`RlpError::ListTooShort`] when the list has ended: for the fixed
    /// field sequences of headers, transactions and accounts.
    pub fn next_item(&mut self) -> Result<Item<'a>, RlpError> {
        self.next().ok_or(RlpError::ListTooShort)
    }

    /// Succeeds only if every item has been taken, so extra fields are rejected.
    pub fn finish(self) -> Result<(), RlpError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(RlpError::ListTooLong)
        }
    }

    /// Whether no item is left.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

impl<'a> Iterator for List<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        // The list was validated when its outermost item was decoded, so this cannot fail;
        // should it ever, the list simply ends rather than panicking.
        match split_shallow(self.rest) {
            Ok((item, rest)) => {
                self.rest = rest;
                Some(item)
            }
            Err(_) => {
                self.rest = &[];
                None
            }
        }
    }
}

/// Length of the header of a string or list whose payload is `payload_len` bytes long.
pub const fn header_len(payload_len: usize) -> usize {
    if payload_len < 56 {
        1
    } else {
        1 + be_len(payload_len as u64)
    }
}

/// Bytes needed to write `v` big-endian without leading zeros.
const fn be_len(v: u64) -> usize {
    (64 - v.leading_zeros() as usize).div_ceil(8)
}

/// Encoded length of the string `bytes`.
pub fn bytes_len(bytes: &[u8]) -> usize {
    if bytes.len() == 1 && bytes[0] < 0x80 {
        1
    } else {
        header_len(bytes.len()) + bytes.len()
    }
}

/// Encoded length of a list whose items take `payload_len` bytes.
pub const fn list_len(payload_len: usize) -> usize {
    header_len(payload_len) + payload_len
}

/// Encoded length of the integer `v`.
pub const fn u64_len(v: u64) -> usize {
    if v < 0x80 {
        1
    } else {
        1 + be_len(v)
    }
}

/// Encoded length of the integer `v`.
pub fn u256_len(v: &U256) -> usize {
    let n = v.byte_len();
    if n <= 1 && *v < U256::from(0x80) {
        1
    } else {
        1 + n
    }
}

/// Writes the header of a string (`list` false) or list with a `payload_len`-byte payload.
fn write_header(out: &mut Vec<u8>, list: bool, payload_len: usize) {
    let (short, long) = if list { (0xc0, 0xf7) } else { (0x80, 0xb7) };
    if payload_len < 56 {
        out.push(short + payload_len as u8);
    } else {
        let n = be_len(payload_len as u64);
        out.push(long + n as u8);
        out.extend_from_slice(&(payload_len as u64).to_be_bytes()[8 - n..]);
    }
}

/// Appends the header of a list whose items, already encoded, take `payload_len` bytes.
pub fn encode_list_header(out: &mut Vec<u8>, payload_len: usize) {
    write_header(out, true, payload_len);
}

/// Appends `bytes` as a string.
pub fn encode_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() == 1 && bytes[0] < 0x80 {
        out.push(bytes[0]);
    } else {
        write_header(out, false, bytes.len());
        out.extend_from_slice(bytes);
    }
}

/// Appends the integer `v` (minimal big-endian bytes).
pub fn encode_u64(out: &mut Vec<u8>, v: u64) {
    let be = v.to_be_bytes();
    encode_bytes(out, &be[8 - be_len(v)..]);
}

/// Appends the integer `v` (minimal big-endian bytes).
pub fn encode_u256(out: &mut Vec<u8>, v: &U256) {
    let be = v.to_be_bytes::<32>();
    encode_bytes(out, &be[32 - v.byte_len()..]);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::vec;
    use alloy_primitives::hex;

    fn dec(hex_str: &str) -> Result<Item<'static>, RlpError> {
        let bytes: &'static [u8] = Vec::leak(hex::decode(hex_str).unwrap());
        Item::decode(bytes)
    }

    #[test]
    fn canonical_strings_and_integers() {
        assert_eq!(dec("80").unwrap().bytes().unwrap(), &[] as &[u8]);
        assert_eq!(dec("80").unwrap().u64().unwrap(), 0);
        assert_eq!(dec("00").unwrap().bytes().unwrap(), &[0u8]);
        assert_eq!(dec("7f").unwrap().u64().unwrap(), 0x7f);
        assert_eq!(dec("8180").unwrap().u64().unwrap(), 0x80);
        assert_eq!(dec("820400").unwrap().u64().unwrap(), 0x400);
        assert_eq!(dec("88ffffffffffffffff").unwrap().u64().unwrap(), u64::MAX);
        let long = format!("b838{}", "ab".repeat(56));
        assert_eq!(dec(&long).unwrap().bytes().unwrap().len(), 56);
        let max = format!("a0{}", "ff".repeat(32));
        assert_eq!(dec(&max).unwrap().u256().unwrap(), U256::MAX);
        let addr = format!("94{}", "11".repeat(20));
        assert_eq!(
            dec(&addr).unwrap().address().unwrap(),
            Address::repeat_byte(0x11)
        );
        assert_eq!(
            dec(&addr).unwrap().b256(),
            Err(RlpError::WrongLength {
                expected: 32,
                actual: 20
            })
        );
    }

    #[test]
    fn canonical_lists() {
        let item = dec("c0").unwrap();
        assert!(item.is_list() && item.list().unwrap().is_empty());
        // [ "cat", ["dog", 1], [] ]
        let item = dec("cb83636174c58364 6f6701c0".replace(' ', "").as_str()).unwrap();
        let mut list = item.list().unwrap();
        assert_eq!(list.next_item().unwrap().bytes().unwrap(), b"cat");
        let mut inner = list.next_item().unwrap().list().unwrap();
        assert_eq!(inner.next_item().unwrap().bytes().unwrap(), b"dog");
        assert_eq!(inner.next_item().unwrap().u64().unwrap(), 1);
        inner.finish().unwrap();
        assert!(list.next_item().unwrap().list().unwrap().is_empty());
        assert_eq!(list.next_item(), Err(RlpError::ListTooShort));
        let long = format!("f838{}", "01".repeat(56));
        assert_eq!(dec(&long).unwrap().list().unwrap().count(), 56);
        assert_eq!(dec("c101").unwrap().bytes(), Err(RlpError::ExpectedString));
        assert_eq!(
            dec("01").unwrap().list().err(),
            Some(RlpError::ExpectedList)
        );
        let mut two = dec("c20102").unwrap().list().unwrap();
        two.next_item().unwrap();
        assert_eq!(two.finish(), Err(RlpError::ListTooLong));
    }

    #[test]
    fn non_canonical_rejected() {
        // One byte below 0x80 as a string.
        assert_eq!(dec("8100").err(), Some(RlpError::NonCanonicalByte));
        assert_eq!(dec("817f").err(), Some(RlpError::NonCanonicalByte));
        // Long form for short payloads, leading zero in a length.
        assert_eq!(
            dec(&format!("b837{}", "00".repeat(55))).err(),
            Some(RlpError::NonCanonicalLength)
        );
        assert_eq!(dec("b80100").err(), Some(RlpError::NonCanonicalLength));
        assert_eq!(
            dec(&format!("b90038{}", "00".repeat(56))).err(),
            Some(RlpError::NonCanonicalLength)
        );
        assert_eq!(dec("f800").err(), Some(RlpError::NonCanonicalLength));
        // Nested non-canonical item inside a list is found up front.
        assert_eq!(dec("c3c28100").err(), Some(RlpError::NonCanonicalByte));
        // Leading zeros and overflow in integers, only where an integer is asked for.
        assert_eq!(dec("00").unwrap().u64(), Err(RlpError::LeadingZero));
        assert_eq!(dec("820001").unwrap().u64(), Err(RlpError::LeadingZero));
        assert_eq!(dec("820001").unwrap().bytes().unwrap(), &[0, 1]);
        assert_eq!(
            dec("89010000000000000000").unwrap().u64(),
            Err(RlpError::IntegerOverflow)
        );
        assert_eq!(
            dec(&format!("a1{}", "01".repeat(33))).unwrap().u256(),
            Err(RlpError::IntegerOverflow)
        );
    }

    #[test]
    fn truncated_and_trailing() {
        for bad in [
            "", "81", "b8", "b838", "8201", "c1", "c36401", "f838", "b90100",
        ] {
            assert_eq!(dec(bad).err(), Some(RlpError::Truncated), "{bad}");
        }
        // A list whose declared payload cuts an inner item short.
        assert_eq!(dec("c28201").err(), Some(RlpError::Truncated));
        // A huge declared length must not overflow.
        assert_eq!(dec("bfffffffffffffffff").err(), Some(RlpError::Truncated));
        assert_eq!(dec("0101").err(), Some(RlpError::TrailingBytes));
        assert_eq!(dec("c0c0").err(), Some(RlpError::TrailingBytes));
        let (item, rest) = Item::decode_prefix(&[0xc0, 0x05]).unwrap();
        assert!(item.is_list());
        assert_eq!(rest, &[0x05]);
    }

    #[test]
    fn depth_limit() {
        // 20 nested empty lists: c0 wrapped 19 more times.
        let mut enc = vec![0xc0u8];
        for _ in 0..19 {
            let mut outer = Vec::new();
            encode_list_header(&mut outer, enc.len());
            outer.extend_from_slice(&enc);
            enc = outer;
        }
        assert_eq!(Item::decode(&enc).err(), Some(RlpError::TooDeep));
        assert!(Item::decode_with_depth(&enc, 19).is_ok());
        assert_eq!(
            Item::decode_with_depth(&enc, 18).err(),
            Some(RlpError::TooDeep)
        );
    }

    #[test]
    fn encoder_matches_alloy_rlp() {
        let mut rng = Rng(7);
        for _ in 0..2000 {
            let v = rng.next() >> (rng.next() % 64);
            let mut ours = Vec::new();
            encode_u64(&mut ours, v);
            assert_eq!(ours, alloy_rlp::encode(v));
            assert_eq!(ours.len(), u64_len(v));
            let big = U256::from_limbs([rng.next(), rng.next(), rng.next(), rng.next()])
                >> (rng.next() % 256) as usize;
            let mut ours = Vec::new();
            encode_u256(&mut ours, &big);
            assert_eq!(ours, alloy_rlp::encode(big));
            assert_eq!(ours.len(), u256_len(&big));
            let len = (rng.next() % 300) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let mut ours = Vec::new();
            encode_bytes(&mut ours, &bytes);
            assert_eq!(ours, alloy_rlp::encode(bytes.as_slice()));
            assert_eq!(ours.len(), bytes_len(&bytes));
            assert_eq!(Item::decode(&ours).unwrap().bytes().unwrap(), &bytes[..]);
        }
    }

    /// Small deterministic generator, so the fuzz runs are reproducible without a dependency.
    pub(crate) struct Rng(pub u64);
    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
    }

    /// Re-encodes a decoded item with the encoder: canonical decoding means this gives back
    /// exactly the input.
    fn reencode(item: Item<'_>, out: &mut Vec<u8>) {
        if item.is_list() {
            let mut payload = Vec::new();
            for child in item.list().unwrap() {
                reencode(child, &mut payload);
            }
            encode_list_header(out, payload.len());
            out.extend_from_slice(&payload);
        } else {
            encode_bytes(out, item.bytes().unwrap());
        }
    }

    /// Touches every accessor of every item, as a consumer would.
    fn exercise(item: Item<'_>) {
        let _ = (
            item.u64(),
            item.u256(),
            item.address(),
            item.b256(),
            item.bytes(),
        );
        if let Ok(list) = item.list() {
            for child in list {
                exercise(child);
            }
        }
    }

    fn random_item(rng: &mut Rng, depth: usize, out: &mut Vec<u8>) {
        if depth < 4 && rng.next().is_multiple_of(3) {
            let mut payload = Vec::new();
            for _ in 0..rng.next() % 5 {
                random_item(rng, depth + 1, &mut payload);
            }
            encode_list_header(out, payload.len());
            out.extend_from_slice(&payload);
        } else {
            let len = match rng.next() % 4 {
                0 => 0,
                1 => 1,
                2 => (rng.next() % 60) as usize,
                _ => (rng.next() % 70) as usize,
            };
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            encode_bytes(out, &bytes);
        }
    }

    #[test]
    fn bounded_fuzz_never_panics_and_round_trips() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let mut accepted = 0;
        for round in 0..200_000 {
            let mut input = Vec::new();
            if round % 2 == 0 {
                // Random bytes with a bias towards header bytes.
                let len = (rng.next() % 40) as usize;
                for _ in 0..len {
                    let r = rng.next();
                    input.push(match r % 4 {
                        0 => 0x80 + (r >> 8) as u8 % 0x40,
                        1 => 0xb7 + (r >> 8) as u8 % 9,
                        2 => 0xf7 + (r >> 8) as u8 % 9,
                        _ => (r >> 8) as u8,
                    });
                }
            } else {
                // A valid item with a few bytes mutated, inserted or cut.
                random_item(&mut rng, 0, &mut input);
                for _ in 0..1 + rng.next() % 3 {
                    let r = rng.next();
                    match r % 3 {
                        0 if !input.is_empty() => {
                            let i = (r >> 8) as usize % input.len();
                            input[i] = (r >> 16) as u8;
                        }
                        1 if !input.is_empty() => {
                            input.truncate((r >> 8) as usize % input.len());
                        }
                        _ => input.push((r >> 8) as u8),
                    }
                }
            }
            if let Ok(item) = Item::decode(&input) {
                accepted += 1;
                exercise(item);
                let mut out = Vec::new();
                reencode(item, &mut out);
                assert_eq!(out, input, "accepted a non-canonical encoding");
            }
            let _ = Item::decode_prefix(&input);
        }
        assert!(
            accepted > 10_000,
            "the fuzz should reach valid items: {accepted}"
        );
        // Unmutated random items always decode and round-trip.
        for _ in 0..5000 {
            let mut input = Vec::new();
            random_item(&mut rng, 0, &mut input);
            let item = Item::decode(&input).unwrap();
            let mut out = Vec::new();
            reencode(item, &mut out);
            assert_eq!(out, input);
        }
    }
}

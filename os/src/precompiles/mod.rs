//! Precompiled contracts 0x01..0x11 and 0x100.
//!
//! Every precompile is a function of the form `(input, gas_limit, spec, out) -> gas used`; this
//! module only decides which one an address names under a fork and forwards the call. Each
//! implementation prices the call before doing any real work, so a caller that cannot pay never
//! makes us hash, allocate or run curve arithmetic.
//!
//! Fork map (see [`count`]): 0x01..0x04 from Frontier, 0x05..0x08 from Byzantium, 0x09 from
//! Istanbul, 0x0a from Cancun; P256VERIFY at 0x100 from Osaka (EIP-7951, outside the prefix:
//! see [`has_p256verify`]). Osaka's modexp changes (EIP-7823 bounds, EIP-7883 pricing) live in
//! `modexp`. Prague adds the EIP-2537 BLS12-381 set at 0x0b..0x11 (`bls12`: G1ADD, G1MSM,
//! G2ADD, G2MSM, PAIRING_CHECK, MAP_FP_TO_G1, MAP_FP2_TO_G2).

use crate::types::SpecId;
use alloc::vec::Vec;
use alloy_primitives::Address;

mod blake2f;
mod bls12;
mod bn254;
pub(crate) mod ecrecover;
mod identity;
mod modexp;
mod p256verify;
mod point_evaluation;
mod ripemd160;
mod sha256;

/// Why a precompile call failed; either way the call consumes all gas it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecompileError {
    /// The price of the call is above the gas it was given.
    OutOfGas,
    /// The input is one the precompile's specification rejects (e.g. a bn254 point off the
    /// curve, a blake2f input of the wrong length, a KZG proof that does not verify).
    Failure,
}

/// What every precompile returns: the gas used, or why the call failed.
pub(crate) type PrecompileResult = Result<u64, PrecompileError>;

/// Charges `cost` against `gas_limit`; separate so every precompile says "price first" the same
/// way.
#[inline]
pub(crate) fn charge(cost: u64, gas_limit: u64) -> Result<u64, PrecompileError> {
    if cost > gas_limit {
        Err(PrecompileError::OutOfGas)
    } else {
        Ok(cost)
    }
}

/// `base + per_word * ceil(len / 32)`, saturating: the linear price of the hash and copy
/// precompiles. Saturation turns an absurd length into "out of gas" instead of an overflow.
#[inline]
pub(crate) fn linear_cost(len: usize, base: u64, per_word: u64) -> u64 {
    let words = (len as u64).div_ceil(32);
    base.saturating_add(per_word.saturating_mul(words))
}

/// Copies `input[offset..offset + N]` into a fixed array, reading past the end as zeros:
/// the right-padding rule shared by ecrecover, modexp and the bn254 precompiles.
#[inline]
pub(crate) fn padded<const N: usize>(input: &[u8], offset: usize) -> [u8; N] {
    let mut buf = [0u8; N];
    if let Some(rest) = input.get(offset..) {
        let n = rest.len().min(N);
        buf[..n].copy_from_slice(&rest[..n]);
    }
    buf
}

/// How many precompiles (0x01..=count) exist under `spec`. The active set is always a prefix
/// of the address range, which keeps both dispatch and [`addresses`] trivial.
#[inline]
fn count(spec: SpecId) -> u8 {
    // P256VERIFY (Osaka, 0x100) is outside the prefix: see `has_p256verify`.
    if spec >= SpecId::Prague {
        0x11
    } else if spec >= SpecId::Cancun {
        0x0a
    } else if spec >= SpecId::Istanbul {
        0x09
    } else if spec >= SpecId::Byzantium {
        0x08
    } else {
        0x04
    }
}

/// P256VERIFY's address (EIP-7951): `0x00..0100`, outside the `0x01..=count` prefix, so it
/// is checked on its own and only once the prefix test has failed.
const P256VERIFY_ADDRESS: Address = {
    let mut bytes = [0u8; 20];
    bytes[18] = 1;
    Address::new(bytes)
};

/// Whether P256VERIFY exists under `spec` (EIP-7951, Osaka on).
#[inline]
fn has_p256verify(spec: SpecId) -> bool {
    spec >= SpecId::Osaka
}

/// The low byte of a precompile-shaped address (`0x00..00NN`), or `None` for any other address.
#[inline]
fn low_byte(address: &Address) -> Option<u8> {
    let bytes = address.as_slice();
    if bytes[..19].iter().all(|&b| b == 0) {
        Some(bytes[19])
    } else {
        None
    }
}

/// Whether `address` is a precompile under `spec`.
pub fn is_precompile(address: &Address, spec: SpecId) -> bool {
    matches!(low_byte(address), Some(n) if n >= 1 && n <= count(spec))
        || (has_p256verify(spec) && *address == P256VERIFY_ADDRESS)
}

/// The precompile addresses active under `spec` (warm from the start since Berlin).
pub fn addresses(spec: SpecId) -> impl Iterator<Item = Address> {
    (1..=count(spec))
        .map(|n| {
            let mut bytes = [0u8; 20];
            bytes[19] = n;
            Address::new(bytes)
        })
        .chain(has_p256verify(spec).then_some(P256VERIFY_ADDRESS))
}

/// Runs precompile `address` on `input` with `gas_limit`; writes the output into `out`
/// (cleared first) and returns the gas used.
///
/// Calling an address that is not a precompile under `spec` is a caller bug; it is answered
/// with `Failure` rather than a panic.
pub fn run(
    address: &Address,
    input: &[u8],
    gas_limit: u64,
    spec: SpecId,
    out: &mut Vec<u8>,
) -> Result<u64, PrecompileError> {
    out.clear();
    let n = match low_byte(address) {
        Some(n) if n >= 1 && n <= count(spec) => n,
        None if has_p256verify(spec) && *address == P256VERIFY_ADDRESS => {
            return p256verify::run(input, gas_limit, out);
        }
        _ => return Err(PrecompileError::Failure),
    };
    match n {
        0x01 => ecrecover::run(input, gas_limit, out),
        0x02 => sha256::run(input, gas_limit, out),
        0x03 => ripemd160::run(input, gas_limit, out),
        0x04 => identity::run(input, gas_limit, out),
        0x05 => modexp::run(input, gas_limit, spec, out),
        0x06 => bn254::add::run(input, gas_limit, spec, out),
        0x07 => bn254::mul::run(input, gas_limit, spec, out),
        0x08 => bn254::pairing::run(input, gas_limit, spec, out),
        0x09 => blake2f::run(input, gas_limit, out),
        0x0a => point_evaluation::run(input, gas_limit, out),
        0x0b => bls12::g1_add(input, gas_limit, out),
        0x0c => bls12::g1_msm(input, gas_limit, out),
        0x0d => bls12::g2_add(input, gas_limit, out),
        0x0e => bls12::g2_msm(input, gas_limit, out),
        0x0f => bls12::pairing_check(input, gas_limit, out),
        0x10 => bls12::map_fp_to_g1(input, gas_limit, out),
        0x11 => bls12::map_fp2_to_g2(input, gas_limit, out),
        _ => Err(PrecompileError::Failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(n: u8) -> Address {
        let mut bytes = [0u8; 20];
        bytes[19] = n;
        Address::new(bytes)
    }

    #[test]
    fn fork_sets() {
        let expect = |spec: SpecId| addresses(spec).count();
        assert_eq!(expect(SpecId::Frontier), 4);
        assert_eq!(expect(SpecId::SpuriousDragon), 4);
        assert_eq!(expect(SpecId::Byzantium), 8);
        assert_eq!(expect(SpecId::Petersburg), 8);
        assert_eq!(expect(SpecId::Istanbul), 9);
        assert_eq!(expect(SpecId::Shanghai), 9);
        assert_eq!(expect(SpecId::Cancun), 10);
        assert_eq!(expect(SpecId::Prague), 17);
        // Osaka adds P256VERIFY (0x100) to Prague's set.
        assert_eq!(expect(SpecId::Osaka), expect(SpecId::Prague) + 1);
        for spec in SpecId::ALL {
            for a in addresses(spec) {
                assert!(is_precompile(&a, spec));
            }
        }
    }

    #[test]
    fn non_precompiles() {
        assert!(!is_precompile(&addr(0), SpecId::Cancun));
        assert!(!is_precompile(&addr(0x0b), SpecId::Cancun));
        assert!(is_precompile(&addr(0x11), SpecId::Prague));
        assert!(!is_precompile(&addr(0x12), SpecId::Prague));
        assert!(!is_precompile(&addr(0x05), SpecId::Homestead));
        assert!(!is_precompile(&addr(0x09), SpecId::Petersburg));
        assert!(!is_precompile(&addr(0x0a), SpecId::Shanghai));
        let mut high = [0u8; 20];
        high[0] = 1;
        high[19] = 1;
        assert!(!is_precompile(&Address::new(high), SpecId::Cancun));
        let mut out = alloc::vec![1, 2, 3];
        assert_eq!(
            run(&addr(0x0a), &[], 1_000_000, SpecId::Shanghai, &mut out),
            Err(PrecompileError::Failure)
        );
        assert!(out.is_empty());
    }

    #[test]
    fn p256verify_from_osaka() {
        let mut bytes = [0u8; 20];
        bytes[18] = 1;
        let p256 = Address::new(bytes);
        assert!(is_precompile(&p256, SpecId::Osaka));
        assert!(!is_precompile(&p256, SpecId::Prague));
        assert!(addresses(SpecId::Osaka).any(|a| a == p256));
        assert!(!addresses(SpecId::Prague).any(|a| a == p256));
        // Neighbours of 0x100 are not precompiles.
        bytes[19] = 1;
        assert!(!is_precompile(&Address::new(bytes), SpecId::Osaka));
        bytes[19] = 0;
        bytes[17] = 1;
        assert!(!is_precompile(&Address::new(bytes), SpecId::Osaka));
        // Dispatch: a wrong-length input is an invalid signature, a successful call.
        let mut out = alloc::vec![9];
        assert_eq!(run(&p256, &[], 10_000, SpecId::Osaka, &mut out), Ok(6900));
        assert!(out.is_empty());
        assert_eq!(
            run(&p256, &[], 10_000, SpecId::Prague, &mut out),
            Err(PrecompileError::Failure)
        );
    }

    /// Garbage of every interesting length into every precompile of the latest fork: each call
    /// ends with a result, never a panic; success uses at most its gas and failure writes
    /// nothing. The lengths are each precompile's natural units, one off, and empty.
    #[test]
    fn garbage_never_panics() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut byte = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        };
        let lengths = [
            0usize, 1, 31, 32, 33, 64, 96, 127, 128, 129, 160, 161, 192, 213, 255, 256, 257, 288,
            384, 480, 512, 513, 640, 768, 1024,
        ];
        let mut out = Vec::new();
        for spec in [SpecId::Prague, SpecId::Osaka] {
            for a in addresses(spec) {
                for &len in &lengths {
                    for round in 0..3 {
                        // Round 0 is all zeros (infinity and zero scalars where that parses).
                        let input: Vec<u8> = (0..len)
                            .map(|_| if round == 0 { 0 } else { byte() })
                            .collect();
                        let limit = 10_000_000;
                        match run(&a, &input, limit, spec, &mut out) {
                            Ok(used) => assert!(used <= limit, "{a} len {len}"),
                            Err(_) => assert!(out.is_empty(), "{a} len {len}"),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn dispatch_reuses_buffer() {
        let mut out = alloc::vec![0xff; 100];
        assert_eq!(
            run(&addr(4), b"abc", 100, SpecId::Frontier, &mut out),
            Ok(18)
        );
        assert_eq!(out, b"abc");
        assert_eq!(run(&addr(2), b"", 100, SpecId::Frontier, &mut out), Ok(60));
        assert_eq!(out.len(), 32);
    }

    #[test]
    fn padding_and_costs() {
        assert_eq!(padded::<4>(&[1, 2, 3], 1), [2, 3, 0, 0]);
        assert_eq!(padded::<2>(&[1, 2, 3], 5), [0, 0]);
        assert_eq!(linear_cost(0, 15, 3), 15);
        assert_eq!(linear_cost(33, 15, 3), 21);
        assert_eq!(linear_cost(usize::MAX, u64::MAX, 3), u64::MAX);
        assert_eq!(charge(10, 9), Err(PrecompileError::OutOfGas));
        assert_eq!(charge(10, 10), Ok(10));
    }
}

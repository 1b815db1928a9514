//! 0x05 MODEXP (EIP-198): `base ^ exp mod modulus` on arbitrary-length big-endian numbers.
//!
//! Input: `base_len ‖ exp_len ‖ mod_len` (three 32-byte words) followed by the three numbers;
//! everything past the end of the input reads as zero. The lengths are attacker-chosen and may
//! be anything up to 2^256 - 1, so the price is computed from them with saturating arithmetic
//! and nothing is allocated until the caller has shown it can pay: a length it cannot pay for
//! is out of gas, never an allocation. Past the gas check, `base_len` and `mod_len` are bounded
//! by the (quadratic) price; before Osaka `exp_len` is not when both of them are zero, and it
//! is never allocated: the exponent is only ever a slice of the input (see [`run`]).
//!
//! Pricing: EIP-198 from Byzantium, EIP-2565 from Berlin, EIP-7883 from Osaka.
//! Bounds: from Osaka (EIP-7823) each of the three lengths must be at most 1024 bytes; a
//! larger one fails the call (all gas consumed). The check comes before the price: both
//! outcomes consume all gas, so the order is unobservable, and checking first keeps the
//! pricing arithmetic for bounded lengths only.

use super::{charge, padded, PrecompileError, PrecompileResult};
use crate::types::SpecId;
use alloc::vec::Vec;
use alloy_primitives::U256;
use num_bigint::BigUint;

/// Which pricing rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pricing {
    /// Byzantium..Istanbul: the EIP-198 piecewise complexity, divisor 20.
    Eip198,
    /// Berlin..Prague: complexity `ceil(x / 8)^2`, divisor 3, minimum 200.
    Eip2565,
    /// Osaka on: complexity 16 up to 32 bytes, else `2 * ceil(x / 8)^2`; exponent bytes past
    /// the first 32 count 16 iterations each (not 8); no divisor; minimum 500.
    Eip7883,
}

impl Pricing {
    fn of(spec: SpecId) -> Pricing {
        if spec >= SpecId::Osaka {
            Pricing::Eip7883
        } else if spec >= SpecId::Berlin {
            Pricing::Eip2565
        } else {
            Pricing::Eip198
        }
    }

    /// Iterations charged per exponent byte beyond the first 32.
    fn tail_multiplier(self) -> u128 {
        match self {
            Pricing::Eip198 | Pricing::Eip2565 => 8,
            Pricing::Eip7883 => 16,
        }
    }
}

/// EIP-7823 (Osaka on): the largest base, exponent or modulus length, in bytes, a call may name.
const MAX_LEN_OSAKA: u64 = 1024;

/// Clamps a 256-bit length to u64: every length above u64::MAX already prices the call far
/// above any gas limit (or, when it is `exp_len` with empty base and modulus, does not matter).
fn clamp(v: U256) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// Reads `len` bytes at `offset` of `data` as a zero-padded window and returns the bit length
/// of that big-endian number. Used for the exponent head, which may lie partly or wholly past
/// the end of the input.
fn window_bit_len(data: &[u8], offset: u64, len: u64) -> u64 {
    // `len` is at most 32 here; the part of the window beyond `data` is zeros, which only
    // shifts the number left, so the first non-zero byte decides the bit length.
    let start = match usize::try_from(offset) {
        Ok(s) if s < data.len() => s,
        _ => return 0,
    };
    let avail = &data[start..];
    let present = &avail[..avail.len().min(len as usize)];
    match present.iter().position(|&b| b != 0) {
        None => 0,
        Some(i) => (len - i as u64) * 8 - u64::from(present[i].leading_zeros()),
    }
}

/// The price of a call with these header lengths; `data` is the input after the 96-byte
/// header (needed for the exponent's first 32 bytes). Kept in u128 (saturating) so that a
/// price above u64::MAX stays distinguishable from one a u64::MAX gas limit could pay.
fn gas_cost(data: &[u8], base_len: u64, exp_len: u64, mod_len: u64, pricing: Pricing) -> u128 {
    // Adjusted exponent length: bit index of the highest set bit of the exponent's first
    // min(exp_len, 32) bytes, plus 8 per byte beyond 32.
    let head_bits = window_bit_len(data, base_len, exp_len.min(32));
    let msb = u128::from(head_bits.saturating_sub(1));
    let tail = if exp_len > 32 {
        pricing
            .tail_multiplier()
            .saturating_mul(u128::from(exp_len - 32))
    } else {
        0
    };
    let iterations = (tail + msb).max(1);

    let x = u128::from(base_len.max(mod_len));
    match pricing {
        Pricing::Eip198 => {
            let sq = x.saturating_mul(x);
            let complexity = if x <= 64 {
                sq
            } else if x <= 1024 {
                // x^2/4 + 96x - 3072 (positive for x > 64)
                (sq / 4).saturating_add(96 * x).saturating_sub(3072)
            } else {
                // x^2/16 + 480x - 199680 (positive for x > 1024)
                (sq / 16).saturating_add(480 * x).saturating_sub(199_680)
            };
            complexity.saturating_mul(iterations) / 20
        }
        Pricing::Eip2565 => {
            let words = x.div_ceil(8);
            let complexity = words.saturating_mul(words);
            (complexity.saturating_mul(iterations) / 3).max(200)
        }
        Pricing::Eip7883 => {
            let complexity = if x <= 32 {
                16
            } else {
                let words = x.div_ceil(8);
                words.saturating_mul(words).saturating_mul(2)
            };
            complexity.saturating_mul(iterations).max(500)
        }
    }
}

/// `data[offset .. offset + len]` as a freshly allocated, zero-padded buffer. Only called
/// with lengths the gas check has bounded; the allocation is still fallible, for callers with
/// absurd gas limits.
fn read_padded(data: &[u8], offset: u128, len: usize) -> Result<Vec<u8>, PrecompileError> {
    let mut buf = Vec::new();
    buf.try_reserve_exact(len)
        .map_err(|_| PrecompileError::OutOfGas)?;
    buf.resize(len, 0);
    if let Ok(start) = usize::try_from(offset) {
        if let Some(avail) = data.get(start..) {
            let n = avail.len().min(len);
            buf[..n].copy_from_slice(&avail[..n]);
        }
    }
    Ok(buf)
}

/// Runs MODEXP; the output is `mod_len` bytes (the result left-padded), empty when
/// `mod_len` is 0.
pub(super) fn run(
    input: &[u8],
    gas_limit: u64,
    spec: SpecId,
    out: &mut Vec<u8>,
) -> PrecompileResult {
    let base_len = clamp(U256::from_be_bytes(padded::<32>(input, 0)));
    let exp_len = clamp(U256::from_be_bytes(padded::<32>(input, 32)));
    let mod_len = clamp(U256::from_be_bytes(padded::<32>(input, 64)));
    let data = input.get(96..).unwrap_or(&[]);

    if spec >= SpecId::Osaka && base_len.max(exp_len).max(mod_len) > MAX_LEN_OSAKA {
        return Err(PrecompileError::Failure);
    }
    let cost = gas_cost(data, base_len, exp_len, mod_len, Pricing::of(spec));
    let gas = charge(
        u64::try_from(cost).map_err(|_| PrecompileError::OutOfGas)?,
        gas_limit,
    )?;

    // The output has mod_len bytes: nothing to compute. This also covers the only case where
    // a huge exp_len is affordable (base_len = mod_len = 0 prices at 0 / 200).
    if mod_len == 0 {
        return Ok(gas);
    }
    // Paid for, so both are bounded by the gas limit; on a 32-bit target an absurd gas limit
    // could still leave them above usize, which no real call reaches.
    let (Ok(base_len_us), Ok(mod_len_us)) = (usize::try_from(base_len), usize::try_from(mod_len))
    else {
        return Err(PrecompileError::OutOfGas);
    };

    let exp_start = u128::from(base_len);
    let mod_start = exp_start + u128::from(exp_len);
    let modulus = BigUint::from_bytes_be(&read_padded(data, mod_start, mod_len_us)?);
    out.try_reserve_exact(mod_len_us)
        .map_err(|_| PrecompileError::OutOfGas)?;
    if modulus.bits() == 0 {
        // x mod 0 is defined as 0 here.
        out.resize(mod_len_us, 0);
        return Ok(gas);
    }
    let base = BigUint::from_bytes_be(&read_padded(data, 0, base_len_us)?);

    // The modulus is not zero, so part of it lies inside the input, and so does the whole
    // exponent before it: the exponent is a plain sub-slice (never longer than the input).
    let exponent = usize::try_from(exp_start)
        .ok()
        .zip(usize::try_from(mod_start).ok())
        .and_then(|(from, to)| data.get(from..to))
        .unwrap_or(&[]);
    let result = pow_mod(&base, &BigUint::from_bytes_be(exponent), &modulus);

    let bytes = result.to_bytes_be();
    // result < modulus < 256^mod_len, so it fits; zero comes back as [0].
    let pad = mod_len_us.saturating_sub(bytes.len());
    out.resize(pad, 0);
    out.extend_from_slice(&bytes[bytes.len().saturating_sub(mod_len_us)..]);
    Ok(gas)
}

/// `base^exp mod modulus` for a non-zero modulus, with the conventions the reference clients
/// share: anything mod 1 is 0, and x^0 (0^0 included) is 1.
fn pow_mod(base: &BigUint, exp: &BigUint, modulus: &BigUint) -> BigUint {
    let one = BigUint::from(1u8);
    if *modulus == one {
        BigUint::default()
    } else if exp.bits() == 0 {
        one
    } else {
        base.modpow(exp, modulus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloy_primitives::hex;

    fn call(input: &[u8], gas_limit: u64, spec: SpecId) -> (PrecompileResult, Vec<u8>) {
        let mut out = Vec::new();
        let res = run(input, gas_limit, spec, &mut out);
        (res, out)
    }

    fn header(b: u64, e: u64, m: u64) -> Vec<u8> {
        let mut v = Vec::new();
        for x in [b, e, m] {
            v.extend_from_slice(&U256::from(x).to_be_bytes::<32>());
        }
        v
    }

    // EIP-198 example 1: 3^(p-1) mod p = 1 (Fermat), p = secp256k1 field prime.
    const FERMAT: [u8; 96 + 1 + 32 + 32] = hex!(
        "0000000000000000000000000000000000000000000000000000000000000001"
        "0000000000000000000000000000000000000000000000000000000000000020"
        "0000000000000000000000000000000000000000000000000000000000000020"
        "03"
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e"
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"
    );

    #[test]
    fn eip198_example_fermat() {
        let one = hex!("0000000000000000000000000000000000000000000000000000000000000001");
        // EIP-198 gas: complexity(32) = 1024, adjusted exp len = 255 -> 1024 * 255 / 20.
        assert_eq!(
            call(&FERMAT, 1_000_000, SpecId::Byzantium),
            (Ok(13056), one.to_vec())
        );
        // EIP-2565: ceil(32/8)^2 = 16, * 255 / 3 = 1360.
        assert_eq!(
            call(&FERMAT, 1_000_000, SpecId::Berlin),
            (Ok(1360), one.to_vec())
        );
    }

    #[test]
    fn eip198_example_zero_base() {
        // EIP-198 example 2: base length 0 -> base 0, 0^(p-1) mod p = 0.
        let input = hex!(
            "0000000000000000000000000000000000000000000000000000000000000000"
            "0000000000000000000000000000000000000000000000000000000000000020"
            "0000000000000000000000000000000000000000000000000000000000000020"
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e"
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"
        );
        let (res, out) = call(&input, 1_000_000, SpecId::Byzantium);
        assert_eq!(res, Ok(13056));
        assert_eq!(out, [0u8; 32]);
    }

    #[test]
    fn eip198_example_huge_lengths_are_out_of_gas() {
        // EIP-198 example 3: base_len = 0, exp_len = 2^256 - 1... well, 2^255-ish, mod_len
        // = 2^256 - 1; the price saturates and no allocation happens.
        let input = hex!(
            "0000000000000000000000000000000000000000000000000000000000000000"
            "0000000000000000000000000000000000000000000000000000000000000020"
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffffe"
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"
        );
        for spec in [SpecId::Byzantium, SpecId::Berlin, SpecId::Cancun] {
            assert_eq!(
                call(&input, u64::MAX, spec).0,
                Err(PrecompileError::OutOfGas)
            );
        }
        let huge = [0xffu8; 96];
        assert_eq!(
            call(&huge, u64::MAX, SpecId::Cancun).0,
            Err(PrecompileError::OutOfGas)
        );
    }

    #[test]
    fn empty_modulus_with_huge_exponent_is_cheap() {
        // base_len = mod_len = 0, exp_len = 2^256 - 1: the complexity is 0.
        let mut input = header(0, 0, 0);
        input[32..64].fill(0xff);
        assert_eq!(call(&input, 1_000, SpecId::Byzantium), (Ok(0), Vec::new()));
        assert_eq!(call(&input, 1_000, SpecId::Berlin), (Ok(200), Vec::new()));
        assert_eq!(
            call(&input, 199, SpecId::Berlin).0,
            Err(PrecompileError::OutOfGas)
        );
        // Empty input entirely.
        assert_eq!(call(&[], 1_000, SpecId::Byzantium), (Ok(0), Vec::new()));
        assert_eq!(call(&[], 1_000, SpecId::Berlin), (Ok(200), Vec::new()));
    }

    #[test]
    fn mod_len_zero_gives_empty_output() {
        let mut input = header(1, 1, 0);
        input.extend_from_slice(&[5, 3]);
        assert_eq!(call(&input, 1_000, SpecId::Cancun), (Ok(200), Vec::new()));
    }

    #[test]
    fn small_results_and_padding() {
        // 3^5 mod 100 = 43, with a 3-byte modulus -> 3 output bytes.
        let mut input = header(1, 1, 3);
        input.extend_from_slice(&[3, 5, 0, 0, 100]);
        assert_eq!(
            call(&input, 1_000, SpecId::Cancun),
            (Ok(200), vec![0, 0, 43])
        );
        // The modulus truncated: [0, 0] padded -> 0 -> mod 0 is all zeros.
        let mut input = header(1, 1, 3);
        input.extend_from_slice(&[3, 5, 0, 0]);
        assert_eq!(
            call(&input, 1_000, SpecId::Cancun),
            (Ok(200), vec![0, 0, 0])
        );
        // Modulus 1 and exponent 0: 0.
        let mut input = header(1, 1, 1);
        input.extend_from_slice(&[3, 0, 1]);
        assert_eq!(call(&input, 1_000, SpecId::Cancun), (Ok(200), vec![0]));
        // 0^0 mod 7 = 1.
        let mut input = header(1, 1, 1);
        input.extend_from_slice(&[0, 0, 7]);
        assert_eq!(call(&input, 1_000, SpecId::Cancun), (Ok(200), vec![1]));
        // Even modulus: 7^3 mod 10 = 3.
        let mut input = header(1, 1, 1);
        input.extend_from_slice(&[7, 3, 10]);
        assert_eq!(call(&input, 1_000, SpecId::Cancun), (Ok(200), vec![3]));
    }

    #[test]
    fn exponent_running_past_the_input() {
        // base = 3, exp_len = 2 with only its first byte present, mod_len = 2 with the
        // modulus entirely past the end: modulus 0, two zero bytes out.
        let mut input = header(1, 2, 2);
        input.extend_from_slice(&[3, 1]);
        assert_eq!(call(&input, 1_000, SpecId::Cancun), (Ok(200), vec![0, 0]));
        // Two-byte exponent: 2^0x0300 mod 13.
        let mut input = header(1, 2, 1);
        input.extend_from_slice(&[2, 3, 0, 13]);
        let expect = BigUint::from(2u8).modpow(&BigUint::from(0x0300u32), &BigUint::from(13u8));
        assert_eq!(call(&input, 1_000, SpecId::Cancun).1, expect.to_bytes_be());
        // Modulus partly present: [0x01, pad 0x00] = 256; 3^2 mod 256 = 9.
        let mut input = header(1, 1, 2);
        input.extend_from_slice(&[3, 2, 1]);
        assert_eq!(call(&input, 1_000, SpecId::Cancun), (Ok(200), vec![0, 9]));
    }

    #[test]
    fn gas_formulas() {
        // Exponent head past the input: adjusted length 0 -> 1 iteration.
        assert_eq!(gas_cost(&[], 64, 1, 64, Pricing::Eip198), 64 * 64 / 20);
        assert_eq!(gas_cost(&[], 64, 1, 64, Pricing::Eip2565), 200);
        // Middle and large EIP-198 complexity bands.
        assert_eq!(
            gas_cost(&[], 100, 0, 0, Pricing::Eip198),
            (10000 / 4 + 9600 - 3072) / 20
        );
        assert_eq!(
            gas_cost(&[], 0, 0, 2000, Pricing::Eip198),
            (4_000_000 / 16 + 960_000 - 199_680) / 20
        );
        // Long exponent with a zero head: 8 * (40 - 32) iterations.
        assert_eq!(gas_cost(&[0; 64], 0, 40, 8, Pricing::Eip2565), 200);
        assert_eq!(gas_cost(&[0; 64], 0, 40, 64, Pricing::Eip2565), 64 * 64 / 3);
        // Head bits: 0x01 followed by 31 zero bytes = 2^248 -> msb 248, plus 8 * 8.
        let mut data = vec![0u8; 64];
        data[0] = 1;
        assert_eq!(
            gas_cost(&data, 0, 40, 64, Pricing::Eip2565),
            64 * (248 + 64) / 3
        );
        // Saturation: far above anything a u64 gas limit pays.
        let max = u128::from(u64::MAX);
        assert!(gas_cost(&[], u64::MAX, u64::MAX, u64::MAX, Pricing::Eip198) > max);
        assert!(gas_cost(&[], u64::MAX, u64::MAX, u64::MAX, Pricing::Eip2565) > max);
        assert!(gas_cost(&[], 0, 0, u64::MAX, Pricing::Eip2565) > max);
    }

    #[test]
    fn eip7883_gas_by_hand() {
        let one = hex!("0000000000000000000000000000000000000000000000000000000000000001");
        // Fermat: x = 32 -> complexity 16; exponent p - 1 has 256 bits -> 255 iterations.
        assert_eq!(
            call(&FERMAT, 1_000_000, SpecId::Osaka),
            (Ok(16 * 255), one.to_vec())
        );
        assert_eq!(
            call(&FERMAT, 16 * 255 - 1, SpecId::Osaka).0,
            Err(PrecompileError::OutOfGas)
        );
        // Empty input: complexity 16, one iteration, raised to the minimum of 500.
        assert_eq!(call(&[], 1_000, SpecId::Osaka), (Ok(500), Vec::new()));
        assert_eq!(
            call(&[], 499, SpecId::Osaka).0,
            Err(PrecompileError::OutOfGas)
        );
        // x = 33: ceil(33 / 8) = 5 words -> 2 * 25 = 50; exponent 2^255 -> 255 iterations.
        let mut data = vec![0u8; 33 + 32];
        data[33] = 0x80;
        assert_eq!(gas_cost(&data, 33, 32, 1, Pricing::Eip7883), 50 * 255);
        // x = 128 -> 16 words -> 512; exponent 0x010001 -> 16 iterations.
        let mut data = vec![0u8; 3];
        data.copy_from_slice(&[1, 0, 1]);
        assert_eq!(gas_cost(&data, 0, 3, 128, Pricing::Eip7883), 512 * 16);
        // Long exponent: head 2^248 -> 248, plus 16 (not 8) per byte past 32: 248 + 16 * 8.
        let mut data = vec![0u8; 64];
        data[0] = 1;
        assert_eq!(
            gas_cost(&data, 0, 40, 64, Pricing::Eip7883),
            128 * (248 + 128)
        );
        // x = 64 with a 1-iteration exponent: 2 * 8^2 = 128, below the minimum.
        assert_eq!(gas_cost(&[3], 64, 1, 64, Pricing::Eip7883), 500);
        // SpecId mapping.
        assert_eq!(Pricing::of(SpecId::Prague), Pricing::Eip2565);
        assert_eq!(Pricing::of(SpecId::Osaka), Pricing::Eip7883);
    }

    #[test]
    fn eip7823_bounds() {
        // Each length at exactly 1024 is accepted; 1025 fails whatever the gas.
        let at_limit = [(1024, 1, 1), (1, 1024, 1), (1, 1, 1024)];
        for (b, e, m) in at_limit {
            let (res, out) = call(&header(b, e, m), 10_000_000, SpecId::Osaka);
            let gas = res.expect("1024 bytes is within the EIP-7823 bound");
            assert_eq!(out.len(), m as usize);
            let expect = if b == 1024 || m == 1024 {
                // 128 words -> 2 * 128^2 = 32768, one iteration.
                32_768
            } else {
                // Complexity 16; zero exponent head, 16 * (1024 - 32) iterations.
                16 * 16 * 992
            };
            assert_eq!(gas, expect);
        }
        let over = [(1025, 1, 1), (1, 1025, 1), (1, 1, 1025), (0, 1025, 0)];
        for (b, e, m) in over {
            assert_eq!(
                call(&header(b, e, m), 10_000_000, SpecId::Osaka).0,
                Err(PrecompileError::Failure)
            );
            // Prague has no bound: the same call succeeds with an m-byte output.
            let (res, out) = call(&header(b, e, m), 10_000_000, SpecId::Prague);
            assert!(res.is_ok(), "{b} {e} {m} under Prague: {res:?}");
            assert_eq!(out.len(), m as usize);
        }
        // A length far above the bound (2^256 - 1) is a failure too, not out of gas.
        assert_eq!(
            call(&[0xff; 96], u64::MAX, SpecId::Osaka).0,
            Err(PrecompileError::Failure)
        );
        // The empty-operand shortcut with a huge exponent length no longer applies.
        let mut input = header(0, 0, 0);
        input[32..64].fill(0xff);
        assert_eq!(
            call(&input, 1_000, SpecId::Osaka).0,
            Err(PrecompileError::Failure)
        );
    }

    #[test]
    fn out_of_gas_before_work() {
        assert_eq!(
            call(&FERMAT, 13055, SpecId::Byzantium).0,
            Err(PrecompileError::OutOfGas)
        );
        assert_eq!(
            call(&FERMAT, 1359, SpecId::Berlin).0,
            Err(PrecompileError::OutOfGas)
        );
        // A 1 GiB modulus length: priced, refused, never allocated.
        let input = header(0, 0, 1 << 30);
        assert_eq!(
            call(&input, 30_000_000, SpecId::Cancun).0,
            Err(PrecompileError::OutOfGas)
        );
    }
}

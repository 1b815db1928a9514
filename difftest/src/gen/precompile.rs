//! Precompile addresses per fork and inputs for calling them: mostly well-formed (so that the
//! arithmetic runs and its result is compared), often slightly wrong (a point off its curve,
//! a coordinate not below the modulus, a byte too many), sometimes random.
//!
//! The constants are facts of the curves (generators, moduli, group orders) and a few test
//! vectors of execution-spec-tests; nothing here computes on a curve, the engines do that.

use super::keys;
use crate::rng::Rng;
use alloy_primitives::{hex, Address, U256};
use zkos_os::types::SpecId;

/// The precompile at `0x00..00NN`.
pub const fn at(n: u16) -> Address {
    let mut a = [0u8; 20];
    a[18] = (n >> 8) as u8;
    a[19] = n as u8;
    Address::new(a)
}

/// P256VERIFY (EIP-7951, Osaka).
pub const P256VERIFY: Address = at(0x100);

/// The precompiles active under `spec`, written out from the EIPs (not taken from zkos):
/// 0x01..0x04 from Frontier, 0x05..0x08 Byzantium, 0x09 Istanbul, 0x0a Cancun, 0x0b..0x11
/// Prague (EIP-2537), 0x100 Osaka (EIP-7951).
pub fn addresses(spec: SpecId) -> Vec<Address> {
    let last = if spec >= SpecId::Prague {
        0x11
    } else if spec >= SpecId::Cancun {
        0x0a
    } else if spec >= SpecId::Istanbul {
        0x09
    } else if spec >= SpecId::Byzantium {
        0x08
    } else {
        0x04
    };
    let mut all: Vec<Address> = (1..=last).map(at).collect();
    if spec >= SpecId::Osaka {
        all.push(P256VERIFY);
    }
    all
}

/// A precompile of the fork, weighted towards the newest ones; now and then an address just
/// outside the fork's set (the next one, or P256VERIFY's before Osaka and its neighbour).
pub fn pick(rng: &mut Rng, spec: SpecId) -> Address {
    let all = addresses(spec);
    if rng.chance(8) {
        let outside: Vec<Address> = [at(0x0a), at(0x0b), at(0x12), P256VERIFY, at(0x101)]
            .into_iter()
            .filter(|a| !all.contains(a))
            .collect();
        return *rng.pick(&outside);
    }
    if spec >= SpecId::Prague && rng.chance(55) {
        let new: Vec<Address> = all.iter().copied().filter(|a| *a >= at(0x0b)).collect();
        return *rng.pick(&new);
    }
    *rng.pick(&all)
}

// ---- BLS12-381 (EIP-2537) ----

/// The base field modulus p.
const BLS_P: [u8; 48] = hex!(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab"
);
/// The order q of the groups.
const BLS_Q: [u8; 32] = hex!("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
/// The G1 generator's coordinates.
const G1_X: [u8; 48] = hex!(
    "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
);
const G1_Y: [u8; 48] = hex!(
    "08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1"
);
/// The G2 generator's coordinates, each `c0 + c1·v`.
const G2_X: [[u8; 48]; 2] = [
    hex!("024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"),
    hex!("13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"),
];
const G2_Y: [[u8; 48]; 2] = [
    hex!("0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"),
    hex!("0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be"),
];
/// A G2 point on the curve but outside the subgroup (execution-spec-tests,
/// bls_pairing_g2_not_in_correct_subgroup).
const G2_OFF_SUBGROUP: [[u8; 48]; 4] = [
    hex!("197bfd0342bbc8bee2beced2f173e1a87be576379b343e93232d6cef98d84b1d696e5612ff283ce2cfdccb2cfb65fa0c"),
    hex!("184e811f55e6f9d84d77d2f79102fd7ea7422f4759df5bf7f6331d550245e3f1bcf6a30e3b29110d85e0ca16f9f6ae7a"),
    hex!("0f10e1eb3c1e53d2ad9cf2d398b2dc22c5842fab0a74b174f691a7e914975da3564d835cd7d2982815b8ac57f507348f"),
    hex!("0767d1c453890f1b9110fda82f5815c27281aba3f026ee868e4176a0654feea41a96575e0c4d58a14dbfbcc05b5010b1"),
];

/// `a - b` on 48-byte big-endian numbers (`a >= b`).
fn sub48(a: &[u8; 48], b: &[u8; 48]) -> [u8; 48] {
    let mut out = [0u8; 48];
    let mut borrow = 0i16;
    for i in (0..48).rev() {
        let mut d = a[i] as i16 - b[i] as i16 - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = d as u8;
    }
    out
}

/// An Fp element's 64-byte encoding (16 zero bytes, then the 48-byte value).
fn fp(v: &[u8; 48]) -> Vec<u8> {
    let mut out = vec![0u8; 16];
    out.extend_from_slice(v);
    out
}

/// A field element: small, random below p, p - 1, or (invalid) p or above.
fn fp_value(rng: &mut Rng) -> [u8; 48] {
    let mut v = [0u8; 48];
    match rng.below(10) {
        0 => v[47] = rng.below(8) as u8,
        1 => {
            v = sub48(&BLS_P, &{
                let mut one = [0u8; 48];
                one[47] = 1;
                one
            })
        }
        2 => v = BLS_P,
        3 => v = [0xff; 48],
        _ => {
            v.copy_from_slice(&rng.bytes(48));
            v[0] %= 0x1a; // below p
        }
    }
    v
}

/// An encoded Fp element, sometimes with a non-zero padding byte (invalid).
fn fp_element(rng: &mut Rng) -> Vec<u8> {
    let v = fp_value(rng);
    let mut e = fp(&v);
    if rng.chance(6) {
        e[rng.index(16)] = 1;
    }
    e
}

/// A G1 point: the generator or its negation, infinity, the order-3 point (0, 2) (on the
/// curve, outside the subgroup), or an invalid encoding.
fn g1_point(rng: &mut Rng) -> Vec<u8> {
    let (x, y) = match rng.below(20) {
        0..=6 => (G1_X, G1_Y),
        7..=9 => (G1_X, sub48(&BLS_P, &G1_Y)),
        10..=12 => return vec![0; 128],
        13 | 14 => {
            let mut two = [0u8; 48];
            two[47] = 2;
            ([0u8; 48], two)
        }
        15 => {
            let mut y = G1_Y;
            y[47] ^= 1;
            (G1_X, y)
        }
        16 => (BLS_P, G1_Y),
        17 => {
            let mut p = fp(&G1_X);
            p.extend(fp(&G1_Y));
            p[rng.index(16)] = 1;
            return p;
        }
        _ => return rng.bytes(128),
    };
    let mut p = fp(&x);
    p.extend(fp(&y));
    p
}

/// A G2 point: the generator or its negation, infinity, a point outside the subgroup, or an
/// invalid encoding.
fn g2_point(rng: &mut Rng) -> Vec<u8> {
    let coords: [[u8; 48]; 4] = match rng.below(20) {
        0..=6 => [G2_X[0], G2_X[1], G2_Y[0], G2_Y[1]],
        7..=9 => [
            G2_X[0],
            G2_X[1],
            sub48(&BLS_P, &G2_Y[0]),
            sub48(&BLS_P, &G2_Y[1]),
        ],
        10..=12 => return vec![0; 256],
        13 | 14 => G2_OFF_SUBGROUP,
        15 => {
            let mut y1 = G2_Y[1];
            y1[47] ^= 1;
            [G2_X[0], G2_X[1], G2_Y[0], y1]
        }
        16 => [G2_X[0], BLS_P, G2_Y[0], G2_Y[1]],
        17 => {
            let mut p: Vec<u8> = [G2_X[0], G2_X[1], G2_Y[0], G2_Y[1]]
                .iter()
                .flat_map(fp)
                .collect();
            p[64 * rng.index(4) + rng.index(16)] = 1;
            return p;
        }
        _ => return rng.bytes(256),
    };
    coords.iter().flat_map(fp).collect()
}

/// A scalar: small, around the group order, all ones, or random (EIP-2537 takes any value).
fn bls_scalar(rng: &mut Rng) -> Vec<u8> {
    let q = U256::from_be_bytes(BLS_Q);
    let v = match rng.below(10) {
        0..=3 => U256::from(rng.below(4)),
        4 => q - U256::from(1),
        5 => q,
        6 => q + U256::from(1),
        7 => U256::MAX,
        _ => rng.word(),
    };
    v.to_be_bytes::<32>().to_vec()
}

/// A pairing input: random pairs, or `e(P, Q) · e(-P, Q)` which is one.
fn pairing_input(rng: &mut Rng) -> Vec<u8> {
    if rng.chance(30) {
        let mut g1 = fp(&G1_X);
        g1.extend(fp(&G1_Y));
        let mut neg = fp(&G1_X);
        neg.extend(fp(&sub48(&BLS_P, &G1_Y)));
        let g2: Vec<u8> = [G2_X[0], G2_X[1], G2_Y[0], G2_Y[1]]
            .iter()
            .flat_map(fp)
            .collect();
        return [g1, g2.clone(), neg, g2].concat();
    }
    let k = rng.range(1, 2);
    (0..k)
        .flat_map(|_| {
            let mut pair = g1_point(rng);
            pair.extend(g2_point(rng));
            pair
        })
        .collect()
}

// ---- P-256 (EIP-7951) ----

/// Valid P256VERIFY inputs (hash, r, s, qx, qy) from execution-spec-tests
/// (osaka/eip7951_p256verify_precompiles, test_valid: valid_r1_sig and hash_0).
const P256_VALID: [[u8; 160]; 2] = [
    hex!(
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        "434287fa699ff2be2a4475ccd9c063d1a22a424b6ab357d9bb0b31f7a71307b9"
        "be6af716032d408183c53f6f76945363144555fad2a5ff7854159166e52fc1d0"
        "da3c553a4215893e6d95d5818df2519e13233a1e0e56e0ea7b4817a92a6973f9"
        "d8c8877a49383e20c3fdc21d4e8e280ef1feeb72c333036770369a4387168d33"
    ),
    hex!(
        "0000000000000000000000000000000000000000000000000000000000000000"
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
    ),
];
/// P-256's group order n and field modulus p.
const P256_N: [u8; 32] = hex!("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
const P256_P: [u8; 32] = hex!("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");

fn p256_input(rng: &mut Rng) -> Vec<u8> {
    let mut v = rng.pick(&P256_VALID).to_vec();
    match rng.below(16) {
        0..=6 => {}
        7 => v[rng.index(32)] ^= 1 << rng.below(8), // another hash: a wrong signature
        8 => v[32..64].fill(0),                     // r = 0
        9 => v[64..96].copy_from_slice(&P256_N),    // s = n
        10 => v[32..64].copy_from_slice(&P256_N),   // r = n
        11 => v[96..128].copy_from_slice(&P256_P),  // qx = p
        12 => v[128..160].fill(0),                  // off the curve
        13 => v[96..160].fill(0),                   // the point at infinity
        14 => v[159] ^= 1,                          // off the curve
        _ => v = rng.bytes(160),
    }
    v
}

// ---- The older precompiles ----

/// ecrecover: a real signature of a random hash (so an address comes back), or a broken one.
fn ecrecover_input(rng: &mut Rng) -> Vec<u8> {
    let hash: [u8; 32] = rng.word().to_be_bytes();
    let key = keys::key(rng.range(1, 1000));
    let (y, r, s) = keys::sign_hash(&key, &hash);
    let mut v = U256::from(27 + y as u64);
    let (mut r, mut s) = (r, s);
    match rng.below(10) {
        0 => v = U256::from(rng.below(2) + if rng.chance(50) { 0 } else { 29 }),
        1 => s = keys::SECP256K1_N - s, // high s: ecrecover accepts it
        2 => r = U256::ZERO,
        3 => s = keys::SECP256K1_N,
        _ => {}
    }
    [
        hash.to_vec(),
        v.to_be_bytes::<32>().to_vec(),
        r.to_be_bytes::<32>().to_vec(),
        s.to_be_bytes::<32>().to_vec(),
    ]
    .concat()
}

/// A modexp length: small, at EIP-7823's 1024-byte bound or just above.
fn modexp_len(rng: &mut Rng) -> u64 {
    match rng.below(20) {
        0 | 1 => 0,
        2..=11 => rng.range(1, 40),
        12..=14 => *rng.pick(&[32, 64, 65]),
        15 | 16 => rng.range(100, 300),
        17 => 1024,
        18 => 1025,
        _ => rng.range(1, 8),
    }
}

fn modexp_input(rng: &mut Rng) -> Vec<u8> {
    let (b, e, m) = (modexp_len(rng), modexp_len(rng), modexp_len(rng));
    let mut out = Vec::new();
    for n in [b, e, m] {
        out.extend_from_slice(&U256::from(n).to_be_bytes::<32>());
    }
    // The values, sometimes cut short (the rest reads as zeros).
    let body = (b + e + m) as usize;
    let take = if rng.chance(15) {
        rng.below(body as u64 + 1) as usize
    } else {
        body
    };
    let mut values = rng.bytes(take);
    for x in values.iter_mut() {
        if rng.chance(20) {
            *x = 0;
        }
    }
    out.extend(values);
    out
}

fn blake2f_input(rng: &mut Rng) -> Vec<u8> {
    let rounds = match rng.below(10) {
        0 => 0,
        1..=7 => rng.range(1, 24) as u32,
        8 => rng.range(25, 2_000) as u32,
        _ => 12,
    };
    let mut out = rounds.to_be_bytes().to_vec();
    out.extend(rng.bytes(64 + 128 + 16));
    out.push(match rng.below(10) {
        0..=4 => 1,
        5..=8 => 0,
        _ => 2, // invalid final flag
    });
    out
}

/// An alt_bn128 G1 point: the generator (1, 2), infinity, or random.
fn bn_point(rng: &mut Rng) -> Vec<u8> {
    match rng.below(4) {
        0 | 1 => [U256::from(1), U256::from(2)]
            .iter()
            .flat_map(|w| w.to_be_bytes::<32>())
            .collect(),
        2 => vec![0; 64],
        _ => rng.bytes(64),
    }
}

/// A length mutation applied to an input now and then: a byte short, a byte long, empty, or
/// cut in half.
fn mutate_len(rng: &mut Rng, mut v: Vec<u8>) -> Vec<u8> {
    if rng.chance(12) {
        match rng.below(4) {
            0 => {
                v.pop();
            }
            1 => v.push(0),
            2 => v.clear(),
            _ => v.truncate(v.len() / 2),
        }
    }
    v
}

/// An input for the precompile at `address` under `spec`.
pub fn input(rng: &mut Rng, _spec: SpecId, address: Address) -> Vec<u8> {
    if rng.chance(5) {
        let n = rng.range(0, 300) as usize;
        return rng.bytes(n);
    }
    let n = if address == P256VERIFY {
        0x100
    } else {
        address.0[19] as u16 + ((address.0[18] as u16) << 8)
    };
    let v = match n {
        0x01 => ecrecover_input(rng),
        0x05 => modexp_input(rng),
        0x06 => [bn_point(rng), bn_point(rng)].concat(),
        0x07 => [bn_point(rng), rng.word().to_be_bytes::<32>().to_vec()].concat(),
        0x08 => {
            // G2 all zeros (infinity) makes a pair valid whatever the G1 point is on the curve.
            let k = rng.range(0, 2);
            (0..k)
                .flat_map(|_| {
                    let mut pair = bn_point(rng);
                    pair.extend(if rng.chance(70) {
                        vec![0; 128]
                    } else {
                        rng.bytes(128)
                    });
                    pair
                })
                .collect()
        }
        0x09 => blake2f_input(rng),
        0x0a => {
            let mut v = rng.bytes(192);
            v[0] = 0x01;
            v
        }
        0x0b => [g1_point(rng), g1_point(rng)].concat(),
        0x0c => (0..rng.range(1, 3))
            .flat_map(|_| [g1_point(rng), bls_scalar(rng)].concat())
            .collect(),
        0x0d => [g2_point(rng), g2_point(rng)].concat(),
        0x0e => (0..rng.range(1, 2))
            .flat_map(|_| [g2_point(rng), bls_scalar(rng)].concat())
            .collect(),
        0x0f => pairing_input(rng),
        0x10 => fp_element(rng),
        0x11 => [fp_element(rng), fp_element(rng)].concat(),
        0x100 => p256_input(rng),
        _ => {
            let n = rng.range(0, 100) as usize;
            rng.bytes(n)
        }
    };
    mutate_len(rng, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_is_p_minus_y() {
        assert_eq!(sub48(&BLS_P, &sub48(&BLS_P, &G1_Y)), G1_Y);
        assert_eq!(sub48(&G1_Y, &G1_Y), [0u8; 48]);
        let mut one = [0u8; 48];
        one[47] = 1;
        let mut p_minus_one = BLS_P;
        p_minus_one[47] -= 1;
        assert_eq!(sub48(&BLS_P, &one), p_minus_one);
    }

    #[test]
    fn sets_per_fork() {
        assert_eq!(addresses(SpecId::Cancun).len(), 10);
        assert_eq!(addresses(SpecId::Prague).len(), 17);
        assert_eq!(addresses(SpecId::Osaka).len(), 18);
        assert!(addresses(SpecId::Osaka).contains(&P256VERIFY));
    }
}

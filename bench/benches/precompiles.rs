//! The precompiles Prague and Osaka added, zkos against revm's (BLS12-381 with revm's
//! default backend, blst; P256VERIFY with its pure-Rust p256): the BLS pairing check, G1MSM at
//! a few sizes, and P256VERIFY, one criterion group each with `zkos` and `revm` side by side.
//! The inputs are built with zkos's own precompiles (multiples of the generators) and every
//! input is run by both first: outputs and gas must agree before anything is timed.

use alloy_primitives::{hex, Address};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use revm::precompile::Precompiles;
use zkos_os::precompiles;
use zkos_os::types::SpecId;

/// The G1 generator in EIP-2537's encoding (64-byte padded x and y).
const G1: [u8; 128] = hex!(
    "00000000000000000000000000000000"
    "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    "00000000000000000000000000000000"
    "08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1"
);
/// The G2 generator, `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`.
const G2: [u8; 256] = hex!(
    "00000000000000000000000000000000"
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
    "00000000000000000000000000000000"
    "13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    "00000000000000000000000000000000"
    "0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"
    "00000000000000000000000000000000"
    "0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be"
);
/// q - 1: multiplying by it negates a subgroup point.
const MINUS_ONE: [u8; 32] =
    hex!("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000");
/// A valid secp256r1 signature (execution-spec-tests, EIP-7951 `valid_r1_sig`): hash, r, s,
/// public key x and y.
const P256_VALID: [u8; 160] = hex!(
    "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    "434287fa699ff2be2a4475ccd9c063d1a22a424b6ab357d9bb0b31f7a71307b9"
    "be6af716032d408183c53f6f76945363144555fad2a5ff7854159166e52fc1d0"
    "da3c553a4215893e6d95d5818df2519e13233a1e0e56e0ea7b4817a92a6973f9"
    "d8c8877a49383e20c3fdc21d4e8e280ef1feeb72c333036770369a4387168d33"
);

const GAS: u64 = 100_000_000;

fn address(n: u16) -> Address {
    let mut bytes = [0u8; 20];
    bytes[18..].copy_from_slice(&n.to_be_bytes());
    Address::new(bytes)
}

fn zkos(n: u16, input: &[u8], out: &mut Vec<u8>) -> u64 {
    precompiles::run(&address(n), input, GAS, SpecId::Osaka, out)
        .unwrap_or_else(|e| panic!("zkos precompile {n:#x} failed: {e:?}"))
}

/// `[s]P` for a G1 point, through zkos's G1MSM with one pair.
fn g1_mul(point: &[u8], scalar: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::new();
    zkos(0x0c, &[point, scalar.as_slice()].concat(), &mut out);
    out
}

/// A pseudo-random 32-byte scalar (xorshift), full width so it is not reduced.
fn scalar(seed: u64) -> [u8; 32] {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut s = [0u8; 32];
    for chunk in s.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_be_bytes());
    }
    s
}

/// The workloads: (group name, precompile address, input).
fn inputs() -> Vec<(String, u16, Vec<u8>)> {
    let mut all = Vec::new();
    // e(P, Q) · e(-P, Q) = 1 with P = [s]G1: the check a verifier does, two pairs.
    let p = g1_mul(&G1, &scalar(1));
    let minus_p = g1_mul(&p, &MINUS_ONE);
    all.push((
        "bls_pairing_2".to_string(),
        0x0f,
        [&p[..], &G2[..], &minus_p[..], &G2[..]].concat(),
    ));
    for k in [1usize, 16, 128] {
        let mut input = Vec::new();
        for i in 0..k {
            input.extend_from_slice(&g1_mul(&G1, &scalar(100 + i as u64)));
            input.extend_from_slice(&scalar(1000 + i as u64));
        }
        all.push((format!("bls_g1msm_{k}"), 0x0c, input));
    }
    all.push(("p256verify".to_string(), 0x100, P256_VALID.to_vec()));
    all
}

fn bench(c: &mut Criterion) {
    let revm_set = Precompiles::osaka();
    for (name, n, input) in inputs() {
        let revm = revm_set
            .get(&address(n))
            .unwrap_or_else(|| panic!("revm has no precompile {n:#x}"));
        let mut out = Vec::new();
        let gas = zkos(n, &input, &mut out);
        let theirs = revm
            .execute(&input, GAS, 0)
            .unwrap_or_else(|e| panic!("revm precompile {n:#x} failed: {e:?}"));
        assert_eq!(out, theirs.bytes.to_vec(), "{name}: outputs differ");
        assert_eq!(gas, theirs.gas_used, "{name}: gas differs");
        eprintln!("{name}: zkos and revm agree, {gas} gas");

        let mut group = c.benchmark_group(&name);
        group.bench_function("zkos", |b| {
            b.iter(|| black_box(zkos(n, black_box(&input), &mut out)))
        });
        group.bench_function("revm", |b| {
            b.iter(|| black_box(revm.execute(black_box(&input), GAS, 0)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

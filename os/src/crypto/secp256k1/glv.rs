//! The GLV endomorphism: λ·(x, y) = (β·x, y) for the cube roots of unity λ mod n and β mod p
//! below, so a scalar k splits into k₁ + k₂·λ with k₁, k₂ of about 128 bits and k·P becomes
//! k₁·P + k₂·(λP) at half the doublings, λP costing one field multiplication.
//!
//! The split (Gallant, Lambert, Vanstone, CRYPTO 2001; constants as published for secp256k1
//! in SEC and used by libsecp256k1): with the short lattice basis (a₁, b₁), (a₂, b₂) of
//! {(x, y) : x + y·λ ≡ 0 (mod n)}, c₁ = round(b₂·k/n), c₂ = round(−b₁·k/n), k₂ = −c₁·b₁ −
//! c₂·b₂ and k₁ = k − k₂·λ. The divisions by n are multiplications by g = round(2^384·b/n)
//! and a shift; |k₁|, |k₂| < 2^128 for every k (checked in the tests on random and edge k).

use super::field::FieldElement;
use super::scalar::Scalar;

/// λ: a cube root of 1 mod n, matching [`BETA`].
pub(super) const LAMBDA: Scalar = Scalar([
    0x1B23_BD72,
    0xDF02_967C,
    0x2081_6678,
    0x122E_22EA,
    0x8812_645A,
    0xA526_1C02,
    0xC05C_30E0,
    0x5363_AD4C,
]);

/// β: a cube root of 1 mod p; λ·(x, y) = (β·x, y).
pub(super) const BETA: FieldElement = FieldElement([
    0x7195_01EE,
    0xC139_6C28,
    0x12F5_8995,
    0x9CF0_4975,
    0xAC34_34E9,
    0x6E64_479E,
    0x657C_0710,
    0x7AE9_6A2B,
]);

/// −b₁ = 0xe4437ed6010e88286f547fa90abfe4c3.
const MINUS_B1: Scalar = Scalar([
    0x0ABF_E4C3,
    0x6F54_7FA9,
    0x010E_8828,
    0xE443_7ED6,
    0,
    0,
    0,
    0,
]);

/// −b₂ mod n, where b₂ = a₁ = 0x3086d221a7d46bcde86c90e49284eb15.
const MINUS_B2: Scalar = Scalar([
    0x3DB1_562C,
    0xD765_CDA8,
    0x0774_346D,
    0x8A28_0AC5,
    0xFFFF_FFFE,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
    0xFFFF_FFFF,
]);

/// round(2^384·b₂/n).
const G1: [u32; 8] = [
    0x45DB_B031,
    0xE893_209A,
    0x71E8_CA7F,
    0x3DAA_8A14,
    0x9284_EB15,
    0xE86C_90E4,
    0xA7D4_6BCD,
    0x3086_D221,
];

/// round(2^384·(−b₁)/n).
const G2: [u32; 8] = [
    0x8AC4_7F71,
    0x1571_B4AE,
    0x9DF5_06C6,
    0x2212_08AC,
    0x0ABF_E4C4,
    0x6F54_7FA9,
    0x010E_8828,
    0xE443_7ED6,
];

/// A signed half of a split scalar: |value| and whether it is negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Half {
    /// The magnitude, below 2^128.
    pub magnitude: [u32; 8],
    /// Whether the half is −magnitude.
    pub negative: bool,
}

impl Half {
    /// The small signed integer a scalar stands for: k if k ≤ n/2, else −(n − k).
    fn of(k: &Scalar) -> Self {
        if k.is_high() {
            Self {
                magnitude: k.neg().0,
                negative: true,
            }
        } else {
            Self {
                magnitude: k.0,
                negative: false,
            }
        }
    }
}

/// k = k₁ + k₂·λ (mod n) with |k₁|, |k₂| < 2^128.
pub(super) fn split(k: &Scalar) -> (Half, Half) {
    let c1 = k.mul_shift_384(&G1);
    let c2 = k.mul_shift_384(&G2);
    let k2 = c1.mul(&MINUS_B1).add(&c2.mul(&MINUS_B2));
    let k1 = k.sub(&k2.mul(&LAMBDA));
    (Half::of(&k1), Half::of(&k2))
}

//! 0x06..0x08: arithmetic and pairing on the alt_bn128 (bn254) curve, EIP-196 / EIP-197, with
//! the EIP-1108 repricing from Istanbul.
//!
//! Shared here: the 32-byte big-endian encodings. A coordinate must be below the field
//! modulus, a point must be on its curve (and, for G2, in the prime-order subgroup), and the
//! all-zero encoding is the point at infinity; anything else fails the call.

pub(super) mod add;
pub(super) mod mul;
pub(super) mod pairing;

use super::PrecompileError;
use alloc::vec::Vec;
use substrate_bn::{AffineG1, AffineG2, Fq, Fq2, Group, G1, G2};

/// Whether EIP-1108 (Istanbul) prices apply.
fn istanbul(spec: crate::types::SpecId) -> bool {
    spec >= crate::types::SpecId::Istanbul
}

/// A base-field element; values >= p fail.
fn read_fq(bytes: &[u8]) -> Result<Fq, PrecompileError> {
    Fq::from_slice(bytes).map_err(|_| PrecompileError::Failure)
}

/// A G1 point from `x ‖ y` (64 bytes).
fn read_g1(bytes: &[u8; 64]) -> Result<G1, PrecompileError> {
    let x = read_fq(&bytes[..32])?;
    let y = read_fq(&bytes[32..])?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1::zero());
    }
    AffineG1::new(x, y)
        .map(G1::from)
        .map_err(|_| PrecompileError::Failure)
}

/// A G2 point from `x_im ‖ x_re ‖ y_im ‖ y_re` (128 bytes): EIP-197 puts the imaginary part
/// of each Fq2 coordinate first.
fn read_g2(bytes: &[u8; 128]) -> Result<G2, PrecompileError> {
    let x_im = read_fq(&bytes[..32])?;
    let x_re = read_fq(&bytes[32..64])?;
    let y_im = read_fq(&bytes[64..96])?;
    let y_re = read_fq(&bytes[96..])?;
    let x = Fq2::new(x_re, x_im);
    let y = Fq2::new(y_re, y_im);
    if x.is_zero() && y.is_zero() {
        return Ok(G2::zero());
    }
    AffineG2::new(x, y)
        .map(G2::from)
        .map_err(|_| PrecompileError::Failure)
}

/// Appends `p` as `x ‖ y` (64 bytes), infinity as 64 zero bytes.
fn write_g1(p: G1, out: &mut Vec<u8>) -> Result<(), PrecompileError> {
    let mut buf = [0u8; 64];
    if let Some(affine) = AffineG1::from_jacobian(p) {
        // Cannot fail: both slices are exactly 32 bytes.
        let (xb, yb) = buf.split_at_mut(32);
        affine
            .x()
            .to_big_endian(xb)
            .map_err(|_| PrecompileError::Failure)?;
        affine
            .y()
            .to_big_endian(yb)
            .map_err(|_| PrecompileError::Failure)?;
    }
    out.extend_from_slice(&buf);
    Ok(())
}

//! Cryptography written for this crate rather than taken from a library, where the guest's
//! cycle count makes it worth it (keccak, the other hot primitive, is in [`crate::keccak`]).

pub mod secp256k1;

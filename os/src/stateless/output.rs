//! The block output: what a validated block proves, and the 32-byte commitment over it that
//! the guest publishes as its public input.

use alloy_primitives::{keccak256, B256};

/// Everything a verifier of the proof needs to know about the block it covers. Every field
/// has been checked against (or computed for) the block's header, so the block hash alone
/// pins them all; they are spelled out so that a settlement contract can read any of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockOutput {
    pub chain_id: u64,
    /// [`ChainConfig::hash`](crate::chain::ChainConfig::hash) of the rules the block was
    /// validated under: the fork schedule is an input too, and a proof must say which.
    pub chain_hash: B256,
    pub number: u64,
    pub timestamp: u64,
    pub block_hash: B256,
    pub parent_hash: B256,
    /// The parent's state root, against which every read was proven.
    pub pre_state_root: B256,
    /// The state root computed from the block's changes (equal to the header's).
    pub post_state_root: B256,
    pub transactions_root: B256,
    pub receipts_root: B256,
    /// Zero before Shanghai.
    pub withdrawals_root: B256,
    /// Zero before Prague.
    pub requests_hash: B256,
    /// keccak256 of the logs bloom.
    pub logs_bloom_hash: B256,
    pub gas_used: u64,
    pub blob_gas_used: u64,
}

/// Tag of the commitment's layout; a new layout gets a new tag.
pub const OUTPUT_VERSION: &[u8; 16] = b"zkos-block-out-1";

/// Byte length of [`BlockOutput::encode`].
pub const ENCODED_LEN: usize = 16 + 8 * 3 + 32 * 10 + 8 * 2;

impl BlockOutput {
    /// The fixed layout the commitment hashes: the version tag; chain id, number and
    /// timestamp as 8-byte big-endian; the ten hashes from `chain_hash` to
    /// `logs_bloom_hash` in declaration order; gas used and blob gas used, 8-byte big-endian.
    pub fn encode(&self) -> [u8; ENCODED_LEN] {
        pack(&[
            OUTPUT_VERSION,
            &self.chain_id.to_be_bytes(),
            &self.number.to_be_bytes(),
            &self.timestamp.to_be_bytes(),
            self.chain_hash.as_slice(),
            self.block_hash.as_slice(),
            self.parent_hash.as_slice(),
            self.pre_state_root.as_slice(),
            self.post_state_root.as_slice(),
            self.transactions_root.as_slice(),
            self.receipts_root.as_slice(),
            self.withdrawals_root.as_slice(),
            self.requests_hash.as_slice(),
            self.logs_bloom_hash.as_slice(),
            &self.gas_used.to_be_bytes(),
            &self.blob_gas_used.to_be_bytes(),
        ])
    }

    /// keccak256 of [`Self::encode`]: the guest's public output.
    pub fn commitment(&self) -> B256 {
        keccak256(self.encode())
    }
}

/// The parts laid end to end in a fixed-size layout (the block and env outputs'); the parts
/// must fill it exactly.
pub(crate) fn pack<const N: usize>(parts: &[&[u8]]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    for part in parts {
        out[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    debug_assert_eq!(at, N, "the parts fill the layout");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_commitment() {
        let base = BlockOutput {
            chain_id: 1,
            chain_hash: B256::repeat_byte(15),
            number: 2,
            timestamp: 3,
            block_hash: B256::repeat_byte(4),
            parent_hash: B256::repeat_byte(5),
            pre_state_root: B256::repeat_byte(6),
            post_state_root: B256::repeat_byte(7),
            transactions_root: B256::repeat_byte(8),
            receipts_root: B256::repeat_byte(9),
            withdrawals_root: B256::repeat_byte(10),
            requests_hash: B256::repeat_byte(11),
            logs_bloom_hash: B256::repeat_byte(12),
            gas_used: 13,
            blob_gas_used: 14,
        };
        let encoded = base.encode();
        assert_eq!(&encoded[..16], OUTPUT_VERSION);
        assert_eq!(&encoded[ENCODED_LEN - 8..], &14u64.to_be_bytes());
        let c = base.commitment();
        let variants = [
            BlockOutput {
                chain_id: 0,
                ..base
            },
            BlockOutput { number: 0, ..base },
            BlockOutput {
                timestamp: 0,
                ..base
            },
            BlockOutput {
                block_hash: B256::ZERO,
                ..base
            },
            BlockOutput {
                parent_hash: B256::ZERO,
                ..base
            },
            BlockOutput {
                pre_state_root: B256::ZERO,
                ..base
            },
            BlockOutput {
                post_state_root: B256::ZERO,
                ..base
            },
            BlockOutput {
                transactions_root: B256::ZERO,
                ..base
            },
            BlockOutput {
                receipts_root: B256::ZERO,
                ..base
            },
            BlockOutput {
                withdrawals_root: B256::ZERO,
                ..base
            },
            BlockOutput {
                requests_hash: B256::ZERO,
                ..base
            },
            BlockOutput {
                logs_bloom_hash: B256::ZERO,
                ..base
            },
            BlockOutput {
                gas_used: 0,
                ..base
            },
            BlockOutput {
                blob_gas_used: 0,
                ..base
            },
        ];
        for v in variants {
            assert_ne!(v.commitment(), c, "{v:?}");
        }
    }
}

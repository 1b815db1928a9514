//! EIP-7685 execution-layer requests: deposits parsed from the deposit contract's logs
//! (EIP-6110), and the queues of the withdrawal (EIP-7002) and consolidation (EIP-7251)
//! system contracts, committed to by the header's `requests_hash`.

use crate::types::Log;
use alloc::vec::Vec;
use alloy_primitives::{b256, Address, B256};
use core::fmt;
use sha2::{Digest, Sha256};

/// Request type of deposits (EIP-6110).
pub const DEPOSIT_REQUEST_TYPE: u8 = 0x00;
/// Request type of withdrawal requests (EIP-7002).
pub const WITHDRAWAL_REQUEST_TYPE: u8 = 0x01;
/// Request type of consolidation requests (EIP-7251).
pub const CONSOLIDATION_REQUEST_TYPE: u8 = 0x02;

/// keccak256("DepositEvent(bytes,bytes,bytes,bytes,bytes)").
pub const DEPOSIT_EVENT_TOPIC: B256 =
    b256!("649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5");

/// The ABI layout of a `DepositEvent`'s data: five dynamic `bytes` (pubkey 48, withdrawal
/// credentials 32, amount 8, signature 96, index 8), each behind a fixed offset.
const DEPOSIT_EVENT_LEN: usize = 576;
const DEPOSIT_FIELDS: [(usize, usize); 5] = [(160, 48), (256, 32), (320, 8), (384, 96), (512, 8)];

/// A deposit log that is not a well-formed `DepositEvent`: the block is invalid (EIP-6110).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadDepositLog {
    /// The transaction whose receipt holds the log.
    pub tx_index: usize,
}

impl fmt::Display for BadDepositLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed DepositEvent log in transaction {}",
            self.tx_index
        )
    }
}

/// Reads a 32-byte big-endian word of `data` at `at` as a small number (`None` above u32).
fn word(data: &[u8], at: usize) -> Option<usize> {
    let w = data.get(at..at + 32)?;
    if w[..28].iter().any(|&b| b != 0) {
        return None;
    }
    Some(u32::from_be_bytes([w[28], w[29], w[30], w[31]]) as usize)
}

/// Appends the request data of one `DepositEvent` (pubkey, credentials, amount, signature,
/// index, concatenated: 192 bytes), checking every offset and size as EIP-6110 demands.
fn push_deposit(data: &[u8], out: &mut Vec<u8>) -> Option<()> {
    if data.len() != DEPOSIT_EVENT_LEN {
        return None;
    }
    for (i, &(offset, size)) in DEPOSIT_FIELDS.iter().enumerate() {
        if word(data, 32 * i)? != offset || word(data, offset)? != size {
            return None;
        }
    }
    for &(offset, size) in &DEPOSIT_FIELDS {
        out.extend_from_slice(&data[offset + 32..offset + 32 + size]);
    }
    Some(())
}

/// The deposit requests of a block: every `DepositEvent` the deposit contract emitted, in
/// order. `logs` yields each transaction's logs in block order.
pub fn deposit_requests<'a>(
    deposit_contract: Address,
    logs: impl IntoIterator<Item = &'a [Log]>,
) -> Result<Vec<u8>, BadDepositLog> {
    let mut out = Vec::new();
    for (tx_index, tx_logs) in logs.into_iter().enumerate() {
        for log in tx_logs {
            if log.address == deposit_contract && log.topics.first() == Some(&DEPOSIT_EVENT_TOPIC) {
                push_deposit(&log.data, &mut out).ok_or(BadDepositLog { tx_index })?;
            }
        }
    }
    Ok(out)
}

/// The requests hash: sha256 over the sha256 of each non-empty `type || data`, in type order.
pub fn requests_hash(requests: &[(u8, &[u8])]) -> B256 {
    let mut outer = Sha256::new();
    for (ty, data) in requests {
        if data.is_empty() {
            continue;
        }
        let mut inner = Sha256::new();
        inner.update([*ty]);
        inner.update(data);
        outer.update(inner.finalize());
    }
    B256::from_slice(&outer.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, Bytes};

    /// A DepositEvent's data with fields filled with their index.
    fn event() -> Vec<u8> {
        let mut data = alloc::vec![0u8; DEPOSIT_EVENT_LEN];
        for (i, &(offset, size)) in DEPOSIT_FIELDS.iter().enumerate() {
            data[32 * i + 31] = (offset & 0xff) as u8;
            data[32 * i + 30] = (offset >> 8) as u8;
            data[offset + 31] = size as u8;
            data[offset + 32..offset + 32 + size].fill(i as u8 + 1);
        }
        data
    }

    #[test]
    fn deposits_parse_and_reject_bad_layouts() {
        let contract = address!("00000000219ab540356cbb839cbe05303d7705fa");
        let log = |data: Vec<u8>| Log {
            address: contract,
            topics: alloc::vec![DEPOSIT_EVENT_TOPIC],
            data: Bytes::from(data),
        };
        let good = [log(event())];
        let out = deposit_requests(contract, [&good[..]]).unwrap();
        assert_eq!(out.len(), 192);
        assert!(out[..48].iter().all(|&b| b == 1));
        assert!(out[184..].iter().all(|&b| b == 5));

        // Another emitter or another topic is not a deposit.
        let mut other = log(event());
        other.address = Address::ZERO;
        assert!(deposit_requests(contract, [&[other][..]])
            .unwrap()
            .is_empty());

        // Wrong length, wrong offset, wrong size: each rejects the block.
        let mut short = event();
        short.pop();
        let mut bad_offset = event();
        bad_offset[31] ^= 1;
        let mut bad_size = event();
        bad_size[160 + 31] = 47;
        for data in [short, bad_offset, bad_size] {
            let logs = [log(event()), log(data)];
            assert_eq!(
                deposit_requests(contract, [&[][..], &logs[..]]),
                Err(BadDepositLog { tx_index: 1 })
            );
        }
    }

    #[test]
    fn empty_requests_hash_is_sha256_of_nothing() {
        // EIP-7685: a block without requests commits to sha256("").
        let expected = b256!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(requests_hash(&[]), expected);
        assert_eq!(requests_hash(&[(0, &[]), (1, &[]), (2, &[])]), expected);
        assert_ne!(requests_hash(&[(1, &[1])]), expected);
    }
}

//! What a block commits to about its execution besides the state: the receipts trie and the
//! logs bloom, plus the ordered tries of transactions and withdrawals.

use crate::block::{Transaction, Withdrawal};
use crate::commitment::mpt::{Mpt, MptError};
use crate::rlp;
use crate::types::{Log, TxReceipt, TxStatus};
use alloc::vec::Vec;
use alloy_primitives::{keccak256, B256};

/// A 2048-bit logs bloom (the header's `logsBloom`).
pub type Bloom = [u8; 256];

/// Sets the three bits of `item` in `bloom` (the yellow paper's M3:2048).
pub fn bloom_add(bloom: &mut Bloom, item: &[u8]) {
    let hash = keccak256(item);
    for pair in hash[..6].chunks_exact(2) {
        let bit = (usize::from(pair[0]) << 8 | usize::from(pair[1])) & 2047;
        bloom[255 - bit / 8] |= 1 << (bit % 8);
    }
}

/// The bloom of a set of logs: every emitting address and every topic.
pub fn logs_bloom<'a>(logs: impl IntoIterator<Item = &'a Log>) -> Bloom {
    let mut bloom = [0u8; 256];
    for log in logs {
        bloom_add(&mut bloom, log.address.as_slice());
        for topic in &log.topics {
            bloom_add(&mut bloom, topic.as_slice());
        }
    }
    bloom
}

/// ORs `other` into `acc`.
pub fn bloom_or(acc: &mut Bloom, other: &Bloom) {
    for (a, b) in acc.iter_mut().zip(other) {
        *a |= b;
    }
}

/// Appends one log as `[address, [topics...], data]`.
fn encode_log(out: &mut Vec<u8>, log: &Log) {
    let topics_len = 33 * log.topics.len();
    let payload = 21 + rlp::list_len(topics_len) + rlp::bytes_len(&log.data);
    rlp::encode_list_header(out, payload);
    rlp::encode_bytes(out, log.address.as_slice());
    rlp::encode_list_header(out, topics_len);
    for topic in &log.topics {
        rlp::encode_bytes(out, topic.as_slice());
    }
    rlp::encode_bytes(out, &log.data);
}

/// keccak256 of the RLP list of `logs`: how the state tests commit to a transaction's logs,
/// and what an env block's output carries.
pub fn logs_hash<'a>(logs: impl IntoIterator<Item = &'a Log>) -> B256 {
    let mut payload = Vec::new();
    for log in logs {
        encode_log(&mut payload, log);
    }
    let mut out = Vec::with_capacity(payload.len() + 9);
    rlp::encode_list_header(&mut out, payload.len());
    out.extend_from_slice(&payload);
    keccak256(out)
}

/// The consensus encoding of a receipt (EIP-658 status, EIP-2718 type prefix): the value of
/// the receipts trie. `bloom` is the receipt's own logs bloom.
pub fn encode_receipt(tx_type: u8, receipt: &TxReceipt, bloom: &Bloom, out: &mut Vec<u8>) {
    if tx_type != 0 {
        out.push(tx_type);
    }
    let success = matches!(receipt.result, Ok(TxStatus::Success));
    let mut logs = Vec::new();
    for log in &receipt.logs {
        encode_log(&mut logs, log);
    }
    let payload = 1
        + rlp::u64_len(receipt.cumulative_gas_used)
        + rlp::bytes_len(bloom)
        + rlp::list_len(logs.len());
    rlp::encode_list_header(out, payload);
    rlp::encode_u64(out, success as u64);
    rlp::encode_u64(out, receipt.cumulative_gas_used);
    rlp::encode_bytes(out, bloom);
    rlp::encode_list_header(out, logs.len());
    out.extend_from_slice(&logs);
}

/// The root of a trie keyed by `rlp(index)`: how transactions, receipts and withdrawals are
/// committed to.
pub fn ordered_root<'v>(values: impl IntoIterator<Item = &'v [u8]>) -> Result<B256, MptError> {
    let mut mpt = Mpt::new();
    let trie = mpt.empty_trie();
    let mut key = Vec::with_capacity(9);
    for (index, value) in values.into_iter().enumerate() {
        key.clear();
        rlp::encode_u64(&mut key, index as u64);
        mpt.insert(trie, &key, value)?;
    }
    Ok(mpt.root_hash(trie))
}

/// The transactions root, from each transaction's canonical encoding as given.
pub fn transactions_root(txs: &[Transaction]) -> Result<B256, MptError> {
    ordered_root(txs.iter().map(|tx| &tx.encoded[..]))
}

/// The withdrawals root (EIP-4895).
pub fn withdrawals_root(withdrawals: &[Withdrawal]) -> Result<B256, MptError> {
    let encoded: Vec<Vec<u8>> = withdrawals
        .iter()
        .map(|w| {
            let mut out = Vec::new();
            w.encode(&mut out);
            out
        })
        .collect();
    ordered_root(encoded.iter().map(Vec::as_slice))
}

/// The receipts root and the block's logs bloom. `tx_types[i]` is the type of the
/// transaction of `receipts[i]`.
pub fn receipts_root_and_bloom(
    tx_types: &[u8],
    receipts: &[TxReceipt],
) -> Result<(B256, Bloom), MptError> {
    let mut block_bloom = [0u8; 256];
    let mut encoded = Vec::with_capacity(receipts.len());
    for (receipt, &tx_type) in receipts.iter().zip(tx_types) {
        let bloom = logs_bloom(&receipt.logs);
        bloom_or(&mut block_bloom, &bloom);
        let mut out = Vec::new();
        encode_receipt(tx_type, receipt, &bloom, &mut out);
        encoded.push(out);
    }
    let root = ordered_root(encoded.iter().map(Vec::as_slice))?;
    Ok((root, block_bloom))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, hex, Bytes};

    #[test]
    fn bloom_sets_the_three_bits_of_each_item() {
        let log = Log {
            address: address!("00000000000000000000000000000000000000aa"),
            topics: alloc::vec![B256::repeat_byte(1)],
            data: Bytes::new(),
        };
        let bloom = logs_bloom([&log]);
        let bits: u32 = bloom.iter().map(|b| b.count_ones()).sum();
        assert!((1..=6).contains(&bits), "{bits}");
        // Each item alone sets a subset of the whole.
        let mut one = [0u8; 256];
        bloom_add(&mut one, log.address.as_slice());
        assert!(one.iter().zip(&bloom).all(|(a, b)| a & !b == 0));
        assert_eq!(logs_bloom([]), [0u8; 256]);
    }

    #[test]
    fn receipt_encoding_and_empty_roots() {
        // An empty list of anything commits to the empty trie's root.
        assert_eq!(ordered_root([]).unwrap(), crate::commitment::EMPTY_ROOT);
        let receipt = TxReceipt {
            result: Ok(TxStatus::Success),
            gas_used: 21_000,
            gas_refunded: 0,
            cumulative_gas_used: 21_000,
            logs: Vec::new(),
            output: Bytes::new(),
            created_address: None,
        };
        let mut out = Vec::new();
        encode_receipt(2, &receipt, &[0; 256], &mut out);
        // 0x02 || rlp([1, 21000, bloom, []]): a 264-byte payload behind a 3-byte header.
        assert_eq!(out[0], 2);
        assert_eq!(&out[1..4], &hex!("f90108"));
        assert_eq!(&out[4..8], &hex!("01825208"));
        assert_eq!(&out[8..11], &hex!("b90100"));
        assert_eq!(out[out.len() - 1], 0xc0);
        assert_eq!(out.len(), 1 + 3 + 264);
        // Legacy receipts carry no type byte; a failed one has an empty status.
        let failed = TxReceipt {
            result: Ok(TxStatus::Revert),
            ..receipt
        };
        let mut legacy = Vec::new();
        encode_receipt(0, &failed, &[0; 256], &mut legacy);
        assert_eq!(&legacy[..4], &hex!("f9010880"));
        let root = ordered_root([&legacy[..]]).unwrap();
        assert_ne!(root, crate::commitment::EMPTY_ROOT);
    }
}

//! Block decoding: the two mainnet blocks end to end (hashes, senders, transactions root),
//! signed transactions of every type, bad signatures, and bounded fuzzing.

extern crate std;

use super::*;
use crate::commitment::mpt::Mpt;
use crate::rlp::{encode_bytes, encode_list_header, encode_u256, encode_u64};
use alloc::vec;
use alloy_primitives::{address, hex, keccak256, Address, B256, U256};
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::scalar::IsHigh;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::{FieldBytes, ProjectivePoint, Scalar};
use std::collections::HashSet;
use std::path::PathBuf;
use std::string::String;
use transaction::SECP256K1_HALF_N;

// ---- a test-only signer on the curve arithmetic (k256's ecdsa feature is not enabled) ----

fn scalar(bytes: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<k256::U256>>::reduce_bytes(&FieldBytes::from(*bytes))
}

fn address_of(key: &[u8; 32]) -> Address {
    let point = (ProjectivePoint::GENERATOR * scalar(key)).to_affine();
    let encoded = point.to_encoded_point(false);
    Address::from_slice(&keccak256(&encoded.as_bytes()[1..])[12..])
}

/// Signs `hash` with `key`, low s; the nonce is derived from both (deterministic).
fn sign(key: &[u8; 32], hash: &B256) -> Signature {
    let d = scalar(key);
    let mut seed = key.to_vec();
    seed.extend_from_slice(hash.as_slice());
    let k = scalar(&keccak256(&seed).0);
    let point = (ProjectivePoint::GENERATOR * k).to_affine();
    let encoded = point.to_encoded_point(false);
    let mut x = [0u8; 32];
    x.copy_from_slice(&encoded.x().unwrap()[..]);
    let y_odd = encoded.y().unwrap()[31] & 1;
    let r = scalar(&x);
    let mut s = k.invert().unwrap() * (scalar(&hash.0) + r * d);
    let mut y_parity = y_odd;
    if bool::from(s.is_high()) {
        s = -s;
        y_parity ^= 1;
    }
    Signature {
        y_parity,
        r: U256::from_be_slice(&r.to_repr()),
        s: U256::from_be_slice(&s.to_repr()),
    }
}

const KEY: [u8; 32] = [0x42; 32];

fn u(v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    encode_u64(&mut out, v);
    out
}
fn big(v: U256) -> Vec<u8> {
    let mut out = Vec::new();
    encode_u256(&mut out, &v);
    out
}
fn b(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_bytes(&mut out, bytes);
    out
}
fn list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload: Vec<u8> = items.concat();
    let mut out = Vec::new();
    encode_list_header(&mut out, payload.len());
    out.extend_from_slice(&payload);
    out
}

const TO: Address = address!("00000000000000000000000000000000000000aa");

fn access_list() -> Vec<u8> {
    list(&[list(&[
        b(TO.as_slice()),
        list(&[b(&[0x11; 32]), b(&[0x22; 32])]),
    ])])
}

/// A legacy transaction signed with `key`; `chain_id` None is pre-EIP-155.
fn legacy(chain_id: Option<u64>, key: &[u8; 32]) -> Vec<u8> {
    let fields = vec![
        u(7),
        u(30_000_000_000),
        u(21_000),
        b(TO.as_slice()),
        u(1000),
        b(b"hi"),
    ];
    let mut signed = fields.clone();
    if let Some(c) = chain_id {
        signed.extend([u(c), u(0), u(0)]);
    }
    let sig = sign(key, &keccak256(list(&signed)));
    let v = match chain_id {
        None => 27 + sig.y_parity as u64,
        Some(c) => 35 + 2 * c + sig.y_parity as u64,
    };
    let mut all = fields;
    all.extend([u(v), big(sig.r), big(sig.s)]);
    list(&all)
}

/// Unsigned fields of a typed transaction of `tx_type` (chain id 1).
fn typed_fields(tx_type: u8) -> Vec<Vec<u8>> {
    let mut f = vec![u(1), u(3)];
    if tx_type == 1 {
        f.push(u(10));
    } else {
        f.extend([u(2), u(100)]);
    }
    f.extend([
        u(50_000),
        b(TO.as_slice()),
        u(5),
        b(&[0xde, 0xad]),
        access_list(),
    ]);
    match tx_type {
        3 => f.extend([u(9), list(&[b(&[0x01; 32])])]),
        4 => f.push(list(&[list(&[
            u(1),
            b(&[0xbb; 20]),
            u(0),
            u(1),
            big(U256::from(12345u64)),
            big(U256::from(678u64)),
        ])])),
        _ => {}
    }
    f
}

fn sign_typed(tx_type: u8, fields: &[Vec<u8>], key: &[u8; 32]) -> Vec<u8> {
    let mut msg = vec![tx_type];
    msg.extend(list(fields));
    let sig = sign(key, &keccak256(&msg));
    let mut all = fields.to_vec();
    all.extend([u(sig.y_parity as u64), big(sig.r), big(sig.s)]);
    let mut out = vec![tx_type];
    out.extend(list(&all));
    out
}

#[test]
fn half_n_is_half_the_order() {
    let n = U256::from_be_bytes(hex!(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
    ));
    assert_eq!(SECP256K1_HALF_N, n / U256::from(2u8));
}

/// The worked example of EIP-155 (its key is 0x46..46).
#[test]
fn eip155_example() {
    let raw = hex!("f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
    let tx = Transaction::decode(&raw).unwrap();
    assert_eq!(tx.chain_id, Some(1));
    assert_eq!(
        tx.signing_hash,
        B256::from(hex!(
            "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
        ))
    );
    let sender = tx.recover_sender().unwrap();
    assert_eq!(sender, address_of(&[0x46; 32]));
    assert_eq!(sender, address!("9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"));
    assert_eq!(tx.hash, keccak256(raw));
}

#[test]
fn legacy_pre_and_post_eip155() {
    for chain_id in [None, Some(1), Some(137), Some(1 << 40)] {
        let raw = legacy(chain_id, &KEY);
        let tx = Transaction::decode(&raw).unwrap();
        assert_eq!(tx.tx_type, 0);
        assert_eq!(tx.chain_id, chain_id);
        assert_eq!((tx.nonce, tx.gas_limit), (7, 21_000));
        assert_eq!(tx.gas_price, U256::from(30_000_000_000u64));
        assert_eq!(tx.to, Some(TO));
        assert_eq!(&tx.data[..], b"hi");
        assert_eq!(&tx.encoded[..], &raw[..]);
        let env = tx.to_env().unwrap();
        assert_eq!(env.caller, address_of(&KEY));
        assert_eq!(env.chain_id, chain_id);
    }
    // v values that are neither 27/28 nor >= 35.
    for v in [0u64, 1, 26, 29, 34] {
        let mut fields = vec![u(0), u(1), u(21_000), b(&[]), u(0), b(&[])];
        fields.extend([u(v), u(1), u(1)]);
        let raw = list(&fields);
        assert_eq!(Transaction::decode(&raw), Err(TxError::InvalidV(v)));
    }
    // A creation: empty `to`.
    let mut fields = vec![u(0), u(1), u(60_000), b(&[]), u(0), b(&[0x60, 0x00])];
    let sig = sign(&KEY, &keccak256(list(&fields)));
    fields.extend([u(27 + sig.y_parity as u64), big(sig.r), big(sig.s)]);
    let tx = Transaction::decode(&list(&fields)).unwrap();
    assert_eq!(tx.to, None);
    assert_eq!(tx.recover_sender(), Ok(address_of(&KEY)));
}

#[test]
fn typed_transactions_of_each_type() {
    for tx_type in 1..=4u8 {
        let raw = sign_typed(tx_type, &typed_fields(tx_type), &KEY);
        let tx = Transaction::decode(&raw).unwrap();
        assert_eq!(tx.tx_type, tx_type);
        assert_eq!(tx.chain_id, Some(1));
        assert_eq!(tx.nonce, 3);
        assert_eq!(tx.gas_limit, 50_000);
        assert_eq!(tx.to, Some(TO));
        assert_eq!(tx.value, U256::from(5u8));
        assert_eq!(&tx.data[..], &[0xde, 0xad]);
        assert_eq!(tx.access_list.len(), 1);
        assert_eq!(tx.access_list[0].address, TO);
        assert_eq!(
            tx.access_list[0].storage_keys,
            vec![B256::repeat_byte(0x11), B256::repeat_byte(0x22)]
        );
        assert_eq!(tx.hash, keccak256(&raw));
        match tx_type {
            1 => {
                assert_eq!(tx.gas_price, U256::from(10u8));
                assert_eq!(tx.max_priority_fee_per_gas, None);
            }
            _ => {
                assert_eq!(tx.gas_price, U256::from(100u8));
                assert_eq!(tx.max_priority_fee_per_gas, Some(U256::from(2u8)));
            }
        }
        if tx_type == 3 {
            assert_eq!(tx.max_fee_per_blob_gas, Some(U256::from(9u8)));
            assert_eq!(tx.blob_hashes, vec![B256::repeat_byte(1)]);
        }
        if tx_type == 4 {
            let auth = &tx.authorization_list[0];
            assert_eq!(auth.chain_id, U256::from(1u8));
            assert_eq!(auth.address, Address::repeat_byte(0xbb));
            assert_eq!((auth.nonce, auth.y_parity), (0, U256::from(1u8)));
            assert_eq!((auth.r, auth.s), (U256::from(12345u64), U256::from(678u64)));
        }
        let env = tx.to_env().unwrap();
        assert_eq!(env.caller, address_of(&KEY));
        assert_eq!(env.tx_type, tx_type);

        // The block-body form: a string wrapping type || payload.
        let wrapped = b(&raw);
        let item = crate::rlp::Item::decode(&wrapped).unwrap();
        assert_eq!(Transaction::decode_block_item(&item).unwrap(), tx);

        // Another key gives another sender; a changed field another signing hash.
        let other =
            Transaction::decode(&sign_typed(tx_type, &typed_fields(tx_type), &[7; 32])).unwrap();
        assert_eq!(other.recover_sender(), Ok(address_of(&[7; 32])));
        assert_ne!(other.recover_sender(), Ok(address_of(&KEY)));
    }
}

#[test]
fn typed_structure_errors() {
    // Types 3 and 4 cannot create.
    for tx_type in [3u8, 4] {
        let mut fields = typed_fields(tx_type);
        fields[5] = b(&[]);
        let raw = sign_typed(tx_type, &fields, &KEY);
        assert!(matches!(
            Transaction::decode(&raw),
            Err(TxError::Field { field: "to", .. })
        ));
    }
    assert_eq!(
        Transaction::decode(&[0x05, 0xc0]),
        Err(TxError::UnknownType(5))
    );
    assert_eq!(
        Transaction::decode(&[0x00, 0xc0]),
        Err(TxError::UnknownType(0))
    );
    assert_eq!(Transaction::decode(&[]), Err(TxError::Empty));
    assert!(matches!(
        Transaction::decode(&[0x02, 0xc0]),
        Err(TxError::Field {
            field: "chain_id",
            error: RlpError::ListTooShort
        })
    ));
    // An extra field after s.
    let mut raw = sign_typed(2, &typed_fields(2), &KEY);
    let item = crate::rlp::Item::decode(&raw[1..]).unwrap();
    let mut items: Vec<Vec<u8>> = item.list().unwrap().map(|i| i.raw().to_vec()).collect();
    items.push(u(0));
    raw.truncate(1);
    raw.extend(list(&items));
    assert!(matches!(
        Transaction::decode(&raw),
        Err(TxError::Field {
            error: RlpError::ListTooLong,
            ..
        })
    ));
    // A y parity of 2.
    let fields = typed_fields(2);
    let mut all = fields.clone();
    all.extend([u(2), u(1), u(1)]);
    let mut raw = vec![2u8];
    raw.extend(list(&all));
    assert_eq!(Transaction::decode(&raw), Err(TxError::InvalidYParity(2)));
    // An authorization y parity above 255 makes the transaction invalid.
    let mut fields = typed_fields(4);
    fields[9] = list(&[list(&[u(1), b(&[0xbb; 20]), u(0), u(256), u(1), u(1)])]);
    let raw = sign_typed(4, &fields, &KEY);
    assert_eq!(
        Transaction::decode(&raw),
        Err(TxError::AuthorizationYParity { index: 0 })
    );
}

#[test]
fn invalid_and_high_s_signatures() {
    let raw = sign_typed(2, &typed_fields(2), &KEY);
    let tx = Transaction::decode(&raw).unwrap();
    let sender = tx.recover_sender().unwrap();

    // The malleable twin (n - s, other parity) recovers the same key but is rejected.
    let n = SECP256K1_HALF_N * U256::from(2u8) + U256::from(1u8);
    let mut high = tx.clone();
    high.signature.s = n - tx.signature.s;
    high.signature.y_parity ^= 1;
    assert_eq!(high.recover_sender(), Err(TxError::HighS));
    assert_eq!(high.to_env(), Err(TxError::HighS));

    // r = 0, s = 0, r >= n: no key.
    for (r, s) in [
        (U256::ZERO, tx.signature.s),
        (tx.signature.r, U256::ZERO),
        (n, tx.signature.s),
    ] {
        let mut bad = tx.clone();
        bad.signature.r = r;
        bad.signature.s = s;
        assert_eq!(bad.recover_sender(), Err(TxError::InvalidSignature));
    }
    // An r that is no curve point's x (x^3 + 7 not a square): find one.
    let mut bad = tx.clone();
    let mut found = false;
    for x in 1u64..64 {
        bad.signature.r = U256::from(x);
        if bad.recover_sender() == Err(TxError::InvalidSignature) {
            found = true;
            break;
        }
    }
    assert!(found);
    // The other parity is a valid signature of someone else.
    let mut flipped = tx.clone();
    flipped.signature.y_parity ^= 1;
    assert_ne!(flipped.recover_sender(), Ok(sender));

    // Encoded, the high-s legacy transaction decodes (it is well-formed) and fails recovery.
    let mut fields = vec![u(0), u(1), u(21_000), b(TO.as_slice()), u(0), b(&[])];
    let sig = sign(&KEY, &keccak256(list(&fields)));
    fields.extend([u(28 - sig.y_parity as u64), big(sig.r), big(n - sig.s)]);
    let tx = Transaction::decode(&list(&fields)).unwrap();
    assert_eq!(tx.recover_sender(), Err(TxError::HighS));
}

// ---- headers and blocks built by hand ----

fn header_fields(count: usize) -> Vec<Vec<u8>> {
    let mut f = vec![
        b(&[1; 32]),
        b(&[2; 32]),
        b(&[3; 20]),
        b(&[4; 32]),
        b(&[5; 32]),
        b(&[6; 32]),
        b(&[0; 256]),
        u(0),
        u(100),
        u(30_000_000),
        u(21_000),
        u(1_700_000_000),
        b(b"extra"),
        b(&[7; 32]),
        b(&[0; 8]),
        u(7),
        b(&[8; 32]),
        u(131072),
        u(0),
        b(&[9; 32]),
        b(&[10; 32]),
    ];
    f.truncate(count);
    f
}

#[test]
fn headers_of_each_fork() {
    for count in [15, 16, 17, 20, 21] {
        let raw = list(&header_fields(count));
        let h = Header::decode(&raw).unwrap();
        assert_eq!(h.hash, keccak256(&raw));
        assert_eq!(h.number, 100);
        assert_eq!(&h.extra_data[..], b"extra");
        assert_eq!(h.base_fee_per_gas.is_some(), count >= 16);
        assert_eq!(h.withdrawals_root.is_some(), count >= 17);
        assert_eq!(h.blob_gas_used, (count >= 20).then_some(131072));
        assert_eq!(h.excess_blob_gas, (count >= 20).then_some(0));
        assert_eq!(
            h.parent_beacon_block_root,
            (count >= 20).then_some(B256::repeat_byte(9))
        );
        assert_eq!(
            h.requests_hash,
            (count == 21).then_some(B256::repeat_byte(10))
        );
    }
    for count in [0, 14, 18, 19] {
        let raw = list(&header_fields(count));
        assert_eq!(Header::decode(&raw), Err(HeaderError::FieldCount(count)));
    }
    let mut fields = header_fields(21);
    fields.push(u(0));
    assert_eq!(
        Header::decode(&list(&fields)),
        Err(HeaderError::FieldCount(22))
    );
    let mut fields = header_fields(21);
    fields[2] = b(&[3; 19]);
    assert_eq!(
        Header::decode(&list(&fields)),
        Err(HeaderError::Field {
            field: "coinbase",
            error: RlpError::WrongLength {
                expected: 20,
                actual: 19
            }
        })
    );
}

#[test]
fn hand_built_block() {
    let txs = list(&[
        legacy(None, &KEY),
        legacy(Some(1), &KEY),
        b(&sign_typed(2, &typed_fields(2), &KEY)),
        b(&sign_typed(4, &typed_fields(4), &KEY)),
    ]);
    let withdrawals = list(&[list(&[u(1), u(2), b(&[0xcc; 20]), u(32_000_000_000)])]);
    let raw = list(&[
        list(&header_fields(21)),
        txs.clone(),
        list(&[]),
        withdrawals.clone(),
    ]);
    let block = Block::decode(&raw).unwrap();
    assert_eq!(block.transactions.len(), 4);
    assert_eq!(
        block.withdrawals,
        Some(vec![Withdrawal {
            index: 1,
            validator_index: 2,
            address: Address::repeat_byte(0xcc),
            amount_gwei: 32_000_000_000,
        }])
    );
    let envs = block.tx_envs().unwrap();
    assert!(envs.iter().all(|e| e.caller == address_of(&KEY)));
    assert_eq!(envs[0].chain_id, None);
    assert_eq!(envs[1].chain_id, Some(1));
    assert_eq!(envs[3].authorization_list.len(), 1);

    // Nothing may follow the block.
    let mut trailing = raw.clone();
    trailing.push(0);
    assert_eq!(
        Block::decode(&trailing),
        Err(BlockError::Rlp {
            part: "block",
            error: RlpError::TrailingBytes
        })
    );

    // Withdrawals must match the header's withdrawals root.
    let no_w = list(&[list(&header_fields(21)), txs.clone(), list(&[])]);
    assert_eq!(
        Block::decode(&no_w),
        Err(BlockError::WithdrawalsMismatch {
            in_header: true,
            in_body: false
        })
    );
    let old = list(&[
        list(&header_fields(16)),
        txs.clone(),
        list(&[]),
        withdrawals.clone(),
    ]);
    assert_eq!(
        Block::decode(&old),
        Err(BlockError::WithdrawalsMismatch {
            in_header: false,
            in_body: true
        })
    );
    let old = list(&[list(&header_fields(16)), txs.clone(), list(&[])]);
    assert_eq!(Block::decode(&old).unwrap().withdrawals, None);

    // A bad transaction is reported with its index; a legacy one as a string is not typed.
    let bad = list(&[
        list(&header_fields(21)),
        list(&[legacy(None, &KEY), b(&legacy(None, &KEY))]),
        list(&[]),
        withdrawals.clone(),
    ]);
    assert!(matches!(
        Block::decode(&bad),
        Err(BlockError::Transaction {
            index: 1,
            error: TxError::UnknownType(_)
        })
    ));
    let bad_w = list(&[
        list(&header_fields(21)),
        txs,
        list(&[]),
        list(&[list(&[u(1), u(2), b(&[0xcc; 20])])]),
    ]);
    assert_eq!(
        Block::decode(&bad_w),
        Err(BlockError::Withdrawal {
            index: 0,
            field: "amount",
            error: RlpError::ListTooShort
        })
    );
}

// ---- the mainnet blocks ----

fn mainnet(number: u64) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/blocks/mainnet")
        .join(std::format!("{number}"));
    if dir.join("block.rlp").exists() {
        Some(dir)
    } else {
        std::eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

fn witness_hex(dir: &std::path::Path, field: &str) -> Vec<Vec<u8>> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("witness.json")).unwrap()).unwrap();
    json[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| hex::decode(v.as_str().unwrap()).unwrap())
        .collect()
}

/// The RLP of `index`: the key of the transactions and withdrawals tries (not hashed).
fn index_key(index: usize) -> Vec<u8> {
    u(index as u64)
}

#[test]
fn mainnet_blocks() {
    let (Some(dir7), Some(dir8)) = (mainnet(24628607), mainnet(24628608)) else {
        return;
    };
    let mut hashes = Vec::new();
    for (dir, count) in [(&dir7, 66), (&dir8, 146)] {
        let bytes = std::fs::read(dir.join("block.rlp")).unwrap();
        let t = std::time::Instant::now();
        let block = Block::decode(&bytes).unwrap();
        let decoded = t.elapsed();
        assert_eq!(block.transactions.len(), count);
        assert!(block.ommers.is_empty());
        assert!(block.header.requests_hash.is_some());

        // The hash is keccak of the header as given.
        let item = crate::rlp::Item::decode(&bytes).unwrap();
        let header_raw = item.list().unwrap().next().unwrap().raw();
        assert_eq!(block.hash(), keccak256(header_raw));

        // The witness carries the parent header: it must be what parent_hash names.
        let parents = witness_hex(dir, "headers");
        assert!(parents
            .iter()
            .any(|h| keccak256(h) == block.header.parent_hash
                && Header::decode(h).unwrap().number + 1 == block.header.number));

        // Transactions root from the encodings as decoded: the decoding is lossless.
        let mut mpt = Mpt::new();
        let trie = mpt.empty_trie();
        for (i, tx) in block.transactions.iter().enumerate() {
            mpt.insert(trie, &index_key(i), &tx.encoded).unwrap();
            assert_eq!(tx.hash, keccak256(&tx.encoded));
        }
        assert_eq!(mpt.root_hash(trie), block.header.transactions_root);

        // Withdrawals root likewise.
        let withdrawals = block.withdrawals.as_ref().unwrap();
        let mut mpt = Mpt::new();
        let trie = mpt.empty_trie();
        for (i, w) in withdrawals.iter().enumerate() {
            let value = list(&[
                u(w.index),
                u(w.validator_index),
                b(w.address.as_slice()),
                u(w.amount_gwei),
            ]);
            mpt.insert(trie, &index_key(i), &value).unwrap();
        }
        assert_eq!(mpt.root_hash(trie), block.header.withdrawals_root.unwrap());

        // Every sender recovers, and is among the addresses the witness says were touched.
        let touched: HashSet<Address> = witness_hex(dir, "keys")
            .iter()
            .filter(|k| k.len() == 20)
            .map(|k| Address::from_slice(k))
            .collect();
        let t = std::time::Instant::now();
        let envs = block.tx_envs().unwrap();
        let recovered = t.elapsed();
        for (i, env) in envs.iter().enumerate() {
            assert!(
                touched.contains(&env.caller),
                "tx {i}: sender {} not in the witness",
                env.caller
            );
        }
        let mut types = [0usize; 5];
        for tx in &block.transactions {
            types[tx.tx_type as usize] += 1;
            if tx.tx_type != 0 || tx.chain_id.is_some() {
                assert_eq!(tx.chain_id, Some(1));
            }
        }
        std::println!(
            "block {}: {} txs (by type {types:?}), {} withdrawals, decoded in {decoded:?}, senders in {recovered:?}",
            block.header.number,
            count,
            withdrawals.len()
        );
        hashes.push((block.header.number, block.hash(), block.header.parent_hash));
    }
    // 24628608's parent is 24628607.
    assert_eq!(hashes[1].0, hashes[0].0 + 1);
    assert_eq!(hashes[1].2, hashes[0].1);
}

/// Truncations and byte mutations of a real block: always `Ok` or `Err`, never a panic.
#[test]
fn fuzz_block_bytes() {
    let bytes = match mainnet(24628607) {
        Some(dir) => std::fs::read(dir.join("block.rlp")).unwrap(),
        None => list(&[
            list(&header_fields(21)),
            list(&[
                legacy(Some(1), &KEY),
                b(&sign_typed(3, &typed_fields(3), &KEY)),
            ]),
            list(&[]),
            list(&[]),
        ]),
    };
    let original = Block::decode(&bytes).unwrap();
    // Truncations at many lengths.
    let step = (bytes.len() / 2000).max(1);
    for len in (0..bytes.len()).step_by(step) {
        assert!(Block::decode(&bytes[..len]).is_err());
    }
    // Deterministic pseudo-random mutations (xorshift).
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut errors: HashSet<String> = HashSet::new();
    let mut mutated = bytes.clone();
    for round in 0..1500 {
        mutated.copy_from_slice(&bytes);
        for _ in 0..(rand() % 3 + 1) {
            let at = (rand() as usize) % mutated.len();
            mutated[at] = rand() as u8;
        }
        match Block::decode(&mutated) {
            Ok(block) => {
                // A change the decoder accepts must show somewhere (or be a no-op mutation).
                if mutated != bytes {
                    assert_ne!(block, original);
                }
                if round % 50 == 0 {
                    // Recovery is the costly part: sample it.
                    let _ = block.tx_envs();
                }
            }
            Err(e) => {
                errors.insert(std::format!("{e}").chars().take(40).collect());
            }
        }
    }
    // Mutations of hand-built transactions of every type (mainnet has types 0 and 2 only).
    let mut samples = vec![legacy(None, &KEY), legacy(Some(5), &KEY)];
    samples.extend((1..=4).map(|t| sign_typed(t, &typed_fields(t), &KEY)));
    for raw in &samples {
        let mut m = raw.clone();
        for _ in 0..300 {
            m.copy_from_slice(raw);
            let at = (rand() as usize) % m.len();
            m[at] = rand() as u8;
            if let Ok(tx) = Transaction::decode(&m) {
                let _ = tx.recover_sender();
            }
            let _ = Transaction::decode(&m[..at]);
        }
    }
    // Garbage of every small length.
    for len in 0..300 {
        let junk: Vec<u8> = (0..len).map(|_| rand() as u8).collect();
        let _ = Block::decode(&junk);
        let _ = Transaction::decode(&junk);
        let _ = Header::decode(&junk);
    }
    assert!(errors.len() > 1);
}

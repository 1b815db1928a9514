//! The transaction and opcode rules of Prague and Osaka at their edges, through the
//! bootloader: EIP-7702 authorizations and delegated execution, the EIP-7623 calldata floor,
//! the EIP-7825 gas cap, EIP-7594's blobs per transaction, the blob schedule as a parameter,
//! and EIP-7939 CLZ. The precompiles have their edge tests next to their code in `os`.
//!
//! Gas numbers are worked out by hand in the comments: 21000 per transaction, 25000 per
//! authorization (EIP-7702), 12500 of it refunded when the authority already exists, PUSH 3,
//! a clean zero-to-non-zero SSTORE on a cold slot 22100, calldata 4 per zero and 16 per other
//! byte, the EIP-7623 floor 21000 + 10 per token (a zero byte one token, any other byte four).

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use zkos_host::asm::assemble;
use zkos_os::bootloader::Bootloader;
use zkos_os::oracle::GenesisAccount;
use zkos_os::system::delegation;
use zkos_os::types::{
    AccountDiff, Authorization, BlobParams, BlockEnv, BlockResult, HaltReason, InvalidTx, SpecId,
    TxEnv, TxStatus,
};
use zkos_tests::{key, key_address, oracle, sign_authorization, SENDER};

/// Stores 0x2a in slot 1 of whatever account runs it.
const DELEGATE: Address = address!("de1e000000000000000000000000000000000de1");
/// An account nobody created.
const NOBODY: Address = address!("0b0d000000000000000000000000000000000b0d");
const IDENTITY: Address = address!("0000000000000000000000000000000000000004");

fn code(src: &str) -> Bytes {
    Bytes::from(assemble(src).unwrap_or_else(|e| panic!("{e}\n{src}")))
}

fn env(spec: SpecId) -> BlockEnv {
    BlockEnv {
        spec,
        ..Default::default()
    }
}

fn delegate() -> (Address, GenesisAccount) {
    let account = GenesisAccount {
        nonce: 1,
        code: code("PUSH1 0x2a\nPUSH1 0x01\nSSTORE\nSTOP"),
        ..Default::default()
    };
    (DELEGATE, account)
}

fn funded(balance: u64) -> GenesisAccount {
    GenesisAccount {
        balance: U256::from(balance),
        ..Default::default()
    }
}

fn with_code(code: Bytes) -> GenesisAccount {
    GenesisAccount {
        code,
        ..Default::default()
    }
}

/// A set-code transaction from `caller` (nonce `nonce`) to `to`, at fee zero.
fn set_code_tx(caller: Address, nonce: u64, to: Address, auths: Vec<Authorization>) -> TxEnv {
    TxEnv {
        tx_type: 4,
        caller,
        nonce,
        gas_limit: 200_000,
        max_priority_fee_per_gas: Some(U256::ZERO),
        to: Some(to),
        chain_id: Some(1),
        authorization_list: auths,
        ..Default::default()
    }
}

fn run(env: BlockEnv, accounts: &[(Address, GenesisAccount)], txs: Vec<TxEnv>) -> BlockResult {
    Bootloader::new().run_block(&oracle(env, accounts, txs))
}

fn diff(result: &BlockResult, address: Address) -> Option<&AccountDiff> {
    result
        .state_diff
        .accounts
        .iter()
        .find(|a| a.address == address)
}

fn slot(result: &BlockResult, address: Address, key: u64) -> U256 {
    diff(result, address)
        .and_then(|a| a.storage.iter().find(|(k, _)| *k == U256::from(key)))
        .map_or(U256::ZERO, |(_, v)| *v)
}

fn designator_hash(target: Address) -> B256 {
    keccak256(delegation::designator(target))
}

// ---------------------------------------------------------------------------------------
// EIP-7702
// ---------------------------------------------------------------------------------------

#[test]
fn delegated_code_runs_in_the_authority() {
    let k = key(1);
    let authority = key_address(&k);
    let auth = sign_authorization(&k, 1, DELEGATE, 0);
    let tx = set_code_tx(SENDER, 0, authority, vec![auth]);
    let result = run(env(SpecId::Prague), &[delegate()], vec![tx]);
    let r = &result.receipts[0];
    assert_eq!(r.result, Ok(TxStatus::Success));
    // 21000 + 25000 intrinsic, PUSH1 PUSH1 (6), cold clean SSTORE 22100; the authority did
    // not exist, so no refund.
    assert_eq!(r.gas_used, 68_106);
    let a = diff(&result, authority).expect("the authority changed");
    let info = a.info.expect("the authority exists");
    assert_eq!(info.nonce, 1);
    assert_eq!(info.code_hash, designator_hash(DELEGATE));
    assert_eq!(
        a.code.as_ref().map(|c| c.to_vec()),
        Some(delegation::designator(DELEGATE).to_vec())
    );
    assert_eq!(slot(&result, authority, 1), U256::from(0x2a));
    assert!(
        diff(&result, DELEGATE).is_none(),
        "the delegate's own storage stays untouched"
    );
}

#[test]
fn invalid_authorizations_are_skipped_but_paid_for() {
    let (k1, k2, k3, k4, k5) = (key(11), key(12), key(13), key(14), key(15));
    let high_s = {
        // The same signature with s' = n - s and the other parity: valid ECDSA, but
        // malleable, which EIP-7702 (like EIP-2) rejects.
        let mut a = sign_authorization(&k1, 1, DELEGATE, 0);
        let n = U256::from_be_slice(&alloy_primitives::hex!(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        ));
        a.s = n - a.s;
        a.y_parity = U256::from(1u8) - a.y_parity;
        a
    };
    let mut bad_parity = sign_authorization(&k1, 1, DELEGATE, 0);
    bad_parity.y_parity = U256::from(2u8);
    let mut zero_r = sign_authorization(&k1, 1, DELEGATE, 0);
    zero_r.r = U256::ZERO;
    let auths = vec![
        high_s,
        bad_parity,
        zero_r,
        // Another chain.
        sign_authorization(&k2, 5, DELEGATE, 0),
        // Nonce one ahead of the account's.
        sign_authorization(&k3, 1, DELEGATE, 1),
        // The authority's nonce is at its maximum: it could not be bumped.
        sign_authorization(&k4, 1, DELEGATE, u64::MAX),
        // The authority holds ordinary code.
        sign_authorization(&k5, 1, DELEGATE, 0),
    ];
    let n = auths.len() as u64;
    let maxed = GenesisAccount {
        nonce: u64::MAX,
        balance: U256::from(1u8),
        ..Default::default()
    };
    let accounts = [
        delegate(),
        (key_address(&k4), maxed),
        (key_address(&k5), with_code(code("STOP"))),
    ];
    let tx = set_code_tx(SENDER, 0, NOBODY, auths);
    let result = run(env(SpecId::Prague), &accounts, vec![tx]);
    let r = &result.receipts[0];
    assert_eq!(r.result, Ok(TxStatus::Success));
    // Every tuple's intrinsic gas is paid, none earns a refund.
    assert_eq!(r.gas_used, 21_000 + 25_000 * n);
    let changed: Vec<Address> = result
        .state_diff
        .accounts
        .iter()
        .map(|a| a.address)
        .collect();
    assert_eq!(changed, vec![SENDER], "only the sender's nonce moved");
}

#[test]
fn chain_id_zero_is_valid_on_every_chain() {
    let k = key(2);
    let authority = key_address(&k);
    let tx = set_code_tx(
        SENDER,
        0,
        NOBODY,
        vec![sign_authorization(&k, 0, DELEGATE, 0)],
    );
    let env = BlockEnv {
        chain_id: 1,
        ..env(SpecId::Prague)
    };
    let result = run(env, &[delegate()], vec![tx]);
    let info = diff(&result, authority).and_then(|a| a.info).unwrap();
    assert_eq!(info.code_hash, designator_hash(DELEGATE));
}

#[test]
fn self_sponsored_delegation_and_its_refund() {
    let k = key(7);
    let me = key_address(&k);
    // The sender's nonce is bumped before the list is processed, so it signs nonce 1.
    let tx = set_code_tx(me, 0, me, vec![sign_authorization(&k, 0, DELEGATE, 1)]);
    let result = run(
        env(SpecId::Prague),
        &[delegate(), (me, funded(1_000_000))],
        vec![tx],
    );
    let r = &result.receipts[0];
    assert_eq!(r.result, Ok(TxStatus::Success));
    // 68106 before refunds (as in `delegated_code_runs_in_the_authority`); the authority
    // existed, so 12500 comes back, under the cap of 68106 / 5 = 13621.
    assert_eq!(r.gas_refunded, 12_500);
    assert_eq!(r.gas_used, 68_106 - 12_500);
    let info = diff(&result, me).and_then(|a| a.info).unwrap();
    assert_eq!(info.nonce, 2);
    assert_eq!(info.code_hash, designator_hash(DELEGATE));
    assert_eq!(slot(&result, me, 1), U256::from(0x2a));
}

#[test]
fn the_refund_survives_a_reverting_call() {
    let k = key(8);
    let authority = key_address(&k);
    let reverter = address!("4e4e000000000000000000000000000000004e4e");
    let accounts = [
        (authority, funded(1)),
        (reverter, with_code(code("PUSH0\nPUSH0\nREVERT"))),
    ];
    let tx = set_code_tx(
        SENDER,
        0,
        authority,
        vec![sign_authorization(&k, 1, reverter, 0)],
    );
    let result = run(env(SpecId::Prague), &accounts, vec![tx]);
    let r = &result.receipts[0];
    assert_eq!(r.result, Ok(TxStatus::Revert));
    // 46000 + PUSH0 PUSH0 (4) = 46004; refund min(12500, 46004 / 5 = 9200).
    assert_eq!(r.gas_refunded, 9_200);
    assert_eq!(r.gas_used, 46_004 - 9_200);
    // The delegation itself is not undone by the revert.
    let info = diff(&result, authority).and_then(|a| a.info).unwrap();
    assert_eq!((info.nonce, info.code_hash), (1, designator_hash(reverter)));
}

#[test]
fn delegations_to_precompiles_and_empty_accounts_run_no_code() {
    let (k1, k2) = (key(21), key(22));
    let (a1, a2) = (key_address(&k1), key_address(&k2));
    for (k, a, target) in [(&k1, a1, IDENTITY), (&k2, a2, NOBODY)] {
        let mut tx = set_code_tx(SENDER, 0, a, vec![sign_authorization(k, 1, target, 0)]);
        tx.data = Bytes::from_static(b"hello");
        let result = run(env(SpecId::Prague), &[], vec![tx]);
        let r = &result.receipts[0];
        assert_eq!(r.result, Ok(TxStatus::Success), "delegating to {target}");
        // The identity precompile would have echoed the input.
        assert!(r.output.is_empty(), "delegating to {target}");
        // 21000 + 25000 + 5 * 16 calldata; nothing executes.
        assert_eq!(r.gas_used, 46_080, "delegating to {target}");
    }
}

#[test]
fn a_zero_address_clears_the_delegation() {
    let k = key(3);
    let authority = key_address(&k);
    let delegated = GenesisAccount {
        nonce: 5,
        code: Bytes::copy_from_slice(&delegation::designator(DELEGATE)),
        ..Default::default()
    };
    let tx = set_code_tx(
        SENDER,
        0,
        NOBODY,
        vec![sign_authorization(&k, 1, Address::ZERO, 5)],
    );
    let result = run(env(SpecId::Prague), &[(authority, delegated)], vec![tx]);
    // 46000, less the refund for an existing authority, min(12500, 46000 / 5 = 9200).
    assert_eq!(result.receipts[0].gas_used, 46_000 - 9_200);
    let info = diff(&result, authority).and_then(|a| a.info).unwrap();
    assert_eq!(info.nonce, 6);
    assert_eq!(info.code_hash, zkos_os::types::KECCAK_EMPTY);
}

#[test]
fn designators_are_seen_as_code_and_chains_are_not_followed() {
    let a = address!("aaaa00000000000000000000000000000000aaaa");
    let b = address!("bbbb00000000000000000000000000000000bbbb");
    let x = address!("cccc00000000000000000000000000000000cccc");
    let designated = |target| with_code(Bytes::copy_from_slice(&delegation::designator(target)));
    // x stores EXTCODESIZE(a) in slot 0, EXTCODEHASH(a) in slot 1, and 1 + the success
    // flag of a call to a in slot 2: a runs b's code, which is itself a designator (0xef...),
    // an invalid instruction, so the call fails.
    let src = format!(
        "PUSH20 {a}\nEXTCODESIZE\nPUSH0\nSSTORE\n\
         PUSH20 {a}\nEXTCODEHASH\nPUSH1 0x01\nSSTORE\n\
         PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH20 {a}\nPUSH3 0x010000\nCALL\n\
         PUSH1 0x01\nADD\nPUSH1 0x02\nSSTORE\nSTOP"
    );
    let accounts = [
        (a, designated(b)),
        (b, designated(DELEGATE)),
        delegate(),
        (x, with_code(code(&src))),
    ];
    let tx = TxEnv {
        caller: SENDER,
        to: Some(x),
        gas_limit: 500_000,
        chain_id: Some(1),
        ..Default::default()
    };
    let result = run(env(SpecId::Prague), &accounts, vec![tx]);
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
    assert_eq!(slot(&result, x, 0), U256::from(delegation::LEN));
    assert_eq!(
        slot(&result, x, 1),
        U256::from_be_bytes(designator_hash(b).0)
    );
    assert_eq!(slot(&result, x, 2), U256::from(1u8), "the call must fail");
    assert!(diff(&result, a).is_none(), "a's storage is untouched");
}

#[test]
fn a_delegated_sender_may_send_and_a_contract_may_not() {
    let delegated = address!("dddd00000000000000000000000000000000dddd");
    let contract = address!("eeee00000000000000000000000000000000eeee");
    let accounts = [
        (
            delegated,
            GenesisAccount {
                balance: U256::from(10u8),
                code: Bytes::copy_from_slice(&delegation::designator(DELEGATE)),
                ..Default::default()
            },
        ),
        (
            contract,
            GenesisAccount {
                balance: U256::from(10u8),
                code: code("STOP"),
                ..Default::default()
            },
        ),
    ];
    let tx = |caller| TxEnv {
        caller,
        to: Some(NOBODY),
        chain_id: Some(1),
        ..Default::default()
    };
    let result = run(
        env(SpecId::Prague),
        &accounts,
        vec![tx(delegated), tx(contract)],
    );
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
    assert_eq!(result.receipts[1].result, Err(InvalidTx::SenderHasCode));
    // Before Prague a designator is just code.
    let result = run(env(SpecId::Cancun), &accounts, vec![tx(delegated)]);
    assert_eq!(result.receipts[0].result, Err(InvalidTx::SenderHasCode));
}

#[test]
fn malformed_set_code_transactions_are_rejected() {
    let k = key(4);
    let auth = sign_authorization(&k, 1, DELEGATE, 0);
    let empty = set_code_tx(SENDER, 0, NOBODY, vec![]);
    let mut create = set_code_tx(SENDER, 0, NOBODY, vec![auth.clone()]);
    create.to = None;
    let result = run(env(SpecId::Prague), &[], vec![empty, create]);
    assert_eq!(
        result.receipts[0].result,
        Err(InvalidTx::EmptyAuthorizationList)
    );
    assert_eq!(result.receipts[1].result, Err(InvalidTx::CreateSetCodeTx));
    let tx = set_code_tx(SENDER, 0, NOBODY, vec![auth]);
    let result = run(env(SpecId::Cancun), &[], vec![tx]);
    assert_eq!(
        result.receipts[0].result,
        Err(InvalidTx::TypeNotSupported(4))
    );
}

#[test]
fn calls_pay_for_the_delegate_account() {
    // x calls a (delegated to DELEGATE, which is cold) with all its gas and records GAS
    // before and after; the difference shows the extra cold access of 2600.
    let a = address!("aaaa00000000000000000000000000000000aaaa");
    let x = address!("cccc00000000000000000000000000000000cccc");
    let src = format!("PUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH0\nPUSH20 {a}\nPUSH1 0x00\nCALL\nPOP\nSTOP");
    let accounts = |target| {
        [
            (
                a,
                with_code(Bytes::copy_from_slice(&delegation::designator(target))),
            ),
            delegate(),
            (x, with_code(code(&src))),
        ]
    };
    let tx = TxEnv {
        caller: SENDER,
        to: Some(x),
        gas_limit: 100_000,
        chain_id: Some(1),
        ..Default::default()
    };
    let run_with = |target| {
        let r = run(env(SpecId::Prague), &accounts(target), vec![tx.clone()]);
        r.receipts[0].gas_used
    };
    // PUSH0 x5 (10), PUSH20 and PUSH1 (6), CALL: cold a 2600, then the cold delegate 2600;
    // the child gets 0 gas and fails at once; POP 2.
    assert_eq!(run_with(DELEGATE), 21_000 + 10 + 6 + 2_600 + 2_600 + 2);
    // A delegate that is warm already (x itself, the transaction's recipient) costs 100.
    assert_eq!(run_with(x), 21_000 + 10 + 6 + 2_600 + 100 + 2);
}

// ---------------------------------------------------------------------------------------
// EIP-7623, EIP-7825, EIP-7594, blob schedules
// ---------------------------------------------------------------------------------------

#[test]
fn the_calldata_floor() {
    let tx = |gas_limit| TxEnv {
        caller: SENDER,
        to: Some(NOBODY),
        gas_limit,
        data: Bytes::from(vec![0xff; 100]),
        chain_id: Some(1),
        ..Default::default()
    };
    // Intrinsic 21000 + 100 * 16 = 22600; floor 21000 + 10 * 400 = 25000.
    let result = run(env(SpecId::Cancun), &[], vec![tx(100_000)]);
    assert_eq!(result.receipts[0].gas_used, 22_600);
    let result = run(env(SpecId::Prague), &[], vec![tx(100_000)]);
    assert_eq!(result.receipts[0].gas_used, 25_000);
    // The intrinsic check takes the floor too; a limit of exactly the floor is enough.
    let result = run(env(SpecId::Prague), &[], vec![tx(24_999)]);
    assert_eq!(
        result.receipts[0].result,
        Err(InvalidTx::IntrinsicGasTooLow {
            intrinsic: 25_000,
            limit: 24_999
        })
    );
    let result = run(env(SpecId::Prague), &[], vec![tx(25_000)]);
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
    assert_eq!(result.receipts[0].gas_used, 25_000);
}

#[test]
fn the_transaction_gas_cap() {
    let cap = 1u64 << 24;
    let tx = |gas_limit| TxEnv {
        caller: SENDER,
        to: Some(NOBODY),
        gas_limit,
        chain_id: Some(1),
        ..Default::default()
    };
    let result = run(env(SpecId::Osaka), &[], vec![tx(cap)]);
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
    let result = run(env(SpecId::Osaka), &[], vec![tx(cap + 1)]);
    assert_eq!(
        result.receipts[0].result,
        Err(InvalidTx::GasLimitAboveCap { tx: cap + 1, cap })
    );
    let result = run(env(SpecId::Prague), &[], vec![tx(cap + 1)]);
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
}

fn blob_tx(blobs: usize) -> TxEnv {
    let mut hash = [0u8; 32];
    hash[0] = 0x01;
    TxEnv {
        tx_type: 3,
        caller: SENDER,
        to: Some(NOBODY),
        max_priority_fee_per_gas: Some(U256::ZERO),
        chain_id: Some(1),
        blob_hashes: vec![B256::from(hash); blobs],
        max_fee_per_blob_gas: Some(U256::from(1u8)),
        ..Default::default()
    }
}

fn blob_result(env: BlockEnv, blobs: usize) -> Result<TxStatus, InvalidTx> {
    run(env, &[], vec![blob_tx(blobs)]).receipts[0]
        .result
        .clone()
}

#[test]
fn blobs_per_transaction_and_per_block() {
    // Osaka: at most 6 per transaction (EIP-7594), though the block takes 9.
    assert_eq!(blob_result(env(SpecId::Osaka), 6), Ok(TxStatus::Success));
    assert_eq!(
        blob_result(env(SpecId::Osaka), 7),
        Err(InvalidTx::TooManyBlobs)
    );
    // Prague: the block's 9 (EIP-7691); Cancun: 6.
    assert_eq!(blob_result(env(SpecId::Prague), 9), Ok(TxStatus::Success));
    assert_eq!(
        blob_result(env(SpecId::Prague), 10),
        Err(InvalidTx::TooManyBlobs)
    );
    assert_eq!(
        blob_result(env(SpecId::Cancun), 7),
        Err(InvalidTx::TooManyBlobs)
    );
    // BPO2 raises the block to 21 but the transaction limit stays 6.
    assert_eq!(SpecId::Bpo2.blob_params().max, 21);
    assert_eq!(
        blob_result(env(SpecId::Bpo2), 7),
        Err(InvalidTx::TooManyBlobs)
    );
    // Two transactions of 6 fit a BPO1 block (15) but not an Osaka one (9).
    let two = |spec| {
        let mut second = blob_tx(6);
        second.nonce = 1;
        run(env(spec), &[], vec![blob_tx(6), second]).receipts[1]
            .result
            .clone()
    };
    assert_eq!(two(SpecId::Bpo1), Ok(TxStatus::Success));
    assert_eq!(two(SpecId::Osaka), Err(InvalidTx::BlockBlobGasExceeded));
}

#[test]
fn a_blob_schedule_override_replaces_the_forks() {
    let env = BlockEnv {
        blob_schedule: Some(BlobParams {
            target: 1,
            max: 2,
            update_fraction: 1,
        }),
        excess_blob_gas: 3,
        ..env(SpecId::Prague)
    };
    assert_eq!(blob_result(env.clone(), 3), Err(InvalidTx::TooManyBlobs));
    // With fraction 1 the blob base fee at excess 3 is floor(e^3) = 20 > 1.
    assert_eq!(blob_result(env, 1), Err(InvalidTx::BlobFeeTooLow));
}

// ---------------------------------------------------------------------------------------
// EIP-7939
// ---------------------------------------------------------------------------------------

#[test]
fn count_leading_zeros() {
    let x = address!("c1c1000000000000000000000000000000000c1c");
    // Slot i holds 1 + CLZ of: 0, 1, 2^255, 0x00ff..ff.
    let src = "PUSH0\nCLZ\nPUSH1 0x01\nADD\nPUSH0\nSSTORE\n\
               PUSH1 0x01\nCLZ\nPUSH1 0x01\nADD\nPUSH1 0x01\nSSTORE\n\
               PUSH1 0x01\nPUSH1 0xff\nSHL\nCLZ\nPUSH1 0x01\nADD\nPUSH1 0x02\nSSTORE\n\
               PUSH0\nNOT\nPUSH1 0x08\nSHR\nCLZ\nPUSH1 0x01\nADD\nPUSH1 0x03\nSSTORE\nSTOP";
    let tx = TxEnv {
        caller: SENDER,
        to: Some(x),
        gas_limit: 200_000,
        chain_id: Some(1),
        ..Default::default()
    };
    let accounts = [(x, with_code(code(src)))];
    let result = run(env(SpecId::Osaka), &accounts, vec![tx.clone()]);
    assert_eq!(result.receipts[0].result, Ok(TxStatus::Success));
    for (i, want) in [257u64, 256, 1, 9].into_iter().enumerate() {
        assert_eq!(slot(&result, x, i as u64), U256::from(want), "slot {i}");
    }
    let result = run(env(SpecId::Prague), &accounts, vec![tx]);
    assert_eq!(
        result.receipts[0].result,
        Ok(TxStatus::Halt(HaltReason::InvalidOpcode))
    );
}

//! Known, specification-justified differences of the reference engine, in one place.
//!
//! The generators steer around each (they never build the state that triggers it), and a
//! saved or hand-written case that triggers one is reported as that deviation instead of as
//! a bug of zkos. Nothing here silences a mismatch of a case that does not trigger it.

use crate::case::{blob_limits, Case};
use crate::outcome::Difference;
use crate::trace::{last_of_tx, Step};
use alloy_primitives::Address;
use zkos_os::types::SpecId;

/// A documented difference of revm from the specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// A short name.
    pub name: &'static str,
    /// Why the specification is on zkos's side.
    pub reason: &'static str,
}

/// EIP-7610: creating at an address with storage but no code and nonce 0 is a collision.
pub const EIP7610: Deviation = Deviation {
    name: "EIP-7610 create collision on storage",
    reason: "EIP-7610 (retroactive from Frontier) makes CREATE/CREATE2 to an address whose \
             storage is non-empty fail as a collision even when it has no code and nonce 0; \
             revm 43 deploys there. The generators give storage only to accounts with code \
             and nonce 1.",
};

/// revm has no Constantinople (pre-Petersburg) rules.
pub const CONSTANTINOPLE: Deviation = Deviation {
    name: "Constantinople",
    reason: "revm runs Constantinople as Petersburg (EIP-1283 net gas metering never ran on \
             mainnet, and revm does not implement it); the generators never pick the fork.",
};

/// A block-validity rule outside revm's per-transaction API.
pub const BLOCK_BLOBS: Deviation = Deviation {
    name: "block blob limit",
    reason: "EIP-4844 caps a block's blob gas (the fork's schedule: 6 blobs in Cancun, 9 in \
             Prague and Osaka, 15 and 21 in BPO1 and BPO2): zkos rejects the transaction that \
             would pass it, while revm's per-transaction API leaves that check to the block \
             builder. The generators keep every block within the cap.",
};

/// revm charges an instruction's gas before it checks the instruction's stack inputs.
pub const GAS_BEFORE_STACK: Deviation = Deviation {
    name: "gas before stack inputs",
    reason: "When one instruction both lacks stack inputs and cannot pay its gas, the \
             specification (EELS pops the inputs before charging gas; geth checks the stack \
             first too) halts with a stack underflow; revm charges gas first and reports out \
             of gas. Both consume all gas and revert: only the halt reason differs. Taken \
             as this deviation only when both traces end at the same instruction.",
};

/// revm checks RETURNDATACOPY's bounds before it charges memory expansion.
pub const RETURNDATACOPY_ORDER: Deviation = Deviation {
    name: "RETURNDATACOPY check order",
    reason: "EELS charges RETURNDATACOPY's gas, memory expansion included, before its \
             bounds check; revm checks the bounds before expanding memory. With both \
             failing, the specification halts out of gas and revm out of bounds. Taken as \
             this deviation only when both traces end at that RETURNDATACOPY.",
};

/// revm refuses modexp header lengths it cannot represent before pricing them.
pub const MODEXP_LENGTHS: Deviation = Deviation {
    name: "modexp oversized lengths",
    reason: "EELS prices a modexp call from its header lengths whatever their size, so \
             absurd lengths run out of gas; revm rejects lengths above its limits as a \
             precompile error first. Both fail the call consuming its gas; only a \
             transaction that calls 0x05 directly shows the halt reason. Before Osaka \
             only: EIP-7823 then bounds the lengths, and both fail the same way.",
};

/// revm calls a DUPn without n stack items an overflow.
pub const DUP_UNDERFLOW: Deviation = Deviation {
    name: "DUP underflow named overflow",
    reason: "A DUPn with fewer than n items on the stack is a stack underflow (EELS raises \
             StackUnderflowError); revm 43 reports it as StackOverflow, because its dup check \
             covers both bounds with one error. Taken as this deviation only when revm's trace \
             ends at a DUPn with fewer than n items.",
};

/// revm checks the EIP-3860 init-code limit before CREATE's own gas and CREATE2's salt.
pub const INITCODE_FIRST: Deviation = Deviation {
    name: "init-code limit checked first",
    reason: "CREATE and CREATE2 take all their stack inputs (CREATE2's salt included) and cost \
             32000 before anything else (EELS pops the inputs and charges that gas, geth checks \
             the stack and charges it as constant gas, both before the EIP-3860 size check), so \
             a frame that lacks the salt underflows and one that cannot pay halts out of gas; \
             revm checks the size before popping the salt and before charging, and reports the \
             init-code limit. Taken as this deviation only when both traces end at that CREATE.",
};

/// revm's transaction API lets a set-code transaction create.
pub const SETCODE_CREATE: Deviation = Deviation {
    name: "set-code transaction that creates",
    reason: "EIP-7702's payload has a 20-byte destination, so a set-code (type 4) transaction \
             cannot create (\"a null destination is not valid\"; EELS types it as an Address, \
             geth rejects ErrSetCodeTxCreate); revm 43's TxEnv takes any TxKind and its \
             validation checks only that the authorization list is not empty, so it runs the \
             init code. The generators never build one.",
};

/// Every deviation, for listings.
pub const ALL: [Deviation; 9] = [
    SETCODE_CREATE,
    INITCODE_FIRST,
    DUP_UNDERFLOW,
    EIP7610,
    CONSTANTINOPLE,
    BLOCK_BLOBS,
    GAS_BEFORE_STACK,
    RETURNDATACOPY_ORDER,
    MODEXP_LENGTHS,
];

/// The deviation this case's inputs can trigger, if any.
pub fn triggered_by(case: &Case) -> Option<Deviation> {
    if case.fork == "Constantinople" {
        return Some(CONSTANTINOPLE);
    }
    let storage_without_code = case
        .pre
        .values()
        .any(|a| !a.storage.values().all(|v| v.is_zero()) && a.code.is_empty() && a.nonce == 0);
    if storage_without_code {
        return Some(EIP7610);
    }
    if case.txs.iter().any(|t| t.tx_type == 4 && t.to.is_none()) {
        return Some(SETCODE_CREATE);
    }
    // Blobs of transactions within the per-transaction limit (both engines reject the others
    // alike, and they use no block space).
    let (per_tx, per_block) = blob_limits(case.spec().ok()?);
    let blobs: u64 = case
        .txs
        .iter()
        .map(|t| t.blob_hashes.len() as u64)
        .filter(|n| *n <= per_tx)
        .sum();
    (blobs > per_block).then_some(BLOCK_BLOBS)
}

/// The deviation that explains a mismatch whose only differences are `differences`, given
/// each engine's trace; `None` when it is not fully explained.
pub fn explains(
    case: &Case,
    differences: &[Difference],
    left_steps: &[Step],
    right_steps: &[Step],
) -> Option<Deviation> {
    // Only top-level halt classes may differ: gas, state and everything else must agree.
    let mut pairs = Vec::new();
    for d in differences {
        let tx: usize = d
            .what
            .strip_prefix("tx ")?
            .strip_suffix(" status")?
            .parse()
            .ok()?;
        pairs.push((tx, d.left.as_str(), d.right.as_str()));
    }
    let mut found = None;
    for (tx, left, right) in pairs {
        let (left_last, right_last) = (last_of_tx(left_steps, tx), last_of_tx(right_steps, tx));
        let same_end = match (left_last, right_last) {
            (Some(l), Some(r)) => l.depth == r.depth && l.pc == r.pc,
            _ => false,
        };
        let dev = match (left, right) {
            ("Halt(StackUnderflow)", "Halt(OutOfGas)") if same_end => GAS_BEFORE_STACK,
            ("Halt(StackUnderflow)", "Halt(StackOverflow)")
                if same_end
                    && right_last.is_some_and(|s| {
                        (0x80..=0x8f).contains(&s.op) && (s.stack.len() as u64) < s.op - 0x7f
                    }) =>
            {
                DUP_UNDERFLOW
            }
            ("Halt(OutOfGas)", "Halt(ReturnDataOutOfBounds)")
                if same_end && left_last.map(|s| s.op) == Some(0x3e) =>
            {
                RETURNDATACOPY_ORDER
            }
            ("Halt(OutOfGas)", "Halt(InitCodeSizeLimit)")
                if same_end && left_last.is_some_and(|s| s.op == 0xf0 || s.op == 0xf5) =>
            {
                INITCODE_FIRST
            }
            ("Halt(StackUnderflow)", "Halt(InitCodeSizeLimit)")
                if same_end && left_last.is_some_and(|s| s.op == 0xf5) =>
            {
                INITCODE_FIRST
            }
            // From Osaka EIP-7823 bounds the lengths and both fail alike.
            ("Halt(OutOfGas)", "Halt(PrecompileFailure)")
                if case.txs.get(tx)?.to == Some(Address::with_last_byte(5))
                    && case.spec().is_ok_and(|s| s < SpecId::Osaka) =>
            {
                MODEXP_LENGTHS
            }
            _ => return None,
        };
        found = Some(dev);
    }
    found
}

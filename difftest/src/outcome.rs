//! What an engine reports about a case, in one form every engine fills alike, and the
//! comparison of two such reports.

use alloy_primitives::{Address, Bytes, B256, U256};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Why a transaction halted exceptionally, in classes both engines can name. Engines word
/// their reasons differently (revm has three for an undefined opcode); a class is what the
/// specification distinguishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum HaltClass {
    OutOfGas,
    StackUnderflow,
    StackOverflow,
    InvalidJump,
    InvalidOpcode,
    StaticViolation,
    ReturnDataOutOfBounds,
    CreateCollision,
    CodeSizeLimit,
    InvalidCodePrefix,
    InitCodeSizeLimit,
    PrecompileFailure,
    CallDepth,
    OutOfFunds,
    NonceOverflow,
    /// A reason with no class (named by the engine).
    Other(String),
}

/// How a transaction ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    Success,
    Revert,
    Halt(HaltClass),
    /// Rejected before execution; the engine's words (they are not compared, only the fact).
    Invalid(String),
}

impl Status {
    /// Equal as outcomes: rejection reasons are worded per engine and not compared.
    fn same(&self, other: &Status) -> bool {
        match (self, other) {
            (Status::Invalid(_), Status::Invalid(_)) => true,
            _ => self == other,
        }
    }
}

/// A log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// One transaction's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TxOutcome {
    pub status: Status,
    /// Gas charged to the sender, after the refund.
    pub gas_used: u64,
    /// The refund granted (after the cap).
    pub refund: u64,
    pub output: Bytes,
    pub logs: Vec<LogEntry>,
}

/// An account after the block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountState {
    pub balance: U256,
    pub nonce: u64,
    pub code: Bytes,
    /// Non-zero slots only.
    pub storage: BTreeMap<U256, U256>,
}

/// Everything observable about a case's run: per transaction, and the full post-state of
/// every account that exists after the block (an absent address does not exist).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub txs: Vec<TxOutcome>,
    pub state: BTreeMap<Address, AccountState>,
}

/// One observable on which two engines disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What differs (`tx 0 gas_used`, `0xab.. storage[0x1]`, ...).
    pub what: String,
    pub left: String,
    pub right: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} vs {}", self.what, self.left, self.right)
    }
}

fn show<T: fmt::Debug>(v: &T) -> String {
    format!("{v:?}")
}

/// Every difference between two outcomes, transactions first, then accounts by address.
pub fn compare(left: &Outcome, right: &Outcome) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut diff = |what: String, l: String, r: String| {
        out.push(Difference {
            what,
            left: l,
            right: r,
        })
    };
    if left.txs.len() != right.txs.len() {
        diff(
            "transaction count".into(),
            left.txs.len().to_string(),
            right.txs.len().to_string(),
        );
    }
    for (i, (l, r)) in left.txs.iter().zip(&right.txs).enumerate() {
        if !l.status.same(&r.status) {
            diff(format!("tx {i} status"), show(&l.status), show(&r.status));
        }
        for (what, lv, rv) in [
            ("gas used", l.gas_used, r.gas_used),
            ("refund", l.refund, r.refund),
        ] {
            if lv != rv {
                diff(format!("tx {i} {what}"), lv.to_string(), rv.to_string());
            }
        }
        if l.output != r.output {
            diff(
                format!("tx {i} output"),
                l.output.to_string(),
                r.output.to_string(),
            );
        }
        if l.logs != r.logs {
            diff(format!("tx {i} logs"), show(&l.logs), show(&r.logs));
        }
    }
    let addresses: std::collections::BTreeSet<&Address> =
        left.state.keys().chain(right.state.keys()).collect();
    for address in addresses {
        match (left.state.get(address), right.state.get(address)) {
            (Some(l), Some(r)) => {
                if l.balance != r.balance {
                    diff(
                        format!("{address} balance"),
                        show(&l.balance),
                        show(&r.balance),
                    );
                }
                if l.nonce != r.nonce {
                    diff(format!("{address} nonce"), show(&l.nonce), show(&r.nonce));
                }
                if l.code != r.code {
                    diff(
                        format!("{address} code"),
                        l.code.to_string(),
                        r.code.to_string(),
                    );
                }
                let keys: std::collections::BTreeSet<&U256> =
                    l.storage.keys().chain(r.storage.keys()).collect();
                for key in keys {
                    let (lv, rv) = (l.storage.get(key), r.storage.get(key));
                    if lv != rv {
                        let z = U256::ZERO;
                        diff(
                            format!("{address} storage[{key:#x}]"),
                            format!("{:#x}", lv.unwrap_or(&z)),
                            format!("{:#x}", rv.unwrap_or(&z)),
                        );
                    }
                }
            }
            (l, r) => diff(
                format!("{address} existence"),
                if l.is_some() { "exists" } else { "absent" }.into(),
                if r.is_some() { "exists" } else { "absent" }.into(),
            ),
        }
    }
    out
}

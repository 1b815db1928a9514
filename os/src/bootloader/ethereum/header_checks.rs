//! The header checks execution depends on, against the parent: number, timestamp, gas limit,
//! base fee (EIP-1559), excess blob gas (EIP-4844, with EIP-7918's reserve price from
//! Osaka), the post-merge constants and the fields each fork adds.

use crate::block::Header;
use crate::bootloader::validate::{blob_base_fee, GAS_PER_BLOB};
use crate::types::{BlobParams, SpecId};
use alloy_primitives::{b256, B256, U256};
use core::fmt;

/// keccak256(rlp([])): the ommers hash of every post-merge block.
pub const EMPTY_OMMERS_HASH: B256 =
    b256!("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");
/// EIP-1559: the base fee moves by at most 1/8 per block.
const BASE_FEE_CHANGE_DENOMINATOR: u64 = 8;
/// EIP-1559: the gas target is half the gas limit.
const ELASTICITY: u64 = 2;
/// The gas limit moves by less than 1/1024 of the parent's per block.
const GAS_LIMIT_BOUND_DIVISOR: u64 = 1024;
const MIN_GAS_LIMIT: u64 = 5000;
/// The base fee of the first London block.
const INITIAL_BASE_FEE: u64 = 1_000_000_000;
/// EIP-7918: the blob base fee is kept above this many times the execution base fee per blob.
const BLOB_BASE_COST: u64 = 1 << 13;
const MAX_EXTRA_DATA: usize = 32;

/// A header that does not follow from its parent under its fork's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidHeader {
    /// The number is not the parent's plus one.
    Number {
        parent: u64,
        number: u64,
    },
    /// The timestamp is not after the parent's.
    Timestamp {
        parent: u64,
        timestamp: u64,
    },
    /// The gas limit moved too far from the parent's, or is below 5000.
    GasLimit {
        parent: u64,
        gas_limit: u64,
    },
    /// More gas used than the limit.
    GasUsed {
        gas_used: u64,
        gas_limit: u64,
    },
    BaseFee {
        expected: u64,
        header: u64,
    },
    ExcessBlobGas {
        expected: u64,
        header: u64,
    },
    /// More blob gas used than the fork allows per block.
    BlobGasUsed {
        blob_gas_used: u64,
        max: u64,
    },
    ExtraData {
        len: usize,
    },
    /// A proof-of-work field that must be zero (or empty) after the merge.
    NotPostMerge {
        field: &'static str,
    },
    /// A field the fork requires is absent, or a field of a later fork is present.
    ForkFields {
        spec: SpecId,
        field: &'static str,
    },
}

impl fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidHeader::Number { parent, number } => {
                write!(f, "number {number} does not follow the parent's {parent}")
            }
            InvalidHeader::Timestamp { parent, timestamp } => {
                write!(f, "timestamp {timestamp} not after the parent's {parent}")
            }
            InvalidHeader::GasLimit { parent, gas_limit } => {
                write!(
                    f,
                    "gas limit {gas_limit} too far from the parent's {parent}"
                )
            }
            InvalidHeader::GasUsed {
                gas_used,
                gas_limit,
            } => write!(f, "gas used {gas_used} above the gas limit {gas_limit}"),
            InvalidHeader::BaseFee { expected, header } => {
                write!(f, "base fee {header}, the parent gives {expected}")
            }
            InvalidHeader::ExcessBlobGas { expected, header } => {
                write!(f, "excess blob gas {header}, the parent gives {expected}")
            }
            InvalidHeader::BlobGasUsed { blob_gas_used, max } => {
                write!(f, "blob gas used {blob_gas_used} above the maximum {max}")
            }
            InvalidHeader::ExtraData { len } => write!(f, "extra data of {len} bytes, at most 32"),
            InvalidHeader::NotPostMerge { field } => {
                write!(f, "{field} must be empty after the merge")
            }
            InvalidHeader::ForkFields { spec, field } => {
                write!(f, "field {field} does not match the fork {spec}")
            }
        }
    }
}

/// The base fee the parent implies (EIP-1559). A parent without a base fee is the last
/// pre-London block: the first London block has the initial base fee.
pub fn expected_base_fee(parent: &Header) -> u64 {
    let Some(parent_fee) = parent.base_fee_per_gas else {
        return INITIAL_BASE_FEE;
    };
    let target = parent.gas_limit / ELASTICITY;
    if target == 0 || parent.gas_used == target {
        return parent_fee;
    }
    // In u128: fee × gas difference can exceed 64 bits.
    let fee = u128::from(parent_fee);
    let denominator = u128::from(target) * u128::from(BASE_FEE_CHANGE_DENOMINATOR);
    if parent.gas_used > target {
        let delta = (fee * u128::from(parent.gas_used - target) / denominator).max(1);
        u64::try_from(fee + delta).unwrap_or(u64::MAX)
    } else {
        let delta = fee * u128::from(target - parent.gas_used) / denominator;
        (fee - delta) as u64
    }
}

/// The excess blob gas the parent implies under the block's blob schedule (EIP-4844), with
/// EIP-7918's rule from Osaka: while blobs are cheaper than `BLOB_BASE_COST` times the
/// execution base fee per blob, the excess only grows.
pub fn expected_excess_blob_gas(parent: &Header, spec: SpecId, params: BlobParams) -> u64 {
    let parent_excess = parent.excess_blob_gas.unwrap_or(0);
    let parent_used = parent.blob_gas_used.unwrap_or(0);
    let target = params.target * GAS_PER_BLOB;
    let total = parent_excess.saturating_add(parent_used);
    if total < target {
        return 0;
    }
    if spec >= SpecId::Osaka {
        let parent_base_fee = U256::from(parent.base_fee_per_gas.unwrap_or(0));
        let reserve = U256::from(BLOB_BASE_COST) * parent_base_fee;
        let blob_fee =
            U256::from(GAS_PER_BLOB) * blob_base_fee(parent_excess, params.update_fraction);
        if reserve > blob_fee && params.max > 0 {
            return parent_excess + parent_used * (params.max - params.target) / params.max;
        }
    }
    total - target
}

/// Whether the header carries exactly the fields of `spec`: London's base fee, Shanghai's
/// withdrawals root, Cancun's blob fields and beacon root, Prague's requests hash.
fn check_fork_fields(header: &Header, spec: SpecId) -> Result<(), InvalidHeader> {
    let fields = [
        (
            "base_fee_per_gas",
            SpecId::London,
            header.base_fee_per_gas.is_some(),
        ),
        (
            "withdrawals_root",
            SpecId::Shanghai,
            header.withdrawals_root.is_some(),
        ),
        (
            "blob_gas_used",
            SpecId::Cancun,
            header.blob_gas_used.is_some(),
        ),
        (
            "excess_blob_gas",
            SpecId::Cancun,
            header.excess_blob_gas.is_some(),
        ),
        (
            "parent_beacon_block_root",
            SpecId::Cancun,
            header.parent_beacon_block_root.is_some(),
        ),
        (
            "requests_hash",
            SpecId::Prague,
            header.requests_hash.is_some(),
        ),
    ];
    for (field, since, present) in fields {
        if present != (spec >= since) {
            return Err(InvalidHeader::ForkFields { spec, field });
        }
    }
    Ok(())
}

/// Checks `header` against `parent` under `spec` (post-merge) with blob schedule `params`.
/// The gas used and blob gas used are checked against execution elsewhere; here only their
/// limits.
pub fn check_header(
    header: &Header,
    parent: &Header,
    spec: SpecId,
    params: BlobParams,
) -> Result<(), InvalidHeader> {
    check_fork_fields(header, spec)?;
    if parent.number.checked_add(1) != Some(header.number) {
        return Err(InvalidHeader::Number {
            parent: parent.number,
            number: header.number,
        });
    }
    if header.timestamp <= parent.timestamp {
        return Err(InvalidHeader::Timestamp {
            parent: parent.timestamp,
            timestamp: header.timestamp,
        });
    }
    let bound = parent.gas_limit / GAS_LIMIT_BOUND_DIVISOR;
    if header.gas_limit < MIN_GAS_LIMIT || header.gas_limit.abs_diff(parent.gas_limit) >= bound {
        return Err(InvalidHeader::GasLimit {
            parent: parent.gas_limit,
            gas_limit: header.gas_limit,
        });
    }
    if header.gas_used > header.gas_limit {
        return Err(InvalidHeader::GasUsed {
            gas_used: header.gas_used,
            gas_limit: header.gas_limit,
        });
    }
    if header.extra_data.len() > MAX_EXTRA_DATA {
        return Err(InvalidHeader::ExtraData {
            len: header.extra_data.len(),
        });
    }
    if !header.difficulty.is_zero() {
        return Err(InvalidHeader::NotPostMerge {
            field: "difficulty",
        });
    }
    if header.nonce != [0; 8] {
        return Err(InvalidHeader::NotPostMerge { field: "nonce" });
    }
    if header.ommers_hash != EMPTY_OMMERS_HASH {
        return Err(InvalidHeader::NotPostMerge {
            field: "ommers_hash",
        });
    }
    if let Some(fee) = header.base_fee_per_gas {
        let expected = expected_base_fee(parent);
        if fee != expected {
            return Err(InvalidHeader::BaseFee {
                expected,
                header: fee,
            });
        }
    }
    if let (Some(excess), Some(used)) = (header.excess_blob_gas, header.blob_gas_used) {
        let expected = expected_excess_blob_gas(parent, spec, params);
        if excess != expected {
            return Err(InvalidHeader::ExcessBlobGas {
                expected,
                header: excess,
            });
        }
        let max = params.max * GAS_PER_BLOB;
        if used > max {
            return Err(InvalidHeader::BlobGasUsed {
                blob_gas_used: used,
                max,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, Bytes};

    /// A Prague-shaped header: number 100, gas limit 30M, base fee 1000.
    fn header() -> Header {
        Header {
            parent_hash: B256::ZERO,
            ommers_hash: EMPTY_OMMERS_HASH,
            coinbase: Address::ZERO,
            state_root: B256::ZERO,
            transactions_root: B256::ZERO,
            receipts_root: B256::ZERO,
            logs_bloom: [0; 256],
            difficulty: U256::ZERO,
            number: 100,
            gas_limit: 30_000_000,
            gas_used: 15_000_000,
            timestamp: 1_000,
            extra_data: Bytes::new(),
            mix_hash: B256::ZERO,
            nonce: [0; 8],
            base_fee_per_gas: Some(1000),
            withdrawals_root: Some(B256::ZERO),
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(B256::ZERO),
            requests_hash: Some(B256::ZERO),
            hash: B256::ZERO,
        }
    }

    #[test]
    fn base_fee_follows_eip_1559() {
        let mut parent = header();
        assert_eq!(expected_base_fee(&parent), 1000, "at target");
        parent.gas_used = 30_000_000;
        assert_eq!(expected_base_fee(&parent), 1125, "full: +1/8");
        parent.gas_used = 0;
        assert_eq!(expected_base_fee(&parent), 875, "empty: -1/8");
        parent.base_fee_per_gas = Some(7);
        parent.gas_used = 15_000_001;
        assert_eq!(expected_base_fee(&parent), 8, "an increase is at least 1");
        parent.base_fee_per_gas = None;
        assert_eq!(
            expected_base_fee(&parent),
            INITIAL_BASE_FEE,
            "first London block"
        );
    }

    #[test]
    fn excess_blob_gas_with_and_without_the_reserve_price() {
        let params = SpecId::Osaka.blob_params(); // target 6, max 9
        let mut parent = header();
        parent.excess_blob_gas = Some(6 * GAS_PER_BLOB);
        parent.blob_gas_used = Some(6 * GAS_PER_BLOB);
        // Prague: excess + used - target.
        assert_eq!(
            expected_excess_blob_gas(&parent, SpecId::Prague, params),
            6 * GAS_PER_BLOB
        );
        // Osaka with blobs far below 2^13 × base fee: the excess grows by used × 3/9.
        assert_eq!(
            expected_excess_blob_gas(&parent, SpecId::Osaka, params),
            6 * GAS_PER_BLOB + 2 * GAS_PER_BLOB
        );
        // Osaka with a zero base fee: the reserve price does not bind.
        parent.base_fee_per_gas = Some(0);
        assert_eq!(
            expected_excess_blob_gas(&parent, SpecId::Osaka, params),
            6 * GAS_PER_BLOB
        );
        // Below the target: zero.
        parent.excess_blob_gas = Some(0);
        parent.blob_gas_used = Some(5 * GAS_PER_BLOB);
        assert_eq!(expected_excess_blob_gas(&parent, SpecId::Osaka, params), 0);
    }

    #[test]
    fn header_rules_against_the_parent() {
        let parent = header();
        let params = SpecId::Prague.blob_params();
        let child = || Header {
            number: 101,
            timestamp: 1_012,
            ..header()
        };
        assert_eq!(
            check_header(&child(), &parent, SpecId::Prague, params),
            Ok(())
        );

        let check = |h: Header| check_header(&h, &parent, SpecId::Prague, params);
        let bound = 30_000_000 / 1024;
        assert!(check(Header {
            gas_limit: 30_000_000 + bound - 1,
            ..child()
        })
        .is_ok());
        assert!(matches!(
            check(Header {
                gas_limit: 30_000_000 + bound,
                ..child()
            }),
            Err(InvalidHeader::GasLimit { .. })
        ));
        assert!(matches!(
            check(Header {
                gas_limit: 30_000_000 - bound,
                ..child()
            }),
            Err(InvalidHeader::GasLimit { .. })
        ));
        assert!(matches!(
            check(Header {
                number: 102,
                ..child()
            }),
            Err(InvalidHeader::Number { .. })
        ));
        assert!(matches!(
            check(Header {
                timestamp: 1_000,
                ..child()
            }),
            Err(InvalidHeader::Timestamp { .. })
        ));
        assert!(matches!(
            check(Header {
                base_fee_per_gas: Some(999),
                ..child()
            }),
            Err(InvalidHeader::BaseFee {
                expected: 1000,
                header: 999
            })
        ));
        assert!(matches!(
            check(Header {
                excess_blob_gas: Some(1),
                ..child()
            }),
            Err(InvalidHeader::ExcessBlobGas {
                expected: 0,
                header: 1
            })
        ));
        assert!(matches!(
            check(Header {
                blob_gas_used: Some(10 * GAS_PER_BLOB),
                ..child()
            }),
            Err(InvalidHeader::BlobGasUsed { .. })
        ));
        assert!(matches!(
            check(Header {
                extra_data: Bytes::from(vec![0; 33]),
                ..child()
            }),
            Err(InvalidHeader::ExtraData { len: 33 })
        ));
        assert!(matches!(
            check(Header {
                difficulty: U256::from(1),
                ..child()
            }),
            Err(InvalidHeader::NotPostMerge {
                field: "difficulty"
            })
        ));
        assert!(matches!(
            check(Header {
                requests_hash: None,
                ..child()
            }),
            Err(InvalidHeader::ForkFields {
                field: "requests_hash",
                ..
            })
        ));
        // A Prague header under Cancun rules carries a field of a later fork.
        assert!(matches!(
            check_header(&child(), &parent, SpecId::Cancun, params),
            Err(InvalidHeader::ForkFields {
                field: "requests_hash",
                ..
            })
        ));
    }
}

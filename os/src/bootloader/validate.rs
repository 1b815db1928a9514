//! Transaction validation: everything decided before execution starts (type, chain, fees,
//! blobs, intrinsic gas, nonce, balance). A failing check rejects the transaction whole.

use crate::system::delegation;
use crate::system::System;
use crate::types::{BlockEnv, InvalidTx, SpecId, TxEnv, KECCAK_EMPTY};
use alloy_primitives::U256;

/// Gas per blob (EIP-4844).
pub const GAS_PER_BLOB: u64 = 1 << 17;
/// Most blobs one transaction may carry from Osaka on (EIP-7594); before, the block's maximum.
pub const MAX_BLOBS_PER_TX: u64 = 6;
/// Most gas one transaction may ask for from Osaka on (EIP-7825).
pub const TX_GAS_LIMIT_CAP: u64 = 1 << 24;
/// Intrinsic gas per EIP-7702 authorization (PER_EMPTY_ACCOUNT_COST).
pub const PER_EMPTY_ACCOUNT_COST: u64 = 25_000;
/// What an authorization costs when its authority already exists (PER_AUTH_BASE_COST); the
/// difference to [`PER_EMPTY_ACCOUNT_COST`] is refunded.
pub const PER_AUTH_BASE_COST: u64 = 12_500;
/// EIP-7623: gas per calldata token in the floor, and the token weight of a non-zero byte.
const FLOOR_PER_TOKEN: u64 = 10;
const TOKENS_PER_NONZERO: u64 = 4;

/// The numbers execution needs from a valid transaction.
#[derive(Clone, Copy, Debug)]
pub struct Validated {
    pub intrinsic_gas: u64,
    /// EIP-7623's least gas the transaction is charged (0 before Prague).
    pub floor_gas: u64,
    pub effective_gas_price: U256,
    pub blob_gas: u64,
    pub blob_base_fee: U256,
}

/// EIP-4844 blob base fee: `fake_exponential(1, excess, update_fraction)`.
pub fn blob_base_fee(excess_blob_gas: u64, update_fraction: u64) -> U256 {
    let factor = U256::from(1u8);
    let numerator = U256::from(excess_blob_gas);
    let denominator = U256::from(update_fraction.max(1));
    let mut i = U256::from(1u8);
    let mut output = U256::ZERO;
    let mut acc = factor * denominator;
    while !acc.is_zero() {
        output += acc;
        acc = (acc * numerator) / (denominator * i);
        i += U256::from(1u8);
    }
    output / denominator
}

/// Zero and non-zero bytes of the calldata.
fn calldata_bytes(tx: &TxEnv) -> (u64, u64) {
    let zeros = tx.data.iter().filter(|b| **b == 0).count() as u64;
    (zeros, tx.data.len() as u64 - zeros)
}

/// EIP-7623's floor: 21000 plus 10 per calldata token (a zero byte is one token, any other
/// byte four). Zero before Prague, so `max(gas, floor)` changes nothing there.
pub fn floor_gas(tx: &TxEnv, spec: SpecId) -> u64 {
    if spec < SpecId::Prague {
        return 0;
    }
    let (zeros, nonzeros) = calldata_bytes(tx);
    21_000 + FLOOR_PER_TOKEN * (zeros + TOKENS_PER_NONZERO * nonzeros)
}

/// Intrinsic gas: the base cost, calldata, create, access list and authorizations.
pub fn intrinsic_gas(tx: &TxEnv, spec: SpecId) -> u64 {
    let (zeros, nonzeros) = calldata_bytes(tx);
    let nonzero_cost = if spec >= SpecId::Istanbul { 16 } else { 68 };
    let mut gas = 21_000u64 + zeros * 4 + nonzeros * nonzero_cost;
    if tx.to.is_none() {
        if spec >= SpecId::Homestead {
            gas += 32_000;
        }
        if spec >= SpecId::Shanghai {
            gas += crate::evm::gas::INITCODE_WORD * crate::evm::gas::words(tx.data.len() as u64);
        }
    }
    for item in &tx.access_list {
        gas += 2400 + 1900 * item.storage_keys.len() as u64;
    }
    gas + PER_EMPTY_ACCOUNT_COST * tx.authorization_list.len() as u64
}

/// Checks `tx` against the block and the sender's state.
pub fn validate(
    tx: &TxEnv,
    block: &BlockEnv,
    system: &mut System<'_>,
    blob_gas_used: u64,
) -> Result<Validated, InvalidTx> {
    let spec = block.spec;
    let type_fork = match tx.tx_type {
        0 => SpecId::Frontier,
        1 => SpecId::Berlin,
        2 => SpecId::London,
        3 => SpecId::Cancun,
        4 => SpecId::Prague,
        t => return Err(InvalidTx::TypeNotSupported(t)),
    };
    if spec < type_fork {
        return Err(InvalidTx::TypeNotSupported(tx.tx_type));
    }
    if tx.tx_type == 4 {
        if tx.to.is_none() {
            return Err(InvalidTx::CreateSetCodeTx);
        }
        if tx.authorization_list.is_empty() {
            return Err(InvalidTx::EmptyAuthorizationList);
        }
    }
    if spec >= SpecId::Osaka && tx.gas_limit > TX_GAS_LIMIT_CAP {
        return Err(InvalidTx::GasLimitAboveCap {
            tx: tx.gas_limit,
            cap: TX_GAS_LIMIT_CAP,
        });
    }
    if let Some(id) = tx.chain_id {
        if id != block.chain_id {
            return Err(InvalidTx::ChainIdMismatch);
        }
    }
    if tx.gas_limit > block.gas_limit {
        return Err(InvalidTx::GasLimitAboveBlock {
            tx: tx.gas_limit,
            block: block.gas_limit,
        });
    }
    // Fees (EIP-1559).
    let effective_gas_price = if tx.tx_type >= 2 {
        let max_fee = tx.gas_price;
        let prio = tx.max_priority_fee_per_gas.unwrap_or_default();
        if prio > max_fee {
            return Err(InvalidTx::PriorityFeeAboveMaxFee);
        }
        if max_fee < block.base_fee {
            return Err(InvalidTx::GasPriceBelowBaseFee);
        }
        max_fee.min(block.base_fee.saturating_add(prio))
    } else {
        if spec >= SpecId::London && tx.gas_price < block.base_fee {
            return Err(InvalidTx::GasPriceBelowBaseFee);
        }
        tx.gas_price
    };
    // Blobs (EIP-4844, EIP-7691, EIP-7594).
    let params = block.blob_params();
    let max_blob_gas_per_block = params.max * GAS_PER_BLOB;
    let blob_base_fee = if spec >= SpecId::Cancun {
        blob_base_fee(block.excess_blob_gas, params.update_fraction)
    } else {
        U256::ZERO
    };
    let mut blob_gas = 0;
    if tx.tx_type == 3 {
        if tx.to.is_none() {
            return Err(InvalidTx::CreateBlobTx);
        }
        if tx.blob_hashes.is_empty() {
            return Err(InvalidTx::EmptyBlobs);
        }
        if tx.blob_hashes.iter().any(|h| h[0] != 0x01) {
            return Err(InvalidTx::InvalidBlobVersion);
        }
        let blobs = tx.blob_hashes.len() as u64;
        let per_tx = if spec >= SpecId::Osaka {
            MAX_BLOBS_PER_TX.min(params.max)
        } else {
            params.max
        };
        if blobs > per_tx {
            return Err(InvalidTx::TooManyBlobs);
        }
        blob_gas = GAS_PER_BLOB * blobs;
        if blob_gas_used + blob_gas > max_blob_gas_per_block {
            return Err(InvalidTx::BlockBlobGasExceeded);
        }
        if tx.max_fee_per_blob_gas.unwrap_or_default() < blob_base_fee {
            return Err(InvalidTx::BlobFeeTooLow);
        }
    }
    // Init code limit (EIP-3860).
    if spec >= SpecId::Shanghai
        && tx.to.is_none()
        && tx.data.len() > crate::evm::gas::MAX_INITCODE_SIZE
    {
        return Err(InvalidTx::InitcodeTooLarge {
            size: tx.data.len(),
        });
    }
    let intrinsic = intrinsic_gas(tx, spec);
    let floor = floor_gas(tx, spec);
    if tx.gas_limit < intrinsic.max(floor) {
        return Err(InvalidTx::IntrinsicGasTooLow {
            intrinsic: intrinsic.max(floor),
            limit: tx.gas_limit,
        });
    }
    // Sender (EIP-3607, relaxed by EIP-7702 for delegated accounts; nonce, EIP-2681).
    let sender = system.info(tx.caller);
    if sender.code_hash != KECCAK_EMPTY
        && !(spec >= SpecId::Prague && delegation::is_designator(&system.code(tx.caller).1))
    {
        return Err(InvalidTx::SenderHasCode);
    }
    if sender.nonce == u64::MAX {
        return Err(InvalidTx::NonceOverflow);
    }
    if tx.nonce < sender.nonce {
        return Err(InvalidTx::NonceTooLow {
            tx: tx.nonce,
            state: sender.nonce,
        });
    }
    if tx.nonce > sender.nonce {
        return Err(InvalidTx::NonceTooHigh {
            tx: tx.nonce,
            state: sender.nonce,
        });
    }
    // Balance: the most the transaction can cost, at its maximum prices.
    let gas = U256::from(tx.gas_limit);
    let mut needed = gas.checked_mul(tx.gas_price).ok_or(InvalidTx::Overflow)?;
    needed = needed.checked_add(tx.value).ok_or(InvalidTx::Overflow)?;
    if tx.tx_type == 3 {
        let blob_max = U256::from(blob_gas)
            .checked_mul(tx.max_fee_per_blob_gas.unwrap_or_default())
            .ok_or(InvalidTx::Overflow)?;
        needed = needed.checked_add(blob_max).ok_or(InvalidTx::Overflow)?;
    }
    if sender.balance < needed {
        return Err(InvalidTx::InsufficientFunds {
            needed,
            balance: sender.balance,
        });
    }
    Ok(Validated {
        intrinsic_gas: intrinsic,
        floor_gas: floor,
        effective_gas_price,
        blob_gas,
        blob_base_fee,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_base_fee_matches_eip_4844() {
        let fraction = SpecId::Cancun.blob_params().update_fraction;
        assert_eq!(blob_base_fee(0, fraction), U256::from(1u8));
        // fake_exponential(1, 10 * fraction, fraction) ~ e^10 = 22026.
        assert_eq!(blob_base_fee(10 * fraction, fraction), U256::from(22026u64));
        // Prague's larger fraction makes the same excess cheaper.
        let prague = SpecId::Prague.blob_params().update_fraction;
        assert!(blob_base_fee(10 * fraction, prague) < U256::from(22026u64));
    }

    #[test]
    fn intrinsic_gas_counts_data_and_create() {
        let mut tx = TxEnv {
            data: alloy_primitives::Bytes::from(vec![0, 1, 0, 2]),
            ..Default::default()
        };
        tx.to = Some(alloy_primitives::Address::ZERO);
        assert_eq!(intrinsic_gas(&tx, SpecId::Cancun), 21000 + 8 + 32);
        assert_eq!(intrinsic_gas(&tx, SpecId::Byzantium), 21000 + 8 + 136);
        tx.to = None;
        assert_eq!(intrinsic_gas(&tx, SpecId::Cancun), 53000 + 8 + 32 + 2);
        assert_eq!(intrinsic_gas(&tx, SpecId::Frontier), 21000 + 8 + 136);
    }
}

//! Transaction validation: everything decided before execution starts (type, chain, fees,
//! blobs, intrinsic gas, nonce, balance). A failing check rejects the transaction whole.

use crate::system::System;
use crate::types::{BlockEnv, InvalidTx, SpecId, TxEnv, KECCAK_EMPTY};
use alloy_primitives::U256;

/// Gas per blob (EIP-4844).
pub const GAS_PER_BLOB: u64 = 1 << 17;
/// Most blob gas a Cancun block may use (six blobs).
pub const MAX_BLOB_GAS_PER_BLOCK: u64 = 6 * GAS_PER_BLOB;
const BLOB_BASE_FEE_UPDATE_FRACTION: u64 = 3_338_477;

/// The numbers execution needs from a valid transaction.
#[derive(Clone, Copy, Debug)]
pub struct Validated {
    pub intrinsic_gas: u64,
    pub effective_gas_price: U256,
    pub blob_gas: u64,
    pub blob_base_fee: U256,
}

/// EIP-4844 blob base fee: `fake_exponential(1, excess, fraction)`.
pub fn blob_base_fee(excess_blob_gas: u64) -> U256 {
    let factor = U256::from(1u8);
    let numerator = U256::from(excess_blob_gas);
    let denominator = U256::from(BLOB_BASE_FEE_UPDATE_FRACTION);
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

/// Intrinsic gas: the base cost, calldata, create and access list.
pub fn intrinsic_gas(tx: &TxEnv, spec: SpecId) -> u64 {
    let zeros = tx.data.iter().filter(|b| **b == 0).count() as u64;
    let nonzeros = tx.data.len() as u64 - zeros;
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
    gas
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
    if spec < type_fork || !spec.is_supported() {
        return Err(InvalidTx::TypeNotSupported(tx.tx_type));
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
    // Blobs (EIP-4844).
    let blob_base_fee = if spec >= SpecId::Cancun {
        blob_base_fee(block.excess_blob_gas)
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
        blob_gas = GAS_PER_BLOB * tx.blob_hashes.len() as u64;
        if blob_gas > MAX_BLOB_GAS_PER_BLOCK {
            return Err(InvalidTx::TooManyBlobs);
        }
        if blob_gas_used + blob_gas > MAX_BLOB_GAS_PER_BLOCK {
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
    if tx.gas_limit < intrinsic {
        return Err(InvalidTx::IntrinsicGasTooLow {
            intrinsic,
            limit: tx.gas_limit,
        });
    }
    // Sender (EIP-3607, nonce, EIP-2681).
    let sender = system.info(tx.caller);
    if sender.code_hash != KECCAK_EMPTY {
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
        assert_eq!(blob_base_fee(0), U256::from(1u8));
        // fake_exponential(1, 10 * fraction, fraction) ~ e^10 = 22026.
        assert_eq!(
            blob_base_fee(10 * BLOB_BASE_FEE_UPDATE_FRACTION),
            U256::from(22026u64)
        );
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

//! EIP-4895 withdrawals: validator balance withdrawn from the beacon chain, credited at the
//! end of the block.

use crate::rlp::{Item, RlpError};
use alloy_primitives::Address;

/// One withdrawal of the block body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    pub index: u64,
    pub validator_index: u64,
    pub address: Address,
    /// In gwei (10^9 wei), as the consensus layer counts.
    pub amount_gwei: u64,
}

impl Withdrawal {
    /// Decodes `[index, validator_index, address, amount]`; an error names the field.
    pub fn decode_item(item: &Item<'_>) -> Result<Withdrawal, (&'static str, RlpError)> {
        let mut list = item.list().map_err(|e| ("withdrawal", e))?;
        let mut next = |name: &'static str| list.next_item().map_err(|e| (name, e));
        let index = next("index")?.u64().map_err(|e| ("index", e))?;
        let validator_index = next("validator_index")?
            .u64()
            .map_err(|e| ("validator_index", e))?;
        let address = next("address")?.address().map_err(|e| ("address", e))?;
        let amount_gwei = next("amount")?.u64().map_err(|e| ("amount", e))?;
        list.finish().map_err(|e| ("withdrawal", e))?;
        Ok(Withdrawal {
            index,
            validator_index,
            address,
            amount_gwei,
        })
    }
}

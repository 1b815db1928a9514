//! EIP-4895 withdrawals: validator balance withdrawn from the beacon chain, credited at the
//! end of the block.

use crate::rlp::{self, Item, RlpError};
use alloc::vec::Vec;
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

    /// Appends the consensus encoding: the value of the withdrawals trie.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let payload = rlp::u64_len(self.index)
            + rlp::u64_len(self.validator_index)
            + 21
            + rlp::u64_len(self.amount_gwei);
        rlp::encode_list_header(out, payload);
        rlp::encode_u64(out, self.index);
        rlp::encode_u64(out, self.validator_index);
        rlp::encode_bytes(out, self.address.as_slice());
        rlp::encode_u64(out, self.amount_gwei);
    }

    /// The amount in wei.
    pub fn amount_wei(&self) -> alloy_primitives::U256 {
        alloy_primitives::U256::from(self.amount_gwei)
            * alloy_primitives::U256::from(1_000_000_000u64)
    }
}

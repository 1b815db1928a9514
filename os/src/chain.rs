//! A chain's configuration: its id, its deposit contract and which fork rules apply to a
//! block. Block processing reads the fork from here, never from the block, so a block cannot
//! pick its own rules.

use crate::types::{BlobParams, SpecId};
use alloc::vec::Vec;
use alloy_primitives::{address, Address};

/// When a fork activates: by block number (forks up to Paris) or by timestamp (Shanghai on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Block(u64),
    Timestamp(u64),
}

/// One entry of the fork schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForkActivation {
    pub spec: SpecId,
    pub at: Activation,
    /// The blob schedule from this fork on, when the chain sets one (else the fork's own).
    pub blob_params: Option<BlobParams>,
}

/// The chain's parameters that block processing depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainConfig {
    pub chain_id: u64,
    /// The EIP-6110 deposit contract whose `DepositEvent` logs become deposit requests.
    pub deposit_contract: Address,
    /// The forks, oldest first.
    pub forks: Vec<ForkActivation>,
}

/// Mainnet's EIP-6110 deposit contract.
pub const MAINNET_DEPOSIT_CONTRACT: Address = address!("00000000219ab540356cbb839cbe05303d7705fa");

impl ChainConfig {
    /// The fork in force for a block with this number and timestamp, with its blob
    /// schedule; `None` before the first listed fork.
    pub fn fork_at(&self, number: u64, timestamp: u64) -> Option<(SpecId, BlobParams)> {
        let mut found: Option<(SpecId, BlobParams)> = None;
        for fork in &self.forks {
            let active = match fork.at {
                Activation::Block(n) => number >= n,
                Activation::Timestamp(t) => timestamp >= t,
            };
            if active {
                let params = fork.blob_params.unwrap_or(fork.spec.blob_params());
                found = Some((fork.spec, params));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mainnet_like() -> ChainConfig {
        let fork = |spec, t| ForkActivation {
            spec,
            at: Activation::Timestamp(t),
            blob_params: None,
        };
        ChainConfig {
            chain_id: 1,
            deposit_contract: MAINNET_DEPOSIT_CONTRACT,
            forks: alloc::vec![
                ForkActivation {
                    spec: SpecId::Paris,
                    at: Activation::Block(15_537_394),
                    blob_params: None,
                },
                fork(SpecId::Shanghai, 1_681_338_455),
                fork(SpecId::Cancun, 1_710_338_135),
                ForkActivation {
                    spec: SpecId::Prague,
                    at: Activation::Timestamp(1_746_612_311),
                    blob_params: Some(BlobParams {
                        target: 1,
                        max: 2,
                        update_fraction: 3,
                    }),
                },
            ],
        }
    }

    #[test]
    fn picks_the_latest_active_fork() {
        let chain = mainnet_like();
        assert_eq!(chain.fork_at(15_537_393, 0), None);
        assert_eq!(
            chain.fork_at(15_537_394, 0).map(|f| f.0),
            Some(SpecId::Paris)
        );
        let cancun = chain.fork_at(20_000_000, 1_710_338_135).unwrap();
        assert_eq!(cancun, (SpecId::Cancun, SpecId::Cancun.blob_params()));
        assert_eq!(
            chain.fork_at(20_000_000, 1_710_338_134).map(|f| f.0),
            Some(SpecId::Shanghai)
        );
        let prague = chain.fork_at(22_000_000, 1_746_612_311).unwrap();
        assert_eq!(prague.0, SpecId::Prague);
        assert_eq!(
            prague.1.target, 1,
            "the chain's schedule overrides the fork's"
        );
    }
}

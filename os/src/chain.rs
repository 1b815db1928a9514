//! A chain's configuration: its id, its deposit contract and which fork rules apply to a
//! block. Block processing reads the fork from here, never from the block, so a block cannot
//! pick its own rules.

use crate::types::{BlobParams, SpecId};
use alloc::vec::Vec;
use alloy_primitives::{address, keccak256, Address, B256};
use core::fmt;

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

/// Why bytes are not an encoded [`ChainConfig`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainDecodeError {
    /// The bytes end early or continue after the last fork.
    Length,
    /// A fork id no [`SpecId`] has.
    UnknownFork(u8),
    /// An activation kind other than 0 (block) or 1 (timestamp), or a blob flag other than 0
    /// or 1.
    BadTag(u8),
}

impl fmt::Display for ChainDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainDecodeError::Length => f.write_str("chain config: wrong length"),
            ChainDecodeError::UnknownFork(id) => write!(f, "chain config: unknown fork id {id}"),
            ChainDecodeError::BadTag(t) => write!(f, "chain config: bad tag {t}"),
        }
    }
}

/// Reads `N` bytes at `*at`, advancing it.
fn take<const N: usize>(bytes: &[u8], at: &mut usize) -> Result<[u8; N], ChainDecodeError> {
    let end = at.checked_add(N).ok_or(ChainDecodeError::Length)?;
    let out = bytes
        .get(*at..end)
        .ok_or(ChainDecodeError::Length)?
        .try_into()
        .map_err(|_| ChainDecodeError::Length)?;
    *at = end;
    Ok(out)
}

impl ChainConfig {
    /// The canonical binary form: chain id (8 bytes, big-endian), deposit contract (20), fork
    /// count (4), then per fork its [`SpecId`] as one byte, the activation kind (0 block, 1
    /// timestamp) and value (8), a blob flag (0 or 1) and, when 1, target, max and update
    /// fraction (8 each). What the guest reads from its tape, and what [`Self::hash`] hashes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.forks.len() * 34);
        out.extend_from_slice(&self.chain_id.to_be_bytes());
        out.extend_from_slice(self.deposit_contract.as_slice());
        out.extend_from_slice(&(self.forks.len() as u32).to_be_bytes());
        for fork in &self.forks {
            out.push(fork.spec as u8);
            let (kind, value) = match fork.at {
                Activation::Block(n) => (0u8, n),
                Activation::Timestamp(t) => (1u8, t),
            };
            out.push(kind);
            out.extend_from_slice(&value.to_be_bytes());
            match fork.blob_params {
                None => out.push(0),
                Some(p) => {
                    out.push(1);
                    for v in [p.target, p.max, p.update_fraction] {
                        out.extend_from_slice(&v.to_be_bytes());
                    }
                }
            }
        }
        out
    }

    /// Decodes [`Self::encode`]'s form exactly (nothing may follow).
    pub fn decode(bytes: &[u8]) -> Result<ChainConfig, ChainDecodeError> {
        let mut at = 0;
        let chain_id = u64::from_be_bytes(take(bytes, &mut at)?);
        let deposit_contract = Address::from(take::<20>(bytes, &mut at)?);
        let count = u32::from_be_bytes(take(bytes, &mut at)?) as usize;
        // Each fork takes at least 11 bytes: bound the allocation by the input.
        if count > bytes.len() / 11 {
            return Err(ChainDecodeError::Length);
        }
        let mut forks = Vec::with_capacity(count);
        for _ in 0..count {
            let [id] = take::<1>(bytes, &mut at)?;
            let spec = *SpecId::ALL
                .get(usize::from(id))
                .ok_or(ChainDecodeError::UnknownFork(id))?;
            let [kind] = take::<1>(bytes, &mut at)?;
            let value = u64::from_be_bytes(take(bytes, &mut at)?);
            let at_ = match kind {
                0 => Activation::Block(value),
                1 => Activation::Timestamp(value),
                t => return Err(ChainDecodeError::BadTag(t)),
            };
            let [flag] = take::<1>(bytes, &mut at)?;
            let blob_params = match flag {
                0 => None,
                1 => {
                    let mut v = [0u64; 3];
                    for x in &mut v {
                        *x = u64::from_be_bytes(take(bytes, &mut at)?);
                    }
                    Some(BlobParams {
                        target: v[0],
                        max: v[1],
                        update_fraction: v[2],
                    })
                }
                t => return Err(ChainDecodeError::BadTag(t)),
            };
            forks.push(ForkActivation {
                spec,
                at: at_,
                blob_params,
            });
        }
        if at != bytes.len() {
            return Err(ChainDecodeError::Length);
        }
        Ok(ChainConfig {
            chain_id,
            deposit_contract,
            forks,
        })
    }

    /// keccak256 of [`Self::encode`]: how a block output names the rules it was validated
    /// under, so a verifier can tell a proof made under another schedule.
    pub fn hash(&self) -> B256 {
        keccak256(self.encode())
    }

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
    fn encoding_round_trips_and_rejects_garbage() {
        let chain = mainnet_like();
        let bytes = chain.encode();
        assert_eq!(ChainConfig::decode(&bytes), Ok(chain.clone()));
        assert_ne!(
            chain.hash(),
            ChainConfig {
                chain_id: 2,
                ..chain.clone()
            }
            .hash()
        );
        for cut in 0..bytes.len() {
            assert!(ChainConfig::decode(&bytes[..cut]).is_err(), "{cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(ChainConfig::decode(&longer), Err(ChainDecodeError::Length));
        let mut bad_fork = bytes.clone();
        bad_fork[32] = 200;
        assert_eq!(
            ChainConfig::decode(&bad_fork),
            Err(ChainDecodeError::UnknownFork(200))
        );
        let mut huge = bytes;
        huge[28..32].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(ChainConfig::decode(&huge), Err(ChainDecodeError::Length));
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

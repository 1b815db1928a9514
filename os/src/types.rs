//! Plain data shared by every part of the core and by its users: forks, block and transaction
//! environments, accounts, logs and the block result.

use alloc::vec::Vec;
use alloy_primitives::{b256, Address, Bytes, B256, U256};
use core::fmt;

/// keccak256 of the empty byte string: the code hash of an account without code.
pub const KECCAK_EMPTY: B256 =
    b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

/// The Ethereum fork whose rules apply. Ordered, so `spec >= SpecId::Berlin` reads as
/// "Berlin rules are active".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum SpecId {
    Frontier,
    Homestead,
    TangerineWhistle,
    SpuriousDragon,
    Byzantium,
    Constantinople,
    Petersburg,
    Istanbul,
    Berlin,
    London,
    Paris,
    Shanghai,
    Cancun,
    Prague,
    Osaka,
    /// Blob-parameter-only fork after Osaka: Osaka's rules with 10/15 blobs.
    Bpo1,
    /// The second blob-parameter-only fork: 14/21 blobs.
    Bpo2,
}

impl SpecId {
    /// Every fork, oldest first.
    pub const ALL: [SpecId; 17] = [
        SpecId::Frontier,
        SpecId::Homestead,
        SpecId::TangerineWhistle,
        SpecId::SpuriousDragon,
        SpecId::Byzantium,
        SpecId::Constantinople,
        SpecId::Petersburg,
        SpecId::Istanbul,
        SpecId::Berlin,
        SpecId::London,
        SpecId::Paris,
        SpecId::Shanghai,
        SpecId::Cancun,
        SpecId::Prague,
        SpecId::Osaka,
        SpecId::Bpo1,
        SpecId::Bpo2,
    ];

    /// Parses the fork names used by the Ethereum test suites (and a few aliases).
    pub fn from_name(name: &str) -> Option<SpecId> {
        Some(match name {
            "Frontier" => SpecId::Frontier,
            "Homestead" => SpecId::Homestead,
            "EIP150" | "TangerineWhistle" => SpecId::TangerineWhistle,
            "EIP158" | "SpuriousDragon" => SpecId::SpuriousDragon,
            "Byzantium" => SpecId::Byzantium,
            "Constantinople" => SpecId::Constantinople,
            "ConstantinopleFix" | "Petersburg" => SpecId::Petersburg,
            "Istanbul" => SpecId::Istanbul,
            "Berlin" => SpecId::Berlin,
            "London" => SpecId::London,
            "Paris" | "Merge" => SpecId::Paris,
            "Shanghai" => SpecId::Shanghai,
            "Cancun" => SpecId::Cancun,
            "Prague" => SpecId::Prague,
            "Osaka" => SpecId::Osaka,
            "BPO1" | "Bpo1" => SpecId::Bpo1,
            "BPO2" | "Bpo2" => SpecId::Bpo2,
            _ => return None,
        })
    }

    /// The canonical name, as the test suites spell it.
    pub fn name(self) -> &'static str {
        match self {
            SpecId::Frontier => "Frontier",
            SpecId::Homestead => "Homestead",
            SpecId::TangerineWhistle => "EIP150",
            SpecId::SpuriousDragon => "EIP158",
            SpecId::Byzantium => "Byzantium",
            SpecId::Constantinople => "Constantinople",
            SpecId::Petersburg => "ConstantinopleFix",
            SpecId::Istanbul => "Istanbul",
            SpecId::Berlin => "Berlin",
            SpecId::London => "London",
            SpecId::Paris => "Paris",
            SpecId::Shanghai => "Shanghai",
            SpecId::Cancun => "Cancun",
            SpecId::Prague => "Prague",
            SpecId::Osaka => "Osaka",
            SpecId::Bpo1 => "BPO1",
            SpecId::Bpo2 => "BPO2",
        }
    }

    /// The fork's blob schedule (EIP-4844, EIP-7691, the BPO forks of EIP-7892); no blobs
    /// before Cancun. A block may override it ([`BlockEnv::blob_params`]).
    pub const fn blob_params(self) -> BlobParams {
        let (target, max, update_fraction) = match self {
            SpecId::Bpo2 => (14, 21, 11_684_671),
            SpecId::Bpo1 => (10, 15, 8_346_193),
            SpecId::Prague | SpecId::Osaka => (6, 9, 5_007_716),
            SpecId::Cancun => (3, 6, 3_338_477),
            _ => (0, 0, 3_338_477),
        };
        BlobParams {
            target,
            max,
            update_fraction,
        }
    }
}

/// A fork's blob parameters: blobs per block (target, maximum) and the blob base fee's
/// update fraction. A parameter, not a constant, because the BPO forks change only these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlobParams {
    pub target: u64,
    pub max: u64,
    pub update_fraction: u64,
}

impl fmt::Display for SpecId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The block-level inputs a transaction can observe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockEnv {
    pub spec: SpecId,
    pub chain_id: u64,
    pub number: u64,
    pub coinbase: Address,
    pub timestamp: u64,
    pub gas_limit: u64,
    pub base_fee: U256,
    /// Pre-merge DIFFICULTY.
    pub difficulty: U256,
    /// Post-merge PREVRANDAO (replaces DIFFICULTY from Paris on).
    pub prev_randao: B256,
    /// EIP-4844 excess blob gas of the block, from Cancun on.
    pub excess_blob_gas: u64,
    /// The blob schedule, when the chain's configuration overrides the fork's own
    /// (`config.blobSchedule` of the state tests); `None` uses [`SpecId::blob_params`].
    pub blob_schedule: Option<BlobParams>,
}

impl BlockEnv {
    /// The blob parameters in force: the override, else the fork's.
    pub fn blob_params(&self) -> BlobParams {
        self.blob_schedule.unwrap_or(self.spec.blob_params())
    }
}

impl Default for BlockEnv {
    fn default() -> Self {
        BlockEnv {
            spec: SpecId::Cancun,
            chain_id: 1,
            number: 0,
            coinbase: Address::ZERO,
            timestamp: 0,
            gas_limit: 30_000_000,
            base_fee: U256::ZERO,
            difficulty: U256::ZERO,
            prev_randao: B256::ZERO,
            excess_blob_gas: 0,
            blob_schedule: None,
        }
    }
}

/// An entry of an EIP-2930 access list.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AccessListItem {
    pub address: Address,
    pub storage_keys: Vec<B256>,
}

/// An EIP-7702 authorization tuple as signed: the bootloader recovers its authority (an
/// invalid signature makes it skip the entry, not reject the transaction).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub chain_id: U256,
    pub address: Address,
    pub nonce: u64,
    /// The signature's y parity; anything but 0 or 1 is an invalid signature.
    pub y_parity: U256,
    pub r: U256,
    pub s: U256,
}

/// A transaction as the bootloader sees it: decoded, with its sender recovered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxEnv {
    /// 0 legacy, 1 EIP-2930, 2 EIP-1559, 3 EIP-4844, 4 EIP-7702.
    pub tx_type: u8,
    pub caller: Address,
    pub nonce: u64,
    pub gas_limit: u64,
    /// `gasPrice` for types 0 and 1, `maxFeePerGas` from type 2 on.
    pub gas_price: U256,
    /// `maxPriorityFeePerGas`, from type 2 on.
    pub max_priority_fee_per_gas: Option<U256>,
    /// `None` creates a contract.
    pub to: Option<Address>,
    pub value: U256,
    pub data: Bytes,
    /// `None` for pre-EIP-155 legacy transactions.
    pub chain_id: Option<u64>,
    pub access_list: Vec<AccessListItem>,
    pub blob_hashes: Vec<B256>,
    pub max_fee_per_blob_gas: Option<U256>,
    pub authorization_list: Vec<Authorization>,
}

impl Default for TxEnv {
    fn default() -> Self {
        TxEnv {
            tx_type: 0,
            caller: Address::ZERO,
            nonce: 0,
            gas_limit: 21_000,
            gas_price: U256::ZERO,
            max_priority_fee_per_gas: None,
            to: None,
            value: U256::ZERO,
            data: Bytes::new(),
            chain_id: None,
            access_list: Vec::new(),
            blob_hashes: Vec::new(),
            max_fee_per_blob_gas: None,
            authorization_list: Vec::new(),
        }
    }
}

/// What the state holds of an account besides its storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    pub balance: U256,
    pub nonce: u64,
    pub code_hash: B256,
}

impl Default for AccountInfo {
    fn default() -> Self {
        AccountInfo {
            balance: U256::ZERO,
            nonce: 0,
            code_hash: KECCAK_EMPTY,
        }
    }
}

impl AccountInfo {
    /// EIP-161 emptiness: no code, zero nonce, zero balance.
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && self.code_hash == KECCAK_EMPTY
    }
}

/// An event emitted by LOG0..LOG4.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Log {
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// Why a transaction could not be included at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidTx {
    NonceTooLow {
        tx: u64,
        state: u64,
    },
    NonceTooHigh {
        tx: u64,
        state: u64,
    },
    NonceOverflow,
    InsufficientFunds {
        needed: U256,
        balance: U256,
    },
    IntrinsicGasTooLow {
        intrinsic: u64,
        limit: u64,
    },
    GasLimitAboveBlock {
        tx: u64,
        block: u64,
    },
    GasPriceBelowBaseFee,
    PriorityFeeAboveMaxFee,
    SenderHasCode,
    InitcodeTooLarge {
        size: usize,
    },
    CreateBlobTx,
    EmptyBlobs,
    TooManyBlobs,
    InvalidBlobVersion,
    BlobFeeTooLow,
    BlockBlobGasExceeded,
    ChainIdMismatch,
    TypeNotSupported(u8),
    EmptyAuthorizationList,
    /// A set-code (type 4) transaction without a recipient.
    CreateSetCodeTx,
    /// Above the EIP-7825 per-transaction gas cap (Osaka).
    GasLimitAboveCap {
        tx: u64,
        cap: u64,
    },
    /// The sum of fees or value does not fit in 256 bits, or the gas accounting overflows.
    Overflow,
}

impl fmt::Display for InvalidTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidTx::NonceTooLow { tx, state } => {
                write!(f, "nonce too low: tx {tx}, state {state}")
            }
            InvalidTx::NonceTooHigh { tx, state } => {
                write!(f, "nonce too high: tx {tx}, state {state}")
            }
            InvalidTx::NonceOverflow => f.write_str("sender nonce at its maximum"),
            InvalidTx::InsufficientFunds { needed, balance } => {
                write!(f, "insufficient funds: need {needed}, have {balance}")
            }
            InvalidTx::IntrinsicGasTooLow { intrinsic, limit } => {
                write!(f, "intrinsic gas {intrinsic} above gas limit {limit}")
            }
            InvalidTx::GasLimitAboveBlock { tx, block } => {
                write!(f, "gas limit {tx} above block gas limit {block}")
            }
            InvalidTx::GasPriceBelowBaseFee => f.write_str("max fee per gas below base fee"),
            InvalidTx::PriorityFeeAboveMaxFee => f.write_str("priority fee above max fee"),
            InvalidTx::SenderHasCode => f.write_str("sender has code (EIP-3607)"),
            InvalidTx::InitcodeTooLarge { size } => write!(f, "initcode of {size} bytes too large"),
            InvalidTx::CreateBlobTx => f.write_str("blob transaction cannot create"),
            InvalidTx::EmptyBlobs => f.write_str("blob transaction without blobs"),
            InvalidTx::TooManyBlobs => f.write_str("too many blobs"),
            InvalidTx::InvalidBlobVersion => f.write_str("blob hash with wrong version"),
            InvalidTx::BlobFeeTooLow => f.write_str("max fee per blob gas below blob base fee"),
            InvalidTx::BlockBlobGasExceeded => f.write_str("block blob gas exceeded"),
            InvalidTx::ChainIdMismatch => f.write_str("chain id mismatch"),
            InvalidTx::TypeNotSupported(t) => write!(f, "transaction type {t} not supported"),
            InvalidTx::EmptyAuthorizationList => f.write_str("empty authorization list"),
            InvalidTx::CreateSetCodeTx => f.write_str("set-code transaction cannot create"),
            InvalidTx::GasLimitAboveCap { tx, cap } => {
                write!(f, "gas limit {tx} above the transaction cap {cap}")
            }
            InvalidTx::Overflow => f.write_str("arithmetic overflow in fee or value"),
        }
    }
}

/// How an included transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxStatus {
    Success,
    Revert,
    /// An exceptional halt (out of gas, bad jump, stack error, ...): all gas is consumed.
    Halt(HaltReason),
}

/// Why a frame halted exceptionally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HaltReason {
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
    /// CREATE/CREATE2 with init code above the EIP-3860 limit.
    InitCodeSizeLimit,
    MemoryLimit,
    PrecompileFailure,
    CallDepth,
    OutOfFunds,
    NonceOverflow,
}

/// The receipt of one transaction of the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxReceipt {
    /// `Err` when the transaction was rejected: it changed nothing and used no block gas.
    pub result: Result<TxStatus, InvalidTx>,
    /// Gas charged to the sender (after refunds).
    pub gas_used: u64,
    /// The refund subtracted from the gas spent (after the EIP-3529 cap): observable, so the
    /// differential tests compare it.
    pub gas_refunded: u64,
    pub cumulative_gas_used: u64,
    pub logs: Vec<Log>,
    pub output: Bytes,
    pub created_address: Option<Address>,
}

/// The final state of one account the block touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDiff {
    pub address: Address,
    /// `None`: the account no longer exists (self-destructed, or empty and touched).
    pub info: Option<AccountInfo>,
    /// The code, when the block deployed it (its hash is `info.code_hash`).
    pub code: Option<Bytes>,
    /// The account's storage before the block no longer applies (destroyed or created anew).
    pub storage_cleared: bool,
    /// Slots whose value changed, with their final value, in the order the block first wrote
    /// them (fixed by execution, so the same block always gives the same list).
    pub storage: Vec<(U256, U256)>,
}

/// Everything the block changed, sorted by address.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StateDiff {
    pub accounts: Vec<AccountDiff>,
}

/// The outcome of a whole block.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BlockResult {
    pub receipts: Vec<TxReceipt>,
    pub gas_used: u64,
    pub blob_gas_used: u64,
    pub state_diff: StateDiff,
    /// Some frame halted because the arena had no room for its memory, calldata or
    /// returndata (`HaltReason::MemoryLimit`): a limit of this machine, not of Ethereum, so
    /// the result is not the block's. Stateless validation refuses to vouch for it.
    pub memory_limit_hit: bool,
}

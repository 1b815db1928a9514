//! A block folder as a stateless client gets it: `block.rlp` (the RLP block), `witness.json`
//! (a node's `debug_executionWitness` answer, every item 0x-hex) and `chain.json` (chain id,
//! deposit contract, fork schedule by timestamp with blob schedules) beside it or in a folder
//! above. The bytes are only read here; everything is checked in `os`.

use crate::hexjson::{self, FieldResult};
use serde_json::Value;
use std::path::{Path, PathBuf};
use zkos_os::chain::{Activation, ChainConfig, ForkActivation};
use zkos_os::stateless::ExecutionWitness;
use zkos_os::types::{BlobParams, SpecId};

/// The witness as loaded from JSON: owned bytes, lent to `os` through [`WitnessFile::lend`].
#[derive(Clone, Debug, Default)]
pub struct WitnessFile {
    /// Trie nodes.
    pub state: Vec<Vec<u8>>,
    /// Bytecodes.
    pub codes: Vec<Vec<u8>>,
    /// Addresses and slots touched (informational: validation needs no key list).
    pub keys: Vec<Vec<u8>>,
    /// RLP ancestor headers.
    pub headers: Vec<Vec<u8>>,
}

/// Slices into a [`WitnessFile`], the shape [`ExecutionWitness`] borrows.
pub struct WitnessSlices<'a> {
    state: Vec<&'a [u8]>,
    codes: Vec<&'a [u8]>,
    headers: Vec<&'a [u8]>,
}

impl WitnessSlices<'_> {
    /// The witness as `os` takes it.
    pub fn witness(&self) -> ExecutionWitness<'_> {
        ExecutionWitness {
            state: &self.state,
            codes: &self.codes,
            headers: &self.headers,
        }
    }
}

fn hex_items(json: &Value, field: &str) -> FieldResult<Vec<Vec<u8>>> {
    let Some(value) = hexjson::opt(json, field) else {
        return Ok(Vec::new());
    };
    hexjson::array(value, field)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let path = format!("{field}[{i}]");
            hexjson::decode_hex(hexjson::string(v, &path)?, &path)
        })
        .collect()
}

impl WitnessFile {
    /// Parses `debug_executionWitness` JSON: `state`, `codes`, `keys`, `headers`, each a list
    /// of 0x-hex strings (a missing list is empty).
    pub fn from_json(json: &Value) -> FieldResult<WitnessFile> {
        Ok(WitnessFile {
            state: hex_items(json, "state")?,
            codes: hex_items(json, "codes")?,
            keys: hex_items(json, "keys")?,
            headers: hex_items(json, "headers")?,
        })
    }

    /// The JSON form [`Self::from_json`] reads.
    pub fn to_json(&self) -> Value {
        let list = |items: &[Vec<u8>]| {
            Value::Array(
                items
                    .iter()
                    .map(|b| Value::String(format!("0x{}", alloy_primitives::hex::encode(b))))
                    .collect(),
            )
        };
        serde_json::json!({
            "state": list(&self.state),
            "codes": list(&self.codes),
            "keys": list(&self.keys),
            "headers": list(&self.headers),
        })
    }

    /// Borrows the items as slices.
    pub fn lend(&self) -> WitnessSlices<'_> {
        fn slices(items: &[Vec<u8>]) -> Vec<&[u8]> {
            items.iter().map(Vec::as_slice).collect()
        }
        WitnessSlices {
            state: slices(&self.state),
            codes: slices(&self.codes),
            headers: slices(&self.headers),
        }
    }
}

/// Parses `chain.json`: `chainId`, `depositContractAddress` and `forks`, a list of `{name,
/// timestamp | block, blobSchedule?}` with `blobSchedule` as `{target, max,
/// baseFeeUpdateFraction}`.
pub fn chain_from_json(json: &Value) -> FieldResult<ChainConfig> {
    let chain_id = hexjson::u64(hexjson::get(json, "chainId", "")?, "chainId")?;
    let deposit_contract = hexjson::address(
        hexjson::get(json, "depositContractAddress", "")?,
        "depositContractAddress",
    )?;
    let mut forks = Vec::new();
    for (i, fork) in hexjson::array(hexjson::get(json, "forks", "")?, "forks")?
        .iter()
        .enumerate()
    {
        let path = format!("forks[{i}]");
        let name = hexjson::string(hexjson::get(fork, "name", &path)?, &path)?;
        let spec = SpecId::from_name(name).ok_or_else(|| {
            hexjson::FieldError::new(
                &format!("{path}.name"),
                hexjson::ErrorKind::Invalid,
                format!("unknown fork {name:?}"),
            )
        })?;
        let at = match (hexjson::opt(fork, "timestamp"), hexjson::opt(fork, "block")) {
            (Some(t), None) => {
                Activation::Timestamp(hexjson::u64(t, &format!("{path}.timestamp"))?)
            }
            (None, Some(b)) => Activation::Block(hexjson::u64(b, &format!("{path}.block"))?),
            _ => {
                return Err(hexjson::FieldError::new(
                    &path,
                    hexjson::ErrorKind::Invalid,
                    "needs exactly one of timestamp and block",
                ))
            }
        };
        let blob_params = match hexjson::opt(fork, "blobSchedule") {
            None => None,
            Some(s) => {
                let p = format!("{path}.blobSchedule");
                let field = |k: &str| hexjson::u64(hexjson::get(s, k, &p)?, &format!("{p}.{k}"));
                Some(BlobParams {
                    target: field("target")?,
                    max: field("max")?,
                    update_fraction: field("baseFeeUpdateFraction")?,
                })
            }
        };
        forks.push(ForkActivation {
            spec,
            at,
            blob_params,
        });
    }
    Ok(ChainConfig {
        chain_id,
        deposit_contract,
        forks,
    })
}

/// A block folder's contents.
pub struct BlockDir {
    /// The folder.
    pub dir: PathBuf,
    /// `block.rlp`.
    pub block: Vec<u8>,
    /// `witness.json`.
    pub witness: WitnessFile,
    /// `chain.json` from the folder or the nearest folder above holding one.
    pub chain: ChainConfig,
}

/// Reads and parses a JSON file, naming it in any error.
fn read_json(path: &Path) -> Result<Value, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: invalid JSON: {e}", path.display()))
}

/// The nearest `chain.json` in `dir` or above it.
fn find_chain(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("chain.json"))
        .find(|p| p.is_file())
}

impl BlockDir {
    /// Validates the folder's block statelessly on the host, as the guest does: the x86 run
    /// every guest run is compared with.
    pub fn validate(
        &self,
    ) -> Result<zkos_os::stateless::BlockOutput, zkos_os::stateless::StatelessError> {
        let slices = self.witness.lend();
        zkos_os::stateless::validate_block(
            &mut zkos_os::bootloader::Bootloader::new(),
            &self.chain,
            &self.block,
            &slices.witness(),
        )
    }

    /// Loads a block folder; the error names the file and field that is wrong.
    pub fn load(dir: &Path) -> Result<BlockDir, String> {
        let block_path = dir.join("block.rlp");
        let block = std::fs::read(&block_path)
            .map_err(|e| format!("cannot read {}: {e}", block_path.display()))?;
        let witness_path = dir.join("witness.json");
        let witness = WitnessFile::from_json(&read_json(&witness_path)?)
            .map_err(|e| format!("{}: {e}", witness_path.display()))?;
        let chain_path = find_chain(dir)
            .ok_or_else(|| format!("no chain.json in {} or any folder above it", dir.display()))?;
        let chain = chain_from_json(&read_json(&chain_path)?)
            .map_err(|e| format!("{}: {e}", chain_path.display()))?;
        Ok(BlockDir {
            dir: dir.to_path_buf(),
            block,
            witness,
            chain,
        })
    }
}

//! The revmc-format fixtures of ../shared/bench-contracts (`<bench>/revmc/*.json`): state
//! tests without a post-state (env, pre, one transaction from 0x1111…11 to 0xcccc…cc). revmc
//! only asserts that they succeed, so that and the agreement of every engine is what a run
//! checks. Fibonacci, ERC-20 transfers, ten thousand hashes and Uniswap come from here.

use crate::workloads::call_to;
use crate::Workload;
use alloy_primitives::{Address, Bytes, U256};
use serde_json::Value;
use std::path::{Path, PathBuf};
use zkos_os::bootloader::validate::TX_GAS_LIMIT_CAP;
use zkos_os::oracle::GenesisAccount;
use zkos_os::types::SpecId;

/// Every revmc fixture below `root`, named `<bench>/revmc-<file stem>`, in name order.
pub fn workloads(root: &Path) -> Result<Vec<Workload>, String> {
    let mut out = Vec::new();
    for path in fixtures(root)? {
        let bench = path
            .parent()
            .and_then(Path::parent)
            .and_then(|p| p.strip_prefix(root).ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .ok_or_else(|| format!("{}: not below {}", path.display(), root.display()))?;
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let json: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let w = parse(&json, &bench).map_err(|e| format!("{}: {e}", path.display()))?;
        out.push(Workload {
            name: format!("{bench}/revmc-{stem}"),
            summary: format!("revmc fixture {bench}/{stem}"),
            ..w
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The `revmc/*.json` files one level below `root`'s benchmark folders.
fn fixtures(root: &Path) -> Result<Vec<PathBuf>, String> {
    let list = |dir: &Path| -> Result<Vec<PathBuf>, String> {
        let rd =
            std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        Ok(rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
    };
    let mut found = Vec::new();
    for bench in list(root)? {
        let dir = bench.join("revmc");
        if !dir.is_dir() {
            continue;
        }
        found.extend(
            list(&dir)?
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json")),
        );
    }
    found.sort();
    Ok(found)
}

/// revmc runs every fixture as Osaka except three (Cancun). Snailtracer needs 161M gas,
/// over Osaka's 2^24 cap on a transaction (revmc lifts the cap), so it runs as Prague.
fn spec_of(bench: &str) -> SpecId {
    match bench {
        "curve-stableswap" | "onchain-lm-v2" | "burntpix" => SpecId::Cancun,
        "snailtracer" => SpecId::Prague,
        _ => SpecId::Osaka,
    }
}

fn parse(json: &Value, bench: &str) -> Result<Workload, String> {
    let test = json
        .as_object()
        .and_then(|o| o.values().next())
        .ok_or("not an object of one test")?;
    let tx = test["transaction"]
        .as_array()
        .and_then(|t| t.first())
        .or_else(|| {
            test["transaction"]
                .as_object()
                .map(|_| &test["transaction"])
        })
        .ok_or("no transaction")?;
    let field = |v: &Value, k: &str| -> Result<String, String> {
        v[k].as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("missing {k}"))
    };
    let mut w = call_to(Vec::new());
    w.block.spec = spec_of(bench);
    let mut accounts = Vec::new();
    for (addr, acc) in test["pre"].as_object().ok_or("no pre")? {
        let storage = match acc["storage"].as_object() {
            Some(s) => s
                .iter()
                .map(|(k, v)| Ok((word(k)?, word(v.as_str().ok_or("storage value")?)?)))
                .collect::<Result<Vec<_>, String>>()?,
            None => Vec::new(),
        };
        accounts.push((
            address(addr)?,
            GenesisAccount {
                balance: word(&field(acc, "balance")?)?,
                nonce: word(&field(acc, "nonce")?)?.saturating_to(),
                code: bytes(&field(acc, "code")?)?,
                storage,
            },
        ));
    }
    w.accounts = accounts;
    w.tx.caller = address(&field(tx, "sender")?)?;
    w.tx.to = Some(address(&field(tx, "to")?)?);
    w.tx.data = bytes(&field(tx, "data")?)?;
    w.tx.value = word(&field(tx, "value")?)?;
    w.tx.nonce = word(&field(tx, "nonce")?)?.saturating_to();
    if w.block.spec >= SpecId::Osaka {
        // EIP-7825 caps a transaction's gas from Osaka on.
        w.tx.gas_limit = w.tx.gas_limit.min(TX_GAS_LIMIT_CAP);
    }
    Ok(w)
}

fn word(s: &str) -> Result<U256, String> {
    let h = s.strip_prefix("0x").unwrap_or(s);
    if h.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(h, 16).map_err(|e| format!("{s}: {e}"))
}

fn bytes(s: &str) -> Result<Bytes, String> {
    alloy_primitives::hex::decode(s)
        .map(Bytes::from)
        .map_err(|e| format!("{s}: {e}"))
}

fn address(s: &str) -> Result<Address, String> {
    s.parse().map_err(|e| format!("{s}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every revmc fixture of the shared folder succeeds on revm, the interpreter, the JIT
    /// and the tiered engine, and they all agree (the lab's smoke run of them).
    #[test]
    fn every_revmc_fixture_succeeds_and_agrees_on_every_engine() {
        let root = zkos_host::shared::bench_contracts_dir().unwrap_or_else(|e| panic!("{e}"));
        let all = workloads(&root).unwrap_or_else(|e| panic!("{e}"));
        for name in [
            "fibonacci/revmc-fibonacci-calldata",
            "erc20.transfer/revmc-erc20_transfer",
            "ten-thousand-hashes/revmc-hash_10k",
        ] {
            assert!(all.iter().any(|w| w.name == name), "{name} is missing");
        }
        let failures: Vec<String> = all
            .iter()
            .filter_map(|w| crate::verify(w).err().map(|m| m.to_string()))
            .collect();
        println!("{} revmc fixtures", all.len());
        assert!(failures.is_empty(), "{}", failures.join(""));
    }
}

//! Locates the shared data folder (`../shared` beside the project root), the one place the
//! large test data (the Ethereum state tests) lives; it is never copied into the repository.
//!
//! Every tool and test finds it through this module, so the rule "beside the project root"
//! is written once. `ZKOS_SHARED` overrides the location (e.g. for a copy elsewhere).

use std::path::{Path, PathBuf};

/// Environment variable that, when set, names the shared folder directly.
pub const SHARED_ENV: &str = "ZKOS_SHARED";

/// Whether `dir` holds the workspace's root manifest (a Cargo.toml with `[workspace]`).
fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .map(|text| text.lines().any(|line| line.trim() == "[workspace]"))
        .unwrap_or(false)
}

/// The first ancestor of `start` (itself included) that is the workspace root.
fn find_root_from(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| is_workspace_root(dir))
        .map(Path::to_path_buf)
}

/// The workspace root: searched upward from the running crate's `CARGO_MANIFEST_DIR` (set by
/// cargo for tests and `cargo run`), then from the current directory, then from where this
/// crate was built, so an installed binary run from inside the project still finds it.
pub fn workspace_root() -> Result<PathBuf, String> {
    let mut starts: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        starts.push(PathBuf::from(dir));
    }
    if let Ok(dir) = std::env::current_dir() {
        starts.push(dir);
    }
    starts.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    starts
        .iter()
        .find_map(|start| find_root_from(start))
        .ok_or_else(|| {
            "project root not found: no Cargo.toml with [workspace] above the current directory"
                .to_string()
        })
}

/// The shared data folder, or a message saying where it was expected.
pub fn shared_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os(SHARED_ENV) {
        let dir = PathBuf::from(dir);
        return if dir.is_dir() {
            Ok(dir)
        } else {
            Err(format!(
                "shared data folder not found: {SHARED_ENV} names {}, which is not a folder",
                dir.display()
            ))
        };
    }
    let root = workspace_root()?;
    let expected = root
        .parent()
        .map(|p| p.join("shared"))
        .unwrap_or_else(|| root.join("../shared"));
    if expected.is_dir() {
        Ok(expected)
    } else {
        Err(missing_message(&expected))
    }
}

/// The message for a missing shared folder, kept in one place so tests can match on it.
fn missing_message(expected: &Path) -> String {
    format!(
        "shared data folder not found: expected {} beside the project root; it holds ethtests/ \
         (the Ethereum GeneralStateTests); set {SHARED_ENV} to use another location",
        expected.display()
    )
}

/// The Ethereum tests folder inside the shared folder.
pub fn ethtests_dir() -> Result<PathBuf, String> {
    existing(shared_dir()?.join("ethtests"), "ethtests")
}

/// `dir` when it is a folder, else a message naming what was expected there.
fn existing(dir: PathBuf, what: &str) -> Result<PathBuf, String> {
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "{what} folder not found: expected {}",
            dir.display()
        ))
    }
}

/// The GeneralStateTests folder, the root that skip-list paths are relative to.
pub fn general_state_tests_dir() -> Result<PathBuf, String> {
    existing(
        ethtests_dir()?.join("GeneralStateTests"),
        "GeneralStateTests",
    )
}

/// The execution-spec-tests state tests (`eest/state_tests`: Prague, Osaka and the older
/// forks' EIPs refilled); skip-list paths below it start with `eest/`.
pub fn eest_state_tests_dir() -> Result<PathBuf, String> {
    existing(
        shared_dir()?.join("eest").join("state_tests"),
        "eest state_tests",
    )
}

/// The real mainnet blocks with their witnesses (`blocks/mainnet`: one folder per block and
/// `chain.json`).
pub fn mainnet_blocks_dir() -> Result<PathBuf, String> {
    existing(
        shared_dir()?.join("blocks").join("mainnet"),
        "blocks/mainnet",
    )
}

/// The public benchmark contracts (`bench-contracts`: one folder per benchmark, then one
/// per source; see its README and SOURCES.md).
pub fn bench_contracts_dir() -> Result<PathBuf, String> {
    existing(shared_dir()?.join("bench-contracts"), "bench-contracts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_workspace_root() {
        let root = workspace_root().unwrap();
        assert!(
            root.join("host").join("Cargo.toml").is_file(),
            "{}",
            root.display()
        );
    }

    #[test]
    fn missing_message_is_clear() {
        let msg = missing_message(Path::new("/x/shared"));
        assert!(msg.starts_with("shared data folder not found: expected /x/shared beside"));
        assert!(msg.contains("ethtests/"));
    }
}

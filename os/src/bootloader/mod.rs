//! The entry point: runs a block from the oracle. (Being written.)
use crate::oracle::Oracle;
use crate::types::BlockResult;

/// Runs blocks; keeps its arena and caches between them so no block re-allocates.
pub struct Bootloader {}

impl Default for Bootloader {
    fn default() -> Self {
        Self::new()
    }
}

impl Bootloader {
    /// A bootloader with a fresh arena.
    pub fn new() -> Self {
        Bootloader {}
    }

    /// Executes every transaction of the oracle's block.
    pub fn run_block<O: Oracle>(&mut self, oracle: &O) -> BlockResult {
        let _ = oracle;
        BlockResult::default()
    }
}

/// Runs one block with a one-off bootloader.
pub fn run_block<O: Oracle>(oracle: &O) -> BlockResult {
    Bootloader::new().run_block(oracle)
}

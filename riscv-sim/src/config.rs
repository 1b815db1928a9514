//! The memory map of the machine: ROM from address 0, RAM right above it.

use crate::LoadError;

/// The sizes of ROM and RAM. RAM starts where ROM ends, so the map is `0..rom_size` ROM and
/// `rom_size..rom_size + ram_size` RAM; every other address traps. The defaults are the map
/// ZKsync OS uses on Airbender (and `riscv-guest/link.x` follows): 2 MiB of ROM, RAM up to 1 GiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MachineConfig {
    /// Bytes of ROM: code and read-only data, and the initial image of `.data`.
    pub rom_size: u32,
    /// Bytes of RAM: zero at the start of a run, allocated only where touched.
    pub ram_size: u32,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            rom_size: 2 << 20,
            ram_size: (1 << 30) - (2 << 20),
        }
    }
}

impl MachineConfig {
    /// The first RAM address (the first address a store may write).
    pub fn ram_start(&self) -> u32 {
        self.rom_size
    }

    /// One past the last RAM address. Only meaningful for a config that passed
    /// [`validate`](Self::validate), which rules out overflow.
    pub fn ram_end(&self) -> u32 {
        self.rom_size.wrapping_add(self.ram_size)
    }

    /// Checks that the map is usable: both sizes non-zero multiples of 4 (so an aligned word
    /// never straddles the end of a region) and the whole map below 4 GiB.
    pub fn validate(&self) -> Result<(), LoadError> {
        let bad = |why: &str| Err(LoadError::Config(format!("{self:?}: {why}")));
        if self.rom_size == 0 || !self.rom_size.is_multiple_of(4) {
            return bad("rom_size must be a non-zero multiple of 4");
        }
        if self.ram_size == 0 || !self.ram_size.is_multiple_of(4) {
            return bad("ram_size must be a non-zero multiple of 4");
        }
        if self.rom_size.checked_add(self.ram_size).is_none() {
            return bad("ROM and RAM together must fit below 4 GiB");
        }
        Ok(())
    }
}

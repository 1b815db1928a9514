//! The machine's address space: one anonymous mapping covering ROM and RAM, so an address is
//! an index and a 1 GiB RAM costs only the pages a run touches (the kernel hands out zeroed
//! pages on first use).

use memmap2::MmapMut;

use crate::{LoadError, MachineConfig};

/// ROM followed by RAM, byte-addressed from 0.
pub struct Memory {
    map: MmapMut,
    rom_size: u32,
}

impl Memory {
    /// Maps `config`'s address space and copies `rom_image` to address 0.
    pub(crate) fn new(config: &MachineConfig, rom_image: &[u8]) -> Result<Memory, LoadError> {
        config.validate()?;
        if rom_image.len() > config.rom_size as usize {
            return Err(LoadError::ImageTooLarge {
                len: rom_image.len(),
                rom_size: config.rom_size,
            });
        }
        let mut map = MmapMut::map_anon(config.ram_end() as usize).map_err(LoadError::Memory)?;
        map[..rom_image.len()].copy_from_slice(rom_image);
        Ok(Memory {
            map,
            rom_size: config.rom_size,
        })
    }

    /// The whole address space, for the run loop and for observers.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// The whole address space, writable (the run loop enforces that ROM is not written).
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.map
    }

    /// Where RAM starts.
    pub fn rom_size(&self) -> u32 {
        self.rom_size
    }
}

/// Read access to a machine's memory, given to observers during a run and available after it.
/// Every read checks bounds and returns `None` outside ROM and RAM; alignment is not required.
#[derive(Clone, Copy)]
pub struct MemoryView<'a> {
    bytes: &'a [u8],
    rom_size: u32,
}

impl<'a> MemoryView<'a> {
    pub(crate) fn new(bytes: &'a [u8], rom_size: u32) -> Self {
        MemoryView { bytes, rom_size }
    }

    /// `len` bytes from `addr`, if they all lie in ROM or RAM.
    pub fn bytes(&self, addr: u32, len: usize) -> Option<&'a [u8]> {
        let start = addr as usize;
        self.bytes.get(start..start.checked_add(len)?)
    }

    /// The byte at `addr`.
    pub fn read_u8(&self, addr: u32) -> Option<u8> {
        self.bytes.get(addr as usize).copied()
    }

    /// The little-endian halfword at `addr`.
    pub fn read_u16(&self, addr: u32) -> Option<u16> {
        Some(u16::from_le_bytes(*self.array::<2>(addr)?))
    }

    /// The little-endian word at `addr` (e.g. the instruction word at a pc).
    pub fn read_u32(&self, addr: u32) -> Option<u32> {
        Some(u32::from_le_bytes(*self.array::<4>(addr)?))
    }

    /// Where RAM starts (ROM is below).
    pub fn rom_size(&self) -> u32 {
        self.rom_size
    }

    /// One past the last RAM address.
    pub fn end(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn array<const N: usize>(&self, addr: u32) -> Option<&'a [u8; N]> {
        self.bytes.get(addr as usize..)?.first_chunk::<N>()
    }
}

//! ELF32 loading: the loadable segments flattened into a ROM image, as Airbender's flat binary
//! (`objcopy -O binary`) would be. Segments are placed at their load (physical) address, which
//! must lie in ROM; a segment that runs elsewhere (`.data`, in RAM) is copied there by the
//! program's own entry code, which the simulator does not do for it. Zero-fill (`.bss`) needs
//! nothing: RAM starts zeroed.

use crate::{LoadError, MachineConfig};

const PT_LOAD: u32 = 1;
const PF_W: u32 = 2;
const EM_RISCV: u16 = 243;
const ET_EXEC: u16 = 2;
const EF_RISCV_RVC: u32 = 1;
const PHDR_SIZE: usize = 32;

/// One loadable segment's header fields.
struct Segment {
    index: usize,
    offset: u32,
    vaddr: u32,
    paddr: u32,
    filesz: u32,
    memsz: u32,
    flags: u32,
}

/// The ROM image of `elf` for a machine with `config`, after checking everything the machine
/// model requires of it (RV32 little-endian executable, no C extension, entry at 0, file bytes
/// only in ROM, run-time addresses inside the map, no writable segment in ROM).
pub(crate) fn rom_image(config: &MachineConfig, elf: &[u8]) -> Result<Vec<u8>, LoadError> {
    config.validate()?;
    let bad = |msg: &str| LoadError::BadElf(msg.to_string());
    if elf.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err(bad("no ELF magic"));
    }
    if elf.len() < 52 {
        return Err(bad("truncated ELF header"));
    }
    if elf[4] != 1 {
        return Err(bad("not a 32-bit ELF (EI_CLASS is not ELFCLASS32)"));
    }
    if elf[5] != 1 {
        return Err(bad("not little-endian (EI_DATA is not ELFDATA2LSB)"));
    }
    let e_type = u16_at(elf, 16).ok_or_else(|| bad("truncated ELF header"))?;
    let machine = u16_at(elf, 18).ok_or_else(|| bad("truncated ELF header"))?;
    if machine != EM_RISCV {
        return Err(LoadError::BadElf(format!(
            "e_machine is {machine}, not RISC-V ({EM_RISCV})"
        )));
    }
    if e_type != ET_EXEC {
        return Err(LoadError::BadElf(format!(
            "e_type is {e_type}, not an executable (ET_EXEC); link the program"
        )));
    }
    let field = |at| u32_at(elf, at).ok_or_else(|| bad("truncated ELF header"));
    let entry = field(24)?;
    let phoff = field(28)? as usize;
    let flags = field(36)?;
    if flags & EF_RISCV_RVC != 0 {
        return Err(bad(
            "built for the C extension (EF_RISCV_RVC): the machine runs RV32IM only",
        ));
    }
    let phentsize = usize::from(u16_at(elf, 42).ok_or_else(|| bad("truncated ELF header"))?);
    let phnum = usize::from(u16_at(elf, 44).ok_or_else(|| bad("truncated ELF header"))?);
    if entry != 0 {
        return Err(LoadError::EntryNotZero(entry));
    }
    if phnum > 0 && phentsize != PHDR_SIZE {
        return Err(LoadError::BadElf(format!(
            "program header size {phentsize}, not {PHDR_SIZE}"
        )));
    }

    let mut segments = Vec::new();
    for index in 0..phnum {
        let at = phoff
            .checked_add(index * PHDR_SIZE)
            .ok_or_else(|| bad("program header table out of range"))?;
        let ph = |off: usize| {
            at.checked_add(off)
                .and_then(|at| u32_at(elf, at))
                .ok_or_else(|| bad("program header table extends past the end of the file"))
        };
        if ph(0)? != PT_LOAD {
            continue;
        }
        let seg = Segment {
            index,
            offset: ph(4)?,
            vaddr: ph(8)?,
            paddr: ph(12)?,
            filesz: ph(16)?,
            memsz: ph(20)?,
            flags: ph(24)?,
        };
        check_segment(config, elf.len(), &seg)?;
        segments.push(seg);
    }

    let mut placed: Vec<&Segment> = segments.iter().filter(|s| s.filesz > 0).collect();
    placed.sort_by_key(|s| s.paddr);
    for pair in placed.windows(2) {
        if u64::from(pair[0].paddr) + u64::from(pair[0].filesz) > u64::from(pair[1].paddr) {
            return Err(LoadError::OverlappingSegments {
                first: pair[0].index,
                second: pair[1].index,
            });
        }
    }
    let len = placed
        .iter()
        .map(|s| (s.paddr + s.filesz) as usize)
        .max()
        .unwrap_or(0);
    let mut image = vec![0u8; len.next_multiple_of(4)];
    for s in placed {
        let (start, n) = (s.offset as usize, s.filesz as usize);
        let src = elf
            .get(start..start + n)
            .ok_or_else(|| bad("segment data extends past the end of the file"))?;
        image[s.paddr as usize..s.paddr as usize + n].copy_from_slice(src);
    }
    Ok(image)
}

/// The per-segment rules of the machine model (see [`rom_image`]).
fn check_segment(config: &MachineConfig, file_len: usize, s: &Segment) -> Result<(), LoadError> {
    if s.filesz > s.memsz {
        return Err(LoadError::BadElf(format!(
            "segment {} has p_filesz {} > p_memsz {}",
            s.index, s.filesz, s.memsz
        )));
    }
    if u64::from(s.offset) + u64::from(s.filesz) > file_len as u64 {
        return Err(LoadError::BadElf(format!(
            "segment {} data extends past the end of the file",
            s.index
        )));
    }
    if s.filesz > 0 && u64::from(s.paddr) + u64::from(s.filesz) > u64::from(config.rom_size) {
        return Err(LoadError::SegmentOutsideRom {
            index: s.index,
            paddr: s.paddr,
            filesz: s.filesz,
        });
    }
    if u64::from(s.vaddr) + u64::from(s.memsz) > u64::from(config.ram_end()) {
        return Err(LoadError::SegmentOutsideMemory {
            index: s.index,
            vaddr: s.vaddr,
            memsz: s.memsz,
        });
    }
    if s.flags & PF_W != 0 && s.memsz > 0 && s.vaddr < config.rom_size {
        return Err(LoadError::WritableSegmentInRom {
            index: s.index,
            vaddr: s.vaddr,
        });
    }
    Ok(())
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(*bytes.get(at..)?.first_chunk::<2>()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(*bytes.get(at..)?.first_chunk::<4>()?))
}

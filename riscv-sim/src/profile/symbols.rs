//! Names for addresses: the ELF's function symbols, and the DWARF line tables' inlined frames
//! (addr2line), demangled.

use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};
use std::borrow::Cow;
use std::rc::Rc;

type Reader = gimli::EndianRcSlice<gimli::RunTimeEndian>;

/// Resolves a pc to its frames, outermost (the function the code belongs to) first, innermost
/// (the inlined function whose code it is) last.
pub(crate) struct Symbolizer {
    /// Function symbols: start, end (exclusive), demangled name; sorted by start.
    symbols: Vec<(u32, u32, String)>,
    dwarf: Option<addr2line::Context<Reader>>,
}

/// A Rust or C name as a profile shows it: demangled, without the hash suffix, and without
/// `;` (the folded-stacks separator; `[u8; 32]` reads `[u8, 32]`).
pub(crate) fn display_name(raw: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(raw)).replace(';', ",")
}

impl Symbolizer {
    /// Reads the symbol table and, when present, the DWARF sections of `elf`.
    pub(crate) fn new(elf: &[u8]) -> Result<Symbolizer, String> {
        let file = object::File::parse(elf).map_err(|e| format!("cannot parse the ELF: {e}"))?;
        // Functions, and untyped global labels of assembly (the entry, `_start`).
        let mut symbols: Vec<(u32, u32, String)> = file
            .symbols()
            .filter(|s| s.is_definition() || s.kind() == SymbolKind::Unknown)
            .filter(|s| {
                s.kind() == SymbolKind::Text || (s.kind() == SymbolKind::Unknown && s.is_global())
            })
            .filter(|s| s.address() < u32::MAX as u64 && !s.is_undefined())
            .filter_map(|s| {
                let name = s.name().ok()?;
                let start = s.address() as u32;
                let end = start.saturating_add(s.size() as u32);
                Some((start, end, display_name(name)))
            })
            .collect();
        symbols.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
        symbols.dedup_by_key(|s| s.0);
        // A label without a size reaches to the next symbol.
        for i in 0..symbols.len() {
            if symbols[i].1 == symbols[i].0 {
                let next = symbols.get(i + 1).map_or(symbols[i].0 + 4, |s| s.0);
                symbols[i].1 = next;
            }
        }
        let load = |id: gimli::SectionId| -> Result<Reader, gimli::Error> {
            let data = file
                .section_by_name(id.name())
                .and_then(|s| s.uncompressed_data().ok())
                .unwrap_or(Cow::Borrowed(&[]));
            Ok(gimli::EndianRcSlice::new(
                Rc::from(&*data),
                gimli::RunTimeEndian::Little,
            ))
        };
        let has_dwarf = file.section_by_name(".debug_info").is_some();
        let dwarf = if has_dwarf {
            let sections =
                gimli::Dwarf::load(load).map_err(|e| format!("cannot read the DWARF: {e}"))?;
            Some(
                addr2line::Context::from_dwarf(sections)
                    .map_err(|e| format!("cannot index the DWARF: {e}"))?,
            )
        } else {
            None
        };
        Ok(Symbolizer { symbols, dwarf })
    }

    /// A symbolizer of just `symbols` (start, end exclusive, name), without DWARF.
    pub(crate) fn from_symbols(symbols: &[(u32, u32, &str)]) -> Symbolizer {
        let mut symbols: Vec<(u32, u32, String)> = symbols
            .iter()
            .map(|&(a, b, n)| (a, b, n.to_string()))
            .collect();
        symbols.sort_by_key(|s| s.0);
        Symbolizer {
            symbols,
            dwarf: None,
        }
    }

    /// The function symbol containing `pc`.
    pub(crate) fn symbol(&self, pc: u32) -> Option<&str> {
        let i = self.symbols.partition_point(|s| s.0 <= pc).checked_sub(1)?;
        let (start, end, name) = &self.symbols[i];
        (*start <= pc && pc < *end).then_some(name.as_str())
    }

    /// The frames of `pc`, outermost first; never empty (`0x…` when nothing names it).
    pub(crate) fn frames(&self, pc: u32) -> Vec<String> {
        let mut frames = Vec::new();
        if let Some(ctx) = &self.dwarf {
            if let Ok(mut iter) = ctx.find_frames(pc as u64).skip_all_loads() {
                while let Ok(Some(frame)) = iter.next() {
                    if let Some(Ok(name)) = frame.function.as_ref().map(|f| f.raw_name()) {
                        frames.push(display_name(&name));
                    }
                }
            }
        }
        frames.reverse();
        if frames.is_empty() {
            frames.push(match self.symbol(pc) {
                Some(name) => name.to_string(),
                None => format!("{pc:#x}"),
            });
        }
        frames
    }
}

//! A tiny EVM assembler, so examples, tests and benchmarks can carry readable contract source
//! instead of opaque hex.
//!
//! # Syntax
//!
//! One instruction per line; `;` starts a comment; mnemonics are case-insensitive.
//!
//! - Any opcode through Osaka by name (`CLZ` included): `ADD`, `SSTORE`, `MCOPY`, `TLOAD`, `BLOBHASH`, `LOG3`, `DUP16`,
//!   ... (aliases `SHA3` = `KECCAK256`, `DIFFICULTY` = `PREVRANDAO`).
//! - `PUSH1 0x01` .. `PUSH32 ...`: the value (hex `0x..` or decimal) must fit the width; it is
//!   left-padded with zeros.
//! - `PUSH <value>`: the smallest `PUSH1..PUSH32` that holds the value. Zero becomes
//!   `PUSH1 0x00`, not `PUSH0`, so the code also runs before Shanghai; write `PUSH0` to get it.
//! - `@name:` defines a label at the current offset (emits nothing); `JUMPDEST @name` emits a
//!   `JUMPDEST` and defines the label at it.
//! - `PUSH @name` pushes the label's offset as a 2-byte `PUSH2` (fixed width, so offsets never
//!   depend on label values); `PUSHn @name` with an explicit width works too.
//! - `.object name` starts a new code object (e.g. the runtime code after the constructor):
//!   labels defined after it count from the object's own start, because that is where the
//!   code will sit once deployed. `@name.start` is the absolute offset of the object in the
//!   output and `@name.size` its length in bytes, for the constructor's `CODECOPY`.
//! - `DATA 0x...` emits raw bytes.
//!
//! Errors name the 1-based line, so hand-written sources stay debuggable.

use alloy_primitives::U256;
use std::collections::HashMap;

/// Mnemonics of every opcode up to Osaka with fixed encodings (the pushes, dups, swaps and
/// logs are derived from their number instead of being listed).
const OPCODES: &[(&str, u8)] = &[
    ("STOP", 0x00),
    ("ADD", 0x01),
    ("MUL", 0x02),
    ("SUB", 0x03),
    ("DIV", 0x04),
    ("SDIV", 0x05),
    ("MOD", 0x06),
    ("SMOD", 0x07),
    ("ADDMOD", 0x08),
    ("MULMOD", 0x09),
    ("EXP", 0x0a),
    ("SIGNEXTEND", 0x0b),
    ("LT", 0x10),
    ("GT", 0x11),
    ("SLT", 0x12),
    ("SGT", 0x13),
    ("EQ", 0x14),
    ("ISZERO", 0x15),
    ("AND", 0x16),
    ("OR", 0x17),
    ("XOR", 0x18),
    ("NOT", 0x19),
    ("BYTE", 0x1a),
    ("SHL", 0x1b),
    ("SHR", 0x1c),
    ("SAR", 0x1d),
    ("CLZ", 0x1e),
    ("KECCAK256", 0x20),
    ("SHA3", 0x20),
    ("ADDRESS", 0x30),
    ("BALANCE", 0x31),
    ("ORIGIN", 0x32),
    ("CALLER", 0x33),
    ("CALLVALUE", 0x34),
    ("CALLDATALOAD", 0x35),
    ("CALLDATASIZE", 0x36),
    ("CALLDATACOPY", 0x37),
    ("CODESIZE", 0x38),
    ("CODECOPY", 0x39),
    ("GASPRICE", 0x3a),
    ("EXTCODESIZE", 0x3b),
    ("EXTCODECOPY", 0x3c),
    ("RETURNDATASIZE", 0x3d),
    ("RETURNDATACOPY", 0x3e),
    ("EXTCODEHASH", 0x3f),
    ("BLOCKHASH", 0x40),
    ("COINBASE", 0x41),
    ("TIMESTAMP", 0x42),
    ("NUMBER", 0x43),
    ("PREVRANDAO", 0x44),
    ("DIFFICULTY", 0x44),
    ("GASLIMIT", 0x45),
    ("CHAINID", 0x46),
    ("SELFBALANCE", 0x47),
    ("BASEFEE", 0x48),
    ("BLOBHASH", 0x49),
    ("BLOBBASEFEE", 0x4a),
    ("POP", 0x50),
    ("MLOAD", 0x51),
    ("MSTORE", 0x52),
    ("MSTORE8", 0x53),
    ("SLOAD", 0x54),
    ("SSTORE", 0x55),
    ("JUMP", 0x56),
    ("JUMPI", 0x57),
    ("PC", 0x58),
    ("MSIZE", 0x59),
    ("GAS", 0x5a),
    ("JUMPDEST", 0x5b),
    ("TLOAD", 0x5c),
    ("TSTORE", 0x5d),
    ("MCOPY", 0x5e),
    ("PUSH0", 0x5f),
    ("CREATE", 0xf0),
    ("CALL", 0xf1),
    ("CALLCODE", 0xf2),
    ("RETURN", 0xf3),
    ("DELEGATECALL", 0xf4),
    ("CREATE2", 0xf5),
    ("STATICCALL", 0xfa),
    ("REVERT", 0xfd),
    ("INVALID", 0xfe),
    ("SELFDESTRUCT", 0xff),
];

/// The opcode of a mnemonic without immediate (everything except `PUSH1..PUSH32`).
fn simple_opcode(name: &str) -> Option<u8> {
    if let Some(&(_, op)) = OPCODES.iter().find(|(n, _)| *n == name) {
        return Some(op);
    }
    let numbered = |prefix: &str, base: u8, max: u8| -> Option<u8> {
        let n: u8 = name.strip_prefix(prefix)?.parse().ok()?;
        (1..=max).contains(&n).then(|| base + n - 1)
    };
    numbered("DUP", 0x80, 16)
        .or_else(|| numbered("SWAP", 0x90, 16))
        .or_else(|| {
            name.strip_prefix("LOG")?
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= 4)
                .map(|n| 0xa0 + n)
        })
}

/// The width of `PUSH1..PUSH32`, `None` for anything else.
fn push_width(name: &str) -> Option<usize> {
    let n: usize = name.strip_prefix("PUSH")?.parse().ok()?;
    (1..=32).contains(&n).then_some(n)
}

/// What a push argument refers to once all offsets are known.
#[derive(Debug, Clone)]
enum Ref {
    Label(String),
    ObjectStart(String),
    ObjectSize(String),
}

/// One line's output, sized in the first pass and emitted in the second.
#[derive(Debug)]
enum Item {
    Bytes(Vec<u8>),
    PushRef {
        width: usize,
        target: Ref,
        line: usize,
    },
}

impl Item {
    fn len(&self) -> usize {
        match self {
            Item::Bytes(b) => b.len(),
            Item::PushRef { width, .. } => 1 + width,
        }
    }
}

/// Parses a numeric literal (`0x..` hex or decimal) into a 256-bit value.
fn parse_number(text: &str) -> Result<U256, String> {
    let parsed = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        if hex.is_empty() {
            return Err(format!("empty hex number {text:?}"));
        }
        U256::from_str_radix(hex, 16)
    } else {
        U256::from_str_radix(text, 10)
    };
    parsed.map_err(|_| format!("invalid number {text:?}"))
}

/// Big-endian bytes of `value`, in exactly `width` bytes, or an error when it does not fit.
fn be_bytes(value: U256, width: usize) -> Option<Vec<u8>> {
    let bytes = value.to_be_bytes::<32>();
    let (high, low) = bytes.split_at(32 - width);
    high.iter().all(|b| *b == 0).then(|| low.to_vec())
}

/// A valid label or object name: letters, digits and `_`, not starting with a digit.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses the text after `@` in a push argument.
fn parse_ref(text: &str) -> Result<Ref, String> {
    let (name, suffix) = match text.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (text, None),
    };
    if !valid_name(name) {
        return Err(format!("invalid label name {name:?}"));
    }
    match suffix {
        None => Ok(Ref::Label(name.to_string())),
        Some("start") => Ok(Ref::ObjectStart(name.to_string())),
        Some("size") => Ok(Ref::ObjectSize(name.to_string())),
        Some(other) => Err(format!(
            "unknown label suffix .{other} (expected .start or .size)"
        )),
    }
}

/// Parses a hex byte string for `DATA`.
fn parse_hex_bytes(text: &str) -> Result<Vec<u8>, String> {
    let hex = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("DATA expects 0x-prefixed hex, got {text:?}"))?;
    if !hex.len().is_multiple_of(2) {
        return Err(format!("DATA hex {text:?} has an odd number of digits"));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("invalid hex {text:?}"))
        })
        .collect()
}

/// Where an object begins and ends in the output.
#[derive(Debug, Clone, Copy)]
struct Object {
    start: usize,
    end: usize,
}

/// Assembles `source` into bytecode. Errors read `line N: ...`.
pub fn assemble(source: &str) -> Result<Vec<u8>, String> {
    let mut items: Vec<Item> = Vec::new();
    let mut labels: HashMap<String, usize> = HashMap::new();
    let mut objects: HashMap<String, Object> = HashMap::new();
    let mut current_object: Option<String> = None;
    let mut offset = 0usize;
    let mut object_base = 0usize;

    for (index, raw) in source.lines().enumerate() {
        let line = index + 1;
        let err = |msg: String| format!("line {line}: {msg}");
        let text = raw.split(';').next().unwrap_or("").trim();
        if text.is_empty() {
            continue;
        }
        let mut parts = text.split_whitespace();
        let head = parts.next().unwrap_or("");
        let arg = parts.next();
        if let Some(extra) = parts.next() {
            return Err(err(format!("unexpected {extra:?} after the instruction")));
        }

        let mut define = |name: &str, at: usize| -> Result<(), String> {
            if !valid_name(name) {
                return Err(err(format!("invalid label name {name:?}")));
            }
            if labels.insert(name.to_string(), at - object_base).is_some() {
                return Err(err(format!("label @{name} defined twice")));
            }
            Ok(())
        };

        if let Some(label) = head.strip_prefix('@') {
            let name = label
                .strip_suffix(':')
                .ok_or_else(|| err(format!("label definition {head:?} must end with ':'")))?;
            if arg.is_some() {
                return Err(err("nothing may follow a label definition".into()));
            }
            define(name, offset)?;
            continue;
        }

        if head == ".object" {
            let name = arg.ok_or_else(|| err(".object needs a name".into()))?;
            if !valid_name(name) {
                return Err(err(format!("invalid object name {name:?}")));
            }
            if objects.contains_key(name) {
                return Err(err(format!("object {name} defined twice")));
            }
            if let Some(prev) = current_object.take() {
                if let Some(obj) = objects.get_mut(&prev) {
                    obj.end = offset;
                }
            }
            objects.insert(
                name.to_string(),
                Object {
                    start: offset,
                    end: offset,
                },
            );
            current_object = Some(name.to_string());
            object_base = offset;
            continue;
        }

        let mnemonic = head.to_ascii_uppercase();
        let item = if mnemonic == "DATA" {
            let hex = arg.ok_or_else(|| err("DATA needs 0x-prefixed hex bytes".into()))?;
            Item::Bytes(parse_hex_bytes(hex).map_err(err)?)
        } else if mnemonic == "JUMPDEST" {
            if let Some(a) = arg {
                let name = a
                    .strip_prefix('@')
                    .ok_or_else(|| err(format!("JUMPDEST takes a label @name, got {a:?}")))?;
                define(name, offset)?;
            }
            Item::Bytes(vec![0x5b])
        } else if mnemonic == "PUSH" || push_width(&mnemonic).is_some() {
            let fixed = push_width(&mnemonic);
            let a = arg.ok_or_else(|| err(format!("{mnemonic} needs a value")))?;
            if let Some(target) = a.strip_prefix('@') {
                let target = parse_ref(target).map_err(err)?;
                Item::PushRef {
                    width: fixed.unwrap_or(2),
                    target,
                    line,
                }
            } else {
                let value = parse_number(a).map_err(err)?;
                let width = match fixed {
                    Some(w) => w,
                    None => (value.bit_len().div_ceil(8)).max(1),
                };
                let mut bytes = be_bytes(value, width)
                    .ok_or_else(|| err(format!("value {a} does not fit in {width} bytes")))?;
                bytes.insert(0, 0x5f + width as u8);
                Item::Bytes(bytes)
            }
        } else if let Some(op) = simple_opcode(&mnemonic) {
            if let Some(a) = arg {
                return Err(err(format!("{mnemonic} takes no argument, got {a:?}")));
            }
            Item::Bytes(vec![op])
        } else {
            return Err(err(format!("unknown instruction {head:?}")));
        };
        offset += item.len();
        items.push(item);
    }
    if let Some(obj) = current_object.and_then(|name| objects.get_mut(&name)) {
        obj.end = offset;
    }

    let mut code = Vec::with_capacity(offset);
    for item in items {
        match item {
            Item::Bytes(b) => code.extend_from_slice(&b),
            Item::PushRef {
                width,
                target,
                line,
            } => {
                let object = |name: &str| {
                    objects
                        .get(name)
                        .copied()
                        .ok_or_else(|| format!("line {line}: unknown object {name:?}"))
                };
                let value = match &target {
                    Ref::Label(name) => *labels
                        .get(name)
                        .ok_or_else(|| format!("line {line}: unknown label @{name}"))?,
                    Ref::ObjectStart(name) => object(name)?.start,
                    Ref::ObjectSize(name) => {
                        let o = object(name)?;
                        o.end - o.start
                    }
                };
                let bytes = be_bytes(U256::from(value), width).ok_or_else(|| {
                    format!("line {line}: value {value} does not fit in {width} bytes")
                })?;
                code.push(0x5f + width as u8);
                code.extend_from_slice(&bytes);
            }
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_program() {
        let code = assemble("PUSH1 0x01\nPUSH1 0x01\nADD ; sum\nPUSH0\nSSTORE\nSTOP").unwrap();
        assert_eq!(code, vec![0x60, 1, 0x60, 1, 0x01, 0x5f, 0x55, 0x00]);
    }

    #[test]
    fn smallest_push() {
        assert_eq!(assemble("PUSH 0").unwrap(), vec![0x60, 0]);
        assert_eq!(assemble("PUSH 0xff").unwrap(), vec![0x60, 0xff]);
        assert_eq!(assemble("PUSH 256").unwrap(), vec![0x61, 1, 0]);
        assert_eq!(assemble("PUSH 0x1234").unwrap(), vec![0x61, 0x12, 0x34]);
        let max = format!("PUSH 0x{}", "ff".repeat(32));
        let code = assemble(&max).unwrap();
        assert_eq!(code.len(), 33);
        assert_eq!(code[0], 0x7f);
    }

    #[test]
    fn fixed_width_pads() {
        assert_eq!(assemble("PUSH4 0x01").unwrap(), vec![0x63, 0, 0, 0, 1]);
        let err = assemble("PUSH1 0x0100").unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
    }

    #[test]
    fn labels_forward_and_back() {
        let src = "
            PUSH @end      ; forward reference
            JUMP
            JUMPDEST @loop
            PUSH @loop
            JUMP
            JUMPDEST @end
            STOP";
        let code = assemble(src).unwrap();
        assert_eq!(
            code,
            vec![0x61, 0, 9, 0x56, 0x5b, 0x61, 0, 4, 0x56, 0x5b, 0x00]
        );
    }

    #[test]
    fn objects_restart_offsets() {
        let src = "
            PUSH @runtime.size
            PUSH @runtime.start
            PUSH0
            CODECOPY
            .object runtime
            JUMPDEST @top
            PUSH @top
            JUMP";
        let code = assemble(src).unwrap();
        // constructor: 3 + 3 + 1 + 1 = 8 bytes; runtime: 1 + 3 + 1 = 5 bytes.
        assert_eq!(&code[..8], &[0x61, 0, 5, 0x61, 0, 8, 0x5f, 0x39]);
        assert_eq!(&code[8..], &[0x5b, 0x61, 0, 0, 0x56]);
    }

    #[test]
    fn every_family() {
        let code = assemble("DUP1\nDUP16\nSWAP1\nSWAP16\nLOG0\nLOG4\nMCOPY\nTLOAD\nTSTORE\nBLOBHASH\nBLOBBASEFEE\nsha3\nPUSH32 0x01").unwrap();
        assert_eq!(
            &code[..12],
            &[0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xa4, 0x5e, 0x5c, 0x5d, 0x49, 0x4a, 0x20]
        );
        assert_eq!(code[12], 0x7f);
        assert_eq!(code.len(), 12 + 33);
    }

    #[test]
    fn data_directive() {
        assert_eq!(
            assemble("DATA 0xdeadbeef").unwrap(),
            vec![0xde, 0xad, 0xbe, 0xef]
        );
        assert!(assemble("DATA 0xabc").unwrap_err().contains("odd"));
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("ADD\nFOO", "line 2: unknown instruction"),
            ("PUSH1", "line 1: PUSH1 needs a value"),
            ("PUSH1 0xzz", "line 1: invalid number"),
            ("ADD 1", "line 1: ADD takes no argument"),
            ("\n\nPUSH @nowhere", "line 3: unknown label @nowhere"),
            ("JUMPDEST @a\nJUMPDEST @a", "line 2: label @a defined twice"),
            ("DUP17", "line 1: unknown instruction"),
            ("LOG5", "line 1: unknown instruction"),
            ("PUSH33 0x01", "line 1: unknown instruction"),
            ("PUSH1 @x.bad", "line 1: unknown label suffix"),
        ];
        for (src, expected) in cases {
            let err = assemble(src).unwrap_err();
            assert!(err.starts_with(expected), "{src:?}: {err}");
        }
    }
}

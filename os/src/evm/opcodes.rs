//! Opcode numbers and the per-fork table of static gas and stack effects, so the dispatch
//! loop checks stack bounds and charges static gas with one lookup per instruction.

use super::gas;
use crate::types::SpecId;

macro_rules! opcodes {
    ($($name:ident = $val:expr),* $(,)?) => { $(#[allow(missing_docs)] pub const $name: u8 = $val;)* };
}

opcodes! {
    STOP = 0x00, ADD = 0x01, MUL = 0x02, SUB = 0x03, DIV = 0x04, SDIV = 0x05, MOD = 0x06,
    SMOD = 0x07, ADDMOD = 0x08, MULMOD = 0x09, EXP = 0x0a, SIGNEXTEND = 0x0b,
    LT = 0x10, GT = 0x11, SLT = 0x12, SGT = 0x13, EQ = 0x14, ISZERO = 0x15, AND = 0x16,
    OR = 0x17, XOR = 0x18, NOT = 0x19, BYTE = 0x1a, SHL = 0x1b, SHR = 0x1c, SAR = 0x1d,
    CLZ = 0x1e,
    KECCAK256 = 0x20,
    ADDRESS = 0x30, BALANCE = 0x31, ORIGIN = 0x32, CALLER = 0x33, CALLVALUE = 0x34,
    CALLDATALOAD = 0x35, CALLDATASIZE = 0x36, CALLDATACOPY = 0x37, CODESIZE = 0x38,
    CODECOPY = 0x39, GASPRICE = 0x3a, EXTCODESIZE = 0x3b, EXTCODECOPY = 0x3c,
    RETURNDATASIZE = 0x3d, RETURNDATACOPY = 0x3e, EXTCODEHASH = 0x3f,
    BLOCKHASH = 0x40, COINBASE = 0x41, TIMESTAMP = 0x42, NUMBER = 0x43, DIFFICULTY = 0x44,
    GASLIMIT = 0x45, CHAINID = 0x46, SELFBALANCE = 0x47, BASEFEE = 0x48, BLOBHASH = 0x49,
    BLOBBASEFEE = 0x4a,
    POP = 0x50, MLOAD = 0x51, MSTORE = 0x52, MSTORE8 = 0x53, SLOAD = 0x54, SSTORE = 0x55,
    JUMP = 0x56, JUMPI = 0x57, PC = 0x58, MSIZE = 0x59, GAS = 0x5a, JUMPDEST = 0x5b,
    TLOAD = 0x5c, TSTORE = 0x5d, MCOPY = 0x5e, PUSH0 = 0x5f, PUSH1 = 0x60, PUSH32 = 0x7f,
    DUP1 = 0x80, DUP16 = 0x8f, SWAP1 = 0x90, SWAP16 = 0x9f, LOG0 = 0xa0, LOG4 = 0xa4,
    CREATE = 0xf0, CALL = 0xf1, CALLCODE = 0xf2, RETURN = 0xf3, DELEGATECALL = 0xf4,
    CREATE2 = 0xf5, STATICCALL = 0xfa, REVERT = 0xfd, INVALID = 0xfe, SELFDESTRUCT = 0xff,
}

/// The mnemonic of `op`, for traces (EIP-3155's `opName`) and messages. Every opcode some
/// supported fork defines has its name (0x44 is `DIFFICULTY`, PREVRANDAO from Paris on);
/// bytes no fork defines read `UNDEFINED`.
pub fn op_name(op: u8) -> &'static str {
    const PUSH: [&str; 32] = [
        "PUSH1", "PUSH2", "PUSH3", "PUSH4", "PUSH5", "PUSH6", "PUSH7", "PUSH8", "PUSH9", "PUSH10",
        "PUSH11", "PUSH12", "PUSH13", "PUSH14", "PUSH15", "PUSH16", "PUSH17", "PUSH18", "PUSH19",
        "PUSH20", "PUSH21", "PUSH22", "PUSH23", "PUSH24", "PUSH25", "PUSH26", "PUSH27", "PUSH28",
        "PUSH29", "PUSH30", "PUSH31", "PUSH32",
    ];
    const DUP: [&str; 16] = [
        "DUP1", "DUP2", "DUP3", "DUP4", "DUP5", "DUP6", "DUP7", "DUP8", "DUP9", "DUP10", "DUP11",
        "DUP12", "DUP13", "DUP14", "DUP15", "DUP16",
    ];
    const SWAP: [&str; 16] = [
        "SWAP1", "SWAP2", "SWAP3", "SWAP4", "SWAP5", "SWAP6", "SWAP7", "SWAP8", "SWAP9", "SWAP10",
        "SWAP11", "SWAP12", "SWAP13", "SWAP14", "SWAP15", "SWAP16",
    ];
    const LOG: [&str; 5] = ["LOG0", "LOG1", "LOG2", "LOG3", "LOG4"];
    match op {
        STOP => "STOP",
        ADD => "ADD",
        MUL => "MUL",
        SUB => "SUB",
        DIV => "DIV",
        SDIV => "SDIV",
        MOD => "MOD",
        SMOD => "SMOD",
        ADDMOD => "ADDMOD",
        MULMOD => "MULMOD",
        EXP => "EXP",
        SIGNEXTEND => "SIGNEXTEND",
        LT => "LT",
        GT => "GT",
        SLT => "SLT",
        SGT => "SGT",
        EQ => "EQ",
        ISZERO => "ISZERO",
        AND => "AND",
        OR => "OR",
        XOR => "XOR",
        NOT => "NOT",
        BYTE => "BYTE",
        SHL => "SHL",
        SHR => "SHR",
        SAR => "SAR",
        CLZ => "CLZ",
        KECCAK256 => "KECCAK256",
        ADDRESS => "ADDRESS",
        BALANCE => "BALANCE",
        ORIGIN => "ORIGIN",
        CALLER => "CALLER",
        CALLVALUE => "CALLVALUE",
        CALLDATALOAD => "CALLDATALOAD",
        CALLDATASIZE => "CALLDATASIZE",
        CALLDATACOPY => "CALLDATACOPY",
        CODESIZE => "CODESIZE",
        CODECOPY => "CODECOPY",
        GASPRICE => "GASPRICE",
        EXTCODESIZE => "EXTCODESIZE",
        EXTCODECOPY => "EXTCODECOPY",
        RETURNDATASIZE => "RETURNDATASIZE",
        RETURNDATACOPY => "RETURNDATACOPY",
        EXTCODEHASH => "EXTCODEHASH",
        BLOCKHASH => "BLOCKHASH",
        COINBASE => "COINBASE",
        TIMESTAMP => "TIMESTAMP",
        NUMBER => "NUMBER",
        DIFFICULTY => "DIFFICULTY",
        GASLIMIT => "GASLIMIT",
        CHAINID => "CHAINID",
        SELFBALANCE => "SELFBALANCE",
        BASEFEE => "BASEFEE",
        BLOBHASH => "BLOBHASH",
        BLOBBASEFEE => "BLOBBASEFEE",
        POP => "POP",
        MLOAD => "MLOAD",
        MSTORE => "MSTORE",
        MSTORE8 => "MSTORE8",
        SLOAD => "SLOAD",
        SSTORE => "SSTORE",
        JUMP => "JUMP",
        JUMPI => "JUMPI",
        PC => "PC",
        MSIZE => "MSIZE",
        GAS => "GAS",
        JUMPDEST => "JUMPDEST",
        TLOAD => "TLOAD",
        TSTORE => "TSTORE",
        MCOPY => "MCOPY",
        PUSH0 => "PUSH0",
        PUSH1..=PUSH32 => PUSH[(op - PUSH1) as usize],
        DUP1..=DUP16 => DUP[(op - DUP1) as usize],
        SWAP1..=SWAP16 => SWAP[(op - SWAP1) as usize],
        LOG0..=LOG4 => LOG[(op - LOG0) as usize],
        CREATE => "CREATE",
        CALL => "CALL",
        CALLCODE => "CALLCODE",
        RETURN => "RETURN",
        DELEGATECALL => "DELEGATECALL",
        CREATE2 => "CREATE2",
        STATICCALL => "STATICCALL",
        REVERT => "REVERT",
        INVALID => "INVALID",
        SELFDESTRUCT => "SELFDESTRUCT",
        _ => "UNDEFINED",
    }
}

/// Static facts about one opcode under one fork.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpInfo {
    /// Gas charged before the opcode runs (the dynamic part is charged by the opcode).
    pub gas: u32,
    /// Words the opcode needs on the stack.
    pub inputs: u16,
    /// The stack height `h` is valid when `h - inputs` (wrapping) is at most `span`: one
    /// comparison covers both underflow (`h < inputs` wraps to a huge value) and overflow
    /// (`h > 1024 - growth`).
    pub span: u16,
    /// Words the opcode leaves on the stack in place of its inputs.
    pub outputs: u8,
}

impl OpInfo {
    /// Whether the fork leaves the opcode undefined.
    #[inline]
    pub fn is_undefined(&self) -> bool {
        self.inputs == UNDEFINED.inputs
    }
}

/// An opcode the fork does not define: `inputs` above any stack height, so the bounds check
/// always fails and the slow path reports the invalid opcode.
const UNDEFINED: OpInfo = OpInfo {
    gas: 0,
    inputs: 2048,
    span: 0,
    outputs: 0,
};

/// The opcode table of one fork.
#[derive(Clone, Debug)]
pub struct OpTable(pub [OpInfo; 256]);

impl OpTable {
    /// Builds the table of `spec`.
    pub fn new(spec: SpecId) -> OpTable {
        let mut t = [UNDEFINED; 256];
        let mut set = |op: u8, gas: u64, inputs: u8, outputs: u8| {
            let growth = outputs.saturating_sub(inputs) as u16;
            let (inputs, span) = (inputs as u16, 1024 - growth - inputs as u16);
            t[op as usize] = OpInfo {
                gas: gas as u32,
                inputs,
                span,
                outputs,
            };
        };
        use SpecId::*;
        let at_least = |s: SpecId| spec >= s;
        for (op, g, i, o) in [
            (STOP, 0, 0, 0),
            (ADD, 3, 2, 1),
            (MUL, 5, 2, 1),
            (SUB, 3, 2, 1),
            (DIV, 5, 2, 1),
            (SDIV, 5, 2, 1),
            (MOD, 5, 2, 1),
            (SMOD, 5, 2, 1),
            (ADDMOD, 8, 3, 1),
            (MULMOD, 8, 3, 1),
            (EXP, 10, 2, 1),
            (SIGNEXTEND, 5, 2, 1),
            (LT, 3, 2, 1),
            (GT, 3, 2, 1),
            (SLT, 3, 2, 1),
            (SGT, 3, 2, 1),
            (EQ, 3, 2, 1),
            (ISZERO, 3, 1, 1),
            (AND, 3, 2, 1),
            (OR, 3, 2, 1),
            (XOR, 3, 2, 1),
            (NOT, 3, 1, 1),
            (BYTE, 3, 2, 1),
            (KECCAK256, 30, 2, 1),
            (ADDRESS, 2, 0, 1),
            (ORIGIN, 2, 0, 1),
            (CALLER, 2, 0, 1),
            (CALLVALUE, 2, 0, 1),
            (CALLDATALOAD, 3, 1, 1),
            (CALLDATASIZE, 2, 0, 1),
            (CALLDATACOPY, 3, 3, 0),
            (CODESIZE, 2, 0, 1),
            (CODECOPY, 3, 3, 0),
            (GASPRICE, 2, 0, 1),
            (BLOCKHASH, 20, 1, 1),
            (COINBASE, 2, 0, 1),
            (TIMESTAMP, 2, 0, 1),
            (NUMBER, 2, 0, 1),
            (DIFFICULTY, 2, 0, 1),
            (GASLIMIT, 2, 0, 1),
            (POP, 2, 1, 0),
            (MLOAD, 3, 1, 1),
            (MSTORE, 3, 2, 0),
            (MSTORE8, 3, 2, 0),
            (SSTORE, 0, 2, 0),
            (JUMP, 8, 1, 0),
            (JUMPI, 10, 2, 0),
            (PC, 2, 0, 1),
            (MSIZE, 2, 0, 1),
            (GAS, 2, 0, 1),
            (JUMPDEST, 1, 0, 0),
            (CREATE, 32000, 3, 1),
            (CALL, 0, 7, 1),
            (CALLCODE, 0, 7, 1),
            (RETURN, 0, 2, 0),
            (SELFDESTRUCT, 0, 1, 0),
        ] {
            set(op, g, i, o);
        }
        for n in 0..32u8 {
            set(PUSH1 + n, 3, 0, 1);
        }
        for n in 0..16u8 {
            set(DUP1 + n, 3, n + 1, n + 2);
            set(SWAP1 + n, 3, n + 2, n + 2);
        }
        for n in 0..5u8 {
            set(LOG0 + n, gas::LOG * (1 + n as u64), 2 + n, 0);
        }
        // Fork-dependent static costs of state access (EIP-150, EIP-1884, EIP-2929).
        let (balance, extcode, sload, call, selfdestruct) = if at_least(Berlin) {
            (
                gas::WARM_ACCESS,
                gas::WARM_ACCESS,
                gas::WARM_ACCESS,
                gas::WARM_ACCESS,
                5000,
            )
        } else if at_least(Istanbul) {
            (700, 700, 800, 700, 5000)
        } else if at_least(TangerineWhistle) {
            (400, 700, 200, 700, 5000)
        } else {
            (20, 20, 50, 40, 0)
        };
        set(BALANCE, balance, 1, 1);
        set(EXTCODESIZE, extcode, 1, 1);
        set(EXTCODECOPY, extcode, 4, 0);
        set(SLOAD, sload, 1, 1);
        set(CALL, call, 7, 1);
        set(CALLCODE, call, 7, 1);
        set(SELFDESTRUCT, selfdestruct, 1, 0);
        if at_least(Homestead) {
            set(DELEGATECALL, call, 6, 1);
        }
        if at_least(Byzantium) {
            set(RETURNDATASIZE, 2, 0, 1);
            set(RETURNDATACOPY, 3, 3, 0);
            set(STATICCALL, call, 6, 1);
            set(REVERT, 0, 2, 0);
        }
        if at_least(Constantinople) {
            set(SHL, 3, 2, 1);
            set(SHR, 3, 2, 1);
            set(SAR, 3, 2, 1);
            set(CREATE2, 32000, 4, 1);
            let h = if at_least(Berlin) {
                gas::WARM_ACCESS
            } else if at_least(Istanbul) {
                700
            } else {
                400
            };
            set(EXTCODEHASH, h, 1, 1);
        }
        if at_least(Istanbul) {
            set(CHAINID, 2, 0, 1);
            set(SELFBALANCE, 5, 0, 1);
        }
        if at_least(London) {
            set(BASEFEE, 2, 0, 1);
        }
        if at_least(Shanghai) {
            set(PUSH0, 2, 0, 1);
        }
        if at_least(Cancun) {
            set(TLOAD, 100, 1, 1);
            set(TSTORE, 100, 2, 0);
            set(MCOPY, 3, 3, 0);
            set(BLOBHASH, 3, 1, 1);
            set(BLOBBASEFEE, 2, 0, 1);
        }
        if at_least(Osaka) {
            // EIP-7939: count leading zeros, priced like MUL.
            set(CLZ, 5, 1, 1);
        }
        OpTable(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_a_fork_defines_has_a_name_and_no_other_does() {
        let latest = OpTable::new(SpecId::Osaka);
        for op in 0..=255u8 {
            let name = op_name(op);
            let defined = !latest.0[op as usize].is_undefined() || op == INVALID;
            assert_eq!(
                name != "UNDEFINED",
                defined,
                "opcode {op:#04x} named {name}"
            );
        }
        // Spot checks against the Yellow Paper's numbering.
        assert_eq!(op_name(0x60), "PUSH1");
        assert_eq!(op_name(0x7f), "PUSH32");
        assert_eq!(op_name(0x8f), "DUP16");
        assert_eq!(op_name(0x90), "SWAP1");
        assert_eq!(op_name(0xa4), "LOG4");
        assert_eq!(op_name(0x5e), "MCOPY");
        assert_eq!(op_name(0x0c), "UNDEFINED");
    }
}

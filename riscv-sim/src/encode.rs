//! Instruction encoders, so tests and benchmarks can write programs without an assembler.
//! Registers are numbers 0..31 and immediates are the signed values an assembler takes; bits
//! beyond a field's width are dropped (as `as` casts drop them), never a panic.

/// `lui rd, imm20` (rd = imm20 << 12).
pub fn lui(rd: u32, imm20: u32) -> u32 {
    (imm20 << 12) | ((rd & 31) << 7) | 0x37
}

/// `auipc rd, imm20` (rd = pc + (imm20 << 12)).
pub fn auipc(rd: u32, imm20: u32) -> u32 {
    (imm20 << 12) | ((rd & 31) << 7) | 0x17
}

/// `jal rd, offset` (offset in bytes from this instruction).
pub fn jal(rd: u32, offset: i32) -> u32 {
    let o = offset as u32;
    let imm = ((o >> 20) & 1) << 31
        | ((o >> 1) & 0x3ff) << 21
        | ((o >> 11) & 1) << 20
        | ((o >> 12) & 0xff) << 12;
    imm | ((rd & 31) << 7) | 0x6f
}

/// `jalr rd, imm(rs1)`.
pub fn jalr(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x67, 0, rd, rs1, imm)
}

fn b_type(funct3: u32, rs1: u32, rs2: u32, offset: i32) -> u32 {
    let o = offset as u32;
    let imm = ((o >> 12) & 1) << 31
        | ((o >> 5) & 0x3f) << 25
        | ((o >> 1) & 0xf) << 8
        | ((o >> 11) & 1) << 7;
    imm | ((rs2 & 31) << 20) | ((rs1 & 31) << 15) | (funct3 << 12) | 0x63
}

/// `beq rs1, rs2, offset`.
pub fn beq(rs1: u32, rs2: u32, offset: i32) -> u32 {
    b_type(0, rs1, rs2, offset)
}
/// `bne rs1, rs2, offset`.
pub fn bne(rs1: u32, rs2: u32, offset: i32) -> u32 {
    b_type(1, rs1, rs2, offset)
}
/// `blt rs1, rs2, offset`.
pub fn blt(rs1: u32, rs2: u32, offset: i32) -> u32 {
    b_type(4, rs1, rs2, offset)
}
/// `bge rs1, rs2, offset`.
pub fn bge(rs1: u32, rs2: u32, offset: i32) -> u32 {
    b_type(5, rs1, rs2, offset)
}
/// `bltu rs1, rs2, offset`.
pub fn bltu(rs1: u32, rs2: u32, offset: i32) -> u32 {
    b_type(6, rs1, rs2, offset)
}
/// `bgeu rs1, rs2, offset`.
pub fn bgeu(rs1: u32, rs2: u32, offset: i32) -> u32 {
    b_type(7, rs1, rs2, offset)
}

fn i_type(opcode: u32, funct3: u32, rd: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | ((rs1 & 31) << 15) | (funct3 << 12) | ((rd & 31) << 7) | opcode
}

/// `lb rd, imm(rs1)`.
pub fn lb(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 0, rd, rs1, imm)
}
/// `lh rd, imm(rs1)`.
pub fn lh(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 1, rd, rs1, imm)
}
/// `lw rd, imm(rs1)`.
pub fn lw(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 2, rd, rs1, imm)
}
/// `lbu rd, imm(rs1)`.
pub fn lbu(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 4, rd, rs1, imm)
}
/// `lhu rd, imm(rs1)`.
pub fn lhu(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 5, rd, rs1, imm)
}

fn s_type(funct3: u32, rs2: u32, rs1: u32, imm: i32) -> u32 {
    let i = imm as u32;
    ((i >> 5) & 0x7f) << 25
        | ((rs2 & 31) << 20)
        | ((rs1 & 31) << 15)
        | (funct3 << 12)
        | ((i & 31) << 7)
        | 0x23
}

/// `sb rs2, imm(rs1)`.
pub fn sb(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s_type(0, rs2, rs1, imm)
}
/// `sh rs2, imm(rs1)`.
pub fn sh(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s_type(1, rs2, rs1, imm)
}
/// `sw rs2, imm(rs1)`.
pub fn sw(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s_type(2, rs2, rs1, imm)
}

/// `addi rd, rs1, imm`.
pub fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x13, 0, rd, rs1, imm)
}
/// `slti rd, rs1, imm`.
pub fn slti(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x13, 2, rd, rs1, imm)
}
/// `sltiu rd, rs1, imm` (imm sign-extended, then compared unsigned).
pub fn sltiu(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x13, 3, rd, rs1, imm)
}
/// `xori rd, rs1, imm`.
pub fn xori(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x13, 4, rd, rs1, imm)
}
/// `ori rd, rs1, imm`.
pub fn ori(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x13, 6, rd, rs1, imm)
}
/// `andi rd, rs1, imm`.
pub fn andi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x13, 7, rd, rs1, imm)
}
/// `slli rd, rs1, shamt`.
pub fn slli(rd: u32, rs1: u32, shamt: u32) -> u32 {
    i_type(0x13, 1, rd, rs1, (shamt & 31) as i32)
}
/// `srli rd, rs1, shamt`.
pub fn srli(rd: u32, rs1: u32, shamt: u32) -> u32 {
    i_type(0x13, 5, rd, rs1, (shamt & 31) as i32)
}
/// `srai rd, rs1, shamt`.
pub fn srai(rd: u32, rs1: u32, shamt: u32) -> u32 {
    i_type(0x13, 5, rd, rs1, (0x400 | (shamt & 31)) as i32)
}

fn r_type(funct7: u32, funct3: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
    (funct7 << 25)
        | ((rs2 & 31) << 20)
        | ((rs1 & 31) << 15)
        | (funct3 << 12)
        | ((rd & 31) << 7)
        | 0x33
}

macro_rules! r_ops {
    ($($name:ident = $funct7:literal, $funct3:literal;)*) => {$(
        #[doc = concat!("`", stringify!($name), " rd, rs1, rs2`.")]
        pub fn $name(rd: u32, rs1: u32, rs2: u32) -> u32 {
            r_type($funct7, $funct3, rd, rs1, rs2)
        }
    )*};
}

r_ops! {
    add = 0x00, 0; sub = 0x20, 0; sll = 0x00, 1; slt = 0x00, 2; sltu = 0x00, 3;
    xor = 0x00, 4; srl = 0x00, 5; sra = 0x20, 5; or = 0x00, 6; and = 0x00, 7;
    mul = 0x01, 0; mulh = 0x01, 1; mulhsu = 0x01, 2; mulhu = 0x01, 3;
    div = 0x01, 4; divu = 0x01, 5; rem = 0x01, 6; remu = 0x01, 7;
}

/// `csrrw rd, csr, rs1`; `csrrw rd, 0x7c0, x0` reads the next tape word.
pub fn csrrw(rd: u32, csr: u32, rs1: u32) -> u32 {
    ((csr & 0xfff) << 20) | ((rs1 & 31) << 15) | (1 << 12) | ((rd & 31) << 7) | 0x73
}

/// `csrrs rd, csr, rs1` (`csrr rd, csr` when rs1 is x0).
pub fn csrrs(rd: u32, csr: u32, rs1: u32) -> u32 {
    ((csr & 0xfff) << 20) | ((rs1 & 31) << 15) | (2 << 12) | ((rd & 31) << 7) | 0x73
}

/// `ecall`.
pub const ECALL: u32 = 0x0000_0073;
/// `ebreak`.
pub const EBREAK: u32 = 0x0010_0073;
/// `wfi`.
pub const WFI: u32 = 0x1050_0073;
/// `fence iorw, iorw`.
pub const FENCE: u32 = 0x0ff0_000f;
/// `fence.i`.
pub const FENCE_I: u32 = 0x0000_100f;
/// `nop` (`addi x0, x0, 0`).
pub const NOP: u32 = 0x0000_0013;
/// `unimp` (`csrrw x0, cycle, x0`), the canonical illegal instruction.
pub const UNIMP: u32 = 0xc000_1073;
/// `j .` (`jal x0, 0`): the self-loop that ends a run.
pub const HALT: u32 = 0x0000_006f;

/// `li rd, value` as `lui` + `addi` (the `addi` immediate is sign-extended, so the upper part
/// is rounded).
pub fn li(rd: u32, value: u32) -> [u32; 2] {
    let upper = value.wrapping_add(0x800) >> 12;
    let lower = (value & 0xfff) as i32;
    let lower = if lower >= 0x800 {
        lower - 0x1000
    } else {
        lower
    };
    [lui(rd, upper), addi(rd, rd, lower)]
}

//! Predecoding: every ROM word becomes a compact [`Insn`] once, before the run, so the run loop
//! never looks at instruction bits. ROM cannot change, so the decoded array never goes stale.
//! Words that are not executable (data, or unsupported instructions) decode to
//! [`Op::Illegal`], which traps only if it is executed.

use crate::IllegalKind;

/// The operation of a predecoded instruction. Branch and jump targets are resolved to
/// absolute addresses at decode time; the rare cases (a self-loop, a misaligned target) get
/// their own ops so the common ones need no checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// `rd = imm`.
    Lui,
    /// `rd = imm`, the pc-relative value computed at decode time.
    Auipc,
    /// `rd = pc + 4; pc = imm`.
    Jal,
    /// JAL to itself (the end of the run) or to a misaligned target (a trap).
    JalSpecial,
    /// `rd = pc + 4; pc = (rs1 + imm) & !1`.
    Jalr,
    /// Branch to `imm` if `rs1 == rs2`.
    Beq,
    /// Branch to `imm` if `rs1 != rs2`.
    Bne,
    /// Branch to `imm` if `rs1 < rs2`, signed.
    Blt,
    /// Branch to `imm` if `rs1 >= rs2`, signed.
    Bge,
    /// Branch to `imm` if `rs1 < rs2`, unsigned.
    Bltu,
    /// Branch to `imm` if `rs1 >= rs2`, unsigned.
    Bgeu,
    /// A branch to itself (ends the run if taken) or to a misaligned target (traps if taken);
    /// `rd` holds the branch's funct3.
    BranchSpecial,
    /// Load a sign-extended byte.
    Lb,
    /// Load a sign-extended halfword.
    Lh,
    /// Load a word.
    Lw,
    /// Load a zero-extended byte.
    Lbu,
    /// Load a zero-extended halfword.
    Lhu,
    /// Store the low byte of rs2.
    Sb,
    /// Store the low halfword of rs2.
    Sh,
    /// Store rs2.
    Sw,
    /// `rd = rs1 + imm`.
    Addi,
    /// `rd = rs1 < imm`, signed.
    Slti,
    /// `rd = rs1 < imm`, unsigned.
    Sltiu,
    /// `rd = rs1 ^ imm`.
    Xori,
    /// `rd = rs1 | imm`.
    Ori,
    /// `rd = rs1 & imm`.
    Andi,
    /// `rd = rs1 << imm`.
    Slli,
    /// `rd = rs1 >> imm`, logical.
    Srli,
    /// `rd = rs1 >> imm`, arithmetic.
    Srai,
    /// `rd = rs1 + rs2`.
    Add,
    /// `rd = rs1 - rs2`.
    Sub,
    /// `rd = rs1 << (rs2 & 31)`.
    Sll,
    /// `rd = rs1 < rs2`, signed.
    Slt,
    /// `rd = rs1 < rs2`, unsigned.
    Sltu,
    /// `rd = rs1 ^ rs2`.
    Xor,
    /// `rd = rs1 >> (rs2 & 31)`, logical.
    Srl,
    /// `rd = rs1 >> (rs2 & 31)`, arithmetic.
    Sra,
    /// `rd = rs1 | rs2`.
    Or,
    /// `rd = rs1 & rs2`.
    And,
    /// Low 32 bits of the product.
    Mul,
    /// High 32 bits of the signed product.
    Mulh,
    /// High 32 bits of signed rs1 times unsigned rs2.
    Mulhsu,
    /// High 32 bits of the unsigned product.
    Mulhu,
    /// Signed division (by zero: all ones; `i32::MIN / -1`: `i32::MIN`).
    Div,
    /// Unsigned division (by zero: all ones).
    Divu,
    /// Signed remainder (by zero: rs1; `i32::MIN % -1`: 0).
    Rem,
    /// Unsigned remainder (by zero: rs1).
    Remu,
    /// `csrrw rd, 0x7c0, x0`: the next word of the tape into rd.
    ReadTape,
    /// Not executable; `imm` holds the raw word.
    Illegal,
}

/// One predecoded instruction: 8 bytes, so the decoded ROM stays dense in cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    /// What to do.
    pub op: Op,
    /// Destination register (for `BranchSpecial`, the branch condition's funct3).
    pub rd: u8,
    /// First source register.
    pub rs1: u8,
    /// Second source register.
    pub rs2: u8,
    /// Immediate, absolute target, precomputed value or raw word, depending on `op`.
    pub imm: u32,
}

/// The non-determinism CSR, read one tape word at a time.
pub const TAPE_CSR: u16 = 0x7c0;

/// Decodes the word at address `pc` (needed to resolve pc-relative operands).
pub fn decode(word: u32, pc: u32) -> Insn {
    let rd = ((word >> 7) & 31) as u8;
    let rs1 = ((word >> 15) & 31) as u8;
    let rs2 = ((word >> 20) & 31) as u8;
    let funct3 = (word >> 12) & 7;
    let funct7 = word >> 25;
    let i_imm = ((word as i32) >> 20) as u32;
    let insn = |op, imm| Insn {
        op,
        rd,
        rs1,
        rs2,
        imm,
    };
    let illegal = Insn {
        op: Op::Illegal,
        rd: 0,
        rs1: 0,
        rs2: 0,
        imm: word,
    };
    match word & 0x7f {
        0x37 => insn(Op::Lui, word & 0xffff_f000),
        0x17 => insn(Op::Auipc, pc.wrapping_add(word & 0xffff_f000)),
        0x6f => {
            let target = pc.wrapping_add(j_imm(word));
            let op = if target == pc || target & 3 != 0 {
                Op::JalSpecial
            } else {
                Op::Jal
            };
            insn(op, target)
        }
        0x67 if funct3 == 0 => insn(Op::Jalr, i_imm),
        0x63 => {
            let target = pc.wrapping_add(b_imm(word));
            let op = match funct3 {
                0 => Op::Beq,
                1 => Op::Bne,
                4 => Op::Blt,
                5 => Op::Bge,
                6 => Op::Bltu,
                7 => Op::Bgeu,
                _ => return illegal,
            };
            if target == pc || target & 3 != 0 {
                Insn {
                    op: Op::BranchSpecial,
                    rd: funct3 as u8,
                    rs1,
                    rs2,
                    imm: target,
                }
            } else {
                insn(op, target)
            }
        }
        0x03 => match funct3 {
            0 => insn(Op::Lb, i_imm),
            1 => insn(Op::Lh, i_imm),
            2 => insn(Op::Lw, i_imm),
            4 => insn(Op::Lbu, i_imm),
            5 => insn(Op::Lhu, i_imm),
            _ => illegal,
        },
        0x23 => {
            let s_imm = (((word as i32) >> 25) << 5) as u32 | ((word >> 7) & 31);
            match funct3 {
                0 => insn(Op::Sb, s_imm),
                1 => insn(Op::Sh, s_imm),
                2 => insn(Op::Sw, s_imm),
                _ => illegal,
            }
        }
        0x13 => match (funct3, funct7) {
            (0, _) => insn(Op::Addi, i_imm),
            (2, _) => insn(Op::Slti, i_imm),
            (3, _) => insn(Op::Sltiu, i_imm),
            (4, _) => insn(Op::Xori, i_imm),
            (6, _) => insn(Op::Ori, i_imm),
            (7, _) => insn(Op::Andi, i_imm),
            (1, 0x00) => insn(Op::Slli, u32::from(rs2)),
            (5, 0x00) => insn(Op::Srli, u32::from(rs2)),
            (5, 0x20) => insn(Op::Srai, u32::from(rs2)),
            _ => illegal,
        },
        0x33 => {
            let op = match (funct7, funct3) {
                (0x00, 0) => Op::Add,
                (0x20, 0) => Op::Sub,
                (0x00, 1) => Op::Sll,
                (0x00, 2) => Op::Slt,
                (0x00, 3) => Op::Sltu,
                (0x00, 4) => Op::Xor,
                (0x00, 5) => Op::Srl,
                (0x20, 5) => Op::Sra,
                (0x00, 6) => Op::Or,
                (0x00, 7) => Op::And,
                (0x01, 0) => Op::Mul,
                (0x01, 1) => Op::Mulh,
                (0x01, 2) => Op::Mulhsu,
                (0x01, 3) => Op::Mulhu,
                (0x01, 4) => Op::Div,
                (0x01, 5) => Op::Divu,
                (0x01, 6) => Op::Rem,
                (0x01, 7) => Op::Remu,
                _ => return illegal,
            };
            insn(op, 0)
        }
        0x73 if funct3 == 1 && word >> 20 == u32::from(TAPE_CSR) && rs1 == 0 && rd != 0 => {
            insn(Op::ReadTape, 0)
        }
        _ => illegal,
    }
}

/// Why `word` does not decode (meaningful for words that decode to [`Op::Illegal`]); only
/// called when such a word is executed, to name the trap.
pub fn illegal_kind(word: u32) -> IllegalKind {
    let funct3 = (word >> 12) & 7;
    match word & 0x7f {
        0x0f if funct3 == 0 => IllegalKind::Fence,
        0x0f if funct3 == 1 => IllegalKind::FenceI,
        0x73 => match word {
            0x0000_0073 => IllegalKind::Ecall,
            0x0010_0073 => IllegalKind::Ebreak,
            0x1050_0073 => IllegalKind::Wfi,
            _ if funct3 != 0 && funct3 != 4 => IllegalKind::Csr {
                csr: (word >> 20) as u16,
            },
            _ => IllegalKind::Unknown,
        },
        _ => IllegalKind::Unknown,
    }
}

/// The B-type immediate (a signed, even offset).
fn b_imm(word: u32) -> u32 {
    let sign = (((word as i32) >> 31) as u32) << 12;
    sign | ((word << 4) & 0x800) | ((word >> 20) & 0x7e0) | ((word >> 7) & 0x1e)
}

/// The J-type immediate (a signed, even offset).
fn j_imm(word: u32) -> u32 {
    let sign = (((word as i32) >> 31) as u32) << 20;
    sign | (word & 0xff000) | ((word >> 9) & 0x800) | ((word >> 20) & 0x7fe)
}

/// Decodes a ROM image (zero-padded to whole words) into one [`Insn`] per word.
pub fn decode_image(image: &[u8]) -> Vec<Insn> {
    image
        .chunks(4)
        .enumerate()
        .map(|(i, chunk)| {
            let mut bytes = [0u8; 4];
            bytes[..chunk.len()].copy_from_slice(chunk);
            decode(u32::from_le_bytes(bytes), (i as u32).wrapping_mul(4))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode;

    #[test]
    fn branch_and_jump_offsets_round_trip() {
        let pc = 0x1000;
        for off in (-4096..4096).step_by(4) {
            let b = decode(encode::blt(1, 2, off), pc);
            let target = pc.wrapping_add(off as u32);
            assert_eq!((b.imm, b.rs1, b.rs2), (target, 1, 2), "{off}");
            assert_eq!(b.op, if off == 0 { Op::BranchSpecial } else { Op::Blt });
        }
        for off in [-(1 << 20), -4, 4, 2044, 2048, (1 << 20) - 4, 0x5554] {
            let j = decode(encode::jal(1, off), pc);
            assert_eq!(
                (j.op, j.imm, j.rd),
                (Op::Jal, pc.wrapping_add(off as u32), 1)
            );
        }
        assert_eq!(decode(encode::jal(0, 0), pc).op, Op::JalSpecial);
        assert_eq!(decode(encode::jal(0, 6), pc).op, Op::JalSpecial);
        assert_eq!(decode(encode::bne(1, 2, -2), pc).op, Op::BranchSpecial);
    }

    #[test]
    fn immediates_sign_extend() {
        for imm in [-2048, -1, 0, 1, 2047] {
            assert_eq!(decode(encode::addi(1, 2, imm), 0).imm, imm as u32);
            assert_eq!(decode(encode::sw(3, 4, imm), 0).imm, imm as u32);
            assert_eq!(decode(encode::lh(3, 4, imm), 0).imm, imm as u32);
        }
        let auipc = decode(encode::auipc(5, 0xfffff), 8);
        assert_eq!(
            (auipc.op, auipc.imm),
            (Op::Auipc, 8u32.wrapping_sub(0x1000))
        );
    }

    #[test]
    fn tape_read_is_the_only_csr_access() {
        assert_eq!(decode(encode::csrrw(10, 0x7c0, 0), 0).op, Op::ReadTape);
        for word in [
            encode::csrrw(0, 0x7c0, 0),
            encode::csrrw(10, 0x7c0, 11),
            encode::csrrw(10, 0x7c1, 0),
            encode::csrrs(10, 0x7c0, 0),
        ] {
            assert_eq!(decode(word, 0).op, Op::Illegal, "{word:#x}");
        }
    }

    #[test]
    fn decoded_instructions_are_eight_bytes() {
        assert_eq!(core::mem::size_of::<Insn>(), 8);
    }
}

//! The run loop: fetch a predecoded instruction, execute it, count it. Everything rare (traps,
//! self-loops, misaligned targets) leaves the loop through `break`, so the common path is a
//! bounds check, one indirect jump and the operation itself.

use crate::decode::{illegal_kind, Insn, Op};
use crate::memory::{Memory, MemoryView};
use crate::observer::{Observer, View};
use crate::TrapKind;

/// The architectural state a run carries between calls (so a run can be resumed).
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub regs: [u32; 32],
    pub pc: u32,
    pub cycles: u64,
    pub tape_pos: usize,
}

/// Runs until a self-loop retires (`Ok`) or a trap (`Err`, with `state.pc` at the trapping
/// instruction). At most `cycle_limit` instructions retire in total, counting earlier calls.
pub(crate) fn run<O: Observer>(
    insns: &[Insn],
    memory: &mut Memory,
    state: &mut State,
    tape: &[u32],
    cycle_limit: u64,
    observer: &mut O,
) -> Result<(), TrapKind> {
    let rom_size = memory.rom_size();
    let bytes = memory.bytes_mut();
    let regs = &mut state.regs;
    let mut pc = state.pc;
    let mut cycles = state.cycles;
    let mut tape_pos = state.tape_pos;

    macro_rules! x {
        ($r:expr) => {
            regs[($r & 31) as usize]
        };
    }
    macro_rules! view {
        () => {
            View::new(regs, MemoryView::new(bytes, rom_size))
        };
    }

    let outcome = loop {
        if cycles >= cycle_limit {
            break Err(TrapKind::CycleLimit);
        }
        let Some(&insn) = insns.get((pc >> 2) as usize) else {
            break Err(fetch_fault(pc, rom_size));
        };
        observer.on_instruction(pc, &view!());
        let Insn {
            op,
            rd,
            rs1,
            rs2,
            imm,
        } = insn;
        let mut next = pc.wrapping_add(4);
        match op {
            Op::Lui | Op::Auipc => x!(rd) = imm,
            Op::Jal => {
                x!(rd) = next;
                regs[0] = 0;
                if rd == 1 || rd == 5 {
                    observer.on_call(pc, imm, &view!());
                }
                next = imm;
            }
            Op::JalSpecial => {
                if imm != pc {
                    break Err(TrapKind::MisalignedJump { target: imm });
                }
                x!(rd) = next;
                regs[0] = 0;
                cycles += 1;
                break Ok(());
            }
            Op::Jalr => {
                let target = x!(rs1).wrapping_add(imm) & !1;
                if target & 3 != 0 {
                    break Err(TrapKind::MisalignedJump { target });
                }
                x!(rd) = next;
                regs[0] = 0;
                if rd == 1 || rd == 5 {
                    observer.on_call(pc, target, &view!());
                } else if rd == 0 && (rs1 == 1 || rs1 == 5) {
                    observer.on_return(pc, target, &view!());
                }
                next = target;
            }
            Op::Beq => {
                if x!(rs1) == x!(rs2) {
                    next = imm;
                }
            }
            Op::Bne => {
                if x!(rs1) != x!(rs2) {
                    next = imm;
                }
            }
            Op::Blt => {
                if (x!(rs1) as i32) < (x!(rs2) as i32) {
                    next = imm;
                }
            }
            Op::Bge => {
                if (x!(rs1) as i32) >= (x!(rs2) as i32) {
                    next = imm;
                }
            }
            Op::Bltu => {
                if x!(rs1) < x!(rs2) {
                    next = imm;
                }
            }
            Op::Bgeu => {
                if x!(rs1) >= x!(rs2) {
                    next = imm;
                }
            }
            Op::BranchSpecial => {
                if branch_taken(rd, x!(rs1), x!(rs2)) {
                    if imm != pc {
                        break Err(TrapKind::MisalignedJump { target: imm });
                    }
                    cycles += 1;
                    break Ok(());
                }
            }
            Op::Lb | Op::Lbu => {
                let addr = x!(rs1).wrapping_add(imm);
                let Some(&b) = bytes.get(addr as usize) else {
                    break Err(TrapKind::LoadOutsideMemory { addr });
                };
                x!(rd) = if op == Op::Lb {
                    b as i8 as u32
                } else {
                    u32::from(b)
                };
            }
            Op::Lh | Op::Lhu => {
                let addr = x!(rs1).wrapping_add(imm);
                if addr & 1 != 0 {
                    break Err(TrapKind::MisalignedLoad { addr });
                }
                let Some(h) = load::<2>(bytes, addr) else {
                    break Err(TrapKind::LoadOutsideMemory { addr });
                };
                let h = u16::from_le_bytes(h);
                x!(rd) = if op == Op::Lh {
                    h as i16 as u32
                } else {
                    u32::from(h)
                };
            }
            Op::Lw => {
                let addr = x!(rs1).wrapping_add(imm);
                if addr & 3 != 0 {
                    break Err(TrapKind::MisalignedLoad { addr });
                }
                let Some(w) = load::<4>(bytes, addr) else {
                    break Err(TrapKind::LoadOutsideMemory { addr });
                };
                x!(rd) = u32::from_le_bytes(w);
            }
            Op::Sb => {
                let addr = x!(rs1).wrapping_add(imm);
                if addr < rom_size {
                    break Err(TrapKind::WriteToRom { addr });
                }
                let Some(b) = bytes.get_mut(addr as usize) else {
                    break Err(TrapKind::StoreOutsideMemory { addr });
                };
                *b = x!(rs2) as u8;
            }
            Op::Sh => {
                let addr = x!(rs1).wrapping_add(imm);
                if addr & 1 != 0 {
                    break Err(TrapKind::MisalignedStore { addr });
                }
                if addr < rom_size {
                    break Err(TrapKind::WriteToRom { addr });
                }
                let Some(dst) = store::<2>(bytes, addr) else {
                    break Err(TrapKind::StoreOutsideMemory { addr });
                };
                *dst = (x!(rs2) as u16).to_le_bytes();
            }
            Op::Sw => {
                let addr = x!(rs1).wrapping_add(imm);
                if addr & 3 != 0 {
                    break Err(TrapKind::MisalignedStore { addr });
                }
                if addr < rom_size {
                    break Err(TrapKind::WriteToRom { addr });
                }
                let Some(dst) = store::<4>(bytes, addr) else {
                    break Err(TrapKind::StoreOutsideMemory { addr });
                };
                *dst = x!(rs2).to_le_bytes();
            }
            Op::Addi => x!(rd) = x!(rs1).wrapping_add(imm),
            Op::Slti => x!(rd) = u32::from((x!(rs1) as i32) < (imm as i32)),
            Op::Sltiu => x!(rd) = u32::from(x!(rs1) < imm),
            Op::Xori => x!(rd) = x!(rs1) ^ imm,
            Op::Ori => x!(rd) = x!(rs1) | imm,
            Op::Andi => x!(rd) = x!(rs1) & imm,
            Op::Slli => x!(rd) = x!(rs1) << (imm & 31),
            Op::Srli => x!(rd) = x!(rs1) >> (imm & 31),
            Op::Srai => x!(rd) = ((x!(rs1) as i32) >> (imm & 31)) as u32,
            Op::Add => x!(rd) = x!(rs1).wrapping_add(x!(rs2)),
            Op::Sub => x!(rd) = x!(rs1).wrapping_sub(x!(rs2)),
            Op::Sll => x!(rd) = x!(rs1) << (x!(rs2) & 31),
            Op::Slt => x!(rd) = u32::from((x!(rs1) as i32) < (x!(rs2) as i32)),
            Op::Sltu => x!(rd) = u32::from(x!(rs1) < x!(rs2)),
            Op::Xor => x!(rd) = x!(rs1) ^ x!(rs2),
            Op::Srl => x!(rd) = x!(rs1) >> (x!(rs2) & 31),
            Op::Sra => x!(rd) = ((x!(rs1) as i32) >> (x!(rs2) & 31)) as u32,
            Op::Or => x!(rd) = x!(rs1) | x!(rs2),
            Op::And => x!(rd) = x!(rs1) & x!(rs2),
            Op::Mul => x!(rd) = x!(rs1).wrapping_mul(x!(rs2)),
            Op::Mulh => {
                let p = i64::from(x!(rs1) as i32) * i64::from(x!(rs2) as i32);
                x!(rd) = (p >> 32) as u32;
            }
            Op::Mulhsu => {
                let p = i64::from(x!(rs1) as i32) * i64::from(x!(rs2));
                x!(rd) = (p >> 32) as u32;
            }
            Op::Mulhu => {
                let p = u64::from(x!(rs1)) * u64::from(x!(rs2));
                x!(rd) = (p >> 32) as u32;
            }
            Op::Div => x!(rd) = div(x!(rs1), x!(rs2)),
            Op::Divu => x!(rd) = x!(rs1).checked_div(x!(rs2)).unwrap_or(u32::MAX),
            Op::Rem => x!(rd) = rem(x!(rs1), x!(rs2)),
            Op::Remu => {
                let a = x!(rs1);
                x!(rd) = a.checked_rem(x!(rs2)).unwrap_or(a);
            }
            Op::ReadTape => {
                let Some(&word) = tape.get(tape_pos) else {
                    break Err(TrapKind::TapeExhausted { len: tape.len() });
                };
                x!(rd) = word;
                observer.on_tape_read(pc, tape_pos, word);
                tape_pos += 1;
            }
            Op::Illegal => {
                break Err(TrapKind::IllegalInstruction {
                    word: imm,
                    kind: illegal_kind(imm),
                })
            }
        }
        regs[0] = 0;
        pc = next;
        cycles += 1;
    };
    state.pc = pc;
    state.cycles = cycles;
    state.tape_pos = tape_pos;
    outcome
}

/// The trap of a fetch outside the decoded image: ROM past the image holds zeros (an illegal
/// word); anything past ROM is not executable.
#[cold]
fn fetch_fault(pc: u32, rom_size: u32) -> TrapKind {
    if pc < rom_size {
        TrapKind::IllegalInstruction {
            word: 0,
            kind: illegal_kind(0),
        }
    } else {
        TrapKind::FetchOutsideRom
    }
}

/// Whether a branch with condition `funct3` is taken (for the rare `BranchSpecial`).
#[cold]
fn branch_taken(funct3: u8, a: u32, b: u32) -> bool {
    match funct3 {
        0 => a == b,
        1 => a != b,
        4 => (a as i32) < (b as i32),
        5 => (a as i32) >= (b as i32),
        6 => a < b,
        _ => a >= b,
    }
}

/// RISC-V signed division: by zero gives all ones, `i32::MIN / -1` overflows to `i32::MIN`.
#[inline(always)]
fn div(a: u32, b: u32) -> u32 {
    if b == 0 {
        u32::MAX
    } else {
        (a as i32).wrapping_div(b as i32) as u32
    }
}

/// RISC-V signed remainder: by zero gives the dividend, `i32::MIN % -1` gives 0.
#[inline(always)]
fn rem(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        (a as i32).wrapping_rem(b as i32) as u32
    }
}

/// `N` bytes at `addr`, or `None` past the end of RAM.
#[inline(always)]
fn load<const N: usize>(bytes: &[u8], addr: u32) -> Option<[u8; N]> {
    bytes.get(addr as usize..)?.first_chunk::<N>().copied()
}

/// The `N` bytes at `addr` to overwrite, or `None` past the end of RAM.
#[inline(always)]
fn store<const N: usize>(bytes: &mut [u8], addr: u32) -> Option<&mut [u8; N]> {
    bytes.get_mut(addr as usize..)?.first_chunk_mut::<N>()
}

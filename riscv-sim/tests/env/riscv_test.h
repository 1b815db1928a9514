/* The test environment of the riscv-tests ISA suites (rv32ui, rv32um) for zkos-riscv-sim,
   written for Airbender's machine model: no traps, no CSRs, no tohost. The suites' own
   environment is not used.

   How a test reports: it ends at a self-loop (`j .`), the machine's only way to stop, with
     a0 = 0 (pass) or 1 (fail), a1 = TESTNUM (the failing test's number on a fail),
     a2 = RVTEST_EXIT_MAGIC (an exit through this environment, not some other self-loop).
   Where things are (see link.ld): code and read-only data in ROM from 0, .data in RAM with
   its image in ROM, copied to RAM by RVTEST_CODE_BEGIN as a real guest's entry code does. */

#ifndef ZKOS_RISCV_TEST_H
#define ZKOS_RISCV_TEST_H

#define RVTEST_EXIT_MAGIC 0x7e57

/* Nothing to select: the machine is RV32IM in machine mode. */
#define RVTEST_RV32U
#define RVTEST_RV64U
#define RVTEST_RV32M
#define RVTEST_RV64M

#define TESTNUM gp

/* The entry at address 0: copy .data from its load address in ROM to RAM (word by word: the
   linker script aligns both ends to 4), clear the scratch registers, then the tests. */
#define RVTEST_CODE_BEGIN                                               \
        .section .text.init, "ax";                                      \
        .align 2;                                                       \
        .globl _start;                                                  \
_start:                                                                 \
        la t0, _data_lma;                                               \
        la t1, _data_start;                                             \
        la t2, _data_end;                                               \
rvtest_copy_data:                                                       \
        bgeu t1, t2, rvtest_data_copied;                                \
        lw t3, 0(t0);                                                   \
        sw t3, 0(t1);                                                   \
        addi t0, t0, 4;                                                 \
        addi t1, t1, 4;                                                 \
        j rvtest_copy_data;                                             \
rvtest_data_copied:                                                     \
        li t0, 0;                                                       \
        li t1, 0;                                                       \
        li t2, 0;                                                       \
        li t3, 0;                                                       \
        li TESTNUM, 0;

/* Falling off the end of the tests is a bug: trap. */
#define RVTEST_CODE_END                                                 \
        unimp;

#define RVTEST_PASS                                                     \
        li a0, 0;                                                       \
        mv a1, TESTNUM;                                                 \
        li a2, RVTEST_EXIT_MAGIC;                                       \
        j .;

#define RVTEST_FAIL                                                     \
        li a0, 1;                                                       \
        mv a1, TESTNUM;                                                 \
        li a2, RVTEST_EXIT_MAGIC;                                       \
        j .;

#define EXTRA_DATA

#define RVTEST_DATA_BEGIN                                               \
        EXTRA_DATA                                                      \
        .align 4;                                                       \
        .globl begin_signature;                                         \
begin_signature:

#define RVTEST_DATA_END                                                 \
        .align 4;                                                       \
        .globl end_signature;                                           \
end_signature:

#endif

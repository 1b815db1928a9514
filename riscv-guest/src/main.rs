//! The guest binary for riscv32im bare metal (Airbender's machine model): the entry point,
//! the allocator, the panic handler, and a call into the guest logic (`zkos_riscv_guest::run`).
//! See `link.x` for the memory map. On other targets this file builds an empty program so
//! the workspace builds everywhere.
#![cfg_attr(target_arch = "riscv32", no_std, no_main)]

#[cfg(target_arch = "riscv32")]
mod guest {
    use zkos_riscv_guest::heap::BumpAlloc;
    use zkos_riscv_guest::platform::airbender::{abort, publish, Airbender};
    use zkos_riscv_guest::zkos_os::arena::Arena;

    /// EVM memory, stacks and returndata: the stacks take 32 MiB, the rest is split 15:1
    /// between memory and returndata, giving 105 MiB of EVM memory. Enough for any Osaka
    /// transaction: frame memories cost 3m + m²/512 gas for m words, calldata passed to a
    /// call takes no space of its own (`Arena::push_frame_from_memory`), so 1025 live frames
    /// within 2^24 gas hold at most sqrt(512 · 1025 · 2^24) ≈ 2.96 M words (95 MB) by
    /// Cauchy-Schwarz. Beyond it a frame halts and the guest publishes
    /// `Failure::MemoryLimit`, never a commitment.
    const ARENA_BYTES: usize = 144 << 20;

    #[global_allocator]
    static HEAP: BumpAlloc = BumpAlloc::empty();

    extern "C" {
        static _heap_start: u8;
        static _heap_end: u8;
    }

    // Entry: the stack at the bottom of RAM, a zero frame pointer to end stack walks, .data
    // copied from its image in ROM, .bss zeroed, then Rust.
    core::arch::global_asm!(
        ".section .text.start",
        ".global _start",
        "_start:",
        "  la sp, _stack_top",
        "  li s0, 0",
        "  la t0, _data_lma",
        "  la t1, _data_start",
        "  la t2, _data_end",
        "1:",
        "  bgeu t1, t2, 2f",
        "  lw t3, 0(t0)",
        "  sw t3, 0(t1)",
        "  addi t0, t0, 4",
        "  addi t1, t1, 4",
        "  j 1b",
        "2:",
        "  la t1, _bss_start",
        "  la t2, _bss_end",
        "3:",
        "  bgeu t1, t2, 4f",
        "  sw zero, 0(t1)",
        "  addi t1, t1, 4",
        "  j 3b",
        "4:",
        "  call guest_main",
        "  unimp",
    );

    #[no_mangle]
    extern "C" fn guest_main() -> ! {
        // SAFETY: the linker script puts the heap between these symbols and nothing else
        // uses that RAM.
        unsafe {
            let start = core::ptr::addr_of!(_heap_start) as usize;
            let end = core::ptr::addr_of!(_heap_end) as usize;
            HEAP.init(start, end);
        }
        let region = alloc::vec![0u8; ARENA_BYTES].leak();
        let arena = Arena::from_static(region);
        publish(zkos_riscv_guest::run(&mut Airbender, arena))
    }

    extern crate alloc;

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        abort()
    }
}

#[cfg(not(target_arch = "riscv32"))]
fn main() {
    eprintln!("zkos-guest runs on riscv32im-unknown-none-elf; build it with --target");
}

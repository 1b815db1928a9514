//! The arena: one memory layer for EVM memory, operand stacks, calldata and returndata.
//!
//! Frames are stack-disciplined: a child frame's calldata and memory are placed above its
//! parent's, and popping a frame gives the space back. Nothing is freed between transactions;
//! [`Arena::reset`] only rewinds. The backing is reserved once (an anonymous `mmap` on std, a
//! caller-provided static region on bare metal), so pointers into it stay valid while frames
//! grow: a JIT-compiled frame may hold raw pointers into its stack and memory.
//!
//! Layout: `[ stacks: MAX_FRAMES x STACK_BYTES | returndata | memory ... ]`.

use alloy_primitives::U256;

/// Words an operand stack holds (EVM limit).
pub const STACK_LIMIT: usize = 1024;
/// Bytes one frame's operand stack occupies.
pub const STACK_BYTES: usize = STACK_LIMIT * 32;
/// Frames the arena can hold at once: the transaction frame plus 1024 nested calls.
pub const MAX_FRAMES: usize = 1025;
/// Default size reserved for EVM memory and calldata of all live frames (std only): address
/// space only (MAP_NORESERVE); pages are committed when touched. 1024 frames of 1 MiB each
/// (a real test case) need 1 GiB.
pub const DEFAULT_MEMORY_BYTES: usize = 16 << 30;
/// Memory kept committed across [`Arena::reset`]; the pages above are handed back to the OS.
pub const RETAINED_BYTES: usize = 64 << 20;
/// Default size reserved for the returndata buffer (std only).
pub const DEFAULT_RETURNDATA_BYTES: usize = 64 << 20;

/// The arena ran out of reserved space: the frame fails as if out of gas, the host lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArenaFull;

/// Where one frame's calldata and memory live, as offsets into the memory region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameMemory {
    /// The region's top before this frame was pushed: popping rewinds to it.
    pub floor: usize,
    /// Start of the frame's calldata: its own copy (a transaction's input), or a range of
    /// the suspended parent's memory, which cannot change while the child lives.
    pub calldata_start: usize,
    /// Length of the calldata.
    pub calldata_len: usize,
    /// Start of the frame's EVM memory (32-byte aligned).
    pub base: usize,
    /// Current EVM memory size in bytes (a multiple of 32).
    pub len: usize,
}

enum Backing {
    #[cfg(feature = "std")]
    Mmap(memmap2::MmapMut),
    #[allow(dead_code)]
    Static,
}

/// The memory layer of a bootloader; see the module docs.
pub struct Arena {
    _backing: Backing,
    stacks: *mut U256,
    returndata: *mut u8,
    returndata_cap: usize,
    returndata_len: usize,
    memory: *mut u8,
    memory_cap: usize,
    /// First free byte of the memory region.
    top: usize,
    /// Highest `top` since the last reset.
    high_water: usize,
    /// Some request was refused for want of space since [`Arena::take_exhausted`].
    exhausted: bool,
}

// SAFETY: the arena exclusively owns its backing; raw pointers are only an implementation
// detail of that ownership.
unsafe impl Send for Arena {}

impl Arena {
    /// Reserves the default sizes with an anonymous mapping (pages are committed on first use).
    #[cfg(feature = "std")]
    pub fn new() -> Arena {
        Arena::with_capacity(DEFAULT_MEMORY_BYTES, DEFAULT_RETURNDATA_BYTES)
    }

    /// Reserves `memory_bytes` for memory and calldata and `returndata_bytes` for returndata.
    #[cfg(feature = "std")]
    pub fn with_capacity(memory_bytes: usize, returndata_bytes: usize) -> Arena {
        let stacks_len = MAX_FRAMES * STACK_BYTES;
        let total = stacks_len + returndata_bytes + memory_bytes;
        let mut map = memmap2::MmapOptions::new()
            .len(total)
            .no_reserve_swap()
            .map_anon()
            .expect("cannot reserve the arena's address space");
        let base = map.as_mut_ptr();
        // SAFETY: the three regions are disjoint parts of the `total`-byte mapping.
        unsafe { Arena::from_parts(Backing::Mmap(map), base, returndata_bytes, memory_bytes) }
    }

    /// Builds the arena over a static region (bare metal). `buf` must be 32-byte aligned and
    /// larger than the stacks; what is left is split 1:15 between returndata and memory.
    pub fn from_static(buf: &'static mut [u8]) -> Arena {
        let stacks_len = MAX_FRAMES * STACK_BYTES;
        assert!(buf.len() > stacks_len + 64, "arena region too small");
        assert!(
            (buf.as_ptr() as usize).is_multiple_of(32),
            "arena region must be 32-byte aligned"
        );
        let rest = buf.len() - stacks_len;
        let returndata = (rest / 16) & !31;
        let memory = rest - returndata;
        // SAFETY: as above, over the caller's exclusive static buffer.
        unsafe { Arena::from_parts(Backing::Static, buf.as_mut_ptr(), returndata, memory) }
    }

    unsafe fn from_parts(
        backing: Backing,
        base: *mut u8,
        returndata_cap: usize,
        memory_cap: usize,
    ) -> Arena {
        let stacks_len = MAX_FRAMES * STACK_BYTES;
        Arena {
            _backing: backing,
            stacks: base as *mut U256,
            returndata: base.add(stacks_len),
            returndata_cap,
            returndata_len: 0,
            memory: base.add(stacks_len + returndata_cap),
            memory_cap,
            top: 0,
            high_water: 0,
            exhausted: false,
        }
    }

    /// Rewinds everything for the next transaction; keeps the reservation.
    pub fn reset(&mut self) {
        #[cfg(feature = "std")]
        if self.high_water > RETAINED_BYTES {
            if let Backing::Mmap(map) = &self._backing {
                let start = self.memory as usize - map.as_ptr() as usize + RETAINED_BYTES;
                // SAFETY: no frame is live after a reset, so nothing points into the range;
                // the pages read back as zero, which `grow` would write anyway.
                unsafe {
                    let _ = map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        self.high_water - RETAINED_BYTES,
                    );
                }
            }
        }
        self.high_water = 0;
        self.top = 0;
        self.returndata_len = 0;
    }

    /// The operand stack of the frame at `depth` (0 = transaction frame): `STACK_LIMIT` words.
    #[inline(always)]
    pub fn stack_ptr(&mut self, depth: usize) -> *mut U256 {
        assert!(depth < MAX_FRAMES);
        // SAFETY: in bounds of the stacks region by the assert.
        unsafe { self.stacks.add(depth * STACK_LIMIT) }
    }

    /// Places a new frame above all live ones, copying its calldata in.
    pub fn push_frame(&mut self, calldata: &[u8]) -> Result<FrameMemory, ArenaFull> {
        let calldata_start = self.top;
        let base = align32(
            calldata_start
                .checked_add(calldata.len())
                .ok_or_else(|| self.full())?,
        );
        if base > self.memory_cap {
            return Err(self.full());
        }
        // SAFETY: [calldata_start, calldata_start + len) is within memory_cap and free.
        unsafe {
            core::ptr::copy_nonoverlapping(
                calldata.as_ptr(),
                self.memory.add(calldata_start),
                calldata.len(),
            );
        }
        self.top = base;
        Ok(FrameMemory {
            floor: calldata_start,
            calldata_start,
            calldata_len: calldata.len(),
            base,
            len: 0,
        })
    }

    /// Places a new frame whose calldata is the range `[offset, offset + len)` of the top
    /// frame's memory, without copying it: the parent is suspended until the child is
    /// popped, and nothing but the parent writes its memory, so the range stays as it was
    /// (a call chain passing 1 MiB down 1024 frames costs no extra arena space for it).
    pub fn push_frame_from_memory(
        &mut self,
        parent: &FrameMemory,
        offset: usize,
        len: usize,
    ) -> Result<FrameMemory, ArenaFull> {
        let in_parent = offset.checked_add(len).is_some_and(|end| end <= parent.len);
        if len > 0 && !in_parent {
            // The caller expanded the parent's memory over the range; a range outside it is
            // a caller bug, refused rather than read.
            debug_assert!(in_parent, "calldata range outside the parent's memory");
            return Err(self.full());
        }
        let floor = self.top;
        if floor > self.memory_cap {
            return Err(self.full());
        }
        Ok(FrameMemory {
            floor,
            calldata_start: if len > 0 { parent.base + offset } else { floor },
            calldata_len: len,
            base: floor,
            len: 0,
        })
    }

    /// Gives back the space of the top frame `frame`.
    pub fn pop_frame(&mut self, frame: &FrameMemory) {
        debug_assert!(frame.base + frame.len == self.top || frame.len == 0);
        self.top = frame.floor;
    }

    /// Grows the top frame's memory to `new_len` bytes (a multiple of 32), zeroing the new part.
    #[inline]
    pub fn grow(&mut self, frame: &mut FrameMemory, new_len: usize) -> Result<(), ArenaFull> {
        if new_len <= frame.len {
            return Ok(());
        }
        let end = frame.base.checked_add(new_len).ok_or_else(|| self.full())?;
        if end > self.memory_cap {
            return Err(self.full());
        }
        // SAFETY: [base + len, end) lies inside the region and belongs to the top frame.
        unsafe {
            core::ptr::write_bytes(
                self.memory.add(frame.base + frame.len),
                0,
                new_len - frame.len,
            )
        };
        frame.len = new_len;
        self.top = end;
        self.high_water = self.high_water.max(end);
        Ok(())
    }

    /// The frame's EVM memory.
    #[inline(always)]
    pub fn memory(&self, frame: &FrameMemory) -> &[u8] {
        // SAFETY: the frame's memory was reserved by push_frame / grow.
        unsafe { core::slice::from_raw_parts(self.memory.add(frame.base), frame.len) }
    }

    /// The frame's EVM memory, writable.
    #[inline(always)]
    pub fn memory_mut(&mut self, frame: &FrameMemory) -> &mut [u8] {
        // SAFETY: as in `memory`, and `&mut self` makes the borrow exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.memory.add(frame.base), frame.len) }
    }

    /// The frame's calldata.
    #[inline(always)]
    pub fn calldata(&self, frame: &FrameMemory) -> &[u8] {
        // SAFETY: copied in by push_frame, or a range of the live parent's memory
        // (push_frame_from_memory); below the frame's memory either way.
        unsafe {
            core::slice::from_raw_parts(self.memory.add(frame.calldata_start), frame.calldata_len)
        }
    }

    /// The frame's memory (writable) with its calldata and the returndata beside it: three
    /// disjoint regions, so CALLDATACOPY and RETURNDATACOPY copy without an extra buffer.
    #[inline(always)]
    pub fn split(&mut self, frame: &FrameMemory) -> (&mut [u8], &[u8], &[u8]) {
        // SAFETY: calldata lies below the frame's memory in the memory region (its own copy or
        // the parent's memory) and returndata in its own region, so the mutable slice overlaps neither shared one; all three were
        // reserved by push_frame / grow / set_returndata*.
        unsafe {
            (
                core::slice::from_raw_parts_mut(self.memory.add(frame.base), frame.len),
                core::slice::from_raw_parts(
                    self.memory.add(frame.calldata_start),
                    frame.calldata_len,
                ),
                core::slice::from_raw_parts(self.returndata, self.returndata_len),
            )
        }
    }

    /// The last returndata: the output of the most recent child of the running frame.
    #[inline(always)]
    pub fn returndata(&self) -> &[u8] {
        // SAFETY: returndata_len <= returndata_cap, written by set_returndata*.
        unsafe { core::slice::from_raw_parts(self.returndata, self.returndata_len) }
    }

    /// Forgets the returndata (a new call is starting).
    #[inline(always)]
    pub fn clear_returndata(&mut self) {
        self.returndata_len = 0;
    }

    /// Sets the returndata to `frame`'s memory range `[offset, offset + len)`.
    ///
    /// One buffer serves every depth: a frame reads its returndata only while it is the top
    /// frame, and each child it runs overwrites the buffer when it ends.
    pub fn set_returndata_from_memory(
        &mut self,
        frame: &FrameMemory,
        offset: usize,
        len: usize,
    ) -> Result<(), ArenaFull> {
        if len > self.returndata_cap {
            return Err(self.full());
        }
        debug_assert!(offset + len <= frame.len);
        // SAFETY: the source is in the memory region, the destination the returndata region.
        unsafe {
            core::ptr::copy_nonoverlapping(
                self.memory.add(frame.base + offset),
                self.returndata,
                len,
            )
        };
        self.returndata_len = len;
        Ok(())
    }

    /// Sets the returndata to `data` (precompile output).
    pub fn set_returndata(&mut self, data: &[u8]) -> Result<(), ArenaFull> {
        if data.len() > self.returndata_cap {
            return Err(self.full());
        }
        // SAFETY: `data` is not inside the returndata region (callers pass outside buffers).
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), self.returndata, data.len()) };
        self.returndata_len = data.len();
        Ok(())
    }

    /// Marks a refusal (see [`Arena::take_exhausted`]) and returns its error.
    #[cold]
    fn full(&mut self) -> ArenaFull {
        self.exhausted = true;
        ArenaFull
    }

    /// Records that the EVM needed memory this machine cannot give (an offset past the
    /// address space, say), as if the arena had refused it.
    #[cold]
    pub fn mark_exhausted(&mut self) {
        self.exhausted = true;
    }

    /// Whether some frame was refused space since the last call, and clears the mark. A
    /// refused frame halts (`HaltReason::MemoryLimit`), which Ethereum, having no such
    /// limit, would not do: the bootloader reports it in `BlockResult::memory_limit_hit`
    /// so that a prover never publishes such a run as the block's outcome.
    pub fn take_exhausted(&mut self) -> bool {
        core::mem::take(&mut self.exhausted)
    }

    /// Bytes of the memory region in use (for tests and diagnostics).
    pub fn used(&self) -> usize {
        self.top
    }
}

#[cfg(feature = "std")]
impl Default for Arena {
    fn default() -> Self {
        Arena::new()
    }
}

#[inline(always)]
fn align32(x: usize) -> usize {
    (x + 31) & !31
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn nested_frames_are_stacked_and_popped() {
        let mut a = Arena::with_capacity(1 << 20, 1 << 16);
        let mut f0 = a.push_frame(&[1, 2, 3]).unwrap();
        assert_eq!(a.calldata(&f0), &[1, 2, 3]);
        a.grow(&mut f0, 64).unwrap();
        a.memory_mut(&f0)[..4].copy_from_slice(&[9, 8, 7, 6]);
        let mut f1 = a.push_frame_from_memory(&f0, 1, 3).unwrap();
        assert_eq!(a.calldata(&f1), &[8, 7, 6]);
        // The child's calldata is the parent's memory itself: no copy, no space.
        assert_eq!(f1.base, f0.base + f0.len);
        a.grow(&mut f1, 32).unwrap();
        assert!(a.memory(&f1).iter().all(|b| *b == 0));
        a.memory_mut(&f1)[0] = 0xaa;
        a.set_returndata_from_memory(&f1, 0, 2).unwrap();
        a.pop_frame(&f1);
        assert_eq!(a.returndata(), &[0xaa, 0]);
        assert_eq!(&a.memory(&f0)[..4], &[9, 8, 7, 6]);
        // The parent grows into the child's old space, which must read as zero.
        a.grow(&mut f0, 256).unwrap();
        assert!(a.memory(&f0)[64..].iter().all(|b| *b == 0));
        a.pop_frame(&f0);
        assert_eq!(a.used(), 0);
    }

    #[test]
    fn calldata_passed_down_costs_no_space() {
        // 1024 frames each passing its 64 bytes of memory to the next, which copies its
        // calldata into its own memory: only the memories take space.
        let mut a = Arena::with_capacity(1 << 20, 1 << 16);
        let mut parent = a.push_frame(&[]).unwrap();
        a.grow(&mut parent, 64).unwrap();
        a.memory_mut(&parent)[..2].copy_from_slice(&[5, 6]);
        let mut frames = Vec::new();
        for _ in 0..1024 {
            let mut child = a.push_frame_from_memory(&parent, 0, 64).unwrap();
            a.grow(&mut child, 64).unwrap();
            let (mem, calldata, _) = a.split(&child);
            assert_eq!(calldata[..2], [5, 6]);
            mem.copy_from_slice(calldata);
            frames.push(parent);
            parent = child;
        }
        assert_eq!(a.used(), 1025 * 64);
        // An empty range needs no parent memory at all; a range past it is refused.
        let empty = a.push_frame_from_memory(&parent, 1 << 40, 0).unwrap();
        assert!(a.calldata(&empty).is_empty());
        a.pop_frame(&empty);
        for f in frames.into_iter().rev() {
            a.pop_frame(&parent);
            parent = f;
        }
        a.pop_frame(&parent);
        assert_eq!(a.used(), 0);
    }

    #[cfg(not(debug_assertions))]
    #[test]
    fn calldata_outside_the_parent_is_refused() {
        let mut a = Arena::with_capacity(1 << 20, 1 << 16);
        let mut f = a.push_frame(&[]).unwrap();
        a.grow(&mut f, 32).unwrap();
        assert_eq!(a.push_frame_from_memory(&f, 16, 17), Err(ArenaFull));
        assert_eq!(a.push_frame_from_memory(&f, usize::MAX, 2), Err(ArenaFull));
    }

    #[test]
    fn reset_rewinds_and_reused_memory_is_zeroed() {
        let mut a = Arena::with_capacity(1 << 20, 1 << 16);
        let mut f = a.push_frame(&[]).unwrap();
        a.grow(&mut f, 1024).unwrap();
        a.memory_mut(&f).fill(0xff);
        a.reset();
        let mut g = a.push_frame(&[]).unwrap();
        assert_eq!(g.base, 0);
        a.grow(&mut g, 1024).unwrap();
        assert!(a.memory(&g).iter().all(|b| *b == 0));
    }

    #[test]
    fn growth_past_the_reservation_is_an_error() {
        let mut a = Arena::with_capacity(4096, 64);
        let mut f = a.push_frame(&[0; 100]).unwrap();
        assert!(!a.take_exhausted());
        assert_eq!(a.grow(&mut f, 8192), Err(ArenaFull));
        // A refusal is remembered until taken, successes in between or not.
        assert!(a.grow(&mut f, 2048).is_ok());
        assert!(a.take_exhausted());
        assert!(!a.take_exhausted());
        assert_eq!(a.set_returndata(&[0; 65]), Err(ArenaFull));
        assert_eq!(a.push_frame(&[0; 8192]), Err(ArenaFull));
    }

    #[test]
    fn split_gives_the_frames_three_regions() {
        let mut a = Arena::with_capacity(1 << 20, 1 << 16);
        let mut f = a.push_frame(&[7, 8, 9]).unwrap();
        a.grow(&mut f, 32).unwrap();
        a.set_returndata(&[1, 2]).unwrap();
        let (mem, calldata, returndata) = a.split(&f);
        assert_eq!(
            (mem.len(), calldata, returndata),
            (32, &[7u8, 8, 9][..], &[1u8, 2][..])
        );
        mem[..2].copy_from_slice(returndata);
        assert_eq!(&a.memory(&f)[..3], &[1, 2, 0]);
    }

    #[test]
    fn stacks_are_distinct_per_depth() {
        let mut a = Arena::with_capacity(4096, 64);
        let s0 = a.stack_ptr(0) as usize;
        let s1 = a.stack_ptr(1) as usize;
        assert_eq!(s1 - s0, STACK_BYTES);
        let _ = a.stack_ptr(MAX_FRAMES - 1);
    }
}

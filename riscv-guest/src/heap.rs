//! The guest's allocator: a bump allocator over the RAM above the stack and statics. Nothing
//! is freed (a run validates one block and ends); growing the most recent allocation extends
//! it in place, so a vector pushed in a loop does not leave copies of itself behind.
//!
//! The machine's RAM reads zero until first written (the model's memory starts from zero;
//! the project's simulator does the same), and the bump pointer never moves back, so memory
//! it hands out for the first time is already zero: [`GlobalAlloc::alloc_zeroed`] writes
//! nothing. That keeps the 96 MiB arena free instead of 24 million stores.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;

/// Bump pointer over `[next, end)`; single-threaded by the machine model.
pub struct BumpAlloc {
    next: Cell<usize>,
    end: Cell<usize>,
    /// Start of the most recent allocation, for in-place growth.
    last: Cell<usize>,
}

// SAFETY: the guest runs on one hart with no interrupts.
unsafe impl Sync for BumpAlloc {}

impl BumpAlloc {
    /// An allocator with no memory yet; [`BumpAlloc::init`] hands it the heap.
    pub const fn empty() -> Self {
        BumpAlloc {
            next: Cell::new(0),
            end: Cell::new(0),
            last: Cell::new(usize::MAX),
        }
    }

    /// Gives the allocator `[start, end)`.
    ///
    /// # Safety
    /// The range must be memory no one else uses, for the rest of the run.
    pub unsafe fn init(&self, start: usize, end: usize) {
        self.next.set(start);
        self.end.set(end);
    }
}

unsafe impl GlobalAlloc for BumpAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let align = layout.align();
        let Some(start) = self
            .next
            .get()
            .checked_add(align - 1)
            .map(|p| p & !(align - 1))
        else {
            return core::ptr::null_mut();
        };
        match start.checked_add(layout.size()) {
            Some(end) if end <= self.end.get() => {
                self.next.set(end);
                self.last.set(start);
                start as *mut u8
            }
            _ => core::ptr::null_mut(),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`; fresh bump memory is zero (see the module docs).
        unsafe { self.alloc(layout) }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let start = ptr as usize;
        if start == self.last.get() {
            if let Some(end) = start.checked_add(new_size) {
                if end <= self.end.get() {
                    // Never move back: what was written must not be handed out as zero.
                    self.next.set(self.next.get().max(end));
                    return ptr;
                }
            }
            return core::ptr::null_mut();
        }
        // SAFETY: the layout is valid for `new_size` by GlobalAlloc's contract.
        let new =
            unsafe { self.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) };
        if !new.is_null() {
            // SAFETY: both blocks are live and at least min(old, new) bytes long.
            unsafe { core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
        }
        new
    }
}

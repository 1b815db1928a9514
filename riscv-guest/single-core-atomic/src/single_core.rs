//! Atomic types as plain memory operations through an `UnsafeCell`: sound only where a single
//! hart without interrupts runs (the guest), which is the only place this module is used
//! outside tests. Orderings are accepted and need nothing: one hart sees its own writes in
//! program order, and a compiler fence keeps the compiler from moving accesses across them.

use core::cell::UnsafeCell;
use core::sync::atomic::{compiler_fence, Ordering};

/// A fence: on one hart, only the compiler can reorder memory accesses.
#[inline(always)]
pub fn fence(order: Ordering) {
    compiler_fence(order);
}

macro_rules! atomic_int {
    ($name:ident, $t:ty) => {
        /// A single-hart atomic integer.
        #[repr(transparent)]
        pub struct $name(UnsafeCell<$t>);

        // SAFETY: one hart, no interrupts: no access can interleave with another.
        unsafe impl Sync for $name {}

        impl Default for $name {
            fn default() -> Self {
                Self::new(0)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(&self.load(Ordering::Relaxed), f)
            }
        }

        impl $name {
            pub const fn new(v: $t) -> Self {
                $name(UnsafeCell::new(v))
            }
            #[inline(always)]
            pub fn load(&self, _: Ordering) -> $t {
                // SAFETY: no other access runs at the same time (single hart).
                unsafe { *self.0.get() }
            }
            #[inline(always)]
            pub fn store(&self, v: $t, _: Ordering) {
                // SAFETY: as in `load`.
                unsafe { *self.0.get() = v }
            }
            #[inline(always)]
            fn update(&self, f: impl FnOnce($t) -> $t) -> $t {
                let old = self.load(Ordering::Relaxed);
                self.store(f(old), Ordering::Relaxed);
                old
            }
            #[inline(always)]
            pub fn swap(&self, v: $t, _: Ordering) -> $t {
                self.update(|_| v)
            }
            #[inline(always)]
            pub fn compare_exchange(&self, current: $t, new: $t, _: Ordering, _: Ordering) -> Result<$t, $t> {
                let old = self.load(Ordering::Relaxed);
                if old == current {
                    self.store(new, Ordering::Relaxed);
                    Ok(old)
                } else {
                    Err(old)
                }
            }
            #[inline(always)]
            pub fn compare_exchange_weak(&self, current: $t, new: $t, s: Ordering, f: Ordering) -> Result<$t, $t> {
                self.compare_exchange(current, new, s, f)
            }
            #[inline(always)]
            pub fn fetch_add(&self, v: $t, _: Ordering) -> $t {
                self.update(|x| x.wrapping_add(v))
            }
            #[inline(always)]
            pub fn fetch_sub(&self, v: $t, _: Ordering) -> $t {
                self.update(|x| x.wrapping_sub(v))
            }
            #[inline(always)]
            pub fn fetch_and(&self, v: $t, _: Ordering) -> $t {
                self.update(|x| x & v)
            }
            #[inline(always)]
            pub fn fetch_or(&self, v: $t, _: Ordering) -> $t {
                self.update(|x| x | v)
            }
            #[inline(always)]
            pub fn fetch_xor(&self, v: $t, _: Ordering) -> $t {
                self.update(|x| x ^ v)
            }
            #[inline(always)]
            pub fn fetch_nand(&self, v: $t, _: Ordering) -> $t {
                self.update(|x| !(x & v))
            }
            #[inline(always)]
            pub fn fetch_max(&self, v: $t, _: Ordering) -> $t {
                self.update(|x| x.max(v))
            }
            #[inline(always)]
            pub fn fetch_min(&self, v: $t, _: Ordering) -> $t {
                self.update(|x| x.min(v))
            }
            #[inline(always)]
            pub fn fetch_update<F: FnMut($t) -> Option<$t>>(&self, _: Ordering, _: Ordering, mut f: F) -> Result<$t, $t> {
                let old = self.load(Ordering::Relaxed);
                match f(old) {
                    Some(new) => {
                        self.store(new, Ordering::Relaxed);
                        Ok(old)
                    }
                    None => Err(old),
                }
            }
            pub fn get_mut(&mut self) -> &mut $t {
                self.0.get_mut()
            }
            pub fn into_inner(self) -> $t {
                self.0.into_inner()
            }
            pub const fn as_ptr(&self) -> *mut $t {
                self.0.get()
            }
        }
    };
}

atomic_int!(AtomicU8, u8);
atomic_int!(AtomicU16, u16);
atomic_int!(AtomicU32, u32);
atomic_int!(AtomicU64, u64);
atomic_int!(AtomicUsize, usize);
atomic_int!(AtomicI8, i8);
atomic_int!(AtomicI16, i16);
atomic_int!(AtomicI32, i32);
atomic_int!(AtomicI64, i64);
atomic_int!(AtomicIsize, isize);

/// A single-hart atomic boolean.
#[repr(transparent)]
#[derive(Default, Debug)]
pub struct AtomicBool(AtomicU8);

impl AtomicBool {
    pub const fn new(v: bool) -> Self {
        AtomicBool(AtomicU8::new(v as u8))
    }
    #[inline(always)]
    pub fn load(&self, o: Ordering) -> bool {
        self.0.load(o) != 0
    }
    #[inline(always)]
    pub fn store(&self, v: bool, o: Ordering) {
        self.0.store(v as u8, o)
    }
    #[inline(always)]
    pub fn swap(&self, v: bool, o: Ordering) -> bool {
        self.0.swap(v as u8, o) != 0
    }
    #[inline(always)]
    pub fn compare_exchange(&self, current: bool, new: bool, s: Ordering, f: Ordering) -> Result<bool, bool> {
        self.0
            .compare_exchange(current as u8, new as u8, s, f)
            .map(|v| v != 0)
            .map_err(|v| v != 0)
    }
    #[inline(always)]
    pub fn compare_exchange_weak(&self, current: bool, new: bool, s: Ordering, f: Ordering) -> Result<bool, bool> {
        self.compare_exchange(current, new, s, f)
    }
    #[inline(always)]
    pub fn fetch_and(&self, v: bool, o: Ordering) -> bool {
        self.0.fetch_and(v as u8, o) != 0
    }
    #[inline(always)]
    pub fn fetch_or(&self, v: bool, o: Ordering) -> bool {
        self.0.fetch_or(v as u8, o) != 0
    }
    pub fn get_mut(&mut self) -> &mut bool {
        // SAFETY: the byte only ever holds 0 or 1, a valid bool.
        unsafe { &mut *(self.0.get_mut() as *mut u8 as *mut bool) }
    }
    pub fn into_inner(self) -> bool {
        self.0.into_inner() != 0
    }
}

/// A single-hart atomic pointer.
#[repr(transparent)]
pub struct AtomicPtr<T>(UnsafeCell<*mut T>);

// SAFETY: as for the integers.
unsafe impl<T> Sync for AtomicPtr<T> {}
// SAFETY: the pointer is plain data.
unsafe impl<T> Send for AtomicPtr<T> {}

impl<T> core::fmt::Debug for AtomicPtr<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.load(Ordering::Relaxed), f)
    }
}

impl<T> AtomicPtr<T> {
    pub const fn new(p: *mut T) -> Self {
        AtomicPtr(UnsafeCell::new(p))
    }
    #[inline(always)]
    pub fn load(&self, _: Ordering) -> *mut T {
        // SAFETY: single hart.
        unsafe { *self.0.get() }
    }
    #[inline(always)]
    pub fn store(&self, p: *mut T, _: Ordering) {
        // SAFETY: single hart.
        unsafe { *self.0.get() = p }
    }
    #[inline(always)]
    pub fn swap(&self, p: *mut T, o: Ordering) -> *mut T {
        let old = self.load(o);
        self.store(p, o);
        old
    }
    #[inline(always)]
    pub fn compare_exchange(&self, current: *mut T, new: *mut T, s: Ordering, _: Ordering) -> Result<*mut T, *mut T> {
        let old = self.load(s);
        if old == current {
            self.store(new, s);
            Ok(old)
        } else {
            Err(old)
        }
    }
    #[inline(always)]
    pub fn compare_exchange_weak(&self, current: *mut T, new: *mut T, s: Ordering, f: Ordering) -> Result<*mut T, *mut T> {
        self.compare_exchange(current, new, s, f)
    }
    pub fn get_mut(&mut self) -> &mut *mut T {
        self.0.get_mut()
    }
    pub fn into_inner(self) -> *mut T {
        self.0.into_inner()
    }
    pub const fn as_ptr(&self) -> *mut *mut T {
        self.0.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_operations_return_the_old_value() {
        let a = AtomicUsize::new(5);
        assert_eq!(a.fetch_add(3, Ordering::AcqRel), 5);
        assert_eq!(a.fetch_sub(1, Ordering::Release), 8);
        assert_eq!(a.swap(1, Ordering::SeqCst), 7);
        assert_eq!(a.compare_exchange(2, 9, Ordering::AcqRel, Ordering::Acquire), Err(1));
        assert_eq!(a.compare_exchange(1, 9, Ordering::AcqRel, Ordering::Acquire), Ok(1));
        assert_eq!(a.fetch_or(6, Ordering::Relaxed), 9);
        assert_eq!(a.fetch_and(12, Ordering::Relaxed), 15);
        assert_eq!(a.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |x| Some(x * 2)), Ok(12));
        assert_eq!(a.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |_| None), Err(24));
        assert_eq!(a.load(Ordering::Acquire), 24);
        let b = AtomicU8::new(255);
        assert_eq!(b.fetch_add(1, Ordering::Relaxed), 255);
        assert_eq!(b.into_inner(), 0, "wrapping, as core's atomics");
    }

    #[test]
    fn bool_and_pointer() {
        let flag = AtomicBool::new(false);
        assert!(!flag.swap(true, Ordering::SeqCst));
        assert_eq!(flag.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst), Err(true));
        assert!(flag.fetch_and(false, Ordering::SeqCst));
        assert!(!flag.load(Ordering::SeqCst));
        let mut x = 1u32;
        let mut y = 2u32;
        let p = AtomicPtr::new(&mut x as *mut u32);
        assert_eq!(p.swap(&mut y, Ordering::AcqRel), &mut x as *mut u32);
        assert_eq!(p.load(Ordering::Acquire), &mut y as *mut u32);
    }
}

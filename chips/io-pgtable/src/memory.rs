// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Where table memory comes from, how the CPU's writes reach a walker that
//! does not snoop its caches, and the one barrier that orders "table
//! written" before "table linked".

use core::ptr::NonNull;

/// One block of table memory: `virt` is where the CPU writes descriptors,
/// `phys` is the address the SMMU walker reads them at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TablePage {
    /// CPU address of the first byte.
    pub virt: NonNull<u8>,
    /// Bus/physical address of the first byte, as the walker sees it.
    pub phys: u64,
}

/// Source of table memory. The kernel backs it with a static pool or with a
/// process's grant budget; host tests use
/// `test_support::ArenaAllocator`.
///
/// Sizes requested: the granule (4, 16 or 64 KiB) for LPAE tables; a
/// concatenated stage-2 start table (up to 16 granules) once at creation;
/// 16 KiB for the v7s level-1 table and 4 KiB for v7s level-2 pages (each
/// holds four 1 KiB level-2 tables).
///
/// # Safety
///
/// Implementations promise that a block returned by [`alloc`](Self::alloc):
/// is `size` bytes, aligned (both `virt` and `phys`) to `size`, zero-filled,
/// not used by anything else until it is passed back to
/// [`free`](Self::free); that the walker reads byte `phys + i` where the CPU
/// writes `virt + i`; and that [`phys_to_virt`](Self::phys_to_virt) inverts
/// that mapping for every address inside a live block. For v7s tables the
/// allocator should hand out memory below 4 GiB (the crate checks and
/// refuses anything else with [`Error::BadTableMemory`](crate::Error)).
pub unsafe trait PageAllocator {
    /// A zeroed, `size`-aligned block of `size` bytes (`size` is a power of
    /// two, at least 4096), or `None` when memory is exhausted.
    fn alloc(&mut self, size: usize) -> Option<TablePage>;

    /// Returns a block obtained from `alloc(size)`. Its contents are
    /// arbitrary.
    ///
    /// # Safety
    ///
    /// `page` came from this allocator's `alloc(size)` and is not used
    /// afterwards.
    unsafe fn free(&mut self, page: TablePage, size: usize);

    /// The CPU address of the physical address `phys`, which lies inside a
    /// block this allocator handed out and has not been freed.
    fn phys_to_virt(&self, phys: u64) -> NonNull<u8>;
}

// SAFETY: forwards every call to `T`, which upholds the contract.
unsafe impl<T: PageAllocator + ?Sized> PageAllocator for &mut T {
    #[inline(always)]
    fn alloc(&mut self, size: usize) -> Option<TablePage> {
        (**self).alloc(size)
    }

    #[inline(always)]
    unsafe fn free(&mut self, page: TablePage, size: usize) {
        // SAFETY: the caller's guarantee is passed on unchanged.
        unsafe { (**self).free(page, size) }
    }

    #[inline(always)]
    fn phys_to_virt(&self, phys: u64) -> NonNull<u8> {
        (**self).phys_to_virt(phys)
    }
}

/// Makes CPU writes to table memory visible to a walker that does not snoop
/// the CPU caches. Called at most once per table page touched by an
/// operation (never per descriptor), and only when
/// [`Config::coherent_walk`](crate::Config) is false.
pub trait CacheMaintenance {
    /// Clean `[virt, virt + len)` to the point of coherency and wait for
    /// completion. On AArch64: `DC CVAC` over each cache line, then `DSB`
    /// before returning (Arm ARM DDI 0487, "cache maintenance
    /// instructions" in the cache-support chapter of part D, and the
    /// memory-barrier rules of B2.3).
    fn clean_to_poc(&mut self, virt: *const u8, len: usize);
}

/// The hook for walkers that snoop the CPU caches: nothing to do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoherentWalk;

impl CacheMaintenance for CoherentWalk {
    #[inline(always)]
    fn clean_to_poc(&mut self, _virt: *const u8, _len: usize) {}
}

/// Orders every earlier store to table memory before any later store, as
/// observed by the SMMU: used between filling a new table and writing the
/// descriptor that links it, so a walker that follows the link never sees
/// the table half-built.
///
/// On AArch64 this is `DMB OSHST` (Arm ARM DDI 0487 B2.3, "Data Memory
/// Barrier"): the SMMU is an observer in the outer shareable domain, and
/// only store-store order is needed. Elsewhere (host tests) a release fence gives the same order
/// against the compiler.
#[inline(always)]
pub(crate) fn publish_barrier() {
    #[cfg(target_arch = "aarch64")]
    // SAFETY: `dmb oshst` only orders memory accesses; it reads or writes
    // no memory or register the compiler relies on.
    unsafe {
        core::arch::asm!("dmb oshst", options(nostack, preserves_flags));
    }
    #[cfg(not(target_arch = "aarch64"))]
    core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
}

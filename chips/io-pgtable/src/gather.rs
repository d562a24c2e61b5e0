// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The TLB gather: what an unmap (or an unwound map) left for the caller to
//! invalidate, and the table pages that may only be reused after that
//! invalidation has completed.
//!
//! The flow is: `unmap(.., &mut gather)` (any number of times), then the
//! driver invalidates [`TlbGather::ranges`] (or the whole ASID/VMID when
//! [`TlbGather::flush_all`] says so) and waits for the sync, then calls
//! `IoPageTable::release_freed(&mut gather)`, which hands the freed tables
//! back to the allocator and empties the gather. A table page unlinked by an
//! unmap may still sit in the SMMU's walk cache until that invalidation, so
//! it is never reused earlier.
//!
//! No heap: ranges live in a fixed array (adjacent ranges merge; overflow or
//! a large total switches to a whole-context flush), and the freed pages are
//! chained through their own first descriptor slot, written as a page-aligned
//! address whose low bits are zero, which every format reads as an invalid
//! descriptor.

/// How many separate ranges a gather tracks before falling back to a
/// whole-context flush.
pub const GATHER_RANGES: usize = 8;

/// Default total size above which a whole-context flush is cheaper than
/// invalidating by address (SMMUv2 invalidates by VA one granule per
/// register write: IHI 0062D 10.6 / 17.4).
pub const DEFAULT_FLUSH_ALL_THRESHOLD: u64 = 2 << 20;

/// One IOVA range to invalidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct IovaRange {
    /// First byte.
    pub iova: u64,
    /// Length in bytes, a multiple of the gather's granule.
    pub size: u64,
}

/// Pending TLB invalidation and deferred table frees. See the module docs.
#[derive(Debug)]
pub struct TlbGather {
    ranges: [IovaRange; GATHER_RANGES],
    len: usize,
    total: u64,
    threshold: u64,
    flush_all: bool,
    /// Smallest leaf size gathered: the step for by-address invalidation.
    granule: u64,
    /// A table was unlinked: walk caches must be invalidated too (SMMUv2
    /// TLBIVA rather than TLBIVAL, IHI 0062D 17.4).
    tables_unlinked: bool,
    /// Physical address of the first freed page (0: none).
    freed_head: u64,
    freed_count: usize,
    /// Root table CPU address of the page table this gather serves (0: not
    /// yet used).
    owner: u64,
}

impl Default for TlbGather {
    fn default() -> Self {
        Self::new()
    }
}

impl TlbGather {
    /// An empty gather with the default whole-context threshold.
    pub const fn new() -> Self {
        Self::with_threshold(DEFAULT_FLUSH_ALL_THRESHOLD)
    }

    /// An empty gather that asks for a whole-context flush once more than
    /// `threshold` bytes are pending.
    pub const fn with_threshold(threshold: u64) -> Self {
        Self {
            ranges: [IovaRange { iova: 0, size: 0 }; GATHER_RANGES],
            len: 0,
            total: 0,
            threshold,
            flush_all: false,
            granule: u64::MAX,
            tables_unlinked: false,
            freed_head: 0,
            freed_count: 0,
            owner: 0,
        }
    }

    /// Nothing to invalidate and nothing to free.
    pub fn is_empty(&self) -> bool {
        self.len == 0 && !self.flush_all && self.freed_count == 0 && !self.tables_unlinked
    }

    /// The whole context (ASID or VMID) must be invalidated; `ranges()` is
    /// then empty.
    pub fn flush_all(&self) -> bool {
        self.flush_all
    }

    /// Ranges to invalidate by address (empty when `flush_all()`).
    pub fn ranges(&self) -> &[IovaRange] {
        &self.ranges[..self.len]
    }

    /// Step for by-address invalidation: the smallest leaf size gathered
    /// (`None` if no leaf was gathered).
    pub fn granule(&self) -> Option<u64> {
        (self.granule != u64::MAX).then_some(self.granule)
    }

    /// Some table was unlinked, so invalidations must cover walk caches
    /// (non-leaf invalidation), not only leaf TLB entries.
    pub fn tables_unlinked(&self) -> bool {
        self.tables_unlinked
    }

    /// Table pages waiting for `release_freed`.
    pub fn pending_tables(&self) -> usize {
        self.freed_count
    }

    /// Checks that this gather serves the table with root `owner`, claiming
    /// it if unused.
    #[inline]
    pub(crate) fn claim(&mut self, owner: u64) -> Result<(), crate::Error> {
        if self.owner == owner {
            Ok(())
        } else if self.owner == 0 {
            self.owner = owner;
            Ok(())
        } else {
            Err(crate::Error::ForeignGather)
        }
    }

    /// Records that `[iova, iova + size)` (made of leaves of `leaf_size`)
    /// must be invalidated.
    #[inline]
    pub(crate) fn add_range(&mut self, iova: u64, size: u64, leaf_size: u64) {
        if leaf_size < self.granule {
            self.granule = leaf_size;
        }
        if self.flush_all {
            return;
        }
        self.total = self.total.saturating_add(size);
        if self.total > self.threshold {
            self.go_flush_all();
            return;
        }
        if let Some(last) = self.len.checked_sub(1).map(|i| &mut self.ranges[i]) {
            if last.iova.wrapping_add(last.size) == iova {
                last.size += size;
                return;
            }
            if iova.wrapping_add(size) == last.iova {
                last.iova = iova;
                last.size += size;
                return;
            }
        }
        if self.len == GATHER_RANGES {
            self.go_flush_all();
            return;
        }
        self.ranges[self.len] = IovaRange { iova, size };
        self.len += 1;
    }

    fn go_flush_all(&mut self) {
        self.flush_all = true;
        self.len = 0;
    }

    /// Records that a table was unlinked (walk caches may hold it).
    #[inline]
    pub(crate) fn note_table_unlinked(&mut self) {
        self.tables_unlinked = true;
    }

    /// Pushes a freed table page.
    ///
    /// # Safety
    ///
    /// `link_slot` is the 8-byte aligned first word of the table page at
    /// `phys`, which is unlinked from the table (only stale walk-cache
    /// entries may still reach it, and to them the link reads as an invalid
    /// descriptor) and owned by the page table until released.
    #[inline]
    pub(crate) unsafe fn push_freed(&mut self, phys: u64, link_slot: *mut u64) {
        // SAFETY: guaranteed by the caller (see above).
        unsafe { link_slot.write_volatile(self.freed_head) };
        self.freed_head = phys;
        self.freed_count += 1;
    }

    /// Pops a freed page's physical address; the caller reads the link from
    /// its first word with `set_next`.
    #[inline]
    pub(crate) fn freed_head(&self) -> u64 {
        self.freed_head
    }

    #[inline]
    pub(crate) fn set_freed_head(&mut self, next: u64) {
        self.freed_head = next;
        self.freed_count -= 1;
    }

    /// Forgets all ranges and flags (after the caller flushed); the free list
    /// must already be empty.
    pub(crate) fn reset(&mut self) {
        *self = Self::with_threshold(self.threshold);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_ranges_merge_both_ways() {
        let mut g = TlbGather::new();
        g.add_range(0x2000, 0x1000, 0x1000);
        g.add_range(0x3000, 0x1000, 0x1000);
        g.add_range(0x1000, 0x1000, 0x1000);
        assert_eq!(
            g.ranges(),
            &[IovaRange {
                iova: 0x1000,
                size: 0x3000
            }]
        );
        assert_eq!(g.granule(), Some(0x1000));
        assert!(!g.flush_all());
    }

    #[test]
    fn too_many_ranges_fall_back_to_flush_all() {
        let mut g = TlbGather::new();
        for i in 0..GATHER_RANGES as u64 {
            g.add_range(i * 0x10_0000, 0x1000, 0x1000);
        }
        assert_eq!(g.ranges().len(), GATHER_RANGES);
        assert!(!g.flush_all());
        g.add_range(0x1_0000_0000, 0x1000, 0x1000);
        assert!(g.flush_all());
        assert!(g.ranges().is_empty());
        g.add_range(0x2_0000_0000, 0x1000, 0x200);
        assert_eq!(
            g.granule(),
            Some(0x200),
            "granule still tracked after flush-all"
        );
    }

    #[test]
    fn threshold_falls_back_to_flush_all() {
        let mut g = TlbGather::with_threshold(0x4000);
        g.add_range(0, 0x4000, 0x1000);
        assert!(!g.flush_all());
        g.add_range(0x4000, 0x1000, 0x1000);
        assert!(g.flush_all());
    }

    #[test]
    fn claim_is_exclusive_until_reset() {
        let mut g = TlbGather::new();
        assert!(g.is_empty());
        assert_eq!(g.claim(0x1000), Ok(()));
        assert_eq!(g.claim(0x1000), Ok(()));
        assert_eq!(g.claim(0x2000), Err(crate::Error::ForeignGather));
        g.note_table_unlinked();
        assert!(!g.is_empty());
        g.reset();
        assert!(g.is_empty());
        assert_eq!(g.claim(0x2000), Ok(()));
    }
}

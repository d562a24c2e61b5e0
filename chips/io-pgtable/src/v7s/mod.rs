// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Armv7 short-descriptor tables (`v7s`; Armv7 ARM DDI 0406C B3.5), as an
//! SMMUv2 AArch32-S context walks them (IHI 0062D 2.5): 32-bit IOVA, a
//! 16 KiB level-1 table of 4096 entries (1 MiB each: section, 16 MiB
//! supersection replicated in 16 entries, or a pointer to a level-2 table),
//! and 1 KiB level-2 tables of 256 entries (4 KiB small page, 64 KiB large
//! page replicated in 16 entries).
//!
//! Level-2 tables are packed four to a 4 KiB page by position: the tables
//! for level-1 entries 4k..4k+3 share one page, at offsets 0, 1, 2, 3 KiB.
//! So no bookkeeping is needed to find a free slot, and a slot freed and
//! reused before a TLB flush is reused by the same level-1 entry, which a
//! stale walk-cache entry would translate correctly anyway. The page is
//! freed (through the gather) when all four slots are empty.
//!
//! Valid-entry counts of level-2 tables live in an 8 KiB side array from
//! the same allocator (the short format has no spare descriptor bits); the
//! walker never sees it. All table memory must lie below 4 GiB: the TTBR
//! and level-1 descriptors hold 32-bit addresses.
//!
//! Write ordering is as for LPAE (see `lpae`): new level-2 table zeroed
//! and cleaned, `DMB OSHST`, then linked by one 32-bit store; leaves are
//! single 32-bit stores into invalid slots.

mod desc;

use core::ptr::{self, NonNull};

use crate::config::{Config, V7sAttrModel};
use crate::error::Error;
use crate::gather::TlbGather;
use crate::hw::{ContextRegs, V7sRegs};
use crate::memory::{CacheMaintenance, PageAllocator, TablePage, publish_barrier};
use crate::prot::Prot;
use crate::table::Env;

use desc::{
    L1_SECTION, L1_SUPERSECTION, L1_TABLE_ADDR_MASK, L1_TABLE_NS, L1_TYPE_MASK, L1_TYPE_TABLE,
    L2_SMALL, L2_TYPE_LARGE, L2_TYPE_MASK, NMRR, PRRR, supersection_addr, supersection_pa,
};

const L1_ENTRIES: usize = 4096;
const L1_SIZE: usize = 16 << 10;
const L2_ENTRIES: usize = 256;
const L2_TABLE_SIZE: u64 = 1 << 10;
const COUNTS_SIZE: usize = L1_ENTRIES * 2;
const SECTION_SHIFT: u32 = 20;
const SMALL_SHIFT: u32 = 12;
const SMALL: u64 = 1 << 12;
const LARGE: u64 = 1 << 16;
const SECTION: u64 = 1 << 20;
const SUPERSECTION: u64 = 1 << 24;
/// Large pages and supersections are replicated in 16 consecutive entries.
const REPLICAS: usize = 16;

/// A v7s table.
pub(crate) struct V7s {
    l1: *mut u32,
    l1_phys: u64,
    /// Valid entries per level-2 table, indexed like the level-1 table.
    counts: *mut u16,
    counts_phys: u64,
    remap: bool,
    non_secure: bool,
}

/// Level-1 index of `iova`.
#[inline(always)]
fn l1_index(iova: u64) -> usize {
    (iova >> SECTION_SHIFT) as usize
}

/// Level-2 index of `iova`.
#[inline(always)]
fn l2_index(iova: u64) -> usize {
    ((iova >> SMALL_SHIFT) as usize) & (L2_ENTRIES - 1)
}

#[inline(always)]
fn first_live(slots: *const u32, n: usize) -> Option<usize> {
    // SAFETY: callers pass `n` slots inside one live table.
    let entries = unsafe { core::slice::from_raw_parts(slots, n) };
    if n < 8 {
        // Too short for the vector loop's set-up to pay off.
        return entries.iter().position(|&d| d & 0b11 != 0);
    }
    // Any type bits set (0b00 is the only fault encoding).
    if entries.iter().fold(0, |acc, &d| acc | d) & 0b11 == 0 {
        return None;
    }
    entries.iter().position(|&d| d & 0b11 != 0)
}

impl V7s {
    /// Page sizes: 4K, 64K, 1M, 16M.
    pub(crate) const PGSIZE_BITMAP: u64 = SMALL | LARGE | SECTION | SUPERSECTION;
    /// Level-2 tables are allocated (and freed) as 4 KiB pages.
    pub(crate) const L2_PAGE_SIZE: usize = 4096;

    pub(crate) fn new<A: PageAllocator, C: CacheMaintenance>(
        config: &Config,
        env: &mut Env<'_, A, C>,
    ) -> Result<Self, Error> {
        if config.ias != 32 {
            return Err(Error::UnsupportedIas);
        }
        // 32-bit output, or up to 40 bits through supersections (B3.5.1).
        if !(32..=40).contains(&config.oas) {
            return Err(Error::UnsupportedOas);
        }
        if config.contiguous_hint {
            return Err(Error::UnsupportedOption);
        }
        let l1 = alloc_low(env, L1_SIZE)?;
        let Some(counts) = env.alloc.alloc(COUNTS_SIZE) else {
            // SAFETY: `l1` came from `alloc(L1_SIZE)` and is unused.
            unsafe { env.alloc.free(l1, L1_SIZE) };
            return Err(Error::OutOfMemory);
        };
        Ok(Self {
            l1: l1.virt.cast().as_ptr(),
            l1_phys: l1.phys,
            counts: counts.virt.cast().as_ptr(),
            counts_phys: counts.phys,
            remap: config.v7s_attrs == V7sAttrModel::TexRemap,
            non_secure: config.non_secure,
        })
    }

    pub(crate) fn root_virt(&self) -> u64 {
        self.l1 as u64
    }

    #[inline(always)]
    fn l1_slot(&self, i: usize) -> *mut u32 {
        // SAFETY: callers pass `i < L1_ENTRIES`.
        unsafe { self.l1.add(i) }
    }

    #[inline(always)]
    fn count(&self, i: usize) -> *mut u16 {
        // SAFETY: callers pass `i < L1_ENTRIES`; the array has that many.
        unsafe { self.counts.add(i) }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(crate) fn map<A: PageAllocator, C: CacheMaintenance>(
        &mut self,
        env: &mut Env<'_, A, C>,
        iova: u64,
        paddr: u64,
        pgsize: u64,
        size: u64,
        prot: Prot,
        gather: &mut TlbGather,
    ) -> Result<u64, Error> {
        // Only supersections reach beyond 32 bits (B3.5.1).
        if pgsize != SUPERSECTION && paddr + size > 1 << 32 {
            return Err(Error::PhysOutOfRange);
        }
        let attrs = desc::leaf_attrs(prot, self.remap, self.non_secure);
        if pgsize >= SECTION {
            return self.map_l1(env, iova, paddr, pgsize, size, attrs.section);
        }
        let leaf_attrs = if pgsize == SMALL {
            attrs.small | L2_SMALL
        } else {
            attrs.large | L2_TYPE_LARGE
        };
        // Fast path: one existing level-2 table takes the whole request.
        let i1 = l1_index(iova);
        if i1 == l1_index(iova + size - 1) {
            // SAFETY: inside the level-1 table.
            let d = unsafe { self.l1_slot(i1).read() };
            if d & L1_TYPE_MASK == L1_TYPE_TABLE {
                let l2 = self.l2_virt(env.alloc, d);
                let n = (size >> SMALL_SHIFT) as usize;
                return match self.fill_l2(env, l2, i1, l2_index(iova), n, pgsize, paddr, leaf_attrs)
                {
                    Ok(()) => Ok(size),
                    Err(i) => Err(Error::AlreadyMapped {
                        iova: iova + ((i as u64) << SMALL_SHIFT),
                    }),
                };
            }
        }
        let mut done = 0u64;
        while done < size {
            let cur = iova + done;
            let i1 = l1_index(cur);
            let l2 = match self.l2_create(env, i1) {
                Ok(t) => t,
                Err(e) => {
                    self.unwind(env, iova, done, gather);
                    return Err(e);
                }
            };
            let i2 = l2_index(cur);
            let n = ((L2_ENTRIES - i2) as u64).min((size - done) >> SMALL_SHIFT) as usize;
            if let Err(i) = self.fill_l2(env, l2, i1, i2, n, pgsize, paddr + done, leaf_attrs) {
                self.unwind(env, iova, done, gather);
                return Err(Error::AlreadyMapped {
                    iova: cur + ((i as u64) << SMALL_SHIFT),
                });
            }
            done += (n as u64) << SMALL_SHIFT;
        }
        Ok(size)
    }

    /// Writes `n` level-2 entries from index `i2` of `l2` (the table of
    /// level-1 entry `i1`): small pages, or large pages replicated 16 times,
    /// from `pa` with attribute and type bits `attrs`. If any slot is live,
    /// writes nothing and returns its index relative to `i2`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn fill_l2<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        l2: *mut u32,
        i1: usize,
        i2: usize,
        n: usize,
        pgsize: u64,
        pa: u64,
        attrs: u32,
    ) -> Result<(), usize> {
        // SAFETY: callers keep `i2 + n <= L2_ENTRIES`.
        let slots = unsafe { l2.add(i2) };
        if let Some(i) = first_live(slots, n) {
            return Err(i);
        }
        if pgsize == SMALL {
            let mut d = (pa as u32 & 0xffff_f000) | attrs;
            for i in 0..n {
                // SAFETY: `i < n`; one 32-bit store into an invalid slot.
                unsafe { slots.add(i).write_volatile(d) };
                d = d.wrapping_add(SMALL as u32);
            }
        } else {
            for run in 0..n / REPLICAS {
                let run_pa = pa + ((run * REPLICAS) as u64) * SMALL;
                let d = (run_pa as u32 & 0xffff_0000) | attrs;
                for j in 0..REPLICAS {
                    // SAFETY: `run * 16 + j < n`; one 32-bit store.
                    unsafe { slots.add(run * REPLICAS + j).write_volatile(d) };
                }
            }
        }
        let count = self.count(i1);
        // SAFETY: `count` is inside the counts array.
        unsafe { *count += n as u16 };
        env.clean(slots.cast(), n * 4);
        Ok(())
    }

    /// Sections and supersections: runs of level-1 entries.
    fn map_l1<A: PageAllocator, C: CacheMaintenance>(
        &mut self,
        env: &mut Env<'_, A, C>,
        iova: u64,
        paddr: u64,
        pgsize: u64,
        size: u64,
        section_attrs: u32,
    ) -> Result<u64, Error> {
        let first = l1_index(iova);
        let n = (size >> SECTION_SHIFT) as usize;
        let slots = self.l1_slot(first);
        if let Some(i) = first_live(slots, n) {
            return Err(Error::AlreadyMapped {
                iova: iova + ((i as u64) << SECTION_SHIFT),
            });
        }
        if pgsize == SECTION {
            let mut d = (paddr as u32 & 0xfff0_0000) | section_attrs | L1_SECTION;
            for i in 0..n {
                // SAFETY: `first + n <= L1_ENTRIES`; one 32-bit store.
                unsafe { slots.add(i).write_volatile(d) };
                d = d.wrapping_add(SECTION as u32);
            }
        } else {
            for run in 0..n / REPLICAS {
                let pa = paddr + ((run * REPLICAS) as u64) * SECTION;
                let d = supersection_addr(pa) | section_attrs | L1_SUPERSECTION | L1_SECTION;
                for j in 0..REPLICAS {
                    // SAFETY: inside the `n` checked slots; one 32-bit store.
                    unsafe { slots.add(run * REPLICAS + j).write_volatile(d) };
                }
            }
        }
        env.clean(slots.cast(), n * 4);
        Ok(size)
    }

    /// The level-2 table for level-1 entry `i1`, created if missing.
    fn l2_create<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        i1: usize,
    ) -> Result<*mut u32, Error> {
        let slot = self.l1_slot(i1);
        // SAFETY: `slot` is inside the level-1 table.
        let d = unsafe { slot.read() };
        match d & L1_TYPE_MASK {
            L1_TYPE_TABLE => return Ok(self.l2_virt(env.alloc, d)),
            0 => {}
            _ => {
                let span = if d & L1_SUPERSECTION != 0 {
                    SUPERSECTION
                } else {
                    SECTION
                };
                return Err(Error::AlreadyMapped {
                    iova: ((i1 as u64) << SECTION_SHIFT) & !(span - 1),
                });
            }
        }
        let page_phys = match self.sibling_page(i1) {
            Some(p) => p,
            None => {
                let page = alloc_low(env, Self::L2_PAGE_SIZE)?;
                page.phys
            }
        };
        let l2_phys = page_phys + (i1 as u64 % 4) * L2_TABLE_SIZE;
        publish_barrier();
        let ns = if self.non_secure { L1_TABLE_NS } else { 0 };
        // SAFETY: `slot` is inside the level-1 table; one 32-bit store.
        // `l2_phys` < 4 GiB (checked by `alloc_low`).
        unsafe { slot.write_volatile(l2_phys as u32 | ns | L1_TYPE_TABLE) };
        env.clean(slot.cast(), 4);
        Ok(env.alloc.phys_to_virt(l2_phys).cast::<u32>().as_ptr())
    }

    /// Physical base of the level-2 page shared by `i1`'s group of four, if
    /// another member has a table.
    #[inline]
    fn sibling_page(&self, i1: usize) -> Option<u64> {
        let group = i1 & !3;
        (group..group + 4).find_map(|j| {
            // SAFETY: `j < L1_ENTRIES` (groups are aligned).
            let d = unsafe { self.l1_slot(j).read() };
            (d & L1_TYPE_MASK == L1_TYPE_TABLE)
                .then(|| u64::from(d & L1_TABLE_ADDR_MASK) - (j as u64 % 4) * L2_TABLE_SIZE)
        })
    }

    #[inline(always)]
    fn l2_virt<A: PageAllocator>(&self, alloc: &A, d: u32) -> *mut u32 {
        alloc
            .phys_to_virt(u64::from(d & L1_TABLE_ADDR_MASK))
            .cast::<u32>()
            .as_ptr()
    }

    fn unwind<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        iova: u64,
        mapped: u64,
        gather: &mut TlbGather,
    ) {
        if mapped != 0 {
            self.unmap_range(env, iova, iova + mapped, gather);
        }
    }

    pub(crate) fn unmap<A: PageAllocator, C: CacheMaintenance>(
        &mut self,
        env: &mut Env<'_, A, C>,
        iova: u64,
        size: u64,
        gather: &mut TlbGather,
    ) -> Result<u64, Error> {
        let end = iova + size;
        let i1 = l1_index(iova);
        if i1 == l1_index(end - 1) {
            return self.unmap_in_section(env, i1, iova, end, gather);
        }
        if let Some((base, _)) = self.leaf_span(env.alloc, iova)
            && base < iova
        {
            return Err(Error::PartialUnmap { iova: base });
        }
        if let Some((base, len)) = self.leaf_span(env.alloc, end - 1)
            && base + len > end
        {
            return Err(Error::PartialUnmap { iova: base });
        }
        Ok(self.unmap_range(env, iova, end, gather))
    }

    /// Unmap of a range inside one level-1 entry's 1 MiB: one level-1 read
    /// serves both boundary checks and the clearing.
    fn unmap_in_section<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        i1: usize,
        lo: u64,
        hi: u64,
        gather: &mut TlbGather,
    ) -> Result<u64, Error> {
        let slot = self.l1_slot(i1);
        // SAFETY: inside the level-1 table.
        let d = unsafe { slot.read() };
        match d & L1_TYPE_MASK {
            0 => Ok(0),
            L1_TYPE_TABLE => {
                // Only a large page can straddle a 4K-aligned boundary.
                let l2 = self.l2_virt(env.alloc, d);
                for at in [lo, hi - 1] {
                    // SAFETY: index below 256 inside a live level-2 table.
                    let e = unsafe { l2.add(l2_index(at)).read() };
                    let base = at & !(LARGE - 1);
                    if e & L2_TYPE_MASK == L2_TYPE_LARGE && (base < lo || base + LARGE > hi) {
                        return Err(Error::PartialUnmap { iova: base });
                    }
                }
                let (bytes, unlinked) = self.unmap_l2(env, i1, d, lo, hi, gather);
                if unlinked {
                    env.clean(slot.cast(), 4);
                }
                Ok(bytes)
            }
            _ => {
                let span = if d & L1_SUPERSECTION != 0 {
                    SUPERSECTION
                } else {
                    SECTION
                };
                let base = lo & !(span - 1);
                if base < lo || base + span > hi {
                    return Err(Error::PartialUnmap { iova: base });
                }
                // SAFETY: inside the level-1 table; one 32-bit store.
                unsafe { slot.write_volatile(0) };
                env.clean(slot.cast(), 4);
                gather.add_range(base, SECTION, SECTION);
                Ok(SECTION)
            }
        }
    }

    fn unmap_range<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        lo: u64,
        hi: u64,
        gather: &mut TlbGather,
    ) -> u64 {
        let (first, last) = (l1_index(lo), l1_index(hi - 1));
        let mut bytes = 0;
        let mut l1_dirty = false;
        for i1 in first..=last {
            let slot = self.l1_slot(i1);
            // SAFETY: inside the level-1 table.
            let d = unsafe { slot.read() };
            match d & L1_TYPE_MASK {
                0 => {}
                L1_TYPE_TABLE => {
                    let base = (i1 as u64) << SECTION_SHIFT;
                    let (sub_lo, sub_hi) = (lo.max(base), hi.min(base + SECTION));
                    let (cleared, unlinked) = self.unmap_l2(env, i1, d, sub_lo, sub_hi, gather);
                    bytes += cleared;
                    l1_dirty |= unlinked;
                }
                _ => {
                    // SAFETY: inside the level-1 table; one 32-bit store.
                    unsafe { slot.write_volatile(0) };
                    l1_dirty = true;
                    bytes += SECTION;
                    gather.add_range((i1 as u64) << SECTION_SHIFT, SECTION, SECTION);
                }
            }
        }
        if l1_dirty {
            env.clean(self.l1_slot(first).cast(), (last - first + 1) * 4);
        }
        bytes
    }

    /// Clears the level-2 entries of level-1 entry `i1` (table descriptor
    /// `d`) inside `[lo, hi)`, which lies within that entry's 1 MiB.
    /// Returns the bytes cleared and whether the table was unlinked (the
    /// level-1 entry then needs cleaning).
    #[inline(always)]
    fn unmap_l2<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        i1: usize,
        d: u32,
        lo: u64,
        hi: u64,
        gather: &mut TlbGather,
    ) -> (u64, bool) {
        let l2 = self.l2_virt(env.alloc, d);
        let (a, b) = (l2_index(lo), l2_index(hi - 1));
        let mut cleared = 0u16;
        for i2 in a..=b {
            // SAFETY: `i2 < L2_ENTRIES`.
            let e = unsafe { l2.add(i2) };
            // SAFETY: as above.
            if unsafe { e.read() } & L2_TYPE_MASK != 0 {
                // SAFETY: as above; one 32-bit store.
                unsafe { e.write_volatile(0) };
                cleared += 1;
            }
        }
        if cleared == 0 {
            return (0, false);
        }
        gather.add_range(lo, hi - lo, SMALL);
        // SAFETY: `a..=b` is inside the level-2 table.
        env.clean(unsafe { l2.add(a) }.cast(), (b - a + 1) * 4);
        let count = self.count(i1);
        // SAFETY: inside the counts array; `cleared` valid entries were
        // counted when mapped.
        let left = unsafe {
            *count -= cleared;
            *count
        };
        if left == 0 {
            self.unlink_l2(env, i1, d, gather);
        }
        (u64::from(cleared) << SMALL_SHIFT, left == 0)
    }

    /// Unlinks the empty level-2 table of entry `i1` (descriptor `d`); if
    /// its page now holds no table, queues the page for release.
    fn unlink_l2<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        i1: usize,
        d: u32,
        gather: &mut TlbGather,
    ) {
        // SAFETY: inside the level-1 table; one 32-bit store.
        unsafe { self.l1_slot(i1).write_volatile(0) };
        gather.note_table_unlinked();
        if self.sibling_page(i1).is_none() {
            let page = u64::from(d & L1_TABLE_ADDR_MASK) - (i1 as u64 % 4) * L2_TABLE_SIZE;
            let link = env.alloc.phys_to_virt(page).cast::<u64>().as_ptr();
            // SAFETY: no level-1 entry points into the page any more; it is
            // ours until released, and all its entries are zero.
            unsafe { gather.push_freed(page, link) };
        }
    }

    /// Start and length of the mapping containing `iova`.
    fn leaf_span<A: PageAllocator>(&self, alloc: &A, iova: u64) -> Option<(u64, u64)> {
        // SAFETY: the index is below 4096 (IOVA < 2^32, checked by caller).
        let d = unsafe { self.l1_slot(l1_index(iova)).read() };
        let len = match d & L1_TYPE_MASK {
            0 => return None,
            L1_TYPE_TABLE => {
                // SAFETY: index below 256 inside a live level-2 table.
                let e = unsafe { self.l2_virt(alloc, d).add(l2_index(iova)).read() };
                match e & L2_TYPE_MASK {
                    0 => return None,
                    L2_TYPE_LARGE => LARGE,
                    _ => SMALL,
                }
            }
            _ if d & L1_SUPERSECTION != 0 => SUPERSECTION,
            _ => SECTION,
        };
        Some((iova & !(len - 1), len))
    }

    pub(crate) fn iova_to_phys<A: PageAllocator>(&self, alloc: &A, iova: u64) -> Option<u64> {
        // SAFETY: IOVA < 2^32 (checked by the caller), index below 4096.
        let d = unsafe { self.l1_slot(l1_index(iova)).read() };
        match d & L1_TYPE_MASK {
            0 => None,
            L1_TYPE_TABLE => {
                // SAFETY: index below 256 inside a live level-2 table.
                let e = unsafe { self.l2_virt(alloc, d).add(l2_index(iova)).read() };
                match e & L2_TYPE_MASK {
                    0 => None,
                    L2_TYPE_LARGE => Some(u64::from(e & 0xffff_0000) | (iova & (LARGE - 1))),
                    _ => Some(u64::from(e & 0xffff_f000) | (iova & (SMALL - 1))),
                }
            }
            _ if d & L1_SUPERSECTION != 0 => Some(supersection_pa(d) | (iova & (SUPERSECTION - 1))),
            _ => Some(u64::from(d & 0xfff0_0000) | (iova & (SECTION - 1))),
        }
    }

    pub(crate) fn destroy<A: PageAllocator, C: CacheMaintenance>(
        &mut self,
        env: &mut Env<'_, A, C>,
    ) {
        if self.l1.is_null() {
            return;
        }
        for group in (0..L1_ENTRIES).step_by(4) {
            if let Some(page) = self.sibling_page(group) {
                let virt = env.alloc.phys_to_virt(page);
                // SAFETY: the page came from `alloc(L2_PAGE_SIZE)`; the table
                // is being dropped.
                unsafe {
                    env.alloc
                        .free(TablePage { virt, phys: page }, Self::L2_PAGE_SIZE);
                }
            }
        }
        for (ptr, phys, size) in [
            (self.l1.cast::<u8>(), self.l1_phys, L1_SIZE),
            (self.counts.cast::<u8>(), self.counts_phys, COUNTS_SIZE),
        ] {
            if let Some(virt) = NonNull::new(ptr) {
                // SAFETY: both blocks came from `alloc(size)`.
                unsafe { env.alloc.free(TablePage { virt, phys }, size) };
            }
        }
        self.l1 = ptr::null_mut();
    }

    pub(crate) fn context_regs(&self, config: &Config) -> ContextRegs {
        // TTBR0 walk attributes (B4.1.154): coherent walks are Inner and
        // Outer write-back write-allocate (IRGN = RGN = 0b01), Shareable,
        // Inner Shareable (NOS = 1); otherwise non-cacheable.
        let attrs = if config.coherent_walk {
            1 << 6 | 0b01 << 3 | 1 << 5 | 1 << 1
        } else {
            0
        };
        ContextRegs::V7s(V7sRegs {
            ttbr0: self.l1_phys as u32 | attrs,
            // N = 0, PD1 = 1 (no TTBR1 walks).
            ttbcr: 1 << 5,
            tex_remap: self.remap,
            prrr: if self.remap { PRRR } else { 0 },
            nmrr: if self.remap { NMRR } else { 0 },
        })
    }
}

/// A zeroed block of `size` below 4 GiB, aligned to `size`, cleaned for a
/// non-coherent walker.
fn alloc_low<A: PageAllocator, C: CacheMaintenance>(
    env: &mut Env<'_, A, C>,
    size: usize,
) -> Result<TablePage, Error> {
    let page = env.alloc.alloc(size).ok_or(Error::OutOfMemory)?;
    let aligned =
        page.phys & (size as u64 - 1) == 0 && (page.virt.as_ptr() as usize).is_multiple_of(size);
    if !aligned || page.phys + size as u64 > 1 << 32 {
        // SAFETY: the page came from `alloc(size)` and is unused.
        unsafe { env.alloc.free(page, size) };
        return Err(Error::BadTableMemory);
    }
    env.clean(page.virt.as_ptr(), size);
    Ok(page)
}

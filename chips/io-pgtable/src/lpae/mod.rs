// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! LPAE long-descriptor tables (VMSAv8-64, Arm ARM DDI 0487 D8; AArch32
//! LPAE, DDI 0406C B3.6), stage 1 and stage 2.
//!
//! Walk: from the start-level table, index bits `level_shift(level)` up
//! resolve one level each; a valid entry with type 0b11 above level 3 points
//! to the next table, 0b01 is a block; at level 3, 0b11 is a page.
//!
//! Every table except the root records how many valid entries it holds, in
//! the IGNORED bits of the descriptor that points to it (see
//! `desc::table_count`). That is how an unmap knows, without scanning, that
//! a table became empty and can be unlinked and freed.
//!
//! Write ordering (for a walker running concurrently):
//! - a new table is zero-filled by the allocator, cleaned to PoC when the
//!   walker is not coherent, then `publish_barrier` (`DMB OSHST`), and only
//!   then linked by one 64-bit store. A walker that sees the link sees an
//!   all-invalid table, never a half-built one;
//! - leaf entries are written with single-copy-atomic 64-bit stores into
//!   slots that were invalid, so a walker sees either "invalid" (fault) or
//!   the complete new entry; no barrier per entry is needed. The caller's
//!   own barrier before it issues DMA (and the TLB sync that ends an unmap)
//!   orders them against device accesses;
//! - unmap writes invalid entries, then unlinks emptied tables; their pages
//!   wait in the `TlbGather` until the caller's invalidation has completed.

mod desc;
mod geometry;
mod map;
mod regs;
mod unmap;

use core::cell::Cell;
use core::ptr;

use crate::config::{Config, Granule};
use crate::error::Error;
use crate::gather::TlbGather;
use crate::memory::{CacheMaintenance, PageAllocator, TablePage, publish_barrier};
use crate::table::Env;

use desc::{
    ADDR_MASK, CONTIG, NS_TABLE, TYPE_MASK, TYPE_TABLE_OR_PAGE, VALID, table_count,
    with_table_count,
};
pub(crate) use geometry::Geometry;
use geometry::LEAF_LEVEL;

/// The last level-2 or level-3 table walked to: where it is, for which
/// IOVAs, and the descriptor that points to it. Lets repeated operations in
/// the same 2 MiB (level 3, 4K granule) or 1 GiB (level 2) skip the walk
/// from the root. Both hints are reset whenever any table is unlinked, so
/// they only ever name linked tables.
#[derive(Clone, Copy)]
struct TableHint {
    /// `iova >> tag_shift` of the IOVAs the table maps (`u64::MAX`: no
    /// hint).
    tag: u64,
    table: *mut u64,
    parent: *mut u64,
}

const NO_HINT: TableHint = TableHint {
    tag: u64::MAX,
    table: ptr::null_mut(),
    parent: ptr::null_mut(),
};

/// An LPAE table: geometry plus the start-level table.
pub(crate) struct Lpae {
    /// Hints for the tables at levels 2 and 3.
    hints: [Cell<TableHint>; 2],
    /// log2 of the IOVA span of one level-2 and one level-3 table.
    tag_shifts: [u32; 2],
    /// Tables hold at most 512 entries (4K granule): see `count_adjust`.
    narrow_counts: bool,
    geo: Geometry,
    root: *mut u64,
    root_phys: u64,
    root_size: usize,
    ias: u32,
    oas: u32,
    non_secure: bool,
    /// Type bits (and NSTable) of every table descriptor we write.
    table_desc_flags: u64,
}

/// CPU pointer to the table a table descriptor points to.
#[inline(always)]
fn table_virt<A: PageAllocator>(alloc: &A, desc: u64) -> *mut u64 {
    alloc.phys_to_virt(desc & ADDR_MASK).cast::<u64>().as_ptr()
}

/// Adds `delta` (which may be negative, as wrapping) to the count kept in
/// the table descriptor at `parent`; no-op for the root (null parent).
/// `narrow`: counts never exceed 1023 (4K granule: 512 entries), so the
/// count field is just bits \[11:2\] and a shifted add updates it in place.
#[inline(always)]
fn count_adjust(parent: *mut u64, delta: u64, narrow: bool) {
    if !parent.is_null() {
        // SAFETY: a non-null `parent` is a live table-descriptor slot inside
        // a table this `Lpae` owns; `&mut self` excludes other CPU writers.
        unsafe {
            let d = parent.read();
            let updated = if narrow {
                // No carry out of bit 11: 0 <= count + delta <= 512.
                d.wrapping_add(delta << 2)
            } else {
                with_table_count(d, table_count(d).wrapping_add(delta))
            };
            parent.write_volatile(updated);
        }
    }
}

/// Index of the first valid descriptor among `n` slots, if any.
#[inline(always)]
fn first_live(slots: *const u64, n: usize) -> Option<usize> {
    // SAFETY: callers pass `n` slots inside one live table.
    let entries = unsafe { core::slice::from_raw_parts(slots, n) };
    if n < 8 {
        // Too short for the vector loop's set-up to pay off.
        return entries.iter().position(|&d| d & VALID != 0);
    }
    // The OR fold vectorises; the common case (all free) costs ~1
    // instruction per entry.
    if entries.iter().fold(0, |acc, &d| acc | d) & VALID == 0 {
        return None;
    }
    entries.iter().position(|&d| d & VALID != 0)
}

impl Lpae {
    pub(crate) fn new<A: PageAllocator, C: CacheMaintenance>(
        config: &Config,
        env: &mut Env<'_, A, C>,
    ) -> Result<Self, Error> {
        let geo = Geometry::new(config)?;
        let mut t = Self {
            hints: [Cell::new(NO_HINT), Cell::new(NO_HINT)],
            tag_shifts: [geo.level_shift(1), geo.level_shift(2)],
            narrow_counts: geo.granule == Granule::K4,
            geo,
            root: ptr::null_mut(),
            root_phys: 0,
            root_size: geo.root_size(),
            ias: config.ias,
            oas: config.oas,
            non_secure: config.non_secure,
            table_desc_flags: TYPE_TABLE_OR_PAGE | if config.non_secure { NS_TABLE } else { 0 },
        };
        let page = t.alloc_table(env, t.root_size)?;
        t.root = page.virt.cast().as_ptr();
        t.root_phys = page.phys;
        Ok(t)
    }

    pub(crate) fn root_virt(&self) -> u64 {
        self.root as u64
    }

    /// Size of every non-root table page.
    pub(crate) fn table_size(&self) -> usize {
        self.geo.granule.size()
    }

    pub(crate) fn pgsize_bitmap(&self) -> u64 {
        // Nothing larger than the input address space.
        self.geo.pgsize_bitmap() & (u64::MAX >> (63 - self.ias))
    }

    /// A zeroed table page of `size` bytes, checked against the allocator
    /// contract and made visible to a non-coherent walker.
    fn alloc_table<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        size: usize,
    ) -> Result<TablePage, Error> {
        let page = env.alloc.alloc(size).ok_or(Error::OutOfMemory)?;
        let end = page.phys.checked_add(size as u64);
        let aligned = page.phys & (size as u64 - 1) == 0
            && (page.virt.as_ptr() as usize).is_multiple_of(size);
        if !aligned || end.is_none_or(|e| e > 1u64 << self.oas) {
            // SAFETY: the page came from `alloc(size)` and is unused.
            unsafe { env.alloc.free(page, size) };
            return Err(Error::BadTableMemory);
        }
        env.clean(page.virt.as_ptr(), size);
        Ok(page)
    }

    /// The table at `target` level covering `iova`, creating missing tables
    /// on the way, and the slot of the descriptor pointing to it (null for
    /// the root).
    #[inline(always)]
    fn walk_create<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        iova: u64,
        target: u32,
    ) -> Result<(*mut u64, *mut u64), Error> {
        if let Some(hit) = self.hint_for(target, iova) {
            return Ok(hit);
        }
        let (mut table, mut parent, from) = match self.hint_for(target - 1, iova) {
            Some((table, parent)) => (table, parent, target - 1),
            None => (self.root, ptr::null_mut(), self.geo.start_level),
        };
        for level in from..target {
            // SAFETY: `table` is a live table at `level`, and `index` is
            // below its entry count.
            let slot = unsafe { table.add(self.geo.index(iova, level)) };
            // SAFETY: `slot` is inside a live table.
            let desc = unsafe { slot.read() };
            if desc & VALID == 0 {
                let child = self.alloc_table(env, self.table_size())?;
                // The zeroed child is visible (cleaned if needed) before the
                // store that links it.
                publish_barrier();
                // SAFETY: `slot` is inside a live table; one 64-bit store.
                unsafe { slot.write_volatile(child.phys | self.table_desc_flags) };
                count_adjust(parent, 1, self.narrow_counts);
                env.clean(slot.cast(), 8);
                table = child.virt.cast().as_ptr();
            } else if desc & TYPE_MASK == TYPE_TABLE_OR_PAGE {
                table = table_virt(env.alloc, desc);
            } else {
                let span = 1u64 << self.geo.level_shift(level);
                return Err(Error::AlreadyMapped {
                    iova: iova & !(span - 1),
                });
            }
            parent = slot;
            self.set_hint(level + 1, iova, table, parent);
        }
        Ok((table, parent))
    }

    /// The hinted table at `level` (and its parent slot) for `iova`, if
    /// any. Only levels 2 and 3 have hints.
    #[inline(always)]
    fn hint_for(&self, level: u32, iova: u64) -> Option<(*mut u64, *mut u64)> {
        if !(2..=LEAF_LEVEL).contains(&level) {
            return None;
        }
        // Level 2 -> hint 0, level 3 -> hint 1.
        let k = (level & 1) as usize;
        let h = self.hints[k].get();
        (h.tag == iova >> self.tag_shifts[k]).then_some((h.table, h.parent))
    }

    /// Remembers `table` (pointed to by `parent`) as the table at `level`
    /// for `iova`; levels without hints are ignored.
    #[inline(always)]
    fn set_hint(&self, level: u32, iova: u64, table: *mut u64, parent: *mut u64) {
        if level >= 2 {
            let k = (level & 1) as usize;
            self.hints[k].set(TableHint {
                tag: iova >> self.tag_shifts[k],
                table,
                parent,
            });
        }
    }

    fn reset_hints(&self) {
        self.hints[0].set(NO_HINT);
        self.hints[1].set(NO_HINT);
    }

    /// Unlinks and frees the empty tables on the path to `iova`, deepest
    /// first.
    fn prune<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        iova: u64,
        gather: &mut TlbGather,
    ) {
        let mut path = [ptr::null_mut::<u64>(); 4];
        let mut depth = 0;
        let mut table = self.root;
        for level in self.geo.start_level..LEAF_LEVEL {
            // SAFETY: `table` is live at `level`; index in range.
            let slot = unsafe { table.add(self.geo.index(iova, level)) };
            // SAFETY: inside a live table.
            let d = unsafe { slot.read() };
            if d & TYPE_MASK != TYPE_TABLE_OR_PAGE {
                break;
            }
            path[depth] = slot;
            depth += 1;
            table = table_virt(env.alloc, d);
        }
        self.prune_path(env, &path[..depth], ptr::null_mut(), gather);
    }

    /// Clears the table descriptor `d` at `slot` and queues its (empty)
    /// table for release after the flush.
    #[inline]
    fn unlink<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        slot: *mut u64,
        d: u64,
        gather: &mut TlbGather,
    ) {
        // SAFETY: `slot` is a live slot of a table we own.
        unsafe { slot.write_volatile(0) };
        self.reset_hints();
        gather.note_table_unlinked();
        let child = table_virt(env.alloc, d);
        // SAFETY: `child` is the first word of the page just unlinked; it
        // is ours until released.
        unsafe { gather.push_freed(d & ADDR_MASK, child) };
    }

    /// Bytes mapped by leaf `d` at `level`: one entry, or its whole
    /// contiguous run.
    #[inline(always)]
    fn leaf_len(&self, d: u64, level: u32) -> u64 {
        let len = 1u64 << self.geo.level_shift(level);
        if d & CONTIG != 0 {
            len * self.geo.contig_run(level)
        } else {
            len
        }
    }

    /// Start and length of the mapping containing `iova`, walking from
    /// `table` at `level`.
    fn leaf_span_from<A: PageAllocator>(
        &self,
        alloc: &A,
        mut table: *mut u64,
        mut level: u32,
        iova: u64,
    ) -> Option<(u64, u64)> {
        loop {
            // SAFETY: `table` is live at `level`; index in range.
            let d = unsafe { table.add(self.geo.index(iova, level)).read() };
            if d & VALID == 0 {
                return None;
            }
            if level == LEAF_LEVEL || d & TYPE_MASK != TYPE_TABLE_OR_PAGE {
                let len = self.leaf_len(d, level);
                return Some((iova & !(len - 1), len));
            }
            table = table_virt(alloc, d);
            level += 1;
        }
    }

    /// Walks back up `path` (table-descriptor slots, root side first; the
    /// table holding `path[0]` is pointed to by `base_parent`), unlinking
    /// each table that is now empty, until one is not.
    fn prune_path<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        path: &[*mut u64],
        base_parent: *mut u64,
        gather: &mut TlbGather,
    ) {
        for depth in (0..path.len()).rev() {
            let slot = path[depth];
            // SAFETY: `slot` is a live table-descriptor slot.
            let d = unsafe { slot.read() };
            if table_count(d) != 0 {
                return;
            }
            self.unlink(env, slot, d, gather);
            env.clean(slot.cast(), 8);
            // The table holding `path[0]` is counted in `base_parent`
            // (null: it is the root).
            let parent = if depth == 0 {
                base_parent
            } else {
                path[depth - 1]
            };
            count_adjust(parent, 1u64.wrapping_neg(), self.narrow_counts);
        }
    }

    /// The leaf descriptor mapping `iova` and its level.
    #[inline]
    fn leaf_desc_from<A: PageAllocator>(
        &self,
        alloc: &A,
        mut table: *mut u64,
        mut level: u32,
        iova: u64,
    ) -> Option<(u64, u32)> {
        loop {
            // SAFETY: `table` is live at `level`; index in range.
            let d = unsafe { table.add(self.geo.index(iova, level)).read() };
            if d & VALID == 0 {
                return None;
            }
            let table_or_page = d & TYPE_MASK == TYPE_TABLE_OR_PAGE;
            if level == LEAF_LEVEL {
                return table_or_page.then_some((d, level));
            }
            if !table_or_page {
                return Some((d, level));
            }
            table = table_virt(alloc, d);
            level += 1;
        }
    }

    pub(crate) fn iova_to_phys<A: PageAllocator>(&self, alloc: &A, iova: u64) -> Option<u64> {
        if let Some((table, _)) = self.hint_for(LEAF_LEVEL, iova) {
            // SAFETY: the hint names a linked level-3 table.
            let d = unsafe { table.add(self.geo.index(iova, LEAF_LEVEL)).read() };
            if d & TYPE_MASK != TYPE_TABLE_OR_PAGE {
                return None;
            }
            let offset_mask = (1u64 << self.geo.granule_shift) - 1;
            return Some((d & ADDR_MASK & !offset_mask) | (iova & offset_mask));
        }
        let (table, level) = match self.hint_for(2, iova) {
            Some((table, _)) => (table, 2),
            None => (self.root, self.geo.start_level),
        };
        let (d, level) = self.leaf_desc_from(alloc, table, level, iova)?;
        let offset_mask = (1u64 << self.geo.level_shift(level)) - 1;
        Some((d & ADDR_MASK & !offset_mask) | (iova & offset_mask))
    }

    /// Frees every table (the root last).
    pub(crate) fn destroy<A: PageAllocator, C: CacheMaintenance>(
        &mut self,
        env: &mut Env<'_, A, C>,
    ) {
        let Some(virt) = ptr::NonNull::new(self.root.cast::<u8>()) else {
            return;
        };
        self.reset_hints();
        self.free_children(env, self.root, self.geo.start_level);
        // SAFETY: the root came from `alloc(root_size)`; the table is being
        // dropped.
        unsafe {
            env.alloc.free(
                TablePage {
                    virt,
                    phys: self.root_phys,
                },
                self.root_size,
            );
        }
        self.root = ptr::null_mut();
    }

    fn free_children<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        table: *mut u64,
        level: u32,
    ) {
        if level == LEAF_LEVEL {
            return;
        }
        for i in 0..self.geo.entries(level) {
            // SAFETY: `i` indexes the live table.
            let d = unsafe { table.add(i).read() };
            if d & TYPE_MASK == TYPE_TABLE_OR_PAGE {
                let child = table_virt(env.alloc, d);
                self.free_children(env, child, level + 1);
                let virt = env.alloc.phys_to_virt(d & ADDR_MASK);
                // SAFETY: every linked table came from `alloc(table_size)`.
                unsafe {
                    env.alloc.free(
                        TablePage {
                            virt,
                            phys: d & ADDR_MASK,
                        },
                        self.table_size(),
                    );
                }
            }
        }
    }
}

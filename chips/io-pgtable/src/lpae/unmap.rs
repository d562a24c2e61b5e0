// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! LPAE `unmap`: boundary checks first (a refused partial unmap changes
//! nothing), then clearing, then unlinking the tables left empty; walks
//! start at a hinted table when the range allows.

use core::ptr;

use super::desc::{TYPE_BLOCK, TYPE_MASK, TYPE_TABLE_OR_PAGE, VALID, table_count};
use super::geometry::LEAF_LEVEL;
use super::{Lpae, count_adjust, table_virt};
use crate::error::Error;
use crate::gather::TlbGather;
use crate::memory::{CacheMaintenance, PageAllocator};
use crate::table::Env;

impl Lpae {
    /// Unmaps `[iova, iova + size)`: descends while the range lies under a
    /// single entry (one walk, like a lookup), checks that neither boundary
    /// cuts a block or contiguous run, clears, then unlinks tables left
    /// empty on the way back up.
    pub(crate) fn unmap<A: PageAllocator, C: CacheMaintenance>(
        &mut self,
        env: &mut Env<'_, A, C>,
        iova: u64,
        size: u64,
        gather: &mut TlbGather,
    ) -> Result<u64, Error> {
        let (lo, hi) = (iova, iova + size);
        let within = |k: usize| lo >> self.tag_shifts[k] == (hi - 1) >> self.tag_shifts[k];
        if within(1)
            && let Some((table, parent)) = self.hint_for(LEAF_LEVEL, lo)
        {
            return self.unmap_in_leaf_table(env, table, parent, lo, hi, gather);
        }
        // Start from the hinted level-2 table when the range lies inside it
        // (`base_parent` then points to it), else from the root.
        let (mut table, mut level, base_parent) = match self.hint_for(2, lo) {
            Some((table, parent)) if within(0) => {
                let i = self.geo.index(lo, 2);
                // SAFETY: the hint names a linked level-2 table.
                let slot = unsafe { table.add(i) };
                // SAFETY: as above.
                let d = unsafe { slot.read() };
                if i == self.geo.index(hi - 1, 2) && d & TYPE_MASK == TYPE_BLOCK {
                    return self.unmap_block(env, slot, d, 2, &[], parent, lo, hi, gather);
                }
                (table, 2, parent)
            }
            _ => (self.root, self.geo.start_level, ptr::null_mut()),
        };
        let parent_at = |path: &[*mut u64; 4], depth: usize| {
            if depth == 0 {
                base_parent
            } else {
                path[depth - 1]
            }
        };
        let mut path = [ptr::null_mut::<u64>(); 4];
        let mut depth = 0;
        while level < LEAF_LEVEL {
            let i = self.geo.index(lo, level);
            if i != self.geo.index(hi - 1, level) {
                break;
            }
            // SAFETY: `table` is live at `level`; index in range.
            let slot = unsafe { table.add(i) };
            // SAFETY: as above.
            let d = unsafe { slot.read() };
            if d & VALID == 0 {
                return Ok(0);
            }
            if d & TYPE_MASK != TYPE_TABLE_OR_PAGE {
                return self.unmap_block(
                    env,
                    slot,
                    d,
                    level,
                    &path[..depth],
                    base_parent,
                    lo,
                    hi,
                    gather,
                );
            }
            path[depth] = slot;
            depth += 1;
            table = table_virt(env.alloc, d);
            level += 1;
            self.set_hint(level, lo, table, slot);
        }
        // The range spans several entries of `table`. At level 3 without
        // contiguous runs no entry can straddle a (granule-aligned)
        // boundary; otherwise look at the two boundary leaves first, so a
        // refusal changes nothing.
        if level < LEAF_LEVEL || self.geo.contig_run(LEAF_LEVEL) != 0 {
            if let Some((base, _)) = self.leaf_span_from(env.alloc, table, level, lo)
                && base < lo
            {
                return Err(Error::PartialUnmap { iova: base });
            }
            if let Some((base, len)) = self.leaf_span_from(env.alloc, table, level, hi - 1)
                && base + len > hi
            {
                return Err(Error::PartialUnmap { iova: base });
            }
        }
        let bytes = self.unmap_table(env, table, level, parent_at(&path, depth), lo, hi, gather);
        self.prune_after_unmap(env, &path[..depth], base_parent, lo, gather);
        Ok(bytes)
    }

    /// Unlinks the tables an unmap emptied: those on `path`, then, if the
    /// walk started at a hinted table (`base_parent` non-null) that is now
    /// empty too, the rest by a walk from the root (rare, so hints keep no
    /// path above them).
    fn prune_after_unmap<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        path: &[*mut u64],
        base_parent: *mut u64,
        iova: u64,
        gather: &mut TlbGather,
    ) {
        self.prune_path(env, path, base_parent, gather);
        // SAFETY: a non-null `base_parent` is the live slot pointing to the
        // hinted table (pruning below it never frees the table holding it).
        if !base_parent.is_null() && table_count(unsafe { base_parent.read() }) == 0 {
            self.prune(env, iova, gather);
        }
    }

    /// Unmap within the level-3 table `table` (pointed to by `parent`),
    /// found through the hint; an emptied table is pruned by a walk from
    /// the root (rare, so the hint keeps no path).
    fn unmap_in_leaf_table<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        table: *mut u64,
        parent: *mut u64,
        lo: u64,
        hi: u64,
        gather: &mut TlbGather,
    ) -> Result<u64, Error> {
        if self.geo.contig_run(LEAF_LEVEL) != 0 {
            if let Some((base, _)) = self.leaf_span_from(env.alloc, table, LEAF_LEVEL, lo)
                && base < lo
            {
                return Err(Error::PartialUnmap { iova: base });
            }
            if let Some((base, len)) = self.leaf_span_from(env.alloc, table, LEAF_LEVEL, hi - 1)
                && base + len > hi
            {
                return Err(Error::PartialUnmap { iova: base });
            }
        }
        let bytes = self.unmap_leaves(env, table, parent, lo, hi, gather);
        self.prune_after_unmap(env, &[], parent, lo, gather);
        Ok(bytes)
    }

    /// Unmaps the block `d` at `slot` (level `level`), which covers all of
    /// `[lo, hi)`: all of the block or nothing. `path` holds the slots
    /// walked through below the walk's start table, whose own descriptor is
    /// `base_parent` (null: the root); the block's table is pointed to by
    /// the last of `path`, or by `base_parent` if `path` is empty.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn unmap_block<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        slot: *mut u64,
        d: u64,
        level: u32,
        path: &[*mut u64],
        base_parent: *mut u64,
        lo: u64,
        hi: u64,
        gather: &mut TlbGather,
    ) -> Result<u64, Error> {
        let span = self.leaf_len(d, level);
        let base = lo & !(span - 1);
        if base < lo || base + span > hi {
            return Err(Error::PartialUnmap { iova: base });
        }
        // SAFETY: `slot` is a live slot; one 64-bit store.
        unsafe { slot.write_volatile(0) };
        gather.add_range(base, span, span);
        env.clean(slot.cast(), 8);
        let parent = path.last().copied().unwrap_or(base_parent);
        count_adjust(parent, 1u64.wrapping_neg(), self.narrow_counts);
        self.prune_after_unmap(env, path, base_parent, lo, gather);
        Ok(span)
    }

    pub(super) fn unmap_range<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        lo: u64,
        hi: u64,
        gather: &mut TlbGather,
    ) -> u64 {
        self.unmap_table(
            env,
            self.root,
            self.geo.start_level,
            ptr::null_mut(),
            lo,
            hi,
            gather,
        )
    }

    /// Clears every mapping of `table` (at `level`, pointed to by `parent`)
    /// inside `[lo, hi)`, which lies within the table's span; recursion
    /// depth is at most four levels.
    #[allow(clippy::too_many_arguments)]
    fn unmap_table<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        table: *mut u64,
        level: u32,
        parent: *mut u64,
        lo: u64,
        hi: u64,
        gather: &mut TlbGather,
    ) -> u64 {
        let shift = self.geo.level_shift(level);
        let first = self.geo.index(lo, level);
        let last = self.geo.index(hi - 1, level);
        if level == LEAF_LEVEL {
            return self.unmap_leaves(env, table, parent, lo, hi, gather);
        }
        let mut cleared = 0u64;
        let mut bytes = 0u64;
        {
            let span = 1u64 << shift;
            let table_base = lo & !((span << self.geo.level_bits(level)) - 1);
            for i in first..=last {
                // SAFETY: `i` indexes the live table.
                let slot = unsafe { table.add(i) };
                // SAFETY: as above.
                let d = unsafe { slot.read() };
                if d & VALID == 0 {
                    continue;
                }
                let base = table_base + ((i as u64) << shift);
                if d & TYPE_MASK == TYPE_TABLE_OR_PAGE {
                    let (sub_lo, sub_hi) = (lo.max(base), hi.min(base + span));
                    let child = table_virt(env.alloc, d);
                    bytes += self.unmap_table(env, child, level + 1, slot, sub_lo, sub_hi, gather);
                    // SAFETY: `slot` is still a live slot.
                    let d = unsafe { slot.read() };
                    if table_count(d) == 0 {
                        self.unlink(env, slot, d, gather);
                        cleared += 1;
                    }
                } else {
                    // A block wholly inside the range (the caller checked
                    // both boundaries).
                    // SAFETY: `slot` is a live slot; one 64-bit store.
                    unsafe { slot.write_volatile(0) };
                    cleared += 1;
                    bytes += span;
                    gather.add_range(base, span, span);
                }
            }
        }
        if cleared != 0 {
            count_adjust(parent, cleared.wrapping_neg(), self.narrow_counts);
            // SAFETY: `first..=last` is within the table.
            env.clean(unsafe { table.add(first) }.cast(), (last - first + 1) * 8);
        }
        bytes
    }

    /// `unmap_table` for a level-3 table: clear the valid pages in
    /// `[lo, hi)`, then one count update, one gather range, one clean.
    #[inline(always)]
    fn unmap_leaves<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        table: *mut u64,
        parent: *mut u64,
        lo: u64,
        hi: u64,
        gather: &mut TlbGather,
    ) -> u64 {
        let shift = self.geo.level_shift(LEAF_LEVEL);
        let first = self.geo.index(lo, LEAF_LEVEL);
        let last = self.geo.index(hi - 1, LEAF_LEVEL);
        let mut cleared = 0u64;
        for i in first..=last {
            // SAFETY: `i` indexes the live table.
            let slot = unsafe { table.add(i) };
            // SAFETY: as above.
            if unsafe { slot.read() } & VALID != 0 {
                // SAFETY: as above; one 64-bit store.
                unsafe { slot.write_volatile(0) };
                cleared += 1;
            }
        }
        if cleared != 0 {
            gather.add_range(lo, hi - lo, 1 << shift);
            count_adjust(parent, cleared.wrapping_neg(), self.narrow_counts);
            // SAFETY: `first..=last` is within the table.
            env.clean(unsafe { table.add(first) }.cast(), (last - first + 1) * 8);
        }
        cleared << shift
    }
}

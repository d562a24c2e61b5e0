// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! LPAE `map`: one walk per leaf table (or none, through a walk hint),
//! a vectorised check that the target slots are free, then one store per
//! entry; unwinding on failure.

use super::desc::{self, CONTIG, TYPE_BLOCK, TYPE_TABLE_OR_PAGE};
use super::geometry::LEAF_LEVEL;
use super::{Lpae, count_adjust, first_live};
use crate::error::Error;
use crate::gather::TlbGather;
use crate::memory::{CacheMaintenance, PageAllocator};
use crate::prot::Prot;
use crate::table::Env;

impl Lpae {
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
        let (level, run) = self.geo.leaf_for(pgsize);
        let shift = self.geo.level_shift(level);
        let type_bits = if level == LEAF_LEVEL {
            TYPE_TABLE_OR_PAGE
        } else {
            TYPE_BLOCK
        };
        let attrs = desc::leaf_attrs(self.geo.stage, prot, self.non_secure)
            | type_bits
            | if run > 1 { CONTIG } else { 0 };
        let total = size >> shift;
        // Fast path: everything lands in a remembered table (level 3 for
        // pages, level 2 for blocks).
        let hint = match level {
            LEAF_LEVEL => self.hint_for(LEAF_LEVEL, iova),
            2 => self.hint_for(2, iova),
            _ => None,
        };
        if let Some((table, parent)) = hint {
            let idx = self.geo.index(iova, level);
            if idx as u64 + total <= self.geo.entries(level) as u64 {
                // SAFETY: the hint names a linked level-3 table and
                // `idx + total` is within its entries.
                let slots = unsafe { table.add(idx) };
                return match self.fill(env, slots, parent, total as usize, paddr | attrs, shift) {
                    Ok(()) => Ok(size),
                    Err(i) => Err(Error::AlreadyMapped {
                        iova: iova + ((i as u64) << shift),
                    }),
                };
            }
        }
        let mut done = 0u64;
        while done < total {
            let cur = iova + (done << shift);
            let (table, parent) = match self.walk_create(env, cur, level) {
                Ok(t) => t,
                Err(e) => {
                    let prune = matches!(e, Error::OutOfMemory | Error::BadTableMemory);
                    self.unwind(env, iova, done << shift, prune.then_some(cur), gather);
                    return Err(e);
                }
            };
            let idx = self.geo.index(cur, level);
            // Whole runs only: `idx` is run-aligned and tables hold whole
            // runs, so `n` stays a multiple of `run`.
            let n = ((self.geo.entries(level) - idx) as u64).min(total - done) as usize;
            // SAFETY: `idx + n` is within the table's entries.
            let slots = unsafe { table.add(idx) };
            let first = (paddr + (done << shift)) | attrs;
            if let Err(i) = self.fill(env, slots, parent, n, first, shift) {
                self.unwind(env, iova, done << shift, None, gather);
                return Err(Error::AlreadyMapped {
                    iova: cur + ((i as u64) << shift),
                });
            }
            done += n as u64;
        }
        Ok(size)
    }

    /// Writes `n` leaves into the free slots at `slots` (of the table
    /// `parent` points to): `first`, then the output address advancing by
    /// `1 << shift` each. If any slot is live, writes nothing and returns
    /// its index.
    #[inline(always)]
    fn fill<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        slots: *mut u64,
        parent: *mut u64,
        n: usize,
        first: u64,
        shift: u32,
    ) -> Result<(), usize> {
        if let Some(i) = first_live(slots, n) {
            return Err(i);
        }
        let mut d = first;
        for i in 0..n {
            // SAFETY: the caller passes `n` slots inside one live table;
            // single 64-bit store into an invalid slot.
            unsafe { slots.add(i).write_volatile(d) };
            d += 1 << shift;
        }
        count_adjust(parent, n as u64, self.narrow_counts);
        env.clean(slots.cast(), n * 8);
        Ok(())
    }

    /// Removes what a failed `map` wrote: `[iova, iova + mapped)`, then, if
    /// the failure was an allocation, the empty tables created on the way
    /// to `failed`.
    pub(super) fn unwind<A: PageAllocator, C: CacheMaintenance>(
        &self,
        env: &mut Env<'_, A, C>,
        iova: u64,
        mapped: u64,
        failed: Option<u64>,
        gather: &mut TlbGather,
    ) {
        if mapped != 0 {
            self.unmap_range(env, iova, iova + mapped, gather);
        }
        if let Some(at) = failed {
            self.prune(env, at, gather);
        }
    }
}

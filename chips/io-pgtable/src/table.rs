// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! `IoPageTable`: the one type drivers use. It owns the allocator and the
//! cache hook, checks every argument once (so the formats can assume valid
//! input) and dispatches statically to the LPAE or v7s implementation.

use core::mem::ManuallyDrop;
use core::ptr;

use crate::config::{Config, Format};
use crate::error::Error;
use crate::gather::TlbGather;
use crate::hw::HwConfig;
use crate::lpae::Lpae;
use crate::memory::{CacheMaintenance, CoherentWalk, PageAllocator};
use crate::prot::Prot;
use crate::v7s::V7s;

/// The memory side of an operation: allocator, cache hook, and whether the
/// hook must be called at all.
pub(crate) struct Env<'a, A, C> {
    pub(crate) alloc: &'a mut A,
    pub(crate) cache: &'a mut C,
    pub(crate) coherent: bool,
}

impl<A: PageAllocator, C: CacheMaintenance> Env<'_, A, C> {
    /// Cleans `len` bytes at `virt` for a non-coherent walker.
    #[inline(always)]
    pub(crate) fn clean(&mut self, virt: *const u8, len: usize) {
        if !self.coherent {
            self.cache.clean_to_poc(virt, len);
        }
    }
}

// The LPAE state (geometry lookup tables, walk hints) is a few hundred
// bytes; there is no heap to box it into, and a domain holds one table, so
// the v7s case wasting that space costs nothing worth an indirection.
#[allow(clippy::large_enum_variant)]
enum Imp {
    Lpae(Lpae),
    V7s(V7s),
}

/// An IOMMU page table in one of the supported formats.
///
/// Every method that returns an error leaves the table unchanged. Nothing
/// here panics on any input.
pub struct IoPageTable<A: PageAllocator, C: CacheMaintenance = CoherentWalk> {
    config: Config,
    pgsize_bitmap: u64,
    /// Root table CPU address: identifies this table to a `TlbGather`.
    owner: u64,
    alloc: A,
    cache: C,
    imp: Imp,
}

impl<A: PageAllocator, C: CacheMaintenance> IoPageTable<A, C> {
    /// Validates `config` and allocates the start-level table.
    pub fn new(config: Config, mut alloc: A, mut cache: C) -> Result<Self, Error> {
        let mut env = Env {
            alloc: &mut alloc,
            cache: &mut cache,
            coherent: config.coherent_walk,
        };
        let (imp, pgsize_bitmap) = match config.format {
            Format::Lpae64 { .. } | Format::Lpae32 { .. } => {
                let t = Lpae::new(&config, &mut env)?;
                let bitmap = t.pgsize_bitmap();
                (Imp::Lpae(t), bitmap)
            }
            Format::V7s => {
                let t = V7s::new(&config, &mut env)?;
                (Imp::V7s(t), V7s::PGSIZE_BITMAP)
            }
        };
        let owner = match &imp {
            Imp::Lpae(t) => t.root_virt(),
            Imp::V7s(t) => t.root_virt(),
        };
        Ok(Self {
            config,
            pgsize_bitmap,
            owner,
            alloc,
            cache,
            imp,
        })
    }

    /// The configuration the table was created with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Bit n set: pages of 2^n bytes can be mapped.
    pub fn pgsize_bitmap(&self) -> u64 {
        self.pgsize_bitmap
    }

    /// Register values for a context that walks this table.
    pub fn hw_config(&self) -> HwConfig {
        let regs = match &self.imp {
            Imp::Lpae(t) => t.context_regs(&self.config),
            Imp::V7s(t) => t.context_regs(&self.config),
        };
        HwConfig {
            format: self.config.format,
            ias: self.config.ias,
            oas: self.config.oas,
            pgsize_bitmap: self.pgsize_bitmap,
            regs,
        }
    }

    /// The allocator (for example to read its counters).
    pub fn allocator(&self) -> &A {
        &self.alloc
    }

    /// The allocator, mutably (for example to adjust a quota). Freeing
    /// table pages through it is prevented by `free` being `unsafe`.
    pub fn allocator_mut(&mut self) -> &mut A {
        &mut self.alloc
    }

    /// The cache-maintenance hook.
    pub fn cache_maintenance(&self) -> &C {
        &self.cache
    }

    /// Frees every table page and returns the allocator and cache hook
    /// (what dropping does, keeping the parts). The same caveats as for
    /// `Drop` apply.
    pub fn destroy(self) -> (A, C) {
        let mut me = ManuallyDrop::new(self);
        me.free_tables();
        // SAFETY: `me` is never used or dropped again, so each field is
        // moved out exactly once; `config` and `imp` own no resources after
        // `free_tables`.
        unsafe { (ptr::read(&me.alloc), ptr::read(&me.cache)) }
    }

    fn free_tables(&mut self) {
        let mut env = Env {
            alloc: &mut self.alloc,
            cache: &mut self.cache,
            coherent: self.config.coherent_walk,
        };
        match &mut self.imp {
            Imp::Lpae(t) => t.destroy(&mut env),
            Imp::V7s(t) => t.destroy(&mut env),
        }
    }

    /// Identifies this table to a gather: the root's CPU address, unique
    /// while the table lives (physical addresses need not be, across
    /// allocators).
    #[inline(always)]
    fn gather_owner(&self) -> u64 {
        self.owner
    }

    /// Maps `pgcount` pages of `pgsize` bytes at `iova` to `paddr`.
    ///
    /// Returns the bytes mapped (always `pgsize * pgcount`). If any page in
    /// the range is live, or table memory runs out, every entry written by
    /// this call is removed again and the error returned; the removed range
    /// is then in `gather` (a walker may have cached it), to be flushed like
    /// an unmap.
    pub fn map(
        &mut self,
        iova: u64,
        paddr: u64,
        pgsize: u64,
        pgcount: usize,
        prot: Prot,
        gather: &mut TlbGather,
    ) -> Result<u64, Error> {
        if !pgsize.is_power_of_two() || self.pgsize_bitmap & pgsize == 0 {
            return Err(Error::UnsupportedPageSize);
        }
        if pgcount == 0 {
            return Err(Error::ZeroSize);
        }
        if !(prot.read || prot.write) {
            return Err(Error::NoAccess);
        }
        if (iova | paddr) & (pgsize - 1) != 0 {
            return Err(Error::Misaligned);
        }
        let size = pgsize
            .checked_mul(pgcount as u64)
            .ok_or(Error::IovaOutOfRange)?;
        self.check_iova(iova, size)?;
        match paddr.checked_add(size) {
            Some(end) if end <= 1u64 << self.config.oas => {}
            _ => return Err(Error::PhysOutOfRange),
        }
        gather.claim(self.gather_owner())?;
        let mut env = Env {
            alloc: &mut self.alloc,
            cache: &mut self.cache,
            coherent: self.config.coherent_walk,
        };
        match &mut self.imp {
            Imp::Lpae(t) => t.map(&mut env, iova, paddr, pgsize, size, prot, gather),
            Imp::V7s(t) => t.map(&mut env, iova, paddr, pgsize, size, prot, gather),
        }
    }

    /// Maps `size` bytes at `iova` to `paddr` using the largest page sizes
    /// the alignment of both addresses allows. All or nothing, like `map`.
    pub fn map_range(
        &mut self,
        iova: u64,
        paddr: u64,
        size: u64,
        prot: Prot,
        gather: &mut TlbGather,
    ) -> Result<u64, Error> {
        let min = 1u64 << self.pgsize_bitmap.trailing_zeros();
        if size == 0 {
            return Err(Error::ZeroSize);
        }
        if (iova | paddr | size) & (min - 1) != 0 {
            return Err(Error::Misaligned);
        }
        let mut done = 0;
        while done < size {
            let (cur, pa, left) = (iova + done, paddr + done, size - done);
            let (pgsize, count) = self.pick_pgsize(cur, pa, left);
            match self.map(cur, pa, pgsize, count, prot, gather) {
                Ok(n) => done += n,
                Err(e) => {
                    if done > 0 {
                        // Our own mappings, exactly: cannot be refused.
                        let _ = self.unmap(iova, done, gather);
                    }
                    return Err(e);
                }
            }
        }
        Ok(done)
    }

    /// Largest page size usable at (`iova`, `pa`) with `left` bytes to go,
    /// and how many such pages to map before a larger size could start.
    fn pick_pgsize(&self, iova: u64, pa: u64, left: u64) -> (u64, usize) {
        let align = iova | pa;
        let fit = self.pgsize_bitmap
            & (u64::MAX >> left.leading_zeros())
            & if align == 0 {
                u64::MAX
            } else {
                (1u64 << align.trailing_zeros() << 1).wrapping_sub(1)
            };
        // `fit` is non-empty: the smallest size divides iova, pa and left.
        let pgsize = 1u64 << (63 - fit.leading_zeros());
        let larger = self.pgsize_bitmap & !((pgsize << 1) - 1);
        let mut count = left / pgsize;
        if larger != 0 {
            let next = 1u64 << larger.trailing_zeros();
            let to_boundary = (next - (iova & (next - 1))) / pgsize;
            count = count.min(to_boundary);
        }
        (pgsize, count as usize)
    }

    /// Unmaps every mapping inside `[iova, iova + size)` and returns the
    /// bytes they covered (0 if nothing was mapped; holes are skipped).
    ///
    /// If a boundary of the range cuts a block, a contiguous run, a v7s
    /// large page or supersection, nothing is changed and
    /// [`Error::PartialUnmap`] is returned: splitting a live block needs
    /// break-before-make (see `doc/io-pgtable.md`).
    pub fn unmap(&mut self, iova: u64, size: u64, gather: &mut TlbGather) -> Result<u64, Error> {
        let min = 1u64 << self.pgsize_bitmap.trailing_zeros();
        if size == 0 {
            return Err(Error::ZeroSize);
        }
        if (iova | size) & (min - 1) != 0 {
            return Err(Error::Misaligned);
        }
        self.check_iova(iova, size)?;
        gather.claim(self.gather_owner())?;
        let mut env = Env {
            alloc: &mut self.alloc,
            cache: &mut self.cache,
            coherent: self.config.coherent_walk,
        };
        match &mut self.imp {
            Imp::Lpae(t) => t.unmap(&mut env, iova, size, gather),
            Imp::V7s(t) => t.unmap(&mut env, iova, size, gather),
        }
    }

    /// The physical address `iova` translates to, if mapped.
    pub fn iova_to_phys(&self, iova: u64) -> Option<u64> {
        if iova >> self.config.ias != 0 {
            return None;
        }
        match &self.imp {
            Imp::Lpae(t) => t.iova_to_phys(&self.alloc, iova),
            Imp::V7s(t) => t.iova_to_phys(&self.alloc, iova),
        }
    }

    /// Hands the table pages held by `gather` back to the allocator and
    /// empties it.
    ///
    /// # Safety
    ///
    /// The caller has invalidated everything `gather` asked for (its ranges
    /// or the whole context, walk caches included when
    /// [`TlbGather::tables_unlinked`]) and waited for that invalidation to
    /// complete, so no walker can still reach the pages.
    pub unsafe fn release_freed(&mut self, gather: &mut TlbGather) {
        if gather.claim(self.gather_owner()).is_err() {
            return;
        }
        let size = match &self.imp {
            Imp::Lpae(t) => t.table_size(),
            Imp::V7s(_) => V7s::L2_PAGE_SIZE,
        };
        while gather.freed_head() != 0 {
            let phys = gather.freed_head();
            let virt = self.alloc.phys_to_virt(phys);
            let link = virt.cast::<u64>().as_ptr();
            // SAFETY: `phys` was pushed by this table as a freed page of
            // `size` bytes; its first word holds the link and nothing else
            // uses the page (the caller guarantees the walker cannot).
            let next = unsafe { link.read_volatile() };
            gather.set_freed_head(next);
            // SAFETY: as above; the page came from `self.alloc.alloc(size)`.
            unsafe {
                self.alloc.free(crate::TablePage { virt, phys }, size);
            }
        }
        gather.reset();
    }

    fn check_iova(&self, iova: u64, size: u64) -> Result<(), Error> {
        match iova.checked_add(size) {
            Some(end) if end <= 1u64 << self.config.ias => Ok(()),
            _ => Err(Error::IovaOutOfRange),
        }
    }
}

impl<A: PageAllocator, C: CacheMaintenance> Drop for IoPageTable<A, C> {
    /// Frees every table page. The context using the table must already be
    /// disabled and invalidated; pages still in a gather are the gather
    /// owner's to release.
    fn drop(&mut self) {
        self.free_tables();
    }
}

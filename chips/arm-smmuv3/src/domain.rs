// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! A stage-1 translation domain: one `io-pgtable` LPAE-64 table and the
//! ASID that tags its TLB entries, with strict map/unmap (an unmap returns
//! only after the SMMU's TLB no longer holds the removed translations).

use core::mem::ManuallyDrop;

use io_pgtable::{
    CacheMaintenance, Config, Format, HwConfig, IoPageTable, PageAllocator, Prot, Stage, TlbGather,
};

use crate::driver::SmmuV3;
use crate::error::SmmuError;
use crate::io::RegisterIo;

/// A stage-1 domain: page table plus ASID.
///
/// Dropping it frees its table pages: detach every stream from it first
/// (`SmmuV3::detach` invalidates and syncs). A domain whose invalidation
/// failed (see [`Stage1Domain::is_broken`]) never frees them: dropping it
/// leaks the table on purpose, because the SMMU may still walk it.
pub struct Stage1Domain<A: PageAllocator, C: CacheMaintenance> {
    table: ManuallyDrop<IoPageTable<A, C>>,
    asid: u16,
    /// An invalidation failed: pages it should have released stay
    /// allocated (quarantined) and every later operation fails.
    broken: bool,
}

impl<A: PageAllocator, C: CacheMaintenance> Stage1Domain<A, C> {
    /// A domain with an empty table from `alloc`. `config` must be an
    /// AArch64 stage-1 LPAE format (`Format::Lpae64 { stage: S1, .. }`);
    /// set `config.coherent_walk` from the SMMU's IDR0.COHACC.
    pub fn new(config: Config, alloc: A, cache: C, asid: u16) -> Result<Self, SmmuError> {
        if !matches!(
            config.format,
            Format::Lpae64 {
                stage: Stage::S1,
                ..
            }
        ) {
            return Err(SmmuError::UnsupportedTable);
        }
        let table = IoPageTable::new(config, alloc, cache).map_err(SmmuError::PageTable)?;
        Ok(Self {
            table: ManuallyDrop::new(table),
            asid,
            broken: false,
        })
    }

    /// An invalidation for this domain did not complete: every operation
    /// fails from now on and the table pages are quarantined.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Marks the domain broken (an invalidation for it failed elsewhere,
    /// e.g. in a detach).
    pub fn mark_broken(&mut self) {
        self.broken = true;
    }

    /// The ASID tagging this domain's TLB entries.
    pub fn asid(&self) -> u16 {
        self.asid
    }

    /// The registers a context descriptor needs for this table.
    pub fn hw_config(&self) -> HwConfig {
        self.table.hw_config()
    }

    /// The table allocator (to read its usage).
    pub fn allocator(&self) -> &A {
        self.table.allocator()
    }

    /// Maps `size` bytes at `iova` to `paddr`. All or nothing: if the table
    /// refuses part of it, what was written is removed and invalidated
    /// before the error returns. The SMMU never caches a translation fault
    /// (IHI 0070 §3.17 "translation caching"), so a successful map needs no
    /// invalidation.
    pub fn map<R: RegisterIo>(
        &mut self,
        smmu: &mut SmmuV3<R>,
        iova: u64,
        paddr: u64,
        size: u64,
        prot: Prot,
    ) -> Result<(), SmmuError> {
        self.usable()?;
        let mut gather = TlbGather::new();
        let result = self.table.map_range(iova, paddr, size, prot, &mut gather);
        self.finish(smmu, &mut gather)?;
        result.map(|_| ()).map_err(SmmuError::PageTable)
    }

    /// Unmaps `[iova, iova + size)` and returns the bytes that were mapped.
    /// When it returns `Ok`, the invalidation and its CMD_SYNC completed.
    pub fn unmap<R: RegisterIo>(
        &mut self,
        smmu: &mut SmmuV3<R>,
        iova: u64,
        size: u64,
    ) -> Result<u64, SmmuError> {
        self.usable()?;
        let mut gather = TlbGather::new();
        let result = self.table.unmap(iova, size, &mut gather);
        self.finish(smmu, &mut gather)?;
        result.map_err(SmmuError::PageTable)
    }

    /// Software walk of the table.
    pub fn iova_to_phys(&self, iova: u64) -> Option<u64> {
        self.table.iova_to_phys(iova)
    }

    fn usable(&self) -> Result<(), SmmuError> {
        if self.broken {
            Err(SmmuError::SyncTimeout)
        } else {
            Ok(())
        }
    }

    /// Invalidates what `gather` holds and only then releases the freed
    /// table pages; on failure the pages stay allocated for good.
    fn finish<R: RegisterIo>(
        &mut self,
        smmu: &mut SmmuV3<R>,
        gather: &mut TlbGather,
    ) -> Result<(), SmmuError> {
        if gather.is_empty() && gather.pending_tables() == 0 {
            return Ok(());
        }
        if let Err(error) = smmu.invalidate(self.asid, gather) {
            self.broken = true;
            return Err(error);
        }
        // SAFETY: the invalidation above covered every range in `gather`
        // (walk caches too when a table was unlinked: non-leaf TLBI or a
        // whole-ASID invalidation) and its CMD_SYNC completed.
        unsafe { self.table.release_freed(gather) };
        Ok(())
    }
}

impl<A: PageAllocator, C: CacheMaintenance> Drop for Stage1Domain<A, C> {
    fn drop(&mut self) {
        if !self.broken {
            // SAFETY: dropped exactly once, here; the field is not used
            // afterwards.
            unsafe { ManuallyDrop::drop(&mut self.table) };
        }
    }
}

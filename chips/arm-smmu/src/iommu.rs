// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `kernel::hil::iommu::Iommu` for the SMMUv2: each domain is one context
//! bank plus one `io-pgtable` page table that owns the caller's allocator.
//!
//! Strictness: every operation that removes translations (unmap, a map that
//! was unwound, free) invalidates what the page table gathered and waits for
//! the sync before returning, and only then lets the page table release the
//! table pages it unlinked. If the sync times out, the domain is retired and
//! its page table is deliberately leaked (`core::mem::forget`): its pages, and
//! everything mapped through them, stay out of circulation for good.

use core::cell::RefCell;

use io_pgtable::{
    CacheMaintenance, Config, Format, IoPageTable, MemType, PageAllocator, Prot, TlbGather,
};
use kernel::ErrorCode;
use kernel::hil::iommu::{
    Access, Capacity, DomainConfig, DomainId, FaultClient, Granule, Iommu, PageSizes, Protection,
    Stage, TableFormat,
};

use crate::driver::ArmSmmu;
use crate::error::SmmuError;
use crate::io::RegisterIo;

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Architectural leaf sizes per format (Arm ARM DDI 0487 D8.2 for VMSAv8-64
/// granules; DDI 0406C B3.5 for short descriptors, B3.6 for LPAE).
const fn architectural_sizes(format: TableFormat) -> u64 {
    match format {
        TableFormat::Lpae64(Granule::Size4K) | TableFormat::Lpae32 => (4 * KIB) | (2 * MIB) | GIB,
        TableFormat::Lpae64(Granule::Size16K) => (16 * KIB) | (32 * MIB),
        TableFormat::Lpae64(Granule::Size64K) => (64 * KIB) | (512 * MIB),
        TableFormat::ShortDescriptor => (4 * KIB) | (64 * KIB) | MIB | (16 * MIB),
    }
}

/// The SMMUv2 as a `hil::iommu` implementation.
///
/// `A` is the table-page allocator each domain owns (one per domain owner),
/// `C` the cache maintenance hook for table writes (`io_pgtable::CoherentWalk`
/// when sIDR0.CTTW says walks are coherent).
pub struct SmmuIommu<'a, R, A, C, const CONTEXTS: usize, const STREAMS: usize>
where
    R: RegisterIo,
    A: PageAllocator,
    C: CacheMaintenance + Clone,
{
    smmu: &'a ArmSmmu<'a, R, CONTEXTS, STREAMS>,
    cache: C,
    tables: [RefCell<Option<IoPageTable<A, C>>>; CONTEXTS],
}

impl<'a, R, A, C, const CONTEXTS: usize, const STREAMS: usize>
    SmmuIommu<'a, R, A, C, CONTEXTS, STREAMS>
where
    R: RegisterIo,
    A: PageAllocator,
    C: CacheMaintenance + Clone,
{
    /// Wraps a probed and reset SMMU. `cache` is cloned into every domain's
    /// page table.
    pub fn new(smmu: &'a ArmSmmu<'a, R, CONTEXTS, STREAMS>, cache: C) -> Self {
        Self {
            smmu,
            cache,
            tables: [const { RefCell::new(None) }; CONTEXTS],
        }
    }

    /// The hardware driver underneath.
    pub fn smmu(&self) -> &'a ArmSmmu<'a, R, CONTEXTS, STREAMS> {
        self.smmu
    }

    /// The `io-pgtable` configuration for a requested domain, with output
    /// sizes set to what the SMMU produces for that stage (IHI 0062D
    /// SMMU_sIDR2: stage 1 outputs IAS bits, stage 2 OAS bits).
    fn table_config(&self, config: &DomainConfig) -> Config {
        let caps = self.smmu.capabilities();
        let stage = match config.stage {
            Stage::One => io_pgtable::Stage::S1,
            Stage::Two => io_pgtable::Stage::S2,
        };
        let output = u32::from(match config.stage {
            Stage::One => caps.ias_bits,
            Stage::Two => caps.oas_bits,
        });
        let (format, output) = match config.format {
            TableFormat::Lpae64(granule) => {
                let granule = match granule {
                    Granule::Size4K => io_pgtable::Granule::K4,
                    Granule::Size16K => io_pgtable::Granule::K16,
                    Granule::Size64K => io_pgtable::Granule::K64,
                };
                (Format::Lpae64 { stage, granule }, output.min(48))
            }
            // VMSAv7 LPAE outputs at most 40 bits (DDI 0406C B3.6).
            TableFormat::Lpae32 => (Format::Lpae32 { stage }, output.min(40)),
            // Short descriptors: 32-bit output without supersection
            // extensions (DDI 0406C B3.5).
            TableFormat::ShortDescriptor => (Format::V7s, 32),
        };
        let mut table = Config::new(format, u32::from(config.iova_bits), output);
        table.coherent_walk = caps.coherent_walk;
        table
    }

    /// The table cell of `domain`, if the driver manages its bank.
    fn cell(&self, domain: DomainId) -> Result<&RefCell<Option<IoPageTable<A, C>>>, SmmuError> {
        self.smmu
            .slot_of_bank(domain.index())
            .and_then(|slot| self.tables.get(slot))
            .ok_or(SmmuError::InvalidDomain)
    }

    /// Runs `f` on `domain`'s page table, exclusively.
    fn with_table<T>(
        &self,
        domain: DomainId,
        f: impl FnOnce(&mut IoPageTable<A, C>) -> Result<T, SmmuError>,
    ) -> Result<T, ErrorCode> {
        let mut cell = self
            .cell(domain)?
            .try_borrow_mut()
            .map_err(|_| ErrorCode::Busy)?;
        let table = cell.as_mut().ok_or(SmmuError::InvalidDomain)?;
        Ok(f(table)?)
    }

    /// Invalidates what `gather` holds, waits, then lets the table free the
    /// pages it unlinked. On a timeout the gathered pages are never freed.
    fn finish(
        &self,
        domain: DomainId,
        table: &mut IoPageTable<A, C>,
        mut gather: TlbGather,
    ) -> Result<(), SmmuError> {
        if gather.is_empty() {
            return Ok(());
        }
        self.smmu.invalidate_gathered(domain, &gather)?;
        if self.smmu.skip_invalidation() {
            // Test hook: nothing was invalidated, so the pages stay leaked.
            return Ok(());
        }
        // SAFETY: `invalidate_gathered` returned Ok, so everything the gather
        // asked for (its ranges, or the whole ASID/VMID; non-leaf when tables
        // were unlinked) was invalidated and the sync completed: no walker
        // can reach the freed pages any more.
        unsafe { table.release_freed(&mut gather) };
        Ok(())
    }
}

impl<'a, R, A, C, const CONTEXTS: usize, const STREAMS: usize> Iommu<'a>
    for SmmuIommu<'a, R, A, C, CONTEXTS, STREAMS>
where
    R: RegisterIo,
    A: PageAllocator,
    C: CacheMaintenance + Clone,
{
    type Tables = A;

    fn set_fault_client(&self, client: &'a dyn FaultClient) {
        self.smmu.set_fault_client(client);
    }

    fn capacity(&self) -> Capacity {
        let (total_domains, free_domains) = self.smmu.context_counts();
        Capacity {
            total_domains,
            free_domains,
        }
    }

    fn page_sizes(&self, format: TableFormat) -> PageSizes {
        let formats = self.smmu.capabilities().formats;
        let supported = match format {
            TableFormat::Lpae64(Granule::Size4K) => formats.aarch64_4k,
            TableFormat::Lpae64(Granule::Size16K) => formats.aarch64_16k,
            TableFormat::Lpae64(Granule::Size64K) => formats.aarch64_64k,
            TableFormat::Lpae32 => formats.aarch32_long,
            TableFormat::ShortDescriptor => formats.aarch32_short,
        };
        PageSizes::from_bits(if supported {
            architectural_sizes(format)
        } else {
            0
        })
    }

    fn domain_alloc(&self, config: &DomainConfig, tables: A) -> Result<DomainId, ErrorCode> {
        let table_config = self.table_config(config);
        let table =
            IoPageTable::new(table_config, tables, self.cache.clone()).map_err(SmmuError::from)?;
        // On failure `table` drops here and its root page goes back to the
        // allocator: no hardware ever saw it.
        let domain = self.smmu.allocate_context(&table.hw_config())?;
        let mut cell = self
            .cell(domain)?
            .try_borrow_mut()
            .map_err(|_| ErrorCode::Busy)?;
        *cell = Some(table);
        Ok(domain)
    }

    fn domain_free(&self, domain: DomainId) -> Result<(), ErrorCode> {
        let mut cell = self
            .cell(domain)?
            .try_borrow_mut()
            .map_err(|_| ErrorCode::Busy)?;
        match self.smmu.release_context(domain) {
            Ok(()) => {
                // The context is disabled, invalidated and synced: dropping
                // the table returns every page through its allocator.
                drop(cell.take());
                Ok(())
            }
            Err(SmmuError::DomainUnusable | SmmuError::SyncTimeout) => {
                // Quarantine: the hardware may still walk these pages.
                if let Some(table) = cell.take() {
                    core::mem::forget(table);
                }
                Err(ErrorCode::Fail)
            }
            Err(error) => Err(error.into()),
        }
    }

    fn with_tables<T, F: FnOnce(&A) -> T>(&self, domain: DomainId, f: F) -> Result<T, ErrorCode> {
        let cell = self
            .cell(domain)?
            .try_borrow()
            .map_err(|_| ErrorCode::Busy)?;
        let table = cell.as_ref().ok_or(ErrorCode::Inval)?;
        Ok(f(table.allocator()))
    }

    fn domain_geometry(&self, domain: DomainId) -> Result<(PageSizes, u8), ErrorCode> {
        self.with_table(domain, |table| {
            Ok((
                PageSizes::from_bits(table.pgsize_bitmap()),
                table.config().ias as u8,
            ))
        })
    }

    fn attach(
        &self,
        domain: DomainId,
        stream: kernel::hil::iommu::StreamMatch,
    ) -> Result<(), ErrorCode> {
        Ok(self.smmu.attach_stream(domain, stream)?)
    }

    fn detach(
        &self,
        domain: DomainId,
        stream: kernel::hil::iommu::StreamMatch,
    ) -> Result<(), ErrorCode> {
        Ok(self.smmu.detach_stream(domain, stream)?)
    }

    fn map(
        &self,
        domain: DomainId,
        iova: u64,
        paddr: u64,
        size: u64,
        prot: Protection,
    ) -> Result<(), ErrorCode> {
        self.smmu.active(domain)?;
        let prot = Prot {
            read: prot.read,
            write: prot.write,
            exec: false,
            privileged: false,
            mem: if prot.cacheable {
                MemType::Cached
            } else {
                MemType::NonCacheable
            },
        };
        self.with_table(domain, |table| {
            let mut gather = TlbGather::new();
            let mapped = table.map_range(iova, paddr, size, prot, &mut gather);
            // A map that failed half way was unwound; what it had written
            // may be cached and is flushed like an unmap.
            self.finish(domain, table, gather)?;
            mapped.map(|_| ()).map_err(SmmuError::from)
        })
    }

    fn unmap(&self, domain: DomainId, iova: u64, size: u64) -> Result<u64, ErrorCode> {
        self.smmu.active(domain)?;
        self.with_table(domain, |table| {
            let mut gather = TlbGather::new();
            let unmapped = table
                .unmap(iova, size, &mut gather)
                .map_err(SmmuError::from)?;
            self.finish(domain, table, gather)?;
            Ok(unmapped)
        })
    }

    fn flush(&self, domain: DomainId) -> Result<(), ErrorCode> {
        Ok(self.smmu.flush_context(domain)?)
    }

    fn iova_to_phys(&self, domain: DomainId, iova: u64) -> Result<u64, ErrorCode> {
        self.smmu.active(domain)?;
        self.with_table(domain, |table| {
            table.iova_to_phys(iova).ok_or(SmmuError::BadAddress)
        })
    }

    fn translate_hw(&self, domain: DomainId, iova: u64, access: Access) -> Result<u64, ErrorCode> {
        Ok(self.smmu.translate(domain, iova, access)?)
    }
}

impl From<io_pgtable::Error> for SmmuError {
    fn from(error: io_pgtable::Error) -> Self {
        use io_pgtable::Error as E;
        match error {
            E::UnsupportedIas
            | E::UnsupportedOas
            | E::UnsupportedOption
            | E::UnsupportedPageSize => SmmuError::Unsupported,
            E::IovaOutOfRange => SmmuError::OutOfWindow,
            E::AlreadyMapped { .. } => SmmuError::AlreadyMapped,
            E::OutOfMemory | E::BadTableMemory => SmmuError::NoTableMemory,
            E::PhysOutOfRange
            | E::NoAccess
            | E::Misaligned
            | E::ZeroSize
            | E::PartialUnmap { .. }
            | E::ForeignGather => SmmuError::BadAddress,
        }
    }
}

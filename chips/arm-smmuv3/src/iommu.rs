// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `kernel::hil::iommu::Iommu` for the SMMUv3: each domain is one
//! [`Stage1Domain`] (an `io-pgtable` LPAE-64 stage-1 table owning the
//! caller's allocator, plus an ASID) in one of `DOMAINS` slots; attaching a
//! stream points its STE at a CD for that table.
//!
//! Strictness and failure follow the HIL's rules: unmap and free invalidate
//! and sync before returning; a sync timeout marks the domain unusable
//! (`FAIL`), tells the fault client, and its table pages are never
//! released. Faults are delivered by [`SmmuV3Iommu::service_events`],
//! called from the kernel's bottom half, at most one event queue's worth
//! per call (a storm cannot livelock the kernel; lost records are reported
//! with `global_faults_suppressed`).
//!
//! Fault storms: the driver has no clock; the board calls
//! [`SmmuV3Iommu::start_fault_window`] periodically, and a domain may
//! deliver [`SmmuV3Iommu::set_fault_limit`] faults per window. One more and
//! the domain is disabled (`DisableReason::FaultStorm`): its streams' STEs
//! are set to abort, so the master's transactions stop reaching memory and
//! stop producing records, and its events are dropped from then on. The
//! streams stay recorded as the domain's (no other domain can take the
//! master until the owner detaches it or frees the domain); every
//! operation but `detach` and `domain_free` answers `OFF`.

use core::cell::{Cell, RefCell};

use io_pgtable::{CacheMaintenance, Config, Format, MemType, PageAllocator, Prot};
use kernel::ErrorCode;
use kernel::hil::iommu::{
    Access, Capacity, DisableReason, DomainConfig, DomainId, Fault, FaultClient, Granule, Iommu,
    PageSizes, Protection, Stage, StreamId, StreamMatch, TableFormat,
};

use crate::domain::Stage1Domain;
use crate::driver::SmmuV3;
use crate::error::SmmuError;
use crate::event::Event;
use crate::io::RegisterIo;

/// Streams one domain can have attached.
const STREAMS_PER_DOMAIN: usize = 4;
/// Events delivered per `service_events` call (the board's queue size or
/// less; the rest wait for the next call).
const EVENTS_PER_SERVICE: usize = 32;
/// Faults a domain may deliver per window unless the board sets a limit.
pub const DEFAULT_FAULT_LIMIT: u32 = 128;

/// One allocated domain.
struct Slot<A: PageAllocator, C: CacheMaintenance> {
    domain: Stage1Domain<A, C>,
    iova_bits: u8,
    streams: [Option<u32>; STREAMS_PER_DOMAIN],
    /// Faults delivered in the current window.
    faults: u32,
    /// Disabled by the fault-storm limit.
    disabled: bool,
}

/// The SMMUv3 as a `hil::iommu` implementation with `DOMAINS` domains.
pub struct SmmuV3Iommu<'a, R, A, C, const DOMAINS: usize>
where
    R: RegisterIo,
    A: PageAllocator,
    C: CacheMaintenance + Clone,
{
    smmu: RefCell<SmmuV3<R>>,
    cache: C,
    slots: [RefCell<Option<Slot<A, C>>>; DOMAINS],
    /// Slots retired after a maintenance timeout: never reused.
    retired: [Cell<bool>; DOMAINS],
    client: Cell<Option<&'a dyn FaultClient>>,
    fault_limit: Cell<u32>,
}

impl<'a, R, A, C, const DOMAINS: usize> SmmuV3Iommu<'a, R, A, C, DOMAINS>
where
    R: RegisterIo,
    A: PageAllocator,
    C: CacheMaintenance + Clone,
{
    /// Wraps a probed and reset SMMU. `cache` is cloned into every domain's
    /// page table. `DOMAINS` must fit the ASID space (at most 255).
    pub fn new(smmu: SmmuV3<R>, cache: C) -> Self {
        Self {
            smmu: RefCell::new(smmu),
            cache,
            slots: [const { RefCell::new(None) }; DOMAINS],
            retired: [const { Cell::new(false) }; DOMAINS],
            client: Cell::new(None),
            fault_limit: Cell::new(DEFAULT_FAULT_LIMIT),
        }
    }

    /// Faults one domain may deliver per window before it is disabled.
    pub fn set_fault_limit(&self, limit: u32) {
        self.fault_limit.set(limit);
    }

    /// Starts a new rate-limit window: every domain's count goes back to
    /// zero (disabled domains stay disabled).
    pub fn start_fault_window(&self) {
        for cell in &self.slots {
            if let Ok(mut slot) = cell.try_borrow_mut()
                && let Some(slot) = slot.as_mut()
            {
                slot.faults = 0;
            }
        }
    }

    /// Turns on the SMMU's event-queue and global-error interrupts; the
    /// board routes them to a bottom half that calls `service_events`.
    /// `FAIL` if the SMMU did not acknowledge.
    pub fn enable_interrupts(&self) -> Result<(), ErrorCode> {
        let mut smmu = self.smmu.try_borrow_mut().map_err(|_| ErrorCode::Busy)?;
        smmu.enable_interrupts().map_err(|_| ErrorCode::Fail)
    }

    /// Whether the event queue holds records or a global error is active
    /// (two register reads): the board's cue to call `service_events`.
    pub fn has_events(&self) -> bool {
        self.smmu
            .try_borrow()
            .is_ok_and(|smmu| smmu.events_pending())
    }

    /// Counts a fault against the domain that owns `stream`: `Deliver` while
    /// it is within the limit, `Disable` for the one that exceeds it (the
    /// streams are blocked here), `Drop` once disabled or unowned-by-slot.
    fn account_fault(&self, domain: DomainId) -> Accounting {
        let Some(cell) = self.slots.get(domain.index()) else {
            return Accounting::Deliver;
        };
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return Accounting::Deliver;
        };
        let Some(slot) = slot.as_mut() else {
            return Accounting::Deliver;
        };
        if slot.disabled {
            return Accounting::Drop;
        }
        slot.faults = slot.faults.saturating_add(1);
        if slot.faults <= self.fault_limit.get() {
            return Accounting::Deliver;
        }
        // Disabled only together with its streams' STEs: `detach` and
        // `domain_free` skip the hardware for a disabled domain. (The SMMU
        // is never borrowed here, `service_events` released it; if it were,
        // the next fault would try again.)
        let Ok(mut smmu) = self.smmu.try_borrow_mut() else {
            return Accounting::Deliver;
        };
        slot.disabled = true;
        let asid = slot.domain.asid();
        for sid in slot.streams.iter().flatten() {
            if smmu.detach(*sid, asid).is_err() {
                slot.domain.mark_broken();
                return Accounting::Disable(DisableReason::SyncTimeout);
            }
        }
        Accounting::Disable(DisableReason::FaultStorm)
    }

    /// Drains pending SMMU events and hands them to the fault client as
    /// [`Fault`]s (domain found from the stream's attachment). Returns how
    /// many were delivered.
    pub fn service_events(&self) -> usize {
        let mut events = [None::<Event>; EVENTS_PER_SERVICE];
        let mut count = 0;
        let (overflowed, gerror) = {
            let Ok(mut smmu) = self.smmu.try_borrow_mut() else {
                return 0;
            };
            let drained = smmu.drain_events(|event| {
                if let Some(slot) = events.get_mut(count) {
                    *slot = Some(event);
                    count += 1;
                }
            });
            (drained.overflowed, smmu.global_errors())
        };
        let Some(client) = self.client.get() else {
            return 0;
        };
        for event in events.iter().flatten() {
            let domain = self.domain_of(event.stream);
            match domain.map_or(Accounting::Deliver, |d| self.account_fault(d)) {
                Accounting::Deliver => client.fault(&Fault {
                    domain,
                    stream: Some(StreamId::new(event.stream)),
                    iova: event.iova,
                    access: event.access,
                    kind: event.kind.fault_kind(),
                }),
                Accounting::Disable(reason) => {
                    if let Some(domain) = domain {
                        client.domain_disabled(domain, reason);
                    }
                }
                Accounting::Drop => {}
            }
        }
        // GERROR.EVENTQ_ABT_ERR (bit 2): records were lost (QEMU reports a
        // full queue this way, IHI 0070 §6.3.18).
        if overflowed || gerror & (1 << 2) != 0 {
            client.global_faults_suppressed();
        }
        count
    }

    fn domain_of(&self, stream: u32) -> Option<DomainId> {
        self.slots.iter().enumerate().find_map(|(index, slot)| {
            let slot = slot.try_borrow().ok()?;
            let owned = slot.as_ref()?.streams.contains(&Some(stream));
            owned.then(|| DomainId::new(index as u16))
        })
    }

    /// Runs `f` on the SMMU and the slot of `domain`, which must be live
    /// and usable.
    fn with_slot<T>(
        &self,
        domain: DomainId,
        f: impl FnOnce(&mut SmmuV3<R>, &mut Slot<A, C>) -> Result<T, SmmuError>,
    ) -> Result<T, ErrorCode> {
        let cell = self.slots.get(domain.index()).ok_or(ErrorCode::Inval)?;
        let mut slot = cell.try_borrow_mut().map_err(|_| ErrorCode::Busy)?;
        let slot = slot.as_mut().ok_or(ErrorCode::Inval)?;
        if slot.domain.is_broken() {
            return Err(ErrorCode::Fail);
        }
        if slot.disabled {
            return Err(ErrorCode::Off);
        }
        let mut smmu = self.smmu.try_borrow_mut().map_err(|_| ErrorCode::Busy)?;
        let result = f(&mut smmu, slot);
        if let Err(SmmuError::SyncTimeout) = result {
            slot.domain.mark_broken();
            if let Some(client) = self.client.get() {
                client.domain_disabled(domain, DisableReason::SyncTimeout);
            }
        }
        result.map_err(ErrorCode::from)
    }
}

/// Leaf sizes of VMSAv8-64 tables per granule (Arm ARM DDI 0487 D8.2).
const fn lpae_sizes(granule: Granule) -> u64 {
    match granule {
        Granule::Size4K => (1 << 12) | (1 << 21) | (1 << 30),
        Granule::Size16K => (1 << 14) | (1 << 25),
        Granule::Size64K => (1 << 16) | (1 << 29),
    }
}

const fn io_granule(granule: Granule) -> io_pgtable::Granule {
    match granule {
        Granule::Size4K => io_pgtable::Granule::K4,
        Granule::Size16K => io_pgtable::Granule::K16,
        Granule::Size64K => io_pgtable::Granule::K64,
    }
}

impl<'a, R, A, C, const DOMAINS: usize> Iommu<'a> for SmmuV3Iommu<'a, R, A, C, DOMAINS>
where
    R: RegisterIo,
    A: PageAllocator,
    C: CacheMaintenance + Clone,
{
    type Tables = A;

    fn set_fault_client(&self, client: &'a dyn FaultClient) {
        self.client.set(Some(client));
    }

    fn capacity(&self) -> Capacity {
        let free = self
            .slots
            .iter()
            .zip(&self.retired)
            .filter(|(slot, retired)| {
                !retired.get() && slot.try_borrow().is_ok_and(|s| s.is_none())
            })
            .count();
        Capacity {
            total_domains: DOMAINS,
            free_domains: free,
        }
    }

    fn page_sizes(&self, format: TableFormat) -> PageSizes {
        let TableFormat::Lpae64(granule) = format else {
            return PageSizes::from_bits(0);
        };
        let granules = self
            .smmu
            .try_borrow()
            .map_or(0, |smmu| smmu.capabilities().granules);
        if granules & granule_page(granule) == 0 {
            PageSizes::from_bits(0)
        } else {
            PageSizes::from_bits(lpae_sizes(granule))
        }
    }

    fn domain_alloc(&self, config: &DomainConfig, tables: A) -> Result<DomainId, ErrorCode> {
        let TableFormat::Lpae64(granule) = config.format else {
            return Err(ErrorCode::NoSupport);
        };
        if config.stage != Stage::One || self.page_sizes(config.format).bits() == 0 {
            return Err(ErrorCode::NoSupport);
        }
        let (coherent, oas, asid_bits) = {
            let smmu = self.smmu.try_borrow().map_err(|_| ErrorCode::Busy)?;
            let caps = smmu.capabilities();
            (
                caps.coherent,
                u32::from(caps.oas_bits).min(48),
                caps.asid_bits,
            )
        };
        let index = (0..DOMAINS)
            .find(|&i| {
                !self.retired[i].get() && self.slots[i].try_borrow().is_ok_and(|s| s.is_none())
            })
            .ok_or(ErrorCode::NoMem)?;
        let table_config = Config {
            coherent_walk: coherent,
            ..Config::new(
                Format::Lpae64 {
                    stage: io_pgtable::Stage::S1,
                    granule: io_granule(granule),
                },
                u32::from(config.iova_bits),
                oas,
            )
        };
        // ASID 0 is left unused; slot n uses ASID n + 1.
        let asid = u16::try_from(index + 1)
            .ok()
            .filter(|asid| u32::from(*asid) < 1 << asid_bits)
            .ok_or(ErrorCode::NoMem)?;
        let domain =
            Stage1Domain::new(table_config, tables, self.cache.clone(), asid).map_err(|error| {
                match error {
                    SmmuError::PageTable(io_pgtable::Error::OutOfMemory) => ErrorCode::NoMem,
                    _ => ErrorCode::NoSupport,
                }
            })?;
        *self.slots[index]
            .try_borrow_mut()
            .map_err(|_| ErrorCode::Busy)? = Some(Slot {
            domain,
            iova_bits: config.iova_bits,
            streams: [None; STREAMS_PER_DOMAIN],
            faults: 0,
            disabled: false,
        });
        Ok(DomainId::new(index as u16))
    }

    fn domain_free(&self, domain: DomainId) -> Result<(), ErrorCode> {
        let index = domain.index();
        let cell = self.slots.get(index).ok_or(ErrorCode::Inval)?;
        let mut slot = cell.try_borrow_mut().map_err(|_| ErrorCode::Busy)?;
        let live = slot.as_mut().ok_or(ErrorCode::Inval)?;
        let mut smmu = self.smmu.try_borrow_mut().map_err(|_| ErrorCode::Busy)?;
        let asid = live.domain.asid();
        let mut failed = live.domain.is_broken();
        for stream in live.streams.iter_mut() {
            // A storm-disabled domain's STEs abort already.
            if let Some(sid) = stream.take()
                && !live.disabled
            {
                failed |= smmu.detach(sid, asid).is_err();
            }
        }
        failed |= smmu.invalidate_asid(asid).is_err();
        if failed {
            // Keep the table (the SMMU may still walk it) and the slot.
            live.domain.mark_broken();
            self.retired[index].set(true);
            if let Some(old) = slot.take() {
                core::mem::forget(old);
            }
            return Err(ErrorCode::Fail);
        }
        *slot = None;
        Ok(())
    }

    fn with_tables<T, F: FnOnce(&A) -> T>(&self, domain: DomainId, f: F) -> Result<T, ErrorCode> {
        let cell = self.slots.get(domain.index()).ok_or(ErrorCode::Inval)?;
        let slot = cell.try_borrow().map_err(|_| ErrorCode::Busy)?;
        Ok(f(slot.as_ref().ok_or(ErrorCode::Inval)?.domain.allocator()))
    }

    fn domain_geometry(&self, domain: DomainId) -> Result<(PageSizes, u8), ErrorCode> {
        let cell = self.slots.get(domain.index()).ok_or(ErrorCode::Inval)?;
        let slot = cell.try_borrow().map_err(|_| ErrorCode::Busy)?;
        let slot = slot.as_ref().ok_or(ErrorCode::Inval)?;
        let bitmap = slot.domain.hw_config().pgsize_bitmap;
        Ok((PageSizes::from_bits(bitmap), slot.iova_bits))
    }

    fn attach(&self, domain: DomainId, stream: StreamMatch) -> Result<(), ErrorCode> {
        if stream.ignore_mask != 0 {
            return Err(ErrorCode::NoSupport);
        }
        let sid = stream.id.value();
        if let Some(owner) = self.domain_of(sid) {
            return Err(if owner == domain {
                ErrorCode::Already
            } else {
                ErrorCode::Busy
            });
        }
        self.with_slot(domain, |smmu, slot| {
            let free = slot
                .streams
                .iter_mut()
                .find(|s| s.is_none())
                .ok_or(SmmuError::TooManyStreams)?;
            smmu.attach_stage1(sid, &slot.domain.hw_config(), slot.domain.asid())?;
            *free = Some(sid);
            Ok(())
        })
    }

    fn detach(&self, domain: DomainId, stream: StreamMatch) -> Result<(), ErrorCode> {
        let sid = stream.id.value();
        let cell = self.slots.get(domain.index()).ok_or(ErrorCode::Inval)?;
        let mut slot = cell.try_borrow_mut().map_err(|_| ErrorCode::Busy)?;
        // Detaching is always allowed, even on an unusable domain.
        let slot = slot.as_mut().ok_or(ErrorCode::Inval)?;
        let entry = slot
            .streams
            .iter_mut()
            .find(|s| **s == Some(sid))
            .ok_or(ErrorCode::Inval)?;
        *entry = None;
        if slot.disabled {
            // The storm response already set the STE to abort and synced.
            return Ok(());
        }
        let mut smmu = self.smmu.try_borrow_mut().map_err(|_| ErrorCode::Busy)?;
        smmu.detach(sid, slot.domain.asid()).map_err(|error| {
            slot.domain.mark_broken();
            ErrorCode::from(error)
        })
    }

    fn map(
        &self,
        domain: DomainId,
        iova: u64,
        paddr: u64,
        size: u64,
        prot: Protection,
    ) -> Result<(), ErrorCode> {
        // Stage 1 cannot express write-only (AP grants read with write):
        // refuse rather than grant more than asked.
        let base = match (prot.read, prot.write) {
            (true, true) => Prot::READ_WRITE,
            (true, false) => Prot::READ,
            (false, true) => return Err(ErrorCode::NoSupport),
            (false, false) => return Err(ErrorCode::Inval),
        };
        let mem = if prot.cacheable {
            MemType::Cached
        } else {
            MemType::NonCacheable
        };
        self.with_slot(domain, |smmu, slot| {
            slot.domain.map(smmu, iova, paddr, size, base.with_mem(mem))
        })
    }

    fn unmap(&self, domain: DomainId, iova: u64, size: u64) -> Result<u64, ErrorCode> {
        let bytes = self.with_slot(domain, |smmu, slot| slot.domain.unmap(smmu, iova, size))?;
        if bytes == 0 {
            Err(ErrorCode::Inval)
        } else {
            Ok(bytes)
        }
    }

    fn flush(&self, domain: DomainId) -> Result<(), ErrorCode> {
        self.with_slot(domain, |smmu, slot| {
            smmu.invalidate_asid(slot.domain.asid())
        })
    }

    fn iova_to_phys(&self, domain: DomainId, iova: u64) -> Result<u64, ErrorCode> {
        let cell = self.slots.get(domain.index()).ok_or(ErrorCode::Inval)?;
        let slot = cell.try_borrow().map_err(|_| ErrorCode::Busy)?;
        let slot = slot.as_ref().ok_or(ErrorCode::Inval)?;
        slot.domain.iova_to_phys(iova).ok_or(ErrorCode::Inval)
    }

    /// The SMMUv3 has no register-driven address translation operation
    /// (SMMUv2's ATS1 registers have no v3 counterpart), so `NOSUPPORT`.
    fn translate_hw(
        &self,
        _domain: DomainId,
        _iova: u64,
        _access: Access,
    ) -> Result<u64, ErrorCode> {
        Err(ErrorCode::NoSupport)
    }
}

/// What the rate limit decided about one fault.
enum Accounting {
    Deliver,
    Disable(DisableReason),
    Drop,
}

/// The page size of a granule, as a bitmap bit.
const fn granule_page(granule: Granule) -> u64 {
    match granule {
        Granule::Size4K => 1 << 12,
        Granule::Size16K => 1 << 14,
        Granule::Size64K => 1 << 16,
    }
}

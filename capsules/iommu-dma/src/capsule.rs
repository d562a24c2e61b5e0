// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! [`IommuDma`]: the system-call driver. Commands validate everything they
//! can before the IOMMU is touched, so a refused call changes nothing; what
//! the IOMMU refuses it refuses atomically (`hil::iommu` unwinds a failed
//! map), so a refused call still changes nothing.

use core::cell::Cell;

use kernel::grant::Grant;
use kernel::hil::iommu::{Iommu, Protection};
use kernel::memory::Access;
use kernel::process::{Process, ProcessId};
use kernel::syscall::{CommandReturn, SyscallDriver};
use kernel::{ErrorCode, Kernel};

use crate::abi;
use crate::buffer::dma_range;
use crate::domains::{DomainRecord, DomainState, Domains, master_bit};
use crate::mappings::App;
use crate::policy::{AppPolicy, Policy};
use crate::tables::{TableSource, TableUsage};

/// The grant shape: the fault and disabled upcalls, [`abi::ALLOW_SLOTS`]
/// read-only and read-write allow slots, and the app's mapping table.
pub type DmaGrant = Grant<App, { abi::UPCALLS }, { abi::ALLOW_SLOTS }, { abi::ALLOW_SLOTS }>;

/// The IOMMU DMA capsule over the IOMMU `I`, with table pages from `S` and
/// room for `DOMAINS` app domains (at most one per process run; size it to
/// the IOMMU's context count).
pub struct IommuDma<'a, I, S, const DOMAINS: usize>
where
    I: Iommu<'a>,
    I::Tables: TableUsage,
    S: TableSource<I::Tables>,
{
    pub(crate) kernel: &'static Kernel,
    pub(crate) iommu: &'a I,
    tables: &'a S,
    pub(crate) policy: Policy,
    pub(crate) apps: DmaGrant,
    pub(crate) domains: Domains<DOMAINS>,
    next_handle: Cell<u32>,
    pub(crate) quiesce: Cell<Option<&'a dyn Quiesce>>,
}

/// The drivers of the board's DMA masters, asked to stop a master before
/// the end of a run cuts it off (e.g. `capsules/dma-engine` cancelling the
/// transfers it runs for that master).
pub trait Quiesce {
    /// Stops every transfer master `master` (a policy index) is doing and
    /// returns once the device issues no more transactions; `Err` if that
    /// cannot be confirmed. Called from the lifecycle hook, before the
    /// master is detached.
    fn quiesce(&self, master: usize) -> Result<(), ErrorCode>;
}

impl<'a, I, S, const DOMAINS: usize> IommuDma<'a, I, S, DOMAINS>
where
    I: Iommu<'a>,
    I::Tables: TableUsage,
    S: TableSource<I::Tables>,
{
    /// The capsule. The board validates `policy` ([`Policy::validate`]),
    /// registers the capsule as the IOMMU's fault client and as a kernel
    /// lifecycle hook.
    pub fn new(
        kernel: &'static Kernel,
        iommu: &'a I,
        tables: &'a S,
        policy: Policy,
        apps: DmaGrant,
    ) -> Self {
        Self {
            kernel,
            iommu,
            tables,
            policy,
            apps,
            domains: Domains::new(),
            next_handle: Cell::new(1),
            quiesce: Cell::new(None),
        }
    }

    /// Registers the masters' drivers to ask for a stop at the end of a run
    /// (optional: detaching alone already makes a master's transactions
    /// fault).
    pub fn set_quiesce(&self, drivers: &'a dyn Quiesce) {
        self.quiesce.set(Some(drivers));
    }

    /// The process whose domain master `master` (a policy index) is
    /// attached to, if any: the only process that may drive it (see
    /// `capsules/dma-engine`'s `MasterOwnership`). A quarantined domain's
    /// owner has ended, so it owns nothing.
    pub fn owner_of(&self, master: usize) -> Option<ProcessId> {
        self.domains
            .holding_master(master)
            .filter(|(_, record)| record.state != DomainState::Quarantined)
            .map(|(_, record)| record.owner)
    }

    /// Whether master `master` is attached to a domain that no longer
    /// translates (disabled by a fault storm, or broken): its driver should
    /// refuse work (`OFF`) instead of running transfers the IOMMU blocks.
    pub fn master_cut_off(&self, master: usize) -> bool {
        self.domains
            .holding_master(master)
            .is_some_and(|(_, record)| record.state != DomainState::Active)
    }

    /// The process record and policy entry of `pid`: `NOSUPPORT` if the
    /// board does not let this app use DMA.
    fn app_of(&self, pid: ProcessId) -> Result<(&'static Process, &AppPolicy), ErrorCode> {
        let process = self.kernel.process(pid).ok_or(ErrorCode::Fail)?;
        let app = self
            .policy
            .app(process.name())
            .ok_or(ErrorCode::NoSupport)?;
        Ok((process, app))
    }

    /// The page size every mapping is aligned to.
    fn page_size(&self) -> Result<u64, ErrorCode> {
        self.iommu
            .page_sizes(self.policy.domain.format)
            .smallest()
            .ok_or(ErrorCode::NoSupport)
    }

    /// The index of `pid`'s domain record, creating the domain on first use.
    /// `NOMEM` when contexts, records or table pages run out: domains are
    /// never shared (DESIGN §4 invariant 5).
    fn domain_of(&self, pid: ProcessId, app: &AppPolicy) -> Result<usize, ErrorCode> {
        if let Some((index, _)) = self.domains.of_process(pid) {
            return Ok(index);
        }
        if !self.domains.has_room() {
            return Err(ErrorCode::NoMem);
        }
        let tables = self
            .tables
            .tables(app.quota.table_pages)
            .ok_or(ErrorCode::NoMem)?;
        let domain = self.iommu.domain_alloc(&self.policy.domain, tables)?;
        let record = DomainRecord {
            owner: pid,
            domain,
            masters: 0,
            state: DomainState::Active,
            faults: 0,
        };
        self.domains.insert(record).inspect_err(|_| {
            // Unreachable (room was checked), but never leak a context.
            let _ = self.iommu.domain_free(domain);
        })
    }

    /// The record at `index` if it may be used: `OFF` after a fault storm,
    /// `FAIL` once broken.
    fn usable(&self, index: usize) -> Result<DomainRecord, ErrorCode> {
        let record = self.domains.get(index).ok_or(ErrorCode::Fail)?;
        match record.state {
            DomainState::Active => Ok(record),
            DomainState::Disabled => Err(ErrorCode::Off),
            DomainState::Broken | DomainState::Quarantined => Err(ErrorCode::Fail),
        }
    }

    /// Notes an IOMMU result: `FAIL` means maintenance timed out and the
    /// domain is broken for good.
    fn note<T>(&self, index: usize, result: Result<T, ErrorCode>) -> Result<T, ErrorCode> {
        if result.as_ref().is_err_and(|e| *e == ErrorCode::Fail) {
            self.domains.update(index, |r| {
                if r.state != DomainState::Quarantined {
                    r.state = DomainState::Broken;
                }
            });
        }
        result
    }

    /// Command 1.
    fn attach(&self, pid: ProcessId, master: u64) -> Result<(), ErrorCode> {
        let (_, app) = self.app_of(pid)?;
        let index = usize::try_from(master).map_err(|_| ErrorCode::Inval)?;
        let device = self.policy.master(index).ok_or(ErrorCode::Inval)?;
        let bit = master_bit(index).ok_or(ErrorCode::Inval)?;
        if !app.may_attach(index) {
            return Err(ErrorCode::Reserve);
        }
        if let Some((_, holder)) = self.domains.holding_master(index) {
            let mine = holder.owner == pid && holder.state != DomainState::Quarantined;
            return Err(if mine {
                ErrorCode::Already
            } else {
                ErrorCode::Busy
            });
        }
        let slot = self.domain_of(pid, app)?;
        let record = self.usable(slot)?;
        self.note(slot, self.iommu.attach(record.domain, device.stream))?;
        self.domains.update(slot, |r| r.masters |= bit);
        Ok(())
    }

    /// Command 2. Allowed in every domain state: blocking a stream is
    /// always safe. The master's driver is asked to stop first: once
    /// detached, the master may be attached to another app's domain, and a
    /// transfer still running would continue there with this app's device
    /// addresses. If it cannot be stopped the master stays attached (only
    /// this app's memory is reachable) and the call answers `FAIL`.
    fn detach(&self, pid: ProcessId, master: u64) -> Result<(), ErrorCode> {
        self.app_of(pid)?;
        let index = usize::try_from(master).map_err(|_| ErrorCode::Inval)?;
        let device = self.policy.master(index).ok_or(ErrorCode::Inval)?;
        let bit = master_bit(index).ok_or(ErrorCode::Inval)?;
        let (slot, record) = self.domains.of_process(pid).ok_or(ErrorCode::Inval)?;
        if record.masters & bit == 0 {
            return Err(ErrorCode::Inval);
        }
        if let Some(drivers) = self.quiesce.get() {
            drivers.quiesce(index).map_err(|_| ErrorCode::Fail)?;
        }
        self.iommu.detach(record.domain, device.stream)?;
        self.domains.update(slot, |r| r.masters &= !bit);
        Ok(())
    }

    /// Command 3: returns the handle and the device address.
    fn map(&self, pid: ProcessId, slot: u64, kind: u64) -> Result<(u32, u64), ErrorCode> {
        let (process, app) = self.app_of(pid)?;
        let layout = process.layout().ok_or(ErrorCode::Fail)?;
        let page = self.page_size()?;
        let slot = usize::try_from(slot).map_err(|_| ErrorCode::Inval)?;
        let (access, prot) = match kind {
            abi::MAP_READ_ONLY => (Access::Read, Protection::READ_ONLY),
            abi::MAP_READ_WRITE => (Access::ReadWrite, Protection::READ_WRITE),
            _ => return Err(ErrorCode::Inval),
        };
        self.apps.enter(pid, |mappings, kernel_data| {
            let buffer = match access {
                Access::Read => kernel_data.get_readonly_processbuffer(slot)?.saved(),
                Access::ReadWrite => kernel_data.get_readwrite_processbuffer(slot)?.saved(),
            };
            let range = dma_range(&layout, buffer, access, page, self.policy.domain.iova_bits)?;
            let reservation = mappings.reserve(&app.quota, range.len, &self.next_handle)?;
            let index = self.domain_of(pid, app)?;
            let record = self.usable(index)?;
            self.note(
                index,
                self.iommu
                    .map(record.domain, range.iova, range.pa, range.len, prot),
            )?;
            mappings.commit(reservation, range.iova, range.len);
            Ok((reservation.handle(), range.iova))
        })?
    }

    /// Command 4. The handle is consumed only when the IOMMU confirmed the
    /// unmap (invalidation and sync complete).
    fn unmap(&self, pid: ProcessId, handle: u64) -> Result<(), ErrorCode> {
        self.app_of(pid)?;
        let handle = u32::try_from(handle).map_err(|_| ErrorCode::Inval)?;
        self.apps.enter(pid, |mappings, _| {
            let mapping = mappings.find(handle).ok_or(ErrorCode::Inval)?;
            let (index, _) = self.domains.of_process(pid).ok_or(ErrorCode::Fail)?;
            let record = self.usable(index)?;
            self.note(
                index,
                self.iommu.unmap(record.domain, mapping.iova, mapping.len),
            )?;
            mappings.remove(handle);
            Ok(())
        })?
    }

    /// Command 5. Never creates a domain.
    fn info(&self, pid: ProcessId, field: u64) -> Result<u64, ErrorCode> {
        let (_, app) = self.app_of(pid)?;
        let record = self.domains.of_process(pid).map(|(_, r)| r);
        let table_pages_used = || -> Result<u32, ErrorCode> {
            match record {
                Some(r) => self.iommu.with_tables(r.domain, |t| t.pages_in_use()),
                None => Ok(0),
            }
        };
        match field {
            abi::INFO_IOVA_BITS => Ok(u64::from(self.policy.domain.iova_bits)),
            abi::INFO_PAGE_SIZE => self.page_size(),
            abi::INFO_BYTES_MAPPED => Ok(self.apps.enter(pid, |m, _| m.bytes())?),
            abi::INFO_MAPPINGS_LEFT => Ok(u64::from(
                self.apps.enter(pid, |m, _| m.mappings_left(&app.quota))?,
            )),
            abi::INFO_TABLE_PAGES_LEFT => Ok(u64::from(
                app.quota.table_pages.saturating_sub(table_pages_used()?),
            )),
            abi::INFO_TABLE_PAGES_USED => Ok(u64::from(table_pages_used()?)),
            abi::INFO_DOMAIN_STATE => Ok(record.map_or(0, |r| r.state.code())),
            abi::INFO_FAULTS => Ok(record.map_or(0, |r| u64::from(r.faults))),
            _ => Err(ErrorCode::Inval),
        }
    }
}

impl<'a, I, S, const DOMAINS: usize> SyscallDriver for IommuDma<'a, I, S, DOMAINS>
where
    I: Iommu<'a>,
    I::Tables: TableUsage,
    S: TableSource<I::Tables>,
{
    fn command(&self, command: u32, arg0: u64, arg1: u64, process: ProcessId) -> CommandReturn {
        match command {
            abi::CMD_EXISTS => CommandReturn::success(),
            abi::CMD_ATTACH => self.attach(process, arg0).into(),
            abi::CMD_DETACH => self.detach(process, arg0).into(),
            abi::CMD_MAP => match self.map(process, arg0, arg1) {
                Ok((handle, iova)) => CommandReturn::success_u32_u64(handle, iova),
                Err(code) => CommandReturn::failure(code),
            },
            abi::CMD_UNMAP => self.unmap(process, arg0).into(),
            abi::CMD_INFO => match self.info(process, arg0) {
                Ok(value) => CommandReturn::success_u64(value),
                Err(code) => CommandReturn::failure(code),
            },
            _ => CommandReturn::failure(ErrorCode::NoSupport),
        }
    }

    fn allocate_grant(&self, process: ProcessId) -> Result<(), ErrorCode> {
        self.apps.enter(process, |_, _| ()).map_err(ErrorCode::from)
    }
}

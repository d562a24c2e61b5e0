// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Device faults and domain-disable events from the IOMMU become log lines
//! and upcalls to the app that owns the domain (DESIGN §4 invariant 7).
//!
//! The IOMMU driver rate-limits faults and disables a storming domain; the
//! capsule only reports. One faulting transfer can produce dozens of fault
//! records (QEMU's SMMU reports each retried piece of a burst), so the log
//! names a domain's first faults and then every power-of-two count, not
//! every record. Fault upcalls coalesce: while one is queued and not yet
//! delivered, later faults of that app only count (info field 7), so a
//! burst takes one slot of the app's upcall queue and cannot crowd out
//! the upcalls that matter next (the disable notice, a DMA completion). An upcall that cannot be queued (the app's queue
//! is full, or the event arrived while the capsule was inside the app's
//! grant, e.g. a sync timeout during its own map call, which that call
//! already reports as `FAIL`) is dropped and logged, never retried.

use kernel::hil::iommu::{DisableReason, DomainId, Fault, FaultClient, Iommu, StreamId};

use crate::abi;
use crate::capsule::IommuDma;
use crate::domains::{DomainRecord, DomainState, master_bit};
use crate::tables::{TableSource, TableUsage};

impl<'a, I, S, const DOMAINS: usize> IommuDma<'a, I, S, DOMAINS>
where
    I: Iommu<'a>,
    I::Tables: TableUsage,
    S: TableSource<I::Tables>,
{
    /// The policy index of the master attached to `record` that emits
    /// `stream`.
    fn master_of(&self, record: &DomainRecord, stream: StreamId) -> Option<usize> {
        self.policy.masters.iter().enumerate().find_map(|(i, m)| {
            let attached = master_bit(i).is_some_and(|bit| record.masters & bit != 0);
            (attached && m.stream.matches(stream)).then_some(i)
        })
    }

    /// Queues upcall `number` for the owner of `record` unless `coalesce`
    /// and one is still pending; `false` if it could not be queued.
    fn notify(
        &self,
        record: &DomainRecord,
        number: usize,
        values: [u64; 3],
        coalesce: bool,
    ) -> bool {
        self.apps
            .enter(record.owner, |_, kernel_data| {
                (coalesce && kernel_data.upcall_pending(number))
                    || kernel_data.schedule_upcall(number, values).is_ok()
            })
            .unwrap_or(false)
    }
}

impl<'a, I, S, const DOMAINS: usize> FaultClient for IommuDma<'a, I, S, DOMAINS>
where
    I: Iommu<'a>,
    I::Tables: TableUsage,
    S: TableSource<I::Tables>,
{
    fn fault(&self, fault: &Fault) {
        let Some((index, mut record)) = fault.domain.and_then(|d| self.domains.by_domain(d)) else {
            defmt::warn!("iommu-dma: fault outside any app domain: {}", fault);
            return;
        };
        record.faults = record.faults.saturating_add(1);
        self.domains.update(index, |r| r.faults = record.faults);
        let logged = record.faults <= 4 || record.faults.is_power_of_two();
        let master = fault.stream.and_then(|s| self.master_of(&record, s));
        if logged {
            defmt::warn!(
                "iommu-dma: {} master {} faulted (fault {=u32} of this domain): {}",
                record.owner,
                master,
                record.faults,
                fault
            );
        }
        if record.state == DomainState::Quarantined {
            return;
        }
        let master = master.map_or(abi::NO_MASTER, |m| m as u64);
        let code = abi::fault_code(fault.access, fault.kind);
        if !self.notify(&record, abi::UPCALL_FAULT, [master, fault.iova, code], true) && logged {
            defmt::warn!(
                "iommu-dma: fault upcall to {} dropped (queue full)",
                record.owner
            );
        }
    }

    fn domain_disabled(&self, domain: DomainId, reason: DisableReason) {
        let Some((index, record)) = self.domains.by_domain(domain) else {
            defmt::warn!("iommu-dma: unknown domain {} disabled: {}", domain, reason);
            return;
        };
        self.domains.update(index, |r| {
            r.state = match (r.state, reason) {
                (DomainState::Quarantined, _) => DomainState::Quarantined,
                (_, DisableReason::SyncTimeout) | (DomainState::Broken, _) => DomainState::Broken,
                (_, DisableReason::FaultStorm) => DomainState::Disabled,
            }
        });
        match reason {
            // The app's device misbehaved; the kernel is fine.
            DisableReason::FaultStorm => {
                defmt::warn!("iommu-dma: domain of {} disabled: {}", record.owner, reason)
            }
            // The IOMMU did not complete maintenance: a hardware failure.
            DisableReason::SyncTimeout => {
                defmt::error!("iommu-dma: domain of {} disabled: {}", record.owner, reason)
            }
        }
        if record.state != DomainState::Quarantined
            && !self.notify(
                &record,
                abi::UPCALL_DISABLED,
                [abi::disable_code(reason), 0, 0],
                false,
            )
        {
            defmt::warn!(
                "iommu-dma: disabled upcall to {} dropped (queue full)",
                record.owner
            );
        }
    }

    fn global_faults_suppressed(&self) {
        defmt::warn!(
            "iommu-dma: IOMMU fault records lost or suppressed (queue overflow or rate limit)"
        );
    }
}

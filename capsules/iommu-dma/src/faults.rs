// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Device faults and domain-disable events from the IOMMU become log lines
//! and upcalls to the app that owns the domain (DESIGN §4 invariant 7).
//!
//! The IOMMU driver rate-limits faults and disables a storming domain; the
//! capsule only reports. An upcall that cannot be queued (the app's queue
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

    /// Queues upcall `number` for the owner of `record`; logs a drop.
    fn notify(&self, record: &DomainRecord, number: usize, values: [u64; 3]) {
        let queued = self
            .apps
            .enter(record.owner, |_, kernel_data| {
                kernel_data.schedule_upcall(number, values).is_ok()
            })
            .unwrap_or(false);
        if !queued {
            defmt::warn!("iommu-dma: upcall {} to {} dropped", number, record.owner);
        }
    }
}

impl<'a, I, S, const DOMAINS: usize> FaultClient for IommuDma<'a, I, S, DOMAINS>
where
    I: Iommu<'a>,
    I::Tables: TableUsage,
    S: TableSource<I::Tables>,
{
    fn fault(&self, fault: &Fault) {
        let Some((_, record)) = fault.domain.and_then(|d| self.domains.by_domain(d)) else {
            defmt::warn!("iommu-dma: fault outside any app domain: {}", fault);
            return;
        };
        let master = fault.stream.and_then(|s| self.master_of(&record, s));
        defmt::warn!(
            "iommu-dma: {} master {} faulted: {}",
            record.owner,
            master,
            fault
        );
        if record.state == DomainState::Quarantined {
            return;
        }
        let master = master.map_or(abi::NO_MASTER, |m| m as u64);
        let code = abi::fault_code(fault.access, fault.kind);
        self.notify(&record, abi::UPCALL_FAULT, [master, fault.iova, code]);
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
        defmt::error!("iommu-dma: domain of {} disabled: {}", record.owner, reason);
        if record.state != DomainState::Quarantined {
            self.notify(
                &record,
                abi::UPCALL_DISABLED,
                [abi::disable_code(reason), 0, 0],
            );
        }
    }

    fn global_faults_suppressed(&self) {
        defmt::warn!("iommu-dma: global IOMMU faults suppressed (rate limit)");
    }
}

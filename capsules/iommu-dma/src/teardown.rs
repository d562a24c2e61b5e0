// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Process end (exit, fault, restart): the capsule's `ProcessLifecycle`
//! hook, which runs after the run stopped and before the kernel releases
//! or reuses its memory (DESIGN §4 invariant 4).
//!
//! Order: every attached master is asked to stop (through the board's
//! [`Quiesce`](crate::Quiesce) drivers, if registered), then its streams are
//! detached (from then on they fault), then the domain is freed, which
//! disables the context,
//! invalidates its TLB entries and waits for the sync before the table
//! pages go back. If freeing fails the domain is kept as quarantined (its
//! context and tables are never reused) and the kernel is told, so it
//! quarantines the process's memory too.
//!
//! A master whose driver cannot confirm the stop is logged and cut off all
//! the same: memory safety rests on the detach and the free (the device's
//! transactions fault from then on), not on the device's cooperation, so a
//! failed stop does not keep the memory from being reused.

use kernel::hil::iommu::Iommu;
use kernel::process::{EndReason, ProcessId, ProcessLifecycle, QuiesceFailed};

use crate::capsule::IommuDma;
use crate::domains::{DomainState, master_bit};
use crate::policy::MAX_MASTERS;
use crate::tables::{TableSource, TableUsage};

impl<'a, I, S, const DOMAINS: usize> ProcessLifecycle for IommuDma<'a, I, S, DOMAINS>
where
    I: Iommu<'a>,
    I::Tables: TableUsage,
    S: TableSource<I::Tables>,
{
    fn process_ending(&self, process: ProcessId, _reason: EndReason) -> Result<(), QuiesceFailed> {
        let Some((index, record)) = self.domains.of_process(process) else {
            return Ok(());
        };
        for master in 0..self.policy.masters.len().min(MAX_MASTERS) {
            let (Some(bit), Some(device)) = (master_bit(master), self.policy.master(master)) else {
                continue;
            };
            if record.masters & bit == 0 {
                continue;
            }
            if let Some(drivers) = self.quiesce.get()
                && let Err(error) = drivers.quiesce(master)
            {
                defmt::warn!(
                    "iommu-dma: {=str} of {} did not confirm its stop ({}): cut off anyway",
                    device.name,
                    process,
                    error
                );
            }
            match self.iommu.detach(record.domain, device.stream) {
                Ok(()) => self.domains.update(index, |r| r.masters &= !bit),
                // Freeing the domain below blocks the stream anyway; the
                // master stays marked busy if that fails too.
                Err(error) => defmt::warn!(
                    "iommu-dma: detaching {=str} from {} failed: {}",
                    device.name,
                    process,
                    error
                ),
            }
        }
        match self.iommu.domain_free(record.domain) {
            Ok(()) => {
                self.domains.remove(index);
                Ok(())
            }
            Err(error) => {
                self.domains
                    .update(index, |r| r.state = DomainState::Quarantined);
                defmt::error!(
                    "iommu-dma: tearing down the domain of {} failed ({}): quarantined",
                    process,
                    error
                );
                Err(QuiesceFailed)
            }
        }
    }
}

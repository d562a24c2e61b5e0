// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The glue between the DMA pieces that the board owns: who may drive the
//! engine (the `iommu-dma` capsule says), how a master is stopped before
//! it changes domains (the `dma-engine` capsule does it), and how the
//! SMMU's events and fault windows are serviced from the kernel loop.

use aarch64::timer::{PhysicalTimer, us_to_ticks};
use capsules_dma_engine::MasterOwnership;
use capsules_iommu_dma::Quiesce;
use core::cell::Cell;
use kernel::ErrorCode;
use kernel::process::ProcessId;
use qemu_virt::chip::{InterruptService, PolledService};

use super::{EDU_MASTER, EngineDriver, IommuDmaDriver, Smmu};

/// Length of the SMMU's fault-rate window.
const FAULT_WINDOW_US: u64 = 1_000_000;

/// The engine belongs to whichever app's domain the edu is attached to.
pub(crate) struct EngineOwner {
    pub(crate) dma: &'static IommuDmaDriver,
}

impl MasterOwnership for EngineOwner {
    fn owner(&self) -> Option<ProcessId> {
        self.dma.owner_of(EDU_MASTER)
    }

    fn cut_off(&self) -> bool {
        self.dma.master_cut_off(EDU_MASTER)
    }
}

/// Stops the edu's transfer before the edu is detached or its app's
/// domain torn down.
pub(crate) struct EngineQuiesce {
    pub(crate) engine: &'static EngineDriver,
}

impl Quiesce for EngineQuiesce {
    fn quiesce(&self, master: usize) -> Result<(), ErrorCode> {
        if master == EDU_MASTER {
            self.engine.stop()
        } else {
            Ok(())
        }
    }
}

/// The SMMU's event queue and global errors, serviced from their
/// interrupts (or, if those cannot be routed, polled by the kernel loop),
/// with the fault-rate window restarted every [`FAULT_WINDOW_US`].
pub(crate) struct SmmuEvents {
    pub(crate) smmu: &'static Smmu,
    window_start: Cell<u64>,
}

impl SmmuEvents {
    pub(crate) fn new(smmu: &'static Smmu) -> Self {
        Self {
            smmu,
            window_start: Cell::new(PhysicalTimer.now()),
        }
    }
}

impl InterruptService for SmmuEvents {
    fn service_interrupt(&self) {
        self.service();
    }
}

impl PolledService for SmmuEvents {
    fn has_work(&self) -> bool {
        self.smmu.has_events()
    }

    fn service(&self) {
        let timer = PhysicalTimer;
        let now = timer.now();
        if now.wrapping_sub(self.window_start.get())
            >= us_to_ticks(FAULT_WINDOW_US, timer.frequency())
        {
            self.window_start.set(now);
            self.smmu.start_fault_window();
        }
        self.smmu.service_events();
    }
}

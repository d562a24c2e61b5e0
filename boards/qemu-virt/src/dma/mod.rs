// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! DMA on QEMU `virt`: the `edu` PCI DMA engine behind the SMMUv3, offered
//! to apps through the `iommu-dma` capsule (per-app domains, mappings by
//! system call) and the `dma-engine` capsule (copies by device address).
//!
//! [`build`] brings the hardware up once, declares the board's DMA policy
//! (one master, `edu`, and the apps that may use it), wires the capsules to
//! each other, to the chip (edu and SMMU interrupts) and to the
//! kernel's lifecycle hooks — the engine's hook first, so a transfer is
//! stopped before its domain is torn down — and returns the two system-call
//! drivers. Without the hardware (a machine started without `edu` or
//! `iommu=smmuv3`) it logs why and returns `None`; the apps then find
//! neither driver.

pub(crate) mod hardware;
mod services;
pub(crate) mod tables;

use arm_gic::Trigger;
use arm_smmuv3::{Mmio, SmmuV3Iommu};
use capsules_dma_engine::DmaEngineDriver;
use capsules_iommu_dma::{AppPolicy, DmaMaster, IommuDma, Policy, Quota};
use kernel::capabilities::{LifecycleHookCapability, MemoryAllocationCapability};
use kernel::hil::dma::DmaEngine as _;
use kernel::hil::iommu::{
    DomainConfig, Granule, Iommu as _, Stage, StreamId, StreamMatch, TableFormat,
};
use kernel::{Kernel, driver_number, static_init};
use qemu_virt::chip::QemuVirt;
use qemu_virt::edu::{Edu, EduMmio};
use qemu_virt::gic::{SMMUV3_EVENTQ, SMMUV3_GERROR};

use hardware::{DmaHardware, EDU_ADDRESS_BITS};
use services::{EngineOwner, EngineQuiesce, SmmuEvents};
use tables::{CleanTables, DomainTables, TablePool};

/// IOMMU domains: one per process slot, so every process may have one
/// (the SMMUv3 has far more contexts; the capsule's records bound it).
pub(crate) const DOMAINS: usize = crate::kernel_loop::NUM_PROCS;
/// The edu's index in the policy's master list.
pub(crate) const EDU_MASTER: usize = 0;

pub(crate) type Smmu = SmmuV3Iommu<'static, Mmio, DomainTables, CleanTables, DOMAINS>;
pub(crate) type Engine = Edu<'static, EduMmio>;
pub(crate) type IommuDmaDriver = IommuDma<'static, Smmu, TablePool, DOMAINS>;
pub(crate) type EngineDriver = DmaEngineDriver<'static, Engine, EngineOwner>;

/// The budget of an ordinary DMA app: 8 live mappings, 256 KiB mapped, and
/// 4 table pages (a 32-bit window with 4 KiB pages walks L1, L2, L3: one
/// 2 MiB region costs 3 pages, a second region in the same GiB one more).
const QUOTA: Quota = Quota {
    mappings: 8,
    bytes: 256 * 1024,
    table_pages: 4,
};
/// A deliberately small budget, so `dma-hostile` can run into every limit.
const SMALL_QUOTA: Quota = Quota {
    mappings: 2,
    bytes: 8 * 1024,
    table_pages: 3,
};

const fn app(name: &'static str, masters: &'static [usize], quota: Quota) -> AppPolicy {
    AppPolicy {
        app: name,
        masters,
        quota,
    }
}

/// Which apps (by TBF package name) may use DMA, and with what.
static APPS: [AppPolicy; 8] = [
    app("dma-demo", &[EDU_MASTER], QUOTA),
    app("dma-isolation", &[EDU_MASTER], QUOTA),
    // May map (a domain of its own) but attach nothing.
    app("dma-victim", &[], QUOTA),
    app("dma-attacker", &[EDU_MASTER], QUOTA),
    app("dma-restart", &[EDU_MASTER], QUOTA),
    app("dma-hostile", &[EDU_MASTER], SMALL_QUOTA),
    app("dma-storm", &[EDU_MASTER], QUOTA),
    app("dma-bench", &[EDU_MASTER], QUOTA),
];

/// Every app's domain: LPAE stage 1 with 4 KiB pages over the 32-bit
/// window the edu can address (process addresses fit in it).
const DOMAIN: DomainConfig = DomainConfig {
    format: TableFormat::Lpae64(Granule::Size4K),
    stage: Stage::One,
    iova_bits: EDU_ADDRESS_BITS,
};

/// The two drivers apps use.
pub(crate) struct DmaDrivers {
    pub(crate) iommu_dma: &'static IommuDmaDriver,
    pub(crate) engine: &'static EngineDriver,
}

/// Builds the DMA stack (see the module docs); `None` without the hardware.
pub(crate) fn build(
    kernel: &'static Kernel,
    chip: &'static QemuVirt<'static>,
    cap: &(impl MemoryAllocationCapability + LifecycleHookCapability),
) -> Option<DmaDrivers> {
    let hardware = match DmaHardware::bring_up() {
        Ok(hardware) => hardware,
        Err(reason) => {
            defmt::warn!("no DMA: {=str}", reason);
            return None;
        }
    };
    let stream = hardware.stream;
    let edu_interrupt = hardware.edu_interrupt;
    let (edu, smmu, guard) = hardware.into_parts();
    // The hardware stays claimed for the kernel's lifetime.
    core::mem::forget(guard);

    let masters = static_init!(
        [DmaMaster; 1],
        [DmaMaster {
            name: "edu",
            stream: StreamMatch::exact(StreamId::new(stream)),
            address_bits: edu.dma_address_bits(),
        }]
    );
    let policy = Policy {
        masters,
        apps: &APPS,
        domain: DOMAIN,
    };
    if let Err(error) = policy.validate() {
        defmt::error!("DMA policy rejected: {}", error);
        return None;
    }

    let edu = static_init!(Engine, edu);
    let smmu = static_init!(Smmu, SmmuV3Iommu::new(smmu, CleanTables));
    let (Some(dma_grant), Some(engine_grant)) = (
        kernel.create_grant(driver_number::IOMMU_DMA, cap),
        kernel.create_grant(driver_number::DMA_ENGINE, cap),
    ) else {
        defmt::error!("no grant numbers left for DMA");
        return None;
    };
    let iommu_dma = static_init!(
        IommuDmaDriver,
        IommuDma::new(kernel, smmu, &TablePool, policy, dma_grant)
    );
    smmu.set_fault_client(iommu_dma);
    let owner = static_init!(EngineOwner, EngineOwner { dma: iommu_dma });
    let engine = static_init!(EngineDriver, DmaEngineDriver::new(edu, owner, engine_grant));
    edu.set_client(engine);
    let quiesce = static_init!(EngineQuiesce, EngineQuiesce { engine });
    iommu_dma.set_quiesce(quiesce);

    // Completions arrive by interrupt: the kernel sleeps in WFI between
    // them, so without the line nothing would advance a copy.
    match edu_interrupt.map(|intid| (intid, chip.route_interrupt(intid, Trigger::Level, edu))) {
        Some((intid, Ok(()))) => {
            edu.enable_completion_interrupt();
            defmt::info!("DMA: edu completions on INTID {=u32}", intid.raw_value());
        }
        _ => {
            defmt::error!("the edu's interrupt cannot be routed: no DMA");
            return None;
        }
    }
    // SMMU events by interrupt; if the lines cannot be had, by polling on
    // every pass of the kernel loop (three register reads).
    let events = static_init!(SmmuEvents, SmmuEvents::new(smmu));
    let by_interrupt = chip
        .route_interrupt(SMMUV3_EVENTQ, Trigger::Edge, events)
        .and_then(|()| chip.route_interrupt(SMMUV3_GERROR, Trigger::Edge, events))
        .and_then(|()| smmu.enable_interrupts());
    if by_interrupt.is_ok() {
        defmt::info!(
            "DMA: SMMU events on INTID {=u32}, global errors on INTID {=u32}",
            SMMUV3_EVENTQ.raw_value(),
            SMMUV3_GERROR.raw_value()
        );
    } else {
        defmt::warn!("SMMU interrupts unavailable: polling its event queue");
        chip.poll_device(events);
    }

    // Last, so a board that cannot offer DMA leaves no hooks behind: the
    // engine's hook stops a transfer before the IOMMU's tears down the
    // domain it runs in.
    if !kernel.register_lifecycle_hook(engine, cap)
        || !kernel.register_lifecycle_hook(iommu_dma, cap)
    {
        defmt::error!("no lifecycle hook slots left for DMA");
        return None;
    }

    defmt::info!(
        "DMA: edu (stream {=u32:#x}, {=u8}-bit device addresses) behind the SMMUv3; {=usize} app(s) may use it",
        stream,
        EDU_ADDRESS_BITS,
        APPS.len()
    );
    defmt::info!(
        "DMA: {=usize} B of grant per app, {=usize} B of kernel state for {=usize} domains, table pages from a pool of {=usize}",
        core::mem::size_of::<capsules_iommu_dma::App>(),
        core::mem::size_of::<IommuDmaDriver>() + core::mem::size_of::<Smmu>(),
        DOMAINS,
        tables::POOL_PAGES
    );
    Some(DmaDrivers { iommu_dma, engine })
}

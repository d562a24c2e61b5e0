// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The hardware the DMA checks drive, brought up from scratch per check:
//! the `edu` found by PCI enumeration with its BAR assigned, and the SMMUv3
//! probed, reset and wrapped as a `hil::iommu::Iommu`. Also the memory they
//! share with the hardware (statics in identity-mapped kernel RAM, PA = VA)
//! and the clients that collect completions and faults.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use aarch64::dma_fence::{self, Coherence};
use aarch64::timer::{PhysicalTimer, us_to_ticks};
use arm_smmuv3::{Mmio, SmmuV3Iommu};
use kernel::ErrorCode;
use kernel::hil::dma::{DmaClient, DmaEngine};
use kernel::hil::iommu::{
    Access, DisableReason, DomainConfig, DomainId, Fault, FaultClient, FaultKind, Granule, Iommu,
    Protection, Stage, StreamId, StreamMatch, TableFormat,
};
use qemu_virt::edu::{Edu, EduMmio};

use crate::dma::hardware::{DmaHardware, HardwareGuard};
use crate::dma::tables::{CleanTables, DomainTables};

pub(super) use crate::dma::hardware::phys_of;

/// How long one copy may take. QEMU's edu runs each transfer from a timer
/// 100 ms after the command; a copy is two transfers.
const COPY_TIMEOUT_US: u64 = 2_000_000;
/// Size of a page and of each test buffer.
pub(super) const PAGE: usize = 4096;

/// One 4 KiB-aligned page.
#[repr(C, align(4096))]
pub(super) struct Page([u8; PAGE]);

/// The two test buffers, used only while a [`Rig`] holds the hardware.
struct Buffers {
    source: UnsafeCell<Page>,
    destination: UnsafeCell<Page>,
}

// SAFETY: only reached while a `Rig` holds the DMA hardware claim (one at
// a time), on the one core the kernel runs on.
unsafe impl Sync for Buffers {}

static BUFFERS: Buffers = Buffers {
    source: UnsafeCell::new(Page([0; PAGE])),
    destination: UnsafeCell::new(Page([0; PAGE])),
};

// ---------------------------------------------------------------------
// Clients.
// ---------------------------------------------------------------------

/// A `DmaClient` that stores the outcome for a polling caller.
struct Completion {
    /// 0: pending, 1: ok, 2: error.
    state: AtomicU32,
}

impl DmaClient for Completion {
    fn transfer_done(&self, _len: usize, result: Result<(), ErrorCode>) {
        let state = if result.is_ok() { 1 } else { 2 };
        self.state.store(state, Ordering::Relaxed);
    }
}

static DONE: Completion = Completion {
    state: AtomicU32::new(0),
};

/// What the fault client should see: set before a transfer, compared in
/// `fault`.
struct FaultRecorder {
    domain: AtomicU32,
    stream: AtomicU32,
    iova: AtomicU64,
    len: AtomicU64,
    write: AtomicBool,
    count: AtomicU32,
    unexpected: AtomicU32,
    first_is_expected: AtomicBool,
    suppressed: AtomicBool,
}

impl FaultClient for FaultRecorder {
    fn fault(&self, fault: &Fault) {
        let iova = self.iova.load(Ordering::Relaxed);
        let end = iova + self.len.load(Ordering::Relaxed);
        let access = if self.write.load(Ordering::Relaxed) {
            Access::Write
        } else {
            Access::Read
        };
        if self.count.fetch_add(1, Ordering::Relaxed) == 0 {
            defmt::info!("first fault: {}", fault);
            self.first_is_expected
                .store(fault.iova == iova, Ordering::Relaxed);
        }
        // QEMU retries a failed burst in 4-byte pieces, each of which
        // faults: every fault must be this stream's translation fault in
        // this domain, inside the transfer, in its direction.
        let expected = fault.kind == FaultKind::Translation
            && fault.domain.map(|d| d.index() as u32) == Some(self.domain.load(Ordering::Relaxed))
            && fault.stream == Some(StreamId::new(self.stream.load(Ordering::Relaxed)))
            && fault.access == access
            && (iova..end).contains(&fault.iova);
        if !expected {
            self.unexpected.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn domain_disabled(&self, _domain: DomainId, _reason: DisableReason) {
        self.unexpected.fetch_add(1, Ordering::Relaxed);
    }

    fn global_faults_suppressed(&self) {
        self.suppressed.store(true, Ordering::Relaxed);
    }
}

static FAULTS: FaultRecorder = FaultRecorder {
    domain: AtomicU32::new(0),
    stream: AtomicU32::new(0),
    iova: AtomicU64::new(0),
    len: AtomicU64::new(0),
    write: AtomicBool::new(false),
    count: AtomicU32::new(0),
    unexpected: AtomicU32::new(0),
    first_is_expected: AtomicBool::new(false),
    suppressed: AtomicBool::new(false),
};

/// What the fault client received for one transfer.
pub(super) struct Faults {
    /// Faults delivered.
    pub(super) count: u32,
    /// Faults that are not the expected translation fault (or a domain
    /// being disabled).
    pub(super) unexpected: u32,
    /// The oldest fault names the transfer's first byte.
    pub(super) first_is_expected: bool,
    /// Records were lost (queue full): acceptable, one burst's fault storm
    /// may exceed the 32-entry queue; the memory checks prove the SMMU
    /// still refused every access.
    pub(super) suppressed: bool,
}

impl Faults {
    /// The transfer faulted, and only as expected.
    pub(super) fn as_expected(&self) -> bool {
        self.count > 0 && self.unexpected == 0 && self.first_is_expected
    }
}

// ---------------------------------------------------------------------
// The rig.
// ---------------------------------------------------------------------

/// The SMMUv3 as the capsule would see it: one domain is enough here.
type Smmu = SmmuV3Iommu<'static, Mmio, DomainTables, CleanTables, 1>;

pub(super) struct Rig {
    pub(super) iommu: Smmu,
    pub(super) edu: Edu<'static, EduMmio>,
    pub(super) stream: u32,
    /// IDR5.OAS, for the log.
    pub(super) oas_bits: u8,
    /// CR0ACK.SMMUEN after reset.
    pub(super) enabled: bool,
    _hardware: HardwareGuard,
}

impl Rig {
    /// Enumerates PCI, enables the edu, probes and resets the SMMU.
    pub(super) fn bring_up() -> Result<Self, &'static str> {
        let hardware = DmaHardware::bring_up()?;
        let stream = hardware.stream;
        let (edu, smmu, guard) = hardware.into_parts();
        let oas_bits = smmu.capabilities().oas_bits;
        let enabled = smmu.is_enabled();
        let iommu = SmmuV3Iommu::new(smmu, CleanTables);
        iommu.set_fault_client(&FAULTS);
        Ok(Self {
            iommu,
            edu,
            stream,
            oas_bits,
            enabled,
            _hardware: guard,
        })
    }

    /// A fresh stage-1 domain, IOVA window = the edu's DMA mask, with the
    /// edu's stream attached.
    pub(super) fn attached_domain(&self) -> Result<DomainId, &'static str> {
        let config = DomainConfig {
            format: TableFormat::Lpae64(Granule::Size4K),
            stage: Stage::One,
            iova_bits: self.edu.dma_address_bits(),
        };
        let domain = self
            .iommu
            .domain_alloc(&config, DomainTables::unbudgeted())
            .map_err(|_| "cannot allocate a domain")?;
        self.iommu
            .attach(domain, StreamMatch::exact(StreamId::new(self.stream)))
            .map_err(|_| "cannot attach the edu's stream")?;
        Ok(domain)
    }

    /// Maps one test page (cacheable: PCIe on `virt` is coherent).
    pub(super) fn map(
        &self,
        domain: DomainId,
        iova: u64,
        page: *mut Page,
        write: bool,
    ) -> Result<(), &'static str> {
        let prot = Protection {
            read: true,
            write,
            cacheable: true,
        };
        self.iommu
            .map(domain, iova, phys_of(page), PAGE as u64, prot)
            .map_err(|_| "map failed")
    }

    /// Runs one copy to completion (or the deadline). The edu cannot see
    /// SMMU aborts (QEMU drops the access), so a faulting copy still
    /// completes: the checks look at memory and the faults.
    pub(super) fn copy(&self, src: u64, dst: u64, len: usize) -> Result<(), &'static str> {
        DONE.state.store(0, Ordering::Relaxed);
        self.edu.set_client(&DONE);
        self.edu
            .copy(src, dst, len)
            .map_err(|_| "the edu refused a valid copy")?;
        let timer = PhysicalTimer;
        let deadline = timer.now() + us_to_ticks(COPY_TIMEOUT_US, timer.frequency());
        while timer.now() < deadline {
            self.edu.poll();
            match DONE.state.load(Ordering::Relaxed) {
                0 => {}
                1 => return Ok(()),
                _ => return Err("the engine reported an error"),
            }
        }
        let _ = self.edu.cancel();
        Err("the copy did not complete in time")
    }

    /// Delivers every pending SMMU event to the fault client and summarises
    /// them against a transfer of `len` bytes at `iova` (`write`: device
    /// writes) in `domain`.
    pub(super) fn faults(&self, domain: DomainId, iova: u64, len: usize, write: bool) -> Faults {
        FAULTS
            .domain
            .store(domain.index() as u32, Ordering::Relaxed);
        FAULTS.stream.store(self.stream, Ordering::Relaxed);
        FAULTS.iova.store(iova, Ordering::Relaxed);
        FAULTS.len.store(len as u64, Ordering::Relaxed);
        FAULTS.write.store(write, Ordering::Relaxed);
        FAULTS.count.store(0, Ordering::Relaxed);
        FAULTS.unexpected.store(0, Ordering::Relaxed);
        FAULTS.first_is_expected.store(false, Ordering::Relaxed);
        FAULTS.suppressed.store(false, Ordering::Relaxed);
        // Bounded: each call drains at most one queue's worth.
        for _ in 0..8 {
            if self.iommu.service_events() == 0 {
                break;
            }
        }
        let faults = Faults {
            count: FAULTS.count.load(Ordering::Relaxed),
            unexpected: FAULTS.unexpected.load(Ordering::Relaxed),
            first_is_expected: FAULTS.first_is_expected.load(Ordering::Relaxed),
            suppressed: FAULTS.suppressed.load(Ordering::Relaxed),
        };
        if faults.count > 0 {
            defmt::info!(
                "faults: {=u32} delivered, {=u32} unexpected, records lost {=bool}",
                faults.count,
                faults.unexpected,
                faults.suppressed
            );
        }
        faults
    }

    /// Detaches the stream and frees the domain (STE abort, CFGI, TLBI,
    /// sync, then the tables go back to the pool).
    pub(super) fn retire(&self, domain: DomainId) -> Result<(), &'static str> {
        self.iommu
            .detach(domain, StreamMatch::exact(StreamId::new(self.stream)))
            .map_err(|_| "detach failed")?;
        self.iommu
            .domain_free(domain)
            .map_err(|_| "domain free failed")
    }
}

// ---------------------------------------------------------------------
// The test buffers.
// ---------------------------------------------------------------------

/// The source buffer, as the CPU sees it.
pub(super) fn source() -> *mut Page {
    BUFFERS.source.get()
}

/// The destination buffer, as the CPU sees it.
pub(super) fn destination() -> *mut Page {
    BUFFERS.destination.get()
}

/// Writes `byte(i)` to every byte `i` of `page`.
pub(super) fn fill(page: *mut Page, byte: impl Fn(usize) -> u8) {
    for index in 0..PAGE {
        // SAFETY: in bounds of a page only the current rig uses; the device
        // is idle between a check's steps.
        unsafe { page.cast::<u8>().add(index).write_volatile(byte(index)) };
    }
}

/// Whether every byte `i` of `page` in `range` is `byte(i)`.
pub(super) fn holds(
    page: *mut Page,
    range: core::ops::Range<usize>,
    byte: impl Fn(usize) -> u8,
) -> bool {
    range.filter(|&index| index < PAGE).all(|index| {
        // SAFETY: as in `fill`.
        let value = unsafe { page.cast::<u8>().add(index).read_volatile() };
        value == byte(index)
    })
}

/// Hands both buffers to the device (CPU writes visible; no dirty line can
/// later land on the device's data). PCIe on `virt` is `dma-coherent`.
pub(super) fn to_device() {
    dma_fence::before_device_reads(Coherence::Coherent, source() as usize, PAGE);
    dma_fence::before_device_writes(Coherence::Coherent, destination() as usize, PAGE);
}

/// Takes the destination back from the device.
pub(super) fn from_device() {
    dma_fence::after_device_writes(Coherence::Coherent, destination() as usize, PAGE);
}

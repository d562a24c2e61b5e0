// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The hardware the DMA checks drive, brought up from scratch per check:
//! the `edu` found by PCI enumeration with its BAR assigned, and the SMMUv3
//! probed, reset and wrapped as a `hil::iommu::Iommu`. Also the memory they
//! share with the hardware (statics in identity-mapped kernel RAM, PA = VA)
//! and the clients that collect completions and faults.

use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use aarch64::dma_fence::{self, Coherence};
use aarch64::timer::{PhysicalTimer, us_to_ticks};
use arm_smmuv3::{DmaRegion, Mmio, SmmuMemory, SmmuV3, SmmuV3Iommu};
use io_pgtable::{CacheMaintenance, PageAllocator, TablePage};
use kernel::ErrorCode;
use kernel::hil::dma::{DmaClient, DmaEngine};
use kernel::hil::iommu::{
    Access, DisableReason, DomainConfig, DomainId, Fault, FaultClient, FaultKind, Granule, Iommu,
    Protection, Stage, StreamId, StreamMatch, TableFormat,
};
use qemu_virt::edu::{self, Edu, EduMmio};
use qemu_virt::memory_map::{PCIE_ECAM_BASE, PCIE_MMIO_BASE, SMMUV3_BASE};
use qemu_virt::pci::{self, Ecam, MmioWindow};

/// Size of the host bridge's 32-bit MMIO window (device tree `ranges`).
const PCIE_MMIO_SIZE: u64 = 0x2eff_0000;
/// Register reads an SMMU wait may spend (QEMU answers at once; real
/// hardware within microseconds).
const SMMU_POLL_LIMIT: u32 = 1_000_000;
/// Register reads `Edu::cancel` may spend.
const EDU_POLL_LIMIT: u32 = 50_000_000;
/// How long one copy may take. QEMU's edu runs each transfer from a timer
/// 100 ms after the command; a copy is two transfers.
const COPY_TIMEOUT_US: u64 = 2_000_000;
/// Size of a page and of each test buffer.
pub(super) const PAGE: usize = 4096;

// ---------------------------------------------------------------------
// Memory shared with the SMMU and the device.
// ---------------------------------------------------------------------

/// Stream table (256 STEs: every requester ID on bus 0), one CD per stream,
/// a 32-entry event queue and a 32-entry command queue, each naturally
/// aligned as IHI 0070 §6.3.23/§6.3.25/§6.3.28 require.
#[repr(C, align(16384))]
struct SmmuArea {
    stream_table: [u64; 256 * 8],
    contexts: [u64; 256 * 8],
    /// 1 KiB at offset 32 KiB: naturally aligned.
    event_queue: [u64; 32 * 4],
    /// 512 bytes at offset 33 KiB: naturally aligned.
    command_queue: [u64; 32 * 2],
}

/// Translation-table pages for `io-pgtable`.
const TABLE_PAGES: usize = 8;

/// One 4 KiB-aligned page.
#[repr(C, align(4096))]
pub(super) struct Page([u8; PAGE]);

/// Everything exclusive to one [`Rig`].
struct Shared {
    smmu: UnsafeCell<SmmuArea>,
    tables: UnsafeCell<[Page; TABLE_PAGES]>,
    source: UnsafeCell<Page>,
    destination: UnsafeCell<Page>,
}

// SAFETY: only reached through a `Rig`, of which `RIG_TAKEN` allows one at
// a time, on the one core the kernel runs on.
unsafe impl Sync for Shared {}

static SHARED: Shared = Shared {
    smmu: UnsafeCell::new(SmmuArea {
        stream_table: [0; 256 * 8],
        contexts: [0; 256 * 8],
        event_queue: [0; 128],
        command_queue: [0; 64],
    }),
    tables: UnsafeCell::new([const { Page([0; PAGE]) }; TABLE_PAGES]),
    source: UnsafeCell::new(Page([0; PAGE])),
    destination: UnsafeCell::new(Page([0; PAGE])),
};
static RIG_TAKEN: AtomicBool = AtomicBool::new(false);
/// Bit n set: table page n is allocated.
static TABLES_USED: AtomicU32 = AtomicU32::new(0);

/// Kernel RAM is identity-mapped: the bus address is the CPU address.
pub(super) fn phys_of<T>(pointer: *const T) -> u64 {
    pointer as u64
}

/// Hands out the static table pages (PA = VA, zeroed, 4 KiB aligned).
pub(super) struct TablePool;

// SAFETY: each page is 4 KiB aligned (by `Page`) and handed out once until
// freed (the `TABLES_USED` bit); it is zeroed before it is returned; the
// walker reads PA = VA (identity map); `phys_to_virt` is the identity.
unsafe impl PageAllocator for TablePool {
    fn alloc(&mut self, size: usize) -> Option<TablePage> {
        if size != PAGE {
            return None;
        }
        let used = TABLES_USED.load(Ordering::Relaxed);
        let index = (!used).trailing_zeros() as usize;
        if index >= TABLE_PAGES {
            return None;
        }
        TABLES_USED.store(used | 1 << index, Ordering::Relaxed);
        // SAFETY: in bounds; the page is unused (its bit was clear), so no
        // other reference to it exists.
        let page = unsafe { SHARED.tables.get().cast::<Page>().add(index) };
        // SAFETY: as above; zeroing a page we own.
        unsafe { page.write_bytes(0, 1) };
        let virt = NonNull::new(page.cast::<u8>())?;
        Some(TablePage {
            virt,
            phys: phys_of(page),
        })
    }

    unsafe fn free(&mut self, page: TablePage, _size: usize) {
        let base = SHARED.tables.get() as usize;
        let index = (page.virt.as_ptr() as usize - base) / PAGE;
        TABLES_USED.fetch_and(!(1 << index), Ordering::Relaxed);
    }

    fn phys_to_virt(&self, phys: u64) -> NonNull<u8> {
        NonNull::new(phys as *mut u8).unwrap_or(NonNull::dangling())
    }
}

/// Cleans table writes to the point of coherency for a walker that does
/// not snoop. `io-pgtable` calls it only when the table is configured for
/// non-coherent walks, i.e. when the SMMU lacks IDR0.COHACC (QEMU has it).
#[derive(Clone)]
pub(super) struct CleanTables;

impl CacheMaintenance for CleanTables {
    fn clean_to_poc(&mut self, virt: *const u8, len: usize) {
        dma_fence::before_device_reads(Coherence::NonCoherent, virt as usize, len);
    }
}

/// # Safety
///
/// `words` is exclusively the caller's for as long as the region lives, in
/// identity-mapped RAM.
unsafe fn region(words: &mut [u64]) -> DmaRegion {
    let virt = NonNull::from(&mut words[0]);
    // SAFETY: the caller's guarantee; PA = VA.
    unsafe { DmaRegion::new(virt, phys_of(virt.as_ptr()), core::mem::size_of_val(words)) }
}

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
type Smmu = SmmuV3Iommu<'static, Mmio, TablePool, CleanTables, 1>;

pub(super) struct Rig {
    pub(super) iommu: Smmu,
    pub(super) edu: Edu<'static, EduMmio>,
    pub(super) stream: u32,
    /// IDR5.OAS, for the log.
    pub(super) oas_bits: u8,
    /// CR0ACK.SMMUEN after reset.
    pub(super) enabled: bool,
}

impl Rig {
    /// Enumerates PCI, enables the edu, probes and resets the SMMU.
    pub(super) fn bring_up() -> Result<Self, &'static str> {
        if RIG_TAKEN.swap(true, Ordering::Acquire) {
            return Err("DMA hardware already in use");
        }
        Self::try_bring_up().inspect_err(|_| RIG_TAKEN.store(false, Ordering::Release))
    }

    /// `bring_up` once the hardware is ours.
    fn try_bring_up() -> Result<Self, &'static str> {
        // SAFETY: the ECAM of `virt`'s host bridge (bus 0 only), mapped as
        // device memory by the boot map; nothing else configures PCI.
        let ecam = unsafe { Ecam::new(PCIE_ECAM_BASE as usize, 1) };
        let bdf = pci::find(&ecam, edu::VENDOR_ID, edu::DEVICE_ID)
            .map_err(|_| "no edu device on bus 0")?;
        let mut window = MmioWindow::new(PCIE_MMIO_BASE, PCIE_MMIO_SIZE);
        let (bar, _) = pci::enable_bar0(&ecam, bdf, &mut window)
            .map_err(|_| "cannot assign the edu's BAR0")?;
        // SAFETY: BAR0 was just assigned inside the PCI MMIO window, which
        // the boot map maps as device memory; only this rig drives the edu.
        let edu = Edu::new(unsafe { EduMmio::new(bar as usize) }, EDU_POLL_LIMIT);

        // SAFETY: `RIG_TAKEN` gives this rig sole use of `SHARED` until it
        // is dropped; the regions are disjoint fields, in identity-mapped
        // RAM, and QEMU's SMMU is coherent (the driver checks COHACC).
        let memory = unsafe {
            let area = &mut *SHARED.smmu.get();
            SmmuMemory {
                stream_table: region(&mut area.stream_table),
                contexts: region(&mut area.contexts),
                command_queue: region(&mut area.command_queue),
                event_queue: region(&mut area.event_queue),
            }
        };
        // SAFETY: the SMMUv3 register frame of `virt`, device memory in the
        // boot map; only this rig programs the SMMU.
        let io = unsafe { Mmio::new(SMMUV3_BASE, arm_smmuv3::WINDOW_SIZE) };
        let mut smmu = SmmuV3::probe(io, memory, SMMU_POLL_LIMIT).map_err(|error| {
            defmt::error!("SMMUv3 probe: {}", error);
            "SMMUv3 probe refused the hardware"
        })?;
        smmu.reset().map_err(|error| {
            defmt::error!("SMMUv3 reset: {}", error);
            "SMMUv3 reset did not complete"
        })?;
        let oas_bits = smmu.capabilities().oas_bits;
        let enabled = smmu.is_enabled();
        let iommu = SmmuV3Iommu::new(smmu, CleanTables);
        iommu.set_fault_client(&FAULTS);
        Ok(Self {
            iommu,
            edu,
            stream: u32::from(bdf.requester_id()),
            oas_bits,
            enabled,
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
            .domain_alloc(&config, TablePool)
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

impl Drop for Rig {
    fn drop(&mut self) {
        RIG_TAKEN.store(false, Ordering::Release);
    }
}

// ---------------------------------------------------------------------
// The test buffers.
// ---------------------------------------------------------------------

/// The source buffer, as the CPU sees it.
pub(super) fn source() -> *mut Page {
    SHARED.source.get()
}

/// The destination buffer, as the CPU sees it.
pub(super) fn destination() -> *mut Page {
    SHARED.destination.get()
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

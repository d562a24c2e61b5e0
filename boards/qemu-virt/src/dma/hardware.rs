// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The board's DMA hardware, brought up from scratch: the `edu` found by
//! PCI enumeration (BAR assigned, bus mastering and INTx enabled) and the
//! SMMUv3 probed and reset over the memory it shares with the kernel
//! (stream table, context descriptors, queues: statics in identity-mapped
//! kernel RAM, PA = VA).
//!
//! One [`DmaHardware`] exists at a time (a claim released on drop): the
//! kernel keeps it for good, the in-kernel checks bring it up per check.

use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};

use arm_gic::IntId;
use arm_smmuv3::{DmaRegion, Mmio, SmmuMemory, SmmuV3};
use qemu_virt::edu::{self, Edu, EduMmio};
use qemu_virt::memory_map::{PCIE_ECAM_BASE, PCIE_MMIO_BASE, SMMUV3_BASE};
use qemu_virt::pci::{self, Ecam, MmioWindow};

/// Size of the host bridge's 32-bit MMIO window (device tree `ranges`).
const PCIE_MMIO_SIZE: u64 = 0x2eff_0000;
/// Register reads an SMMU wait may spend (QEMU answers at once; real
/// hardware within microseconds).
const SMMU_POLL_LIMIT: u32 = 1_000_000;
/// Register reads `Edu::cancel` may spend: a transfer half runs 100 ms
/// after its command in QEMU, far fewer reads than this.
const EDU_POLL_LIMIT: u32 = 50_000_000;
/// The edu's DMA mask: the runner starts QEMU with
/// `-device edu,dma_mask=0xffffffff` (tools/portcullis `board.rs`), so
/// process addresses (0x8000_0000 and up) are device addresses it can emit.
pub(crate) const EDU_ADDRESS_BITS: u8 = 32;

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

struct SmmuCell(UnsafeCell<SmmuArea>);

// SAFETY: reached only through `DmaHardware`, of which `CLAIMED` allows one
// at a time, on the one core the kernel runs on.
unsafe impl Sync for SmmuCell {}

static SMMU_AREA: SmmuCell = SmmuCell(UnsafeCell::new(SmmuArea {
    stream_table: [0; 256 * 8],
    contexts: [0; 256 * 8],
    event_queue: [0; 128],
    command_queue: [0; 64],
}));
static CLAIMED: AtomicBool = AtomicBool::new(false);

/// Kernel RAM is identity-mapped: the bus address is the CPU address.
pub(crate) fn phys_of<T>(pointer: *const T) -> u64 {
    pointer as u64
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

/// The hardware, probed and reset, but not yet wrapped for the kernel.
pub(crate) struct DmaHardware {
    /// The DMA engine (completion by polling until the board enables its
    /// interrupt).
    pub(crate) edu: Edu<'static, EduMmio>,
    /// The edu's stream ID (its PCI requester ID).
    pub(crate) stream: u32,
    /// The GIC interrupt of the edu's INTx line, if it has one.
    pub(crate) edu_interrupt: Option<IntId>,
    /// The SMMU, translating, every stream aborting.
    pub(crate) smmu: SmmuV3<Mmio>,
    claim: Claim,
}

/// Releases the hardware when the last user drops it.
struct Claim;

impl Drop for Claim {
    fn drop(&mut self) {
        CLAIMED.store(false, Ordering::Release);
    }
}

impl DmaHardware {
    /// Enumerates PCI, enables the edu, probes and resets the SMMU.
    pub(crate) fn bring_up() -> Result<Self, &'static str> {
        if CLAIMED.swap(true, Ordering::Acquire) {
            return Err("DMA hardware already in use");
        }
        let claim = Claim;
        // SAFETY: the ECAM of `virt`'s host bridge (bus 0 only), mapped as
        // device memory by the boot map; nothing else configures PCI.
        let ecam = unsafe { Ecam::new(PCIE_ECAM_BASE as usize, 1) };
        let bdf = pci::find(&ecam, edu::VENDOR_ID, edu::DEVICE_ID)
            .map_err(|_| "no edu device on bus 0")?;
        let mut window = MmioWindow::new(PCIE_MMIO_BASE, PCIE_MMIO_SIZE);
        let (bar, _) = pci::enable_bar0(&ecam, bdf, &mut window)
            .map_err(|_| "cannot assign the edu's BAR0")?;
        let edu_interrupt = pci::enable_intx(&ecam, bdf).map(IntId::spi);
        // SAFETY: BAR0 was just assigned inside the PCI MMIO window, which
        // the boot map maps as device memory; only this claim's holder
        // drives the edu.
        let edu = Edu::new(
            unsafe { EduMmio::new(bar as usize) },
            EDU_POLL_LIMIT,
            EDU_ADDRESS_BITS,
        );

        // SAFETY: `CLAIMED` gives this value sole use of `SMMU_AREA` until it
        // is dropped; the regions are disjoint fields, in identity-mapped
        // RAM, and QEMU's SMMU is coherent (the driver checks COHACC).
        let memory = unsafe {
            let area = &mut *SMMU_AREA.0.get();
            SmmuMemory {
                stream_table: region(&mut area.stream_table),
                contexts: region(&mut area.contexts),
                command_queue: region(&mut area.command_queue),
                event_queue: region(&mut area.event_queue),
            }
        };
        // SAFETY: the SMMUv3 register frame of `virt`, device memory in the
        // boot map; only this claim's holder programs the SMMU.
        let io = unsafe { Mmio::new(SMMUV3_BASE, arm_smmuv3::WINDOW_SIZE) };
        let mut smmu = SmmuV3::probe(io, memory, SMMU_POLL_LIMIT).map_err(|error| {
            defmt::error!("SMMUv3 probe: {}", error);
            "SMMUv3 probe refused the hardware"
        })?;
        smmu.reset().map_err(|error| {
            defmt::error!("SMMUv3 reset: {}", error);
            "SMMUv3 reset did not complete"
        })?;
        Ok(Self {
            edu,
            stream: u32::from(bdf.requester_id()),
            edu_interrupt,
            smmu,
            claim,
        })
    }

    /// Splits the hardware for its long-lived owners; the claim stays with
    /// the returned guard.
    pub(crate) fn into_parts(self) -> (Edu<'static, EduMmio>, SmmuV3<Mmio>, HardwareGuard) {
        (self.edu, self.smmu, HardwareGuard { _claim: self.claim })
    }
}

/// Keeps the hardware claimed while the parts live.
pub(crate) struct HardwareGuard {
    _claim: Claim,
}

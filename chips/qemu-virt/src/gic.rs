// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The GICv3 interrupt controller of QEMU `virt`, driven by the `arm-gic`
//! crate.
//!
//! The kernel follows Tock's interrupt model: it runs with IRQs masked and
//! never takes an interrupt at EL1. A pending interrupt either wakes the
//! kernel from `WFI` (the core leaves WFI for a pending IRQ even while
//! `PSTATE.I` masks it: Arm ARM DDI 0487K.a D1.6.2 "Wait for Interrupt") or
//! preempts a process at EL0; either way the kernel loop then drains the
//! CPU interface with [`InterruptController::next_pending`] and completes
//! each interrupt once its bottom half has run.
//!
//! All interrupts are non-secure group 1 (the GIC Architecture Specification,
//! IHI 0069H, §4.6: `ICC_IAR1_EL1`/`ICC_EOIR1_EL1` acknowledge and complete
//! them, and `EOImode` 0 makes the end-of-interrupt write also deactivate).

use core::ptr::NonNull;

use arm_gic::gicv3::registers::{Gicd, GicrSgi};
use arm_gic::gicv3::{GicCpuInterface, GicV3};
use arm_gic::{IntId, InterruptGroup, Trigger, UniqueMmioPointer};

use crate::memory_map::{GICD_BASE, GICR_BASE};

/// INTID of the non-secure EL1 physical timer (PPI 14; the `timer` node of
/// the QEMU device tree lists it as `<GIC_PPI 14 ...>`).
pub const EL1_PHYSICAL_TIMER: IntId = IntId::ppi(14);

/// INTID of the EL1 virtual timer (PPI 11; `<GIC_PPI 11 ...>` in the
/// device tree's `timer` node).
pub const EL1_VIRTUAL_TIMER: IntId = IntId::ppi(11);

/// The SMMUv3's event-queue interrupt: SPI 74, the first of its four
/// wired lines (`eventq`, `priq`, `cmdq-sync`, `gerror`: the `smmuv3`
/// node's `interrupt-names` in QEMU's device tree), edge-rising: QEMU
/// pulses it for every record written.
pub const SMMUV3_EVENTQ: IntId = IntId::spi(74);

/// The SMMUv3's global-error interrupt: SPI 77, edge-rising.
pub const SMMUV3_GERROR: IntId = IntId::spi(77);

/// INTID of UART0 (SPI 1; `interrupts = <GIC_SPI 1 ...>` in the device
/// tree's `pl011@9000000` node).
pub const UART0: IntId = IntId::spi(1);

/// The one priority every kernel interrupt uses; the kernel never nests
/// interrupts, so levels would buy nothing.
const KERNEL_PRIORITY: u8 = 0x80;

/// Why the controller could not be brought up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GicInitError {
    /// The redistributor region did not describe this CPU.
    Redistributor,
    /// The interrupt ID is not one this GIC implements.
    InvalidInterrupt,
}

/// The GICv3 of the board, for the boot CPU.
pub struct InterruptController {
    gic: GicV3<'static>,
}

impl InterruptController {
    /// Takes ownership of the distributor and the boot CPU's redistributor
    /// and initialises them: affinity routing, all interrupts group 1 at
    /// default priority and disabled, the CPU interface enabled with every
    /// priority unmasked.
    ///
    /// # Safety
    ///
    /// Call once. The GIC frames at `GICD_BASE`/`GICR_BASE` must be mapped as
    /// device memory and driven by nothing else.
    pub unsafe fn new() -> Result<Self, GicInitError> {
        // SAFETY: the caller guarantees exclusive use of the mapped
        // distributor frame; the address is the board's (non-null) GICD.
        let gicd =
            unsafe { UniqueMmioPointer::new(NonNull::new_unchecked(GICD_BASE as *mut Gicd)) };
        // SAFETY: as above, for the redistributor frames of the one CPU.
        let mut gic = unsafe {
            GicV3::new(gicd, NonNull::new_unchecked(GICR_BASE as *mut GicrSgi), 1)
                .map_err(|_| GicInitError::Redistributor)?
        };
        gic.setup(0);
        GicCpuInterface::set_priority_mask(0xff);
        Ok(Self { gic })
    }

    /// Enables `intid` (level-triggered, kernel priority) on the boot CPU.
    pub fn enable(&mut self, intid: IntId) -> Result<(), GicInitError> {
        self.enable_with(intid, Trigger::Level)
    }

    /// Enables `intid` with `trigger` (kernel priority) on the boot CPU. A
    /// device that pulses its line needs `Trigger::Edge`, or the pulse is
    /// gone before the GIC samples it as pending.
    pub fn enable_with(&mut self, intid: IntId, trigger: Trigger) -> Result<(), GicInitError> {
        let cpu = intid.is_private().then_some(0);
        self.gic
            .set_interrupt_priority(intid, cpu, KERNEL_PRIORITY)
            .and_then(|()| self.gic.set_trigger(intid, cpu, trigger))
            .and_then(|()| self.gic.enable_interrupt(intid, cpu, true))
            .map_err(|_| GicInitError::InvalidInterrupt)
    }

    /// Disables `intid`.
    pub fn disable(&mut self, intid: IntId) -> Result<(), GicInitError> {
        let cpu = intid.is_private().then_some(0);
        self.gic
            .enable_interrupt(intid, cpu, false)
            .map_err(|_| GicInitError::InvalidInterrupt)
    }

    /// Acknowledges the highest-priority pending interrupt, if any. The
    /// caller must [`complete`](Self::complete) it after servicing.
    pub fn next_pending(&self) -> Option<IntId> {
        GicCpuInterface::get_and_acknowledge_interrupt(InterruptGroup::Group1)
    }

    /// Whether an interrupt is waiting, without acknowledging it.
    pub fn has_pending(&self) -> bool {
        GicCpuInterface::get_pending_interrupt(InterruptGroup::Group1).is_some()
    }

    /// Ends (drops priority and deactivates) an acknowledged interrupt.
    pub fn complete(&self, intid: IntId) {
        GicCpuInterface::end_interrupt(intid, InterruptGroup::Group1);
    }
}

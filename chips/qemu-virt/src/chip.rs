// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The QEMU `virt` chip as the kernel loop sees it: pending interrupts,
//! their bottom halves (the alarm timer, console input), and idling.
//!
//! The kernel never takes interrupts at EL1 (see [`crate::gic`]). Whatever
//! woke it — a preempted process or `WFI` — it drains the GIC here: each
//! acknowledged interrupt is routed to its driver's bottom half and then
//! completed. The scheduler's timeslice timer needs no bottom half: the
//! kernel loop disarms it after every slice, which withdraws its
//! (level-sensitive) interrupt before it is ever acknowledged.

use core::cell::RefCell;

use aarch64::timer::VirtualAlarm;
use kernel::hil::uart::ReceiveClient;
use kernel::platform::Chip;

use crate::gic::{EL1_PHYSICAL_TIMER, EL1_VIRTUAL_TIMER, InterruptController, UART0};
use crate::pl011::Pl011;

/// Interrupts serviced per pass of the kernel loop.
pub const MAX_INTERRUPTS_PER_PASS: usize = 16;
/// Console input bytes taken per UART interrupt (two receive FIFOs' worth).
pub const MAX_INPUT_PER_PASS: usize = 64;

/// Interrupt routing and idle for QEMU `virt`.
pub struct QemuVirt<'a> {
    gic: RefCell<InterruptController>,
    alarm: &'a VirtualAlarm<'a>,
    console: Pl011,
    console_input: &'a dyn ReceiveClient,
}

impl<'a> QemuVirt<'a> {
    /// Enables the interrupts the kernel uses and takes over the GIC;
    /// console input from `console` goes to `console_input`.
    pub fn new(
        mut gic: InterruptController,
        alarm: &'a VirtualAlarm<'a>,
        console: Pl011,
        console_input: &'a dyn ReceiveClient,
    ) -> Self {
        for intid in [EL1_PHYSICAL_TIMER, EL1_VIRTUAL_TIMER, UART0] {
            if gic.enable(intid).is_err() {
                defmt::error!("GIC refused interrupt {=u32}", intid.raw_value());
            }
        }
        console.enable_receive_interrupt();
        Self {
            gic: RefCell::new(gic),
            alarm,
            console,
            console_input,
        }
    }
}

impl Chip for QemuVirt<'_> {
    fn has_pending_interrupts(&self) -> bool {
        self.gic.borrow().has_pending()
    }

    /// Services at most [`MAX_INTERRUPTS_PER_PASS`] interrupts and at most
    /// [`MAX_INPUT_PER_PASS`] console bytes, so that no source, however
    /// noisy, keeps the kernel loop from scheduling processes; what is left
    /// stays pending for the next pass. An interrupt nobody handles is
    /// disabled, or a level-triggered one would re-pend forever.
    fn service_pending_interrupts(&self) {
        let mut gic = self.gic.borrow_mut();
        for _ in 0..MAX_INTERRUPTS_PER_PASS {
            let Some(intid) = gic.next_pending() else {
                return;
            };
            if intid == EL1_VIRTUAL_TIMER {
                self.alarm.handle_interrupt();
            } else if intid == UART0 {
                for _ in 0..MAX_INPUT_PER_PASS {
                    let Some(byte) = self.console.read_byte() else {
                        break;
                    };
                    self.console_input.received(byte);
                }
            } else if intid != EL1_PHYSICAL_TIMER {
                defmt::warn!(
                    "interrupt {=u32} has no handler: disabled",
                    intid.raw_value()
                );
                let _ = gic.disable(intid);
            }
            gic.complete(intid);
        }
    }

    fn sleep(&self) {
        aarch64_cpu_wfi();
    }
}

/// Waits for an interrupt (it wakes the core even though IRQs are masked).
fn aarch64_cpu_wfi() {
    // SAFETY: WFI only suspends execution until an event.
    unsafe { core::arch::asm!("wfi", options(nomem, nostack, preserves_flags)) };
}

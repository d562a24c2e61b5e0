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
//!
//! Boards add devices of their own: a device with an interrupt line is
//! registered with [`QemuVirt::route_interrupt`] (level- or
//! edge-triggered) and its bottom half runs when that interrupt is
//! acknowledged; a device without a usable line is registered with
//! [`QemuVirt::poll_device`] and serviced on every pass on which it reports
//! work, within the same per-pass bound.

use core::cell::{Cell, RefCell};

use aarch64::timer::VirtualAlarm;
use arm_gic::{IntId, Trigger};
use kernel::ErrorCode;
use kernel::hil::uart::ReceiveClient;
use kernel::platform::Chip;

use crate::gic::{EL1_PHYSICAL_TIMER, EL1_VIRTUAL_TIMER, InterruptController, UART0};
use crate::pl011::Pl011;

/// Interrupts serviced per pass of the kernel loop.
pub const MAX_INTERRUPTS_PER_PASS: usize = 16;
/// Console input bytes taken per UART interrupt (two receive FIFOs' worth).
pub const MAX_INPUT_PER_PASS: usize = 64;

/// Device interrupts a board may route ([`QemuVirt::route_interrupt`]).
pub const MAX_DEVICE_INTERRUPTS: usize = 4;

/// The bottom half of a device interrupt.
pub trait InterruptService {
    /// Services the device; called once per acknowledged interrupt, before
    /// it is completed (a level-sensitive line must be lowered here).
    fn service_interrupt(&self);
}

/// A device the kernel loop polls instead of taking its interrupt.
pub trait PolledService {
    /// Whether the device has something to service (cheap: a register or
    /// two).
    fn has_work(&self) -> bool;
    /// Services a bounded amount of that work.
    fn service(&self);
}

/// A device interrupt and the bottom half it is routed to.
type RoutedInterrupt<'a> = (IntId, &'a dyn InterruptService);

/// Interrupt routing and idle for QEMU `virt`.
pub struct QemuVirt<'a> {
    gic: RefCell<InterruptController>,
    alarm: &'a VirtualAlarm<'a>,
    console: Pl011,
    console_input: &'a dyn ReceiveClient,
    devices: [Cell<Option<RoutedInterrupt<'a>>>; MAX_DEVICE_INTERRUPTS],
    polled: Cell<Option<&'a dyn PolledService>>,
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
            devices: [const { Cell::new(None) }; MAX_DEVICE_INTERRUPTS],
            polled: Cell::new(None),
        }
    }

    /// Enables `intid` with `trigger` and runs `device`'s bottom half
    /// whenever it is pending. `NOMEM` when [`MAX_DEVICE_INTERRUPTS`] are
    /// routed already, `ALREADY` for an interrupt routed before, `FAIL` if
    /// the GIC refuses it.
    pub fn route_interrupt(
        &self,
        intid: IntId,
        trigger: Trigger,
        device: &'a dyn InterruptService,
    ) -> Result<(), ErrorCode> {
        if self.service_of(intid).is_some() {
            return Err(ErrorCode::Already);
        }
        let free = self
            .devices
            .iter()
            .find(|slot| slot.get().is_none())
            .ok_or(ErrorCode::NoMem)?;
        let mut gic = self.gic.try_borrow_mut().map_err(|_| ErrorCode::Busy)?;
        gic.enable_with(intid, trigger)
            .map_err(|_| ErrorCode::Fail)?;
        free.set(Some((intid, device)));
        Ok(())
    }

    /// Polls `device` on every pass of the kernel loop (one polled device:
    /// a board with several combines them).
    pub fn poll_device(&self, device: &'a dyn PolledService) {
        self.polled.set(Some(device));
    }

    fn service_of(&self, intid: IntId) -> Option<&'a dyn InterruptService> {
        self.devices.iter().find_map(|slot| match slot.get() {
            Some((routed, device)) if routed == intid => Some(device),
            _ => None,
        })
    }
}

impl Chip for QemuVirt<'_> {
    fn has_pending_interrupts(&self) -> bool {
        self.gic.borrow().has_pending() || self.polled.get().is_some_and(|d| d.has_work())
    }

    /// Services at most [`MAX_INTERRUPTS_PER_PASS`] interrupts and at most
    /// [`MAX_INPUT_PER_PASS`] console bytes, so that no source, however
    /// noisy, keeps the kernel loop from scheduling processes; what is left
    /// stays pending for the next pass. An interrupt nobody handles is
    /// disabled, or a level-triggered one would re-pend forever.
    fn service_pending_interrupts(&self) {
        if let Some(device) = self.polled.get()
            && device.has_work()
        {
            device.service();
        }
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
            } else if let Some(device) = self.service_of(intid) {
                device.service_interrupt();
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

impl<R: crate::edu::EduRegisters> InterruptService for crate::edu::Edu<'_, R> {
    fn service_interrupt(&self) {
        self.handle_interrupt();
    }
}

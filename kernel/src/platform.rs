// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The architecture and chip boundary of the kernel loop: the traits
//! `arch/aarch64` and the chip crates implement (the MMU side is
//! [`crate::memory::AddressSpace`]).

use crate::process::FaultReason;

/// Why a process stopped running and the kernel got control back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum StopReason {
    /// `svc #immediate` with `x0`–`x3`.
    Syscall {
        /// The `svc` immediate (ESR_EL1.ISS\[15:0\]).
        immediate: u16,
        /// `x0`–`x3`.
        args: [u64; 4],
    },
    /// A synchronous exception the process caused.
    Fault(FaultReason),
    /// An interrupt (including the timeslice timer) preempted the process.
    Interrupted,
}

/// The saved EL0 register state of one process and the switch into it.
pub trait UserContext {
    /// Sets up a first run: PC = `entry`, `SP_EL0` = `stack_top`
    /// (16-byte aligned), `x0`–`x3` = `args`, every other register 0,
    /// EL0t AArch64 with interrupts unmasked.
    fn initialize(&mut self, entry: u64, stack_top: u64, args: [u64; 4]);

    /// Writes `x0`–`x3` for the return from the `svc` that stopped the process.
    fn set_syscall_return(&mut self, regs: [u64; 4]);

    /// Arranges an upcall (ABI §6): `x0`–`x3` = `args`, `x30` = the current
    /// resume address (after the `svc`), PC = `entry`.
    fn set_upcall(&mut self, entry: u64, args: [u64; 4]);

    /// Runs the process (its address space already active) until it traps.
    fn switch_to(&mut self) -> StopReason;
}

/// Interrupt bottom halves and idling, implemented by the chip.
pub trait Chip {
    /// True if an interrupt's bottom half is waiting.
    fn has_pending_interrupts(&self) -> bool;
    /// Runs the bottom halves of every pending interrupt.
    fn service_pending_interrupts(&self);
    /// Waits for an interrupt (WFI) with nothing runnable.
    fn sleep(&self);
}

/// The timeslice timer (the generic timer on AArch64).
pub trait SchedulerTimer {
    /// Starts a timeslice of `us` microseconds; its expiry interrupts the
    /// running process.
    fn start(&self, us: u32);
    /// True once the current timeslice has run out.
    fn expired(&self) -> bool;
    /// Cancels the timeslice.
    fn stop(&self);
}

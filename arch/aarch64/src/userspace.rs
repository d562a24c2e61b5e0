// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Running a process at EL0 and getting control back.
//!
//! `switch_to_user` is a coroutine switch: it saves the kernel's
//! callee-saved registers on the kernel stack, records the process context in
//! `TPIDR_EL1`, loads the process's registers and `ERET`s to EL0. The next
//! exception from EL0 (a system call, an interrupt, a fault) enters through
//! the lower-EL vectors, which store the process's full register state back
//! into its [`UserContext`], restore the kernel's registers and return from
//! `switch_to_user` with the reason. The kernel never takes interrupts at EL1
//! (it runs with them masked, see `qemu_virt::gic`), so an interrupt while a
//! process runs is simply one more reason to come back.
//!
//! `SP_EL1` is not touched by EL0 execution, so the lower-EL entry finds the
//! kernel stack exactly where `switch_to_user` left it (Arm ARM DDI 0487K.a
//! D1.3.2, "The stack pointer registers": exceptions taken to EL1 use
//! `SP_EL1` when `SPSel` is 1).
//!
//! Processes run in AArch64 state with `SPSR_EL1.M = 0b0000` (EL0t) and all
//! of D, A, I, F clear: EL0 can always be interrupted. A process can never
//! select another mode: the kernel builds `pstate` itself ([`USER_PSTATE`]).

use crate::esr::Syndrome;
use crate::exceptions::{Kind, Source, VectorKind};

/// EL0t, AArch64, interrupts unmasked (DDI 0487K.a, "SPSR_EL1").
pub const USER_PSTATE: u64 = 0;

/// The saved state of a process's CPU context.
#[repr(C)]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserContext {
    /// General-purpose registers `x0`..=`x30`.
    pub x: [u64; 31],
    /// The EL0 stack pointer.
    pub sp: u64,
    /// Where execution resumes (`ELR_EL1`).
    pub pc: u64,
    /// Saved program status (`SPSR_EL1`); the kernel sets [`USER_PSTATE`].
    pub pstate: u64,
    /// `ESR_EL1` of the last trap out of this context.
    pub esr: u64,
    /// `FAR_EL1` of the last trap out of this context.
    pub far: u64,
    /// The EL0 read/write thread register (`TPIDR_EL0`): EL0 can write it,
    /// so it is per process, or it would carry data between processes.
    pub tpidr: u64,
    /// Keeps the size a multiple of 16 bytes.
    _pad: u64,
}

// Offsets used by the assembly below: x at 0, sp 248, pc 256, pstate 264,
// esr 272, far 280, tpidr 288.
const _: () = assert!(core::mem::size_of::<UserContext>() == 38 * 8);

impl UserContext {
    /// A fresh context that starts at `entry` with stack `sp`.
    pub const fn new(entry: u64, sp: u64) -> Self {
        Self {
            x: [0; 31],
            sp,
            pc: entry,
            pstate: USER_PSTATE,
            esr: 0,
            far: 0,
            tpidr: 0,
            _pad: 0,
        }
    }
}

/// Why a process stopped running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum UserTrap {
    /// `SVC #imm` (the system-call class); `pc` already points past it.
    Svc(u16),
    /// An IRQ or FIQ arrived; the kernel services it and may resume.
    Interrupt,
    /// A synchronous exception other than SVC (abort, undefined
    /// instruction, alignment, trapped FP access, breakpoint...).
    Fault(Syndrome),
    /// An asynchronous system error while the process ran.
    SError(Syndrome),
}

impl UserTrap {
    /// Classifies a lower-EL vector entry and its syndrome.
    pub const fn classify(vector: VectorKind, syndrome: Syndrome) -> Self {
        match vector.kind {
            Kind::Irq | Kind::Fiq => Self::Interrupt,
            Kind::SError => Self::SError(syndrome),
            Kind::Synchronous => match (vector.source, syndrome.class()) {
                (Source::LowerAArch64, crate::esr::ExceptionClass::Svc64) => {
                    Self::Svc(syndrome.imm16())
                }
                _ => Self::Fault(syndrome),
            },
        }
    }
}

/// Runs the process whose state is `context` until it traps back.
///
/// # Safety
///
/// The process's address space must be active (`TTBR0_EL1`), must map
/// `context.pc` and its stack for EL0, and must not give EL0 access to any
/// kernel memory. Must be called at EL1 with IRQs masked.
#[cfg(target_arch = "aarch64")]
pub unsafe fn switch_to_user(context: &mut UserContext) -> UserTrap {
    let index: u64;
    // SAFETY: the assembly saves every callee-saved register it clobbers on
    // the kernel stack and restores it before returning; the caller
    // guarantees EL0 can reach nothing of the kernel's, so the only effect
    // on kernel state is the write-back into `context`.
    unsafe {
        core::arch::asm!(
            "bl {switch}",
            switch = sym __portcullis_switch_to_user,
            inout("x0") core::ptr::from_mut(context) => index,
            clobber_abi("C"),
        );
    }
    UserTrap::classify(VectorKind::from_index(index), Syndrome::new(context.esr))
}

#[cfg(target_arch = "aarch64")]
unsafe extern "C" {
    fn __portcullis_switch_to_user(context: *mut UserContext) -> u64;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exceptions::VectorKind;

    #[test]
    fn svc_from_el0_is_a_system_call_with_its_class() {
        let svc = Syndrome::new((0x15 << 26) | (1 << 25) | 2);
        assert_eq!(
            UserTrap::classify(VectorKind::from_index(8), svc),
            UserTrap::Svc(2)
        );
    }

    #[test]
    fn interrupts_and_faults_are_told_apart() {
        let abort = Syndrome::new(0x9200_000f);
        assert_eq!(
            UserTrap::classify(VectorKind::from_index(9), abort),
            UserTrap::Interrupt
        );
        assert_eq!(
            UserTrap::classify(VectorKind::from_index(10), abort),
            UserTrap::Interrupt
        );
        assert_eq!(
            UserTrap::classify(VectorKind::from_index(8), abort),
            UserTrap::Fault(abort)
        );
        assert_eq!(
            UserTrap::classify(VectorKind::from_index(11), abort),
            UserTrap::SError(abort)
        );
    }

    #[test]
    fn aarch32_svc_is_a_fault_not_a_system_call() {
        // A process cannot enter AArch32, but if it could its SVC would not
        // be decoded as ours.
        let svc32 = Syndrome::new(0x11 << 26);
        assert_eq!(
            UserTrap::classify(VectorKind::from_index(12), svc32),
            UserTrap::Fault(svc32)
        );
    }

    #[test]
    fn new_context_starts_at_el0_with_interrupts_enabled() {
        let context = UserContext::new(0x8000_0000, 0x8010_0000);
        assert_eq!(context.pstate & 0xf, 0, "EL0t");
        assert_eq!(context.pstate & (0xf << 6), 0, "D, A, I, F clear");
        assert_eq!(context.pc, 0x8000_0000);
    }
}

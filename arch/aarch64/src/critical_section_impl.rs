// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The `critical-section` implementation for the single-core kernel.
//!
//! A critical section masks IRQ and FIQ (`DAIFSet`, Arm ARM DDI 0487K.a,
//! "DAIF" register description: I is bit 7, F is bit 6) and restores the
//! previous mask on release, so sections nest. The kernel runs on one core,
//! so masking interrupts on it is enough for mutual exclusion.

use aarch64_cpu::registers::{DAIF, Readable};

struct SingleCoreCriticalSection;
critical_section::set_impl!(SingleCoreCriticalSection);

// SAFETY: on a single core with interrupts masked nothing else runs until
// `release` restores the previous mask.
unsafe impl critical_section::Impl for SingleCoreCriticalSection {
    unsafe fn acquire() -> critical_section::RawRestoreState {
        let irqs_were_enabled = !DAIF.is_set(DAIF::I);
        // SAFETY: masking IRQ and FIQ has no memory effects; the compiler
        // barrier implied by `asm!` keeps protected accesses after it.
        unsafe { core::arch::asm!("msr daifset, #3", options(nostack, preserves_flags)) };
        irqs_were_enabled
    }

    unsafe fn release(irqs_were_enabled: critical_section::RawRestoreState) {
        if irqs_were_enabled {
            // SAFETY: unmasks what `acquire` masked; only reached when they
            // were unmasked before the matching `acquire`.
            unsafe { core::arch::asm!("msr daifclr, #3", options(nostack, preserves_flags)) };
        }
    }
}

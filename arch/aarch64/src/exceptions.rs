// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! EL1 exception vectors and the report for exceptions nobody handles.
//!
//! The vector table has the architectural layout (Arm ARM DDI 0487K.a,
//! "Exception vectors" in D1.3 / the `VBAR_EL1` description): 2 KiB aligned,
//! 16 entries of 0x80 bytes, grouped by source (current EL with `SP_EL0`,
//! current EL with `SP_ELx`, lower EL in AArch64, lower EL in AArch32) and
//! by type (synchronous, IRQ, FIQ, SError). Every entry saves the full
//! general-purpose state into a [`TrapFrame`] on the EL1 stack and calls
//! [`aarch64_handle_exception`] with its [`VectorKind`]; if the installed handler
//! returns, the (possibly modified) frame is restored and `ERET` resumes.
//!
//! Exceptions from EL0 (vectors 8-15) never come here: they end the
//! process's run and return from `userspace::switch_to_user`. The entry
//! assembly for both paths is in [`crate::entry`].
//!
//! Until the kernel installs a handler with [`set_handler`], every exception
//! from EL1 is unexpected: the report names the vector, decodes `ESR_EL1`, prints
//! `FAR_EL1`, `ELR_EL1`, `SPSR_EL1` and the registers, and calls the fatal
//! hook (the board's choice: a semihosting exit under QEMU, a park on
//! hardware).

use core::sync::atomic::{AtomicPtr, Ordering};

use crate::esr::Syndrome;

/// The register state saved on exception entry.
#[repr(C)]
#[derive(Clone, Debug, Default)]
pub struct TrapFrame {
    /// General-purpose registers `x0`..=`x30`.
    pub x: [u64; 31],
    /// The EL0 stack pointer.
    pub sp_el0: u64,
    /// The return address (`ELR_EL1`).
    pub elr: u64,
    /// The saved program status (`SPSR_EL1`).
    pub spsr: u64,
    /// The syndrome (`ESR_EL1`) at entry.
    pub esr: u64,
    /// The fault address (`FAR_EL1`) at entry.
    pub far: u64,
}

/// Size of [`TrapFrame`]; the assembly below hard-codes the same offsets.
const TRAP_FRAME_SIZE: usize = 36 * 8;
const _: () = assert!(core::mem::size_of::<TrapFrame>() == TRAP_FRAME_SIZE);

/// Which of the 16 vectors was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct VectorKind {
    /// Where the exception came from.
    pub source: Source,
    /// What kind of exception it is.
    pub kind: Kind,
}

/// The source group of a vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Source {
    /// Current EL while using `SP_EL0`.
    CurrentSpEl0,
    /// Current EL while using `SP_ELx`.
    CurrentSpElx,
    /// A lower EL running AArch64.
    LowerAArch64,
    /// A lower EL running AArch32.
    LowerAArch32,
}

/// The type of a vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Kind {
    /// Synchronous exception.
    Synchronous,
    /// IRQ.
    Irq,
    /// FIQ.
    Fiq,
    /// System error.
    SError,
}

impl VectorKind {
    /// Decodes the vector index (0..=15) the entry code passes.
    pub const fn from_index(index: u64) -> Self {
        let source = match (index >> 2) & 3 {
            0 => Source::CurrentSpEl0,
            1 => Source::CurrentSpElx,
            2 => Source::LowerAArch64,
            _ => Source::LowerAArch32,
        };
        let kind = match index & 3 {
            0 => Kind::Synchronous,
            1 => Kind::Irq,
            2 => Kind::Fiq,
            _ => Kind::SError,
        };
        Self { source, kind }
    }
}

/// What an installed handler decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Handled; restore the frame and return from the exception.
    Return,
    /// Not this handler's business; report it as unexpected.
    Unexpected,
}

/// A kernel exception handler.
pub type Handler = fn(VectorKind, &mut TrapFrame) -> Disposition;
/// What to do after reporting an unexpected exception. Must not return.
pub type FatalHook = fn() -> !;

static HANDLER: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());
static FATAL: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Installs the kernel's exception handler.
pub fn set_handler(handler: Handler) {
    HANDLER.store(handler as *mut (), Ordering::Release);
}

/// Removes the installed handler: every exception is unexpected again.
pub fn clear_handler() {
    HANDLER.store(core::ptr::null_mut(), Ordering::Release);
}

/// Installs what runs after an unexpected exception has been reported.
pub fn set_fatal_hook(hook: FatalHook) {
    FATAL.store(hook as *mut (), Ordering::Release);
}

/// Dispatches one exception: to the installed handler, else to the report.
#[cfg_attr(target_arch = "aarch64", unsafe(no_mangle))]
pub extern "C" fn aarch64_handle_exception(index: u64, frame: &mut TrapFrame) {
    let kind = VectorKind::from_index(index);
    let handler = HANDLER.load(Ordering::Acquire);
    if !handler.is_null() {
        // SAFETY: only `set_handler` stores into `HANDLER`, always a `Handler`.
        let handler = unsafe { core::mem::transmute::<*mut (), Handler>(handler) };
        if handler(kind, frame) == Disposition::Return {
            return;
        }
    }
    report_unexpected(kind, frame);
    let fatal = FATAL.load(Ordering::Acquire);
    if fatal.is_null() {
        crate::cpu_park();
    }
    // SAFETY: only `set_fatal_hook` stores into `FATAL`, always a `FatalHook`.
    let fatal = unsafe { core::mem::transmute::<*mut (), FatalHook>(fatal) };
    fatal()
}

/// Logs everything known about an exception nobody handled.
pub fn report_unexpected(kind: VectorKind, frame: &TrapFrame) {
    let esr = Syndrome::new(frame.esr);
    defmt::error!("unexpected exception: {} from {}", kind.kind, kind.source);
    defmt::error!("  {}", esr);
    defmt::error!(
        "  FAR={=u64:#018x} ELR={=u64:#018x} SPSR={=u64:#010x}",
        frame.far,
        frame.elr,
        frame.spsr
    );
    for (row, regs) in frame.x.chunks(4).enumerate() {
        let base = row * 4;
        match regs {
            [a, b, c, d] => defmt::error!(
                "  x{=usize:02}={=u64:#018x} x{=usize:02}={=u64:#018x} x{=usize:02}={=u64:#018x} x{=usize:02}={=u64:#018x}",
                base,
                a,
                base + 1,
                b,
                base + 2,
                c,
                base + 3,
                d
            ),
            [a, b, c] => defmt::error!(
                "  x{=usize:02}={=u64:#018x} x{=usize:02}={=u64:#018x} x{=usize:02}={=u64:#018x} sp_el0={=u64:#018x}",
                base,
                a,
                base + 1,
                b,
                base + 2,
                c,
                frame.sp_el0
            ),
            _ => {}
        }
    }
}

/// Points `VBAR_EL1` at the vector table.
#[cfg(target_arch = "aarch64")]
pub(crate) fn install_vectors() {
    use aarch64_cpu::asm::barrier;
    use aarch64_cpu::registers::{VBAR_EL1, Writeable};
    unsafe extern "C" {
        static __exception_vectors: u8;
    }
    let base = (&raw const __exception_vectors) as u64;
    VBAR_EL1.set(base);
    barrier::isb(barrier::SY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_indices_follow_the_architectural_layout() {
        assert_eq!(
            VectorKind::from_index(0),
            VectorKind {
                source: Source::CurrentSpEl0,
                kind: Kind::Synchronous
            }
        );
        assert_eq!(
            VectorKind::from_index(5),
            VectorKind {
                source: Source::CurrentSpElx,
                kind: Kind::Irq
            }
        );
        assert_eq!(
            VectorKind::from_index(8),
            VectorKind {
                source: Source::LowerAArch64,
                kind: Kind::Synchronous
            }
        );
        assert_eq!(
            VectorKind::from_index(15),
            VectorKind {
                source: Source::LowerAArch32,
                kind: Kind::SError
            }
        );
    }

    #[test]
    fn installed_handler_decides_and_may_edit_the_frame() {
        fn skip_instruction(_: VectorKind, frame: &mut TrapFrame) -> Disposition {
            frame.elr += 4;
            Disposition::Return
        }
        set_handler(skip_instruction);
        let mut frame = TrapFrame {
            elr: 0x1000,
            ..TrapFrame::default()
        };
        aarch64_handle_exception(4, &mut frame);
        assert_eq!(frame.elr, 0x1004);
    }
}

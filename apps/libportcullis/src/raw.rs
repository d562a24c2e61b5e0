// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The one place that traps into the kernel: `svc #class` with `x0`–`x3`
//! in and out (ABI §1, §5). Everything else in libportcullis is built on
//! [`syscall`] and [`yield_syscall`].
//!
//! On the target these are a single `svc` each. On the host there is no
//! Portcullis kernel: unit tests install a scripted fake (`fake`), and a
//! non-test host build answers every call with `Failure(NOSUPPORT)`.

/// Issues `svc #CLASS` for every class that returns to the next
/// instruction (all but Yield, whose upcalls clobber more state) and
/// returns `x0`–`x3` as the kernel left them.
///
/// # Safety
///
/// The arguments must not hand the kernel memory the caller does not
/// own for as long as the kernel keeps it (Allow), nor an upcall address
/// that is not a function of the upcall signature (Subscribe). Exit does
/// not return when it succeeds.
#[inline(always)]
pub unsafe fn syscall<const CLASS: u16>(args: [u64; 4]) -> [u64; 4] {
    // SAFETY: forwarded; the caller upholds this function's contract.
    unsafe { imp::syscall::<CLASS>(args) }
}

/// Issues `svc #0` (Yield). An upcall may run before it returns, so every
/// caller-saved register is treated as clobbered (ABI §5).
///
/// # Safety
///
/// Upcalls registered by Subscribe may run; they must be sound to call.
#[inline(always)]
pub unsafe fn yield_syscall(args: [u64; 4]) -> [u64; 4] {
    // SAFETY: forwarded; the caller upholds this function's contract.
    unsafe { imp::yield_syscall(args) }
}

#[cfg(all(target_arch = "aarch64", target_os = "none"))]
mod imp {
    use core::arch::asm;

    #[inline(always)]
    pub(super) unsafe fn syscall<const CLASS: u16>(args: [u64; 4]) -> [u64; 4] {
        let [mut x0, mut x1, mut x2, mut x3] = args;
        // SAFETY: the kernel preserves x4-x30, SP_EL0 and NZCV across every
        // system call that returns and writes only x0-x3 (ABI §5). Memory
        // may be read or written by the kernel (allowed buffers, the
        // yield result byte), so the asm is not `nomem`.
        unsafe {
            asm!(
                "svc #{class}",
                class = const CLASS,
                inout("x0") x0,
                inout("x1") x1,
                inout("x2") x2,
                inout("x3") x3,
                options(nostack),
            );
        }
        [x0, x1, x2, x3]
    }

    #[inline(always)]
    pub(super) unsafe fn yield_syscall(args: [u64; 4]) -> [u64; 4] {
        let [mut x0, mut x1, mut x2, mut x3] = args;
        // SAFETY: an upcall is an AAPCS64 function that may run before the
        // svc "returns" (ABI §6): it may clobber every caller-saved
        // register (x0-x18, x30, flags), which are all declared here;
        // x19-x29 and SP are preserved by the upcall and the kernel.
        unsafe {
            asm!(
                "svc #0",
                inout("x0") x0,
                inout("x1") x1,
                inout("x2") x2,
                inout("x3") x3,
                out("x4") _, out("x5") _, out("x6") _, out("x7") _,
                out("x8") _, out("x9") _, out("x10") _, out("x11") _,
                out("x12") _, out("x13") _, out("x14") _, out("x15") _,
                out("x16") _, out("x17") _, out("x18") _, out("x30") _,
            );
        }
        [x0, x1, x2, x3]
    }
}

#[cfg(all(not(all(target_arch = "aarch64", target_os = "none")), not(test)))]
mod imp {
    /// `Failure(NOSUPPORT)`: there is no Portcullis kernel on the host.
    const NO_KERNEL: [u64; 4] = [0, crate::abi::ErrorCode::NoSupport as u64, 0, 0];

    pub(super) unsafe fn syscall<const CLASS: u16>(_args: [u64; 4]) -> [u64; 4] {
        NO_KERNEL
    }

    pub(super) unsafe fn yield_syscall(_args: [u64; 4]) -> [u64; 4] {
        NO_KERNEL
    }
}

#[cfg(all(not(all(target_arch = "aarch64", target_os = "none")), test))]
mod imp {
    pub(super) unsafe fn syscall<const CLASS: u16>(args: [u64; 4]) -> [u64; 4] {
        super::fake::call(CLASS, args)
    }

    pub(super) unsafe fn yield_syscall(args: [u64; 4]) -> [u64; 4] {
        super::fake::call(crate::abi::class::YIELD, args)
    }
}

/// A scripted kernel for host unit tests: records every call and answers
/// with a closure the test installs (per test thread).
#[cfg(all(not(all(target_arch = "aarch64", target_os = "none")), test))]
pub(crate) mod fake {
    extern crate std;
    use std::boxed::Box;
    use std::cell::RefCell;
    use std::vec::Vec;

    type Handler = Box<dyn FnMut(u16, [u64; 4]) -> [u64; 4]>;

    std::thread_local! {
        static HANDLER: RefCell<Option<Handler>> = RefCell::new(None);
        static LOG: RefCell<Vec<(u16, [u64; 4])>> = const { RefCell::new(Vec::new()) };
    }

    /// Installs `handler` as this thread's kernel and clears the log.
    pub(crate) fn install(handler: impl FnMut(u16, [u64; 4]) -> [u64; 4] + 'static) {
        HANDLER.with(|h| *h.borrow_mut() = Some(Box::new(handler)));
        LOG.with(|l| l.borrow_mut().clear());
    }

    /// Every call made since [`install`], in order.
    pub(crate) fn log() -> Vec<(u16, [u64; 4])> {
        LOG.with(|l| l.borrow().clone())
    }

    pub(super) fn call(class: u16, args: [u64; 4]) -> [u64; 4] {
        LOG.with(|l| l.borrow_mut().push((class, args)));
        HANDLER.with(|h| {
            let mut h = h.borrow_mut();
            let handler = h.as_mut().expect("test installed no fake kernel");
            handler(class, args)
        })
    }
}

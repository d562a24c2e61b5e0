// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Arm semihosting, used to end an emulated run with an exit status.
//!
//! From "Semihosting for AArch32 and AArch64" (Arm, version 3.0): on AArch64
//! the trap is `HLT #0xF000`, the operation number goes in `W0` and the
//! parameter in `X1`. `SYS_EXIT` (0x18) takes a pointer to a two-doubleword
//! block `{reason, subcode}`; with reason `ADP_Stopped_ApplicationExit`
//! (0x20026) the subcode is the exit status the host reports (QEMU's
//! `-semihosting` makes it the emulator's exit code).
//!
//! Only call this where a semihosting host is known to be present (QEMU with
//! `-semihosting-config enable=on`, or a debugger that handles it): without
//! one, `HLT` is an undefined instruction.

/// The guest exit statuses Portcullis uses; the host runner maps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ExitStatus {
    /// The run completed and every check passed.
    Success = 0,
    /// The kernel panicked.
    Panic = 1,
    /// The CPU took an exception the kernel did not expect.
    UnexpectedException = 2,
    /// A test reported a failure.
    TestFailure = 3,
}

/// `SYS_EXIT` operation number.
#[cfg(target_arch = "aarch64")]
const SYS_EXIT: u32 = 0x18;
/// `ADP_Stopped_ApplicationExit` reason code.
#[cfg(target_arch = "aarch64")]
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x2_0026;

/// Ends the emulated machine with `status`.
///
/// If the semihosting host ignores the request, the core parks in a
/// low-power loop so that nothing else runs.
#[cfg(target_arch = "aarch64")]
pub fn exit(status: ExitStatus) -> ! {
    let block: [u64; 2] = [ADP_STOPPED_APPLICATION_EXIT, status as u64];
    // SAFETY: `HLT #0xF000` is the semihosting trap; it reads the two
    // doublewords at X1, which point at `block`, alive for the whole call.
    unsafe {
        core::arch::asm!(
            "hlt #0xf000",
            in("w0") SYS_EXIT,
            in("x1") block.as_ptr(),
            options(nostack, readonly),
        );
    }
    crate::cpu_park()
}

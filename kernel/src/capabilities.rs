// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Capabilities: zero-sized proofs that the caller is trusted to use a
//! privileged kernel API.
//!
//! Each is an `unsafe trait`: implementing one needs `unsafe`, which capsules
//! (`#![forbid(unsafe_code)]`) cannot write, so only the board (or the kernel
//! itself) can mint them. The methods that need one take `&dyn Capability`.

/// May create grants (board set-up only).
///
/// # Safety
/// Implement only in trusted board code: grants hand out process memory.
pub unsafe trait MemoryAllocationCapability {}

/// May load, start, stop and restart processes.
///
/// # Safety
/// Implement only in trusted board code.
pub unsafe trait ProcessManagementCapability {}

/// May run the kernel main loop.
///
/// # Safety
/// Implement only in trusted board code.
pub unsafe trait MainLoopCapability {}

/// May register process lifecycle hooks.
///
/// # Safety
/// Implement only in trusted board code: a hook runs on every process end.
pub unsafe trait LifecycleHookCapability {}

/// Declares a zero-sized capability type implementing the listed traits.
///
/// ```
/// kernel::create_capability!(MainLoop: kernel::capabilities::MainLoopCapability);
/// let cap: &dyn kernel::capabilities::MainLoopCapability = &MainLoop;
/// # let _ = cap;
/// ```
#[macro_export]
macro_rules! create_capability {
    ($name:ident: $($cap:path),+ $(,)?) => {
        struct $name;
        $(
            // SAFETY: expanded only in the code that invoked this macro, which
            // is where the caller chose to grant the capability.
            unsafe impl $cap for $name {}
        )+
    };
}

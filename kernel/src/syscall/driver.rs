// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The interface between the kernel core and the capsules that implement
//! system-call drivers.

use super::command_return::CommandReturn;
use crate::ErrorCode;
use crate::process::ProcessId;

/// A system-call driver (a capsule reachable from userspace).
///
/// Allow and Subscribe never reach the driver: the kernel core validates
/// them and stores them in the driver's grant for the process, where the
/// capsule finds them through `GrantKernelData`. The driver only answers
/// Commands and allocates its grant on request.
pub trait SyscallDriver {
    /// Handles Command `command` with its two full-width arguments. Command 0
    /// MUST return Success (TRD104 4.3.1); unknown commands return
    /// `Failure(NOSUPPORT)`. Must not panic on any argument.
    fn command(&self, command: u32, arg0: u64, arg1: u64, process: ProcessId) -> CommandReturn;

    /// Allocates this driver's grant for `process` (normally by entering the
    /// grant once), so the kernel can store allows and subscriptions there.
    fn allocate_grant(&self, process: ProcessId) -> Result<(), ErrorCode>;
}

/// Maps driver numbers to drivers; the board implements it, usually with a
/// `match` over the constants in [`crate::driver_number`].
pub trait SyscallDriverLookup {
    /// Calls `f` with the driver for `driver_num`, or `None`.
    fn with_driver<R>(&self, driver_num: u32, f: impl FnOnce(Option<&dyn SyscallDriver>) -> R)
    -> R;
}

// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The kernel object: the process table and the operations on it (loading,
//! ending and restarting runs, upcalls), system-call handling and the main
//! loop.

mod lifecycle;
mod run;
mod syscalls;
mod table;

pub use lifecycle::{EndCause, EndOutcome};
pub use run::{ArchProcess, LoopEvent};
pub use syscalls::SyscallOutcome;
pub use table::{AppInfo, Kernel, LoadError, MAX_LIFECYCLE_HOOKS};

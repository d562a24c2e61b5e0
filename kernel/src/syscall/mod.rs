// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The system-call layer: classes, decoding, results and the driver
//! interface, as doc/reference/aarch64-abi.md specifies them.

pub mod class;
pub mod command_return;
pub mod decode;
pub mod driver;
pub mod ret;

pub use class::SyscallClass;
pub use command_return::CommandReturn;
pub use decode::{AllowKind, DecodeError, ExitCall, MemopCall, Syscall, SyscallArgs, YieldCall};
pub use driver::{SyscallDriver, SyscallDriverLookup};
pub use ret::SyscallReturn;

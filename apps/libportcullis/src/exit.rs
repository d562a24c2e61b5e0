// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! How a process ends: the completion codes libportcullis itself uses, and
//! [`Termination`], which turns what `main` returns into a completion code.

use crate::abi::ErrorCode;

/// Completion codes chosen by the runtime (not by apps). Apps use 0 for
/// success and small numbers of their own; these are out of that way.
pub mod code {
    /// `main` returned success.
    pub const SUCCESS: u32 = 0;
    /// The app panicked (Rust's conventional panic status).
    pub const PANIC: u32 = 101;
    /// Start-up found `.data`/`.bss` do not fit the RAM the kernel gave,
    /// or RAM is not where the app was linked (set by the start-up asm).
    pub const BAD_RAM_LAYOUT: u32 = 102;
    /// A scoped allow could not be undone; the kernel might still use a
    /// buffer Rust is about to reuse, so the process must end.
    pub const UNALLOW_FAILED: u32 = 103;
    /// Added to an [`ErrorCode`](crate::abi::ErrorCode) when `main` returns
    /// `Err(code)`: 0x100 + the TRD104 number.
    pub const ERROR_BASE: u32 = 0x100;
}

/// Ends the process with `code` (exit-terminate).
pub fn fatal(code: u32) -> ! {
    crate::syscall::exit_terminate(code)
}

/// What an app's `main` may return (like `std::process::Termination`).
pub trait Termination {
    /// The completion code to exit with.
    fn completion_code(self) -> u32;
}

impl Termination for () {
    fn completion_code(self) -> u32 {
        code::SUCCESS
    }
}

impl Termination for u32 {
    fn completion_code(self) -> u32 {
        self
    }
}

impl Termination for Result<(), ErrorCode> {
    fn completion_code(self) -> u32 {
        match self {
            Ok(()) => code::SUCCESS,
            Err(e) => code::ERROR_BASE + e as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn termination_codes() {
        assert_eq!(().completion_code(), 0);
        assert_eq!(7u32.completion_code(), 7);
        assert_eq!(Ok(()).completion_code(), 0);
        assert_eq!(Err(ErrorCode::Busy).completion_code(), 0x102);
        assert_eq!(Err(ErrorCode::BadRVal).completion_code(), 0x500);
    }
}

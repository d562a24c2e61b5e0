// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! libportcullis: the userspace runtime for Portcullis AArch64 EL0
//! processes (doc/apps.md). It follows doc/reference/aarch64-abi.md:
//!
//! * start-up (`_start`, `.data`/`.bss`, then the app's `main`) and a
//!   panic handler that exits with [`exit::code::PANIC`] (target only);
//! * [`syscall`]: every system-call class, returning `Result`s with a
//!   TRD104 [`ErrorCode`];
//! * [`console`] (`print!`/`println!`) and [`alarm`] (`sleep_ms`);
//! * [`dma`]: IOMMU DMA mappings, the DMA engine, and [`dma::events`] to
//!   collect their upcalls with timeouts;
//! * [`check`]: one-line-per-check reporting for test apps.
//!
//! An app is a `#![no_std] #![no_main]` binary that calls
//! [`main!`](crate::main) with its entry function:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! libportcullis::main!(main);
//! fn main() { libportcullis::println!("hello"); }
//! ```
//!
//! Pure logic (return decoding, the wrappers' register use, console and
//! alarm sequences) is tested on the host against a scripted fake kernel.

#![no_std]

pub mod abi;
pub mod alarm;
pub mod check;
pub mod console;
pub mod dma;
pub mod drivers;
pub mod exit;
pub mod raw;
pub mod syscall;

#[cfg(all(target_arch = "aarch64", target_os = "none"))]
mod start;

pub use abi::ErrorCode;
pub use exit::Termination;

/// Names the app's entry function. It takes nothing and returns anything
/// that is [`Termination`] (`()`, `u32`, `Result<(), ErrorCode>`); the
/// process exits (terminate) with that completion code when it returns.
#[macro_export]
macro_rules! main {
    ($main:path) => {
        #[doc(hidden)]
        #[unsafe(no_mangle)]
        extern "Rust" fn __libportcullis_main() -> u32 {
            $crate::Termination::completion_code($main())
        }
    };
}

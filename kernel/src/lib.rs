// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The Portcullis kernel core.
//!
//! Architecture-independent: everything here builds and is tested on the
//! host. Architecture code lives in `arch/`, chip drivers in `chips/`, and the
//! pieces are joined by a board crate in `boards/`. The architecture boundary
//! is [`platform`] (registers, interrupts, timer) and
//! [`memory::AddressSpace`] (the MMU).

#![no_std]

#[cfg(test)]
extern crate std;

pub mod capabilities;
pub mod debug;
pub mod deferred_call;
pub mod driver_number;
pub mod errorcode;
pub mod grant;
pub mod hil;
pub mod kernel;
pub mod memory;
pub mod platform;
pub mod process;
pub mod process_buffer;
pub mod process_listing;
pub mod process_loader;
pub mod scheduler;
pub mod static_init;
pub mod syscall;
pub mod tbf;
pub mod upcall;
pub mod utilities;

pub use errorcode::ErrorCode;
pub use kernel::Kernel;

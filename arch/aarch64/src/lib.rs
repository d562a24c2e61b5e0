// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Architecture support for AArch64 (Armv8-A) application cores.
//!
//! What lives here is what every AArch64 board shares: the reset entry that
//! drops from EL2 to EL1 and prepares a Rust environment ([`boot`]), the EL1
//! exception vectors and their reports ([`exceptions`]), the decoding of the
//! syndrome registers ([`esr`]), the boot-time MMU map ([`mmu`], with page
//! permissions for the kernel image from [`kernel_map`]), CPU
//! identification ([`cpu`]), the `critical-section` implementation, the
//! semihosting exit used under emulation ([`semihosting`]), the generic
//! timer ([`timer`]), running processes at EL0 ([`userspace`],
//! [`process_tables`], [`address_space`], [`kernel_context`]), cache
//! maintenance ([`cache`]) and the DMA hand-over fences ([`dma_fence`]).
//!
//! Everything that needs AArch64 instructions is compiled only for
//! `target_arch = "aarch64"`; the decoding and table-building logic builds on
//! any host so that it is unit-tested there.

#![no_std]

pub mod address_space;
pub mod boot;
pub mod cache;
pub mod cpu;
pub mod dma_fence;
pub mod entry;
pub mod esr;
pub mod exceptions;
pub mod kernel_context;
pub mod kernel_map;
pub mod mmu;
pub mod process_tables;
pub mod semihosting;
pub mod timer;
pub mod userspace;

#[cfg(target_arch = "aarch64")]
mod critical_section_impl;

// Host unit tests log through the kernel's defmt logger; naming the crate
// links it into the test binary.
#[cfg(test)]
use kernel as _;

/// Stops the executing core for good, waiting for events in low power.
pub fn cpu_park() -> ! {
    loop {
        #[cfg(target_arch = "aarch64")]
        aarch64_cpu::asm::wfe();
        #[cfg(not(target_arch = "aarch64"))]
        core::hint::spin_loop();
    }
}

// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Portcullis on the QEMU `virt` machine.
//!
//! Boot order: the UART comes up first so that everything after it can log
//! (including a fault during the rest of boot), then the exception policy,
//! then the MMU, then the banner. What happens next depends on the build
//! variant (see `Cargo.toml` features): the default image reports and exits
//! 0; `variant-test` runs the in-kernel checks; `variant-fault-data-abort`
//! touches an unmapped address and `variant-panic` panics, to prove the two
//! failure reports.

#![no_std]
#![no_main]

mod apps;
mod banner;
mod dma;
mod io;
mod kernel_loop;
mod memory;
mod process_memory;
mod self_test;

use aarch64::semihosting::{self, ExitStatus};

/// What this image does once it has booted.
enum Variant {
    /// Load the embedded apps and run them to completion (`default`,
    /// `apps-test`, `apps-bench`: they differ only in the bundle the
    /// Makefile embeds).
    RunApps,
    /// Run the in-kernel checks (`test`).
    SelfTest,
    /// Read an unmapped address (`fault-data-abort`).
    FaultDataAbort,
    /// Panic (`panic`).
    Panic,
}

const VARIANT: Variant = if cfg!(feature = "variant-test") {
    Variant::SelfTest
} else if cfg!(feature = "variant-fault-data-abort") {
    Variant::FaultDataAbort
} else if cfg!(feature = "variant-panic") {
    Variant::Panic
} else {
    Variant::RunApps
};

/// Board entry, called by `aarch64::boot` once EL1 is set up.
#[unsafe(no_mangle)]
pub fn board_main() -> ! {
    io::init_console();
    aarch64::exceptions::set_fatal_hook(io::exit_after_unexpected_exception);

    if let Err(error) = memory::enable_mmu() {
        defmt::error!("boot memory map rejected: {}", error);
        semihosting::exit(ExitStatus::Panic);
    }

    banner::print();

    match VARIANT {
        Variant::RunApps => kernel_loop::run(),
        Variant::SelfTest => {
            let status = if self_test::run() {
                ExitStatus::Success
            } else {
                ExitStatus::TestFailure
            };
            io::finish(status)
        }
        Variant::FaultDataAbort => {
            defmt::info!(
                "variant fault-data-abort: reading unmapped address {=u64:#x}",
                memory::UNMAPPED_PROBE
            );
            // SAFETY: deliberately reads an unmapped address: the read
            // faults and the fault policy ends the run, so no value is ever
            // produced.
            let value = unsafe { core::ptr::read_volatile(memory::UNMAPPED_PROBE as *const u64) };
            defmt::error!("read of an unmapped address returned {=u64:#x}", value);
            io::finish(ExitStatus::TestFailure)
        }
        Variant::Panic => {
            let reason = "deliberate panic of the panic variant";
            panic!("{reason} (entered at EL{})", aarch64::boot::entry_el());
        }
    }
}

// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Console, log timestamps, panic handler and the end-of-run policy.
//!
//! Under QEMU the run ends with a semihosting exit whose status the host
//! runner (`portcullis run`) turns into its own exit code.

use aarch64::semihosting::{self, ExitStatus};
use aarch64_cpu::registers::{CNTFRQ_EL0, CNTPCT_EL0, Readable};
use qemu_virt::memory_map::{UART0_BASE, UART0_CLOCK_HZ};
use qemu_virt::pl011::Pl011;

const CONSOLE_BAUD: u32 = 115_200;

/// UART0, the console.
pub(crate) fn uart() -> Pl011 {
    // SAFETY: UART0 is the PL011 at this address on QEMU virt (device tree
    // node `pl011@9000000`), mapped as device memory by `memory`, and only
    // the console drives it.
    unsafe { Pl011::new(UART0_BASE) }
}

/// Sends log bytes to UART0.
fn console_sink(bytes: &[u8]) {
    // The log has nowhere to report lost bytes; the host decoder resyncs
    // at the next frame.
    let _ = uart().write_bytes(bytes);
}

/// Brings up UART0 and routes the kernel log to it.
pub(crate) fn init_console() {
    uart().init(UART0_CLOCK_HZ, CONSOLE_BAUD);
    kernel::debug::set_sink(console_sink);
}

/// Lets the last log bytes leave, then ends the run with `status`.
pub(crate) fn finish(status: ExitStatus) -> ! {
    let _ = uart().flush();
    semihosting::exit(status)
}

/// Fatal hook for exceptions the kernel does not handle.
pub(crate) fn exit_after_unexpected_exception() -> ! {
    finish(ExitStatus::UnexpectedException)
}

// Log timestamps in microseconds since reset, from the generic timer's
// physical count (under `-icount shift=0,sleep=off` it counts instructions).
defmt::timestamp!("{=u64:us}", {
    let frequency = CNTFRQ_EL0.get().max(1);
    let ticks = CNTPCT_EL0.get();
    (u128::from(ticks) * 1_000_000 / u128::from(frequency)) as u64
});

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    match info.location() {
        Some(location) => defmt::error!(
            "kernel panic at {=str}:{=u32}:{=u32}: {}",
            location.file(),
            location.line(),
            location.column(),
            defmt::Display2Format(&info.message())
        ),
        None => defmt::error!("kernel panic: {}", defmt::Display2Format(&info.message())),
    }
    finish(ExitStatus::Panic)
}

// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Process start-up (ABI §5a) and the panic handler. Target only.
//!
//! At entry: PC = 0x8000_1000, SP_EL0 = end of RAM, x0 = image start,
//! x1 = RAM start, x2 = RAM length, x3 = initial break, all else 0. `_start`
//! checks that `.data`/`.bss` (linked at the RAM start, `portcullis_app.ld`)
//! fit the RAM the kernel gave, copies `.data` from its load image, zeroes
//! `.bss`, then calls [`start_rust`], which tells the kernel the memory
//! layout and runs the app's `main` (see [`main!`](crate::main)).

use crate::exit::{Termination, code};
use crate::syscall::{exit_terminate, memop};

/// The entry point: the first instruction after the TBF protected region.
///
/// Written as a naked function so no Rust code runs before `.data` and
/// `.bss` are in place.
#[unsafe(naked)]
#[unsafe(no_mangle)]
#[unsafe(link_section = ".text.start")]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        // x9 = RAM end. The RAM length comes from the kernel's page-rounded
        // minimum RAM, so this cannot overflow; check anyway.
        "adds x9, x1, x2",
        "b.cs 9f",
        // .data and .bss must lie in [RAM start, RAM end).
        "adrp x10, _sdata",
        "add x10, x10, :lo12:_sdata",
        "cmp x10, x1",
        "b.lo 9f",
        "adrp x11, _ebss",
        "add x11, x11, :lo12:_ebss",
        "cmp x11, x9",
        "b.hi 9f",
        // Copy .data from the image: [_sidata..) -> [_sdata, _edata).
        // All three are 8-byte aligned (asserted by the link script).
        "adrp x12, _sidata",
        "add x12, x12, :lo12:_sidata",
        "adrp x13, _edata",
        "add x13, x13, :lo12:_edata",
        "1:",
        "cmp x10, x13",
        "b.hs 2f",
        "ldr x14, [x12], #8",
        "str x14, [x10], #8",
        "b 1b",
        // Zero .bss: [_sbss, _ebss).
        "2:",
        "adrp x10, _sbss",
        "add x10, x10, :lo12:_sbss",
        "3:",
        "cmp x10, x11",
        "b.hs 4f",
        "str xzr, [x10], #8",
        "b 3b",
        // start_rust(ram_start = x1, ram_end = x9, bss_end = x11).
        "4:",
        "mov x0, x1",
        "mov x1, x9",
        "mov x2, x11",
        "bl {start_rust}",
        // start_rust never returns; trap if it somehow does.
        "udf #0",
        // Bad RAM layout: exit-terminate(BAD_RAM_LAYOUT) without touching
        // memory (ABI §4.6: x0 = 0 terminate, x1 = completion code).
        "9:",
        "mov x0, #0",
        "mov x1, #{bad_layout}",
        "svc #6",
        "udf #0",
        start_rust = sym start_rust,
        bad_layout = const code::BAD_RAM_LAYOUT,
    )
}

unsafe extern "Rust" {
    /// The app's `main`, wrapped by [`main!`](crate::main).
    safe fn __libportcullis_main() -> u32;
}

/// The Rust half of start-up: RAM is initialised, the stack is live.
extern "C" fn start_rust(_ram_start: u64, ram_end: u64, bss_end: u64) -> ! {
    // Bookkeeping only (RAM is mapped whole, ABI §4.5), so failures are
    // harmless and ignored: the break starts after the static data, which
    // is also where a heap would begin; the stack grows down from RAM end.
    let _ = memop::brk(bss_end);
    let _ = memop::heap_hint(bss_end);
    let _ = memop::stack_hint(ram_end);
    exit_terminate(__libportcullis_main().completion_code())
}

/// Panics end the process with [`code::PANIC`] after printing where.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::sync::atomic::{AtomicBool, Ordering};
    // A panic while printing the panic must not recurse. One thread, so a
    // plain load and store suffice (no exclusive-access instructions).
    static PANICKING: AtomicBool = AtomicBool::new(false);
    if !PANICKING.load(Ordering::Relaxed) {
        PANICKING.store(true, Ordering::Relaxed);
        crate::println!("panic: {}", info);
    }
    exit_terminate(code::PANIC)
}
